//! `strata rollout`: a blue/green release of a web-service module with a
//! canary, gates and automatic rollback (see `strata_stacks::rollout`).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use miette::{miette, Result};
use strata_stacks::rollout::{Command, Event, Observer, Outcome, Rollout, StartOptions, Timing};
use tokio::sync::watch;

use super::project::{self, ConfigSource};

/// Options of `strata rollout`.
#[derive(Debug, Args)]
pub struct RolloutArgs {
    /// The version to release (the `version` tag of the new instances).
    #[arg(long = "version", id = "release_version", required_unless_present_any = ["resume", "abort"])]
    pub version: Option<String>,
    /// A new AMI for the version (default: the live color's AMI).
    #[arg(long)]
    pub ami: Option<String>,
    /// Traffic percentages of the new color; `100` alone is an instant swap.
    #[arg(long, value_delimiter = ',', default_value = "1,10,50,100")]
    pub steps: Vec<i64>,
    /// How long each step is held while the gates are watched (e.g. 30s, 5m, 500ms).
    /// [default: 60s; with --resume: as the rollout was started]
    #[arg(long, value_parser = parse_duration)]
    pub bake: Option<Duration>,
    /// How long the old color keeps its instances after the switch
    /// [default: 60s; with --resume: as the rollout was started].
    #[arg(long, value_parser = parse_duration)]
    pub grace: Option<Duration>,
    /// Requests the new color must serve in a step before 5xx/latency decide.
    #[arg(long, default_value_t = 100)]
    pub min_requests: u64,
    /// How long the new color may take to become healthy.
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub health_timeout: Duration,
    /// How often health, alarms and metrics are read.
    #[arg(long, default_value = "500ms", value_parser = parse_duration)]
    pub poll: Duration,
    /// The web-service module to release (default: the only one).
    #[arg(long)]
    pub module: Option<String>,
    /// Go on with an interrupted rollout.
    #[arg(long, conflicts_with_all = ["abort", "release_version"])]
    pub resume: bool,
    /// Roll an interrupted rollout back to the previously live color.
    #[arg(long, conflicts_with_all = ["resume", "release_version"])]
    pub abort: bool,
    /// Print one JSON event per line.
    #[arg(long)]
    pub json: bool,
}

/// `500ms`, `30s`, `5m`, `1h`, or plain seconds.
pub(super) fn parse_duration(text: &str) -> std::result::Result<Duration, String> {
    let t = text.trim();
    let (num, unit) = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((t, "s"), |i| t.split_at(i));
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 30s, 5m or 500ms"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("`{text}`: use ms, s, m or h")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("`{text}`: {e}"))
}

/// Prints events: `[timestamp] message`, or JSON lines.
struct Printer {
    json: bool,
}

impl Observer<Event> for Printer {
    fn event(&self, event: &Event) {
        if self.json {
            println!("{}", event.to_json());
        } else {
            println!("[{}] {}", event.timestamp(), event.kind.message());
        }
    }
}

pub async fn rollout(source: &ConfigSource, args: RolloutArgs) -> Result<ExitCode> {
    let config = source.raw_config()?;
    let module = match &args.module {
        Some(m) => m.clone(),
        None => match config.modules.as_slice() {
            [one] => one.name.clone(),
            [] => {
                return Err(miette!(
                    code = "strata::rollout::module",
                    help = "declare one with `[module.web]` and `kind = \"web_service\"`",
                    "the configuration has no web_service module to release"
                ))
            }
            _ => {
                return Err(miette!(
                    code = "strata::rollout::module",
                    help = "choose one with --module NAME",
                    "the configuration has several modules"
                ))
            }
        },
    };
    let command = if args.resume {
        Command::Resume {
            bake: args.bake,
            grace: args.grace,
        }
    } else if args.abort {
        Command::Abort
    } else {
        let mut start = StartOptions::new(args.version.clone().unwrap_or_default());
        start.ami = args.ami.clone();
        start.steps = args.steps.clone();
        start.bake = args.bake.unwrap_or(start.bake);
        start.grace = args.grace.unwrap_or(start.grace);
        start.min_requests = args.min_requests;
        Command::Start(start)
    };
    let backend = project::backend(source, &config)?;
    let (provider, providers) = super::providers::default_and_all(source, &config)?;
    let lock = project::take_lock(backend.clone(), "rollout").await?;
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let interrupt = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nInterrupt received: stopping at a safe point and saving where the rollout is (Ctrl-C again exits at once).");
            let _ = cancel_tx.send(true);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let run = Rollout {
        config,
        backend,
        provider,
        providers: Some(providers),
        module,
        events: Arc::new(Printer { json: args.json }),
        cancel: Some(cancel_rx),
        timing: Timing {
            poll: args.poll,
            health_timeout: args.health_timeout,
        },
    };
    let result = run.run(command).await;
    interrupt.abort();
    let released = lock.release().await;
    let outcome = result?;
    released?;
    Ok(match outcome {
        Outcome::Promoted { .. } | Outcome::Aborted => ExitCode::SUCCESS,
        Outcome::RolledBack(breach) => {
            if !args.json {
                eprintln!("Error: rolled back: {}", breach.describe());
            }
            ExitCode::from(3)
        }
        Outcome::Interrupted => ExitCode::from(130),
    })
}
