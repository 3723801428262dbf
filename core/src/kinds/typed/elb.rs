//! Typed specs of the Elastic Load Balancing v2 kinds: application load
//! balancers, target groups and listeners (weighted forwards: the blue/green
//! flip; redirects; fixed responses).

use std::collections::BTreeMap;

use super::{
    AttrsBuilder, Handle, Input, InstanceId, ListenerArn, LoadBalancerArn, ResourceSpec,
    SecurityGroupId, SubnetId, TargetGroupArn, VpcId,
};
use crate::kinds;
use crate::value::{Attrs, Value};

/// `aws.elbv2.load_balancer`: an application load balancer across subnets in several AZs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadBalancer {
    /// Load balancer name.
    pub name: String,
    /// Internal instead of internet-facing (default `false`).
    pub internal: Option<bool>,
    /// Subnets, in at least two AZs.
    pub subnet_ids: Vec<Input<SubnetId>>,
    /// Security groups.
    pub security_group_ids: Vec<Input<SecurityGroupId>>,
    /// Idle timeout in seconds (default 60).
    pub idle_timeout: Option<i64>,
    /// Refuse deletes while set (default `false`).
    pub enable_deletion_protection: Option<bool>,
    /// Drop HTTP headers with invalid names (default `false`).
    pub drop_invalid_header_fields: Option<bool>,
    /// Access logs to an S3 bucket.
    pub access_logs: Option<AccessLogs>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

/// A load balancer's access logs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccessLogs {
    /// The bucket (its policy must let the region's ELB account write).
    pub bucket: String,
    /// Key prefix (default none).
    pub prefix: Option<String>,
    /// Logging on (default `true`).
    pub enabled: Option<bool>,
}

impl From<AccessLogs> for Value {
    fn from(l: AccessLogs) -> Self {
        Value::Map(
            AttrsBuilder::new()
                .set("bucket", l.bucket)
                .opt("prefix", l.prefix)
                .opt("enabled", l.enabled)
                .build(),
        )
    }
}

/// A target group's sticky sessions (load balancer cookies).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stickiness {
    /// On (default `false`).
    pub enabled: Option<bool>,
    /// `lb_cookie` (default).
    pub r#type: Option<String>,
    /// Cookie lifetime in seconds (default 86400).
    pub cookie_duration: Option<i64>,
}

impl From<Stickiness> for Value {
    fn from(s: Stickiness) -> Self {
        Value::Map(
            AttrsBuilder::new()
                .opt("enabled", s.enabled)
                .opt("type", s.r#type)
                .opt("cookie_duration", s.cookie_duration)
                .build(),
        )
    }
}

impl ResourceSpec for LoadBalancer {
    const KIND: &'static str = kinds::LOAD_BALANCER;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("name", self.name)
            .opt("internal", self.internal)
            .set("subnet_ids", self.subnet_ids)
            .list("security_group_ids", self.security_group_ids)
            .opt("idle_timeout", self.idle_timeout)
            .opt(
                "enable_deletion_protection",
                self.enable_deletion_protection,
            )
            .opt(
                "drop_invalid_header_fields",
                self.drop_invalid_header_fields,
            )
            .opt("access_logs", self.access_logs)
            .tags(self.tags)
            .build()
    }
}

impl Handle<LoadBalancer> {
    /// The load balancer's ARN.
    pub fn arn(&self) -> Input<LoadBalancerArn> {
        self.attr("arn")
    }
    /// Its public DNS name.
    pub fn dns_name(&self) -> Input<String> {
        self.attr("dns_name")
    }
    /// The Route 53 hosted zone of the DNS name.
    pub fn zone_id(&self) -> Input<String> {
        self.attr("zone_id")
    }
    /// `app/NAME/ID`: the `LoadBalancer` dimension of its CloudWatch metrics.
    pub fn arn_suffix(&self) -> Input<String> {
        self.attr("arn_suffix")
    }
}

/// A target group's health check; unset fields keep AWS's defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthCheck {
    /// The path probed, e.g. `/healthz`.
    pub path: Option<String>,
    /// The port probed (`traffic-port` or a number).
    pub port: Option<String>,
    /// `HTTP` or `HTTPS`.
    pub protocol: Option<String>,
    /// Successes before a target is healthy.
    pub healthy_threshold: Option<i64>,
    /// Failures before a target is unhealthy.
    pub unhealthy_threshold: Option<i64>,
    /// Seconds between probes.
    pub interval: Option<i64>,
    /// Seconds before a probe fails.
    pub timeout: Option<i64>,
    /// Healthy HTTP codes, e.g. `200-299`.
    pub matcher: Option<String>,
}

impl HealthCheck {
    /// An HTTP check of `path`.
    pub fn http(path: impl Into<String>) -> Self {
        Self {
            path: Some(path.into()),
            protocol: Some("HTTP".into()),
            ..Self::default()
        }
    }
}

impl From<HealthCheck> for Value {
    fn from(h: HealthCheck) -> Self {
        Value::Map(
            AttrsBuilder::new()
                .opt("path", h.path)
                .opt("port", h.port)
                .opt("protocol", h.protocol)
                .opt("healthy_threshold", h.healthy_threshold)
                .opt("unhealthy_threshold", h.unhealthy_threshold)
                .opt("interval", h.interval)
                .opt("timeout", h.timeout)
                .opt("matcher", h.matcher)
                .build(),
        )
    }
}

