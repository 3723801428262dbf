//! Update or replace, decided as AWS decides it: each case is a change a
//! user makes to a live resource, and what the plan must do with it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::diff::{diff, PlanOptions};
use super::refresh::InOrder;
use super::{render, Action, Plan, PlanError};
use crate::addr::Address;
use crate::config::{Config, ResourceConfig};
use crate::graph::Graph;
use crate::kinds;
use crate::state::{ResourceState, State};
use crate::value::{Attrs, Value};

const ARN: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab";

/// Plans one resource of `kind` configured with `desired`, against a live
/// object that matches the configuration (defaults included) except for
/// `live` (a JSON object; `null` removes an attribute).
fn plan_with(
    kind: &str,
    desired: &[(&str, Value)],
    live: serde_json::Value,
    tweak: impl FnOnce(&mut ResourceConfig, &mut Config),
) -> Result<Plan, PlanError> {
    let address = Address::parse("it").unwrap();
    let mut r = ResourceConfig::new(address.clone(), kind);
    for (k, v) in desired {
        r = r.with(k, v.clone());
    }
    let mut config = Config::new("t");
    tweak(&mut r, &mut config);
    config.add(r);
    let graph = Graph::build(config).map_err(PlanError::Blocked)?;
    let configured = &graph.config.resources[&address];
    let mut attrs: Attrs = configured.attrs.clone();
    for (k, v) in live.as_object().unwrap() {
        if v.is_null() {
            attrs.remove(k.as_str());
        } else {
            attrs.insert(
                k.as_str().into(),
                serde_json::from_value(v.clone()).unwrap(),
            );
        }
    }
    let live_keys: Vec<String> = live
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, v)| !v.is_null() && !configured.attrs.contains_key(k.as_str()))
        .map(|(k, _)| k.clone())
        .collect();
    let mut state = State::new("t");
    state.resources.insert(
        address,
        ResourceState {
            kind: kind.into(),
            id: "it-1".into(),
            attrs,
            sensitive_digests: Default::default(),
            // What the configuration set when last applied: now, and what
            // the live object has that the configuration dropped.
            configured: configured
                .attrs
                .keys()
                .cloned()
                .chain(live_keys.into_iter().map(Into::into))
                .collect(),
            dependencies: Vec::new(),
            prevent_destroy: false,
            tainted: false,
            token: None,
            provider: None,
        },
    );
    let found = InOrder::as_recorded(&state);
    diff(&graph, &state, &found, &PlanOptions::default())
}

fn plan(kind: &str, desired: &[(&str, Value)], live: serde_json::Value) -> Plan {
    plan_with(kind, desired, live, |_, _| {}).unwrap()
}

fn it(p: &Plan) -> &super::ResourceChange {
    p.change(&Address::parse("it").unwrap()).unwrap()
}

fn action(p: &Plan) -> Action {
    it(p).action
}

/// Adds primaries named `shop-primary` and `other-primary`, so `it` may replicate them.
fn with_primaries(_: &mut ResourceConfig, config: &mut Config) {
    for name in ["shop-primary", "other-primary"] {
        config.add(
            ResourceConfig::new(
                Address::parse(&name.replace('-', "_")).unwrap(),
                kinds::DB_INSTANCE,
            )
            .with("identifier", name)
            .with("instance_class", "db.t4g.medium")
            .with("username", "app"),
        );
    }
}

fn db(extra: &[(&str, Value)]) -> Vec<(&'static str, Value)> {
    let mut d: Vec<(&'static str, Value)> = vec![
        ("identifier", "shop-db".into()),
        ("instance_class", "db.t4g.medium".into()),
        ("db_subnet_group_name", "shop-a".into()),
        ("username", "app".into()),
    ];
    for (k, v) in extra {
        let k: &'static str = Box::leak(k.to_string().into_boxed_str());
        d.retain(|(n, _)| *n != k);
        d.push((k, v.clone()));
    }
    d
}

