//! Timestamped events, shared by rollouts and drills: each serializes as one
//! JSON object per line (`--json`), with the event's own fields flattened
//! next to `at`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

/// Something that happened (`K`: what), and when.
#[derive(Debug, Clone, Serialize)]
pub struct Timestamped<K> {
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// What.
    #[serde(flatten)]
    pub kind: K,
}

impl<K: Serialize> Timestamped<K> {
    /// An event now.
    pub fn now(kind: K) -> Self {
        Self {
            at: Utc::now(),
            kind,
        }
    }

    /// The timestamp as printed: `2025-01-01T12:00:00.123Z`.
    pub fn timestamp(&self) -> String {
        self.at.to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// One line of JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}
