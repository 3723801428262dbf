//! Keyed instances (`for_each`): one instance of a resource or a module per
//! key of a map or element of a set of strings, at `name["key"]`. Unlike
//! `count`, adding or removing a key touches that key's instance only.
//!
//! [`each_of`] takes an already-evaluated [`Value`] — a literal in the
//! manifest, later a variable's value — so every source of keys shares one
//! set of rules; [`Config::add_for_each`] builds the instances in Rust.
//!
//! ```
//! use strata_core::addr::Address;
//! use strata_core::config::{Config, ResourceConfig};
//! use strata_core::each::each_of;
//! use strata_core::value::Value;
//!
//! let azs = Value::List(vec!["us-east-1a".into(), "us-east-1b".into()]);
//! let mut config = Config::new("demo");
//! let base = Address::parse("public").unwrap();
//! config
//!     .add_for_each(&base, "aws.ec2.subnet", &each_of(&azs).unwrap(), |each, r| {
//!         r.with("availability_zone", each.value.clone())
//!     })
//!     .unwrap();
//! let addrs: Vec<_> = config.resources.keys().map(|a| a.to_string()).collect();
//! assert_eq!(addrs, [r#"public["us-east-1a"]"#, r#"public["us-east-1b"]"#]);
//! ```

use crate::addr::{check_key, Address, AddressError};
use crate::config::{Config, ResourceConfig};
use crate::value::Value;

/// The most instances one `for_each` may make (as for `count`).
pub const MAX_KEYS: usize = 1000;

/// One keyed instance: `each.key` and `each.value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Each {
    /// The key: the map key, or the set element.
    pub key: String,
    /// The map value, or (for a set of strings) the key itself.
    pub value: Value,
}

impl Each {
    /// `each.value.a.b`: the field at `path` inside the value (an empty
    /// path is the value itself); `None` when a step is not a map key.
    pub fn field(&self, path: &[&str]) -> Option<&Value> {
        path.iter().try_fold(&self.value, |v, step| match v {
            Value::Map(m) => m.get(step),
            _ => None,
        })
    }
}

/// Why a value cannot be iterated by `for_each`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EachError {
    /// Neither a map nor a list of strings.
    #[error("`for_each` must be a map or a set of strings, not {found}")]
    NotACollection {
        /// What it is.
        found: &'static str,
    },
    /// A list element is not a string.
    #[error("`for_each` keys must be strings, but element {position} is {found}")]
    NotAString {
        /// The element's position.
        position: usize,
        /// What it is.
        found: &'static str,
    },
    /// A list holds the same key twice.
    #[error("`for_each` holds the key `{key}` twice")]
    Duplicate {
        /// The second element's position.
        position: usize,
        /// The key.
        key: String,
    },
    /// A key an address cannot hold.
    #[error("`{key}` cannot be a `for_each` key: {reason}")]
    BadKey {
        /// The entry's position.
        position: usize,
        /// The key.
        key: String,
        /// Why.
        reason: &'static str,
    },
    /// More than [`MAX_KEYS`] keys.
    #[error("`for_each` has {count} keys; at most {MAX_KEYS} are allowed")]
    TooMany {
        /// How many.
        count: usize,
    },
}

impl EachError {
    /// The position of the entry at fault (list element or map entry).
    pub fn position(&self) -> Option<usize> {
        match self {
            EachError::NotAString { position, .. }
            | EachError::Duplicate { position, .. }
            | EachError::BadKey { position, .. } => Some(*position),
            EachError::NotACollection { .. } | EachError::TooMany { .. } => None,
        }
    }
}

/// The instances of `for_each = value`: a map gives one per entry (its
/// value as `each.value`), a list of distinct strings one per element
/// (`each.value` = `each.key`). Every problem is returned, not the first.
pub fn each_of(value: &Value) -> Result<Vec<Each>, Vec<EachError>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    match value {
        Value::Map(map) => {
            for (position, (key, value)) in map.iter().enumerate() {
                match check_key(key) {
                    Ok(()) => out.push(Each {
                        key: key.to_string(),
                        value: value.clone(),
                    }),
                    Err(reason) => errors.push(EachError::BadKey {
                        position,
                        key: key.to_string(),
                        reason,
                    }),
                }
            }
        }
        Value::List(items) => {
            let mut seen = std::collections::HashSet::new();
            for (position, item) in items.iter().enumerate() {
                let Value::String(key) = item else {
                    errors.push(EachError::NotAString {
                        position,
                        found: type_name(item),
                    });
                    continue;
                };
                if let Err(reason) = check_key(key) {
                    errors.push(EachError::BadKey {
                        position,
                        key: key.to_string(),
                        reason,
                    });
                } else if !seen.insert(key.to_string()) {
                    errors.push(EachError::Duplicate {
                        position,
                        key: key.to_string(),
                    });
                } else {
                    out.push(Each {
                        key: key.to_string(),
                        value: item.clone(),
                    });
                }
            }
        }
        other => errors.push(EachError::NotACollection {
            found: type_name(other),
        }),
    }
    if out.len() > MAX_KEYS {
        errors.push(EachError::TooMany { count: out.len() });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// "a string", "a map"... for messages.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) => "an integer",
        Value::Float(_) => "a float",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Map(_) => "a map",
        Value::Ref(_) => "a reference (only known values can be keys)",
        Value::Unknown => "a value known only after apply",
        Value::Secret(_) => "a secret (only known values can be keys)",
    }
}

impl Config {
    /// Adds one resource of kind `kind` per instance, at `base["key"]`,
    /// each built by `build` from a bare [`ResourceConfig`] (the Rust
    /// form of `for_each`). A key an address cannot hold is an error;
    /// nothing is added then.
    pub fn add_for_each(
        &mut self,
        base: &Address,
        kind: &str,
        instances: &[Each],
        mut build: impl FnMut(&Each, ResourceConfig) -> ResourceConfig,
    ) -> Result<(), AddressError> {
        let addresses = instances
            .iter()
            .map(|each| base.keyed(&each.key))
            .collect::<Result<Vec<_>, _>>()?;
        for (each, address) in instances.iter().zip(addresses) {
            self.add(build(each, ResourceConfig::new(address, kind)));
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn a_map_keys_its_entries_and_a_list_its_strings() {
        let mut map = crate::value::Attrs::new();
        map.insert("a".into(), Value::Int(1));
        map.insert("b".into(), Value::Int(2));
        let each = each_of(&Value::Map(map)).unwrap();
        assert_eq!(each[1].key, "b");
        assert_eq!(each[1].value, Value::Int(2));
        let each = each_of(&Value::List(vec!["x".into()])).unwrap();
        assert_eq!(each[0].value, Value::from("x"));
    }

    #[test]
    fn every_bad_element_is_reported() {
        let list = Value::List(vec!["a".into(), Value::Int(3), "a".into(), "".into()]);
        let errors = each_of(&list).unwrap_err();
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            text,
            [
                "`for_each` keys must be strings, but element 1 is an integer",
                "`for_each` holds the key `a` twice",
                "`` cannot be a `for_each` key: a key must not be empty",
            ]
        );
        assert_eq!(errors[1].position(), Some(2));
        assert!(each_of(&Value::Int(2)).is_err());
    }
}
