//! TOML values to [`Value`]s: references (`"${vpc.id}"`), expressions on
//! variables and `count.index` (evaluated here, see [`super::expr`]),
//! `per_index` lists for counted resources, and plain JSON for provider and
//! backend options (whose expressions are evaluated too).

use std::ops::Range;

use toml_edit::{Item, TableLike};

use super::expr::{self, Lookup, Scope, Shape};
use super::for_each;
use super::{article, Ctx, COUNT_INDEX, INTERPOLATION, REFERENCE, TYPE, VALUE, VAR_UNSET};
use crate::each::Each;
use crate::value::{Attrs, Reference, Value};

/// Which instance of a counted resource is being built.
#[derive(Debug, Clone, Copy)]
pub(super) struct Instance {
    /// This instance's index.
    pub index: usize,
    /// How many instances there are.
    pub count: usize,
}

/// Converts TOML to [`Value`]s, reporting mistakes to the context.
///
/// A counted resource is converted once per instance; only the first pass
/// reports problems (`report`), so each mistake is reported once.
pub(super) struct Convert<'c> {
    ctx: &'c mut Ctx,
    instance: Option<Instance>,
    report: bool,
    /// Names besides `var.*` and `count.*` (e.g. `each.*`), asked first.
    extra: Option<&'c dyn Scope>,
    /// Whether a sensitive variable went into a value since the last
    /// [`Convert::take_sensitive`].
    sensitive: bool,
    /// Whether an expression used a variable whose value was rejected
    /// (reported already), so the value is not usable.
    pub(super) unset: bool,
    /// The keyed instance being built (`${each.key}`, `${each.value}`).
    each: Option<&'c Each>,
}

/// `each.key` and `each.value` inside larger expressions (a whole
/// `${each...}` is looked up directly, with its own diagnostics).
struct EachScope<'e>(Option<&'e Each>);

impl Scope for EachScope<'_> {
    fn lookup(&self, root: &str, name: &str) -> Option<Lookup> {
        if root != "each" {
            return None;
        }
        Some(match (self.0, name) {
            (Some(each), "key") => Lookup::found(Value::String(each.key.as_str().into())),
            (Some(each), "value") => Lookup::found(each.value.clone()),
            (Some(_), _) => Lookup::unknown_name("`each` has `key` and `value`"),
            (None, _) => Lookup::Error {
                code: for_each::EACH,
                message: "`each` is used outside a `for_each` resource or module".into(),
                help: "add `for_each = {...}` (or a list of keys) to the block, or write the \
                       value directly"
                    .into(),
            },
        })
    }
}

/// `count.index` in expressions: the instance's index, or a problem
/// outside a counted resource.
struct CountScope(Option<Instance>);

impl Scope for CountScope {
    fn lookup(&self, root: &str, name: &str) -> Option<Lookup> {
        if root != "count" {
            return None;
        }
        Some(match (self.0, name) {
            (Some(i), "index") => {
                Lookup::found(Value::Int(i64::try_from(i.index).unwrap_or(i64::MAX)))
            }
            (Some(_), _) => Lookup::unknown_name("`count` has only `index`"),
            (None, _) => Lookup::Error {
                code: COUNT_INDEX,
                message: "`count.index` is used outside a counted resource".into(),
                help: "add `count = N` to the resource, or write the value directly".into(),
            },
        })
    }
}

