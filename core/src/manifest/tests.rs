//! Tests of the manifest parser: each renders the parsed [`Config`] (or the
//! problems, with their `file:line:col`) as text and compares it with the
//! expected text.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write;

use super::{parse_manifest, parse_manifest_with, ManifestOptions};
use crate::config::{Config, Span};

/// The provider kinds the tests' made-up application builds.
const KINDS: &[&str] = &["mock", "other"];

/// Parses `input` as `strata.toml` for an application that builds the
/// providers in [`KINDS`], and compares the rendering with `expect`.
pub(super) fn check(input: &str, expect: &str) {
    let options = ManifestOptions {
        provider_kinds: Some(KINDS),
        ..ManifestOptions::default()
    };
    let actual = match parse_manifest_with("strata.toml", input, options) {
        Ok(config) => render(&config),
        Err(problems) => problems
            .problems
            .iter()
            .map(|p| {
                format!(
                    "{} {}: {}\n",
                    p.code,
                    p.location().unwrap_or_else(|| "-".into()),
                    p.message
                )
            })
            .collect(),
    };
    assert_eq!(
        actual.trim(),
        expect.trim(),
        "\n--- actual ---\n{actual}\n--------------"
    );
}

fn render(config: &Config) -> String {
    let mut out = String::new();
    let json =
        |m: &indexmap::IndexMap<String, serde_json::Value>| serde_json::to_string(m).unwrap();
    writeln!(out, "stack {}", config.stack).unwrap();
    writeln!(
        out,
        "provider {} {} {}",
        config.provider.kind.as_deref().unwrap_or("(default)"),
        config.provider.region,
        json(&config.provider.options)
    )
    .unwrap();
    writeln!(
        out,
        "backend {} {}",
        config.backend.kind,
        json(&config.backend.options)
    )
    .unwrap();
    for r in config.resources.values() {
        write!(out, "{}: {}", r.address, r.kind).unwrap();
        if !r.depends_on.is_empty() {
            let deps: Vec<_> = r.depends_on.iter().map(ToString::to_string).collect();
            write!(out, " depends_on=[{}]", deps.join(", ")).unwrap();
        }
        out.push('\n');
        for (name, value) in &r.attrs {
            writeln!(out, "  {name} = {value}").unwrap();
        }
        let l = &r.lifecycle;
        if **l != crate::config::Lifecycle::default() {
            writeln!(
                out,
                "  lifecycle prevent_destroy={} create_before_destroy={:?} ignore_changes={:?}",
                l.prevent_destroy, l.create_before_destroy, l.ignore_changes
            )
            .unwrap();
        }
    }
    for (name, o) in &config.outputs {
        let sensitive = if o.sensitive { " (sensitive)" } else { "" };
        writeln!(out, "output {name} = {}{sensitive}", o.value).unwrap();
    }
    out
}

/// The manifest text under a span.
fn text_at(config: &Config, span: Option<Span>) -> &str {
    let span = span.expect("a span");
    let text = &config.source.as_ref().expect("a source").text;
    &text[span.offset..span.offset + span.len]
}

const FULL: &str = r#"
stack = "quickstart"

[provider]
kind = "mock"
region = "eu-west-1"
speed = 200

[backend]
kind = "s3"
bucket = "state"

