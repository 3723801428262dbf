//! The diff: desired configuration against prior state and live state.

use std::collections::{BTreeMap, BTreeSet};

use super::moves;
use super::refresh::{refresh_in_order, InOrder};
use super::{
    Action, AttrChange, Drift, Live, OutputPlan, Plan, PlanError, ReplaceOrder, ResourceChange,
    PLAN_FORMAT_VERSION,
};
use crate::addr::Address;
use crate::compare;
use crate::config::ResourceConfig;
use crate::diag::{Problem, Problems};
use crate::graph::Graph;
use crate::kinds::{self, recomputed_on_update};
use crate::provider::Providers;
use crate::schema::{AttrSchema, KindSchema, Mode, Replace};
use crate::state::{ResourceState, State};
use crate::value::{Attrs, Reference, Value};

/// What to plan.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Limit the plan to these addresses and what they depend on (destroy:
    /// and what depends on them).
    pub targets: Vec<Address>,
    /// Plan to destroy everything (or the targets).
    pub destroy: bool,
    /// Skip reading live state (plan against the state as recorded).
    pub skip_refresh: bool,
    /// Leave these addresses, and everything that depends on them, out of
    /// the plan (the inverse of `targets`).
    pub exclude: Vec<Address>,
    /// Replace these resources even though no change forces it (e.g. an
    /// instance in a bad state). Naming a stateful resource here is the
    /// consent to lose its data: the plan records it
    /// ([`Plan::replace`](crate::plan::Plan::replace)).
    pub replace: Vec<Address>,
}

/// The planned values of a resource, for resolving references to it.
struct Planned<'a> {
    action: Action,
    id: Option<&'a str>,
    after: std::borrow::Cow<'a, Attrs>,
}

/// What is planned for each configured resource, by its position in the
/// configuration. The graph walks positions; a reference is looked for
/// first among the direct dependencies of the resource being planned, then
/// through the configuration's index.
struct PlannedTable<'a> {
    graph: &'a Graph,
    planned: Vec<Option<Planned<'a>>>,
    /// The position of the resource being planned.
    current: std::cell::Cell<Option<usize>>,
}

impl<'a> PlannedTable<'a> {
    fn new(graph: &'a Graph) -> Self {
        PlannedTable {
            graph,
            planned: std::iter::repeat_with(|| None)
                .take(graph.config.resources.len())
                .collect(),
            current: std::cell::Cell::new(None),
        }
    }

    fn get(&self, address: &Address) -> Option<&Planned<'a>> {
        let resources = &self.graph.config.resources;
        let near = self.current.get().and_then(|p| {
            self.graph
                .dependency_positions(p)
                .find(|&d| resources.get_index(d).is_some_and(|(a, _)| a == address))
        });
        let i = match near {
            Some(i) => i,
            None => resources.get_index_of(address)?,
        };
        self.planned.get(i)?.as_ref()
    }

    fn set(&mut self, position: usize, planned: Planned<'a>) {
        if let Some(slot) = self.planned.get_mut(position) {
            *slot = Some(planned);
        }
    }
}

/// Plans `graph` against `state`, refreshing through `providers` first
/// (each resource through its provider instance).
pub async fn plan(
    graph: &Graph,
    state: &State,
    providers: &Providers,
    opts: &PlanOptions,
) -> Result<Plan, PlanError> {
    super::instances::check_served(&graph.config, providers)?;
    // Lookups are read even without a refresh: the configuration needs
    // their values. A destroy plan needs none.
    let read = if opts.destroy {
        None
    } else {
        // Lookups are read through the default provider instance.
        Some(super::lookup::read_all(graph, providers.default_provider().as_ref()).await?)
    };
    let found = if opts.skip_refresh {
        InOrder::as_recorded(state)
    } else {
        refresh_in_order(state, providers).await?
    };
    // Secrets from Secrets Manager and SSM are read for the diff (a
    // destroy plan sends no attributes).
    let with_secrets = if opts.destroy {
        None
    } else {
        let base = read
            .as_ref()
            .and_then(|r| r.graph.as_ref())
            .unwrap_or(graph);
        super::secrets::read_all(base, providers).await?
    };
    let Some(read) = read else {
        return diff(with_secrets.as_ref().unwrap_or(graph), state, &found, opts);
    };
    let base = with_secrets
        .as_ref()
        .or(read.graph.as_ref())
        .unwrap_or(graph);
    let mut plan = diff(base, state, &found, opts)?;
    plan.changes.splice(0..0, read.changes);
    Ok(plan)
}

