//! The probe a drill runs beside its steps: it reads the load balancer's
//! target health (`DescribeTargetHealth`) and the traffic its live target
//! groups served (requests and 5xx; on the sim, its synthetic requests)
//! every poll, and sums up what a user of the stack would have seen: the
//! 5xx rate, the fewest healthy targets, and the longest time without any.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use strata_core::provider::{MetricsRequest, Provider};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::events::{Event, EventKind};
use strata_core::events::Observer;

/// Cloud milliseconds of traffic each metrics read covers (at least).
const METRICS_WINDOW_MS: f64 = 60_000.0;

/// The service level a drill must keep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slo {
    /// Highest 5xx share of the requests served during the drill.
    pub max_error_rate: f64,
    /// Longest (cloud) time the load balancer may have no healthy target.
    pub max_unavailable: Duration,
}

impl Default for Slo {
    /// The seed's SLO: 5xx ≤ 1 %; never a minute without a healthy target.
    fn default() -> Self {
        Self {
            max_error_rate: 0.01,
            max_unavailable: Duration::from_secs(60),
        }
    }
}

/// A target group the load balancer sends traffic to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveGroup {
    /// The target group's ARN.
    pub target_group_arn: String,
    /// Its load balancer's ARN.
    pub load_balancer_arn: String,
}

/// What the probe saw.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProbeSummary {
    /// Readings taken.
    pub samples: u64,
    /// Healthy targets before the drill.
    pub healthy_before: usize,
    /// Healthy targets at the end.
    pub healthy_after: usize,
    /// Fewest healthy targets seen.
    pub min_healthy: usize,
    /// Requests served during the drill (`None` where the cloud has no metrics).
    pub requests: Option<u64>,
    /// Of which 5xx.
    pub errors_5xx: Option<u64>,
    /// Their share.
    pub error_rate: Option<f64>,
    /// Longest stretch without a healthy target, cloud seconds.
    pub longest_unavailable_seconds: f64,
    /// Cloud seconds with fewer healthy targets than before the drill.
    pub degraded_seconds: f64,
    /// SLO breaches.
    pub breaches: Vec<String>,
    /// Target groups probed (none: the stack has no load balancer).
    #[serde(default)]
    pub target_groups: usize,
}

impl ProbeSummary {
    /// One line for the report.
    pub fn describe(&self) -> String {
        if self.target_groups == 0 {
            return "nothing to probe: the stack has no load balancer listener in state".into();
        }
        let traffic = match (self.requests, self.error_rate) {
            (Some(r), Some(e)) => format!("5xx {:.2}% of {r} requests", e * 100.0),
            _ => "no request metrics from this cloud".to_string(),
        };
        format!(
            "{traffic}; healthy targets {} before, {} at least, {} after; {} without a healthy target; {} degraded",
            self.healthy_before,
            self.min_healthy,
            self.healthy_after,
            super::report::human_secs(self.longest_unavailable_seconds),
            super::report::human_secs(self.degraded_seconds),
        )
    }
}

#[derive(Debug, Default)]
struct Reading {
    healthy: usize,
    total: usize,
}

