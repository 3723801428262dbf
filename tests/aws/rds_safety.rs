//! RDS changes that must never cost a database, on moto through the real
//! engine: a new subnet group, an engine version AWS reports in full, a
//! change kept for the maintenance window, a replica's storage and a
//! replica's promotion are all updates in place, and the plan after each
//! apply is empty.
//!
//! A recording proxy of our own sits between `strata` and moto, so the tests
//! can say which RDS calls an apply made. moto quirks (see
//! `/work/shared/DESIGN.md`): every change is applied at once (no
//! `PendingModifiedValues`), and PromoteReadReplica leaves
//! `ReadReplicaSourceDBInstanceIdentifier` set, so moto keeps reporting the
//! promoted instance as a replica.

use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use strata_aws::sdk::rds;

use crate::support::{endpoint, forward, moto, read_request, sdk, strata_tagged, Project};

const STACK: &str = r##"stack = "rdssafe"

[provider]
kind = "aws"
region = "us-east-1"

[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.7.0.0/16"

[resource.a]
kind = "aws.ec2.subnet"
vpc_id = "${vpc.id}"
cidr_block = "10.7.1.0/24"
availability_zone = "us-east-1a"

[resource.b]
kind = "aws.ec2.subnet"
vpc_id = "${vpc.id}"
cidr_block = "10.7.2.0/24"
availability_zone = "us-east-1b"

[resource.c]
kind = "aws.ec2.subnet"
vpc_id = "${vpc.id}"
cidr_block = "10.7.3.0/24"
availability_zone = "us-east-1c"

[resource.net_one]
kind = "aws.rds.db_subnet_group"
name = "rdssafe-one"
subnet_ids = ["${a.id}", "${b.id}"]

[resource.net_two]
kind = "aws.rds.db_subnet_group"
name = "rdssafe-two"
subnet_ids = ["${b.id}", "${c.id}"]

[resource.db]
kind = "aws.rds.db_instance"
identifier = "rdssafe-db"
instance_class = "db.t4g.medium"
engine_version = "16"
kms_key_id = "alias/rdssafe"
db_subnet_group_name = "${net_one.name}"
username = "app"
password = "secret-one"
skip_final_snapshot = true

[resource.replica]
kind = "aws.rds.db_instance"
identifier = "rdssafe-replica"
replicate_source_db = "${db.identifier}"
instance_class = "db.t4g.medium"
allocated_storage = 20
skip_final_snapshot = true
"##;

/// The query-API requests (`Action=...&...`) `strata` sent through the proxy.
type Calls = Arc<Mutex<Vec<String>>>;

/// Starts a proxy to moto that records every query-API request body.
fn recorder() -> (String, Calls) {
    let upstream = endpoint()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let calls: Calls = Arc::default();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = calls.clone();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { continue };
            let (upstream, seen) = (upstream.clone(), seen.clone());
            std::thread::spawn(move || {
                while let Some(request) = read_request(&mut client) {
                    let text = String::from_utf8_lossy(&request).into_owned();
                    if let Some(body) = text.split("\r\n\r\n").nth(1) {
                        if body.starts_with("Action=") {
                            seen.lock().unwrap().push(body.to_string());
                        }
                    }
                    let Some(reply) = forward(&upstream, &request) else {
                        return;
                    };
                    if client.write_all(&reply).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, calls)
}

/// Runs `strata args` through the recording proxy, asserting success.
fn via(p: &Project, proxy: &str, args: &[&str]) -> String {
    let out = tokio::task::block_in_place(|| {
        let mut c = p.cmd(args);
        c.env("AWS_ENDPOINT_URL", proxy);
        c.output().unwrap()
    });
    let (so, se) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "strata {args:?} failed:\n{so}\n{se}");
    so
}

/// The recorded calls of one action (e.g. `ModifyDBInstance`).
fn of(calls: &Calls, action: &str) -> Vec<String> {
    let prefix = format!("Action={action}&");
    let all = calls.lock().unwrap();
    all.iter()
        .filter(|c| c.starts_with(&prefix))
        .cloned()
        .collect()
}

fn clear(calls: &Calls) {
    calls.lock().unwrap().clear();
}

fn edit(p: &Project, from: &str, to: &str) {
    p.edit(|m| {
        assert!(m.contains(from), "{from} not in the manifest");
        m.replacen(from, to, 1)
    });
}

async fn instance(id: &str) -> rds::types::DbInstance {
    let out = rds::Client::new(&sdk().await)
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .unwrap();
    out.db_instances()[0].clone()
}

async fn destroy(p: &Project) {
    p.ok(&["destroy", "--yes"]);
    let left = strata_tagged("rdssafe").await;
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn subnet_group_engine_version_and_deferred_changes_are_in_place() {
    let _moto = moto();
    let (proxy, calls) = recorder();
    let p = Project::new(STACK);
    via(&p, &proxy, &["apply", "--yes"]);
    p.assert_no_changes();

    // The KMS alias is kept with the key AWS reported at create.
    let db = instance("rdssafe-db").await;
    let tags: Vec<(String, String)> = rds::Client::new(&sdk().await)
        .list_tags_for_resource()
        .resource_name(db.db_instance_arn().unwrap())
        .send()
        .await
        .unwrap()
        .tag_list()
        .iter()
        .map(|t| (t.key().unwrap().into(), t.value().unwrap().into()))
        .collect();
    assert!(
        tags.contains(&("strata:kms:alias".into(), "alias/rdssafe".into())),
        "{tags:?}"
    );
    assert!(tags.iter().any(|(k, _)| k == "strata:kms:key"), "{tags:?}");
    // AutoMinorVersionUpgrade was sent (the default, true) and is read back.
    assert_eq!(db.auto_minor_version_upgrade(), Some(true));

    // (b) AWS upgrades the minor version: "16" still matches, no downgrade.
    rds::Client::new(&sdk().await)
        .modify_db_instance()
        .db_instance_identifier("rdssafe-db")
        .engine_version("16.4")
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    assert_eq!(instance("rdssafe-db").await.engine_version(), Some("16.4"));
    p.assert_no_changes();

    // (a) Another subnet group: ModifyDBInstance, not a new database.
    clear(&calls);
    edit(
        &p,
        "db_subnet_group_name = \"${net_one.name}\"",
        "db_subnet_group_name = \"${net_two.name}\"",
    );
    let plan = p.ok(&["plan"]);
    assert!(plan.contains("db will be updated in place"), "{plan}");
    assert!(!plan.contains("must be replaced"), "{plan}");
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    via(&p, &proxy, &["apply", "--yes"]);
    let modified = of(&calls, "ModifyDBInstance");
    assert_eq!(modified.len(), 1, "{modified:?}");
    assert!(
        modified[0].contains("DBSubnetGroupName=rdssafe-two"),
        "{modified:?}"
    );
    let db = instance("rdssafe-db").await;
    assert_eq!(
        db.db_subnet_group().and_then(|g| g.db_subnet_group_name()),
        Some("rdssafe-two")
    );
    p.assert_no_changes();

    // (d) apply_immediately defaults to false: the change is sent for the
    // maintenance window (moto applies it at once) and the plan is empty.
    clear(&calls);
    edit(
        &p,
        "instance_class = \"db.t4g.medium\"\nengine_version",
        "instance_class = \"db.t4g.large\"\nengine_version",
    );
    via(&p, &proxy, &["apply", "--yes"]);
    let modified = of(&calls, "ModifyDBInstance");
    assert_eq!(modified.len(), 1, "{modified:?}");
    assert!(
        modified[0].contains("ApplyImmediately=false")
            && modified[0].contains("DBInstanceClass=db.t4g.large"),
        "{modified:?}"
    );
    p.assert_no_changes();

    destroy(&p).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replica_is_resized_and_promoted_in_place() {
    let _moto = moto();
    let (proxy, calls) = recorder();
    let p = Project::new(STACK);
    via(&p, &proxy, &["apply", "--yes"]);
    p.assert_no_changes();
    let created = instance("rdssafe-replica")
        .await
        .instance_create_time()
        .cloned();

    // (e) A replica's storage: sent in ModifyDBInstance, read back from AWS.
    clear(&calls);
    edit(&p, "allocated_storage = 20", "allocated_storage = 40");
    let plan = p.ok(&["plan"]);
    assert!(plan.contains("replica will be updated in place"), "{plan}");
    via(&p, &proxy, &["apply", "--yes"]);
    let modified = of(&calls, "ModifyDBInstance");
    assert_eq!(modified.len(), 1, "{modified:?}");
    assert!(
        modified[0].contains("DBInstanceIdentifier=rdssafe-replica")
            && modified[0].contains("AllocatedStorage=40"),
        "{modified:?}"
    );
    assert_eq!(
        instance("rdssafe-replica").await.allocated_storage(),
        Some(40)
    );
    p.assert_no_changes();

    // (c) Removing the source promotes the replica: never a delete.
    // A primary names its master user (the one it had as a replica).
    clear(&calls);
    edit(
        &p,
        "replicate_source_db = \"${db.identifier}\"",
        "username = \"app\"",
    );
    let plan = p.ok(&["plan"]);
    assert!(plan.contains("replica will be updated in place"), "{plan}");
    assert!(!plan.contains("must be replaced"), "{plan}");
    assert!(
        plan.contains("0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );
    via(&p, &proxy, &["apply", "--yes"]);
    let all = calls.lock().unwrap().clone();
    let promoted = of(&calls, "PromoteReadReplica");
    assert_eq!(promoted.len(), 1, "{all:?}");
    assert!(
        promoted[0].contains("DBInstanceIdentifier=rdssafe-replica")
            && promoted[0].contains("BackupRetentionPeriod=7"),
        "{promoted:?}"
    );
    assert!(
        !all.iter().any(|c| c.starts_with("Action=DeleteDBInstance&")
            || c.starts_with("Action=CreateDBInstance")),
        "{all:?}"
    );
    assert!(
        !all.iter()
            .any(|c| c.starts_with("Action=ModifyDBInstance&")),
        "nothing else changed, so no (empty) ModifyDBInstance: {all:?}"
    );
    // The same instance, not a new one.
    let after = instance("rdssafe-replica").await;
    assert_eq!(after.instance_create_time().cloned(), created);
    assert_eq!(after.allocated_storage(), Some(40));
    // moto keeps ReadReplicaSourceDBInstanceIdentifier after a promotion, so
    // it still reports a replica: the next plan asks to promote again, but
    // never to replace or destroy it.
    let plan = p.ok(&["plan"]);
    assert!(!plan.contains("must be replaced"), "{plan}");
    assert!(
        plan.contains("No changes") || plan.contains("0 to add, 1 to change, 0 to destroy"),
        "{plan}"
    );

    destroy(&p).await;
}
