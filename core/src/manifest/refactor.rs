//! `[[moved]]` (`from`, `to`) and `[[removed]]` (`from`, optional
//! `lifecycle = { destroy = true }`) blocks, into [`Config::moved`] and
//! [`Config::removed`]. What they mean is [`crate::moved`]'s.

use std::ops::Range;

use toml_edit::{Item, TableLike};

use super::{article, key_span, Ctx, ADDRESS, LIFECYCLE, TYPE, UNKNOWN_KEY};
use crate::addr::Address;
use crate::config::{Config, Span};
use crate::moved::{Moved, Removed};

/// Every `[[moved]]` block.
pub(super) fn moved(ctx: &mut Ctx, item: &Item, span: Option<Range<usize>>, config: &mut Config) {
    for table in blocks(ctx, item, span, "moved", "from = \"old\"\nto = \"new\"") {
        let mut from = None;
        let mut to = None;
        for (key, value) in table.iter() {
            match key {
                "from" => from = address(ctx, value, "from"),
                "to" => to = address(ctx, value, "to"),
                other => unknown(
                    ctx,
                    table,
                    other,
                    "a `[[moved]]` block holds `from` and `to`",
                ),
            }
        }
        let from_span = table.get("from").and_then(Item::span);
        match (from, to) {
            (Some(from), Some(to)) => config.moved.push(Moved {
                from,
                to,
                span: from_span.map(Span::from),
            }),
            _ => missing(ctx, table, &["from", "to"], "moved"),
        }
    }
}

/// Every `[[removed]]` block.
pub(super) fn removed(ctx: &mut Ctx, item: &Item, span: Option<Range<usize>>, config: &mut Config) {
    let example = "from = \"legacy_db\"\nlifecycle = { destroy = false }";
    for table in blocks(ctx, item, span, "removed", example) {
        let mut from = None;
        let mut destroy = false;
        for (key, value) in table.iter() {
            match key {
                "from" => from = address(ctx, value, "from"),
                "lifecycle" => destroy = lifecycle(ctx, value),
                other => unknown(
                    ctx,
                    table,
                    other,
                    "a `[[removed]]` block holds `from` and `lifecycle`",
                ),
            }
        }
        match from {
            Some(from) => config.removed.push(Removed {
                from,
                destroy,
                span: table.get("from").and_then(Item::span).map(Span::from),
            }),
            None => missing(ctx, table, &["from"], "removed"),
        }
    }
}

/// The tables of `[[NAME]]`, or a problem if it is written otherwise.
fn blocks<'i>(
    ctx: &mut Ctx,
    item: &'i Item,
    span: Option<Range<usize>>,
    name: &str,
    example: &str,
) -> Vec<&'i dyn TableLike> {
    match item {
        Item::ArrayOfTables(tables) => tables.iter().map(|t| t as &dyn TableLike).collect(),
        Item::Value(toml_edit::Value::Array(list)) => {
            let tables: Option<Vec<&dyn TableLike>> = list
                .iter()
                .map(|v| v.as_inline_table().map(|t| t as &dyn TableLike))
                .collect();
            tables.unwrap_or_else(|| {
                not_blocks(ctx, item, span, name, example);
                Vec::new()
            })
        }
        _ => {
            not_blocks(ctx, item, span, name, example);
            Vec::new()
        }
    }
}

fn not_blocks(ctx: &mut Ctx, item: &Item, span: Option<Range<usize>>, name: &str, example: &str) {
    ctx.report(
        TYPE,
        format!(
            "`{name}` must be blocks written `[[{name}]]`, not {}",
            article(item.type_name())
        ),
        format!("write each as\n[[{name}]]\n{example}"),
        item.span().or(span),
        "not a list of blocks",
    );
}

fn address(ctx: &mut Ctx, value: &Item, key: &str) -> Option<Address> {
    let Some(text) = value.as_str() else {
        ctx.report(
            TYPE,
            format!(
                "`{key}` must be an address string, not {}",
                article(value.type_name())
            ),
            "quote the address; keys need single quotes around the whole, e.g. \
             `from = 'web.public[\"us-east-1a\"]'`",
            value.span(),
            "not an address",
        );
        return None;
    };
    match Address::parse(text) {
        Ok(a) => Some(a),
        Err(e) => {
            ctx.report(
                ADDRESS,
                format!("`{text}` is not a valid address: {}", e.reason),
                "write a resource, instance or module address, e.g. `web.alb`, `db.replica[1]`, \
                 `web.public[\"us-east-1a\"]` or `web`",
                value.span(),
                "invalid address",
            );
            None
        }
    }
}

/// `lifecycle = { destroy = BOOL }` of a `[[removed]]` block.
fn lifecycle(ctx: &mut Ctx, value: &Item) -> bool {
    let destroy = value.as_table_like().and_then(|t| {
        let only_destroy = t.iter().all(|(k, _)| k == "destroy");
        t.get("destroy")
            .and_then(Item::as_bool)
            .filter(|_| only_destroy)
    });
    match destroy {
        Some(d) => d,
        None => {
            ctx.report(
                LIFECYCLE,
                "the `lifecycle` of a `[[removed]]` block holds only `destroy = true|false`",
                "`destroy = false` (the default) forgets the object and leaves it in the cloud; \
                 `destroy = true` destroys it",
                value.span(),
                "not `{ destroy = BOOL }`",
            );
            false
        }
    }
}

fn unknown(ctx: &mut Ctx, table: &dyn TableLike, key: &str, help: &str) {
    ctx.report(
        UNKNOWN_KEY,
        format!("unknown key `{key}`"),
        help,
        key_span(table, key),
        "not a key here",
    );
}

fn missing(ctx: &mut Ctx, table: &dyn TableLike, keys: &[&str], name: &str) {
    let absent: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| table.get(k).is_none())
        .collect();
    if absent.is_empty() {
        return; // a value was wrong, and reported
    }
    let span = table.iter().next().and_then(|(k, _)| key_span(table, k));
    ctx.report(
        TYPE,
        format!("a `[[{name}]]` block has no `{}`", absent.join("` or `")),
        format!("give it {}", super::list(keys)),
        span,
        "incomplete block",
    );
}
