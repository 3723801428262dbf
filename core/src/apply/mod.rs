//! Apply: walks a plan's operations as a DAG on tokio with bounded
//! concurrency (overall and per kind), persisting state after every
//! completed change. A failure stops only what depends on it.

mod events;
mod exec;
mod failed;
pub mod schedule;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch, Semaphore};

use crate::addr::Address;
use crate::kinds;
use crate::plan::{Action, Plan};
use crate::provider::Operation;
use crate::provider::Providers;
use crate::state::{Backend, Intent, OutputState, ResourceState, State, StateChange, StateError};
use crate::value::{Attrs, Value};

pub use events::{Event, NullObserver, Observer};
use exec::{run_op, Msg};
pub use failed::{ApplyFailed, FailedOperation};
pub use schedule::{Op, OpKind, Schedule};

/// How to apply.
#[derive(Clone)]
pub struct ApplyOptions {
    /// Operations in flight at once, over all kinds.
    pub parallelism: usize,
    /// The stack name providers tag resources with.
    pub stack: String,
    /// Set to `true` to stop starting new operations (those in flight finish).
    pub cancel: Option<watch::Receiver<bool>>,
    /// Multiplies every kind's readiness timeout (tests shorten it).
    pub timeout_scale: f64,
    /// Stateful resources (databases, caches, instances) this apply may
    /// replace; any other replacement of one is refused
    /// ([`Plan::check_data_replacements`]).
    pub allow_replace: Vec<Address>,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self {
            parallelism: 10,
            stack: String::new(),
            cancel: None,
            timeout_scale: 1.0,
            allow_replace: Vec::new(),
        }
    }
}

/// A completed operation.
#[derive(Debug, Clone)]
pub struct Completed {
    /// The resource.
    pub address: Address,
    /// The operation.
    pub op: OpKind,
    /// How long it took, polling included.
    pub elapsed: Duration,
}

/// A failed operation.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The resource.
    pub address: Address,
    /// The operation.
    pub op: OpKind,
    /// The error as the provider or engine reported it.
    pub error: String,
    /// The AWS error code, if any.
    pub code: Option<String>,
    /// What the user can do.
    pub help: Option<String>,
}

/// What an apply did.
#[derive(Debug, Clone)]
pub struct ApplyReport {
    /// Operations that finished.
    pub completed: Vec<Completed>,
    /// Operations that failed.
    pub failures: Vec<Failure>,
    /// Operations not run because something they depend on failed: (skipped, because of).
    pub skipped: Vec<(Address, Address)>,
    /// Operations not started because the apply was interrupted.
    pub interrupted: Vec<Address>,
    /// Wall time of the whole apply.
    pub elapsed: Duration,
}

impl ApplyReport {
    /// Whether everything planned was done.
    pub fn succeeded(&self) -> bool {
        self.failures.is_empty() && self.skipped.is_empty() && self.interrupted.is_empty()
    }
}

/// Why an apply could not start or had to stop.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum ApplyError {
    /// The saved plan was made from another state.
    #[error("the saved plan is stale: it was made from state serial {plan_serial} (lineage {plan_lineage}), the state is now at serial {state_serial} (lineage {state_lineage})")]
    #[diagnostic(code(strata::apply::stale_plan), help("the state changed since the plan was saved; run `strata plan --out FILE` again and review it"))]
    StalePlan {
        /// The plan's serial.
        plan_serial: u64,
        /// The plan's lineage.
        plan_lineage: String,
        /// The state's serial.
        state_serial: u64,
        /// The state's lineage.
        state_lineage: String,
    },
    /// The plan replaces a stateful resource nobody allowed to be replaced.
    #[error(transparent)]
    #[diagnostic(transparent)]
    ReplacesData(#[from] crate::plan::DataReplacement),
    /// Persisting state failed; the apply stopped.
    #[error(transparent)]
    #[diagnostic(transparent)]
    State(#[from] StateError),
    /// A secret of the plan was not read (a saved plan holds secrets by
    /// source only: [`Plan::read_secrets`] reads them).
    #[error("the secret from {source_name} of {address} was not read")]
    #[diagnostic(
        code(strata::apply::unread_secret),
        help("read the plan's secrets before applying it (`Plan::read_secrets`; the CLI does this for a saved plan)")
    )]
    UnreadSecret {
        /// The resource.
        address: Address,
        /// Where the secret comes from.
        source_name: String,
    },
}

