//! Keyed `for_each`, `[[moved]]` and `[[removed]]` through the CLI on the
//! sim: adding or removing a key touches that key only, a move plans no
//! create or delete and is committed by apply, a removal forgets without
//! destroying.

use super::support::*;

const KEYED: &str = r#"
stack = "keyed"

[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.0.0.0/16"

[resource.public]
kind = "aws.ec2.subnet"
for_each = { us-east-1a = { n = 1 }, us-east-1b = { n = 2 }, us-east-1c = { n = 3 } }
vpc_id = "${vpc.id}"
availability_zone = "${each.key}"
cidr_block = "10.0.${each.value.n}.0/24"
"#;

/// Changes that are not no-ops, as (address, action).
fn planned(plan: &serde_json::Value) -> Vec<(String, String)> {
    actions(plan)
        .into_iter()
        .filter(|(_, action)| action != "no-op")
        .collect()
}

#[test]
fn removing_the_middle_key_of_a_for_each_deletes_that_instance_only() {
    let p = Project::new(KEYED);
    p.run_expect(&["apply", "--yes"], 0);
    // Key addresses on the command line: --target, --exclude, --replace.
    let c = r#"public["us-east-1c"]"#;
    let out = p.run_expect(
        &[
            "plan",
            "--json",
            "--replace",
            c,
            "--exclude",
            r#"public["us-east-1a"]"#,
        ],
        0,
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(planned(&plan), [(c.to_string(), "replace".to_string())]);
    let out = p.run_expect(&["plan", "--json", "--target", c], 0);
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let addrs: Vec<String> = actions(&plan).into_iter().map(|(a, _)| a).collect();
    assert_eq!(addrs, ["vpc", c]);
    let out = p.run_expect(&["plan", "--target", "public[\"nope\"]"], 1);
    assert!(
        text(&out.stderr).contains("no such resource"),
        "{}",
        text(&out.stderr)
    );
    p.edit(|t| t.replace("us-east-1b = { n = 2 }, ", ""));
    let plan = p.plan_json();
    assert_eq!(
        planned(&plan),
        [(r#"public["us-east-1b"]"#.to_string(), "delete".to_string())]
    );
    p.run_expect(&["apply", "--yes"], 0);
    let state = p.state();
    let kept: Vec<&String> = state["resources"].as_object().unwrap().keys().collect();
    assert_eq!(
        kept,
        ["public[\"us-east-1a\"]", "public[\"us-east-1c\"]", "vpc"]
    );
    // Adding a key back creates that instance only.
    p.edit(|_| KEYED.to_string());
    assert_eq!(
        planned(&p.plan_json()),
        [(r#"public["us-east-1b"]"#.to_string(), "create".to_string())]
    );
    // Key addresses work on the command line too.
    let out = p.run_expect(&["state", "show", r#"public["us-east-1c"]"#], 0);
    assert!(
        text(&out.stdout).contains("10.0.3.0/24"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_moved_block_plans_no_create_or_delete_and_apply_commits_it() {
    let p = Project::new(
        r#"
stack = "moving"

[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.0.0.0/16"

[resource.subnet]
kind = "aws.ec2.subnet"
count = 2
vpc_id = "${vpc.id}"
availability_zone = { per_index = ["us-east-1a", "us-east-1b"] }
cidr_block = "10.0.${count.index}.0/24"
"#,
    );
    p.run_expect(&["apply", "--yes"], 0);
    let ids = |p: &Project| -> Vec<String> {
        let state = p.state();
        let resources = state["resources"].as_object().unwrap();
        let mut ids: Vec<String> = resources
            .values()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let before = ids(&p);
    p.edit(|_| {
        r#"
stack = "moving"

[resource.network]
kind = "aws.ec2.vpc"
cidr_block = "10.0.0.0/16"

[resource.public]
kind = "aws.ec2.subnet"
for_each = { us-east-1a = 0, us-east-1b = 1 }
vpc_id = "${network.id}"
availability_zone = "${each.key}"
cidr_block = "10.0.${each.value}.0/24"

[[moved]]
from = "vpc"
to = "network"

[[moved]]
from = "subnet[0]"
to = 'public["us-east-1a"]'

[[moved]]
from = "subnet[1]"
to = 'public["us-east-1b"]'
"#
        .to_string()
    });
    let plan = p.plan_json();
    assert_eq!(planned(&plan), Vec::<(String, String)>::new());
    assert_eq!(plan["has_changes"], true);
    assert_eq!(plan["summary"]["move"], 3);
    assert_eq!(plan["summary"]["create"], 0);
    assert_eq!(plan["summary"]["delete"], 0);
    let moved = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == r#"public["us-east-1b"]"#)
        .unwrap();
    assert_eq!(moved["moved_from"], "subnet[1]");
    let human = text(&p.run_expect(&["plan"], 0).stdout);
    assert!(
        human.contains(r#"# public["us-east-1a"] has moved from subnet[0]"#),
        "{human}"
    );
    assert!(
        human.contains("Plan: 0 to add, 0 to change, 0 to destroy, 3 to move."),
        "{human}"
    );

    let out = p.run_expect(&["apply", "--yes"], 0);
    assert!(
        text(&out.stdout).contains("Committed to state: 3 moved, 0 forgotten"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(ids(&p), before, "the same objects, at new addresses");
    let state = p.state();
    let resources = state["resources"].as_object().unwrap();
    assert!(resources.contains_key("network"));
    assert_eq!(
        resources[r#"public["us-east-1a"]"#]["dependencies"],
        serde_json::json!(["network"])
    );
    let human = text(&p.run_expect(&["plan"], 0).stdout);
    assert!(human.contains("No changes."), "{human}");
}

#[test]
fn a_removed_block_forgets_without_destroying() {
    let p = Project::new(KEYED);
    p.run_expect(&["apply", "--yes"], 0);
    p.edit(|t| {
        t.replace(
            "for_each = { us-east-1a = { n = 1 }, us-east-1b = { n = 2 }, us-east-1c = { n = 3 } }",
            "for_each = { us-east-1a = { n = 1 }, us-east-1c = { n = 3 } }",
        ) + "\n[[removed]]\nfrom = 'public[\"us-east-1b\"]'\n"
    });
    let plan = p.plan_json();
    assert_eq!(planned(&plan), Vec::<(String, String)>::new());
    assert_eq!(plan["forgets"][0]["address"], r#"public["us-east-1b"]"#);
    let human = text(&p.run_expect(&["plan"], 0).stdout);
    assert!(
        human.contains("will be forgotten, not destroyed"),
        "{human}"
    );
    assert!(human.contains("1 to forget"), "{human}");
    p.run_expect(&["apply", "--yes"], 0);
    let state = p.state();
    assert!(!state["resources"]
        .as_object()
        .unwrap()
        .contains_key(r#"public["us-east-1b"]"#));
    // Still in the cloud: importing it back finds it, unchanged.
    let id = plan["forgets"][0]["id"].as_str().unwrap();
    p.edit(|_| KEYED.to_string());
    p.run_expect(&["import", r#"public["us-east-1b"]"#, id], 0);
    assert_eq!(planned(&p.plan_json()), Vec::<(String, String)>::new());
}

#[test]
fn conflicting_moves_are_reported_before_anything_is_planned() {
    let p = Project::new(KEYED);
    p.run_expect(&["apply", "--yes"], 0);
    p.edit(|t| {
        t + r#"
[[moved]]
from = 'public["us-east-1a"]'
to = "vpc"

[[moved]]
from = "old"
to = "vpc"
"#
    });
    let out = p.run_expect(&["plan"], 1);
    let err = text(&out.stderr);
    assert!(err.contains("two moves lead to `vpc`"), "{err}");
    assert!(err.contains("is still in the configuration"), "{err}");
}

#[test]
fn a_move_onto_an_address_the_state_holds_is_refused() {
    let p = Project::new(&format!(
        "{KEYED}\n[resource.spare]\nkind = \"aws.ec2.vpc\"\ncidr_block = \"10.1.0.0/16\"\n"
    ));
    p.run_expect(&["apply", "--yes"], 0);
    p.edit(|_| format!("{KEYED}\n[[moved]]\nfrom = \"spare\"\nto = \"vpc\"\n"));
    let out = p.run_expect(&["plan"], 1);
    let err = text(&out.stderr);
    assert!(
        err.contains("strata::moved::target_exists")
            && err.contains("`spare` cannot move to `vpc`: the state already holds"),
        "{err}"
    );
    // Nothing was committed.
    assert!(p.state()["resources"]
        .as_object()
        .unwrap()
        .contains_key("spare"));
}

/// The web service's per-AZ subnets were `public[0]`… before they were
/// keyed by AZ: a stack applied then (its state rewritten to those
/// addresses with `strata state mv`) upgrades with moves only.
#[test]
fn a_web_service_applied_with_index_addresses_upgrades_with_moves_only() {
    let p = super::web_service::applied();
    let azs = ["us-east-1a", "us-east-1b", "us-east-1c"];
    for (i, az) in azs.iter().enumerate() {
        for tier in ["public", "private"] {
            let keyed = format!("web.{tier}[\"{az}\"]");
            let indexed = format!("web.{tier}[{i}]");
            p.run_expect(&["state", "mv", &keyed, &indexed], 0);
        }
    }
    let state = p.state();
    assert!(state["resources"]["web.public[1]"]["id"].is_string());
    assert_eq!(
        state["resources"]["web.public_rt"]["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d.as_str().is_some_and(|d| d.starts_with("web.public[")))
            .count(),
        3,
        "{state}"
    );

    let plan = p.plan_json();
    assert_eq!(planned(&plan), Vec::<(String, String)>::new());
    assert_eq!(plan["summary"]["move"], 6);
    let moves: Vec<(String, String)> = plan["moves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["from"].as_str().unwrap().into(),
                m["to"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(moves.contains(&(
        "web.private[2]".to_string(),
        "web.private[\"us-east-1c\"]".to_string()
    )));

    p.run_expect(&["apply", "--yes"], 0);
    let state = p.state();
    assert!(state["resources"]["web.public[1]"].is_null());
    assert_eq!(
        state["resources"]["web.public[\"us-east-1b\"]"]["attrs"]["availability_zone"],
        "us-east-1b"
    );
    let plan = p.plan_json();
    assert_eq!(plan["has_changes"], false, "{:?}", planned(&plan));
}

#[test]
fn a_module_with_for_each_plans_one_stack_per_key() {
    let p = Project::new(
        r#"
stack = "shops"

[module.web]
kind = "web_service"
for_each = { staging = { cidr = "10.1.0.0/16" }, prod = { cidr = "10.2.0.0/16" } }
name = "shop-${each.key}"
environment = "${each.key}"
cidr_block = "${each.value.cidr}"
ami = "ami-0f3c2a1b4d5e6f708"
azs = 2
min_size = 2
db_replicas = 1
"#,
    );
    let plan = p.plan_json();
    let creates: Vec<String> = planned(&plan)
        .into_iter()
        .filter(|(_, action)| action == "create")
        .map(|(a, _)| a)
        .collect();
    for key in ["staging", "prod"] {
        assert!(
            creates.contains(&format!("web[\"{key}\"].listener")),
            "{creates:?}"
        );
        assert!(
            creates.contains(&format!("web[\"{key}\"].public[\"us-east-1b\"]")),
            "{creates:?}"
        );
    }
    let vpc = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == r#"web["prod"].vpc"#)
        .unwrap();
    let cidr = vpc["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "cidr_block")
        .unwrap();
    assert_eq!(cidr["after"], "10.2.0.0/16");
}

#[test]
fn a_removed_block_with_destroy_true_plans_the_delete() {
    let p = Project::new(KEYED);
    p.run_expect(&["apply", "--yes"], 0);
    p.edit(|t| {
        t.replace(", us-east-1c = { n = 3 }", "")
            + "\n[[removed]]\nfrom = 'public[\"us-east-1c\"]'\nlifecycle = { destroy = true }\n"
    });
    let plan = p.plan_json();
    assert_eq!(
        planned(&plan),
        [(r#"public["us-east-1c"]"#.to_string(), "delete".to_string())]
    );
    assert!(plan["forgets"].is_null() || plan["forgets"] == serde_json::json!([]));
}
