//! Tests of variables in manifests: declarations, the sources and their
//! precedence, validation, expressions in every place that takes them,
//! and sensitive values. Each renders the parsed configuration (or the
//! problems, with `file:line:col`) and compares it with the expected text.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write;

use super::{parse_manifest_with, ManifestOptions, Variables};
use crate::config::Config;

fn render(config: &Config) -> String {
    let mut out = String::new();
    writeln!(out, "stack {}", config.stack).unwrap();
    writeln!(
        out,
        "provider {} {}",
        config.provider.region,
        serde_json::to_string(&config.provider.options).unwrap()
    )
    .unwrap();
    writeln!(
        out,
        "backend {}",
        serde_json::to_string(&config.backend.options).unwrap()
    )
    .unwrap();
    for r in config.resources.values() {
        writeln!(out, "{}:", r.address).unwrap();
        for (name, value) in &r.attrs {
            writeln!(out, "  {name} = {value}").unwrap();
        }
    }
    for m in &config.modules {
        for (name, value) in &m.params {
            writeln!(out, "module {}.{name} = {value}", m.name).unwrap();
        }
    }
    for (name, o) in &config.outputs {
        writeln!(out, "output {name} = {}", o.value).unwrap();
    }
    out
}

fn problems(p: &crate::diag::Problems) -> String {
    p.problems
        .iter()
        .map(|p| {
            format!(
                "{} {}: {}\n",
                p.code,
                p.location().unwrap_or_else(|| "-".into()),
                p.message
            )
        })
        .collect()
}

fn check_with(vars: &Variables, input: &str, expect: &str) {
    let options = ManifestOptions {
        variables: Some(vars),
        ..ManifestOptions::default()
    };
    let actual = match parse_manifest_with("strata.toml", input, options) {
        Ok(config) => render(&config),
        Err(p) => problems(&p),
    };
    assert_eq!(
        actual.trim(),
        expect.trim(),
        "\n--- actual ---\n{actual}\n--------------"
    );
}

fn check(input: &str, expect: &str) {
    check_with(&Variables::new(), input, expect);
}

const ENVS: &str = r#"
stack = "app-${var.env}"

[variable.env]
type = "string"
description = "staging or prod"
one_of = ["staging", "prod"]

[variable.region]
default = "us-east-1"

[variable.web_size]
type = "number"
default = 2
min = 1
max = 20

[variable.cidr]
default = "10.0.0.0/16"
regex = "^[0-9./]+$"

[variable.sizes]
type = "map"
default = { staging = "t3.small", prod = "m6i.large" }

[provider]
region = "${var.region}"
profile = "shop-${var.env}"

[backend]
kind = "local"
path = "state/${var.env}"

