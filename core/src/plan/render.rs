//! Rendering plans for people (Terraform-like) and machines (JSON).

use std::fmt::Write;

use serde_json::json;

use super::{Action, AttrChange, Plan, ReplaceOrder, ResourceChange};
use crate::kinds;
use crate::value::Value;

const SENSITIVE: &str = "(sensitive value)";

/// A value as a plan shows it: a secret by its source
/// (`(sensitive, from env NAME)`), other sensitive values masked.
fn show(v: &Option<Value>, sensitive: bool) -> String {
    match v {
        Some(Value::Secret(s)) => s.to_string(),
        _ if sensitive => SENSITIVE.into(),
        None => "null".into(),
        Some(v) => v.to_string(),
    }
}

fn symbol(c: &ResourceChange) -> &'static str {
    match (c.action, c.replace_order) {
        (Action::Create, _) => "  +",
        (Action::Update, _) => "  ~",
        (Action::Delete, _) => "  -",
        (Action::Replace, Some(ReplaceOrder::CreateThenDelete)) => "+/-",
        (Action::Replace, _) => "-/+",
        (Action::Read, _) => " <=",
        (Action::NoOp, _) => "   ",
    }
}

fn headline(c: &ResourceChange) -> String {
    let what = if c.deposed {
        format!(
            "{} (deposed object {})",
            c.address,
            c.id.as_deref().unwrap_or("?")
        )
    } else {
        match &c.provider {
            // Resources of a named provider instance say which.
            Some(instance) => format!("{} (provider {instance})", c.address),
            None => c.address.to_string(),
        }
    };
    let loud = if c.replaces_data() {
        " — ITS DATA IS LOST"
    } else if c.action == Action::Delete && !c.deposed {
        delete_note(c)
    } else {
        ""
    };
    let verb = match (c.action, c.replace_order) {
        (Action::Create, _) => "will be created".to_string(),
        (Action::Update, _) => "will be updated in place".to_string(),
        (Action::Delete, _) => "will be destroyed".to_string(),
        (Action::Replace, Some(ReplaceOrder::CreateThenDelete)) => {
            "must be replaced (create before destroy)".to_string()
        }
        (Action::Replace, _) => "must be replaced".to_string(),
        (Action::Read, _) => "will be read".to_string(),
        (Action::NoOp, _) => "is unchanged".to_string(),
    };
    match &*c.reason {
        Some(r) if c.action != Action::Create || c.reason.is_some() => {
            format!("  # {what} {verb}{loud} ({r})")
        }
        _ => format!("  # {what} {verb}{loud}"),
    }
}

/// Why an attribute of `kind` forces replacement, from its schema.
fn replace_reason(kind: &str, attr: &str) -> Option<&'static str> {
    kinds::schema_of(kind)?.attr(attr)?.replace.reason()
}

/// Whether a change of `attr` waits for the maintenance window: a deferred
/// attribute of a resource configured with `apply_immediately = false`.
fn waits_for_window(change: &ResourceChange, attr: &str) -> bool {
    change.action == Action::Update
        && kinds::schema_of(&change.kind)
            .and_then(|s| s.attr(attr))
            .is_some_and(|a| a.deferred)
        && change.config.get("apply_immediately") == Some(&Value::Bool(false))
}

/// What a delete does with a stateful resource's data.
fn delete_note(c: &ResourceChange) -> &'static str {
    let stateful = kinds::schema_of(&c.kind).is_some_and(|s| s.stateful);
    if !stateful || !c.holds_data {
        return "";
    }
    let before = |name: &str| {
        c.changes
            .iter()
            .find(|a| a.name == name)
            .and_then(|a| a.before.clone())
    };
    let snapshot = match c.kind.as_str() {
        kinds::DB_INSTANCE => before("skip_final_snapshot") != Some(Value::Bool(true)),
        kinds::REPLICATION_GROUP => before("final_snapshot_identifier").is_some(),
        _ => false,
    };
    if snapshot {
        " (a final snapshot keeps its data)"
    } else {
        " — ITS DATA IS LOST"
    }
}

fn attr_line(out: &mut String, c: &AttrChange, width: usize, action: Action) {
    let name = format!("{:width$}", c.name);
    let line = match (action, &c.before, &c.after) {
        (Action::Delete, _, _) => format!("      - {name} = {}", show(&c.before, c.sensitive)),
        (_, None, _) => format!("      + {name} = {}", show(&c.after, c.sensitive)),
        (_, Some(_), None) => format!("      - {name} = {} -> null", show(&c.before, c.sensitive)),
        (_, Some(_), Some(_)) => format!(
            "      ~ {name} = {} -> {}",
            show(&c.before, c.sensitive),
            show(&c.after, c.sensitive)
        ),
    };
    out.push_str(&line);
    if c.forces_replacement {
        out.push_str(" # forces replacement");
    }
    out.push('\n');
}