impl Plan {
    /// Whether this plan may be applied to `state`: it was made from exactly
    /// that state ([`ApplyError::StalePlan`] otherwise), and it replaces no
    /// stateful resource except those in `allow_replace`
    /// ([`ApplyError::ReplacesData`]).
    pub fn can_apply(&self, state: &State, allow_replace: &[Address]) -> Result<(), ApplyError> {
        let fresh = self.lineage.as_deref() == Some(state.lineage.as_str())
            && self.serial == Some(state.serial());
        if !fresh {
            return Err(ApplyError::StalePlan {
                plan_serial: self.serial.unwrap_or(0),
                plan_lineage: self.lineage.clone().unwrap_or_default(),
                state_serial: state.serial(),
                state_lineage: state.lineage.clone(),
            });
        }
        let mut allowed = allow_replace.to_vec();
        allowed.extend(self.replace.iter().cloned());
        self.check_data_replacements(&allowed)?;
        for change in self.changes.iter().filter(|c| c.action.changes_cloud()) {
            for v in change.config.values() {
                if let Some(source_name) = unread_secret(v) {
                    return Err(ApplyError::UnreadSecret {
                        address: change.address.clone(),
                        source_name,
                    });
                }
            }
        }
        Ok(())
    }
}

/// The source of a secret in `v` that was not read, if any.
fn unread_secret(v: &Value) -> Option<String> {
    match v {
        Value::Secret(s) if s.value().is_none() => Some(s.source().to_string()),
        Value::List(items) => items.iter().find_map(unread_secret),
        Value::Map(map) => map.values().find_map(unread_secret),
        _ => None,
    }
}

/// The state being applied and the changes not yet persisted. Changes are
/// staged as they happen and persisted together (one journal append) before
/// the next operation starts: after every completed change, at the cost of
/// the change.
struct Persister<'a> {
    backend: &'a dyn Backend,
    state: &'a mut State,
    staged: Vec<StateChange>,
}

impl Persister<'_> {
    fn stage(&mut self, change: StateChange) {
        self.state.apply_change(&change);
        self.staged.push(change);
    }

    async fn flush(&mut self) -> Result<(), StateError> {
        if self.staged.is_empty() {
            return Ok(());
        }
        self.state.commit_applied();
        let changes = std::mem::take(&mut self.staged);
        self.backend.persist_changes(self.state, &changes).await
    }
}

