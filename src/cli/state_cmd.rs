//! `strata show`, `output`, `state ...`, `import`, `refresh`, `force-unlock`.

use std::process::ExitCode;

use clap::Subcommand;
use miette::{miette, Result};
use strata_core::addr::Address;
use strata_core::graph::Graph;
use strata_core::plan::{refresh as refresh_state, Live};
use strata_core::session::Session;
use strata_core::state::{ResourceState, State, StateChange};

use super::project::{self, ConfigSource, Instances};

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
            help = "addresses look like `vpc`, `web.tg_blue`, `db.replica[1]` or \
                    `'web.public[\"us-east-1a\"]'` (quote keys for the shell)",
            "{e}"
        )
    })
}

async fn load(
    source: &ConfigSource,
) -> Result<(State, std::sync::Arc<dyn strata_core::state::Backend>)> {
    // Reading needs no module expansion: the backend is the manifest's own.
    let config = source.raw_config()?;
    let backend = project::backend(source, &config)?;
    let state = backend
        .load()
        .await?
        .unwrap_or_else(|| State::new(&config.stack));
    Ok((state, backend))
}

/// Opens the session for a state command that changes the state.
async fn session(source: &ConfigSource, operation: &str) -> Result<Session> {
    let config = source.raw_config()?;
    project::open(
        source,
        &config,
        Instances::of(&config),
        project::hold(operation),
    )
    .await
}

/// Commits `changes` and ends the session, releasing the lock whatever the
/// commit did.
async fn commit_and_close(mut session: Session, changes: Vec<StateChange>) -> Result<()> {
    let committed = session.commit(changes).await;
    let released = session.close().await;
    committed?;
    released?;
    Ok(())
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
            let session = session(source, "state rm").await?;
            let mut changes = Vec::new();
            for a in &addresses {
                if !session.state().resources.contains_key(a) {
                    let _ = session.close().await;
                    return Err(missing(a));
                }
                changes.push(StateChange::Remove { address: a.clone() });
            }
            commit_and_close(session, changes).await?;
            for a in &addresses {
                println!("Removed {a} from state (it still exists in the cloud).");
            }
        }
        StateCommand::Mv { from, to } => {
            let (from, to) = (parse_addr(&from)?, parse_addr(&to)?);
            let session = session(source, "state mv").await?;
            match moved(session.state(), &from, &to) {
                Ok(changes) => commit_and_close(session, changes).await?,
                Err(e) => {
                    let _ = session.close().await;
                    return Err(e);
                }
            }
            println!("Moved {from} to {to}.");
        }
        StateCommand::Pull => {
            let (state, _) = load(source).await?;
            println!("{}", state.to_json()?);
        }
        StateCommand::Push { state_file, force } => push(source, &state_file, force).await?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The changes that move the resource at `from` to `to`, and every
/// dependency on it with it.
fn moved(state: &State, from: &Address, to: &Address) -> Result<Vec<StateChange>> {
    if state.resources.contains_key(to) {
        return Err(miette!(
            code = "strata::state::exists",
            help = "`strata state rm` it first, or pick another address",
            "`{to}` is already in the state"
        ));
    }
    let r = state.resources.get(from).ok_or_else(|| missing(from))?;
    let mut changes = vec![
        StateChange::Remove {
            address: from.clone(),
        },
        StateChange::Put {
            address: to.clone(),
            resource: Box::new(r.clone()),
        },
    ];
    for (address, r) in &state.resources {
        if address != from && r.dependencies.contains(from) {
            let mut r = r.clone();
            for d in &mut r.dependencies {
                if d == from {
                    *d = to.clone();
                }
            }
            changes.push(StateChange::Put {
                address: address.clone(),
                resource: Box::new(r),
            });
        }
    }
    Ok(changes)
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
    let incoming = State::from_json(&text, &file.display().to_string())?;
    let mut session = session(source, "state push").await?;
    let result = push_into(&mut session, incoming, file, force).await;
    let released = session.close().await;
    result?;
    released?;
    Ok(())
}

