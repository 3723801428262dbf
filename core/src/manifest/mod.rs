//! The TOML manifest: [`parse_manifest`] turns `strata.toml` into a
//! [`Config`], recording where every resource, attribute, dependency and
//! output was written so later checks (graph validation, planning) can point
//! at the user's text.
//!
//! The manifest holds a stack name, a `[provider]`, a `[backend]`, resources
//! under `[resource.ADDRESS]`, instances of reusable stacks under
//! `[module.NAME]` (recorded raw in [`Config::modules`]), lookups under
//! `[data.NAME]` ([`Config::data`]), outputs under `[output.NAME]`, and
//! variables under `[variable.NAME]` ([`Variable`]), whose values come from
//! [`Variables`] ([`ManifestOptions::variables`]) and are used in `${...}`
//! [expressions](expr):
//!
//! ```
//! use strata_core::manifest::parse_manifest;
//! use strata_core::value::Value;
//!
//! let config = parse_manifest("demo.toml", r#"
//! [resource.vpc]
//! kind = "aws.ec2.vpc"
//! cidr_block = "10.0.0.0/16"
//!
//! [resource."web.subnet"]
//! kind = "aws.ec2.subnet"
//! count = 2
//! vpc_id = "${vpc.id}"
//! cidr_block = "10.0.${count.index}.0/24"
//! availability_zone = { per_index = ["us-east-1a", "us-east-1b"] }
//! "#).unwrap();
//!
//! assert_eq!(config.stack, "demo");
//! let addrs: Vec<_> = config.resources.keys().map(|a| a.to_string()).collect();
//! assert_eq!(addrs, ["vpc", "web.subnet[0]", "web.subnet[1]"]);
//! let second = &config.resources[2];
//! assert_eq!(second.attrs["cidr_block"], Value::from("10.0.1.0/24"));
//! assert_eq!(second.attrs["availability_zone"], Value::from("us-east-1b"));
//! ```
//!
//! Mistakes are all collected and returned together as [`Problems`], each
//! pointing at its place in the manifest. Kinds, attribute schemas and
//! whether references resolve are *not* checked here: graph validation does
//! that with the spans recorded in [`ResourceSpans`](crate::config::ResourceSpans).

mod convert;
mod data;
pub mod expr;
mod for_each;
mod module;
mod providers;
mod refactor;
mod resource;
mod secret;
mod var_decl;
mod variables;

#[cfg(test)]
mod for_each_tests;
#[cfg(test)]
mod refactor_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod var_tests;

use std::ops::Range;
use std::path::Path;

use toml_edit::{Document, Item, TableLike};

use crate::config::{BackendConfig, Config, OutputConfig, ProviderConfig, SourceFile, Span};
use crate::diag::{Problem, Problems};

use convert::Convert;
pub use data::DATA;
pub use for_each::{EACH, FOR_EACH};
pub use resource::RESERVED_KEYS;
pub use var_decl::{Rules, VarType, Variable, VariableSpans, VARIABLE, VARIABLE_KEYS};
pub use variables::{
    Resolved, Variables, ENV_PREFIX, VAR_FILE, VAR_FLAG, VAR_MISSING, VAR_UNKNOWN, VAR_UNSET,
    VAR_VALUE,
};