fn problem_text(e: PlanError) -> String {
    match e {
        PlanError::Blocked(p) => p
            .problems
            .iter()
            .map(|p| format!("{} {}", p.message, p.help.as_deref().unwrap_or_default()))
            .collect(),
        other => panic!("expected a blocked plan, got {other}"),
    }
}

fn problem_codes(e: PlanError) -> Vec<String> {
    match e {
        PlanError::Blocked(p) => p.problems.iter().map(|p| p.code.to_string()).collect(),
        other => panic!("expected a blocked plan, got {other}"),
    }
}

#[test]
fn a_db_subnet_group_change_is_an_update_in_the_maintenance_window() {
    let p = plan(
        kinds::DB_INSTANCE,
        &db(&[]),
        json!({"db_subnet_group_name": "shop-b"}),
    );
    assert_eq!(action(&p), Action::Update);
    assert!(!it(&p).replaces_data());
    let human = render::human(&p);
    assert!(
        human.contains("db_subnet_group_name") && human.contains("maintenance window"),
        "{human}"
    );
    // apply_immediately = true: no window.
    let p = plan(
        kinds::DB_INSTANCE,
        &db(&[("apply_immediately", true.into())]),
        json!({"db_subnet_group_name": "shop-b"}),
    );
    assert!(!render::human(&p).contains("maintenance window"));
}

#[test]
fn engine_versions_match_by_major_and_never_downgrade() {
    let live = json!({"engine_version": "16.4"});
    assert_eq!(
        action(&plan(
            kinds::DB_INSTANCE,
            &db(&[("engine_version", "16".into())]),
            live.clone()
        )),
        Action::NoOp
    );
    // AWS upgraded the minor version: not drift, no downgrade planned.
    assert_eq!(
        action(&plan(
            kinds::DB_INSTANCE,
            &db(&[("engine_version", "16.2".into())]),
            live.clone()
        )),
        Action::NoOp
    );
    // A newer minor version asked for: an update in place.
    assert_eq!(
        action(&plan(
            kinds::DB_INSTANCE,
            &db(&[("engine_version", "16.6".into())]),
            live.clone()
        )),
        Action::Update
    );
    // A major version without allow_major_version_upgrade: a diagnostic.
    let err = plan_with(
        kinds::DB_INSTANCE,
        &db(&[("engine_version", "17".into())]),
        live.clone(),
        |_, _| {},
    )
    .unwrap_err();
    assert_eq!(problem_codes(err), ["strata::plan::major_upgrade"]);
    let ok = plan(
        kinds::DB_INSTANCE,
        &db(&[
            ("engine_version", "17".into()),
            ("allow_major_version_upgrade", true.into()),
        ]),
        live.clone(),
    );
    assert_eq!(action(&ok), Action::Update);
    let err = plan_with(
        kinds::DB_INSTANCE,
        &db(&[("engine_version", "15".into())]),
        live,
        |_, _| {},
    )
    .unwrap_err();
    assert_eq!(problem_codes(err), ["strata::plan::engine_downgrade"]);
}