[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.0.0.0/16"
tags = { Name = "main" }

[resource.subnet_a]
kind = "aws.ec2.subnet"
vpc_id = "${vpc.id}"
cidr_block = "10.0.1.0/24"
availability_zone = "us-east-1a"
depends_on = ["vpc"]

[resource."web.sg"]
kind = "aws.ec2.security_group"
name = "web"
vpc_id = "${vpc.id}"
ingress = [{ protocol = "tcp", from_port = 80, to_port = 80, security_group_ids = ["${web.alb_sg.id}"] }]

[resource."db.replica"]
kind = "aws.rds.db_instance"
count = 2
identifier = "app-replica-${count.index}"
replicate_source_db = "${db.primary.identifier}"
availability_zone = { per_index = ["us-east-1b", "us-east-1c"] }
[resource."db.replica".lifecycle]
prevent_destroy = true
create_before_destroy = true
ignore_changes = ["tags"]

[output.alb_dns]
value = "${alb.dns_name}"
sensitive = true

[output]
vpc = "${vpc.id}"
"#;

#[test]
fn a_full_manifest_parses() {
    check(
        FULL,
        r#"
stack quickstart
provider mock eu-west-1 {"speed":200}
backend s3 {"bucket":"state"}
vpc: aws.ec2.vpc
  cidr_block = "10.0.0.0/16"
  tags = {Name = "main"}
subnet_a: aws.ec2.subnet depends_on=[vpc]
  availability_zone = "us-east-1a"
  cidr_block = "10.0.1.0/24"
  vpc_id = ${vpc.id}
web.sg: aws.ec2.security_group
  ingress = [{from_port = 80, protocol = "tcp", security_group_ids = [${web.alb_sg.id}], to_port = 80}]
  name = "web"
  vpc_id = ${vpc.id}
db.replica[0]: aws.rds.db_instance
  availability_zone = "us-east-1b"
  identifier = "app-replica-0"
  replicate_source_db = ${db.primary.identifier}
  lifecycle prevent_destroy=true create_before_destroy=Some(true) ignore_changes=["tags"]
db.replica[1]: aws.rds.db_instance
  availability_zone = "us-east-1c"
  identifier = "app-replica-1"
  replicate_source_db = ${db.primary.identifier}
  lifecycle prevent_destroy=true create_before_destroy=Some(true) ignore_changes=["tags"]
output alb_dns = ${alb.dns_name} (sensitive)
output vpc = ${vpc.id}
"#,
    );
}

#[test]
fn spans_point_at_what_was_written() {
    let config = parse_manifest("strata.toml", FULL).unwrap();
    let subnet = &config.resources[1];
    assert_eq!(text_at(&config, subnet.spans.header), "subnet_a");
    assert_eq!(text_at(&config, subnet.spans.kind), "\"aws.ec2.subnet\"");
    assert_eq!(
        text_at(&config, subnet.spans.attrs.get("vpc_id").copied()),
        "\"${vpc.id}\""
    );
    assert_eq!(
        text_at(&config, subnet.spans.depends_on.first().copied()),
        "\"vpc\""
    );
    let replica = &config.resources[4];
    assert_eq!(text_at(&config, replica.spans.header), "\"db.replica\"");
    // A per-index value points at this instance's element.
    assert_eq!(
        text_at(
            &config,
            replica.spans.attrs.get("availability_zone").copied()
        ),
        "\"us-east-1c\""
    );
    assert_eq!(
        text_at(&config, config.outputs["vpc"].span),
        "\"${vpc.id}\""
    );
    assert_eq!(
        text_at(&config, config.outputs["alb_dns"].span),
        "\"${alb.dns_name}\""
    );
    let source = config.source.as_ref().unwrap();
    assert_eq!(
        source.location(subnet.spans.header.unwrap().offset),
        "strata.toml:18:11"
    );
}

#[test]
fn defaults_come_from_the_file_name() {
    let config = parse_manifest("infra/prod.toml", "").unwrap();
    assert_eq!(config.stack, "prod");
    assert_eq!(config.provider.kind, None);
    assert_eq!(config.provider.region, "us-east-1");
    assert_eq!(config.backend.kind, "local");
    assert!(config.resources.is_empty());
}

#[test]
fn without_a_list_any_provider_kind_but_an_empty_one_is_taken() {
    let config = parse_manifest("a.toml", "[provider]\nkind = \"anything\"\n").unwrap();
    assert_eq!(config.provider.kind.as_deref(), Some("anything"));
    let problems = parse_manifest("a.toml", "[provider]\nkind = \" \"\n").unwrap_err();
    let found: Vec<_> = problems.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        found,
        ["a.toml:2:8: the provider's `kind` must be a non-empty string"]
    );
}

#[test]
fn count_expands_and_substitutes_the_index() {
    check(
        r#"
[resource.web]
kind = "aws.ec2.instance"
count = 3
slot = "${count.index}"
name = "web-${count.index}-of-3"
script = "echo $${HOME} ${count.index}"
user_data = { nested = ["${count.index}"] }

[resource.none]
kind = "aws.ec2.instance"
count = 0
"#,
        r#"
stack strata
provider (default) us-east-1 {}
backend local {}
web[0]: aws.ec2.instance
  name = "web-0-of-3"
  script = "echo ${HOME} 0"
  slot = 0
  user_data = {nested = [0]}
web[1]: aws.ec2.instance
  name = "web-1-of-3"
  script = "echo ${HOME} 1"
  slot = 1
  user_data = {nested = [1]}
web[2]: aws.ec2.instance
  name = "web-2-of-3"
  script = "echo ${HOME} 2"
  slot = 2
  user_data = {nested = [2]}
"#,
    );
}

