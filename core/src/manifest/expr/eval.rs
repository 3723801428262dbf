//! Evaluation: every operator and function checks its operands' types,
//! integer arithmetic is checked, and floats stay finite.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::Range;

use super::parse::{BinOp, Expr, ExprKind, UnOp};
use super::{
    Evaluated, ExprError, Lookup, Scope, Shape, ARITHMETIC, CIDR, FUNCTION, FUNCTIONS, NAME,
    NOT_IN_SCOPE, TYPE,
};
use crate::value::{Attrs, Value};

fn error(
    code: &'static str,
    message: impl Into<String>,
    help: impl Into<String>,
    span: Range<usize>,
) -> ExprError {
    ExprError {
        code,
        message: message.into(),
        help: help.into(),
        span,
    }
}

/// "a string", "a number", "a list"...
pub(super) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Int(_) | Value::Float(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Map(_) => "a map",
        Value::Ref(_) => "a reference",
        Value::Unknown => "an unknown value",
        Value::Secret(_) => "a secret",
    }
}

fn plain(value: Value) -> Evaluated {
    Evaluated {
        value,
        sensitive: false,
    }
}

/// Whether every path in `expr` starts at a root the scope answers.
pub(super) fn shape(expr: &Expr, scope: &dyn Scope) -> Shape {
    let all = |items: &mut dyn Iterator<Item = &Expr>| {
        items.fold(Shape::Evaluable, |acc, e| worst(acc, shape(e, scope)))
    };
    match &expr.kind {
        ExprKind::Name(_) => Shape::Invalid,
        ExprKind::Attr(target, name) => match &target.kind {
            ExprKind::Name(root) if scope.lookup(root, name).is_some() => Shape::Evaluable,
            ExprKind::Name(_) => Shape::OutOfScope,
            _ => shape(target, scope),
        },
        ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => all(&mut [&**a, &**b].into_iter()),
        ExprKind::Unary(_, a) => shape(a, scope),
        ExprKind::Cond(a, b, c) => all(&mut [&**a, &**b, &**c].into_iter()),
        ExprKind::List(items) | ExprKind::Call(_, _, items) => all(&mut items.iter()),
        _ => Shape::Evaluable,
    }
}

fn worst(a: Shape, b: Shape) -> Shape {
    match (a, b) {
        (Shape::Invalid, _) | (_, Shape::Invalid) => Shape::Invalid,
        (Shape::OutOfScope, _) | (_, Shape::OutOfScope) => Shape::OutOfScope,
        _ => Shape::Evaluable,
    }
}

