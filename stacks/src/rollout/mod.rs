//! Blue/green releases of a [`WebService`](crate::web_service::WebService)
//! with a canary, gates and automatic rollback.
//!
//! A rollout (issue 5's steps):
//! 1. gives the idle color the new version (its launch template and
//!    autoscaling group) and scales it to the live fleet's size;
//! 2. waits until every idle target is healthy;
//! 3. shifts the listener's weights in steps (default 1 → 10 → 50 → 100 %),
//!    baking each step while watching the [`gates`]: target health, the SLO
//!    alarms, and the new color's 5xx rate and p95 latency against the old
//!    color's (only once a step has served `min_requests`);
//! 4. on success makes the new color live and scales the old one down after
//!    a grace period;
//! 5. on a breach sends all traffic back to the old color, scales the new
//!    one down and reports the gate, the value and the step — unless the
//!    old color is unhealthy too: then the weights stay where they are, the
//!    unhealthy colors are reported ([`RolloutError::UnsafeRollback`]) and
//!    the record keeps the rollout for `--abort` or `--resume`.
//!
//! Every change goes through the engine's plan and apply on a configuration
//! expanded from the [release record](crate::web_service::Release), which
//! apply stores in state (the output `NAME.release`): so state, the record
//! and the cloud agree after each step, a plain `plan` afterwards shows no
//! changes, and a rollout killed at any point is resumed or aborted from
//! the record ([`Command::Resume`], [`Command::Abort`]).
//!
//! ```no_run
//! # async fn demo(config: strata_core::config::Config,
//! #   backend: std::sync::Arc<dyn strata_core::state::Backend>,
//! #   provider: std::sync::Arc<dyn strata_core::provider::Provider>) {
//! use strata_stacks::rollout::{self, Command, Rollout, StartOptions};
//!
//! let rollout = Rollout::new(config, backend, provider, "web");
//! let start = StartOptions::new("v2");
//! match rollout.run(Command::Start(start)).await {
//!     Ok(outcome) => println!("{outcome:?}"),
//!     Err(e) => eprintln!("{e}"),
//! }
//! # }
//! ```

mod converge;
mod engine;
mod events;
pub mod gates;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use strata_core::config::Config;
use strata_core::provider::{Provider, Providers};
use strata_core::state::Backend;
use tokio::sync::watch;

pub use events::{Event, EventKind};
pub use gates::{Breach, Gates};
pub use strata_core::events::{NullObserver, Observer};

/// How to start a rollout.
#[derive(Debug, Clone, PartialEq)]
pub struct StartOptions {
    /// The version to release (the `version` tag of its instances).
    pub version: String,
    /// A new AMI for it (default: the live color's).
    pub ami: Option<String>,
    /// Traffic percentages of the new color (last must be 100).
    pub steps: Vec<i64>,
    /// How long each step is held while the gates are watched.
    pub bake: Duration,
    /// How long the old color keeps its instances after the switch.
    pub grace: Duration,
    /// Requests the new color must serve in a step before its metrics decide.
    pub min_requests: u64,
}

impl StartOptions {
    /// Release `version` with the default canary: 1 → 10 → 50 → 100 %,
    /// 60 s per step, 60 s of grace, 100 requests before metrics decide.
    pub fn new(version: impl Into<String>) -> Self {
        Self {
            version: version.into(),
            ami: None,
            steps: vec![1, 10, 50, 100],
            bake: Duration::from_secs(60),
            grace: Duration::from_secs(60),
            min_requests: 100,
        }
    }
}

/// What to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Start a new rollout.
    Start(StartOptions),
    /// Go on with an interrupted rollout from where its record says it was
    /// (with a new bake time or grace period, if given).
    Resume {
        /// A new bake time per step.
        bake: Option<Duration>,
        /// A new grace period.
        grace: Option<Duration>,
    },
    /// Roll an interrupted rollout back to the color live before it.
    Abort,
}

/// How a rollout ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The new version is live.
    Promoted {
        /// Its color.
        color: crate::web_service::Color,
        /// The version.
        version: String,
    },
    /// A gate breached; traffic is back on the old color.
    RolledBack(Breach),
    /// `--abort`: traffic is back on the old color.
    Aborted,
    /// Interrupted (Ctrl-C); the record says where, for `--resume`/`--abort`.
    Interrupted,
}

/// Timing of waits that are not part of the release's own settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    /// How often health, alarms and metrics are read.
    pub poll: Duration,
    /// How long the new color may take to become healthy.
    pub health_timeout: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            poll: Duration::from_millis(500),
            health_timeout: Duration::from_secs(600),
        }
    }
}

