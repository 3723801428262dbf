//! Lookups (data sources): `[data.NAME]` blocks that read things which
//! exist outside the configuration (an AMI, a VPC, a hosted zone), so
//! resources can refer to them as `${data.NAME.ATTR}`.
//!
//! A lookup is not a resource: it is never created or deleted and is not
//! kept in state. Planning reads every lookup first (the plan shows each
//! as a `read`), through the provider's
//! [`Lookups`](crate::provider::Lookups), and puts the values it found in
//! place of the references, so a plan, saved or not, holds the values it
//! was made with. The schemas of the lookup kinds are in
//! [`kinds::data`](crate::kinds::data).
//!
//! The same lookups from Rust:
//!
//! ```
//! use strata_core::addr::Address;
//! use strata_core::config::{Config, ResourceConfig};
//! use strata_core::graph::Graph;
//! use strata_core::kinds;
//! use strata_core::lookup::DataConfig;
//!
//! let mut config = Config::new("demo");
//! let ubuntu = DataConfig::new("ubuntu", "aws.ec2.ami")
//!     .with("owners", vec!["099720109477"])
//!     .with("name", "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*")
//!     .with("most_recent", true);
//! let azs = DataConfig::new("azs", "aws.availability_zones");
//! let vpc = Address::parse("vpc").unwrap();
//! config.add(ResourceConfig::new(vpc.clone(), kinds::VPC).with("cidr_block", "10.0.0.0/16"));
//! config.add(
//!     ResourceConfig::new(Address::parse("subnet").unwrap(), kinds::SUBNET)
//!         .with("vpc_id", strata_core::value::Reference::new(vpc, "id"))
//!         .with("cidr_block", "10.0.1.0/24")
//!         .with("availability_zone", azs.index("names", 0)),
//! );
//! config.add_data(ubuntu);
//! config.add_data(azs);
//! assert!(Graph::build(config).is_ok());
//! ```

mod validate;

use indexmap::IndexMap;

use crate::addr::Address;
use crate::config::{Config, Span};
use crate::diag::Problem;
use crate::value::{Attrs, Reference, Value};

pub(crate) use validate::{check_reference, order, validate};

/// The first part of a lookup's address: `data.NAME`.
pub const DATA: &str = "data";

/// A lookup's name is already taken.
pub const DUPLICATE: &str = "strata::lookup::duplicate";
/// A lookup's name is not one address part.
pub const NAME: &str = "strata::lookup::name";
/// A lookup's kind is unknown.
pub const UNKNOWN_KIND: &str = "strata::lookup::unknown_kind";
/// A filter the kind does not have, a required one missing, or one of the
/// wrong type.
pub const FILTER: &str = "strata::lookup::filter";
/// A reference to a lookup that does not exist, or to an attribute it does
/// not export.
pub const REFERENCE: &str = "strata::lookup::reference";
/// Lookups that refer to each other in a circle.
pub const CYCLE: &str = "strata::lookup::cycle";
/// A lookup found nothing, or several where it needs one.
pub const MATCHES: &str = "strata::lookup::matches";
/// The provider cannot look things up.
pub const UNSUPPORTED: &str = "strata::lookup::unsupported";

/// One `[data.NAME]` block: a lookup kind and its filters.
#[derive(Debug, Clone)]
pub struct DataConfig {
    /// Its name (`ubuntu` for `data.ubuntu`).
    pub name: String,
    /// Its kind, e.g. `aws.ec2.ami`.
    pub kind: String,
    /// The filters as written (may refer to other lookups).
    pub filters: Attrs,
    /// Where it was written, when it came from a manifest.
    pub spans: DataSpans,
}

/// Where in a manifest a lookup and its filters were written.
#[derive(Debug, Clone, Default)]
pub struct DataSpans {
    /// The block's table header (or key).
    pub header: Option<Span>,
    /// The `kind = ...` value.
    pub kind: Option<Span>,
    /// Each filter's value.
    pub filters: IndexMap<String, Span>,
}

impl DataConfig {
    /// A lookup with no filters yet.
    pub fn new(name: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            kind: kind.into(),
            filters: Attrs::new(),
            spans: DataSpans::default(),
        }
    }

    /// Sets a filter.
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.filters.insert(name.into(), value.into());
        self
    }

    /// Its address, `data.NAME` (`None` if the name is not a valid
    /// address part).
    pub fn address(&self) -> Option<Address> {
        address_of(&self.name)
    }

    /// A reference to one of its exported attributes: `${data.NAME.attr}`.
    /// A bad name makes a reference graph validation reports.
    pub fn attr(&self, attr: &str) -> Value {
        match self.address() {
            Some(address) => Value::from(Reference::new(address, attr)),
            None => Value::String(format!("${{data.{}.{attr}}}", self.name).into()),
        }
    }

    /// A reference to element `index` of an exported list:
    /// `${data.NAME.attr[index]}`.
    pub fn index(&self, attr: &str, index: usize) -> Value {
        self.attr(&format!("{attr}[{index}]"))
    }
}

/// The address of the lookup `name`: `data.NAME`.
pub fn address_of(name: &str) -> Option<Address> {
    Address::parse(&format!("{DATA}.{name}")).ok()
}

/// The lookup a resource address names (`data.NAME` → `NAME`), if it is
/// one.
pub fn data_name(address: &Address) -> Option<&str> {
    let rest = address.as_str().strip_prefix(DATA)?.strip_prefix('.')?;
    (!rest.contains('.')).then_some(rest)
}

/// `attr[N]` → (`attr`, `Some(N)`), `attr` → (`attr`, `None`).
pub(crate) fn split_index(attr: &str) -> (&str, Option<usize>) {
    if let Some((name, rest)) = attr.split_once('[') {
        if let Some(n) = rest.strip_suffix(']').and_then(|n| n.parse().ok()) {
            return (name, Some(n));
        }
    }
    (attr, None)
}

/// The lookups in Graphviz DOT, for [`Graph::to_dot`](crate::graph::Graph::to_dot):
/// a node each, and an edge from each resource or lookup to the lookups
/// it refers to.
pub(crate) fn dot_lines(config: &Config) -> String {
    let mut out = String::new();
    for d in config.data.values() {
        out.push_str(&format!(
            "  \"data.{0}\" [label = \"data.{0}\\n{1}\", style = dashed];\n",
            d.name, d.kind
        ));
    }
    let mut edges: Vec<(String, String)> = Vec::new();
    let named = config
        .resources
        .values()
        .map(|r| (r.address.to_string(), &r.attrs))
        .chain(
            config
                .data
                .values()
                .map(|d| (format!("data.{}", d.name), &d.filters)),
        );
    for (from, attrs) in named {
        for v in attrs.values() {
            for r in v.references() {
                if data_name(&r.address).is_some() {
                    edges.push((from.clone(), r.address.to_string()));
                }
            }
        }
    }
    edges.sort();
    edges.dedup();
    for (from, to) in edges {
        out.push_str(&format!("  \"{from}\" -> \"{to}\";\n"));
    }
    out
}

impl Config {
    /// Adds a lookup (`[data.NAME]`); a second lookup of the same name is
    /// recorded as a problem.
    pub fn add_data(&mut self, data: DataConfig) {
        if self.data.contains_key(&data.name) {
            self.pending_problems.push(Problem::new(
                DUPLICATE,
                format!("two lookups are called `data.{}`", data.name),
                Some("give each lookup a unique name".into()),
            ));
            return;
        }
        self.data.insert(data.name.clone(), data);
    }
}
