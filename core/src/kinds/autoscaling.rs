//! Auto Scaling kinds: groups and target-tracking policies.

use std::time::Duration;

use super::ec2::TAGS;
use crate::schema::{Api, AttrSchema as A, AttrType as T, Compare, Default as D, KindSchema};

pub(super) static GROUP: KindSchema = KindSchema {
    kind: super::AUTOSCALING_GROUP,
    doc: "An autoscaling group spreading instances across its subnets' AZs.",
    attrs: &[
        A::required("name", T::String, "Group name.")
            .member("AutoScalingGroupName")
            .force_new("UpdateAutoScalingGroup takes the name only to find the group: AWS cannot rename it."),
        A::required("launch_template_id", T::String, "The launch template.")
            .member("LaunchTemplateId"),
        A::optional(
            "launch_template_version",
            T::String,
            "A version number, `$Latest` or `$Default`.",
        )
        .member("Version")
        .default(D::Str("$Latest")),
        A::required(
            "subnet_ids",
            T::List(&T::String),
            "Subnets (their AZs) to spread over.",
        )
        .member("VPCZoneIdentifier")
        .compare(Compare::Set),
        A::optional(
            "target_group_arns",
            T::List(&T::String),
            "Target groups instances register with.",
        )
        .compare(Compare::Set),
        A::required("min_size", T::Int, "Fewest instances."),
        A::required("max_size", T::Int, "Most instances."),
        A::optional(
            "desired_capacity",
            T::Int,
            "Instances wanted now (defaults to min_size).",
        ),
        A::optional("health_check_type", T::String, "EC2 or ELB.").default(D::Str("EC2")),
        A::optional(
            "health_check_grace_period",
            T::Int,
            "Seconds before health checks count.",
        )
        .default(D::Int(300)),
        A::optional(
            "force_delete",
            T::Bool,
            "Delete without waiting for instances to drain and terminate.",
        )
        .default(D::Bool(false)),
        TAGS,
        A::computed("arn", T::String, "ARN.").member("AutoScalingGroupARN"),
        A::computed("instance_ids", T::List(&T::String), "Instances in service.")
            .member("InstanceId"),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(900),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "autoscaling",
        create: &["CreateAutoScalingGroup"],
        update: &["UpdateAutoScalingGroup", "AttachLoadBalancerTargetGroups", "DetachLoadBalancerTargetGroups"],
        read: &["DescribeAutoScalingGroups"],
        delete: &["DeleteAutoScalingGroup"],
    },
};

pub(super) static POLICY: KindSchema = KindSchema {
    kind: super::SCALING_POLICY,
    doc: "A target-tracking scaling policy of an autoscaling group.",
    attrs: &[
        A::required("name", T::String, "Policy name.")
            .member("PolicyName")
            .force_new("PutScalingPolicy knows a policy by its name: a new name is a new policy."),
        A::required("autoscaling_group_name", T::String, "The group it scales.")
            .force_new("PutScalingPolicy knows a policy by its group: another group means a new policy."),
        A::required("predefined_metric", T::String, "ASGAverageCPUUtilization, ASGAverageNetworkIn, ASGAverageNetworkOut or ALBRequestCountPerTarget.")
            .member("PredefinedMetricType"),
        A::required("target_value", T::Float, "The value the metric is held at."),
        A::optional("resource_label", T::String, "For ALBRequestCountPerTarget: the ALB/target group label."),
        A::optional("disable_scale_in", T::Bool, "Only scale out.").default(D::Bool(false)),
        // AWS scaling policies carry no tags: they are found by group and name.
        A::computed("arn", T::String, "ARN.").member("PolicyARN"),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(300),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "autoscaling",
        create: &["PutScalingPolicy"],
        update: &["PutScalingPolicy"],
        read: &["DescribePolicies"],
        delete: &["DeletePolicy"],
    },
};