/// The TOML does not parse.
pub const SYNTAX: &str = "strata::manifest::syntax";
/// A key Strata does not know at the top level, in `[provider]`-less places or in an output.
pub const UNKNOWN_KEY: &str = "strata::manifest::unknown_key";
/// A value has the wrong TOML type for where it is written.
pub const TYPE: &str = "strata::manifest::type";
/// `stack` is not a non-empty string.
pub const STACK: &str = "strata::manifest::stack";
/// `[provider]` (or a `[provider.NAME]` instance) names an unknown
/// provider or has a bad region, or a `provider = ...` is not a name.
pub const PROVIDER: &str = "strata::manifest::provider";
/// `[backend]` names an unknown backend.
pub const BACKEND: &str = "strata::manifest::backend";
/// A resource is not a table.
pub const RESOURCE: &str = "strata::manifest::resource";
/// A resource has no `kind`, or it is not a string.
pub const KIND: &str = "strata::manifest::kind";
/// A resource key or a `depends_on` entry is not a valid address.
pub const ADDRESS: &str = "strata::manifest::address";
/// Two resources end up at the same address.
pub const DUPLICATE: &str = "strata::manifest::duplicate";
/// `depends_on` is not a list of addresses.
pub const DEPENDS_ON: &str = "strata::manifest::depends_on";
/// `count` is not a non-negative integer (at most [`MAX_COUNT`]).
pub const COUNT: &str = "strata::manifest::count";
/// `lifecycle` has an unknown key or a value of the wrong type.
pub const LIFECYCLE: &str = "strata::manifest::lifecycle";
/// An output has no `value`.
pub const OUTPUT: &str = "strata::manifest::output";
/// A reference inside a larger string.
pub const INTERPOLATION: &str = "strata::manifest::interpolation";
/// A malformed reference such as `${vpc}` or `${}`.
pub const REFERENCE: &str = "strata::manifest::reference";
/// `${count.index}` or `per_index` in a resource without `count`, or a
/// `per_index` list whose length is not the count.
pub const COUNT_INDEX: &str = "strata::manifest::count_index";
/// A value TOML allows but Strata cannot hold (`nan`, `inf`).
pub const VALUE: &str = "strata::manifest::value";
/// A `[module.NAME]` block is not a table.
pub const MODULE: &str = "strata::manifest::module";

/// A sensitive variable flows where its value would be shown or stored in
/// clear (a non-sensitive attribute, output or module parameter).
pub const VAR_SENSITIVE: &str = "strata::var::sensitive";

/// The largest `count` a resource may have.
pub const MAX_COUNT: i64 = 1000;

/// The keys allowed at the top level of a manifest.
pub const TOP_LEVEL_KEYS: &[&str] = &[
    "stack", "provider", "backend", "resource", "module", "output", "variable", "moved", "removed",
    "data",
];

const BACKEND_KINDS: &[&str] = &["local", "s3"];

/// What the application around the parser accepts. Core knows no provider
/// by name: the application that builds providers lists their kinds.
#[derive(Debug, Clone, Copy, Default)]
pub struct ManifestOptions<'a> {
    /// The `[provider] kind`s the application can build; any other is
    /// reported (at its span). `None` accepts any non-empty kind.
    pub provider_kinds: Option<&'a [&'a str]>,
    /// The values of the manifest's `[variable.NAME]`s. `None`: only
    /// defaults (a required variable is then reported missing).
    pub variables: Option<&'a Variables>,
}

/// Parses a manifest called `name` (the path shown in diagnostics) into a
/// [`Config`], or returns every problem found. Any `[provider] kind` is
/// accepted; [`parse_manifest_with`] checks it against a list.
///
/// The stack name defaults to the file stem of `name`.
pub fn parse_manifest(name: &str, text: &str) -> Result<Config, Problems> {
    parse_manifest_with(name, text, ManifestOptions::default())
}