[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "${var.cidr}"
tags = { Name = "app-${var.env}", Env = "${var.env}" }

[resource.subnet]
kind = "aws.ec2.subnet"
count = "${length(var.sizes)}"
vpc_id = "${vpc.id}"
cidr_block = "${cidrsubnet(var.cidr, 8, count.index + 1)}"

[resource.asg]
kind = "aws.autoscaling.group"
min_size = "${var.web_size}"
max_size = "${var.web_size * 3}"
desired_capacity = "${var.env == \"prod\" ? var.web_size * 2 : var.web_size}"
instance_type = "${lookup(var.sizes, var.env, \"t3.micro\")}"
subnet_count = "${length(var.sizes)}"

[module.web]
kind = "web_service"
instances = "${var.web_size}"

[output.env]
value = "${var.env}"
"#;

#[test]
fn variables_reach_every_place_that_takes_values() {
    let vars = Variables::new().flag("env=prod");
    check_with(
        &vars,
        ENVS,
        r#"
stack app-prod
provider us-east-1 {"profile":"shop-prod"}
backend {"path":"state/prod"}
vpc:
  cidr_block = "10.0.0.0/16"
  tags = {Env = "prod", Name = "app-prod"}
subnet[0]:
  cidr_block = "10.0.1.0/24"
  vpc_id = ${vpc.id}
subnet[1]:
  cidr_block = "10.0.2.0/24"
  vpc_id = ${vpc.id}
asg:
  desired_capacity = 4
  instance_type = "m6i.large"
  max_size = 6
  min_size = 2
  subnet_count = 2
module web.instances = 2
output env = "prod"
"#,
    );
}

#[test]
fn later_sources_win_defaults_env_files_flags() {
    let manifest = "[variable.a]\ndefault = \"default\"\n[variable.b]\ndefault = \"default\"\n\
                    [variable.c]\ndefault = \"default\"\n[variable.d]\ndefault = \"default\"\n\
                    [output.all]\nvalue = \"${var.a} ${var.b} ${var.c} ${var.d}\"\n";
    let vars = Variables::new()
        .env_vars([
            ("STRATA_VAR_b".into(), "env".into()),
            ("STRATA_VAR_c".into(), "env".into()),
            ("STRATA_VAR_d".into(), "env".into()),
            ("OTHER_d".into(), "ignored".into()),
        ])
        .file_text("one.toml", "c = \"file1\"\nd = \"file1\"\n")
        .flag("d=flag1")
        .file_text("two.toml", "c = \"file2\"\n")
        .flag("d=flag2");
    check_with(
        &vars,
        manifest,
        r#"
stack strata
provider us-east-1 {}
backend {}
output all = "default env file2 flag2"
"#,
    );
}

#[test]
fn values_from_text_are_read_as_the_declared_type() {
    let manifest = r#"
[variable.n]
type = "number"
[variable.on]
type = "bool"
[variable.zones]
type = "list"
[variable.tags]
type = "map"
[output.o]
value = ["${var.n + 1}", "${!var.on}", "${var.zones[1]}", "${var.tags.team}"]
"#;
    let vars = Variables::new()
        .flag("n=41")
        .flag("on=true")
        .flag("zones=[\"a\", \"b\"]")
        .env_vars([("STRATA_VAR_tags".into(), "{ team = \"web\" }".into())]);
    check_with(
        &vars,
        manifest,
        r#"
stack strata
provider us-east-1 {}
backend {}
output o = [42, false, "b", "web"]
"#,
    );
}

#[test]
fn every_missing_required_variable_is_named_in_one_problem() {
    check(
        ENVS.replace("default = 2", "").as_str(),
        r#"
strata::var::missing strata.toml:4:11: 2 required variables have no value: `env`, `web_size`
"#,
    );
}

#[test]
fn bad_values_point_at_where_they_were_set() {
    let vars = Variables::new()
        .file_text("env/prod.toml", "env = \"production\"\nweb_size = 50\n")
        .flag("cidr=10.0.0.0/16!")
        .env_vars([("STRATA_VAR_region".into(), "x".into())])
        .flag("sizes=nope");
    check_with(
        &vars,
        ENVS,
        r#"
strata::var::value env/prod.toml:1:7: variable `env` is "production", not one of "staging", "prod"
strata::var::value env/prod.toml:2:12: variable `web_size` is 50: its value 50 is above the maximum 20
strata::var::value command line:1:12: variable `cidr` is "10.0.0.0/16!", which does not match `^[0-9./]+$`
strata::var::value command line:1:13: variable `sizes` is a map, but `nope` is not a TOML inline table such as { a = 1, b = 2 }
"#,
    );
}

#[test]
fn unknown_variables_are_reported_with_a_suggestion() {
    let vars = Variables::new()
        .flag("env=prod")
        .flag("web_sise=3")
        .file_text("env/prod.toml", "\nregoin = \"eu-west-1\"\n")
        .env_vars([("STRATA_VAR_undeclared".into(), "ignored".into())]);
    let options = ManifestOptions {
        variables: Some(&vars),
        ..ManifestOptions::default()
    };
    let err = parse_manifest_with("strata.toml", ENVS, options).unwrap_err();
    assert_eq!(
        problems(&err).trim(),
        "strata::var::unknown env/prod.toml:2:1: a value is given for `regoin`, which is not a declared variable\n\
         strata::var::unknown command line:1:1: a value is given for `web_sise`, which is not a declared variable"
    );
    let helps: Vec<_> = err
        .problems
        .iter()
        .map(|p| p.help.clone().unwrap())
        .collect();
    assert!(helps[0].starts_with("did you mean `region`?"), "{helps:?}");
    assert!(
        helps[1].starts_with("did you mean `web_size`?"),
        "{helps:?}"
    );
}

#[test]
fn expression_errors_point_into_the_manifest() {
    let manifest = r#"
[variable.n]
default = 2
[variable.name]
default = "web"
[resource.a]
kind = "aws.ec2.vpc"
x = "${var.n / 0}"
y = "${var.name + 1}"
z = "${lenght(var.name)}"
w = "${var.nme}"
v = "${cidrsubnet(\"10.0.0.0/16\", 8, 300)}"
u = "${vpc.id + 1}"
s = '${cidrsubnet("10.0.0.0/8", 8, 300)}'
t = "pre-${[1]}-post"
[resource.b]
kind = "aws.ec2.vpc"
count = "${vpc.id}"
[resource.c]
kind = "aws.ec2.vpc"
count = "${var.n - 3}"
"#;
    check(
        manifest,
        r#"
strata::expr::arithmetic strata.toml:8:16: division by zero
strata::expr::type strata.toml:9:8: `+` cannot combine a string and a number
strata::expr::function strata.toml:10:8: unknown function `lenght`
strata::var::unknown strata.toml:11:8: `var.nme` is not declared
strata::expr::cidr strata.toml:12:5: `netnum` must be 0 to 255 with 8 new bits, not 300
strata::expr::not_in_scope strata.toml:13:8: `vpc.id` is not a variable
strata::expr::cidr strata.toml:14:36: `netnum` must be 0 to 255 with 8 new bits, not 300
strata::manifest::type strata.toml:15:10: `${[1]}` is a list and cannot go inside a string
strata::manifest::count strata.toml:18:9: `count` must be known before apply
strata::manifest::count strata.toml:21:9: `count` must be a whole number from 0 to 1000, not `-1`
"#,
    );
}

#[test]
fn declarations_are_checked() {
    let manifest = r#"
[variable.size]
type = "numbr"
[variable."bad-name"]
type = "string"
[variable.n]
type = "number"
default = "two"
[variable.m]
default = 5
max = 3
[variable.r]
regex = "("
[variable.k]
defualt = 1
"#;
    check(
        manifest,
        r#"
strata::manifest::variable strata.toml:3:8: variable `size` has an unknown type
strata::manifest::variable strata.toml:4:11: `bad-name` is not a valid variable name
strata::manifest::variable strata.toml:8:11: the default of variable `n` is a number, but the value given is a string
strata::manifest::variable strata.toml:10:11: the default of variable `m` is 5: its value 5 is above the maximum 3
strata::manifest::variable strata.toml:13:9: the `regex` of variable `r` is not a valid regular expression
strata::manifest::unknown_key strata.toml:15:1: unknown key `defualt` in variable `k`
strata::var::missing strata.toml:2:11: 3 required variables have no value: `size`, `r`, `k`
"#,
    );
}

#[test]
fn sensitive_values_stay_out_of_clear_places() {
    let manifest = r#"
[variable.db_password]
sensitive = true
regex = "^.{12,}$"
[resource.db]
kind = "aws.rds.db_instance"
password = "${var.db_password}"
identifier = "db-${var.db_password}"
[module.web]
kind = "web_service"
secret = "${var.db_password}"
[output.pw]
value = "${var.db_password}"
[output.pw_hidden]
value = "${var.db_password}"
sensitive = true
"#;
    let vars = Variables::new().flag("db_password=correct-horse-battery");
    check_with(
        &vars,
        manifest,
        r#"
strata::var::sensitive strata.toml:8:14: a sensitive variable is used in `identifier`, which is not a sensitive attribute
strata::var::sensitive strata.toml:11:10: a sensitive variable is passed to parameter `secret` of module `web`
strata::var::sensitive strata.toml:13:9: output `pw` holds a sensitive variable
strata::var::sensitive strata.toml:15:9: output `pw_hidden` holds a sensitive variable
"#,
    );
    // A rejected sensitive value is never shown, wherever it came from.
    for vars in [
        Variables::new().flag("db_password=short"),
        Variables::new().env_vars([("STRATA_VAR_db_password".into(), "short".into())]),
        Variables::new().file_text("secrets.toml", "db_password = \"short\"\n"),
    ] {
        let options = ManifestOptions {
            variables: Some(&vars),
            ..ManifestOptions::default()
        };
        let err = parse_manifest_with("strata.toml", manifest, options).unwrap_err();
        let p = err
            .problems
            .iter()
            .find(|p| p.code == super::VAR_VALUE)
            .expect("the value is rejected");
        let (source, _) = p.at.as_ref().expect("a place");
        let everything = format!("{} {:?} {}", p.message, p.help, source.text);
        assert!(!everything.contains("short"), "{everything}");
        assert!(p.location().is_some());
    }
}

#[test]
fn references_to_resources_keep_working() {
    let manifest = r#"
[variable.n]
default = 1
[resource."web-1"]
kind = "aws.ec2.vpc"
a = "${web-1.id}"
b = "${db.replica[1].endpoint}"
c = "${var.n}"
"#;
    check(
        manifest,
        r#"
stack strata
provider us-east-1 {}
backend {}
web-1:
  a = ${web-1.id}
  b = ${db.replica[1].endpoint}
  c = 1
"#,
    );
}

#[test]
fn the_rust_api_has_the_same_sources_precedence_and_checks() {
    use super::{VarType, Variable};
    use crate::value::Value;
    let decls = [
        Variable::new("env", VarType::String).one_of(["staging", "prod"]),
        Variable::new("size", VarType::Number).default(2).min(1),
        Variable::new("token", VarType::String).sensitive(),
        Variable::new("zones", VarType::List).default(Value::List(vec!["a".into()])),
    ];
    let vars = Variables::new()
        .env_vars([("STRATA_VAR_size".into(), "5".into())])
        .flag("env=prod")
        .set("token", "abc")
        .set("env", "staging");
    let values = vars.resolve(&decls, None).unwrap();
    assert_eq!(
        values.get("env"),
        Some(&Value::from("staging")),
        "the last set wins"
    );
    assert_eq!(values.get("size"), Some(&Value::Int(5)));
    assert_eq!(
        values.get("zones").and_then(Value::as_list).map(<[_]>::len),
        Some(1)
    );
    assert!(values.is_sensitive("token") && !values.is_sensitive("env"));

    let err = Variables::new()
        .set("size", 0)
        .set("sise", 3)
        .resolve(&decls, None)
        .unwrap_err();
    let messages: Vec<_> = err.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "a value is given for `sise`, which is not a declared variable",
            "variable `size` is 0: its value 0 is below the minimum 1",
            "2 required variables have no value: `env`, `token`",
        ]
    );
    assert_eq!(err.to_string(), "the variable input has 3 problems");
}

