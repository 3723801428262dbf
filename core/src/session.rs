//! The session: the one owner of a stack's state for the length of a run.
//!
//! [`Session::open`] takes the lock (as asked), loads the state once,
//! settles the operations a killed run left pending (recovery) and commits
//! the result. From then on the session is the only code that changes the
//! state: [`Session::commit`] for a list of changes (state commands,
//! drills), [`Session::apply`] for a plan (each completed operation
//! committed before the next starts). A [`State`]'s serial is private and
//! only advances in these commits.
//!
//! ```no_run
//! # async fn demo(
//! #     backend: std::sync::Arc<dyn strata_core::state::Backend>,
//! #     provider: std::sync::Arc<dyn strata_core::provider::Provider>,
//! #     graph: strata_core::graph::Graph,
//! # ) -> miette::Result<()> {
//! use std::sync::Arc;
//! use strata_core::apply::{ApplyOptions, NullObserver};
//! use strata_core::plan::PlanOptions;
//! use strata_core::session::{Locking, Session};
//! use strata_core::state::LockOptions;
//!
//! let mut session =
//!     Session::open(backend, provider, "shop", Locking::Take(LockOptions::new("apply"))).await?;
//! let plan = session.plan(&graph, &PlanOptions::default()).await?;
//! let report = session
//!     .apply(&plan, ApplyOptions::default(), Arc::new(NullObserver))
//!     .await?;
//! assert!(report.succeeded());
//! session.close().await?;
//! # Ok(())
//! # }
//! ```

use std::sync::Arc;

use crate::apply::{self, ApplyError, ApplyFailed, ApplyOptions, ApplyReport, Event, Observer};
use crate::graph::Graph;
use crate::plan::{self, Plan, PlanError, PlanOptions};
use crate::provider::{Provider, ProviderError, Providers};
use crate::recover;
use crate::state::{Backend, Lease, LockOptions, State, StateChange, StateError};

/// How a session holds the state lock.
#[derive(Debug)]
pub enum Locking {
    /// Take the lock and hold it until [`Session::close`] (apply, destroy,
    /// state commands, rollouts, drills).
    Take(LockOptions),
    /// Hold a lock the caller took with [`Lease::take`] (before it built
    /// the provider, say, so a held lock is reported before anything
    /// slow), releasing it on [`Session::close`].
    Taken(Lease),
    /// Read without the lock; take it only if there are pending operations
    /// to recover, and release it right after (plan, show).
    ToRecover(LockOptions),
    /// The caller holds the lock already, or the state is private to it
    /// (tests, benchmarks): take nothing.
    Caller,
}

/// Why a session could not open or go on.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum SessionError {
    /// Loading, locking or persisting the state failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    State(#[from] StateError),
    /// Settling a pending operation failed (the state is unchanged).
    #[error("cannot settle what an interrupted run left in flight")]
    #[diagnostic(
        code(strata::session::recover),
        help("the pending operations stay recorded; fix the cause and run again")
    )]
    Recover(#[source] ProviderError),
    /// Planning failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Plan(#[from] PlanError),
    /// Applying failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Apply(#[from] ApplyError),
    /// Operations of a converge failed (each keeps its code and help).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Failed(#[from] ApplyFailed),
}

/// A stack's state, owned for a run: see the [module docs](self).
pub struct Session {
    backend: Arc<dyn Backend>,
    providers: Providers,
    state: State,
    lease: Option<Lease>,
    /// The session may write the state when it ends (it holds the lock, or
    /// its caller does).
    owns_state: bool,
    takeover: Option<String>,
    notes: Vec<String>,
    recovered: Vec<String>,
}

impl Session {
    /// Opens the state of `stack` in `backend` (a new, empty state if there
    /// is none): takes the lock as `locking` says, loads the state once, and
    /// settles pending operations through `providers`, committing the
    /// result. `providers` is one provider (the default instance) or a
    /// [`Providers`] set with named instances.
    pub async fn open(
        backend: Arc<dyn Backend>,
        providers: impl Into<Providers>,
        stack: &str,
        locking: Locking,
    ) -> Result<Session, SessionError> {
        let providers = providers.into();
        let owns_state = !matches!(locking, Locking::ToRecover(_));
        let (lease, recover_lock) = match locking {
            Locking::Take(opts) => (Some(Lease::take(backend.clone(), &opts).await?), None),
            Locking::Taken(lease) => (Some(lease), None),
            Locking::ToRecover(opts) => (None, Some(opts)),
            Locking::Caller => (None, None),
        };
        let mut takeover = lease.as_ref().and_then(Lease::takeover).map(String::from);
        let mut state = match load(backend.as_ref(), stack).await {
            Ok(state) => state,
            Err(e) => {
                // A state that cannot be read is reported, and the lock
                // this session took released.
                if let Some(lease) = lease {
                    let _ = lease.release().await;
                }
                return Err(e.into());
            }
        };
        let mut recovering_lease = None;
        if !state.pending.is_empty() {
            if let Some(opts) = &recover_lock {
                let lease = Lease::take(backend.clone(), opts).await?;
                takeover = lease.takeover().map(String::from);
                // Another run may have finished between the read and the lock.
                match load(backend.as_ref(), stack).await {
                    Ok(again) => state = again,
                    Err(e) => {
                        let _ = lease.release().await;
                        return Err(e.into());
                    }
                }
                recovering_lease = Some(lease);
            }
        }
        let notes = std::mem::take(&mut state.notes);
        let mut session = Session {
            backend,
            providers,
            state,
            lease,
            owns_state,
            takeover,
            notes,
            recovered: Vec::new(),
        };
        let recovered = session.recover().await;
        if let Some(lease) = recovering_lease {
            lease.release().await?;
        }
        if let Err(e) = recovered {
            // Release a lock this session took; the error is what matters.
            let _ = session.close().await;
            return Err(e);
        }
        Ok(session)
    }

