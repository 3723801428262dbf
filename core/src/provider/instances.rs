//! Provider instances: the providers of one stack, by instance name.
//!
//! A configuration may name several instances of providers besides its
//! default one (`[provider.us_west_2]` in a manifest, one per region say),
//! and each resource belongs to one of them (`provider = "us_west_2"`; none
//! named: the default). [`Providers`] is the set a
//! [`Session`](crate::session::Session) plans, applies and recovers through:
//! it answers which provider serves an instance, and nothing else — the
//! state stays the session's. Core knows instances only by the names the
//! configuration gives them.
//!
//! ```
//! # use std::sync::Arc;
//! # fn demo(east: Arc<dyn strata_core::provider::Provider>, west: Arc<dyn strata_core::provider::Provider>) {
//! use strata_core::provider::Providers;
//!
//! let providers = Providers::new(east).with("us_west_2", west);
//! assert!(providers.get(Some("us_west_2")).is_ok());
//! assert!(providers.get(None).is_ok()); // the default instance
//! assert!(providers.get(Some("eu")).is_err());
//! # }
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Provider, ProviderError};

/// What messages call the instance of a resource that names none: the
/// `[provider]` table's.
pub const DEFAULT_INSTANCE: &str = "default";

/// The name shown for an instance (`None`: [`DEFAULT_INSTANCE`]).
pub fn instance_name(instance: Option<&str>) -> &str {
    instance.unwrap_or(DEFAULT_INSTANCE)
}

/// The providers of a stack: the default instance and named ones.
#[derive(Clone)]
pub struct Providers {
    default: Arc<dyn Provider>,
    named: BTreeMap<String, Arc<dyn Provider>>,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let named: Vec<(&str, &str)> = self
            .named
            .iter()
            .map(|(n, p)| (n.as_str(), p.region()))
            .collect();
        f.debug_struct("Providers")
            .field("default", &self.default.region())
            .field("named", &named)
            .finish()
    }
}

impl Providers {
    /// Only the default instance.
    pub fn new(default: Arc<dyn Provider>) -> Self {
        Self {
            default,
            named: BTreeMap::new(),
        }
    }

    /// Adds (or replaces) the instance called `name`.
    pub fn with(mut self, name: impl Into<String>, provider: Arc<dyn Provider>) -> Self {
        self.insert(name, provider);
        self
    }

    /// Adds (or replaces) the instance called `name`.
    pub fn insert(&mut self, name: impl Into<String>, provider: Arc<dyn Provider>) {
        self.named.insert(name.into(), provider);
    }

    /// The default instance (the one resources naming none belong to;
    /// rollouts and drills use it).
    pub fn default_provider(&self) -> &Arc<dyn Provider> {
        &self.default
    }

    /// Whether `instance` is served (`None`, the default, always is).
    pub fn contains(&self, instance: Option<&str>) -> bool {
        instance.is_none_or(|name| self.named.contains_key(name))
    }

    /// The provider serving `instance` (`None`: the default instance), or a
    /// configuration error naming the instances there are.
    pub fn get(&self, instance: Option<&str>) -> Result<&Arc<dyn Provider>, ProviderError> {
        match instance {
            None => Ok(&self.default),
            Some(name) => self.named.get(name).ok_or_else(|| ProviderError::Config {
                message: format!("no provider instance is called `{name}`"),
                help: Some(format!(
                    "configure it (`[provider.{name}]` in a manifest); the instances are {}",
                    self.names().collect::<Vec<_>>().join(", ")
                )),
            }),
        }
    }

    /// The instances' names: [`DEFAULT_INSTANCE`] first, then the named ones
    /// in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(DEFAULT_INSTANCE).chain(self.named.keys().map(String::as_str))
    }

    /// Every provider with its instance (`None`: the default).
    pub fn iter(&self) -> impl Iterator<Item = (Option<&str>, &Arc<dyn Provider>)> {
        std::iter::once((None, &self.default))
            .chain(self.named.iter().map(|(n, p)| (Some(n.as_str()), p)))
    }
}

impl From<Arc<dyn Provider>> for Providers {
    fn from(default: Arc<dyn Provider>) -> Self {
        Providers::new(default)
    }
}

impl<P: Provider + 'static> From<Arc<P>> for Providers {
    fn from(default: Arc<P>) -> Self {
        Providers::new(default)
    }
}

impl From<&Arc<dyn Provider>> for Providers {
    fn from(default: &Arc<dyn Provider>) -> Self {
        Providers::new(default.clone())
    }
}
