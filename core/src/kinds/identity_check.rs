//! Value checks of the identity, key and notification kinds (IAM, KMS,
//! SNS): policy documents, names AWS would refuse, ranges.

use super::policy::check_document;
use super::validate::AttrProblem;
use crate::value::{Attrs, Value};

/// KMS key usages (CreateKey's `KeyUsage`).
const KEY_USAGES: &[&str] = &[
    "ENCRYPT_DECRYPT",
    "SIGN_VERIFY",
    "GENERATE_VERIFY_MAC",
    "KEY_AGREEMENT",
];

/// SNS subscription protocols (Subscribe's `Protocol`).
pub const PROTOCOLS: &[&str] = &[
    "http",
    "https",
    "email",
    "email-json",
    "sms",
    "sqs",
    "application",
    "lambda",
    "firehose",
];

/// Checks a resource of an IAM, KMS or SNS kind, adding what is wrong.
pub(super) fn check(kind: &str, attrs: &Attrs, out: &mut Vec<AttrProblem>) {
    let s = |k: &str| attrs.get(k).and_then(Value::as_str);
    let int = |k: &str| attrs.get(k).and_then(Value::as_i64);
    let mut policy = |name: &str, statements: bool| {
        if let Some(problem) = s(name).and_then(|doc| check_document(doc, statements)) {
            out.push(AttrProblem::new(
                Some(name),
                format!("`{name}` {problem}"),
                Some(
                    "write the document as JSON text, e.g. with TOML's '''...''' or \
                     serde_json::json!(...).to_string() in Rust"
                        .into(),
                ),
            ));
        }
    };
    match kind {
        super::IAM_ROLE => policy("assume_role_policy", true),
        super::IAM_ROLE_POLICY => policy("policy", true),
        super::KMS_KEY => policy("policy", true),
        super::SNS_TOPIC_SUBSCRIPTION => policy("filter_policy", false),
        _ => {}
    }
    let mut problem = |attr: &str, message: String, help: &str| {
        out.push(AttrProblem::new(Some(attr), message, Some(help.into())));
    };
    match kind {
        super::IAM_ROLE | super::INSTANCE_PROFILE => {
            if let Some(n) = s("name").filter(|n| !iam_name(n, 64)) {
                problem(
                    "name",
                    format!("`{n}` is not a valid IAM name"),
                    "1-64 letters, digits and +=,.@_-",
                );
            }
            if let Some(p) = s("path").filter(|p| !(p.starts_with('/') && p.ends_with('/'))) {
                problem(
                    "path",
                    format!("path `{p}` must start and end with `/`"),
                    "e.g. \"/\" or \"/app/\"",
                );
            }
            if let Some(d) = int("max_session_duration").filter(|d| !(3600..=43200).contains(d)) {
                problem(
                    "max_session_duration",
                    format!("max_session_duration {d} is outside 3600-43200"),
                    "give seconds from 3600 (1 hour) to 43200 (12 hours)",
                );
            }
        }
        super::IAM_ROLE_POLICY => {
            if let Some(n) = s("name").filter(|n| !iam_name(n, 128)) {
                problem(
                    "name",
                    format!("`{n}` is not a valid policy name"),
                    "1-128 letters, digits and +=,.@_-",
                );
            }
        }
        super::KMS_KEY => {
            if let Some(u) = s("key_usage").filter(|u| !KEY_USAGES.contains(u)) {
                problem(
                    "key_usage",
                    format!("unknown key usage `{u}`"),
                    "one of ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, KEY_AGREEMENT",
                );
            }
            if let Some(d) = int("deletion_window_in_days").filter(|d| !(7..=30).contains(d)) {
                problem(
                    "deletion_window_in_days",
                    format!("deletion_window_in_days {d} is outside 7-30"),
                    "KMS waits 7 to 30 days before it destroys a key",
                );
            }
        }
        super::KMS_ALIAS => {
            if let Some(n) = s("name") {
                let rest = n.strip_prefix("alias/");
                if rest.is_none_or(|r| r.is_empty() || r.starts_with("aws/")) {
                    problem(
                        "name",
                        format!("alias name `{n}` must be `alias/` and a name not under aws/"),
                        "e.g. \"alias/shop\" (alias/aws/... are AWS's own)",
                    );
                }
            }
        }
        super::SNS_TOPIC => {
            if let Some(n) = s("name").filter(|n| !topic_name(n)) {
                problem(
                    "name",
                    format!("`{n}` is not a valid topic name"),
                    "1-256 letters, digits, `-` and `_` (a FIFO topic ends in .fifo)",
                );
            }
        }
        super::SNS_TOPIC_SUBSCRIPTION => {
            if let Some(p) = s("protocol").filter(|p| !PROTOCOLS.contains(p)) {
                problem(
                    "protocol",
                    format!("unknown protocol `{p}`"),
                    "one of http, https, email, email-json, sms, sqs, application, lambda, firehose",
                );
            }
            let email = matches!(s("protocol"), Some("email" | "email-json"));
            if let Some(e) = s("endpoint").filter(|e| email && !e.contains('@')) {
                problem(
                    "endpoint",
                    format!("`{e}` is not an email address"),
                    "an email subscription's endpoint is the address to notify",
                );
            }
        }
        _ => {}
    }
}

fn iam_name(n: &str, max: usize) -> bool {
    !n.is_empty()
        && n.len() <= max
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

fn topic_name(n: &str) -> bool {
    let base = n.strip_suffix(".fifo").unwrap_or(n);
    !base.is_empty()
        && n.len() <= 256
        && base
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use crate::kinds::{check_resource, schema_of, IAM_ROLE, KMS_ALIAS, KMS_KEY};
    use crate::value::{Attrs, Value};

    fn problems(kind: &str, pairs: &[(&str, Value)]) -> Vec<String> {
        let mut attrs: Attrs = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let schema = schema_of(kind).unwrap();
        check_resource(schema, &mut attrs, "us-east-1")
            .into_iter()
            .map(|p| p.message)
            .collect()
    }

    #[test]
    fn a_role_reports_every_problem() {
        let p = problems(
            IAM_ROLE,
            &[
                ("name", "shop app".into()),
                ("path", "app".into()),
                ("assume_role_policy", "{\"Version\": \"2012-10-17\"".into()),
                ("max_session_duration", Value::Int(60)),
            ],
        );
        assert_eq!(p.len(), 4, "{p:?}");
        assert!(
            p[0].starts_with("`assume_role_policy` is not a JSON document"),
            "{p:?}"
        );
    }

    #[test]
    fn keys_and_aliases_are_checked() {
        let p = problems(
            KMS_KEY,
            &[
                ("key_usage", "ENCRYPT".into()),
                ("deletion_window_in_days", Value::Int(3)),
            ],
        );
        assert_eq!(p.len(), 2, "{p:?}");
        for bad in ["shop", "alias/", "alias/aws/ebs"] {
            let p = problems(
                KMS_ALIAS,
                &[("name", bad.into()), ("target_key_id", "k".into())],
            );
            assert_eq!(p.len(), 1, "{bad}: {p:?}");
        }
        assert!(problems(
            KMS_ALIAS,
            &[("name", "alias/shop".into()), ("target_key_id", "k".into())]
        )
        .is_empty());
    }
}
