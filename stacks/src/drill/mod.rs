//! Drills: rehearse a restore or a failover on a running stack, measured.
//!
//! - [`Drill::backup_restore`]: snapshot the stack's DB primary (or take
//!   the latest automated snapshot), restore it into a new instance with the
//!   primary's class, subnet group, security groups, parameter group and
//!   encryption, tagged `strata:drill=<id>`; wait, verify (engine, version,
//!   encryption, endpoint, and an optional user command), then either delete
//!   the drill's instance and snapshot, keep them, or `promote` the restored
//!   instance to be the stack's primary (state and cloud agree after, and a
//!   plan shows no changes). Reports RTO (restore requested → verified) and
//!   RPO (restore requested − the newest data in the snapshot).
//! - [`Drill::failover`]: a multi-AZ DB failover (or a read-replica
//!   promotion), a Redis `TestFailover`, or an availability-zone outage
//!   (on the sim for real; elsewhere by deregistering the AZ's targets and
//!   suspending autoscaling processes), each measured until the stack
//!   serves fully again, then converged so every resource is back in plan.
//! - A [probe](probe) watches the load balancer the whole time (healthy
//!   targets, and the 5xx rate of the traffic it serves) and fails the drill
//!   when the SLO is breached.
//! - [`Drill::cleanup`] removes what a failed or killed drill left (tagged
//!   DB instances and snapshots, a downed AZ, deregistered targets,
//!   suspended processes); every drill runs it first.
//! - Every drill is kept in state (the output `strata:drills`), for
//!   [`history`] and `strata drill list`.
//!
//! The caller holds the state lock for the drill's whole run, as for apply.
//!
//! ```no_run
//! # async fn demo(config: strata_core::config::Config,
//! #   backend: std::sync::Arc<dyn strata_core::state::Backend>,
//! #   provider: std::sync::Arc<dyn strata_core::provider::Provider>) {
//! use strata_stacks::drill::{BackupRestoreOptions, Drill};
//!
//! let drill = Drill::new(config, backend, provider);
//! match drill.backup_restore(BackupRestoreOptions::default()).await {
//!     Ok(report) => println!("{}", report.to_markdown()),
//!     Err(e) => eprintln!("{e}"),
//! }
//! # }
//! ```

mod backup_restore;
mod cleanup;
mod cloud;
mod ctx;
mod events;
mod failover;
pub mod probe;
mod promote;
mod record;
mod report;

use std::sync::Arc;
use std::time::Duration;

use strata_core::config::Config;
use strata_core::provider::{Provider, Providers};
use strata_core::state::Backend;
use tokio::sync::watch;

pub use cleanup::CleanupReport;
pub use events::{Event, EventKind};
pub use probe::{ProbeSummary, Slo};
pub use record::{history, DrillRecord, Undo, DRILLS_OUTPUT};
pub use report::{human_secs, report_paths, DrillReport, StepReport};
pub use strata_core::events::{NullObserver, Observer};

/// How `backup-restore` runs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BackupRestoreOptions {
    /// The DB primary's address (default: the stack's only primary).
    pub db: Option<String>,
    /// Restore the newest automated snapshot instead of taking one.
    pub from_latest: bool,
    /// A shell command run once the restored instance is verified, with its
    /// endpoint in `STRATA_DRILL_ENDPOINT`, `STRATA_DRILL_HOST`,
    /// `STRATA_DRILL_PORT`, `PGHOST` and `PGPORT`; non-zero fails the drill.
    pub verify: Option<String>,
    /// Make the restored instance the stack's primary.
    pub promote: bool,
    /// Keep the drill's instance and snapshot.
    pub keep: bool,
    /// Limits and SLO.
    pub limits: Limits,
}

/// What `failover` fails over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailoverTarget {
    /// The DB primary: a multi-AZ reboot with failover, or a read replica's
    /// promotion.
    Db {
        /// The primary's address (default: the stack's only primary).
        db: Option<String>,
        /// Promote this replica (an address, or `None` for the first one)
        /// instead of rebooting with failover.
        promote_replica: Option<Option<String>>,
    },
    /// The Redis replication group's primary node.
    Cache {
        /// The group's address (default: the stack's only group).
        cache: Option<String>,
    },
    /// An availability zone.
    Az {
        /// e.g. `us-east-1a`.
        az: String,
    },
}

/// How `failover` runs.
#[derive(Debug, Clone, PartialEq)]
pub struct FailoverOptions {
    /// What to fail over.
    pub target: FailoverTarget,
    /// Cloud time an AZ outage is held after the stack recovered.
    pub hold: Duration,
    /// Limits and SLO.
    pub limits: Limits,
}