    /// Settles the pending operations of the loaded state.
    async fn recover(&mut self) -> Result<(), SessionError> {
        if self.state.pending.is_empty() {
            return Ok(());
        }
        let (changes, recovered) = recover::recover(&self.state, &self.providers)
            .await
            .map_err(SessionError::Recover)?;
        self.commit(changes).await?;
        self.recovered = recovered
            .into_iter()
            .map(|r| format!("{}: {}", r.address, r.outcome))
            .collect();
        Ok(())
    }

    /// The state as last committed.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The default provider instance (rollouts and drills work through it).
    pub fn provider(&self) -> &Arc<dyn Provider> {
        self.providers.default_provider()
    }

    /// Every provider instance the session plans, applies and recovers
    /// through.
    pub fn providers(&self) -> &Providers {
        &self.providers
    }

    /// The backend the state lives in.
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    /// Whose lock this session took over (its holder provably dead), and
    /// why it was judged dead.
    pub fn takeover(&self) -> Option<&str> {
        self.takeover.as_deref()
    }

    /// Notes from loading the state (e.g. a torn journal record ignored).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// What recovery did with each operation an interrupted run left
    /// pending, one line each (`db: created; adopted ...`).
    pub fn recovered(&self) -> &[String] {
        &self.recovered
    }

    /// Applies `changes` to the state and persists them (one journal
    /// record), advancing the serial. Nothing to commit is not a commit.
    pub async fn commit(&mut self, changes: Vec<StateChange>) -> Result<(), StateError> {
        if changes.is_empty() {
            return Ok(());
        }
        self.state.commit(&changes);
        self.backend.persist_changes(&self.state, &changes).await
    }

    /// Replaces the whole state with `incoming` (`strata state push`): it
    /// becomes the successor of the current state, its serial moved past
    /// the current one, and is persisted atomically. Lineage and serial
    /// checks are the caller's (they need the user's `--force`).
    pub async fn replace(&mut self, mut incoming: State) -> Result<(), StateError> {
        incoming.succeed(&self.state);
        self.backend.persist(&incoming).await?;
        self.state = incoming;
        Ok(())
    }

    /// Takes the lineage of a plan saved before the stack had any state (a
    /// new state's lineage is random until first persisted), so that plan
    /// can be applied. Does nothing once the state has been persisted.
    pub fn adopt_lineage(&mut self, plan: &Plan) {
        if self.state.serial() == 0 && plan.serial == Some(0) {
            if let Some(lineage) = &plan.lineage {
                self.state.lineage = lineage.clone();
            }
        }
    }

    /// Plans `graph` against the session's state and the live cloud.
    pub async fn plan(&self, graph: &Graph, opts: &PlanOptions) -> Result<Plan, PlanError> {
        plan::plan(graph, &self.state, &self.providers, opts).await
    }

    /// Applies `plan`, which must have been made from this session's state
    /// ([`Plan::can_apply`]), committing each completed change before the
    /// next operation starts.
    pub async fn apply(
        &mut self,
        plan: &Plan,
        opts: ApplyOptions,
        observer: Arc<dyn Observer<Event>>,
    ) -> Result<ApplyReport, ApplyError> {
        let result = apply::apply(
            plan,
            &mut self.state,
            self.backend.as_ref(),
            &self.providers,
            opts,
            observer,
        )
        .await;
        if let Err(ApplyError::State(_)) = &result {
            // Persisting failed mid-way: what the backend holds is the truth.
            match self.backend.load().await {
                Ok(Some(state)) => self.state = state,
                // What is in memory may never have been persisted: it is not
                // written at close either.
                _ => self.owns_state = false,
            }
        }
        result
    }

    /// Plans `graph` and applies the plan: the one step rollouts and
    /// drills take to make the cloud match a configuration. An operation
    /// that fails is an error ([`SessionError::Failed`]).
    pub async fn converge(
        &mut self,
        graph: &Graph,
        plan_opts: &PlanOptions,
        apply_opts: ApplyOptions,
        observer: Arc<dyn Observer<Event>>,
    ) -> Result<(Plan, ApplyReport), SessionError> {
        let plan = self.plan(graph, plan_opts).await?;
        let report = self
            .apply(&plan, apply_opts, observer)
            .await?
            .into_result()?;
        Ok((plan, report))
    }

    /// Ends the session: lets the backend checkpoint the state
    /// ([`Backend::checkpoint`]) if the session owns it, and releases the
    /// lock if it took one.
    pub async fn close(self) -> Result<(), StateError> {
        let checkpointed = if self.owns_state {
            self.backend.checkpoint(&self.state).await
        } else {
            Ok(())
        };
        let released = match self.lease {
            Some(lease) => lease.release().await,
            None => Ok(()),
        };
        checkpointed?;
        released
    }
}

/// Loads the state, or a new one for `stack`.
async fn load(backend: &dyn Backend, stack: &str) -> Result<State, StateError> {
    Ok(backend.load().await?.unwrap_or_else(|| State::new(stack)))
}
