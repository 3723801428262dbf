//! Everything a command needs from the project: the configuration, the
//! state directory and backend, the provider, and the lock.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use miette::{miette, Result};
use strata_core::config::{Config, ProviderConfig};
use strata_core::diag::Problems;
use strata_core::graph::Graph;
use strata_core::manifest::{parse_manifest_with, ManifestOptions, Variables};
use strata_core::provider::Provider;
use strata_core::session::{Locking, Session};
use strata_core::state::local::LocalBackend;
use strata_core::state::{Backend, Lease, LockOptions, State, StateError};

pub use super::providers::Instances;

/// Where the configuration comes from.
pub enum ConfigSource {
    /// A TOML manifest.
    Manifest(PathBuf),
    /// A graph built in Rust from the variables' sources.
    Built(Box<BuildFn>),
}

/// How a Rust program builds its configuration from the variables' sources.
pub type BuildFn = dyn Fn(&Variables) -> std::result::Result<Config, Problems> + Send + Sync;

/// The variables' sources of this run (`STRATA_VAR_*`, `--var-file`, `--var`).
static VARIABLES: std::sync::OnceLock<Variables> = std::sync::OnceLock::new();

/// Sets the variables' sources (once, from the command line).
pub fn set_variables(vars: Variables) {
    let _ = VARIABLES.set(vars);
}

/// The variables' sources: those set from the command line, or the
/// environment's alone.
pub fn variables() -> &'static Variables {
    VARIABLES.get_or_init(|| Variables::new().from_env())
}

impl ConfigSource {
    /// The directory state and the simulated cloud live in (`.strata/`).
    pub fn state_dir(&self) -> PathBuf {
        match self {
            ConfigSource::Manifest(path) => path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .join(".strata"),
            ConfigSource::Built(_) => PathBuf::from(".strata"),
        }
    }

    /// The directory relative secret files start from: the manifest's
    /// (the current one for a configuration built in Rust).
    pub fn base_dir(&self) -> Option<PathBuf> {
        match self {
            ConfigSource::Manifest(path) => path.parent().map(Path::to_path_buf),
            ConfigSource::Built(_) => None,
        }
    }

    /// The configuration with its modules expanded, each with the release
    /// record `state` holds for it (none without a state).
    pub fn expanded(&self, state: Option<&State>) -> Result<Config> {
        let mut config = self.raw_config()?;
        expand(&mut config, state)?;
        warn(&config);
        Ok(config)
    }

    /// The configuration, unvalidated, with its modules expanded against
    /// the state as stored (read without the lock: for commands that only
    /// read the configuration, such as `validate` and `graph`).
    pub async fn config(&self) -> Result<Config> {
        let mut config = self.raw_config()?;
        if !config.modules.is_empty() {
            let state = backend(self, &config)?.load().await?;
            expand(&mut config, state.as_ref())?;
        }
        warn(&config);
        Ok(config)
    }

    /// The configuration as written: modules not expanded.
    pub fn raw_config(&self) -> Result<Config> {
        match self {
            ConfigSource::Manifest(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    miette!(
                        code = "strata::manifest::read",
                        help = "pass the manifest with -f FILE (default: strata.toml in the current directory)",
                        "cannot read {}: {e}",
                        path.display()
                    )
                })?;
                let name = path.display().to_string();
                let options = ManifestOptions {
                    provider_kinds: Some(PROVIDER_KINDS),
                    variables: Some(variables()),
                };
                let mut config = parse_manifest_with(&name, &text, options)?;
                if config.stack.is_empty() {
                    config.stack = path
                        .file_stem()
                        .map_or("stack".into(), |s| s.to_string_lossy().into_owned());
                }
                Ok(config)
            }
            ConfigSource::Built(build) => Ok(build(variables())?),
        }
    }

    /// The validated graph (modules expanded against the stored state).
    pub async fn graph(&self) -> Result<Graph> {
        Ok(Graph::build(self.config().await?)?)
    }
}

/// Prints the configuration's warnings on stderr, each once per run (a
/// command may read the configuration more than once).
fn warn(config: &Config) {
    static SHOWN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let Ok(mut shown) = SHOWN.lock() else { return };
    for w in &config.warnings {
        let key = format!("{}|{:?}", w.message, w.location());
        if shown.contains(&key) {
            continue;
        }
        shown.push(key);
        eprintln!(
            "{:?}",
            miette::Report::new(strata_core::diag::Warning(w.clone()))
        );
    }
}

fn expand(config: &mut Config, state: Option<&State>) -> Result<()> {
    if !config.modules.is_empty() {
        strata_stacks::modules::expand(config, state)?;
    }
    Ok(())
}

