#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

/// `var.*` from a fixed list; `var.secret` is sensitive.
struct Vars;

impl Scope for Vars {
    fn lookup(&self, root: &str, name: &str) -> Option<Lookup> {
        if root != "var" {
            return None;
        }
        let mut sizes = crate::value::Attrs::new();
        sizes.insert("web".into(), Value::Int(3));
        sizes.insert("db".into(), Value::Int(1));
        Some(match name {
            "env" => Lookup::found(Value::from("prod")),
            "n" => Lookup::found(Value::Int(7)),
            "sizes" => Lookup::found(Value::Map(sizes)),
            "zones" => Lookup::found(Value::List(vec!["a".into(), "b".into()])),
            "secret" => Lookup::Found(Evaluated {
                value: Value::from("hunter2"),
                sensitive: true,
            }),
            _ => Lookup::unknown_name("no such variable"),
        })
    }
}

/// Evaluates and renders `value` or `code message @start..end`.
fn check(src: &str, expect: &str) {
    let got = match evaluate(src, &Vars) {
        Ok(e) => format!(
            "{}{}",
            e.value,
            if e.sensitive { " (sensitive)" } else { "" }
        ),
        Err(e) => format!("{} {} @{}..{}", e.code, e.message, e.span.start, e.span.end),
    };
    assert_eq!(got, expect, "for {src:?}");
}

#[test]
fn values_and_operators() {
    check("var.env", r#""prod""#);
    check("var.n * 2 + 1", "15");
    check("(var.n + 1) % 3", "2");
    check("var.n / 2", "3.5");
    check("var.n / 7", "1");
    check("-var.n", "-7");
    check("1.5 * 2", "3");
    check("var.env == \"prod\" ? 3 : 1", "3");
    check("var.env != 'prod' ? 3 : 1", "1");
    check("var.n >= 7 && !(var.n > 7)", "true");
    check("false && var.nope", "false");
    check("\"a\" < \"b\"", "true");
    check("var.sizes.web", "3");
    check("var.sizes[\"db\"]", "1");
    check("var.zones[1]", r#""b""#);
    check("[1, 2, 3]", "[1, 2, 3]");
    check("var.secret == \"x\" ? 1 : 2", "2 (sensitive)");
}

#[test]
fn functions() {
    check("length(var.zones)", "2");
    check("length(var.env)", "4");
    check("length(var.sizes)", "2");
    check("lookup(var.sizes, \"web\", 0)", "3");
    check("lookup(var.sizes, \"cache\", 0)", "0");
    check("cidrsubnet(\"10.0.0.0/16\", 8, 2)", r#""10.0.2.0/24""#);
    check("cidrsubnet(\"10.1.0.0/16\", 4, 15)", r#""10.1.240.0/20""#);
    check("cidrsubnet(\"10.0.0.0/16\", 0, 0)", r#""10.0.0.0/16""#);
    check("cidrsubnet(\"fd00::/56\", 8, 1)", r#""fd00:0:0:1::/64""#);
}

#[test]
fn mistakes_point_at_their_span() {
    check(
        "var.n / 0",
        "strata::expr::arithmetic division by zero @8..9",
    );
    check(
        "var.n % (1 - 1)",
        "strata::expr::arithmetic division by zero @8..15",
    );
    check(
        "9223372036854775807 + 1",
        "strata::expr::arithmetic the result is too large @0..23",
    );
    check(
        "var.env + 1",
        "strata::expr::type `+` cannot combine a string and a number @0..11",
    );
    check(
        "var.n ? 1 : 2",
        "strata::expr::type the condition of `? :` is a number, not a bool @0..5",
    );
    check(
        "lenght(var.zones)",
        "strata::expr::function unknown function `lenght` @0..6",
    );
    check(
        "var.nope",
        "strata::expr::name `var.nope` is not defined @0..8",
    );
    check(
        "vpc.id",
        "strata::expr::not_in_scope `vpc.id` is not a variable @0..6",
    );
    check(
        "lookup(var.sizes, \"x\")",
        "strata::expr::name the map has no key `x` @18..21",
    );
    check(
        "var.zones[5]",
        "strata::expr::name index 5 is out of range: the list has 2 @10..11",
    );
    check(
        "cidrsubnet(\"10.0.0.0/16\", 8, 256)",
        "strata::expr::cidr `netnum` must be 0 to 255 with 8 new bits, not 256 @29..32",
    );
    check(
        "cidrsubnet(\"10.0.0.0\", 8, 1)",
        "strata::expr::cidr `10.0.0.0` is not a CIDR block such as 10.0.0.0/16 @11..21",
    );
    check(
        "cidrsubnet(\"10.0.0.0/30\", 8, 1)",
        "strata::expr::cidr `newbits` must be 0 to 2 for `10.0.0.0/30`, not 8 @26..27",
    );
    check(
        "1 +",
        "strata::expr::syntax the expression ends too early @3..3",
    );
    check(
        "(1",
        "strata::expr::syntax expected `)` to close the parenthesis @2..2",
    );
    check(
        "1 2",
        "strata::expr::syntax unexpected text after the expression @2..3",
    );
    check(
        "\"abc",
        "strata::expr::syntax a string is never closed @0..4",
    );
    check(
        "a # b",
        "strata::expr::syntax `#` cannot appear in an expression @2..3",
    );
    check("", "strata::expr::syntax the expression is empty @0..0");
    check("env", "strata::expr::name `env` alone is not a value @0..3");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
    let err = evaluate(&deep, &Vars).unwrap_err();
    assert_eq!(err.code, SYNTAX);
    assert!(err.message.contains("nests too deeply"), "{err:?}");
    let negs = format!("{}1", "-".repeat(10_000));
    assert_eq!(evaluate(&negs, &Vars).unwrap_err().code, SYNTAX);
}

#[test]
fn scopes_chain_and_report_paths_outside_them() {
    struct Each;
    impl Scope for Each {
        fn lookup(&self, root: &str, name: &str) -> Option<Lookup> {
            (root == "each" && name == "key").then(|| Lookup::found(Value::from("a")))
        }
    }
    let both: (&dyn Scope, &dyn Scope) = (&Vars, &Each);
    let e = evaluate("each.value", &both).unwrap_err();
    assert_eq!(
        e.code, NOT_IN_SCOPE,
        "a root known by no scope is left to the caller"
    );
    assert_eq!(
        evaluate("each.key == \"a\" ? var.n : 0", &both)
            .unwrap()
            .value,
        Value::Int(7)
    );
    assert!(is_evaluable("var.n + 1", &Vars));
    assert!(!is_evaluable("var.n + vpc.id", &Vars));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(500))]
    /// Any text ends in a value or an error whose span lies inside it.
    #[test]
    fn never_panics(src in "[-+*/%()<>=!&|?:.,\\[\\]\"'a-z0-9_ ]{0,40}") {
        if let Err(e) = evaluate(&src, &Vars) {
            proptest::prop_assert!(e.span.start <= e.span.end && e.span.end <= src.len());
        }
    }
}
