//! What a provider entry point hands the checks: the provider and backends
//! under test, what each supports, and helpers every check uses (create and
//! wait, delete and wait, read one).

use std::any::Any;
use std::sync::Arc;
use std::time::{Duration, Instant};

use strata::core::addr::Address;
use strata::core::config::{Config, ResourceConfig};
use strata::core::graph::Graph;
use strata::core::provider::{
    CreateRequest, DeleteRequest, OpStatus, Operation, PollRequest, Provider, ProviderError,
    ReadRequest, ReadTarget,
};
use strata::core::state::Backend;
use strata::core::value::Attrs;

/// The stack every check creates resources in.
pub const STACK: &str = "conformance";

/// How long a check waits for one operation before it fails.
const PATIENCE: Duration = Duration::from_secs(120);

/// A provider under test with a throttling front end: the same cloud (or
/// one like it) with faults injected, and how many faults were injected
/// below the provider (where the provider itself cannot see them).
pub struct Throttled {
    /// The throttling provider.
    pub provider: Arc<dyn Provider>,
    /// Faults injected below the provider so far (the proxy's count on
    /// moto; the sim throttles inside the provider, so 0 there).
    pub injected_below: Box<dyn Fn() -> usize + Send + Sync>,
}

/// What a provider's entry point builds for each check.
pub struct Harness {
    /// The provider under test.
    pub provider: Arc<dyn Provider>,
    /// A new handle on the one state store each call (as a second process
    /// would open it).
    pub backend: Box<dyn Fn() -> Box<dyn Backend> + Send + Sync>,
    /// Whether the backend refuses a write from a stale read (rather than
    /// relying on its lock alone).
    pub refuses_stale_writes: bool,
    /// Kinds whose `find_by_token` finds what a create with a token made.
    pub token_kinds: &'static [&'static str],
    /// Where the cloud behind the provider cannot do what the check asks
    /// (moto's gaps); each names why.
    pub gaps: &'static [Gap],
    /// The provider behind a throttling front end.
    pub throttled: Throttled,
    /// Held for the harness's life (moto: the lock on the one server).
    pub _guard: Option<Box<dyn Any>>,
}

/// A step a cloud cannot do for a kind, and why.
#[derive(Debug, Clone, Copy)]
pub struct Gap {
    /// The kind.
    pub kind: &'static str,
    /// The step.
    pub step: Step,
    /// Why (the cloud's missing API, by name).
    pub why: &'static str,
}

/// A step of the per-kind lifecycle check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The create (and the whole lifecycle after it: the provider's cloud
    /// lacks the kind).
    Create,
    /// The in-place update.
    Update,
    /// The delete (and everything after it).
    Delete,
    /// After the delete: a read no longer finds it.
    Gone,
    /// `find_by_token` finds what a create with that token made.
    FindByToken,
    /// A create retried with the same token returns the first resource.
    TokenRetry,
}

impl Harness {
    /// Whether `step` can be checked for `kind`; prints the gap when not.
    pub fn can(&self, kind: &str, step: Step) -> bool {
        match self.gaps.iter().find(|g| g.kind == kind && g.step == step) {
            Some(g) => {
                eprintln!(
                    "skipped on {}: {step:?} of {kind} ({})",
                    self.provider.name(),
                    g.why
                );
                false
            }
            None => true,
        }
    }

    /// Creates a resource at `address` (its attributes [`normalized`]) and
    /// waits until it is ready.
    pub async fn create(&self, address: &str, kind: &str, attrs: Attrs) -> (String, Attrs) {
        let attrs = normalized(kind, attrs);
        self.create_with(self.provider.as_ref(), address, kind, attrs, &token())
            .await
            .unwrap_or_else(|e| panic!("create {kind} at {address}: {e}"))
    }