/// [`parse_manifest`], with the checks `options` ask for.
pub fn parse_manifest_with(
    name: &str,
    text: &str,
    options: ManifestOptions<'_>,
) -> Result<Config, Problems> {
    let source = SourceFile::new(name, text);
    let mut ctx = Ctx::new(source.clone());
    ctx.provider_kinds = options
        .provider_kinds
        .map(|kinds| kinds.iter().map(|k| k.to_string()).collect());
    let doc = match Document::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            ctx.report(
                SYNTAX,
                format!("the manifest is not valid TOML: {}", e.message()),
                "fix the TOML syntax here: strings need quotes, each key may appear once \
                 per table, and tables are written `[name]` (see https://toml.io)",
                e.span(),
                "invalid TOML",
            );
            return Err(Problems::new(name, ctx.problems));
        }
    };

    let mut config = Config::new(default_stack(name));
    config.source = Some(source.clone());
    let root = doc.as_table();
    // Variables first: every other block may use them, wherever written.
    let decls = match root.get("variable") {
        Some(item) => var_decl::declarations(&mut ctx, item, key_span(root, "variable")),
        None => Vec::new(),
    };
    let no_values = Variables::new();
    let values = options.variables.unwrap_or(&no_values);
    let (resolved, problems) = values.resolve_all(&decls, Some(&source));
    ctx.problems.extend(problems);
    ctx.vars = resolved;
    for (key, item) in root.iter() {
        let span = key_span(root, key);
        match key {
            "variable" => {}
            "stack" => {
                if let Some(stack) = stack(&mut ctx, item) {
                    config.stack = stack;
                }
            }
            "provider" => {
                config.provider = provider(&mut ctx, item, span);
                config.providers = providers::named(&mut ctx, item, &config.provider);
            }
            "backend" => config.backend = backend(&mut ctx, item, span),
            "resource" => resource::resources(&mut ctx, item, span, &mut config),
            "module" => module::modules(&mut ctx, item, span, &mut config),
            "output" => outputs(&mut ctx, item, span, &mut config),
            "moved" => refactor::moved(&mut ctx, item, span, &mut config),
            "removed" => refactor::removed(&mut ctx, item, span, &mut config),
            "data" => data::lookups(&mut ctx, item, span, &mut config),
            other => ctx.report(
                UNKNOWN_KEY,
                format!("unknown top-level key `{other}`"),
                format!(
                    "the top level of a manifest may hold only {}; resources go under \
                     `[resource.NAME]` and outputs under `[output.NAME]`",
                    list(TOP_LEVEL_KEYS)
                ),
                span,
                "not a manifest key",
            ),
        }
    }

    if ctx.problems.is_empty() {
        config.warnings = ctx.warnings;
        Ok(config)
    } else {
        Err(Problems::new(name, ctx.problems))
    }
}

/// Collects problems, each pointing into the manifest.
pub(crate) struct Ctx {
    source: SourceFile,
    problems: Vec<Problem>,
    /// Warnings (they stop nothing): [`Config::warnings`].
    warnings: Vec<Problem>,
    /// The provider kinds accepted ([`ManifestOptions::provider_kinds`]).
    provider_kinds: Option<Vec<String>>,
    /// The variables' values (`var.NAME` in expressions).
    vars: Resolved,
}

impl Ctx {
    /// A context for `source`, with no variables.
    fn new(source: SourceFile) -> Self {
        Self {
            source,
            problems: Vec::new(),
            warnings: Vec::new(),
            provider_kinds: None,
            vars: Resolved::default(),
        }
    }

    /// Records a problem at `span` (a byte range of the manifest).
    fn report(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        help: impl Into<String>,
        span: Option<Range<usize>>,
        label: impl Into<String>,
    ) {
        let problem = Problem::new(code, message, Some(help.into())).at(
            Some(&self.source),
            span.map(Span::from),
            label,
        );
        self.problems.push(problem);
    }

    /// The manifest text.
    fn text(&self) -> &str {
        &self.source.text
    }
}

/// The span of the key `key` of a table.
fn key_span(table: &dyn TableLike, key: &str) -> Option<Range<usize>> {
    table.key(key).and_then(|k| k.span())
}

/// `a`, `b` and `c` with backticks.
fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// The file stem of the manifest's name, e.g. `prod` for `infra/prod.toml`.
fn default_stack(name: &str) -> String {
    Path::new(name)
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty())
        .unwrap_or("default")
        .to_string()
}

