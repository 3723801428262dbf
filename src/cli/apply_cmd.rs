//! `strata apply` and `strata destroy`.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use miette::{miette, Result};
use strata_core::apply::{ApplyOptions, ApplyReport};
use strata_core::plan::{render, Plan};
use strata_core::session::Session;
use strata_core::state::State;
use tokio::sync::watch;

use super::plan_cmd::{make_plan, notes, print_notes, Selection};
use super::progress::Progress;
use super::project::{self, ConfigSource, Instances};

/// Options of `strata apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved with `strata plan --out`; applied exactly, or refused if the state moved.
    pub plan_file: Option<PathBuf>,
    /// Skip the confirmation prompt.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print the plan and each apply event as JSON lines.
    #[arg(long)]
    pub json: bool,
    /// Operations in flight at once (each kind also has its own API-friendly limit).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,
    #[command(flatten)]
    pub selection: Selection,
    /// Allow this apply to replace the stateful resource ADDR (a DB instance,
    /// a replication group, an instance), losing its data (repeatable).
    /// Without it, a plan that replaces one is refused.
    #[arg(long = "allow-replace", value_name = "ADDR")]
    pub allow_replace: Vec<String>,
}

/// Options of `strata destroy`.
#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Skip the confirmation prompt.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print the plan and each event as JSON lines.
    #[arg(long)]
    pub json: bool,
    /// Operations in flight at once.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,
    /// Destroy only ADDR and what depends on it (repeatable).
    #[arg(long = "target", value_name = "ADDR")]
    pub targets: Vec<String>,
    /// Keep ADDR, and everything that depends on it (repeatable).
    #[arg(long = "exclude", value_name = "ADDR")]
    pub exclude: Vec<String>,
}

pub async fn apply(source: &ConfigSource, args: ApplyArgs) -> Result<ExitCode> {
    let run = Run {
        yes: args.yes || args.plan_file.is_some(),
        json: args.json,
        parallelism: args.parallelism.into(),
        selection: args.selection,
        destroy: false,
        plan_file: args.plan_file,
        allow_replace: args.allow_replace,
    };
    run.go(source, "apply").await
}

pub async fn destroy(source: &ConfigSource, args: DestroyArgs) -> Result<ExitCode> {
    let run = Run {
        yes: args.yes,
        json: args.json,
        parallelism: args.parallelism.into(),
        selection: Selection {
            targets: args.targets,
            exclude: args.exclude,
            replace: Vec::new(),
        },
        destroy: true,
        plan_file: None,
        allow_replace: Vec::new(),
    };
    run.go(source, "destroy").await
}

struct Run {
    yes: bool,
    json: bool,
    parallelism: usize,
    selection: Selection,
    destroy: bool,
    plan_file: Option<PathBuf>,
    allow_replace: Vec<String>,
}

impl Run {
    async fn go(self, source: &ConfigSource, operation: &str) -> Result<ExitCode> {
        if self.json && !self.yes {
            return Err(miette!(
                code = "strata::cli::json_needs_yes",
                help = "add --yes: machine-readable runs cannot answer the confirmation prompt",
                "--json needs --yes"
            ));
        }
        if self.plan_file.is_some() && !self.selection.is_empty() {
            return Err(miette!(
                code = "strata::cli::target_with_plan",
                help = "a saved plan applies exactly as planned; pass --target to `strata plan --out` instead",
                "--target cannot be combined with a saved plan"
            ));
        }
        let (mut session, plan) = match &self.plan_file {
            Some(path) => {
                let plan = read_plan(path)?;
                let raw = source.raw_config()?;
                let mut session = project::open(
                    source,
                    &raw,
                    Instances::of_plan(&plan),
                    project::hold(operation),
                )
                .await?;
                session.adopt_lineage(&plan);
                // A saved plan holds its secrets by source only: read
                // them again, the same values as planned or none.
                let mut plan = plan;
                let base = source.base_dir();
                if let Err(problems) = plan
                    .read_secrets(session.providers(), base.as_deref())
                    .await
                {
                    let _ = session.close().await;
                    return Err(problems.into());
                }
                (session, plan)
            }
            None => {
                make_plan(
                    source,
                    &self.selection,
                    self.destroy,
                    false,
                    project::hold(operation),
                )
                .await?
            }
        };
        let result = self.with_session(&mut session, plan).await;
        let released = session.close().await;
        let code = result?;
        released?;
        Ok(code)
    }

