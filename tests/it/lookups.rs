//! Lookups (`[data.NAME]`) on the simulated cloud: each lookup kind finds
//! what exists, plans show it as a `read`, its values reach the resources
//! that refer to it, and nothing found or several found is a diagnostic
//! naming the lookup and its filters. The CLI test plans and applies a
//! manifest with lookups.

use std::sync::Arc;

use strata::core::config::{Config, ResourceConfig};
use strata::core::graph::Graph;
use strata::core::kinds;
use strata::core::lookup::DataConfig;
use strata::core::manifest::parse_manifest;
use strata::core::plan::{self, Action, Plan, PlanError, PlanOptions};
use strata::core::provider::{Provider, Providers};
use strata::core::session::{Locking, Session};
use strata::core::state::local::LocalBackend;
use strata::core::state::State;
use strata::core::value::Value;
use strata::sim::{SimOptions, SimProvider};

use crate::support::{action_of, text, Project};

fn sim() -> Arc<SimProvider> {
    Arc::new(SimProvider::in_memory(SimOptions::instant()))
}

/// Plans `text` (a manifest) against an empty state on `sim`; the plan, or
/// the messages of the problems planning found.
async fn plan_manifest(sim: &Arc<SimProvider>, text: &str) -> Result<Plan, Vec<String>> {
    let config = parse_manifest("lookups.toml", text).map_err(|p| messages(&p.problems))?;
    plan_config(sim, config).await
}

async fn plan_config(sim: &Arc<SimProvider>, config: Config) -> Result<Plan, Vec<String>> {
    let graph = Graph::build(config).map_err(|p| messages(&p.problems))?;
    let providers = Providers::new(sim.clone());
    plan::plan(
        &graph,
        &State::new("lookups"),
        &providers,
        &PlanOptions::default(),
    )
    .await
    .map_err(|e| match e {
        PlanError::Lookups(p) => messages(&p.problems),
        other => vec![other.to_string()],
    })
}

fn messages(problems: &[strata::core::diag::Problem]) -> Vec<String> {
    problems
        .iter()
        .map(|p| format!("{}: {}", p.code, p.message))
        .collect()
}

/// What the plan read for `data.NAME`, attribute by attribute.
fn read(plan: &Plan, name: &str) -> Vec<(String, Value)> {
    let c = plan
        .changes
        .iter()
        .find(|c| c.address.as_str() == format!("data.{name}"))
        .unwrap_or_else(|| panic!("no read of data.{name} in {:?}", plan.changes));
    assert_eq!(c.action, Action::Read);
    c.changes
        .iter()
        .map(|a| (a.name.clone(), a.after.clone().unwrap()))
        .collect()
}

fn exported(plan: &Plan, name: &str, attr: &str) -> Value {
    read(plan, name)
        .into_iter()
        .find(|(n, _)| n == attr)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("data.{name} exported no {attr}"))
}

/// The planned value of a created resource's attribute.
fn planned(plan: &Plan, address: &str, attr: &str) -> Value {
    let c = plan
        .changes
        .iter()
        .find(|c| c.address.as_str() == address)
        .unwrap();
    c.changes
        .iter()
        .find(|a| a.name == attr)
        .and_then(|a| a.after.clone())
        .unwrap()
}

const UBUNTU: &str = r#"
[data.ubuntu]
kind = "aws.ec2.ami"
owners = ["099720109477"]
name = "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"
most_recent = true

[resource.lt]
kind = "aws.ec2.launch_template"
name = "web"
image_id = "${data.ubuntu.id}"
instance_type = "t3.micro"
"#;

#[tokio::test]
async fn an_ami_lookup_takes_the_newest_match_and_feeds_the_resource() {
    let sim = sim();
    let plan = plan_manifest(&sim, UBUNTU).await.unwrap();
    let id = exported(&plan, "ubuntu", "id");
    assert_eq!(
        id,
        Value::from("ami-0b1b2c3d4e5f60002"),
        "the 20240801 image"
    );
    assert_eq!(planned(&plan, "lt", "image_id"), id);
    // A lookup changes nothing in the cloud.
    assert_eq!(plan.summary()[&Action::Read], 1);
    let reads_only = plan_manifest(
        &sim,
        &UBUNTU.replace("[resource.lt]", "[resource.lt]\ncount = 0"),
    )
    .await
    .unwrap();
    assert!(!reads_only.has_changes(), "{:?}", reads_only.changes);
    let text = plan::render::human(&plan);
    assert!(text.contains(" <= data.ubuntu (aws.ec2.ami)"), "{text}");
}

