//! ElastiCache kinds: cache subnet groups and Redis replication groups.
//!
//! A replication group holds data: replica counts, engine versions and (from
//! Redis 7.0.5) in-transit encryption change in place; what AWS cannot change
//! forces replacement and says why.

use std::time::Duration;

use super::ec2::TAGS;
use crate::schema::{Api, AttrSchema as A, AttrType as T, Compare, Default as D, KindSchema};
use crate::value::{Attrs, Value};

pub(super) static SUBNET_GROUP: KindSchema = KindSchema {
    kind: super::CACHE_SUBNET_GROUP,
    doc: "The subnets a cache may be placed in.",
    attrs: &[
        A::required(
            "name",
            T::String,
            "Group name (lower case: AWS stores it so).",
        )
        .member("CacheSubnetGroupName")
        .force_new(
            "ModifyCacheSubnetGroup takes the name only to find the group: AWS cannot rename it.",
        ),
        A::required("subnet_ids", T::List(&T::String), "Subnets.").compare(Compare::Set),
        A::optional("description", T::String, "Description.")
            .member("CacheSubnetGroupDescription")
            .default(D::Str("Managed by Strata")),
        TAGS,
        A::computed("arn", T::String, "ARN."),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(300),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "elasticache",
        create: &["CreateCacheSubnetGroup"],
        update: &["ModifyCacheSubnetGroup"],
        read: &["DescribeCacheSubnetGroups", "ListTagsForResource"],
        delete: &["DeleteCacheSubnetGroup"],
    },
};

