//! DB instances changed in place as ModifyDBInstance and PromoteReadReplica
//! change them: same identifier, same endpoint, the data kept.

use strata_core::drill::DescribeDbSnapshotsRequest;
use strata_core::kinds;
use strata_core::provider::{DrillOps, Operation};

use crate::*;

/// A DB subnet group `name` over two new subnets in `azs` of `vpc`.
async fn group(
    sim: &SimProvider,
    clock: &SimClock,
    vpc: &str,
    name: &str,
    azs: [(&str, &str); 2],
) -> String {
    let mut subnets = Vec::new();
    for (az, cidr) in azs {
        let a = attrs(&[
            ("vpc_id", vpc.into()),
            ("cidr_block", cidr.into()),
            ("availability_zone", az.into()),
        ]);
        subnets.push(ready(sim, clock, &format!("{name}_{az}"), kinds::SUBNET, a).await);
    }
    let refs: Vec<&str> = subnets.iter().map(String::as_str).collect();
    ready(
        sim,
        clock,
        name,
        kinds::DB_SUBNET_GROUP,
        attrs(&[("name", name.into()), ("subnet_ids", strs(&refs))]),
    )
    .await
}

/// A sim with a VPC and the DB subnet group `db` in us-east-1a and 1b.
async fn setup() -> (SimProvider, SimClock, String) {
    let (sim, clock) = sim();
    let (vpc, a, b) = network(&sim, &clock).await;
    ready(
        &sim,
        &clock,
        "dbsg",
        kinds::DB_SUBNET_GROUP,
        attrs(&[("name", "db".into()), ("subnet_ids", strs(&[&a, &b]))]),
    )
    .await;
    (sim, clock, vpc)
}

fn primary(id: &str) -> Attrs {
    attrs(&[
        ("identifier", id.into()),
        ("instance_class", "db.t4g.medium".into()),
        ("db_subnet_group_name", "db".into()),
        ("allocated_storage", Value::Int(50)),
        ("username", "app".into()),
        ("password", "hunter2-very-secret".into()),
        ("backup_retention_period", Value::Int(7)),
    ])
}

fn replica(id: &str, source: &str) -> Attrs {
    attrs(&[
        ("identifier", id.into()),
        ("instance_class", "db.t4g.medium".into()),
        ("replicate_source_db", source.into()),
        ("allocated_storage", Value::Int(50)),
        ("skip_final_snapshot", true.into()),
    ])
}

async fn db(sim: &SimProvider, clock: &SimClock, a: Attrs) -> Attrs {
    let address = a["identifier"].as_str().unwrap().replace('-', "_");
    let id = ready(sim, clock, &address, kinds::DB_INSTANCE, a).await;
    read(sim, kinds::DB_INSTANCE, &id).await.unwrap()
}

/// Updates and waits until the instance is available again; the attributes then.
async fn modify(
    sim: &SimProvider,
    clock: &SimClock,
    id: &str,
    a: Attrs,
    changed: &[&str],
) -> (Option<String>, Attrs) {
    let status = update(sim, kinds::DB_INSTANCE, id, a, changed)
        .await
        .unwrap();
    assert_eq!(
        id_of(&status),
        id,
        "an in-place update keeps the identifier"
    );
    let during = pending_status(&status).map(str::to_string);
    let after = wait(sim, clock, kinds::DB_INSTANCE, id, Operation::Update).await;
    (during, after)
}

async fn automated_backups(sim: &SimProvider, id: &str) -> usize {
    sim.describe_db_snapshots(DescribeDbSnapshotsRequest {
        db_id: Some(id.into()),
        snapshot_id: None,
        snapshot_type: Some(strata_core::drill::SnapshotType::Automated),
    })
    .await
    .unwrap()
    .len()
}

#[tokio::test]
async fn removing_the_source_promotes_the_replica_in_place_with_backups_of_its_own() {
    let (sim, clock, _) = setup().await;
    db(&sim, &clock, primary("main")).await;
    let before = db(&sim, &clock, replica("reader", "main")).await;
    assert_eq!(before["replicate_source_db"], Value::from("main"));
    advance(&clock, 2 * 86_400);
    assert_eq!(
        automated_backups(&sim, "reader").await,
        0,
        "a replica takes no backups"
    );

    let mut promoted = replica("reader", "main");
    promoted.remove("replicate_source_db");
    let (during, after) = modify(&sim, &clock, "reader", promoted, &["replicate_source_db"]).await;
    assert_eq!(during.as_deref(), Some("modifying"));
    assert!(!after.contains_key("replicate_source_db"), "{after:?}");
    assert_eq!(after["status"], Value::from("available"));
    assert_eq!(after["endpoint"], before["endpoint"], "same instance");
    assert_eq!(after["arn"], before["arn"]);
    assert_eq!(
        after["username"],
        Value::from("app"),
        "the master user it had as a replica stays"
    );
    advance(&clock, 600);
    assert_eq!(automated_backups(&sim, "reader").await, 1);
    // The old primary has no replica left, so it may go.
    delete(&sim, kinds::DB_INSTANCE, "main").await.unwrap();
}

