//! Reading lookups during planning: each `[data.NAME]` is read through the
//! provider's [`Lookups`](crate::provider::Lookups) (in
//! [`lookup::order`](crate::lookup)), the matches are narrowed and counted
//! the same way on every provider, and the values found replace the
//! `${data.NAME.ATTR}` references of resources and outputs. The plan shows
//! each lookup as a [`Action::Read`] change, which apply skips.

use std::collections::BTreeMap;

use super::{Action, AttrChange, PlanError, ResourceChange};
use crate::config::{Config, ResourceConfig};
use crate::diag::{Problem, Problems};
use crate::graph::Graph;
use crate::kinds::data::{data_kind_of, DataKind, Matches, MOST_RECENT};
use crate::kinds::{self, check_resource};
use crate::lookup::{self, data_name, split_index, DataConfig, MATCHES, UNSUPPORTED};
use crate::provider::{LookupRequest, Provider};
use crate::retry::{with_retries, RetryPolicy};
use crate::value::{Attrs, Reference, Value};

/// What reading the lookups gave: the graph with their values in place of
/// references (`None`: the configuration has no lookups) and the plan's
/// `read` changes.
pub(super) struct Read {
    pub graph: Option<Graph>,
    pub changes: Vec<ResourceChange>,
}

/// Reads every lookup of `graph`'s configuration, in order.
pub(super) async fn read_all(graph: &Graph, provider: &dyn Provider) -> Result<Read, PlanError> {
    let config = &graph.config;
    if config.data.is_empty() {
        return Ok(Read {
            graph: None,
            changes: Vec::new(),
        });
    }
    let source = config.source.as_ref();
    let what = source.map_or("the configuration", |s| s.name.as_str());
    // Graph validation rejected circles: an error here is not reachable
    // from a built graph, but is reported rather than assumed.
    let order = lookup::order(config).map_err(|cycle| {
        let p = Problem::new(
            lookup::CYCLE,
            format!(
                "lookups refer to each other in a circle: {}",
                cycle.join(", ")
            ),
            None,
        );
        PlanError::Lookups(Problems::new(what, vec![p]))
    })?;
    let capabilities = provider.capabilities();
    let mut values: BTreeMap<String, Attrs> = BTreeMap::new();
    let mut changes = Vec::with_capacity(order.len());
    let mut problems = Vec::new();
    let mut failed: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for d in order {
        // Graph validation reported unknown kinds and bad names.
        let (Some(kind), Some(address)) = (data_kind_of(&d.kind), lookup::address_of(&d.name))
        else {
            continue;
        };
        let lookups = match capabilities.require_lookups(
            provider.name(),
            &format!("read the lookup `data.{}`", d.name),
        ) {
            Ok(l) => l,
            Err(missing) => {
                problems.push(
                    Problem::new(UNSUPPORTED, missing.to_string(), Some(
                        "use a provider that offers lookups, or write the values into the configuration".into(),
                    ))
                    .at(source, d.spans.header, "this lookup"),
                );
                continue;
            }
        };
        // A lookup on one that failed is not read (that one was reported).
        let failed_dep = d
            .filters
            .values()
            .flat_map(|v| v.references())
            .filter_map(|r| data_name(&r.address))
            .any(|n| failed.contains(n));
        if failed_dep {
            failed.insert(d.name.as_str());
            continue;
        }
        let filters = match resolve_filters(d, kind, &values) {
            Ok(f) => f,
            Err(p) => {
                failed.insert(d.name.as_str());
                problems.push((*p).at(source, d.spans.header, "this lookup"));
                continue;
            }
        };
        let most_recent = filters.get(MOST_RECENT) == Some(&Value::Bool(true));
        let mut sent = filters.clone();
        sent.remove(MOST_RECENT);
        let req = LookupRequest {
            kind: d.kind.clone(),
            filters: sent,
        };
        let found = with_retries(RetryPolicy::default(), || lookups.lookup(req.clone()))
            .await
            .map_err(|source| PlanError::Refresh {
                kind: d.kind.clone(),
                source,
            })?;
        match select(d, kind, &filters, most_recent, found) {
            Ok(exported) => {
                changes.push(read_change(address, d, &filters, &exported));
                values.insert(d.name.clone(), exported);
            }
            Err(p) => {
                failed.insert(d.name.as_str());
                problems.push((*p).at(source, d.spans.header, "this lookup"));
            }
        }
    }
    if !problems.is_empty() {
        return Err(PlanError::Lookups(Problems::new(what, problems)));
    }
    let graph = substitute(graph, &values).map_err(PlanError::Lookups)?;
    Ok(Read {
        graph: Some(graph),
        changes,
    })
}

