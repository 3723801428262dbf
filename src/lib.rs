//! Strata: declarative, typed infrastructure for AWS production stacks.
//!
//! This facade re-exports the engine ([`core`]), the embedded simulated AWS
//! ([`sim`]) and reusable stacks ([`stacks`]), and holds the `strata` CLI
//! ([`cli`]), which an infra repo's own binary can reuse with a graph built
//! in Rust:
//!
//! ```no_run
//! use strata::core::kinds::typed::{Stack, Vpc};
//!
//! fn main() -> std::process::ExitCode {
//!     strata::cli::run_with(|| {
//!         let mut stack = Stack::new("demo");
//!         stack.add("vpc", Vpc { cidr_block: "10.0.0.0/16".into(), ..Default::default() });
//!         stack.into_config()
//!     })
//! }
//! ```

pub mod cli;

pub use strata_core as core;
pub use strata_sim as sim;
pub use strata_stacks as stacks;
/// Backup-restore and failover drills with a measured report (the engine
/// behind `strata drill`).
pub use strata_stacks::drill;
/// Blue/green releases with a canary, gates and automatic rollback (the
/// engine behind `strata rollout`).
pub use strata_stacks::rollout;
