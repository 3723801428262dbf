//! The lookup check: a provider offers `Lookups`, finds what it made by
//! tags and by VPC, answers each lookup kind with the attributes its
//! schema exports, and answers an empty list (not an error) when nothing
//! matches.

use strata::core::kinds::{self, data};
use strata::core::provider::LookupRequest;
use strata::core::value::{Attrs, Value};

use crate::fixtures::attrs;
use crate::harness::Harness;

async fn lookup(h: &Harness, kind: &str, filters: serde_json::Value) -> Vec<Attrs> {
    let lookups = h
        .provider
        .capabilities()
        .require_lookups(h.provider.name(), "run the conformance suite")
        .unwrap();
    let found = lookups
        .lookup(LookupRequest {
            kind: kind.into(),
            filters: attrs(filters),
        })
        .await
        .unwrap_or_else(|e| panic!("lookup {kind}: {e}"));
    // Every match carries exactly the attributes the kind exports.
    let schema = data::data_kind_of(kind).unwrap();
    for m in &found {
        let mut names: Vec<&str> = m.keys().map(|k| k.as_str()).collect();
        names.sort_unstable();
        let mut want: Vec<&str> = schema.exports.iter().map(|e| e.name).collect();
        want.sort_unstable();
        assert_eq!(names, want, "{kind}: {m:?}");
    }
    found
}

pub async fn lookups(h: &Harness) {
    let tag = format!("lookup-{}", std::process::id());
    let (vpc, _) = h
        .create(
            "vpc",
            kinds::VPC,
            attrs(serde_json::json!({"cidr_block": "10.77.0.0/16", "tags": {"conformance": tag}})),
        )
        .await;
    let az = format!("{}a", h.provider.region());
    let (subnet, _) = h
        .create(
            "subnet",
            kinds::SUBNET,
            attrs(serde_json::json!({
                "vpc_id": vpc, "cidr_block": "10.77.1.0/24", "availability_zone": az,
            })),
        )
        .await;

    let found = lookup(
        h,
        data::VPC,
        serde_json::json!({"tags": {"conformance": tag}}),
    )
    .await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["id"], Value::from(vpc.as_str()));
    assert_eq!(found[0]["cidr_block"], Value::from("10.77.0.0/16"));
    assert_eq!(found[0]["default"], Value::Bool(false));
    let found = lookup(h, data::SUBNETS, serde_json::json!({"vpc_id": vpc})).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["id"], Value::from(subnet.as_str()));
    assert_eq!(found[0]["availability_zone"], Value::from(az.as_str()));
    let none = lookup(
        h,
        data::VPC,
        serde_json::json!({"tags": {"conformance": "no-such-tag"}}),
    )
    .await;
    assert!(none.is_empty(), "{none:?}");

    let me = lookup(h, data::CALLER_IDENTITY, serde_json::json!({})).await;
    assert_eq!(me.len(), 1);
    assert!(
        me[0]["account_id"].as_str().is_some_and(|a| a.len() == 12),
        "{me:?}"
    );
    let zones = lookup(
        h,
        data::AVAILABILITY_ZONES,
        serde_json::json!({"state": "available"}),
    )
    .await;
    assert!(
        zones.iter().any(|z| z["name"] == Value::from(az.as_str())),
        "{zones:?}"
    );
    let amis = lookup(
        h,
        data::AMI,
        serde_json::json!({"owners": ["amazon"], "name": "no-such-image-*"}),
    )
    .await;
    assert!(amis.is_empty(), "{amis:?}");

    let live = h.read(kinds::SUBNET, &subnet).await.unwrap_or_default();
    h.delete(kinds::SUBNET, &subnet, live).await.unwrap();
    let live = h.read(kinds::VPC, &vpc).await.unwrap_or_default();
    h.delete(kinds::VPC, &vpc, live).await.unwrap();
}
