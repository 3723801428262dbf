//! Resource addresses (`web.tg_blue`, `db.replica[1]`,
//! `web.public["us-east-1a"]`) and kinds (`aws.elbv2.target_group`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The address of a resource in a graph: dot-separated names, each optionally
/// followed by an index or a quoted key, e.g. `vpc`, `web.tg_blue`,
/// `db.replica[1]`, `web.public["us-east-1a"]`.
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
        let mut rest = s;
        loop {
            let name_len = rest.find(['.', '[']).unwrap_or(rest.len());
            let (name, after) = rest.split_at(name_len);
            let mut chars = name.chars();
            match chars.next() {
                Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
                _ => return Err(err("each part must start with a letter or `_`")),
            }
            if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                return Err(err("names may hold only letters, digits, `_` and `-`"));
            }
            rest = match after.strip_prefix('[') {
                Some(key) => instance_key(key).map_err(err)?,
                None => after,
            };
            match rest.strip_prefix('.') {
                Some(next) => rest = next,
                None if rest.is_empty() => break,
                None => return Err(err("an index or key must end its part, e.g. `a[0].b`")),
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

    /// `self` with a string key appended: `web.public` →
    /// `web.public["us-east-1a"]` (the instances of a keyed `for_each`).
    pub fn keyed(&self, key: &str) -> Result<Self, AddressError> {
        check_key(key).map_err(|reason| AddressError {
            input: format!("{}[{key:?}]", self.0),
            reason,
        })?;
        Ok(Self(format!("{}[\"{key}\"]", self.0).into()))
    }

    /// Whether `self` is `other` or inside it: `other` names a module
    /// (`web` holds `web.alb`), a group of instances (`web.public` holds
    /// `web.public["a"]` and `web.public[0]`), or `self` itself.
    pub fn is_within(&self, other: &Address) -> bool {
        match self.0.strip_prefix(&*other.0) {
            Some(rest) => {
                rest.is_empty()
                    || rest.starts_with('.')
                    || (rest.starts_with('[') && !other.0.ends_with(']'))
            }
            None => false,
        }
    }

    /// `self` with its leading `from` (see [`Address::is_within`]) replaced
    /// by `to`: `old.alb` moved from `old` to `web` is `web.alb`. `None`
    /// when `self` is not within `from`, or the result is not an address.
    pub fn moved(&self, from: &Address, to: &Address) -> Option<Address> {
        if !self.is_within(from) {
            return None;
        }
        let rest = &self.0[from.0.len()..];
        if rest.starts_with('[') && to.0.ends_with(']') {
            return None;
        }
        Address::parse(&format!("{}{rest}", to.0)).ok()
    }

    /// `prefix.self`: used by stacks to namespace their resources.
    pub fn nested_in(&self, prefix: &str) -> Result<Self, AddressError> {
        Self::parse(&format!("{prefix}.{}", self.0))
    }
}

/// Checks a `for_each` key: any text but empty, without `"`, `\\` or
/// control characters (addresses print keys verbatim between quotes).
pub fn check_key(key: &str) -> Result<(), &'static str> {
    if key.is_empty() {
        return Err("a key must not be empty");
    }
    if key.chars().any(|c| c == '"' || c == '\\' || c.is_control()) {
        return Err("a key may not hold `\"`, `\\` or control characters");
    }
    Ok(())
}

/// The rest of an address after the `[` of an index or key: `0]…` or
/// `"us-east-1a"]…`; returns what follows the `]`.
fn instance_key(after_bracket: &str) -> Result<&str, &'static str> {
    if let Some(quoted) = after_bracket.strip_prefix('"') {
        let close = quoted
            .find('"')
            .ok_or("a key must look like `[\"name\"]`")?;
        check_key(&quoted[..close])?;
        return quoted[close + 1..]
            .strip_prefix(']')
            .ok_or("a key must look like `[\"name\"]`");
    }
    let close = after_bracket
        .find(']')
        .ok_or("an index must look like `[0]`")?;
    let index = &after_bracket[..close];
    if index.is_empty() || !index.chars().all(|c| c.is_ascii_digit()) {
        return Err("an index must be a non-negative integer or a quoted key");
    }
    Ok(&after_bracket[close + 1..])
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
        for ok in [
            "vpc",
            "web.tg_blue",
            "db.replica[1]",
            "a-b.c_d[10]",
            r#"web.public["us-east-1a"]"#,
            r#"web["eu.west"].public["a b"]"#,
        ] {
            assert!(Address::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn keyed_addresses_round_trip_through_text_and_json() {
        let base = Address::parse("web.public").unwrap();
        let keyed = base.keyed("us-east-1a").unwrap();
        assert_eq!(keyed.to_string(), r#"web.public["us-east-1a"]"#);
        assert_eq!(Address::parse(keyed.as_str()).unwrap(), keyed);
        let json = serde_json::to_string(&keyed).unwrap();
        assert_eq!(json, r#""web.public[\"us-east-1a\"]""#);
        assert_eq!(serde_json::from_str::<Address>(&json).unwrap(), keyed);
        assert!(base.keyed("").is_err());
        assert!(base.keyed("a\"b").is_err());
    }

    #[test]
    fn moves_replace_a_leading_module_or_resource() {
        let a = |s: &str| Address::parse(s).unwrap();
        let moved = |addr: &str, from: &str, to: &str| {
            a(addr).moved(&a(from), &a(to)).map(|m| m.to_string())
        };
        assert_eq!(moved("old.alb", "old", "web").as_deref(), Some("web.alb"));
        assert_eq!(moved("old2.alb", "old", "web"), None);
        assert_eq!(moved("sub[1]", "sub", "net").as_deref(), Some("net[1]"));
        assert_eq!(
            moved("sub[0]", "sub[0]", r#"sub["a"]"#).as_deref(),
            Some(r#"sub["a"]"#)
        );
        assert_eq!(moved("sub[0]", r#"sub["a"]"#, "x"), None);
        assert_eq!(moved("sub[1]", "sub", r#"x["a"]"#), None);
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "1vpc",
            "a..b",
            "a[",
            "a[x]",
            "a[]",
            "a b",
            "a.b[1",
            r#"a[""]"#,
            r#"a["x"#,
            r#"a["x"]b"#,
            "a[0][1]",
            "a.",
        ] {
            assert!(Address::parse(bad).is_err(), "{bad}");
        }
    }
}
