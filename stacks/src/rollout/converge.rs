//! The rollout's one way to change the cloud: expand the configuration with
//! a release record, plan (limited to the resources the step touches), and
//! apply through the engine — which persists the resources and the record
//! (an output) to state, with its intent journal.

use std::sync::Arc;

use strata_core::addr::Address;
use strata_core::apply::{self, ApplyOptions, NullObserver};
use strata_core::graph::Graph;
use strata_core::plan::{self, PlanOptions};
use strata_core::state::State;
use strata_core::value::Value;

use super::{Rollout, RolloutError};
use crate::modules::{expand_with, release_of};
use crate::web_service::Release;

/// The state a rollout works on.
pub(super) struct Ctx<'r> {
    pub r: &'r Rollout,
    pub state: State,
}

impl<'r> Ctx<'r> {
    /// Loads the state, resolving what an interrupted run left in flight.
    pub async fn load(r: &'r Rollout) -> Result<(Ctx<'r>, Vec<String>), RolloutError> {
        let mut state = r
            .backend
            .load()
            .await?
            .unwrap_or_else(|| State::new(&r.config.stack));
        let mut notes = Vec::new();
        if !state.pending.is_empty() {
            let (changes, recovered) =
                strata_core::recover::recover(&state, r.provider.as_ref()).await?;
            for c in &changes {
                state.apply_change(c);
            }
            state.serial += 1;
            r.backend.persist_changes(&state, &changes).await?;
            notes = recovered
                .into_iter()
                .map(|x| format!("{}: {}", x.address, x.outcome))
                .collect();
        }
        Ok((Ctx { r, state }, notes))
    }

    /// The module's release record in state.
    pub fn record(&self) -> Option<Release> {
        release_of(&self.state, &self.r.module)
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
        let state = &self.state;
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
            destroy: false,
            skip_refresh: false,
        };
        let provider = self.r.provider.clone();
        let plan = plan::plan(&graph, &self.state, provider.as_ref(), &opts).await?;
        let report = apply::apply(
            &plan,
            self.state.clone(),
            self.r.backend.as_ref(),
            provider,
            ApplyOptions {
                stack: plan.stack.clone(),
                ..ApplyOptions::default()
            },
            Arc::new(NullObserver),
        )
        .await
        .map_err(|e| RolloutError::Apply(e.to_string()))?;
        let failures: Vec<String> = report
            .failures
            .iter()
            .map(|f| format!("{}: {}", f.address, f.error))
            .collect();
        self.state = report.state;
        if failures.is_empty() {
            Ok(())
        } else {
            Err(RolloutError::Apply(failures.join("; ")))
        }
    }

    /// The cloud id of the resource at `address`.
    pub fn id_of(&self, address: &str) -> Option<String> {
        let a = Address::parse(address).ok()?;
        self.state.resources.get(&a).map(|r| r.id.clone())
    }

    /// An attribute of the resource at `address`, as last read.
    pub fn attr(&self, address: &str, name: &str) -> Option<Value> {
        let a = Address::parse(address).ok()?;
        self.state.attr(&a, name)
    }
}