#[tokio::test]
async fn several_amis_without_most_recent_is_a_diagnostic_naming_the_lookup_and_filters() {
    let sim = sim();
    let errs = plan_manifest(&sim, &UBUNTU.replace("most_recent = true", ""))
        .await
        .unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].starts_with("strata::lookup::matches: `data.ubuntu` (aws.ec2.ami) found 2 matches"),
        "{errs:?}"
    );
    assert!(errs[0].contains("owners = [\"099720109477\"]"), "{errs:?}");
    assert!(errs[0].contains("ami-0b1b2c3d4e5f60001"), "{errs:?}");
}

#[tokio::test]
async fn an_ami_lookup_that_finds_nothing_is_a_diagnostic() {
    let sim = sim();
    let text = UBUNTU.replace("ubuntu-jammy-22.04", "ubuntu-focal-20.04");
    let errs = plan_manifest(&sim, &text).await.unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains("`data.ubuntu` (aws.ec2.ami) found nothing matching"),
        "{errs:?}"
    );
    assert!(errs[0].contains("ubuntu-focal-20.04"), "{errs:?}");
    // `architecture` narrows; an owner alias works.
    let arm = r#"
[data.al]
kind = "aws.ec2.ami"
owners = ["amazon"]
name = "al2023-ami-2023.6.*"
architecture = "arm64"
"#;
    let plan = plan_manifest(&sim, arm).await.unwrap();
    assert_eq!(
        exported(&plan, "al", "id"),
        Value::from("ami-0a1b2c3d4e5f60003")
    );
}

/// Applies a VPC tagged `env = ENV` with two subnets through a session.
async fn network(sim: &Arc<SimProvider>, dir: &std::path::Path, env: &str) {
    let text = format!(
        r#"
[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.{n}.0.0/16"
tags = {{ env = "{env}" }}

[resource.a]
kind = "aws.ec2.subnet"
vpc_id = "${{vpc.id}}"
cidr_block = "10.{n}.1.0/24"
availability_zone = "us-east-1b"
tags = {{ tier = "private" }}

[resource.b]
kind = "aws.ec2.subnet"
vpc_id = "${{vpc.id}}"
cidr_block = "10.{n}.2.0/24"
availability_zone = "us-east-1a"
tags = {{ tier = "private" }}
"#,
        n = env.len()
    );
    let graph = Graph::build(parse_manifest("net.toml", &text).unwrap()).unwrap();
    let backend = Arc::new(LocalBackend::new(dir.join(env)));
    let provider: Arc<dyn Provider> = sim.clone();
    let mut session = Session::open(backend, provider, env, Locking::Caller)
        .await
        .unwrap();
    let plan = session.plan(&graph, &PlanOptions::default()).await.unwrap();
    let opts = strata::core::apply::ApplyOptions {
        stack: env.into(),
        ..Default::default()
    };
    let report = session
        .apply(&plan, opts, Arc::new(strata::core::events::NullObserver))
        .await
        .unwrap();
    assert!(report.succeeded());
}

#[tokio::test]
async fn vpc_and_subnets_are_found_by_tags_and_by_the_vpc_lookup() {
    let sim = sim();
    let dir = tempfile::tempdir().unwrap();
    network(&sim, dir.path(), "staging").await;
    network(&sim, dir.path(), "prod").await;
    let text = r#"
[data.vpc]
kind = "aws.ec2.vpc"
tags = { env = "prod" }

[data.private]
kind = "aws.ec2.subnets"
vpc_id = "${data.vpc.id}"
tags = { tier = "private" }

[resource.sg]
kind = "aws.ec2.security_group"
name = "web"
description = "web"
vpc_id = "${data.vpc.id}"

[output.first_subnet]
value = "${data.private.ids[0]}"
"#;
    let plan = plan_manifest(&sim, text).await.unwrap();
    assert_eq!(
        exported(&plan, "vpc", "cidr_block"),
        Value::from("10.4.0.0/16")
    );
    let vpc_id = exported(&plan, "vpc", "id");
    assert_eq!(planned(&plan, "sg", "vpc_id"), vpc_id);
    // Ordered by AZ: the us-east-1a subnet first.
    assert_eq!(
        exported(&plan, "private", "cidr_blocks"),
        Value::List(vec!["10.4.2.0/24".into(), "10.4.1.0/24".into()])
    );
    let ids = exported(&plan, "private", "ids");
    assert_eq!(
        plan.outputs["first_subnet"].planned,
        ids.as_list().unwrap()[0]
    );
    // Lookups are read in dependency order, the VPC first.
    let reads: Vec<&str> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Read)
        .map(|c| c.address.as_str())
        .collect();
    assert_eq!(reads, ["data.vpc", "data.private"]);

    // Both VPCs carry the tag key: by key alone, two match.
    let errs = plan_manifest(
        &sim,
        &text.replace("tags = { env = \"prod\" }", "cidr_block = \"10.9.0.0/16\""),
    )
    .await
    .unwrap_err();
    assert!(
        errs[0].contains(
            "`data.vpc` (aws.ec2.vpc) found nothing matching cidr_block = \"10.9.0.0/16\""
        ),
        "{errs:?}"
    );
    let mut config = parse_manifest("l.toml", text).unwrap();
    config.data.get_mut("vpc").unwrap().filters.remove("tags");
    let errs = plan_config(&sim, config).await.unwrap_err();
    assert!(
        errs[0].contains(
            "`data.vpc` (aws.ec2.vpc) found 2 matches for no filters, but needs exactly one"
        ),
        "{errs:?}"
    );
}

