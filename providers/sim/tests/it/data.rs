use strata_core::kinds;
use strata_core::provider::{OpStatus, Operation};

use crate::*;

async fn subnet_group(sim: &SimProvider, clock: &SimClock) -> String {
    let (_, a, b) = network(sim, clock).await;
    ready(
        sim,
        clock,
        "dbsg",
        kinds::DB_SUBNET_GROUP,
        attrs(&[("name", "db".into()), ("subnet_ids", strs(&[&a, &b]))]),
    )
    .await
}

fn db(id: &str, protected: bool) -> Attrs {
    attrs(&[
        ("identifier", id.into()),
        ("instance_class", "db.t4g.medium".into()),
        ("db_subnet_group_name", "db".into()),
        ("multi_az", true.into()),
        ("username", "app".into()),
        ("password", "hunter2-very-secret".into()),
        ("deletion_protection", protected.into()),
    ])
}

#[tokio::test]
async fn a_db_goes_creating_backing_up_available_and_never_shows_its_password() {
    let (sim, clock) = sim();
    subnet_group(&sim, &clock).await;
    let status = create(&sim, "db", kinds::DB_INSTANCE, db("main", false))
        .await
        .unwrap();
    let OpStatus::Pending { status, .. } = status else {
        panic!("a DB takes minutes")
    };
    assert_eq!(status, "creating");
    advance(&clock, 500);
    assert_eq!(
        read(&sim, kinds::DB_INSTANCE, "main").await.unwrap()["status"],
        Value::from("backing-up")
    );
    let attrs = wait(&sim, &clock, kinds::DB_INSTANCE, "main", Operation::Create).await;
    assert_eq!(attrs["status"], Value::from("available"));
    assert_eq!(
        attrs["endpoint"],
        Value::from("main.c9akciq32.us-east-1.rds.amazonaws.com:5432")
    );
    assert!(!attrs.contains_key("password"));
    assert!(!format!("{:?}", sim.objects()).contains("hunter2"));
}

#[tokio::test]
async fn a_protected_db_cannot_be_deleted() {
    let (sim, clock) = sim();
    subnet_group(&sim, &clock).await;
    ready(&sim, &clock, "db", kinds::DB_INSTANCE, db("main", true)).await;
    match delete(&sim, kinds::DB_INSTANCE, "main").await {
        Err(ProviderError::Api {
            code,
            message,
            help,
        }) => {
            assert_eq!(code, "InvalidParameterCombination");
            assert!(message.contains("Cannot delete protected DB Instance"));
            assert!(help.unwrap().contains("deletion_protection = false"));
        }
        other => panic!("{other:?}"),
    }
    assert!(read(&sim, kinds::DB_INSTANCE, "main").await.is_some());
}

#[tokio::test]
async fn deleting_a_db_leaves_a_final_snapshot_that_can_be_restored() {
    let (sim, clock) = sim();
    subnet_group(&sim, &clock).await;
    ready(&sim, &clock, "db", kinds::DB_INSTANCE, db("main", false)).await;
    delete(&sim, kinds::DB_INSTANCE, "main").await.unwrap();
    assert_eq!(
        read(&sim, kinds::DB_INSTANCE, "main").await.unwrap()["status"],
        Value::from("deleting")
    );
    wait(&sim, &clock, kinds::DB_INSTANCE, "main", Operation::Delete).await;
    assert!(read(&sim, kinds::DB_INSTANCE, "main").await.is_none());
    let snaps = sim.db_snapshots();
    assert_eq!(snaps.len(), 1);
    assert!(snaps[0].id.starts_with("main-final-"), "{}", snaps[0].id);
    assert_eq!(snaps[0].source_db, "main");
    assert!(snaps[0].encrypted);
    sim.restore_db_from_snapshot(&snaps[0].id, "restored")
        .unwrap();
    let attrs = wait(
        &sim,
        &clock,
        kinds::DB_INSTANCE,
        "restored",
        Operation::Create,
    )
    .await;
    assert_eq!(attrs["instance_class"], Value::from("db.t4g.medium"));
}

#[tokio::test]
async fn a_replica_of_a_missing_primary_fails_and_a_primary_with_replicas_stays() {
    let (sim, clock) = sim();
    subnet_group(&sim, &clock).await;
    let mut orphan = db("replica", false);
    orphan.insert("replicate_source_db".into(), "nope".into());
    assert_eq!(
        code(create(&sim, "r", kinds::DB_INSTANCE, orphan).await),
        "DBInstanceNotFound"
    );

    ready(&sim, &clock, "db", kinds::DB_INSTANCE, db("main", false)).await;
    let mut replica = db("replica", false);
    replica.insert("replicate_source_db".into(), "main".into());
    replica.insert("multi_az".into(), false.into());
    let attrs = wait(
        &sim,
        &clock,
        kinds::DB_INSTANCE,
        &id_of(
            &create(&sim, "r", kinds::DB_INSTANCE, replica)
                .await
                .unwrap(),
        ),
        Operation::Create,
    )
    .await;
    let primary = read(&sim, kinds::DB_INSTANCE, "main").await.unwrap();
    assert_ne!(
        attrs["availability_zone"], primary["availability_zone"],
        "replicas go to another AZ"
    );
    assert_eq!(
        code(delete(&sim, kinds::DB_INSTANCE, "main").await),
        "InvalidDBInstanceState"
    );
}

#[tokio::test]
async fn a_multi_az_primary_fails_over_when_its_az_goes_down() {
    let (sim, clock) = sim();
    subnet_group(&sim, &clock).await;
    ready(&sim, &clock, "db", kinds::DB_INSTANCE, db("main", false)).await;
    let before = read(&sim, kinds::DB_INSTANCE, "main").await.unwrap()["availability_zone"].clone();
    sim.set_az_down(before.as_str().unwrap(), true).unwrap();
    let after = read(&sim, kinds::DB_INSTANCE, "main").await.unwrap();
    assert_ne!(after["availability_zone"], before);
    assert_eq!(after["status"], Value::from("rebooting"));
    advance(&clock, 60);
    assert_eq!(
        read(&sim, kinds::DB_INSTANCE, "main").await.unwrap()["status"],
        Value::from("available")
    );
}

#[tokio::test]
async fn redis_places_nodes_in_distinct_azs_and_fails_over() {
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
    let rg = ready(
        &sim,
        &clock,
        "redis",
        kinds::REPLICATION_GROUP,
        attrs(&[
            ("replication_group_id", "sessions".into()),
            ("node_type", "cache.t4g.small".into()),
            ("subnet_group_name", "cache".into()),
        ]),
    )
    .await;
    let attrs = read(&sim, kinds::REPLICATION_GROUP, &rg).await.unwrap();
    assert_eq!(
        attrs["member_clusters"],
        strs(&["sessions-001", "sessions-002"])
    );
    assert!(attrs["primary_endpoint_address"]
        .as_str()
        .unwrap()
        .starts_with("master.sessions."));
    let nodes = sim.cache_nodes(&rg);
    assert_ne!(nodes[0].az, nodes[1].az);
    sim.set_az_down(&nodes[0].az, true).unwrap();
    let after = sim.cache_nodes(&rg);
    assert_eq!(after[0].id, "sessions-002");
    assert_eq!(after[0].role, "primary");
}