/// One piece of a string: literal text or the inside of `${...}`.
enum Piece<'s> {
    Text(&'s str),
    Expr(&'s str),
}

impl<'c> Convert<'c> {
    /// A converter for values outside counted resources.
    pub(super) fn new(ctx: &'c mut Ctx) -> Self {
        Self {
            ctx,
            instance: None,
            report: true,
            extra: None,
            sensitive: false,
            unset: false,
            each: None,
        }
    }

    /// Adds names to the scope of expressions (asked before `var` and
    /// `count`): e.g. `each.key` for one instance of a `for_each`.
    #[allow(dead_code)]
    pub(super) fn with_scope(mut self, scope: &'c dyn Scope) -> Self {
        self.extra = Some(scope);
        self
    }

    /// The context problems and warnings go to.
    pub(super) fn ctx_mut(&mut self) -> &mut Ctx {
        self.ctx
    }

    /// Whether problems are reported (the first instance of a counted
    /// resource reports them).
    pub(super) fn reports(&self) -> bool {
        self.report
    }

    /// Whether a sensitive variable went into a value converted since the
    /// last call.
    pub(super) fn take_sensitive(&mut self) -> bool {
        std::mem::take(&mut self.sensitive)
    }

    /// The same converter for one keyed instance (`for_each`).
    pub(super) fn with_each(mut self, each: Option<&'c Each>) -> Self {
        self.each = each;
        self
    }

    /// A converter for one instance of a counted resource (or `None` for an
    /// uncounted one).
    pub(super) fn for_instance(ctx: &'c mut Ctx, instance: Option<Instance>, report: bool) -> Self {
        Self {
            ctx,
            instance,
            report,
            extra: None,
            sensitive: false,
            unset: false,
            each: None,
        }
    }

    /// A resource attribute: like [`Convert::item`], but `{ per_index = [...] }`
    /// picks this instance's element. Returns the value and the span to record.
    pub(super) fn attribute(&mut self, name: &str, item: &Item) -> (Value, Option<Range<usize>>) {
        let per_index = item
            .as_table_like()
            .filter(|t| t.len() == 1)
            .and_then(|t| t.get("per_index"));
        let Some(list_item) = per_index else {
            return (self.item(item), item.span());
        };
        let Some(instance) = self.instance else {
            self.report(
                COUNT_INDEX,
                format!("`{name}` uses `per_index` but the resource has no `count`"),
                "add `count = N` to the resource, or write the value directly",
                item.span(),
                "`per_index` needs `count`",
            );
            return (self.item(item), item.span());
        };
        let Some(list) = list_item.as_array() else {
            self.report(
                TYPE,
                format!(
                    "`per_index` of `{name}` must be an array, not {}",
                    article(list_item.type_name())
                ),
                "give one value per instance, e.g. `{ per_index = [\"us-east-1a\", \"us-east-1b\"] }`",
                list_item.span(),
                "not an array",
            );
            return (Value::Null, list_item.span());
        };
        if list.len() != instance.count {
            self.report(
                COUNT_INDEX,
                format!(
                    "`per_index` of `{name}` has {} value{} but `count` is {}",
                    list.len(),
                    if list.len() == 1 { "" } else { "s" },
                    instance.count
                ),
                "give exactly one value per instance, in index order",
                list_item.span(),
                "wrong number of values",
            );
        }
        match list.get(instance.index) {
            Some(element) => (self.value(element), element.span()),
            None => (Value::Null, list_item.span()),
        }
    }

    /// Any TOML item.
    pub(super) fn item(&mut self, item: &Item) -> Value {
        match item {
            Item::None => Value::Null,
            Item::Value(v) => self.value(v),
            Item::Table(t) => self.table(t),
            Item::ArrayOfTables(tables) => {
                let mut items = Vec::with_capacity(tables.len());
                for t in tables.iter() {
                    items.push(self.table(t));
                }
                Value::List(items)
            }
        }
    }

    fn value(&mut self, v: &toml_edit::Value) -> Value {
        use toml_edit::Value as T;
        match v {
            T::String(s) => self.string(s.value(), v.span()),
            T::Integer(i) => Value::Int(*i.value()),
            T::Float(f) => {
                let x = *f.value();
                if !x.is_finite() {
                    self.report(
                        VALUE,
                        format!("`{x}` is not a number Strata can use"),
                        "write a finite number",
                        v.span(),
                        "not finite",
                    );
                }
                Value::Float(x)
            }
            T::Boolean(b) => Value::Bool(*b.value()),
            T::Datetime(d) => Value::String(d.value().to_string().into()),
            T::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items.iter() {
                    out.push(self.value(item));
                }
                Value::List(out)
            }
            T::InlineTable(t) => self.table(t),
        }
    }

    fn table(&mut self, table: &dyn TableLike) -> Value {
        let mut map = Attrs::new();
        for (key, item) in table.iter() {
            let value = self.item(item);
            map.insert(key.into(), value);
        }
        Value::Map(map)
    }

    /// A string: a whole-string reference, `${count.index}`, `$${` escapes.
    fn string(&mut self, s: &str, span: Option<Range<usize>>) -> Value {
        let pieces = match split(s) {
            Ok(pieces) => pieces,
            Err(unclosed) => {
                let at = self.narrow(span.clone(), unclosed);
                self.report(
                    REFERENCE,
                    "a `${` is never closed",
                    "close the reference with `}`, or write `$${` for a literal `${`",
                    at,
                    "unclosed `${`",
                );
                return Value::String(s.into());
            }
        };
        if let [Piece::Expr(expr)] = pieces.as_slice() {
            let expr = expr.trim();
            if expr == "count.index" {
                return match self.instance {
                    Some(i) => Value::Int(i64::try_from(i.index).unwrap_or(i64::MAX)),
                    None => {
                        self.no_count(span);
                        Value::String(s.into())
                    }
                };
            }
            if let Some(found) = for_each::lookup(self.each, expr) {
                return self
                    .each_value(found, expr, span)
                    .unwrap_or_else(|| Value::String(s.into()));
            }
            if let Some(r) = Reference::parse(expr) {
                if !self.in_scope(&r) {
                    return Value::Ref(Box::new(r));
                }
            }
            return match self.shape(expr) {
                Shape::Evaluable | Shape::OutOfScope => self
                    .evaluate(pieces_expr(&pieces), span)
                    .unwrap_or_else(|| Value::String(s.into())),
                Shape::Invalid => {
                    self.report(
                        REFERENCE,
                        format!("`${{{expr}}}` is not a valid reference"),
                        "a reference names a resource and one of its attributes, \
                         e.g. \"${vpc.id}\" or \"${db.primary.endpoint}\"; an expression \
                         uses variables, e.g. \"${var.size * 2}\"",
                        span,
                        "malformed reference",
                    );
                    Value::String(s.into())
                }
            };
        }
        let mut out = String::with_capacity(s.len());
        let mut reported = false;
        for piece in &pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Expr(expr) if expr.trim() == "count.index" => match self.instance {
                    Some(i) => out.push_str(&i.index.to_string()),
                    None => self.no_count(span.clone()),
                },
                Piece::Expr(expr) if for_each::lookup(self.each, expr).is_some() => {
                    let found = for_each::lookup(self.each, expr);
                    match found.and_then(|f| self.each_value(f, expr, span.clone())) {
                        None => {}
                        Some(Value::String(v)) => out.push_str(&v),
                        Some(Value::Int(n)) => out.push_str(&n.to_string()),
                        Some(Value::Float(x)) => out.push_str(&x.to_string()),
                        Some(Value::Bool(b)) => out.push_str(&b.to_string()),
                        Some(_) => {
                            let needle = format!("${{{expr}}}");
                            let at = self.narrow(span.clone(), &needle);
                            self.report(
                                for_each::EACH,
                                format!("`{needle}` is not text, so it cannot be part of a string"),
                                "use a field holding a string or a number, or make the \
                                 reference the whole string",
                                at,
                                "not text",
                            );
                        }
                    }
                }
                Piece::Expr(expr) if self.shape(expr) == Shape::Evaluable => {
                    let Some(value) = self.evaluate(expr, span.clone()) else {
                        continue;
                    };
                    match expr::interpolated(&value) {
                        Some(text) => out.push_str(&text),
                        None => {
                            let needle = format!("${{{expr}}}");
                            let at = self.narrow(span.clone(), &needle);
                            self.report(
                                TYPE,
                                format!(
                                    "`{needle}` is {} and cannot go inside a string",
                                    expr_type(&value)
                                ),
                                "only strings, numbers and bools can be part of a string; \
                                 use the value alone (\"${...}\" as the whole string)",
                                at,
                                "not text",
                            );
                        }
                    }
                }
                Piece::Expr(expr) => {
                    out.push_str("${");
                    out.push_str(expr);
                    out.push('}');
                    if !reported {
                        reported = true;
                        let needle = format!("${{{expr}}}");
                        let at = self.narrow(span.clone(), &needle);
                        self.report(
                            INTERPOLATION,
                            format!("`{needle}` is used inside a larger string"),
                            "a reference to a resource must be the whole string, e.g. \
                             \"${vpc.id}\" (only variables and `${count.index}` may appear \
                             inside text; write `$${` for a literal `${`)",
                            at,
                            "interpolation is not supported",
                        );
                    }
                }
            }
        }
        Value::String(out.into())
    }

    /// Whether a reference-shaped path (`var.x`, `each.key`) starts at a
    /// root a scope answers, rather than at a resource.
    fn in_scope(&self, r: &Reference) -> bool {
        let s = r.address.as_str();
        let root = s.split(['.', '[']).next().unwrap_or(s);
        let count = CountScope(self.instance);
        let each = EachScope(self.each);
        let scopes: [&dyn Scope; 4] = [self.extra.unwrap_or(&()), &each, &self.ctx.vars, &count];
        scopes.lookup(root, &r.attr).is_some()
    }

    fn shape(&self, src: &str) -> Shape {
        let count = CountScope(self.instance);
        let each = EachScope(self.each);
        let scopes: [&dyn Scope; 4] = [self.extra.unwrap_or(&()), &each, &self.ctx.vars, &count];
        expr::shape(src, &scopes)
    }

    /// Evaluates the inside of a `${...}` written in the string at `span`,
    /// reporting an error at the culprit.
    fn evaluate(&mut self, raw: &str, span: Option<Range<usize>>) -> Option<Value> {
        let lead = raw.len() - raw.trim_start().len();
        let src = raw.trim();
        let result = {
            let count = CountScope(self.instance);
            let each = EachScope(self.each);
            let scopes: [&dyn Scope; 4] =
                [self.extra.unwrap_or(&()), &each, &self.ctx.vars, &count];
            expr::evaluate(src, &scopes)
        };
        match result {
            Ok(e) => {
                self.sensitive |= e.sensitive;
                Some(e.value)
            }
            Err(e) if e.code == VAR_UNSET => {
                self.unset = true;
                None
            }
            Err(e) => {
                let whole = self.narrow(span.clone(), &format!("${{{raw}}}"));
                let at = match (&whole, &span) {
                    (Some(w), Some(s)) if w != s => {
                        let start = w.start + 2 + lead;
                        Some(start + e.span.start..start + e.span.end)
                    }
                    _ => whole,
                };
                self.report(e.code, e.message, e.help, at, "here");
                None
            }
        }
    }

    /// Reports a sensitive variable in the attribute `name` of a resource
    /// of `kind`, unless the kind's schema keeps that attribute out of
    /// plans and state (then it is stored as a digest, as always).
    pub(super) fn sensitive_attribute(
        &mut self,
        kind: Option<&str>,
        name: &str,
        span: Option<Range<usize>>,
    ) {
        let schema = kind.and_then(crate::kinds::schema_of);
        if schema.is_none_or(|s| s.attr(name).is_some_and(|a| a.sensitive)) {
            return;
        }
        self.report(
            super::VAR_SENSITIVE,
            format!("a sensitive variable is used in `{name}`, which is not a sensitive attribute"),
            "its value would be shown in plans and stored in state in clear: use the \
             variable only in sensitive attributes (e.g. a database's `password`), in \
             outputs marked `sensitive = true`, or in the provider and backend settings",
            span,
            "shown in plans and state",
        );
    }

    /// What `${each...}` stands for, or a problem (reported for every
    /// instance: a missing field may be missing from one key only).
    fn each_value(
        &mut self,
        found: for_each::Lookup<'_>,
        expr: &str,
        span: Option<Range<usize>>,
    ) -> Option<Value> {
        let needle = format!("${{{expr}}}");
        let (message, help) = match found {
            for_each::Lookup::Found(v) => return Some(v),
            for_each::Lookup::NoEach => (
                format!("`{needle}` is used outside a `for_each` resource or module"),
                "add `for_each = {...}` (or a list of keys) to the block, or write the value \
                 directly"
                    .to_string(),
            ),
            for_each::Lookup::NoField { key } => (
                format!("`{needle}` names no field of the value of key `{key}`"),
                "each map value of `for_each` must hold the field; check its spelling".to_string(),
            ),
            for_each::Lookup::Malformed => (
                format!("`{needle}` is not `each.key`, `each.value` or `each.value.FIELD`"),
                "write `${each.key}`, `${each.value}` or `${each.value.FIELD}`".to_string(),
            ),
        };
        let at = self.narrow(span, &needle);
        if self.report || matches!(found, for_each::Lookup::NoField { .. }) {
            self.ctx
                .report(for_each::EACH, message, help, at, "no such value");
        }
        None
    }

    fn no_count(&mut self, span: Option<Range<usize>>) {
        let at = self.narrow(span, "${count.index}");
        self.report(
            COUNT_INDEX,
            "`${count.index}` is used outside a counted resource",
            "add `count = N` to the resource, or write the value directly",
            at,
            "no `count` here",
        );
    }

    /// Narrows a string's span to `needle` when it appears verbatim in the
    /// manifest text (it may not, when the string holds escapes).
    fn narrow(&self, span: Option<Range<usize>>, needle: &str) -> Option<Range<usize>> {
        let span = span?;
        let found = self
            .ctx
            .text()
            .get(span.clone())
            .and_then(|raw| raw.find(needle));
        Some(match found {
            Some(pos) => span.start + pos..span.start + pos + needle.len(),
            None => span,
        })
    }

    fn report(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        help: impl Into<String>,
        span: Option<Range<usize>>,
        label: impl Into<String>,
    ) {
        if self.report {
            self.ctx.report(code, message, help, span, label);
        }
    }
}

