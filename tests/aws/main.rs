//! End-to-end tests of the AWS provider and the S3 backend against moto in
//! server mode, through the real aws-sdk clients. Run by `scripts/moto.sh`
//! (which installs and starts moto and sets `AWS_ENDPOINT_URL`):
//!
//! ```text
//! scripts/moto.sh
//! ```
//!
//! moto's gaps (see `book/src/aws.md`): everything is `available` at once,
//! RunInstances ignores ClientToken, ElastiCache deletes stay `deleting`.
//! Waiting, failover and idempotent retries are covered on the sim provider
//! (`tests/it`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Tests hold a lock on the one moto server for their whole run, on purpose.
#![allow(clippy::await_holding_lock)]

mod data_stores;
mod dns;
mod drill;
mod egress;
mod faults;
mod https;
mod identity;
mod in_place;
mod kinds;
mod lookups;
mod quickstart;
mod rds_safety;
mod refresh_cost;
mod regions;
mod rollout;
mod s3_state;
mod secrets;
mod support;
mod web_service_changes;
mod web_service_production;
