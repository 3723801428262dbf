//! Checks of `[data.NAME]` blocks and of references to them, run by graph
//! validation: kinds, filters (unknown, missing, wrong type), references,
//! and the order lookups are read in.

use std::collections::BTreeSet;

use super::{
    address_of, data_name, split_index, DataConfig, CYCLE, FILTER, REFERENCE, UNKNOWN_KIND,
};
use crate::config::Config;
use crate::diag::Problem;
use crate::kinds::data::{data_kind_of, suggest_data_kind, MOST_RECENT};
use crate::kinds::{self, check_type};
use crate::schema::AttrType;
use crate::value::Reference;

/// A resource address in the lookups' namespace.
pub const ADDRESS: &str = "strata::lookup::address";

/// Every problem of the configuration's lookups, each at its span.
pub(crate) fn validate(config: &Config) -> Vec<Problem> {
    let source = config.source.as_ref();
    let mut out = Vec::new();
    for r in config.resources.values() {
        if r.address.as_str().split(['.', '[']).next() == Some(super::DATA) {
            out.push(
                Problem::new(
                    ADDRESS,
                    format!(
                        "`{}`: resource addresses may not start with `data`",
                        r.address
                    ),
                    Some("`data.NAME` names a lookup; rename the resource".into()),
                )
                .at(source, r.spans.header, "reserved for lookups"),
            );
        }
    }
    for d in config.data.values() {
        out.extend(check_block(config, d));
    }
    if let Err(cycle) = order(config) {
        let path: Vec<String> = cycle.iter().map(|n| format!("`data.{n}`")).collect();
        let mut p = Problem::new(
            CYCLE,
            format!(
                "lookups refer to each other in a circle: {}",
                path.join(" → ")
            ),
            Some("one of these lookups must not filter on the next".into()),
        );
        for n in &cycle {
            let span = config.data.get(n).and_then(|d| d.spans.header);
            p = p.at(source, span, format!("`data.{n}` is in the cycle"));
        }
        out.push(p);
    }
    out
}

