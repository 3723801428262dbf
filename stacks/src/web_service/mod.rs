//! [`WebService`]: the highly available web service of the Flask production
//! practice, as one reusable stack.
//!
//! From a few parameters it declares a VPC with public and private subnets
//! in each AZ, a NAT gateway per AZ for the private subnets' way out,
//! least-privilege security groups (only the ALB reaches the app port, only
//! the app reaches Postgres 5432 and Redis 6379), an ALB with a weighted
//! listener (HTTPS on 443 with a certificate, port 80 redirecting to it)
//! and `blue`/`green` target groups checking `/health`,
//! one autoscaling group and launch template per color with target
//! tracking, a multi-AZ encrypted PostgreSQL primary with read replicas in
//! distinct AZs, a Redis replication group across AZs, the SLO alarms, and
//! outputs. Which color is live, what each runs and the listener weights
//! come from the [`Release`] record a rollout keeps in state.
//!
//! ```
//! use strata_core::kinds::typed::Stack;
//! use strata_stacks::web_service::{Release, WebService};
//!
//! let web = WebService::new("shop", "ami-0123456789abcdef0");
//! assert!(web.validate().is_empty());
//! let mut stack = Stack::new("shop");
//! web.declare(&mut stack, "web", &Release::initial(&web));
//! let config = stack.into_config();
//! assert!(config.resources.keys().any(|a| a.as_str() == "web.tg_green"));
//! assert!(config.outputs.contains_key("web.live_color"));
//! ```

mod data_tuning;
mod dns;
mod edge;
mod egress;
mod identity;
mod notify;
mod params;
pub mod release;
mod resources;

pub use dns::Tls;
pub use edge::SSL_POLICY;
pub use egress::Nat;
pub use params::{from_params, is_sensitive, to_params, ParamError, KIND, PARAM};
pub use release::{Color, Release};
pub use resources::Addresses;

use strata_core::kinds::typed::{Sensitive, Stack};

