//! CloudWatch kinds: metric alarms.

use std::time::Duration;

use super::ec2::TAGS;
use crate::schema::{AttrSchema as A, AttrType as T, Default as D, KindSchema};

pub(super) static METRIC_ALARM: KindSchema = KindSchema {
    kind: super::METRIC_ALARM,
    doc: "A CloudWatch alarm on one metric.",
    attrs: &[
        A::required("alarm_name", T::String, "Alarm name.").force_new(),
        A::required("namespace", T::String, "e.g. AWS/ApplicationELB."),
        A::required("metric_name", T::String, "e.g. HTTPCode_Target_5XX_Count."),
        A::optional(
            "statistic",
            T::String,
            "Average, Sum, Minimum, Maximum or SampleCount.",
        ),
        A::optional("extended_statistic", T::String, "A percentile such as p95."),
        A::optional("dimensions", T::Map(&T::String), "Metric dimensions."),
        A::required("period", T::Int, "Seconds per datapoint."),
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
        TAGS,
        A::computed("arn", T::String, "ARN."),
        A::computed("state_value", T::String, "OK, ALARM or INSUFFICIENT_DATA."),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(300),
    concurrency: 10,
};
