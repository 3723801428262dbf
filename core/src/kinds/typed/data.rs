//! Typed specs of the data kinds: RDS subnet groups and PostgreSQL
//! instances (primaries and read replicas), ElastiCache subnet groups and
//! Redis replication groups.

use std::collections::BTreeMap;

use super::{
    AttrsBuilder, CacheSubnetGroupName, DbIdentifier, DbSubnetGroupName, Handle, Input,
    ResourceSpec, SecurityGroupId, Sensitive, SubnetId,
};
use super::{CacheParameterGroupName, DbParameterGroupName};
use crate::kinds;
use crate::value::Attrs;

/// `aws.rds.db_subnet_group`: the subnets (in at least two AZs) a database may use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DbSubnetGroup {
    /// Group name.
    pub name: String,
    /// Subnets in at least two AZs.
    pub subnet_ids: Vec<Input<SubnetId>>,
    /// Description (default "Managed by Strata").
    pub description: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for DbSubnetGroup {
    const KIND: &'static str = kinds::DB_SUBNET_GROUP;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("name", self.name)
            .set("subnet_ids", self.subnet_ids)
            .opt("description", self.description)
            .tags(self.tags)
            .build()
    }
}

impl Handle<DbSubnetGroup> {
    /// The group's name (what DB instances refer to).
    pub fn name(&self) -> Input<DbSubnetGroupName> {
        self.attr("name")
    }
    /// The group's ARN.
    pub fn arn(&self) -> Input<String> {
        self.attr("arn")
    }
}

/// `aws.rds.db_instance`: a PostgreSQL instance, a primary or a read replica
/// ([`DbInstance::replica_of`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DbInstance {
    /// DB instance identifier.
    pub identifier: String,
    /// Only `postgres` (the default).
    pub engine: Option<String>,
    /// e.g. `16.4` (upgraded in place).
    pub engine_version: Option<String>,
    /// e.g. `db.t4g.medium` (changed in place).
    pub instance_class: String,
    /// GiB of storage (default 20).
    pub allocated_storage: Option<i64>,
    /// Encrypt storage at rest (default `true`).
    pub storage_encrypted: Option<bool>,
    /// KMS key for storage encryption.
    pub kms_key_id: Option<Input<String>>,
    /// A standby in another AZ (default `false`).
    pub multi_az: Option<bool>,
    /// The AZ (replicas: pick distinct ones).
    pub availability_zone: Option<String>,
    /// The DB subnet group.
    pub db_subnet_group_name: Option<Input<DbSubnetGroupName>>,
    /// Security groups.
    pub vpc_security_group_ids: Vec<Input<SecurityGroupId>>,
    /// Database created at launch.
    pub db_name: Option<String>,
    /// Master user name.
    pub username: Option<String>,
    /// Master password: never stored in state or printed (clear text, or
    /// a [`Secret`](crate::secret::Secret): `Some(Secret::env("X").into())`).
    pub password: Option<Sensitive>,
    /// Let RDS generate the master password and keep it in Secrets Manager
    /// (instead of `password`).
    pub manage_master_user_password: Option<bool>,
    /// The KMS key of the managed master-user secret.
    pub master_user_secret_kms_key_id: Option<Input<String>>,
    /// The primary this instance replicates.
    pub replicate_source_db: Option<Input<DbIdentifier>>,
    /// Days automated backups are kept (default 7).
    pub backup_retention_period: Option<i64>,
    /// Refuse deletes while set (default `false`).
    pub deletion_protection: Option<bool>,
    /// Delete without a final snapshot (default `false`).
    pub skip_final_snapshot: Option<bool>,
    /// Name of the final snapshot.
    pub final_snapshot_identifier: Option<String>,
    /// Apply modifications now, not in the maintenance window (default
    /// `false`, as in AWS).
    pub apply_immediately: Option<bool>,
    /// Let AWS upgrade minor versions in the maintenance window (default `true`).
    pub auto_minor_version_upgrade: Option<bool>,
    /// Allow an engine_version change to another major version (default `false`).
    pub allow_major_version_upgrade: Option<bool>,
    /// Storage autoscaling: the GiB RDS may grow storage to.
    pub max_allocated_storage: Option<i64>,
    /// `gp3`, `gp2`, `io1`, `io2` or `standard`.
    pub storage_type: Option<String>,
    /// Provisioned IOPS (io1, io2; gp3 from 400 GiB).
    pub iops: Option<i64>,
    /// gp3 throughput in MiB/s (from 400 GiB).
    pub storage_throughput: Option<i64>,
    /// The DB parameter group.
    pub parameter_group_name: Option<Input<DbParameterGroupName>>,
    /// Weekly maintenance window, `ddd:hh24:mi-ddd:hh24:mi` (UTC).
    pub maintenance_window: Option<String>,
    /// Daily backup window, `hh24:mi-hh24:mi` (UTC).
    pub backup_window: Option<String>,
    /// Performance Insights.
    pub performance_insights_enabled: Option<bool>,
    /// Days Performance Insights keeps data (7, 31·n up to 713, or 731).
    pub performance_insights_retention_period: Option<i64>,
    /// Enhanced Monitoring interval in seconds (0: off).
    pub monitoring_interval: Option<i64>,
    /// The role Enhanced Monitoring publishes with (needed above 0 s).
    pub monitoring_role_arn: Option<Input<String>>,
    /// Copy the instance's tags to its snapshots.
    pub copy_tags_to_snapshot: Option<bool>,
    /// Logs published to CloudWatch Logs (`postgresql`, `upgrade`).
    pub enabled_cloudwatch_logs_exports: Vec<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl DbInstance {
    /// A read replica of `primary`, with its own identifier and class.
    pub fn replica_of(
        primary: &Handle<DbInstance>,
        identifier: impl Into<String>,
        instance_class: impl Into<String>,
    ) -> Self {
        Self {
            identifier: identifier.into(),
            instance_class: instance_class.into(),
            replicate_source_db: Some(primary.identifier()),
            ..Self::default()
        }
    }
}