/// The untrimmed text of a string's single `${...}`.
fn pieces_expr<'s>(pieces: &[Piece<'s>]) -> &'s str {
    match pieces {
        [Piece::Expr(e)] => e,
        _ => "",
    }
}

/// "a list", "a map"... for a value that cannot go inside a string.
fn expr_type(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "a list",
        Value::Map(_) => "a map",
        _ => "null",
    }
}

/// Splits a string into text and `${...}` expressions; `$${` is a literal
/// `${`. An unclosed `${` is an error carrying the text from it onwards.
fn split(s: &str) -> Result<Vec<Piece<'_>>, &str> {
    let mut pieces = Vec::new();
    let mut rest = s;
    while let Some(pos) = rest.find("${") {
        if rest[..pos].ends_with('$') {
            // `$${`: keep the text up to the first `$`, then a literal `${`.
            pieces.push(Piece::Text(&rest[..pos - 1]));
            pieces.push(Piece::Text("${"));
            rest = &rest[pos + 2..];
            continue;
        }
        if pos > 0 {
            pieces.push(Piece::Text(&rest[..pos]));
        }
        let after = &rest[pos + 2..];
        let Some(close) = after.find('}') else {
            return Err(&rest[pos..]);
        };
        pieces.push(Piece::Expr(&after[..close]));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    Ok(pieces)
}