pub(super) fn eval(expr: &Expr, scope: &dyn Scope) -> Result<Evaluated, ExprError> {
    let span = expr.span.clone();
    Ok(match &expr.kind {
        ExprKind::Int(i) => plain(Value::Int(*i)),
        ExprKind::Float(f) => plain(Value::Float(*f)),
        ExprKind::Str(s) => plain(Value::String(s.as_str().into())),
        ExprKind::Bool(b) => plain(Value::Bool(*b)),
        ExprKind::Null => plain(Value::Null),
        ExprKind::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            let mut sensitive = false;
            for item in items {
                let e = eval(item, scope)?;
                sensitive |= e.sensitive;
                out.push(e.value);
            }
            Evaluated {
                value: Value::List(out),
                sensitive,
            }
        }
        ExprKind::Name(name) => {
            return Err(error(
                NAME,
                format!("`{name}` alone is not a value"),
                format!(
                    "variables are written `var.NAME` (e.g. `var.{name}`); strings need quotes"
                ),
                span,
            ))
        }
        ExprKind::Attr(target, name) => {
            if let ExprKind::Name(root) = &target.kind {
                return path(scope, root, name, span);
            }
            let t = eval(target, scope)?;
            let value = get_key(&t.value, name, span)?;
            Evaluated {
                value,
                sensitive: t.sensitive,
            }
        }
        ExprKind::Index(target, index) => {
            let t = eval(target, scope)?;
            let i = eval(index, scope)?;
            let value = match (&t.value, &i.value) {
                (Value::List(items), Value::Int(n)) => usize::try_from(*n)
                    .ok()
                    .and_then(|n| items.get(n))
                    .cloned()
                    .ok_or_else(|| {
                        error(
                            NAME,
                            format!("index {n} is out of range: the list has {}", items.len()),
                            "indexes start at 0",
                            index.span.clone(),
                        )
                    })?,
                (Value::Map(_), Value::String(k)) => get_key(&t.value, k, index.span.clone())?,
                (t, i) => {
                    return Err(error(
                        TYPE,
                        format!("cannot index {} with {}", type_name(t), type_name(i)),
                        "index a list with a whole number, a map with a string",
                        span,
                    ))
                }
            };
            Evaluated {
                value,
                sensitive: t.sensitive || i.sensitive,
            }
        }
        ExprKind::Unary(op, inner) => {
            let v = eval(inner, scope)?;
            let value = match (op, &v.value) {
                (UnOp::Neg, Value::Int(i)) => Value::Int(i.checked_neg().ok_or_else(|| {
                    error(ARITHMETIC, "the result is too large", "", span.clone())
                })?),
                (UnOp::Neg, Value::Float(f)) => Value::Float(-f),
                (UnOp::Not, Value::Bool(b)) => Value::Bool(!b),
                (op, other) => {
                    let (sym, want) = match op {
                        UnOp::Neg => ("-", "a number"),
                        UnOp::Not => ("!", "a bool"),
                    };
                    return Err(error(
                        TYPE,
                        format!("`{sym}` needs {want}, not {}", type_name(other)),
                        "check the operand's type",
                        inner.span.clone(),
                    ));
                }
            };
            Evaluated {
                value,
                sensitive: v.sensitive,
            }
        }
        ExprKind::Binary(op, a, b) => binary(*op, a, b, scope, span)?,
        ExprKind::Cond(test, then, other) => {
            let t = eval(test, scope)?;
            let Value::Bool(b) = t.value else {
                return Err(error(
                    TYPE,
                    format!(
                        "the condition of `? :` is {}, not a bool",
                        type_name(&t.value)
                    ),
                    "write a comparison, e.g. `var.env == \"prod\" ? 3 : 1`",
                    test.span.clone(),
                ));
            };
            let chosen = eval(if b { then } else { other }, scope)?;
            Evaluated {
                value: chosen.value,
                sensitive: t.sensitive || chosen.sensitive,
            }
        }
        ExprKind::Call(name, name_span, args) => {
            let mut values = Vec::with_capacity(args.len());
            let mut sensitive = false;
            for arg in args {
                let e = eval(arg, scope)?;
                sensitive |= e.sensitive;
                values.push(e.value);
            }
            let value = call(name, name_span.clone(), args, &values, span)?;
            Evaluated { value, sensitive }
        }
    })
}

fn path(
    scope: &dyn Scope,
    root: &str,
    name: &str,
    span: Range<usize>,
) -> Result<Evaluated, ExprError> {
    match scope.lookup(root, name) {
        Some(Lookup::Found(e)) => Ok(e),
        Some(Lookup::Error {
            code,
            message,
            help,
        }) => {
            let message = if message.is_empty() {
                format!("`{root}.{name}` is not defined")
            } else {
                message
            };
            Err(error(code, message, help, span))
        }
        None => Err(error(
            NOT_IN_SCOPE,
            format!("`{root}.{name}` is not a variable"),
            "inside an expression only variables (`var.NAME`) and literals can be used; a \
             reference to a resource's attribute must be the whole value, e.g. \"${vpc.id}\"",
            span,
        )),
    }
}

fn get_key(map: &Value, key: &str, span: Range<usize>) -> Result<Value, ExprError> {
    match map {
        Value::Map(m) => m.get(key).cloned().ok_or_else(|| {
            let keys: Vec<&str> = m.keys().map(|k| k.as_str()).collect();
            error(
                NAME,
                format!("the map has no key `{key}`"),
                format!("its keys are: {}", keys.join(", ")),
                span,
            )
        }),
        other => Err(error(
            TYPE,
            format!("cannot take `.{key}` of {}", type_name(other)),
            "only maps have keys",
            span,
        )),
    }
}