impl ResourceSpec for DbInstance {
    const KIND: &'static str = kinds::DB_INSTANCE;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("identifier", self.identifier)
            .opt("engine", self.engine)
            .opt("engine_version", self.engine_version)
            .set("instance_class", self.instance_class)
            .opt("allocated_storage", self.allocated_storage)
            .opt("storage_encrypted", self.storage_encrypted)
            .opt("kms_key_id", self.kms_key_id)
            .opt("multi_az", self.multi_az)
            .opt("availability_zone", self.availability_zone)
            .opt("db_subnet_group_name", self.db_subnet_group_name)
            .list("vpc_security_group_ids", self.vpc_security_group_ids)
            .opt("db_name", self.db_name)
            .opt("username", self.username)
            .opt("password", self.password)
            .opt(
                "manage_master_user_password",
                self.manage_master_user_password,
            )
            .opt(
                "master_user_secret_kms_key_id",
                self.master_user_secret_kms_key_id,
            )
            .opt("replicate_source_db", self.replicate_source_db)
            .opt("backup_retention_period", self.backup_retention_period)
            .opt("deletion_protection", self.deletion_protection)
            .opt("skip_final_snapshot", self.skip_final_snapshot)
            .opt("final_snapshot_identifier", self.final_snapshot_identifier)
            .opt("apply_immediately", self.apply_immediately)
            .opt(
                "auto_minor_version_upgrade",
                self.auto_minor_version_upgrade,
            )
            .opt(
                "allow_major_version_upgrade",
                self.allow_major_version_upgrade,
            )
            .opt("max_allocated_storage", self.max_allocated_storage)
            .opt("storage_type", self.storage_type)
            .opt("iops", self.iops)
            .opt("storage_throughput", self.storage_throughput)
            .opt("parameter_group_name", self.parameter_group_name)
            .opt("maintenance_window", self.maintenance_window)
            .opt("backup_window", self.backup_window)
            .opt(
                "performance_insights_enabled",
                self.performance_insights_enabled,
            )
            .opt(
                "performance_insights_retention_period",
                self.performance_insights_retention_period,
            )
            .opt("monitoring_interval", self.monitoring_interval)
            .opt("monitoring_role_arn", self.monitoring_role_arn)
            .opt("copy_tags_to_snapshot", self.copy_tags_to_snapshot)
            .list(
                "enabled_cloudwatch_logs_exports",
                self.enabled_cloudwatch_logs_exports,
            )
            .tags(self.tags)
            .build()
    }
}

impl Handle<DbInstance> {
    /// The instance identifier (what replicas replicate).
    pub fn identifier(&self) -> Input<DbIdentifier> {
        self.attr("identifier")
    }
    /// `host:port`.
    pub fn endpoint(&self) -> Input<String> {
        self.attr("endpoint")
    }
    /// The host name (the `address` attribute; `Handle::address` is the
    /// resource's own address).
    pub fn host(&self) -> Input<String> {
        self.attr("address")
    }
    /// The port.
    pub fn port(&self) -> Input<i64> {
        self.attr("port")
    }
    /// The instance's ARN.
    pub fn arn(&self) -> Input<String> {
        self.attr("arn")
    }
    /// The ARN of the Secrets Manager secret RDS keeps the master password
    /// in (with `manage_master_user_password`).
    pub fn master_user_secret_arn(&self) -> Input<String> {
        self.attr("master_user_secret_arn")
    }
}

/// `aws.elasticache.subnet_group`: the subnets a cache may be placed in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CacheSubnetGroup {
    /// Group name.
    pub name: String,
    /// Subnets.
    pub subnet_ids: Vec<Input<SubnetId>>,
    /// Description (default "Managed by Strata").
    pub description: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for CacheSubnetGroup {
    const KIND: &'static str = kinds::CACHE_SUBNET_GROUP;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("name", self.name)
            .set("subnet_ids", self.subnet_ids)
            .opt("description", self.description)
            .tags(self.tags)
            .build()
    }
}

