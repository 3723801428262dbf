//! Refresh: read the live state of every managed resource, one batched read
//! per kind and provider instance, all at once.

use std::collections::{BTreeMap, HashMap};

use futures::future::join_all;

use super::PlanError;
use crate::addr::Address;
use crate::provider::{instance_name, Providers, ReadRequest, ReadTarget};
use crate::retry::{with_retries, RetryPolicy};
use crate::state::{ResourceState, State};
use crate::value::{Attrs, Name, Value};

/// Live attributes by address (`None`: the resource no longer exists),
/// for resources and for deposed objects (keyed by id).
#[derive(Debug, Clone, Default)]
pub struct Refreshed {
    /// Managed resources.
    pub resources: HashMap<Address, Live, crate::addr::FastHash>,
    /// Deposed objects by id.
    pub deposed: BTreeMap<String, Option<Attrs>>,
}

/// What refresh found for a managed resource.
#[derive(Debug, Clone, PartialEq)]
pub enum Live {
    /// It exists with exactly the attributes state records (the common
    /// case: no copy is kept).
    Unchanged,
    /// It exists with these attributes, which differ from state's.
    Changed(Attrs),
    /// It no longer exists.
    Gone,
}

impl Refreshed {
    /// The live attributes of `address`, whose state is `prior`: `None` when
    /// it was not read, `Some(None)` when it no longer exists.
    pub fn get<'a>(
        &'a self,
        address: &Address,
        prior: Option<&'a ResourceState>,
    ) -> Option<Option<&'a Attrs>> {
        match self.resources.get(address)? {
            Live::Unchanged => Some(prior.map(|r| &r.attrs)),
            Live::Changed(attrs) => Some(Some(attrs)),
            Live::Gone => Some(None),
        }
    }
}

/// The most resources asked for in one read.
const READ_BATCH: usize = 2_000;

/// What refresh found, in the order of `state.resources`: the form the diff
/// walks (no lookup by address).
#[derive(Debug, Clone, Default)]
pub(crate) struct InOrder {
    /// One entry per resource in state, in its order.
    pub lives: Vec<Live>,
    /// Deposed objects by id.
    pub deposed: BTreeMap<String, Option<Attrs>>,
}

impl InOrder {
    /// Nothing read: every resource taken to be as state records it.
    pub fn as_recorded(state: &State) -> InOrder {
        InOrder {
            lives: vec![Live::Unchanged; state.resources.len()],
            deposed: state
                .deposed
                .iter()
                .map(|d| (d.resource.id.clone(), Some(d.resource.attrs.clone())))
                .collect(),
        }
    }
}

/// Reads every resource in `state` through the provider instance it
/// belongs to: one call per kind and instance (per [`READ_BATCH`]
/// resources), all at once.
pub async fn refresh(state: &State, providers: &Providers) -> Result<Refreshed, PlanError> {
    let found = refresh_in_order(state, providers).await?;
    Ok(Refreshed {
        resources: state.resources.keys().cloned().zip(found.lives).collect(),
        deposed: found.deposed,
    })
}

