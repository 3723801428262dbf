//! The web service's edge and egress on the sim: with a certificate it
//! serves HTTPS on 443 and redirects port 80 (an applied HTTP stack moves
//! there in place), and its NAT layout can change between `per_az`,
//! `single` and `none` without touching the private subnets.

use serde_json::{json, Value};

use crate::support::{action_of, Project};
use crate::web_service::{example_http_text, example_text};

/// A certificate the sim accepts.
pub const CERT: &str = "arn:aws:acm:us-east-1:123456789012:certificate/shop";

/// Sets a parameter of the web service's module block: `line` replaces
/// the example's `nat` line, or is added after `cidr_block`.
fn with_param(text: &str, line: &str) -> String {
    let nat = text
        .lines()
        .find(|l| l.starts_with("nat = "))
        .map(|l| format!("{l}\n"));
    match nat {
        Some(old) if line.starts_with("nat = ") => text.replacen(&old, &format!("{line}\n"), 1),
        _ => {
            let at = "cidr_block = \"10.0.0.0/16\"\n";
            assert!(text.contains(at));
            text.replacen(at, &format!("{at}{line}\n"), 1)
        }
    }
}

/// The web-service example with a certificate, applied.
pub fn applied_https() -> Project {
    let p = Project::new(&with_param(
        &example_text(),
        &format!("certificate_arn = \"{CERT}\""),
    ));
    p.run_expect(&["apply", "--yes"], 0);
    p
}

fn plan_json(p: &Project) -> Value {
    let out = p.run_expect(&["plan", "--json"], 0);
    serde_json::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap()
}

fn attrs(state: &Value, address: &str) -> Value {
    let a = state["resources"][address]["attrs"].clone();
    assert!(!a.is_null(), "{address} is not in state");
    a
}

