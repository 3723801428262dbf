//! How a sim is configured: region, speed, faults and per-call latency, from
//! the manifest's `[provider]` table and the environment (which wins).
//!
//! - `STRATA_SIM_SPEED` / `speed = 200`: how many times faster than AWS the
//!   sim runs (default 60; `inf` or `instant` makes everything ready at once).
//! - `STRATA_SIM_FAULT` / `faults = "throttle=0.2,seed=7"`: see [`FaultConfig`].
//! - `region = "eu-west-1"` (default `us-east-1`).
//! - `latency_ms = 20` (real sleep added to every call).

use std::collections::BTreeMap;
use std::time::Duration;

use indexmap::IndexMap;

use crate::error::SimError;
use crate::faults::FaultConfig;

/// The speed when nothing says otherwise: an hour of AWS time is a minute.
pub const DEFAULT_SPEED: f64 = 60.0;

/// The key in [`SimOptions::latency`] that applies to every kind.
pub const ANY_KIND: &str = "*";

/// Sim configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct SimOptions {
    /// The region (AZs are the region plus `a`..`f`).
    pub region: String,
    /// How many times faster than AWS provisioning runs; `f64::INFINITY`
    /// makes every operation finish at once.
    pub speed: f64,
    /// Faults to inject.
    pub faults: FaultConfig,
    /// Real delay added to every call, by kind ([`ANY_KIND`] for all kinds).
    pub latency: BTreeMap<String, Duration>,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            region: "us-east-1".into(),
            speed: DEFAULT_SPEED,
            faults: FaultConfig::default(),
            latency: BTreeMap::new(),
        }
    }
}

impl SimOptions {
    /// Options for benchmarks and fast tests: everything ready at once.
    pub fn instant() -> Self {
        Self {
            speed: f64::INFINITY,
            ..Self::default()
        }
    }

    /// Options from the manifest's `[provider]` table, overridden by
    /// `STRATA_SIM_SPEED` and `STRATA_SIM_FAULT` from the environment.
    pub fn from_env_and(manifest: &IndexMap<String, serde_json::Value>) -> Result<Self, SimError> {
        Self::from_sources(manifest, |name| std::env::var(name).ok())
    }

    /// Like [`SimOptions::from_env_and`] with the environment given as a function.
    pub fn from_sources(
        manifest: &IndexMap<String, serde_json::Value>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SimError> {
        let mut out = Self::default();
        for (key, value) in manifest {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            match key.as_str() {
                "speed" => out.speed = parse_speed("speed", &text)?,
                "faults" => out.faults = FaultConfig::parse(&text)?,
                "region" => out.region = text,
                "latency_ms" => {
                    let ms: u64 = text.parse().map_err(|_| SimError::BadOption {
                        name: key.clone(),
                        value: text.clone(),
                        reason: "latency_ms is a whole number of milliseconds".into(),
                    })?;
                    out.latency
                        .insert(ANY_KIND.into(), Duration::from_millis(ms));
                }
                // Other keys belong to other providers or to the engine.
                _ => {}
            }
        }
        if let Some(text) = env("STRATA_SIM_SPEED") {
            out.speed = parse_speed("STRATA_SIM_SPEED", &text)?;
        }
        if let Some(text) = env("STRATA_SIM_FAULT") {
            out.faults = FaultConfig::parse(&text)?;
        }
        Ok(out)
    }

    /// The real delay to add to a call on `kind`.
    pub fn latency_for(&self, kind: &str) -> Option<Duration> {
        self.latency
            .get(kind)
            .or_else(|| self.latency.get(ANY_KIND))
            .copied()
    }
}

fn parse_speed(name: &str, text: &str) -> Result<f64, SimError> {
    let t = text.trim();
    if matches!(t, "inf" | "infinity" | "instant") {
        return Ok(f64::INFINITY);
    }
    match t.parse::<f64>() {
        Ok(s) if s > 0.0 && !s.is_nan() => Ok(s),
        _ => Err(SimError::BadOption {
            name: name.into(),
            value: text.into(),
            reason: "speed is a positive number (60 = an hour of AWS in a minute) or `instant`"
                .into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn environment_overrides_the_manifest() {
        let mut manifest = IndexMap::new();
        manifest.insert("speed".to_string(), serde_json::json!(200));
        manifest.insert("faults".to_string(), serde_json::json!("throttle=0.5"));
        let o = SimOptions::from_sources(&manifest, |_| None).unwrap();
        assert_eq!(o.speed, 200.0);
        assert_eq!(o.faults.throttle, 0.5);
        let o = SimOptions::from_sources(&manifest, |k| match k {
            "STRATA_SIM_SPEED" => Some("instant".into()),
            "STRATA_SIM_FAULT" => Some("az_down=us-east-1b".into()),
            _ => None,
        })
        .unwrap();
        assert!(o.speed.is_infinite());
        assert_eq!(o.faults.throttle, 0.0);
        assert_eq!(o.faults.az_down, vec!["us-east-1b".to_string()]);
    }

    #[test]
    fn rejects_a_nonsense_speed() {
        let o = SimOptions::from_sources(&IndexMap::new(), |k| {
            (k == "STRATA_SIM_SPEED").then(|| "fast".to_string())
        });
        assert!(o.is_err());
    }
}
