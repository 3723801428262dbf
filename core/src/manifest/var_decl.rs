//! Variable declarations: [`Variable`] (`[variable.NAME]` in a manifest,
//! or built in Rust), its [`VarType`] and validation [`Rules`], and the
//! checks a value must pass.

use std::ops::Range;

use indexmap::IndexMap;
use toml_edit::{Item, TableLike};

use super::{article, expect_table, key_span, Ctx, UNKNOWN_KEY};
use crate::config::Span;
use crate::value::Value;

/// A `[variable.NAME]` block is malformed (bad name, type, rule, default).
pub const VARIABLE: &str = "strata::manifest::variable";

/// The keys of a `[variable.NAME]` block.
pub const VARIABLE_KEYS: &[&str] = &[
    "type",
    "default",
    "description",
    "sensitive",
    "min",
    "max",
    "regex",
    "one_of",
];

/// The type of a variable; values from the command line and the
/// environment are read as this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VarType {
    /// Text (the type when neither `type` nor a default says otherwise).
    #[default]
    String,
    /// A whole or decimal number.
    Number,
    /// `true` or `false`.
    Bool,
    /// A list, e.g. `["us-east-1a", "us-east-1b"]`.
    List,
    /// A map, e.g. `{ web = 3, worker = 1 }`.
    Map,
    /// Any value.
    Any,
}

impl VarType {
    /// The names accepted by `type = "..."`.
    pub const NAMES: &'static [&'static str] = &["string", "number", "bool", "list", "map", "any"];

    /// Parses a type name.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "string" => Self::String,
            "number" => Self::Number,
            "bool" => Self::Bool,
            "list" => Self::List,
            "map" => Self::Map,
            "any" => Self::Any,
            _ => return None,
        })
    }

    /// The type's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Number => "number",
            Self::Bool => "bool",
            Self::List => "list",
            Self::Map => "map",
            Self::Any => "any",
        }
    }

    /// The type a value has.
    pub fn of(value: &Value) -> Self {
        match value {
            Value::String(_) => Self::String,
            Value::Int(_) | Value::Float(_) => Self::Number,
            Value::Bool(_) => Self::Bool,
            Value::List(_) => Self::List,
            Value::Map(_) => Self::Map,
            _ => Self::Any,
        }
    }

    /// Whether `value` is of this type.
    pub fn accepts(self, value: &Value) -> bool {
        self == Self::Any || Self::of(value) == self
    }
}

/// Validation rules. `min`/`max` bound a number's value, or the length of
/// a string, list or map; `regex` must match a string somewhere (anchor it
/// with `^...$` to match the whole); `one_of` lists the allowed values.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// The smallest value (or length).
    pub min: Option<f64>,
    /// The largest value (or length).
    pub max: Option<f64>,
    /// A regular expression (the `regex-lite` syntax) a string must match.
    pub regex: Option<String>,
    /// The allowed values (empty: any).
    pub one_of: Vec<Value>,
}

/// Where a declaration was written.
#[derive(Debug, Clone, Default)]
pub struct VariableSpans {
    /// The `[variable.NAME]` header.
    pub header: Option<Span>,
    /// The default value.
    pub default: Option<Span>,
    /// Each rule's value, by key (`min`, `max`, `regex`, `one_of`).
    pub rules: IndexMap<&'static str, Span>,
}

/// A declared variable.
///
/// ```
/// use strata_core::manifest::{Variable, VarType};
///
/// let env = Variable::new("env", VarType::String)
///     .describe("the environment")
///     .one_of(["staging", "prod"]);
/// let size = Variable::new("web_size", VarType::Number).default(2).min(1).max(20);
/// assert!(env.default.is_none() && size.default.is_some());
/// ```
#[derive(Debug, Clone)]
pub struct Variable {
    /// The name (`var.NAME` in expressions, `STRATA_VAR_NAME` in the environment).
    pub name: String,
    /// Its type.
    pub ty: VarType,
    /// The value when no source sets one; `None` makes it required.
    pub default: Option<Value>,
    /// What it is for.
    pub description: Option<String>,
    /// Its value is never shown (plans, `--json`, diagnostics) or stored in clear.
    pub sensitive: bool,
    /// Validation rules.
    pub rules: Rules,
    /// Where it was declared (manifests only).
    pub spans: VariableSpans,
}

impl Variable {
    /// A required variable of type `ty`.
    pub fn new(name: impl Into<String>, ty: VarType) -> Self {
        Self {
            name: name.into(),
            ty,
            default: None,
            description: None,
            sensitive: false,
            rules: Rules::default(),
            spans: VariableSpans::default(),
        }
    }

