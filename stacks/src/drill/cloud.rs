//! [`DrillCloud`]: what a drill reaches the cloud through — the provider's
//! [`DrillOps`], and the rest of its [`Capabilities`] (signals, AZ outages,
//! its clock, whether its endpoints answer).

use strata_core::provider::{Capabilities, DrillOps, Missing, Provider, Signals};

/// A provider's drill operations, checked present, with its capabilities.
#[derive(Clone, Copy)]
pub(super) struct DrillCloud<'a> {
    /// Snapshots, restores, failovers, target and process levers.
    pub ops: &'a dyn DrillOps,
    /// Everything else the provider offers.
    pub caps: Capabilities<'a>,
    /// The provider's name, for errors.
    name: &'a str,
}

impl<'a> DrillCloud<'a> {
    /// The drill side of `provider`, or what it lacks to run drills.
    pub fn of(provider: &'a dyn Provider) -> Result<Self, Missing> {
        let caps = provider.capabilities();
        Ok(Self {
            ops: caps.require_drill_ops(provider.name(), "run drills")?,
            caps,
            name: provider.name(),
        })
    }

    /// The provider's signals, or what it lacks to do `for_what`.
    pub fn signals(&self, for_what: &str) -> Result<&'a dyn Signals, Missing> {
        self.caps.require_signals(self.name, for_what)
    }
}
