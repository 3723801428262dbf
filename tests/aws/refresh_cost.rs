//! Refresh is batched: reading 100 instances costs one DescribeInstances
//! (counted with the provider's SDK interceptor), not one call each.

use strata_aws::{AwsProvider, AwsSettings};
use strata_core::addr::Address;
use strata_core::kinds;
use strata_core::provider::{CreateRequest, OpStatus, Provider, ReadRequest, ReadTarget};
use strata_core::value::{Attrs, Value};

use crate::support::moto;

async fn create(aws: &AwsProvider, address: &str, kind: &str, attrs: Attrs) -> String {
    let status = aws
        .create(CreateRequest {
            address: Address::parse(address).unwrap(),
            kind: kind.into(),
            attrs,
            stack: "scale".into(),
            token: format!("tok-{address}"),
        })
        .await
        .unwrap();
    match status {
        OpStatus::Done { id, .. } | OpStatus::Pending { id, .. } => id,
    }
}

fn attrs(pairs: &[(&str, Value)]) -> Attrs {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn reading_100_instances_costs_one_describe_call() {
    let _moto = moto();
    let aws = AwsProvider::connect(AwsSettings::default()).await.unwrap();
    let vpc = create(
        &aws,
        "vpc",
        kinds::VPC,
        attrs(&[("cidr_block", "10.0.0.0/16".into())]),
    )
    .await;
    let subnet = create(
        &aws,
        "subnet",
        kinds::SUBNET,
        attrs(&[
            ("vpc_id", vpc.into()),
            ("cidr_block", "10.0.0.0/20".into()),
            ("availability_zone", "us-east-1a".into()),
        ]),
    )
    .await;
    let mut targets = Vec::new();
    for n in 0..100 {
        let address = format!("web[{n}]");
        let id = create(
            &aws,
            &address,
            kinds::INSTANCE,
            attrs(&[
                ("ami", "ami-12c6146b".into()),
                ("instance_type", "t3.micro".into()),
                ("subnet_id", subnet.clone().into()),
            ]),
        )
        .await;
        targets.push(ReadTarget {
            address: Address::parse(&address).unwrap(),
            id,
        });
    }
    aws.reset_call_counts();
    let read = aws
        .read(ReadRequest {
            kind: kinds::INSTANCE.into(),
            targets: targets.clone(),
        })
        .await
        .unwrap();
    assert_eq!(read.found.len(), 100);
    for t in &targets {
        assert_eq!(read.found[&t.id]["instance_type"], Value::from("t3.micro"));
    }
    let calls = aws.call_counts();
    let total: u64 = calls.values().sum();
    assert_eq!(
        calls
            .iter()
            .find(|(k, _)| k.ends_with(".DescribeInstances"))
            .map(|(_, v)| v),
        Some(&1),
        "{calls:?}"
    );
    assert!(
        total <= 1,
        "refreshing 100 instances made {total} calls: {calls:?}"
    );
}
