//! The typed spec of CloudWatch metric alarms (the SLO guards of a canary).

use std::collections::BTreeMap;

use super::{AttrsBuilder, Handle, Input, ResourceSpec};
use crate::kinds;
use crate::value::{Attrs, Value};

/// `aws.cloudwatch.metric_alarm`: an alarm on one metric (`namespace`,
/// `metric_name`, `period` and a statistic) or on metric math (`metrics`;
/// leave the single-metric fields empty).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricAlarm {
    /// Alarm name.
    pub alarm_name: String,
    /// e.g. `AWS/ApplicationELB` (empty for metric math).
    pub namespace: String,
    /// e.g. `HTTPCode_Target_5XX_Count` (empty for metric math).
    pub metric_name: String,
    /// `Average`, `Sum`, `Minimum`, `Maximum` or `SampleCount`.
    pub statistic: Option<String>,
    /// A percentile such as `p95`.
    pub extended_statistic: Option<String>,
    /// Metric dimensions (values may reference other resources, e.g.
    /// `asg.name().as_string()`).
    pub dimensions: BTreeMap<String, Input<String>>,
    /// Seconds per datapoint (0 for metric math).
    pub period: i64,
    /// Metric math: the queries, exactly one of them returning data.
    pub metrics: Vec<MetricQuery>,
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
    /// ARNs notified on OK (e.g. an SNS topic).
    pub ok_actions: Vec<Input<String>>,
    /// ARNs notified on INSUFFICIENT_DATA.
    pub insufficient_data_actions: Vec<Input<String>>,
    /// Of the evaluated periods, how many must breach (`None`: all).
    pub datapoints_to_alarm: Option<i64>,
    /// What the alarm means, shown in notifications.
    pub alarm_description: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for MetricAlarm {
    const KIND: &'static str = kinds::METRIC_ALARM;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("alarm_name", self.alarm_name)
            .opt("namespace", non_empty(self.namespace))
            .opt("metric_name", non_empty(self.metric_name))
            .opt("statistic", self.statistic)
            .opt("extended_statistic", self.extended_statistic)
            .map("dimensions", self.dimensions)
            .opt("period", (self.period != 0).then_some(self.period))
            .list("metrics", self.metrics)
            .set("evaluation_periods", self.evaluation_periods)
            .set("threshold", self.threshold)
            .set("comparison_operator", self.comparison_operator)
            .opt("treat_missing_data", self.treat_missing_data)
            .list("alarm_actions", self.alarm_actions)
            .list("ok_actions", self.ok_actions)
            .list("insufficient_data_actions", self.insufficient_data_actions)
            .opt("datapoints_to_alarm", self.datapoints_to_alarm)
            .opt("alarm_description", self.alarm_description)
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

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// One metric of a metric-math alarm (`MetricStat`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricStat {
    /// e.g. `AWS/ApplicationELB`.
    pub namespace: String,
    /// e.g. `RequestCount`.
    pub metric_name: String,
    /// Metric dimensions (values may reference other resources).
    pub dimensions: BTreeMap<String, Input<String>>,
    /// `Sum`, `Average`, … or a percentile such as `p95`.
    pub stat: String,
    /// Seconds per datapoint.
    pub period: i64,
}

/// One query of a metric-math alarm: a metric or an expression over other
/// queries' ids.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricQuery {
    /// The id expressions use (starts with a lowercase letter).
    pub id: String,
    /// An expression such as `100 * (m1 + m2) / m3`.
    pub expression: Option<String>,
    /// The metric this query reads.
    pub metric_stat: Option<MetricStat>,
    /// Whether this is the value the alarm compares with its threshold.
    pub return_data: bool,
    /// A human label.
    pub label: Option<String>,
}

impl MetricQuery {
    /// A query reading one metric (not returned).
    pub fn metric(id: impl Into<String>, stat: MetricStat) -> Self {
        Self {
            id: id.into(),
            expression: None,
            metric_stat: Some(stat),
            return_data: false,
            label: None,
        }
    }

    /// An expression whose value the alarm compares with its threshold.
    pub fn expression(id: impl Into<String>, expression: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            expression: Some(expression.into()),
            metric_stat: None,
            return_data: true,
            label: None,
        }
    }

    /// The same query with a label.
    pub fn labelled(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
}

impl From<MetricQuery> for Value {
    fn from(q: MetricQuery) -> Self {
        let stat = q.metric_stat.map(|m| {
            Value::Map(
                AttrsBuilder::new()
                    .set("namespace", m.namespace)
                    .set("metric_name", m.metric_name)
                    .map("dimensions", m.dimensions)
                    .set("stat", m.stat)
                    .set("period", m.period)
                    .build(),
            )
        });
        Value::Map(
            AttrsBuilder::new()
                .set("id", q.id)
                .opt("expression", q.expression)
                .opt("metric_stat", stat)
                .set("return_data", q.return_data)
                .opt("label", q.label)
                .build(),
        )
    }
}