#[tokio::test]
async fn a_replica_promoted_outside_strata_stays_standalone_when_updated_with_its_old_source() {
    let (sim, clock, _) = setup().await;
    db(&sim, &clock, primary("main")).await;
    db(&sim, &clock, replica("reader", "main")).await;
    sim.promote_read_replica("reader").unwrap();
    wait(
        &sim,
        &clock,
        kinds::DB_INSTANCE,
        "reader",
        Operation::Update,
    )
    .await;

    let mut a = replica("reader", "main");
    a.insert("instance_class".into(), "db.t4g.large".into());
    let (_, after) = modify(&sim, &clock, "reader", a, &["instance_class"]).await;
    assert!(!after.contains_key("replicate_source_db"), "{after:?}");
    assert_eq!(after["instance_class"], Value::from("db.t4g.large"));
}

#[tokio::test]
async fn a_modification_cannot_point_a_replica_at_another_source() {
    let (sim, clock, _) = setup().await;
    db(&sim, &clock, primary("main")).await;
    db(&sim, &clock, primary("other")).await;
    db(&sim, &clock, replica("reader", "main")).await;
    let result = update(
        &sim,
        kinds::DB_INSTANCE,
        "reader",
        replica("reader", "other"),
        &["replicate_source_db"],
    )
    .await;
    assert_eq!(code(result), "InvalidParameterCombination");
    let live = read(&sim, kinds::DB_INSTANCE, "reader").await.unwrap();
    assert_eq!(live["replicate_source_db"], Value::from("main"));
}

#[tokio::test]
async fn a_former_replica_takes_its_final_snapshot_when_deleted() {
    let (sim, clock, _) = setup().await;
    db(&sim, &clock, primary("main")).await;
    db(&sim, &clock, replica("reader", "main")).await;
    db(&sim, &clock, replica("other-reader", "main")).await;
    let mut a = replica("reader", "main");
    a.remove("replicate_source_db");
    a.insert("skip_final_snapshot".into(), false.into());
    a.insert("final_snapshot_identifier".into(), "reader-final".into());
    modify(
        &sim,
        &clock,
        "reader",
        a,
        &[
            "replicate_source_db",
            "skip_final_snapshot",
            "final_snapshot_identifier",
        ],
    )
    .await;
    delete(&sim, kinds::DB_INSTANCE, "reader").await.unwrap();
    delete(&sim, kinds::DB_INSTANCE, "other-reader")
        .await
        .unwrap();
    let snaps: Vec<String> = sim
        .db_snapshots()
        .into_iter()
        .filter(|s| s.snapshot_type != "automated")
        .map(|s| s.id)
        .collect();
    assert_eq!(
        snaps,
        ["reader-final"],
        "the former replica keeps its data; the replica has none of its own"
    );
}

#[tokio::test]
async fn the_subnet_group_changes_in_place_and_frees_the_old_one() {
    let (sim, clock, vpc) = setup().await;
    group(
        &sim,
        &clock,
        &vpc,
        "db2",
        [("us-east-1c", "10.0.8.0/24"), ("us-east-1d", "10.0.9.0/24")],
    )
    .await;
    let before = db(&sim, &clock, primary("main")).await;
    let mut a = primary("main");
    a.insert("db_subnet_group_name".into(), "db2".into());
    let (during, after) = modify(&sim, &clock, "main", a, &["db_subnet_group_name"]).await;
    assert_eq!(during.as_deref(), Some("modifying"));
    assert_eq!(after["db_subnet_group_name"], Value::from("db2"));
    assert_eq!(after["endpoint"], before["endpoint"]);
    let az = after["availability_zone"].as_str().unwrap();
    assert!(["us-east-1c", "us-east-1d"].contains(&az), "{az}");
    delete(&sim, kinds::DB_SUBNET_GROUP, "db").await.unwrap();
    let missing = update(
        &sim,
        kinds::DB_INSTANCE,
        "main",
        primary("main"),
        &["db_subnet_group_name"],
    )
    .await;
    assert_eq!(code(missing), "DBSubnetGroupNotFoundFault");
}

