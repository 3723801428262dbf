//! Reading request attributes and building live ones.

pub use strata_core::attrs::{bool_or, int_of, list, required, str_of, strings};
use strata_core::provider::ProviderError;
use strata_core::value::{Attrs, Value};

/// An `i32` attribute, if set and in range.
pub fn i32_of(attrs: &Attrs, name: &str) -> Option<i32> {
    int_of(attrs, name).and_then(|i| i32::try_from(i).ok())
}

/// A float attribute, if set.
pub fn f64_of(attrs: &Attrs, name: &str) -> Option<f64> {
    attrs.get(name).and_then(Value::as_f64)
}

/// Inserts `name = value` if `value` is set.
pub fn put(out: &mut Attrs, name: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        out.insert(name.into(), v.into());
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