/// The parameters of a web service. Start from [`WebService::new`] and
/// change what differs; [`WebService::validate`] lists what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct WebService {
    /// Prefix of AWS names (`shop-alb`, `shop-blue`, …).
    pub name: String,
    /// `environment` tag, e.g. `production`.
    pub environment: String,
    /// The first application version (later ones go through rollouts).
    pub version: String,
    /// Availability zones to spread over (at least 2).
    pub azs: usize,
    /// The VPC's CIDR block, a `/16` such as `10.0.0.0/16`.
    pub cidr_block: String,
    /// NAT gateways for the private subnets' way out: one per AZ (the
    /// default), a single one, or none.
    pub nat: Nat,
    /// An existing ACM certificate (in the stack's region) for the HTTPS
    /// listener on 443, instead of one the stack issues for
    /// [`domain`](Self::domain); port 80 then redirects to HTTPS. With
    /// neither, HTTP on port 80 only.
    pub certificate_arn: Option<String>,
    /// The application image.
    pub ami: String,
    /// User data; `{version}` is replaced by the color's version.
    pub user_data: Option<String>,
    /// e.g. `t3.small`.
    pub instance_type: String,
    /// The AMI's root device (`/dev/xvda` on Amazon Linux): its volume is an
    /// encrypted gp3 volume of [`root_volume_gb`](Self::root_volume_gb).
    pub root_device_name: String,
    /// GiB of each instance's root volume.
    pub root_volume_gb: i64,
    /// Detailed (1-minute) CloudWatch monitoring of the instances.
    pub detailed_monitoring: bool,
    /// The port the app listens on behind the ALB.
    pub app_port: u16,
    /// Fewest instances of the live color.
    pub min_size: i64,
    /// Most instances of either color.
    pub max_size: i64,
    /// Instances of the live color wanted now.
    pub desired_capacity: i64,
    /// Average CPU the target-tracking policies hold, in percent.
    pub cpu_target: f64,
    /// e.g. `db.t4g.medium`.
    pub db_instance_class: String,
    /// PostgreSQL version.
    pub db_engine_version: String,
    /// GiB of DB storage.
    pub db_allocated_storage: i64,
    /// Read replicas (at most `azs - 1`, each in its own AZ).
    pub db_replicas: usize,
    /// Master password (never stored in state): clear text or a
    /// [`Secret`](strata_core::secret::Secret) (`Secret::env(..).into()`).
    /// Unused with [`db_managed_password`](Self::db_managed_password).
    pub db_password: Sensitive,
    /// Let RDS generate the master password and keep it in Secrets Manager
    /// (`manage_master_user_password`; its ARN is the output
    /// `NAME.db_password_secret_arn`) instead of `db_password`. Turning it
    /// on for a running service modifies the primary in place.
    pub db_managed_password: bool,
    /// Refuse deletes of the DB instances.
    pub deletion_protection: bool,
    /// Days of automated backups.
    pub backup_retention_days: i64,
    /// DB storage type (`gp3`).
    pub db_storage_type: String,
    /// GiB storage autoscaling may grow DB storage to (above
    /// `db_allocated_storage`).
    pub db_max_allocated_storage: i64,
    /// Weekly DB maintenance window, `ddd:hh24:mi-ddd:hh24:mi` (UTC).
    pub db_maintenance_window: String,
    /// Daily DB backup window, `hh24:mi-hh24:mi` (UTC), outside the
    /// maintenance window.
    pub db_backup_window: String,
    /// Weekly maintenance window of the read replicas (after the
    /// primary's, so readers stay up while it is patched).
    pub db_replica_maintenance_window: String,
    /// Performance Insights on the DB instances (7 days, the free tier).
    pub db_performance_insights: bool,
    /// PostgreSQL logs statements slower than this many milliseconds
    /// (`log_min_duration_statement`; -1 logs none).
    pub db_log_min_duration_ms: i64,
    /// e.g. `cache.t4g.small`.
    pub cache_node_type: String,
    /// Redis replicas (1 to 5; nodes spread over the AZs).
    pub cache_replicas: usize,
    /// Redis AUTH token (16 to 128 characters; never stored in state).
    pub cache_auth_token: Sensitive,
    /// Days of automatic Redis snapshots (0: none).
    pub cache_snapshot_retention_days: i64,
    /// Daily Redis snapshot window, `hh24:mi-hh24:mi` (UTC).
    pub cache_snapshot_window: String,
    /// Weekly Redis maintenance window, `ddd:hh24:mi-ddd:hh24:mi` (UTC).
    pub cache_maintenance_window: String,
    /// Redis's `maxmemory-policy` (what is evicted when memory is full).
    pub cache_maxmemory_policy: String,
    /// Give Redis a parameter group of its own (with
    /// `cache_maxmemory_policy`); `false` leaves it on AWS's default group
    /// (for a cloud without ElastiCache parameter groups, such as moto).
    pub cache_parameter_group: bool,
    /// 5xx rate SLO: alarm and gate above this share (0.01 = 1 %).
    pub slo_5xx_rate: f64,
    /// Minutes the 5xx SLO may be breached before the alarm fires.
    pub slo_5xx_minutes: i64,
    /// p95 target response time SLO, in milliseconds.
    pub slo_p95_ms: f64,
    /// Minutes the latency SLO may be breached before the alarm fires.
    pub slo_p95_minutes: i64,
    /// An address the alarms' SNS topic emails (the subscription stays
    /// pending until the link SNS sends there is clicked).
    pub alarm_email: Option<String>,
    /// Whether the primary database is encrypted with the stack's KMS key.
    /// `None` (the default): yes for a database the stack creates, no for
    /// one that existed before the stack had a key (moving an instance to
    /// another key replaces it). `Some(true)` asks for the move anyway —
    /// `apply` refuses it without `--allow-replace`; `Some(false)` keeps
    /// the AWS managed key.
    pub db_use_stack_key: Option<bool>,
    /// Whether Redis is encrypted at rest with the stack's KMS key, as
    /// [`db_use_stack_key`](Self::db_use_stack_key) is for the database:
    /// `None`, yes for a cache the stack creates, no for one made before
    /// (ElastiCache cannot change the key of a replication group).
    pub cache_use_stack_key: Option<bool>,
    /// The name the service answers on (`shop.example.com`): the stack
    /// issues a DNS-validated certificate for it (unless
    /// [`certificate_arn`](Self::certificate_arn) is given) and points an
    /// alias record at the load balancer. Needs `zone_id` or `zone_name`.
    pub domain: Option<String>,
    /// An existing public hosted zone for the domain's records (`Z…`).
    pub zone_id: Option<String>,
    /// Instead of `zone_id`: the stack creates a public hosted zone of this
    /// name (the domain or a parent of it); delegate to its name servers.
    pub zone_name: Option<String>,
}