#[test]
fn removing_the_replica_source_promotes_in_place_and_a_promoted_replica_is_adopted() {
    // Removing replicate_source_db: an update (PromoteReadReplica), never a replacement.
    let p = plan(
        kinds::DB_INSTANCE,
        &db(&[]),
        json!({"replicate_source_db": "shop-primary"}),
    );
    assert_eq!(action(&p), Action::Update);
    assert!(!it(&p).changes.iter().any(|c| c.forces_replacement));
    // Promoted outside Strata (a drill, the console): adopted as it is.
    let p = plan_with(
        kinds::DB_INSTANCE,
        &db(&[("replicate_source_db", "shop-primary".into())]),
        json!({"replicate_source_db": null}),
        with_primaries,
    )
    .unwrap();
    assert_eq!(action(&p), Action::NoOp);
    // Another source: a new replica. A replica holds no data of its own (it
    // is copied from the primary again), so it is not refused.
    let p = plan_with(
        kinds::DB_INSTANCE,
        &db(&[("replicate_source_db", "other-primary".into())]),
        json!({"replicate_source_db": "shop-primary"}),
        with_primaries,
    )
    .unwrap();
    assert_eq!(action(&p), Action::Replace);
    assert!(!it(&p).replaces_data());
    assert!(p.check_data_replacements(&[]).is_ok());
    // A primary whose new configuration makes it a replica of another one
    // would lose its own data: refused.
    let p = plan_with(
        kinds::DB_INSTANCE,
        &db(&[("kms_key_id", "9999ffff-00aa".into())]),
        json!({"kms_key_id": ARN}),
        with_primaries,
    )
    .unwrap();
    assert!(it(&p).replaces_data());
}

#[test]
fn kms_keys_compare_in_any_form_and_only_a_new_key_replaces_loudly() {
    let live = json!({"kms_key_id": ARN});
    let p = plan(
        kinds::DB_INSTANCE,
        &db(&[("kms_key_id", "1234abcd-12ab".into())]),
        live.clone(),
    );
    assert_eq!(action(&p), Action::NoOp);
    let p = plan(
        kinds::DB_INSTANCE,
        &db(&[("kms_key_id", "9999ffff-00aa".into())]),
        live,
    );
    assert_eq!(action(&p), Action::Replace);
    let address = Address::parse("it").unwrap();
    let refused = p.check_data_replacements(&[]).unwrap_err();
    assert!(refused.resources.contains("it (kms_key_id)"), "{refused}");
    assert!(refused.flags.contains("--allow-replace it"));
    assert!(p.check_data_replacements(&[address]).is_ok());
    let human = render::human(&p);
    assert!(human.contains("ITS DATA IS LOST"), "{human}");
    assert!(
        human.contains("why: AWS cannot move an instance's storage to another KMS key"),
        "{human}"
    );
    assert!(human.contains("--allow-replace it"), "{human}");
    // The lifecycle opt-in.
    let p = plan_with(
        kinds::DB_INSTANCE,
        &db(&[("kms_key_id", "9999ffff-00aa".into())]),
        json!({"kms_key_id": ARN}),
        |r, _| r.lifecycle.allow_replace = true,
    )
    .unwrap();
    assert_eq!(action(&p), Action::Replace);
    assert!(p.check_data_replacements(&[]).is_ok());
    assert!(!render::human(&p).contains("ITS DATA IS LOST"));
}

#[test]
fn identifiers_in_upper_case_are_diagnostics_not_orphans() {
    let err = plan_with(
        kinds::DB_INSTANCE,
        &db(&[("identifier", "Shop-DB".into())]),
        json!({}),
        |_, _| {},
    )
    .unwrap_err();
    let text = problem_text(err);
    assert!(text.contains("write `shop-db`"), "{text}");
    let err = plan_with(
        kinds::DB_SUBNET_GROUP,
        &[
            ("name", "Shop-Subnets".into()),
            ("subnet_ids", Value::List(vec!["subnet-1".into()])),
        ],
        json!({}),
        |_, _| {},
    )
    .unwrap_err();
    assert!(problem_text(err).contains("write `shop-subnets`"));
}

fn redis(extra: &[(&str, Value)]) -> Vec<(&'static str, Value)> {
    let mut d: Vec<(&'static str, Value)> = vec![
        ("replication_group_id", "shop-cache".into()),
        ("node_type", "cache.t4g.small".into()),
    ];
    for (k, v) in extra {
        let k: &'static str = Box::leak(k.to_string().into_boxed_str());
        d.push((k, v.clone()));
    }
    d
}

