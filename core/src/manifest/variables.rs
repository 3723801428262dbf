//! Where variables get their values: [`Variables`] gathers the sources
//! (`STRATA_VAR_NAME` in the environment, var files, `--var NAME=VALUE`
//! flags, or values set in Rust) and [`Variables::resolve`] checks them
//! against the declarations, in this order of precedence (later wins):
//!
//! 1. the declaration's `default`;
//! 2. `STRATA_VAR_NAME` environment variables;
//! 3. var files, in the order given;
//! 4. `--var` flags and [`Variables::set`], in the order given.
//!
//! ```
//! use strata_core::manifest::{Variable, Variables, VarType};
//! use strata_core::value::Value;
//!
//! let decls = [
//!     Variable::new("env", VarType::String).one_of(["staging", "prod"]),
//!     Variable::new("web_size", VarType::Number).default(2).min(1),
//! ];
//! let vars = Variables::new()
//!     .env_vars([("STRATA_VAR_web_size".to_string(), "3".to_string())])
//!     .file_text("env/prod.toml", "env = \"prod\"\nweb_size = 6\n")
//!     .flag("web_size=4");
//! let resolved = vars.resolve(&decls, None).unwrap();
//! assert_eq!(resolved.get("env"), Some(&Value::from("prod")));
//! assert_eq!(resolved.get("web_size"), Some(&Value::Int(4)));
//! ```

use std::path::Path;

use indexmap::IndexMap;
use toml_edit::{Document, Item, TableLike};

use super::expr::{Evaluated, Lookup, Scope};
use super::var_decl::{VarType, Variable};
use super::{Ctx, VALUE};
use crate::config::{SourceFile, Span};
use crate::diag::{Problem, Problems};
use crate::value::{Attrs, Value};

/// A value is of the wrong type or breaks a rule.
pub const VAR_VALUE: &str = "strata::var::value";
/// Required variables have no value.
pub const VAR_MISSING: &str = "strata::var::missing";
/// A var file or flag sets a variable that is not declared.
pub const VAR_UNKNOWN: &str = "strata::var::unknown";
/// A var file cannot be read or is not valid TOML.
pub const VAR_FILE: &str = "strata::var::file";
/// A `--var` flag is not `NAME=VALUE`.
pub const VAR_FLAG: &str = "strata::var::flag";
/// A variable whose value was rejected (already reported): expressions
/// using it report nothing more.
pub const VAR_UNSET: &str = "strata::var::unset";

/// The prefix of environment variables that set variables.
pub const ENV_PREFIX: &str = "STRATA_VAR_";

/// The sources of variable values, gathered in order; see the module docs
/// for the precedence.
#[derive(Debug, Clone, Default)]
pub struct Variables {
    env: Vec<Input>,
    files: Vec<Input>,
    flags: Vec<Input>,
    problems: Vec<Problem>,
}

#[derive(Debug, Clone)]
struct Input {
    name: String,
    raw: Raw,
    origin: Origin,
}

#[derive(Debug, Clone)]
enum Raw {
    /// From the environment or a flag: read as the declared type.
    Text(String),
    /// From a var file or Rust.
    Typed(Value),
}

#[derive(Debug, Clone)]
enum Origin {
    Env,
    Flag,
    File {
        source: SourceFile,
        key: Option<Span>,
        value: Option<Span>,
    },
    Rust,
}