/// The attribute lines of a change, each with why it forces replacement or
/// that it waits for the maintenance window.
fn change_lines(out: &mut String, c: &ResourceChange) {
    let width = c.changes.iter().map(|a| a.name.len()).max().unwrap_or(0);
    for a in &c.changes {
        attr_line(out, a, width, c.action);
        if a.forces_replacement && c.action == Action::Replace {
            if let Some(why) = replace_reason(&c.kind, &a.name) {
                let _ = writeln!(out, "          (why: {why})");
            }
        } else if waits_for_window(c, &a.name) {
            out.pop();
            out.push_str(" # in the next maintenance window (apply_immediately = false)\n");
        }
    }
}

/// The loud warning for replacements of stateful resources.
fn data_warning(out: &mut String, plan: &Plan) {
    let risky: Vec<&ResourceChange> = plan.data_replacements().collect();
    if risky.is_empty() {
        return;
    }
    out.push_str("\n!! WARNING: this plan REPLACES stateful resources. Their data is LOST:\n");
    for c in &risky {
        let why = if c.requested {
            "--replace asked for it".to_string()
        } else {
            format!("{} changed", c.forced_by().join(", "))
        };
        let _ = writeln!(
            out,
            "!!   {} ({}): replaced because {why}",
            c.address, c.kind
        );
    }
    let flags: Vec<String> = risky
        .iter()
        .filter(|c| !c.requested)
        .map(|c| format!("--allow-replace {}", c.address))
        .collect();
    if flags.is_empty() {
        out.push_str("!! --replace named each of them: applying this plan replaces them.\n");
    } else {
        let _ = writeln!(
            out,
            "!! `strata apply` refuses this unless given {} (or the resource's lifecycle sets allow_replace = true).",
            flags.join(" ")
        );
    }
}

/// The plan as a person reads it: drift first, then each change with its
/// attribute diff, then "Plan: X to add, Y to change, Z to destroy."
pub fn human(plan: &Plan) -> String {
    let mut out = String::new();
    if !plan.drift.is_empty() {
        out.push_str("Note: objects have changed outside of Strata (drift):\n\n");
        for d in &plan.drift {
            if d.deleted {
                let _ = writeln!(out, "  # {} ({}) has been deleted", d.address, d.kind);
            } else {
                let _ = writeln!(out, "  # {} ({}) has changed", d.address, d.kind);
                let width = d.changes.iter().map(|c| c.name.len()).max().unwrap_or(0);
                for c in &d.changes {
                    attr_line(&mut out, c, width, Action::Update);
                }
            }
        }
        out.push('\n');
    }
    reads(&mut out, plan);
    let changed: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.action.changes_cloud())
        .collect();
    super::moves::human(plan, &mut out);
    if changed.is_empty() && plan.moves.is_empty() && plan.forgets.is_empty() {
        out.push_str("No changes. The infrastructure matches the configuration.\n");
    } else if !changed.is_empty() {
        out.push_str("Strata will perform the following actions:\n\n");
        for c in changed {
            let _ = writeln!(out, "{}", headline(c));
            if let Some(from) = plan.moved_from(&c.address) {
                let _ = writeln!(out, "  # (moved from {from})");
            }
            let _ = writeln!(
                out,
                "{} resource \"{}\" \"{}\" {{",
                symbol(c),
                c.kind,
                c.address
            );
            if let (Some(id), false) = (&c.id, c.action == Action::Delete) {
                let _ = writeln!(out, "        id = {id:?}");
            }
            change_lines(&mut out, c);
            out.push_str("    }\n\n");
        }
    }
    let (add, change, destroy) = counts(plan);
    let refactors = super::moves::summary_suffix(plan);
    if add + change + destroy > 0 || !refactors.is_empty() {
        let _ = writeln!(
            out,
            "Plan: {add} to add, {change} to change, {destroy} to destroy{refactors}."
        );
    }
    data_warning(&mut out, plan);
    let outputs: Vec<_> = plan.outputs.iter().filter(|(_, o)| o.changes()).collect();
    if !outputs.is_empty() {
        out.push_str("\nChanges to outputs:\n");
        for (name, o) in outputs {
            let v = if o.sensitive {
                SENSITIVE.to_string()
            } else {
                o.planned.to_string()
            };
            let sign = if o.prior.is_some() { "~" } else { "+" };
            let _ = writeln!(out, "  {sign} {name} = {v}");
        }
    }
    out
}

