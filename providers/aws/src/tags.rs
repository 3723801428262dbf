//! Strata's tags on AWS resources.
//!
//! Every resource Strata creates carries `strata:stack` and
//! `strata:address` ([`strata_core::tags`]), so refresh can filter on them
//! and orphans can be found.
//! Two more families of system tags let `read` answer in the shape the
//! configuration uses, which AWS alone cannot:
//! - `strata:attr:NAME` keeps a setting AWS does not report back (a DB's
//!   `skip_final_snapshot`, an instance's `user_data_replace_on_change`);
//! - `strata:order:NAME` keeps the configured order of an unordered list
//!   (subnets, security groups, target groups), so a set AWS returns in
//!   another order is not shown as a change;
//! - `strata:keys:NAME` keeps which fields of an object the configuration set.

use std::collections::BTreeMap;

use strata_core::kinds;
use strata_core::schema::AttrType;
use strata_core::tags::{address_tag_value, is_system_tag, ADDRESS_TAG, STACK_TAG};
use strata_core::value::{Attrs, Value};

const ECHO: &str = "strata:attr:";
const ORDER: &str = "strata:order:";
const KEYS: &str = "strata:keys:";

/// Settings AWS does not report back for a kind, echoed from tags. (A DB
/// replica echoes nothing more than a primary: AWS reports its storage,
/// engine version, backups, encryption and subnet group.)
fn echoed(kind: &str, _attrs: &Attrs) -> &'static [&'static str] {
    match kind {
        kinds::DB_INSTANCE => &[
            "skip_final_snapshot",
            "final_snapshot_identifier",
            "apply_immediately",
            "allow_major_version_upgrade",
        ],
        kinds::REPLICATION_GROUP => &["final_snapshot_identifier", "auth_token_update_strategy"],
        kinds::INSTANCE => &["user_data_replace_on_change"],
        kinds::AUTOSCALING_GROUP => &["force_delete"],
        kinds::KMS_KEY => &["deletion_window_in_days"],
        kinds::ROUTE53_ZONE => &["force_destroy"],
        _ => &[],
    }
}

/// Settings AWS reports, also echoed in a tag that a read uses only when
/// AWS reported nothing (moto creates no cache clusters for a replication
/// group's nodes, so DescribeCacheClusters cannot report them there). What
/// AWS reports always wins, so drift shows.
fn fallback(kind: &str) -> &'static [&'static str] {
    match kind {
        kinds::REPLICATION_GROUP => &[
            "engine_version",
            "subnet_group_name",
            "security_group_ids",
            "port",
            "maintenance_window",
            "parameter_group_name",
        ],
        // moto keeps no Performance Insights settings.
        kinds::DB_INSTANCE => &[
            "performance_insights_enabled",
            "performance_insights_retention_period",
        ],
        _ => &[],
    }
}

/// Tags older versions of Strata wrote and no longer read: cleared on the
/// next update.
fn retired(kind: &str) -> &'static [&'static str] {
    match kind {
        kinds::REPLICATION_GROUP => &[
            "strata:attr:engine",
            "strata:attr:preferred_cache_cluster_azs",
        ],
        kinds::TARGET_GROUP => &["strata:keys:health_check"],
        _ => &[],
    }
}

/// Every attribute that may be echoed for a kind (to clear stale tags and
/// to know which echo tags a read uses).
fn all_echoed(kind: &str) -> Vec<&'static str> {
    let mut replica = Attrs::new();
    replica.insert("replicate_source_db".into(), Value::String("x".into()));
    let mut all: Vec<&'static str> = echoed(kind, &replica).to_vec();
    for name in echoed(kind, &Attrs::new()) {
        if !all.contains(name) {
            all.push(name);
        }
    }
    all
}

/// Unordered lists whose configured order is kept in a tag.
fn ordered(kind: &str) -> &'static [&'static str] {
    match kind {
        kinds::ROUTE_TABLE => &["subnet_ids"],
        kinds::LAUNCH_TEMPLATE | kinds::INSTANCE | kinds::LOAD_BALANCER => {
            &["security_group_ids", "subnet_ids"]
        }
        kinds::TARGET_GROUP => &["target_ids"],
        kinds::LISTENER => &["forward"],
        kinds::AUTOSCALING_GROUP => &["subnet_ids", "target_group_arns"],
        kinds::DB_SUBNET_GROUP | kinds::CACHE_SUBNET_GROUP => &["subnet_ids"],
        kinds::DB_INSTANCE => &["vpc_security_group_ids"],
        _ => &[],
    }
}