/// A running probe; [`Probe::stop`] ends it and returns its summary.
pub struct Probe {
    current: Arc<Mutex<Reading>>,
    stop: watch::Sender<bool>,
    task: JoinHandle<ProbeSummary>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Healthy and registered targets of the live groups now (none where the
/// provider has no [`Signals`](strata_core::provider::Signals)).
pub async fn health(provider: &dyn Provider, groups: &[LiveGroup]) -> (usize, usize) {
    let mut healthy = 0;
    let mut total = 0;
    let Some(signals) = provider.capabilities().signals else {
        return (0, 0);
    };
    for g in groups {
        if let Ok(targets) = signals.target_health(&g.target_group_arn).await {
            healthy += targets.iter().filter(|t| t.is_healthy()).count();
            total += targets.len();
        }
    }
    (healthy, total)
}

impl Probe {
    /// Starts probing `groups` every `poll`; `scale` turns wall time into
    /// cloud time.
    pub async fn start(
        provider: Arc<dyn Provider>,
        groups: Vec<LiveGroup>,
        poll: Duration,
        scale: f64,
        slo: Slo,
        events: Arc<dyn Observer<Event>>,
    ) -> Probe {
        let (healthy_before, total) = health(provider.as_ref(), &groups).await;
        let current = Arc::new(Mutex::new(Reading {
            healthy: healthy_before,
            total,
        }));
        let (stop, mut stopped) = watch::channel(false);
        let shared = current.clone();
        let task = tokio::spawn(async move {
            let mut s = ProbeSummary {
                healthy_before,
                healthy_after: healthy_before,
                min_healthy: healthy_before,
                target_groups: groups.len(),
                ..ProbeSummary::default()
            };
            let mut metrics = true;
            let (mut requests, mut errors) = (0u64, 0u64);
            let mut last_ms = now_ms();
            let mut rate: Option<f64> = None;
            let mut last = Instant::now();
            let mut unavailable_since: Option<Instant> = None;
            loop {
                let done = tokio::select! {
                    _ = tokio::time::sleep(poll) => false,
                    _ = stopped.changed() => true,
                };
                let (healthy, total) = health(provider.as_ref(), &groups).await;
                let now = Instant::now();
                let step = now.duration_since(last).as_secs_f64() * scale;
                last = now;
                s.samples += 1;
                s.min_healthy = s.min_healthy.min(healthy);
                s.healthy_after = healthy;
                if healthy < healthy_before {
                    s.degraded_seconds += step;
                }
                if healthy == 0 && !groups.is_empty() {
                    let since = *unavailable_since.get_or_insert(now);
                    let secs = now.duration_since(since).as_secs_f64() * scale;
                    s.longest_unavailable_seconds = s.longest_unavailable_seconds.max(secs);
                } else {
                    unavailable_since = None;
                }
                let end_ms = now_ms();
                let mut window = (0u64, 0u64);
                // Metrics over at least a minute of cloud time, so the
                // cloud's per-window counts are not all rounding.
                let long = (end_ms.saturating_sub(last_ms)) as f64 * scale >= METRICS_WINDOW_MS;
                if metrics && (long || done) {
                    for g in &groups {
                        let req = MetricsRequest {
                            target_group_arn: g.target_group_arn.clone(),
                            load_balancer_arn: g.load_balancer_arn.clone(),
                            start_ms: last_ms,
                            end_ms,
                        };
                        let Some(signals) = provider.capabilities().signals else {
                            metrics = false;
                            break;
                        };
                        match signals.target_metrics(req).await {
                            Ok(m) => {
                                window.0 += m.requests;
                                window.1 += m.errors_5xx;
                            }
                            Err(_) => metrics = false,
                        }
                    }
                }
                if long || done {
                    last_ms = end_ms;
                    if metrics && window.0 > 0 {
                        rate = Some(window.1 as f64 / window.0 as f64);
                    }
                }
                requests += window.0;
                errors += window.1;
                if let Ok(mut c) = shared.lock() {
                    *c = Reading { healthy, total };
                }
                events.event(&Event::now(EventKind::Probe {
                    healthy,
                    total,
                    error_rate: rate,
                }));
                if done {
                    break;
                }
            }
            if metrics {
                s.requests = Some(requests);
                s.errors_5xx = Some(errors);
                s.error_rate = Some(if requests == 0 {
                    0.0
                } else {
                    errors as f64 / requests as f64
                });
            }
            if let Some(rate) = s.error_rate {
                if rate > slo.max_error_rate {
                    s.breaches.push(format!(
                        "SLO breached: 5xx rate {:.2}% exceeds {:.2}%",
                        rate * 100.0,
                        slo.max_error_rate * 100.0
                    ));
                }
            }
            let limit = slo.max_unavailable.as_secs_f64();
            if s.longest_unavailable_seconds > limit {
                s.breaches.push(format!(
                    "SLO breached: no healthy target for {} (at most {} allowed)",
                    super::report::human_secs(s.longest_unavailable_seconds),
                    super::report::human_secs(limit)
                ));
            }
            s
        });
        Probe {
            current,
            stop,
            task,
        }
    }

    /// Healthy and registered targets at the last reading.
    pub fn current(&self) -> (usize, usize) {
        self.current
            .lock()
            .map(|r| (r.healthy, r.total))
            .unwrap_or((0, 0))
    }

    /// Takes a last reading, stops, and sums up.
    pub async fn stop(self) -> ProbeSummary {
        let _ = self.stop.send(true);
        self.task.await.unwrap_or_default()
    }
}
