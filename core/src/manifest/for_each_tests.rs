//! Tests of `for_each` in the manifest: keyed instances, `${each...}`, and
//! every mistake reported at its place.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::tests::check;

#[test]
fn a_map_makes_one_keyed_instance_per_entry() {
    check(
        r#"
[resource."web.public"]
kind = "aws.ec2.subnet"
for_each = { us-east-1a = { cidr = "10.0.1.0/24" }, us-east-1b = { cidr = "10.0.2.0/24", n = 2 } }
availability_zone = "${each.key}"
cidr_block = "${each.value.cidr}"
name = "public-${each.key}-${each.value.cidr}"
settings = "${each.value}"
"#,
        r#"
stack strata
provider (default) us-east-1 {}
backend local {}
web.public["us-east-1a"]: aws.ec2.subnet
  availability_zone = "us-east-1a"
  cidr_block = "10.0.1.0/24"
  name = "public-us-east-1a-10.0.1.0/24"
  settings = {cidr = "10.0.1.0/24"}
web.public["us-east-1b"]: aws.ec2.subnet
  availability_zone = "us-east-1b"
  cidr_block = "10.0.2.0/24"
  name = "public-us-east-1b-10.0.2.0/24"
  settings = {cidr = "10.0.2.0/24", n = 2}
"#,
    );
}

#[test]
fn a_list_of_strings_is_a_set_whose_values_are_its_keys() {
    check(
        r#"
[resource.bucket]
kind = "aws.ec2.vpc"
for_each = ["a", "b"]
cidr_block = "${each.value}"
ref = '${vpc["x"].id}'
"#,
        r#"
stack strata
provider (default) us-east-1 {}
backend local {}
bucket["a"]: aws.ec2.vpc
  cidr_block = "a"
  ref = ${vpc["x"].id}
bucket["b"]: aws.ec2.vpc
  cidr_block = "b"
  ref = ${vpc["x"].id}
"#,
    );
}

#[test]
fn mistakes_are_reported_where_they_are_written() {
    check(
        r#"
[resource.a]
kind = "aws.ec2.vpc"
for_each = ["x", 3, "x", ""]

[resource.b]
kind = "aws.ec2.vpc"
count = 2
for_each = ["x"]

[resource.c]
kind = "aws.ec2.vpc"
for_each = 3

[resource.d]
kind = "aws.ec2.vpc"
name = "${each.key}"

[resource.e]
kind = "aws.ec2.vpc"
for_each = { x = { a = 1 }, y = { b = 1 } }
name = "${each.value.a}"
whole = "n-${each.value}"
"#,
        r#"
strata::manifest::for_each strata.toml:4:18: `for_each` keys must be strings, but element 1 is an integer
strata::manifest::duplicate strata.toml:4:21: `for_each` holds the key `x` twice
strata::manifest::for_each strata.toml:4:26: `` cannot be a `for_each` key: a key must not be empty
strata::manifest::for_each strata.toml:9:1: `b` has both `count` and `for_each`
strata::manifest::type strata.toml:13:12: `for_each` must be a map or a set of strings, not an integer
strata::manifest::each strata.toml:17:9: `${each.key}` is used outside a `for_each` resource or module
strata::manifest::each strata.toml:23:12: `${each.value}` is not text, so it cannot be part of a string
strata::manifest::each strata.toml:22:9: `${each.value.a}` names no field of the value of key `y`
"#,
    );
}

#[test]
fn a_module_with_for_each_is_one_instance_per_key() {
    let config = super::parse_manifest(
        "strata.toml",
        r#"
[module.web]
kind = "web_service"
for_each = { staging = { size = 1 }, prod = { size = 3 } }
name = "shop-${each.key}"
min_size = "${each.value.size}"
"#,
    )
    .unwrap();
    let got: Vec<String> = config
        .modules
        .iter()
        .map(|m| format!("{} {} {}", m.name, m.params["name"], m.params["min_size"]))
        .collect();
    assert_eq!(
        got,
        [
            r#"web["prod"] "shop-prod" 3"#,
            r#"web["staging"] "shop-staging" 1"#
        ]
    );
    let problems = super::parse_manifest(
        "strata.toml",
        "[module.web]\nkind = \"web_service\"\nfor_each = [\"a\", \"b\"]\ncount = 2\nx = \"${each.value.y}\"\n",
    )
    .unwrap_err();
    let codes: Vec<&str> = problems.problems.iter().map(|p| p.code).collect();
    assert_eq!(
        codes,
        [
            "strata::manifest::for_each",
            "strata::manifest::each",
            "strata::manifest::each"
        ]
    );
}
