//! Injected faults: throttling, failing creates, availability zones down,
//! and faulty application versions.
//!
//! The text form (`STRATA_SIM_FAULT`, or `faults = "…"` in the manifest's
//! `[provider]` table) is a comma-separated list:
//! `throttle=0.2,seed=7,fail_create=web.db,fail_create=aws.rds.db_instance,az_down=us-east-1a`.
//!
//! `bad_version=VERSION:EFFECT:EFFECT…` makes instances running VERSION (an
//! instance's `version` tag, or its AMI id) misbehave, with effects
//! `5xx=0.08` (share of requests answered 5xx), `p95=450` (p95 latency in
//! ms) and `unhealthy` (it fails its load balancer health checks):
//! `bad_version=v2:5xx=0.08`, `bad_version=v3:p95=450`, `bad_version=v4:unhealthy`.

use serde::{Deserialize, Serialize};

use crate::error::SimError;

/// Faults the sim injects into API calls.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultConfig {
    /// Fraction (0 to 1) of calls that fail with a `Throttling` transient error.
    pub throttle: f64,
    /// Seed of the throttling draw, so a run is reproducible.
    pub seed: u64,
    /// Addresses (`web.db`) or kinds (`aws.rds.db_instance`) whose creates
    /// fail with `InternalFailure`.
    pub fail_create: Vec<String>,
    /// Availability zones that are down.
    pub az_down: Vec<String>,
    /// Application versions that misbehave.
    #[serde(default)]
    pub bad_versions: Vec<VersionFault>,
}

/// How instances running one application version misbehave.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionFault {
    /// The version (an instance's `version` tag) or AMI id.
    pub version: String,
    /// Share of its requests answered with a 5xx.
    pub error_rate: Option<f64>,
    /// Its p95 latency in milliseconds.
    pub p95_ms: Option<f64>,
    /// It fails its health checks.
    pub unhealthy: bool,
}

impl VersionFault {
    fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.split(':').map(str::trim);
        let version = parts
            .next()
            .filter(|v| !v.is_empty())
            .ok_or("bad_version needs a version: bad_version=v2:5xx=0.08")?;
        let mut out = Self {
            version: version.to_string(),
            ..Self::default()
        };
        for effect in parts {
            match effect.split_once('=') {
                Some(("5xx", v)) => match v.parse::<f64>() {
                    Ok(p) if (0.0..=1.0).contains(&p) => out.error_rate = Some(p),
                    _ => return Err("5xx is a fraction between 0 and 1, e.g. 5xx=0.08".into()),
                },
                Some(("p95", v)) => match v.parse::<f64>() {
                    Ok(ms) if ms > 0.0 && ms.is_finite() => out.p95_ms = Some(ms),
                    _ => return Err("p95 is a latency in milliseconds, e.g. p95=450".into()),
                },
                None if effect == "unhealthy" => out.unhealthy = true,
                _ => {
                    return Err(format!(
                        "unknown version fault effect `{effect}`: use 5xx=FRACTION, p95=MS or unhealthy"
                    ))
                }
            }
        }
        if out.error_rate.is_none() && out.p95_ms.is_none() && !out.unhealthy {
            return Err(
                "say how the version misbehaves: bad_version=v2:5xx=0.08, :p95=450 or :unhealthy"
                    .into(),
            );
        }
        Ok(out)
    }

    /// Whether an instance with `version_tag` and `ami` runs this version.
    pub fn matches(&self, version_tag: Option<&str>, ami: Option<&str>) -> bool {
        version_tag == Some(self.version.as_str()) || ami == Some(self.version.as_str())
    }
}