/// `aws.elbv2.target_group`: a target group with a health check.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetGroup {
    /// Target group name.
    pub name: String,
    /// Port targets receive traffic on.
    pub port: i64,
    /// `HTTP` (default) or `HTTPS`.
    pub protocol: Option<String>,
    /// The VPC.
    pub vpc_id: Input<VpcId>,
    /// `instance` (default) or `ip`.
    pub target_type: Option<String>,
    /// Health check settings.
    pub health_check: Option<HealthCheck>,
    /// Seconds to drain a target (default 300).
    pub deregistration_delay: Option<i64>,
    /// Seconds a new target ramps up (0, off, by default; or 30-900).
    pub slow_start: Option<i64>,
    /// Sticky sessions.
    pub stickiness: Option<Stickiness>,
    /// Instances registered directly (autoscaling groups register their own).
    pub target_ids: Vec<Input<InstanceId>>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for TargetGroup {
    const KIND: &'static str = kinds::TARGET_GROUP;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("name", self.name)
            .set("port", self.port)
            .opt("protocol", self.protocol)
            .set("vpc_id", self.vpc_id)
            .opt("target_type", self.target_type)
            .opt("health_check", self.health_check)
            .opt("deregistration_delay", self.deregistration_delay)
            .opt("slow_start", self.slow_start)
            .opt("stickiness", self.stickiness)
            .list("target_ids", self.target_ids)
            .tags(self.tags)
            .build()
    }
}

impl Handle<TargetGroup> {
    /// The target group's ARN.
    pub fn arn(&self) -> Input<TargetGroupArn> {
        self.attr("arn")
    }
    /// `targetgroup/NAME/ID`: the `TargetGroup` dimension of its CloudWatch metrics.
    pub fn arn_suffix(&self) -> Input<String> {
        self.attr("arn_suffix")
    }
}

/// One target group of a listener's weighted `forward` action.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedTarget {
    /// The target group.
    pub target_group: Input<TargetGroupArn>,
    /// Its share of the traffic, relative to the other targets' weights.
    pub weight: i64,
}

impl WeightedTarget {
    /// A target group with a weight.
    pub fn new(target_group: Input<TargetGroupArn>, weight: i64) -> Self {
        Self {
            target_group,
            weight,
        }
    }
}

impl From<WeightedTarget> for Value {
    fn from(t: WeightedTarget) -> Self {
        Value::Map(
            AttrsBuilder::new()
                .set("target_group_arn", t.target_group)
                .set("weight", t.weight)
                .build(),
        )
    }
}

/// A listener's redirect: every part left `None` keeps the request's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Redirect {
    /// `HTTP`, `HTTPS` (default: the request's).
    pub protocol: Option<String>,
    /// The port as text, e.g. `"443"` (default: the request's).
    pub port: Option<String>,
    /// The host (default: the request's).
    pub host: Option<String>,
    /// The path, starting with `/` (default: the request's).
    pub path: Option<String>,
    /// The query, without `?` (default: the request's).
    pub query: Option<String>,
    /// `HTTP_301` (permanent) or `HTTP_302`.
    pub status_code: String,
}

impl Redirect {
    /// The permanent redirect of every request to HTTPS on port 443.
    pub fn to_https() -> Self {
        Self {
            protocol: Some("HTTPS".into()),
            port: Some("443".into()),
            status_code: "HTTP_301".into(),
            ..Self::default()
        }
    }
}

impl From<Redirect> for Value {
    fn from(r: Redirect) -> Self {
        Value::Map(
            AttrsBuilder::new()
                .opt("protocol", r.protocol)
                .opt("port", r.port)
                .opt("host", r.host)
                .opt("path", r.path)
                .opt("query", r.query)
                .set("status_code", r.status_code)
                .build(),
        )
    }
}

/// A listener's fixed response.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FixedResponse {
    /// A 2XX, 4XX or 5XX code as text, e.g. `"503"`.
    pub status_code: String,
    /// `text/plain`, `text/html`, `application/json`, ...
    pub content_type: Option<String>,
    /// The body, up to 1024 characters.
    pub message_body: Option<String>,
}

impl From<FixedResponse> for Value {
    fn from(f: FixedResponse) -> Self {
        Value::Map(
            AttrsBuilder::new()
                .set("status_code", f.status_code)
                .opt("content_type", f.content_type)
                .opt("message_body", f.message_body)
                .build(),
        )
    }
}

/// `aws.elbv2.listener`: a listener whose default action forwards to
/// weighted target groups, redirects, or answers with a fixed response
/// (exactly one of `forward`, `redirect`, `fixed_response`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listener {
    /// The load balancer.
    pub load_balancer_arn: Input<LoadBalancerArn>,
    /// Listening port.
    pub port: i64,
    /// `HTTP` (default) or `HTTPS`.
    pub protocol: Option<String>,
    /// The default certificate of an HTTPS listener: a known ARN or a
    /// reference to a certificate resource's.
    pub certificate_arn: Option<Input<String>>,
    /// TLS policy of an HTTPS listener (default: AWS's).
    pub ssl_policy: Option<String>,
    /// Weighted target groups (weights change in place: the blue/green flip).
    pub forward: Vec<WeightedTarget>,
    /// Or a redirect.
    pub redirect: Option<Redirect>,
    /// Or a fixed response.
    pub fixed_response: Option<FixedResponse>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for Listener {
    const KIND: &'static str = kinds::LISTENER;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("load_balancer_arn", self.load_balancer_arn)
            .set("port", self.port)
            .opt("protocol", self.protocol)
            .opt("certificate_arn", self.certificate_arn)
            .opt("ssl_policy", self.ssl_policy)
            .list("forward", self.forward)
            .opt("redirect", self.redirect)
            .opt("fixed_response", self.fixed_response)
            .tags(self.tags)
            .build()
    }
}

impl Handle<Listener> {
    /// The listener's ARN.
    pub fn arn(&self) -> Input<ListenerArn> {
        self.attr("arn")
    }
}
