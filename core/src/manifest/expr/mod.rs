//! The small expression language inside `${...}`: variables (`var.x`),
//! literals, arithmetic, comparisons, `cond ? a : b` and three functions
//! (`length`, `lookup`, `cidrsubnet`). It is total: every expression ends
//! in a value or an [`ExprError`] with the span of the culprit, never a
//! panic or a loop, and nesting is bounded.
//!
//! Names come from a [`Scope`]: the manifest's variables answer `var.NAME`,
//! a counted resource answers `count.index`, and a caller may add its own
//! roots (e.g. `each.key`) by chaining scopes:
//!
//! ```
//! use strata_core::manifest::expr::{evaluate, Lookup, Scope};
//! use strata_core::value::Value;
//!
//! struct Each;
//! impl Scope for Each {
//!     fn lookup(&self, root: &str, name: &str) -> Option<Lookup> {
//!         (root == "each").then(|| match name {
//!             "key" => Lookup::found(Value::from("a")),
//!             _ => Lookup::unknown_name("`each` has `key` and `value`"),
//!         })
//!     }
//! }
//! let out = evaluate("each.key == \"a\" ? 2 * 21 : 0", &Each).unwrap();
//! assert_eq!(out.value, Value::Int(42));
//! ```
//!
//! A path whose root no scope answers (`vpc.id`) is a reference to a
//! resource: [`evaluate`] reports it as [`NOT_IN_SCOPE`], so a caller can
//! keep such expressions as references resolved at apply time.

mod eval;
mod parse;

#[cfg(test)]
mod tests;

use std::ops::Range;

use crate::value::Value;

/// The expression does not parse.
pub const SYNTAX: &str = "strata::expr::syntax";
/// An operator or function got a value of the wrong type.
pub const TYPE: &str = "strata::expr::type";
/// Division (or remainder) by zero, or a result too large to hold.
pub const ARITHMETIC: &str = "strata::expr::arithmetic";
/// A function Strata does not know.
pub const FUNCTION: &str = "strata::expr::function";
/// A name the scope does not know (`var.nope`), or a missing map key or
/// list index.
pub const NAME: &str = "strata::expr::name";
/// A bad argument to `cidrsubnet`.
pub const CIDR: &str = "strata::expr::cidr";
/// A path no scope answers, such as a resource's attribute (`vpc.id`).
pub const NOT_IN_SCOPE: &str = "strata::expr::not_in_scope";

/// The functions expressions may call.
pub const FUNCTIONS: &[&str] = &["length", "lookup", "cidrsubnet"];

/// What went wrong, with the span (in the expression's text) to point at.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprError {
    /// A stable code (one of this module's constants, or a scope's).
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
    /// Byte range in the expression's text.
    pub span: Range<usize>,
}

/// An evaluated expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    /// Its value (never a reference or an unknown).
    pub value: Value,
    /// Whether a sensitive value went into it.
    pub sensitive: bool,
}

/// What a [`Scope`] answers for `root.name`.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// The value, and whether it is sensitive.
    Found(Evaluated),
    /// The root is this scope's but the name is not: the error to report.
    Error {
        /// A stable code.
        code: &'static str,
        /// What is wrong.
        message: String,
        /// How to fix it (e.g. "did you mean ...").
        help: String,
    },
}

impl Lookup {
    /// A plain (not sensitive) value.
    pub fn found(value: Value) -> Self {
        Lookup::Found(Evaluated {
            value,
            sensitive: false,
        })
    }

    /// A name the scope's root does not have, with a help line.
    pub fn unknown_name(help: impl Into<String>) -> Self {
        Lookup::Error {
            code: NAME,
            message: String::new(),
            help: help.into(),
        }
    }
}

/// Where names come from: `root.name` (`var.region`, `count.index`,
/// `each.key`).
pub trait Scope {
    /// The value of `root.name`; `None` when `root` is not this scope's.
    fn lookup(&self, root: &str, name: &str) -> Option<Lookup>;
}

/// No names at all: only literals evaluate.
impl Scope for () {
    fn lookup(&self, _root: &str, _name: &str) -> Option<Lookup> {
        None
    }
}

/// The first scope that knows the root answers.
impl<A: Scope + ?Sized, B: Scope + ?Sized> Scope for (&A, &B) {
    fn lookup(&self, root: &str, name: &str) -> Option<Lookup> {
        self.0
            .lookup(root, name)
            .or_else(|| self.1.lookup(root, name))
    }
}

/// Several scopes, asked in order.
impl<const N: usize> Scope for [&dyn Scope; N] {
    fn lookup(&self, root: &str, name: &str) -> Option<Lookup> {
        self.iter().find_map(|s| s.lookup(root, name))
    }
}

/// Evaluates `src` (the text inside `${...}`) against `scope`.
pub fn evaluate(src: &str, scope: &dyn Scope) -> Result<Evaluated, ExprError> {
    let expr = parse::parse(src)?;
    eval::eval(&expr, scope)
}

/// Whether `src` parses, every path in it starts at a root `scope`
/// answers and it holds no bare name (so it can be evaluated now rather
/// than kept as a reference resolved at apply time).
pub fn is_evaluable(src: &str, scope: &dyn Scope) -> bool {
    shape(src, scope) == Shape::Evaluable
}

/// What kind of text `src` is, for a caller deciding how to treat `${src}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Every path is in scope: [`evaluate`] it now.
    Evaluable,
    /// It parses, but a path starts at a root no scope answers (a
    /// resource, e.g. `vpc.id + 1`).
    OutOfScope,
    /// It does not parse, or holds a bare name (`vpc`).
    Invalid,
}

/// Classifies `src` (see [`Shape`]).
pub fn shape(src: &str, scope: &dyn Scope) -> Shape {
    match parse::parse(src) {
        Ok(e) => eval::shape(&e, scope),
        Err(_) => Shape::Invalid,
    }
}

/// How a value reads inside a larger string (`"web-${var.n}"`), or `None`
/// for a list, a map or null.
pub fn interpolated(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
