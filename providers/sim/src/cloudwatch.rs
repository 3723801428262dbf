//! CloudWatch metric alarms: PutMetricAlarm semantics (a name is replaced,
//! not duplicated), single-metric and metric-math alarms, and their state
//! evaluated as CloudWatch would from the simulated traffic of the load
//! balancers ([`crate::traffic`]) on the sim's clock: the last
//! `evaluation_periods` complete periods, the threshold and comparison,
//! missing data as `treat_missing_data` says. `INSUFFICIENT_DATA` until
//! one period has passed; a state set explicitly (drills, `SetAlarmState`)
//! holds until the alarm is updated.
//!
//! The modelled metrics are those of `AWS/ApplicationELB`: `RequestCount`,
//! `HTTPCode_Target_5XX_Count`, `HTTPCode_ELB_5XX_Count` (counts per period,
//! with no datapoint when zero, as the load balancer publishes them),
//! `TargetResponseTime` (the p95 in seconds, whatever the statistic),
//! `UnHealthyHostCount` and `HealthyHostCount` (of a `TargetGroup`, as of
//! now). Other metrics have no datapoints.

use strata_core::kinds;
use strata_core::kinds::metric_math::Expr;
use strata_core::provider::{DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, api_help, int_of, required, str_of};
use crate::cloud::NewResource;
use crate::cloud::{Cloud, Record};
use crate::faults::FaultConfig;
use crate::ids::arn;
use crate::traffic::{self, aws_secs_per_ms};

const OPERATORS: &[&str] = &[
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
];

fn queries(attrs: &Attrs) -> Vec<&Attrs> {
    attrs
        .get("metrics")
        .and_then(Value::as_list)
        .unwrap_or(&[])
        .iter()
        .filter_map(Value::as_map)
        .collect()
}

fn check(attrs: &Attrs) -> Result<(), ProviderError> {
    let op = required(attrs, "comparison_operator")?;
    if !OPERATORS.contains(&op) {
        return Err(api(
            "ValidationError",
            format!("Invalid value '{op}' at 'comparisonOperator'"),
        ));
    }
    let metrics = queries(attrs);
    if !metrics.is_empty() {
        if str_of(attrs, "metric_name").is_some() || str_of(attrs, "namespace").is_some() {
            return Err(api_help(
                "InvalidParameterCombination",
                "Metrics list must not be set together with MetricName or Namespace.",
                "describe the alarm with either one metric or `metrics`",
            ));
        }
        let returned = metrics
            .iter()
            .filter(|q| q.get("return_data").and_then(Value::as_bool) == Some(true))
            .count();
        if returned != 1 {
            return Err(api(
                "ValidationError",
                format!(
                    "Exactly one element of the metrics list should return data; {returned} do."
                ),
            ));
        }
        return Ok(());
    }
    for name in ["namespace", "metric_name"] {
        required(attrs, name)?;
    }
    let stat = str_of(attrs, "statistic").is_some();
    let ext = str_of(attrs, "extended_statistic").is_some();
    if stat == ext {
        return Err(api_help(
            "InvalidParameterCombination",
            "Exactly one of Statistic and ExtendedStatistic must be set.",
            "set either statistic (e.g. Average) or extended_statistic (e.g. p95)",
        ));
    }
    Ok(())
}

/// Creates (or replaces) an alarm; its id is its name.
pub fn create(c: &mut Cloud, new: NewResource<'_>) -> Result<String, ProviderError> {
    check(&new.attrs)?;
    let name = required(&new.attrs, "alarm_name")?.to_string();
    let region = c.region.clone();
    let mut rec = new.record(c, name.clone());
    rec.computed.insert(
        "arn".into(),
        Value::String(arn("cloudwatch", &region, &format!("alarm:{name}")).into()),
    );
    rec.phases = c.timeline(&[("pending", 1.0)]);
    c.remove(kinds::METRIC_ALARM, &name);
    c.insert(rec);
    Ok(name)
}

/// Updates an alarm in place (its state starts over).
pub fn update(c: &mut Cloud, req: &UpdateRequest, attrs: Attrs) -> Result<(), ProviderError> {
    check(&attrs)?;
    let now = c.now;
    if let Some(rec) = c.get_mut(&req.kind, &req.id) {
        rec.attrs = attrs;
        rec.retag();
        rec.computed.remove("state_value");
        rec.created_ms = now;
    }
    Ok(())
}

/// Deletes an alarm.
pub fn delete(c: &mut Cloud, req: &DeleteRequest) -> Result<(), ProviderError> {
    c.start_delete(&req.kind, &req.id, "deleting", 1.0);
    Ok(())
}

