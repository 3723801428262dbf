//! The [`DrillOps`](strata_core::provider::DrillOps) capability on the AWS
//! SDK: RDS snapshots (manual and automated), restores,
//! renames, reboots with `ForceFailover`, replica promotion, ElastiCache
//! `TestFailover`, target (de)registration, suspended autoscaling processes,
//! and finding drill resources by their [`DRILL_TAG`].
//!
//! An AZ cannot be turned off on AWS, so the provider offers no
//! [`ZoneOutage`](strata_core::provider::ZoneOutage), and AZ drills
//! deregister targets instead.
//!
//! DescribeDBInstances and DescribeDBSnapshots cannot filter on tags, so
//! [`find_drill_resources`] lists both and keeps what carries the tag.

use std::collections::BTreeMap;

use aws_sdk_autoscaling::operation::resume_processes::ResumeProcessesError;
use aws_sdk_autoscaling::operation::suspend_processes::SuspendProcessesError;
use aws_sdk_elasticache::types::AutomaticFailoverStatus;
use aws_sdk_elasticloadbalancingv2::types::TargetDescription;
use aws_sdk_rds::types::{DbInstance as SdkDbInstance, DbSnapshot as SdkDbSnapshot, Tag};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use strata_core::drill::{
    CacheNode, CacheReplicationGroup, CreateDbSnapshotRequest, DbInstance, DbSnapshot,
    DescribeDbSnapshotsRequest, DrillResource, DrillResourceKind, RenameDbRequest,
    RestoreDbRequest, SnapshotType, DRILL_TAG,
};
use strata_core::provider::ProviderError;

use crate::config::Clients;
use crate::errors::{code_of, map};

/// Maps an SDK error of a drill operation. An answer without an AWS error
/// code and with a 5xx status is what an endpoint that does not implement
/// the operation gives (moto answers `TestFailover` with a bare HTTP 500):
/// it is reported as an API error naming the operation, not retried.
fn op_err<E>(operation: &'static str) -> impl FnOnce(SdkError<E, HttpResponse>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    move |err| {
        let status = err.raw_response().map(|r| r.status().as_u16());
        let mapped = map(err);
        match status {
            Some(status) if status >= 500 && code_of(&mapped) == Some("Unknown") => {
                ProviderError::Api {
                    code: "Unknown".into(),
                    message: format!(
                        "{operation} failed: the endpoint answered HTTP {status} without an AWS error code"
                    ),
                    help: Some(format!(
                        "endpoints that do not implement {operation} answer so (moto does not implement ElastiCache TestFailover); run this drill against AWS"
                    )),
                }
            }
            _ => mapped,
        }
    }
}

fn rds_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

fn millis(t: Option<&aws_smithy_types::DateTime>) -> u64 {
    t.and_then(|t| t.to_millis().ok())
        .and_then(|ms| u64::try_from(ms).ok())
        .unwrap_or(0)
}

fn db_instance(d: &SdkDbInstance) -> DbInstance {
    DbInstance {
        id: d.db_instance_identifier().unwrap_or_default().to_string(),
        status: d.db_instance_status().unwrap_or_default().to_string(),
        engine: d.engine().unwrap_or_default().to_string(),
        engine_version: d.engine_version().unwrap_or_default().to_string(),
        encrypted: d.storage_encrypted().unwrap_or(false),
        endpoint: d.endpoint().and_then(|e| match (e.address(), e.port()) {
            (Some(h), Some(p)) => Some(format!("{h}:{p}")),
            _ => None,
        }),
        availability_zone: d.availability_zone().map(str::to_string),
        secondary_availability_zone: d.secondary_availability_zone().map(str::to_string),
        multi_az: d.multi_az().unwrap_or(false),
        replica_of: d
            .read_replica_source_db_instance_identifier()
            .map(|s| crate::util::arn_tail(s).to_string()),
        class: d.db_instance_class().unwrap_or_default().to_string(),
        subnet_group: d
            .db_subnet_group()
            .and_then(|g| g.db_subnet_group_name())
            .map(str::to_string),
        security_group_ids: d
            .vpc_security_groups()
            .iter()
            .filter_map(|g| g.vpc_security_group_id())
            .map(str::to_string)
            .collect(),
        parameter_group: d
            .db_parameter_groups()
            .first()
            .and_then(|g| g.db_parameter_group_name())
            .map(str::to_string),
        deletion_protection: d.deletion_protection().unwrap_or(false),
        tags: tag_map(d.tag_list()),
    }
}

