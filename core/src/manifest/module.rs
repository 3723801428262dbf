//! `[module.NAME]` blocks: an instance of a reusable stack, recorded raw in
//! [`Config::modules`] (kind, parameters as values, spans). The engine does
//! not know stack kinds; the facade expands modules through `strata-stacks`,
//! pointing its diagnostics at the spans recorded here.

use std::ops::Range;

use toml_edit::Item;

use super::convert::Convert;
use super::{expect_table, key_span, Ctx, ADDRESS, DUPLICATE, KIND, MODULE};
use crate::addr::Address;
use crate::config::{Config, ModuleConfig, ModuleSpans, Span};

/// Every module under `[module]`.
pub(super) fn modules(ctx: &mut Ctx, item: &Item, span: Option<Range<usize>>, config: &mut Config) {
    let example = "`[module.web]` with `kind = \"web_service\"`";
    let Some(table) = expect_table(ctx, item, span, MODULE, "`module`", example) else {
        return;
    };
    for (name, item) in table.iter() {
        let header = key_span(table, name);
        if let Some(module) = module(ctx, name, item, header.clone()) {
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

fn module(
    ctx: &mut Ctx,
    name: &str,
    item: &Item,
    header: Option<Range<usize>>,
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
        let v = Convert::new(ctx).item(value);
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