impl Variables {
    /// No values: only defaults apply.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the process's `STRATA_VAR_NAME` environment variables.
    pub fn from_env(self) -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
        self.env_vars(vars)
    }

    /// Adds the `STRATA_VAR_NAME` entries of `vars` (others are ignored).
    pub fn env_vars(mut self, vars: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut found: Vec<Input> = vars
            .into_iter()
            .filter_map(|(k, v)| {
                let name = k.strip_prefix(ENV_PREFIX)?.to_string();
                Some(Input {
                    name,
                    raw: Raw::Text(v),
                    origin: Origin::Env,
                })
            })
            .collect();
        found.sort_by(|a, b| a.name.cmp(&b.name));
        self.env.extend(found);
        self
    }

    /// Adds a var file (a TOML table of `NAME = VALUE`); a file that cannot
    /// be read is reported by [`Variables::resolve`].
    pub fn file(self, path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        match std::fs::read_to_string(path) {
            Ok(text) => self.file_text(&path.display().to_string(), &text),
            Err(e) => {
                let mut this = self;
                this.problems.push(Problem::new(
                    VAR_FILE,
                    format!("cannot read the var file {}: {e}", path.display()),
                    Some("pass an existing TOML file to --var-file".into()),
                ));
                this
            }
        }
    }

    /// Adds a var file's text, called `name` in diagnostics.
    pub fn file_text(mut self, name: &str, text: &str) -> Self {
        let source = SourceFile::new(name, text);
        let mut ctx = Ctx::new(source.clone());
        match Document::parse(text) {
            Ok(doc) => {
                let root = doc.as_table();
                for (key, item) in root.iter() {
                    let Some(value) = toml_value(&mut ctx, item) else {
                        continue;
                    };
                    self.files.push(Input {
                        name: key.to_string(),
                        raw: Raw::Typed(value),
                        origin: Origin::File {
                            source: source.clone(),
                            key: super::key_span(root, key).map(Span::from),
                            value: item.span().map(Span::from),
                        },
                    });
                }
            }
            Err(e) => ctx.report(
                VAR_FILE,
                format!("the var file is not valid TOML: {}", e.message()),
                "a var file holds `NAME = VALUE` lines, e.g. `region = \"us-east-1\"`",
                e.span(),
                "invalid TOML",
            ),
        }
        self.problems.extend(ctx.problems);
        self
    }

    /// Adds a `--var NAME=VALUE` flag (the value is read as the variable's type).
    pub fn flag(mut self, text: &str) -> Self {
        match text.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => self.flags.push(Input {
                name: name.trim().to_string(),
                raw: Raw::Text(value.to_string()),
                origin: Origin::Flag,
            }),
            _ => self.problems.push(
                Problem::new(
                    VAR_FLAG,
                    format!("`--var {text}` is not NAME=VALUE"),
                    Some("write e.g. `--var region=us-west-2`".into()),
                )
                .at(
                    Some(&SourceFile::new("command line", format!("--var {text}"))),
                    Some(Span {
                        offset: 6,
                        len: text.len(),
                    }),
                    "expected NAME=VALUE",
                ),
            ),
        }
        self
    }

    /// Sets a value from Rust (the same precedence as a `--var` flag, after
    /// those given before it).
    pub fn set(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.flags.push(Input {
            name: name.into(),
            raw: Raw::Typed(value.into()),
            origin: Origin::Rust,
        });
        self
    }

    /// The value of each declared variable, or every problem: unreadable
    /// sources, values set for undeclared variables, wrong types, broken
    /// rules, and (as one problem) the required variables nobody set.
    /// `manifest` is where the declarations were written, for spans.
    pub fn resolve(
        &self,
        decls: &[Variable],
        manifest: Option<&SourceFile>,
    ) -> Result<Resolved, Problems> {
        let (resolved, problems) = self.resolve_all(decls, manifest);
        if problems.is_empty() {
            Ok(resolved)
        } else {
            Err(Problems::new("the variable input", problems))
        }
    }

    /// [`Variables::resolve`], keeping what resolved alongside the problems.
    pub(super) fn resolve_all(
        &self,
        decls: &[Variable],
        manifest: Option<&SourceFile>,
    ) -> (Resolved, Vec<Problem>) {
        let mut problems = self.problems.clone();
        let names: Vec<&str> = decls.iter().map(|d| d.name.as_str()).collect();
        for input in self.files.iter().chain(&self.flags) {
            if !names.contains(&input.name.as_str()) {
                problems.push(unknown(input, &names));
            }
        }
        let mut resolved = Resolved {
            declared: names.iter().map(|n| n.to_string()).collect(),
            ..Resolved::default()
        };
        let mut missing = Vec::new();
        for decl in decls {
            let chosen = self
                .env
                .iter()
                .chain(&self.files)
                .chain(&self.flags)
                .rfind(|i| i.name == decl.name);
            let value = match chosen {
                None => match &decl.default {
                    Some(default) => match decl.check(default) {
                        // A manifest's defaults were checked where declared.
                        Some((_, message)) if manifest.is_none() => {
                            problems.push(Problem::new(VAR_VALUE, message, None));
                            None
                        }
                        Some(_) => None,
                        None => Some(default.clone()),
                    },
                    None => {
                        missing.push(decl);
                        None
                    }
                },
                Some(input) => match read(input, decl) {
                    Err(message) => {
                        problems.push(at_input(input, decl, manifest, message));
                        None
                    }
                    Ok(value) => match decl.check(&value) {
                        Some((_, message)) => {
                            problems.push(at_input(input, decl, manifest, message));
                            None
                        }
                        None => Some(value),
                    },
                },
            };
            match value {
                Some(value) => {
                    resolved.values.insert(
                        decl.name.clone(),
                        Evaluated {
                            value,
                            sensitive: decl.sensitive,
                        },
                    );
                }
                None => resolved.failed.push(decl.name.clone()),
            }
        }
        if !missing.is_empty() {
            problems.push(missing_problem(&missing, manifest));
        }
        (resolved, problems)
    }
}

