//! Reading attributes out of a provider request: the small accessors every
//! provider needs, in one place.
//!
//! ```
//! use strata_core::attrs::{int_of, strings};
//! use strata_core::value::{Attrs, Value};
//!
//! let mut a = Attrs::new();
//! a.insert("port".into(), Value::Int(80));
//! a.insert("subnet_ids".into(), Value::from(vec!["subnet-1", "subnet-2"]));
//! assert_eq!(int_of(&a, "port"), Some(80));
//! assert_eq!(strings(&a, "subnet_ids"), ["subnet-1", "subnet-2"]);
//! ```

use crate::provider::ProviderError;
use crate::value::{Attrs, Value};

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

/// An integer attribute, if set (numbers are truncated).
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

/// A list of strings as a value.
pub fn list<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Value {
    Value::List(
        items
            .into_iter()
            .map(|s| Value::String(s.into().into()))
            .collect(),
    )
}
