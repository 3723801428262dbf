//! Several regions on moto: the DR example (a primary database in
//! us-east-1, its read replica in us-west-2, each region through its own
//! provider instance) applies and plans empty. moto keeps every region
//! apart, as AWS does (the client picks the region), and finds the source
//! of a cross-region replica by its ARN.

use strata_aws::sdk::rds;

use crate::support::{example_on_aws, moto, sdk, Project};

/// An RDS client for `region` of the moto server.
async fn rds_in(region: &'static str) -> rds::Client {
    let cfg = sdk().await;
    rds::Client::from_conf(
        rds::config::Builder::from(&cfg)
            .region(rds::config::Region::new(region))
            .build(),
    )
}

/// The DB instance `id` as `client`'s region describes it, if it has it.
async fn db(client: &rds::Client, id: &str) -> Option<rds::types::DbInstance> {
    let found = client
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .ok()?;
    found.db_instances().first().cloned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cross_region_replica_applies_and_plans_empty() {
    let _moto = moto();
    // The `us_west_2` instance takes its kind from `[provider]`.
    let p = Project::new(&example_on_aws("dr_region.toml"));

    let applied = p.ok(&["apply", "--yes"]);
    assert!(applied.contains("10 added"), "{applied}");
    p.assert_no_changes();

    // The primary is in us-east-1 only, the replica in us-west-2 only.
    let east = rds_in("us-east-1").await;
    let west = rds_in("us-west-2").await;
    let primary = db(&east, "dr-db").await.unwrap();
    let primary_arn = primary.db_instance_arn().unwrap();
    assert!(primary_arn.contains(":us-east-1:"), "{primary_arn}");
    let replica = db(&west, "dr-db-replica").await.unwrap();
    assert!(replica.db_instance_arn().unwrap().contains(":us-west-2:"));
    // AWS reports a source in another region by ARN, and the primary's
    // replicas in other regions by theirs.
    assert_eq!(
        replica.read_replica_source_db_instance_identifier(),
        Some(primary_arn)
    );
    assert!(primary
        .read_replica_db_instance_identifiers()
        .iter()
        .any(|r| r == replica.db_instance_arn().unwrap()));
    assert!(db(&east, "dr-db-replica").await.is_none());
    assert!(db(&west, "dr-db").await.is_none());

    // The state records the replica's instance and its source by ARN.
    let state: serde_json::Value = serde_json::from_str(&p.ok(&["state", "pull"])).unwrap();
    let r = &state["resources"]["dr_replica"];
    assert_eq!(r["provider"], "us_west_2");
    assert_eq!(r["attrs"]["replicate_source_db"], primary_arn);

    // Destroy deletes the replica through its instance, then the primary.
    let destroyed = p.ok(&["destroy", "--yes"]);
    assert!(destroyed.contains("10 destroyed"), "{destroyed}");
    assert!(db(&west, "dr-db-replica").await.is_none());
    assert!(db(&east, "dr-db").await.is_none());
}
