//! The desired configuration: resources with their attributes, references,
//! dependencies and lifecycle, plus outputs, the provider and the backend.
//! Both the TOML manifest and the Rust API produce a [`Config`].

use std::sync::Arc;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::addr::Address;
use crate::value::{Attrs, Value};

pub use out_of_line::{Empty, OutOfLine};

mod out_of_line;

/// A byte range in a manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Byte offset of the start.
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
}

impl From<std::ops::Range<usize>> for Span {
    fn from(r: std::ops::Range<usize>) -> Self {
        Self {
            offset: r.start,
            len: r.end.saturating_sub(r.start),
        }
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        (s.offset, s.len).into()
    }
}

/// A manifest's text and name, shared by every diagnostic that points into it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown in diagnostics (usually the path).
    pub name: String,
    /// The full text.
    pub text: Arc<String>,
    named: Arc<miette::NamedSource<String>>,
}

impl SourceFile {
    /// A manifest called `name` holding `text`.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let name = name.into();
        let text: String = text.into();
        Self {
            named: Arc::new(miette::NamedSource::new(&name, text.clone())),
            name,
            text: Arc::new(text),
        }
    }

    /// The source as miette renders it (with its name).
    pub fn named_source(&self) -> &miette::NamedSource<String> {
        &self.named
    }

    /// `name:line:column` of a byte offset (1-based).
    pub fn location(&self, offset: usize) -> String {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        format!("{}:{line}:{col}", self.name)
    }
}

/// Where in a manifest a resource and its attributes were written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourceSpans {
    /// The resource's table header (or key).
    pub header: Option<Span>,
    /// The `kind = ...` value.
    pub kind: Option<Span>,
    /// Each attribute's value.
    pub attrs: IndexMap<String, Span>,
    /// Each `depends_on` entry.
    pub depends_on: Vec<Span>,
    /// The `provider = ...` value.
    pub provider: Option<Span>,
}

impl Empty for ResourceSpans {
    fn empty() -> &'static Self {
        static EMPTY: std::sync::LazyLock<ResourceSpans> =
            std::sync::LazyLock::new(ResourceSpans::default);
        &EMPTY
    }
}

/// Lifecycle options, as in Terraform.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    /// A plan that would delete (or replace) the resource fails.
    #[serde(default)]
    pub prevent_destroy: bool,
    /// Replace by creating the new resource first (`None`: the kind's default).
    #[serde(default)]
    pub create_before_destroy: Option<bool>,
    /// Attributes whose changes are ignored after creation.
    #[serde(default)]
    pub ignore_changes: Vec<String>,
    /// A change that forces replacement of this stateful resource (a
    /// database, a cache, an instance) may be applied without
    /// `--allow-replace`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_replace: bool,
}

impl Empty for Lifecycle {
    fn empty() -> &'static Self {
        static EMPTY: Lifecycle = Lifecycle {
            prevent_destroy: false,
            create_before_destroy: None,
            ignore_changes: Vec::new(),
            allow_replace: false,
        };
        &EMPTY
    }
}

/// One resource as configured.
#[derive(Debug, Clone)]
pub struct ResourceConfig {
    /// Its address.
    pub address: Address,
    /// Its kind, e.g. `aws.ec2.vpc`.
    pub kind: String,
    /// Configured attributes (may hold references).
    pub attrs: Attrs,
    /// Explicit dependencies besides references.
    pub depends_on: Vec<Address>,
    /// Lifecycle options (out of line: most resources have none).
    pub lifecycle: OutOfLine<Lifecycle>,
    /// The provider instance it belongs to (`None`: the default,
    /// [`Config::provider`]; otherwise a key of [`Config::providers`]).
    pub provider: Option<String>,
    /// Where it was written, when it came from a manifest.
    pub spans: OutOfLine<ResourceSpans>,
}

impl ResourceConfig {
    /// A resource with no attributes yet.
    pub fn new(address: Address, kind: impl Into<String>) -> Self {
        Self {
            address,
            kind: kind.into(),
            attrs: Attrs::new(),
            depends_on: Vec::new(),
            lifecycle: OutOfLine::default(),
            provider: None,
            spans: OutOfLine::default(),
        }
    }

    /// Puts it in the provider instance called `instance` (one of
    /// [`Config::providers`]), e.g. another region's.
    pub fn on_provider(mut self, instance: impl Into<String>) -> Self {
        self.provider = Some(instance.into());
        self
    }

    /// Sets an attribute.
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.attrs.insert_tight(name.into(), value.into());
        self
    }

    /// Every address this resource depends on: references and `depends_on`.
    pub fn dependencies(&self) -> Vec<Address> {
        let mut deps: Vec<Address> = self
            .attrs
            .values()
            .flat_map(|v| v.references().into_iter().map(|r| r.address.clone()))
            .chain(self.depends_on.iter().cloned())
            .collect();
        deps.sort();
        deps.dedup();
        deps
    }
}

/// An output of the configuration.
#[derive(Debug, Clone)]
pub struct OutputConfig {
    /// The value, usually a reference.
    pub value: Value,
    /// Hidden in `strata output` unless asked for by name.
    pub sensitive: bool,
    /// Where it was written.
    pub span: Option<Span>,
}

/// Which cloud to manage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderConfig {
    /// The provider's kind, as the application that builds providers names
    /// them; `None` leaves the choice to the application's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The region, e.g. `us-east-1`.
    pub region: String,
    /// Provider-specific options (endpoint, profile, sim speed, faults...).
    #[serde(default)]
    pub options: IndexMap<String, serde_json::Value>,
}

