//! What a drill reports as it goes: one [`Event`] per step start and end,
//! probe readings and notes, timestamped, serializable as one JSON object
//! per line (`--json`).

use serde::Serialize;

/// Something that happened in a drill, and when.
pub type Event = crate::events::Timestamped<EventKind>;

/// The events of a drill.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// A drill started.
    Started {
        /// Its id.
        id: String,
        /// `backup-restore` or `failover`.
        drill: String,
        /// What it works on, e.g. `web.db (shop-db)`.
        target: String,
    },
    /// A step started.
    StepStarted {
        /// The step's name.
        step: String,
    },
    /// A step ended.
    StepFinished {
        /// The step's name.
        step: String,
        /// Whether it did what it should.
        ok: bool,
        /// Cloud seconds it took.
        seconds: f64,
        /// What happened.
        detail: String,
    },
    /// The probe's reading.
    Probe {
        /// Healthy targets behind the load balancer.
        healthy: usize,
        /// Registered targets.
        total: usize,
        /// 5xx rate of the requests in the last metrics window (a minute of
        /// cloud time or more); `None` before the first window or without
        /// metrics.
        error_rate: Option<f64>,
    },
    /// Something worth knowing.
    Note {
        /// The note.
        message: String,
    },
    /// The drill ended.
    Finished {
        /// Its id.
        id: String,
        /// Whether every check passed.
        passed: bool,
        /// RTO, cloud seconds.
        rto_seconds: Option<f64>,
        /// RPO, cloud seconds.
        rpo_seconds: Option<f64>,
        /// Why it failed.
        failures: Vec<String>,
    },
}

impl EventKind {
    /// One human line.
    pub fn message(&self) -> String {
        match self {
            EventKind::Started { id, drill, target } => {
                format!("drill {id}: {drill} of {target}")
            }
            EventKind::StepStarted { step } => format!("{step} …"),
            EventKind::StepFinished {
                step,
                ok,
                seconds,
                detail,
            } => format!(
                "{step}: {} in {} — {detail}",
                if *ok { "done" } else { "FAILED" },
                super::report::human_secs(*seconds)
            ),
            EventKind::Probe {
                healthy,
                total,
                error_rate,
            } => match error_rate {
                Some(r) => format!(
                    "probe: {healthy}/{total} targets healthy, 5xx {:.2}%",
                    r * 100.0
                ),
                None => format!("probe: {healthy}/{total} targets healthy"),
            },
            EventKind::Note { message } => message.clone(),
            EventKind::Finished {
                id,
                passed,
                rto_seconds,
                rpo_seconds,
                failures,
            } => {
                let mut line = format!("drill {id} {}", if *passed { "PASSED" } else { "FAILED" });
                if let Some(r) = rto_seconds {
                    line.push_str(&format!("; RTO {}", super::report::human_secs(*r)));
                }
                if let Some(r) = rpo_seconds {
                    line.push_str(&format!("; RPO {}", super::report::human_secs(*r)));
                }
                if !failures.is_empty() {
                    line.push_str(&format!("; {}", failures.join("; ")));
                }
                line
            }
        }
    }
}