pub(super) static REPLICATION_GROUP: KindSchema = KindSchema {
    kind: super::REPLICATION_GROUP,
    doc: "A Redis replication group: a primary and replicas across AZs.",
    attrs: &[
        A::required(
            "replication_group_id",
            T::String,
            "Group id (lower case: AWS stores it so).",
        )
        .force_new("ModifyReplicationGroup takes the id only to find the group: AWS cannot rename it."),
        A::optional("description", T::String, "Description.")
            .member("ReplicationGroupDescription")
            .default(D::Str("Managed by Strata")),
        A::required(
            "node_type",
            T::String,
            "e.g. cache.t4g.small (changed in place).",
        )
        .member("CacheNodeType"),
        A::optional("engine", T::String, "Only `redis`.")
            .force_new(
                "ModifyReplicationGroup's Engine only moves Redis OSS to Valkey: Strata manages \
                 Redis, and another engine is a new group.",
            )
            .default(D::Str("redis")),
        A::optional(
            "engine_version",
            T::String,
            "e.g. 7.1 (any 7.1.x); upgraded in place; an AWS minor upgrade is not a change.",
        )
        .compare(Compare::Version)
        .default(D::Str("7.1")),
        A::optional(
            "replicas_per_node_group",
            T::Int,
            "Replicas of the primary (0-5), changed in place (IncreaseReplicaCount, \
             DecreaseReplicaCount).",
        )
        .default(D::Int(1)),
        A::optional(
            "automatic_failover_enabled",
            T::Bool,
            "Promote a replica if the primary fails (needs a replica).",
        )
        .default(D::Bool(true)),
        A::optional(
            "multi_az_enabled",
            T::Bool,
            "Place nodes in distinct AZs (needs failover).",
        )
        .member("MultiAZEnabled")
        .default(D::Bool(true)),
        A::optional(
            "at_rest_encryption_enabled",
            T::Bool,
            "Encrypt data at rest.",
        )
        .force_new("AWS cannot turn at-rest encryption on or off for an existing replication group.")
        .default(D::Bool(true)),
        A::optional(
            "transit_encryption_enabled",
            T::Bool,
            "TLS between clients and nodes (changed in place from Redis 7.0.5).",
        )
        .force_new_when(
            "Below Redis 7.0.5, ModifyReplicationGroup cannot change TransitEncryptionEnabled: \
             the group is replaced.",
            transit_encryption_needs_replacement,
        )
        .default(D::Bool(true)),
        A::optional(
            "transit_encryption_mode",
            T::String,
            "`preferred` (TLS and plain text) or `required`; a change of transit encryption \
             in place passes through `preferred`.",
        ),
        A::optional("subnet_group_name", T::String, "The cache subnet group.")
            .member("CacheSubnetGroupName")
            .force_new("ModifyReplicationGroup has no subnet group: a group stays in its cache subnet group."),
        A::optional(
            "security_group_ids",
            T::List(&T::String),
            "Security groups.",
        )
        .compare(Compare::Set),
        A::optional("port", T::Int, "Port.")
            .force_new("AWS cannot change a replication group's port.")
            .default(D::Int(6379)),
        A::optional(
            "preferred_cache_cluster_azs",
            T::List(&T::String),
            "AZs of the nodes (a set: failover changes which one is the primary); changed in \
             place with the replica count.",
        )
        .member("PreferredCacheClusterAZs")
        .compare(Compare::Set),
        A::optional(
            "final_snapshot_identifier",
            T::String,
            "Take a final snapshot with this name when the group is deleted.",
        ),
        A::optional(
            "auth_token",
            T::String,
            "Redis AUTH token (16-128 printable characters, no `/`, `\"` or `@`; needs \
             transit encryption): never stored in state or printed; a change rotates it in \
             place as auth_token_update_strategy says.",
        )
        .sensitive(),
        A::optional(
            "auth_token_update_strategy",
            T::String,
            "How a change of auth_token is made: `ROTATE` (the default: the new token is \
             added, the old one stays valid until the next change), `SET` (only the new \
             token is valid) or `DELETE` (AUTH is turned off; leave auth_token out).",
        ),
        A::optional(
            "snapshot_retention_limit",
            T::Int,
            "Days automatic snapshots are kept (0 turns them off, at most 35).",
        ),
        A::optional(
            "snapshot_window",
            T::String,
            "Daily snapshot window, UTC, `hh24:mi-hh24:mi` (at least 60 minutes).",
        ),
        A::optional(
            "maintenance_window",
            T::String,
            "Weekly maintenance window, UTC, `ddd:hh24:mi-ddd:hh24:mi` (at least 60 minutes).",
        )
        .member("PreferredMaintenanceWindow"),
        A::optional(
            "parameter_group_name",
            T::String,
            "The cache parameter group (of the engine's family, e.g. redis7), changed in place.",
        )
        .member("CacheParameterGroupName"),
        A::optional(
            "kms_key_id",
            T::String,
            "KMS key for at-rest encryption: a key id, key ARN, alias name or alias ARN \
             (needs at_rest_encryption_enabled).",
        )
        .compare(Compare::KmsKey)
        .force_new(
            "ModifyReplicationGroup has no KmsKeyId: AWS cannot re-encrypt a group's data under \
             another key (a snapshot restored into a new group can).",
        ),
        TAGS,
        A::computed("arn", T::String, "ARN.").member("ARN"),
        A::computed("primary_endpoint_address", T::String, "Writer endpoint.")
            .member("PrimaryEndpoint"),
        A::computed("reader_endpoint_address", T::String, "Reader endpoint.")
            .member("ReaderEndpoint"),
        A::computed("member_clusters", T::List(&T::String), "Node ids."),
        A::computed(
            "auth_token_enabled",
            T::Bool,
            "Whether clients must AUTH (a token is set).",
        ),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(3600),
    concurrency: 5,
    stateful: true,
    api: Api {
        service: "elasticache",
        create: &["CreateReplicationGroup"],
        update: &[
            "ModifyReplicationGroup",
            "IncreaseReplicaCount",
            "DecreaseReplicaCount",
        ],
        read: &[
            "DescribeReplicationGroups",
            "DescribeCacheClusters",
            "ListTagsForResource",
        ],
        delete: &["DeleteReplicationGroup"],
    },
};

/// Redis 7.0.5 is the first version whose in-transit encryption AWS can
/// change on a running group.
pub const TRANSIT_ENCRYPTION_IN_PLACE_FROM: [u64; 3] = [7, 0, 5];

/// Whether a change of `transit_encryption_enabled` needs a new group: the
/// group's version (live, else configured) is below 7.0.5.
fn transit_encryption_needs_replacement(desired: &Attrs, live: &Attrs) -> bool {
    let version = live
        .get("engine_version")
        .or_else(|| desired.get("engine_version"))
        .and_then(Value::as_str)
        .unwrap_or("0");
    crate::compare::version_below(version, &TRANSIT_ENCRYPTION_IN_PLACE_FROM)
}