#[tokio::test]
async fn subnets_that_match_nothing_are_a_diagnostic() {
    let sim = sim();
    let text = r#"
[data.none]
kind = "aws.ec2.subnets"
tags = { tier = "nowhere" }
"#;
    let errs = plan_manifest(&sim, text).await.unwrap_err();
    assert_eq!(
        errs,
        ["strata::lookup::matches: `data.none` (aws.ec2.subnets) found nothing matching tags = {tier = \"nowhere\"}"]
    );
}

#[tokio::test]
async fn a_lookup_on_a_failed_lookup_is_not_reported_again_and_no_filter_is_dropped() {
    let sim = sim();
    let text = r#"
[data.vpc]
kind = "aws.ec2.vpc"
tags = { env = "nowhere" }

[data.private]
kind = "aws.ec2.subnets"
vpc_id = "${data.vpc.id}"
"#;
    let errs = plan_manifest(&sim, text).await.unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains("`data.vpc` (aws.ec2.vpc) found nothing"),
        "{errs:?}"
    );
    // A filter on a list element that does not exist is an error, not a
    // filter left out (which would match more).
    let text = r#"
[data.azs]
kind = "aws.availability_zones"

[data.private]
kind = "aws.ec2.subnets"
availability_zone = "${data.azs.names[9]}"
"#;
    let errs = plan_manifest(&sim, text).await.unwrap_err();
    assert_eq!(
        errs,
        ["strata::lookup::matches: `data.private` filters `availability_zone` on `data.azs.names[9]`, which has no value"]
    );
}

#[tokio::test]
async fn a_hosted_zone_is_found_by_name_public_or_private() {
    let sim = sim();
    let public = sim.add_hosted_zone("example.com.", false).unwrap();
    let private = sim.add_hosted_zone("example.com", true).unwrap();
    let text = r#"
[data.zone]
kind = "aws.route53.zone"
name = "Example.com"
"#;
    let plan = plan_manifest(&sim, text).await.unwrap();
    assert_eq!(exported(&plan, "zone", "id"), Value::from(public.as_str()));
    assert_eq!(exported(&plan, "zone", "name"), Value::from("example.com"));
    let plan = plan_manifest(&sim, &format!("{text}private_zone = true\n"))
        .await
        .unwrap();
    assert_eq!(exported(&plan, "zone", "id"), Value::from(private.as_str()));
    let errs = plan_manifest(&sim, &text.replace("Example.com", "example.org"))
        .await
        .unwrap_err();
    assert!(
        errs[0].contains(
            "`data.zone` (aws.route53.zone) found nothing matching name = \"example.org\""
        ),
        "{errs:?}"
    );
}