/// A rollout of one web-service module of a configuration.
pub struct Rollout {
    /// The configuration as written (modules not expanded).
    pub config: Config,
    /// Where state lives (the caller holds its lock).
    pub backend: Arc<dyn Backend>,
    /// The cloud (the default provider instance: release signals come from it).
    pub provider: Arc<dyn Provider>,
    /// Every provider instance of a stack with several (`None`: `provider`
    /// alone); plans and applies go through them.
    pub providers: Option<Providers>,
    /// The module's name (`web`).
    pub module: String,
    /// Receives progress events.
    pub events: Arc<dyn Observer<Event>>,
    /// Set to `true` to interrupt (e.g. on Ctrl-C).
    pub cancel: Option<watch::Receiver<bool>>,
    /// Poll interval and health timeout.
    pub timing: Timing,
}

impl Rollout {
    /// A rollout of module `module`, reporting nowhere, not cancellable.
    pub fn new(
        config: Config,
        backend: Arc<dyn Backend>,
        provider: Arc<dyn Provider>,
        module: impl Into<String>,
    ) -> Self {
        Self {
            config,
            backend,
            provider,
            providers: None,
            module: module.into(),
            events: Arc::new(NullObserver),
            cancel: None,
            timing: Timing::default(),
        }
    }

    /// Runs `command` to its end.
    pub async fn run(&self, command: Command) -> Result<Outcome, RolloutError> {
        engine::run(self, command).await
    }
}

/// Why a rollout could not run (a breach is an [`Outcome`], not an error).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum RolloutError {
    /// No web-service module by that name.
    #[error("there is no web_service module `{0}` in the configuration")]
    #[diagnostic(
        code(strata::rollout::module),
        help("name the module with --module (the NAME of its `[module.NAME]` block)")
    )]
    NoModule(String),
    /// The stack was never applied.
    #[error("module `{0}` has not been applied yet")]
    #[diagnostic(
        code(strata::rollout::not_applied),
        help("run `strata apply` first; a rollout releases a new version of a running stack")
    )]
    NotApplied(String),
    /// A rollout is already in progress.
    #[error("a rollout of {version} to {color} is in progress (phase {phase})")]
    #[diagnostic(
        code(strata::rollout::in_progress),
        help("finish it with `strata rollout --resume` or roll it back with `strata rollout --abort`")
    )]
    InProgress {
        /// Its version.
        version: String,
        /// Its color.
        color: String,
        /// Its phase.
        phase: String,
    },
    /// `--resume`/`--abort` with nothing to resume.
    #[error("no rollout of module `{0}` is in progress")]
    #[diagnostic(
        code(strata::rollout::none),
        help("start one with `strata rollout --version VERSION`")
    )]
    NoneInProgress(String),
    /// Bad options.
    #[error("{0}")]
    #[diagnostic(
        code(strata::rollout::options),
        help("steps are increasing percentages ending at 100, e.g. --steps 1,10,50,100")
    )]
    Options(String),
    /// A rollback would have sent traffic to an unhealthy color.
    #[error("not rolling back to {from}: {unhealthy}; the listener stays at {weights}")]
    #[diagnostic(
        code(strata::rollout::unsafe_rollback),
        help("bring the old color's instances back to health, then `strata rollout --abort`; or `strata rollout --resume` to go on with the release")
    )]
    UnsafeRollback {
        /// The old color.
        from: String,
        /// Each unhealthy color and its targets.
        unhealthy: String,
        /// The weights the listener keeps.
        weights: String,
    },
    /// The configuration is invalid.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] strata_core::diag::Problems),
    /// Planning failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Plan(#[from] strata_core::plan::PlanError),
    /// Applying a step failed (the record still says where the rollout is).
    #[error("applying the rollout's change failed")]
    #[diagnostic(
        code(strata::rollout::apply),
        help("fix the cause, then `strata rollout --resume` (or `--abort`)")
    )]
    Apply(
        #[source]
        #[diagnostic_source]
        strata_core::session::SessionError,
    ),
    /// The cloud failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Provider(#[from] strata_core::provider::ProviderError),
    /// The provider cannot report what release gates watch.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Missing(#[from] strata_core::provider::Missing),
    /// State could not be read or written.
    #[error(transparent)]
    #[diagnostic(transparent)]
    State(#[from] strata_core::state::StateError),
    /// The state could not be opened (loading it, or settling what an
    /// interrupted run left in flight).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Session(#[from] strata_core::session::SessionError),
}