/// The values of the declared variables; answers `var.NAME` in expressions.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    values: IndexMap<String, Evaluated>,
    failed: Vec<String>,
    declared: Vec<String>,
}

impl Resolved {
    /// A variable's value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name).map(|e| &e.value)
    }

    /// Whether a variable is sensitive.
    pub fn is_sensitive(&self, name: &str) -> bool {
        self.values.get(name).is_some_and(|e| e.sensitive)
    }

    /// Every variable with its value, in declaration order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.values.iter().map(|(k, e)| (k.as_str(), &e.value))
    }
}

impl Scope for Resolved {
    fn lookup(&self, root: &str, name: &str) -> Option<Lookup> {
        if root != "var" {
            return None;
        }
        Some(match self.values.get(name) {
            Some(e) => Lookup::Found(e.clone()),
            None if self.failed.iter().any(|f| f == name) => Lookup::Error {
                code: VAR_UNSET,
                message: format!("variable `{name}` has no usable value"),
                help: "see the variable's own problem".into(),
            },
            None => {
                let names: Vec<&str> = self.declared.iter().map(String::as_str).collect();
                Lookup::Error {
                    code: VAR_UNKNOWN,
                    message: format!("`var.{name}` is not declared"),
                    help: format!(
                        "{}declare it with `[variable.{name}]`",
                        did_you_mean(name, &names)
                    ),
                }
            }
        })
    }
}

fn did_you_mean(name: &str, names: &[&str]) -> String {
    names
        .iter()
        .map(|n| (strsim::levenshtein(n, name), n))
        .filter(|(d, n)| *d <= 2.max(n.len() / 3))
        .min()
        .map(|(_, n)| format!("did you mean `{n}`? "))
        .unwrap_or_default()
}

