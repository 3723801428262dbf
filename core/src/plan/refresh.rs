//! Refresh: read the live state of every managed resource, one batched read
//! per kind, all kinds at once.

use std::collections::{BTreeMap, HashMap};

use futures::future::join_all;

use super::PlanError;
use crate::addr::Address;
use crate::provider::{Provider, ReadRequest, ReadTarget};
use crate::retry::{with_retries, RetryPolicy};
use crate::state::State;
use crate::value::Attrs;

/// Live attributes by address (`None`: the resource no longer exists),
/// for resources and for deposed objects (keyed by id).
#[derive(Debug, Clone, Default)]
pub struct Refreshed {
    /// Managed resources.
    pub resources: HashMap<Address, Option<Attrs>>,
    /// Deposed objects by id.
    pub deposed: BTreeMap<String, Option<Attrs>>,
}

/// Reads every resource in `state` through `provider`, one call per kind.
pub async fn refresh(state: &State, provider: &dyn Provider) -> Result<Refreshed, PlanError> {
    let mut by_kind: BTreeMap<&str, Vec<ReadTarget>> = BTreeMap::new();
    for (address, r) in &state.resources {
        by_kind.entry(&r.kind).or_default().push(ReadTarget {
            address: address.clone(),
            id: r.id.clone(),
        });
    }
    for d in &state.deposed {
        by_kind
            .entry(&d.resource.kind)
            .or_default()
            .push(ReadTarget {
                address: d.address.clone(),
                id: d.resource.id.clone(),
            });
    }
    let reads = by_kind.into_iter().map(|(kind, targets)| async move {
        let req = ReadRequest {
            kind: kind.to_string(),
            targets,
        };
        let resp = with_retries(RetryPolicy::default(), || provider.read(req.clone()))
            .await
            .map_err(|source| PlanError::Refresh {
                kind: kind.to_string(),
                source,
            })?;
        Ok::<_, PlanError>((req.targets, resp.found))
    });
    let mut out = Refreshed::default();
    let deposed_ids: std::collections::BTreeSet<&str> = state
        .deposed
        .iter()
        .map(|d| d.resource.id.as_str())
        .collect();
    for result in join_all(reads).await {
        let (targets, mut found) = result?;
        for t in targets {
            let live = found.remove(&t.id);
            if deposed_ids.contains(t.id.as_str())
                && state.resources.get(&t.address).is_none_or(|r| r.id != t.id)
            {
                out.deposed.insert(t.id, live);
            } else {
                out.resources.insert(t.address, live);
            }
        }
    }
    Ok(out)
}