#[test]
fn replica_counts_and_transit_encryption_from_7_0_5_change_in_place() {
    let p = plan(
        kinds::REPLICATION_GROUP,
        &redis(&[("replicas_per_node_group", 2.into())]),
        json!({"replicas_per_node_group": 1}),
    );
    assert_eq!(action(&p), Action::Update);
    // Failover changed which AZ holds the primary: the set is the same.
    let azs = |v: &[&str]| Value::List(v.iter().map(|s| Value::from(*s)).collect());
    let p = plan(
        kinds::REPLICATION_GROUP,
        &redis(&[(
            "preferred_cache_cluster_azs",
            azs(&["us-east-1a", "us-east-1b"]),
        )]),
        json!({"preferred_cache_cluster_azs": ["us-east-1b", "us-east-1a"]}),
    );
    assert_eq!(action(&p), Action::NoOp);
    let p = plan(
        kinds::REPLICATION_GROUP,
        &redis(&[("transit_encryption_enabled", false.into())]),
        json!({"transit_encryption_enabled": true, "engine_version": "7.1.0"}),
    );
    assert_eq!(action(&p), Action::Update);
    let p = plan(
        kinds::REPLICATION_GROUP,
        &redis(&[
            ("transit_encryption_enabled", false.into()),
            ("engine_version", "6.2".into()),
        ]),
        json!({"transit_encryption_enabled": true, "engine_version": "6.2.6"}),
    );
    assert_eq!(action(&p), Action::Replace);
    assert!(it(&p).replaces_data());
    // The engine version AWS reports in full matches the configured one.
    let p = plan(
        kinds::REPLICATION_GROUP,
        &redis(&[]),
        json!({"engine_version": "7.1.0"}),
    );
    assert_eq!(action(&p), Action::NoOp);
}

#[test]
fn user_data_changes_in_place_unless_asked_to_replace() {
    let desired = |replace: bool| -> Vec<(&'static str, Value)> {
        vec![
            ("ami", "ami-123".into()),
            ("instance_type", "t3.micro".into()),
            ("subnet_id", "subnet-1".into()),
            ("user_data", "#!/bin/sh\necho v2".into()),
            ("user_data_replace_on_change", replace.into()),
        ]
    };
    let live = json!({"user_data": "#!/bin/sh\necho v1"});
    assert_eq!(
        action(&plan(kinds::INSTANCE, &desired(false), live.clone())),
        Action::Update
    );
    let p = plan(kinds::INSTANCE, &desired(true), live);
    assert_eq!(action(&p), Action::Replace);
    assert!(it(&p).replaces_data());
}

#[test]
fn security_group_rules_are_a_set_and_all_is_minus_one() {
    let rule = |port: i64, proto: &str| json!({"protocol": proto, "from_port": port, "to_port": port, "cidr_blocks": ["10.0.0.0/16"]});
    let desired: Vec<(&str, Value)> = vec![
        ("name", "app".into()),
        ("vpc_id", "vpc-1".into()),
        (
            "ingress",
            serde_json::from_value(json!([rule(80, "tcp"), rule(443, "TCP"), rule(0, "all")]))
                .unwrap(),
        ),
    ];
    let live = json!({"ingress": [rule(0, "-1"), rule(443, "tcp"), rule(80, "tcp")]});
    assert_eq!(
        action(&plan(kinds::SECURITY_GROUP, &desired, live)),
        Action::NoOp
    );
    let live = json!({"ingress": [rule(443, "tcp"), rule(80, "tcp")]});
    let p = plan(kinds::SECURITY_GROUP, &desired, live);
    assert_eq!(action(&p), Action::Update);
}