#[test]
fn for_each_over_a_variable_and_each_inside_expressions() {
    check(
        r#"
[variable.subnets]
type = "map"
default = { "us-east-1a" = 1, "us-east-1b" = 2 }

[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.0.0.0/16"

[resource.public]
kind = "aws.ec2.subnet"
for_each = "${var.subnets}"
vpc_id = "${vpc.id}"
availability_zone = "${each.key}"
cidr_block = '${cidrsubnet("10.0.0.0/16", 8, each.value)}'
tags = { Name = "public-${each.key}", Big = '${each.value > 1 ? "yes" : "no"}' }
"#,
        r#"
stack strata
provider us-east-1 {}
backend {}
vpc:
  cidr_block = "10.0.0.0/16"
public["us-east-1a"]:
  availability_zone = "us-east-1a"
  cidr_block = "10.0.1.0/24"
  tags = {Big = "no", Name = "public-us-east-1a"}
  vpc_id = ${vpc.id}
public["us-east-1b"]:
  availability_zone = "us-east-1b"
  cidr_block = "10.0.2.0/24"
  tags = {Big = "yes", Name = "public-us-east-1b"}
  vpc_id = ${vpc.id}
"#,
    );
}

#[test]
fn a_sensitive_variable_in_a_lookup_filter_is_refused() {
    let vars = Variables::new().flag("owner=123456789012");
    check_with(
        &vars,
        r#"
[variable.owner]
sensitive = true
[data.image]
kind = "aws.ec2.ami"
owners = ["${var.owner}"]
"#,
        r#"
strata::var::sensitive strata.toml:6:10: a sensitive variable is used in filter `owners` of lookup `data.image`
"#,
    );
}
