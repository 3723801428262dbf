//! Elastic Load Balancing v2 kinds: ALB, target groups, listeners.

use std::time::Duration;

use super::ec2::TAGS;
use crate::schema::{
    Api, AttrSchema as A, AttrType as T, Compare, Default as D, Field as F, KindSchema,
};

pub(super) static LOAD_BALANCER: KindSchema = KindSchema {
    kind: super::LOAD_BALANCER,
    doc: "An application load balancer across subnets in several AZs.",
    attrs: &[
        A::required("name", T::String, "Load balancer name.")
            .force_new("AWS cannot rename a load balancer."),
        A::optional("internal", T::Bool, "Internal instead of internet-facing.")
            .member("Scheme")
            .force_new(
                "A load balancer's scheme (internal or internet-facing) is fixed at creation.",
            )
            .default(D::Bool(false)),
        A::required(
            "subnet_ids",
            T::List(&T::String),
            "Subnets, in at least two AZs.",
        )
        .member("Subnets")
        .compare(Compare::Set),
        A::optional(
            "security_group_ids",
            T::List(&T::String),
            "Security groups.",
        )
        .member("SecurityGroups")
        .compare(Compare::Set),
        A::optional("idle_timeout", T::Int, "Idle timeout in seconds.")
            .member("Attributes")
            .default(D::Int(60)),
        A::optional(
            "enable_deletion_protection",
            T::Bool,
            "Refuse deletes while set (`deletion_protection.enabled`).",
        )
        .member("Attributes")
        .default(D::Bool(false)),
        A::optional(
            "drop_invalid_header_fields",
            T::Bool,
            "Drop HTTP headers with invalid names instead of passing them to targets.",
        )
        .member("Attributes")
        .default(D::Bool(false)),
        A::optional(
            "access_logs",
            ACCESS_LOGS,
            "Access logs to an S3 bucket (`bucket`, `prefix`, `enabled`); the bucket's policy must let the region's ELB account write.",
        )
        .member("Attributes"),
        TAGS,
        A::computed("arn", T::String, "ARN.").member("LoadBalancerArn"),
        A::computed("dns_name", T::String, "Public DNS name."),
        A::computed(
            "arn_suffix",
            T::String,
            "`app/NAME/ID`: the CloudWatch `LoadBalancer` dimension.",
        )
        .strata("the end of the ARN, after `loadbalancer/`"),
        A::computed(
            "zone_id",
            T::String,
            "Route 53 hosted zone of the DNS name.",
        )
        .member("CanonicalHostedZoneId"),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(900),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "elbv2",
        create: &["CreateLoadBalancer"],
        update: &[
            "SetSubnets",
            "SetSecurityGroups",
            "ModifyLoadBalancerAttributes",
        ],
        read: &[
            "DescribeLoadBalancers",
            "DescribeLoadBalancerAttributes",
            "DescribeTags",
        ],
        delete: &["DeleteLoadBalancer"],
    },
};

/// A load balancer's access logs.
const ACCESS_LOGS: T = T::Object(&[
    F::req("bucket", T::String),
    F::or("prefix", T::String, D::Str("")),
    F::or("enabled", T::Bool, D::Bool(true)),
]);

/// A target group's sticky sessions; every field has AWS's default.
const STICKINESS: T = T::Object(&[
    F::or("enabled", T::Bool, D::Bool(false)),
    F::or("type", T::String, D::Str("lb_cookie")),
    F::or("cookie_duration", T::Int, D::Int(86400)),
]);

/// A target group's health check.
///
/// Every field has AWS's default for an HTTP target group of an ALB, so
/// removing a setting puts AWS's default back.
pub(super) const HEALTH_CHECK: T = T::Object(&[
    F::or("path", T::String, D::Str("/")),
    F::or("port", T::String, D::Str("traffic-port")),
    F::or("protocol", T::String, D::Str("HTTP")),
    F::or("healthy_threshold", T::Int, D::Int(5)),
    F::or("unhealthy_threshold", T::Int, D::Int(2)),
    F::or("interval", T::Int, D::Int(30)),
    F::or("timeout", T::Int, D::Int(5)),
    F::or("matcher", T::String, D::Str("200")),
]);

