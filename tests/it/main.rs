//! Integration tests of the `strata` package: the CLI as a user runs it
//! (spawned binary, temporary directories, real files) and the engine on
//! the embedded simulated AWS. One binary keeps link time down.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli_apply;
mod cli_changes;
mod cli_envs;
mod cli_errors;
mod cli_regions;
mod cli_tools;
mod crash;
mod data_stores;
mod dns;
mod drill;
mod engine;
mod engine_regions;
mod fuzz;
mod layering;
mod lookups;
mod managed_password;
mod provider_names;
mod refactor;
mod rollout;
mod secrets;
mod support;
mod web_identity;
mod web_service;
mod web_service_edge;
