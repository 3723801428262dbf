//! Parameter groups: the engine settings of PostgreSQL instances
//! (`aws.rds.parameter_group`) and of Redis replication groups
//! (`aws.elasticache.parameter_group`).
//!
//! Parameters change in place; the name, the family and the description
//! are fixed at creation (each says why). A group in use cannot be
//! deleted, so a replacement creates the new group first: give a group of
//! another family another name (the web service puts the family in it).

use std::time::Duration;

use super::ec2::TAGS;
use crate::schema::{
    Api, AttrSchema as A, AttrType as T, Compare, Default as D, Field as F, KindSchema,
};

/// One PostgreSQL parameter: its name, value and when AWS applies it.
const DB_PARAMETER: T = T::Object(&[
    F::req("name", T::String),
    F::req("value", T::String),
    F::or("apply_method", T::String, D::Str("immediate")),
]);

/// One Redis parameter: its name and value (AWS applies it at once).
const CACHE_PARAMETER: T = T::Object(&[F::req("name", T::String), F::req("value", T::String)]);

/// How AWS applies a PostgreSQL parameter.
pub const APPLY_METHODS: &[&str] = &["immediate", "pending-reboot"];

pub(super) static DB_PARAMETER_GROUP: KindSchema = KindSchema {
    kind: super::DB_PARAMETER_GROUP,
    doc: "PostgreSQL settings for DB instances (what `parameter_group_name` names).",
    attrs: &[
        A::required(
            "name",
            T::String,
            "Group name (lower case: AWS stores it so).",
        )
        .member("DBParameterGroupName")
        .force_new(
            "ModifyDBParameterGroup takes the name only to find the group: AWS cannot rename it.",
        ),
        A::required(
            "family",
            T::String,
            "Engine family, e.g. `postgres16` (the instances' major version).",
        )
        .member("DBParameterGroupFamily")
        .force_new(
            "ModifyDBParameterGroup changes parameter values only: a group's family is fixed \
             at creation (a major upgrade needs a group of the new family, under another name).",
        ),
        A::optional("description", T::String, "Description.")
            .force_new(
                "ModifyDBParameterGroup changes parameter values only: AWS cannot change a \
                 group's description.",
            )
            .default(D::Str("Managed by Strata")),
        A::optional(
            "parameters",
            T::List(&DB_PARAMETER),
            "Parameters set in the group ({name, value, apply_method}); `apply_method` is \
             `immediate` (dynamic parameters, the default) or `pending-reboot` (static ones). \
             A parameter removed goes back to the engine default (ResetDBParameterGroup).",
        )
        .compare(Compare::Set),
        TAGS,
        A::computed("arn", T::String, "ARN.").member("DBParameterGroupArn"),
    ],
    create_before_destroy: true,
    ready_timeout: Duration::from_secs(300),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "rds",
        create: &["CreateDBParameterGroup"],
        update: &["ModifyDBParameterGroup", "ResetDBParameterGroup"],
        read: &[
            "DescribeDBParameterGroups",
            "DescribeDBParameters",
            "ListTagsForResource",
        ],
        delete: &["DeleteDBParameterGroup"],
    },
};

pub(super) static CACHE_PARAMETER_GROUP: KindSchema = KindSchema {
    kind: super::CACHE_PARAMETER_GROUP,
    doc: "Redis settings for replication groups (what `parameter_group_name` names).",
    attrs: &[
        A::required(
            "name",
            T::String,
            "Group name (lower case: AWS stores it so).",
        )
        .member("CacheParameterGroupName")
        .force_new(
            "ModifyCacheParameterGroup takes the name only to find the group: AWS cannot \
             rename it.",
        ),
        A::required(
            "family",
            T::String,
            "Engine family, e.g. `redis7` (the groups' major version).",
        )
        .member("CacheParameterGroupFamily")
        .force_new(
            "ModifyCacheParameterGroup changes parameter values only: a group's family is \
             fixed at creation.",
        ),
        A::optional("description", T::String, "Description.")
            .force_new(
                "ModifyCacheParameterGroup changes parameter values only: AWS cannot change a \
                 group's description.",
            )
            .default(D::Str("Managed by Strata")),
        A::optional(
            "parameters",
            T::List(&CACHE_PARAMETER),
            "Parameters set in the group ({name, value}); a parameter removed goes back to \
             the engine default (ResetCacheParameterGroup).",
        )
        .member("ParameterNameValues")
        .compare(Compare::Set),
        TAGS,
        A::computed("arn", T::String, "ARN.").member("ARN"),
    ],
    create_before_destroy: true,
    ready_timeout: Duration::from_secs(300),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "elasticache",
        create: &["CreateCacheParameterGroup"],
        update: &["ModifyCacheParameterGroup", "ResetCacheParameterGroup"],
        read: &[
            "DescribeCacheParameterGroups",
            "DescribeCacheParameters",
            "ListTagsForResource",
        ],
        delete: &["DeleteCacheParameterGroup"],
    },
};
