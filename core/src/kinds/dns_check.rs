//! Checks of the DNS and certificate kinds: record types, TTLs, a record's
//! `records` or `alias` (one of them), names inside their domain, and the
//! certificate's validation method.

use super::validate::AttrProblem;
use crate::value::{Attrs, Value};

/// The record types Strata writes (AWS's `RRType` has a few more, such as
/// SPF and NAPTR, that nobody should start using).
pub(super) const RECORD_TYPES: &[&str] =
    &["A", "AAAA", "CAA", "CNAME", "MX", "NS", "PTR", "SRV", "TXT"];
const VALIDATION_METHODS: &[&str] = &["DNS"];

/// Checks one value of a DNS or certificate attribute; `false` if `name`
/// is none of theirs.
pub(super) fn check_value(name: &str, value: &Value, out: &mut Vec<AttrProblem>) -> bool {
    let mut bad = |msg: String, help: String| {
        out.push(AttrProblem::new(Some(name), msg, Some(help)));
    };
    match (name, value) {
        ("type", Value::String(s)) if !RECORD_TYPES.contains(&s.as_str()) => bad(
            format!("`{s}` is not a record type Strata writes"),
            format!("one of: {}", RECORD_TYPES.join(", ")),
        ),
        ("ttl", Value::Int(t)) if !(0..=2_147_483_647).contains(t) => bad(
            format!("a TTL of {t} s is out of range"),
            "0 to 2147483647 seconds (300 is usual)".into(),
        ),
        ("validation_method", Value::String(s)) if !VALIDATION_METHODS.contains(&s.as_str()) => {
            bad(
                format!("validation method `{s}` is not supported"),
                format!("one of: {}", VALIDATION_METHODS.join(", ")),
            )
        }
        ("domain_name", Value::String(s)) if !is_domain(s) => bad(
            format!("`{s}` is not a domain name"),
            "e.g. `shop.example.com` or `*.example.com`".into(),
        ),
        ("type" | "ttl" | "validation_method" | "domain_name", _) => {}
        _ => return false,
    }
    true
}

/// Whether `s` looks like a DNS name (a wildcard first label allowed).
fn is_domain(s: &str) -> bool {
    let s = s.strip_prefix("*.").unwrap_or(s);
    let s = s.strip_suffix('.').unwrap_or(s);
    s.len() <= 253
        && s.contains('.')
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

/// Rules between a record's attributes: `records` (with a `ttl`) or an
/// `alias`, not both and not neither; an alias takes no `ttl`.
pub(super) fn check_record(attrs: &Attrs, out: &mut Vec<AttrProblem>) {
    let given = |k: &str| attrs.get(k).is_some_and(|v| *v != Value::Null);
    let alias = given("alias");
    let records = given("records");
    match (alias, records) {
        (true, true) => out.push(AttrProblem::new(
            Some("alias"),
            "a record is either an alias or has `records`, not both",
            Some("remove `records` (an alias answers with its target's addresses) or `alias`".into()),
        )),
        (false, false) => out.push(AttrProblem::new(
            None,
            "a record needs `records` (with a `ttl`) or an `alias`",
            Some("e.g. `records = [\"192.0.2.10\"]` and `ttl = 300`, or `alias = { name = ..., zone_id = ... }`".into()),
        )),
        (true, false) if given("ttl") => out.push(AttrProblem::new(
            Some("ttl"),
            "an alias record has no TTL of its own (Route 53 uses its target's)",
            Some("remove `ttl`".into()),
        )),
        (false, true) if !given("ttl") => out.push(AttrProblem::new(
            Some("ttl"),
            "a record with `records` needs a `ttl`",
            Some("add `ttl = 300`".into()),
        )),
        _ => {}
    }
    if let Some(list) = attrs.get("records").and_then(Value::as_list) {
        if list.is_empty() {
            out.push(AttrProblem::new(
                Some("records"),
                "`records` is empty",
                Some("give at least one value".into()),
            ));
        }
        let cname = attrs.get("type").and_then(Value::as_str) == Some("CNAME");
        if cname && list.len() > 1 {
            out.push(AttrProblem::new(
                Some("records"),
                format!("a CNAME has one value, not {}", list.len()),
                Some("keep one target name".into()),
            ));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::kinds::{check_resource, schema_of, ROUTE53_RECORD};
    use crate::value::Value;

    fn problems(pairs: &[(&str, Value)]) -> Vec<String> {
        let mut attrs: Attrs = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let schema = schema_of(ROUTE53_RECORD).unwrap();
        check_resource(schema, &mut attrs, "us-east-1")
            .into_iter()
            .map(|p| p.message)
            .collect()
    }

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    #[test]
    fn a_record_has_records_with_a_ttl_or_an_alias() {
        let base = [("zone_id", s("Z1")), ("name", s("shop.example.com"))];
        let with = |extra: &[(&str, Value)]| {
            let mut all = base.to_vec();
            all.extend_from_slice(extra);
            problems(&all)
        };
        let ip = Value::List(vec![s("192.0.2.10")]);
        let alias = Value::Map(Attrs::from([("name", s("alb.aws")), ("zone_id", s("Z2"))]));
        assert!(with(&[
            ("type", s("A")),
            ("ttl", Value::Int(300)),
            ("records", ip.clone())
        ])
        .is_empty());
        assert!(with(&[("type", s("A")), ("alias", alias.clone())]).is_empty());
        assert_eq!(
            with(&[
                ("type", s("A")),
                ("records", ip.clone()),
                ("alias", alias.clone())
            ]),
            ["a record is either an alias or has `records`, not both"]
        );
        assert_eq!(
            with(&[("type", s("A"))]),
            ["a record needs `records` (with a `ttl`) or an `alias`"]
        );
        assert_eq!(
            with(&[("type", s("A")), ("records", ip)]),
            ["a record with `records` needs a `ttl`"]
        );
        assert_eq!(
            with(&[("type", s("A")), ("ttl", Value::Int(60)), ("alias", alias)]),
            ["an alias record has no TTL of its own (Route 53 uses its target's)"]
        );
        assert_eq!(
            with(&[
                ("type", s("SPF")),
                ("ttl", Value::Int(60)),
                ("records", Value::List(vec![s("v")]))
            ]),
            ["`SPF` is not a record type Strata writes"]
        );
    }

    #[test]
    fn domain_names_and_wildcards() {
        assert!(is_domain("shop.example.com"));
        assert!(is_domain("*.example.com"));
        assert!(!is_domain("localhost"));
        assert!(!is_domain("shop..example.com"));
        assert!(!is_domain("shop example.com"));
    }
}
