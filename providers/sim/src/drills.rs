//! The sim's own API, beyond the [`Provider`](strata_core::provider::Provider)
//! trait: inspection for tests and the CLI, and the levers drills pull —
//! AZ outages, faults, failovers, snapshots and restores, alarm states.

use serde::{Deserialize, Serialize};
use strata_core::kinds;
use strata_core::provider::ProviderError;

use crate::cloud::Cloud;
use crate::elbv2::TargetHealth;
use crate::faults::FaultConfig;
use crate::objects::DbSnapshot;
use crate::objects::{CacheNode, CacheSnapshot};
use crate::provider::SimProvider;
use crate::{autoscaling, cloudwatch, ec2, elasticache, rds, snapshots};
use strata_core::tags::{ADDRESS_TAG, STACK_TAG};

/// The kind [`SimObject`]s of DB snapshots carry.
pub const DB_SNAPSHOT: &str = "aws.rds.db_snapshot";

/// The kind [`SimObject`]s of cache (Redis) snapshots carry.
pub const CACHE_SNAPSHOT: &str = "aws.elasticache.snapshot";

/// One object in the simulated cloud.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimObject {
    /// Its kind (snapshots: [`DB_SNAPSHOT`]).
    pub kind: String,
    /// Its id.
    pub id: String,
    /// Every tag, system tags included.
    pub tags: std::collections::BTreeMap<String, String>,
    /// Its status now (`available`, `running`, `deleting`, …).
    pub status: String,
}

impl SimObject {
    /// Whether Strata made it (directly, or through a group it made).
    pub fn made_by_strata(&self) -> bool {
        self.tags.contains_key(STACK_TAG) || self.tags.contains_key(ADDRESS_TAG)
    }
}

impl SimProvider {
    /// Every object in the cloud, ASG-launched instances and DB snapshots included.
    pub fn objects(&self) -> Vec<SimObject> {
        self.with_cloud(false, |c, _| Ok(objects(c)))
            .unwrap_or_default()
    }

    /// Whether the cloud holds nothing at all.
    pub fn is_empty(&self) -> bool {
        self.objects().is_empty()
    }

    /// Objects Strata made (tagged with a stack or an address) that still exist.
    pub fn strata_objects(&self) -> Vec<SimObject> {
        self.objects()
            .into_iter()
            .filter(SimObject::made_by_strata)
            .collect()
    }

    /// Takes an AZ down (or brings it back). Down: instances there stop and
    /// turn unhealthy, autoscaling groups replace them in their other AZs,
    /// multi-AZ DB primaries and Redis primaries there fail over.
    pub fn set_az_down(&self, az: &str, down: bool) -> Result<(), ProviderError> {
        self.with_cloud(true, |c, _| {
            if down {
                c.az_down.insert(az.to_string());
                rds::on_az_down(c, az);
                elasticache::on_az_down(c, az);
            } else {
                c.az_down.remove(az);
            }
            let groups: Vec<String> = c
                .live_records(kinds::AUTOSCALING_GROUP)
                .map(|g| g.id.clone())
                .collect();
            for g in groups {
                autoscaling::reconcile(c, &g, ec2::BOOT_SECS);
            }
            Ok(())
        })
    }

    /// The AZs that are down.
    pub fn azs_down(&self) -> Vec<String> {
        self.with_cloud(false, |c, _| Ok(c.az_down.iter().cloned().collect()))
            .unwrap_or_default()
    }

    /// Replaces the injected faults (AZs listed there are taken down too).
    pub fn inject(&self, faults: FaultConfig) -> Result<(), ProviderError> {
        let down = faults.az_down.clone();
        self.with_cloud(false, |_, f| {
            *f = faults;
            Ok(())
        })?;
        for az in down {
            self.set_az_down(&az, true)?;
        }
        Ok(())
    }

    /// The health of every target registered with a target group.
    pub fn target_health(&self, tg_arn: &str) -> Vec<TargetHealth> {
        self.with_cloud(false, |c, f| {
            Ok(crate::traffic::target_health(c, f, tg_arn)
                .into_iter()
                .map(|t| TargetHealth {
                    id: t.id,
                    az: t.az,
                    state: t.state,
                })
                .collect())
        })
        .unwrap_or_default()
    }

    /// Fails a multi-AZ DB primary over to its standby (`RebootDBInstance`
    /// with `ForceFailover`).
    pub fn failover_db(&self, id: &str) -> Result<(), ProviderError> {
        self.with_cloud(true, |c, _| rds::failover(c, id))
    }