impl FaultConfig {
    /// Parses the comma-separated text form.
    pub fn parse(text: &str) -> Result<Self, SimError> {
        let mut out = Self::default();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let bad = |why: &str| SimError::BadOption {
                name: "faults".into(),
                value: item.to_string(),
                reason: why.to_string(),
            };
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| bad("each fault is `name=value`"))?;
            let value = value.trim();
            match key.trim() {
                "throttle" => {
                    let p: f64 = value
                        .parse()
                        .map_err(|_| bad("throttle is a fraction such as 0.2"))?;
                    if !(0.0..=1.0).contains(&p) {
                        return Err(bad("throttle is a fraction between 0 and 1"));
                    }
                    out.throttle = p;
                }
                "seed" => {
                    out.seed = value
                        .parse()
                        .map_err(|_| bad("seed is a non-negative integer"))?;
                }
                "fail_create" => out.fail_create.push(value.to_string()),
                "az_down" => out.az_down.push(value.to_string()),
                "bad_version" => out
                    .bad_versions
                    .push(VersionFault::parse(value).map_err(|why| bad(&why))?),
                _ => {
                    return Err(bad(
                        "known faults are throttle, seed, fail_create, az_down and bad_version",
                    ))
                }
            }
        }
        Ok(out)
    }

    /// Whether the `n`th call is throttled (deterministic in `seed` and `n`).
    pub fn throttles(&self, n: u64) -> bool {
        if self.throttle <= 0.0 {
            return false;
        }
        let draw = splitmix64(self.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        (draw >> 11) as f64 / (1u64 << 53) as f64 <= self.throttle
    }

    /// The fault of the version an instance runs, if it is faulty.
    pub fn version_fault(
        &self,
        version_tag: Option<&str>,
        ami: Option<&str>,
    ) -> Option<&VersionFault> {
        self.bad_versions
            .iter()
            .find(|f| f.matches(version_tag, ami))
    }

    /// Whether a create of `address` (of `kind`) is made to fail.
    pub fn fails_create(&self, address: &str, kind: &str) -> bool {
        self.fail_create.iter().any(|f| f == address || f == kind)
    }
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_fault() {
        let f = FaultConfig::parse("throttle=0.2, seed=7,fail_create=web.db,az_down=us-east-1a")
            .unwrap_or_default();
        assert_eq!(f.throttle, 0.2);
        assert_eq!(f.seed, 7);
        assert_eq!(f.fail_create, vec!["web.db".to_string()]);
        assert_eq!(f.az_down, vec!["us-east-1a".to_string()]);
    }

    #[test]
    fn parses_faulty_versions() {
        let f = FaultConfig::parse("bad_version=v2:5xx=0.08:p95=450,bad_version=v3:unhealthy")
            .unwrap_or_default();
        assert_eq!(f.bad_versions.len(), 2);
        assert_eq!(f.bad_versions[0].error_rate, Some(0.08));
        assert_eq!(f.bad_versions[0].p95_ms, Some(450.0));
        assert!(f.bad_versions[1].unhealthy);
        assert!(f.version_fault(Some("v3"), None).is_some());
        assert!(f.version_fault(Some("v1"), Some("ami-1")).is_none());
        assert!(FaultConfig::parse("bad_version=v2").is_err());
        assert!(FaultConfig::parse("bad_version=v2:5xx=3").is_err());
        assert!(FaultConfig::parse("bad_version=v2:slow").is_err());
    }

    #[test]
    fn rejects_unknown_faults_and_bad_fractions() {
        assert!(FaultConfig::parse("explode=1").is_err());
        assert!(FaultConfig::parse("throttle=2").is_err());
        assert!(FaultConfig::parse("throttle").is_err());
    }

    #[test]
    fn throttling_hits_about_the_asked_fraction_reproducibly() {
        let f = FaultConfig {
            throttle: 0.2,
            seed: 1,
            ..FaultConfig::default()
        };
        let hits = (0..10_000).filter(|n| f.throttles(*n)).count();
        assert!((1500..2500).contains(&hits), "{hits}");
        let again = (0..10_000).filter(|n| f.throttles(*n)).count();
        assert_eq!(hits, again);
    }
}