#[test]
fn load_balancer_defaults_are_aws_defaults() {
    // A forward with no weight is weight 1, as AWS reports it.
    let desired: Vec<(&str, Value)> = vec![
        ("load_balancer_arn", "arn:lb".into()),
        ("port", 80.into()),
        ("protocol", "http".into()),
        (
            "forward",
            serde_json::from_value(json!([{"target_group_arn": "arn:tg"}])).unwrap(),
        ),
    ];
    let live =
        json!({"protocol": "HTTP", "forward": [{"target_group_arn": "arn:tg", "weight": 1}]});
    assert_eq!(action(&plan(kinds::LISTENER, &desired, live)), Action::NoOp);
    // Removing a health-check setting puts AWS's default back.
    let desired: Vec<(&str, Value)> = vec![
        ("name", "blue".into()),
        ("port", 8000.into()),
        ("vpc_id", "vpc-1".into()),
        (
            "health_check",
            serde_json::from_value(json!({"protocol": "http"})).unwrap(),
        ),
    ];
    let live = json!({"health_check": {
        "path": "/healthz", "port": "traffic-port", "protocol": "HTTP", "healthy_threshold": 5,
        "unhealthy_threshold": 2, "interval": 30, "timeout": 5, "matcher": "200"}});
    let p = plan(kinds::TARGET_GROUP, &desired, live.clone());
    assert_eq!(action(&p), Action::Update);
    let after = it(&p).changes[0].after.as_ref().unwrap();
    assert_eq!(after.as_map().unwrap().get("path"), Some(&Value::from("/")));
    // Removing the whole table puts every default back too.
    let p = plan(kinds::TARGET_GROUP, &desired[..3], live);
    assert_eq!(action(&p), Action::Update);
    let after = it(&p).changes[0].after.as_ref().unwrap();
    assert_eq!(after.as_map().unwrap().get("path"), Some(&Value::from("/")));
}

#[test]
fn a_delete_says_whether_a_final_snapshot_keeps_the_data() {
    let removed = |skip: bool| {
        let mut state = State::new("t");
        let attrs: Attrs = serde_json::from_value(json!({
            "identifier": "shop-db", "skip_final_snapshot": skip
        }))
        .unwrap();
        state.resources.insert(
            Address::parse("db").unwrap(),
            ResourceState {
                kind: kinds::DB_INSTANCE.into(),
                id: "shop-db".into(),
                attrs,
                sensitive_digests: Default::default(),
                configured: Default::default(),
                dependencies: Vec::new(),
                prevent_destroy: false,
                tainted: false,
                token: None,
                provider: None,
            },
        );
        let graph = Graph::build(Config::new("t")).unwrap();
        let found = InOrder::as_recorded(&state);
        render::human(&diff(&graph, &state, &found, &PlanOptions::default()).unwrap())
    };
    let kept = removed(false);
    assert!(
        kept.contains("db will be destroyed (a final snapshot keeps its data)"),
        "{kept}"
    );
    let lost = removed(true);
    assert!(
        lost.contains("db will be destroyed — ITS DATA IS LOST"),
        "{lost}"
    );
}

#[test]
fn a_replica_takes_storage_version_and_backups_from_its_source_unless_configured() {
    let mut config = Config::new("t");
    with_primaries(
        &mut ResourceConfig::new(Address::parse("x").unwrap(), kinds::VPC),
        &mut config,
    );
    config.add(
        ResourceConfig::new(Address::parse("replica").unwrap(), kinds::DB_INSTANCE)
            .with("identifier", "shop-replica")
            .with("instance_class", "db.t4g.medium")
            .with("replicate_source_db", "shop-primary")
            .with("backup_retention_period", 3),
    );
    let graph = Graph::build(config).unwrap();
    let attrs = &graph.config.resources[&Address::parse("replica").unwrap()].attrs;
    for inherited in ["allocated_storage", "engine_version", "storage_encrypted"] {
        assert!(!attrs.contains_key(inherited), "{inherited}: {attrs:?}");
    }
    assert_eq!(attrs.get("backup_retention_period"), Some(&Value::Int(3)));
    let primary = &graph.config.resources[&Address::parse("shop_primary").unwrap()].attrs;
    assert_eq!(primary.get("allocated_storage"), Some(&Value::Int(20)));
}
