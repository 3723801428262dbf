//! The rollout's one way to change the cloud: expand the configuration with
//! a release record, plan (limited to the resources the step touches), and
//! apply through the engine — which persists the resources and the record
//! (an output) to state, with its intent journal.

use std::sync::Arc;

use strata_core::addr::Address;
use strata_core::apply::{ApplyOptions, NullObserver};
use strata_core::graph::Graph;
use strata_core::plan::PlanOptions;
use strata_core::session::{Locking, Session, SessionError};
use strata_core::value::Value;

use super::{Rollout, RolloutError};
use crate::modules::{expand_with, release_of};
use crate::web_service::Release;

/// The state a rollout works on, through the session that owns it.
pub(super) struct Ctx<'r> {
    pub r: &'r Rollout,
    pub session: Session,
}

impl<'r> Ctx<'r> {
    /// Opens the state (the caller holds the lock), resolving what an
    /// interrupted run left in flight.
    pub async fn load(r: &'r Rollout) -> Result<(Ctx<'r>, Vec<String>), RolloutError> {
        let session = Session::open(
            r.backend.clone(),
            r.providers
                .clone()
                .unwrap_or_else(|| r.provider.clone().into()),
            &r.config.stack,
            Locking::Caller,
        )
        .await?;
        let notes = session.recovered().to_vec();
        Ok((Ctx { r, session }, notes))
    }

    /// The module's release record in state.
    pub fn record(&self) -> Option<Release> {
        release_of(self.session.state(), &self.r.module)
    }

    /// Makes the cloud match the configuration expanded with `record`, for
    /// `targets` (and what they depend on), and records `record` in state.
    pub async fn converge(
        &mut self,
        record: &Release,
        targets: &[String],
    ) -> Result<(), RolloutError> {
        let mut config = self.r.config.clone();
        let module = self.r.module.clone();
        let state = self.session.state();
        expand_with(&mut config, |name| {
            if name == module {
                Some(record.clone())
            } else {
                release_of(state, name)
            }
        })?;
        let graph = Graph::build(config)?;
        let targets = targets
            .iter()
            .map(|t| Address::parse(t).map_err(|e| RolloutError::Options(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        let opts = PlanOptions {
            targets,
            ..PlanOptions::default()
        };
        let opts_apply = ApplyOptions {
            stack: graph.config.stack.clone(),
            ..ApplyOptions::default()
        };
        self.session
            .converge(&graph, &opts, opts_apply, Arc::new(NullObserver))
            .await
            .map_err(|e| match e {
                SessionError::Plan(e) => RolloutError::Plan(e),
                e => RolloutError::Apply(e),
            })?;
        Ok(())
    }

    /// The cloud id of the resource at `address`.
    pub fn id_of(&self, address: &str) -> Option<String> {
        let a = Address::parse(address).ok()?;
        self.session.state().resources.get(&a).map(|r| r.id.clone())
    }

    /// An attribute of the resource at `address`, as last read.
    pub fn attr(&self, address: &str, name: &str) -> Option<Value> {
        let a = Address::parse(address).ok()?;
        self.session.state().attr(&a, name)
    }
}
