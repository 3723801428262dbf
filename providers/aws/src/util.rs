//! Reading request attributes and building live ones.

use strata_core::provider::ProviderError;
use strata_core::value::{Attrs, Value};

/// A string attribute, if set.
pub fn str_of<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a str> {
    attrs.get(name).and_then(Value::as_str)
}

/// A required string attribute, or a configuration error naming it.
pub fn required<'a>(attrs: &'a Attrs, name: &str) -> Result<&'a str, ProviderError> {
    str_of(attrs, name).ok_or_else(|| {
        ProviderError::api(
            "MissingParameter",
            format!("The request must contain the parameter {name}"),
        )
    })
}

/// A list of strings (empty if unset).
pub fn strings(attrs: &Attrs, name: &str) -> Vec<String> {
    attrs
        .get(name)
        .and_then(Value::as_list)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// An integer attribute, if set.
pub fn int_of(attrs: &Attrs, name: &str) -> Option<i64> {
    attrs.get(name).and_then(|v| match v {
        Value::Int(i) => Some(*i),
        Value::Float(f) => Some(*f as i64),
        _ => None,
    })
}

/// An `i32` attribute, if set and in range.
pub fn i32_of(attrs: &Attrs, name: &str) -> Option<i32> {
    int_of(attrs, name).and_then(|i| i32::try_from(i).ok())
}

/// A float attribute, if set.
pub fn f64_of(attrs: &Attrs, name: &str) -> Option<f64> {
    attrs.get(name).and_then(Value::as_f64)
}

/// A boolean attribute, or `default`.
pub fn bool_or(attrs: &Attrs, name: &str, default: bool) -> bool {
    attrs.get(name).and_then(Value::as_bool).unwrap_or(default)
}

/// A list of strings as a value.
pub fn list<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::List(items.into_iter().map(|s| Value::String(s.into())).collect())
}

/// Inserts `name = value` if `value` is set.
pub fn put(out: &mut Attrs, name: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        out.insert(name.to_string(), v.into());
    }
}

/// An `i32` from the SDK as a value.
pub fn int(i: Option<i32>) -> Option<Value> {
    i.map(|i| Value::Int(i64::from(i)))
}

/// The last `/`- or `:`-separated part of an ARN (an identifier).
pub fn arn_tail(s: &str) -> &str {
    s.rsplit([':', '/']).next().unwrap_or(s)
}

/// Whether an attribute changed in an update.
pub fn changed(changed: &[String], names: &[&str]) -> bool {
    changed.iter().any(|c| names.contains(&c.as_str()))
}

/// An error for a value a request cannot use.
pub fn invalid(message: impl Into<String>) -> ProviderError {
    ProviderError::api("InvalidParameterValue", message)
}
