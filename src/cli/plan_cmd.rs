//! `strata validate`, `strata graph` and `strata plan`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use miette::{miette, Result};
use strata_core::addr::Address;
use strata_core::graph::Graph;
use strata_core::kinds;
use strata_core::plan::{render, Plan, PlanOptions};
use strata_core::schema::Mode;
use strata_core::session::{Locking, Session};
use strata_core::state::State;

use super::project::{self, ConfigSource, Instances};

/// Options of `strata plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Save the plan to FILE; `strata apply FILE` applies exactly it.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print the plan as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    #[command(flatten)]
    pub selection: Selection,
    /// Plan to destroy everything (or the targets).
    #[arg(long)]
    pub destroy: bool,
    /// Plan against the state as recorded, without reading live state (lookups are still read).
    #[arg(long)]
    pub no_refresh: bool,
}

/// Which resources a plan covers, and which it replaces unasked-for by any
/// change.
#[derive(Debug, Args, Default)]
pub struct Selection {
    /// Limit the plan to ADDR and what it depends on (repeatable). Keyed
    /// instances are written `'web.public["us-east-1a"]'` (quoted for the shell).
    #[arg(long = "target", value_name = "ADDR")]
    pub targets: Vec<String>,
    /// Leave ADDR, and everything that depends on it, out of the plan
    /// (repeatable; the inverse of --target).
    #[arg(long = "exclude", value_name = "ADDR")]
    pub exclude: Vec<String>,
    /// Replace ADDR even though no change forces it, e.g. an instance in a
    /// bad state (repeatable). For a database or cache this is the consent
    /// to lose its data.
    #[arg(long = "replace", value_name = "ADDR")]
    pub replace: Vec<String>,
}

impl Selection {
    /// Whether any of --target, --exclude, --replace was given.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty() && self.exclude.is_empty() && self.replace.is_empty()
    }
}

/// The lookup kinds (`[data.NAME]`): their filters and what they export.
fn print_lookup_kinds() {
    for k in kinds::data::ALL_DATA {
        println!("data {}  — {}", k.kind, k.doc);
        for f in k.filters {
            let flags = if f.required {
                "filter, required"
            } else {
                "filter"
            };
            println!(
                "    {:28} {:20} [{flags}] {}",
                f.name,
                f.ty.describe(),
                f.doc
            );
        }
        for (name, ty) in k.referable() {
            println!("    {:28} {:20} [exported]", name, ty.describe());
        }
        println!();
    }
}

