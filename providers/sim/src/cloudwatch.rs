//! CloudWatch metric alarms: PutMetricAlarm semantics (a name is replaced,
//! not duplicated), `INSUFFICIENT_DATA` until enough periods pass, and a
//! state drills can set.

use strata_core::kinds;
use strata_core::provider::{DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, api_help, int_of, required, str_of};
use crate::clock::scaled_ms;
use crate::cloud::{Cloud, Record};
use crate::ids::arn;
use crate::provider::NewResource;

const OPERATORS: &[&str] = &[
    "GreaterThanOrEqualToThreshold",
    "GreaterThanThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
    "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "GreaterThanUpperThreshold",
];

fn check(attrs: &Attrs) -> Result<(), ProviderError> {
    let stat = str_of(attrs, "statistic").is_some();
    let ext = str_of(attrs, "extended_statistic").is_some();
    if stat == ext {
        return Err(api_help(
            "InvalidParameterCombination",
            "Exactly one of Statistic and ExtendedStatistic must be set.",
            "set either statistic (e.g. Average) or extended_statistic (e.g. p95)",
        ));
    }
    let op = required(attrs, "comparison_operator")?;
    if !OPERATORS.contains(&op) {
        return Err(api(
            "ValidationError",
            format!("Invalid value '{op}' at 'comparisonOperator'"),
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
        Value::String(arn("cloudwatch", &region, &format!("alarm:{name}"))),
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

/// The alarm's state: set explicitly, else `INSUFFICIENT_DATA` until its
/// evaluation window has passed once, then `OK`.
pub fn live(c: &Cloud, rec: &Record, out: &mut Attrs) {
    if out.contains_key("state_value") {
        return;
    }
    let window = int_of(&rec.attrs, "period").unwrap_or(60)
        * int_of(&rec.attrs, "evaluation_periods").unwrap_or(1);
    let enough = rec
        .created_ms
        .saturating_add(scaled_ms(window as f64, c.speed));
    let state = if c.now >= enough {
        "OK"
    } else {
        "INSUFFICIENT_DATA"
    };
    out.insert("state_value".into(), Value::String(state.into()));
}
