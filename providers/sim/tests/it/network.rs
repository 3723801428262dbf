use strata_core::kinds;
use strata_core::provider::{OpStatus, Operation};

use crate::*;

#[tokio::test]
async fn vpc_is_pending_then_available_as_time_passes() {
    let (sim, clock) = sim();
    let status = create(
        &sim,
        "vpc",
        kinds::VPC,
        attrs(&[("cidr_block", "10.0.0.0/16".into())]),
    )
    .await
    .unwrap();
    let OpStatus::Pending {
        id,
        status,
        retry_after,
        ..
    } = status
    else {
        panic!("a VPC is not ready at once");
    };
    assert!(id.starts_with("vpc-") && id.len() == 21, "{id}");
    assert_eq!(status, "pending");
    assert!(retry_after >= Duration::from_millis(50));
    advance(&clock, 3);
    let attrs = wait(&sim, &clock, kinds::VPC, &id, Operation::Create).await;
    assert_eq!(attrs["cidr_block"], Value::from("10.0.0.0/16"));
    assert_eq!(
        attrs["enable_dns_hostnames"],
        Value::Bool(true),
        "schema defaults are filled"
    );
    assert!(attrs["arn"]
        .as_str()
        .unwrap()
        .ends_with(&format!(":vpc/{id}")));
}

#[tokio::test]
async fn subnet_outside_the_vpc_or_overlapping_is_rejected() {
    let (sim, clock) = sim();
    let (vpc, _, _) = network(&sim, &clock).await;
    let outside = attrs(&[
        ("vpc_id", vpc.clone().into()),
        ("cidr_block", "10.1.0.0/24".into()),
        ("availability_zone", "us-east-1a".into()),
    ]);
    assert_eq!(
        code(create(&sim, "s", kinds::SUBNET, outside).await),
        "InvalidSubnet.Range"
    );
    let overlap = attrs(&[
        ("vpc_id", vpc.clone().into()),
        ("cidr_block", "10.0.0.0/23".into()),
        ("availability_zone", "us-east-1a".into()),
    ]);
    assert_eq!(
        code(create(&sim, "s", kinds::SUBNET, overlap).await),
        "InvalidSubnet.Conflict"
    );
    let bad_az = attrs(&[
        ("vpc_id", vpc.into()),
        ("cidr_block", "10.0.9.0/24".into()),
        ("availability_zone", "eu-west-1a".into()),
    ]);
    assert_eq!(
        code(create(&sim, "s", kinds::SUBNET, bad_az).await),
        "InvalidParameterValue"
    );
    let missing_vpc = attrs(&[
        ("vpc_id", "vpc-00000000000000000".into()),
        ("cidr_block", "10.0.9.0/24".into()),
        ("availability_zone", "us-east-1a".into()),
    ]);
    assert_eq!(
        code(create(&sim, "s", kinds::SUBNET, missing_vpc).await),
        "InvalidVpcID.NotFound"
    );
}

#[tokio::test]
async fn a_vpc_with_subnets_cannot_be_deleted_until_they_are_gone() {
    let (sim, clock) = sim();
    let (vpc, a, b) = network(&sim, &clock).await;
    let err = delete(&sim, kinds::VPC, &vpc).await;
    assert_eq!(code(err), "DependencyViolation");
    for s in [&a, &b] {
        delete(&sim, kinds::SUBNET, s).await.unwrap();
        wait(&sim, &clock, kinds::SUBNET, s, Operation::Delete).await;
    }
    delete(&sim, kinds::VPC, &vpc).await.unwrap();
    wait(&sim, &clock, kinds::VPC, &vpc, Operation::Delete).await;
    assert!(read(&sim, kinds::VPC, &vpc).await.is_none());
    assert!(sim.strata_objects().is_empty(), "{:?}", sim.objects());
}

#[tokio::test]
async fn security_groups_are_unique_per_vpc_and_protected_while_referenced() {
    let (sim, clock) = sim();
    let (vpc, _, _) = network(&sim, &clock).await;
    let lb_sg = ready(
        &sim,
        &clock,
        "lb_sg",
        kinds::SECURITY_GROUP,
        attrs(&[("name", "lb".into()), ("vpc_id", vpc.clone().into())]),
    )
    .await;
    let rule = Value::Map(attrs(&[
        ("protocol", "tcp".into()),
        ("from_port", Value::Int(80)),
        ("to_port", Value::Int(80)),
        ("security_group_ids", strs(&[&lb_sg])),
    ]));
    let app = attrs(&[
        ("name", "app".into()),
        ("vpc_id", vpc.clone().into()),
        ("ingress", Value::List(vec![rule])),
    ]);
    ready(&sim, &clock, "app_sg", kinds::SECURITY_GROUP, app).await;
    let dup = attrs(&[("name", "lb".into()), ("vpc_id", vpc.into())]);
    assert_eq!(
        code(create(&sim, "dup", kinds::SECURITY_GROUP, dup).await),
        "InvalidGroup.Duplicate"
    );
    assert_eq!(
        code(delete(&sim, kinds::SECURITY_GROUP, &lb_sg).await),
        "DependencyViolation"
    );
}

#[tokio::test]
async fn reads_return_user_tags_without_system_tags_and_only_existing_ids() {
    let (sim, clock) = sim();
    let tags = Value::Map(attrs(&[("team", "web".into())]));
    let vpc = ready(
        &sim,
        &clock,
        "vpc",
        kinds::VPC,
        attrs(&[("cidr_block", "10.0.0.0/16".into()), ("tags", tags.clone())]),
    )
    .await;
    let found = sim
        .read(ReadRequest {
            kind: kinds::VPC.into(),
            targets: vec![
                ReadTarget {
                    address: Address::parse("vpc").unwrap(),
                    id: vpc.clone(),
                },
                ReadTarget {
                    address: Address::parse("gone").unwrap(),
                    id: "vpc-0123456789abcdef0".into(),
                },
            ],
        })
        .await
        .unwrap()
        .found;
    assert_eq!(found.len(), 1);
    assert_eq!(found[&vpc]["tags"], tags);
    let object = sim.objects().into_iter().find(|o| o.id == vpc).unwrap();
    assert_eq!(object.tags["strata:stack"], "test");
    assert_eq!(object.tags["strata:address"], "vpc");
}

#[tokio::test]
async fn a_retried_create_with_the_same_token_makes_no_second_resource() {
    let (sim, _clock) = sim();
    let a = attrs(&[("cidr_block", "10.0.0.0/16".into())]);
    let first = id_of(&create(&sim, "vpc", kinds::VPC, a.clone()).await.unwrap());
    let again = id_of(&create(&sim, "vpc", kinds::VPC, a).await.unwrap());
    assert_eq!(first, again);
    assert_eq!(sim.objects().len(), 1);
    let (id, _) = sim
        .find_by_token(kinds::VPC, "token-vpc")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(id, first);
}

#[tokio::test]
async fn instant_speed_finishes_everything_at_once() {
    let sim = SimProvider::in_memory(SimOptions::instant());
    let status = create(
        &sim,
        "vpc",
        kinds::VPC,
        attrs(&[("cidr_block", "10.0.0.0/16".into())]),
    )
    .await
    .unwrap();
    assert!(matches!(status, OpStatus::Done { .. }));
}
