//! Strata's engine: the resource model, the graph, planning, applying and
//! state. It does no cloud IO: providers plug in through [`provider::Provider`].
//!
//! ```
//! use strata_core::{addr::Address, config::{Config, ResourceConfig}, kinds, value::Reference};
//!
//! let mut config = Config::new("demo");
//! let vpc = Address::parse("vpc").unwrap();
//! config.add(ResourceConfig::new(vpc.clone(), kinds::VPC).with("cidr_block", "10.0.0.0/16"));
//! config.add(
//!     ResourceConfig::new(Address::parse("subnet_a").unwrap(), kinds::SUBNET)
//!         .with("vpc_id", Reference::new(vpc, "id"))
//!         .with("cidr_block", "10.0.1.0/24")
//!         .with("availability_zone", "us-east-1a"),
//! );
//! assert_eq!(config.resources.len(), 2);
//! ```

pub mod addr;
pub mod apply;
pub mod attrs;
pub mod compare;
pub mod config;
pub mod diag;
pub mod drill;
pub mod each;
pub mod events;
pub mod exact;
pub mod graph;
pub mod kinds;
pub mod lookup;
pub mod manifest;
pub mod moved;
pub mod plan;
pub mod provider;
pub mod recover;
pub mod retry;
pub mod schema;
pub mod secret;
pub mod session;
pub mod state;
pub mod tags;
pub mod value;