/// A string setting (the stack name, the provider's region...), with its
/// `${...}` expressions evaluated; `None` when it is not a string or
/// refers to a resource (reported).
pub(super) fn setting(ctx: &mut Ctx, item: &Item) -> Option<String> {
    let s = item.as_str()?;
    if !s.contains("${") {
        return Some(s.to_string());
    }
    match Convert::new(ctx).string(s, item.span()) {
        Value::Ref(r) => {
            ctx.report(
                REFERENCE,
                format!("`${{{r}}}` refers to a resource"),
                "this setting is known before any resource exists: use variables \
                 (`${var.NAME}`) and literals only",
                item.span(),
                "a resource's attribute",
            );
            None
        }
        value => expr::interpolated(&value),
    }
}

/// Plain JSON for provider and backend options (`${...}` expressions are
/// evaluated; other strings are kept verbatim).
pub(super) fn to_json(ctx: &mut Ctx, item: &Item) -> serde_json::Value {
    use serde_json::Value as J;
    match item {
        Item::None => J::Null,
        Item::Value(v) => value_json(ctx, v),
        Item::Table(t) => table_json(ctx, t),
        Item::ArrayOfTables(tables) => {
            J::Array(tables.iter().map(|t| table_json(ctx, t)).collect())
        }
    }
}