fn check_block(config: &Config, d: &DataConfig) -> Vec<Problem> {
    let source = config.source.as_ref();
    let mut out = Vec::new();
    let at = |name: &str| d.spans.filters.get(name).copied().or(d.spans.header);
    if address_of(&d.name).is_none() {
        out.push(
            Problem::new(
                super::NAME,
                format!("`{}` is not a valid lookup name", d.name),
                Some("use letters, digits, `_` and `-`, starting with a letter".into()),
            )
            .at(source, d.spans.header, "not a name"),
        );
    }
    let Some(kind) = data_kind_of(&d.kind) else {
        let help = match suggest_data_kind(&d.kind) {
            Some(k) => format!("did you mean `{k}`?"),
            None => format!(
                "lookup kinds are {}",
                kinds::data::ALL_DATA
                    .iter()
                    .map(|k| format!("`{}`", k.kind))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        out.push(
            Problem::new(
                UNKNOWN_KIND,
                format!("`data.{}` has an unknown lookup kind `{}`", d.name, d.kind),
                Some(help),
            )
            .at(
                source,
                d.spans.kind.or(d.spans.header),
                "unknown lookup kind",
            ),
        );
        return out;
    };
    for (name, value) in &d.filters {
        let Some(filter) = kind.filter(name) else {
            let names: Vec<String> = kind
                .filters
                .iter()
                .map(|f| format!("`{}`", f.name))
                .collect();
            let close = kind
                .filters
                .iter()
                .map(|f| f.name)
                .find(|f| strsim::levenshtein(f, name) <= 3);
            let help = match (close, names.is_empty()) {
                (Some(c), _) => format!("did you mean `{c}`?"),
                (None, true) => format!("`{}` takes no filters", kind.kind),
                (None, false) => format!("{} filters on {}", kind.kind, names.join(", ")),
            };
            out.push(
                Problem::new(
                    FILTER,
                    format!("`data.{}`: {} has no filter `{name}`", d.name, kind.kind),
                    Some(help),
                )
                .at(source, at(name), "unknown filter"),
            );
            continue;
        };
        let mut checked = value.clone();
        let mut problems = Vec::new();
        check_type(name, &filter.ty, &mut checked, &mut problems);
        for p in problems {
            out.push(
                Problem::new(FILTER, format!("`data.{}`: {}", d.name, p.message), p.help).at(
                    source,
                    at(name),
                    "here",
                ),
            );
        }
        for reference in value.references() {
            let problem = match data_name(&reference.address) {
                Some(_) if name == MOST_RECENT => Some(Problem::new(
                    FILTER,
                    format!("`data.{}`: `{MOST_RECENT}` must be written out", d.name),
                    Some("write `most_recent = true` or `false`".into()),
                )),
                Some(_) => check_reference(config, reference),
                None => Some(Problem::new(
                    FILTER,
                    format!(
                        "`data.{}` filters on `{reference}`, a resource: lookups are read \
                         before anything is created",
                        d.name
                    ),
                    Some("filter on literal values or on other lookups' attributes".into()),
                )),
            };
            if let Some(p) = problem {
                out.push(p.at(source, at(name), "referenced here"));
            }
        }
    }
    for f in kind.filters.iter().filter(|f| f.required) {
        if !d.filters.contains_key(f.name) {
            out.push(
                Problem::new(
                    FILTER,
                    format!(
                        "`data.{}` ({}) is missing the filter `{}`",
                        d.name, kind.kind, f.name
                    ),
                    Some(format!(
                        "add `{} = ...` ({}): {}",
                        f.name,
                        f.ty.describe(),
                        f.doc
                    )),
                )
                .at(source, d.spans.header, "in this lookup"),
            );
        }
    }
    out
}

/// What is wrong with a reference to `data.NAME.ATTR`, if anything.
pub(crate) fn check_reference(config: &Config, reference: &Reference) -> Option<Problem> {
    let name = data_name(&reference.address)?;
    let Some(d) = config.data.get(name) else {
        let close = config
            .data
            .keys()
            .find(|k| strsim::levenshtein(k, name) <= 2)
            .map(|k| format!("did you mean `data.{k}`?"));
        return Some(Problem::new(
            REFERENCE,
            format!("reference to `{reference}`: there is no lookup `data.{name}`"),
            Some(close.unwrap_or_else(|| format!("declare it as `[data.{name}]` with a `kind`"))),
        ));
    };
    // An unknown kind is reported with the block.
    let kind = data_kind_of(&d.kind)?;
    let (attr, index) = split_index(&reference.attr);
    let referable = kind.referable();
    let names: Vec<String> = referable.iter().map(|(n, _)| format!("`{n}`")).collect();
    match referable.iter().find(|(n, _)| *n == attr) {
        None => Some(Problem::new(
            REFERENCE,
            format!(
                "reference to `{reference}`: {} exports no `{attr}`",
                kind.kind
            ),
            Some(format!("{} exports {}", kind.kind, names.join(", "))),
        )),
        Some((_, ty)) if index.is_some() && !matches!(ty, AttrType::List(_)) => Some(Problem::new(
            REFERENCE,
            format!("reference to `{reference}`: `{attr}` is not a list"),
            Some(format!("write `${{data.{name}.{attr}}}`")),
        )),
        Some(_) => None,
    }
}

/// The lookups in the order they are read: each after the lookups its
/// filters refer to, otherwise as declared. A circle is returned as the
/// names on it.
pub(crate) fn order(config: &Config) -> Result<Vec<&DataConfig>, Vec<String>> {
    let deps = |d: &DataConfig| -> BTreeSet<String> {
        d.filters
            .values()
            .flat_map(|v| v.references())
            .filter_map(|r| data_name(&r.address).map(str::to_string))
            .filter(|n| config.data.contains_key(n) && *n != d.name)
            .collect()
    };
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::with_capacity(config.data.len());
    while out.len() < config.data.len() {
        let next = config.data.values().find(|d| {
            !done.contains(d.name.as_str()) && deps(d).iter().all(|n| done.contains(n.as_str()))
        });
        match next {
            Some(d) => {
                done.insert(&d.name);
                out.push(d);
            }
            None => {
                let mut stuck: Vec<String> = config
                    .data
                    .keys()
                    .filter(|n| !done.contains(n.as_str()))
                    .cloned()
                    .collect();
                stuck.sort();
                return Err(stuck);
            }
        }
    }
    // A lookup filtering on itself is a circle of one.
    if let Some(d) = config.data.values().find(|d| {
        d.filters
            .values()
            .flat_map(|v| v.references())
            .any(|r| data_name(&r.address) == Some(d.name.as_str()))
    }) {
        return Err(vec![d.name.clone()]);
    }
    Ok(out)
}
