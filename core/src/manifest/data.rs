//! `[data.NAME]` blocks: lookups of things that exist outside the
//! configuration, recorded in [`Config::data`] (kind, filters as values,
//! spans). Graph validation checks kinds and filters against
//! [`kinds::data`](crate::kinds::data); planning reads them.

use std::ops::Range;

use toml_edit::Item;

use super::convert::Convert;
use super::{expect_table, key_span, Ctx, ADDRESS, DUPLICATE, KIND};
use crate::config::{Config, Span};
use crate::lookup::{address_of, DataConfig, DataSpans};

/// A `[data]` or `[data.NAME]` block is not a table.
pub const DATA: &str = "strata::manifest::data";

/// Every lookup under `[data]`.
pub(super) fn lookups(ctx: &mut Ctx, item: &Item, span: Option<Range<usize>>, config: &mut Config) {
    let example = "`[data.ubuntu]` with `kind = \"aws.ec2.ami\"` and its filters";
    let Some(table) = expect_table(ctx, item, span, DATA, "`data`", example) else {
        return;
    };
    for (name, item) in table.iter() {
        let header = key_span(table, name);
        if let Some(data) = lookup(ctx, name, item, header.clone()) {
            if config.data.contains_key(&data.name) {
                ctx.report(
                    DUPLICATE,
                    format!("two lookups are called `data.{name}`"),
                    "give each lookup a unique name",
                    header,
                    "duplicate lookup",
                );
                continue;
            }
            config.data.insert(data.name.clone(), data);
        }
    }
}

fn lookup(
    ctx: &mut Ctx,
    name: &str,
    item: &Item,
    header: Option<Range<usize>>,
) -> Option<DataConfig> {
    let valid = address_of(name).is_some() && !name.contains(['.', '[']);
    if !valid {
        ctx.report(
            ADDRESS,
            format!("`{name}` is not a valid lookup name"),
            "a lookup name is one address segment (letters, digits, `_` and `-`, starting \
             with a letter or `_`): resources refer to it as `${data.NAME.ATTR}`",
            header.clone(),
            "not a lookup name",
        );
    }
    let example = format!("`[data.{name}]` with `kind = \"aws.ec2.ami\"`");
    let table = expect_table(ctx, item, header.clone(), DATA, "a lookup", &example)?;
    let mut out = DataConfig::new(name, "");
    out.spans = DataSpans {
        header: header.clone().map(Span::from),
        ..DataSpans::default()
    };
    for (key, value) in table.iter() {
        if key == "kind" {
            match value.as_str() {
                Some(kind) => {
                    out.kind = kind.to_string();
                    out.spans.kind = value.span().map(Span::from);
                }
                None => ctx.report(
                    KIND,
                    format!("the `kind` of lookup `data.{name}` must be a string"),
                    "name the lookup kind, e.g. `kind = \"aws.ec2.ami\"`",
                    value.span(),
                    "not a string",
                ),
            }
            continue;
        }
        let mut convert = Convert::new(ctx);
        let v = convert.item(value);
        if convert.take_sensitive() {
            ctx.report(
                super::VAR_SENSITIVE,
                format!("a sensitive variable is used in filter `{key}` of lookup `data.{name}`"),
                "lookup filters are shown in plans (the `read` change): pass sensitive values \
                 only to resources' sensitive attributes",
                value.span(),
                "shown in plans",
            );
        }
        if let Some(span) = value.span().or_else(|| key_span(table, key)) {
            out.spans.filters.insert(key.to_string(), Span::from(span));
        }
        out.filters.insert(key.into(), v);
    }
    if table.get("kind").is_none() {
        ctx.report(
            KIND,
            format!("lookup `data.{name}` has no `kind`"),
            "say what it looks up, e.g. `kind = \"aws.ec2.ami\"` (see `strata validate --kinds`)",
            header,
            "missing `kind`",
        );
        return None;
    }
    valid.then_some(out)
}
