//! The gates a canary step must pass: the new color's targets all healthy,
//! no SLO alarm in `ALARM`, and — once the step has served enough requests
//! to tell signal from noise — the new color's 5xx rate and p95 latency
//! within the SLOs and not clearly worse than the old color's.
//!
//! ```
//! use strata_core::provider::TargetMetrics;
//! use strata_stacks::rollout::gates::{Gates, Observation};
//!
//! let gates = Gates { slo_5xx_rate: 0.01, slo_p95_ms: 300.0, ..Gates::default() };
//! let obs = Observation {
//!     step: 0, percent: 1, healthy: 3, total: 3, alarms: Default::default(),
//!     new: TargetMetrics { requests: 500, errors_5xx: 40, p95_ms: Some(120.0) },
//!     old: TargetMetrics { requests: 50_000, errors_5xx: 50, p95_ms: Some(120.0) },
//! };
//! let breach = gates.check(&obs).unwrap_err();
//! assert_eq!(breach.gate, "5xx_rate");
//! ```

use std::collections::BTreeMap;

use serde::Serialize;
use strata_core::provider::TargetMetrics;

/// Thresholds of the gates.
#[derive(Debug, Clone, PartialEq)]
pub struct Gates {
    /// The 5xx SLO (share of requests).
    pub slo_5xx_rate: f64,
    /// The p95 latency SLO, in milliseconds.
    pub slo_p95_ms: f64,
    /// How much higher than the old color's the new 5xx rate may be.
    pub max_5xx_increase: f64,
    /// How many times the old color's p95 the new one may be.
    pub max_p95_ratio: f64,
    /// Requests a color must serve in the step before its metrics count.
    pub min_requests: u64,
}

impl Default for Gates {
    fn default() -> Self {
        Self {
            slo_5xx_rate: 0.01,
            slo_p95_ms: 300.0,
            max_5xx_increase: 0.005,
            max_p95_ratio: 1.5,
            min_requests: 100,
        }
    }
}

/// What the gates saw at one moment of a step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    /// Step index (0-based).
    pub step: usize,
    /// The new color's share, in percent.
    pub percent: i64,
    /// Healthy targets of the new color.
    pub healthy: usize,
    /// Registered targets of the new color.
    pub total: usize,
    /// State of each watched alarm.
    pub alarms: BTreeMap<String, String>,
    /// The new color's traffic since the step began.
    pub new: TargetMetrics,
    /// The old color's traffic since the step began.
    pub old: TargetMetrics,
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

fn ms(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:.0}ms"))
}

impl Observation {
    /// One human line.
    pub fn summary(&self) -> String {
        let alarming: Vec<&String> = self
            .alarms
            .iter()
            .filter(|(_, s)| *s == "ALARM")
            .map(|(n, _)| n)
            .collect();
        format!(
            "step {} ({}%): health {}/{}, new {} req 5xx {} p95 {}, old {} req 5xx {} p95 {}, alarms {}",
            self.step + 1,
            self.percent,
            self.healthy,
            self.total,
            self.new.requests,
            pct(self.new.error_rate()),
            ms(self.new.p95_ms),
            self.old.requests,
            pct(self.old.error_rate()),
            ms(self.old.p95_ms),
            if alarming.is_empty() { "OK".to_string() } else { format!("ALARM: {alarming:?}") }
        )
    }
}

/// A gate that failed: which, the value seen, the threshold, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breach {
    /// `target_health`, `alarm`, `5xx_rate` or `p95_latency`.
    pub gate: String,
    /// The value seen.
    pub value: String,
    /// What it was held against.
    pub threshold: String,
    /// Step index (0-based; `None` before traffic moved).
    pub step: Option<usize>,
    /// The new color's share when it breached, in percent.
    pub percent: i64,
}

impl Breach {
    /// One human line: `5xx_rate: 8.00% (limit 1.00% (SLO)) at step 1 (1%)`.
    pub fn describe(&self) -> String {
        let at = match self.step {
            Some(i) => format!("at step {} ({}%)", i + 1, self.percent),
            None => "before any traffic moved".to_string(),
        };
        format!(
            "{}: {} (limit {}) {at}",
            self.gate, self.value, self.threshold
        )
    }
}

