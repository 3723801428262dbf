//! Redis replication groups changed in place (ModifyReplicationGroup,
//! IncreaseReplicaCount, DecreaseReplicaCount) and deleted with a final
//! snapshot.

use strata_core::kinds;
use strata_core::provider::Operation;

use crate::*;

async fn setup() -> (SimProvider, SimClock) {
    let (sim, clock) = sim();
    let (_, a, b) = network(&sim, &clock).await;
    ready(
        &sim,
        &clock,
        "csg",
        kinds::CACHE_SUBNET_GROUP,
        attrs(&[("name", "cache".into()), ("subnet_ids", strs(&[&a, &b]))]),
    )
    .await;
    (sim, clock)
}

fn group(id: &str, azs: &[&str]) -> Attrs {
    attrs(&[
        ("replication_group_id", id.into()),
        ("node_type", "cache.t4g.small".into()),
        ("subnet_group_name", "cache".into()),
        (
            "replicas_per_node_group",
            Value::Int(i64::try_from(azs.len()).unwrap() - 1),
        ),
        ("preferred_cache_cluster_azs", strs(azs)),
    ])
}

async fn modify(
    sim: &SimProvider,
    clock: &SimClock,
    id: &str,
    a: Attrs,
    changed: &[&str],
) -> (Option<String>, Attrs) {
    let status = update(sim, kinds::REPLICATION_GROUP, id, a, changed)
        .await
        .unwrap();
    assert_eq!(id_of(&status), id, "an in-place update keeps the group id");
    let during = pending_status(&status).map(str::to_string);
    let after = wait(sim, clock, kinds::REPLICATION_GROUP, id, Operation::Update).await;
    (during, after)
}