fn value_json(ctx: &mut Ctx, v: &toml_edit::Value) -> serde_json::Value {
    use serde_json::Value as J;
    use toml_edit::Value as T;
    match v {
        T::String(s) if s.value().contains("${") => {
            let value = Convert::new(ctx).string(s.value(), v.span());
            match value.to_known_json() {
                Some(json) => json,
                None => {
                    ctx.report(
                        REFERENCE,
                        format!("`{}` refers to a resource", s.value()),
                        "provider and backend settings are known before any resource \
                         exists: use variables (`${var.NAME}`) and literals only",
                        v.span(),
                        "a resource's attribute",
                    );
                    J::Null
                }
            }
        }
        T::String(s) => J::String(s.value().clone()),
        T::Integer(i) => J::from(*i.value()),
        T::Float(f) => match serde_json::Number::from_f64(*f.value()) {
            Some(n) => J::Number(n),
            None => {
                ctx.report(
                    VALUE,
                    format!("`{}` is not a number Strata can use", f.value()),
                    "write a finite number",
                    v.span(),
                    "not finite",
                );
                J::Null
            }
        },
        T::Boolean(b) => J::Bool(*b.value()),
        T::Datetime(d) => J::String(d.value().to_string()),
        T::Array(items) => J::Array(items.iter().map(|i| value_json(ctx, i)).collect()),
        T::InlineTable(t) => table_json(ctx, t),
    }
}

fn table_json(ctx: &mut Ctx, table: &dyn TableLike) -> serde_json::Value {
    serde_json::Value::Object(
        table
            .iter()
            .map(|(k, item)| (k.to_string(), to_json(ctx, item)))
            .collect(),
    )
}
