//! Values: what Strata's validation accepts against the model's enums and
//! bounds. Strata's rules are probed through `check_attr`, the same check a
//! configuration goes through.

use strata_core::kinds::check_attr;
use strata_core::schema::{AttrSchema, AttrType, Default, KindSchema};
use strata_core::value::Value;

use crate::check::{Found, Report};
use crate::model::{Bounds, Hit, Model};

const REGION: &str = "us-east-1";
/// A value no attribute accepts if Strata checks it against a list or a form.
const BOGUS: &str = "strata probe: not a value";

/// Whether Strata accepts `value` for `attr`.
fn accepts(attr: &AttrSchema, mut value: Value) -> bool {
    check_attr(attr, &mut value, REGION).is_empty()
}

/// The list of values Strata's validation names for `attr` ("one of: A, B"),
/// if it checks the attribute against one.
pub fn strata_list(attr: &AttrSchema) -> Option<Vec<String>> {
    let mut v = Value::String(BOGUS.into());
    check_attr(attr, &mut v, REGION).into_iter().find_map(|p| {
        let list = p.help?.strip_prefix("one of: ")?.to_string();
        Some(list.split(", ").map(str::to_string).collect())
    })
}

/// The members that take a value from the configuration: request members
/// of the resource itself (not of a list element).
fn input_hits(found: &Found) -> impl Iterator<Item = &Hit> {
    found
        .create
        .iter()
        .chain(&found.update)
        .filter(|h| !h.in_list)
}