#[tokio::test]
async fn a_certificate_is_found_by_domain_issued_by_default() {
    let sim = sim();
    sim.add_certificate("shop.example.com", "PENDING_VALIDATION")
        .unwrap();
    let issued = sim.add_certificate("shop.example.com", "ISSUED").unwrap();
    let text = r#"
[data.cert]
kind = "aws.acm.certificate"
domain = "shop.example.com"
"#;
    let plan = plan_manifest(&sim, text).await.unwrap();
    assert_eq!(exported(&plan, "cert", "arn"), Value::from(issued.as_str()));
    assert_eq!(exported(&plan, "cert", "status"), Value::from("ISSUED"));
    // Asking for either status finds both: one is needed.
    let either = format!("{text}statuses = [\"ISSUED\", \"PENDING_VALIDATION\"]\n");
    let errs = plan_manifest(&sim, &either).await.unwrap_err();
    assert!(
        errs[0].contains("`data.cert` (aws.acm.certificate) found 2 matches"),
        "{errs:?}"
    );
    assert!(errs[0].contains(&issued), "{errs:?}");
    let errs = plan_manifest(&sim, &text.replace("shop.", "api."))
        .await
        .unwrap_err();
    assert!(
        errs[0].contains("found nothing matching domain = \"api.example.com\""),
        "{errs:?}"
    );
}

