//! [`Stack`]: collects typed specs into a [`Config`], handing back a typed
//! [`Handle`] for each; [`Scope`] namespaces addresses (`web.tg_blue`) so
//! reusable stacks can be composed.

use super::{Handle, ResourceSpec};
use crate::addr::Address;
use crate::config::{
    BackendConfig, Config, Lifecycle, OutputConfig, ProviderConfig, ResourceConfig,
};
use crate::diag::Problem;
use crate::value::Value;

/// The code of the problem recorded when a name is not a valid address.
pub const ADDRESS: &str = "strata::stack::address";

/// A configuration built in Rust.
///
/// Mistakes the compiler cannot catch (an invalid address, two resources at
/// one address) are recorded in [`Config::pending_problems`] and reported by
/// graph validation, so building never panics.
#[derive(Debug, Clone)]
pub struct Stack {
    config: Config,
}

impl Stack {
    /// An empty stack called `name`, on the simulated cloud with local state.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            config: Config::new(name),
        }
    }

    /// Uses `provider` instead of the default (sim, us-east-1).
    pub fn with_provider(mut self, provider: ProviderConfig) -> Self {
        self.config.provider = provider;
        self
    }

    /// Adds the provider instance `name` (another region, say) beside the
    /// default one; [`Stack::on_provider`] puts resources in it.
    pub fn with_provider_instance(
        mut self,
        name: impl Into<String>,
        provider: ProviderConfig,
    ) -> Self {
        self.config.add_provider(name, provider);
        self
    }

    /// A scope at the root whose resources belong to the provider instance
    /// `instance` (one added with [`Stack::with_provider_instance`]; graph
    /// validation reports any other).
    pub fn on_provider(&mut self, instance: &str) -> Scope<'_> {
        Scope {
            config: &mut self.config,
            prefix: None,
            provider: Some(instance.to_string()),
        }
    }

    /// Uses `backend` instead of the default (local).
    pub fn with_backend(mut self, backend: BackendConfig) -> Self {
        self.config.backend = backend;
        self
    }

    /// Adds a resource at `address` (e.g. `vpc` or `web.tg_blue`).
    pub fn add<T: ResourceSpec>(&mut self, address: &str, spec: T) -> Handle<T> {
        self.root().add(address, spec)
    }

    /// Adds instance `index` of a group of resources: `address[index]`.
    pub fn add_indexed<T: ResourceSpec>(
        &mut self,
        address: &str,
        index: usize,
        spec: T,
    ) -> Handle<T> {
        self.root().add_indexed(address, index, spec)
    }

    /// Adds the instance `key` of a keyed group of resources:
    /// `address["key"]` (the Rust form of `for_each`).
    pub fn add_keyed<T: ResourceSpec>(&mut self, address: &str, key: &str, spec: T) -> Handle<T> {
        self.root().add_keyed(address, key, spec)
    }

    /// Declares that what state holds at `from` is at `to` now
    /// (`[[moved]]`): a renamed resource, instance or module.
    pub fn moved(&mut self, from: &str, to: &str) {
        self.root().moved(from, to)
    }

    /// Declares that what state holds at `from` is no longer configured
    /// (`[[removed]]`): forgotten and left in the cloud, or destroyed if
    /// `destroy`.
    pub fn removed(&mut self, from: &str, destroy: bool) {
        let from = checked(&mut self.config, from);
        self.config.add_removed(from, destroy);
    }

    /// Adds a resource with lifecycle options and explicit dependencies
    /// (besides the ones its references imply).
    pub fn add_with<T: ResourceSpec>(
        &mut self,
        address: &str,
        spec: T,
        lifecycle: Lifecycle,
        depends_on: impl IntoIterator<Item = Address>,
    ) -> Handle<T> {
        self.root().add_with(address, spec, lifecycle, depends_on)
    }

    /// Adds an output, e.g. `s.output("db_endpoint", db.endpoint())`.
    pub fn output(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        self.config.output(name, value);
    }

    /// Adds an output hidden by `strata output` unless asked for by name.
    pub fn sensitive_output(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        self.config.outputs.insert(
            name.into(),
            OutputConfig {
                value: value.into(),
                sensitive: true,
                span: None,
            },
        );
    }

    /// A scope whose resources' addresses start with `prefix.`.
    pub fn nested(&mut self, prefix: &str) -> Scope<'_> {
        let prefix = checked(&mut self.config, prefix).to_string();
        Scope {
            config: &mut self.config,
            prefix: Some(prefix),
            provider: None,
        }
    }

    /// The configuration built so far.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The finished configuration.
    pub fn into_config(self) -> Config {
        self.config
    }

    fn root(&mut self) -> Scope<'_> {
        Scope {
            config: &mut self.config,
            prefix: None,
            provider: None,
        }
    }
}

/// Part of a [`Stack`] whose addresses share a prefix (from [`Stack::nested`]).
#[derive(Debug)]
pub struct Scope<'s> {
    config: &'s mut Config,
    prefix: Option<String>,
    /// The provider instance its resources belong to (`None`: the default).
    provider: Option<String>,
}

