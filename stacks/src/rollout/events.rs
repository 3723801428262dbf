//! What a rollout reports as it goes: one [`Event`] per step, timestamped,
//! serializable as one JSON object per line (`--json`).

use serde::Serialize;

use super::gates::{Breach, Observation};

/// Something that happened in a rollout, and when.
pub type Event = crate::events::Timestamped<EventKind>;

/// The events of a rollout.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// A rollout started (or resumed / is being aborted).
    Started {
        /// The rollout's id.
        id: String,
        /// `start`, `resume` or `abort`.
        mode: String,
        /// The color live before it.
        from: String,
        /// The color getting the new version.
        to: String,
        /// The new version.
        version: String,
        /// The traffic steps, in percent.
        steps: Vec<i64>,
    },
    /// Resolved what an interrupted run left in flight.
    Recovered {
        /// One line per operation.
        notes: Vec<String>,
    },
    /// The idle color is given the new version and scaled up.
    Preparing {
        /// The color.
        color: String,
        /// The version.
        version: String,
        /// Instances it is scaled to.
        capacity: i64,
    },
    /// Waiting for the new color's targets.
    Health {
        /// The color.
        color: String,
        /// Healthy targets.
        healthy: usize,
        /// Registered targets.
        total: usize,
    },
    /// Listener weights changed.
    Weights {
        /// Step index (0-based) when shifting.
        step: Option<usize>,
        /// Blue's weight.
        blue: i64,
        /// Green's weight.
        green: i64,
    },
    /// The gates were read during a bake.
    Gates(Observation),
    /// A step baked without a breach.
    StepPassed {
        /// Step index (0-based).
        step: usize,
        /// The new color's share, in percent.
        percent: i64,
        /// Whether the metrics gates had enough requests to decide.
        decided: bool,
    },
    /// A gate breached.
    Breach(Breach),
    /// A rollback was not done because the old color is unhealthy: the
    /// weights stay where they are.
    RollbackHeld {
        /// Each unhealthy color: `blue (v1): 0 of 3 targets healthy`.
        unhealthy: Vec<String>,
        /// Blue's weight, kept.
        blue: i64,
        /// Green's weight, kept.
        green: i64,
    },
    /// The new color is live.
    Promoted {
        /// The color.
        color: String,
        /// The version.
        version: String,
    },
    /// A color was scaled down to no instances.
    ScaledDown {
        /// The color.
        color: String,
    },
    /// Interrupted; the record is kept for `--resume`/`--abort`.
    Interrupted {
        /// Where it was.
        phase: String,
    },
    /// The rollout ended.
    Finished {
        /// `promoted`, `rolled_back`, `aborted` or `interrupted`.
        result: String,
        /// The live color now.
        live: String,
        /// The live version now.
        version: String,
    },
}

impl EventKind {
    /// One human line.
    pub fn message(&self) -> String {
        match self {
            EventKind::Started { id, mode, from, to, version, steps } => format!(
                "rollout {id} ({mode}): {version} to {to} (live: {from}), steps {}",
                steps.iter().map(|s| format!("{s}%")).collect::<Vec<_>>().join(" → ")
            ),
            EventKind::Recovered { notes } => format!("resolved an interrupted run: {}", notes.join("; ")),
            EventKind::Preparing { color, version, capacity } => {
                format!("{color}: launch template → {version}, scaling to {capacity} instances")
            }
            EventKind::Health { color, healthy, total } => format!("{color}: {healthy}/{total} targets healthy"),
            EventKind::Weights { step, blue, green } => match step {
                Some(i) => format!("step {}: weights blue={blue} green={green}", i + 1),
                None => format!("weights blue={blue} green={green}"),
            },
            EventKind::Gates(o) => o.summary(),
            EventKind::StepPassed { step, percent, decided } => format!(
                "step {} ({percent}%) passed{}",
                step + 1,
                if *decided { "" } else { " (too few requests for the metrics gates to decide)" }
            ),
            EventKind::Breach(b) => format!("BREACH {}", b.describe()),
            EventKind::RollbackHeld { unhealthy, blue, green } => format!(
                "NOT rolling back: {}; weights kept at blue={blue} green={green}",
                unhealthy.join("; ")
            ),
            EventKind::Promoted { color, version } => format!("{color} ({version}) is live"),
            EventKind::ScaledDown { color } => format!("{color}: scaled down to 0 instances"),
            EventKind::Interrupted { phase } => format!(
                "interrupted during {phase}: run `strata rollout --resume` or `strata rollout --abort`"
            ),
            EventKind::Finished { result, live, version } => {
                format!("finished: {result}; live: {live} ({version})")
            }
        }
    }
}