    /// Sets the default (so the variable is optional).
    pub fn default(mut self, value: impl Into<Value>) -> Self {
        self.default = Some(value.into());
        self
    }

    /// Sets the description.
    pub fn describe(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Marks the variable sensitive.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// The smallest value (or length).
    pub fn min(mut self, min: impl Into<f64>) -> Self {
        self.rules.min = Some(min.into());
        self
    }

    /// The largest value (or length).
    pub fn max(mut self, max: impl Into<f64>) -> Self {
        self.rules.max = Some(max.into());
        self
    }

    /// A regular expression a string value must match.
    pub fn regex(mut self, pattern: impl Into<String>) -> Self {
        self.rules.regex = Some(pattern.into());
        self
    }

    /// The allowed values.
    pub fn one_of<V: Into<Value>>(mut self, values: impl IntoIterator<Item = V>) -> Self {
        self.rules.one_of = values.into_iter().map(Into::into).collect();
        self
    }

    /// Whether a variable name can be written `var.NAME` and `STRATA_VAR_NAME`.
    pub fn valid_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    }

    /// Why `value` is not acceptable (wrong type or a broken rule), naming
    /// the rule's key, or `None` when it is. The message never shows a
    /// sensitive value.
    pub fn check(&self, value: &Value) -> Option<(Option<&'static str>, String)> {
        if !self.ty.accepts(value) {
            return Some((
                None,
                format!(
                    "variable `{}` is a {}, but the value given is {}",
                    self.name,
                    self.ty.name(),
                    article(VarType::of(value).name())
                ),
            ));
        }
        let shown = |v: &Value| {
            if self.sensitive {
                "(sensitive value)".to_string()
            } else {
                v.to_string()
            }
        };
        let size = match value {
            Value::Int(_) | Value::Float(_) => value.as_f64(),
            Value::String(s) => Some(s.chars().count() as f64),
            Value::List(l) => Some(l.len() as f64),
            Value::Map(m) => Some(m.len() as f64),
            _ => None,
        };
        let what = if matches!(value, Value::Int(_) | Value::Float(_)) {
            "value"
        } else {
            "length"
        };
        // A secret's length is not shown either.
        let size_shown = |size: f64| {
            if self.sensitive {
                String::new()
            } else {
                format!(" {size}")
            }
        };
        if let (Some(min), Some(size)) = (self.rules.min, size) {
            if size < min {
                return Some((
                    Some("min"),
                    format!(
                        "variable `{}` is {}: its {what}{} is below the minimum {min}",
                        self.name,
                        shown(value),
                        size_shown(size)
                    ),
                ));
            }
        }
        if let (Some(max), Some(size)) = (self.rules.max, size) {
            if size > max {
                return Some((
                    Some("max"),
                    format!(
                        "variable `{}` is {}: its {what}{} is above the maximum {max}",
                        self.name,
                        shown(value),
                        size_shown(size)
                    ),
                ));
            }
        }
        if let (Some(pattern), Value::String(s)) = (&self.rules.regex, value) {
            let matches = regex_lite::Regex::new(pattern).is_ok_and(|re| re.is_match(s));
            if !matches {
                return Some((
                    Some("regex"),
                    format!(
                        "variable `{}` is {}, which does not match `{pattern}`",
                        self.name,
                        shown(value)
                    ),
                ));
            }
        }
        if !self.rules.one_of.is_empty() && !self.rules.one_of.iter().any(|v| v.same_as(value)) {
            let allowed: Vec<String> = self.rules.one_of.iter().map(|v| v.to_string()).collect();
            return Some((
                Some("one_of"),
                format!(
                    "variable `{}` is {}, not one of {}",
                    self.name,
                    shown(value),
                    allowed.join(", ")
                ),
            ));
        }
        None
    }
}

/// Every `[variable.NAME]` block of a manifest.
pub(super) fn declarations(
    ctx: &mut Ctx,
    item: &Item,
    span: Option<Range<usize>>,
) -> Vec<Variable> {
    let example = "`[variable.region]` with `type = \"string\"`";
    let Some(table) = expect_table(ctx, item, span, VARIABLE, "`variable`", example) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, item) in table.iter() {
        let header = key_span(table, name);
        if !Variable::valid_name(name) {
            ctx.report(
                VARIABLE,
                format!("`{name}` is not a valid variable name"),
                "a variable name is letters, digits and `_`, starting with a letter or `_` \
                 (it is written `var.NAME` and `STRATA_VAR_NAME`)",
                header.clone(),
                "not a variable name",
            );
            continue;
        }
        let example = format!("`[variable.{name}]` with `type = \"string\"`");
        let Some(table) = expect_table(ctx, item, header.clone(), VARIABLE, "a variable", &example)
        else {
            continue;
        };
        out.push(declaration(ctx, name, table, header));
    }
    out
}