/// The state backend a configuration asks for.
pub fn backend(source: &ConfigSource, config: &Config) -> Result<Arc<dyn Backend>> {
    match config.backend.kind.as_str() {
        "local" => {
            let dir = match config.backend.options.get("path").and_then(|v| v.as_str()) {
                Some(p) => source
                    .state_dir()
                    .parent()
                    .unwrap_or(Path::new("."))
                    .join(p),
                None => source.state_dir(),
            };
            Ok(Arc::new(LocalBackend::new(dir)))
        }
        #[cfg(feature = "aws")]
        "s3" => {
            let settings = strata_aws::S3Settings::from_options(&config.backend.options)?;
            Ok(Arc::new(strata_aws::S3Backend::new(settings)))
        }
        other => Err(miette!(
            code = "strata::backend::unsupported",
            help = "use `kind = \"local\"` (or `kind = \"s3\"` in a build with the `aws` feature)",
            "the `{other}` state backend is not available in this build"
        )),
    }
}

/// The `[provider] kind`s this application builds (`aws` only in a build
/// with the `aws` feature; without it, it is reported when it is used).
pub const PROVIDER_KINDS: &[&str] = &["sim", "aws"];

/// The provider kind of a configuration that names none.
pub const DEFAULT_PROVIDER_KIND: &str = "sim";

/// The simulated regions of the project (in its state directory).
pub fn sim_regions(source: &ConfigSource) -> strata_sim::SimRegions {
    strata_sim::SimRegions::open(&source.state_dir().join("sim"))
}

/// The provider a provider instance's configuration asks for; a simulated
/// one is made among `sims` (the project's other simulated regions, which
/// it sees).
pub fn provider_in(
    config: &ProviderConfig,
    sims: &strata_sim::SimRegions,
) -> Result<Arc<dyn Provider>> {
    match config.kind.as_deref().unwrap_or(DEFAULT_PROVIDER_KIND) {
        "sim" => {
            let mut options = strata_sim::SimOptions::from_env_and(&config.options)?;
            options.region = config.region.clone();
            Ok(Arc::new(sims.provider(options)?))
        }
        #[cfg(feature = "aws")]
        "aws" => {
            let settings =
                strata_aws::AwsSettings::from_options(Some(&config.region), &config.options)?;
            Ok(Arc::new(strata_aws::AwsProvider::new(settings)))
        }
        other => Err(miette!(
            code = "strata::provider::unsupported",
            help = "use `kind = \"sim\"`, or `kind = \"aws\"` in a build with the `aws` feature (on by default)",
            "the `{other}` provider is not available in this build"
        )),
    }
}

/// How long to wait for a lock another run holds (`--lock-timeout`).
static LOCK_TIMEOUT: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();

/// Sets how long a command waits for a held lock (once, from the command
/// line).
pub fn set_lock_timeout(wait: Duration) {
    let _ = LOCK_TIMEOUT.set(wait);
}

/// How to take the lock for `operation`: waiting up to `--lock-timeout` for
/// a live holder, warning on stderr when the lease cannot be renewed.
pub fn lock_options(operation: &str) -> LockOptions {
    let mut opts =
        LockOptions::new(operation).wait(LOCK_TIMEOUT.get().copied().unwrap_or_default());
    opts.on_renewal_failure = Some(Arc::new(|e: &StateError| {
        eprintln!("Warning: could not renew the state lock's lease: {e}");
    }));
    opts
}

/// Holding the lock for the whole command.
pub fn hold(operation: &str) -> Locking {
    Locking::Take(lock_options(operation))
}

/// Reading without the lock, taking it only to settle what an interrupted
/// run left pending.
pub fn read_only() -> Locking {
    Locking::ToRecover(lock_options("recover"))
}

/// Opens the session on the state `config` names, through the provider
/// instances `instances` names (the configuration's, or a saved plan's).
pub async fn open(
    source: &ConfigSource,
    config: &Config,
    instances: Instances<'_>,
    locking: Locking,
) -> Result<Session> {
    let backend = backend(source, config)?;
    // The lock first: a held lock is reported before the provider is built
    // (credentials, a large simulated cloud).
    let locking = match locking {
        Locking::Take(opts) => Locking::Taken(Lease::take(backend.clone(), &opts).await?),
        other => other,
    };
    let provider = match super::providers::providers(source, instances) {
        Ok(provider) => provider,
        Err(e) => {
            if let Locking::Taken(lease) = locking {
                let _ = lease.release().await;
            }
            return Err(e);
        }
    };
    let session = Session::open(backend, provider, &config.stack, locking).await?;
    if let Some(note) = session.takeover() {
        eprintln!("Note: {note}.");
    }
    Ok(session)
}

/// Takes the lock for a command that hands the backend to a library run
/// (rollouts, drills), printing a dead holder's lock taken over.
pub async fn take_lock(backend: Arc<dyn Backend>, operation: &str) -> Result<Lease> {
    let lease = Lease::take(backend, &lock_options(operation)).await?;
    if let Some(note) = lease.takeover() {
        eprintln!("Note: {note}.");
    }
    Ok(lease)
}
