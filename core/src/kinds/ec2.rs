//! EC2 networking and compute kinds.

use std::time::Duration;

use crate::schema::{
    Api, AttrSchema as A, AttrType as T, Compare, Default as D, Field as F, KindSchema,
};

pub(super) const TAGS: A = A::optional(
    "tags",
    T::Map(&T::String),
    "Tags (Strata adds `strata:stack` and `strata:address`).",
);
const STRINGS: T = T::List(&T::String);

/// An ingress or egress rule of a security group.
pub(super) const RULE: T = T::Object(&[
    F::req("protocol", T::String),
    F::req("from_port", T::Int),
    F::req("to_port", T::Int),
    F::opt("cidr_blocks", STRINGS),
    F::opt("security_group_ids", STRINGS),
    F::opt("description", T::String),
]);

/// A launch template's instance metadata service settings: every field has
/// AWS's default, so leaving the table out means IMDSv1 stays allowed.
const METADATA_OPTIONS: T = T::Object(&[
    F::or("http_tokens", T::String, D::Str("optional")),
    F::or("http_endpoint", T::String, D::Str("enabled")),
    F::or("http_put_response_hop_limit", T::Int, D::Int(1)),
    F::or("instance_metadata_tags", T::String, D::Str("disabled")),
]);

/// The EBS volume of a block device mapping; what is left out is the AMI's.
const EBS_VOLUME: T = T::Object(&[
    F::opt("volume_size", T::Int),
    F::opt("volume_type", T::String),
    F::opt("iops", T::Int),
    F::opt("throughput", T::Int),
    F::opt("encrypted", T::Bool),
    F::opt("kms_key_id", T::String),
    F::opt("delete_on_termination", T::Bool),
    F::opt("snapshot_id", T::String),
]);

/// A block device mapping of a launch template.
const BLOCK_DEVICE: T = T::Object(&[F::req("device_name", T::String), F::opt("ebs", EBS_VOLUME)]);

pub(super) static VPC: KindSchema = KindSchema {
    kind: super::VPC,
    doc: "A virtual private cloud.",
    attrs: &[
        A::required(
            "cidr_block",
            T::String,
            "IPv4 CIDR block, e.g. 10.0.0.0/16.",
        )
        .force_new("A VPC's primary CIDR block is fixed: AWS can only associate more blocks."),
        A::optional(
            "enable_dns_hostnames",
            T::Bool,
            "Give instances DNS hostnames.",
        )
        .default(D::Bool(true)),
        A::optional("enable_dns_support", T::Bool, "Resolve DNS in the VPC.")
            .default(D::Bool(true)),
        TAGS,
        A::computed("arn", T::String, "ARN.")
            .strata("built from the region, account and VPC id: DescribeVpcs returns no ARN"),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(300),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "ec2",
        create: &["CreateVpc"],
        update: &["ModifyVpcAttribute"],
        read: &["DescribeVpcs", "DescribeVpcAttribute"],
        delete: &["DeleteVpc"],
    },
};

