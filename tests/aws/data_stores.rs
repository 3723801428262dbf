//! Tuned data stores on moto: a DB parameter group and a PostgreSQL
//! instance with gp3 storage, autoscaling, windows, Performance Insights,
//! log exports and tags on snapshots, and its replica with a maintenance
//! window of its own; a Redis group with AUTH, snapshots,
//! a maintenance window and its own KMS key. Created, read back through the
//! SDK, changed in place, the group replaced (before the old one goes),
//! imported, deleted — and after each apply the plan is empty.
//!
//! moto has no ElastiCache parameter groups, ignores a new snapshot window
//! and keeps no Performance Insights settings (`book/src/aws.md`): the
//! Redis parameter group and snapshot-window changes are tested on the sim
//! (`tests/it/data_stores.rs`).

use strata_aws::sdk::{elasticache, rds};

use crate::support::{moto, sdk, strata_tagged, Project};

const STACK: &str = r##"stack = "tuned"

[provider]
kind = "aws"
region = "us-east-1"

[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.2.0.0/16"

[resource.a]
kind = "aws.ec2.subnet"
vpc_id = "${vpc.id}"
cidr_block = "10.2.1.0/24"
availability_zone = "us-east-1a"

[resource.b]
kind = "aws.ec2.subnet"
vpc_id = "${vpc.id}"
cidr_block = "10.2.2.0/24"
availability_zone = "us-east-1b"

[resource.dbnet]
kind = "aws.rds.db_subnet_group"
name = "tuned-db"
subnet_ids = ["${a.id}", "${b.id}"]

[resource.params]
kind = "aws.rds.parameter_group"
name = "tuned-postgres16"
family = "postgres16"
parameters = [
  { name = "log_min_duration_statement", value = "500" },
  { name = "rds.force_ssl", value = "1" },
]

[resource.db]
kind = "aws.rds.db_instance"
identifier = "tuned-db"
instance_class = "db.t4g.medium"
allocated_storage = 50
max_allocated_storage = 100
storage_type = "gp3"
db_subnet_group_name = "${dbnet.name}"
parameter_group_name = "${params.name}"
username = "app"
password = "secret-one-two"
maintenance_window = "sun:05:00-sun:06:00"
backup_window = "03:00-04:00"
performance_insights_enabled = true
performance_insights_retention_period = 7
copy_tags_to_snapshot = true
enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]
skip_final_snapshot = true

[resource.replica]
kind = "aws.rds.db_instance"
identifier = "tuned-db-replica"
instance_class = "db.t4g.medium"
replicate_source_db = "${db.identifier}"
parameter_group_name = "${params.name}"
maintenance_window = "sun:07:00-sun:08:00"
skip_final_snapshot = true

[resource.cachenet]
kind = "aws.elasticache.subnet_group"
name = "tuned-cache"
subnet_ids = ["${a.id}", "${b.id}"]

[resource.cache]
kind = "aws.elasticache.replication_group"
replication_group_id = "tuned-redis"
node_type = "cache.t4g.small"
subnet_group_name = "${cachenet.name}"
auth_token = "first-redis-token-0001"
snapshot_retention_limit = 3
snapshot_window = "04:00-05:00"
maintenance_window = "sun:06:00-sun:07:00"
kms_key_id = "alias/tuned-cache"
"##;

