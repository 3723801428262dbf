//! Checks of the private-egress kinds as a whole: an Elastic IP's domain,
//! a NAT gateway's connectivity and address, and one target per route.

use super::validate::AttrProblem;
use crate::value::{Attrs, Value};

const DOMAINS: &[&str] = &["vpc"];
const CONNECTIVITY: &[&str] = &["public", "private"];
/// The targets a route may have; exactly one is set.
const ROUTE_TARGETS: &[&str] = &["gateway_id", "nat_gateway_id"];

fn problem(out: &mut Vec<AttrProblem>, attr: &str, message: String, help: impl Into<String>) {
    out.push(AttrProblem::new(Some(attr), message, Some(help.into())));
}

fn one_of(out: &mut Vec<AttrProblem>, attrs: &Attrs, name: &str, allowed: &[&str]) {
    if let Some(s) = attrs.get(name).and_then(Value::as_str) {
        if !allowed.contains(&s) {
            problem(
                out,
                name,
                format!("`{s}` is not a {}", name.replace('_', " ")),
                format!("one of: {}", allowed.join(", ")),
            );
        }
    }
}

/// Problems of an Elastic IP's attributes.
pub(super) fn check_eip(attrs: &Attrs, out: &mut Vec<AttrProblem>) {
    one_of(out, attrs, "domain", DOMAINS);
}

/// Problems of a NAT gateway's attributes: a public one needs an Elastic
/// IP, a private one takes none.
pub(super) fn check_nat_gateway(attrs: &Attrs, out: &mut Vec<AttrProblem>) {
    one_of(out, attrs, "connectivity_type", CONNECTIVITY);
    let public = attrs.get("connectivity_type").and_then(Value::as_str) != Some("private");
    let address = attrs
        .get("allocation_id")
        .is_some_and(|v| *v != Value::Null);
    if public && !address {
        problem(
            out,
            "allocation_id",
            "a public NAT gateway needs an Elastic IP".into(),
            "set `allocation_id` to an `aws.ec2.eip`'s id, or `connectivity_type = \"private\"`",
        );
    }
    if !public && address {
        problem(
            out,
            "allocation_id",
            "a private NAT gateway takes no Elastic IP".into(),
            "remove `allocation_id`, or set `connectivity_type = \"public\"`",
        );
    }
}

/// Problems of a route table's routes: each has exactly one target.
pub(super) fn check_routes(attrs: &Attrs, out: &mut Vec<AttrProblem>) {
    let routes = attrs.get("routes").and_then(Value::as_list).unwrap_or(&[]);
    for (i, route) in routes.iter().filter_map(Value::as_map).enumerate() {
        let targets: Vec<&str> = ROUTE_TARGETS
            .iter()
            .copied()
            .filter(|t| route.get(t).is_some_and(|v| *v != Value::Null))
            .collect();
        if targets.len() != 1 {
            problem(
                out,
                "routes",
                format!(
                    "route {i} has {} targets{}",
                    targets.len(),
                    if targets.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", targets.join(", "))
                    }
                ),
                "give each route one of `gateway_id` (internet gateway) or `nat_gateway_id`",
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use crate::kinds::{check_resource, schema_of, EIP, NAT_GATEWAY, ROUTE_TABLE};
    use crate::value::Value;

    fn check(kind: &str, json: serde_json::Value) -> Vec<String> {
        let Value::Map(mut attrs) = Value::from_json(&json) else {
            panic!("not an object")
        };
        check_resource(schema_of(kind).unwrap(), &mut attrs, "us-east-1")
            .into_iter()
            .map(|p| format!("{}: {}", p.attr.unwrap_or_default(), p.message))
            .collect()
    }

    #[test]
    fn a_public_nat_gateway_needs_an_address_and_a_private_one_none() {
        let ok = check(
            NAT_GATEWAY,
            serde_json::json!({"subnet_id": "subnet-1", "allocation_id": "eipalloc-1"}),
        );
        assert_eq!(ok, Vec::<String>::new());
        let public = check(NAT_GATEWAY, serde_json::json!({"subnet_id": "subnet-1"}));
        assert_eq!(
            public,
            ["allocation_id: a public NAT gateway needs an Elastic IP"]
        );
        let private = check(
            NAT_GATEWAY,
            serde_json::json!({"subnet_id": "subnet-1", "connectivity_type": "private",
                               "allocation_id": "eipalloc-1"}),
        );
        assert_eq!(
            private,
            ["allocation_id: a private NAT gateway takes no Elastic IP"]
        );
        let odd = check(
            NAT_GATEWAY,
            serde_json::json!({"subnet_id": "subnet-1", "connectivity_type": "hybrid"}),
        );
        assert_eq!(
            odd[0],
            "connectivity_type: `hybrid` is not a connectivity type"
        );
    }

    #[test]
    fn an_eip_is_in_the_vpc_domain() {
        assert_eq!(check(EIP, serde_json::json!({})), Vec::<String>::new());
        assert_eq!(
            check(EIP, serde_json::json!({"domain": "standard"})),
            ["domain: `standard` is not a domain"]
        );
    }

    #[test]
    fn each_route_has_one_target() {
        let problems = check(
            ROUTE_TABLE,
            serde_json::json!({"vpc_id": "vpc-1", "routes": [
                {"cidr_block": "0.0.0.0/0", "nat_gateway_id": "nat-1"},
                {"cidr_block": "10.9.0.0/16"},
                {"cidr_block": "10.8.0.0/16", "gateway_id": "igw-1", "nat_gateway_id": "nat-1"},
            ]}),
        );
        assert_eq!(
            problems,
            [
                "routes: route 1 has 0 targets",
                "routes: route 2 has 2 targets (gateway_id, nat_gateway_id)",
            ]
        );
    }
}
