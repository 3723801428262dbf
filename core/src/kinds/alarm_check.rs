//! Checks of a metric alarm as a whole: a single metric (namespace,
//! metric name, period, one statistic) or metric math (`metrics`), never
//! both; for metric math, unique ids, one metric or expression per query,
//! exactly one query returning data, and expressions that only name ids of
//! the same alarm.

use std::collections::BTreeSet;

use super::cloudwatch::SINGLE_METRIC_ATTRS;
use super::metric_math::Expr;
use super::validate::{is_percentile, AttrProblem, STATISTICS};
use crate::value::{Attrs, Value};

fn problem(out: &mut Vec<AttrProblem>, attr: Option<&str>, message: String, help: &str) {
    out.push(AttrProblem::new(attr, message, Some(help.to_string())));
}

/// Fills what AWS would assume in each metric query, so that what is
/// configured and what `DescribeAlarms` returns compare equal:
/// `return_data = false` where unset, no empty `dimensions`.
pub(super) fn normalize(attrs: &mut Attrs) {
    let Some(Value::List(queries)) = attrs.get_mut("metrics") else {
        return;
    };
    for q in queries.iter_mut() {
        let Value::Map(q) = q else { continue };
        q.entry("return_data".into()).or_insert(Value::Bool(false));
        if let Some(Value::Map(stat)) = q.get_mut("metric_stat") {
            if matches!(stat.get("dimensions"), Some(Value::Map(d)) if d.is_empty()) {
                stat.remove("dimensions");
            }
        }
    }
}

/// All problems of an alarm's metric settings.
pub(super) fn check_alarm(attrs: &Attrs, out: &mut Vec<AttrProblem>) {
    let int = |k: &str| attrs.get(k).and_then(crate::value::Value::as_i64);
    if let (Some(m), Some(n)) = (int("datapoints_to_alarm"), int("evaluation_periods")) {
        if !(1..=n).contains(&m) {
            problem(
                out,
                Some("datapoints_to_alarm"),
                format!("datapoints_to_alarm {m} is not between 1 and evaluation_periods ({n})"),
                "an alarm fires when M of the last N periods breach: 1 <= M <= N",
            );
        }
    }
    let single: Vec<&str> = SINGLE_METRIC_ATTRS
        .iter()
        .copied()
        .filter(|a| attrs.contains_key(a))
        .collect();
    if let Some(metrics) = attrs.get("metrics") {
        if !single.is_empty() {
            let names = single
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ");
            problem(
                out,
                Some("metrics"),
                format!("an alarm on metric math (`metrics`) cannot also set {names}"),
                "either describe one metric (namespace, metric_name, period, statistic) or \
                 use `metrics`, where each metric goes in a query's `metric_stat`",
            );
        }
        check_queries(metrics, out);
        return;
    }
    for required in ["namespace", "metric_name", "period"] {
        if !attrs.contains_key(required) {
            problem(
                out,
                None,
                format!("an alarm on one metric requires `{required}`"),
                "set namespace, metric_name, period and a statistic, or give `metrics` \
                 (metric math) instead",
            );
        }
    }
    let plain = attrs.contains_key("statistic");
    let percentile = attrs.contains_key("extended_statistic");
    if plain == percentile {
        problem(
            out,
            None,
            "an alarm needs exactly one of `statistic` and `extended_statistic`".into(),
            "e.g. statistic = \"Average\", or extended_statistic = \"p95\" for a percentile",
        );
    }
    if let Some(p) = attrs.get("period").and_then(Value::as_i64) {
        check_period(p, "period", out);
    }
}

fn check_period(p: i64, attr: &str, out: &mut Vec<AttrProblem>) {
    if !(p == 10 || p == 30 || (p > 0 && p % 60 == 0)) {
        problem(
            out,
            Some(attr),
            format!("a period of {p} seconds is not one CloudWatch alarms accept"),
            "use 10, 30 or a multiple of 60 seconds",
        );
    }
}

