//! The drill operations of the `Provider` trait on the sim: snapshots,
//! restores tagged as drill resources, renames, failovers.

use std::collections::BTreeMap;

use strata_core::drill::{
    CreateDbSnapshotRequest, DescribeDbSnapshotsRequest, DrillResourceKind, RenameDbRequest,
    RestoreDbRequest, SnapshotType, DRILL_TAG,
};
use strata_core::kinds;
use strata_core::provider::{DrillOps, Operation};

use crate::*;

async fn primary(sim: &SimProvider, clock: &SimClock) {
    let (_, a, b) = network(sim, clock).await;
    ready(
        sim,
        clock,
        "dbsg",
        kinds::DB_SUBNET_GROUP,
        attrs(&[("name", "db".into()), ("subnet_ids", strs(&[&a, &b]))]),
    )
    .await;
    let db = attrs(&[
        ("identifier", "main".into()),
        ("instance_class", "db.r6g.large".into()),
        ("db_subnet_group_name", "db".into()),
        ("multi_az", true.into()),
        ("vpc_security_group_ids", strs(&["sg-1"])),
        ("deletion_protection", true.into()),
    ]);
    ready(sim, clock, "db", kinds::DB_INSTANCE, db).await;
}

fn drill_tags(id: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(DRILL_TAG.to_string(), id.to_string())])
}

#[tokio::test]
async fn a_drill_snapshot_restores_with_the_requested_settings_and_is_found_by_its_tag() {
    let (sim, clock) = sim();
    primary(&sim, &clock).await;
    let snap = DrillOps::create_db_snapshot(
        &sim,
        CreateDbSnapshotRequest {
            db_id: "main".into(),
            snapshot_id: "main-drill-1".into(),
            tags: drill_tags("d1"),
        },
    )
    .await
    .unwrap();
    assert_eq!(snap.status, "creating");
    assert_eq!(snap.snapshot_type, SnapshotType::Manual);
    advance(&clock, 130);
    let source = sim.describe_db_instance("main").await.unwrap();
    let restored = sim
        .restore_db_instance_from_db_snapshot(RestoreDbRequest {
            snapshot_id: "main-drill-1".into(),
            db_id: "main-drill-d1".into(),
            class: source.class.clone(),
            subnet_group: source.subnet_group.clone(),
            security_group_ids: source.security_group_ids.clone(),
            parameter_group: source.parameter_group.clone(),
            multi_az: false,
            deletion_protection: false,
            tags: drill_tags("d1"),
        })
        .await
        .unwrap();
    assert_eq!(restored.status, "creating");
    assert_eq!(restored.class, "db.r6g.large");
    assert_eq!(restored.security_group_ids, vec!["sg-1".to_string()]);
    assert!(restored.encrypted);
    wait(
        &sim,
        &clock,
        kinds::DB_INSTANCE,
        "main-drill-d1",
        Operation::Create,
    )
    .await;
    let found = sim.find_drill_resources(Some("d1")).await.unwrap();
    let kinds: Vec<_> = found.iter().map(|r| (r.kind, r.id.as_str())).collect();
    assert_eq!(
        kinds,
        vec![
            (DrillResourceKind::DbInstance, "main-drill-d1"),
            (DrillResourceKind::DbSnapshot, "main-drill-1")
        ]
    );
    assert!(sim
        .find_drill_resources(Some("other"))
        .await
        .unwrap()
        .is_empty());
    sim.delete_db_instance("main-drill-d1").await.unwrap();
    DrillOps::delete_db_snapshot(&sim, "main-drill-1")
        .await
        .unwrap();
    wait(
        &sim,
        &clock,
        kinds::DB_INSTANCE,
        "main-drill-d1",
        Operation::Delete,
    )
    .await;
    assert!(sim.find_drill_resources(None).await.unwrap().is_empty());
    // The protected primary is refused.
    assert!(sim.delete_db_instance("main").await.is_err());
}

#[tokio::test]
async fn automated_snapshots_appear_once_the_first_backup_ran_and_cannot_be_deleted() {
    let (sim, clock) = sim();
    primary(&sim, &clock).await;
    let auto = DescribeDbSnapshotsRequest {
        db_id: Some("main".into()),
        snapshot_type: Some(SnapshotType::Automated),
        ..Default::default()
    };
    let snaps = sim.describe_db_snapshots(auto.clone()).await.unwrap();
    assert_eq!(snaps.len(), 1, "{snaps:?}");
    assert!(snaps[0].id.starts_with("rds:main-"));
    advance(&clock, 86_400);
    let snaps = sim.describe_db_snapshots(auto).await.unwrap();
    assert_eq!(snaps.len(), 2);
    assert!(snaps[1].created_ms > snaps[0].created_ms);
    assert!(DrillOps::delete_db_snapshot(&sim, &snaps[0].id)
        .await
        .is_err());
}

#[tokio::test]
async fn a_rename_moves_the_endpoint_and_tags_and_a_forced_reboot_fails_over() {
    let (sim, clock) = sim();
    primary(&sim, &clock).await;
    let before = sim.describe_db_instance("main").await.unwrap();
    sim.reboot_db_instance("main", true).await.unwrap();
    let after = sim.describe_db_instance("main").await.unwrap();
    assert_eq!(after.status, "rebooting");
    assert_eq!(after.availability_zone, before.secondary_availability_zone);
    advance(&clock, 61);
    let renamed = sim
        .modify_db_instance_identifier(RenameDbRequest {
            db_id: "main".into(),
            new_db_id: "main-old".into(),
            add_tags: drill_tags("d2"),
            remove_tags: vec![],
        })
        .await
        .unwrap();
    assert_eq!(
        renamed.endpoint.as_deref(),
        Some("main-old.c9akciq32.us-east-1.rds.amazonaws.com:5432")
    );
    assert_eq!(renamed.tags.get(DRILL_TAG).map(String::as_str), Some("d2"));
    assert!(sim.describe_db_instance("main").await.is_err());
}
