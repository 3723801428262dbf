//! The signals a release watches: target health (ELBv2
//! `DescribeTargetHealth`), a target group's traffic (CloudWatch
//! `GetMetricStatistics` on `AWS/ApplicationELB`) and alarm states
//! (CloudWatch `DescribeAlarms`). Read-only; plan and apply never call them.
//!
//! CloudWatch names a load balancer and a target group by their ARN
//! suffixes, not their ARNs:
//!
//! ```
//! use strata_aws::signals::{lb_dimension, tg_dimension};
//! let tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-blue/73e2d6bc24d8a067";
//! let lb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop-alb/50dc6c495c0c9188";
//! assert_eq!(tg_dimension(tg), "targetgroup/shop-blue/73e2d6bc24d8a067");
//! assert_eq!(lb_dimension(lb), "app/shop-alb/50dc6c495c0c9188");
//! ```

use std::collections::{BTreeMap, HashMap};

use aws_sdk_cloudwatch::types::{Datapoint, Dimension, Statistic};
use aws_smithy_types::DateTime;
use strata_core::kinds;
use strata_core::provider::{MetricsRequest, ProviderError, TargetHealth, TargetMetrics};

use crate::config::Clients;
use crate::errors::{is_not_found, map};

/// The namespace of Application Load Balancer metrics.
const NAMESPACE: &str = "AWS/ApplicationELB";
/// The period of the statistics, in seconds (ALB metrics are per minute).
const PERIOD: i64 = 60;
/// The extended statistic read from `TargetResponseTime`.
const P95: &str = "p95";

/// The resource part of an ARN (after its fifth `:`), or the text itself.
fn resource(arn: &str) -> &str {
    arn.splitn(6, ':').nth(5).unwrap_or(arn)
}

/// The `TargetGroup` dimension of a target group: `targetgroup/NAME/ID`.
pub fn tg_dimension(arn: &str) -> &str {
    resource(arn)
}

/// The `LoadBalancer` dimension of a load balancer: `app/NAME/ID`.
pub fn lb_dimension(arn: &str) -> &str {
    let r = resource(arn);
    r.strip_prefix("loadbalancer/").unwrap_or(r)
}

