//! Refresh: read the live state of every managed resource, one batched read
//! per kind, all kinds at once.

use std::collections::{BTreeMap, HashMap};

use futures::future::join_all;

use super::PlanError;
use crate::addr::Address;
use crate::provider::{Provider, ReadRequest, ReadTarget};
use crate::retry::{with_retries, RetryPolicy};
use crate::state::{ResourceState, State};
use crate::value::Attrs;

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

enum Found {
    Deposed(Option<Attrs>),
    Resource(Live),
}

/// Reads every resource in `state` through `provider`: one call per kind
/// (per [`READ_BATCH`] resources of a kind), all kinds at once.
pub async fn refresh(state: &State, provider: &dyn Provider) -> Result<Refreshed, PlanError> {
    // Each target with the state it was read for (`None`: a deposed object).
    let mut by_kind: BTreeMap<&str, Vec<(ReadTarget, Option<&ResourceState>)>> = BTreeMap::new();
    for (address, r) in &state.resources {
        by_kind.entry(&r.kind).or_default().push((
            ReadTarget {
                address: address.clone(),
                id: r.id.clone(),
            },
            Some(r),
        ));
    }
    for d in &state.deposed {
        if state
            .resources
            .get(&d.address)
            .is_some_and(|r| r.id == d.resource.id)
        {
            continue; // read as the resource itself
        }
        by_kind.entry(&d.resource.kind).or_default().push((
            ReadTarget {
                address: d.address.clone(),
                id: d.resource.id.clone(),
            },
            None,
        ));
    }
    // Kinds are read concurrently, each in batches of at most READ_BATCH, and
    // what a batch found is compared with state before the next is read: a
    // resource unchanged since the last apply keeps no copy, so refreshing a
    // large state holds little beyond the state itself.
    let reads = by_kind.into_iter().map(|(kind, targets)| async move {
        let mut found_here = Vec::with_capacity(targets.len());
        for batch in targets.chunks(READ_BATCH) {
            let req = ReadRequest {
                kind: kind.to_string(),
                targets: batch.iter().map(|(t, _)| t.clone()).collect(),
            };
            let mut resp = with_retries(RetryPolicy::default(), || provider.read(req.clone()))
                .await
                .map_err(|source| PlanError::Refresh {
                    kind: kind.to_string(),
                    source,
                })?;
            for (t, (_, prior)) in req.targets.into_iter().zip(batch) {
                let live = resp.found.remove(&t.id);
                let Some(prior) = prior else {
                    found_here.push((t, Found::Deposed(live)));
                    continue;
                };
                let live = match live {
                    None => Live::Gone,
                    Some(attrs) if prior.attrs == attrs => Live::Unchanged,
                    Some(attrs) => Live::Changed(attrs),
                };
                found_here.push((t, Found::Resource(live)));
            }
        }
        Ok::<_, PlanError>(found_here)
    });
    let mut out = Refreshed::default();
    out.resources.reserve(state.resources.len());
    for result in join_all(reads).await {
        for (t, found) in result? {
            match found {
                Found::Deposed(live) => {
                    out.deposed.insert(t.id, live);
                }
                Found::Resource(live) => {
                    out.resources.insert(t.address, live);
                }
            }
        }
    }
    Ok(out)
}
