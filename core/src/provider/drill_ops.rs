//! [`DrillOps`]: the operations recovery drills use (snapshots, restores,
//! failovers, target deregistration, process suspension), and
//! [`ZoneOutage`], which only a simulated cloud offers. Plan and apply never
//! use them. The requests and answers live in [`crate::drill`].

use async_trait::async_trait;

use super::ProviderError;
use crate::drill::{
    CacheReplicationGroup, CreateDbSnapshotRequest, DbInstance, DbSnapshot,
    DescribeDbSnapshotsRequest, DrillResource, RenameDbRequest, RestoreDbRequest,
};

/// The cloud operations of backup-restore and failover drills, named after
/// the AWS APIs they map to. Reached through
/// [`Provider::capabilities`](super::Provider::capabilities).
#[async_trait]
pub trait DrillOps: Send + Sync {
    /// Describes one DB instance (`DescribeDBInstances`).
    async fn describe_db_instance(&self, db_id: &str) -> Result<DbInstance, ProviderError>;

    /// Starts a manual snapshot (`CreateDBSnapshot`).
    async fn create_db_snapshot(
        &self,
        req: CreateDbSnapshotRequest,
    ) -> Result<DbSnapshot, ProviderError>;

    /// Lists DB snapshots (`DescribeDBSnapshots`; `SnapshotType=automated`
    /// for the backups RDS takes itself).
    async fn describe_db_snapshots(
        &self,
        req: DescribeDbSnapshotsRequest,
    ) -> Result<Vec<DbSnapshot>, ProviderError>;

    /// Deletes a DB snapshot (`DeleteDBSnapshot`).
    async fn delete_db_snapshot(&self, snapshot_id: &str) -> Result<(), ProviderError>;

    /// Starts restoring a snapshot into a new instance
    /// (`RestoreDBInstanceFromDBSnapshot`).
    async fn restore_db_instance_from_db_snapshot(
        &self,
        req: RestoreDbRequest,
    ) -> Result<DbInstance, ProviderError>;

    /// Starts deleting a DB instance without a final snapshot
    /// (`DeleteDBInstance` with `SkipFinalSnapshot`). Drills call it only on
    /// instances tagged [`DRILL_TAG`](crate::tags::DRILL_TAG).
    async fn delete_db_instance(&self, db_id: &str) -> Result<(), ProviderError>;

    /// Renames a DB instance and updates its tags (`ModifyDBInstance` with
    /// `NewDBInstanceIdentifier`, `ApplyImmediately`; `AddTagsToResource`,
    /// `RemoveTagsFromResource`). Used by `--promote` drills.
    async fn modify_db_instance_identifier(
        &self,
        req: RenameDbRequest,
    ) -> Result<DbInstance, ProviderError>;

    /// Reboots a DB instance, failing a multi-AZ primary over to its standby
    /// when `force_failover` (`RebootDBInstance` with `ForceFailover`).
    async fn reboot_db_instance(
        &self,
        db_id: &str,
        force_failover: bool,
    ) -> Result<(), ProviderError>;

    /// Promotes a read replica to a standalone instance (`PromoteReadReplica`).
    async fn promote_read_replica(&self, db_id: &str) -> Result<(), ProviderError>;

    /// Describes a Redis replication group with its nodes' roles and AZs
    /// (`DescribeReplicationGroups`).
    async fn describe_replication_group(
        &self,
        replication_group_id: &str,
    ) -> Result<CacheReplicationGroup, ProviderError>;

    /// Fails a node group's primary over to a replica (`TestFailover`).
    async fn test_failover(
        &self,
        replication_group_id: &str,
        node_group_id: &str,
    ) -> Result<(), ProviderError>;

    /// Takes targets out of a target group (`DeregisterTargets`). AZ drills
    /// use it on clouds without [`ZoneOutage`].
    async fn deregister_targets(
        &self,
        target_group_arn: &str,
        target_ids: &[String],
    ) -> Result<(), ProviderError>;

    /// Puts targets (back) into a target group on its port (`RegisterTargets`).
    async fn register_targets(
        &self,
        target_group_arn: &str,
        target_ids: &[String],
    ) -> Result<(), ProviderError>;

    /// Pauses autoscaling processes of a group (`SuspendProcesses`), e.g.
    /// [`AZ_DRILL_PROCESSES`](crate::drill::AZ_DRILL_PROCESSES).
    async fn suspend_processes(
        &self,
        asg_name: &str,
        processes: &[String],
    ) -> Result<(), ProviderError>;

    /// Resumes autoscaling processes of a group (`ResumeProcesses`).
    async fn resume_processes(
        &self,
        asg_name: &str,
        processes: &[String],
    ) -> Result<(), ProviderError>;

    /// DB instances and snapshots tagged [`DRILL_TAG`](crate::tags::DRILL_TAG)
    /// (all drills, or the one with this id): what cleanup removes.
    async fn find_drill_resources(
        &self,
        drill_id: Option<&str>,
    ) -> Result<Vec<DrillResource>, ProviderError>;
}

/// Turning a whole availability zone off and on, which only a simulated
/// cloud can do: its instances fail, load balancers stop routing there, DB
/// and Redis primaries there fail over. AZ drills on a cloud without it
/// deregister the zone's targets instead.
#[async_trait]
pub trait ZoneOutage: Send + Sync {
    /// Takes availability zone `az` down (`down`), or brings it back.
    async fn simulate_az_outage(&self, az: &str, down: bool) -> Result<(), ProviderError>;
}