#[tokio::test]
async fn a_major_version_is_run_as_its_newest_minor_and_never_downgraded() {
    let (sim, clock, _) = setup().await;
    let mut a = primary("main");
    a.insert("engine_version".into(), "16".into());
    let created = db(&sim, &clock, a.clone()).await;
    assert_eq!(created["engine_version"], Value::from("16.4"));

    a.insert("engine_version".into(), "16.2".into());
    a.insert("instance_class".into(), "db.t4g.large".into());
    let (_, after) = modify(
        &sim,
        &clock,
        "main",
        a.clone(),
        &["engine_version", "instance_class"],
    )
    .await;
    assert_eq!(after["engine_version"], Value::from("16.4"), "no downgrade");

    a.insert("engine_version".into(), "17".into());
    let refused = update(
        &sim,
        kinds::DB_INSTANCE,
        "main",
        a.clone(),
        &["engine_version"],
    )
    .await;
    assert_eq!(code(refused), "InvalidParameterCombination");
    a.insert("allow_major_version_upgrade".into(), true.into());
    let (during, after) = modify(&sim, &clock, "main", a, &["engine_version"]).await;
    assert_eq!(during.as_deref(), Some("upgrading"));
    assert_eq!(after["engine_version"], Value::from("17.2"));
}

#[tokio::test]
async fn replicas_report_their_sources_version_and_their_own_storage_and_backups() {
    let (sim, clock, _) = setup().await;
    let mut a = primary("main");
    a.insert("engine_version".into(), "16.2".into());
    db(&sim, &clock, a.clone()).await;
    let mut r = replica("reader", "main");
    r.remove("allocated_storage");
    r.insert("engine_version".into(), "16".into());
    r.insert("backup_retention_period".into(), Value::Int(3));
    let reader = db(&sim, &clock, r).await;
    assert_eq!(reader["engine_version"], Value::from("16.2"));
    assert_eq!(
        reader["allocated_storage"],
        Value::Int(50),
        "the source's storage"
    );
    assert_eq!(reader["backup_retention_period"], Value::Int(3));
    let mut smaller = replica("reader", "main");
    smaller.insert("allocated_storage".into(), Value::Int(20));
    let shrink = update(
        &sim,
        kinds::DB_INSTANCE,
        "reader",
        smaller,
        &["allocated_storage"],
    )
    .await;
    assert_eq!(code(shrink), "InvalidParameterCombination");

    a.insert("engine_version".into(), "16.4".into());
    modify(&sim, &clock, "main", a, &["engine_version"]).await;
    let reader = read(&sim, kinds::DB_INSTANCE, "reader").await.unwrap();
    assert_eq!(
        reader["engine_version"],
        Value::from("16.4"),
        "replicas follow their source's upgrade"
    );
}

#[tokio::test]
async fn a_kms_key_id_is_reported_as_its_arn_and_cannot_change() {
    let (sim, clock, _) = setup().await;
    let key = "1234abcd-12ab-34cd-56ef-1234567890ab";
    let mut a = primary("main");
    a.insert("kms_key_id".into(), key.into());
    let created = db(&sim, &clock, a.clone()).await;
    assert_eq!(
        created["kms_key_id"],
        Value::from(format!("arn:aws:kms:us-east-1:123456789012:key/{key}"))
    );
    a.insert("instance_class".into(), "db.t4g.large".into());
    let (_, after) = modify(&sim, &clock, "main", a.clone(), &["instance_class"]).await;
    assert_eq!(after["kms_key_id"], created["kms_key_id"]);
    a.insert("kms_key_id".into(), "5678efgh".into());
    let changed = update(&sim, kinds::DB_INSTANCE, "main", a, &["kms_key_id"]).await;
    assert_eq!(code(changed), "InvalidParameterCombination");

    let mut b = primary("aliased");
    b.insert("kms_key_id".into(), "alias/shop".into());
    let aliased = db(&sim, &clock, b).await;
    assert_eq!(aliased["kms_key_id"], Value::from("alias/shop"));
}

#[tokio::test]
async fn new_attributes_are_accepted_and_reported_back() {
    let (sim, clock, _) = setup().await;
    let mut a = primary("main");
    a.insert("auto_minor_version_upgrade".into(), false.into());
    a.insert("allow_major_version_upgrade".into(), true.into());
    a.insert("apply_immediately".into(), true.into());
    let created = db(&sim, &clock, a).await;
    assert_eq!(created["auto_minor_version_upgrade"], Value::Bool(false));
    assert_eq!(created["allow_major_version_upgrade"], Value::Bool(true));
    assert_eq!(created["apply_immediately"], Value::Bool(true));
    let defaults = db(&sim, &clock, primary("plain")).await;
    assert_eq!(defaults["auto_minor_version_upgrade"], Value::Bool(true));
    assert_eq!(defaults["allow_major_version_upgrade"], Value::Bool(false));
    assert_eq!(defaults["apply_immediately"], Value::Bool(false));
}
