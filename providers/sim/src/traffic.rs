//! Simulated traffic, for release gates: each listener sends
//! [`TRAFFIC_RPS`] requests per (AWS) second, split across its target
//! groups by the weights it had at each moment (every weight change is
//! kept in a history), and each target group answers with the error rate
//! and latency of the application versions its healthy targets run —
//! normal ones, or faulty ones from [`FaultConfig::bad_versions`].
//!
//! Numbers are expected values, not random draws, so a test that marks a
//! version faulty gets the same verdict every run.

use std::collections::BTreeMap;

use strata_core::kinds;
use strata_core::provider::{MetricsRequest, TargetHealth, TargetMetrics};
use strata_core::value::{Attrs, Value};

use crate::attrs::{int_of, str_of};
use crate::cloud::{Cloud, Record};
use crate::elbv2;
use crate::faults::FaultConfig;
use crate::objects::WeightChange;

/// Requests per AWS second each listener receives.
pub const TRAFFIC_RPS: f64 = 50.0;
/// Share of requests a healthy version answers with a 5xx.
pub const BASE_ERROR_RATE: f64 = 0.001;
/// p95 latency of a healthy version, in milliseconds.
pub const BASE_P95_MS: f64 = 120.0;

/// Records a listener's weights as of now (after a create or update).
pub fn record_weights(c: &mut Cloud, listener: &str, attrs: &Attrs) {
    let weights: BTreeMap<String, i64> = attrs
        .get("forward")
        .and_then(Value::as_list)
        .unwrap_or(&[])
        .iter()
        .filter_map(Value::as_map)
        .filter_map(|f| {
            let tg = str_of(f, "target_group_arn")?.to_string();
            Some((tg, int_of(f, "weight").unwrap_or(1)))
        })
        .collect();
    let now = c.now;
    let history = c.weight_history.entry(listener.to_string()).or_default();
    if history.last().map(|w| &w.weights) != Some(&weights) {
        history.push(WeightChange { at: now, weights });
    }
}

fn fault_of<'f>(faults: &'f FaultConfig, inst: &Record) -> Option<&'f crate::faults::VersionFault> {
    faults.version_fault(
        inst.tags
            .get("version")
            .map(strata_core::value::Name::as_str),
        inst.attrs.get("ami").and_then(Value::as_str),
    )
}

/// Target health as the load balancer sees it: instances of a version
/// marked `unhealthy` fail their checks once they would have passed.
pub fn target_health(c: &Cloud, faults: &FaultConfig, tg: &str) -> Vec<TargetHealth> {
    elbv2::target_health(c, tg)
        .into_iter()
        .map(|mut t| {
            let bad = c
                .get(kinds::INSTANCE, &t.id)
                .and_then(|i| fault_of(faults, i))
                .is_some_and(|f| f.unhealthy);
            if bad && t.state == "healthy" {
                t.state = "unhealthy".into();
            }
            TargetHealth {
                id: t.id,
                az: t.az,
                state: t.state,
            }
        })
        .collect()
}

/// AWS seconds per clock millisecond (an instant sim counts one second per ms).
pub fn aws_secs_per_ms(speed: f64) -> f64 {
    if speed.is_finite() && speed > 0.0 {
        speed / 1000.0
    } else {
        1.0
    }
}

/// What a target group (or all of a load balancer's) served in a window:
/// expected values, so not whole numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Served {
    /// Requests.
    pub requests: f64,
    /// 5xx answered by the targets (`HTTPCode_Target_5XX_Count`).
    pub target_5xx: f64,
    /// 503s the load balancer answered itself because no target was
    /// healthy (`HTTPCode_ELB_5XX_Count`).
    pub elb_5xx: f64,
    /// p95 latency in milliseconds (`None` without requests).
    pub p95_ms: Option<f64>,
}

impl Served {
    fn add(&mut self, other: Served) {
        let total = self.requests + other.requests;
        self.p95_ms = match (self.p95_ms, other.p95_ms) {
            (Some(a), Some(b)) if total > 0.0 => {
                Some((a * self.requests + b * other.requests) / total)
            }
            (a, b) => a.or(b),
        };
        self.requests = total;
        self.target_5xx += other.target_5xx;
        self.elb_5xx += other.elb_5xx;
    }
}