/// Objects whose configured field names are kept in a tag (none now: a
/// target group's health check reads back whole, every field having AWS's
/// default in the configuration).
fn keyed(_kind: &str) -> &'static [&'static str] {
    &[]
}

/// A short, stable key for a list item: the tail of an id or ARN.
fn item_key(v: &Value) -> String {
    let s = match v {
        Value::Map(m) => m
            .get("target_group_arn")
            .and_then(Value::as_str)
            .unwrap_or_default(),
        other => other.as_str().unwrap_or_default(),
    };
    let chars: Vec<char> = s.chars().collect();
    chars[chars.len().saturating_sub(12)..].iter().collect()
}

fn encode(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(b.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::String(s) => Some(s.to_string()),
        Value::List(items) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => None,
    }
}

fn decode(kind: &str, name: &str, s: &str) -> Value {
    let ty = kinds::schema_of(kind)
        .and_then(|k| k.attr(name))
        .map(|a| a.ty);
    match ty {
        Some(AttrType::Bool) => Value::Bool(s == "true"),
        Some(AttrType::Int) => s.parse().map_or(Value::Null, Value::Int),
        Some(AttrType::Float) => s.parse().map_or(Value::Null, Value::Float),
        Some(AttrType::List(_)) => Value::List(
            s.split_whitespace()
                .map(|x| Value::String(x.into()))
                .collect(),
        ),
        _ => Value::String(s.into()),
    }
}

/// The tags a resource should carry: the user's, Strata's identity tags and
/// the echo/order/keys tags for its configuration.
pub fn desired(kind: &str, stack: &str, address: &str, attrs: &Attrs) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(user) = attrs.get("tags").and_then(Value::as_map) {
        for (k, v) in user {
            if let Some(v) = v.as_str() {
                out.insert(k.to_string(), v.to_string());
            }
        }
    }
    out.insert(STACK_TAG.into(), stack.into());
    out.insert(ADDRESS_TAG.into(), address_tag_value(address));
    for name in echoed(kind, attrs).iter().chain(fallback(kind)) {
        if let Some(s) = attrs.get(name).and_then(encode) {
            out.insert(format!("{ECHO}{name}"), s);
        }
    }
    for name in ordered(kind) {
        if let Some(items) = attrs.get(name).and_then(Value::as_list) {
            if items.len() > 1 {
                let keys: Vec<String> = items.iter().map(item_key).collect();
                out.insert(format!("{ORDER}{name}"), keys.join(" "));
            }
        }
    }
    for name in keyed(kind) {
        if let Some(m) = attrs.get(name).and_then(Value::as_map) {
            let keys: Vec<&str> = m.keys().map(|k| k.as_str()).collect();
            out.insert(format!("{KEYS}{name}"), keys.join(" "));
        }
    }
    out
}

/// Tag keys to remove when moving from `prior` to `desired` tags.
pub fn stale(kind: &str, prior: &Attrs, desired: &BTreeMap<String, String>) -> Vec<String> {
    let mut keys: Vec<String> = prior
        .get("tags")
        .and_then(Value::as_map)
        .map(|m| m.keys().map(ToString::to_string).collect())
        .unwrap_or_default();
    keys.extend(
        all_echoed(kind)
            .iter()
            .chain(fallback(kind))
            .map(|n| format!("{ECHO}{n}")),
    );
    keys.extend(retired(kind).iter().map(|k| k.to_string()));
    keys.extend(ordered(kind).iter().map(|n| format!("{ORDER}{n}")));
    keys.extend(keyed(kind).iter().map(|n| format!("{KEYS}{n}")));
    keys.retain(|k| !desired.contains_key(k));
    keys.sort();
    keys.dedup();
    keys
}

/// Whether a resource's tags say it belongs to a Strata stack.
pub fn is_strata(tags: &BTreeMap<String, String>) -> bool {
    tags.contains_key(STACK_TAG)
}

