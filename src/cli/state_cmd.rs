//! `strata show`, `output`, `state ...`, `import`, `refresh`, `force-unlock`.

use std::process::ExitCode;

use clap::Subcommand;
use miette::{miette, Result};
use strata_core::addr::Address;
use strata_core::plan::refresh as refresh_state;
use strata_core::state::{ResourceState, State};

use super::project::{self, with_lock, ConfigSource};

/// `strata state` subcommands.
#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List the addresses in state.
    List,
    /// Show one resource's recorded attributes.
    Show {
        /// The address.
        address: String,
    },
    /// Stop managing resources (they stay in the cloud).
    Rm {
        /// The addresses.
        #[arg(required = true)]
        addresses: Vec<String>,
    },
    /// Move a resource to a new address (e.g. after renaming it in the manifest).
    Mv {
        /// The current address.
        from: String,
        /// The new address.
        to: String,
    },
    /// Print the state as JSON (e.g. to migrate it to another backend).
    Pull,
    /// Upload a state file to the backend (e.g. after changing backends).
    Push {
        /// The state JSON file (`strata state pull` output).
        #[arg(value_name = "FILE")]
        state_file: std::path::PathBuf,
        /// Push even if its lineage differs or its serial is lower.
        #[arg(long)]
        force: bool,
    },
}

pub(super) fn parse_addr(s: &str) -> Result<Address> {
    Address::parse(s).map_err(|e| {
        miette!(
            code = "strata::cli::address",
            help = "addresses look like `vpc` or `web.tg_blue`",
            "{e}"
        )
    })
}

async fn load(
    source: &ConfigSource,
) -> Result<(State, std::sync::Arc<dyn strata_core::state::Backend>)> {
    let config = source.config()?;
    let backend = project::backend(source, &config)?;
    let state = project::load_state(backend.as_ref(), &config.stack).await?;
    Ok((state, backend))
}

fn missing(address: &Address) -> miette::Report {
    miette!(
        code = "strata::state::no_such_resource",
        help = "see `strata state list`",
        "`{address}` is not in the state"
    )
}

