//! The requests and answers of the drill operations
//! ([`DrillOps`](crate::provider::DrillOps)): DB snapshots and restores, DB and
//! Redis failovers, and the levers of an availability-zone drill. Names
//! follow the AWS APIs they map to (`CreateDBSnapshot`,
//! `RestoreDBInstanceFromDBSnapshot`, `RebootDBInstance` with
//! `ForceFailover`, `PromoteReadReplica`, `TestFailover`,
//! `DeregisterTargets`, `SuspendProcesses`, …).
//!
//! Drills never touch these outside a drill; plan and apply do not use them.
//! Everything a drill creates carries the tag [`DRILL_TAG`]` = <drill id>`,
//! so [`DrillOps::find_drill_resources`](crate::provider::DrillOps::find_drill_resources)
//! finds leftovers of a drill that failed or was killed.
//!
//! ```
//! use strata_core::drill::{DrillResourceKind, SnapshotType, DRILL_TAG};
//!
//! assert_eq!(DRILL_TAG, "strata:drill");
//! assert_eq!(SnapshotType::Automated.as_aws(), "automated");
//! assert_eq!(DrillResourceKind::DbSnapshot.to_string(), "DB snapshot");
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::tags::{DRILL_TAG, RETIRED_TAG};

/// `manual` or `automated`, as `DescribeDBSnapshots`' `SnapshotType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotType {
    /// Taken on request (`CreateDBSnapshot`), or the final snapshot of a delete.
    Manual,
    /// Taken by RDS in the backup window while `BackupRetentionPeriod > 0`.
    Automated,
}

impl SnapshotType {
    /// The AWS spelling.
    pub fn as_aws(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Automated => "automated",
        }
    }
}

/// A DB snapshot (`DescribeDBSnapshots`' `DBSnapshot`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbSnapshot {
    /// `DBSnapshotIdentifier` (`rds:shop-db-2026-01-01-03-00` for automated ones).
    pub id: String,
    /// `DBInstanceIdentifier` of the instance it was taken from.
    pub db_id: String,
    /// `Status`: `creating`, `available`, …
    pub status: String,
    /// `SnapshotCreateTime`, unix ms: the newest data the snapshot holds.
    pub created_ms: u64,
    /// `Engine`, e.g. `postgres`.
    pub engine: String,
    /// `EngineVersion`, e.g. `16.4`.
    pub engine_version: String,
    /// `Encrypted`.
    pub encrypted: bool,
    /// `SnapshotType`.
    pub snapshot_type: SnapshotType,
    /// Its tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl DbSnapshot {
    /// Whether RDS took it automatically.
    pub fn automated(&self) -> bool {
        self.snapshot_type == SnapshotType::Automated
    }

    /// Whether it can be restored from.
    pub fn is_available(&self) -> bool {
        self.status == "available"
    }
}

/// Filters of `DescribeDBSnapshots`; empty filters match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribeDbSnapshotsRequest {
    /// `DBInstanceIdentifier`.
    pub db_id: Option<String>,
    /// `DBSnapshotIdentifier`.
    pub snapshot_id: Option<String>,
    /// `SnapshotType`.
    pub snapshot_type: Option<SnapshotType>,
}

/// `CreateDBSnapshot`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateDbSnapshotRequest {
    /// The instance to snapshot.
    pub db_id: String,
    /// The new snapshot's identifier.
    pub snapshot_id: String,
    /// Tags for the snapshot (drills add [`DRILL_TAG`]).
    pub tags: BTreeMap<String, String>,
}

/// A DB instance as a drill sees it (`DescribeDBInstances`' `DBInstance`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbInstance {
    /// `DBInstanceIdentifier`.
    pub id: String,
    /// `DBInstanceStatus`: `creating`, `available`, `rebooting`, …
    pub status: String,
    /// `Engine`.
    pub engine: String,
    /// `EngineVersion`.
    pub engine_version: String,
    /// `StorageEncrypted`.
    pub encrypted: bool,
    /// `Endpoint` as `host:port`, once it has one.
    pub endpoint: Option<String>,
    /// `AvailabilityZone` of the primary.
    pub availability_zone: Option<String>,
    /// `SecondaryAvailabilityZone`: the multi-AZ standby's AZ.
    pub secondary_availability_zone: Option<String>,
    /// `MultiAZ`.
    pub multi_az: bool,
    /// `ReadReplicaSourceDBInstanceIdentifier`, for replicas.
    pub replica_of: Option<String>,
    /// `DBInstanceClass`.
    pub class: String,
    /// `DBSubnetGroup.DBSubnetGroupName`.
    pub subnet_group: Option<String>,
    /// `VpcSecurityGroups[].VpcSecurityGroupId`.
    pub security_group_ids: Vec<String>,
    /// `DBParameterGroups[0].DBParameterGroupName`.
    pub parameter_group: Option<String>,
    /// `DeletionProtection`.
    pub deletion_protection: bool,
    /// Its tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl DbInstance {
    /// Whether it serves requests now.
    pub fn is_available(&self) -> bool {
        self.status == "available"
    }
}