#[tokio::test]
async fn caller_identity_and_availability_zones_are_read() {
    let sim = sim();
    sim.set_az_down("us-east-1a", true).unwrap();
    let text = r#"
[data.me]
kind = "aws.caller_identity"

[data.azs]
kind = "aws.availability_zones"

[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.0.0.0/16"

[resource.subnet]
kind = "aws.ec2.subnet"
vpc_id = "${vpc.id}"
cidr_block = "10.0.1.0/24"
availability_zone = "${data.azs.names[0]}"

[output.account]
value = "${data.me.account_id}"
"#;
    let plan = plan_manifest(&sim, text).await.unwrap();
    assert_eq!(plan.outputs["account"].planned, Value::from("123456789012"));
    // The zone that is down is not `available`.
    assert_eq!(
        planned(&plan, "subnet", "availability_zone"),
        Value::from("us-east-1b")
    );
    let names = exported(&plan, "azs", "names");
    assert_eq!(names.as_list().unwrap().len(), 5);
    assert_eq!(
        exported(&plan, "azs", "zone_ids").as_list().unwrap()[0],
        Value::from("use1-az2")
    );
    let errs = plan_manifest(&sim, &text.replace("names[0]", "names[7]"))
        .await
        .unwrap_err();
    assert_eq!(
        errs,
        ["strata::lookup::matches: reference to `data.azs.names[7]`: the lookup found 5 values"]
    );
}

#[tokio::test]
async fn lookups_are_checked_with_the_configuration_each_problem_at_its_place() {
    let text = r#"
[data.ubuntu]
kind = "aws.ec2.ami"
owner = "099720109477"
name = 7

[data.zone]
kind = "aws.route53.zones"

[data.vpc]
kind = "aws.ec2.vpc"
id = "${sg.id}"

[resource.sg]
kind = "aws.ec2.security_group"
name = "web"
description = "web"
vpc_id = "${data.vpc.ids}"

[resource."data.x"]
kind = "aws.ec2.vpc"
cidr_block = "10.0.0.0/16"
tags = { a = "${data.nope.id}" }
"#;
    let config = parse_manifest("lookups.toml", text).unwrap();
    let problems = Graph::build(config).unwrap_err().problems;
    let text_of = |p: &strata::core::diag::Problem| {
        let (src, spans) = p.at.as_ref().expect("a span");
        let at = src.location(spans[0].0.offset);
        format!("{at} {}: {}", p.code, p.message)
    };
    let mut got: Vec<String> = problems.iter().map(text_of).collect();
    got.sort();
    assert_eq!(
        got,
        [
            "lookups.toml:12:6 strata::lookup::filter: `data.vpc` filters on `sg.id`, a resource: lookups are read before anything is created",
            "lookups.toml:18:10 strata::lookup::reference: reference to `data.vpc.ids`: aws.ec2.vpc exports no `ids`",
            "lookups.toml:20:11 strata::lookup::address: `data.x`: resource addresses may not start with `data`",
            "lookups.toml:23:8 strata::lookup::reference: reference to `data.nope.id`: there is no lookup `data.nope`",
            "lookups.toml:2:7 strata::lookup::filter: `data.ubuntu` (aws.ec2.ami) is missing the filter `owners`",
            "lookups.toml:4:9 strata::lookup::filter: `data.ubuntu`: aws.ec2.ami has no filter `owner`",
            "lookups.toml:5:8 strata::lookup::filter: `data.ubuntu`: `name` must be a string, not an integer",
            "lookups.toml:8:8 strata::lookup::unknown_kind: `data.zone` has an unknown lookup kind `aws.route53.zones`",
        ]
    );
}

#[tokio::test]
async fn the_rust_api_builds_the_same_lookups() {
    let sim = sim();
    let mut config = Config::new("lookups");
    let ubuntu = DataConfig::new("ubuntu", "aws.ec2.ami")
        .with("owners", vec!["099720109477"])
        .with(
            "name",
            "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*",
        )
        .with("most_recent", true);
    config.add(
        ResourceConfig::new("lt".parse().unwrap(), kinds::LAUNCH_TEMPLATE)
            .with("name", "web")
            .with("image_id", ubuntu.attr("id"))
            .with("instance_type", "t3.micro"),
    );
    config.add_data(ubuntu.clone());
    config.add_data(ubuntu);
    // The same name twice is a problem, reported with the rest.
    let errs = plan_config(&sim, config.clone()).await.unwrap_err();
    assert_eq!(
        errs,
        ["strata::lookup::duplicate: two lookups are called `data.ubuntu`"]
    );
    config.pending_problems.clear();
    let plan = plan_config(&sim, config).await.unwrap();
    assert_eq!(
        planned(&plan, "lt", "image_id"),
        Value::from("ami-0b1b2c3d4e5f60002")
    );
}

#[test]
fn a_manifest_with_lookups_plans_and_applies_and_keeps_no_lookup_in_state() {
    let p = Project::new(&format!(
        r#"stack = "lk"
{UBUNTU}
[data.azs]
kind = "aws.availability_zones"

[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.0.0.0/16"

[resource.subnet]
kind = "aws.ec2.subnet"
vpc_id = "${{vpc.id}}"
cidr_block = "10.0.1.0/24"
availability_zone = "${{data.azs.names[1]}}"
"#
    ));
    let plan = text(&p.run_expect(&["plan"], 0).stdout);
    assert!(plan.contains(" <= data.ubuntu (aws.ec2.ami)"), "{plan}");
    assert!(
        plan.contains("availability_zone       = \"us-east-1b\""),
        "{plan}"
    );
    assert!(
        plan.contains("Plan: 3 to add, 0 to change, 0 to destroy."),
        "{plan}"
    );
    assert_eq!(action_of(&p.plan_json(), "data.azs"), "read");
    // The graph shows lookups and what refers to them.
    let dot = text(&p.run_expect(&["graph"], 0).stdout);
    assert!(dot.contains("\"subnet\" -> \"data.azs\";"), "{dot}");
    assert!(dot.contains("\"lt\" -> \"data.ubuntu\";"), "{dot}");
    p.run_expect(&["apply", "--yes"], 0);
    let listed = text(&p.run_expect(&["state", "list"], 0).stdout);
    let mut listed: Vec<&str> = listed
        .lines()
        .filter_map(|l| l.split('\t').next())
        .collect();
    listed.sort();
    assert_eq!(listed, ["lt", "subnet", "vpc"]);
    // Only reads are left: no changes, and --detailed-exitcode says so.
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
    // A saved plan carries the values read.
    p.edit(|t| t.replace("names[1]", "names[2]"));
    p.run_expect(&["plan", "--out", "next.plan"], 0);
    p.run_expect(&["apply", "next.plan"], 0);
    let subnet = &p.state()["resources"]["subnet"];
    assert_eq!(
        subnet["attrs"]["availability_zone"], "us-east-1c",
        "{subnet}"
    );
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn malformed_data_blocks_are_reported_at_their_place() {
    let text = r#"
[data]
plain = 1

[data."a.b"]
kind = "aws.caller_identity"

[data.nokind]
owners = ["amazon"]

[data.numkind]
kind = 5
"#;
    let problems = parse_manifest("lookups.toml", text).unwrap_err().problems;
    let mut got: Vec<String> = problems
        .iter()
        .map(|p| {
            let (src, spans) = p.at.as_ref().expect("a span");
            format!(
                "{} {}: {}",
                src.location(spans[0].0.offset),
                p.code,
                p.message
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "lookups.toml:12:8 strata::manifest::kind: the `kind` of lookup `data.numkind` must be a string",
            "lookups.toml:3:9 strata::manifest::data: a lookup must be a table, not an integer",
            "lookups.toml:5:7 strata::manifest::address: `a.b` is not a valid lookup name",
            "lookups.toml:8:7 strata::manifest::kind: lookup `data.nokind` has no `kind`",
        ]
    );
}
