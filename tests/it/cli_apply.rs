//! The quickstart end to end: plan, apply, outputs, an empty plan in a new
//! process, saved plans, destroy.

use super::support::*;

#[test]
fn quickstart_plan_apply_then_empty_plan_then_destroy() {
    let p = Project::quickstart();

    let plan = p.plan_json();
    let acts = actions(&plan);
    assert_eq!(acts.len(), 23, "{acts:?}");
    assert!(acts.iter().all(|(_, a)| a == "create"), "{acts:?}");
    assert_eq!(plan["summary"]["create"], 23);
    // The password is never printed.
    assert!(!plan.to_string().contains("change-me-in-a-vault"));

    let out = p.run_expect(&["apply", "--yes"], 0);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Apply complete! Resources: 23 added, 0 changed, 0 destroyed."),
        "{stdout}"
    );

    let out = p.run_expect(&["output", "--json"], 0);
    let outputs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dns = outputs["alb_dns_name"]["value"].as_str().unwrap();
    assert!(dns.ends_with(".us-east-1.elb.amazonaws.com"), "{dns}");
    assert!(outputs["db_endpoint"]["value"]
        .as_str()
        .unwrap()
        .contains("quickstart-db."));
    assert!(outputs["redis_primary_endpoint"]["value"]
        .as_str()
        .is_some());
    let raw = p.run_expect(&["output", "alb_dns_name"], 0);
    assert_eq!(text(&raw.stdout).trim(), dns);

    // A new process sees no changes.
    p.run_expect(&["plan", "--detailed-exitcode"], 0);

    // The state holds every resource, never the password, and no lock is left.
    let state = p.state();
    assert_eq!(state["resources"].as_object().unwrap().len(), 23);
    assert!(!p.raw_state_files().contains("change-me-in-a-vault"));
    assert!(state["resources"]["db"]["sensitive_digests"]["password"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    assert!(!p.path().join(".strata/state.lock").exists());

    let list = text(&p.run_expect(&["state", "list"], 0).stdout);
    assert!(
        list.contains("db_replica\taws.rds.db_instance\tquickstart-db-replica"),
        "{list}"
    );

    let out = p.run_expect(&["destroy", "--yes"], 0);
    assert!(text(&out.stdout)
        .contains("Destroy complete! Resources: 0 added, 0 changed, 23 destroyed."));
    assert_eq!(p.state()["resources"].as_object().unwrap().len(), 0);
    let sim = strata::sim::SimProvider::open(
        &p.path().join(".strata/sim"),
        strata::sim::SimOptions::instant(),
    )
    .unwrap();
    let left: Vec<_> = sim
        .objects()
        .into_iter()
        .filter(|o| o.kind != "snapshot")
        .collect();
    assert!(left.is_empty(), "the sim cloud still holds {left:?}");
}

#[test]
fn saved_plan_applies_exactly_and_stale_plan_is_refused() {
    let p = Project::new(
        r#"
[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.0.0.0/16"
"#,
    );
    p.run_expect(&["plan", "--out", "first.plan"], 0);
    p.run_expect(&["plan", "--out", "second.plan"], 0);
    let out = p.run_expect(&["apply", "first.plan"], 0);
    assert!(text(&out.stdout).contains("1 added"));
    // The state moved: the second plan was made from the empty state.
    let out = p.run_expect(&["apply", "second.plan"], 1);
    let err = text(&out.stderr);
    assert!(err.contains("stale"), "{err}");
    assert!(err.contains("strata::apply::stale_plan"), "{err}");
    assert_eq!(p.state()["resources"].as_object().unwrap().len(), 1);
}

#[test]
fn an_infra_repo_binary_built_on_run_with_gets_the_same_commands() {
    // `cargo test` builds the examples beside the test binaries.
    let exe = std::path::Path::new(env!("CARGO_BIN_EXE_strata"))
        .parent()
        .unwrap()
        .join("examples/embedded");
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(&exe)
            .current_dir(dir.path())
            .env("STRATA_SIM_SPEED", SPEED)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["apply", "--yes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("12 added"),
        "{}",
        text(&out.stdout)
    );
    let out = run(&["plan", "--detailed-exitcode"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = run(&["output", "db_endpoint"]);
    assert!(text(&out.stdout).starts_with("embedded-db."));
    let out = run(&["destroy", "--yes"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}