    /// Creates through `provider` with `token` and waits until ready.
    pub async fn create_with(
        &self,
        provider: &dyn Provider,
        address: &str,
        kind: &str,
        attrs: Attrs,
        token: &str,
    ) -> Result<(String, Attrs), ProviderError> {
        let status = provider
            .create(CreateRequest {
                address: addr(address),
                kind: kind.into(),
                attrs,
                stack: STACK.into(),
                token: token.into(),
            })
            .await?;
        wait(provider, address, kind, Operation::Create, status).await
    }

    /// Reads one resource: its live attributes, or `None` if it is gone.
    pub async fn read(&self, kind: &str, id: &str) -> Option<Attrs> {
        read_one(self.provider.as_ref(), kind, id)
            .await
            .unwrap_or_else(|e| panic!("read {kind} {id}: {e}"))
    }

    /// Deletes a resource and waits until it is gone; a resource already
    /// gone answers `NotFound` or a status that settles as gone.
    pub async fn delete(&self, kind: &str, id: &str, prior: Attrs) -> Result<(), ProviderError> {
        delete_with(self.provider.as_ref(), kind, id, prior).await
    }
}

/// Deletes through `provider` and waits until the resource is gone.
pub async fn delete_with(
    provider: &dyn Provider,
    kind: &str,
    id: &str,
    prior: Attrs,
) -> Result<(), ProviderError> {
    let status = provider
        .delete(DeleteRequest {
            address: addr("subject"),
            kind: kind.into(),
            id: id.into(),
            prior,
        })
        .await?;
    match wait(provider, "subject", kind, Operation::Delete, status).await {
        // The engine reads NotFound on a delete's poll as done.
        Ok(_) | Err(ProviderError::NotFound { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Reads one resource through `provider`.
pub async fn read_one(
    provider: &dyn Provider,
    kind: &str,
    id: &str,
) -> Result<Option<Attrs>, ProviderError> {
    let mut found = provider
        .read(ReadRequest {
            kind: kind.into(),
            targets: vec![ReadTarget {
                address: addr("subject"),
                id: id.into(),
            }],
        })
        .await?
        .found;
    Ok(found.remove(id))
}

/// Polls `status` until `Done`, as the engine does (sleeping what the
/// provider asks, capped so a sped-up sim is not slowed down).
pub async fn wait(
    provider: &dyn Provider,
    address: &str,
    kind: &str,
    operation: Operation,
    mut status: OpStatus,
) -> Result<(String, Attrs), ProviderError> {
    let started = Instant::now();
    loop {
        match status {
            OpStatus::Done { id, attrs } => return Ok((id, attrs)),
            OpStatus::Pending {
                id,
                retry_after,
                status: cloud_status,
                ..
            } => {
                assert!(
                    started.elapsed() < PATIENCE,
                    "{kind} {id} still `{cloud_status}` after {PATIENCE:?}"
                );
                tokio::time::sleep(
                    retry_after.clamp(Duration::from_millis(5), Duration::from_millis(500)),
                )
                .await;
                status = provider
                    .poll(PollRequest {
                        address: addr(address),
                        kind: kind.into(),
                        id,
                        operation,
                    })
                    .await?;
            }
        }
    }
}

/// `attrs` as the engine sends them to the provider: checked and with the
/// schema's defaults filled in (`Graph::build`).
pub fn normalized(kind: &str, attrs: Attrs) -> Attrs {
    let mut config = Config::new(STACK);
    let mut r = ResourceConfig::new(addr("subject"), kind);
    r.attrs = attrs;
    config.add(r);
    let graph = Graph::build(config).unwrap_or_else(|e| panic!("{kind}: {e:?}"));
    graph.config.resources[&addr("subject")].attrs.clone()
}

/// An address.
pub fn addr(s: &str) -> Address {
    Address::parse(s).unwrap()
}

/// A fresh idempotency token (unique in this process and across runs).
pub fn token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("conf-{nanos:x}-{}", NEXT.fetch_add(1, Ordering::SeqCst))
}