/// `RestoreDBInstanceFromDBSnapshot`: a new instance from a snapshot, with
/// the settings a drill copies from the instance it stands in for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreDbRequest {
    /// `DBSnapshotIdentifier`.
    pub snapshot_id: String,
    /// `DBInstanceIdentifier` of the new instance.
    pub db_id: String,
    /// `DBInstanceClass`.
    pub class: String,
    /// `DBSubnetGroupName`.
    pub subnet_group: Option<String>,
    /// `VpcSecurityGroupIds`.
    pub security_group_ids: Vec<String>,
    /// `DBParameterGroupName`.
    pub parameter_group: Option<String>,
    /// `MultiAZ`.
    pub multi_az: bool,
    /// `DeletionProtection` (drills restore without it, so cleanup can delete).
    pub deletion_protection: bool,
    /// Tags (drills add [`DRILL_TAG`]).
    pub tags: BTreeMap<String, String>,
}

/// `ModifyDBInstance` with `NewDBInstanceIdentifier` and `ApplyImmediately`:
/// renames an instance (its endpoint follows the new name), and updates tags
/// (`AddTagsToResource`, `RemoveTagsFromResource`) in the same step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenameDbRequest {
    /// The current identifier.
    pub db_id: String,
    /// The new identifier.
    pub new_db_id: String,
    /// Tags to add or overwrite.
    pub add_tags: BTreeMap<String, String>,
    /// Tag keys to remove.
    pub remove_tags: Vec<String>,
}

/// One node (cache cluster) of a Redis replication group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheNode {
    /// `CacheClusterId`, e.g. `shop-redis-002`.
    pub id: String,
    /// `PreferredAvailabilityZone`.
    pub availability_zone: String,
    /// `CurrentRole`: `primary` or `replica`.
    pub role: String,
}

/// A Redis replication group (`DescribeReplicationGroups`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheReplicationGroup {
    /// `ReplicationGroupId`.
    pub id: String,
    /// `Status`: `available`, `modifying`, …
    pub status: String,
    /// `AutomaticFailover` is `enabled`.
    pub automatic_failover: bool,
    /// `NodeGroups[0].PrimaryEndpoint.Address`.
    pub primary_endpoint: Option<String>,
    /// `NodeGroups[0].NodeGroupMembers`, primary first.
    pub nodes: Vec<CacheNode>,
}

impl CacheReplicationGroup {
    /// The primary node, if one is known.
    pub fn primary(&self) -> Option<&CacheNode> {
        self.nodes.iter().find(|n| n.role == "primary")
    }

    /// Whether it serves requests now.
    pub fn is_available(&self) -> bool {
        self.status == "available"
    }
}

/// What kind of thing a drill left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrillResourceKind {
    /// A DB instance restored by a drill.
    DbInstance,
    /// A DB snapshot taken by a drill.
    DbSnapshot,
}

impl std::fmt::Display for DrillResourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::DbInstance => "DB instance",
            Self::DbSnapshot => "DB snapshot",
        })
    }
}

/// A resource tagged [`DRILL_TAG`] (found by tag: `DescribeDBInstances` and
/// `DescribeDBSnapshots`, filtered on the tag key).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DrillResource {
    /// What it is.
    pub kind: DrillResourceKind,
    /// Its identifier.
    pub id: String,
    /// The drill that made it (the tag's value).
    pub drill_id: String,
    /// Its status now.
    pub status: String,
}

/// `SuspendProcesses`/`ResumeProcesses` process names an AZ drill pauses so
/// the autoscaling group does not undo the drill.
pub const AZ_DRILL_PROCESSES: &[&str] = &["AZRebalance", "ReplaceUnhealthy", "AddToLoadBalancer"];