async fn push_into(
    session: &mut Session,
    incoming: State,
    file: &std::path::Path,
    force: bool,
) -> Result<()> {
    let current = session.state();
    // A backend without a state yet holds the new session's empty one.
    let stored = current.serial() > 0;
    if stored && current.lineage != incoming.lineage && !force {
        return Err(miette!(
            code = "strata::state::lineage",
            help = "this file is another stack's state; pass --force to replace it anyway",
            "the backend holds lineage {} but {} has lineage {}",
            current.lineage,
            file.display(),
            incoming.lineage
        ));
    }
    if stored
        && current.lineage == incoming.lineage
        && incoming.serial() < current.serial()
        && !force
    {
        return Err(miette!(
            code = "strata::state::serial",
            help = "the backend's state is newer; `strata state pull` it, or pass --force to roll it back",
            "the backend is at serial {} but {} is at serial {}",
            current.serial(),
            file.display(),
            incoming.serial()
        ));
    }
    let resources = incoming.resources.len();
    session.replace(incoming).await?;
    println!(
        "Pushed {} ({resources} resources, serial {}) to {}.",
        file.display(),
        session.state().serial(),
        session.backend().describe()
    );
    Ok(())
}

pub async fn import(source: &ConfigSource, address: &str, id: &str) -> Result<ExitCode> {
    let address = parse_addr(address)?;
    let session = session(source, "import").await?;
    let result = imported(source, &session, &address, id).await;
    match result {
        Ok(change) => commit_and_close(session, vec![change]).await?,
        Err(e) => {
            let _ = session.close().await;
            return Err(e);
        }
    }
    println!(
        "Imported {id} as {address}. Run `strata plan` to see how it differs from the configuration."
    );
    Ok(ExitCode::SUCCESS)
}

/// Reads `id` through the session's provider as the resource the
/// configuration declares at `address`.
async fn imported(
    source: &ConfigSource,
    session: &Session,
    address: &Address,
    id: &str,
) -> Result<StateChange> {
    let graph = Graph::build(source.expanded(Some(session.state()))?)?;
    let resource = graph.resource(address).ok_or_else(|| {
        miette!(
            code = "strata::import::no_config",
            help = "declare the resource in the manifest first, then import it",
            "`{address}` is not in the configuration"
        )
    })?;
    if session.state().resources.contains_key(address) {
        return Err(miette!(
            code = "strata::state::exists",
            help = "`strata state rm` it first to import another object there",
            "`{address}` is already managed"
        ));
    }
    let provider = session.providers().get(resource.provider.as_deref())?;
    let attrs = provider.import(&resource.kind, id).await?;
    Ok(StateChange::Put {
        address: address.clone(),
        resource: Box::new(ResourceState {
            kind: resource.kind.clone(),
            id: id.to_string(),
            attrs,
            sensitive_digests: Default::default(),
            configured: resource.attrs.keys().cloned().collect(),
            dependencies: resource.dependencies(),
            prevent_destroy: resource.lifecycle.prevent_destroy,
            tainted: false,
            token: None,
            provider: resource.provider.clone(),
        }),
    })
}

pub async fn refresh(source: &ConfigSource) -> Result<ExitCode> {
    let session = session(source, "refresh").await?;
    let changes = match refreshed(&session).await {
        Ok(changes) => changes,
        Err(e) => {
            let _ = session.close().await;
            return Err(e);
        }
    };
    let (total, changed) = (session.state().resources.len(), changes.len());
    commit_and_close(session, changes).await?;
    println!("Refreshed {total} resources; {changed} changed.");
    Ok(ExitCode::SUCCESS)
}

/// What reading every resource found changed, as state changes.
async fn refreshed(session: &Session) -> Result<Vec<StateChange>> {
    let state = session.state();
    let live = refresh_state(state, session.providers()).await?;
    let mut changes = Vec::new();
    for (address, attrs) in live.resources {
        match attrs {
            Live::Unchanged => {}
            Live::Changed(attrs) => {
                if let Some(r) = state.resources.get(&address) {
                    if r.attrs != attrs {
                        let mut r = r.clone();
                        r.attrs = attrs;
                        changes.push(StateChange::Put {
                            address,
                            resource: Box::new(r),
                        });
                    }
                }
            }
            Live::Gone => {
                println!("{address} no longer exists; removed from state.");
                changes.push(StateChange::Remove { address });
            }
        }
    }
    Ok(changes)
}

pub async fn force_unlock(source: &ConfigSource, id: &str) -> Result<ExitCode> {
    let config = source.raw_config()?;
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