/// Sets an alarm's state, as `SetAlarmState` does.
pub fn set_state(c: &mut Cloud, name: &str, state: &str) -> Result<(), ProviderError> {
    if !["OK", "ALARM", "INSUFFICIENT_DATA"].contains(&state) {
        return Err(api(
            "InvalidParameterValue",
            format!("Invalid alarm state {state}"),
        ));
    }
    let rec = c
        .get_mut(kinds::METRIC_ALARM, name)
        .ok_or_else(|| api("ResourceNotFound", format!("Alarm {name} not found")))?;
    rec.computed
        .insert("state_value".into(), Value::String(state.into()));
    Ok(())
}

/// The alarm's state, as a read returns it.
pub fn live(c: &Cloud, rec: &Record, out: &mut Attrs) {
    out.insert("state_value".into(), Value::String(state(c, rec).into()));
}

const INSUFFICIENT: &str = "INSUFFICIENT_DATA";

/// The alarm's state now: set explicitly, else `INSUFFICIENT_DATA` until
/// one period has passed since it was created or updated, else evaluated
/// over its last `evaluation_periods` complete periods.
pub fn state(c: &Cloud, rec: &Record) -> String {
    if let Some(s) = rec.computed.get("state_value").and_then(Value::as_str) {
        return s.to_string();
    }
    let attrs = &rec.attrs;
    let period_ms = period_ms(c, period_of(attrs));
    if c.now < rec.created_ms.saturating_add(period_ms) {
        return INSUFFICIENT.into();
    }
    let faults = FaultConfig {
        bad_versions: c.bad_versions.clone(),
        ..FaultConfig::default()
    };
    let n = int_of(attrs, "evaluation_periods")
        .unwrap_or(1)
        .clamp(1, 1000) as u64;
    let last_end = c.now / period_ms * period_ms;
    let points: Vec<Option<f64>> = (0..n)
        .rev()
        .map(|k| {
            let end = last_end.saturating_sub(k * period_ms);
            let start = end.saturating_sub(period_ms);
            value(c, &faults, attrs, start, end)
        })
        .collect();
    decide(
        &points,
        attrs
            .get("threshold")
            .and_then(|v| v.as_f64().or_else(|| v.as_i64().map(|i| i as f64)))
            .unwrap_or(0.0),
        str_of(attrs, "comparison_operator").unwrap_or_default(),
        str_of(attrs, "treat_missing_data").unwrap_or("missing"),
    )
    .into()
}

/// Seconds per period: `period`, or for metric math the longest period of
/// its metrics.
fn period_of(attrs: &Attrs) -> i64 {
    let math = queries(attrs)
        .iter()
        .filter_map(|q| q.get("metric_stat").and_then(Value::as_map))
        .filter_map(|m| int_of(m, "period"))
        .max();
    math.or_else(|| int_of(attrs, "period"))
        .unwrap_or(60)
        .max(1)
}

/// Clock milliseconds of a period of `secs` AWS seconds.
fn period_ms(c: &Cloud, secs: i64) -> u64 {
    let ms = secs as f64 / aws_secs_per_ms(c.speed);
    if ms >= u64::MAX as f64 {
        u64::MAX
    } else {
        (ms.ceil() as u64).max(1)
    }
}

/// CloudWatch's verdict on the evaluated datapoints (oldest first).
fn decide(points: &[Option<f64>], threshold: f64, op: &str, missing: &str) -> &'static str {
    if points.iter().all(Option::is_none) {
        return match missing {
            "breaching" => "ALARM",
            "notBreaching" => "OK",
            _ => INSUFFICIENT,
        };
    }
    let breaches = |v: f64| match op {
        "GreaterThanThreshold" => v > threshold,
        "GreaterThanOrEqualToThreshold" => v >= threshold,
        "LessThanThreshold" => v < threshold,
        "LessThanOrEqualToThreshold" => v <= threshold,
        _ => false,
    };
    let verdicts: Vec<bool> = points
        .iter()
        .filter_map(|p| match (p, missing) {
            (Some(v), _) => Some(breaches(*v)),
            (None, "breaching") => Some(true),
            (None, "notBreaching") => Some(false),
            (None, _) => None,
        })
        .collect();
    if verdicts.iter().all(|b| *b) {
        "ALARM"
    } else {
        "OK"
    }
}

/// The alarm's value for the period `start..end`.
fn value(c: &Cloud, faults: &FaultConfig, attrs: &Attrs, start: u64, end: u64) -> Option<f64> {
    let metrics = queries(attrs);
    if metrics.is_empty() {
        let empty = Attrs::new();
        let dims = attrs
            .get("dimensions")
            .and_then(Value::as_map)
            .unwrap_or(&empty);
        return datapoint(
            c,
            faults,
            str_of(attrs, "namespace")?,
            str_of(attrs, "metric_name")?,
            dims,
            start,
            end,
        );
    }
    let returned = metrics
        .iter()
        .find(|q| q.get("return_data").and_then(Value::as_bool) == Some(true))?;
    query_value(c, faults, &metrics, returned, start, end, 0)
}

