//! RDS kinds: DB subnet groups and PostgreSQL instances (primaries and read replicas).
//!
//! A DB instance holds a database: only what AWS cannot change in place
//! forces replacement, and each such attribute says why.

use std::time::Duration;

use super::ec2::TAGS;
use crate::schema::{Api, AttrSchema as A, AttrType as T, Compare, Default as D, KindSchema};
use crate::value::{Attrs, Value};

pub(super) static DB_SUBNET_GROUP: KindSchema = KindSchema {
    kind: super::DB_SUBNET_GROUP,
    doc: "The subnets (in at least two AZs) a database may be placed in.",
    attrs: &[
        A::required(
            "name",
            T::String,
            "Group name (lower case: AWS stores it so).",
        )
        .member("DBSubnetGroupName")
        .force_new(
            "ModifyDBSubnetGroup takes the name only to find the group: AWS cannot rename it.",
        ),
        A::required(
            "subnet_ids",
            T::List(&T::String),
            "Subnets in at least two AZs.",
        )
        .compare(Compare::Set),
        A::optional("description", T::String, "Description.")
            .member("DBSubnetGroupDescription")
            .default(D::Str("Managed by Strata")),
        TAGS,
        A::computed("arn", T::String, "ARN.").member("DBSubnetGroupArn"),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(300),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "rds",
        create: &["CreateDBSubnetGroup"],
        update: &["ModifyDBSubnetGroup"],
        read: &["DescribeDBSubnetGroups", "ListTagsForResource"],
        delete: &["DeleteDBSubnetGroup"],
    },
};

