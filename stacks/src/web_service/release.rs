//! The release record: which color is live, what each color runs, the
//! listener weights, and a rollout in progress. It lives in state as the
//! output `NAME.release`, and the stack is expanded from it, so state and
//! configuration agree on the weights and versions a rollout set.

use serde::{Deserialize, Serialize};
use strata_core::value::Value;

use super::WebService;

/// One of the two fleets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Color {
    /// The `blue` fleet.
    Blue,
    /// The `green` fleet.
    Green,
}

impl Color {
    /// The other color.
    pub fn other(self) -> Color {
        match self {
            Color::Blue => Color::Green,
            Color::Green => Color::Blue,
        }
    }

    /// `blue` or `green`.
    pub fn as_str(self) -> &'static str {
        match self {
            Color::Blue => "blue",
            Color::Green => "green",
        }
    }

    /// Both colors, blue first.
    pub const BOTH: [Color; 2] = [Color::Blue, Color::Green];
}

impl std::fmt::Display for Color {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one color runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fleet {
    /// The application version (the `version` tag of its instances).
    pub version: String,
    /// The AMI its launch template launches.
    pub ami: String,
    /// Instances while it is not live (the live color follows the stack's
    /// fleet sizes).
    pub idle_capacity: i64,
}

/// Where a rollout is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// The idle color is being given the new version and scaled up.
    Preparing,
    /// Traffic is moving in steps; `step` says which.
    Shifting,
    /// The new color is live; the old one waits out its grace period.
    Promoted,
    /// A breach or an abort: traffic is going back to the old color.
    RollingBack,
}

/// A rollout in progress, persisted so `--resume`/`--abort` know where it was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Identifies the rollout in events.
    pub id: String,
    /// The color live when it started.
    pub from: Color,
    /// The color getting the new version.
    pub to: Color,
    /// The new version.
    pub version: String,
    /// Traffic percentages of the new color, in order (last is 100).
    pub steps: Vec<i64>,
    /// Index into `steps` of the step reached (meaningful while shifting).
    pub step: usize,
    /// The phase.
    pub phase: Phase,
    /// Bake time per step, in milliseconds.
    pub bake_ms: u64,
    /// Grace period before the old color is scaled down, in milliseconds.
    pub grace_ms: u64,
    /// Requests the new color must serve in a step before its metrics count.
    pub min_requests: u64,
    /// When it started (RFC 3339).
    pub started: String,
    /// When the current phase or step started (RFC 3339).
    pub since: String,
}

/// The outcome of the last finished rollout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The version it tried to release.
    pub version: String,
    /// `succeeded`, `rolled_back` or `aborted`.
    pub result: String,
    /// Why, for a rollback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When it finished (RFC 3339).
    pub finished: String,
}

/// The release record of one web service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Release {
    /// The color serving production traffic.
    pub live: Color,
    /// The blue fleet.
    pub blue: Fleet,
    /// The green fleet.
    pub green: Fleet,
    /// Listener weight of blue.
    pub blue_weight: i64,
    /// Listener weight of green.
    pub green_weight: i64,
    /// A rollout in progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout: Option<Progress>,
    /// The last rollout that finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<Outcome>,
    /// Whether the primary database was created encrypted with the stack's
    /// KMS key: true for every stack created since the stack has one; a
    /// record written before (without the field) says false, so upgrading
    /// a stack never replaces its database.
    #[serde(default)]
    pub db_stack_key: bool,
    /// Whether Redis was created encrypted at rest with the stack's KMS
    /// key: true for every stack created since Redis takes it; a record
    /// written before says false, so upgrading never replaces the cache.
    #[serde(default)]
    pub cache_stack_key: bool,
}

impl Release {
    /// The first release of a stack: blue live with the stack's version,
    /// green idle (same version, no instances).
    pub fn initial(stack: &WebService) -> Self {
        let fleet = |idle_capacity| Fleet {
            version: stack.version.clone(),
            ami: stack.ami.clone(),
            idle_capacity,
        };
        Self {
            live: Color::Blue,
            blue: fleet(0),
            green: fleet(0),
            blue_weight: 100,
            green_weight: 0,
            rollout: None,
            last: None,
            db_stack_key: true,
            cache_stack_key: true,
        }
    }

    /// The fleet of `color`.
    pub fn fleet(&self, color: Color) -> &Fleet {
        match color {
            Color::Blue => &self.blue,
            Color::Green => &self.green,
        }
    }

    /// The fleet of `color`, to change.
    pub fn fleet_mut(&mut self, color: Color) -> &mut Fleet {
        match color {
            Color::Blue => &mut self.blue,
            Color::Green => &mut self.green,
        }
    }

    /// The listener weight of `color`.
    pub fn weight(&self, color: Color) -> i64 {
        match color {
            Color::Blue => self.blue_weight,
            Color::Green => self.green_weight,
        }
    }

    /// Sends `percent` of the traffic to `color`, the rest to the other.
    pub fn set_weights(&mut self, color: Color, percent: i64) {
        let percent = percent.clamp(0, 100);
        match color {
            Color::Blue => {
                self.blue_weight = percent;
                self.green_weight = 100 - percent;
            }
            Color::Green => {
                self.green_weight = percent;
                self.blue_weight = 100 - percent;
            }
        }
    }

    /// The record as an output value.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self)
            .map(|j| Value::from_json(&j))
            .unwrap_or(Value::Null)
    }

    /// Reads a record back from its output's JSON.
    pub fn from_json(json: &serde_json::Value) -> Option<Self> {
        serde_json::from_value(json.clone()).ok()
    }
}

/// The name of the output holding module `name`'s release record.
pub fn output_name(module: &str) -> String {
    format!("{module}.release")
}