fn declaration(
    ctx: &mut Ctx,
    name: &str,
    table: &dyn TableLike,
    header: Option<Range<usize>>,
) -> Variable {
    let mut var = Variable::new(name, VarType::String);
    var.spans.header = header.map(Span::from);
    let mut declared_type = None;
    for (key, item) in table.iter() {
        let span = item.span();
        let bad = |ctx: &mut Ctx, want: &str, example: &str| {
            ctx.report(
                VARIABLE,
                format!(
                    "`{key}` of variable `{name}` must be {want}, not {}",
                    article(item.type_name())
                ),
                format!("write e.g. `{key} = {example}`"),
                span.clone(),
                format!("not {want}"),
            )
        };
        match key {
            "type" => match item.as_str().and_then(VarType::parse) {
                Some(ty) => declared_type = Some(ty),
                None => ctx.report(
                    VARIABLE,
                    format!("variable `{name}` has an unknown type"),
                    format!("the type is one of {}", super::list(VarType::NAMES)),
                    span,
                    "not a type",
                ),
            },
            "description" => match item.as_str() {
                Some(d) => var.description = Some(d.to_string()),
                None => bad(ctx, "a string", "\"the AWS region\""),
            },
            "sensitive" => match item.as_bool() {
                Some(b) => var.sensitive = b,
                None => bad(ctx, "a bool", "true"),
            },
            "default" => {
                var.default = super::variables::toml_value(ctx, item);
                var.spans.default = span.map(Span::from);
            }
            "min" | "max" => {
                let n = item
                    .as_integer()
                    .map(|i| i as f64)
                    .or_else(|| item.as_float().filter(|f| f.is_finite()));
                let Some(n) = n else {
                    bad(ctx, "a number", "1");
                    continue;
                };
                if key == "min" {
                    var.rules.min = Some(n);
                    record(&mut var, "min", span);
                } else {
                    var.rules.max = Some(n);
                    record(&mut var, "max", span);
                }
            }
            "regex" => match item.as_str() {
                Some(p) => match regex_lite::Regex::new(p) {
                    Ok(_) => {
                        var.rules.regex = Some(p.to_string());
                        record(&mut var, "regex", span);
                    }
                    Err(e) => ctx.report(
                        VARIABLE,
                        format!(
                            "the `regex` of variable `{name}` is not a valid regular expression"
                        ),
                        format!("{e}"),
                        span,
                        "invalid regex",
                    ),
                },
                None => bad(ctx, "a string", "\"^[a-z]+$\""),
            },
            "one_of" => match super::variables::toml_value(ctx, item) {
                Some(Value::List(values)) if !values.is_empty() => {
                    var.rules.one_of = values;
                    record(&mut var, "one_of", span);
                }
                _ => bad(ctx, "a non-empty list", "[\"staging\", \"prod\"]"),
            },
            other => {
                let close = VARIABLE_KEYS
                    .iter()
                    .find(|k| strsim::levenshtein(k, other) <= 2)
                    .map(|k| format!("did you mean `{k}`? "))
                    .unwrap_or_default();
                ctx.report(
                    UNKNOWN_KEY,
                    format!("unknown key `{other}` in variable `{name}`"),
                    format!("{close}a variable may hold {}", super::list(VARIABLE_KEYS)),
                    key_span(table, other),
                    "not a variable key",
                )
            }
        }
    }
    var.ty = declared_type
        .or_else(|| var.default.as_ref().map(VarType::of))
        .unwrap_or_default();
    if let Some(default) = &var.default {
        if let Some((_, message)) = var.check(default) {
            ctx.report(
                VARIABLE,
                format!("the default of {message}"),
                "fix the default, or the rule it breaks",
                var.spans.default.map(|s| s.offset..s.offset + s.len),
                "this default",
            );
        }
    }
    var
}

fn record(var: &mut Variable, rule: &'static str, span: Option<Range<usize>>) {
    if let Some(span) = span {
        var.spans.rules.insert(rule, Span::from(span));
    }
}
