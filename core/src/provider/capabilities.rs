//! [`Capabilities`]: what a provider offers beyond managing resources, and
//! [`Missing`], the error a caller reports when it needs what is absent.
//!
//! ```
//! use strata_core::provider::{Capabilities, Capability, Missing};
//!
//! let none = Capabilities::none();
//! assert!(none.signals.is_none());
//! assert_eq!(none.time_scale, 1.0);
//! let err: Missing = none.require_signals("demo", "watch release gates").err().unwrap();
//! assert_eq!(err.capability, Capability::Signals);
//! assert!(err.to_string().contains("the `demo` provider cannot watch release gates"));
//! ```

use std::fmt;

use super::{DrillOps, Lookups, Secrets, Signals, ZoneOutage};

/// What a provider can do besides plan and apply, and the facts about its
/// cloud that drills and rollouts depend on. [`Capabilities::none`] (the
/// default of [`Provider::capabilities`](super::Provider::capabilities)) is a
/// real cloud that offers nothing more.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct Capabilities<'a> {
    /// Reading existing objects for `[data.NAME]` lookups.
    pub lookups: Option<&'a dyn Lookups>,
    /// Reading secrets from Secrets Manager and SSM Parameter Store.
    pub secrets: Option<&'a dyn Secrets>,
    /// Target health, target-group traffic and alarm states (release gates).
    pub signals: Option<&'a dyn Signals>,
    /// Snapshots, restores, failovers and the levers of AZ drills.
    pub drill_ops: Option<&'a dyn DrillOps>,
    /// Turning an availability zone off (a simulated cloud only).
    pub zone_outage: Option<&'a dyn ZoneOutage>,
    /// Seconds of cloud time per second of wall time: 1 on a real cloud, a
    /// sped-up simulation's speed. Drills report and wait in cloud time.
    pub time_scale: f64,
    /// Whether the endpoints the cloud reports (a DB's address and port)
    /// accept connections from this machine, so a drill can check that a
    /// restored database answers. False for a simulated cloud.
    pub endpoints_reachable: bool,
}

impl<'a> Capabilities<'a> {
    /// Nothing beyond resources, on a real clock, with reachable endpoints.
    pub fn none() -> Self {
        Self {
            lookups: None,
            secrets: None,
            signals: None,
            drill_ops: None,
            zone_outage: None,
            time_scale: 1.0,
            endpoints_reachable: true,
        }
    }

    /// With lookups for data sources.
    pub fn with_lookups(mut self, lookups: &'a dyn Lookups) -> Self {
        self.lookups = Some(lookups);
        self
    }

    /// With secrets from Secrets Manager and SSM.
    pub fn with_secrets(mut self, secrets: &'a dyn Secrets) -> Self {
        self.secrets = Some(secrets);
        self
    }

    /// With release-gate signals.
    pub fn with_signals(mut self, signals: &'a dyn Signals) -> Self {
        self.signals = Some(signals);
        self
    }

    /// With drill operations.
    pub fn with_drill_ops(mut self, ops: &'a dyn DrillOps) -> Self {
        self.drill_ops = Some(ops);
        self
    }

    /// With AZ outages.
    pub fn with_zone_outage(mut self, outage: &'a dyn ZoneOutage) -> Self {
        self.zone_outage = Some(outage);
        self
    }

    /// With cloud time running `scale` times faster than wall time (a
    /// scale that is not a positive number counts as 1).
    pub fn with_time_scale(mut self, scale: f64) -> Self {
        self.time_scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        self
    }

    /// With endpoints that cannot be reached from here.
    pub fn with_unreachable_endpoints(mut self) -> Self {
        self.endpoints_reachable = false;
        self
    }

    /// The signals, or a [`Missing`] naming `provider` and what it was
    /// needed `for_what` (e.g. `watch release gates`).
    pub fn require_signals(
        self,
        provider: &str,
        for_what: &str,
    ) -> Result<&'a dyn Signals, Missing> {
        self.signals
            .ok_or_else(|| Missing::new(provider, Capability::Signals, for_what))
    }

    /// The lookups, or a [`Missing`] naming `provider` and what they were
    /// needed `for_what` (e.g. `read the lookup data.ubuntu`).
    pub fn require_lookups(
        self,
        provider: &str,
        for_what: &str,
    ) -> Result<&'a dyn Lookups, Missing> {
        self.lookups
            .ok_or_else(|| Missing::new(provider, Capability::Lookups, for_what))
    }

    /// The drill operations, or a [`Missing`] naming `provider` and what
    /// they were needed `for_what` (e.g. `run drills`).
    pub fn require_drill_ops(
        self,
        provider: &str,
        for_what: &str,
    ) -> Result<&'a dyn DrillOps, Missing> {
        self.drill_ops
            .ok_or_else(|| Missing::new(provider, Capability::DrillOps, for_what))
    }
}

impl Default for Capabilities<'_> {
    fn default() -> Self {
        Self::none()
    }
}

impl fmt::Debug for Capabilities<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Capabilities")
            .field("lookups", &self.lookups.is_some())
            .field("secrets", &self.secrets.is_some())
            .field("signals", &self.signals.is_some())
            .field("drill_ops", &self.drill_ops.is_some())
            .field("zone_outage", &self.zone_outage.is_some())
            .field("time_scale", &self.time_scale)
            .field("endpoints_reachable", &self.endpoints_reachable)
            .finish()
    }
}

/// A capability a provider may lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// [`Lookups`].
    Lookups,
    /// [`Signals`].
    Signals,
    /// [`Secrets`].
    Secrets,
    /// [`DrillOps`].
    DrillOps,
    /// [`ZoneOutage`].
    ZoneOutage,
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Lookups => "lookups (`[data.NAME]` blocks)",
            Self::Secrets => "secrets (Secrets Manager and SSM Parameter Store)",
            Self::Signals => "release-gate signals (target health, target metrics, alarm states)",
            Self::DrillOps => {
                "drill operations (DB snapshots and restores, failovers, target \
                 deregistration, autoscaling process suspension)"
            }
            Self::ZoneOutage => "availability-zone outages",
        })
    }
}

/// A provider lacks a capability an operation needs.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
#[error("the `{provider}` provider cannot {for_what}: it offers no {capability}")]
#[diagnostic(
    code(strata::provider::capability),
    help("configure a `[provider]` whose cloud offers {capability}, or skip this step for this stack")
)]
pub struct Missing {
    /// The provider's name.
    pub provider: String,
    /// What it lacks.
    pub capability: Capability,
    /// What it was needed for.
    pub for_what: String,
}

impl Missing {
    /// `provider` lacks `capability`, needed `for_what`.
    pub fn new(provider: &str, capability: Capability, for_what: &str) -> Self {
        Self {
            provider: provider.to_string(),
            capability,
            for_what: for_what.to_string(),
        }
    }
}