fn db_snapshot(s: &SdkDbSnapshot) -> DbSnapshot {
    DbSnapshot {
        id: s.db_snapshot_identifier().unwrap_or_default().to_string(),
        db_id: s.db_instance_identifier().unwrap_or_default().to_string(),
        status: s.status().unwrap_or_default().to_string(),
        created_ms: millis(s.snapshot_create_time()),
        engine: s.engine().unwrap_or_default().to_string(),
        engine_version: s.engine_version().unwrap_or_default().to_string(),
        encrypted: s.encrypted().unwrap_or(false),
        snapshot_type: if s.snapshot_type() == Some("automated") {
            SnapshotType::Automated
        } else {
            SnapshotType::Manual
        },
        tags: tag_map(s.tag_list()),
    }
}

fn vanished(operation: &str, id: &str) -> ProviderError {
    ProviderError::api(
        "Unknown",
        format!("{operation} for {id} returned no description"),
    )
}

/// `DescribeDBInstances` for one identifier.
pub(crate) async fn describe_db_instance(
    c: &Clients,
    db_id: &str,
) -> Result<DbInstance, ProviderError> {
    let resp = c
        .rds
        .describe_db_instances()
        .db_instance_identifier(db_id)
        .send()
        .await
        .map_err(op_err("DescribeDBInstances"))?;
    resp.db_instances()
        .first()
        .map(db_instance)
        .ok_or_else(|| ProviderError::NotFound {
            kind: "DB instance".into(),
            id: db_id.to_string(),
        })
}

/// `CreateDBSnapshot`, tagged.
pub(crate) async fn create_db_snapshot(
    c: &Clients,
    req: &CreateDbSnapshotRequest,
) -> Result<DbSnapshot, ProviderError> {
    let resp = c
        .rds
        .create_db_snapshot()
        .db_instance_identifier(&req.db_id)
        .db_snapshot_identifier(&req.snapshot_id)
        .set_tags(Some(rds_tags(&req.tags)))
        .send()
        .await
        .map_err(op_err("CreateDBSnapshot"))?;
    let mut snap = resp
        .db_snapshot()
        .map(db_snapshot)
        .ok_or_else(|| vanished("CreateDBSnapshot", &req.snapshot_id))?;
    // The answer may leave the tags out; they were set as asked.
    if snap.tags.is_empty() {
        snap.tags = req.tags.clone();
    }
    Ok(snap)
}

/// `DescribeDBSnapshots` with its filters, oldest first.
pub(crate) async fn describe_db_snapshots(
    c: &Clients,
    req: &DescribeDbSnapshotsRequest,
) -> Result<Vec<DbSnapshot>, ProviderError> {
    let pages = c
        .rds
        .describe_db_snapshots()
        .set_db_instance_identifier(req.db_id.clone())
        .set_db_snapshot_identifier(req.snapshot_id.clone())
        .set_snapshot_type(req.snapshot_type.map(|t| t.as_aws().to_string()))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(op_err("DescribeDBSnapshots"))?;
    let mut out: Vec<DbSnapshot> = pages
        .iter()
        .flat_map(|p| p.db_snapshots())
        .map(db_snapshot)
        .filter(|s| req.snapshot_type.is_none_or(|t| t == s.snapshot_type))
        .collect();
    out.sort_by_key(|s| s.created_ms);
    Ok(out)
}

/// `DeleteDBSnapshot`.
pub(crate) async fn delete_db_snapshot(c: &Clients, id: &str) -> Result<(), ProviderError> {
    c.rds
        .delete_db_snapshot()
        .db_snapshot_identifier(id)
        .send()
        .await
        .map_err(op_err("DeleteDBSnapshot"))?;
    Ok(())
}

/// `RestoreDBInstanceFromDBSnapshot`.
pub(crate) async fn restore_db_instance_from_db_snapshot(
    c: &Clients,
    req: &RestoreDbRequest,
) -> Result<DbInstance, ProviderError> {
    let sgs = (!req.security_group_ids.is_empty()).then(|| req.security_group_ids.clone());
    let resp = c
        .rds
        .restore_db_instance_from_db_snapshot()
        .db_snapshot_identifier(&req.snapshot_id)
        .db_instance_identifier(&req.db_id)
        .db_instance_class(&req.class)
        .set_db_subnet_group_name(req.subnet_group.clone())
        .set_vpc_security_group_ids(sgs)
        .set_db_parameter_group_name(req.parameter_group.clone())
        .multi_az(req.multi_az)
        .deletion_protection(req.deletion_protection)
        .set_tags(Some(rds_tags(&req.tags)))
        .send()
        .await
        .map_err(op_err("RestoreDBInstanceFromDBSnapshot"))?;
    let mut db = resp
        .db_instance()
        .map(db_instance)
        .ok_or_else(|| vanished("RestoreDBInstanceFromDBSnapshot", &req.db_id))?;
    if db.tags.is_empty() {
        db.tags = req.tags.clone();
    }
    Ok(db)
}