/// Applies `plan` to the cloud through `providers` (each operation through
/// its resource's provider instance), starting from `state`
/// (which must be the state the plan was made from) and persisting to
/// `backend`. Called by [`Session::apply`](crate::session::Session::apply),
/// the one owner of the state.
pub(crate) async fn apply(
    plan: &Plan,
    state: &mut State,
    backend: &dyn Backend,
    providers: &Providers,
    opts: ApplyOptions,
    observer: Arc<dyn Observer<Event>>,
) -> Result<ApplyReport, ApplyError> {
    plan.can_apply(state, &opts.allow_replace)?;
    let started = Instant::now();
    let mut p = Persister {
        backend,
        state,
        staged: Vec::new(),
    };

    // Moves and removals first: the plan's changes name the new addresses.
    for change in crate::plan::moves::state_changes(plan, p.state) {
        p.stage(change);
    }
    // What refresh found goes into state next, so references see live values.
    for (address, live) in &plan.refreshed {
        match live {
            Some(attrs) => {
                if let Some(r) = p.state.resources.get(address) {
                    let mut r = r.clone();
                    r.attrs = without_sensitive(&r.kind, attrs.clone());
                    p.stage(StateChange::Put {
                        address: address.clone(),
                        resource: Box::new(r),
                    });
                }
            }
            None => p.stage(StateChange::Remove {
                address: address.clone(),
            }),
        }
    }
    p.flush().await?;

    let schedule = Schedule::build(plan);
    let n = schedule.ops.len();
    let mut preds = schedule.preds.clone();
    let mut ready: VecDeque<usize> = (0..n).filter(|&i| preds[i] == 0).collect();
    let mut done = vec![false; n];
    let mut started_at: HashMap<usize, Instant> = HashMap::new();
    let mut tokens: HashMap<usize, String> = HashMap::new();
    let global = Arc::new(Semaphore::new(opts.parallelism.max(1)));
    let mut per_kind: HashMap<String, Arc<Semaphore>> = HashMap::new();
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut in_flight = 0usize;
    let mut report = ApplyReport {
        completed: Vec::new(),
        failures: Vec::new(),
        skipped: Vec::new(),
        interrupted: Vec::new(),
        elapsed: Duration::ZERO,
    };
    let cancelled = |opts: &ApplyOptions| opts.cancel.as_ref().is_some_and(|c| *c.borrow());

    loop {
        let mut starting = Vec::new();
        // Start no more than the parallelism allows: an operation is recorded
        // as intended only when it is about to be sent.
        while in_flight + starting.len() < opts.parallelism.max(1) {
            let Some(node) = ready.pop_front() else { break };
            if cancelled(&opts) {
                done[node] = true;
                report.interrupted.push(schedule.ops[node].address.clone());
                continue;
            }
            let op = schedule.ops[node].clone();
            let change = &plan.changes[op.change];
            let attrs = match op.kind {
                OpKind::Create | OpKind::Update => match resolve(&change.config, p.state) {
                    Ok(a) if op.kind == OpKind::Update => keep_ignored(
                        a,
                        &change.lifecycle.ignore_changes,
                        p.state.resources.get(&op.address),
                    ),
                    Ok(a) => a,
                    Err(missing) => {
                        let msg = format!(
                            "cannot resolve reference `{missing}`: it has no value in state"
                        );
                        fail(
                            node,
                            &schedule,
                            (msg, None, None),
                            &mut report,
                            &mut done,
                            observer.as_ref(),
                        );
                        continue;
                    }
                },
                _ => Attrs::new(),
            };
            // A create-before-destroy replacement deposes the current object first;
            // delete-then-create already removed it.
            if op.kind == OpKind::Create
                && change.action == Action::Replace
                && change.replace_order == Some(crate::plan::ReplaceOrder::CreateThenDelete)
                && p.state.resources.contains_key(&op.address)
            {
                p.stage(StateChange::Depose {
                    address: op.address.clone(),
                });
            }
            let prior = match op.kind {
                OpKind::DeleteDeposed => p
                    .state
                    .deposed
                    .iter()
                    .find(|d| d.address == op.address && Some(&d.resource.id) == change.id.as_ref())
                    .map(|d| d.resource.clone()),
                _ => p.state.resources.get(&op.address).cloned(),
            };
            // Creates and updates go to the configured instance; deletes to
            // the one the object lives in.
            let instance = match op.kind {
                OpKind::Create | OpKind::Update => change.provider.clone(),
                OpKind::Delete | OpKind::DeleteDeposed => prior
                    .as_ref()
                    .map_or_else(|| change.provider.clone(), |r| r.provider.clone()),
            };
            let provider = match providers.get(instance.as_deref()) {
                Ok(provider) => provider.clone(),
                Err(e) => {
                    let help = match &e {
                        crate::provider::ProviderError::Config { help, .. } => help.clone(),
                        _ => None,
                    };
                    fail(
                        node,
                        &schedule,
                        (e.to_string(), Some("strata::provider::config".into()), help),
                        &mut report,
                        &mut done,
                        observer.as_ref(),
                    );
                    continue;
                }
            };
            let token = uuid::Uuid::new_v4().to_string();
            let id = prior
                .as_ref()
                .map(|r| r.id.clone())
                .or_else(|| change.id.clone());
            p.stage(StateChange::Intend {
                intent: Box::new(Intent {
                    token: token.clone(),
                    address: op.address.clone(),
                    kind: change.kind.clone(),
                    operation: match op.kind {
                        OpKind::Create => Operation::Create,
                        OpKind::Update => Operation::Update,
                        OpKind::Delete | OpKind::DeleteDeposed => Operation::Delete,
                    },
                    id: if op.kind == OpKind::Create {
                        None
                    } else {
                        id.clone()
                    },
                    deposed: op.kind == OpKind::DeleteDeposed,
                    configured: change.config.keys().cloned().collect(),
                    dependencies: change.dependencies.clone(),
                    prevent_destroy: change.lifecycle.prevent_destroy,
                    started: chrono::Utc::now().to_rfc3339(),
                    provider: instance,
                }),
            });
            tokens.insert(node, token.clone());
            let kind_limit = kinds::schema_of(&change.kind).map_or(10, |s| s.concurrency);
            let kind_sem = per_kind
                .entry(change.kind.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(kind_limit)))
                .clone();
            let timeout = kinds::schema_of(&change.kind)
                .map_or(Duration::from_secs(600), |s| s.ready_timeout)
                .mul_f64(opts.timeout_scale.max(0.0));
            starting.push(exec::OpInput {
                node,
                kind: change.kind.clone(),
                id,
                prior: prior.map(|r| r.attrs).unwrap_or_default(),
                attrs,
                changed: change.changes.iter().map(|c| c.name.clone()).collect(),
                stack: opts.stack.clone(),
                token,
                timeout,
                provider,
                global: global.clone(),
                kind_sem,
                tx: tx.clone(),
                op,
            });
        }
        // Intents are durable before any request is sent.
        p.flush().await?;
        for input in starting {
            started_at.insert(input.node, Instant::now());
            observer.event(&Event::Started {
                address: input.op.address.clone(),
                op: input.op.kind,
            });
            in_flight += 1;
            tokio::spawn(run_op(input));
        }
        if in_flight == 0 {
            break;
        }
        let Some(first) = rx.recv().await else { break };
        let mut batch = vec![first];
        while let Ok(more) = rx.try_recv() {
            batch.push(more);
        }
        for msg in batch {
            match msg {
                Msg::Progress { node, status } => observer.event(&Event::Progress {
                    address: schedule.ops[node].address.clone(),
                    op: schedule.ops[node].kind,
                    status,
                    elapsed: started_at
                        .get(&node)
                        .map_or(Duration::ZERO, Instant::elapsed),
                }),
                Msg::Accepted { node, id, attrs } => {
                    let op = &schedule.ops[node];
                    let change = &plan.changes[op.change];
                    let mut r = record(change, &id, attrs, p.state, tokens.get(&node).cloned());
                    r.tainted = true;
                    p.stage(StateChange::Put {
                        address: op.address.clone(),
                        resource: Box::new(r),
                    });
                }
                Msg::Done { node, id, attrs } => {
                    in_flight -= 1;
                    let op = schedule.ops[node].clone();
                    let change = &plan.changes[op.change];
                    match op.kind {
                        OpKind::Create | OpKind::Update => {
                            let r = record(change, &id, attrs, p.state, tokens.get(&node).cloned());
                            p.stage(StateChange::Put {
                                address: op.address.clone(),
                                resource: Box::new(r),
                            });
                        }
                        OpKind::Delete => p.stage(StateChange::Remove {
                            address: op.address.clone(),
                        }),
                        OpKind::DeleteDeposed => p.stage(StateChange::RemoveDeposed {
                            address: op.address.clone(),
                            id: id.clone(),
                        }),
                    }
                    if let Some(token) = tokens.get(&node) {
                        p.stage(StateChange::Resolve {
                            token: token.clone(),
                        });
                    }
                    let elapsed = started_at
                        .get(&node)
                        .map_or(Duration::ZERO, Instant::elapsed);
                    observer.event(&Event::Finished {
                        address: op.address.clone(),
                        op: op.kind,
                        id: id.clone(),
                        elapsed,
                    });
                    report.completed.push(Completed {
                        address: op.address.clone(),
                        op: op.kind,
                        elapsed,
                    });
                    done[node] = true;
                    for &s in &schedule.succ[node] {
                        preds[s] -= 1;
                        if preds[s] == 0 && !done[s] {
                            ready.push_back(s);
                        }
                    }
                }
                Msg::Failed {
                    node,
                    error,
                    code,
                    help,
                } => {
                    in_flight -= 1;
                    if let Some(token) = tokens.get(&node) {
                        p.stage(StateChange::Resolve {
                            token: token.clone(),
                        });
                    }
                    fail(
                        node,
                        &schedule,
                        (error, code, help),
                        &mut report,
                        &mut done,
                        observer.as_ref(),
                    );
                }
            }
        }
        p.flush().await?;
    }

    // Operations never reached (only possible when interrupted).
    for (i, d) in done.iter().enumerate() {
        if !d
            && !report
                .skipped
                .iter()
                .any(|(a, _)| *a == schedule.ops[i].address)
        {
            report.interrupted.push(schedule.ops[i].address.clone());
        }
    }

    let mut outputs = if plan.destroy {
        BTreeMap::new()
    } else {
        outputs(plan, p.state)
    };
    // Records Strata keeps beside the outputs (e.g. past drills) survive.
    for (name, o) in &p.state.outputs {
        if name.starts_with(RESERVED_OUTPUT_PREFIX) {
            outputs.insert(name.clone(), o.clone());
        }
    }
    if outputs != p.state.outputs {
        p.stage(StateChange::Outputs { outputs });
    }
    p.flush().await?;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Records a failed operation and skips everything downstream of it.
