//! Typed specs of the private-egress kinds: Elastic IPs and NAT gateways.

use std::collections::BTreeMap;

use super::{AllocationId, AttrsBuilder, Handle, Input, NatGatewayId, ResourceSpec, SubnetId};
use crate::kinds;
use crate::value::Attrs;

/// `aws.ec2.eip`: an Elastic IP address in the VPC domain.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Eip {
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for Eip {
    const KIND: &'static str = kinds::EIP;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new().tags(self.tags).build()
    }
}

impl Handle<Eip> {
    /// The allocation id (`eipalloc-...`), what a NAT gateway takes.
    pub fn allocation_id(&self) -> Input<AllocationId> {
        self.attr("id")
    }
    /// The public IPv4 address.
    pub fn public_ip(&self) -> Input<String> {
        self.attr("public_ip")
    }
}

/// `aws.ec2.nat_gateway`: a NAT gateway in a public subnet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NatGateway {
    /// The (public) subnet it lives in.
    pub subnet_id: Input<SubnetId>,
    /// The Elastic IP of a public gateway (`None` with `private`).
    pub allocation_id: Option<Input<AllocationId>>,
    /// `public` (default) or `private`.
    pub connectivity_type: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl NatGateway {
    /// A public NAT gateway in `subnet` with the address `eip`.
    pub fn public(subnet: Input<SubnetId>, eip: Input<AllocationId>) -> Self {
        Self {
            subnet_id: subnet,
            allocation_id: Some(eip),
            ..Self::default()
        }
    }
}

impl ResourceSpec for NatGateway {
    const KIND: &'static str = kinds::NAT_GATEWAY;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("subnet_id", self.subnet_id)
            .opt("allocation_id", self.allocation_id)
            .opt("connectivity_type", self.connectivity_type)
            .tags(self.tags)
            .build()
    }
}

impl Handle<NatGateway> {
    /// The NAT gateway id (`nat-...`), what a route takes.
    pub fn id(&self) -> Input<NatGatewayId> {
        self.attr("id")
    }
    /// Its public IPv4 address.
    pub fn public_ip(&self) -> Input<String> {
        self.attr("public_ip")
    }
}
