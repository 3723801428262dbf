//! Drills from Rust, as a team would run them from CI or a cron job: a
//! backup-restore and an availability-zone failover of the stack a manifest
//! describes, each written as a Markdown and JSON report, failing (exit 1)
//! when a drill fails or its RTO or RPO exceeds the thresholds.
//!
//! ```sh
//! strata -f examples/web_service.toml apply --yes
//! cargo run --example drills -- examples/web_service.toml
//! MAX_RTO_SECS=900 MAX_RPO_SECS=3600 cargo run --example drills -- examples/web_service.toml
//! ```
//!
//! The stack must have been applied (state in `.strata/` beside the
//! manifest, on the simulated cloud). Reports go to `drill-reports/`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use miette::{miette, IntoDiagnostic, Result};
use strata::core::manifest::parse_manifest;
use strata::core::state::local::LocalBackend;
use strata::core::state::{Backend, LockInfo};
use strata::drill::{
    report_paths, BackupRestoreOptions, Drill, DrillReport, Event, FailoverOptions, FailoverTarget,
    Limits, Observer,
};
use strata::sim::{SimOptions, SimProvider};

/// Prints each drill event as a line.
struct Print;

impl Observer<Event> for Print {
    fn event(&self, event: &Event) {
        println!("[{}] {}", event.timestamp(), event.kind.message());
    }
}

fn secs_from_env(name: &str, default: u64) -> Result<Duration> {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .map(Duration::from_secs)
            .map_err(|_| miette!("{name}={v} is not a number of seconds")),
        Err(_) => Ok(Duration::from_secs(default)),
    }
}

fn write(report: &DrillReport, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).into_diagnostic()?;
    let (md, json) = report_paths(&dir.join(&report.id));
    std::fs::write(&md, report.to_markdown()).into_diagnostic()?;
    std::fs::write(&json, report.to_json()).into_diagnostic()?;
    println!("report: {}", md.display());
    Ok(())
}

async fn drills(manifest: PathBuf) -> Result<bool> {
    let text = std::fs::read_to_string(&manifest)
        .into_diagnostic()
        .map_err(|e| e.wrap_err(format!("cannot read {}", manifest.display())))?;
    let config = parse_manifest(&manifest.display().to_string(), &text)?;
    // No kind means the CLI's default, the simulated cloud.
    if let Some(kind) = config.provider.kind.as_deref().filter(|k| *k != "sim") {
        return Err(miette!(
            help = "this example opens the simulated cloud; use `strata drill` for other providers",
            "{} uses the `{kind}` provider",
            manifest.display(),
        ));
    }
    let dir = manifest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join(".strata");
    let mut options = SimOptions::from_env_and(&config.provider.options)?;
    options.region = config.provider.region.clone();
    let az = format!("{}a", options.region);
    let provider = Arc::new(SimProvider::open(&dir.join("sim"), options)?);
    let backend: Arc<dyn Backend> = Arc::new(LocalBackend::new(dir));
    let limits = Limits {
        max_rto: Some(secs_from_env("MAX_RTO_SECS", 30 * 60)?),
        max_rpo: Some(secs_from_env("MAX_RPO_SECS", 24 * 3600)?),
        ..Limits::default()
    };

    // A drill holds the state lock, as apply does.
    let lock = LockInfo::for_operation("drill");
    backend.lock(&lock).await?;
    let mut drill = Drill::new(config, backend.clone(), provider.clone());
    drill.events = Arc::new(Print);
    drill.poll = Duration::from_secs_f64((5.0 / provider.options().speed).clamp(0.05, 5.0));
    let restore = drill
        .backup_restore(BackupRestoreOptions {
            limits,
            ..BackupRestoreOptions::default()
        })
        .await;
    let failover = match &restore {
        Ok(_) => Some(
            drill
                .failover(FailoverOptions {
                    limits,
                    ..FailoverOptions::new(FailoverTarget::Az { az })
                })
                .await,
        ),
        Err(_) => None,
    };
    backend.unlock(&lock.id).await?;

    let reports = std::iter::once(restore).chain(failover);
    let out = PathBuf::from("drill-reports");
    let mut passed = true;
    for r in reports {
        let report = r?;
        write(&report, &out)?;
        if !report.passed {
            eprintln!("drill {} FAILED: {}", report.id, report.failures.join("; "));
            passed = false;
        }
    }
    Ok(passed)
}

fn main() -> ExitCode {
    let manifest = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("strata.toml"), PathBuf::from);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(drills(manifest)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("{e:?}");
            ExitCode::FAILURE
        }
    }
}