/// A value read as the declared type.
fn read(input: &Input, decl: &Variable) -> Result<Value, String> {
    let text = match &input.raw {
        Raw::Typed(v) => return Ok(v.clone()),
        Raw::Text(t) => t,
    };
    let bad = |what: &str| {
        let shown = if decl.sensitive {
            "the value".to_string()
        } else {
            format!("`{text}`")
        };
        format!(
            "variable `{}` is a {}, but {shown} is not {what}",
            decl.name,
            decl.ty.name()
        )
    };
    match decl.ty {
        VarType::String | VarType::Any => Ok(Value::String(text.as_str().into())),
        VarType::Number => {
            let t = text.trim();
            t.parse::<i64>()
                .map(Value::Int)
                .or_else(|_| {
                    t.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .map(Value::Float)
                        .ok_or(())
                })
                .map_err(|()| bad("a number"))
        }
        VarType::Bool => match text.trim() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(bad("`true` or `false`")),
        },
        VarType::List | VarType::Map => {
            let parsed = text.trim().parse::<toml_edit::Value>().ok().and_then(|v| {
                let mut ctx = Ctx::new(SourceFile::new("value", text.as_str()));
                let value = toml_value(&mut ctx, &Item::Value(v))?;
                ctx.problems.is_empty().then_some(value)
            });
            match parsed {
                Some(v) if decl.ty.accepts(&v) => Ok(v),
                _ if decl.ty == VarType::List => Err(bad("a TOML list such as [\"a\", \"b\"]")),
                _ => Err(bad("a TOML inline table such as { a = 1, b = 2 }")),
            }
        }
    }
}

/// Plain TOML to a [`Value`] (strings verbatim: var files and defaults hold
/// no expressions); `None` after reporting a value Strata cannot hold.
pub(super) fn toml_value(ctx: &mut Ctx, item: &Item) -> Option<Value> {
    fn table(ctx: &mut Ctx, t: &dyn TableLike) -> Option<Value> {
        let mut map = Attrs::new();
        for (k, item) in t.iter() {
            map.insert(k.into(), toml_value(ctx, item)?);
        }
        Some(Value::Map(map))
    }
    fn value(ctx: &mut Ctx, v: &toml_edit::Value) -> Option<Value> {
        use toml_edit::Value as T;
        Some(match v {
            T::String(s) => Value::String(s.value().as_str().into()),
            T::Integer(i) => Value::Int(*i.value()),
            T::Float(f) if f.value().is_finite() => Value::Float(*f.value()),
            T::Float(f) => {
                ctx.report(
                    VALUE,
                    format!("`{}` is not a number Strata can use", f.value()),
                    "write a finite number",
                    v.span(),
                    "not finite",
                );
                return None;
            }
            T::Boolean(b) => Value::Bool(*b.value()),
            T::Datetime(d) => Value::String(d.value().to_string().into()),
            T::Array(items) => {
                Value::List(items.iter().map(|i| value(ctx, i)).collect::<Option<_>>()?)
            }
            T::InlineTable(t) => table(ctx, t)?,
        })
    }
    match item {
        Item::None => Some(Value::Null),
        Item::Value(v) => value(ctx, v),
        Item::Table(t) => table(ctx, t),
        Item::ArrayOfTables(ts) => Some(Value::List(
            ts.iter().map(|t| table(ctx, t)).collect::<Option<_>>()?,
        )),
    }
}

/// `NAME=VALUE` as written for an environment variable or a flag, the
/// value masked when sensitive, with the spans of the name and the value.
fn written(input: &Input, sensitive: bool) -> Option<(SourceFile, Span, Span)> {
    let shown = match &input.raw {
        Raw::Text(_) if sensitive => "***".to_string(),
        Raw::Text(t) => t.clone(),
        Raw::Typed(_) => return None,
    };
    let (source_name, prefix) = match input.origin {
        Origin::Env => ("environment", ENV_PREFIX.to_string()),
        Origin::Flag => ("command line", "--var ".to_string()),
        _ => return None,
    };
    let name_at = Span {
        offset: prefix.len(),
        len: input.name.len(),
    };
    let text = format!("{prefix}{}={shown}", input.name);
    let value_at = Span {
        offset: name_at.offset + name_at.len + 1,
        len: shown.len(),
    };
    let name_span = Span {
        offset: 0,
        len: name_at.offset + name_at.len,
    };
    Some((SourceFile::new(source_name, text), name_span, value_at))
}