/// Completes live attributes from a resource's tags: the user's tags (only
/// when there are any), echoed settings, configured list order and object keys.
pub fn finish(kind: &str, tags: &BTreeMap<String, String>, out: &mut Attrs) {
    let user: Attrs = tags
        .iter()
        .filter(|(k, _)| !is_system_tag(k))
        .map(|(k, v)| (k.clone(), Value::String(v.clone().into())))
        .collect();
    if !user.is_empty() {
        out.insert("tags".into(), Value::Map(user));
    }
    for (k, v) in tags {
        if let Some(name) = k.strip_prefix(ECHO) {
            let reported = fallback(kind).contains(&name) && out.contains_key(name);
            let known = all_echoed(kind).contains(&name) || fallback(kind).contains(&name);
            if known && !reported {
                out.insert(name.into(), decode(kind, name, v));
            }
        }
    }
    for name in ordered(kind) {
        let Some(order) = tags.get(&format!("{ORDER}{name}")) else {
            continue;
        };
        let order: Vec<&str> = order.split_whitespace().collect();
        if let Some(Value::List(items)) = out.get_mut(name) {
            items.sort_by_key(|v| {
                let key = item_key(v);
                order.iter().position(|o| *o == key).unwrap_or(usize::MAX)
            });
        }
    }
    for name in keyed(kind) {
        let Some(keys) = tags.get(&format!("{KEYS}{name}")) else {
            continue;
        };
        let keys: Vec<&str> = keys.split_whitespace().collect();
        if let Some(Value::Map(m)) = out.get_mut(name) {
            m.retain(|k, _| keys.contains(&k.as_str()));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn echo_and_order_round_trip() {
        let mut attrs = Attrs::new();
        attrs.insert(
            "subnet_ids".into(),
            Value::from(vec!["subnet-b", "subnet-a"]),
        );
        attrs.insert(
            "tags".into(),
            Value::Map(Attrs::from_iter([("Name".to_string(), Value::from("x"))])),
        );
        let tags = desired(kinds::DB_SUBNET_GROUP, "s", "db", &attrs);
        let mut live = Attrs::new();
        live.insert(
            "subnet_ids".into(),
            Value::from(vec!["subnet-a", "subnet-b"]),
        );
        finish(kinds::DB_SUBNET_GROUP, &tags, &mut live);
        assert_eq!(live.get("subnet_ids"), attrs.get("subnet_ids"));
        assert_eq!(live.get("tags"), attrs.get("tags"));

        let mut db = Attrs::new();
        db.insert("skip_final_snapshot".into(), Value::Bool(true));
        let tags = desired(kinds::DB_INSTANCE, "s", "db", &db);
        let mut live = Attrs::new();
        finish(kinds::DB_INSTANCE, &tags, &mut live);
        assert_eq!(live.get("skip_final_snapshot"), Some(&Value::Bool(true)));
        assert!(!live.contains_key("tags"));
        assert!(stale(kinds::DB_INSTANCE, &Attrs::new(), &tags)
            .contains(&"strata:attr:apply_immediately".to_string()));
    }

    #[test]
    fn what_aws_reports_of_a_replication_group_wins_over_its_tags() {
        let mut cfg = Attrs::new();
        cfg.insert("engine_version".into(), Value::from("7.1"));
        cfg.insert("final_snapshot_identifier".into(), Value::from("last"));
        let wanted = desired(kinds::REPLICATION_GROUP, "s", "cache", &cfg);
        let mut tags = wanted.clone();
        // A tag an older Strata wrote, no longer read.
        tags.insert("strata:attr:engine".into(), "valkey".into());
        let mut live = Attrs::new();
        live.insert("engine".into(), Value::from("redis"));
        live.insert("engine_version".into(), Value::from("7.0.7"));
        finish(kinds::REPLICATION_GROUP, &tags, &mut live);
        assert_eq!(live["engine_version"], Value::from("7.0.7"), "drift shows");
        assert_eq!(live["engine"], Value::from("redis"));
        assert_eq!(live["final_snapshot_identifier"], Value::from("last"));
        // Where AWS reports nothing (moto), the echo stands in.
        let mut bare = Attrs::new();
        finish(kinds::REPLICATION_GROUP, &tags, &mut bare);
        assert_eq!(bare["engine_version"], Value::from("7.1"));
        assert!(stale(kinds::REPLICATION_GROUP, &Attrs::new(), &wanted)
            .contains(&"strata:attr:engine".to_string()));
    }
}
