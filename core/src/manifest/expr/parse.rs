//! The expression grammar: tokens and a recursive-descent parser with a
//! nesting limit, so no input can exhaust the stack.

use std::ops::Range;

use super::{ExprError, SYNTAX};

/// How deeply expressions may nest (parentheses, operators, calls).
const MAX_DEPTH: usize = 64;

/// A parsed expression; every node knows its byte range in the source.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expr {
    pub kind: ExprKind,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ExprKind {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Null,
    List(Vec<Expr>),
    /// A bare name: the root of a path such as `var` in `var.region`.
    Name(String),
    /// `target.name`.
    Attr(Box<Expr>, String),
    /// `target[index]`.
    Index(Box<Expr>, Box<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `cond ? then : else`.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `name(args)`, with the name's span.
    Call(String, Range<usize>, Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum UnOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Int(i64),
    Float(f64),
    Str(String),
    Ident(String),
    /// Punctuation and operators, as written.
    Punct(&'static str),
}

const PUNCT: &[&str] = &[
    "||", "&&", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "!", "?", ":", "(", ")",
    "[", "]", ",", ".",
];

fn error(message: impl Into<String>, help: impl Into<String>, span: Range<usize>) -> ExprError {
    ExprError {
        code: SYNTAX,
        message: message.into(),
        help: help.into(),
        span,
    }
}

fn lex(src: &str) -> Result<Vec<(Tok, Range<usize>)>, ExprError> {
    let mut out = Vec::new();
    let bytes = src.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'_') {
                i += 1;
            }
            let mut float = false;
            if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
                float = true;
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let text: String = src[start..i].chars().filter(|&c| c != '_').collect();
            let tok = if float {
                text.parse().ok().map(Tok::Float)
            } else {
                text.parse().ok().map(Tok::Int)
            };
            let tok = tok.ok_or_else(|| {
                error(
                    format!("`{}` is not a number Strata can hold", &src[start..i]),
                    "whole numbers are 64-bit",
                    start..i,
                )
            })?;
            out.push((tok, start..i));
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push((Tok::Ident(src[start..i].to_string()), start..i));
            continue;
        }
        if c == b'"' || c == b'\'' {
            let (s, end) = string(src, start, c)?;
            out.push((Tok::Str(s), start..end));
            i = end;
            continue;
        }
        let rest = &src[i..];
        let Some(p) = PUNCT.iter().find(|p| rest.starts_with(**p)) else {
            let ch = rest.chars().next().unwrap_or(' ');
            return Err(error(
                format!("`{ch}` cannot appear in an expression"),
                "expressions hold names (`var.x`), numbers, quoted strings, operators \
                 (+ - * / % == != < <= > >= && || ! ? :), parentheses and function calls",
                i..i + ch.len_utf8(),
            ));
        };
        i += p.len();
        out.push((Tok::Punct(p), start..i));
    }
    Ok(out)
}

/// A quoted string starting at `start` (the quote): its value and the end.
fn string(src: &str, start: usize, quote: u8) -> Result<(String, usize), ExprError> {
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((off, c)) = chars.next() {
        let at = start + 1 + off;
        match c {
            c if c as u32 == quote as u32 => return Ok((out, at + 1)),
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, c @ ('\\' | '"' | '\''))) => out.push(c),
                Some((o, c)) => {
                    return Err(error(
                        format!("unknown escape `\\{c}`"),
                        "strings in expressions know `\\n`, `\\t`, `\\\\`, `\\\"` and `\\'`",
                        at..start + 1 + o + c.len_utf8(),
                    ))
                }
                None => break,
            },
            c => out.push(c),
        }
    }
    Err(error(
        "a string is never closed",
        "close it with the quote it opened with",
        start..src.len(),
    ))
}

/// Parses a whole expression.
pub(crate) fn parse(src: &str) -> Result<Expr, ExprError> {
    let tokens = lex(src)?;
    if tokens.is_empty() {
        return Err(error(
            "the expression is empty",
            "write a value or a name inside `${...}`, e.g. `${var.region}`",
            0..src.len(),
        ));
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
        end: src.len(),
    };
    let expr = p.cond()?;
    if let Some((_, span)) = p.tokens.get(p.pos) {
        return Err(error(
            "unexpected text after the expression",
            "an expression is one value: join parts with an operator, or use a function",
            span.start..p.end,
        ));
    }
    Ok(expr)
}

struct Parser {
    tokens: Vec<(Tok, Range<usize>)>,
    pos: usize,
    depth: usize,
    end: usize,
}

