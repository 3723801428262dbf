//! Checks of a listener as a whole: exactly one default action (`forward`,
//! `redirect` or `fixed_response`), a certificate on HTTPS and TLS settings
//! only there, and the values AWS accepts in a redirect or fixed response.

use super::validate::AttrProblem;
use crate::value::{Attrs, Value};

/// The attributes that each make a listener's default action.
pub(super) const ACTIONS: &[&str] = &["forward", "redirect", "fixed_response"];

const REDIRECT_CODES: &[&str] = &["HTTP_301", "HTTP_302"];
const REDIRECT_PROTOCOLS: &[&str] = &["HTTP", "HTTPS", "#{protocol}"];
const CONTENT_TYPES: &[&str] = &[
    "text/plain",
    "text/css",
    "text/html",
    "application/javascript",
    "application/json",
];
/// The longest fixed-response body AWS takes.
const MAX_BODY: usize = 1024;

fn problem(out: &mut Vec<AttrProblem>, attr: &str, message: String, help: impl Into<String>) {
    out.push(AttrProblem::new(Some(attr), message, Some(help.into())));
}

/// All problems of a listener's protocol, certificate and default action.
pub(super) fn check_listener(attrs: &Attrs, out: &mut Vec<AttrProblem>) {
    let set = |k: &str| attrs.get(k).is_some_and(|v| *v != Value::Null);
    let actions: Vec<&str> = ACTIONS.iter().copied().filter(|a| set(a)).collect();
    match actions.as_slice() {
        [] => out.push(AttrProblem::new(
            None,
            "a listener needs a default action",
            Some("set one of `forward` (target groups), `redirect` or `fixed_response`".into()),
        )),
        [_] => {}
        [first, rest @ ..] => problem(
            out,
            rest.first().copied().unwrap_or(first),
            format!(
                "a listener has one default action, not {}",
                actions.join(" and ")
            ),
            "keep one of `forward`, `redirect` and `fixed_response`",
        ),
    }
    if matches!(attrs.get("forward"), Some(Value::List(l)) if l.is_empty()) {
        problem(
            out,
            "forward",
            "`forward` names no target group".into(),
            "list at least one `{ target_group_arn = ..., weight = ... }`",
        );
    }
    let https = attrs.get("protocol").and_then(Value::as_str) == Some("HTTPS");
    if https && !set("certificate_arn") {
        problem(
            out,
            "protocol",
            "an HTTPS listener needs a certificate".into(),
            "set `certificate_arn` (an ACM certificate's ARN)",
        );
    }
    for tls in ["certificate_arn", "ssl_policy"] {
        if !https && set(tls) {
            problem(
                out,
                tls,
                format!("`{tls}` is for HTTPS listeners only"),
                "set `protocol = \"HTTPS\"`, or remove it",
            );
        }
    }
    if let Some(r) = attrs.get("redirect").and_then(Value::as_map) {
        check_redirect(r, out);
    }
    if let Some(f) = attrs.get("fixed_response").and_then(Value::as_map) {
        check_fixed_response(f, out);
    }
}

fn one_of(out: &mut Vec<AttrProblem>, path: &str, m: &Attrs, field: &str, allowed: &[&str]) {
    if let Some(s) = m.get(field).and_then(Value::as_str) {
        if !allowed.contains(&s) {
            problem(
                out,
                path,
                format!("`{field} = \"{s}\"` is not allowed in `{path}`"),
                format!("one of: {}", allowed.join(", ")),
            );
        }
    }
}

fn check_redirect(r: &Attrs, out: &mut Vec<AttrProblem>) {
    one_of(out, "redirect", r, "status_code", REDIRECT_CODES);
    one_of(out, "redirect", r, "protocol", REDIRECT_PROTOCOLS);
    if let Some(port) = r.get("port").and_then(Value::as_str) {
        let ok = port == "#{port}" || port.parse::<u16>().is_ok_and(|p| p > 0);
        if !ok {
            problem(
                out,
                "redirect",
                format!("`port = \"{port}\"` is not a port"),
                "a port 1-65535 as text, e.g. \"443\", or \"#{port}\" (the request's)",
            );
        }
    }
    if let Some(path) = r.get("path").and_then(Value::as_str) {
        if !path.starts_with('/') {
            problem(
                out,
                "redirect",
                format!("`path = \"{path}\"` does not start with /"),
                "a redirect path starts with /, e.g. \"/#{path}\"",
            );
        }
    }
}

fn check_fixed_response(f: &Attrs, out: &mut Vec<AttrProblem>) {
    if let Some(code) = f.get("status_code").and_then(Value::as_str) {
        let ok = code.len() == 3
            && code.chars().all(|c| c.is_ascii_digit())
            && matches!(code.as_bytes().first(), Some(b'2' | b'4' | b'5'));
        if !ok {
            problem(
                out,
                "fixed_response",
                format!("`status_code = \"{code}\"` is not a 2XX, 4XX or 5XX code"),
                "e.g. \"200\", \"404\" or \"503\"",
            );
        }
    }
    one_of(out, "fixed_response", f, "content_type", CONTENT_TYPES);
    if let Some(body) = f.get("message_body").and_then(Value::as_str) {
        if body.chars().count() > MAX_BODY {
            problem(
                out,
                "fixed_response",
                format!("the message body has {} characters", body.chars().count()),
                format!("AWS takes at most {MAX_BODY}"),
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use crate::kinds::{check_resource, schema_of, LISTENER};
    use crate::value::Value;

    /// The problems of a listener given as JSON, one line each.
    fn check(json: serde_json::Value) -> Vec<String> {
        let Value::Map(mut attrs) = Value::from_json(&json) else {
            panic!("not an object")
        };
        let schema = schema_of(LISTENER).unwrap();
        check_resource(schema, &mut attrs, "us-east-1")
            .into_iter()
            .map(|p| format!("{}: {}", p.attr.unwrap_or_default(), p.message))
            .collect()
    }

    const LB: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/1";

    #[test]
    fn a_redirect_to_https_is_a_listener() {
        let problems = check(serde_json::json!({
            "load_balancer_arn": LB, "port": 80,
            "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"},
        }));
        assert_eq!(problems, Vec::<String>::new());
    }

    #[test]
    fn one_default_action_and_tls_only_on_https() {
        let problems = check(serde_json::json!({
            "load_balancer_arn": LB, "port": 80,
            "fixed_response": {"status_code": "404"},
            "redirect": {"status_code": "HTTP_307"},
            "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
        }));
        assert_eq!(
            problems,
            [
                "fixed_response: a listener has one default action, not redirect and fixed_response",
                "ssl_policy: `ssl_policy` is for HTTPS listeners only",
                "redirect: `status_code = \"HTTP_307\"` is not allowed in `redirect`",
            ]
        );
        let problems = check(serde_json::json!({
            "load_balancer_arn": LB, "port": 443, "protocol": "https",
        }));
        assert_eq!(
            problems,
            [
                ": a listener needs a default action",
                "protocol: an HTTPS listener needs a certificate",
            ]
        );
    }

    #[test]
    fn fixed_responses_take_awss_codes_and_types() {
        let problems = check(serde_json::json!({
            "load_balancer_arn": LB, "port": 80,
            "fixed_response": {"status_code": "302", "content_type": "image/png",
                               "message_body": "x".repeat(1025)},
        }));
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("not a 2XX, 4XX or 5XX code"));
        assert!(problems[1].contains("content_type = \"image/png\""));
        assert!(problems[2].contains("1025 characters"));
    }
}
