//! `strata drill`: backup-restore and failover drills with a measured
//! report, the list of past drills, and cleanup of what drills left (see
//! `strata_stacks::drill`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{ArgGroup, Args, Subcommand};
use miette::{miette, IntoDiagnostic, Result};
use strata_core::config::Config;
use strata_stacks::drill::{
    history, report_paths, BackupRestoreOptions, Drill, DrillReport, Event, EventKind,
    FailoverOptions, FailoverTarget, Limits, Observer, Slo,
};
use tokio::sync::watch;

use super::project::{self, ConfigSource};
use super::rollout_cmd::parse_duration;
use strata_core::state::Lease;

/// The drills.
#[derive(Debug, Subcommand)]
pub enum DrillCommand {
    /// Snapshot the DB primary (or use its latest automated snapshot),
    /// restore it into a new instance, verify it, then delete it (or keep
    /// it, or promote it to be the stack's primary). Reports RTO and RPO.
    BackupRestore(BackupRestoreArgs),
    /// Fail the DB primary, the Redis primary or a whole availability zone
    /// over, and measure how long the stack takes to serve fully again.
    Failover(FailoverArgs),
    /// List the drills recorded in state.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove what drills left behind (tagged DB instances and snapshots)
    /// and undo what a drill that died changed (a downed AZ, deregistered
    /// targets, suspended autoscaling processes).
    Cleanup {
        /// Only this drill (default: every drill of this stack).
        #[arg(long)]
        id: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Options every drill takes.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Write the report to FILE.md and FILE.json (or, if FILE ends in .md or
    /// .json, to FILE and its sibling with the other extension).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Print one JSON event per line.
    #[arg(long)]
    pub json: bool,
    /// Fail when recovery (RTO) takes longer, in cloud time (e.g. 15m).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub max_rto: Option<Duration>,
    /// Fail when the data-loss window (RPO) is longer, in cloud time (e.g. 24h).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub max_rpo: Option<Duration>,
    /// The SLO's highest 5xx rate during the drill, as a fraction
    /// [default: the web service's slo_5xx_rate, else 0.01].
    #[arg(long, value_name = "RATE")]
    pub max_error_rate: Option<f64>,
    /// The SLO's longest time without a healthy target, in cloud time.
    #[arg(long, default_value = "60s", value_parser = parse_duration, value_name = "DURATION")]
    pub max_unavailable: Duration,
    /// How long (cloud time) any wait on the cloud may take.
    #[arg(long, default_value = "2h", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Duration,
    /// How often (wall time) the cloud and the probe are read [default:
    /// every 5 s of cloud time, between 50 ms and 5 s of wall time].
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub poll: Option<Duration>,
}

/// Options of `strata drill backup-restore`.
#[derive(Debug, Args)]
pub struct BackupRestoreArgs {
    /// The DB primary's address (default: the stack's only primary).
    #[arg(long, value_name = "ADDRESS")]
    pub db: Option<String>,
    /// Restore the latest automated snapshot instead of taking a new one.
    #[arg(long)]
    pub from_latest: bool,
    /// A shell command that checks the restored database; it gets the
    /// endpoint in STRATA_DRILL_ENDPOINT, STRATA_DRILL_HOST,
    /// STRATA_DRILL_PORT, PGHOST and PGPORT. Non-zero fails the drill.
    #[arg(long, value_name = "COMMAND")]
    pub verify: Option<String>,
    /// Make the restored instance the stack's primary (the old one is kept,
    /// renamed); state and cloud agree afterwards.
    #[arg(long, conflicts_with = "keep")]
    pub promote: bool,
    /// Keep the drill's instance and snapshot (remove them later with
    /// `strata drill cleanup`).
    #[arg(long)]
    pub keep: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Options of `strata drill failover`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("what").required(true).args(["db", "cache", "az"])))]
