use strata_core::kinds;
use strata_core::provider::Operation;

use crate::*;

#[tokio::test]
async fn a_cloud_persists_between_processes() {
    let dir = tempfile::tempdir().unwrap();
    let clock = SimClock::manual();
    let options = SimOptions {
        speed: 1.0,
        ..SimOptions::default()
    };
    let vpc = {
        let sim = SimProvider::open_with_clock(dir.path(), options.clone(), clock.clone()).unwrap();
        let id = id_of(
            &create(
                &sim,
                "vpc",
                kinds::VPC,
                attrs(&[("cidr_block", "10.0.0.0/16".into())]),
            )
            .await
            .unwrap(),
        );
        assert!(sim.path().unwrap().exists());
        id
    };
    advance(&clock, 5);
    let sim = SimProvider::open_with_clock(dir.path(), options, clock.clone()).unwrap();
    let attrs = read(&sim, kinds::VPC, &vpc)
        .await
        .expect("the VPC survives a restart");
    assert_eq!(attrs["cidr_block"], Value::from("10.0.0.0/16"));
    wait(&sim, &clock, kinds::VPC, &vpc, Operation::Create).await;
    let (id, _) = sim
        .find_by_token(kinds::VPC, "token-vpc")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(id, vpc);
}

#[tokio::test]
async fn the_persisted_cloud_holds_no_password() {
    let dir = tempfile::tempdir().unwrap();
    let sim = SimProvider::open(dir.path(), SimOptions::instant()).unwrap();
    create(
        &sim,
        "db",
        kinds::DB_INSTANCE,
        attrs(&[
            ("identifier", "main".into()),
            ("instance_class", "db.t4g.medium".into()),
            ("password", "hunter2-very-secret".into()),
        ]),
    )
    .await
    .unwrap();
    let text = std::fs::read_to_string(sim.path().unwrap()).unwrap();
    assert!(text.contains("main.c9akciq32"));
    assert!(!text.contains("hunter2"));
}
