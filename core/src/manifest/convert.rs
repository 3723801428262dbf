//! TOML values to [`Value`]s: references (`"${vpc.id}"`), `${count.index}`
//! substitution and `per_index` lists for counted resources, and plain JSON
//! for provider and backend options.

use std::ops::Range;

use toml_edit::{Item, TableLike};

use super::for_each::{self, Lookup};
use super::{article, Ctx, COUNT_INDEX, INTERPOLATION, REFERENCE, TYPE, VALUE};
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
    /// The keyed instance being built (`${each.key}`, `${each.value}`).
    each: Option<&'c Each>,
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
            each: None,
        }
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
            return match Reference::parse(expr) {
                Some(r) => Value::Ref(Box::new(r)),
                None => {
                    self.report(
                        REFERENCE,
                        format!("`${{{expr}}}` is not a valid reference"),
                        "a reference names a resource and one of its attributes, \
                         e.g. \"${vpc.id}\" or \"${db.primary.endpoint}\"",
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
                            "a reference must be the whole string, e.g. \"${vpc.id}\" \
                             (only `${count.index}` may appear inside text; write `$${` \
                             for a literal `${`)",
                            at,
                            "interpolation is not supported",
                        );
                    }
                }
            }
        }
        Value::String(out.into())
    }

    /// What `${each...}` stands for, or a problem (reported for every
    /// instance: a missing field may be missing from one key only).
    fn each_value(
        &mut self,
        found: Lookup<'_>,
        expr: &str,
        span: Option<Range<usize>>,
    ) -> Option<Value> {
        let needle = format!("${{{expr}}}");
        let (message, help) = match found {
            Lookup::Found(v) => return Some(v),
            Lookup::NoEach => (
                format!("`{needle}` is used outside a `for_each` resource or module"),
                "add `for_each = {...}` (or a list of keys) to the block, or write the value \
                 directly"
                    .to_string(),
            ),
            Lookup::NoField { key } => (
                format!("`{needle}` names no field of the value of key `{key}`"),
                "each map value of `for_each` must hold the field; check its spelling".to_string(),
            ),
            Lookup::Malformed => (
                format!("`{needle}` is not `each.key`, `each.value` or `each.value.FIELD`"),
                "write `${each.key}`, `${each.value}` or `${each.value.FIELD}`".to_string(),
            ),
        };
        let at = self.narrow(span, &needle);
        if self.report || matches!(found, Lookup::NoField { .. }) {
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

/// Plain JSON for provider and backend options (strings are kept verbatim).
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