/// `item` as a table, or a problem saying `what` must be a table.
fn expect_table<'i>(
    ctx: &mut Ctx,
    item: &'i Item,
    key_span: Option<Range<usize>>,
    code: &'static str,
    what: &str,
    example: &str,
) -> Option<&'i dyn TableLike> {
    match item.as_table_like() {
        Some(t) => Some(t),
        None => {
            ctx.report(
                code,
                format!("{what} must be a table, not {}", article(item.type_name())),
                format!("write it as a table, e.g. {example}"),
                item.span().or(key_span),
                "expected a table",
            );
            None
        }
    }
}

/// "a string", "an integer", "an array of tables"...
fn article(type_name: &str) -> String {
    let an = type_name.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {type_name}", if an { "an" } else { "a" })
}

fn stack(ctx: &mut Ctx, item: &Item) -> Option<String> {
    match convert::setting(ctx, item).as_deref() {
        Some(s) if !s.trim().is_empty() => Some(s.to_string()),
        _ => {
            ctx.report(
                STACK,
                "`stack` must be a non-empty string",
                "name the stack, e.g. `stack = \"quickstart\"` (or leave it out to use the \
                 file name)",
                item.span(),
                "not a stack name",
            );
            None
        }
    }
}

/// A `kind = "..."` of the provider or backend, checked against `allowed`.
fn choice(
    ctx: &mut Ctx,
    item: &Item,
    code: &'static str,
    what: &str,
    allowed: &[&str],
) -> Option<String> {
    match item.as_str() {
        Some(s) if allowed.contains(&s) => Some(s.to_string()),
        found => {
            let found = match found {
                Some(s) => format!("`{s}`"),
                None => article(item.type_name()),
            };
            ctx.report(
                code,
                format!("unknown {what} kind {found}"),
                format!("the {what} kind must be one of {}", list(allowed)),
                item.span(),
                format!("not a {what} kind"),
            );
            None
        }
    }
}

/// Any non-empty provider kind.
fn provider_kind(ctx: &mut Ctx, item: &Item) -> Option<String> {
    match item.as_str() {
        Some(s) if !s.trim().is_empty() => Some(s.to_string()),
        _ => {
            ctx.report(
                PROVIDER,
                "the provider's `kind` must be a non-empty string",
                "name the provider, e.g. `kind = \"NAME\"`",
                item.span(),
                "not a provider kind",
            );
            None
        }
    }
}

fn provider(ctx: &mut Ctx, item: &Item, key_span: Option<Range<usize>>) -> ProviderConfig {
    let mut provider = ProviderConfig::default();
    let example = "`[provider]` with a `kind` and a `region`";
    let Some(table) = expect_table(ctx, item, key_span, PROVIDER, "`provider`", example) else {
        return provider;
    };
    for (key, value) in table.iter() {
        match key {
            "kind" => {
                let kind = match ctx.provider_kinds.clone() {
                    Some(known) => {
                        let known: Vec<&str> = known.iter().map(String::as_str).collect();
                        choice(ctx, value, PROVIDER, "provider", &known)
                    }
                    None => provider_kind(ctx, value),
                };
                if kind.is_some() {
                    provider.kind = kind;
                }
            }
            "region" => match convert::setting(ctx, value).as_deref() {
                Some(r) if !r.trim().is_empty() => provider.region = r.to_string(),
                _ => ctx.report(
                    PROVIDER,
                    "the provider's `region` must be a non-empty string",
                    "name an AWS region, e.g. `region = \"us-east-1\"`",
                    value.span(),
                    "not a region",
                ),
            },
            // `[provider.NAME]`: a named instance (`providers::named`).
            _ if value.is_table_like() => {}
            other => {
                let json = convert::to_json(ctx, value);
                provider.options.insert(other.to_string(), json);
            }
        }
    }
    provider
}

