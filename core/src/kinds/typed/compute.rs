//! Typed specs of the compute kinds: launch templates, instances,
//! autoscaling groups and their target-tracking policies.

use std::collections::BTreeMap;

use super::{
    AsgName, AttrsBuilder, Handle, Input, InstanceId, LaunchTemplateId, ResourceSpec,
    SecurityGroupId, SubnetId, TargetGroupArn,
};
use crate::kinds;
use crate::value::{Attrs, Value};

/// `aws.ec2.launch_template`: what an autoscaling group launches; each change
/// in place makes a new version.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LaunchTemplate {
    /// Template name.
    pub name: String,
    /// AMI id.
    pub image_id: String,
    /// e.g. `t3.micro`.
    pub instance_type: String,
    /// User data script.
    pub user_data: Option<String>,
    /// Security groups of launched instances.
    pub security_group_ids: Vec<Input<SecurityGroupId>>,
    /// SSH key pair name.
    pub key_name: Option<String>,
    /// Instance metadata service settings (unset: AWS's defaults, IMDSv1 allowed).
    pub metadata_options: Option<MetadataOptions>,
    /// Volumes of launched instances (e.g. the root volume, sized and encrypted).
    pub block_device_mappings: Vec<BlockDevice>,
    /// Detailed (1-minute) monitoring (default `false`).
    pub monitoring: Option<bool>,
    /// The instance profile (name or ARN) instances run with.
    pub iam_instance_profile: Option<Input<String>>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

/// A launch template's instance metadata service settings; unset fields
/// keep AWS's defaults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetadataOptions {
    /// `required` (IMDSv2 only) or `optional`.
    pub http_tokens: Option<String>,
    /// `enabled` or `disabled`.
    pub http_endpoint: Option<String>,
    /// Network hops a metadata response may travel (1-64; 2 for containers).
    pub http_put_response_hop_limit: Option<i64>,
    /// `enabled` or `disabled`: instance tags in the metadata.
    pub instance_metadata_tags: Option<String>,
}

impl MetadataOptions {
    /// IMDSv2 only, with a hop limit of `hops`.
    pub fn imdsv2(hops: i64) -> Self {
        Self {
            http_tokens: Some("required".into()),
            http_endpoint: Some("enabled".into()),
            http_put_response_hop_limit: Some(hops),
            ..Self::default()
        }
    }
}

impl From<MetadataOptions> for Value {
    fn from(m: MetadataOptions) -> Self {
        Value::Map(
            AttrsBuilder::new()
                .opt("http_tokens", m.http_tokens)
                .opt("http_endpoint", m.http_endpoint)
                .opt("http_put_response_hop_limit", m.http_put_response_hop_limit)
                .opt("instance_metadata_tags", m.instance_metadata_tags)
                .build(),
        )
    }
}

/// A block device mapping: a device name and its EBS volume.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlockDevice {
    /// e.g. `/dev/xvda` (the AMI's root device, to change the root volume).
    pub device_name: String,
    /// The volume; unset fields are the AMI's.
    pub ebs: Option<EbsVolume>,
}

/// An EBS volume of a [`BlockDevice`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EbsVolume {
    /// Size in GiB.
    pub volume_size: Option<i64>,
    /// e.g. `gp3`.
    pub volume_type: Option<String>,
    /// Provisioned IOPS (gp3, io1, io2).
    pub iops: Option<i64>,
    /// Throughput in MiB/s (gp3).
    pub throughput: Option<i64>,
    /// Encrypt the volume.
    pub encrypted: Option<bool>,
    /// The KMS key (needs `encrypted`); unset: the account's EBS default key.
    pub kms_key_id: Option<Input<String>>,
    /// Delete the volume with the instance.
    pub delete_on_termination: Option<bool>,
    /// Snapshot to create the volume from.
    pub snapshot_id: Option<String>,
}