/// The pure part of planning: no IO.
pub(crate) fn diff(
    graph: &Graph,
    state: &State,
    found: &InOrder,
    opts: &PlanOptions,
) -> Result<Plan, PlanError> {
    let config = &graph.config;
    let source = config.source.as_ref();
    // Moves and removals first: the diff sees objects at their new addresses.
    let refactored = moves::refactor(config, state, found).map_err(|problems| {
        let what = source.map_or("the plan", |s| s.name.as_str());
        PlanError::Blocked(Problems::new(what, problems))
    })?;
    let (state, found) = match &refactored {
        Some(r) => (&r.state, &r.found),
        None => (state, found),
    };
    let mut problems = Vec::new();
    let mut changes = Vec::with_capacity(config.resources.len() + state.deposed.len());
    let mut drift = Vec::new();
    let mut refreshed_out = BTreeMap::new();
    let mut planned = PlannedTable::new(graph);
    // State and live attributes by configuration position (`None`: not in
    // state); whether each resource in state is configured, in state's order.
    let mut current: Vec<Option<(&ResourceState, Option<&Attrs>)>> =
        vec![None; config.resources.len()];
    let mut configured = Vec::with_capacity(state.resources.len());

    // Drift: live against state.
    for ((address, prior), found_live) in state.resources.iter().zip(&found.lives) {
        let live = match found_live {
            Live::Unchanged => Some(&prior.attrs),
            Live::Changed(attrs) => Some(attrs),
            Live::Gone => None,
        };
        let position = config.resources.get_index_of(address);
        configured.push(position.is_some());
        if let Some(slot) = position.and_then(|i| current.get_mut(i)) {
            *slot = Some((prior, live));
        }
        match live {
            // Exactly as recorded: nothing drifted.
            _ if matches!(found_live, Live::Unchanged) => {}
            None => {
                drift.push(Drift {
                    address: address.clone(),
                    kind: prior.kind.clone(),
                    deleted: true,
                    changes: Vec::new(),
                });
                refreshed_out.insert(address.clone(), None);
            }
            Some(live) => {
                let diffs = attr_drift(prior, live);
                if !diffs.is_empty() {
                    drift.push(Drift {
                        address: address.clone(),
                        kind: prior.kind.clone(),
                        deleted: false,
                        changes: diffs,
                    });
                    refreshed_out.insert(address.clone(), Some(live.clone()));
                }
            }
        }
    }

    // Which configured resources are in scope.
    let in_scope: Option<BTreeSet<Address>> = if opts.targets.is_empty() || opts.destroy {
        None
    } else {
        Some(graph.with_dependencies(&opts.targets))
    };
    // What --exclude leaves out: the excluded and what depends on them,
    // in the configuration and in state.
    let excluded: BTreeSet<Address> = if opts.exclude.is_empty() {
        BTreeSet::new()
    } else {
        let mut out = graph.with_dependents(&opts.exclude);
        out.extend(dependents_in_state(state, &opts.exclude));
        if opts.destroy {
            // What stays keeps what it stands on.
            out = dependencies_in_state(state, out);
        }
        out
    };

    if !opts.destroy {
        for (position, r) in graph.ordered() {
            let address = &r.address;
            let Some(schema) = kinds::schema_of(&r.kind) else {
                continue;
            };
            planned.current.set(Some(position));
            let (prior, live) = match current.get(position).copied().flatten() {
                Some((p, l)) => (Some(p), l),
                None => (None, None),
            };
            if in_scope.as_ref().is_some_and(|s| !s.contains(address)) || excluded.contains(address)
            {
                // Out of scope: references resolve to what exists now.
                if let (Some(p), Some(l)) = (prior, live) {
                    planned.set(
                        position,
                        Planned {
                            action: Action::NoOp,
                            id: Some(&p.id),
                            after: std::borrow::Cow::Borrowed(l),
                        },
                    );
                }
                continue;
            }
            let forced = opts.replace.contains(address);
            if let (Some(p), Some(l)) = (prior, live) {
                if !forced && unchanged(r, schema, p, l, &planned, state) {
                    changes.push(ResourceChange {
                        address: address.clone(),
                        kind: r.kind.clone(),
                        action: Action::NoOp,
                        replace_order: None,
                        id: Some(p.id.clone()),
                        deposed: false,
                        changes: Vec::new(),
                        config: Attrs::new(),
                        dependencies: Vec::new(),
                        prior_dependencies: Default::default(),
                        lifecycle: Default::default(),
                        reason: Default::default(),
                        holds_data: true,
                        requested: false,
                        provider: r.provider.clone(),
                    });
                    planned.set(
                        position,
                        Planned {
                            action: Action::NoOp,
                            id: Some(&p.id),
                            after: std::borrow::Cow::Borrowed(l),
                        },
                    );
                    continue;
                }
            }
            let desired = resolve_attrs(&r.attrs, &planned, state);
            let mut change = diff_resource(r, schema, prior, live, &desired, state);
            if forced && matches!(change.action, Action::NoOp | Action::Update) {
                change.action = Action::Replace;
                change.replace_order = Some(replace_order(r, schema));
                *change.reason = Some("its replacement was asked for with --replace".into());
                change.requested = true;
            }
            if change.action == Action::Replace && r.lifecycle.prevent_destroy {
                problems.push(
                    Problem::new(
                        "strata::plan::prevent_destroy",
                        format!("`{address}` has prevent_destroy set, but this plan would replace it ({})", replace_reason(&change)),
                        Some("undo the change that forces replacement, or remove prevent_destroy from its lifecycle if you mean it".into()),
                    )
                    .at(source, r.spans.header, "prevent_destroy is set here"),
                );
            }
            if let Some(problem) = major_version_problem(&change, &desired) {
                problems.push(
                    problem.at(
                        source,
                        r.spans
                            .attrs
                            .get("engine_version")
                            .copied()
                            .or(r.spans.header),
                        "engine_version is set here",
                    ),
                );
            }
            let after = planned_after(&change, schema, live, desired);
            if change.action == Action::NoOp {
                // Apply has nothing to do with it: keep the plan small.
                change.config = Attrs::new();
            }
            planned.set(
                position,
                Planned {
                    action: change.action,
                    // The change's id is the prior object's, or none.
                    id: change.id.as_ref().and(prior.map(|p| p.id.as_str())),
                    after,
                },
            );
            changes.push(change);
        }
    }

    // Deletes: in state but not (or no longer) configured, or everything when destroying.
    let destroy_scope: Option<BTreeSet<Address>> = if opts.destroy && !opts.targets.is_empty() {
        Some(dependents_in_state(state, &opts.targets))
    } else {
        None
    };
    let mut deletes = Vec::new();
    for (((address, prior), live), &configured) in
        state.resources.iter().zip(&found.lives).zip(&configured)
    {
        if configured && !opts.destroy {
            continue;
        }
        if excluded.contains(address) {
            continue;
        }
        if let Some(scope) = &destroy_scope {
            if !scope.contains(address) {
                continue;
            }
        }
        if let Some(scope) = &in_scope {
            if !opts.targets.contains(address) && !scope.contains(address) {
                continue;
            }
        }
        // Already deleted outside Strata: apply just forgets it.
        let gone = matches!(live, Live::Gone);
        let lifecycle_blocks = prior.prevent_destroy
            || config
                .resources
                .get(address)
                .is_some_and(|r| r.lifecycle.prevent_destroy);
        if lifecycle_blocks && !gone {
            let span = config.resources.get(address).and_then(|r| r.spans.header);
            problems.push(
                Problem::new(
                    "strata::plan::prevent_destroy",
                    format!("`{address}` has prevent_destroy set, but this plan would destroy it"),
                    Some(if opts.destroy {
                        "set prevent_destroy = false in its lifecycle and apply, then destroy".into()
                    } else {
                        "to really delete it, first apply with prevent_destroy = false (keeping the resource in the manifest), then remove it; or `strata state rm` to stop managing it".into()
                    }),
                )
                .at(source, span, "prevent_destroy is set here"),
            );
        }
        deletes.push(ResourceChange {
            address: address.clone(),
            kind: prior.kind.clone(),
            action: Action::Delete,
            replace_order: None,
            id: Some(prior.id.clone()),
            deposed: false,
            changes: prior
                .attrs
                .iter()
                .map(|(k, v)| AttrChange {
                    name: k.to_string(),
                    before: Some(v.clone()),
                    after: None,
                    forces_replacement: false,
                    sensitive: false,
                })
                .collect(),
            config: Attrs::new(),
            dependencies: Vec::new(),
            prior_dependencies: prior.dependencies.clone().into(),
            lifecycle: Default::default(),
            reason: if gone {
                Some("already deleted outside Strata; it will be forgotten".into())
            } else if opts.destroy {
                None
            } else {
                Some("no longer in the configuration".into())
            }
            .into(),
            holds_data: kinds::holds_data(&prior.kind, &prior.attrs),
            requested: false,
            provider: prior.provider.clone(),
        });
    }
    for d in &state.deposed {
        let gone = matches!(found.deposed.get(&d.resource.id), Some(None));
        deletes.push(ResourceChange {
            address: d.address.clone(),
            kind: d.resource.kind.clone(),
            action: Action::Delete,
            replace_order: None,
            id: Some(d.resource.id.clone()),
            deposed: true,
            changes: Vec::new(),
            config: Attrs::new(),
            dependencies: Vec::new(),
            prior_dependencies: d.resource.dependencies.clone().into(),
            lifecycle: Default::default(),
            reason: Some(if gone {
                "old object of a replacement, already gone".into()
            } else {
                "old object left by a create-before-destroy replacement".into()
            })
            .into(),
            holds_data: kinds::holds_data(&d.resource.kind, &d.resource.attrs),
            requested: false,
            provider: d.resource.provider.clone(),
        });
    }
    changes.extend(deletes);

    if !problems.is_empty() {
        let what = source.map_or("the plan", |s| s.name.as_str()).to_string();
        return Err(PlanError::Blocked(Problems::new(&what, problems)));
    }

    planned.current.set(None);
    let outputs = if opts.destroy {
        BTreeMap::new()
    } else {
        config
            .outputs
            .iter()
            .map(|(name, o)| {
                let planned_value = o.value.resolve(&mut |r| resolve_ref(r, &planned, state));
                (
                    name.clone(),
                    OutputPlan {
                        value: o.value.clone(),
                        planned: planned_value,
                        sensitive: o.sensitive,
                        prior: state.outputs.get(name).map(|s| s.value.clone()),
                    },
                )
            })
            .collect()
    };

    Ok(Plan {
        format_version: PLAN_FORMAT_VERSION,
        stack: config.stack.clone(),
        provider: config.provider.clone(),
        providers: config.providers.clone(),
        lineage: Some(state.lineage.clone()),
        serial: Some(state.serial()),
        destroy: opts.destroy,
        targets: opts.targets.clone(),
        replace: opts.replace.clone(),
        changes,
        drift,
        refreshed: refreshed_out,
        outputs,
        moves: refactored
            .as_ref()
            .map(|r| r.moves.clone())
            .unwrap_or_default(),
        forgets: refactored.map(|r| r.forgets).unwrap_or_default(),
    })
}

