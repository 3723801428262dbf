//! The `strata` command line: the same subcommands for a TOML manifest
//! ([`run`]) or a graph built in Rust ([`run_with`]).

mod apply_cmd;
mod drill_cmd;
mod fmt_cmd;
mod plan_cmd;
mod progress;
mod project;
mod providers;
mod rollout_cmd;
mod state_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use strata_core::config::Config;
use strata_core::diag::Problems;
use strata_core::manifest::Variables;

pub use project::{BuildFn, ConfigSource, DEFAULT_PROVIDER_KIND, PROVIDER_KINDS};

/// Declarative, typed infrastructure for AWS production stacks.
#[derive(Debug, Parser)]
#[command(name = "strata", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// The manifest to use.
    #[arg(
        short = 'f',
        long = "file",
        global = true,
        default_value = "strata.toml",
        env = "STRATA_FILE"
    )]
    pub file: PathBuf,
    /// Wait up to DURATION (e.g. 30s, 5m) for a state lock another run
    /// holds, instead of failing at once. A lock whose holder is provably
    /// dead (a process of this host that is gone; on S3, a lease not renewed
    /// for 90 s) is taken over without waiting.
    #[arg(
        long = "lock-timeout",
        global = true,
        value_name = "DURATION",
        default_value = "0s",
        value_parser = rollout_cmd::parse_duration,
        env = "STRATA_LOCK_TIMEOUT"
    )]
    pub lock_timeout: std::time::Duration,
    /// Set the variable NAME (declared under `[variable.NAME]`) to VALUE,
    /// read as the variable's type (lists and maps in TOML: `'["a","b"]'`).
    /// Repeatable. Precedence, later wins: defaults, STRATA_VAR_NAME in the
    /// environment, --var-file files in order, --var flags in order.
    #[arg(long = "var", global = true, value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read variables from FILE, a TOML file of `NAME = VALUE` lines (e.g.
    /// env/prod.toml). Repeatable; later files win, --var flags win over
    /// all files.
    #[arg(long = "var-file", global = true, value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the manifest: kinds, attributes, references, cycles.
    Validate {
        /// List the resource kinds and their attributes, and the lookup kinds, instead.
        #[arg(long)]
        kinds: bool,
    },
    /// Show what apply would change.
    Plan(plan_cmd::PlanArgs),
    /// Make the changes (plans first unless given a saved plan).
    Apply(apply_cmd::ApplyArgs),
    /// Destroy every resource of the stack (or the targets and their dependents).
    Destroy(apply_cmd::DestroyArgs),
    /// Show the resources in state and the outputs.
    Show {
        /// Print the state as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print outputs (all, or one by name).
    Output {
        /// The output to print (raw value).
        name: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the dependency graph in Graphviz DOT.
    Graph,
    /// Inspect and edit state.
    #[command(subcommand)]
    State(state_cmd::StateCommand),
    /// Bring an existing cloud resource under management at ADDR.
    Import {
        /// The address in the manifest to import into.
        address: String,
        /// The cloud id of the resource.
        id: String,
    },
    /// Read live state and record it (no changes to the cloud).
    Refresh,
    /// Release a new version of a web-service module: blue/green with a
    /// canary (1 → 10 → 50 → 100 %), gates and automatic rollback.
    #[command(disable_version_flag = true)]
    Rollout(rollout_cmd::RolloutArgs),
    /// Rehearse a restore or a failover on the running stack, measured:
    /// backup-restore, failover (--db, --cache, --az), list, cleanup.
    #[command(subcommand)]
    Drill(drill_cmd::DrillCommand),
    /// Break a state lock left by a run that died.
    ForceUnlock {
        /// The lock id (printed by the lock error).
        id: String,
    },
    /// Rewrite manifests and variable files in the canonical layout,
    /// keeping comments (`--check` for CI).
    Fmt(fmt_cmd::FmtArgs),
    /// Print a shell completion script: `strata completions bash >
    /// /etc/bash_completion.d/strata`, `strata completions zsh > _strata`
    /// (in a directory of `$fpath`), `strata completions fish >
    /// ~/.config/fish/completions/strata.fish`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Runs the CLI on the manifest given by `-f` (default `strata.toml`).
pub fn run() -> ExitCode {
    run_from(Cli::parse(), None)
}

/// Runs the CLI on a graph built in Rust: the same subcommands, no manifest.
/// State lives in `.strata/` in the working directory. The program declares
/// no variables: a `--var` or `--var-file` value is reported as unknown
/// (see [`run_with_variables`]).
pub fn run_with(build: impl Fn() -> Config + Send + Sync + 'static) -> ExitCode {
    run_with_variables(move |vars| {
        vars.resolve(&[], None)?;
        Ok(build())
    })
}

/// Runs the CLI on a graph built in Rust from variables: `build` gets the
/// sources the manifest would (`STRATA_VAR_NAME`, `--var-file`, `--var`,
/// with the same precedence) and resolves its own declarations with
/// [`Variables::resolve`], returning its problems as diagnostics.
///
/// ```no_run
/// use strata::core::config::Config;
/// use strata::core::manifest::{Variable, VarType};
///
/// strata::cli::run_with_variables(|vars| {
///     let env = Variable::new("env", VarType::String).one_of(["staging", "prod"]);
///     let values = vars.resolve(&[env], None)?;
///     let env = values.get("env").and_then(|v| v.as_str()).unwrap_or("staging");
///     Ok(Config::new(format!("app-{env}")))
/// });
/// ```
pub fn run_with_variables(
    build: impl Fn(&Variables) -> Result<Config, Problems> + Send + Sync + 'static,
) -> ExitCode {
    run_from(Cli::parse(), Some(Box::new(build)))
}

/// A closed pipe on stdout (`strata show | head`) ends the command quietly,
/// as it does for other Unix tools, instead of reporting a panic.
fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn run_from(cli: Cli, built: Option<Box<BuildFn>>) -> ExitCode {
    quiet_broken_pipe();
    if let Command::Completions { shell } = cli.command {
        let mut command = Cli::command();
        clap_complete::generate(shell, &mut command, "strata", &mut std::io::stdout());
        return ExitCode::SUCCESS;
    }
    let _ = miette::set_hook(Box::new(|_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .terminal_links(false)
                .context_lines(1)
                .build(),
        )
    }));
    project::set_lock_timeout(cli.lock_timeout);
    if let Command::Fmt(args) = cli.command {
        return match fmt_cmd::fmt(&cli.file, args) {
            Ok(code) => code,
            Err(report) => {
                eprintln!("{report:?}");
                ExitCode::FAILURE
            }
        };
    }
    let mut vars = Variables::new().from_env();
    for file in &cli.var_files {
        vars = vars.file(file);
    }
    for flag in &cli.vars {
        vars = vars.flag(flag);
    }
    project::set_variables(vars);
    let source = match built {
        Some(b) => ConfigSource::Built(b),
        None => ConfigSource::Manifest(cli.file.clone()),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command, source)) {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(command: Command, source: ConfigSource) -> miette::Result<ExitCode> {
    match command {
        Command::Validate { kinds } => plan_cmd::validate(&source, kinds).await,
        Command::Plan(args) => plan_cmd::plan(&source, args).await,
        Command::Apply(args) => apply_cmd::apply(&source, args).await,
        Command::Destroy(args) => apply_cmd::destroy(&source, args).await,
        Command::Show { json } => state_cmd::show(&source, json).await,
        Command::Output { name, json } => state_cmd::output(&source, name, json).await,
        Command::Graph => plan_cmd::graph(&source).await,
        Command::State(cmd) => state_cmd::state(&source, cmd).await,
        Command::Import { address, id } => state_cmd::import(&source, &address, &id).await,
        Command::Refresh => state_cmd::refresh(&source).await,
        Command::ForceUnlock { id } => state_cmd::force_unlock(&source, &id).await,
        Command::Rollout(args) => rollout_cmd::rollout(&source, args).await,
        Command::Drill(cmd) => drill_cmd::drill(&source, cmd).await,
        // Handled before the runtime starts.
        Command::Fmt(_) | Command::Completions { .. } => Ok(ExitCode::SUCCESS),
    }
}