pub(super) static DB_INSTANCE: KindSchema = KindSchema {
    kind: super::DB_INSTANCE,
    doc: "A PostgreSQL DB instance: a primary, or a read replica of another instance.",
    attrs: &[
        A::required(
            "identifier",
            T::String,
            "DB instance identifier (lower case: AWS stores it so).",
        )
        .member("DBInstanceIdentifier")
        .force_new(
            "ModifyDBInstance takes DBInstanceIdentifier only to find the instance; a rename \
             (NewDBInstanceIdentifier) moves the endpoint every client uses, so a new identifier \
             is a new instance.",
        ),
        A::optional("engine", T::String, "Only `postgres`.")
            .force_new(
                "ModifyDBInstance's Engine only converts RDS for Oracle to a multitenant \
                 database: another engine needs a new instance.",
            )
            .default(D::Str("postgres")),
        A::optional(
            "engine_version",
            T::String,
            "`16` (any 16.x) or `16.4`; upgraded in place, a major version only with \
             allow_major_version_upgrade; an AWS minor upgrade is not a change.",
        )
        .compare(Compare::Version)
        .deferred()
        .default(D::Str("16")),
        A::optional(
            "auto_minor_version_upgrade",
            T::Bool,
            "Let AWS upgrade minor versions in the maintenance window.",
        )
        .default(D::Bool(true)),
        A::optional(
            "allow_major_version_upgrade",
            T::Bool,
            "Allow a change of engine_version to another major version (irreversible).",
        )
        .default(D::Bool(false)),
        A::required(
            "instance_class",
            T::String,
            "e.g. db.t4g.medium (changed in place).",
        )
        .member("DBInstanceClass")
        .deferred(),
        A::optional(
            "allocated_storage",
            T::Int,
            "GiB of storage (grown in place; RDS cannot shrink it, so more storage than \
             configured, grown by storage autoscaling, is not a change).",
        )
        .compare(Compare::AtLeast)
        .deferred()
        .default(D::Int(20)),
        A::optional("storage_encrypted", T::Bool, "Encrypt storage at rest.")
            .force_new(
                "AWS cannot encrypt or decrypt an existing instance's storage: it takes a \
                 snapshot, an encrypted copy and a restore.",
            )
            .default(D::Bool(true)),
        A::optional(
            "kms_key_id",
            T::String,
            "KMS key for storage encryption: a key id, key ARN, alias name or alias ARN.",
        )
        .compare(Compare::KmsKey)
        .force_new(
            "AWS cannot move an instance's storage to another KMS key: it takes a snapshot \
             copy under the new key and a restore.",
        ),
        A::optional("multi_az", T::Bool, "A standby in another AZ.")
            .member("MultiAZ")
            .deferred()
            .default(D::Bool(false)),
        A::optional(
            "availability_zone",
            T::String,
            "The AZ of a single-AZ instance (replicas: pick distinct ones).",
        )
        .force_new(
            "ModifyDBInstance has no AvailabilityZone: a single-AZ instance stays in its AZ.",
        ),
        A::optional(
            "db_subnet_group_name",
            T::String,
            "The DB subnet group (changed in place).",
        )
        .deferred(),
        A::optional(
            "vpc_security_group_ids",
            T::List(&T::String),
            "Security groups.",
        )
        .compare(Compare::Set),
        A::optional("db_name", T::String, "Database created at launch.")
            .member("DBName")
            .force_new(
                "AWS creates the database named DBName once, at launch: no call renames it.",
            ),
        A::optional("username", T::String, "Master user name.")
            .member("MasterUsername")
            .force_new("AWS cannot change the master user name of an instance."),
        A::optional(
            "password",
            T::String,
            "Master password: never stored in state or printed.",
        )
        .member("MasterUserPassword")
        .sensitive(),
        A::optional(
            "manage_master_user_password",
            T::Bool,
            "Let RDS generate the master password and keep it in Secrets Manager (its ARN is \
             `master_user_secret_arn`); excludes `password`. Turning it on for an existing \
             instance is an in-place ModifyDBInstance.",
        )
        .member("ManageMasterUserPassword"),
        A::optional(
            "master_user_secret_kms_key_id",
            T::String,
            "KMS key that encrypts the managed master-user secret (default: the \
             `aws/secretsmanager` key); only with `manage_master_user_password`.",
        )
        .member("MasterUserSecretKmsKeyId")
        .compare(Compare::KmsKey),
        A::optional(
            "replicate_source_db",
            T::String,
            "Identifier of the primary this instance replicates (its ARN when the primary is in \
             another region). Removing it promotes the replica in place; a replica promoted \
             outside Strata is adopted as it is.",
        )
        .member("SourceDBInstanceIdentifier")
        .compare(Compare::ReplicaSource)
        .force_new_when(
            "A new source means a new replica (removing the source promotes it in place with \
             PromoteReadReplica).",
            becomes_replica_of_another,
        ),
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
        )
        .member("FinalDBSnapshotIdentifier"),
        A::optional(
            "apply_immediately",
            T::Bool,
            "Apply modifications now instead of in the next maintenance window (AWS's default \
             is the window).",
        )
        .default(D::Bool(false)),
        A::optional(
            "max_allocated_storage",
            T::Int,
            "Storage autoscaling: the GiB RDS may grow storage to on its own (above \
             allocated_storage); storage it grew is not a change.",
        ),
        A::optional(
            "storage_type",
            T::String,
            "`gp3`, `gp2`, `io1`, `io2` or `standard` (changed in place).",
        )
        .deferred(),
        A::optional(
            "iops",
            T::Int,
            "Provisioned IOPS (io1 and io2; gp3 from 400 GiB of PostgreSQL storage).",
        )
        .deferred(),
        A::optional(
            "storage_throughput",
            T::Int,
            "gp3 throughput in MiB/s (from 400 GiB of PostgreSQL storage, with iops).",
        )
        .deferred(),
        A::optional(
            "parameter_group_name",
            T::String,
            "The DB parameter group (of the engine's family, e.g. postgres16); changed in \
             place; static parameters take effect at the next reboot.",
        )
        .member("DBParameterGroupName"),
        A::optional(
            "maintenance_window",
            T::String,
            "Weekly maintenance window, UTC, `ddd:hh24:mi-ddd:hh24:mi` (e.g. \
             `sun:05:00-sun:06:00`, at least 30 minutes).",
        )
        .member("PreferredMaintenanceWindow"),
        A::optional(
            "backup_window",
            T::String,
            "Daily backup window, UTC, `hh24:mi-hh24:mi` (at least 30 minutes, outside the \
             maintenance window).",
        )
        .member("PreferredBackupWindow"),
        A::optional(
            "performance_insights_enabled",
            T::Bool,
            "Performance Insights.",
        )
        .member("EnablePerformanceInsights"),
        A::optional(
            "performance_insights_retention_period",
            T::Int,
            "Days Performance Insights keeps data: 7 (free), a multiple of 31 up to 713, or 731.",
        ),
        A::optional(
            "monitoring_interval",
            T::Int,
            "Enhanced Monitoring every 1, 5, 10, 15, 30 or 60 s; 0 turns it off (above 0 \
             needs monitoring_role_arn).",
        ),
        A::optional(
            "monitoring_role_arn",
            T::String,
            "The IAM role RDS publishes Enhanced Monitoring metrics with.",
        ),
        A::optional(
            "copy_tags_to_snapshot",
            T::Bool,
            "Copy the instance's tags to its snapshots.",
        ),
        A::optional(
            "enabled_cloudwatch_logs_exports",
            T::List(&T::String),
            "Logs published to CloudWatch Logs: `postgresql`, `upgrade`, `iam-db-auth-error`.",
        )
        .compare(Compare::Set),
        TAGS,
        A::computed("arn", T::String, "ARN.").member("DBInstanceArn"),
        A::computed("endpoint", T::String, "host:port.").member("Endpoint"),
        A::computed("address", T::String, "Host name."),
        A::computed("port", T::Int, "Port."),
        A::computed("status", T::String, "creating, available, ...").member("DBInstanceStatus"),
        A::computed(
            "master_user_secret_arn",
            T::String,
            "ARN of the Secrets Manager secret RDS keeps the master password in (with \
             `manage_master_user_password`).",
        )
        .member("SecretArn"),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(3600),
    concurrency: 5,
    stateful: true,
    api: Api {
        service: "rds",
        create: &["CreateDBInstance", "CreateDBInstanceReadReplica"],
        update: &["ModifyDBInstance", "PromoteReadReplica"],
        read: &["DescribeDBInstances", "ListTagsForResource"],
        delete: &["DeleteDBInstance"],
    },
};

/// Replacement for a replica source: only when the instance is to replicate
/// a source it does not replicate now. Removing the source promotes in place.
fn becomes_replica_of_another(desired: &Attrs, live: &Attrs) -> bool {
    match desired.get("replicate_source_db") {
        None | Some(Value::Null) => false,
        Some(want) => live.get("replicate_source_db").is_some_and(|have| {
            match (want.as_str(), have.as_str()) {
                (Some(w), Some(h)) => !super::same_replica_source(w, h),
                _ => *have != Value::Null && have != want,
            }
        }),
    }
}