/// `kept` and every resource in state it (transitively) depends on.
fn dependencies_in_state(state: &State, kept: BTreeSet<Address>) -> BTreeSet<Address> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<Address> = kept.into_iter().collect();
    while let Some(a) = stack.pop() {
        if let Some(r) = state.resources.get(&a) {
            if seen.contains(&a) {
                continue;
            }
            stack.extend(r.dependencies.iter().cloned());
        }
        seen.insert(a);
    }
    seen
}

/// `targets` and every resource in state that (transitively) depends on them.
fn dependents_in_state(state: &State, targets: &[Address]) -> BTreeSet<Address> {
    let mut scope: BTreeSet<Address> = targets.iter().cloned().collect();
    loop {
        let before = scope.len();
        for (a, r) in &state.resources {
            if r.dependencies.iter().any(|d| scope.contains(d)) {
                scope.insert(a.clone());
            }
        }
        if scope.len() == before {
            return scope;
        }
    }
}

fn replace_reason(change: &ResourceChange) -> String {
    let forced: Vec<&str> = change
        .changes
        .iter()
        .filter(|c| c.forces_replacement)
        .map(|c| c.name.as_str())
        .collect();
    if forced.is_empty() {
        (*change.reason)
            .clone()
            .unwrap_or_else(|| "it must be recreated".into())
    } else {
        format!("changing {} forces replacement", forced.join(", "))
    }
}