    /// Promotes a read replica to a standalone primary.
    pub fn promote_read_replica(&self, id: &str) -> Result<(), ProviderError> {
        self.with_cloud(true, |c, _| rds::promote(c, id))
    }

    /// Fails a Redis replication group over to a replica (`TestFailover`).
    pub fn test_failover_cache(&self, rg_id: &str) -> Result<(), ProviderError> {
        self.with_cloud(true, |c, _| elasticache::failover(c, rg_id))
    }

    /// The nodes of a Redis replication group, primary first.
    pub fn cache_nodes(&self, rg_id: &str) -> Vec<CacheNode> {
        self.with_cloud(false, |c, _| {
            Ok(c.cache_nodes.get(rg_id).cloned().unwrap_or_default())
        })
        .unwrap_or_default()
    }

    /// Starts a manual snapshot of an available DB instance.
    pub fn create_db_snapshot(
        &self,
        db_id: &str,
        snapshot_id: &str,
    ) -> Result<DbSnapshot, ProviderError> {
        self.with_cloud(true, |c, _| snapshots::create(c, db_id, snapshot_id))
    }

    /// Restores an available snapshot into a new DB instance `new_db_id`.
    pub fn restore_db_from_snapshot(
        &self,
        snapshot_id: &str,
        new_db_id: &str,
    ) -> Result<(), ProviderError> {
        self.with_cloud(true, |c, _| snapshots::restore(c, snapshot_id, new_db_id))
    }

    /// Deletes a DB snapshot.
    pub fn delete_db_snapshot(&self, snapshot_id: &str) -> Result<(), ProviderError> {
        self.with_cloud(true, |c, _| snapshots::delete(c, snapshot_id))
    }

    /// Every DB snapshot, with its status at [`DbSnapshot::status`].
    pub fn db_snapshots(&self) -> Vec<DbSnapshot> {
        self.with_cloud(false, |c, _| Ok(c.snapshots.values().cloned().collect()))
            .unwrap_or_default()
    }

    /// Every cache (Redis) snapshot, e.g. the final snapshots of deleted
    /// replication groups, with its status at [`CacheSnapshot::status`].
    pub fn cache_snapshots(&self) -> Vec<CacheSnapshot> {
        self.with_cloud(false, |c, _| {
            Ok(c.cache_snapshots.values().cloned().collect())
        })
        .unwrap_or_default()
    }

    /// The status of a DB snapshot now (`creating`, `available`).
    pub fn db_snapshot_status(&self, snapshot_id: &str) -> Option<String> {
        self.with_cloud(false, |c, _| {
            Ok(c.snapshots
                .get(snapshot_id)
                .map(|s| s.status(c.now).to_string()))
        })
        .ok()
        .flatten()
    }

    /// Sets a CloudWatch alarm's state (`OK`, `ALARM`, `INSUFFICIENT_DATA`).
    pub fn set_alarm_state(&self, alarm_name: &str, state: &str) -> Result<(), ProviderError> {
        self.with_cloud(true, |c, _| cloudwatch::set_state(c, alarm_name, state))
    }

    /// Confirms an SNS subscription (by ARN), as the owner of its email
    /// address or URL would: it is no longer `pending_confirmation`.
    pub fn confirm_subscription(&self, arn: &str) -> Result<(), ProviderError> {
        self.with_cloud(true, |c, _| crate::sns::confirm(c, arn))
    }
}

fn objects(c: &Cloud) -> Vec<SimObject> {
    let mut out: Vec<SimObject> = c
        .objects
        .values()
        .flat_map(|m| m.values())
        .map(|r| SimObject {
            kind: r.kind.clone(),
            id: r.id.clone(),
            tags: r
                .tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            status: if r.kind == kinds::INSTANCE {
                ec2::instance_state(c, r)
            } else {
                r.status(c.now).to_string()
            },
        })
        .collect();
    out.extend(c.snapshots.values().map(|s| SimObject {
        kind: DB_SNAPSHOT.into(),
        id: s.id.clone(),
        tags: std::collections::BTreeMap::new(),
        status: s.status(c.now).into(),
    }));
    out.extend(c.cache_snapshots.values().map(|s| SimObject {
        kind: CACHE_SNAPSHOT.into(),
        id: s.name.clone(),
        tags: std::collections::BTreeMap::new(),
        status: s.status(c.now).into(),
    }));
    out
}