fn backend(ctx: &mut Ctx, item: &Item, key_span: Option<Range<usize>>) -> BackendConfig {
    let mut backend = BackendConfig::default();
    let example = "`[backend]` with `kind = \"local\"`";
    let Some(table) = expect_table(ctx, item, key_span, BACKEND, "`backend`", example) else {
        return backend;
    };
    for (key, value) in table.iter() {
        match key {
            "kind" => {
                if let Some(kind) = choice(ctx, value, BACKEND, "backend", BACKEND_KINDS) {
                    backend.kind = kind;
                }
            }
            other => {
                let json = convert::to_json(ctx, value);
                backend.options.insert(other.to_string(), json);
            }
        }
    }
    backend
}

fn outputs(ctx: &mut Ctx, item: &Item, span: Option<Range<usize>>, config: &mut Config) {
    let example = "`[output.NAME]` with `value = \"${alb.dns_name}\"`";
    let Some(table) = expect_table(ctx, item, span, OUTPUT, "`output`", example) else {
        return;
    };
    for (name, item) in table.iter() {
        let name_span = key_span(table, name);
        if let Some(output) = output(ctx, name, item, name_span) {
            config.outputs.insert(name.to_string(), output);
        }
    }
}

/// One output: `[output.NAME]` with `value` and `sensitive`, or the shorthand
/// `NAME = VALUE` under `[output]`.
fn output(
    ctx: &mut Ctx,
    name: &str,
    item: &Item,
    name_span: Option<Range<usize>>,
) -> Option<OutputConfig> {
    let Some(table) = item.as_table_like() else {
        if matches!(item, Item::ArrayOfTables(_)) {
            ctx.report(
                OUTPUT,
                format!("output `{name}` is written as an array of tables"),
                format!("write `[output.{name}]` (single brackets) with a `value`"),
                name_span,
                "not an output",
            );
            return None;
        }
        let mut convert = Convert::new(ctx);
        let value = convert.item(item);
        if convert.take_sensitive() {
            sensitive_output(ctx, name, item.span().or(name_span.clone()));
        }
        return Some(OutputConfig {
            value,
            sensitive: false,
            span: item.span().or(name_span).map(Span::from),
        });
    };
    let mut value = None;
    let mut sensitive = false;
    for (key, item) in table.iter() {
        match key {
            "value" => {
                let mut convert = Convert::new(ctx);
                let converted = convert.item(item);
                let secret = convert.take_sensitive();
                value = Some((converted, item.span(), secret));
            }
            "sensitive" => match item.as_bool() {
                Some(b) => sensitive = b,
                None => ctx.report(
                    TYPE,
                    format!(
                        "`sensitive` must be `true` or `false`, not {}",
                        article(item.type_name())
                    ),
                    "write `sensitive = true` to hide the output in `strata output`",
                    item.span(),
                    "not a boolean",
                ),
            },
            other => ctx.report(
                UNKNOWN_KEY,
                format!("unknown key `{other}` in output `{name}`"),
                "an output may hold only `value` and `sensitive`",
                key_span(table, other),
                "not an output key",
            ),
        }
    }
    match value {
        Some((_, span, true)) => {
            sensitive_output(ctx, name, span);
            None
        }
        Some((value, span, _)) => Some(OutputConfig {
            value,
            sensitive,
            span: span.or(name_span).map(Span::from),
        }),
        None => {
            ctx.report(
                OUTPUT,
                format!("output `{name}` has no `value`"),
                "give it a value, usually a reference: `value = \"${alb.dns_name}\"`",
                name_span,
                "missing `value`",
            );
            None
        }
    }
}

fn sensitive_output(ctx: &mut Ctx, name: &str, span: Option<Range<usize>>) {
    ctx.report(
        VAR_SENSITIVE,
        format!("output `{name}` holds a sensitive variable"),
        "outputs are stored in state as they are, even those marked `sensitive`: a \
         sensitive variable can go only into sensitive attributes (e.g. a database's \
         `password`) and the provider and backend settings",
        span,
        "a sensitive value",
    );
}
