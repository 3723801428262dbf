//! Private egress: Elastic IPs and the NAT gateways that give private
//! subnets a way out (a route table routes `0.0.0.0/0` to a NAT gateway
//! with `nat_gateway_id`).

use std::time::Duration;

use super::ec2::TAGS;
use crate::schema::{Api, AttrSchema as A, AttrType as T, Default as D, KindSchema};

pub(super) static EIP: KindSchema = KindSchema {
    kind: super::EIP,
    doc: "An Elastic IP address (a static public IPv4 address), e.g. for a NAT gateway.",
    attrs: &[
        A::optional(
            "domain",
            T::String,
            "`vpc` (the only domain left: EC2-Classic is retired).",
        )
        .force_new("An address is allocated in its domain: AWS cannot move it to another.")
        .default(D::Str("vpc")),
        TAGS,
        A::computed("public_ip", T::String, "The public IPv4 address."),
        A::computed(
            "allocation_id",
            T::String,
            "The allocation id (`eipalloc-...`, also the resource's id).",
        ),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(120),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "ec2",
        create: &["AllocateAddress"],
        update: &[],
        read: &["DescribeAddresses"],
        delete: &["ReleaseAddress"],
    },
};

pub(super) static NAT_GATEWAY: KindSchema = KindSchema {
    kind: super::NAT_GATEWAY,
    doc: "A NAT gateway in a public subnet: instances in private subnets reach out through it.",
    attrs: &[
        A::required("subnet_id", T::String, "The (public) subnet it lives in.")
            .force_new("A NAT gateway lives in one subnet for its life."),
        A::optional(
            "allocation_id",
            T::String,
            "The Elastic IP of a public NAT gateway (`aws.ec2.eip`'s id).",
        )
        .force_new(
            "A NAT gateway keeps the primary address it was created with: AWS has no call that \
             swaps it.",
        ),
        A::optional(
            "connectivity_type",
            T::String,
            "`public` (to the internet, needs `allocation_id`) or `private` (to other networks).",
        )
        .force_new("A NAT gateway's connectivity type is fixed at creation.")
        .default(D::Str("public")),
        TAGS,
        A::computed(
            "state",
            T::String,
            "pending, available, deleting, deleted or failed.",
        ),
        A::computed(
            "public_ip",
            T::String,
            "Its public IPv4 address (public gateways).",
        ),
        A::computed(
            "private_ip",
            T::String,
            "Its private IPv4 address in the subnet.",
        ),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(900),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "ec2",
        create: &["CreateNatGateway"],
        update: &[],
        read: &["DescribeNatGateways"],
        delete: &["DeleteNatGateway"],
    },
};
