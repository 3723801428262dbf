//! `[resource.ADDRESS]` tables: the reserved keys `kind`, `count`,
//! `depends_on`, `lifecycle` and `provider`, the attributes, and `count` expansion into
//! `ADDRESS[0]`, `ADDRESS[1]`...

use std::ops::Range;

use toml_edit::{Item, TableLike};

use super::convert::{Convert, Instance};
use super::for_each;
use super::{
    article, expect_table, key_span, Ctx, ADDRESS, COUNT, DEPENDS_ON, DUPLICATE, KIND, LIFECYCLE,
    MAX_COUNT, RESOURCE,
};
use crate::addr::Address;
use crate::config::{Config, Lifecycle, ResourceConfig, ResourceSpans, Span};
use crate::each::Each;
use crate::value::{Attrs, Value};

/// The keys of a resource that are not attributes.
pub const RESERVED_KEYS: &[&str] = &[
    "kind",
    "count",
    "for_each",
    "depends_on",
    "lifecycle",
    "provider",
];

/// Every resource under `[resource]`.
pub(super) fn resources(
    ctx: &mut Ctx,
    item: &Item,
    key_span: Option<Range<usize>>,
    config: &mut Config,
) {
    let example = "`[resource.vpc]` with `kind = \"aws.ec2.vpc\"`";
    let Some(table) = expect_table(ctx, item, key_span, RESOURCE, "`resource`", example) else {
        return;
    };
    for (name, item) in table.iter() {
        let header = super::key_span(table, name);
        resource(ctx, name, item, header, config);
    }
}

/// What a resource's table says, before `count` expansion.
struct Parsed<'i> {
    address: Option<Address>,
    kind: Option<(String, Option<Range<usize>>)>,
    count: Option<usize>,
    /// `for_each`'s instances (`None`: no `for_each`; `Some(None)`: a bad one).
    for_each: Option<Option<Vec<Each>>>,
    depends_on: Vec<(Address, Option<Range<usize>>)>,
    lifecycle: Lifecycle,
    provider: Option<(Option<String>, Option<Range<usize>>)>,
    attrs: Vec<(&'i str, &'i Item)>,
}

fn resource(
    ctx: &mut Ctx,
    name: &str,
    item: &Item,
    header: Option<Range<usize>>,
    config: &mut Config,
) {
    let address = match Address::parse(name) {
        Ok(a) => Some(a),
        Err(e) => {
            ctx.report(
                ADDRESS,
                format!("`{name}` is not a valid resource address: {}", e.reason),
                "an address is dot-separated names of letters, digits, `_` and `-`, each \
                 starting with a letter or `_`, e.g. `vpc` or `\"web.tg_blue\"` (quote \
                 dotted addresses)",
                header.clone(),
                "invalid address",
            );
            None
        }
    };
    let Some(table) = item.as_table_like() else {
        let hint = if matches!(item, Item::ArrayOfTables(_)) {
            format!("write `[resource.{name}]` with single brackets; use `count` for several")
        } else {
            format!("write it as `[resource.{name}]` with a `kind` and its attributes")
        };
        ctx.report(
            RESOURCE,
            format!(
                "resource `{name}` must be a table, not {}",
                article(item.type_name())
            ),
            hint,
            item.span().or(header),
            "not a resource",
        );
        return;
    };
    let parsed = parse(ctx, name, table, address, header.clone());
    expand(ctx, parsed, header, config);
}

fn parse<'i>(
    ctx: &mut Ctx,
    name: &str,
    table: &'i dyn TableLike,
    address: Option<Address>,
    header: Option<Range<usize>>,
) -> Parsed<'i> {
    let mut parsed = Parsed {
        address,
        kind: None,
        count: None,
        for_each: None,
        depends_on: Vec::new(),
        lifecycle: Lifecycle::default(),
        provider: None,
        attrs: Vec::new(),
    };
    let mut saw_kind = false;
    for (key, item) in table.iter() {
        match key {
            "kind" => {
                saw_kind = true;
                match item.as_str() {
                    Some(kind) => parsed.kind = Some((kind.to_string(), item.span())),
                    None => ctx.report(
                        KIND,
                        format!(
                            "the kind of `{name}` must be a string, not {}",
                            article(item.type_name())
                        ),
                        "name the kind as a string, e.g. `kind = \"aws.ec2.vpc\"`",
                        item.span(),
                        "not a kind",
                    ),
                }
            }
            "count" => parsed.count = count(ctx, item),
            "for_each" => parsed.for_each = Some(for_each::instances(ctx, item)),
            "depends_on" => parsed.depends_on = depends_on(ctx, item),
            "lifecycle" => parsed.lifecycle = lifecycle(ctx, item, key_span(table, key)),
            "provider" => parsed.provider = super::providers::reference(ctx, item),
            attr => parsed.attrs.push((attr, item)),
        }
    }
    if !saw_kind {
        ctx.report(
            KIND,
            format!("resource `{name}` has no `kind`"),
            "say what it is, e.g. `kind = \"aws.ec2.vpc\"` (`strata validate --kinds` lists them)",
            header,
            "missing `kind`",
        );
    }
    if let (Some(address), Some(_)) = (&parsed.address, parsed.count) {
        if address.as_str().ends_with(']') {
            ctx.report(
                COUNT,
                format!("`{name}` has both an index and a `count`"),
                "drop the index from the address: `count` adds `[0]`, `[1]`... itself",
                table
                    .get("count")
                    .and_then(Item::span)
                    .or(super::key_span(table, "count")),
                "`count` on an indexed address",
            );
            parsed.address = None;
        }
    }
    if parsed.for_each.is_some() {
        for_each::check_block(
            ctx,
            name,
            table,
            parsed.address.as_ref().map(Address::as_str),
        );
        if parsed.count.is_some()
            || parsed
                .address
                .as_ref()
                .is_some_and(|a| a.as_str().ends_with(']'))
        {
            parsed.address = None;
        }
    }
    parsed
}

