//! CloudWatch kinds: metric alarms, on one metric or on metric math.

use std::time::Duration;

use super::ec2::TAGS;
use crate::schema::{Api, AttrSchema as A, AttrType as T, Default as D, Field as F, KindSchema};

/// One metric a metric-math alarm reads (PutMetricAlarm's `MetricStat`).
pub(super) const METRIC_STAT: T = T::Object(&[
    F::req("namespace", T::String),
    F::req("metric_name", T::String),
    F::opt("dimensions", T::Map(&T::String)),
    F::req("stat", T::String),
    F::req("period", T::Int),
]);

/// One metric data query of a metric-math alarm (an element of
/// PutMetricAlarm's `Metrics`): a metric or an expression over other
/// queries' ids.
pub(super) const METRIC_QUERY: T = T::Object(&[
    F::req("id", T::String),
    F::opt("expression", T::String),
    F::opt("metric_stat", METRIC_STAT),
    F::opt("return_data", T::Bool),
    F::opt("label", T::String),
]);

/// The attributes of the single-metric form, which `metrics` excludes.
pub(super) const SINGLE_METRIC_ATTRS: &[&str] = &[
    "namespace",
    "metric_name",
    "statistic",
    "extended_statistic",
    "dimensions",
    "period",
];

pub(super) static METRIC_ALARM: KindSchema = KindSchema {
    kind: super::METRIC_ALARM,
    doc: "A CloudWatch alarm on one metric, or on a metric-math expression.",
    attrs: &[
        A::required("alarm_name", T::String, "Alarm name.")
            .force_new("PutMetricAlarm knows an alarm by its name: a new name is a new alarm."),
        A::optional(
            "namespace",
            T::String,
            "e.g. AWS/ApplicationELB (single-metric alarms).",
        ),
        A::optional(
            "metric_name",
            T::String,
            "e.g. HTTPCode_Target_5XX_Count (single-metric alarms).",
        ),
        A::optional(
            "statistic",
            T::String,
            "Average, Sum, Minimum, Maximum or SampleCount.",
        ),
        A::optional("extended_statistic", T::String, "A percentile such as p95."),
        A::optional("dimensions", T::Map(&T::String), "Metric dimensions."),
        A::optional(
            "period",
            T::Int,
            "Seconds per datapoint (single-metric alarms).",
        ),
        A::optional(
            "metrics",
            T::List(&METRIC_QUERY),
            "Metric math instead of one metric: queries with an `id` and either a \
             `metric_stat` (namespace, metric_name, dimensions, stat, period) or an \
             `expression` over other ids; exactly one has `return_data = true`.",
        ),
        A::required("evaluation_periods", T::Int, "Datapoints that must breach."),
        A::required("threshold", T::Float, "The threshold."),
        A::required(
            "comparison_operator",
            T::String,
            "e.g. GreaterThanThreshold.",
        ),
        A::optional(
            "treat_missing_data",
            T::String,
            "missing, notBreaching, breaching or ignore.",
        )
        .default(D::Str("missing")),
        A::optional(
            "alarm_actions",
            T::List(&T::String),
            "ARNs notified on ALARM.",
        ),
        A::optional(
            "ok_actions",
            T::List(&T::String),
            "ARNs notified on OK (e.g. an SNS topic, to say the alarm is over).",
        )
        .member("OKActions"),
        A::optional(
            "insufficient_data_actions",
            T::List(&T::String),
            "ARNs notified on INSUFFICIENT_DATA.",
        ),
        A::optional(
            "datapoints_to_alarm",
            T::Int,
            "Of the evaluated periods, how many must breach (M of N; unset: all of them).",
        ),
        A::optional(
            "alarm_description",
            T::String,
            "What the alarm means, shown in notifications.",
        ),
        TAGS,
        A::computed("arn", T::String, "ARN.").member("AlarmArn"),
        A::computed("state_value", T::String, "OK, ALARM or INSUFFICIENT_DATA.").status(),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(300),
    concurrency: 10,
    stateful: false,
    api: Api {
        service: "monitoring",
        create: &["PutMetricAlarm"],
        update: &["PutMetricAlarm"],
        read: &["DescribeAlarms", "ListTagsForResource"],
        delete: &["DeleteAlarms"],
    },
};