fn resolve_ref(r: &Reference, planned: &PlannedTable<'_>, state: &State) -> Value {
    match planned.get(&r.address) {
        Some(p) => {
            if r.attr == "id" {
                return match (&p.action, &p.id) {
                    (Action::Create | Action::Replace, _) | (_, None) => Value::Unknown,
                    (_, Some(id)) => Value::String((*id).into()),
                };
            }
            match p.after.get(&r.attr) {
                Some(v) => v.clone(),
                None if matches!(p.action, Action::Create | Action::Replace) => Value::Unknown,
                None => Value::Null,
            }
        }
        None => state.attr(&r.address, &r.attr).unwrap_or(Value::Unknown),
    }
}

fn resolve_attrs(attrs: &Attrs, planned: &PlannedTable<'_>, state: &State) -> Attrs {
    attrs
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.resolve(&mut |r| resolve_ref(r, planned, state)),
            )
        })
        .collect()
}

/// Attributes whose live value differs from the recorded one (a merge of
/// the two sorted maps: nothing is allocated when they agree).
fn attr_drift(prior: &ResourceState, live: &Attrs) -> Vec<AttrChange> {
    let schema = kinds::schema_of(&prior.kind);
    let mut out = Vec::new();
    let mut a = prior.attrs.iter().peekable();
    let mut b = live.iter().peekable();
    let mut push = |name: &str, before: Option<&Value>, after: Option<&Value>| {
        if schema.and_then(|s| s.attr(name)).is_some_and(|a| a.status) {
            return; // the cloud's own status, not a change made outside Strata
        }
        let same = match (before, after) {
            (Some(x), Some(y)) => x.same_as(y),
            (Some(v), None) | (None, Some(v)) => *v == Value::Null,
            (None, None) => true,
        };
        if !same {
            out.push(AttrChange {
                name: name.to_string(),
                before: before.cloned(),
                after: after.cloned(),
                forces_replacement: false,
                sensitive: false,
            });
        }
    };
    loop {
        match (a.peek(), b.peek()) {
            (None, None) => break,
            (Some((ka, va)), Some((kb, vb))) if ka == kb => {
                push(ka, Some(va), Some(vb));
                a.next();
                b.next();
            }
            (Some((ka, va)), Some((kb, _))) if ka < kb => {
                push(ka, Some(va), None);
                a.next();
            }
            (Some((ka, va)), None) => {
                push(ka, Some(va), None);
                a.next();
            }
            (_, Some((kb, vb))) => {
                push(kb, None, Some(vb));
                b.next();
            }
        }
    }
    out
}