/// Builds the resource (or its `count` instances) and adds it to `config`.
fn expand(ctx: &mut Ctx, parsed: Parsed<'_>, header: Option<Range<usize>>, config: &mut Config) {
    let instances: Vec<(Option<Instance>, Option<&Each>)> = match (parsed.count, &parsed.for_each) {
        (_, Some(Some(keys))) => keys.iter().map(|each| (None, Some(each))).collect(),
        // A bad `for_each` was reported: no instances.
        (_, Some(None)) => Vec::new(),
        (None, None) => vec![(None, None)],
        (Some(count), None) => (0..count)
            .map(|index| (Some(Instance { index, count }), None))
            .collect(),
    };
    if parsed.count == Some(0) && parsed.for_each.is_none() {
        // No instances, but the attributes are still checked once.
        let probe = Some(Instance { index: 0, count: 0 });
        convert_attrs(ctx, &parsed.attrs, probe, None, true, kind_of(&parsed));
    }
    for (n, (instance, each)) in instances.into_iter().enumerate() {
        let (attrs, attr_spans) =
            convert_attrs(ctx, &parsed.attrs, instance, each, n == 0, kind_of(&parsed));
        let (Some(base), Some((kind, kind_span))) = (&parsed.address, &parsed.kind) else {
            continue;
        };
        let address = match (instance, each) {
            (Some(i), _) => base.indexed(i.index),
            // Keys were checked by `each_of`.
            (None, Some(each)) => match base.keyed(&each.key) {
                Ok(address) => address,
                Err(_) => continue,
            },
            (None, None) => base.clone(),
        };
        if config.resources.contains_key(&address) {
            ctx.report(
                DUPLICATE,
                format!("two resources have the address `{address}`"),
                "give each resource a unique address (`count` adds `[0]`, `[1]`...)",
                header.clone(),
                "second resource at this address",
            );
            continue;
        }
        let mut resource = ResourceConfig::new(address, kind.clone());
        resource.attrs = attrs;
        resource.depends_on = parsed.depends_on.iter().map(|(a, _)| a.clone()).collect();
        resource.lifecycle = parsed.lifecycle.clone().into();
        if let Some((instance, span)) = &parsed.provider {
            resource.provider.clone_from(instance);
            resource.spans.provider = span.clone().map(Span::from);
        }
        resource.spans = ResourceSpans {
            header: header.clone().map(Span::from),
            kind: kind_span.clone().map(Span::from),
            attrs: attr_spans,
            depends_on: parsed
                .depends_on
                .iter()
                .filter_map(|(_, s)| s.clone().map(Span::from))
                .collect(),
            provider: resource.spans.provider,
        }
        .into();
        config.add(resource);
    }
}

fn kind_of<'p>(parsed: &'p Parsed<'_>) -> Option<&'p str> {
    parsed.kind.as_ref().map(|(k, _)| k.as_str())
}

fn convert_attrs(
    ctx: &mut Ctx,
    items: &[(&str, &Item)],
    instance: Option<Instance>,
    each: Option<&Each>,
    report: bool,
    kind: Option<&str>,
) -> (Attrs, indexmap::IndexMap<String, Span>) {
    let mut convert = Convert::for_instance(ctx, instance, report).with_each(each);
    let mut attrs = Attrs::new();
    let mut spans = indexmap::IndexMap::new();
    let schema = kind.and_then(crate::kinds::schema_of);
    for (name, item) in items {
        let sensitive = schema
            .and_then(|s| s.attr(name))
            .is_some_and(|a| a.sensitive);
        if sensitive && super::secret::is_secret_table(item) {
            let report = convert.reports();
            let value =
                super::secret::secret_value(convert.ctx_mut(), &format!("`{name}`"), item, report);
            attrs.insert_tight((*name).into(), value);
            if let Some(span) = item.span() {
                spans.insert(name.to_string(), Span::from(span));
            }
            continue;
        }
        if sensitive && report && super::secret::is_clear_text(item) {
            super::secret::plaintext(convert.ctx_mut(), &format!("`{name}`"), item.span());
        }
        let (value, span) = convert.attribute(name, item);
        if convert.take_sensitive() && report {
            convert.sensitive_attribute(kind, name, span.clone());
        }
        attrs.insert_tight((*name).into(), value);
        if let Some(span) = span {
            spans.insert(name.to_string(), Span::from(span));
        }
    }
    (attrs, spans)
}