impl BlockDevice {
    /// An encrypted gp3 root volume of `size_gib` at `device_name`, deleted
    /// with its instance.
    pub fn encrypted_gp3(device_name: impl Into<String>, size_gib: i64) -> Self {
        Self {
            device_name: device_name.into(),
            ebs: Some(EbsVolume {
                volume_size: Some(size_gib),
                volume_type: Some("gp3".into()),
                encrypted: Some(true),
                delete_on_termination: Some(true),
                ..EbsVolume::default()
            }),
        }
    }
}

impl From<BlockDevice> for Value {
    fn from(d: BlockDevice) -> Self {
        let ebs = d.ebs.map(|e| {
            Value::Map(
                AttrsBuilder::new()
                    .opt("volume_size", e.volume_size)
                    .opt("volume_type", e.volume_type)
                    .opt("iops", e.iops)
                    .opt("throughput", e.throughput)
                    .opt("encrypted", e.encrypted)
                    .opt("kms_key_id", e.kms_key_id)
                    .opt("delete_on_termination", e.delete_on_termination)
                    .opt("snapshot_id", e.snapshot_id)
                    .build(),
            )
        });
        Value::Map(
            AttrsBuilder::new()
                .set("device_name", d.device_name)
                .opt("ebs", ebs)
                .build(),
        )
    }
}

impl ResourceSpec for LaunchTemplate {
    const KIND: &'static str = kinds::LAUNCH_TEMPLATE;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("name", self.name)
            .set("image_id", self.image_id)
            .set("instance_type", self.instance_type)
            .opt("user_data", self.user_data)
            .list("security_group_ids", self.security_group_ids)
            .opt("key_name", self.key_name)
            .opt("metadata_options", self.metadata_options)
            .list("block_device_mappings", self.block_device_mappings)
            .opt("monitoring", self.monitoring)
            .opt("iam_instance_profile", self.iam_instance_profile)
            .tags(self.tags)
            .build()
    }
}

impl Handle<LaunchTemplate> {
    /// The launch template id.
    pub fn id(&self) -> Input<LaunchTemplateId> {
        self.attr("id")
    }
    /// The newest version number (changes with every update in place).
    pub fn latest_version(&self) -> Input<i64> {
        self.attr("latest_version")
    }
    /// The template's ARN.
    pub fn arn(&self) -> Input<String> {
        self.attr("arn")
    }
}

/// `aws.ec2.instance`: an EC2 instance in one subnet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Instance {
    /// AMI id.
    pub ami: String,
    /// e.g. `t3.micro` (changed in place: stop, modify, start).
    pub instance_type: String,
    /// The subnet; it decides the AZ.
    pub subnet_id: Input<SubnetId>,
    /// Security groups.
    pub security_group_ids: Vec<Input<SecurityGroupId>>,
    /// User data script (changed in place: stop, modify, start).
    pub user_data: Option<String>,
    /// Replace the instance when user_data changes (default `false`).
    pub user_data_replace_on_change: Option<bool>,
    /// SSH key pair name.
    pub key_name: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for Instance {
    const KIND: &'static str = kinds::INSTANCE;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("ami", self.ami)
            .set("instance_type", self.instance_type)
            .set("subnet_id", self.subnet_id)
            .list("security_group_ids", self.security_group_ids)
            .opt("user_data", self.user_data)
            .opt(
                "user_data_replace_on_change",
                self.user_data_replace_on_change,
            )
            .opt("key_name", self.key_name)
            .tags(self.tags)
            .build()
    }
}

impl Handle<Instance> {
    /// The instance id.
    pub fn id(&self) -> Input<InstanceId> {
        self.attr("id")
    }
    /// The private IPv4 address.
    pub fn private_ip(&self) -> Input<String> {
        self.attr("private_ip")
    }
    /// The AZ the instance runs in.
    pub fn availability_zone(&self) -> Input<String> {
        self.attr("availability_zone")
    }
    /// The instance's ARN.
    pub fn arn(&self) -> Input<String> {
        self.attr("arn")
    }
}