fn binary(
    op: BinOp,
    a: &Expr,
    b: &Expr,
    scope: &dyn Scope,
    span: Range<usize>,
) -> Result<Evaluated, ExprError> {
    let l = eval(a, scope)?;
    // `&&` and `||` stop early, as everywhere.
    if let (BinOp::And | BinOp::Or, Value::Bool(x)) = (op, &l.value) {
        if (op == BinOp::And && !x) || (op == BinOp::Or && *x) {
            return Ok(l);
        }
    }
    let r = eval(b, scope)?;
    let sensitive = l.sensitive || r.sensitive;
    let mismatch = || {
        error(
            TYPE,
            format!(
                "`{}` cannot combine {} and {}",
                op.symbol(),
                type_name(&l.value),
                type_name(&r.value)
            ),
            match op {
                BinOp::Add => "`+` adds numbers; to join strings write them side by side \
                               in the string: \"${var.a}-${var.b}\""
                    .to_string(),
                BinOp::And | BinOp::Or => format!("`{}` needs two bools", op.symbol()),
                _ => "both sides must be numbers (or, to compare, both strings)".to_string(),
            },
            span.clone(),
        )
    };
    let value = match op {
        BinOp::Eq => Value::Bool(l.value.same_as(&r.value)),
        BinOp::Ne => Value::Bool(!l.value.same_as(&r.value)),
        BinOp::And | BinOp::Or => match r.value {
            Value::Bool(y) if matches!(l.value, Value::Bool(_)) => Value::Bool(y),
            _ => return Err(mismatch()),
        },
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let ord = match (&l.value, &r.value) {
                (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
                (x, y) => match (x.as_f64(), y.as_f64()) {
                    (Some(x), Some(y)) => x.partial_cmp(&y),
                    _ => return Err(mismatch()),
                },
            };
            let Some(ord) = ord else {
                return Err(mismatch());
            };
            Value::Bool(match op {
                BinOp::Lt => ord.is_lt(),
                BinOp::Le => ord.is_le(),
                BinOp::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            })
        }
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => {
            arithmetic(op, &l.value, &r.value, b.span.clone(), &span).ok_or_else(mismatch)??
        }
    };
    Ok(Evaluated { value, sensitive })
}

/// `None` when the operands are not both numbers.
fn arithmetic(
    op: BinOp,
    l: &Value,
    r: &Value,
    right: Range<usize>,
    span: &Range<usize>,
) -> Option<Result<Value, ExprError>> {
    let zero = || {
        Err(error(
            ARITHMETIC,
            "division by zero",
            "the right-hand side of `/` and `%` must not be 0",
            right.clone(),
        ))
    };
    let overflow = || {
        error(
            ARITHMETIC,
            "the result is too large",
            "whole numbers are 64-bit",
            span.clone(),
        )
    };
    if let (Value::Int(x), Value::Int(y)) = (l, r) {
        let (x, y) = (*x, *y);
        return Some(match op {
            BinOp::Add => x.checked_add(y).map(Value::Int).ok_or_else(overflow),
            BinOp::Sub => x.checked_sub(y).map(Value::Int).ok_or_else(overflow),
            BinOp::Mul => x.checked_mul(y).map(Value::Int).ok_or_else(overflow),
            BinOp::Div | BinOp::Rem if y == 0 => zero(),
            BinOp::Div => match x.checked_rem(y) {
                Some(0) => x.checked_div(y).map(Value::Int).ok_or_else(overflow),
                Some(_) => Ok(Value::Float(x as f64 / y as f64)),
                None => Err(overflow()),
            },
            _ => x.checked_rem(y).map(Value::Int).ok_or_else(overflow),
        });
    }
    let (x, y) = (l.as_f64()?, r.as_f64()?);
    let out = match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        BinOp::Div | BinOp::Rem if y == 0.0 => return Some(zero()),
        BinOp::Div => x / y,
        _ => x % y,
    };
    Some(if out.is_finite() {
        Ok(Value::Float(out))
    } else {
        Err(overflow())
    })
}