fn count(ctx: &mut Ctx, item: &Item) -> Option<usize> {
    // `count = "${var.n}"`: an expression on variables.
    let evaluated = match item.as_str() {
        Some(s) if s.contains("${") => {
            let before = ctx.problems.len();
            let mut convert = Convert::new(ctx);
            let value = convert.item(item);
            let unset = convert.unset;
            match value {
                Value::Int(n) => Some(n),
                // Its own problem is reported already.
                _ if unset || ctx.problems.len() > before => return None,
                _ => {
                    ctx.report(
                        COUNT,
                        "`count` must be known before apply",
                        "compute it from variables, e.g. `count = \"${var.web_count}\"`; a \
                         resource's attributes are known only after apply",
                        item.span(),
                        "not a whole number known now",
                    );
                    return None;
                }
            }
        }
        _ => item.as_integer(),
    };
    match evaluated {
        Some(n) if (0..=MAX_COUNT).contains(&n) => usize::try_from(n).ok(),
        found => {
            let found = match found {
                Some(n) => format!("`{n}`"),
                None => article(item.type_name()),
            };
            ctx.report(
                COUNT,
                format!("`count` must be a whole number from 0 to {MAX_COUNT}, not {found}"),
                "write how many instances to make, e.g. `count = 2` (addresses get `[0]`, `[1]`...)",
                item.span(),
                "not a count",
            );
            None
        }
    }
}

fn depends_on(ctx: &mut Ctx, item: &Item) -> Vec<(Address, Option<Range<usize>>)> {
    let Some(list) = item.as_array() else {
        ctx.report(
            DEPENDS_ON,
            format!(
                "`depends_on` must be a list of addresses, not {}",
                article(item.type_name())
            ),
            "list the resources this one waits for, e.g. `depends_on = [\"vpc\", \"web.alb\"]`",
            item.span(),
            "not a list",
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in list.iter() {
        let Some(text) = entry.as_str() else {
            ctx.report(
                DEPENDS_ON,
                format!(
                    "`depends_on` entries must be address strings, not {}",
                    article(entry.type_name())
                ),
                "write each address as a string, e.g. `\"vpc\"`",
                entry.span(),
                "not an address",
            );
            continue;
        };
        match Address::parse(text) {
            Ok(address) => out.push((address, entry.span())),
            Err(e) => ctx.report(
                ADDRESS,
                format!(
                    "`{text}` in `depends_on` is not a valid address: {}",
                    e.reason
                ),
                "write the address alone, without `${...}` or an attribute, e.g. `\"vpc\"` \
                 or `\"db.replica[0]\"`",
                entry.span(),
                "invalid address",
            ),
        }
    }
    out
}

fn lifecycle(ctx: &mut Ctx, item: &Item, key_span: Option<Range<usize>>) -> Lifecycle {
    let mut lifecycle = Lifecycle::default();
    let example = "`lifecycle = { prevent_destroy = true }`";
    let Some(table) = expect_table(ctx, item, key_span, LIFECYCLE, "`lifecycle`", example) else {
        return lifecycle;
    };
    for (key, item) in table.iter() {
        match key {
            "prevent_destroy" => {
                if let Some(b) = lifecycle_bool(ctx, key, item) {
                    lifecycle.prevent_destroy = b;
                }
            }
            "create_before_destroy" => {
                lifecycle.create_before_destroy = lifecycle_bool(ctx, key, item);
            }
            "ignore_changes" => lifecycle.ignore_changes = ignore_changes(ctx, item),
            "allow_replace" => {
                if let Some(b) = lifecycle_bool(ctx, key, item) {
                    lifecycle.allow_replace = b;
                }
            }
            other => ctx.report(
                LIFECYCLE,
                format!("unknown lifecycle option `{other}`"),
                "`lifecycle` accepts `prevent_destroy`, `create_before_destroy`, \
                 `ignore_changes` and `allow_replace`",
                super::key_span(table, other),
                "not a lifecycle option",
            ),
        }
    }
    lifecycle
}

fn lifecycle_bool(ctx: &mut Ctx, key: &str, item: &Item) -> Option<bool> {
    let b = item.as_bool();
    if b.is_none() {
        ctx.report(
            LIFECYCLE,
            format!(
                "`{key}` must be `true` or `false`, not {}",
                article(item.type_name())
            ),
            format!("write `{key} = true`"),
            item.span(),
            "not a boolean",
        );
    }
    b
}

fn ignore_changes(ctx: &mut Ctx, item: &Item) -> Vec<String> {
    let names = item
        .as_array()
        .and_then(|list| list.iter().map(|v| v.as_str().map(String::from)).collect());
    match names {
        Some(names) => names,
        None => {
            ctx.report(
                LIFECYCLE,
                "`ignore_changes` must be a list of attribute names",
                "list the attributes whose changes are ignored, e.g. `ignore_changes = [\"tags\"]`",
                item.span(),
                "not a list of names",
            );
            Vec::new()
        }
    }
}
