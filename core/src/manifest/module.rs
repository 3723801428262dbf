//! `[module.NAME]` blocks: an instance of a reusable stack, recorded raw in
//! [`Config::modules`] (kind, parameters as values, spans). The engine does
//! not know stack kinds; the facade expands modules through `strata-stacks`,
//! pointing its diagnostics at the spans recorded here. With `for_each`,
//! each key is one instance, `NAME["KEY"]`, its parameters built with
//! that key's `${each.key}` and `${each.value}`.

use std::ops::Range;

use toml_edit::Item;

use super::convert::Convert;
use super::for_each;
use super::{expect_table, key_span, Ctx, ADDRESS, DUPLICATE, KIND, MODULE};
use crate::addr::Address;
use crate::config::{Config, ModuleConfig, ModuleSpans, Span};
use crate::each::Each;

/// Every module under `[module]`.
pub(super) fn modules(ctx: &mut Ctx, item: &Item, span: Option<Range<usize>>, config: &mut Config) {
    let example = "`[module.web]` with `kind = \"web_service\"`";
    let Some(table) = expect_table(ctx, item, span, MODULE, "`module`", example) else {
        return;
    };
    for (name, item) in table.iter() {
        let header = key_span(table, name);
        for module in module(ctx, name, item, header.clone()) {
            let header = header.clone();
            if config.modules.iter().any(|m| m.name == module.name) {
                ctx.report(
                    DUPLICATE,
                    format!("two modules are called `{name}`"),
                    "give each module a unique name",
                    header,
                    "duplicate module",
                );
                continue;
            }
            config.modules.push(module);
        }
    }
}

/// The module, or with `for_each` one instance per key (`web["a"]`).
fn module(
    ctx: &mut Ctx,
    name: &str,
    item: &Item,
    header: Option<Range<usize>>,
) -> Vec<ModuleConfig> {
    let Some(table) = item.as_table_like() else {
        return instance(ctx, name, item, header, None)
            .into_iter()
            .collect();
    };
    let Some(for_each) = table.get("for_each") else {
        return instance(ctx, name, item, header, None)
            .into_iter()
            .collect();
    };
    for_each::check_block(ctx, name, table, None);
    let Some(keys) = for_each::instances(ctx, for_each) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (n, each) in keys.iter().enumerate() {
        let before = ctx.problems.len();
        let built = instance(ctx, name, item, header.clone(), Some(each));
        if n > 0 {
            // Each problem once, but `${each.value.FIELD}` missing from this key.
            let mut i = before;
            while i < ctx.problems.len() {
                if ctx.problems[i].code == for_each::EACH {
                    i += 1;
                } else {
                    ctx.problems.remove(i);
                }
            }
        }
        if let Some(mut module) = built {
            module.name = format!("{name}[\"{}\"]", each.key);
            out.push(module);
        }
    }
    out
}

/// One instance of a module block (`each`: its key, with `for_each`).
fn instance(
    ctx: &mut Ctx,
    name: &str,
    item: &Item,
    header: Option<Range<usize>>,
    each: Option<&Each>,
) -> Option<ModuleConfig> {
    let valid = Address::parse(name).is_ok() && !name.contains(['.', '[']);
    if !valid {
        ctx.report(
            ADDRESS,
            format!("`{name}` is not a valid module name"),
            "a module name is one address segment (letters, digits, `_` and `-`, starting \
             with a letter or `_`): it prefixes the addresses of the module's resources",
            header.clone(),
            "not a module name",
        );
    }
    let example = format!("`[module.{name}]` with `kind = \"web_service\"`");
    let table = expect_table(ctx, item, header.clone(), MODULE, "a module", &example)?;
    let mut out = ModuleConfig {
        name: name.to_string(),
        spans: ModuleSpans {
            header: header.clone().map(Span::from),
            ..ModuleSpans::default()
        },
        ..ModuleConfig::default()
    };
    for (key, value) in table.iter() {
        if key == "provider" {
            if let Some((instance, span)) = super::providers::reference(ctx, value) {
                out.provider = instance;
                out.spans.provider = span.map(Span::from);
            }
            continue;
        }
        if key == "kind" {
            match value.as_str() {
                Some(kind) => {
                    out.kind = kind.to_string();
                    out.spans.kind = value.span().map(Span::from);
                }
                None => ctx.report(
                    KIND,
                    format!("the `kind` of module `{name}` must be a string"),
                    "name the stack kind, e.g. `kind = \"web_service\"`",
                    value.span(),
                    "not a string",
                ),
            }
            continue;
        }
        if key == "for_each" {
            continue;
        }
        if super::secret::is_secret_table(value) {
            let what = format!("parameter `{key}` of module `{name}`");
            let v = super::secret::secret_value(ctx, &what, value, true);
            if let Some(span) = value.span().or_else(|| key_span(table, key)) {
                out.spans.params.insert(key.to_string(), Span::from(span));
            }
            out.params.insert(key.to_string(), v);
            continue;
        }
        let mut convert = Convert::new(ctx).with_each(each);
        let v = convert.item(value);
        if convert.take_sensitive() {
            ctx.report(
                super::VAR_SENSITIVE,
                format!("a sensitive variable is passed to parameter `{key}` of module `{name}`"),
                "module parameters are not kept secret (they appear in plans and state): pass \
                 sensitive values only to resources' sensitive attributes",
                value.span(),
                "not a secret parameter",
            );
        }
        if let Some(span) = value.span().or_else(|| key_span(table, key)) {
            out.spans.params.insert(key.to_string(), Span::from(span));
        }
        out.params.insert(key.to_string(), v);
    }
    if out.kind.is_empty() && table.get("kind").is_none() {
        ctx.report(
            KIND,
            format!("module `{name}` has no `kind`"),
            "say which stack it instantiates, e.g. `kind = \"web_service\"`",
            header,
            "missing `kind`",
        );
        return None;
    }
    valid.then_some(out)
}