impl FailoverOptions {
    /// A failover of `target` with default limits and no hold.
    pub fn new(target: FailoverTarget) -> Self {
        Self {
            target,
            hold: Duration::ZERO,
            limits: Limits::default(),
        }
    }
}

/// Thresholds a drill passes or fails on, in cloud time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Fail when the recovery took longer.
    pub max_rto: Option<Duration>,
    /// Fail when the data-loss window was longer (backup-restore).
    pub max_rpo: Option<Duration>,
    /// How long (cloud time) a wait for the cloud may take before it fails.
    pub timeout: Duration,
    /// The stack's SLO, watched by the probe.
    pub slo: Slo,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_rto: None,
            max_rpo: None,
            timeout: Duration::from_secs(2 * 3600),
            slo: Slo::default(),
        }
    }
}

/// A drill on a stack: the configuration as written, its state, the cloud.
pub struct Drill {
    /// The configuration as written (modules not expanded).
    pub config: Config,
    /// Where state lives (the caller holds its lock).
    pub backend: Arc<dyn Backend>,
    /// The cloud (the default provider instance: drills act on it).
    pub provider: Arc<dyn Provider>,
    /// Every provider instance of a stack with several (`None`: `provider`
    /// alone); plans and applies go through them.
    pub providers: Option<Providers>,
    /// Receives progress events.
    pub events: Arc<dyn Observer<Event>>,
    /// Set to `true` to interrupt (e.g. on Ctrl-C): the drill undoes what
    /// it did and reports as failed.
    pub cancel: Option<watch::Receiver<bool>>,
    /// How often (wall time) the cloud and the probe are read.
    pub poll: Duration,
}

impl Drill {
    /// A drill reporting nowhere, not cancellable, polling every 500 ms.
    pub fn new(config: Config, backend: Arc<dyn Backend>, provider: Arc<dyn Provider>) -> Self {
        Self {
            config,
            backend,
            provider,
            providers: None,
            events: Arc::new(NullObserver),
            cancel: None,
            poll: Duration::from_millis(500),
        }
    }

    /// Runs a backup-restore drill. A drill that ran and failed a check is
    /// an `Ok` report with `passed == false`; `Err` means it could not run.
    pub async fn backup_restore(
        &self,
        options: BackupRestoreOptions,
    ) -> Result<DrillReport, DrillError> {
        backup_restore::run(self, options).await
    }

    /// Runs a failover drill (see [`Drill::backup_restore`] for results).
    pub async fn failover(&self, options: FailoverOptions) -> Result<DrillReport, DrillError> {
        failover::run(self, options).await
    }

    /// Removes what drills left behind (all drills, or the one with this id)
    /// and undoes what an interrupted drill changed.
    pub async fn cleanup(&self, drill_id: Option<&str>) -> Result<CleanupReport, DrillError> {
        cleanup::run(self, drill_id).await
    }
}

/// Why a drill could not run (a failed check is a report, not an error).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum DrillError {
    /// The stack has not been applied.
    #[error("the stack has no state yet")]
    #[diagnostic(
        code(strata::drill::not_applied),
        help("run `strata apply` first; a drill rehearses on a running stack")
    )]
    NotApplied,
    /// No resource of the kind the drill needs, or several.
    #[error("{0}")]
    #[diagnostic(
        code(strata::drill::target),
        help("name the resource by its address, e.g. --db web.db, --cache web.redis")
    )]
    Target(String),
    /// Bad options.
    #[error("{0}")]
    #[diagnostic(
        code(strata::drill::options),
        help("see `strata drill --help` for the options")
    )]
    Options(String),
    /// The configuration is invalid.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] strata_core::diag::Problems),
    /// Planning failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Plan(#[from] strata_core::plan::PlanError),
    /// A change a promotion makes to the stack (renames, swaps) failed.
    #[error("applying the stack's configuration failed: {0}")]
    #[diagnostic(
        code(strata::drill::apply),
        help(
            "fix the cause and run `strata apply`; `strata drill cleanup` removes drill leftovers"
        )
    )]
    Apply(String),
    /// Converging the stack (plan and apply) failed; each failed operation
    /// keeps its code and help.
    #[error("converging the stack failed")]
    #[diagnostic(
        code(strata::drill::converge),
        help(
            "fix the cause and run `strata apply`; `strata drill cleanup` removes drill leftovers"
        )
    )]
    Converge(
        #[source]
        #[diagnostic_source]
        strata_core::session::SessionError,
    ),
    /// The cloud failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Provider(#[from] strata_core::provider::ProviderError),
    /// The provider cannot do what the drill needs.
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