fn fail(
    node: usize,
    schedule: &Schedule,
    (error, code, help): (String, Option<String>, Option<String>),
    report: &mut ApplyReport,
    done: &mut [bool],
    observer: &dyn Observer<Event>,
) {
    let op = &schedule.ops[node];
    done[node] = true;
    observer.event(&Event::Failed {
        address: op.address.clone(),
        op: op.kind,
        error: error.clone(),
    });
    report.failures.push(Failure {
        address: op.address.clone(),
        op: op.kind,
        error,
        code,
        help,
    });
    for d in schedule.downstream(node) {
        if !done[d] {
            done[d] = true;
            let skipped = schedule.ops[d].address.clone();
            observer.event(&Event::Skipped {
                address: skipped.clone(),
                because: op.address.clone(),
            });
            report.skipped.push((skipped, op.address.clone()));
        }
    }
}

/// An update sends the value the resource has now for each attribute whose
/// changes are ignored, not the configured one: a provider that sends every
/// attribute (an ASG's desired capacity, say) must not reset it.
fn keep_ignored(mut attrs: Attrs, ignored: &[String], prior: Option<&ResourceState>) -> Attrs {
    for name in ignored {
        match prior.and_then(|r| r.attrs.get(name.as_str())) {
            Some(v) => {
                attrs.insert(name.as_str().into(), v.clone());
            }
            None => {
                attrs.remove(name.as_str());
            }
        }
    }
    attrs
}