pub(super) static SUBNET: KindSchema = KindSchema {
    kind: super::SUBNET,
    doc: "A subnet of a VPC in one availability zone.",
    attrs: &[
        A::required("vpc_id", T::String, "The VPC.")
            .force_new("A subnet belongs to one VPC for its life."),
        A::required("cidr_block", T::String, "IPv4 CIDR block inside the VPC's.")
            .force_new("AWS cannot change a subnet's CIDR block."),
        A::required("availability_zone", T::String, "e.g. us-east-1a.")
            .force_new("A subnet lives in one AZ for its life."),
        A::optional(
            "map_public_ip_on_launch",
            T::Bool,
            "Give instances public IPs.",
        )
        .default(D::Bool(false)),
        TAGS,
        A::computed("arn", T::String, "ARN.").member("SubnetArn"),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(300),
    concurrency: 10,
    stateful: false,
    api: Api {
        service: "ec2",
        create: &["CreateSubnet"],
        update: &["ModifySubnetAttribute"],
        read: &["DescribeSubnets"],
        delete: &["DeleteSubnet"],
    },
};

pub(super) static INTERNET_GATEWAY: KindSchema = KindSchema {
    kind: super::INTERNET_GATEWAY,
    doc: "An internet gateway attached to a VPC.",
    attrs: &[
        A::required("vpc_id", T::String, "The VPC it is attached to."),
        TAGS,
        A::computed("arn", T::String, "ARN.").strata(
            "built from the region, account and gateway id: DescribeInternetGateways returns no ARN",
        ),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(300),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "ec2",
        create: &["CreateInternetGateway"],
        update: &["AttachInternetGateway", "DetachInternetGateway"],
        read: &["DescribeInternetGateways"],
        delete: &["DeleteInternetGateway"],
    },
};

pub(super) static ROUTE_TABLE: KindSchema = KindSchema {
    kind: super::ROUTE_TABLE,
    doc: "A route table with its routes and subnet associations.",
    attrs: &[
        A::required("vpc_id", T::String, "The VPC.")
            .force_new("A route table belongs to one VPC for its life."),
        A::optional(
            "routes",
            T::List(&T::Object(&[
                F::req("cidr_block", T::String),
                F::opt("gateway_id", T::String),
                F::opt("nat_gateway_id", T::String),
            ])),
            "Routes: destination CIDR and one target: an internet gateway (`gateway_id`) or a \
             NAT gateway (`nat_gateway_id`).",
        ),
        A::optional("subnet_ids", STRINGS, "Subnets associated with the table.").member("SubnetId"),
        TAGS,
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(300),
    concurrency: 10,
    stateful: false,
    api: Api {
        service: "ec2",
        create: &["CreateRouteTable"],
        update: &[
            "CreateRoute",
            "ReplaceRoute",
            "DeleteRoute",
            "AssociateRouteTable",
            "DisassociateRouteTable",
        ],
        read: &["DescribeRouteTables"],
        delete: &["DeleteRouteTable"],
    },
};

pub(super) static SECURITY_GROUP: KindSchema = KindSchema {
    kind: super::SECURITY_GROUP,
    doc: "A security group with its ingress and egress rules.",
    attrs: &[
        A::required("name", T::String, "Group name, unique in the VPC.")
            .member("GroupName")
            .force_new(
                "AuthorizeSecurityGroupIngress and the other rule calls take GroupName only to \
                 find the group: AWS cannot rename a security group.",
            ),
        A::optional("description", T::String, "Description.")
            .force_new("AWS cannot change a security group's description after creation.")
            .default(D::Str("Managed by Strata")),
        A::required("vpc_id", T::String, "The VPC.")
            .force_new("A security group belongs to one VPC for its life."),
        A::optional(
            "ingress",
            T::List(&RULE),
            "Inbound rules: a set (order does not matter); an edit revokes only removed rules and authorizes only new ones.",
        )
        .member("IpPermissions")
        .compare(Compare::Rules),
        A::optional("egress", T::List(&RULE), "Outbound rules: a set, like `ingress`.")
            .member("IpPermissionsEgress")
            .compare(Compare::Rules),
        TAGS,
        A::computed("arn", T::String, "ARN.").member("SecurityGroupArn"),
    ],
    create_before_destroy: true,
    ready_timeout: Duration::from_secs(300),
    concurrency: 10,
    stateful: false,
    api: Api {
        service: "ec2",
        create: &["CreateSecurityGroup"],
        update: &["AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupEgress"],
        read: &["DescribeSecurityGroups"],
        delete: &["DeleteSecurityGroup"],
    },
};

pub(super) static LAUNCH_TEMPLATE: KindSchema = KindSchema {
    kind: super::LAUNCH_TEMPLATE,
    doc: "A launch template; each change in place makes a new version.",
    attrs: &[
        A::required("name", T::String, "Template name.")
            .member("LaunchTemplateName")
            .force_new(
                "CreateLaunchTemplateVersion and ModifyLaunchTemplate take LaunchTemplateName \
                 only to find the template: AWS cannot rename a launch template.",
            ),
        A::required("image_id", T::String, "AMI id."),
        A::required("instance_type", T::String, "e.g. t3.micro."),
        A::optional("user_data", T::String, "User data script."),
        A::optional(
            "security_group_ids",
            STRINGS,
            "Security groups of launched instances.",
        ),
        A::optional("key_name", T::String, "SSH key pair name."),
        A::optional(
            "metadata_options",
            METADATA_OPTIONS,
            "Instance metadata service: `http_tokens = \"required\"` allows IMDSv2 only; \
             `http_put_response_hop_limit` (1-64), `http_endpoint` and \
             `instance_metadata_tags` (`enabled`/`disabled`). Unset: AWS's defaults (IMDSv1 allowed).",
        ),
        A::optional(
            "block_device_mappings",
            T::List(&BLOCK_DEVICE),
            "Volumes of launched instances: `device_name` (the AMI's root device, e.g. \
             `/dev/xvda`, to size or encrypt the root volume) and `ebs` (`volume_size` GiB, \
             `volume_type` such as gp3, `iops`, `throughput`, `encrypted`, `kms_key_id`, \
             `delete_on_termination`, `snapshot_id`).",
        ),
        A::optional(
            "monitoring",
            T::Bool,
            "Detailed (1-minute) CloudWatch monitoring of launched instances.",
        )
        .default(D::Bool(false)),
        A::optional(
            "iam_instance_profile",
            T::String,
            "The instance profile (name or ARN) launched instances run with.",
        ),
        TAGS,
        A::computed("arn", T::String, "ARN.").strata(
            "built from the region, account and template id: DescribeLaunchTemplates returns no ARN",
        ),
        A::computed("latest_version", T::Int, "The newest version number.")
            .member("LatestVersionNumber"),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(300),
    concurrency: 10,
    stateful: false,
    api: Api {
        service: "ec2",
        create: &["CreateLaunchTemplate"],
        update: &["CreateLaunchTemplateVersion", "ModifyLaunchTemplate"],
        read: &["DescribeLaunchTemplates", "DescribeLaunchTemplateVersions"],
        delete: &["DeleteLaunchTemplate"],
    },
};

pub(super) static INSTANCE: KindSchema = KindSchema {
    kind: super::INSTANCE,
    doc: "An EC2 instance in one subnet.",
    attrs: &[
        A::required("ami", T::String, "AMI id.")
            .member("ImageId")
            .force_new("An instance boots from its AMI once: a new image needs a new instance."),
        A::required(
            "instance_type",
            T::String,
            "e.g. t3.micro (changed in place: stop, modify, start).",
        ),
        A::required("subnet_id", T::String, "The subnet; it decides the AZ.")
            .force_new("An instance cannot move to another subnet or AZ."),
        A::optional("security_group_ids", STRINGS, "Security groups.")
            .member("SecurityGroupIds")
            .compare(Compare::Set),
        A::optional(
            "user_data",
            T::String,
            "User data script (changed in place: stop, modify, start).",
        )
        .force_new_when(
            "`user_data_replace_on_change = true` asks for a new instance instead of stop, ModifyInstanceAttribute, start.",
            replace_on_user_data,
        ),
        A::optional(
            "user_data_replace_on_change",
            T::Bool,
            "Replace the instance when user_data changes, instead of stopping, modifying and starting it.",
        )
        .strata("decides how a user_data change is made")
        .default(D::Bool(false)),
        A::optional("key_name", T::String, "SSH key pair name.")
            .force_new("AWS cannot change an instance's key pair after launch."),
        TAGS,
        A::computed("arn", T::String, "ARN.").strata(
            "built from the region, account and instance id: DescribeInstances returns no ARN",
        ),
        A::computed("availability_zone", T::String, "The AZ it runs in."),
        A::computed("private_ip", T::String, "Private IPv4 address.").member("PrivateIpAddress"),
        A::computed("state", T::String, "pending, running, ..."),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(600),
    concurrency: 20,
    stateful: true,
    api: Api {
        service: "ec2",
        create: &["RunInstances"],
        update: &["ModifyInstanceAttribute", "StopInstances", "StartInstances"],
        read: &["DescribeInstances", "DescribeInstanceAttribute"],
        delete: &["TerminateInstances"],
    },
};

/// A user_data change replaces the instance only when asked to.
fn replace_on_user_data(desired: &crate::value::Attrs, _live: &crate::value::Attrs) -> bool {
    desired.get("user_data_replace_on_change") == Some(&crate::value::Value::Bool(true))
}
