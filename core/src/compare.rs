//! How a configured value is compared with the one AWS reports
//! ([`Compare`]): engine versions, KMS key forms, lists that are sets, and
//! replica sources.
//!
//! ```
//! use strata_core::compare::{kms_key_matches, version_matches};
//! assert!(version_matches("16", "16.4"));
//! assert!(version_matches("16.2", "16.4")); // AWS upgraded the minor version
//! assert!(!version_matches("16.4", "17.1"));
//! let arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
//! assert!(kms_key_matches("1234abcd-12ab-34cd-56ef-1234567890ab", arn));
//! assert!(!kms_key_matches("alias/other", arn));
//! ```

use std::cmp::Ordering;

use crate::schema::Compare;
use crate::value::Value;

/// Whether `want` (configured, references resolved by `eq`) and `have`
/// (live) are the same under `compare`. `eq` compares two values exactly
/// (it may resolve references in `want`).
pub fn same(
    compare: Compare,
    want: &Value,
    have: &Value,
    eq: &mut dyn FnMut(&Value, &Value) -> bool,
) -> bool {
    match (compare, want, have) {
        (Compare::Version, Value::String(w), Value::String(h)) => version_matches(w, h),
        (Compare::KmsKey, Value::String(w), Value::String(h)) => kms_key_matches(w, h),
        (Compare::Set, Value::List(w), Value::List(h)) => same_set(w, h, eq),
        (Compare::Rules, Value::List(w), Value::List(h)) => {
            same_set(&permissions(w), &permissions(h), eq)
        }
        (Compare::AtLeast, Value::Int(w), Value::Int(h)) if h >= w => true,
        (Compare::Policy, Value::String(w), Value::String(h)) => {
            crate::kinds::policy::same_policy(w, h)
        }
        (Compare::ReplicaSource, Value::String(_), Value::Null) => true,
        (Compare::ReplicaSource, Value::String(w), Value::String(h))
            if crate::kinds::same_replica_source(w, h) =>
        {
            true
        }
        _ => eq(want, have),
    }
}

/// Whether two lists hold the same items, in any order (each item of one
/// paired with a distinct item of the other).
fn same_set(want: &[Value], have: &[Value], eq: &mut dyn FnMut(&Value, &Value) -> bool) -> bool {
    if want.len() != have.len() {
        return false;
    }
    let mut used = vec![false; have.len()];
    'outer: for w in want {
        for (i, h) in have.iter().enumerate() {
            if !used[i] && eq(w, h) {
                used[i] = true;
                continue 'outer;
            }
        }
        return false;
    }
    true
}

/// Security-group rules as single permissions: one per source (each CIDR
/// block and each security group), protocol `-1` with its ports as AWS
/// stores them (0 to 0).
fn permissions(rules: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for rule in rules {
        let Some(r) = rule.as_map() else {
            out.push(rule.clone());
            continue;
        };
        let mut base = r.clone();
        base.remove("cidr_blocks");
        base.remove("security_group_ids");
        if base.get("protocol").and_then(Value::as_str) == Some("-1") {
            base.insert("from_port".into(), Value::Int(0));
            base.insert("to_port".into(), Value::Int(0));
        }
        for (field, key) in [
            ("cidr_blocks", "cidr_block"),
            ("security_group_ids", "security_group_id"),
        ] {
            for source in r.get(field).and_then(Value::as_list).unwrap_or_default() {
                let mut one = base.clone();
                one.insert(key.into(), source.clone());
                out.push(Value::Map(one));
            }
        }
    }
    out
}

/// The numeric components of a version (`16.4` → `[16, 4]`); a component
/// that is not a number counts as 0.
pub fn version_parts(v: &str) -> Vec<u64> {
    v.split('.')
        .map(|p| {
            p.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap_or(0)
        })
        .collect()
}

/// Whether version `v` is below `floor` (`7.0.4` is below `[7, 0, 5]`).
pub fn version_below(v: &str, floor: &[u64]) -> bool {
    let parts = version_parts(v);
    compare_parts(&parts, floor) == Ordering::Less
}

fn compare_parts(a: &[u64], b: &[u64]) -> Ordering {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| {
            a.get(i)
                .copied()
                .unwrap_or(0)
                .cmp(&b.get(i).copied().unwrap_or(0))
        })
        .find(|o| *o != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}

/// Whether a configured engine version is met by the live one: `16` is met
/// by any `16.x`, and a newer version of the same major version (a minor
/// upgrade AWS made) is not a change, so a plan never downgrades.
pub fn version_matches(want: &str, have: &str) -> bool {
    if want == have {
        return true;
    }
    let (w, h) = (version_parts(want), version_parts(have));
    if h.len() >= w.len() && h[..w.len()] == w[..] && !want.is_empty() {
        return true;
    }
    w.first() == h.first() && compare_parts(&h, &w) == Ordering::Greater
}