#[test]
fn references_are_found_anywhere_and_tables_become_maps() {
    check(
        r#"
[resource.listener]
kind = "aws.elbv2.listener"
load_balancer_arn = "${web.alb.arn}"
port = 443
weight = 0.5
forward = [
  { target_group_arn = "${web.tg_blue.arn}", weight = 99 },
  { target_group_arn = "${web.tg_green.arn}", weight = 1 },
]
health_check.path = "/healthz"
[[resource.listener.rules]]
cidr = "${db.replica[1].address}"
"#,
        r#"
stack strata
provider (default) us-east-1 {}
backend local {}
listener: aws.elbv2.listener
  forward = [{target_group_arn = ${web.tg_blue.arn}, weight = 99}, {target_group_arn = ${web.tg_green.arn}, weight = 1}]
  health_check = {path = "/healthz"}
  load_balancer_arn = ${web.alb.arn}
  port = 443
  rules = [{cidr = ${db.replica[1].address}}]
  weight = 0.5
"#,
    );
}

#[test]
fn every_mistake_is_reported_with_its_line() {
    check(
        r#"stack = 3
stacks = "x"

[provider]
kind = "gcp"
region = ""

[backend]
kind = "consul"

[resource.vpc]
cidr_block = "10.0.0.0/16"

[resource."1bad"]
kind = "aws.ec2.vpc"

[resource.subnet]
kind = 7
count = -1
depends_on = "vpc"
vpc_id = "${vpc}"
name = "subnet-${vpc.id}"
lifecycle = { prevent_destroy = "yes", forever = true, ignore_changes = [1] }

[resource.sg]
kind = "aws.ec2.security_group"
depends_on = ["vpc", "${vpc.id}", 3]
zone = { per_index = ["a"] }
name = "sg-${count.index}"

[resource.db]
kind = "aws.rds.db_instance"
count = 2
availability_zone = { per_index = ["us-east-1a"] }
script = "${unclosed"

[output.dns]
sensitive = "no"
colour = 1
"#,
        r#"
strata::manifest::stack strata.toml:1:9: `stack` must be a non-empty string
strata::manifest::unknown_key strata.toml:2:1: unknown top-level key `stacks`
strata::manifest::provider strata.toml:5:8: unknown provider kind `gcp`
strata::manifest::provider strata.toml:6:10: the provider's `region` must be a non-empty string
strata::manifest::backend strata.toml:9:8: unknown backend kind `consul`
strata::manifest::kind strata.toml:11:11: resource `vpc` has no `kind`
strata::manifest::address strata.toml:14:11: `1bad` is not a valid resource address: each part must start with a letter or `_`
strata::manifest::kind strata.toml:18:8: the kind of `subnet` must be a string, not an integer
strata::manifest::count strata.toml:19:9: `count` must be a whole number from 0 to 1000, not `-1`
strata::manifest::depends_on strata.toml:20:14: `depends_on` must be a list of addresses, not a string
strata::manifest::lifecycle strata.toml:23:33: `prevent_destroy` must be `true` or `false`, not a string
strata::manifest::lifecycle strata.toml:23:40: unknown lifecycle option `forever`
strata::manifest::lifecycle strata.toml:23:73: `ignore_changes` must be a list of attribute names
strata::manifest::reference strata.toml:21:10: `${vpc}` is not a valid reference
strata::manifest::interpolation strata.toml:22:16: `${vpc.id}` is used inside a larger string
strata::manifest::address strata.toml:27:22: `${vpc.id}` in `depends_on` is not a valid address: each part must start with a letter or `_`
strata::manifest::depends_on strata.toml:27:35: `depends_on` entries must be address strings, not an integer
strata::manifest::count_index strata.toml:28:8: `zone` uses `per_index` but the resource has no `count`
strata::manifest::count_index strata.toml:29:12: `${count.index}` is used outside a counted resource
strata::manifest::count_index strata.toml:34:35: `per_index` of `availability_zone` has 1 value but `count` is 2
strata::manifest::reference strata.toml:35:11: a `${` is never closed
strata::manifest::type strata.toml:38:13: `sensitive` must be `true` or `false`, not a string
strata::manifest::unknown_key strata.toml:39:1: unknown key `colour` in output `dns`
strata::manifest::output strata.toml:37:9: output `dns` has no `value`
"#,
    );
}

