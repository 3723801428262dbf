//! Running one operation: the call, then bounded polling until the cloud
//! says it is ready (or gone), retrying throttling on the way.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, Semaphore};

use super::OpKind;
use crate::provider::{
    CreateRequest, DeleteRequest, OpStatus, Operation, PollRequest, Provider, ProviderError,
    UpdateRequest,
};
use crate::retry::{with_retries, RetryPolicy};
use crate::value::Attrs;

/// Messages from operation tasks to the scheduler.
pub(super) enum Msg {
    Progress {
        node: usize,
        status: String,
    },
    Accepted {
        node: usize,
        id: String,
        attrs: Attrs,
    },
    Done {
        node: usize,
        id: String,
        attrs: Attrs,
    },
    Failed {
        node: usize,
        error: String,
        code: Option<String>,
        help: Option<String>,
    },
}

pub(super) struct OpInput {
    pub node: usize,
    pub op: super::Op,
    pub kind: String,
    pub id: Option<String>,
    pub prior: Attrs,
    pub attrs: Attrs,
    pub changed: Vec<String>,
    pub stack: String,
    pub token: String,
    pub timeout: Duration,
    pub provider: Arc<dyn Provider>,
    pub global: Arc<Semaphore>,
    pub kind_sem: Arc<Semaphore>,
    pub tx: mpsc::UnboundedSender<Msg>,
}

pub(super) async fn run_op(input: OpInput) {
    let node = input.node;
    let tx = input.tx.clone();
    let msg = match run(&input).await {
        Ok((id, attrs)) => Msg::Done { node, id, attrs },
        Err(e) => {
            let (code, help) = match &e {
                ProviderError::Api { code, help, .. } => (Some(code.clone()), help.clone()),
                ProviderError::Transient { code, .. } => (Some(code.clone()), None),
                _ => (None, None),
            };
            Msg::Failed {
                node,
                error: e.to_string(),
                code,
                help,
            }
        }
    };
    let _ = tx.send(msg);
}

async fn run(input: &OpInput) -> Result<(String, Attrs), ProviderError> {
    // Permits are held for the call and the wait: the limits bound work in flight.
    let _kind = input.kind_sem.acquire().await.map_err(closed)?;
    let _global = input.global.acquire().await.map_err(closed)?;
    let provider = input.provider.as_ref();
    let policy = RetryPolicy::default();
    let missing_id = || ProviderError::Config {
        message: format!("`{}` has no id in state", input.op.address),
        help: Some("run `strata refresh`, or `strata state rm` it and import it again".into()),
    };
    let (status, operation) = match input.op.kind {
        OpKind::Create => {
            let req = CreateRequest {
                address: input.op.address.clone(),
                kind: input.kind.clone(),
                attrs: input.attrs.clone(),
                stack: input.stack.clone(),
                token: input.token.clone(),
            };
            (
                with_retries(policy, || provider.create(req.clone())).await?,
                Operation::Create,
            )
        }
        OpKind::Update => {
            let req = UpdateRequest {
                address: input.op.address.clone(),
                kind: input.kind.clone(),
                id: input.id.clone().ok_or_else(missing_id)?,
                prior: input.prior.clone(),
                attrs: input.attrs.clone(),
                changed: input.changed.clone(),
                stack: input.stack.clone(),
            };
            (
                with_retries(policy, || provider.update(req.clone())).await?,
                Operation::Update,
            )
        }
        OpKind::Delete | OpKind::DeleteDeposed => {
            let req = DeleteRequest {
                address: input.op.address.clone(),
                kind: input.kind.clone(),
                id: input.id.clone().ok_or_else(missing_id)?,
                prior: input.prior.clone(),
            };
            match with_retries(policy, || provider.delete(req.clone())).await {
                Err(ProviderError::NotFound { .. }) => {
                    return Ok((req.id, Attrs::new()));
                }
                other => (other?, Operation::Delete),
            }
        }
    };
    let started = Instant::now();
    let mut status = status;
    let mut accepted = false;
    loop {
        match status {
            OpStatus::Done { id, attrs } => return Ok((id, attrs)),
            OpStatus::Pending {
                id,
                attrs,
                retry_after,
                status: cloud_status,
            } => {
                if operation == Operation::Create && !accepted {
                    accepted = true;
                    let _ = input.tx.send(Msg::Accepted {
                        node: input.node,
                        id: id.clone(),
                        attrs,
                    });
                }
                let _ = input.tx.send(Msg::Progress {
                    node: input.node,
                    status: cloud_status.clone(),
                });
                if started.elapsed() > input.timeout {
                    return Err(ProviderError::Api {
                        code: "Timeout".into(),
                        message: format!(
                            "{} `{id}` was still `{cloud_status}` after {:?}",
                            input.kind, input.timeout
                        ),
                        help: Some(
                            crate::kinds::timeout_help(&input.kind)
                                .unwrap_or(
                                    "it may finish later: run `strata plan` to see where it stands",
                                )
                                .into(),
                        ),
                    });
                }
                tokio::time::sleep(
                    retry_after.clamp(Duration::from_millis(5), Duration::from_secs(10)),
                )
                .await;
                let req = PollRequest {
                    address: input.op.address.clone(),
                    kind: input.kind.clone(),
                    id: id.clone(),
                    operation,
                };
                status = match with_retries(policy, || provider.poll(req.clone())).await {
                    Err(ProviderError::NotFound { .. }) if operation == Operation::Delete => {
                        OpStatus::Done {
                            id,
                            attrs: Attrs::new(),
                        }
                    }
                    other => other?,
                };
            }
        }
    }
}

fn closed(_: tokio::sync::AcquireError) -> ProviderError {
    ProviderError::Config {
        message: "the apply was shut down".into(),
        help: None,
    }
}
