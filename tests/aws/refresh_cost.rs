//! Refresh is batched: reading 100 instances costs one DescribeInstances
//! (counted with the provider's SDK interceptor), not one call each, and a
//! no-op plan of the web service makes fewer calls, kind by kind, than a
//! reader calling each of its operations once per resource would.

use std::collections::BTreeMap;

use strata::cli::ConfigSource;
use strata_aws::{AwsProvider, AwsSettings};
use strata_core::addr::Address;
use strata_core::graph::Graph;
use strata_core::kinds;
use strata_core::plan::{self, PlanOptions};
use strata_core::provider::{CreateRequest, OpStatus, Provider, ReadRequest, ReadTarget};
use strata_core::state::local::LocalBackend;
use strata_core::state::Backend;
use strata_core::value::{Attrs, Value};

use crate::rollout::web_service_on_aws;
use crate::support::{moto, Project};

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

/// Prints, per kind, the API calls of a no-op plan of the web service
/// (`examples/web_service.toml` on moto) beside what a per-resource reader
/// would make: each operation the batched read of that kind calls, once per
/// resource (or as often as the batched read, for the operations it already
/// makes per resource). The book's performance page quotes the table.
#[tokio::test(flavor = "multi_thread")]
async fn a_no_op_plan_of_the_web_service_reads_in_fewer_calls_than_one_per_resource() {
    let _moto = moto();
    let p = Project::new(&web_service_on_aws());
    p.ok(&["apply", "--yes"]);
    p.assert_no_changes();
    // Planned in this process, which has no SHOP_DB_PASSWORD or
    // SHOP_CACHE_AUTH_TOKEN: the same secrets, in the text.
    p.edit(|t| {
        t.replace(
            r#"{ env = "SHOP_DB_PASSWORD" }"#,
            &format!("{:?}", crate::support::DB_PASSWORD),
        )
        .replace(
            r#"{ env = "SHOP_CACHE_AUTH_TOKEN" }"#,
            &format!("{:?}", crate::support::CACHE_AUTH_TOKEN),
        )
    });
    let state = LocalBackend::new(p.path().join(".strata"))
        .load()
        .await
        .unwrap()
        .unwrap();
    let graph = Graph::build(
        ConfigSource::Manifest(p.manifest())
            .expanded(Some(&state))
            .unwrap(),
    )
    .unwrap();
    let aws = std::sync::Arc::new(AwsProvider::connect(AwsSettings::default()).await.unwrap());

    // The whole plan, as `strata plan` makes it.
    aws.reset_call_counts();
    let planned = plan::plan(&graph, &state, &aws.clone().into(), &PlanOptions::default())
        .await
        .unwrap();
    assert!(!planned.has_changes(), "{:?}", planned.changes);
    let plan_calls: u64 = aws.call_counts().values().sum();

    // The same reads, one kind at a time, to tell the calls apart.
    let mut by_kind: BTreeMap<&str, Vec<ReadTarget>> = BTreeMap::new();
    for (address, r) in &state.resources {
        by_kind.entry(&r.kind).or_default().push(ReadTarget {
            address: address.clone(),
            id: r.id.clone(),
        });
    }
    let mut rows = Vec::new();
    let (mut batched_total, mut per_resource_total) = (0, 0);
    for (kind, targets) in by_kind {
        aws.reset_call_counts();
        let n = targets.len() as u64;
        let read = aws
            .read(ReadRequest {
                kind: kind.into(),
                targets,
            })
            .await
            .unwrap();
        assert_eq!(read.found.len() as u64, n, "{kind}");
        let calls = aws.call_counts();
        let batched: u64 = calls.values().sum();
        // A per-resource reader makes each batched operation once per
        // resource; operations already made per resource (or per attribute
        // of each) it makes as often.
        let per_resource: u64 = calls.values().map(|&c| c.max(n)).sum();
        assert!(
            batched <= per_resource,
            "{kind}: {batched} calls for {n} resources: {calls:?}"
        );
        let ops: Vec<String> = calls
            .iter()
            .map(|(op, c)| format!("{} ×{c}", op.rsplit('.').next().unwrap_or(op)))
            .collect();
        rows.push(format!(
            "| {kind} | {n} | {batched} ({}) | {per_resource} |",
            ops.join(", ")
        ));
        batched_total += batched;
        per_resource_total += per_resource;
    }
    println!("| kind | resources | calls of a no-op plan | per-resource reader |");
    println!("|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
    println!(
        "| all ({} resources) | | {batched_total} | {per_resource_total} |",
        state.resources.len()
    );
    assert_eq!(
        plan_calls, batched_total,
        "the plan makes the reads of every kind, and nothing else"
    );
    assert!(
        batched_total < per_resource_total,
        "{batched_total} calls, {per_resource_total} for a per-resource reader"
    );
}