/// `aws.autoscaling.group`: instances spread across the subnets' AZs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AutoscalingGroup {
    /// Group name.
    pub name: String,
    /// The launch template.
    pub launch_template_id: Input<LaunchTemplateId>,
    /// A version number, `$Latest` (default) or `$Default`.
    pub launch_template_version: Option<String>,
    /// Subnets (their AZs) to spread over.
    pub subnet_ids: Vec<Input<SubnetId>>,
    /// Target groups instances register with.
    pub target_group_arns: Vec<Input<TargetGroupArn>>,
    /// Fewest instances.
    pub min_size: i64,
    /// Most instances.
    pub max_size: i64,
    /// Instances wanted now (defaults to `min_size`).
    pub desired_capacity: Option<i64>,
    /// `EC2` (default) or `ELB`.
    pub health_check_type: Option<String>,
    /// Seconds before health checks count (default 300).
    pub health_check_grace_period: Option<i64>,
    /// Delete without draining its instances first (default `false`).
    pub force_delete: Option<bool>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for AutoscalingGroup {
    const KIND: &'static str = kinds::AUTOSCALING_GROUP;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("name", self.name)
            .set("launch_template_id", self.launch_template_id)
            .opt("launch_template_version", self.launch_template_version)
            .set("subnet_ids", self.subnet_ids)
            .list("target_group_arns", self.target_group_arns)
            .set("min_size", self.min_size)
            .set("max_size", self.max_size)
            .opt("desired_capacity", self.desired_capacity)
            .opt("health_check_type", self.health_check_type)
            .opt("health_check_grace_period", self.health_check_grace_period)
            .opt("force_delete", self.force_delete)
            .tags(self.tags)
            .build()
    }
}

impl Handle<AutoscalingGroup> {
    /// The group's name.
    pub fn name(&self) -> Input<AsgName> {
        self.attr("name")
    }
    /// The instances in service.
    pub fn instance_ids(&self) -> Input<Vec<InstanceId>> {
        self.attr("instance_ids")
    }
    /// The group's ARN.
    pub fn arn(&self) -> Input<String> {
        self.attr("arn")
    }
}

/// The metric a [`ScalingPolicy`] holds at its target value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PredefinedMetric {
    /// Average CPU of the group's instances, in percent.
    #[default]
    AsgAverageCpuUtilization,
    /// Average bytes in per instance.
    AsgAverageNetworkIn,
    /// Average bytes out per instance.
    AsgAverageNetworkOut,
    /// ALB requests per target (needs `resource_label`).
    AlbRequestCountPerTarget,
}

impl PredefinedMetric {
    /// The name AWS uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AsgAverageCpuUtilization => "ASGAverageCPUUtilization",
            Self::AsgAverageNetworkIn => "ASGAverageNetworkIn",
            Self::AsgAverageNetworkOut => "ASGAverageNetworkOut",
            Self::AlbRequestCountPerTarget => "ALBRequestCountPerTarget",
        }
    }
}

/// `aws.autoscaling.policy`: a target-tracking scaling policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScalingPolicy {
    /// Policy name.
    pub name: String,
    /// The group it scales.
    pub autoscaling_group_name: Input<AsgName>,
    /// The metric held at `target_value`.
    pub predefined_metric: PredefinedMetric,
    /// The value the metric is held at.
    pub target_value: f64,
    /// For [`PredefinedMetric::AlbRequestCountPerTarget`]: the ALB/target group label.
    pub resource_label: Option<Input<String>>,
    /// Only scale out (default `false`).
    pub disable_scale_in: Option<bool>,
}

impl ResourceSpec for ScalingPolicy {
    const KIND: &'static str = kinds::SCALING_POLICY;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("name", self.name)
            .set("autoscaling_group_name", self.autoscaling_group_name)
            .set("predefined_metric", self.predefined_metric.as_str())
            .set("target_value", self.target_value)
            .opt("resource_label", self.resource_label)
            .opt("disable_scale_in", self.disable_scale_in)
            .build()
    }
}

impl Handle<ScalingPolicy> {
    /// The policy's ARN (for alarm actions).
    pub fn arn(&self) -> Input<String> {
        self.attr("arn")
    }
}