/// Every target registered with a target group and its state; the AZ of an
/// instance target (which `DescribeTargetHealth` leaves out) comes from one
/// `DescribeInstances` for all of them.
pub(crate) async fn target_health(
    c: &Clients,
    tg_arn: &str,
) -> Result<Vec<TargetHealth>, ProviderError> {
    let resp = c
        .elb
        .describe_target_health()
        .target_group_arn(tg_arn)
        .send()
        .await
        .map_err(map)
        .map_err(|e| not_found(e, kinds::TARGET_GROUP, tg_arn))?;
    let mut out: Vec<TargetHealth> = resp
        .target_health_descriptions()
        .iter()
        .filter_map(|d| {
            let t = d.target()?;
            Some(TargetHealth {
                id: t.id()?.to_string(),
                az: t.availability_zone().unwrap_or_default().to_string(),
                state: d
                    .target_health()
                    .and_then(|h| h.state())
                    .map_or("unavailable", |s| s.as_str())
                    .to_string(),
            })
        })
        .collect();
    let instances: Vec<String> = out
        .iter()
        .filter(|t| t.az.is_empty() && t.id.starts_with("i-"))
        .map(|t| t.id.clone())
        .collect();
    if !instances.is_empty() {
        let zones = instance_zones(c, instances).await?;
        for t in out.iter_mut().filter(|t| t.az.is_empty()) {
            if let Some(z) = zones.get(&t.id) {
                t.az.clone_from(z);
            }
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The AZ of each instance that still exists.
async fn instance_zones(
    c: &Clients,
    ids: Vec<String>,
) -> Result<HashMap<String, String>, ProviderError> {
    // Filtering by `instance-id` (rather than `InstanceIds`) does not fail
    // when one of them was terminated meanwhile.
    let filter = aws_sdk_ec2::types::Filter::builder()
        .name("instance-id")
        .set_values(Some(ids))
        .build();
    let pages = c
        .ec2
        .describe_instances()
        .filters(filter)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    Ok(pages
        .iter()
        .flat_map(|p| p.reservations())
        .flat_map(|r| r.instances())
        .filter_map(|i| {
            let az = i.placement()?.availability_zone()?;
            Some((i.instance_id()?.to_string(), az.to_string()))
        })
        .collect())
}

/// The window CloudWatch is asked about, in unix seconds: the start rounded
/// down to the minute (as CloudWatch itself does for recent per-minute
/// data), the end rounded up to the second and always after the start
/// (CloudWatch rejects `StartTime >= EndTime`).
fn window(start_ms: u64, end_ms: u64) -> (i64, i64) {
    let secs = |ms: u64| i64::try_from(ms / 1000).unwrap_or(i64::MAX);
    let start = secs(start_ms) / PERIOD * PERIOD;
    let end = secs(end_ms.saturating_add(999)).max(start + 1);
    (start, end)
}

/// The requests, 5xx responses and p95 latency of a target group behind a
/// load balancer in a window: four `GetMetricStatistics` calls with the
/// `TargetGroup` and `LoadBalancer` dimensions, period 60 s.
///
/// Sums add up over the periods; the p95 is the highest per-minute p95 (a
/// percentile cannot be combined exactly, and the highest is the cautious
/// choice for a gate). Without datapoints the group served nothing: zero
/// requests and no p95, which the release's minimum request count treats
/// as "not enough to decide". CloudWatch reports `HTTPCode_ELB_5XX_Count`
/// per target group only for some causes; those it reports per load
/// balancer alone are not counted here (the SLO alarm on the load balancer
/// still sees them).
pub(crate) async fn target_metrics(
    c: &Clients,
    req: &MetricsRequest,
) -> Result<TargetMetrics, ProviderError> {
    let (start, end) = window(req.start_ms, req.end_ms);
    let dims = [
        ("TargetGroup", tg_dimension(&req.target_group_arn)),
        ("LoadBalancer", lb_dimension(&req.load_balancer_arn)),
    ];
    let stats = |metric: &'static str, extended: bool| {
        let mut call =
            c.cw.get_metric_statistics()
                .namespace(NAMESPACE)
                .metric_name(metric)
                .start_time(DateTime::from_secs(start))
                .end_time(DateTime::from_secs(end))
                .period(PERIOD as i32);
        for (name, value) in dims {
            call = call.dimensions(Dimension::builder().name(name).value(value).build());
        }
        call = if extended {
            call.extended_statistics(P95)
        } else {
            call.statistics(Statistic::Sum)
        };
        async move {
            let resp = call.send().await.map_err(map)?;
            Ok::<_, ProviderError>(resp.datapoints().to_vec())
        }
    };
    let requests = total(&stats("RequestCount", false).await?);
    let target_5xx = total(&stats("HTTPCode_Target_5XX_Count", false).await?);
    let elb_5xx = total(&stats("HTTPCode_ELB_5XX_Count", false).await?);
    let latency = stats("TargetResponseTime", true).await?;
    Ok(metrics(requests, target_5xx + elb_5xx, &latency))
}

/// The sum of the `Sum` of each datapoint, as a count.
fn total(points: &[Datapoint]) -> u64 {
    let sum: f64 = points.iter().filter_map(Datapoint::sum).sum();
    // Counts are whole numbers; a negative or NaN sum is no traffic.
    if sum.is_finite() && sum > 0.0 {
        sum.round() as u64
    } else {
        0
    }
}

/// The metrics of a window from its totals and its latency datapoints
/// (`TargetResponseTime` is in seconds).
fn metrics(requests: u64, errors_5xx: u64, latency: &[Datapoint]) -> TargetMetrics {
    let p95_s = latency
        .iter()
        .filter_map(|d| d.extended_statistics()?.get(P95).copied())
        .filter(|v| v.is_finite())
        .fold(None, |max: Option<f64>, v| {
            Some(max.map_or(v, |m| m.max(v)))
        });
    TargetMetrics {
        requests,
        errors_5xx,
        p95_ms: if requests == 0 {
            None
        } else {
            p95_s.map(|s| s * 1000.0)
        },
    }
}

/// The state (`OK`, `ALARM`, `INSUFFICIENT_DATA`) of each named alarm that
/// exists; alarms that do not are left out.
pub(crate) async fn alarm_states(
    c: &Clients,
    names: &[String],
) -> Result<BTreeMap<String, String>, ProviderError> {
    let mut out = BTreeMap::new();
    // Without names DescribeAlarms lists every alarm of the account.
    for chunk in names.chunks(100) {
        let pages =
            c.cw.describe_alarms()
                .set_alarm_names(Some(chunk.to_vec()))
                .into_paginator()
                .send()
                .try_collect()
                .await
                .map_err(map)?;
        for m in pages.iter().flat_map(|p| p.metric_alarms()) {
            if let (Some(name), Some(state)) = (m.alarm_name(), m.state_value()) {
                out.insert(name.to_string(), state.as_str().to_string());
            }
        }
    }
    Ok(out)
}

/// AWS's `TargetGroupNotFound` as [`ProviderError::NotFound`].
fn not_found(e: ProviderError, kind: &str, id: &str) -> ProviderError {
    if is_not_found(&e) {
        ProviderError::NotFound {
            kind: kind.to_string(),
            id: id.to_string(),
        }
    } else {
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(sum: Option<f64>, p95: Option<f64>) -> Datapoint {
        let mut b = Datapoint::builder().set_sum(sum);
        if let Some(v) = p95 {
            b = b.extended_statistics(P95, v);
        }
        b.build()
    }

    #[test]
    fn dimensions_are_arn_suffixes() {
        assert_eq!(
            tg_dimension("arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/a-b/1f"),
            "targetgroup/a-b/1f"
        );
        assert_eq!(
            lb_dimension("arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/a/2e"),
            "app/a/2e"
        );
        // Not an ARN: passed through, CloudWatch then finds nothing.
        assert_eq!(lb_dimension("app/a/2e"), "app/a/2e");
    }

    #[test]
    fn window_starts_on_the_minute_and_never_ends_before_it_starts() {
        // 12:00:30.250 → 12:00:30.700: same second.
        let start = 1_700_000_430_250;
        assert_eq!(window(start, start + 450), (1_700_000_400, 1_700_000_431));
        assert_eq!(
            window(1_700_000_400_000, 1_700_000_400_000),
            (1_700_000_400, 1_700_000_401)
        );
        let (s, e) = window(1_700_000_000_000, 1_700_000_600_000);
        assert!(s <= 1_700_000_000 && e == 1_700_000_600 && s % 60 == 0);
    }

    #[test]
    fn sums_add_up_and_p95_is_the_worst_minute_in_ms() {
        let counts = [point(Some(120.0), None), point(Some(80.0), None)];
        let latency = [point(None, Some(0.120)), point(None, Some(0.310))];
        let m = metrics(total(&counts), total(&[point(Some(3.0), None)]), &latency);
        assert_eq!(m.requests, 200);
        assert_eq!(m.errors_5xx, 3);
        assert_eq!(m.p95_ms.map(|v| v.round()), Some(310.0));
    }

    #[test]
    fn no_datapoints_is_no_traffic() {
        let m = metrics(total(&[]), total(&[]), &[]);
        assert_eq!(m, TargetMetrics::default());
        assert_eq!(m.error_rate(), 0.0);
    }
}
