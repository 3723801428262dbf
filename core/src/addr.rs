//! Resource addresses (`web.tg_blue`, `db.replica[1]`) and kinds (`aws.elbv2.target_group`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The address of a resource in a graph: dot-separated names, each optionally
/// followed by an index, e.g. `vpc`, `web.tg_blue`, `db.replica[1]`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Address(std::sync::Arc<str>);

/// The hasher of maps keyed by address: fast rather than DoS-resistant, as
/// addresses come from the user's own configuration and state.
pub type FastHash = foldhash::fast::RandomState;

/// Why a string is not a valid [`Address`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a valid resource address: {reason}")]
pub struct AddressError {
    /// The rejected text.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl Address {
    /// Parses and validates an address.
    pub fn parse(s: &str) -> Result<Self, AddressError> {
        let err = |reason| AddressError {
            input: s.to_string(),
            reason,
        };
        if s.is_empty() {
            return Err(err("it is empty"));
        }
        for seg in s.split('.') {
            let (name, index) = match seg.find('[') {
                Some(i) => (&seg[..i], Some(&seg[i..])),
                None => (seg, None),
            };
            let mut chars = name.chars();
            match chars.next() {
                Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
                _ => return Err(err("each part must start with a letter or `_`")),
            }
            if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                return Err(err("names may hold only letters, digits, `_` and `-`"));
            }
            if let Some(index) = index {
                let inner = index
                    .strip_prefix('[')
                    .and_then(|r| r.strip_suffix(']'))
                    .ok_or_else(|| err("an index must look like `[0]`"))?;
                if inner.is_empty() || !inner.chars().all(|c| c.is_ascii_digit()) {
                    return Err(err("an index must be a non-negative integer"));
                }
            }
        }
        Ok(Self(s.into()))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `self` with an index appended: `db.replica` → `db.replica[1]`.
    pub fn indexed(&self, index: usize) -> Self {
        Self(format!("{}[{index}]", self.0).into())
    }

    /// `prefix.self`: used by stacks to namespace their resources.
    pub fn nested_in(&self, prefix: &str) -> Result<Self, AddressError> {
        Self::parse(&format!("{prefix}.{}", self.0))
    }
}

impl TryFrom<String> for Address {
    type Error = AddressError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl TryFrom<&str> for Address {
    type Error = AddressError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl From<Address> for String {
    fn from(a: Address) -> Self {
        a.0.to_string()
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Address {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn accepts_dotted_and_indexed_addresses() {
        for ok in ["vpc", "web.tg_blue", "db.replica[1]", "a-b.c_d[10]"] {
            assert!(Address::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in ["", "1vpc", "a..b", "a[", "a[x]", "a[]", "a b", "a.b[1"] {
            assert!(Address::parse(bad).is_err(), "{bad}");
        }
    }
}
