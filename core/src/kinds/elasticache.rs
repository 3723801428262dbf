//! ElastiCache kinds: cache subnet groups and Redis replication groups.

use std::time::Duration;

use super::ec2::TAGS;
use crate::schema::{AttrSchema as A, AttrType as T, Default as D, KindSchema};

pub(super) static SUBNET_GROUP: KindSchema = KindSchema {
    kind: super::CACHE_SUBNET_GROUP,
    doc: "The subnets a cache may be placed in.",
    attrs: &[
        A::required("name", T::String, "Group name.").force_new(),
        A::required("subnet_ids", T::List(&T::String), "Subnets."),
        A::optional("description", T::String, "Description.").default(D::Str("Managed by Strata")),
        TAGS,
        A::computed("arn", T::String, "ARN."),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(300),
    concurrency: 5,
};

pub(super) static REPLICATION_GROUP: KindSchema = KindSchema {
    kind: super::REPLICATION_GROUP,
    doc: "A Redis replication group: a primary and replicas across AZs.",
    attrs: &[
        A::required("replication_group_id", T::String, "Group id.").force_new(),
        A::optional("description", T::String, "Description.").default(D::Str("Managed by Strata")),
        A::required(
            "node_type",
            T::String,
            "e.g. cache.t4g.small (changed in place).",
        ),
        A::optional("engine", T::String, "Only `redis`.")
            .force_new()
            .default(D::Str("redis")),
        A::optional("engine_version", T::String, "e.g. 7.1.").default(D::Str("7.1")),
        A::optional(
            "replicas_per_node_group",
            T::Int,
            "Replicas of the primary (0-5).",
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
        .default(D::Bool(true)),
        A::optional(
            "at_rest_encryption_enabled",
            T::Bool,
            "Encrypt data at rest.",
        )
        .force_new()
        .default(D::Bool(true)),
        A::optional(
            "transit_encryption_enabled",
            T::Bool,
            "TLS between clients and nodes.",
        )
        .force_new()
        .default(D::Bool(true)),
        A::optional("subnet_group_name", T::String, "The cache subnet group.").force_new(),
        A::optional(
            "security_group_ids",
            T::List(&T::String),
            "Security groups.",
        ),
        A::optional("port", T::Int, "Port.")
            .force_new()
            .default(D::Int(6379)),
        A::optional(
            "preferred_cache_cluster_azs",
            T::List(&T::String),
            "AZ of each node, primary first.",
        )
        .force_new(),
        TAGS,
        A::computed("arn", T::String, "ARN."),
        A::computed("primary_endpoint_address", T::String, "Writer endpoint."),
        A::computed("reader_endpoint_address", T::String, "Reader endpoint."),
        A::computed("member_clusters", T::List(&T::String), "Node ids."),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(3600),
    concurrency: 5,
};
