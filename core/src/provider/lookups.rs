//! [`Lookups`]: reading things that exist outside the configuration (an
//! AMI, a VPC, a hosted zone) for `[data.NAME]` blocks.
//!
//! The contract is narrow: a provider answers every object of a lookup
//! kind that matches the filters, each with the attributes the kind's
//! schema exports ([`DataKind::exports`](crate::kinds::data::DataKind)).
//! Choosing among several matches (`most_recent`), and deciding that
//! none or several is an error, is the engine's, so every provider gives
//! the same answers to the same lookups.

use async_trait::async_trait;

use super::ProviderError;
use crate::value::{Attrs, Value};

/// One lookup: a kind and its filters, defaults filled in and references
/// resolved; engine-side filters (`most_recent`) are left out.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupRequest {
    /// The lookup kind, e.g. `aws.ec2.ami`.
    pub kind: String,
    /// The filters, by name (see the kind's schema).
    pub filters: Attrs,
}

impl LookupRequest {
    /// A string filter, if set.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.filters.get(name).and_then(Value::as_str)
    }

    /// A list-of-strings filter (empty if unset).
    pub fn strings(&self, name: &str) -> Vec<String> {
        self.filters
            .get(name)
            .and_then(Value::as_list)
            .map(|l| {
                l.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A boolean filter, if set.
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.filters.get(name).and_then(Value::as_bool)
    }
}

/// A DNS zone name as zones compare: without the trailing dot, lower case
/// (`Example.com.` → `example.com`).
pub fn zone_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// A provider's lookups, reached through
/// [`Capabilities::lookups`](super::Capabilities).
#[async_trait]
pub trait Lookups: Send + Sync {
    /// Every object of `req.kind` matching all of `req.filters`, each with
    /// the kind's exported attributes, in any order. Nothing found is an
    /// empty list, not an error. A kind the provider cannot look up is
    /// [`ProviderError::Unsupported`].
    async fn lookup(&self, req: LookupRequest) -> Result<Vec<Attrs>, ProviderError>;
}

/// Whether `text` matches the AWS filter pattern `pattern`: `*` matches any
/// run of characters (also none), `?` exactly one, everything else itself.
/// Providers that filter on their own side use it so their matches agree
/// with AWS's.
///
/// ```
/// use strata_core::provider::matches_wildcard;
/// assert!(matches_wildcard("ubuntu/images/*-22.04-amd64-*", "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240301"));
/// assert!(matches_wildcard("al2023-ami-?.*", "al2023-ami-2.0"));
/// assert!(!matches_wildcard("al2023-*", "amzn2-ami-hvm"));
/// ```
pub fn matches_wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Greedy match with backtracking to the last `*`.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}