pub async fn show(source: &ConfigSource, json: bool) -> Result<ExitCode> {
    let (state, _) = load(source).await?;
    if json {
        let text = state.to_json()?;
        println!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    if state.resources.is_empty() {
        println!("The state is empty: no resources are managed.");
    }
    for (address, r) in &state.resources {
        print_resource(address, r);
    }
    if !state.outputs.is_empty() {
        println!("Outputs:\n");
        for (k, v) in listed(&state.outputs) {
            let shown = if v.sensitive {
                "(sensitive value)".to_string()
            } else {
                v.value.to_string()
            };
            println!("{k} = {shown}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_resource(address: &Address, r: &ResourceState) {
    let tainted = if r.tainted { " (tainted)" } else { "" };
    println!(
        "# {address}{tainted}:\nresource \"{}\" \"{address}\" {{",
        r.kind
    );
    let width = r.attrs.keys().map(|k| k.len()).max().unwrap_or(2).max(2);
    println!("    {:width$} = {:?}", "id", r.id);
    for (k, v) in &r.attrs {
        println!("    {k:width$} = {v}");
    }
    for k in r.sensitive_digests.keys() {
        println!("    {k:width$} = (sensitive value)");
    }
    println!("}}\n");
}

pub async fn output(source: &ConfigSource, name: Option<String>, json: bool) -> Result<ExitCode> {
    let (state, _) = load(source).await?;
    match name {
        Some(name) => {
            let out = state.outputs.get(&name).ok_or_else(|| {
                miette!(
                    code = "strata::output::unknown",
                    help = "run `strata output` to list outputs (apply first if there are none)",
                    "there is no output `{name}`"
                )
            })?;
            match (&out.value, json) {
                (v, true) => println!("{v}"),
                (serde_json::Value::String(s), false) => println!("{s}"),
                (v, false) => println!("{v}"),
            }
        }
        None if json => {
            let map: serde_json::Map<String, serde_json::Value> = state
                .outputs
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        serde_json::json!({ "value": v.value, "sensitive": v.sensitive }),
                    )
                })
                .collect();
            println!("{}", serde_json::Value::Object(map));
        }
        None => {
            if state.outputs.is_empty() {
                println!("No outputs. Apply the configuration first.");
            }
            for (k, v) in listed(&state.outputs) {
                let shown = if v.sensitive {
                    "(sensitive value)".to_string()
                } else {
                    v.value.to_string()
                };
                println!("{k} = {shown}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn state(source: &ConfigSource, cmd: StateCommand) -> Result<ExitCode> {
    match cmd {
        StateCommand::List => {
            let (state, _) = load(source).await?;
            for (a, r) in &state.resources {
                println!("{a}\t{}\t{}", r.kind, r.id);
            }
        }
        StateCommand::Show { address } => {
            let address = parse_addr(&address)?;
            let (state, _) = load(source).await?;
            let r = state
                .resources
                .get(&address)
                .ok_or_else(|| missing(&address))?;
            print_resource(&address, r);
        }
        StateCommand::Rm { addresses } => {
            let addresses = addresses
                .iter()
                .map(|a| parse_addr(a))
                .collect::<Result<Vec<_>>>()?;
            let (_, backend) = load(source).await?;
            let b = backend.clone();
            let stack = source.config()?.stack;
            with_lock(backend, "state rm", || async move {
                let mut state = project::load_state(b.as_ref(), &stack).await?;
                for a in &addresses {
                    state.resources.remove(a).ok_or_else(|| missing(a))?;
                }
                state.serial += 1;
                b.persist(&state).await?;
                for a in &addresses {
                    println!("Removed {a} from state (it still exists in the cloud).");
                }
                Ok(())
            })
            .await?;
        }
        StateCommand::Mv { from, to } => {
            let (from, to) = (parse_addr(&from)?, parse_addr(&to)?);
            let (_, backend) = load(source).await?;
            let b = backend.clone();
            let stack = source.config()?.stack;
            with_lock(backend, "state mv", || async move {
                let mut state = project::load_state(b.as_ref(), &stack).await?;
                if state.resources.contains_key(&to) {
                    return Err(miette!(
                        code = "strata::state::exists",
                        help = "`strata state rm` it first, or pick another address",
                        "`{to}` is already in the state"
                    ));
                }
                let r = state
                    .resources
                    .remove(&from)
                    .ok_or_else(|| missing(&from))?;
                state.resources.insert(to.clone(), r);
                for r in state.resources.values_mut() {
                    for d in &mut r.dependencies {
                        if *d == from {
                            *d = to.clone();
                        }
                    }
                }
                state.serial += 1;
                b.persist(&state).await?;
                println!("Moved {from} to {to}.");
                Ok(())
            })
            .await?;
        }
        StateCommand::Pull => {
            let (state, _) = load(source).await?;
            println!("{}", state.to_json()?);
        }
        StateCommand::Push { state_file, force } => push(source, &state_file, force).await?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `strata state push FILE`: refuses another lineage or a lower serial
/// unless forced, so a push never silently rolls a stack's state back.
async fn push(source: &ConfigSource, file: &std::path::Path, force: bool) -> Result<()> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        miette!(
            code = "strata::state::push",
            help = "pass a file written by `strata state pull`",
            "cannot read {}: {e}",
            file.display()
        )
    })?;
    let mut incoming = State::from_json(&text, &file.display().to_string())?;
    let config = source.config()?;
    let backend = project::backend(source, &config)?;
    let b = backend.clone();
    with_lock(backend, "state push", || async move {
        if let Some(current) = b.load().await? {
            if current.lineage != incoming.lineage && !force {
                return Err(miette!(
                    code = "strata::state::lineage",
                    help = "this file is another stack's state; pass --force to replace it anyway",
                    "the backend holds lineage {} but {} has lineage {}",
                    current.lineage,
                    file.display(),
                    incoming.lineage
                ));
            }
            if current.lineage == incoming.lineage && incoming.serial < current.serial && !force {
                return Err(miette!(
                    code = "strata::state::serial",
                    help = "the backend's state is newer; `strata state pull` it, or pass --force to roll it back",
                    "the backend is at serial {} but {} is at serial {}",
                    current.serial,
                    file.display(),
                    incoming.serial
                ));
            }
            if force {
                incoming.serial = incoming.serial.max(current.serial + 1);
            }
        }
        b.persist(&incoming).await?;
        println!(
            "Pushed {} ({} resources, serial {}) to {}.",
            file.display(),
            incoming.resources.len(),
            incoming.serial,
            b.describe()
        );
        Ok(())
    })
    .await
}

pub async fn import(source: &ConfigSource, address: &str, id: &str) -> Result<ExitCode> {
    let address = parse_addr(address)?;
    let graph = source.graph()?;
    let resource = graph.resource(&address).ok_or_else(|| {
        miette!(
            code = "strata::import::no_config",
            help = "declare the resource in the manifest first, then import it",
            "`{address}` is not in the configuration"
        )
    })?;
    let backend = project::backend(source, &graph.config)?;
    let provider = project::provider(source, &graph.config.provider)?;
    let b = backend.clone();
    let stack = graph.config.stack.clone();
    with_lock(backend, "import", || async move {
        let mut state = project::load_state(b.as_ref(), &stack).await?;
        if state.resources.contains_key(&address) {
            return Err(miette!(code = "strata::state::exists", help = "`strata state rm` it first to import another object there", "`{address}` is already managed"));
        }
        let attrs = provider.import(&resource.kind, id).await?;
        state.resources.insert(
            address.clone(),
            ResourceState {
                kind: resource.kind.clone(),
                id: id.to_string(),
                attrs,
                sensitive_digests: Default::default(),
                configured: resource.attrs.keys().map(ToString::to_string).collect(),
                dependencies: resource.dependencies(),
                prevent_destroy: resource.lifecycle.prevent_destroy,
                tainted: false,
                token: None,
            },
        );
        state.serial += 1;
        b.persist(&state).await?;
        println!("Imported {id} as {address}. Run `strata plan` to see how it differs from the configuration.");
        Ok(())
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn refresh(source: &ConfigSource) -> Result<ExitCode> {
    let config = source.config()?;
    let backend = project::backend(source, &config)?;
    let provider = project::provider(source, &config.provider)?;
    let b = backend.clone();
    with_lock(backend, "refresh", || async move {
        let mut state = project::load_state(b.as_ref(), &config.stack).await?;
        let live = refresh_state(&state, provider.as_ref()).await?;
        let mut changed = 0;
        for (address, attrs) in live.resources {
            match attrs {
                strata_core::plan::Live::Unchanged => {}
                strata_core::plan::Live::Changed(attrs) => {
                    if let Some(r) = state.resources.get_mut(&address) {
                        if r.attrs != attrs {
                            r.attrs = attrs;
                            changed += 1;
                        }
                    }
                }
                strata_core::plan::Live::Gone => {
                    println!("{address} no longer exists; removed from state.");
                    state.resources.remove(&address);
                    changed += 1;
                }
            }
        }
        if changed > 0 {
            state.serial += 1;
            b.persist(&state).await?;
        }
        println!(
            "Refreshed {} resources; {changed} changed.",
            state.resources.len()
        );
        Ok(())
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn force_unlock(source: &ConfigSource, id: &str) -> Result<ExitCode> {
    let config = source.config()?;
    let backend = project::backend(source, &config)?;
    backend.force_unlock(id).await?;
    println!("The state lock {id} was removed.");
    Ok(ExitCode::SUCCESS)
}

/// Outputs to list: not the records Strata keeps beside them (`strata:*`,
/// e.g. past drills), which are printed only when asked for by name.
fn listed(
    outputs: &std::collections::BTreeMap<String, strata_core::state::OutputState>,
) -> impl Iterator<Item = (&String, &strata_core::state::OutputState)> {
    outputs
        .iter()
        .filter(|(k, _)| !k.starts_with(strata_core::apply::RESERVED_OUTPUT_PREFIX))
}
