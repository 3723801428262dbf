//! Reading request attributes, and building AWS-style errors.

use strata_core::provider::ProviderError;
use strata_core::value::{Attrs, Value};

/// A string attribute, if set.
pub fn str_of<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a str> {
    attrs.get(name).and_then(Value::as_str)
}

/// A required string attribute, or AWS's `MissingParameter`.
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

/// A boolean attribute, or `default`.
pub fn bool_or(attrs: &Attrs, name: &str, default: bool) -> bool {
    attrs.get(name).and_then(Value::as_bool).unwrap_or(default)
}

/// An integer field of an object attribute (`health_check.interval`).
pub fn field_int(attrs: &Attrs, name: &str, field: &str) -> Option<i64> {
    attrs
        .get(name)
        .and_then(Value::as_map)
        .and_then(|m| int_of(m, field))
}

/// A list of strings as a value.
pub fn list(items: impl IntoIterator<Item = String>) -> Value {
    Value::List(items.into_iter().map(Value::String).collect())
}

/// An AWS API error.
pub fn api(code: &str, message: impl Into<String>) -> ProviderError {
    ProviderError::api(code, message)
}

/// An AWS API error with a line of help for the user.
pub fn api_help(code: &str, message: impl Into<String>, help: impl Into<String>) -> ProviderError {
    ProviderError::Api {
        code: code.into(),
        message: message.into(),
        help: Some(help.into()),
    }
}
