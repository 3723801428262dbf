//! Elastic Load Balancing v2 kinds: ALB, target groups, listeners.

use std::time::Duration;

use super::ec2::TAGS;
use crate::schema::{AttrSchema as A, AttrType as T, Default as D, Field as F, KindSchema};

pub(super) static LOAD_BALANCER: KindSchema = KindSchema {
    kind: super::LOAD_BALANCER,
    doc: "An application load balancer across subnets in several AZs.",
    attrs: &[
        A::required("name", T::String, "Load balancer name.").force_new(),
        A::optional("internal", T::Bool, "Internal instead of internet-facing.")
            .force_new()
            .default(D::Bool(false)),
        A::required(
            "subnet_ids",
            T::List(&T::String),
            "Subnets, in at least two AZs.",
        ),
        A::optional(
            "security_group_ids",
            T::List(&T::String),
            "Security groups.",
        ),
        A::optional("idle_timeout", T::Int, "Idle timeout in seconds.").default(D::Int(60)),
        TAGS,
        A::computed("arn", T::String, "ARN."),
        A::computed("dns_name", T::String, "Public DNS name."),
        A::computed(
            "arn_suffix",
            T::String,
            "`app/NAME/ID`: the CloudWatch `LoadBalancer` dimension.",
        ),
        A::computed(
            "zone_id",
            T::String,
            "Route 53 hosted zone of the DNS name.",
        ),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(900),
    concurrency: 5,
};

/// A target group's health check.
pub(super) const HEALTH_CHECK: T = T::Object(&[
    F::opt("path", T::String),
    F::opt("port", T::String),
    F::opt("protocol", T::String),
    F::opt("healthy_threshold", T::Int),
    F::opt("unhealthy_threshold", T::Int),
    F::opt("interval", T::Int),
    F::opt("timeout", T::Int),
    F::opt("matcher", T::String),
]);

pub(super) static TARGET_GROUP: KindSchema = KindSchema {
    kind: super::TARGET_GROUP,
    doc: "A target group with a health check.",
    attrs: &[
        A::required("name", T::String, "Target group name.").force_new(),
        A::required("port", T::Int, "Port targets receive traffic on.").force_new(),
        A::optional("protocol", T::String, "HTTP or HTTPS.")
            .force_new()
            .default(D::Str("HTTP")),
        A::required("vpc_id", T::String, "The VPC.").force_new(),
        A::optional("target_type", T::String, "instance or ip.")
            .force_new()
            .default(D::Str("instance")),
        A::optional("health_check", HEALTH_CHECK, "Health check settings."),
        A::optional("deregistration_delay", T::Int, "Seconds to drain a target.")
            .default(D::Int(300)),
        A::optional(
            "target_ids",
            T::List(&T::String),
            "Instances registered directly (ASGs register their own).",
        ),
        TAGS,
        A::computed("arn", T::String, "ARN."),
        A::computed(
            "arn_suffix",
            T::String,
            "`targetgroup/NAME/ID`: the CloudWatch `TargetGroup` dimension.",
        ),
    ],
    create_before_destroy: true,
    ready_timeout: Duration::from_secs(300),
    concurrency: 10,
};

/// One weighted target of a listener's `forward` action.
pub(super) const FORWARD: T = T::Object(&[
    F::req("target_group_arn", T::String),
    F::opt("weight", T::Int),
]);

pub(super) static LISTENER: KindSchema = KindSchema {
    kind: super::LISTENER,
    doc: "A listener forwarding to one or more weighted target groups.",
    attrs: &[
        A::required("load_balancer_arn", T::String, "The load balancer.").force_new(),
        A::required("port", T::Int, "Listening port."),
        A::optional("protocol", T::String, "HTTP or HTTPS.").default(D::Str("HTTP")),
        A::optional("certificate_arn", T::String, "Certificate for HTTPS."),
        A::required(
            "forward",
            T::List(&FORWARD),
            "Weighted target groups (weights change in place: the blue/green flip).",
        ),
        TAGS,
        A::computed("arn", T::String, "ARN."),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(300),
    concurrency: 5,
};
