//! `for_each` in the manifest: the keys of a `[resource.NAME]` or
//! `[module.NAME]` block (a table of tables, or a list of strings), checked
//! with spans, and `${each.key}` / `${each.value}` / `${each.value.FIELD}`
//! in its attributes. The rules themselves are [`crate::each`]'s, which
//! takes an evaluated [`Value`]: a `for_each` written as a literal here, or
//! one computed from a variable, goes through the same [`each_of`].

use std::ops::Range;

use toml_edit::{Item, TableLike};

use super::convert::Convert;
use super::{Ctx, TYPE};
use crate::each::{each_of, Each, EachError, MAX_KEYS};
use crate::value::Value;

/// `for_each` is not a map or a set of strings, or holds a bad key.
pub const FOR_EACH: &str = "strata::manifest::for_each";
/// `${each...}` outside a `for_each` block, or naming a missing field.
pub const EACH: &str = "strata::manifest::each";

/// What `${each...}` refers to.
pub(super) enum Lookup<'e> {
    /// The value.
    Found(Value),
    /// The block has no `for_each`.
    NoEach,
    /// `each.value.FIELD` where this key's value has no such field.
    NoField {
        /// The instance's key.
        key: &'e str,
    },
    /// `each.something` that is not `key` or `value`.
    Malformed,
}

/// `None` when `expr` (the inside of `${...}`) is not about `each`.
pub(super) fn lookup<'e>(each: Option<&'e Each>, expr: &str) -> Option<Lookup<'e>> {
    let expr = expr.trim();
    let rest = expr.strip_prefix("each")?;
    if !(rest.is_empty() || rest.starts_with('.')) {
        return None;
    }
    // Anything more than a path (`each.value * 2`, a call) is an
    // expression, evaluated with `each` in its scope.
    if !rest
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    {
        return None;
    }
    let Some(each) = each else {
        return Some(Lookup::NoEach);
    };
    let path: Vec<&str> = expr.split('.').skip(1).collect();
    Some(match path.as_slice() {
        ["key"] => Lookup::Found(Value::String(each.key.as_str().into())),
        ["value", fields @ ..] => match each.field(fields) {
            Some(v) => Lookup::Found(v.clone()),
            None => Lookup::NoField { key: &each.key },
        },
        _ => Lookup::Malformed,
    })
}

/// The instances of a block's `for_each = ...`, every problem reported at
/// the entry it is about.
pub(super) fn instances(ctx: &mut Ctx, item: &Item) -> Option<Vec<Each>> {
    let value = Convert::new(ctx).item(item);
    instances_of(ctx, &value, item)
}

/// The instances of an evaluated `for_each` value (a literal converted, or
/// an expression's result), problems reported at the entries of `item`
/// where it holds them and at `item` otherwise.
pub(super) fn instances_of(ctx: &mut Ctx, value: &Value, item: &Item) -> Option<Vec<Each>> {
    match each_of(value) {
        Ok(each) => Some(each),
        Err(errors) => {
            for e in errors {
                let span = entry_span(item, &e).or_else(|| item.span());
                let (code, help) = match e {
                    EachError::NotACollection { .. } => (
                        TYPE,
                        "write a table of tables, e.g. `for_each = { a = { cidr = \"10.0.1.0/24\" } }`, \
                         or a list of strings, e.g. `for_each = [\"us-east-1a\", \"us-east-1b\"]`"
                            .to_string(),
                    ),
                    EachError::Duplicate { .. } => (
                        super::DUPLICATE,
                        "each key makes one instance at `NAME[\"KEY\"]`: list every key once"
                            .to_string(),
                    ),
                    EachError::TooMany { .. } => {
                        (FOR_EACH, format!("split the block: at most {MAX_KEYS} keys"))
                    }
                    _ => (
                        FOR_EACH,
                        "keys are non-empty strings without `\"`, `\\` or control characters"
                            .to_string(),
                    ),
                };
                ctx.report(code, e.to_string(), help, span, "bad `for_each` entry");
            }
            None
        }
    }
}

/// The span of the entry an error is about: a list element or a table key.
fn entry_span(item: &Item, error: &EachError) -> Option<Range<usize>> {
    let position = error.position()?;
    if let Some(list) = item.as_array() {
        return list.get(position).and_then(|v| v.span());
    }
    // Maps are iterated in key order (as `each_of` sees them).
    let table = item.as_table_like()?;
    let mut keys: Vec<&str> = table.iter().map(|(k, _)| k).collect();
    keys.sort_unstable();
    let key = keys.get(position)?;
    table.key(key).and_then(|k| k.span())
}

/// A block with `for_each` may not also have `count`, nor an address that
/// already names an instance.
pub(super) fn check_block(ctx: &mut Ctx, name: &str, table: &dyn TableLike, address: Option<&str>) {
    let at = table
        .key("for_each")
        .and_then(|k| k.span())
        .or_else(|| table.get("for_each").and_then(Item::span));
    if table.contains_key("count") {
        ctx.report(
            FOR_EACH,
            format!("`{name}` has both `count` and `for_each`"),
            "keep one: `for_each` makes instances by key (`NAME[\"a\"]`), `count` by \
             index (`NAME[0]`); `for_each` is the one where removing an instance touches \
             no other",
            at.clone(),
            "`for_each` with `count`",
        );
    }
    if address.is_some_and(|a| a.ends_with(']')) {
        ctx.report(
            FOR_EACH,
            format!("`{name}` has both an index or key and a `for_each`"),
            "drop the index from the address: `for_each` adds `[\"KEY\"]` itself",
            at,
            "`for_each` on an instance address",
        );
    }
}
