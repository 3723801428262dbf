//! Everything a command needs from the project: the configuration, the
//! state directory and backend, the provider, and the lock.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use miette::{miette, Result};
use strata_core::config::{Config, ProviderConfig};
use strata_core::graph::Graph;
use strata_core::manifest::{parse_manifest_with, ManifestOptions};
use strata_core::provider::Provider;
use strata_core::state::local::LocalBackend;
use strata_core::state::{Backend, LockInfo, State, StateError, LEASE_RENEWAL};

/// Where the configuration comes from.
pub enum ConfigSource {
    /// A TOML manifest.
    Manifest(PathBuf),
    /// A graph built in Rust.
    Built(Box<dyn Fn() -> Config + Send + Sync>),
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

    /// The configuration, unvalidated, with its modules expanded (each
    /// with the release record the state holds for it).
    pub fn config(&self) -> Result<Config> {
        let mut config = self.raw_config()?;
        if !config.modules.is_empty() {
            let state = load_state_blocking(self, &config)?;
            strata_stacks::modules::expand(&mut config, state.as_ref())?;
        }
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
                };
                let mut config = parse_manifest_with(&name, &text, options)?;
                if config.stack.is_empty() {
                    config.stack = path
                        .file_stem()
                        .map_or("stack".into(), |s| s.to_string_lossy().into_owned());
                }
                Ok(config)
            }
            ConfigSource::Built(build) => Ok(build()),
        }
    }

    /// The validated graph.
    pub fn graph(&self) -> Result<Graph> {
        Ok(Graph::build(self.config()?)?)
    }
}

/// Loads the state for module expansion from a synchronous caller, on a
/// thread of its own (so it works inside or outside an async runtime).
fn load_state_blocking(source: &ConfigSource, config: &Config) -> Result<Option<State>> {
    let backend = backend(source, config)?;
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| miette!("cannot start a runtime to read the state: {e}"))?;
                Ok(runtime.block_on(backend.load())?)
            })
            .join()
            .map_err(|_| miette!("reading the state failed"))?
    })
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

/// The provider a configuration asks for.
pub fn provider(source: &ConfigSource, config: &ProviderConfig) -> Result<Arc<dyn Provider>> {
    match config.kind.as_deref().unwrap_or(DEFAULT_PROVIDER_KIND) {
        "sim" => {
            let mut options = strata_sim::SimOptions::from_env_and(&config.options)?;
            options.region = config.region.clone();
            let sim = strata_sim::SimProvider::open(&source.state_dir().join("sim"), options)?;
            Ok(Arc::new(sim))
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

/// Loads the state, or a new empty one for the stack.
pub async fn load_state(backend: &dyn Backend, stack: &str) -> Result<State> {
    Ok(backend.load().await?.unwrap_or_else(|| State::new(stack)))
}

/// Resolves the operations an interrupted run left pending in `state`,
/// persisting the result; returns what was done, one line each.
pub async fn recover(
    backend: &dyn Backend,
    provider: &dyn Provider,
    state: &mut State,
) -> Result<Vec<String>> {
    let (changes, recovered) = strata_core::recover::recover(state, provider).await?;
    for c in &changes {
        state.apply_change(c);
    }
    state.serial += 1;
    backend.persist_changes(state, &changes).await?;
    Ok(recovered
        .into_iter()
        .map(|r| format!("{}: {}", r.address, r.outcome))
        .collect())
}

/// A held state lock; release it with [`Locked::release`]. While held, its
/// lease is renewed in the background (for backends whose locks expire).
pub struct Locked {
    backend: Arc<dyn Backend>,
    id: String,
    renewal: tokio::task::JoinHandle<()>,
}

/// How long to wait for a lock another run holds (`--lock-timeout`).
static LOCK_TIMEOUT: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();

/// Sets how long [`Locked::take`] waits for a held lock (once, from the
/// command line).
pub fn set_lock_timeout(wait: Duration) {
    let _ = LOCK_TIMEOUT.set(wait);
}

impl Locked {
    /// Takes the lock for `operation`. A lock whose holder is provably dead
    /// (a process of this host that no longer runs; on S3, a lease not
    /// renewed) is taken over, with a note, and the journal's recovery then
    /// runs as usual; a live holder is waited for up to `--lock-timeout`,
    /// then reported.
    pub async fn take(backend: Arc<dyn Backend>, operation: &str) -> Result<Locked> {
        let mut info = LockInfo::for_operation(operation);
        let deadline = Instant::now() + LOCK_TIMEOUT.get().copied().unwrap_or_default();
        let mut pause = Duration::from_millis(100);
        loop {
            match backend.lock(&info).await {
                Ok(()) => break,
                Err(StateError::Locked { holder }) => {
                    if let Some(why) = backend.break_stale(&holder).await? {
                        eprintln!(
                            "Note: took over the state lock of `{}` by {} (pid {}, since {}): {why}.",
                            holder.operation, holder.who, holder.pid, holder.created
                        );
                        continue;
                    }
                    if Instant::now() >= deadline {
                        return Err(StateError::Locked { holder }.into());
                    }
                }
                Err(e) => return Err(e.into()),
            }
            tokio::time::sleep(pause.min(deadline.saturating_duration_since(Instant::now()))).await;
            pause = (pause * 2).min(Duration::from_secs(2));
        }
        let id = info.id.clone();
        let renewal = {
            let backend = backend.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(LEASE_RENEWAL).await;
                    info.renewed = Some(chrono::Utc::now().to_rfc3339());
                    if let Err(e) = backend.renew(&info).await {
                        eprintln!("Warning: could not renew the state lock's lease: {e}");
                    }
                }
            })
        };
        Ok(Locked {
            backend,
            id,
            renewal,
        })
    }

    /// Releases the lock.
    pub async fn release(self) -> Result<()> {
        self.renewal.abort();
        Ok(self.backend.unlock(&self.id).await?)
    }
}

/// Runs `f` holding the state lock, releasing it whatever `f` returns.
pub async fn with_lock<T, F, Fut>(backend: Arc<dyn Backend>, operation: &str, f: F) -> Result<T>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let lock = Locked::take(backend, operation).await?;
    let result = f().await;
    let released = lock.release().await;
    let value = result?;
    released?;
    Ok(value)
}
