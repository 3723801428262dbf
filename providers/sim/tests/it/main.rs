//! Behaviour of the simulated cloud a Strata user would notice, driven
//! through the `Provider` trait on a manual clock at AWS speed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cache_modify;
mod compute;
mod data;
mod drill_ops;
mod egress;
mod ground_floor;
mod identity;
mod network;
mod persistence;
mod rds_modify;
mod updates;

use std::time::Duration;

use strata_core::addr::Address;
use strata_core::provider::{
    CreateRequest, DeleteRequest, OpStatus, Operation, PollRequest, Provider, ProviderError,
    ReadRequest, ReadTarget, UpdateRequest,
};
use strata_core::value::{Attrs, Value};
use strata_sim::{SimClock, SimOptions, SimProvider};

/// A sim on a manual clock at AWS speed (1 s advanced = 1 s of AWS).
pub fn sim() -> (SimProvider, SimClock) {
    let clock = SimClock::manual();
    let options = SimOptions {
        speed: 1.0,
        ..SimOptions::default()
    };
    (
        SimProvider::in_memory_with_clock(options, clock.clone()),
        clock,
    )
}

/// Attributes from `(name, value)` pairs.
pub fn attrs(pairs: &[(&str, Value)]) -> Attrs {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// A list of strings as a value.
pub fn strs(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| Value::String((*s).into())).collect())
}

/// Starts a create.
pub async fn create(
    sim: &SimProvider,
    address: &str,
    kind: &str,
    attrs: Attrs,
) -> Result<OpStatus, ProviderError> {
    sim.create(CreateRequest {
        address: Address::parse(address).unwrap(),
        kind: kind.into(),
        attrs,
        stack: "test".into(),
        token: format!("token-{address}"),
    })
    .await
}

/// The id of an operation's result, whether done or pending.
pub fn id_of(status: &OpStatus) -> String {
    match status {
        OpStatus::Done { id, .. } | OpStatus::Pending { id, .. } => id.clone(),
    }
}

/// Creates and waits (advancing the clock) until done; returns the id.
pub async fn ready(
    sim: &SimProvider,
    clock: &SimClock,
    address: &str,
    kind: &str,
    a: Attrs,
) -> String {
    let status = create(sim, address, kind, a).await.unwrap();
    let id = id_of(&status);
    wait(sim, clock, kind, &id, Operation::Create).await;
    id
}

/// Polls, advancing the clock by `retry_after`, until the operation is done.
pub async fn wait(
    sim: &SimProvider,
    clock: &SimClock,
    kind: &str,
    id: &str,
    operation: Operation,
) -> Attrs {
    for _ in 0..10_000 {
        let status = sim
            .poll(PollRequest {
                address: Address::parse("x").unwrap(),
                kind: kind.into(),
                id: id.into(),
                operation,
            })
            .await
            .unwrap();
        match status {
            OpStatus::Done { attrs, .. } => return attrs,
            OpStatus::Pending { retry_after, .. } => clock.advance(retry_after),
        }
    }
    panic!("{kind} {id} never finished");
}

/// Starts an update of `id` to `attrs`, naming the `changed` attributes
/// (the prior attributes are what a read returns now).
pub async fn update(
    sim: &SimProvider,
    kind: &str,
    id: &str,
    attrs: Attrs,
    changed: &[&str],
) -> Result<OpStatus, ProviderError> {
    let prior = read(sim, kind, id).await.unwrap_or_default();
    sim.update(UpdateRequest {
        address: Address::parse("x").unwrap(),
        kind: kind.into(),
        id: id.into(),
        prior,
        attrs,
        changed: changed.iter().map(|s| (*s).to_string()).collect(),
        stack: "test".into(),
    })
    .await
}

/// The status an operation reports while pending (`None` once done).
pub fn pending_status(status: &OpStatus) -> Option<&str> {
    match status {
        OpStatus::Pending { status, .. } => Some(status),
        OpStatus::Done { .. } => None,
    }
}

/// Starts a delete.
pub async fn delete(sim: &SimProvider, kind: &str, id: &str) -> Result<OpStatus, ProviderError> {
    sim.delete(DeleteRequest {
        address: Address::parse("x").unwrap(),
        kind: kind.into(),
        id: id.into(),
        prior: Attrs::new(),
    })
    .await
}

/// Reads one resource; `None` if it is gone.
pub async fn read(sim: &SimProvider, kind: &str, id: &str) -> Option<Attrs> {
    sim.read(ReadRequest {
        kind: kind.into(),
        targets: vec![ReadTarget {
            address: Address::parse("x").unwrap(),
            id: id.into(),
        }],
    })
    .await
    .unwrap()
    .found
    .remove(id)
}

/// The AWS error code of a failed call.
pub fn code(result: Result<OpStatus, ProviderError>) -> String {
    match result {
        Err(ProviderError::Api { code, .. }) => code,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// A VPC 10.0.0.0/16 and subnets in us-east-1a and us-east-1b, all ready.
pub async fn network(sim: &SimProvider, clock: &SimClock) -> (String, String, String) {
    use strata_core::kinds;
    let vpc = ready(
        sim,
        clock,
        "vpc",
        kinds::VPC,
        attrs(&[("cidr_block", "10.0.0.0/16".into())]),
    )
    .await;
    let mut subnets = Vec::new();
    for (i, az) in ["us-east-1a", "us-east-1b"].iter().enumerate() {
        let a = attrs(&[
            ("vpc_id", vpc.clone().into()),
            ("cidr_block", format!("10.0.{i}.0/24").into()),
            ("availability_zone", (*az).into()),
        ]);
        subnets.push(ready(sim, clock, &format!("subnet_{i}"), kinds::SUBNET, a).await);
    }
    let b = subnets.pop().unwrap();
    let a = subnets.pop().unwrap();
    (vpc, a, b)
}

/// Advances the clock by whole AWS seconds.
pub fn advance(clock: &SimClock, secs: u64) {
    clock.advance(Duration::from_secs(secs));
}
