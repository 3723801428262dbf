//! The sim's capabilities beyond resources: release-gate [`Signals`] from
//! its simulated traffic, [`DrillOps`] and [`ZoneOutage`].

use std::collections::BTreeMap;

use async_trait::async_trait;
use strata_core::drill::{
    CacheReplicationGroup, CreateDbSnapshotRequest, DbInstance, DbSnapshot,
    DescribeDbSnapshotsRequest, DrillResource, RenameDbRequest, RestoreDbRequest,
};
use strata_core::kinds;
use strata_core::provider::{
    DrillOps, MetricsRequest, ProviderError, Signals, TargetHealth, TargetMetrics, ZoneOutage,
};

use crate::attrs::api;
use crate::cloud::Cloud;
use crate::faults::FaultConfig;
use crate::provider::SimProvider;
use crate::{autoscaling, elasticache, elbv2, rds, rds_ops, snapshots};

#[async_trait]
impl Signals for SimProvider {
    async fn target_health(
        &self,
        target_group_arn: &str,
    ) -> Result<Vec<TargetHealth>, ProviderError> {
        self.on(kinds::TARGET_GROUP, false, |c, f| {
            if c.live(kinds::TARGET_GROUP, target_group_arn).is_none() {
                return Err(api(
                    "TargetGroupNotFound",
                    format!("Target group '{target_group_arn}' not found"),
                ));
            }
            Ok(crate::traffic::target_health(c, f, target_group_arn))
        })
        .await
    }

    async fn target_metrics(&self, req: MetricsRequest) -> Result<TargetMetrics, ProviderError> {
        self.on(kinds::METRIC_ALARM, false, |c, f| {
            Ok(crate::traffic::metrics(c, f, &req))
        })
        .await
    }

    async fn alarm_states(
        &self,
        names: &[String],
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        self.on(kinds::METRIC_ALARM, false, |c, _| {
            Ok(crate::traffic::alarm_states(c, names))
        })
        .await
    }
}

#[async_trait]
impl DrillOps for SimProvider {
    async fn describe_db_instance(&self, db_id: &str) -> Result<DbInstance, ProviderError> {
        self.on(kinds::DB_INSTANCE, false, |c, _| {
            rds_ops::describe_db(c, db_id)
        })
        .await
    }

    async fn create_db_snapshot(
        &self,
        req: CreateDbSnapshotRequest,
    ) -> Result<DbSnapshot, ProviderError> {
        self.on(kinds::DB_INSTANCE, true, |c, _| {
            rds_ops::create_snapshot(c, &req)
        })
        .await
    }

    async fn describe_db_snapshots(
        &self,
        req: DescribeDbSnapshotsRequest,
    ) -> Result<Vec<DbSnapshot>, ProviderError> {
        self.on(kinds::DB_INSTANCE, true, |c, _| {
            Ok(rds_ops::describe_snapshots(c, &req))
        })
        .await
    }

    async fn delete_db_snapshot(&self, snapshot_id: &str) -> Result<(), ProviderError> {
        self.on(kinds::DB_INSTANCE, true, |c, _| {
            rds_ops::delete_snapshot(c, snapshot_id)
        })
        .await
    }

    async fn restore_db_instance_from_db_snapshot(
        &self,
        req: RestoreDbRequest,
    ) -> Result<DbInstance, ProviderError> {
        self.on(kinds::DB_INSTANCE, true, |c, _| {
            snapshots::restore_with(c, &req)?;
            rds_ops::describe_db(c, &req.db_id)
        })
        .await
    }

    async fn delete_db_instance(&self, db_id: &str) -> Result<(), ProviderError> {
        self.on(kinds::DB_INSTANCE, true, |c, _| {
            rds_ops::delete_db(c, db_id)
        })
        .await
    }

    async fn modify_db_instance_identifier(
        &self,
        req: RenameDbRequest,
    ) -> Result<DbInstance, ProviderError> {
        self.on(kinds::DB_INSTANCE, true, |c, _| rds_ops::rename_db(c, &req))
            .await
    }

    async fn reboot_db_instance(
        &self,
        db_id: &str,
        force_failover: bool,
    ) -> Result<(), ProviderError> {
        self.on(kinds::DB_INSTANCE, true, |c, _| {
            rds_ops::reboot_db(c, db_id, force_failover)
        })
        .await
    }

    async fn promote_read_replica(&self, db_id: &str) -> Result<(), ProviderError> {
        self.on(kinds::DB_INSTANCE, true, |c, _| rds::promote(c, db_id))
            .await
    }

    async fn describe_replication_group(
        &self,
        replication_group_id: &str,
    ) -> Result<CacheReplicationGroup, ProviderError> {
        self.on(kinds::REPLICATION_GROUP, false, |c, _| {
            elasticache::describe_group(c, replication_group_id)
        })
        .await
    }

    async fn test_failover(
        &self,
        replication_group_id: &str,
        node_group_id: &str,
    ) -> Result<(), ProviderError> {
        self.on(kinds::REPLICATION_GROUP, true, |c, _| {
            elasticache::test_failover(c, replication_group_id, node_group_id)
        })
        .await
    }

    async fn deregister_targets(
        &self,
        target_group_arn: &str,
        target_ids: &[String],
    ) -> Result<(), ProviderError> {
        self.on(kinds::TARGET_GROUP, true, |c, _| {
            elbv2::deregister_targets(c, target_group_arn, target_ids)
        })
        .await
    }

    async fn register_targets(
        &self,
        target_group_arn: &str,
        target_ids: &[String],
    ) -> Result<(), ProviderError> {
        self.on(kinds::TARGET_GROUP, true, |c, _| {
            elbv2::register_targets(c, target_group_arn, target_ids)
        })
        .await
    }

    async fn suspend_processes(
        &self,
        asg_name: &str,
        processes: &[String],
    ) -> Result<(), ProviderError> {
        self.on(kinds::AUTOSCALING_GROUP, true, |c, _| {
            autoscaling::set_processes(c, asg_name, processes, true)
        })
        .await
    }

    async fn resume_processes(
        &self,
        asg_name: &str,
        processes: &[String],
    ) -> Result<(), ProviderError> {
        self.on(kinds::AUTOSCALING_GROUP, true, |c, _| {
            autoscaling::set_processes(c, asg_name, processes, false)
        })
        .await
    }

    async fn find_drill_resources(
        &self,
        drill_id: Option<&str>,
    ) -> Result<Vec<DrillResource>, ProviderError> {
        self.on(kinds::DB_INSTANCE, false, |c, _| {
            Ok(rds_ops::drill_resources(c, drill_id))
        })
        .await
    }
}

#[async_trait]
impl ZoneOutage for SimProvider {
    async fn simulate_az_outage(&self, az: &str, down: bool) -> Result<(), ProviderError> {
        self.with_cloud(false, |c, _| crate::network::check_az(c, az))?;
        self.set_az_down(az, down)
    }
}

impl SimProvider {
    /// One capability call on `kind`: the kind's latency, then `f` on the
    /// cloud (with faults for the kind; `writes` if it changes the cloud).
    async fn on<R>(
        &self,
        kind: &str,
        writes: bool,
        f: impl FnOnce(&mut Cloud, &mut FaultConfig) -> Result<R, ProviderError>,
    ) -> Result<R, ProviderError> {
        self.latency(kind).await;
        self.call(Some(kind), writes, f)
    }
}