/// A value a reference points at, borrowed.
enum Looked<'b> {
    Value(&'b Value),
    Id(&'b str),
    Unknown,
}

fn look<'b>(r: &Reference, planned: &'b PlannedTable<'_>, state: &'b State) -> Looked<'b> {
    match planned.get(&r.address) {
        Some(p) => match (p.action, r.attr.as_str()) {
            (Action::Create | Action::Replace, _) => Looked::Unknown,
            (_, "id") => p.id.map_or(Looked::Unknown, Looked::Id),
            _ => match p.after.get(&r.attr) {
                Some(Value::Unknown) => Looked::Unknown,
                Some(v) => Looked::Value(v),
                None => Looked::Value(&Value::Null),
            },
        },
        None => match state.resources.get(&r.address) {
            Some(res) if r.attr == "id" => Looked::Id(&res.id),
            Some(res) => res
                .attrs
                .get(&r.attr)
                .map_or(Looked::Unknown, Looked::Value),
            None => Looked::Unknown,
        },
    }
}

/// Whether a configured attribute (references resolved on the fly) equals
/// the live one, compared as its schema says.
fn attr_matches(
    a: &AttrSchema,
    want: &Value,
    have: Option<&Value>,
    planned: &PlannedTable<'_>,
    state: &State,
) -> bool {
    match have {
        Some(h) => compare::same(a.compare, want, h, &mut |w, h| {
            matches(w, Some(h), planned, state)
        }),
        None => compare::same(a.compare, want, &Value::Null, &mut |w, _| {
            matches(w, None, planned, state)
        }),
    }
}

