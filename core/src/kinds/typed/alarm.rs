//! The typed spec of CloudWatch metric alarms (the SLO guards of a canary).

use std::collections::BTreeMap;

use super::{AttrsBuilder, Handle, Input, ResourceSpec};
use crate::kinds;
use crate::value::Attrs;

/// `aws.cloudwatch.metric_alarm`: an alarm on one metric.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricAlarm {
    /// Alarm name.
    pub alarm_name: String,
    /// e.g. `AWS/ApplicationELB`.
    pub namespace: String,
    /// e.g. `HTTPCode_Target_5XX_Count`.
    pub metric_name: String,
    /// `Average`, `Sum`, `Minimum`, `Maximum` or `SampleCount`.
    pub statistic: Option<String>,
    /// A percentile such as `p95`.
    pub extended_statistic: Option<String>,
    /// Metric dimensions (values may reference other resources, e.g.
    /// `asg.name().as_string()`).
    pub dimensions: BTreeMap<String, Input<String>>,
    /// Seconds per datapoint.
    pub period: i64,
    /// Datapoints that must breach.
    pub evaluation_periods: i64,
    /// The threshold.
    pub threshold: f64,
    /// e.g. `GreaterThanThreshold`.
    pub comparison_operator: String,
    /// `missing` (default), `notBreaching`, `breaching` or `ignore`.
    pub treat_missing_data: Option<String>,
    /// ARNs notified on ALARM (e.g. a scaling policy's `arn()`).
    pub alarm_actions: Vec<Input<String>>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for MetricAlarm {
    const KIND: &'static str = kinds::METRIC_ALARM;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("alarm_name", self.alarm_name)
            .set("namespace", self.namespace)
            .set("metric_name", self.metric_name)
            .opt("statistic", self.statistic)
            .opt("extended_statistic", self.extended_statistic)
            .map("dimensions", self.dimensions)
            .set("period", self.period)
            .set("evaluation_periods", self.evaluation_periods)
            .set("threshold", self.threshold)
            .set("comparison_operator", self.comparison_operator)
            .opt("treat_missing_data", self.treat_missing_data)
            .list("alarm_actions", self.alarm_actions)
            .tags(self.tags)
            .build()
    }
}

impl Handle<MetricAlarm> {
    /// The alarm's ARN.
    pub fn arn(&self) -> Input<String> {
        self.attr("arn")
    }
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    pub fn state_value(&self) -> Input<String> {
        self.attr("state_value")
    }
}