impl Scope<'_> {
    /// The prefix of this scope's addresses (`None` at the root).
    pub fn prefix(&self) -> Option<&str> {
        self.prefix.as_deref()
    }

    /// Adds a resource at `prefix.address`.
    pub fn add<T: ResourceSpec>(&mut self, address: &str, spec: T) -> Handle<T> {
        self.insert(address, None, spec, Lifecycle::default(), Vec::new())
    }

    /// Adds instance `index` of a group: `prefix.address[index]`.
    pub fn add_indexed<T: ResourceSpec>(
        &mut self,
        address: &str,
        index: usize,
        spec: T,
    ) -> Handle<T> {
        self.insert(address, Some(index), spec, Lifecycle::default(), Vec::new())
    }

    /// Adds instance `key` of a keyed group: `prefix.address["key"]`.
    pub fn add_keyed<T: ResourceSpec>(&mut self, address: &str, key: &str, spec: T) -> Handle<T> {
        let base = checked(self.config, &self.full(address));
        let address = match base.keyed(key) {
            Ok(address) => address,
            Err(e) => {
                self.config.pending_problems.push(Problem::new(
                    ADDRESS,
                    e.to_string(),
                    Some("a key is non-empty text without `\"`, `\\` or control characters".into()),
                ));
                base
            }
        };
        self.insert_at(address, spec, Lifecycle::default(), Vec::new())
    }

    /// Declares a move of `prefix.from` to `prefix.to` (see [`Stack::moved`]).
    pub fn moved(&mut self, from: &str, to: &str) {
        let from = checked(self.config, &self.full(from));
        let to = checked(self.config, &self.full(to));
        self.config.add_moved(from, to);
    }

    /// Adds a resource with lifecycle options and explicit dependencies.
    pub fn add_with<T: ResourceSpec>(
        &mut self,
        address: &str,
        spec: T,
        lifecycle: Lifecycle,
        depends_on: impl IntoIterator<Item = Address>,
    ) -> Handle<T> {
        let depends_on = depends_on.into_iter().collect();
        self.insert(address, None, spec, lifecycle, depends_on)
    }

    /// A scope nested in this one: `prefix.inner.`.
    pub fn nested(&mut self, inner: &str) -> Scope<'_> {
        let full = self.full(inner);
        let prefix = checked(self.config, &full).to_string();
        Scope {
            config: self.config,
            prefix: Some(prefix),
            provider: self.provider.clone(),
        }
    }

    /// This scope, with its resources in the provider instance `instance`.
    pub fn on_provider(&mut self, instance: &str) -> Scope<'_> {
        Scope {
            config: self.config,
            prefix: self.prefix.clone(),
            provider: Some(instance.to_string()),
        }
    }

    fn full(&self, name: &str) -> String {
        match &self.prefix {
            Some(prefix) => format!("{prefix}.{name}"),
            None => name.to_string(),
        }
    }

    fn insert<T: ResourceSpec>(
        &mut self,
        name: &str,
        index: Option<usize>,
        spec: T,
        lifecycle: Lifecycle,
        depends_on: Vec<Address>,
    ) -> Handle<T> {
        let full = self.full(name);
        let address = checked(self.config, &full);
        let address = match index {
            Some(i) => address.indexed(i),
            None => address,
        };
        self.insert_at(address, spec, lifecycle, depends_on)
    }

    fn insert_at<T: ResourceSpec>(
        &mut self,
        address: Address,
        spec: T,
        lifecycle: Lifecycle,
        depends_on: Vec<Address>,
    ) -> Handle<T> {
        let mut resource = ResourceConfig::new(address.clone(), T::KIND);
        resource.attrs = spec.into_attrs();
        resource.lifecycle = lifecycle.into();
        resource.depends_on = depends_on;
        resource.provider.clone_from(&self.provider);
        self.config.add(resource);
        Handle::at(address)
    }
}

/// Parses `text` as an address; if it is invalid, records a problem and
/// returns a valid address close to it, so building can go on.
fn checked(config: &mut Config, text: &str) -> Address {
    match Address::parse(text) {
        Ok(address) => address,
        Err(e) => {
            let fixed = sanitize(text);
            config.pending_problems.push(Problem::new(
                ADDRESS,
                e.to_string(),
                Some(format!(
                    "an address is dot-separated names of letters, digits, `_` and `-`, each \
                     starting with a letter or `_` (it was added as `{fixed}` so the rest of \
                     the stack could be checked)"
                )),
            ));
            fixed
        }
    }
}

/// `text` with every character an address may not hold replaced by `_`.
fn sanitize(text: &str) -> Address {
    let parts: Vec<String> = text
        .split('.')
        .map(|segment| {
            let mut s: String = segment
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            if !s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                s.insert(0, '_');
            }
            s
        })
        .collect();
    Address::parse(&parts.join(".")).unwrap_or_else(|_| fallback())
}

/// An address for the case `sanitize` cannot fix (it always can: every part
/// starts with a letter or `_` and holds only allowed characters).
#[allow(clippy::expect_used)]
fn fallback() -> Address {
    Address::parse("invalid_address").expect("a constant, valid address")
}