impl WebService {
    /// A service called `name` running `ami`, with production defaults:
    /// 3 AZs, 3 to 9 `t3.small` instances (3 wanted), a `db.t4g.medium`
    /// primary with 2 replicas, Redis with 2 replicas, the seed's SLOs
    /// (5xx > 1 % for 5 min, p95 > 300 ms for 10 min).
    pub fn new(name: impl Into<String>, ami: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            environment: "production".into(),
            version: "v1".into(),
            azs: 3,
            cidr_block: "10.0.0.0/16".into(),
            nat: Nat::PerAz,
            certificate_arn: None,
            ami: ami.into(),
            user_data: None,
            instance_type: "t3.small".into(),
            root_device_name: "/dev/xvda".into(),
            root_volume_gb: 20,
            detailed_monitoring: true,
            app_port: 8000,
            min_size: 3,
            max_size: 9,
            desired_capacity: 3,
            cpu_target: 50.0,
            db_instance_class: "db.t4g.medium".into(),
            db_engine_version: "16".into(),
            db_allocated_storage: 50,
            db_replicas: 2,
            db_password: Sensitive::new("change-me-in-a-vault"),
            db_managed_password: false,
            deletion_protection: true,
            backup_retention_days: 7,
            db_storage_type: "gp3".into(),
            db_max_allocated_storage: 200,
            db_maintenance_window: "sun:05:00-sun:06:00".into(),
            db_backup_window: "03:00-04:00".into(),
            db_replica_maintenance_window: "sun:07:00-sun:08:00".into(),
            db_performance_insights: true,
            db_log_min_duration_ms: 500,
            cache_node_type: "cache.t4g.small".into(),
            cache_replicas: 2,
            cache_auth_token: Sensitive::new("change-me-in-a-vault-too"),
            cache_snapshot_retention_days: 7,
            cache_snapshot_window: "04:00-05:00".into(),
            cache_maintenance_window: "sun:06:00-sun:07:00".into(),
            cache_maxmemory_policy: "volatile-lru".into(),
            cache_parameter_group: true,
            slo_5xx_rate: 0.01,
            slo_5xx_minutes: 5,
            slo_p95_ms: 300.0,
            slo_p95_minutes: 10,
            alarm_email: None,
            db_use_stack_key: None,
            cache_use_stack_key: None,
            domain: None,
            zone_id: None,
            zone_name: None,
        }
    }

    /// Whether the service answers HTTPS on 443 (it has a certificate:
    /// `certificate_arn`, or one issued for `domain` in its zone): its
    /// weighted listener is then `https`, and port 80 redirects.
    pub fn serves_https(&self) -> bool {
        self.certificate_arn.is_some()
            || (self.domain.is_some() && (self.zone_id.is_some() || self.zone_name.is_some()))
    }

    /// Everything wrong with the parameters, as (parameter, message, help).
    pub fn validate(&self) -> Vec<ParamError> {
        params::validate(self)
    }

    /// Declares the stack's resources and outputs under `prefix` (e.g.
    /// `web` → `web.tg_blue`), with colors, versions and weights from `release`.
    pub fn declare(&self, stack: &mut Stack, prefix: &str, release: &Release) -> Addresses {
        resources::declare(self, stack, prefix, release)
    }

    /// The service as a module block called `name` (what `[module.NAME]`
    /// holds), for [`Config::modules`](strata_core::config::Config::modules):
    /// the CLI expands it with the release record kept in state, so
    /// `strata rollout` works on stacks built in Rust too.
    pub fn module(&self, name: &str) -> strata_core::config::ModuleConfig {
        strata_core::config::ModuleConfig {
            name: name.to_string(),
            kind: KIND.to_string(),
            params: to_params(self),
            provider: None,
            spans: Default::default(),
        }
    }
}
