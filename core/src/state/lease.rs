//! Holding the state lock: taking it (over a provably dead holder's, or
//! after waiting up to a timeout for a live one), renewing its lease while
//! held, and releasing it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Backend, LockInfo, StateError, LEASE_RENEWAL};

/// Told about a lease renewal that failed (another run may take the lock
/// over once the lease runs out), so the caller can warn its user.
pub type RenewalWarning = Arc<dyn Fn(&StateError) + Send + Sync>;

/// How to take the lock.
#[derive(Clone)]
pub struct LockOptions {
    /// The operation recorded in the lock (`apply`, `state rm`, …).
    pub operation: String,
    /// How long to wait for a live holder before reporting it; zero reports
    /// it at once.
    pub timeout: Duration,
    /// Called when renewing the lease fails.
    pub on_renewal_failure: Option<RenewalWarning>,
}

impl LockOptions {
    /// Take the lock for `operation`, failing at once if a live run holds it.
    pub fn new(operation: impl Into<String>) -> Self {
        Self {
            operation: operation.into(),
            timeout: Duration::ZERO,
            on_renewal_failure: None,
        }
    }

    /// Waits up to `timeout` for a live holder.
    pub fn wait(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

impl std::fmt::Debug for LockOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockOptions")
            .field("operation", &self.operation)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// A held state lock, its lease renewed in the background (for backends
/// whose locks expire) until [`Lease::release`] or drop.
pub struct Lease {
    backend: Arc<dyn Backend>,
    id: String,
    renewal: tokio::task::JoinHandle<()>,
    takeover: Option<String>,
}

impl Lease {
    /// Takes the lock. A lock whose holder is provably dead (a process of
    /// this host that no longer runs; on S3, a lease not renewed) is taken
    /// over, and [`Lease::takeover`] says whose and why; a live holder is
    /// waited for up to `opts.timeout`, then reported as
    /// [`StateError::Locked`].
    pub async fn take(backend: Arc<dyn Backend>, opts: &LockOptions) -> Result<Lease, StateError> {
        let mut info = LockInfo::for_operation(&opts.operation);
        let deadline = Instant::now() + opts.timeout;
        let mut pause = Duration::from_millis(100);
        let mut takeover = None;
        loop {
            match backend.lock(&info).await {
                Ok(()) => break,
                Err(StateError::Locked { holder }) => {
                    if let Some(why) = backend.break_stale(&holder).await? {
                        takeover = Some(format!(
                            "took over the state lock of `{}` by {} (pid {}, since {}): {why}",
                            holder.operation, holder.who, holder.pid, holder.created
                        ));
                        continue;
                    }
                    if Instant::now() >= deadline {
                        return Err(StateError::Locked { holder });
                    }
                }
                Err(e) => return Err(e),
            }
            tokio::time::sleep(pause.min(deadline.saturating_duration_since(Instant::now()))).await;
            pause = (pause * 2).min(Duration::from_secs(2));
        }
        let id = info.id.clone();
        let renewal = {
            let backend = backend.clone();
            let warn = opts.on_renewal_failure.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(LEASE_RENEWAL).await;
                    info.renewed = Some(chrono::Utc::now().to_rfc3339());
                    if let Err(e) = backend.renew(&info).await {
                        match &warn {
                            Some(warn) => warn(&e),
                            None => {
                                tracing::warn!(error = %e, "could not renew the state lock's lease")
                            }
                        }
                    }
                }
            })
        };
        Ok(Lease {
            backend,
            id,
            renewal,
            takeover,
        })
    }

    /// The lock's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whose dead lock this one replaced, and why it was judged dead.
    pub fn takeover(&self) -> Option<&str> {
        self.takeover.as_deref()
    }

    /// Releases the lock.
    pub async fn release(self) -> Result<(), StateError> {
        self.renewal.abort();
        self.backend.unlock(&self.id).await
    }
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease")
            .field("id", &self.id)
            .field("takeover", &self.takeover)
            .finish_non_exhaustive()
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.renewal.abort();
    }
}