/// The major version (`16.4` → 16, `7.1` → 7).
pub fn major_version(v: &str) -> u64 {
    version_parts(v).first().copied().unwrap_or(0)
}

/// Whether a configured KMS key (key id, key ARN, alias name or alias ARN)
/// names the key AWS reports (usually its key ARN). An alias cannot be
/// matched to a key ARN without asking KMS: providers report the alias
/// back when they know it still names the instance's key.
pub fn kms_key_matches(want: &str, have: &str) -> bool {
    if want == have {
        return true;
    }
    let tail = |s: &str| -> Option<String> {
        if let Some(rest) = s.strip_prefix("arn:") {
            // arn:aws:kms:REGION:ACCOUNT:key/ID or ...:alias/NAME
            return rest.rsplit(':').next().map(str::to_string);
        }
        if s.starts_with("alias/") {
            return Some(s.to_string());
        }
        Some(format!("key/{s}"))
    };
    tail(want).is_some() && tail(want) == tail(have)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn eq(a: &Value, b: &Value) -> bool {
        a.same_as(b)
    }

    #[test]
    fn versions_match_by_prefix_and_never_plan_a_downgrade() {
        assert!(version_matches("16", "16.4"));
        assert!(version_matches("16.4", "16.4"));
        assert!(version_matches("16.4", "16.6"), "an AWS minor upgrade");
        assert!(
            !version_matches("16.6", "16.4"),
            "an upgrade the user asks for"
        );
        assert!(!version_matches("17", "16.4"));
        assert!(!version_matches("16", "17.0"));
        assert!(!version_matches("1", "16.4"));
        assert!(version_matches("7.1", "7.1.0"));
        assert!(version_below("7.0.4", &[7, 0, 5]));
        assert!(!version_below("7.1", &[7, 0, 5]));
        assert!(!version_below("7.0.5", &[7, 0, 5]));
    }

    #[test]
    fn kms_keys_match_in_every_form_aws_accepts() {
        let arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd";
        assert!(kms_key_matches("1234abcd", arn));
        assert!(kms_key_matches(arn, arn));
        assert!(!kms_key_matches("5678efgh", arn));
        let alias_arn = "arn:aws:kms:us-east-1:123456789012:alias/shop";
        assert!(kms_key_matches("alias/shop", alias_arn));
        assert!(!kms_key_matches("alias/shop", arn));
    }

    #[test]
    fn sets_ignore_order_but_not_multiplicity() {
        let a = Value::List(vec!["x".into(), "y".into(), "y".into()]);
        let b = Value::List(vec!["y".into(), "x".into(), "y".into()]);
        let c = Value::List(vec!["y".into(), "x".into(), "x".into()]);
        assert!(same(Compare::Set, &a, &b, &mut eq));
        assert!(!same(Compare::Set, &a, &c, &mut eq));
        assert!(!same(Compare::Exact, &a, &b, &mut eq));
    }

    #[test]
    fn rules_compare_as_single_permissions_however_they_are_grouped() {
        let rules = |v: serde_json::Value| -> Value { serde_json::from_value(v).unwrap() };
        // Two rules that differ only in their source read back from AWS as
        // one rule with both sources, in AWS's order.
        let want = rules(serde_json::json!([
            {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/16"]},
            {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.1.0.0/16"]},
            {"protocol": "-1", "from_port": -1, "to_port": -1, "cidr_blocks": ["0.0.0.0/0"]},
        ]));
        let have = rules(serde_json::json!([
            {"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]},
            {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.1.0.0/16", "10.0.0.0/16"]},
        ]));
        assert!(same(Compare::Rules, &want, &have, &mut eq));
        assert!(!same(Compare::Set, &want, &have, &mut eq));
        let fewer = rules(serde_json::json!([
            {"protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.1.0.0/16"]},
            {"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]},
        ]));
        assert!(!same(Compare::Rules, &want, &fewer, &mut eq));
    }

    #[test]
    fn a_promoted_replica_is_adopted_but_a_new_source_is_a_change() {
        let src = Value::from("shop-db");
        assert!(same(Compare::ReplicaSource, &src, &Value::Null, &mut eq));
        assert!(!same(
            Compare::ReplicaSource,
            &src,
            &Value::from("other"),
            &mut eq
        ));
    }

    #[test]
    fn storage_grown_by_aws_is_not_a_change_but_more_wanted_is() {
        let (want, grown) = (Value::Int(50), Value::Int(64));
        assert!(same(Compare::AtLeast, &want, &grown, &mut eq));
        assert!(same(Compare::AtLeast, &want, &want, &mut eq));
        assert!(!same(Compare::AtLeast, &grown, &want, &mut eq));
        assert!(!same(Compare::Exact, &want, &grown, &mut eq));
    }
}