/// `DeleteDBInstance` with `SkipFinalSnapshot`.
pub(crate) async fn delete_db_instance(c: &Clients, db_id: &str) -> Result<(), ProviderError> {
    c.rds
        .delete_db_instance()
        .db_instance_identifier(db_id)
        .skip_final_snapshot(true)
        .send()
        .await
        .map_err(op_err("DeleteDBInstance"))?;
    Ok(())
}

/// Adds and removes tags on an RDS resource.
async fn retag(
    c: &Clients,
    arn: &str,
    add: &BTreeMap<String, String>,
    remove: &[String],
) -> Result<(), ProviderError> {
    if !remove.is_empty() {
        c.rds
            .remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(remove.to_vec()))
            .send()
            .await
            .map_err(op_err("RemoveTagsFromResource"))?;
    }
    if !add.is_empty() {
        c.rds
            .add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(rds_tags(add)))
            .send()
            .await
            .map_err(op_err("AddTagsToResource"))?;
    }
    Ok(())
}

/// `ModifyDBInstance` with `NewDBInstanceIdentifier` and `ApplyImmediately`.
///
/// The tags change first, on the instance as it is named now: were the
/// rename to go first and the tagging fail, an instance taking a
/// production name would still carry [`DRILL_TAG`], and cleanup deletes
/// what carries it. If the rename fails, the tags are put back.
pub(crate) async fn modify_db_instance_identifier(
    c: &Clients,
    req: &RenameDbRequest,
) -> Result<DbInstance, ProviderError> {
    let resp = c
        .rds
        .describe_db_instances()
        .db_instance_identifier(&req.db_id)
        .send()
        .await
        .map_err(op_err("DescribeDBInstances"))?;
    let current = resp
        .db_instances()
        .first()
        .ok_or_else(|| ProviderError::NotFound {
            kind: "DB instance".into(),
            id: req.db_id.clone(),
        })?;
    let arn = current
        .db_instance_arn()
        .ok_or_else(|| vanished("DescribeDBInstances (DBInstanceArn)", &req.db_id))?
        .to_string();
    let before = tag_map(current.tag_list());
    retag(c, &arn, &req.add_tags, &req.remove_tags).await?;
    let renamed = c
        .rds
        .modify_db_instance()
        .db_instance_identifier(&req.db_id)
        .new_db_instance_identifier(&req.new_db_id)
        .apply_immediately(true)
        .send()
        .await
        .map_err(op_err("ModifyDBInstance"));
    if let Err(e) = renamed {
        let restore: BTreeMap<String, String> = before
            .iter()
            .filter(|(k, _)| req.remove_tags.contains(k) || req.add_tags.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let added: Vec<String> = req
            .add_tags
            .keys()
            .filter(|k| !before.contains_key(*k))
            .cloned()
            .collect();
        return match retag(c, &arn, &restore, &added).await {
            Ok(()) => Err(e),
            Err(undo) => Err(ProviderError::api(
                crate::errors::code_of(&e).unwrap_or("Unknown"),
                format!(
                    "{e}; putting the tags of {} back failed too: {undo}",
                    req.db_id
                ),
            )),
        };
    }
    // AWS renames a moment later: until then the instance answers to its
    // old name.
    match describe_db_instance(c, &req.new_db_id).await {
        Ok(db) => Ok(db),
        Err(e) if crate::errors::is_not_found(&e) => describe_db_instance(c, &req.db_id).await,
        Err(e) => Err(e),
    }
}

/// `RebootDBInstance`, with `ForceFailover` when asked.
pub(crate) async fn reboot_db_instance(
    c: &Clients,
    db_id: &str,
    force_failover: bool,
) -> Result<(), ProviderError> {
    c.rds
        .reboot_db_instance()
        .db_instance_identifier(db_id)
        .force_failover(force_failover)
        .send()
        .await
        .map_err(op_err("RebootDBInstance"))?;
    Ok(())
}

/// `PromoteReadReplica`.
pub(crate) async fn promote_read_replica(c: &Clients, db_id: &str) -> Result<(), ProviderError> {
    c.rds
        .promote_read_replica()
        .db_instance_identifier(db_id)
        .send()
        .await
        .map_err(op_err("PromoteReadReplica"))?;
    Ok(())
}

/// `DescribeReplicationGroups` for one group: its first node group's
/// members, primary first.
pub(crate) async fn describe_replication_group(
    c: &Clients,
    id: &str,
) -> Result<CacheReplicationGroup, ProviderError> {
    let resp = c
        .cache
        .describe_replication_groups()
        .replication_group_id(id)
        .send()
        .await
        .map_err(op_err("DescribeReplicationGroups"))?;
    let g = resp
        .replication_groups()
        .first()
        .ok_or_else(|| ProviderError::NotFound {
            kind: "replication group".into(),
            id: id.to_string(),
        })?;
    let group = g.node_groups().first();
    let mut nodes: Vec<CacheNode> = group
        .map(|n| n.node_group_members())
        .unwrap_or_default()
        .iter()
        .map(|m| CacheNode {
            id: m.cache_cluster_id().unwrap_or_default().to_string(),
            availability_zone: m
                .preferred_availability_zone()
                .unwrap_or_default()
                .to_string(),
            role: m.current_role().unwrap_or_default().to_string(),
        })
        .collect();
    nodes.sort_by_key(|n| n.role != "primary");
    Ok(CacheReplicationGroup {
        id: g.replication_group_id().unwrap_or(id).to_string(),
        status: g.status().unwrap_or_default().to_string(),
        automatic_failover: g.automatic_failover() == Some(&AutomaticFailoverStatus::Enabled),
        primary_endpoint: group
            .and_then(|n| n.primary_endpoint())
            .and_then(|e| e.address())
            .map(str::to_string),
        nodes,
    })
}

/// ElastiCache `TestFailover`.
pub(crate) async fn test_failover(
    c: &Clients,
    replication_group_id: &str,
    node_group_id: &str,
) -> Result<(), ProviderError> {
    c.cache
        .test_failover()
        .replication_group_id(replication_group_id)
        .node_group_id(node_group_id)
        .send()
        .await
        .map_err(op_err("TestFailover"))?;
    Ok(())
}

fn targets(ids: &[String]) -> Vec<TargetDescription> {
    ids.iter()
        .map(|i| TargetDescription::builder().id(i).build())
        .collect()
}

/// `DeregisterTargets`.
pub(crate) async fn deregister_targets(
    c: &Clients,
    target_group_arn: &str,
    ids: &[String],
) -> Result<(), ProviderError> {
    if ids.is_empty() {
        return Ok(());
    }
    c.elb
        .deregister_targets()
        .target_group_arn(target_group_arn)
        .set_targets(Some(targets(ids)))
        .send()
        .await
        .map_err(op_err("DeregisterTargets"))?;
    Ok(())
}

/// `RegisterTargets`, on the target group's port.
pub(crate) async fn register_targets(
    c: &Clients,
    target_group_arn: &str,
    ids: &[String],
) -> Result<(), ProviderError> {
    if ids.is_empty() {
        return Ok(());
    }
    c.elb
        .register_targets()
        .target_group_arn(target_group_arn)
        .set_targets(Some(targets(ids)))
        .send()
        .await
        .map_err(op_err("RegisterTargets"))?;
    Ok(())
}

/// `SuspendProcesses` (`resume: false`) or `ResumeProcesses`.
pub(crate) async fn set_processes(
    c: &Clients,
    asg_name: &str,
    processes: &[String],
    resume: bool,
) -> Result<(), ProviderError> {
    let procs = Some(processes.to_vec());
    if resume {
        c.asg
            .resume_processes()
            .auto_scaling_group_name(asg_name)
            .set_scaling_processes(procs)
            .send()
            .await
            .map_err(op_err::<ResumeProcessesError>("ResumeProcesses"))?;
    } else {
        c.asg
            .suspend_processes()
            .auto_scaling_group_name(asg_name)
            .set_scaling_processes(procs)
            .send()
            .await
            .map_err(op_err::<SuspendProcessesError>("SuspendProcesses"))?;
    }
    Ok(())
}

/// DB instances and manual DB snapshots tagged [`DRILL_TAG`] (with this
/// drill id, if given), sorted.
pub(crate) async fn find_drill_resources(
    c: &Clients,
    drill_id: Option<&str>,
) -> Result<Vec<DrillResource>, ProviderError> {
    let wanted = |tags: &BTreeMap<String, String>| -> Option<String> {
        let v = tags.get(DRILL_TAG)?;
        drill_id.is_none_or(|d| d == v).then(|| v.clone())
    };
    let mut out = Vec::new();
    let dbs = c
        .rds
        .describe_db_instances()
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(op_err("DescribeDBInstances"))?;
    for d in dbs.iter().flat_map(|p| p.db_instances()) {
        let db = db_instance(d);
        if let Some(drill) = wanted(&db.tags) {
            out.push(DrillResource {
                kind: DrillResourceKind::DbInstance,
                id: db.id,
                drill_id: drill,
                status: db.status,
            });
        }
    }
    let snaps = c
        .rds
        .describe_db_snapshots()
        .snapshot_type("manual")
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(op_err("DescribeDBSnapshots"))?;
    for s in snaps.iter().flat_map(|p| p.db_snapshots()) {
        let snap = db_snapshot(s);
        if let Some(drill) = wanted(&snap.tags) {
            out.push(DrillResource {
                kind: DrillResourceKind::DbSnapshot,
                id: snap.id,
                drill_id: drill,
                status: snap.status,
            });
        }
    }
    out.sort();
    Ok(out)
}