    /// Shows the plan, asks, and applies it through the session that holds
    /// the lock and read the state.
    async fn with_session(&self, session: &mut Session, plan: Plan) -> Result<ExitCode> {
        print_notes(&notes(session), self.json);
        if self.json {
            println!(
                "{}",
                serde_json::json!({ "type": "plan", "plan": render::json(&plan) })
            );
        } else {
            print!("{}", render::human(&plan));
        }
        let allow_replace = self
            .allow_replace
            .iter()
            .map(|a| super::state_cmd::parse_addr(a))
            .collect::<Result<Vec<_>>>()?;
        // Refused before asking: a plan that loses data (or was made from
        // another state) is never one keypress away.
        plan.can_apply(session.state(), &allow_replace)?;
        let outputs_changed = !self.destroy && outputs_differ(&plan, session.state());
        if !plan.has_changes() && plan.refreshed.is_empty() && !outputs_changed {
            return Ok(ExitCode::SUCCESS);
        }
        if plan.has_changes() && !self.yes && !confirm(self.destroy)? {
            println!("\nApply cancelled.");
            return Ok(ExitCode::FAILURE);
        }
        let (cancel_tx, cancel_rx) = watch::channel(false);
        let interrupt = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("\nInterrupt received: finishing operations in flight and saving state (press Ctrl-C again to exit at once).");
                let _ = cancel_tx.send(true);
                if tokio::signal::ctrl_c().await.is_ok() {
                    eprintln!("Exiting at once.");
                    std::process::exit(130);
                }
            }
        });
        let progress = Arc::new(Progress::new(self.json, &plan));
        let opts = ApplyOptions {
            parallelism: self.parallelism,
            stack: plan.stack.clone(),
            cancel: Some(cancel_rx),
            timeout_scale: 1.0,
            allow_replace,
        };
        let report = session.apply(&plan, opts, progress.clone()).await;
        interrupt.abort();
        progress.finish();
        let report = report?;
        let refactored = !plan.moves.is_empty() || !plan.forgets.is_empty();
        if !self.json && refactored {
            println!(
                "Committed to state: {} moved, {} forgotten (left in the cloud).",
                plan.moves.len(),
                plan.forgets.len()
            );
        }
        Ok(summarize(&report, session.state(), self.json, self.destroy))
    }
}

fn outputs_differ(plan: &Plan, state: &State) -> bool {
    plan.outputs.len() != state.outputs.len()
        || plan.outputs.iter().any(|(k, o)| {
            state.outputs.get(k).map(|s| &s.value) != o.planned.to_known_json().as_ref()
        })
}

fn read_plan(path: &std::path::Path) -> Result<Plan> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        miette!(
            code = "strata::plan::file",
            help = "create one with `strata plan --out FILE`",
            "cannot read {}: {e}",
            path.display()
        )
    })?;
    Ok(Plan::from_json(&text)?)
}

fn confirm(destroy: bool) -> Result<bool> {
    let stdin = std::io::stdin();
    print!(
        "\nDo you really want to {}?\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: ",
        if destroy { "destroy all these resources" } else { "perform these actions" }
    );
    std::io::stdout().flush().map_err(|e| miette!("{e}"))?;
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| miette!("cannot read the answer: {e}"))?;
    Ok(line.trim() == "yes")
}

fn summarize(report: &ApplyReport, state: &State, json: bool, destroy: bool) -> ExitCode {
    use strata_core::apply::OpKind;
    let count = |k: OpKind| report.completed.iter().filter(|c| c.op == k).count();
    let (added, changed, destroyed) = (
        count(OpKind::Create),
        count(OpKind::Update),
        count(OpKind::Delete) + count(OpKind::DeleteDeposed),
    );
    if json {
        println!(
            "{}",
            serde_json::json!({
                "type": "summary",
                "succeeded": report.succeeded(),
                "added": added, "changed": changed, "destroyed": destroyed,
                "elapsed_ms": report.elapsed.as_millis() as u64,
                "failures": report.failures.iter().map(|f| serde_json::json!({
                    "address": f.address, "error": f.error, "code": f.code, "help": f.help,
                })).collect::<Vec<_>>(),
                "skipped": report.skipped.iter().map(|(a, b)| serde_json::json!({"address": a, "because": b})).collect::<Vec<_>>(),
                "interrupted": report.interrupted,
                "outputs": state.outputs.iter().map(|(k, v)| (k.clone(), if v.sensitive { serde_json::json!("(sensitive value)") } else { v.value.clone() })).collect::<serde_json::Map<_, _>>(),
            })
        );
    } else {
        println!();
        for f in &report.failures {
            eprintln!("Error: {} failed: {}", f.address, f.error);
            if let Some(help) = &f.help {
                eprintln!("  help: {help}");
            }
        }
        for (a, b) in &report.skipped {
            eprintln!("Skipped: {a} (depends on {b}, which failed)");
        }
        if !report.interrupted.is_empty() {
            eprintln!(
                "Interrupted: {} operations were not started; state is saved. Run `strata apply` again to finish.",
                report.interrupted.len()
            );
        }
        let verb = if destroy { "Destroy" } else { "Apply" };
        if report.succeeded() {
            println!(
                "{verb} complete! Resources: {added} added, {changed} changed, {destroyed} destroyed. ({:.1}s)",
                report.elapsed.as_secs_f64()
            );
        } else {
            println!(
                "{verb} finished with errors. Resources: {added} added, {changed} changed, {destroyed} destroyed; {} failed, {} skipped.",
                report.failures.len(),
                report.skipped.len()
            );
        }
        if !destroy && !state.outputs.is_empty() {
            println!("\nOutputs:\n");
            for (k, v) in &state.outputs {
                let shown = if v.sensitive {
                    "(sensitive value)".to_string()
                } else {
                    v.value.to_string()
                };
                println!("{k} = {shown}");
            }
        }
    }
    if report.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
