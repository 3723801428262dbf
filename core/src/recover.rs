//! Recovery: resolving operations a killed run left in flight.
//!
//! Before planning, every [`Intent`] still pending in state is settled
//! against the cloud: a create that happened is adopted (found by its
//! idempotency token), one that did not is dropped so the plan creates it
//! again, an interrupted update or delete is awaited or left to the plan.
//! Nothing is orphaned and nothing is created twice.

use std::time::{Duration, Instant};

use crate::apply::without_sensitive;
use crate::kinds;
use crate::provider::{
    OpStatus, Operation, PollRequest, Provider, ProviderError, Providers, ReadRequest, ReadTarget,
};
use crate::retry::{with_retries, RetryPolicy};
use crate::state::{Intent, ResourceState, State, StateChange};
use crate::value::Attrs;

/// What recovery did about one interrupted operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// The resource.
    pub address: String,
    /// What happened, in a sentence.
    pub outcome: String,
}

/// Settles every pending intent in `state`, returning the changes to
/// persist and what was done. Waits (bounded by the kind's readiness
/// timeout) for operations the cloud is still carrying out.
pub async fn recover(
    state: &State,
    providers: &Providers,
) -> Result<(Vec<StateChange>, Vec<Recovered>), ProviderError> {
    let mut changes = Vec::new();
    let mut report = Vec::new();
    for intent in &state.pending {
        // The request went to the intent's provider instance.
        let provider = providers.get(intent.provider.as_deref())?;
        let outcome = settle(state, intent, provider.as_ref(), &mut changes).await?;
        changes.push(StateChange::Resolve {
            token: intent.token.clone(),
        });
        report.push(Recovered {
            address: intent.address.to_string(),
            outcome,
        });
    }
    Ok((changes, report))
}

async fn settle(
    state: &State,
    intent: &Intent,
    provider: &dyn Provider,
    changes: &mut Vec<StateChange>,
) -> Result<String, ProviderError> {
    let policy = RetryPolicy::default();
    match intent.operation {
        Operation::Create => {
            // The id may be known already: the create was accepted and recorded.
            let recorded = state
                .resources
                .get(&intent.address)
                .filter(|r| r.token.as_deref() == Some(intent.token.as_str()))
                .map(|r| r.id.clone());
            let found = match recorded {
                Some(id) => Some(id),
                None => with_retries(policy, || {
                    provider.find_by_token(&intent.kind, &intent.token)
                })
                .await?
                .map(|(id, _)| id),
            };
            let Some(id) = found else {
                return Ok(format!(
                    "an interrupted create of {} never reached the cloud; the plan creates it again",
                    intent.kind
                ));
            };
            let attrs = match wait_ready(intent, &id, Operation::Create, provider).await {
                Ok(attrs) => attrs,
                Err(ProviderError::NotFound { .. }) => {
                    changes.push(StateChange::Remove {
                        address: intent.address.clone(),
                    });
                    return Ok(format!(
                        "{id}, created by an interrupted run, no longer exists; the plan creates it again"
                    ));
                }
                Err(e) => return Err(e),
            };
            let prior = state.resources.get(&intent.address);
            let resource = ResourceState {
                kind: intent.kind.clone(),
                id: id.clone(),
                attrs: without_sensitive(&intent.kind, attrs),
                sensitive_digests: prior
                    .map(|p| p.sensitive_digests.clone())
                    .unwrap_or_default(),
                configured: intent.configured.as_slice().into(),
                dependencies: intent.dependencies.clone(),
                prevent_destroy: intent.prevent_destroy,
                tainted: false,
                token: Some(intent.token.clone()),
                provider: intent.provider.clone(),
            };
            changes.push(StateChange::Put {
                address: intent.address.clone(),
                resource: Box::new(resource),
            });
            Ok(format!(
                "adopted {id}, created by an interrupted run (found by its idempotency token)"
            ))
        }
        Operation::Update => {
            let Some(id) = &intent.id else {
                return Ok("an interrupted update; the plan compares it with the cloud".into());
            };
            match wait_ready(intent, id, Operation::Update, provider).await {
                Ok(attrs) => {
                    if let Some(prior) = state.resources.get(&intent.address) {
                        let mut r = prior.clone();
                        r.attrs = without_sensitive(&intent.kind, attrs);
                        changes.push(StateChange::Put {
                            address: intent.address.clone(),
                            resource: Box::new(r),
                        });
                    }
                    Ok(format!("an interrupted update of {id} settled; the plan compares it with the configuration"))
                }
                Err(ProviderError::NotFound { .. }) => {
                    changes.push(StateChange::Remove {
                        address: intent.address.clone(),
                    });
                    Ok(format!("{id} no longer exists; the plan creates it again"))
                }
                Err(e) => Err(e),
            }
        }
        Operation::Delete => {
            let Some(id) = &intent.id else {
                return Ok("an interrupted delete with no id; nothing to do".into());
            };
            let read = ReadRequest {
                kind: intent.kind.clone(),
                targets: vec![ReadTarget {
                    address: intent.address.clone(),
                    id: id.clone(),
                }],
            };
            let live = with_retries(policy, || provider.read(read.clone())).await?;
            if live.found.contains_key(id) {
                return Ok(format!(
                    "an interrupted delete of {id}: it still exists; the plan deletes it again if it is still to go"
                ));
            }
            changes.push(if intent.deposed {
                StateChange::RemoveDeposed {
                    address: intent.address.clone(),
                    id: id.clone(),
                }
            } else {
                StateChange::Remove {
                    address: intent.address.clone(),
                }
            });
            Ok(format!(
                "an interrupted delete of {id} had completed; forgotten"
            ))
        }
    }
}

/// Polls until the resource is ready, bounded by its kind's timeout.
async fn wait_ready(
    intent: &Intent,
    id: &str,
    operation: Operation,
    provider: &dyn Provider,
) -> Result<Attrs, ProviderError> {
    let timeout =
        kinds::schema_of(&intent.kind).map_or(Duration::from_secs(600), |s| s.ready_timeout);
    let started = Instant::now();
    let req = PollRequest {
        address: intent.address.clone(),
        kind: intent.kind.clone(),
        id: id.to_string(),
        operation,
    };
    loop {
        match with_retries(RetryPolicy::default(), || provider.poll(req.clone())).await? {
            OpStatus::Done { attrs, .. } => return Ok(attrs),
            OpStatus::Pending {
                retry_after,
                status,
                ..
            } => {
                if started.elapsed() > timeout {
                    return Err(ProviderError::Api {
                        code: "Timeout".into(),
                        message: format!(
                            "{} `{id}` was still `{status}` after {timeout:?}",
                            intent.kind
                        ),
                        help: Some("run `strata plan` again later".into()),
                    });
                }
                tokio::time::sleep(
                    retry_after.clamp(Duration::from_millis(5), Duration::from_secs(10)),
                )
                .await;
            }
        }
    }
}
