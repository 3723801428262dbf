//! Past drills, kept in state as the output [`DRILLS_OUTPUT`] (which apply
//! preserves): one [`DrillRecord`] per drill, written when it starts (with
//! what to [`Undo`] should it die) and when it ends.

use serde::{Deserialize, Serialize};
use strata_core::session::Session;
use strata_core::state::{OutputState, State, StateChange};

use super::DrillError;

/// The state output holding past drills (a reserved name: apply keeps it).
pub const DRILLS_OUTPUT: &str = "strata:drills";

/// How many drills state keeps.
const KEEP: usize = 100;

/// Something a running drill changed that must be put back if it dies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Undo {
    /// An availability zone was taken down (sim).
    AzDown {
        /// The AZ.
        az: String,
    },
    /// Targets were deregistered from a target group.
    Deregistered {
        /// The target group's ARN.
        target_group_arn: String,
        /// The targets.
        ids: Vec<String>,
    },
    /// The DB primary was renamed out of the way (`--promote`).
    Renamed {
        /// Its name now.
        db_id: String,
        /// Its name before.
        back_to: String,
    },
    /// Autoscaling processes were suspended.
    Suspended {
        /// The autoscaling group.
        asg: String,
        /// The processes.
        processes: Vec<String>,
    },
}

/// One drill, as kept in state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrillRecord {
    /// Its id.
    pub id: String,
    /// `backup-restore`, `failover --db`, …
    pub drill: String,
    /// What it worked on.
    pub target: String,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// When it ended (RFC 3339), if it did.
    #[serde(default)]
    pub finished_at: Option<String>,
    /// `running`, `passed`, `failed`, or `cleaned` (a dead drill cleaned up).
    pub status: String,
    /// RTO, cloud seconds.
    #[serde(default)]
    pub rto_seconds: Option<f64>,
    /// RPO, cloud seconds.
    #[serde(default)]
    pub rpo_seconds: Option<f64>,
    /// The probe's 5xx rate.
    #[serde(default)]
    pub error_rate: Option<f64>,
    /// Why it failed.
    #[serde(default)]
    pub failures: Vec<String>,
    /// What to put back if it died.
    #[serde(default)]
    pub undo: Vec<Undo>,
}

/// Past drills in `state`, oldest first.
pub fn history(state: &State) -> Vec<DrillRecord> {
    state
        .outputs
        .get(DRILLS_OUTPUT)
        .and_then(|o| serde_json::from_value(o.value.clone()).ok())
        .unwrap_or_default()
}

/// Inserts or replaces `record` (by id) in state and persists it.
pub async fn save(session: &mut Session, record: &DrillRecord) -> Result<(), DrillError> {
    let state = session.state();
    let mut all = history(state);
    match all.iter_mut().find(|r| r.id == record.id) {
        Some(r) => *r = record.clone(),
        None => all.push(record.clone()),
    }
    if all.len() > KEEP {
        let extra = all.len() - KEEP;
        all.drain(..extra);
    }
    let mut outputs = state.outputs.clone();
    outputs.insert(
        DRILLS_OUTPUT.to_string(),
        OutputState {
            value: serde_json::to_value(&all).unwrap_or_default(),
            sensitive: false,
        },
    );
    session
        .commit(vec![StateChange::Outputs { outputs }])
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn records_round_trip_through_the_state_output() {
        let mut state = State::new("shop");
        assert!(history(&state).is_empty());
        let record = DrillRecord {
            id: "d-1".into(),
            drill: "failover --az".into(),
            target: "us-east-1a".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            finished_at: None,
            status: "running".into(),
            rto_seconds: None,
            rpo_seconds: None,
            error_rate: None,
            failures: vec![],
            undo: vec![Undo::AzDown {
                az: "us-east-1a".into(),
            }],
        };
        state.outputs.insert(
            DRILLS_OUTPUT.into(),
            OutputState {
                value: serde_json::to_value(vec![record.clone()]).unwrap(),
                sensitive: false,
            },
        );
        assert_eq!(history(&state), vec![record]);
        let json = serde_json::to_string(&state.outputs[DRILLS_OUTPUT].value).unwrap();
        assert!(json.contains(r#""action":"az_down""#), "{json}");
    }
}