/// Whether a configured value (references resolved on the fly) equals a live one.
fn matches(want: &Value, have: Option<&Value>, planned: &PlannedTable<'_>, state: &State) -> bool {
    let Some(have) = have else {
        return *want == Value::Null || is_empty_collection(want);
    };
    match (want, have) {
        (Value::Ref(r), _) => match look(r, planned, state) {
            Looked::Value(v) => v.same_as(have),
            Looked::Id(id) => have.as_str() == Some(id),
            Looked::Unknown => false,
        },
        (Value::Unknown, _) => false,
        (Value::List(w), Value::List(h)) => {
            w.len() == h.len()
                && w.iter()
                    .zip(h)
                    .all(|(x, y)| matches(x, Some(y), planned, state))
        }
        (Value::Map(w), Value::Map(h)) => {
            w.len() == h.len()
                && w.iter()
                    .zip(h)
                    .all(|((kw, vw), (kh, vh))| kw == kh && matches(vw, Some(vh), planned, state))
        }
        _ => want.same_as(have),
    }
}

/// The fast path of the diff: whether the resource needs nothing, decided
/// without building its resolved attributes.
fn unchanged(
    r: &ResourceConfig,
    schema: &KindSchema,
    prior: &ResourceState,
    live: &Attrs,
    planned: &PlannedTable<'_>,
    state: &State,
) -> bool {
    if prior.tainted || prior.kind != r.kind || prior.provider != r.provider {
        return false;
    }
    let ignored = |name: &str| r.lifecycle.ignore_changes.iter().any(|i| i == name);
    for (name, want) in &r.attrs {
        if ignored(name) {
            continue;
        }
        let Some(a) = schema.attr(name) else { continue };
        if a.sensitive {
            if !want.is_known()
                || prior.sensitive_digests.get(name.as_str())
                    != Some(&state.digest(&r.address, name, want))
            {
                return false;
            }
            continue;
        }
        if !attr_matches(a, want, live.get(name), planned, state) {
            return false;
        }
    }
    prior.configured.iter().all(|name| {
        r.attrs.contains_key(name)
            || ignored(name)
            || schema.attr(name).is_none_or(|a| a.mode == Mode::Computed)
            || live
                .get(name)
                .is_none_or(|v| *v == Value::Null || is_empty_collection(v))
    })
}

/// The order a replacement of `r` takes: its lifecycle's, else its kind's.
fn replace_order(r: &ResourceConfig, schema: &KindSchema) -> ReplaceOrder {
    let cbd = r
        .lifecycle
        .create_before_destroy
        .unwrap_or(schema.create_before_destroy);
    if cbd {
        ReplaceOrder::CreateThenDelete
    } else {
        ReplaceOrder::DeleteThenCreate
    }
}