pub(super) static TARGET_GROUP: KindSchema = KindSchema {
    kind: super::TARGET_GROUP,
    doc: "A target group with a health check.",
    attrs: &[
        A::required("name", T::String, "Target group name.")
            .force_new("AWS cannot rename a target group."),
        A::required("port", T::Int, "Port targets receive traffic on.")
            .force_new("A target group's port is fixed at creation."),
        A::optional("protocol", T::String, "HTTP or HTTPS.")
            .force_new("A target group's protocol is fixed at creation.")
            .default(D::Str("HTTP")),
        A::required("vpc_id", T::String, "The VPC.")
            .force_new("A target group belongs to one VPC for its life."),
        A::optional("target_type", T::String, "instance or ip.")
            .force_new("A target group's target type is fixed at creation.")
            .default(D::Str("instance")),
        A::optional("health_check", HEALTH_CHECK, "Health check settings.")
            .member("HealthCheckPath"),
        A::optional("deregistration_delay", T::Int, "Seconds to drain a target.")
            .member("Attributes")
            .default(D::Int(300)),
        A::optional(
            "slow_start",
            T::Int,
            "Seconds a new target ramps up its share of requests (0 or 30-900).",
        )
        .member("Attributes")
        .default(D::Int(0)),
        A::optional(
            "stickiness",
            STICKINESS,
            "Sticky sessions: `enabled`, `type` (`lb_cookie`) and `cookie_duration` seconds (1-604800).",
        )
        .member("Attributes"),
        A::optional(
            "target_ids",
            T::List(&T::String),
            "Instances registered directly (ASGs register their own).",
        )
        .member("Targets")
        .compare(Compare::Set),
        TAGS,
        A::computed("arn", T::String, "ARN.").member("TargetGroupArn"),
        A::computed(
            "arn_suffix",
            T::String,
            "`targetgroup/NAME/ID`: the CloudWatch `TargetGroup` dimension.",
        )
        .strata("the end of the ARN, from `targetgroup/`"),
    ],
    create_before_destroy: true,
    ready_timeout: Duration::from_secs(300),
    concurrency: 10,
    stateful: false,
    api: Api {
        service: "elbv2",
        create: &["CreateTargetGroup"],
        update: &[
            "ModifyTargetGroup",
            "ModifyTargetGroupAttributes",
            "RegisterTargets",
            "DeregisterTargets",
        ],
        read: &[
            "DescribeTargetGroups",
            "DescribeTargetGroupAttributes",
            "DescribeTargetHealth",
            "DescribeTags",
        ],
        delete: &["DeleteTargetGroup"],
    },
};

/// One weighted target of a listener's `forward` action.
pub(super) const FORWARD: T = T::Object(&[
    F::req("target_group_arn", T::String),
    F::or("weight", T::Int, D::Int(1)),
]);

/// A listener's redirect action; every field but the status code keeps
/// the request's value by default (AWS's `#{...}` placeholders).
const REDIRECT: T = T::Object(&[
    F::or("protocol", T::String, D::Str("#{protocol}")),
    F::or("port", T::String, D::Str("#{port}")),
    F::or("host", T::String, D::Str("#{host}")),
    F::or("path", T::String, D::Str("/#{path}")),
    F::or("query", T::String, D::Str("#{query}")),
    F::req("status_code", T::String),
]);

/// A listener's fixed-response action.
const FIXED_RESPONSE: T = T::Object(&[
    F::req("status_code", T::String),
    F::opt("content_type", T::String),
    F::opt("message_body", T::String),
]);

pub(super) static LISTENER: KindSchema = KindSchema {
    kind: super::LISTENER,
    doc: "A listener whose default action forwards to weighted target groups, redirects, \
          or answers with a fixed response.",
    attrs: &[
        A::required("load_balancer_arn", T::String, "The load balancer.")
            .force_new("A listener belongs to one load balancer for its life."),
        A::required("port", T::Int, "Listening port."),
        A::optional("protocol", T::String, "HTTP or HTTPS.").default(D::Str("HTTP")),
        A::optional(
            "certificate_arn",
            T::String,
            "The default certificate of an HTTPS listener (an ACM certificate ARN).",
        ),
        A::optional(
            "ssl_policy",
            T::String,
            "TLS negotiation policy of an HTTPS listener, e.g. \
             `ELBSecurityPolicy-TLS13-1-2-2021-06` (unset: AWS's default).",
        ),
        A::optional(
            "forward",
            T::List(&FORWARD),
            "Default action: weighted target groups (weights change in place: the blue/green \
             flip; weight defaults to 1). One of `forward`, `redirect`, `fixed_response`.",
        )
        .member("DefaultActions"),
        A::optional(
            "redirect",
            REDIRECT,
            "Default action: redirect (`status_code` `HTTP_301` or `HTTP_302`; `protocol`, \
             `port`, `host`, `path`, `query` keep the request's by default), e.g. HTTP to HTTPS.",
        )
        .member("RedirectConfig"),
        A::optional(
            "fixed_response",
            FIXED_RESPONSE,
            "Default action: a fixed response (`status_code` such as `404` or `503`, \
             `content_type`, `message_body` up to 1024 characters).",
        )
        .member("FixedResponseConfig"),
        TAGS,
        A::computed("arn", T::String, "ARN.").member("ListenerArn"),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(300),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "elbv2",
        create: &["CreateListener"],
        update: &["ModifyListener"],
        read: &["DescribeListeners", "DescribeTags"],
        delete: &["DeleteListener"],
    },
};
