//! Several provider instances in one manifest, through the CLI: a primary
//! database in us-east-1 and its read replica in us-west-2
//! (`examples/dr_region.toml`), each region its own simulated cloud.

use super::support::*;

fn dr_text() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dr_region.toml");
    std::fs::read_to_string(path).unwrap()
}

/// The `reason` of the change planned for `address`.
fn reason_of(plan: &serde_json::Value, address: &str) -> String {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == address)
        .and_then(|c| c["reason"].as_str())
        .unwrap_or_default()
        .to_string()
}

#[test]
fn two_regions_plan_apply_plan_empty_and_destroy() {
    let p = Project::new(&dr_text());

    let plan = p.plan_json();
    let acts = actions(&plan);
    assert_eq!(acts.len(), 10, "{acts:?}");
    assert!(acts.iter().all(|(_, a)| a == "create"), "{acts:?}");
    let instance = |address: &str| {
        plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == address)
            .map(|c| c["provider"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(instance("db"), "default");
    assert_eq!(instance("dr_replica"), "us_west_2");
    let human = text(&p.run_expect(&["plan"], 0).stdout);
    assert!(
        human.contains("# dr_replica (provider us_west_2) will be created"),
        "{human}"
    );

    let out = p.run_expect(&["apply", "--yes"], 0);
    assert!(
        text(&out.stdout).contains("Resources: 10 added, 0 changed, 0 destroyed."),
        "{}",
        text(&out.stdout)
    );
    // Each region is its own cloud, persisted on its own.
    assert!(p.path().join(".strata/sim/cloud-us-east-1.json").exists());
    assert!(p.path().join(".strata/sim/cloud-us-west-2.json").exists());

    // The state records the instance of each resource of a named one.
    let state = p.state();
    let resources = &state["resources"];
    assert_eq!(resources["dr_replica"]["provider"], "us_west_2");
    assert!(
        resources["db"].get("provider").is_none(),
        "{}",
        resources["db"]
    );
    // The replica lives in us-west-2 and replicates the primary by ARN.
    let replica = &resources["dr_replica"]["attrs"];
    let primary_arn = resources["db"]["attrs"]["arn"].as_str().unwrap();
    assert!(primary_arn.contains(":us-east-1:"), "{primary_arn}");
    assert_eq!(replica["replicate_source_db"], primary_arn);
    assert!(
        replica["arn"].as_str().unwrap().contains(":us-west-2:"),
        "{replica}"
    );
    assert_eq!(
        replica["engine_version"],
        resources["db"]["attrs"]["engine_version"]
    );
    let outputs: serde_json::Value =
        serde_json::from_slice(&p.run_expect(&["output", "--json"], 0).stdout).unwrap();
    let dr = outputs["dr_endpoint"]["value"].as_str().unwrap();
    assert!(dr.contains(".us-west-2.rds.amazonaws.com"), "{dr}");

    // A new process reads each region through its instance: no changes.
    p.run_expect(&["plan", "--detailed-exitcode"], 0);

    let out = p.run_expect(&["destroy", "--yes"], 0);
    assert!(
        text(&out.stdout).contains("Resources: 0 added, 0 changed, 10 destroyed."),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(p.state()["resources"].as_object().unwrap().len(), 0);
}

#[test]
fn moving_a_resource_to_another_instance_plans_its_replacement() {
    let p = Project::new(&dr_text());
    p.run_expect(&["apply", "--yes"], 0);

    // The DR VPC's subnets stay where they are; the VPC alone moves back
    // to the default instance (us-east-1).
    p.edit(|t| {
        t.replacen(
            "[resource.dr_vpc]\nkind = \"aws.ec2.vpc\"\nprovider = \"us_west_2\"\n",
            "[resource.dr_vpc]\nkind = \"aws.ec2.vpc\"\n",
            1,
        )
    });
    let plan = p.plan_json();
    assert_eq!(action_of(&plan, "dr_vpc"), "replace");
    assert_eq!(
        reason_of(&plan, "dr_vpc"),
        "its provider instance changes from `us_west_2` to `default`: the object is made again there"
    );
    let human = text(&p.run_expect(&["plan"], 0).stdout);
    let line = human
        .lines()
        .find(|l| l.trim_start().starts_with("~ provider "))
        .unwrap_or_else(|| panic!("no provider line in {human}"));
    assert!(
        line.ends_with("= \"us_west_2\" -> \"default\" # forces replacement"),
        "{line}"
    );

    // Moving the primary database loses its data: refused unless allowed.
    p.edit(|t| {
        t.replacen(
            "[resource.dr_vpc]\nkind = \"aws.ec2.vpc\"\n",
            "[resource.dr_vpc]\nkind = \"aws.ec2.vpc\"\nprovider = \"us_west_2\"\n",
            1,
        )
        .replacen(
            "[resource.db]\nkind = \"aws.rds.db_instance\"\n",
            "[resource.db]\nkind = \"aws.rds.db_instance\"\nprovider = \"us_west_2\"\n",
            1,
        )
    });
    let plan = p.plan_json();
    assert_eq!(action_of(&plan, "db"), "replace");
    let out = p.run_expect(&["apply", "--yes"], 1);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("losing their data: db (provider)"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_provider_instance_is_a_diagnostic_at_its_name() {
    let p = Project::new(&dr_text().replacen(
        "[resource.dr_replica]\nkind = \"aws.rds.db_instance\"\nprovider = \"us_west_2\"",
        "[resource.dr_replica]\nkind = \"aws.rds.db_instance\"\nprovider = \"us-west-2\"",
        1,
    ));
    let out = p.run_expect(&["validate"], 1);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("strata::graph::unknown_provider"),
        "{stderr}"
    );
    // At the name, with the closest instance.
    assert!(stderr.contains("strata.toml:88:12"), "{stderr}");
    assert!(stderr.contains("`dr_replica` belongs to the"), "{stderr}");
    assert!(stderr.contains("did you mean `us_west_2`?"), "{stderr}");
}

#[test]
fn a_module_on_a_named_instance_is_made_in_its_region() {
    let web = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/web_service.toml"),
    )
    .unwrap();
    let text = web.replacen(
        "[module.web]\n",
        "[provider.eu]\nregion = \"eu-west-1\"\n\n[module.web]\nprovider = \"eu\"\n",
        1,
    );
    assert_ne!(text, web);
    let p = Project::new(&text);
    let plan = p.plan_json();
    let changes = plan["changes"].as_array().unwrap();
    assert!(!changes.is_empty());
    // Every resource of the module is in the instance, in its region's AZs.
    assert!(changes.iter().all(|c| c["provider"] == "eu"), "{changes:?}");
    let subnet = changes
        .iter()
        .find(|c| c["kind"] == "aws.ec2.subnet")
        .unwrap();
    let az = subnet["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "availability_zone")
        .unwrap();
    assert!(
        az["after"].as_str().unwrap().starts_with("eu-west-1"),
        "{az}"
    );
}