#[test]
fn a_syntax_error_points_at_its_line() {
    check(
        "[resource.vpc]\nkind = \"aws.ec2.vpc\"\ncidr_block = 10.0.0.0/16\n",
        "strata::manifest::syntax strata.toml:3:18: the manifest is not valid TOML: invalid float, expected nothing",
    );
}

#[test]
fn problems_carry_help_and_render_with_miette() {
    let err = parse_manifest(
        "strata.toml",
        "[resource.vpc]\nkind = \"aws.ec2.vpc\"\nx = \"a-${vpc.id}\"\n",
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "strata.toml has 1 problem");
    let p = &err.problems[0];
    assert_eq!(
        p.help.as_deref(),
        Some(
            "a reference to a resource must be the whole string, e.g. \"${vpc.id}\" (only \
             variables and `${count.index}` may appear inside text; write `$${` for a literal \
             `${`)"
        )
    );
    let (source, spans) = p.at.as_ref().unwrap();
    let span = spans[0].0;
    assert_eq!(
        &source.text[span.offset..span.offset + span.len],
        "${vpc.id}"
    );
}

#[test]
fn duplicate_addresses_from_count_are_reported() {
    check(
        r#"
[resource."web[1]"]
kind = "aws.ec2.instance"
[resource.web]
kind = "aws.ec2.instance"
count = 2
[resource."api[0]"]
kind = "aws.ec2.instance"
count = 1
"#,
        r#"
strata::manifest::duplicate strata.toml:4:11: two resources have the address `web[1]`
strata::manifest::count strata.toml:9:9: `api[0]` has both an index and a `count`
"#,
    );
}

#[test]
fn graph_validation_points_at_the_recorded_spans() {
    let text = r#"[resource.vpc]
kind = "aws.ec2.vcp"
cidr_block = "10.0.0.0/16"

[resource.subnet]
kind = "aws.ec2.subnet"
vpc_id = "${vcp.id}"
cidr_block = "10.0.1.0/24"
availability_zone = "us-east-1a"
depends_on = ["nope"]

[output.x]
value = "${missing.id}"
"#;
    let config = parse_manifest("strata.toml", text).unwrap();
    let problems = crate::graph::Graph::build(config).unwrap_err().problems;
    let mut located: Vec<(&str, String)> = problems
        .iter()
        .map(|p| (p.code, p.location().unwrap_or_default()))
        .collect();
    located.sort();
    let at = |code: &str| {
        located
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, l)| l.as_str())
            .unwrap_or("not reported")
    };
    assert_eq!(at("strata::graph::unknown_kind"), "strata.toml:2:8");
    assert_eq!(at("strata::graph::unknown_dependency"), "strata.toml:10:15");
    let refs: Vec<&str> = located
        .iter()
        .filter(|(_, l)| l.ends_with(":7:10") || l.ends_with(":13:9"))
        .map(|(_, l)| l.as_str())
        .collect();
    // Sorted as text: the output (line 13) and the subnet's `vpc_id` (line 7).
    assert_eq!(
        refs,
        ["strata.toml:13:9", "strata.toml:7:10"],
        "{located:?}"
    );
}

#[test]
fn the_quickstart_example_parses_and_validates() {
    let text = include_str!("../../../examples/quickstart.toml");
    let config = parse_manifest("examples/quickstart.toml", text).unwrap();
    assert_eq!(config.stack, "quickstart");
    assert!(config.resources.len() > 20, "{}", config.resources.len());
    if let Err(problems) = crate::graph::Graph::build(config) {
        let list: Vec<String> = problems.problems.iter().map(ToString::to_string).collect();
        panic!("{}", list.join("\n"));
    }
}