fn valid_id(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_queries(metrics: &Value, out: &mut Vec<AttrProblem>) {
    let m = Some("metrics");
    let Some(items) = metrics.as_list() else {
        return;
    };
    if items.is_empty() {
        problem(
            out,
            m,
            "`metrics` is empty".into(),
            "give the metrics (`metric_stat`) and one expression with `return_data = true`",
        );
        return;
    }
    let queries: Vec<&Attrs> = items.iter().filter_map(Value::as_map).collect();
    let mut ids = BTreeSet::new();
    for q in &queries {
        let Some(id) = q.get("id").and_then(Value::as_str) else {
            continue;
        };
        if !valid_id(id) {
            problem(
                out,
                m,
                format!("`{id}` is not a valid metric query id"),
                "ids start with a lowercase letter and hold letters, digits and `_`, e.g. m1 or error_rate",
            );
        }
        if !ids.insert(id) {
            problem(
                out,
                m,
                format!("two metric queries have the id `{id}`"),
                "give each query its own id",
            );
        }
    }
    let mut returning = Vec::new();
    for q in &queries {
        let id = q.get("id").and_then(Value::as_str).unwrap_or("?");
        if q.get("return_data").and_then(Value::as_bool) == Some(true) {
            returning.push(id);
        }
        let expression = q.get("expression");
        let stat = q.get("metric_stat");
        match (expression, stat) {
            (Some(_), Some(_)) => problem(
                out,
                m,
                format!("metric query `{id}` has both an `expression` and a `metric_stat`"),
                "a query either reads one metric (`metric_stat`) or computes an `expression`",
            ),
            (None, None) => problem(
                out,
                m,
                format!("metric query `{id}` has neither an `expression` nor a `metric_stat`"),
                "add `metric_stat = { namespace, metric_name, stat, period }` or an `expression` such as \"100 * m1 / m2\"",
            ),
            _ => {}
        }
        if let Some(text) = expression.and_then(Value::as_str) {
            check_expression(id, text, &ids, out);
        }
        if let Some(stat) = stat.and_then(Value::as_map) {
            if let Some(s) = stat.get("stat").and_then(Value::as_str) {
                if !STATISTICS.contains(&s) && !is_percentile(s) {
                    problem(
                        out,
                        m,
                        format!("metric query `{id}`: `{s}` is not a statistic"),
                        &format!(
                            "one of: {}, or a percentile such as p95",
                            STATISTICS.join(", ")
                        ),
                    );
                }
            }
            if let Some(p) = stat.get("period").and_then(Value::as_i64) {
                check_period(p, "metrics", out);
            }
        }
    }
    let literal = queries
        .iter()
        .all(|q| !matches!(q.get("return_data"), Some(Value::Ref(_) | Value::Unknown)));
    match returning.len() {
        1 => {}
        _ if !literal => {}
        0 => problem(
            out,
            m,
            "no metric query has `return_data = true`".into(),
            "set `return_data = true` on the one query (usually the expression) the alarm compares with its threshold",
        ),
        n => problem(
            out,
            m,
            format!(
                "{n} metric queries have `return_data = true` ({}); an alarm watches exactly one",
                returning.join(", ")
            ),
            "keep `return_data = true` on the query the alarm compares with its threshold only",
        ),
    }
}

fn check_expression(id: &str, text: &str, ids: &BTreeSet<&str>, out: &mut Vec<AttrProblem>) {
    let m = Some("metrics");
    let expr = match Expr::parse(text) {
        Ok(e) => e,
        Err(why) => {
            problem(
                out,
                m,
                format!("the expression of metric query `{id}` (`{text}`) cannot be read: {why}"),
                "write metric math such as \"100 * (m1 + m2) / m3\"",
            );
            return;
        }
    };
    for used in expr.ids() {
        if used == id {
            problem(
                out,
                m,
                format!("the expression of metric query `{id}` refers to itself"),
                "an expression computes from other queries' ids",
            );
        } else if !ids.contains(used) {
            problem(
                out,
                m,
                format!("the expression of metric query `{id}` refers to `{used}`, which is not the id of a query"),
                &format!(
                    "the ids are: {}",
                    ids.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {

    use super::*;
    use crate::kinds::{check_resource, schema_of, METRIC_ALARM};

    fn map(pairs: &[(&str, Value)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn metric(id: &str, name: &str) -> Value {
        map(&[
            ("id", id.into()),
            (
                "metric_stat",
                map(&[
                    ("namespace", "AWS/ApplicationELB".into()),
                    ("metric_name", name.into()),
                    ("stat", "Sum".into()),
                    ("period", Value::Int(60)),
                    ("dimensions", Value::Map(crate::value::Attrs::new())),
                ]),
            ),
        ])
    }

    fn alarm(extra: &[(&str, Value)]) -> Attrs {
        let mut a: Attrs = [
            ("alarm_name", Value::from("shop-5xx-rate")),
            ("evaluation_periods", Value::Int(5)),
            ("threshold", Value::Int(1)),
            ("comparison_operator", "GreaterThanThreshold".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        for (k, v) in extra {
            a.insert((*k).into(), v.clone());
        }
        a
    }

    fn check(a: &mut Attrs) -> Vec<String> {
        let schema = schema_of(METRIC_ALARM).unwrap();
        check_resource(schema, a, "us-east-1")
            .into_iter()
            .map(|p| p.message)
            .collect()
    }

    fn rate(expression: &str) -> Value {
        map(&[
            ("id", "e1".into()),
            ("expression", expression.into()),
            ("label", "5xx rate".into()),
            ("return_data", Value::Bool(true)),
        ])
    }

    #[test]
    fn a_metric_math_rate_is_valid_and_normalized() {
        let mut a = alarm(&[(
            "metrics",
            Value::List(vec![
                rate("100 * (m1 + m2) / m3"),
                metric("m1", "HTTPCode_Target_5XX_Count"),
                metric("m2", "HTTPCode_ELB_5XX_Count"),
                metric("m3", "RequestCount"),
            ]),
        )]);
        assert_eq!(check(&mut a), Vec::<String>::new());
        let queries = a["metrics"].as_list().unwrap();
        let m1 = queries[1].as_map().unwrap();
        assert_eq!(m1.get("return_data"), Some(&Value::Bool(false)));
        let stat = m1["metric_stat"].as_map().unwrap();
        assert!(!stat.contains_key("dimensions"));
    }

    #[test]
    fn every_metric_math_problem_is_reported() {
        let mut a = alarm(&[
            ("namespace", "AWS/ApplicationELB".into()),
            (
                "metrics",
                Value::List(vec![
                    rate("100 * (m1 + m9) / m3"),
                    map(&[("id", "m1".into()), ("return_data", Value::Bool(true))]),
                    metric("M3", "RequestCount"),
                    metric("m1", "RequestCount"),
                ]),
            ),
        ]);
        let problems = check(&mut a);
        let has = |s: &str| problems.iter().any(|p| p.contains(s));
        assert!(has("cannot also set `namespace`"), "{problems:#?}");
        assert!(has("refers to `m9`"), "{problems:#?}");
        assert!(has("refers to `m3`"), "{problems:#?}");
        assert!(has("`M3` is not a valid metric query id"), "{problems:#?}");
        assert!(has("two metric queries have the id `m1`"), "{problems:#?}");
        assert!(
            has("neither an `expression` nor a `metric_stat`"),
            "{problems:#?}"
        );
        assert!(
            has("2 metric queries have `return_data = true` (e1, m1)"),
            "{problems:#?}"
        );
    }

    #[test]
    fn no_returned_query_and_bad_expressions_are_reported() {
        let mut a = alarm(&[(
            "metrics",
            Value::List(vec![
                map(&[("id", "e1".into()), ("expression", "100 * (m1".into())]),
                metric("m1", "RequestCount"),
            ]),
        )]);
        let problems = check(&mut a);
        assert!(
            problems.iter().any(|p| p.contains("cannot be read")),
            "{problems:#?}"
        );
        assert!(problems
            .iter()
            .any(|p| p.contains("no metric query has `return_data = true`")));
    }

    #[test]
    fn a_single_metric_alarm_needs_its_metric() {
        let mut a = alarm(&[("statistic", "Sum".into()), ("period", Value::Int(45))]);
        let problems = check(&mut a);
        assert!(
            problems.iter().any(|p| p.contains("requires `namespace`")),
            "{problems:#?}"
        );
        assert!(problems
            .iter()
            .any(|p| p.contains("requires `metric_name`")));
        assert!(problems.iter().any(|p| p.contains("45 seconds")));
        let mut nothing = alarm(&[]);
        assert!(check(&mut nothing)
            .iter()
            .any(|p| p.contains("exactly one of `statistic`")));
    }
}