impl Handle<CacheSubnetGroup> {
    /// The group's name (what replication groups refer to).
    pub fn name(&self) -> Input<CacheSubnetGroupName> {
        self.attr("name")
    }
}

/// `aws.elasticache.replication_group`: Redis, a primary and replicas across AZs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplicationGroup {
    /// Group id.
    pub replication_group_id: String,
    /// Description (default "Managed by Strata").
    pub description: Option<String>,
    /// e.g. `cache.t4g.small` (changed in place).
    pub node_type: String,
    /// Only `redis` (the default).
    pub engine: Option<String>,
    /// e.g. `7.1`.
    pub engine_version: Option<String>,
    /// Replicas of the primary, 0-5 (default 1).
    pub replicas_per_node_group: Option<i64>,
    /// Promote a replica if the primary fails (default `true`).
    pub automatic_failover_enabled: Option<bool>,
    /// Place nodes in distinct AZs (default `true`).
    pub multi_az_enabled: Option<bool>,
    /// Encrypt data at rest (default `true`).
    pub at_rest_encryption_enabled: Option<bool>,
    /// TLS between clients and nodes (default `true`).
    pub transit_encryption_enabled: Option<bool>,
    /// The cache subnet group.
    pub subnet_group_name: Option<Input<CacheSubnetGroupName>>,
    /// Security groups.
    pub security_group_ids: Vec<Input<SecurityGroupId>>,
    /// Port (default 6379).
    pub port: Option<i64>,
    /// AZs of the nodes (a set).
    pub preferred_cache_cluster_azs: Vec<String>,
    /// `preferred` or `required` (in-transit encryption changed in place from 7.0.5).
    pub transit_encryption_mode: Option<String>,
    /// A final snapshot taken when the group is deleted.
    pub final_snapshot_identifier: Option<String>,
    /// Redis AUTH token (needs transit encryption): never stored in state
    /// or printed.
    pub auth_token: Option<Sensitive>,
    /// `ROTATE` (default), `SET` or `DELETE`: how a token change is made.
    pub auth_token_update_strategy: Option<String>,
    /// Days automatic snapshots are kept (0: none).
    pub snapshot_retention_limit: Option<i64>,
    /// Daily snapshot window, `hh24:mi-hh24:mi` (UTC).
    pub snapshot_window: Option<String>,
    /// Weekly maintenance window, `ddd:hh24:mi-ddd:hh24:mi` (UTC).
    pub maintenance_window: Option<String>,
    /// The cache parameter group.
    pub parameter_group_name: Option<Input<CacheParameterGroupName>>,
    /// KMS key for at-rest encryption (replaces the group when changed).
    pub kms_key_id: Option<Input<String>>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for ReplicationGroup {
    const KIND: &'static str = kinds::REPLICATION_GROUP;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("replication_group_id", self.replication_group_id)
            .opt("description", self.description)
            .set("node_type", self.node_type)
            .opt("engine", self.engine)
            .opt("engine_version", self.engine_version)
            .opt("replicas_per_node_group", self.replicas_per_node_group)
            .opt(
                "automatic_failover_enabled",
                self.automatic_failover_enabled,
            )
            .opt("multi_az_enabled", self.multi_az_enabled)
            .opt(
                "at_rest_encryption_enabled",
                self.at_rest_encryption_enabled,
            )
            .opt(
                "transit_encryption_enabled",
                self.transit_encryption_enabled,
            )
            .opt("transit_encryption_mode", self.transit_encryption_mode)
            .opt("final_snapshot_identifier", self.final_snapshot_identifier)
            .opt("subnet_group_name", self.subnet_group_name)
            .list("security_group_ids", self.security_group_ids)
            .opt("port", self.port)
            .list(
                "preferred_cache_cluster_azs",
                self.preferred_cache_cluster_azs,
            )
            .opt("auth_token", self.auth_token)
            .opt(
                "auth_token_update_strategy",
                self.auth_token_update_strategy,
            )
            .opt("snapshot_retention_limit", self.snapshot_retention_limit)
            .opt("snapshot_window", self.snapshot_window)
            .opt("maintenance_window", self.maintenance_window)
            .opt("parameter_group_name", self.parameter_group_name)
            .opt("kms_key_id", self.kms_key_id)
            .tags(self.tags)
            .build()
    }
}

impl Handle<ReplicationGroup> {
    /// The writer endpoint.
    pub fn primary_endpoint(&self) -> Input<String> {
        self.attr("primary_endpoint_address")
    }
    /// The reader endpoint.
    pub fn reader_endpoint(&self) -> Input<String> {
        self.attr("reader_endpoint_address")
    }
    /// The node ids.
    pub fn member_clusters(&self) -> Input<Vec<String>> {
        self.attr("member_clusters")
    }
    /// The group's ARN.
    pub fn arn(&self) -> Input<String> {
        self.attr("arn")
    }
}
