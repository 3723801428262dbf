//! JSON policy documents (IAM trust and permission policies, KMS key
//! policies, SNS filter policies), compared as documents rather than as
//! text: AWS gives them back reformatted (IAM URL-encodes and may reorder
//! them), so key order, white space, a statement list's order and a single
//! value written where a one-element list is meant are not changes.
//!
//! ```
//! use strata_core::kinds::policy::same_policy;
//! let mine = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
//!     "Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
//! let aws = r#"{"Statement": {"Action": ["sts:AssumeRole"], "Effect": "Allow",
//!     "Principal": {"Service": ["ec2.amazonaws.com"]}}, "Version": "2012-10-17"}"#;
//! assert!(same_policy(mine, aws));
//! assert!(!same_policy(mine, &aws.replace("Allow", "Deny")));
//! ```

use serde_json::{Map, Value as Json};

/// The document in a canonical form: objects with sorted keys, every
/// string that stands for a list a sorted list without repeats, statements
/// sorted. `None` if the text is not JSON.
pub fn canonical(doc: &str) -> Option<Json> {
    let v: Json = serde_json::from_str(doc).ok()?;
    Some(canon(v, At::Plain))
}

/// Whether two policy documents say the same. Text that is not JSON is
/// compared as text.
pub fn same_policy(a: &str, b: &str) -> bool {
    match (canonical(a), canonical(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Where a value sits in a policy document: what its keys mean.
#[derive(Clone, Copy)]
enum At {
    /// An ordinary value.
    Plain,
    /// A list, where AWS also takes a single value (`Action`, `Resource`,
    /// `Statement`, a principal's or a condition's values).
    List,
    /// A `Principal`: its values are lists.
    Principal,
    /// A `Condition`: operators, whose values are keys with lists.
    Condition,
    /// A condition operator: its values are lists.
    Operator,
}

fn child(at: At, key: &str) -> At {
    match at {
        At::Principal | At::Operator => At::List,
        At::Condition => At::Operator,
        At::Plain | At::List => match key {
            "Statement" | "Action" | "NotAction" | "Resource" | "NotResource" => At::List,
            "Principal" | "NotPrincipal" => At::Principal,
            "Condition" => At::Condition,
            _ => At::Plain,
        },
    }
}

fn canon(v: Json, at: At) -> Json {
    match (v, at) {
        (Json::Array(items), At::List) => {
            let mut items: Vec<Json> = items.into_iter().map(|i| canon(i, At::Plain)).collect();
            items.sort_by_key(|i| i.to_string());
            items.dedup();
            Json::Array(items)
        }
        (one, At::List) => Json::Array(vec![canon(one, At::Plain)]),
        (Json::Object(map), at) => {
            let mut entries: Vec<(String, Json)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out = Map::new();
            for (k, item) in entries {
                let c = child(at, &k);
                out.insert(k, canon(item, c));
            }
            Json::Object(out)
        }
        (Json::Array(items), _) => {
            Json::Array(items.into_iter().map(|i| canon(i, At::Plain)).collect())
        }
        (scalar, _) => scalar,
    }
}

/// What is wrong with a policy document, if anything: not JSON, not an
/// object, or (for IAM and KMS policies, `statements = true`) without a
/// `Statement`.
pub fn check_document(doc: &str, statements: bool) -> Option<String> {
    match serde_json::from_str::<Json>(doc) {
        Err(e) => Some(format!("is not a JSON document: {e}")),
        Ok(Json::Object(m)) if statements && !m.contains_key("Statement") => {
            Some("has no `Statement`".into())
        }
        Ok(Json::Object(_)) => None,
        Ok(_) => Some("is not a JSON object".into()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn equal_documents_in_other_forms_are_the_same() {
        let a = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["logs:PutLogEvents","cloudwatch:PutMetricData"],"Resource":"*",
             "Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}},
            {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
        let b = r#"{
          "Statement": [
            {"Resource": ["arn:aws:s3:::b/*"], "Action": ["s3:GetObject"], "Effect": "Allow"},
            {"Effect": "Allow", "Resource": ["*"],
             "Action": ["cloudwatch:PutMetricData", "logs:PutLogEvents"],
             "Condition": {"StringEquals": {"aws:RequestedRegion": ["us-east-1"]}}}
          ],
          "Version": "2012-10-17"
        }"#;
        assert!(same_policy(a, b));
    }

    #[test]
    fn a_different_action_effect_or_resource_is_a_change() {
        let a = r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        for other in [
            a.replace("Allow", "Deny"),
            a.replace("s3:GetObject", "s3:PutObject"),
            a.replace("\"*\"", "\"arn:aws:s3:::b/*\""),
            a.replace("\"s3:GetObject\"", "[\"s3:GetObject\",\"s3:PutObject\"]"),
        ] {
            assert!(!same_policy(a, &other), "{other}");
        }
    }

    #[test]
    fn documents_are_checked() {
        assert!(check_document("{\"Statement\": []}", true).is_none());
        assert!(check_document("{\"Version\": \"2012-10-17\"}", true).is_some());
        assert!(check_document("[1]", false).is_some());
        assert!(check_document("{not json", false).is_some());
        assert!(check_document("{\"event\": [\"x\"]}", false).is_none());
    }
}