/// The lookups read while planning, with what each found.
fn reads(out: &mut String, plan: &Plan) {
    let reads: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Read)
        .collect();
    if reads.is_empty() {
        return;
    }
    out.push_str("Lookups read:\n\n");
    for c in reads {
        let _ = writeln!(out, "{} {} ({})", symbol(c), c.address, c.kind);
        let width = c.changes.iter().map(|a| a.name.len()).max().unwrap_or(0);
        for a in &c.changes {
            let _ = writeln!(
                out,
                "      {:width$} = {}",
                a.name,
                show(&a.after, a.sensitive)
            );
        }
    }
    out.push('\n');
}

/// (to add, to change, to destroy) as Terraform counts them: a replacement is
/// one add and one destroy.
pub fn counts(plan: &Plan) -> (usize, usize, usize) {
    let mut add = 0;
    let mut change = 0;
    let mut destroy = 0;
    for c in &plan.changes {
        match c.action {
            Action::Create => add += 1,
            Action::Update => change += 1,
            Action::Replace => {
                add += 1;
                destroy += 1;
            }
            Action::Delete => destroy += 1,
            Action::NoOp | Action::Read => {}
        }
    }
    (add, change, destroy)
}

fn masked_json(v: &Option<Value>, sensitive: bool) -> serde_json::Value {
    match v {
        Some(Value::Secret(s)) => json!(s.to_string()),
        _ if sensitive => json!(SENSITIVE),
        None => serde_json::Value::Null,
        Some(v) => v.to_tagged_json(),
    }
}

/// The plan as one JSON object: `changes` (each with `address`, `kind`,
/// `action`, ...), `drift`, `outputs` and `summary` (counts per action).
/// Sensitive values are masked.
pub fn json(plan: &Plan) -> serde_json::Value {
    let changes: Vec<_> = plan
        .changes
        .iter()
        .map(|c| {
            json!({
                "address": c.address,
                "kind": c.kind,
                "action": c.action.as_str(),
                "replace_order": c.replace_order,
                "id": c.id,
                "deposed": c.deposed,
                "reason": c.reason,
                "provider": c.provider.as_deref().unwrap_or(crate::provider::DEFAULT_INSTANCE),
                "replaces_data": c.replaces_data(),
                "attributes": c.changes.iter().map(|a| json!({
                    "name": a.name,
                    "before": masked_json(&a.before, a.sensitive),
                    "after": masked_json(&a.after, a.sensitive),
                    "after_unknown": a.after.as_ref().is_some_and(|v| !v.is_known()),
                    "forces_replacement": a.forces_replacement,
                    "replace_reason": a.forces_replacement.then(|| replace_reason(&c.kind, &a.name)).flatten(),
                    "in_maintenance_window": waits_for_window(c, &a.name),
                    "sensitive": a.sensitive,
                    "secret_source": match &a.after {
                        Some(Value::Secret(s)) => json!(s.source().to_string()),
                        _ => serde_json::Value::Null,
                    },
                })).collect::<Vec<_>>(),
                "dependencies": c.dependencies,
                "moved_from": plan.moved_from(&c.address),
            })
        })
        .collect();
    let drift: Vec<_> = plan
        .drift
        .iter()
        .map(|d| {
            json!({
                "address": d.address,
                "kind": d.kind,
                "deleted": d.deleted,
                "attributes": d.changes.iter().map(|a| json!({
                    "name": a.name,
                    "state": masked_json(&a.before, false),
                    "live": masked_json(&a.after, false),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut summary: serde_json::Map<String, serde_json::Value> = plan
        .summary()
        .into_iter()
        .map(|(a, n)| (a.as_str().to_string(), json!(n)))
        .collect();
    summary.insert("move".into(), json!(plan.moves.len()));
    summary.insert("forget".into(), json!(plan.forgets.len()));
    let outputs: serde_json::Map<String, serde_json::Value> = plan
        .outputs
        .iter()
        .map(|(k, o)| {
            let v = if o.sensitive {
                json!(SENSITIVE)
            } else {
                o.planned.to_tagged_json()
            };
            (
                k.clone(),
                json!({ "value": v, "known": o.planned.is_known(), "sensitive": o.sensitive }),
            )
        })
        .collect();
    json!({
        "format_version": plan.format_version,
        "stack": plan.stack,
        "destroy": plan.destroy,
        "has_changes": plan.has_changes(),
        "changes": changes,
        "drift": drift,
        "outputs": outputs,
        "summary": summary,
        "moves": plan.moves,
        "forgets": plan.forgets,
    })
}