fn diff_resource(
    r: &ResourceConfig,
    schema: &KindSchema,
    prior: Option<&ResourceState>,
    live: Option<&Attrs>,
    desired: &Attrs,
    state: &State,
) -> ResourceChange {
    let mut change = ResourceChange {
        address: r.address.clone(),
        kind: r.kind.clone(),
        action: Action::NoOp,
        replace_order: None,
        id: prior.map(|p| p.id.clone()),
        deposed: false,
        changes: Vec::new(),
        config: r.attrs.clone(),
        dependencies: r.dependencies(),
        prior_dependencies: prior
            .map(|p| p.dependencies.clone())
            .unwrap_or_default()
            .into(),
        lifecycle: r.lifecycle.clone(),
        reason: Default::default(),
        holds_data: live.is_none_or(|l| kinds::holds_data(&r.kind, l)),
        requested: false,
        provider: r.provider.clone(),
    };
    let creation = || -> Vec<AttrChange> {
        desired
            .iter()
            .map(|(k, v)| AttrChange {
                name: k.to_string(),
                before: None,
                after: Some(v.clone()),
                forces_replacement: false,
                sensitive: schema.attr(k).is_some_and(|a| a.sensitive),
            })
            .chain(
                std::iter::once("id")
                    .chain(
                        schema
                            .attrs
                            .iter()
                            .filter(|a| a.mode == Mode::Computed)
                            .map(|a| a.name),
                    )
                    .map(|k| AttrChange {
                        name: k.to_string(),
                        before: None,
                        after: Some(Value::Unknown),
                        forces_replacement: false,
                        sensitive: false,
                    }),
            )
            .collect()
    };
    let (Some(prior), Some(live)) = (prior, live) else {
        change.action = Action::Create;
        change.changes = creation();
        if prior.is_some() {
            change.id = None;
            *change.reason = Some("it was deleted outside Strata".into());
        }
        return change;
    };
    let replace_order = replace_order(r, schema);
    if prior.kind != r.kind || prior.tainted {
        change.action = Action::Replace;
        change.replace_order = Some(replace_order);
        *change.reason = Some(if prior.tainted {
            "it is tainted: its last create or update did not finish".into()
        } else {
            format!("its kind changed from {}", prior.kind)
        });
        change.changes = creation();
        return change;
    }
    if prior.provider != r.provider {
        // Another provider instance (another region, say) cannot take over
        // an object: a new one is made there. It loses the data of a
        // stateful resource like any forced replacement.
        change.action = Action::Replace;
        change.replace_order = Some(replace_order);
        *change.reason = Some(super::instances::moved_reason(prior, r));
        change.changes = super::instances::moved_changes(prior, r, creation());
        return change;
    }

    let mut attr_changes = Vec::new();
    for (name, want) in desired {
        let Some(a) = schema.attr(name) else { continue };
        if r.lifecycle.ignore_changes.iter().any(|i| i == name) {
            continue;
        }
        if a.sensitive {
            let unchanged = want.is_known()
                && prior.sensitive_digests.get(name.as_str())
                    == Some(&state.digest(&r.address, name, want));
            if !unchanged {
                attr_changes.push(AttrChange {
                    name: name.to_string(),
                    before: prior
                        .sensitive_digests
                        .get(name.as_str())
                        .map(|_| Value::String("(sensitive)".into())),
                    after: Some(want.clone()),
                    forces_replacement: forces_replacement(a, desired, live),
                    sensitive: true,
                });
            }
            continue;
        }
        let have = live.get(name);
        let same = compare::same(
            a.compare,
            want,
            have.unwrap_or(&Value::Null),
            &mut |w, h| match h {
                Value::Null if have.is_none() => *w == Value::Null || is_empty_collection(w),
                h => w.is_known() && w.same_as(h),
            },
        );
        if !same {
            attr_changes.push(AttrChange {
                name: name.to_string(),
                before: have.cloned(),
                after: Some(want.clone()),
                forces_replacement: forces_replacement(a, desired, live),
                sensitive: false,
            });
        }
    }
    // Attributes the configuration used to set and no longer does.
    for name in prior.configured.iter() {
        if desired.contains_key(name) || r.lifecycle.ignore_changes.iter().any(|i| i == name) {
            continue;
        }
        let Some(a) = schema.attr(name) else { continue };
        if a.mode == Mode::Computed {
            continue;
        }
        if let Some(have) = live
            .get(name)
            .filter(|v| **v != Value::Null && !is_empty_collection(v))
        {
            attr_changes.push(AttrChange {
                name: name.to_string(),
                before: Some(have.clone()),
                after: None,
                forces_replacement: forces_replacement(a, desired, live),
                sensitive: a.sensitive,
            });
        }
    }
    if attr_changes.is_empty() {
        return change;
    }
    let replace = attr_changes.iter().any(|c| c.forces_replacement);
    change.action = if replace {
        Action::Replace
    } else {
        Action::Update
    };
    if replace {
        change.replace_order = Some(replace_order);
    }
    change.changes = attr_changes;
    change
}