impl Gates {
    /// Whether the observation passes; the first breached gate otherwise.
    pub fn check(&self, o: &Observation) -> Result<(), Breach> {
        let breach = |gate: &str, value: String, threshold: String| Breach {
            gate: gate.into(),
            value,
            threshold,
            step: Some(o.step),
            percent: o.percent,
        };
        if o.total == 0 || o.healthy < o.total {
            return Err(breach(
                "target_health",
                format!(
                    "{} of {} targets unhealthy",
                    o.total - o.healthy.min(o.total),
                    o.total
                ),
                "0 unhealthy".into(),
            ));
        }
        if let Some((name, _)) = o.alarms.iter().find(|(_, s)| *s == "ALARM") {
            return Err(breach("alarm", format!("{name} in ALARM"), "OK".into()));
        }
        if !self.decides(o) {
            return Ok(());
        }
        let new_rate = o.new.error_rate();
        if new_rate > self.slo_5xx_rate {
            return Err(breach(
                "5xx_rate",
                pct(new_rate),
                format!("{} (SLO)", pct(self.slo_5xx_rate)),
            ));
        }
        let old_counts = o.old.requests >= self.min_requests;
        let old_rate = o.old.error_rate();
        if old_counts && new_rate > old_rate + self.max_5xx_increase {
            return Err(breach(
                "5xx_rate",
                pct(new_rate),
                format!(
                    "{} (old color {} + {})",
                    pct(old_rate + self.max_5xx_increase),
                    pct(old_rate),
                    pct(self.max_5xx_increase)
                ),
            ));
        }
        if let Some(p95) = o.new.p95_ms {
            if p95 > self.slo_p95_ms {
                return Err(breach(
                    "p95_latency",
                    ms(Some(p95)),
                    format!("{} (SLO)", ms(Some(self.slo_p95_ms))),
                ));
            }
            if let (true, Some(old)) = (old_counts, o.old.p95_ms) {
                if p95 > old * self.max_p95_ratio {
                    return Err(breach(
                        "p95_latency",
                        ms(Some(p95)),
                        format!(
                            "{} (old color {} × {})",
                            ms(Some(old * self.max_p95_ratio)),
                            ms(Some(old)),
                            self.max_p95_ratio
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether the new color served enough requests for its metrics to count.
    pub fn decides(&self, o: &Observation) -> bool {
        o.new.requests >= self.min_requests
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(new: (u64, u64, f64), old: (u64, u64, f64)) -> Observation {
        let m = |(requests, errors_5xx, p95): (u64, u64, f64)| TargetMetrics {
            requests,
            errors_5xx,
            p95_ms: Some(p95),
        };
        Observation {
            step: 1,
            percent: 10,
            healthy: 3,
            total: 3,
            alarms: BTreeMap::new(),
            new: m(new),
            old: m(old),
        }
    }

    fn gate(o: &Observation) -> Option<String> {
        Gates::default().check(o).err().map(|b| b.gate)
    }

    #[test]
    fn each_gate_breaches_on_its_own_signal() {
        let fine = obs((1000, 1, 120.0), (9000, 9, 120.0));
        assert_eq!(gate(&fine), None);
        let mut unhealthy = fine.clone();
        unhealthy.healthy = 2;
        assert_eq!(gate(&unhealthy).as_deref(), Some("target_health"));
        let mut alarm = fine.clone();
        alarm
            .alarms
            .insert("shop-p95-latency".into(), "ALARM".into());
        assert_eq!(gate(&alarm).as_deref(), Some("alarm"));
        assert_eq!(
            gate(&obs((1000, 20, 120.0), (9000, 9, 120.0))).as_deref(),
            Some("5xx_rate")
        );
        // Within the SLO but clearly worse than the old color.
        assert_eq!(
            gate(&obs((1000, 8, 120.0), (9000, 9, 120.0))).as_deref(),
            Some("5xx_rate")
        );
        assert_eq!(
            gate(&obs((1000, 1, 350.0), (9000, 9, 120.0))).as_deref(),
            Some("p95_latency")
        );
        assert_eq!(
            gate(&obs((1000, 1, 200.0), (9000, 9, 120.0))).as_deref(),
            Some("p95_latency")
        );
    }

    #[test]
    fn too_few_requests_do_not_decide() {
        let quiet = obs((20, 10, 900.0), (9000, 9, 120.0));
        assert!(!Gates::default().decides(&quiet));
        assert_eq!(gate(&quiet), None);
    }
}