/// Requests target group `tg` received between `start` and `end` (clock
/// ms) through the listeners of load balancer `lb` (any, if `None`).
fn requests_to(c: &Cloud, lb: Option<&str>, tg: &str, start: u64, end: u64) -> f64 {
    let per_ms = aws_secs_per_ms(c.speed);
    let end = end.min(c.now.max(start));
    let mut requests = 0.0;
    for (listener, history) in &c.weight_history {
        let Some(l) = c.live(kinds::LISTENER, listener) else {
            continue;
        };
        if lb.is_some_and(|lb| l.str("load_balancer_arn") != Some(lb)) {
            continue;
        }
        for (i, change) in history.iter().enumerate() {
            let from = change.at.max(start);
            let to = history.get(i + 1).map_or(end, |n| n.at.min(end));
            if to <= from {
                continue;
            }
            let total: i64 = change.weights.values().sum();
            let own = change.weights.get(tg).copied().unwrap_or(0);
            if total <= 0 || own <= 0 {
                continue;
            }
            let share = own as f64 / total as f64;
            requests += TRAFFIC_RPS * (to - from) as f64 * per_ms * share;
        }
    }
    requests
}

/// What target group `tg` served in a window, answered by the versions its
/// healthy targets run now.
pub fn served(
    c: &Cloud,
    faults: &FaultConfig,
    lb: Option<&str>,
    tg: &str,
    start: u64,
    end: u64,
) -> Served {
    let requests = requests_to(c, lb, tg, start, end);
    let healthy: Vec<&Record> = target_health(c, faults, tg)
        .iter()
        .filter(|t| t.is_healthy())
        .filter_map(|t| c.get(kinds::INSTANCE, &t.id))
        .collect();
    if healthy.is_empty() {
        // The load balancer answers 503 itself when no target is healthy.
        return Served {
            requests,
            target_5xx: 0.0,
            elb_5xx: requests,
            p95_ms: (requests > 0.0).then_some(BASE_P95_MS),
        };
    }
    let n = healthy.len() as f64;
    let (errors, p95) =
        healthy
            .iter()
            .map(|i| fault_of(faults, i))
            .fold((0.0, 0.0), |(e, p), f| {
                (
                    e + f.and_then(|f| f.error_rate).unwrap_or(BASE_ERROR_RATE),
                    p + f.and_then(|f| f.p95_ms).unwrap_or(BASE_P95_MS),
                )
            });
    Served {
        requests,
        target_5xx: requests * errors / n,
        elb_5xx: 0.0,
        p95_ms: (requests > 0.0).then_some(p95 / n),
    }
}

/// What all the target groups behind load balancer `lb` served in a window.
pub fn served_by_lb(c: &Cloud, faults: &FaultConfig, lb: &str, start: u64, end: u64) -> Served {
    let mut tgs = std::collections::BTreeSet::new();
    for (listener, history) in &c.weight_history {
        let on_lb = c
            .live(kinds::LISTENER, listener)
            .is_some_and(|l| l.str("load_balancer_arn") == Some(lb));
        if on_lb {
            tgs.extend(history.iter().flat_map(|h| h.weights.keys()));
        }
    }
    let mut out = Served::default();
    for tg in tgs {
        out.add(served(c, faults, Some(lb), tg, start, end));
    }
    out
}

/// What a target group served between `req.start_ms` and `req.end_ms`.
pub fn metrics(c: &Cloud, faults: &FaultConfig, req: &MetricsRequest) -> TargetMetrics {
    let s = served(
        c,
        faults,
        Some(&req.load_balancer_arn),
        &req.target_group_arn,
        req.start_ms,
        req.end_ms,
    );
    let requests = s.requests.round() as u64;
    let rate = if s.requests > 0.0 {
        (s.target_5xx + s.elb_5xx) / s.requests
    } else {
        0.0
    };
    TargetMetrics {
        requests,
        errors_5xx: (requests as f64 * rate).round() as u64,
        p95_ms: (requests > 0).then_some(s.p95_ms.unwrap_or(BASE_P95_MS)),
    }
}

/// The state of each named alarm that exists, evaluated from the
/// simulated traffic (see [`crate::cloudwatch::state`]).
pub fn alarm_states(c: &Cloud, names: &[String]) -> BTreeMap<String, String> {
    names
        .iter()
        .filter_map(|n| {
            let rec = c.live(kinds::METRIC_ALARM, n)?;
            Some((n.clone(), crate::cloudwatch::state(c, rec).to_string()))
        })
        .collect()
}