fn sorted(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_list()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn the_replica_count_changes_in_place_keeping_the_group_and_its_nodes() {
    let (sim, clock) = setup().await;
    let id = ready(
        &sim,
        &clock,
        "redis",
        kinds::REPLICATION_GROUP,
        group("sessions", &["us-east-1a", "us-east-1b"]),
    )
    .await;
    let before = read(&sim, kinds::REPLICATION_GROUP, &id).await.unwrap();

    let (during, after) = modify(
        &sim,
        &clock,
        &id,
        group("sessions", &["us-east-1a", "us-east-1b", "us-east-1a"]),
        &["replicas_per_node_group", "preferred_cache_cluster_azs"],
    )
    .await;
    assert_eq!(during.as_deref(), Some("modifying"));
    assert_eq!(
        after["member_clusters"],
        strs(&["sessions-001", "sessions-002", "sessions-003"]),
        "the nodes it had stay"
    );
    assert_eq!(
        after["primary_endpoint_address"],
        before["primary_endpoint_address"]
    );
    assert_eq!(after["replicas_per_node_group"], Value::Int(2));
    assert_eq!(
        sorted(&after["preferred_cache_cluster_azs"]),
        ["us-east-1a", "us-east-1a", "us-east-1b"]
    );
    assert_eq!(sim.cache_nodes(&id)[0].role, "primary");
    assert_eq!(sim.cache_nodes(&id)[0].id, "sessions-001");

    let (_, after) = modify(
        &sim,
        &clock,
        &id,
        group("sessions", &["us-east-1a", "us-east-1b"]),
        &["replicas_per_node_group", "preferred_cache_cluster_azs"],
    )
    .await;
    assert_eq!(
        after["member_clusters"],
        strs(&["sessions-001", "sessions-002"]),
        "the replica in the AZ no longer listed goes"
    );
}

#[tokio::test]
async fn preferred_azs_are_a_set_that_follows_the_nodes() {
    let (sim, clock) = setup().await;
    let id = ready(
        &sim,
        &clock,
        "redis",
        kinds::REPLICATION_GROUP,
        group("sessions", &["us-east-1a", "us-east-1b"]),
    )
    .await;
    sim.test_failover_cache(&id).unwrap();
    advance(&clock, 60);
    let live = read(&sim, kinds::REPLICATION_GROUP, &id).await.unwrap();
    assert_eq!(
        live["preferred_cache_cluster_azs"],
        strs(&["us-east-1b", "us-east-1a"]),
        "the new primary's AZ first"
    );

    let (_, after) = modify(
        &sim,
        &clock,
        &id,
        group("sessions", &["us-east-1b", "us-east-1c"]),
        &["preferred_cache_cluster_azs"],
    )
    .await;
    assert_eq!(
        after["preferred_cache_cluster_azs"],
        strs(&["us-east-1b", "us-east-1c"])
    );
    assert_eq!(
        after["member_clusters"],
        strs(&["sessions-002", "sessions-003"]),
        "the primary stays; the replica moves to the new AZ"
    );
}

#[tokio::test]
async fn transit_encryption_changes_in_place_from_redis_7_0_5_only() {
    let (sim, clock) = setup().await;
    let mut a = group("modern", &["us-east-1a", "us-east-1b"]);
    a.insert("engine_version".into(), "7.1".into());
    a.insert("transit_encryption_enabled".into(), false.into());
    let id = ready(&sim, &clock, "modern", kinds::REPLICATION_GROUP, a.clone()).await;
    a.insert("transit_encryption_enabled".into(), true.into());
    a.insert("transit_encryption_mode".into(), "preferred".into());
    let (during, after) = modify(
        &sim,
        &clock,
        &id,
        a,
        &["transit_encryption_enabled", "transit_encryption_mode"],
    )
    .await;
    assert_eq!(during.as_deref(), Some("modifying"));
    assert_eq!(after["transit_encryption_enabled"], Value::Bool(true));
    assert_eq!(after["transit_encryption_mode"], Value::from("preferred"));
    assert_eq!(after["member_clusters"].as_list().unwrap().len(), 2);

    let mut old = group("old", &["us-east-1a", "us-east-1b"]);
    old.insert("engine_version".into(), "6.2".into());
    old.insert("transit_encryption_enabled".into(), false.into());
    let id = ready(&sim, &clock, "old", kinds::REPLICATION_GROUP, old.clone()).await;
    old.insert("transit_encryption_enabled".into(), true.into());
    let refused = update(
        &sim,
        kinds::REPLICATION_GROUP,
        &id,
        old,
        &["transit_encryption_enabled"],
    )
    .await;
    assert_eq!(code(refused), "InvalidParameterCombination");
}

#[tokio::test]
async fn the_engine_version_and_security_groups_are_reported_as_stored() {
    let (sim, clock) = sim();
    let (vpc, a, b) = network(&sim, &clock).await;
    ready(
        &sim,
        &clock,
        "csg",
        kinds::CACHE_SUBNET_GROUP,
        attrs(&[("name", "cache".into()), ("subnet_ids", strs(&[&a, &b]))]),
    )
    .await;
    let sg = ready(
        &sim,
        &clock,
        "sg",
        kinds::SECURITY_GROUP,
        attrs(&[("name", "cache".into()), ("vpc_id", vpc.into())]),
    )
    .await;
    let mut g = group("sessions", &["us-east-1a", "us-east-1b"]);
    g.insert("engine_version".into(), "7.0".into());
    g.insert("security_group_ids".into(), strs(&[&sg]));
    let id = ready(&sim, &clock, "redis", kinds::REPLICATION_GROUP, g.clone()).await;
    let live = read(&sim, kinds::REPLICATION_GROUP, &id).await.unwrap();
    assert_eq!(live["engine_version"], Value::from("7.0"));
    assert_eq!(live["security_group_ids"], strs(&[&sg]));

    g.insert("engine_version".into(), "7.1".into());
    let (during, after) = modify(&sim, &clock, &id, g.clone(), &["engine_version"]).await;
    assert_eq!(during.as_deref(), Some("modifying"));
    assert_eq!(after["engine_version"], Value::from("7.1"));
    g.insert("engine_version".into(), "6.2".into());
    let downgrade = update(&sim, kinds::REPLICATION_GROUP, &id, g, &["engine_version"]).await;
    assert_eq!(code(downgrade), "InvalidParameterCombination");
}

#[tokio::test]
async fn a_final_snapshot_is_taken_when_named() {
    let (sim, clock) = setup().await;
    let mut a = group("sessions", &["us-east-1a", "us-east-1b"]);
    a.insert("final_snapshot_identifier".into(), "sessions-final".into());
    let id = ready(&sim, &clock, "redis", kinds::REPLICATION_GROUP, a.clone()).await;
    assert_eq!(
        read(&sim, kinds::REPLICATION_GROUP, &id).await.unwrap()["final_snapshot_identifier"],
        Value::from("sessions-final")
    );
    let plain = ready(
        &sim,
        &clock,
        "plain",
        kinds::REPLICATION_GROUP,
        group("plain", &["us-east-1a", "us-east-1b"]),
    )
    .await;
    delete(&sim, kinds::REPLICATION_GROUP, &id).await.unwrap();
    delete(&sim, kinds::REPLICATION_GROUP, &plain)
        .await
        .unwrap();
    wait(
        &sim,
        &clock,
        kinds::REPLICATION_GROUP,
        &id,
        Operation::Delete,
    )
    .await;
    let snaps = sim.cache_snapshots();
    assert_eq!(snaps.len(), 1, "{snaps:?}");
    assert_eq!(snaps[0].name, "sessions-final");
    assert_eq!(snaps[0].replication_group_id, "sessions");
    assert!(sim
        .objects()
        .iter()
        .any(|o| o.kind == strata_sim::CACHE_SNAPSHOT && o.status == "available"));

    let again = ready(&sim, &clock, "again", kinds::REPLICATION_GROUP, a).await;
    assert_eq!(
        code(delete(&sim, kinds::REPLICATION_GROUP, &again).await),
        "SnapshotAlreadyExistsFault"
    );
    assert!(read(&sim, kinds::REPLICATION_GROUP, &again).await.is_some());
}