/// The ports the load balancer's group lets in.
fn alb_ports(state: &Value) -> Vec<i64> {
    let mut ports: Vec<i64> = attrs(state, "web.alb_sg")["ingress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["from_port"].as_i64().unwrap())
        .collect();
    ports.sort_unstable();
    ports
}

#[test]
fn an_http_service_moves_to_https_and_port_80_redirects() {
    let p = Project::new(&example_http_text());
    p.run_expect(&["apply", "--yes"], 0);
    let before = p.state();
    let listener = before["resources"]["web.listener"]["id"].clone();
    assert_eq!(attrs(&before, "web.listener")["port"], 80);
    assert_eq!(alb_ports(&before), [80]);

    // HTTPS on 443 forwards; the port-80 listener turns into the redirect
    // in place (after the HTTPS one exists).
    p.edit(|t| with_param(&t, &format!("certificate_arn = \"{CERT}\"")));
    let plan = plan_json(&p);
    assert_eq!(action_of(&plan, "web.https"), "create");
    assert_eq!(action_of(&plan, "web.listener"), "update");
    assert_eq!(action_of(&plan, "web.alb_sg"), "update");
    p.run_expect(&["apply", "--yes"], 0);

    let state = p.state();
    let https = attrs(&state, "web.https");
    assert_eq!(
        (
            &https["port"],
            &https["protocol"],
            &https["certificate_arn"]
        ),
        (&json!(443), &json!("HTTPS"), &json!(CERT))
    );
    assert_eq!(https["ssl_policy"], "ELBSecurityPolicy-TLS13-1-2-2021-06");
    assert_eq!(https["forward"].as_array().unwrap().len(), 2);
    assert_eq!(
        state["resources"]["web.listener"]["id"], listener,
        "the same listener"
    );
    let http = attrs(&state, "web.listener");
    assert_eq!(http["port"], 80);
    assert_eq!(http["redirect"]["protocol"], "HTTPS");
    assert_eq!(http["redirect"]["port"], "443");
    assert_eq!(http["redirect"]["status_code"], "HTTP_301");
    assert!(http["forward"].is_null(), "{http}");
    assert_eq!(alb_ports(&state), [80, 443]);
    p.run_expect(&["plan", "--detailed-exitcode"], 0);

    // Without the certificate it is HTTP on 80 again.
    p.edit(|t| t.replace(&format!("certificate_arn = \"{CERT}\"\n"), ""));
    let plan = plan_json(&p);
    assert_eq!(action_of(&plan, "web.https"), "delete");
    assert_eq!(action_of(&plan, "web.listener"), "update");
    p.run_expect(&["apply", "--yes"], 0);
    let state = p.state();
    assert_eq!(
        attrs(&state, "web.listener")["forward"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(state["resources"]["web.https"].is_null());
    assert_eq!(alb_ports(&state), [80]);
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn a_bad_certificate_or_nat_layout_is_diagnosed() {
    let p = Project::new(&with_param(
        &with_param(&example_text(), "certificate_arn = \"shop.example.com\""),
        "nat = \"two\"",
    ));
    let out = p.run_expect(&["validate"], 1);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        err.contains("`shop.example.com` is not a certificate"),
        "{err}"
    );
    assert!(err.contains("`two` is not a NAT layout"), "{err}");
    assert!(err.contains("per_az"), "{err}");
}

/// The ids of the private subnets, by AZ.
fn private_subnets(state: &Value) -> Vec<Value> {
    ["us-east-1a", "us-east-1b", "us-east-1c"]
        .iter()
        .map(|az| state["resources"][format!("web.private[\"{az}\"]")]["id"].clone())
        .collect()
}

fn nat_gateways(state: &Value) -> usize {
    state["resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["kind"] == "aws.ec2.nat_gateway")
        .count()
}

#[test]
fn the_nat_layout_changes_without_touching_the_private_subnets() {
    let p = Project::new(&with_param(&example_text(), "nat = \"none\""));
    p.run_expect(&["apply", "--yes"], 0);
    let state = p.state();
    let subnets = private_subnets(&state);
    let table = state["resources"]["web.private_rt"]["id"].clone();
    assert!(!table.is_null());
    assert_eq!(nat_gateways(&state), 0);
    // No way out: the app's group has no egress beyond the VPC.
    let egress = attrs(&state, "web.app_sg")["egress"].to_string();
    assert!(!egress.contains("0.0.0.0/0"), "{egress}");

    // One gateway for all: the shared table becomes the first AZ's, moved.
    p.edit(|t| t.replace("nat = \"none\"", "nat = \"single\""));
    let out = p.run_expect(&["plan"], 0);
    let plan = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(plan.contains("(moved from web.private_rt)"), "{plan}");
    p.run_expect(&["apply", "--yes"], 0);
    let state = p.state();
    assert_eq!(private_subnets(&state), subnets);
    assert_eq!(
        state["resources"]["web.private_rt_az[\"us-east-1a\"]"]["id"],
        table
    );
    assert_eq!(nat_gateways(&state), 1);
    let nat = state["resources"]["web.nat[\"us-east-1a\"]"]["id"].clone();
    for az in ["us-east-1a", "us-east-1b", "us-east-1c"] {
        let rt = attrs(&state, &format!("web.private_rt_az[\"{az}\"]"));
        assert_eq!(rt["routes"][0]["nat_gateway_id"], nat, "{az}");
    }
    let egress = attrs(&state, "web.app_sg")["egress"].to_string();
    assert!(egress.contains("0.0.0.0/0"), "{egress}");
    p.run_expect(&["plan", "--detailed-exitcode"], 0);

    // One per AZ: two more gateways, each AZ's table through its own.
    p.edit(|t| t.replace("nat = \"single\"", "nat = \"per_az\""));
    p.run_expect(&["apply", "--yes"], 0);
    let state = p.state();
    assert_eq!(private_subnets(&state), subnets);
    assert_eq!(nat_gateways(&state), 3);
    let rt = attrs(&state, "web.private_rt_az[\"us-east-1c\"]");
    assert_eq!(
        rt["routes"][0]["nat_gateway_id"],
        state["resources"]["web.nat[\"us-east-1c\"]"]["id"]
    );
    p.run_expect(&["plan", "--detailed-exitcode"], 0);

    // And back to none: the first AZ's table is the shared one again.
    p.edit(|t| t.replace("nat = \"per_az\"", "nat = \"none\""));
    p.run_expect(&["apply", "--yes"], 0);
    let state = p.state();
    assert_eq!(private_subnets(&state), subnets);
    assert_eq!(state["resources"]["web.private_rt"]["id"], table);
    assert_eq!(nat_gateways(&state), 0);
    assert_eq!(
        attrs(&state, "web.private_rt")["subnet_ids"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
}