pub struct FailoverArgs {
    /// Fail the DB primary over (a multi-AZ reboot with failover); give an
    /// address when the stack has several primaries.
    #[arg(long, num_args = 0..=1, value_name = "ADDRESS")]
    pub db: Option<Option<String>>,
    /// With --db: promote a read replica (the first, or the one at ADDRESS)
    /// instead; it becomes the stack's primary and apply replaces it.
    #[arg(long, num_args = 0..=1, value_name = "ADDRESS", requires = "db")]
    pub promote_replica: Option<Option<String>>,
    /// Fail the Redis primary over (TestFailover); give an address when the
    /// stack has several replication groups.
    #[arg(long, num_args = 0..=1, value_name = "ADDRESS")]
    pub cache: Option<Option<String>>,
    /// Take an availability zone down, e.g. us-east-1a (on the sim for
    /// real; elsewhere its targets are deregistered and autoscaling paused).
    #[arg(long, value_name = "AZ")]
    pub az: Option<String>,
    /// How long (cloud time) an AZ outage is held once the stack recovered.
    #[arg(long, default_value = "0s", value_parser = parse_duration, value_name = "DURATION")]
    pub hold: Duration,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Prints events: `[timestamp] message` (probe readings only when the
/// healthy or registered targets change), or every event as a JSON line.
struct Printer {
    json: bool,
    last_probe: std::sync::Mutex<Option<(usize, usize)>>,
}

impl Printer {
    fn new(json: bool) -> Self {
        Self {
            json,
            last_probe: std::sync::Mutex::new(None),
        }
    }
}

impl Observer<Event> for Printer {
    fn event(&self, event: &Event) {
        if self.json {
            println!("{}", event.to_json());
            return;
        }
        if let EventKind::Probe { healthy, total, .. } = &event.kind {
            let Ok(mut last) = self.last_probe.lock() else {
                return;
            };
            if *last == Some((*healthy, *total)) {
                return;
            }
            *last = Some((*healthy, *total));
        }
        println!("[{}] {}", event.timestamp(), event.kind.message());
    }
}

/// The SLO's 5xx rate from a web-service module, if there is one.
fn module_slo(config: &Config) -> Option<f64> {
    config.modules.iter().find_map(|m| {
        strata_stacks::modules::web_service_of(config, m)
            .ok()
            .map(|w| w.slo_5xx_rate)
    })
}

fn limits(config: &Config, c: &CommonArgs) -> Result<Limits> {
    let rate = c
        .max_error_rate
        .or_else(|| module_slo(config))
        .unwrap_or(0.01);
    if !(0.0..=1.0).contains(&rate) {
        return Err(miette!(
            code = "strata::drill::options",
            help = "give a fraction between 0 and 1, e.g. --max-error-rate 0.01 for 1 %",
            "--max-error-rate {rate} is not a fraction"
        ));
    }
    Ok(Limits {
        max_rto: c.max_rto,
        max_rpo: c.max_rpo,
        timeout: c.timeout,
        slo: Slo {
            max_error_rate: rate,
            max_unavailable: c.max_unavailable,
        },
    })
}

/// Takes the state lock for a drill: any live holder — an apply, a
/// rollout, another drill — makes the drill refuse to run (a dead one's
/// lock is taken over, as every command does).
async fn take_lock(backend: Arc<dyn strata_core::state::Backend>) -> Result<Lease> {
    project::take_lock(backend, "drill").await.map_err(|e| {
        e.wrap_err("a drill needs the state lock: it does not run while an apply, a rollout or another drill is running")
    })
}

/// Every 5 s of cloud time, between 50 ms and 5 s of wall time.
fn default_poll(scale: f64) -> Duration {
    Duration::from_secs_f64((5.0 / scale.max(1.0)).clamp(0.05, 5.0))
}

fn write_report(report: &DrillReport, file: &Path) -> Result<(PathBuf, PathBuf)> {
    let (md, json) = report_paths(file);
    for path in [&md, &json] {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .into_diagnostic()
                .map_err(|e| e.wrap_err(format!("cannot create {}", dir.display())))?;
        }
    }
    std::fs::write(&md, report.to_markdown())
        .into_diagnostic()
        .map_err(|e| e.wrap_err(format!("cannot write the report to {}", md.display())))?;
    std::fs::write(&json, report.to_json())
        .into_diagnostic()
        .map_err(|e| e.wrap_err(format!("cannot write the report to {}", json.display())))?;
    Ok((md, json))
}

enum Kind {
    BackupRestore(BackupRestoreOptions),
    Failover(FailoverOptions),
}

pub async fn drill(source: &ConfigSource, command: DrillCommand) -> Result<ExitCode> {
    match command {
        DrillCommand::List { json } => list(source, json).await,
        DrillCommand::Cleanup { id, json } => cleanup(source, id, json).await,
        DrillCommand::BackupRestore(a) => {
            let config = source.raw_config()?;
            let options = BackupRestoreOptions {
                db: a.db,
                from_latest: a.from_latest,
                verify: a.verify,
                promote: a.promote,
                keep: a.keep,
                limits: limits(&config, &a.common)?,
            };
            run(source, config, &a.common, Kind::BackupRestore(options)).await
        }
        DrillCommand::Failover(a) => {
            let config = source.raw_config()?;
            let target = if let Some(db) = a.db {
                FailoverTarget::Db {
                    db,
                    promote_replica: a.promote_replica,
                }
            } else if let Some(cache) = a.cache {
                FailoverTarget::Cache { cache }
            } else if let Some(az) = a.az {
                FailoverTarget::Az { az }
            } else {
                return Err(miette!(
                    code = "strata::drill::options",
                    help = "choose one of --db, --cache or --az AZ",
                    "nothing to fail over"
                ));
            };
            let options = FailoverOptions {
                target,
                hold: a.hold,
                limits: limits(&config, &a.common)?,
            };
            run(source, config, &a.common, Kind::Failover(options)).await
        }
    }
}

async fn run(
    source: &ConfigSource,
    config: Config,
    common: &CommonArgs,
    kind: Kind,
) -> Result<ExitCode> {
    let backend = project::backend(source, &config)?;
    let (provider, providers) = super::providers::default_and_all(source, &config)?;
    let lock = take_lock(backend.clone()).await?;
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let interrupt = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nInterrupt received: undoing what the drill changed and writing its report (Ctrl-C again exits at once; `strata drill cleanup` then removes what it left).");
            let _ = cancel_tx.send(true);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let poll = common
        .poll
        .unwrap_or_else(|| default_poll(provider.capabilities().time_scale));
    let drill = Drill {
        config,
        backend,
        provider,
        providers: Some(providers),
        events: Arc::new(Printer::new(common.json)),
        cancel: Some(cancel_rx),
        poll,
    };
    let result = match kind {
        Kind::BackupRestore(o) => drill.backup_restore(o).await,
        Kind::Failover(o) => drill.failover(o).await,
    };
    interrupt.abort();
    let released = lock.release().await;
    let report = result?;
    released?;
    if let Some(file) = &common.report {
        let (md, json) = write_report(&report, file)?;
        if !common.json {
            println!("Report: {} and {}", md.display(), json.display());
        }
    }
    if !common.json {
        for l in &report.left_behind {
            println!("Left behind: {l}");
        }
    }
    if report.passed {
        Ok(ExitCode::SUCCESS)
    } else {
        if !common.json {
            eprintln!(
                "Error: drill {} failed: {}",
                report.id,
                report.failures.join("; ")
            );
        }
        Ok(ExitCode::from(3))
    }
}

fn secs(s: Option<f64>) -> String {
    s.map_or("-".into(), strata_stacks::drill::human_secs)
}

async fn list(source: &ConfigSource, json: bool) -> Result<ExitCode> {
    let config = source.raw_config()?;
    let backend = project::backend(source, &config)?;
    let state = backend.load().await?;
    let records = state.as_ref().map(history).unwrap_or_default();
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&records).into_diagnostic()?
        );
        return Ok(ExitCode::SUCCESS);
    }
    if records.is_empty() {
        println!(
            "No drills recorded. Run `strata drill backup-restore` or `strata drill failover`."
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:<24} {:<32} {:<20} {:<8} {:>9} {:>9} {:>6}  TARGET",
        "ID", "DRILL", "STARTED", "STATUS", "RTO", "RPO", "5XX"
    );
    for r in &records {
        let started = chrono::DateTime::parse_from_rfc3339(&r.started_at)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_else(|_| r.started_at.clone());
        println!(
            "{:<24} {:<32} {:<20} {:<8} {:>9} {:>9} {:>6}  {}",
            r.id,
            r.drill,
            started,
            r.status,
            secs(r.rto_seconds),
            secs(r.rpo_seconds),
            r.error_rate
                .map_or("-".into(), |e| format!("{:.2}%", e * 100.0)),
            r.target
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn cleanup(source: &ConfigSource, id: Option<String>, json: bool) -> Result<ExitCode> {
    let config = source.raw_config()?;
    let backend = project::backend(source, &config)?;
    let (provider, providers) = super::providers::default_and_all(source, &config)?;
    let lock = take_lock(backend.clone()).await?;
    let poll = default_poll(provider.capabilities().time_scale);
    let mut drill = Drill::new(config, backend, provider);
    drill.poll = poll;
    drill.providers = Some(providers);
    let result = drill.cleanup(id.as_deref()).await;
    let released = lock.release().await;
    let report = result?;
    released?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).into_diagnostic()?
        );
    } else if report.is_empty() {
        println!("Nothing to clean up.");
    } else {
        for l in &report.undone {
            println!("Undone: {l}");
        }
        for l in &report.removed {
            println!("Removed: {l}");
        }
        for l in &report.failed {
            eprintln!("Failed: {l}");
        }
    }
    Ok(if report.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