/// Enum values and bounds of one attribute's members.
pub fn check(
    kind: &KindSchema,
    model: &Model,
    attr: &AttrSchema,
    found: &Found,
    report: &mut Report,
) {
    let k = kind.kind;
    let a = attr.name;
    let enum_hit = input_hits(found).find_map(|h| model.enum_of(&h.shape).map(|e| (h, e)));
    match attr.ty {
        AttrType::String => {}
        AttrType::Int => return check_int_bounds(kind, model, attr, found, report),
        _ => return,
    }
    let list = strata_list(attr);
    if list.is_some() {
        report.lists_checked.insert(format!("{k}.{a}"));
    }
    match (&list, &enum_hit) {
        (Some(list), Some((hit, values))) => {
            for v in list.iter().filter(|v| !values.contains(v)) {
                report.mismatches.push(format!(
                    "{k}: `{a}` accepts `{v}`, which is not in AWS's enum for {} ({})",
                    hit.at(),
                    values.join(", ")
                ));
            }
            report.notes.push(format!(
                "{k}.{a}: Strata accepts {} of the {} values of {} ({})",
                list.len(),
                values.len(),
                hit.shape,
                list.join(", ")
            ));
        }
        (Some(list), None) => report.notes.push(format!(
            "{k}.{a}: Strata accepts {}; the model gives no enum for {}",
            list.join(", "),
            crate::check::candidates(attr).unwrap_or_default().join("/")
        )),
        (None, Some((hit, values))) => {
            // Strata checks the form (or nothing): it must accept every
            // value AWS does.
            let rejected: Vec<&String> = values
                .iter()
                .filter(|v| !accepts(attr, Value::String(v.as_str().into())))
                .collect();
            if !rejected.is_empty() {
                report.mismatches.push(format!(
                    "{k}: `{a}` rejects {} value(s) AWS accepts for {}: {}",
                    rejected.len(),
                    hit.at(),
                    rejected
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            let checked = if accepts(attr, Value::String(BOGUS.into())) {
                "Strata leaves the check to AWS".to_string()
            } else {
                format!("Strata checks the form and rejects {}", rejected.len())
            };
            report.notes.push(format!(
                "{k}.{a}: {} has {} values; {checked}",
                hit.at(),
                values.len()
            ));
        }
        (None, None) => {}
    }
    if let (Some(Default::Str(d)), Some((hit, values))) = (attr.default, &enum_hit) {
        if !values.iter().any(|v| v == d) {
            report.mismatches.push(format!(
                "{k}: `{a}` defaults to `{d}`, which is not in AWS's enum for {} ({})",
                hit.at(),
                values.join(", ")
            ));
        }
    }
    if list.is_none() && enum_hit.is_none() {
        check_string_bounds(kind, model, attr, found, report);
    }
}

/// The first request member of one of `types` with a `min`, `max` or
/// `pattern`.
fn bounded<'a>(model: &Model, found: &'a Found, types: &[&str]) -> Option<(&'a Hit, Bounds)> {
    input_hits(found).find_map(|h| {
        if !model.type_of(&h.shape).is_some_and(|t| types.contains(&t)) {
            return None;
        }
        let bounds = model.bounds(&h.shape);
        bounds.any().then_some((h, bounds))
    })
}

/// Identifiers and names: if Strata checks the form, it must accept the
/// lengths AWS accepts and reject those it does not.
fn check_string_bounds(
    kind: &KindSchema,
    model: &Model,
    attr: &AttrSchema,
    found: &Found,
    report: &mut Report,
) {
    let k = kind.kind;
    let a = attr.name;
    let strata_checks = !accepts(attr, Value::String(BOGUS.into()));
    // An identifier of n letters is well formed wherever letters are.
    let of_len = |n: i64| Value::String("a".repeat(usize::try_from(n).unwrap_or(0)).into());
    let Some((hit, Bounds { min, max, pattern })) = bounded(model, found, &["string"]) else {
        if strata_checks {
            let longest = (1..=300).rev().find(|n| accepts(attr, of_len(*n)));
            report.notes.push(format!(
                "{k}.{a}: the model gives no length or pattern for {}; Strata checks the form{}",
                input_hits(found)
                    .next()
                    .map(Hit::at)
                    .unwrap_or_else(|| "its member".into()),
                longest
                    .filter(|n| *n < 300)
                    .map(|n| format!(" and allows at most {n} characters"))
                    .unwrap_or_default()
            ));
        }
        return;
    };
    let pattern_note = pattern
        .map(|p| format!(", pattern {p} (not evaluated)"))
        .unwrap_or_default();
    report.notes.push(format!(
        "{k}.{a}: {} has length {}..{}{pattern_note}; {}",
        hit.at(),
        min.map(|m| m.to_string()).unwrap_or_default(),
        max.map(|m| m.to_string()).unwrap_or_default(),
        if strata_checks {
            "Strata checks the form"
        } else {
            "Strata leaves the check to AWS"
        }
    ));
    if !strata_checks {
        return;
    }
    if let Some(max) = max {
        if accepts(attr, of_len(max + 1)) {
            report.mismatches.push(format!(
                "{k}: `{a}` accepts {} characters, more than AWS's {max} for {}",
                max + 1,
                hit.at()
            ));
        }
    }
    if let Some(min) = min.filter(|m| *m > 1) {
        if accepts(attr, of_len(min - 1)) {
            report.mismatches.push(format!(
                "{k}: `{a}` accepts {} characters, fewer than AWS's {min} for {}",
                min - 1,
                hit.at()
            ));
        }
    }
}

/// Numbers: where Strata checks a range, AWS's bounds must be in it and
/// the values just outside must be rejected.
fn check_int_bounds(
    kind: &KindSchema,
    model: &Model,
    attr: &AttrSchema,
    found: &Found,
    report: &mut Report,
) {
    let k = kind.kind;
    let a = attr.name;
    let Some((hit, Bounds { min, max, .. })) = bounded(model, found, &["integer", "long"]) else {
        return;
    };
    let ok = |n: i64| accepts(attr, Value::Int(n));
    let strata_checks = !ok(i64::from(i32::MIN)) || !ok(i64::from(i32::MAX));
    report.notes.push(format!(
        "{k}.{a}: {} is {}..{}; {}",
        hit.at(),
        min.map(|m| m.to_string()).unwrap_or_default(),
        max.map(|m| m.to_string()).unwrap_or_default(),
        if strata_checks {
            "Strata checks the range"
        } else {
            "Strata leaves the check to AWS"
        }
    ));
    for bound in [min, max].into_iter().flatten() {
        if !ok(bound) {
            report.mismatches.push(format!(
                "{k}: `{a}` rejects {bound}, which AWS accepts for {}",
                hit.at()
            ));
        }
    }
    if strata_checks {
        for outside in [min.map(|m| m - 1), max.map(|m| m + 1)]
            .into_iter()
            .flatten()
        {
            if ok(outside) {
                report.mismatches.push(format!(
                    "{k}: `{a}` accepts {outside}, which AWS rejects for {}",
                    hit.at()
                ));
            }
        }
    }
}