/// A DB engine version change across major versions is irreversible (and
/// a downgrade impossible): it needs `allow_major_version_upgrade = true`.
fn major_version_problem(change: &ResourceChange, desired: &Attrs) -> Option<Problem> {
    if change.kind != kinds::DB_INSTANCE || change.action != Action::Update {
        return None;
    }
    let c = change.changes.iter().find(|c| c.name == "engine_version")?;
    let (have, want) = (c.before.as_ref()?.as_str()?, c.after.as_ref()?.as_str()?);
    let (from, to) = (compare::major_version(have), compare::major_version(want));
    let address = &change.address;
    if to < from {
        return Some(Problem::new(
            "strata::plan::engine_downgrade",
            format!("`{address}` runs PostgreSQL {have}: AWS cannot downgrade it to {want}"),
            Some(format!("keep engine_version at {from} or above; going back means restoring a snapshot into a new instance")),
        ));
    }
    let allowed = desired.get("allow_major_version_upgrade") == Some(&Value::Bool(true));
    (to > from && !allowed).then(|| {
        Problem::new(
            "strata::plan::major_upgrade",
            format!("`{address}` would be upgraded from PostgreSQL {have} to {want}, a major version: this cannot be undone"),
            Some("set allow_major_version_upgrade = true on it if you mean it (take a snapshot first)".into()),
        )
    })
}

/// Whether a change of `a` replaces the resource, given the desired and
/// live attributes.
fn forces_replacement(a: &AttrSchema, desired: &Attrs, live: &Attrs) -> bool {
    match a.replace {
        Replace::Never => false,
        Replace::Always(_) => true,
        Replace::When(_, test) => test(desired, live),
    }
}

fn is_empty_collection(v: &Value) -> bool {
    matches!(v, Value::List(l) if l.is_empty()) || matches!(v, Value::Map(m) if m.is_empty())
}

/// The attributes a resource will have after apply, for references to it.
fn planned_after<'a>(
    change: &ResourceChange,
    schema: &KindSchema,
    live: Option<&'a Attrs>,
    desired: Attrs,
) -> std::borrow::Cow<'a, Attrs> {
    use std::borrow::Cow;
    match (change.action, live) {
        (Action::NoOp, Some(live)) => Cow::Borrowed(live),
        (Action::NoOp, None) => Cow::Owned(Attrs::new()),
        (Action::Update, _) => {
            let mut after = live.cloned().unwrap_or_default();
            after.extend(desired);
            for k in recomputed_on_update(schema.kind) {
                after.insert((*k).into(), Value::Unknown);
            }
            Cow::Owned(after)
        }
        _ => {
            let mut after = desired;
            for a in schema.attrs.iter().filter(|a| a.mode == Mode::Computed) {
                after.insert(a.name.into(), Value::Unknown);
            }
            Cow::Owned(after)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn an_alarm_state_the_cloud_changed_is_not_drift_but_a_changed_threshold_is() {
        let prior: ResourceState = serde_json::from_value(serde_json::json!({
            "kind": kinds::METRIC_ALARM,
            "id": "cpu",
            "attrs": {"threshold": 80.0, "state_value": "INSUFFICIENT_DATA"},
        }))
        .unwrap();
        let mut live = prior.attrs.clone();
        live.insert("state_value".into(), Value::from("ALARM"));
        assert!(attr_drift(&prior, &live).is_empty());
        live.insert("threshold".into(), Value::Float(90.0));
        let drift = attr_drift(&prior, &live);
        let names: Vec<&str> = drift.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["threshold"]);
    }
}
