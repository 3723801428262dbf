//! Reading request attributes, preparing them as the cloud keeps them
//! (schema defaults filled, sensitive values dropped), and building
//! AWS-style errors.

pub use strata_core::attrs::{bool_or, int_of, list, required, str_of, strings};
use strata_core::kinds;
use strata_core::provider::ProviderError;
use strata_core::schema::AttrType;
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

/// The schema's attributes a create or update keeps: configurable ones,
/// defaults filled, sensitive and null values removed.
pub(crate) fn prepare(kind: &str, attrs: &Attrs) -> Result<Attrs, ProviderError> {
    let schema = kinds::schema_of(kind).ok_or_else(|| ProviderError::Unsupported {
        kind: kind.to_string(),
    })?;
    let mut out = Attrs::new();
    for attr in schema.attrs {
        if attr.sensitive || attr.mode == strata_core::schema::Mode::Computed {
            continue;
        }
        match attrs.get(attr.name) {
            Some(Value::Null) | None => {
                if let Some(d) = attr.default {
                    out.insert(attr.name.into(), d.value());
                }
            }
            Some(v) if !v.is_known() => {
                return Err(api(
                    "InvalidParameterValue",
                    format!("{} of {kind} is not known yet", attr.name),
                ))
            }
            Some(v) => {
                let mut v = v.clone();
                fill_field_defaults(&attr.ty, &mut v);
                out.insert(attr.name.into(), v);
            }
        }
    }
    Ok(out)
}

/// Fills in AWS's value for each object field left out (a listener's
/// forward weight, a target group's health check settings), in objects and
/// lists of objects, as AWS reports them.
pub(crate) fn fill_field_defaults(ty: &AttrType, value: &mut Value) {
    match (ty, value) {
        (AttrType::Object(fields), Value::Map(map)) => {
            for f in fields.iter() {
                match (map.get_mut(f.name), f.default) {
                    (Some(Value::Null), Some(d)) => {
                        map.insert(f.name.into(), d.value());
                    }
                    (Some(v), _) => fill_field_defaults(&f.ty, v),
                    (None, Some(d)) => {
                        map.insert(f.name.into(), d.value());
                    }
                    (None, None) => {}
                }
            }
        }
        (AttrType::List(elem), Value::List(items)) => {
            for item in items.iter_mut() {
                fill_field_defaults(elem, item);
            }
        }
        _ => {}
    }
}
