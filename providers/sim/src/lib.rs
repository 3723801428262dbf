//! The embedded simulated AWS cloud: Strata's default provider.
//!
//! [`SimProvider`] implements [`strata_core::provider::Provider`] for every
//! resource kind Strata knows, with AWS's ids and ARNs, asynchronous
//! provisioning on a clock that runs [`SimOptions::speed`] times faster than
//! AWS (`creating` → `available`, `pending` → `running`), AWS's error codes,
//! autoscaling groups that launch real (simulated) instances, target health,
//! read replicas, snapshots, failover, AZ outages and injected faults. A sim
//! opened with [`SimProvider::open`] persists in a directory, so `apply` in
//! one process and `plan` in the next see the same cloud.
//!
//! ```
//! use strata_core::provider::{CreateRequest, OpStatus, Provider};
//! use strata_core::{addr::Address, kinds, value::Attrs};
//! use strata_sim::{SimOptions, SimProvider};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let sim = SimProvider::in_memory(SimOptions::instant());
//! let mut attrs = Attrs::new();
//! attrs.insert("cidr_block".into(), "10.0.0.0/16".into());
//! let status = sim
//!     .create(CreateRequest {
//!         address: Address::parse("vpc").unwrap(),
//!         kind: kinds::VPC.into(),
//!         attrs,
//!         stack: "demo".into(),
//!         token: "t-1".into(),
//!     })
//!     .await
//!     .unwrap();
//! let OpStatus::Done { id, .. } = status else { unreachable!("instant sims finish at once") };
//! assert!(id.starts_with("vpc-"));
//! assert_eq!(sim.strata_objects().len(), 1);
//! # });
//! ```
//!
//! Codemap: [`provider`] (the trait impl and dispatch), `cloud` (the world
//! model: records on status timelines), `store` (atomic persistence),
//! [`clock`], [`faults`], [`options`], `ids`, and one module per service
//! family: `network` and `ec2`, `elbv2`, `autoscaling`, `rds`,
//! `rds_modify` and `snapshots`, `elasticache`, `cloudwatch`; `versions`
//! (the engine versions the sim offers); `secrets` (the account's Secrets
//! Manager secrets and SSM parameters, read while planning and seeded with
//! [`SimProvider::put_secret`] and [`SimProvider::put_parameter`]; a DB
//! instance's managed master password lives there, `rds_secret`);
//! [`traffic`] (simulated requests,
//! 5xx and latency per target group, for release gates); [`drills`] is the
//! sim's own API, and `rds_ops` the RDS drill operations (the others live
//! with their service).
//!
//! Semantics worth knowing:
//! - Ids: EC2 kinds get AWS-shaped ids (`vpc-` + 17 hex); ELB kinds are
//!   their ARNs; ASGs, policies, alarms, subnet groups, DB instances and
//!   replication groups are their names. `read` returns the configured
//!   attributes (schema defaults filled, sensitive ones never kept) plus the
//!   computed ones, and `tags` only when the user set tags, without the
//!   `strata:`/`aws:` system tags.
//! - Updates on a DB instance or replication group that is not `available`
//!   fail with `InvalidDBInstanceState`/`InvalidReplicationGroupState`, as on
//!   AWS; other kinds apply an update at once, even mid-provisioning.
//! - What AWS changes in place, the sim changes in place (same id, data
//!   kept): removing a replica's `replicate_source_db` promotes it; a DB's
//!   subnet group, engine version (`16` runs, and is reported, as `16.4`; a
//!   major upgrade needs `allow_major_version_upgrade`) and storage (it only
//!   grows); a replication group's replica count and AZs
//!   (`preferred_cache_cluster_azs`, reported from its nodes, primary
//!   first) and, from Redis 7.0.5, its transit encryption; an instance's
//!   type and `user_data` (stop, modify, start). A KMS key id is reported
//!   as its key ARN.
//! - The sim applies DB modifications at once: it has no maintenance
//!   window, so `apply_immediately = false` changes only what is reported
//!   back, never when a change takes effect.
//! - Security group rules are a set: an update keeps the rules that stay
//!   in their place and adds new ones after them; protocols are reported
//!   as AWS reports them (`tcp`, `-1` for all). Listener forwards without a
//!   weight weigh 1, and a target group reports every health check setting
//!   (AWS's defaults for those not given).
//! - Deleting an autoscaling group drains it first (its instances stay
//!   registered, `draining`, for the target groups' deregistration delay,
//!   then terminate; the delete completes when they are gone); with
//!   `force_delete` it is gone at once. Deleting a replication group with
//!   `final_snapshot_identifier` leaves a cache snapshot
//!   ([`SimProvider::cache_snapshots`]).
//! - Deletes of a missing id return `ProviderError::NotFound`; deleting
//!   something already being deleted reports the delete's progress.
//! - An ASG does not replace running instances when its launch template
//!   changes (AWS needs an instance refresh for that); it does not rebalance
//!   when a down AZ comes back.
//! - A persisted sim rewrites its whole file after each change: fine for a
//!   CLI run, use [`SimProvider::in_memory`] for benchmarks.

mod acm;
mod attrs;
mod autoscaling;
mod cache_auth;
mod capabilities;
pub mod clock;
mod cloud;
mod cloudwatch;
pub mod drills;
mod ec2;
mod egress;
mod elasticache;
mod elbv2;
mod error;
pub mod faults;
mod iam;
mod ids;
mod kms;
mod lookups;
mod network;
mod objects;
pub mod options;
mod parameter_groups;
pub mod provider;
mod rds;
mod rds_modify;
mod rds_ops;
mod rds_secret;
mod regions;
mod route53;
mod secrets;
mod snapshots;
mod sns;
mod store;
pub mod traffic;
mod versions;

pub use clock::SimClock;
pub use drills::{SimObject, CACHE_SNAPSHOT, DB_SNAPSHOT};
pub use elbv2::TargetHealth;
pub use error::SimError;
pub use faults::{FaultConfig, VersionFault};
pub use objects::{CacheNode, CacheSnapshot, Certificate, DbSnapshot, HostedZone};
pub use options::SimOptions;
pub use provider::SimProvider;
pub use regions::SimRegions;