/// The filters with defaults filled in and other lookups' values in place;
/// a reference past the end of a list, or to a lookup that could not be
/// read, is a problem (a filter is never dropped silently).
fn resolve_filters(
    d: &DataConfig,
    kind: &DataKind,
    values: &BTreeMap<String, Attrs>,
) -> Result<Attrs, Box<Problem>> {
    let mut filters = Attrs::new();
    for f in kind.filters {
        match d.filters.get(f.name) {
            Some(v) => {
                let mut missing = None;
                let v = v.resolve(&mut |r| {
                    value_of(r, values).unwrap_or_else(|| {
                        missing.get_or_insert_with(|| r.to_string());
                        Value::Null
                    })
                });
                if let Some(r) = missing {
                    return Err(Box::new(Problem::new(
                        MATCHES,
                        format!(
                            "`data.{}` filters `{}` on `{r}`, which has no value",
                            d.name, f.name
                        ),
                        Some(
                            "refer to a lookup that was read, and to an element its list has"
                                .into(),
                        ),
                    )));
                }
                filters.insert(f.name.into(), v);
            }
            None => {
                if let Some(default) = f.default {
                    filters.insert(f.name.into(), default.value());
                }
            }
        }
    }
    Ok(filters)
}

/// The value of `data.NAME.ATTR` (or `ATTR[N]`) among those read, if any.
fn value_of(r: &Reference, values: &BTreeMap<String, Attrs>) -> Option<Value> {
    let name = data_name(&r.address)?;
    let (attr, index) = split_index(&r.attr);
    let v = values.get(name)?.get(attr)?;
    match index {
        None => Some(v.clone()),
        Some(i) => v.as_list()?.get(i).cloned(),
    }
}

/// `filters` as `a = "x", b = ["y"]`, for messages.
fn describe(filters: &Attrs) -> String {
    if filters.is_empty() {
        return "no filters".into();
    }
    filters
        .iter()
        .filter(|(k, _)| k.as_str() != MOST_RECENT)
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The exported attributes of the match (or matches) a lookup takes, or
/// the problem with their number.
fn select(
    d: &DataConfig,
    kind: &DataKind,
    filters: &Attrs,
    most_recent: bool,
    mut found: Vec<Attrs>,
) -> Result<Attrs, Box<Problem>> {
    let name = format!("data.{}", d.name);
    if found.is_empty() {
        return Err(Box::new(Problem::new(
            MATCHES,
            format!("`{name}` ({}) found nothing matching {}", kind.kind, describe(filters)),
            Some("check the filters: the lookup reads what exists in the provider's account and region".into()),
        )));
    }
    match kind.matches {
        Matches::One { newest_by } => {
            if found.len() > 1 {
                match newest_by.filter(|_| most_recent) {
                    Some(by) => {
                        found.sort_by(|a, b| text(a, by).cmp(text(b, by)));
                        found.drain(..found.len() - 1);
                    }
                    None => {
                        let ids: Vec<String> = found.iter().map(identify).collect();
                        let help = match newest_by {
                            Some(_) => {
                                "narrow the filters, or set `most_recent = true` to take the newest"
                            }
                            None => "narrow the filters so that exactly one matches",
                        };
                        return Err(Box::new(Problem::new(
                            MATCHES,
                            format!(
                                "`{name}` ({}) found {} matches for {}, but needs exactly one: {}",
                                kind.kind,
                                found.len(),
                                describe(filters),
                                ids.join(", ")
                            ),
                            Some(help.into()),
                        )));
                    }
                }
            }
            let one = found.pop().unwrap_or_default();
            Ok(kind
                .exports
                .iter()
                .filter_map(|e| {
                    one.get(e.name)
                        .map(|v| (crate::value::Name::from(e.name), v.clone()))
                })
                .collect())
        }
        Matches::All { order_by } => {
            found.sort_by(|a, b| {
                text(a, order_by)
                    .cmp(text(b, order_by))
                    .then_with(|| text(a, "id").cmp(text(b, "id")))
            });
            Ok(kind
                .collected
                .iter()
                .map(|c| {
                    let list = found
                        .iter()
                        .map(|m| m.get(c.from).cloned().unwrap_or(Value::Null))
                        .collect();
                    (crate::value::Name::from(c.name), Value::List(list))
                })
                .collect())
        }
    }
}

fn text<'a>(attrs: &'a Attrs, name: &str) -> &'a str {
    attrs.get(name).and_then(Value::as_str).unwrap_or("")
}