impl Default for ProviderConfig {
    fn default() -> Self {
        Self {
            kind: None,
            region: "us-east-1".into(),
            options: IndexMap::new(),
        }
    }
}

/// Where state is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackendConfig {
    /// `local` (default) or `s3`.
    pub kind: String,
    /// Backend-specific options (`path`, `bucket`, `key`...).
    #[serde(default)]
    pub options: IndexMap<String, serde_json::Value>,
}

impl Default for BackendConfig {
    fn default() -> Self {
        Self {
            kind: "local".into(),
            options: IndexMap::new(),
        }
    }
}

/// A whole configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The stack's name (tags every resource as `strata:stack`).
    pub stack: String,
    /// The default provider instance (`[provider]`).
    pub provider: ProviderConfig,
    /// Further provider instances by name (`[provider.NAME]`), which
    /// resources name in [`ResourceConfig::provider`].
    pub providers: IndexMap<String, ProviderConfig>,
    /// The state backend.
    pub backend: BackendConfig,
    /// Resources by address, in the order written.
    pub resources: IndexMap<Address, ResourceConfig, crate::addr::FastHash>,
    /// Outputs by name.
    pub outputs: IndexMap<String, OutputConfig>,
    /// The manifest, when the configuration came from one.
    pub source: Option<SourceFile>,
    /// Problems found while building the configuration (e.g. duplicate
    /// addresses added through the Rust API); reported by graph validation.
    pub pending_problems: Vec<crate::diag::Problem>,
    /// Things that work but deserve attention (a sensitive attribute or
    /// parameter written in clear text): the application shows them as
    /// warnings ([`Warning`](crate::diag::Warning)); they stop nothing.
    pub warnings: Vec<crate::diag::Problem>,
    /// Reusable stacks to instantiate (`[module.NAME]` in a manifest), as
    /// written: the engine does not expand them; the facade does (through
    /// `strata-stacks`) before building the graph.
    pub modules: Vec<ModuleConfig>,
    /// `[[moved]]`: objects in state that take a new address
    /// ([`Config::add_moved`]).
    pub moved: Vec<crate::moved::Moved>,
    /// `[[removed]]`: objects no longer configured, forgotten or destroyed
    /// ([`Config::add_removed`]).
    pub removed: Vec<crate::moved::Removed>,
    /// Lookups (`[data.NAME]`) by name, in the order written: read during
    /// planning, never created (see [`crate::lookup`]).
    pub data: IndexMap<String, crate::lookup::DataConfig>,
}

/// One instance of a reusable stack, recorded raw: `[module.web]` with
/// `kind = "web_service"` and its parameters.
#[derive(Debug, Clone, Default)]
pub struct ModuleConfig {
    /// The instance's name: the prefix of its addresses (`web.tg_blue`).
    pub name: String,
    /// The stack kind, e.g. `web_service`.
    pub kind: String,
    /// Parameters as written (no references are resolved).
    pub params: IndexMap<String, Value>,
    /// The provider instance all of its resources belong to (`None`: the
    /// default).
    pub provider: Option<String>,
    /// Where it was written, when it came from a manifest.
    pub spans: ModuleSpans,
}

/// Where in a manifest a module block and its parameters were written.
#[derive(Debug, Clone, Default)]
pub struct ModuleSpans {
    /// The block's table header (or key).
    pub header: Option<Span>,
    /// The `kind = ...` value.
    pub kind: Option<Span>,
    /// Each parameter's value.
    pub params: IndexMap<String, Span>,
    /// The `provider = ...` value.
    pub provider: Option<Span>,
}

impl Config {
    /// An empty configuration for a stack on the simulated cloud.
    pub fn new(stack: impl Into<String>) -> Self {
        Self {
            stack: stack.into(),
            ..Self::default()
        }
    }

    /// Adds a resource; a second resource at the same address is recorded as a problem.
    pub fn add(&mut self, resource: ResourceConfig) {
        if self.resources.contains_key(&resource.address) {
            self.pending_problems.push(crate::diag::Problem::new(
                "strata::graph::duplicate",
                format!("two resources have the address `{}`", resource.address),
                Some("give each resource a unique address".into()),
            ));
            return;
        }
        self.resources.insert(resource.address.clone(), resource);
    }

    /// Adds the provider instance called `name` (resources join it with
    /// [`ResourceConfig::on_provider`]).
    pub fn add_provider(&mut self, name: impl Into<String>, provider: ProviderConfig) {
        self.providers.insert(name.into(), provider);
    }

    /// The configuration of a provider instance (`None`: the default one),
    /// if the configuration has it.
    pub fn provider_config(&self, instance: Option<&str>) -> Option<&ProviderConfig> {
        match instance {
            None => Some(&self.provider),
            Some(name) => self.providers.get(name),
        }
    }

    /// The provider instance the resource at `address` belongs to: `None`
    /// for the default one (or when no such resource is configured).
    pub fn instance_of(&self, address: &Address) -> Option<&str> {
        self.resources
            .get(address)
            .and_then(|r| r.provider.as_deref())
    }

    /// Adds an output.
    pub fn output(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        self.outputs.insert(
            name.into(),
            OutputConfig {
                value: value.into(),
                sensitive: false,
                span: None,
            },
        );
    }
}