pub async fn validate(source: &ConfigSource, list_kinds: bool) -> Result<ExitCode> {
    if list_kinds {
        for schema in kinds::ALL {
            println!("{}  — {}", schema.kind, schema.doc);
            for a in schema.attrs {
                let mode = match a.mode {
                    Mode::Required => "required",
                    Mode::Optional => "optional",
                    Mode::Computed => "computed",
                };
                let mut flags = vec![mode];
                if a.is_force_new() {
                    flags.push("may force replacement");
                }
                if a.sensitive {
                    flags.push("sensitive");
                }
                println!(
                    "    {:28} {:20} [{}] {}",
                    a.name,
                    a.ty.describe(),
                    flags.join(", "),
                    a.doc
                );
            }
            println!();
        }
        print_lookup_kinds();
        return Ok(ExitCode::SUCCESS);
    }
    let graph = source.graph().await?;
    println!(
        "The configuration is valid: {} resources, {} outputs.",
        graph.config.resources.len(),
        graph.config.outputs.len()
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn graph(source: &ConfigSource) -> Result<ExitCode> {
    print!("{}", source.graph().await?.to_dot());
    Ok(ExitCode::SUCCESS)
}

/// Parses `--target` values and checks they name resources.
pub fn addresses(graph: &Graph, state: &State, flag: &str, raw: &[String]) -> Result<Vec<Address>> {
    raw.iter()
        .map(|t| {
            let a = Address::parse(t).map_err(|e| {
                miette!(
                    code = "strata::cli::target",
                    help = "addresses look like `vpc`, `web.tg_blue`, `db.replica[1]` or \
                            `'web.public[\"us-east-1a\"]'` (quote keys for the shell)",
                    "{flag} {t}: {e}"
                )
            })?;
            if graph.resource(&a).is_none() && !state.resources.contains_key(&a) {
                return Err(miette!(
                    code = "strata::cli::target",
                    help = "see `strata state list` and the manifest for addresses",
                    "{flag} {a}: no such resource in the configuration or the state"
                ));
            }
            if flag == "--replace" && graph.resource(&a).is_none() {
                return Err(miette!(
                    code = "strata::cli::target",
                    help = "only a resource the configuration still declares can be replaced; to remove it, delete it from the manifest",
                    "--replace {a}: it is not in the configuration"
                ));
            }
            Ok(a)
        })
        .collect()
}

/// Opens the session and plans: the configuration's modules are expanded
/// against the state the session loaded (once), after recovery.
pub async fn make_plan(
    source: &ConfigSource,
    selection: &Selection,
    destroy: bool,
    no_refresh: bool,
    locking: Locking,
) -> Result<(Session, Plan)> {
    let raw = source.raw_config()?;
    let session = project::open(source, &raw, Instances::of(&raw), locking).await?;
    let graph = Graph::build(source.expanded(Some(session.state()))?)?;
    let state = session.state();
    let opts = PlanOptions {
        targets: addresses(&graph, state, "--target", &selection.targets)?,
        exclude: addresses(&graph, state, "--exclude", &selection.exclude)?,
        replace: addresses(&graph, state, "--replace", &selection.replace)?,
        destroy,
        skip_refresh: no_refresh,
    };
    let plan = session.plan(&graph, &opts).await?;
    Ok((session, plan))
}

/// What opening the session did for the user to know: operations of an
/// interrupted run resolved, and notes from loading the state.
pub fn notes(session: &Session) -> Vec<String> {
    let mut notes = session.notes().to_vec();
    notes.extend(session.recovered().iter().cloned());
    notes
}

/// Prints what recovery did ahead of a plan.
pub fn print_notes(notes: &[String], json: bool) {
    if notes.is_empty() || json {
        return;
    }
    println!("Resolved what an interrupted run left behind:");
    for n in notes {
        println!("  - {n}");
    }
    println!();
}

pub async fn plan(source: &ConfigSource, args: PlanArgs) -> Result<ExitCode> {
    let (session, plan) = make_plan(
        source,
        &args.selection,
        args.destroy,
        args.no_refresh,
        project::read_only(),
    )
    .await?;
    let notes = notes(&session);
    print_notes(&notes, args.json);
    if args.json {
        let mut value = render::json(&plan);
        value["recovered"] = serde_json::json!(notes);
        let text = serde_json::to_string_pretty(&value)
            .map_err(|e| miette!("cannot render the plan: {e}"))?;
        println!("{text}");
    } else {
        print!("{}", render::human(&plan));
    }
    if let Some(out) = &args.out {
        save_plan(&plan, out)?;
        if !args.json {
            println!(
                "\nSaved the plan to {}. Apply exactly it with: strata apply {}",
                out.display(),
                out.display()
            );
        }
    }
    let code = if args.detailed_exitcode && plan.has_changes() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    };
    // The process ends here: freeing a large state, cloud and plan piece by
    // piece (70 ms at 100,000 resources) would only delay the exit. The
    // session holds no lock after a plan (`read_only` releases any it took).
    std::mem::forget((session, plan));
    Ok(code)
}

/// Writes a saved plan (owner-only: it carries sensitive values).
fn save_plan(plan: &Plan, out: &std::path::Path) -> Result<()> {
    let text = serde_json::to_string_pretty(plan)
        .map_err(|e| miette!("cannot serialize the plan: {e}"))?;
    strata_core::state::local::write_atomically(out, text.as_bytes()).map_err(|e| {
        miette!(
            code = "strata::plan::file",
            help = "check the path",
            "cannot write {}: {e}",
            out.display()
        )
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o600));
    }
    Ok(())
}
