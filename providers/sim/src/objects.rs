//! The cloud's objects that are not resource records: cache nodes and
//! snapshots, DB snapshots, the weight history of listeners, and what the
//! account holds outside Strata (hosted zones, certificates, Secrets
//! Manager secrets and SSM parameters). Part of
//! the world model's ground floor with [`crate::cloud`]: they import
//! nothing from the services above.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use strata_core::value::Attrs;

/// A cache snapshot: what a replication group's delete with
/// `final_snapshot_identifier` leaves behind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheSnapshot {
    /// Snapshot name.
    pub name: String,
    /// The group it was taken from.
    pub replication_group_id: String,
    /// `manual` (final snapshots are manual snapshots on AWS).
    pub source: String,
    /// The group's engine version.
    pub engine_version: String,
    /// The group's node type.
    pub node_type: String,
    /// When it was started (unix ms).
    pub created_ms: u64,
    /// When it becomes available (unix ms).
    pub available_ms: u64,
}

impl CacheSnapshot {
    /// `creating` or `available` at `now`.
    pub fn status(&self, now: u64) -> &'static str {
        if now < self.available_ms {
            "creating"
        } else {
            "available"
        }
    }
}

/// One node of a replication group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheNode {
    /// Node (cache cluster) id: `GROUP-001`.
    pub id: String,
    /// Its availability zone.
    pub az: String,
    /// `primary` or `replica`.
    pub role: String,
}

/// A DB snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbSnapshot {
    /// Snapshot identifier.
    pub id: String,
    /// The instance it was taken from.
    pub source_db: String,
    /// `manual` or `final`.
    pub snapshot_type: String,
    /// When it was started (unix ms).
    pub created_ms: u64,
    /// When it becomes available (unix ms).
    pub available_ms: u64,
    /// Engine (`postgres`).
    pub engine: String,
    /// Engine version.
    pub engine_version: String,
    /// Whether the storage is encrypted.
    pub encrypted: bool,
    /// GiB of storage.
    pub allocated_storage: i64,
    /// The source's configuration (no password), used by restores.
    pub source_attrs: Attrs,
    /// Its tags (drills tag theirs).
    #[serde(default)]
    pub tags: std::collections::BTreeMap<String, String>,
}

impl DbSnapshot {
    /// `creating` or `available` at `now`.
    pub fn status(&self, now: u64) -> &'static str {
        if now < self.available_ms {
            "creating"
        } else {
            "available"
        }
    }
}

/// A listener's weights from `at` (unix ms) on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightChange {
    /// When the weights took effect.
    pub at: u64,
    /// Weight of each target group ARN.
    pub weights: BTreeMap<String, i64>,
}

/// What exists in the simulated account outside Strata's resources.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Account {
    /// Route 53 hosted zones.
    #[serde(default)]
    pub zones: Vec<HostedZone>,
    /// ACM certificates.
    #[serde(default)]
    pub certificates: Vec<Certificate>,
    /// Secrets Manager secrets and SSM parameters.
    #[serde(default)]
    pub secret_stores: SecretStores,
}

/// A hosted zone in the simulated account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostedZone {
    /// Its id (`Z…`).
    pub id: String,
    /// Its name, without the trailing dot.
    pub name: String,
    /// Whether it is private.
    pub private: bool,
}

/// A certificate in the simulated account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// Its ARN.
    pub arn: String,
    /// Its domain name.
    pub domain: String,
    /// Its status (`ISSUED`, `PENDING_VALIDATION`, `EXPIRED`, …).
    pub status: String,
}

/// A Secrets Manager secret in the simulated account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSecret {
    /// Its ARN.
    pub arn: String,
    /// Its value by version stage (`AWSCURRENT`, `AWSPREVIOUS`, ...).
    pub stages: BTreeMap<String, String>,
}

/// The secret stores of the simulated account.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SecretStores {
    /// Secrets Manager secrets by name.
    #[serde(default)]
    pub secrets: BTreeMap<String, StoredSecret>,
    /// SSM parameters by name.
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}
