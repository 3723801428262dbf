//! Reading request attributes, and building AWS-style errors.

pub use strata_core::attrs::{bool_or, int_of, list, required, str_of, strings};
use strata_core::provider::ProviderError;
use strata_core::value::{Attrs, Value};

/// An integer field of an object attribute (`health_check.interval`).
pub fn field_int(attrs: &Attrs, name: &str, field: &str) -> Option<i64> {
    attrs
        .get(name)
        .and_then(Value::as_map)
        .and_then(|m| int_of(m, field))
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