/// How a match is named in a message: its id (or ARN) and name.
fn identify(m: &Attrs) -> String {
    let id = ["id", "arn", "account_id"]
        .iter()
        .find_map(|k| m.get(k).and_then(Value::as_str))
        .unwrap_or("?");
    match m.get("name").and_then(Value::as_str) {
        Some(n) => format!("{id} ({n})"),
        None => id.to_string(),
    }
}

/// The plan's `read` change of one lookup.
fn read_change(
    address: crate::addr::Address,
    d: &DataConfig,
    filters: &Attrs,
    exported: &Attrs,
) -> ResourceChange {
    ResourceChange {
        address,
        kind: d.kind.clone(),
        action: Action::Read,
        replace_order: None,
        provider: None,
        id: None,
        deposed: false,
        changes: exported
            .iter()
            .map(|(k, v)| AttrChange {
                name: k.to_string(),
                before: None,
                after: Some(v.clone()),
                forces_replacement: false,
                sensitive: false,
            })
            .collect(),
        config: filters.clone(),
        dependencies: Vec::new(),
        prior_dependencies: Default::default(),
        lifecycle: Default::default(),
        reason: Default::default(),
        holds_data: false,
        requested: false,
    }
}

/// `graph` with every reference to a lookup replaced by its value, and the
/// resources that held one checked again with the values in place.
fn substitute(graph: &Graph, values: &BTreeMap<String, Attrs>) -> Result<Graph, Problems> {
    let mut out = graph.clone();
    let config: &mut Config = &mut out.config;
    let source = config.source.clone();
    let region = config.provider.region.clone();
    let mut problems = Vec::new();
    for r in config.resources.values_mut() {
        let before = problems.len();
        let mut touched = false;
        for (attr, value) in r.attrs.iter_mut() {
            if !holds_lookup(value) {
                continue;
            }
            touched = true;
            let top = attr.split(['.', '[']).next().unwrap_or(attr);
            let span = r.spans.attrs.get(top).copied().or(r.spans.header);
            *value = put_values(value, values, &mut |p| {
                problems.push(p.at(source.as_ref(), span, "referenced here"));
            });
        }
        // A reference that found nothing was reported; its null is not.
        if touched && problems.len() == before {
            recheck(r, &region, source.as_ref(), &mut problems);
        }
    }
    for o in config.outputs.values_mut() {
        if holds_lookup(&o.value) {
            let span = o.span;
            o.value = put_values(&o.value, values, &mut |p| {
                problems.push(p.at(source.as_ref(), span, "referenced here"));
            });
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        let what = source
            .as_ref()
            .map_or("the configuration", |s| s.name.as_str());
        Err(Problems::new(what, problems))
    }
}

fn holds_lookup(value: &Value) -> bool {
    value
        .references()
        .iter()
        .any(|r| data_name(&r.address).is_some())
}

/// `value` with the lookups' values in place of references to them; a
/// reference past the end of a list is reported.
fn put_values(
    value: &Value,
    values: &BTreeMap<String, Attrs>,
    report: &mut impl FnMut(Problem),
) -> Value {
    value.resolve(&mut |r| {
        if data_name(&r.address).is_none() {
            return Value::Ref(Box::new(r.clone()));
        }
        match value_of(r, values) {
            Some(v) => v,
            None => {
                let (attr, _) = split_index(&r.attr);
                let found = data_name(&r.address)
                    .and_then(|n| values.get(n))
                    .and_then(|a| a.get(attr))
                    .and_then(Value::as_list)
                    .map_or(0, <[Value]>::len);
                report(Problem::new(
                    MATCHES,
                    format!(
                        "reference to `{r}`: the lookup found {found} value{}",
                        if found == 1 { "" } else { "s" }
                    ),
                    Some("refer to an element the lookup has, or narrow the lookup".into()),
                ));
                Value::Null
            }
        }
    })
}

/// Checks a resource's attributes again, now that lookups' values are in
/// place of references.
fn recheck(
    r: &mut ResourceConfig,
    region: &str,
    source: Option<&crate::config::SourceFile>,
    problems: &mut Vec<Problem>,
) {
    let Some(schema) = kinds::schema_of(&r.kind) else {
        return;
    };
    for p in check_resource(schema, &mut r.attrs, region) {
        let span = p
            .attr
            .as_ref()
            .and_then(|a| {
                r.spans
                    .attrs
                    .get(a.split(['.', '[']).next().unwrap_or(a))
                    .copied()
            })
            .or(r.spans.header);
        problems.push(
            Problem::new(
                "strata::graph::invalid_attribute",
                format!(
                    "`{}` (with the values lookups found): {}",
                    r.address, p.message
                ),
                p.help,
            )
            .at(source, span, "here"),
        );
    }
}