/// A var file with the bytes of `span` masked.
fn masked(source: &SourceFile, span: Span) -> SourceFile {
    let mut bytes = source.text.as_bytes().to_vec();
    for b in bytes.iter_mut().skip(span.offset).take(span.len) {
        if *b != b'\n' {
            *b = b'*';
        }
    }
    SourceFile::new(&source.name, String::from_utf8_lossy(&bytes).into_owned())
}

/// A problem with a value, pointing at where it was set; the help says
/// where the variable was declared.
fn at_input(
    input: &Input,
    decl: &Variable,
    manifest: Option<&SourceFile>,
    message: String,
) -> Problem {
    let declared = match (manifest, decl.spans.header) {
        (Some(m), Some(s)) => format!(" (`{}` is declared at {})", decl.name, m.location(s.offset)),
        _ => String::new(),
    };
    let help = format!("{}{declared}", fix_hint(decl));
    let problem = Problem::new(VAR_VALUE, message, Some(help));
    match &input.origin {
        Origin::File { source, value, .. } => {
            let source = match (decl.sensitive, value) {
                (true, Some(v)) => masked(source, *v),
                _ => source.clone(),
            };
            problem.at(Some(&source), *value, "this value")
        }
        Origin::Env | Origin::Flag => match written(input, decl.sensitive) {
            Some((source, _, value)) => problem.at(Some(&source), Some(value), "this value"),
            None => problem,
        },
        Origin::Rust => problem,
    }
}

fn fix_hint(decl: &Variable) -> String {
    let mut rules = Vec::new();
    rules.push(format!("a {}", decl.ty.name()));
    if let Some(min) = decl.rules.min {
        rules.push(format!("at least {min}"));
    }
    if let Some(max) = decl.rules.max {
        rules.push(format!("at most {max}"));
    }
    if let Some(re) = &decl.rules.regex {
        rules.push(format!("matching `{re}`"));
    }
    if !decl.rules.one_of.is_empty() {
        let allowed: Vec<String> = decl.rules.one_of.iter().map(|v| v.to_string()).collect();
        rules.push(format!("one of {}", allowed.join(", ")));
    }
    format!("`{}` must be {}", decl.name, rules.join(", "))
}

fn unknown(input: &Input, names: &[&str]) -> Problem {
    let hint = did_you_mean(&input.name, names);
    let declared = if names.is_empty() {
        "no variables are declared".to_string()
    } else {
        format!("the declared variables are {}", names.join(", "))
    };
    let problem = Problem::new(
        VAR_UNKNOWN,
        format!(
            "a value is given for `{}`, which is not a declared variable",
            input.name
        ),
        Some(format!("{hint}{declared}")),
    );
    match &input.origin {
        Origin::File { source, key, .. } => problem.at(Some(source), *key, "not declared"),
        Origin::Env | Origin::Flag => match written(input, true) {
            Some((source, name, _)) => problem.at(Some(&source), Some(name), "not declared"),
            None => problem,
        },
        Origin::Rust => problem,
    }
}

fn missing_problem(missing: &[&Variable], manifest: Option<&SourceFile>) -> Problem {
    let names: Vec<String> = missing.iter().map(|d| format!("`{}`", d.name)).collect();
    let first = missing.first().map_or("NAME", |d| d.name.as_str());
    let n = missing.len();
    let mut problem = Problem::new(
        VAR_MISSING,
        format!(
            "{} required variable{} {} no value: {}",
            n,
            if n == 1 { "" } else { "s" },
            if n == 1 { "has" } else { "have" },
            names.join(", ")
        ),
        Some(format!(
            "give each a value with `--var {first}=VALUE`, a `--var-file FILE.toml` line \
             `{first} = VALUE`, or the environment variable `{ENV_PREFIX}{first}` (or add a \
             `default`)"
        )),
    );
    for decl in missing {
        let label = match &decl.description {
            Some(d) => format!("`{}`: {d}", decl.name),
            None => format!("`{}` has no value", decl.name),
        };
        problem = problem.at(manifest, decl.spans.header, label);
    }
    problem
}
