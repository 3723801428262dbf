//! Strata's AWS provider on the official aws-sdk crates, and the S3 state
//! backend.
//!
//! [`AwsProvider`] implements [`strata_core::provider::Provider`] for every
//! resource kind Strata knows (`strata_core::kinds::ALL`). Configuration
//! comes from the standard AWS chain (environment, profiles,
//! `AWS_ENDPOINT_URL`), overridden by the manifest's `[provider]` options
//! ([`AwsSettings::from_options`]). Errors carry AWS's code and message;
//! throttling and transient faults are retried by the SDK (adaptive retry
//! by default) and, past that, reported as `ProviderError::Transient` for
//! the engine's own backoff.
//!
//! ```no_run
//! use strata_aws::{AwsProvider, AwsSettings};
//! use strata_core::provider::{Provider, ReadRequest};
//!
//! # async fn demo() -> Result<(), strata_core::provider::ProviderError> {
//! let settings = AwsSettings { region: Some("us-east-1".into()), ..AwsSettings::default() };
//! let aws = AwsProvider::connect(settings).await?; // fails fast without credentials
//! let live = aws.read(ReadRequest { kind: "aws.ec2.vpc".into(), targets: vec![] }).await?;
//! assert!(live.found.is_empty());
//! # Ok(()) }
//! ```
//!
//! Codemap: [`provider`] (dispatch, readiness and delete polling),
//! [`config`] (settings, SDK clients, the call counter), [`errors`] (SDK
//! errors to provider errors), [`tags`] (Strata's tags and how reads use
//! them), one module per service family (`network`, `ec2`, `elbv2`,
//! `autoscaling`, `rds`, `elasticache`, `cloudwatch`), `drills` (the drill operations: RDS
//! snapshots, restores and failovers, ElastiCache `TestFailover`, target
//! deregistration, suspended ASG processes), [`signals`] (what a
//! release watches: target health, ALB metrics, alarm states), and
//! [`s3_backend`].
//!
//! Reads are batched: one paginated Describe per kind, filtered by ids and
//! (for EC2) the `strata:stack` tag. A few settings AWS only reports per
//! resource cost one call per resource: an ALB's idle timeout, a target
//! group's attributes and registered targets, a launch template's latest
//! version, an instance's user data, and the tags of RDS/ElastiCache subnet
//! groups, replication groups and alarms.

use std::collections::BTreeMap;

pub mod config;
pub mod errors;
pub mod provider;
pub mod s3_backend;
pub mod signals;
pub mod tags;

mod acm;
mod autoscaling;
mod cache_auth;
mod cache_nodes;
mod capabilities;
mod cloudwatch;
mod drills;
mod ec2;
mod egress;
mod elasticache;
mod elb_attributes;
mod elbv2;
mod iam;
mod kms;
mod launch_template_data;
mod listener;
mod lookups;
mod network;
mod parameter_groups;
mod rds;
mod route53;
mod secrets;
mod security_group;
mod sns;
mod util;

pub use config::{AwsSettings, CallCounter, RetryMode};
pub use provider::AwsProvider;
pub use s3_backend::{S3Backend, S3Settings};

/// The tags an update should leave on a resource.
#[derive(Clone, Copy)]
pub(crate) struct Tagging<'a> {
    /// Tags to set (added or overwritten).
    pub desired: &'a BTreeMap<String, String>,
    /// Tag keys to remove.
    pub stale: &'a [String],
}

/// The SDK crates the provider is built on, for tools and tests that need a
/// raw client (e.g. to make an out-of-band change), so they need not depend
/// on the aws-sdk crates themselves.
pub mod sdk {
    pub use aws_config;
    pub use aws_sdk_acm as acm;
    pub use aws_sdk_autoscaling as autoscaling;
    pub use aws_sdk_cloudwatch as cloudwatch;
    pub use aws_sdk_ec2 as ec2;
    pub use aws_sdk_elasticache as elasticache;
    pub use aws_sdk_elasticloadbalancingv2 as elbv2;
    pub use aws_sdk_iam as iam;
    pub use aws_sdk_kms as kms;
    pub use aws_sdk_rds as rds;
    pub use aws_sdk_route53 as route53;
    pub use aws_sdk_s3 as s3;
    pub use aws_sdk_secretsmanager as secretsmanager;
    pub use aws_sdk_sns as sns;
    pub use aws_sdk_ssm as ssm;
    pub use aws_sdk_sts as sts;
}