impl Parser {
    fn peek_punct(&self, p: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some((Tok::Punct(q), _)) if *q == p)
    }

    fn eat(&mut self, p: &str) -> Option<Range<usize>> {
        if self.peek_punct(p) {
            let span = self.tokens[self.pos].1.clone();
            self.pos += 1;
            Some(span)
        } else {
            None
        }
    }

    fn here(&self) -> Range<usize> {
        self.tokens
            .get(self.pos)
            .map_or(self.end..self.end, |(_, s)| s.clone())
    }

    fn expect(&mut self, p: &str, what: &str) -> Result<Range<usize>, ExprError> {
        self.eat(p).ok_or_else(|| {
            error(
                format!("expected `{p}` {what}"),
                "check the expression's brackets and operators",
                self.here(),
            )
        })
    }

    fn enter(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(error(
                "the expression nests too deeply",
                format!("expressions may nest at most {MAX_DEPTH} levels; split it up"),
                self.here(),
            ));
        }
        Ok(())
    }

    fn cond(&mut self) -> Result<Expr, ExprError> {
        self.enter()?;
        let test = self.binary(0)?;
        let out = if self.eat("?").is_some() {
            let then = self.cond()?;
            self.expect(":", "between the two branches of `? :`")?;
            let other = self.cond()?;
            let span = test.span.start..other.span.end;
            Expr {
                kind: ExprKind::Cond(Box::new(test), Box::new(then), Box::new(other)),
                span,
            }
        } else {
            test
        };
        self.depth -= 1;
        Ok(out)
    }

    /// Binary operators by precedence level (0 is the loosest).
    fn binary(&mut self, level: usize) -> Result<Expr, ExprError> {
        const LEVELS: &[&[(&str, BinOp)]] = &[
            &[("||", BinOp::Or)],
            &[("&&", BinOp::And)],
            &[("==", BinOp::Eq), ("!=", BinOp::Ne)],
            &[
                ("<=", BinOp::Le),
                (">=", BinOp::Ge),
                ("<", BinOp::Lt),
                (">", BinOp::Gt),
            ],
            &[("+", BinOp::Add), ("-", BinOp::Sub)],
            &[("*", BinOp::Mul), ("/", BinOp::Div), ("%", BinOp::Rem)],
        ];
        let Some(ops) = LEVELS.get(level) else {
            return self.unary();
        };
        let mut left = self.binary(level + 1)?;
        'outer: loop {
            for (sym, op) in *ops {
                if self.eat(sym).is_some() {
                    self.enter()?;
                    let right = self.binary(level + 1)?;
                    self.depth -= 1;
                    let span = left.span.start..right.span.end;
                    left = Expr {
                        kind: ExprKind::Binary(*op, Box::new(left), Box::new(right)),
                        span,
                    };
                    continue 'outer;
                }
            }
            return Ok(left);
        }
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        let op = if let Some(s) = self.eat("-") {
            Some((UnOp::Neg, s))
        } else {
            self.eat("!").map(|s| (UnOp::Not, s))
        };
        let Some((op, span)) = op else {
            return self.postfix();
        };
        self.enter()?;
        let inner = self.unary()?;
        self.depth -= 1;
        let span = span.start..inner.span.end;
        Ok(Expr {
            kind: ExprKind::Unary(op, Box::new(inner)),
            span,
        })
    }

    fn postfix(&mut self) -> Result<Expr, ExprError> {
        let mut expr = self.primary()?;
        loop {
            if self.eat(".").is_some() {
                let Some((Tok::Ident(name), span)) = self.tokens.get(self.pos).cloned() else {
                    return Err(error(
                        "expected a name after `.`",
                        "write a path such as `var.region` or `var.sizes.web`",
                        self.here(),
                    ));
                };
                self.pos += 1;
                let whole = expr.span.start..span.end;
                expr = Expr {
                    kind: ExprKind::Attr(Box::new(expr), name),
                    span: whole,
                };
            } else if self.eat("[").is_some() {
                self.enter()?;
                let index = self.cond()?;
                self.depth -= 1;
                let close = self.expect("]", "to close the index")?;
                let whole = expr.span.start..close.end;
                expr = Expr {
                    kind: ExprKind::Index(Box::new(expr), Box::new(index)),
                    span: whole,
                };
            } else {
                return Ok(expr);
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let Some((tok, span)) = self.tokens.get(self.pos).cloned() else {
            return Err(error(
                "the expression ends too early",
                "finish the expression: a value is missing",
                self.end..self.end,
            ));
        };
        self.pos += 1;
        let kind = match tok {
            Tok::Int(i) => ExprKind::Int(i),
            Tok::Float(f) => ExprKind::Float(f),
            Tok::Str(s) => ExprKind::Str(s),
            Tok::Ident(name) if name == "true" => ExprKind::Bool(true),
            Tok::Ident(name) if name == "false" => ExprKind::Bool(false),
            Tok::Ident(name) if name == "null" => ExprKind::Null,
            Tok::Ident(name) => {
                if self.eat("(").is_some() {
                    let (args, close) = self.items(")")?;
                    return Ok(Expr {
                        kind: ExprKind::Call(name, span.clone(), args),
                        span: span.start..close.end,
                    });
                }
                ExprKind::Name(name)
            }
            Tok::Punct("(") => {
                self.enter()?;
                let inner = self.cond()?;
                self.depth -= 1;
                let close = self.expect(")", "to close the parenthesis")?;
                return Ok(Expr {
                    kind: inner.kind,
                    span: span.start..close.end,
                });
            }
            Tok::Punct("[") => {
                let (items, close) = self.items("]")?;
                return Ok(Expr {
                    kind: ExprKind::List(items),
                    span: span.start..close.end,
                });
            }
            Tok::Punct(p) => {
                return Err(error(
                    format!("expected a value, found `{p}`"),
                    "a value is a number, a quoted string, `true`, `false`, a name such as \
                     `var.x`, a list `[...]` or a function call",
                    span,
                ))
            }
        };
        Ok(Expr { kind, span })
    }

    /// Comma-separated expressions up to `close`.
    fn items(&mut self, close: &str) -> Result<(Vec<Expr>, Range<usize>), ExprError> {
        self.enter()?;
        let mut items = Vec::new();
        loop {
            if let Some(end) = self.eat(close) {
                self.depth -= 1;
                return Ok((items, end));
            }
            items.push(self.cond()?);
            if self.eat(",").is_none() {
                let end = self.expect(close, "after the last item")?;
                self.depth -= 1;
                return Ok((items, end));
            }
        }
    }
}
