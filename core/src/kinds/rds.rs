//! RDS kinds: DB subnet groups and PostgreSQL instances (primaries and read replicas).

use std::time::Duration;

use super::ec2::TAGS;
use crate::schema::{AttrSchema as A, AttrType as T, Default as D, KindSchema};

pub(super) static DB_SUBNET_GROUP: KindSchema = KindSchema {
    kind: super::DB_SUBNET_GROUP,
    doc: "The subnets (in at least two AZs) a database may be placed in.",
    attrs: &[
        A::required("name", T::String, "Group name.").force_new(),
        A::required(
            "subnet_ids",
            T::List(&T::String),
            "Subnets in at least two AZs.",
        ),
        A::optional("description", T::String, "Description.").default(D::Str("Managed by Strata")),
        TAGS,
        A::computed("arn", T::String, "ARN."),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(300),
    concurrency: 5,
};

pub(super) static DB_INSTANCE: KindSchema = KindSchema {
    kind: super::DB_INSTANCE,
    doc: "A PostgreSQL DB instance: a primary, or a read replica of another instance.",
    attrs: &[
        A::required("identifier", T::String, "DB instance identifier.").force_new(),
        A::optional("engine", T::String, "Only `postgres`.")
            .force_new()
            .default(D::Str("postgres")),
        A::optional(
            "engine_version",
            T::String,
            "e.g. 16.4 (upgraded in place).",
        )
        .default(D::Str("16.4")),
        A::required(
            "instance_class",
            T::String,
            "e.g. db.t4g.medium (changed in place).",
        ),
        A::optional("allocated_storage", T::Int, "GiB of storage.").default(D::Int(20)),
        A::optional("storage_encrypted", T::Bool, "Encrypt storage at rest.")
            .force_new()
            .default(D::Bool(true)),
        A::optional("kms_key_id", T::String, "KMS key for storage encryption.").force_new(),
        A::optional("multi_az", T::Bool, "A standby in another AZ.").default(D::Bool(false)),
        A::optional(
            "availability_zone",
            T::String,
            "The AZ (replicas: pick distinct ones).",
        )
        .force_new(),
        A::optional("db_subnet_group_name", T::String, "The DB subnet group.").force_new(),
        A::optional(
            "vpc_security_group_ids",
            T::List(&T::String),
            "Security groups.",
        ),
        A::optional("db_name", T::String, "Database created at launch.").force_new(),
        A::optional("username", T::String, "Master user name.").force_new(),
        A::optional(
            "password",
            T::String,
            "Master password: never stored in state or printed.",
        )
        .sensitive(),
        A::optional(
            "replicate_source_db",
            T::String,
            "Identifier of the primary this instance replicates.",
        )
        .force_new(),
        A::optional(
            "backup_retention_period",
            T::Int,
            "Days automated backups are kept.",
        )
        .default(D::Int(7)),
        A::optional("deletion_protection", T::Bool, "Refuse deletes while set.")
            .default(D::Bool(false)),
        A::optional(
            "skip_final_snapshot",
            T::Bool,
            "Delete without a final snapshot.",
        )
        .default(D::Bool(false)),
        A::optional(
            "final_snapshot_identifier",
            T::String,
            "Name of the final snapshot.",
        ),
        A::optional(
            "apply_immediately",
            T::Bool,
            "Apply modifications now, not in the maintenance window.",
        )
        .default(D::Bool(true)),
        TAGS,
        A::computed("arn", T::String, "ARN."),
        A::computed("endpoint", T::String, "host:port."),
        A::computed("address", T::String, "Host name."),
        A::computed("port", T::Int, "Port."),
        A::computed("status", T::String, "creating, available, ..."),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(3600),
    concurrency: 5,
};