/// Resolves references against state; `Err` names the first reference with no value.
fn resolve(config: &Attrs, state: &State) -> Result<Attrs, String> {
    let mut missing = None;
    let attrs = config
        .iter()
        .map(|(k, v)| {
            let resolved = v.resolve(&mut |r| match state.attr(&r.address, &r.attr) {
                Some(v) => v,
                None => {
                    missing.get_or_insert_with(|| r.to_string());
                    Value::Null
                }
            });
            // Providers are sent a secret's value (read while planning, or
            // again for a saved plan), never its source.
            let resolved = if resolved.holds_secret() {
                resolved.revealed()
            } else {
                resolved
            };
            (k.clone(), resolved)
        })
        .collect();
    match missing {
        Some(m) => Err(m),
        None => Ok(attrs),
    }
}

/// `attrs` without the kind's sensitive attributes (they never reach state).
pub fn without_sensitive(kind: &str, mut attrs: Attrs) -> Attrs {
    if let Some(schema) = kinds::schema_of(kind) {
        for name in schema.sensitive_attrs() {
            attrs.remove(name);
        }
    }
    attrs
}

/// The state record of a resource after a create or update.
fn record(
    change: &crate::plan::ResourceChange,
    id: &str,
    mut live: Attrs,
    state: &State,
    token: Option<String>,
) -> ResourceState {
    let schema = kinds::schema_of(&change.kind);
    let mut digests = BTreeMap::new();
    if let Some(schema) = schema {
        for name in schema.sensitive_attrs() {
            live.remove(name);
            if let Some(v) = change.config.get(name) {
                if let Ok(resolved) =
                    resolve(&Attrs::from_iter([(name.to_string(), v.clone())]), state)
                {
                    if let Some(v) = resolved.get(name) {
                        digests.insert(name.to_string(), state.digest(&change.address, name, v));
                    }
                }
            }
        }
    }
    ResourceState {
        kind: change.kind.clone(),
        id: id.to_string(),
        attrs: live,
        sensitive_digests: digests,
        configured: change.config.keys().cloned().collect(),
        dependencies: change.dependencies.clone(),
        prevent_destroy: change.lifecycle.prevent_destroy,
        tainted: false,
        token,
        provider: change.provider.clone(),
    }
}

/// Outputs whose name starts with this are records Strata keeps in state
/// (`strata:drills`), not outputs of the configuration: apply keeps them.
pub const RESERVED_OUTPUT_PREFIX: &str = "strata:";

/// Output values resolved against the state.
fn outputs(plan: &Plan, state: &State) -> BTreeMap<String, OutputState> {
    plan.outputs
        .iter()
        .filter_map(|(name, o)| {
            let v = o
                .value
                .resolve(&mut |r| state.attr(&r.address, &r.attr).unwrap_or(Value::Unknown));
            v.to_known_json().map(|value| {
                (
                    name.clone(),
                    OutputState {
                        value,
                        sensitive: o.sensitive,
                    },
                )
            })
        })
        .collect()
}
