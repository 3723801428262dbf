//! Reusable stacks, and the release engine that moves them from one
//! version to the next.
//!
//! - [`web_service`]: [`WebService`](web_service::WebService), the HA web
//!   service (VPC, ALB with blue/green target groups, two autoscaling
//!   fleets, PostgreSQL with replicas, Redis, SLO alarms) from a few
//!   parameters.
//! - [`modules`]: expands `[module.NAME]` manifest blocks into resources.
//! - [`rollout`]: blue/green releases with a canary, gates and automatic
//!   rollback, reusing the engine's plan and apply.
//! - [`drill`]: backup-restore and failover drills (DB, Redis, an AZ),
//!   probed and measured, with a Markdown/JSON report and a record in state.
//!
//! No `aws-sdk` here, and no provider named: stacks reach the cloud only
//! through [`strata_core::provider::Provider`] and the capabilities it
//! offers (release-gate signals, drill operations, AZ outages).
//!
//! ```
//! use strata_core::kinds::typed::Stack;
//! use strata_stacks::web_service::{Release, WebService};
//!
//! let web = WebService { azs: 2, db_replicas: 1, min_size: 2, desired_capacity: 2,
//!     ..WebService::new("shop", "ami-0123456789abcdef0") };
//! let mut stack = Stack::new("shop");
//! web.declare(&mut stack, "web", &Release::initial(&web));
//! assert!(stack.config().resources.len() > 30);
//! ```

pub mod drill;
pub mod events;
pub mod modules;
pub mod rollout;
pub mod web_service;