/// One metric query's value for a period (expressions evaluated over the
/// other queries; a cycle or deep nesting has no value).
fn query_value(
    c: &Cloud,
    faults: &FaultConfig,
    all: &[&Attrs],
    q: &Attrs,
    start: u64,
    end: u64,
    depth: usize,
) -> Option<f64> {
    if depth > all.len() {
        return None;
    }
    if let Some(m) = q.get("metric_stat").and_then(Value::as_map) {
        let empty = Attrs::new();
        let dims = m
            .get("dimensions")
            .and_then(Value::as_map)
            .unwrap_or(&empty);
        return datapoint(
            c,
            faults,
            str_of(m, "namespace")?,
            str_of(m, "metric_name")?,
            dims,
            start,
            end,
        );
    }
    let expr = Expr::parse(str_of(q, "expression")?).ok()?;
    expr.eval(&|id| {
        let other = all.iter().find(|o| str_of(o, "id") == Some(id))?;
        query_value(c, faults, all, other, start, end, depth + 1)
    })
}

/// The ARN of the live load balancer or target group whose CloudWatch
/// dimension value (ARN suffix) is `suffix`.
fn by_suffix<'c>(c: &'c Cloud, kind: &str, suffix: &str) -> Option<&'c str> {
    c.live_records(kind)
        .find(|r| kinds::elb_arn_suffix(&r.id) == suffix)
        .map(|r| r.id.as_str())
}

/// One datapoint of a load-balancer metric over `start..end`.
fn datapoint(
    c: &Cloud,
    faults: &FaultConfig,
    namespace: &str,
    metric: &str,
    dims: &strata_core::value::Attrs,
    start: u64,
    end: u64,
) -> Option<f64> {
    if namespace != "AWS/ApplicationELB" {
        return None;
    }
    let dim = |name: &str| dims.get(name).and_then(Value::as_str);
    let lb = match dim("LoadBalancer") {
        Some(s) => Some(by_suffix(c, kinds::LOAD_BALANCER, s)?),
        None => None,
    };
    let tg = match dim("TargetGroup") {
        Some(s) => Some(by_suffix(c, kinds::TARGET_GROUP, s)?),
        None => None,
    };
    let positive = |x: f64| (x > 0.0).then_some(x);
    match metric {
        "RequestCount"
        | "HTTPCode_Target_5XX_Count"
        | "HTTPCode_ELB_5XX_Count"
        | "TargetResponseTime" => {
            let s = match (lb, tg) {
                (lb, Some(tg)) => traffic::served(c, faults, lb, tg, start, end),
                (Some(lb), None) => traffic::served_by_lb(c, faults, lb, start, end),
                (None, None) => return None,
            };
            match metric {
                "RequestCount" => positive(s.requests),
                "HTTPCode_Target_5XX_Count" => positive(s.target_5xx),
                "HTTPCode_ELB_5XX_Count" => positive(s.elb_5xx),
                _ => s.p95_ms.map(|ms| ms / 1000.0),
            }
        }
        "UnHealthyHostCount" | "HealthyHostCount" => {
            let health = traffic::target_health(c, faults, tg?);
            let want_healthy = metric == "HealthyHostCount";
            let n = health
                .iter()
                .filter(|t| {
                    if want_healthy {
                        t.is_healthy()
                    } else {
                        t.state == "unhealthy"
                    }
                })
                .count();
            Some(n as f64)
        }
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::decide;

    #[test]
    fn every_period_must_breach_and_missing_data_follows_its_setting() {
        let all = [Some(2.0), Some(3.0), Some(5.0)];
        assert_eq!(
            decide(&all, 1.0, "GreaterThanThreshold", "missing"),
            "ALARM"
        );
        let one_ok = [Some(2.0), Some(0.5), Some(5.0)];
        assert_eq!(
            decide(&one_ok, 1.0, "GreaterThanThreshold", "missing"),
            "OK"
        );
        assert_eq!(decide(&all, 5.0, "GreaterThanThreshold", "missing"), "OK");
        assert_eq!(
            decide(&all, 2.0, "GreaterThanOrEqualToThreshold", "missing"),
            "ALARM"
        );
        assert_eq!(decide(&all, 6.0, "LessThanThreshold", "missing"), "ALARM");
        let gap = [Some(2.0), None, Some(5.0)];
        assert_eq!(
            decide(&gap, 1.0, "GreaterThanThreshold", "missing"),
            "ALARM"
        );
        assert_eq!(
            decide(&gap, 1.0, "GreaterThanThreshold", "notBreaching"),
            "OK"
        );
        let none = [None, None];
        assert_eq!(
            decide(&none, 1.0, "GreaterThanThreshold", "missing"),
            "INSUFFICIENT_DATA"
        );
        assert_eq!(
            decide(&none, 1.0, "GreaterThanThreshold", "notBreaching"),
            "OK"
        );
        assert_eq!(
            decide(&none, 1.0, "GreaterThanThreshold", "breaching"),
            "ALARM"
        );
    }
}