#[tokio::test(flavor = "multi_thread")]
async fn tuned_data_stores_are_created_changed_replaced_imported_and_deleted() {
    let _moto = moto();
    let p = Project::new(STACK);
    let out = p.ok(&["apply", "--yes"]);
    assert!(out.contains("Apply complete"), "{out}");
    p.assert_no_changes();

    // Read back through the SDK.
    let cfg = sdk().await;
    let db_client = rds::Client::new(&cfg);
    let db = db_client
        .describe_db_instances()
        .db_instance_identifier("tuned-db")
        .send()
        .await
        .unwrap();
    let d = &db.db_instances()[0];
    assert_eq!(
        d.db_parameter_groups()[0].db_parameter_group_name(),
        Some("tuned-postgres16")
    );
    assert_eq!(d.storage_type(), Some("gp3"));
    assert_eq!(d.max_allocated_storage(), Some(100));
    assert_eq!(d.preferred_backup_window(), Some("03:00-04:00"));
    assert_eq!(
        d.preferred_maintenance_window(),
        Some("sun:05:00-sun:06:00")
    );
    assert_eq!(d.copy_tags_to_snapshot(), Some(true));
    assert_eq!(
        d.enabled_cloudwatch_logs_exports(),
        ["postgresql".to_string(), "upgrade".to_string()]
    );
    // A replica's window is set after CreateDBInstanceReadReplica.
    let replica = db_client
        .describe_db_instances()
        .db_instance_identifier("tuned-db-replica")
        .send()
        .await
        .unwrap();
    assert_eq!(
        replica.db_instances()[0].preferred_maintenance_window(),
        Some("sun:07:00-sun:08:00")
    );
    let params = db_client
        .describe_db_parameters()
        .db_parameter_group_name("tuned-postgres16")
        .send()
        .await
        .unwrap();
    assert!(params
        .parameters()
        .iter()
        .any(|p| p.parameter_name() == Some("rds.force_ssl") && p.parameter_value() == Some("1")));
    let cache_client = elasticache::Client::new(&cfg);
    let groups = cache_client
        .describe_replication_groups()
        .replication_group_id("tuned-redis")
        .send()
        .await
        .unwrap();
    let g = &groups.replication_groups()[0];
    assert_eq!(g.auth_token_enabled(), Some(true));
    assert_eq!(g.snapshot_retention_limit(), Some(3));
    assert_eq!(g.kms_key_id(), Some("alias/tuned-cache"));
    // The token never reaches state.
    let state = p.ok(&["state", "pull"]);
    assert!(state.contains("tuned-redis"), "{state}");
    assert!(!state.contains("first-redis-token-0001"));

    // In place: parameters, storage autoscaling, windows, log exports,
    // snapshots, a new token.
    p.edit(|m| {
        m.replacen("value = \"500\"", "value = \"1000\"", 1)
            .replacen(
                "max_allocated_storage = 100",
                "max_allocated_storage = 150",
                1,
            )
            .replacen(
                "backup_window = \"03:00-04:00\"",
                "backup_window = \"02:00-03:00\"",
                1,
            )
            .replacen("[\"postgresql\", \"upgrade\"]", "[\"postgresql\"]", 1)
            .replacen(
                "snapshot_retention_limit = 3",
                "snapshot_retention_limit = 5",
                1,
            )
            .replacen("first-redis-token-0001", "second-redis-token-0002", 1)
    });
    let plan = p.ok(&["plan"]);
    for e in [
        "params will be updated in place",
        "db will be updated in place",
        "cache will be updated in place",
        "0 to add, 3 to change, 0 to destroy",
    ] {
        assert!(plan.contains(e), "expected `{e}` in:\n{plan}");
    }
    assert!(!plan.contains("second-redis-token-0002"), "{plan}");
    p.ok(&["apply", "--yes"]);
    p.assert_no_changes();
    let d = db_client
        .describe_db_instances()
        .db_instance_identifier("tuned-db")
        .send()
        .await
        .unwrap();
    let d = &d.db_instances()[0];
    assert_eq!(d.max_allocated_storage(), Some(150));
    assert_eq!(d.preferred_backup_window(), Some("02:00-03:00"));
    assert_eq!(
        d.enabled_cloudwatch_logs_exports(),
        ["postgresql".to_string()]
    );
    let g = cache_client
        .describe_replication_groups()
        .replication_group_id("tuned-redis")
        .send()
        .await
        .unwrap();
    assert_eq!(
        g.replication_groups()[0].snapshot_retention_limit(),
        Some(5)
    );

    // Replace where AWS requires it: a new KMS key is a new Redis group
    // (refused without --allow-replace: it holds data); a parameter group
    // under a new name is made before the instance moves to it, and the
    // old one deleted after.
    p.edit(|m| m.replacen("alias/tuned-cache", "alias/tuned-cache-2", 1));
    let plan = p.ok(&["plan"]);
    assert!(plan.contains("cache must be replaced"), "{plan}");
    assert!(
        plan.contains("ModifyReplicationGroup has no KmsKeyId"),
        "{plan}"
    );
    let refused = p.fails(&["apply", "--yes"]);
    assert!(
        refused.contains("strata::apply::replaces_data"),
        "{refused}"
    );
    p.edit(|m| m.replacen("alias/tuned-cache-2", "alias/tuned-cache", 1));
    p.assert_no_changes();
    p.edit(|m| m.replacen("name = \"tuned-postgres16\"", "name = \"tuned-pg16\"", 1));
    let plan = p.ok(&["plan"]);
    assert!(plan.contains("params must be replaced"), "{plan}");
    assert!(plan.contains("db will be updated in place"), "{plan}");
    p.ok(&["apply", "--yes"]);
    p.assert_no_changes();
    assert!(
        !group_exists(&db_client, "tuned-postgres16").await,
        "the old group is deleted"
    );

    // Import: forgotten, then adopted back with an empty plan.
    p.ok(&["state", "rm", "params"]);
    p.ok(&["import", "params", "tuned-pg16"]);
    p.assert_no_changes();

    // Delete. moto 5.2.5 does not implement DeleteCacheSubnetGroup.
    p.ok(&["state", "rm", "cachenet"]);
    p.ok(&["destroy", "--yes"]);
    let left = strata_tagged("tuned").await;
    assert!(left.is_empty(), "left behind: {left:?}");
    assert!(
        !group_exists(&db_client, "tuned-pg16").await,
        "the parameter group is deleted"
    );
}

/// Whether DB parameter group `name` exists (AWS answers a missing one with
/// DBParameterGroupNotFound, moto with an empty list).
async fn group_exists(client: &rds::Client, name: &str) -> bool {
    client
        .describe_db_parameter_groups()
        .db_parameter_group_name(name)
        .send()
        .await
        .is_ok_and(|r| !r.db_parameter_groups().is_empty())
}
