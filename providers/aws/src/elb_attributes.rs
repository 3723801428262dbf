//! Load balancer and target group settings that AWS keeps as key/value
//! attributes (`Modify…Attributes`, `Describe…Attributes`), mapped both
//! ways by one table per kind: a Strata attribute (or a field of a table
//! attribute) per AWS key, with AWS's default.

use strata_core::kinds;
use strata_core::value::{Attrs, Value};

/// What a Strata setting holds.
#[derive(Clone, Copy)]
enum Form {
    Int(i64),
    Bool(bool),
    Text(&'static str),
}

/// One AWS attribute key: the Strata attribute, the field when the
/// attribute is a table, and its form with AWS's default.
struct Key {
    aws: &'static str,
    attr: &'static str,
    field: Option<&'static str>,
    form: Form,
}

const fn top(aws: &'static str, attr: &'static str, form: Form) -> Key {
    Key {
        aws,
        attr,
        field: None,
        form,
    }
}

const fn field(aws: &'static str, attr: &'static str, field: &'static str, form: Form) -> Key {
    Key {
        aws,
        attr,
        field: Some(field),
        form,
    }
}

const LOAD_BALANCER: &[Key] = &[
    top(
        "idle_timeout.timeout_seconds",
        "idle_timeout",
        Form::Int(60),
    ),
    top(
        "deletion_protection.enabled",
        "enable_deletion_protection",
        Form::Bool(false),
    ),
    top(
        "routing.http.drop_invalid_header_fields.enabled",
        "drop_invalid_header_fields",
        Form::Bool(false),
    ),
    field(
        "access_logs.s3.enabled",
        "access_logs",
        "enabled",
        Form::Bool(false),
    ),
    field(
        "access_logs.s3.bucket",
        "access_logs",
        "bucket",
        Form::Text(""),
    ),
    field(
        "access_logs.s3.prefix",
        "access_logs",
        "prefix",
        Form::Text(""),
    ),
];

const TARGET_GROUP: &[Key] = &[
    top(
        "deregistration_delay.timeout_seconds",
        "deregistration_delay",
        Form::Int(300),
    ),
    top("slow_start.duration_seconds", "slow_start", Form::Int(0)),
    field(
        "stickiness.enabled",
        "stickiness",
        "enabled",
        Form::Bool(false),
    ),
    field(
        "stickiness.type",
        "stickiness",
        "type",
        Form::Text("lb_cookie"),
    ),
    field(
        "stickiness.lb_cookie.duration_seconds",
        "stickiness",
        "cookie_duration",
        Form::Int(86400),
    ),
];

fn table(kind: &str) -> &'static [Key] {
    match kind {
        kinds::LOAD_BALANCER => LOAD_BALANCER,
        kinds::TARGET_GROUP => TARGET_GROUP,
        _ => &[],
    }
}

/// The Strata attributes `kind` keeps as AWS attributes.
pub fn names(kind: &str) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = table(kind).iter().map(|k| k.attr).collect();
    names.dedup();
    names
}

fn configured<'a>(a: &'a Attrs, key: &Key) -> Option<&'a Value> {
    let value = a.get(key.attr)?;
    match key.field {
        None => Some(value),
        Some(f) => value.as_map()?.get(f),
    }
}

fn text(value: Option<&Value>, form: Form) -> String {
    match (value, form) {
        (Some(Value::Int(i)), _) => i.to_string(),
        (Some(Value::Bool(b)), _) => b.to_string(),
        (Some(Value::String(s)), _) => s.to_string(),
        (_, Form::Int(i)) => i.to_string(),
        (_, Form::Bool(b)) => b.to_string(),
        (_, Form::Text(t)) => t.to_string(),
    }
}

/// The AWS key/value pairs `a` asks for. With `all = false` only those
/// that differ from AWS's defaults (a create needs no call for defaults);
/// a table attribute left out is left alone (its keys are not sent).
pub fn to_aws(kind: &str, a: &Attrs, all: bool) -> Vec<(&'static str, String)> {
    table(kind)
        .iter()
        .filter(|k| k.field.is_none() || a.get(k.attr).is_some())
        .map(|k| (k, text(configured(a, k), k.form)))
        .filter(|(k, v)| all || *v != text(None, k.form))
        .map(|(k, v)| (k.aws, v))
        .collect()
}

/// Puts the settings AWS reports (`pairs` of key and value) into `out`:
/// top-level ones always (AWS's default when a key is missing), a table
/// attribute when it is on or names something (access logs to a bucket,
/// stickiness is always reported: every field has a default).
pub fn from_aws<'p>(kind: &str, pairs: impl Iterator<Item = (&'p str, &'p str)>, out: &mut Attrs) {
    let pairs: Vec<(&str, &str)> = pairs.collect();
    let mut tables: Vec<(&'static str, Attrs)> = Vec::new();
    for key in table(kind) {
        let raw = pairs.iter().find(|(k, _)| *k == key.aws).map(|(_, v)| *v);
        let value = match key.form {
            Form::Int(d) => Value::Int(raw.and_then(|v| v.parse().ok()).unwrap_or(d)),
            Form::Bool(d) => Value::Bool(raw.and_then(|v| v.parse().ok()).unwrap_or(d)),
            Form::Text(d) => Value::from(raw.unwrap_or(d)),
        };
        match key.field {
            None => {
                out.insert(key.attr.into(), value);
            }
            Some(f) => {
                let at = match tables.iter().position(|(name, _)| *name == key.attr) {
                    Some(i) => i,
                    None => {
                        tables.push((key.attr, Attrs::new()));
                        tables.len() - 1
                    }
                };
                tables[at].1.insert(f.into(), value);
            }
        }
    }
    for (name, fields) in tables {
        let unused = name == "access_logs"
            && fields.get("enabled") != Some(&Value::Bool(true))
            && fields
                .get("bucket")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty();
        if !unused {
            out.insert(name.into(), Value::Map(fields));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_through_aws_keys() {
        let mut a = Attrs::new();
        a.insert("deregistration_delay".into(), Value::Int(30));
        a.insert("slow_start".into(), Value::Int(60));
        let mut sticky = Attrs::new();
        sticky.insert("enabled".into(), Value::Bool(true));
        sticky.insert("type".into(), Value::from("lb_cookie"));
        sticky.insert("cookie_duration".into(), Value::Int(3600));
        a.insert("stickiness".into(), Value::Map(sticky));
        let sent = to_aws(kinds::TARGET_GROUP, &a, true);
        assert!(sent.contains(&("stickiness.lb_cookie.duration_seconds", "3600".into())));
        let mut back = Attrs::new();
        from_aws(
            kinds::TARGET_GROUP,
            sent.iter().map(|(k, v)| (*k, v.as_str())),
            &mut back,
        );
        assert_eq!(back, a);
        // Defaults need no call at creation.
        let defaults = to_aws(kinds::TARGET_GROUP, &Attrs::new(), false);
        assert!(defaults.is_empty(), "{defaults:?}");
    }

    #[test]
    fn access_logs_never_configured_are_not_reported() {
        let mut out = Attrs::new();
        from_aws(
            kinds::LOAD_BALANCER,
            [
                ("access_logs.s3.enabled", "false"),
                ("access_logs.s3.bucket", ""),
            ]
            .into_iter(),
            &mut out,
        );
        assert!(out.get("access_logs").is_none());
        assert_eq!(
            out.get("enable_deletion_protection"),
            Some(&Value::Bool(false))
        );
        assert_eq!(out.get("idle_timeout"), Some(&Value::Int(60)));
    }
}
