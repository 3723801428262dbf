//! CloudWatch metric-math expressions, as far as Strata reads them: numbers,
//! query ids, `+ - * /`, parentheses and function calls (`FILL(m1, 0)`).
//!
//! Validation uses [`Expr::ids`] to check that every id an expression names
//! is a query of the same alarm; the simulated cloud evaluates expressions
//! with [`Expr::eval`].
//!
//! ```
//! use strata_core::kinds::metric_math::Expr;
//!
//! let e = Expr::parse("100 * (m1 + m2) / m3").unwrap();
//! assert_eq!(e.ids(), vec!["m1", "m2", "m3"]);
//! let v = e.eval(&|id| match id { "m1" => Some(3.0), "m2" => Some(1.0), _ => Some(200.0) });
//! assert_eq!(v, Some(2.0));
//! ```

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A number.
    Num(f64),
    /// A quoted string (an argument of functions such as `SEARCH`).
    Str(String),
    /// The id of another query.
    Id(String),
    /// `-x`.
    Neg(Box<Expr>),
    /// `x op y`.
    Bin(char, Box<Expr>, Box<Expr>),
    /// `NAME(args)`.
    Call(String, Vec<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Op(char),
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|c| c.is_ascii_digit() || *c == '.')
            {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let n = text
                .parse::<f64>()
                .map_err(|_| format!("`{text}` is not a number"))?;
            out.push(Tok::Num(n));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
            {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else if c == '\'' || c == '"' {
            let start = i + 1;
            i = start;
            while chars.get(i).is_some_and(|x| *x != c) {
                i += 1;
            }
            if i >= chars.len() {
                return Err("a quoted string is not closed".into());
            }
            out.push(Tok::Str(chars[start..i].iter().collect()));
            i += 1;
        } else if "+-*/(),".contains(c) {
            out.push(Tok::Op(c));
            i += 1;
        } else {
            return Err(format!("unexpected `{c}`"));
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn eat(&mut self, op: char) -> bool {
        if self.peek() == Some(&Tok::Op(op)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn sum(&mut self) -> Result<Expr, String> {
        let mut left = self.product()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Op(c)) if *c == '+' || *c == '-' => *c,
                _ => return Ok(left),
            };
            self.at += 1;
            let right = self.product()?;
            left = Expr::Bin(op, Box::new(left), Box::new(right));
        }
    }

    fn product(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Op(c)) if *c == '*' || *c == '/' => *c,
                _ => return Ok(left),
            };
            self.at += 1;
            let right = self.unary()?;
            left = Expr::Bin(op, Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.eat('-') {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Tok::Num(n)) => Ok(Expr::Num(n)),
            Some(Tok::Str(s)) => Ok(Expr::Str(s)),
            Some(Tok::Ident(name)) => {
                if !self.eat('(') {
                    return Ok(Expr::Id(name));
                }
                let mut args = Vec::new();
                if !self.eat(')') {
                    loop {
                        args.push(self.sum()?);
                        if self.eat(')') {
                            break;
                        }
                        if !self.eat(',') {
                            return Err(format!("`{name}(` is not closed"));
                        }
                    }
                }
                Ok(Expr::Call(name, args))
            }
            Some(Tok::Op('(')) => {
                let inner = self.sum()?;
                if self.eat(')') {
                    Ok(inner)
                } else {
                    Err("a `(` is not closed".into())
                }
            }
            Some(Tok::Op(c)) => Err(format!("unexpected `{c}`")),
            None => Err("the expression ends too early".into()),
        }
    }
}

impl Expr {
    /// Parses an expression; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Expr, String> {
        let mut p = Parser {
            toks: lex(text)?,
            at: 0,
        };
        if p.toks.is_empty() {
            return Err("the expression is empty".into());
        }
        let e = p.sum()?;
        match p.peek() {
            None => Ok(e),
            Some(Tok::Op(c)) => Err(format!("unexpected `{c}`")),
            Some(_) => Err("two values with no operator between them".into()),
        }
    }

    /// The query ids the expression reads, in order of first use.
    pub fn ids(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_ids(&mut out);
        out
    }

    fn collect_ids<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::Id(id) => {
                if !out.contains(&id.as_str()) {
                    out.push(id);
                }
            }
            Expr::Neg(x) => x.collect_ids(out),
            Expr::Bin(_, a, b) => {
                a.collect_ids(out);
                b.collect_ids(out);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.collect_ids(out)),
            Expr::Num(_) | Expr::Str(_) => {}
        }
    }

    /// The expression's value for one period, given each query's value
    /// (`None`: no datapoint). Missing inputs, a division by zero and
    /// functions other than `FILL`, `MAX`, `MIN` and `ABS` give `None`.
    pub fn eval(&self, value_of: &dyn Fn(&str) -> Option<f64>) -> Option<f64> {
        match self {
            Expr::Num(n) => Some(*n),
            Expr::Str(_) => None,
            Expr::Id(id) => value_of(id),
            Expr::Neg(x) => x.eval(value_of).map(|v| -v),
            Expr::Bin(op, a, b) => {
                let (a, b) = (a.eval(value_of)?, b.eval(value_of)?);
                let v = match op {
                    '+' => a + b,
                    '-' => a - b,
                    '*' => a * b,
                    _ if b == 0.0 => return None,
                    _ => a / b,
                };
                v.is_finite().then_some(v)
            }
            Expr::Call(name, args) => {
                let vals: Vec<Option<f64>> = args.iter().map(|a| a.eval(value_of)).collect();
                match (name.as_str(), vals.as_slice()) {
                    ("FILL", [x, fill]) => x.or(*fill),
                    ("ABS", [x]) => x.map(f64::abs),
                    ("MAX", xs) if !xs.is_empty() => xs.iter().flatten().copied().reduce(f64::max),
                    ("MIN", xs) if !xs.is_empty() => xs.iter().flatten().copied().reduce(f64::min),
                    _ => None,
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn eval(text: &str) -> Option<f64> {
        Expr::parse(text).unwrap().eval(&|id| match id {
            "a" => Some(2.0),
            "b" => Some(4.0),
            "zero" => Some(0.0),
            _ => None,
        })
    }

    #[test]
    fn arithmetic_follows_precedence_and_parentheses() {
        assert_eq!(eval("1 + 2 * 3"), Some(7.0));
        assert_eq!(eval("(1 + 2) * 3"), Some(9.0));
        assert_eq!(eval("100 * (a + b) / b"), Some(150.0));
        assert_eq!(eval("-a + 1"), Some(-1.0));
        assert_eq!(eval("a - b - 1"), Some(-3.0));
    }

    #[test]
    fn missing_data_and_division_by_zero_give_no_value() {
        assert_eq!(eval("a / zero"), None);
        assert_eq!(eval("a + missing"), None);
        assert_eq!(eval("FILL(missing, 0) + a"), Some(2.0));
        assert_eq!(eval("SEARCH('x', 'Sum')"), None);
    }

    #[test]
    fn ids_and_errors() {
        let e = Expr::parse("FILL(m1, 0) + m2 * m1").unwrap();
        assert_eq!(e.ids(), vec!["m1", "m2"]);
        assert!(Expr::parse("m1 +").unwrap_err().contains("ends too early"));
        assert!(Expr::parse("(m1").unwrap_err().contains("not closed"));
        assert!(Expr::parse("m1 m2").unwrap_err().contains("no operator"));
        assert!(Expr::parse("m1 % 2")
            .unwrap_err()
            .contains("unexpected `%`"));
        assert!(Expr::parse("  ").is_err());
    }
}