fn call(
    name: &str,
    name_span: Range<usize>,
    args: &[Expr],
    values: &[Value],
    span: Range<usize>,
) -> Result<Value, ExprError> {
    let arity = |n: &[usize], usage: &str| -> Result<(), ExprError> {
        if n.contains(&values.len()) {
            Ok(())
        } else {
            Err(error(
                TYPE,
                format!("`{name}` takes {usage}, not {}", values.len()),
                format!("call it as {}", usage_of(name)),
                span.clone(),
            ))
        }
    };
    let arg_span = |i: usize| args.get(i).map_or(span.clone(), |a| a.span.clone());
    let wrong = |i: usize, want: &str| {
        error(
            TYPE,
            format!(
                "argument {} of `{name}` must be {want}, not {}",
                i + 1,
                values.get(i).map_or("nothing", type_name)
            ),
            format!("call it as {}", usage_of(name)),
            arg_span(i),
        )
    };
    match name {
        "length" => {
            arity(&[1], "one argument")?;
            let n = match &values[0] {
                Value::String(s) => s.chars().count(),
                Value::List(l) => l.len(),
                Value::Map(m) => m.len(),
                _ => return Err(wrong(0, "a string, a list or a map")),
            };
            Ok(Value::Int(i64::try_from(n).unwrap_or(i64::MAX)))
        }
        "lookup" => {
            arity(&[2, 3], "two or three arguments")?;
            let Value::Map(map) = &values[0] else {
                return Err(wrong(0, "a map"));
            };
            let Value::String(key) = &values[1] else {
                return Err(wrong(1, "a string"));
            };
            match (map.get(key.as_str()), values.get(2)) {
                (Some(v), _) => Ok(v.clone()),
                (None, Some(default)) => Ok(default.clone()),
                (None, None) => Err(missing_key(map, key, arg_span(1))),
            }
        }
        "cidrsubnet" => {
            arity(&[3], "three arguments")?;
            let Value::String(prefix) = &values[0] else {
                return Err(wrong(0, "a CIDR block string"));
            };
            let (Value::Int(newbits), Value::Int(netnum)) = (&values[1], &values[2]) else {
                let i = if matches!(values[1], Value::Int(_)) {
                    2
                } else {
                    1
                };
                return Err(wrong(i, "a whole number"));
            };
            cidrsubnet(prefix, *newbits, *netnum)
                .map(|s| Value::String(s.into()))
                .map_err(|(i, message)| {
                    error(
                        CIDR,
                        message,
                        "cidrsubnet(\"10.0.0.0/16\", 8, 2) is \"10.0.2.0/24\": the prefix \
                         grows by `newbits` and `netnum` picks the subnet",
                        arg_span(i),
                    )
                })
        }
        other => {
            let close = FUNCTIONS
                .iter()
                .filter(|f| strsim::levenshtein(f, other) <= 3)
                .map(|f| format!("did you mean `{f}`? "))
                .next()
                .unwrap_or_default();
            Err(error(
                FUNCTION,
                format!("unknown function `{other}`"),
                format!(
                    "{close}expressions know {}",
                    FUNCTIONS
                        .iter()
                        .map(|f| usage_of(f))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                name_span,
            ))
        }
    }
}

fn missing_key(map: &Attrs, key: &str, span: Range<usize>) -> ExprError {
    let keys: Vec<&str> = map.keys().map(|k| k.as_str()).collect();
    error(
        NAME,
        format!("the map has no key `{key}`"),
        format!(
            "its keys are: {}; pass a default as the third argument of `lookup`",
            keys.join(", ")
        ),
        span,
    )
}

fn usage_of(name: &str) -> &'static str {
    match name {
        "length" => "`length(list_map_or_string)`",
        "lookup" => "`lookup(map, key, default)`",
        "cidrsubnet" => "`cidrsubnet(prefix, newbits, netnum)`",
        _ => "a known function",
    }
}

/// Terraform's `cidrsubnet`: the `netnum`th subnet of `prefix` lengthened
/// by `newbits`. The error names the argument (0-based) at fault.
fn cidrsubnet(prefix: &str, newbits: i64, netnum: i64) -> Result<String, (usize, String)> {
    let (addr, len) = prefix
        .split_once('/')
        .and_then(|(a, l)| Some((a.parse::<IpAddr>().ok()?, l.parse::<u32>().ok()?)))
        .ok_or_else(|| {
            (
                0,
                format!("`{prefix}` is not a CIDR block such as 10.0.0.0/16"),
            )
        })?;
    let width: u32 = if addr.is_ipv4() { 32 } else { 128 };
    if len > width {
        return Err((
            0,
            format!("`{prefix}` has a prefix longer than {width} bits"),
        ));
    }
    let newbits = u32::try_from(newbits)
        .ok()
        .filter(|n| len + n <= width)
        .ok_or_else(|| {
            (
                1,
                format!(
                    "`newbits` must be 0 to {} for `{prefix}`, not {newbits}",
                    width - len
                ),
            )
        })?;
    let new_len = len + newbits;
    let count: u128 = 1u128.checked_shl(newbits).unwrap_or(u128::MAX);
    let netnum = u128::try_from(netnum)
        .ok()
        .filter(|n| *n < count || newbits == 128)
        .ok_or_else(|| {
            (
                2,
                format!(
                    "`netnum` must be 0 to {} with {newbits} new bits, not {netnum}",
                    count - 1
                ),
            )
        })?;
    let shift = width - new_len;
    let offset = netnum.checked_shl(shift).unwrap_or(0);
    Ok(match addr {
        IpAddr::V4(a) => {
            let mask = u32::MAX.checked_shl(width - len).unwrap_or(0);
            let base = u32::from(a) & mask;
            let ip = Ipv4Addr::from(base | u32::try_from(offset).unwrap_or(0));
            format!("{ip}/{new_len}")
        }
        IpAddr::V6(a) => {
            let mask = u128::MAX.checked_shl(width - len).unwrap_or(0);
            let base = u128::from(a) & mask;
            format!("{}/{new_len}", Ipv6Addr::from(base | offset))
        }
    })
}