/// A resource to read (address, id) with its attributes in state and where
/// it is in state's order (`None`: a deposed object). The id (inline up to
/// 24 bytes) and where the attributes are are copied in while state is
/// walked in its own order: read in id order, a target touches no state
/// record again, only its attributes (at 100,000 resources state is far
/// larger than the processor's caches, and each record read out of order
/// waits on memory).
type Target<'a> = (&'a Address, Name, Option<(usize, &'a [(Name, Value)])>);

/// [`refresh`], with what was found in state's order.
pub(crate) async fn refresh_in_order(
    state: &State,
    providers: &Providers,
) -> Result<InOrder, PlanError> {
    // Batched per provider instance, then per kind, each kind's targets in
    // a vector of exactly their number (counted first: a large state's
    // vectors would otherwise end with up to twice the room they need).
    let mut counts: BTreeMap<(Option<&str>, &str), usize> = BTreeMap::new();
    for r in state.resources.values() {
        *counts.entry((r.provider.as_deref(), &r.kind)).or_default() += 1;
    }
    let mut by_kind: BTreeMap<(Option<&str>, &str), Vec<Target<'_>>> = counts
        .into_iter()
        .map(|(key, n)| (key, Vec::with_capacity(n)))
        .collect();
    for (i, (address, r)) in state.resources.iter().enumerate() {
        by_kind
            .entry((r.provider.as_deref(), &r.kind))
            .or_default()
            .push((address, r.id.as_str().into(), Some((i, r.attrs.as_slice()))));
    }
    for d in &state.deposed {
        if state
            .resources
            .get(&d.address)
            .is_some_and(|r| r.id == d.resource.id)
        {
            continue; // read as the resource itself
        }
        by_kind
            .entry((d.resource.provider.as_deref(), &d.resource.kind))
            .or_default()
            .push((&d.address, d.resource.id.as_str().into(), None));
    }
    // Kinds are read concurrently, each in batches of at most READ_BATCH, and
    // what a batch found is compared with state before the next is read: a
    // resource unchanged since the last apply keeps no copy, so refreshing a
    // large state holds little beyond the state itself.
    let mut reads = Vec::with_capacity(by_kind.len());
    for ((instance, kind), targets) in by_kind {
        let provider = providers
            .get(instance)
            .map_err(|_| unknown_instance(instance, &targets))?;
        reads.push(read_kind(provider.as_ref(), kind, targets));
    }
    let mut out = InOrder {
        lives: vec![Live::Unchanged; state.resources.len()],
        deposed: BTreeMap::new(),
    };
    for result in join_all(reads).await {
        let (lives, deposed) = result?;
        for (i, live) in lives {
            out.lives[i] = live;
        }
        out.deposed.extend(deposed);
    }
    Ok(out)
}

/// What reading one kind of one instance found: lives by state position,
/// deposed objects by id.
type KindFound = (Vec<(usize, Live)>, Vec<(String, Option<Attrs>)>);

/// The error for resources of an instance the session has no provider for.
fn unknown_instance(instance: Option<&str>, targets: &[Target<'_>]) -> PlanError {
    let mut addresses: Vec<String> = targets
        .iter()
        .take(3)
        .map(|(a, _, _)| format!("`{a}`"))
        .collect();
    if targets.len() > 3 {
        addresses.push(format!("and {} more", targets.len() - 3));
    }
    PlanError::UnknownInstance {
        instance: instance_name(instance).to_string(),
        addresses: addresses.join(", "),
    }
}

/// Reads the resources of one kind in one provider instance.
async fn read_kind(
    provider: &dyn crate::provider::Provider,
    kind: &str,
    mut targets: Vec<Target<'_>>,
) -> Result<KindFound, PlanError> {
    // Asked for roughly in id order, as a provider keeps them.
    targets.sort_by_cached_key(|(_, id, _)| id_prefix(id));
    let mut lives = Vec::with_capacity(targets.len());
    let mut deposed = Vec::new();
    for batch in targets.chunks(READ_BATCH) {
        // Each attempt's request is built from the batch: no copy is kept.
        let request = || ReadRequest {
            kind: kind.to_string(),
            targets: batch
                .iter()
                .map(|(address, id, _)| ReadTarget {
                    address: (*address).clone(),
                    id: id.to_string(),
                })
                .collect(),
        };
        let mut resp = with_retries(RetryPolicy::default(), || provider.read(request()))
            .await
            .map_err(|source| PlanError::Refresh {
                kind: kind.to_string(),
                source,
            })?;
        for &(_, ref id, prior) in batch {
            let live = resp.found.remove(id.as_str());
            let Some((i, prior)) = prior else {
                deposed.push((id.to_string(), live));
                continue;
            };
            let live = match live {
                None => Live::Gone,
                Some(attrs) if prior == attrs.as_slice() => Live::Unchanged,
                Some(attrs) => Live::Changed(attrs),
            };
            lives.push((i, live));
        }
    }
    Ok((lives, deposed))
}

/// The first eight bytes of an id, as a number that sorts as they do.
fn id_prefix(id: &str) -> u64 {
    let mut bytes = [0u8; 8];
    for (b, &c) in bytes.iter_mut().zip(id.as_bytes()) {
        *b = c;
    }
    u64::from_be_bytes(bytes)
}
