//! Typed specs of the EC2 networking kinds: VPCs, subnets, internet
//! gateways, route tables and security groups.

use std::collections::BTreeMap;

use super::{
    AttrsBuilder, Handle, Input, InternetGatewayId, NatGatewayId, ResourceSpec, RouteTableId,
    SecurityGroupId, SubnetId, VpcId,
};
use crate::kinds;
use crate::value::{Attrs, Value};

/// `aws.ec2.vpc`: a virtual private cloud.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vpc {
    /// IPv4 CIDR block, e.g. `10.0.0.0/16` (changing it replaces the VPC).
    pub cidr_block: String,
    /// Give instances DNS hostnames (default `true`).
    pub enable_dns_hostnames: Option<bool>,
    /// Resolve DNS in the VPC (default `true`).
    pub enable_dns_support: Option<bool>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for Vpc {
    const KIND: &'static str = kinds::VPC;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("cidr_block", self.cidr_block)
            .opt("enable_dns_hostnames", self.enable_dns_hostnames)
            .opt("enable_dns_support", self.enable_dns_support)
            .tags(self.tags)
            .build()
    }
}

impl Handle<Vpc> {
    /// The VPC id.
    pub fn id(&self) -> Input<VpcId> {
        self.attr("id")
    }
    /// The VPC's ARN.
    pub fn arn(&self) -> Input<String> {
        self.attr("arn")
    }
}

/// `aws.ec2.subnet`: a subnet of a VPC in one availability zone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subnet {
    /// The VPC.
    pub vpc_id: Input<VpcId>,
    /// IPv4 CIDR block inside the VPC's.
    pub cidr_block: String,
    /// e.g. `us-east-1a`.
    pub availability_zone: String,
    /// Give instances public IPs (default `false`).
    pub map_public_ip_on_launch: Option<bool>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for Subnet {
    const KIND: &'static str = kinds::SUBNET;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("vpc_id", self.vpc_id)
            .set("cidr_block", self.cidr_block)
            .set("availability_zone", self.availability_zone)
            .opt("map_public_ip_on_launch", self.map_public_ip_on_launch)
            .tags(self.tags)
            .build()
    }
}

impl Handle<Subnet> {
    /// The subnet id.
    pub fn id(&self) -> Input<SubnetId> {
        self.attr("id")
    }
    /// The subnet's ARN.
    pub fn arn(&self) -> Input<String> {
        self.attr("arn")
    }
}

/// `aws.ec2.internet_gateway`: an internet gateway attached to a VPC.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InternetGateway {
    /// The VPC it is attached to.
    pub vpc_id: Input<VpcId>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for InternetGateway {
    const KIND: &'static str = kinds::INTERNET_GATEWAY;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("vpc_id", self.vpc_id)
            .tags(self.tags)
            .build()
    }
}

impl Handle<InternetGateway> {
    /// The gateway id.
    pub fn id(&self) -> Input<InternetGatewayId> {
        self.attr("id")
    }
}

/// A route of a [`RouteTable`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Route {
    /// Destination CIDR block.
    pub cidr_block: String,
    /// The internet gateway traffic goes to.
    pub gateway_id: Option<Input<InternetGatewayId>>,
    /// Or the NAT gateway traffic goes to.
    pub nat_gateway_id: Option<Input<NatGatewayId>>,
}

impl Route {
    /// The default route (`0.0.0.0/0`) through an internet gateway.
    pub fn default_via(gateway: Input<InternetGatewayId>) -> Self {
        Self::to("0.0.0.0/0", gateway)
    }

    /// A route for `cidr_block` through an internet gateway.
    pub fn to(cidr_block: impl Into<String>, gateway: Input<InternetGatewayId>) -> Self {
        Self {
            cidr_block: cidr_block.into(),
            gateway_id: Some(gateway),
            nat_gateway_id: None,
        }
    }

    /// The default route (`0.0.0.0/0`) through a NAT gateway: a private
    /// subnet's way out.
    pub fn default_via_nat(nat: Input<NatGatewayId>) -> Self {
        Self {
            cidr_block: "0.0.0.0/0".into(),
            gateway_id: None,
            nat_gateway_id: Some(nat),
        }
    }
}

impl From<Route> for Value {
    fn from(r: Route) -> Self {
        Value::Map(
            AttrsBuilder::new()
                .set("cidr_block", r.cidr_block)
                .opt("gateway_id", r.gateway_id)
                .opt("nat_gateway_id", r.nat_gateway_id)
                .build(),
        )
    }
}

/// `aws.ec2.route_table`: a route table with its routes and subnet associations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RouteTable {
    /// The VPC.
    pub vpc_id: Input<VpcId>,
    /// Routes.
    pub routes: Vec<Route>,
    /// Subnets associated with the table.
    pub subnet_ids: Vec<Input<SubnetId>>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for RouteTable {
    const KIND: &'static str = kinds::ROUTE_TABLE;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("vpc_id", self.vpc_id)
            .list("routes", self.routes)
            .list("subnet_ids", self.subnet_ids)
            .tags(self.tags)
            .build()
    }
}

impl Handle<RouteTable> {
    /// The route table id.
    pub fn id(&self) -> Input<RouteTableId> {
        self.attr("id")
    }
}

/// An ingress or egress rule of a [`SecurityGroup`]:
/// `Rule::tcp(443).from_cidr("0.0.0.0/0")`, `Rule::tcp(5432).from_group(app_sg.id())`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// `tcp`, `udp`, `icmp` or `-1` (all).
    pub protocol: String,
    /// First port.
    pub from_port: i64,
    /// Last port.
    pub to_port: i64,
    /// Peer CIDR blocks.
    pub cidr_blocks: Vec<String>,
    /// Peer security groups.
    pub security_group_ids: Vec<Input<SecurityGroupId>>,
    /// Description.
    pub description: Option<String>,
}

impl Rule {
    /// TCP on one port.
    pub fn tcp(port: u16) -> Self {
        Self::tcp_range(port, port)
    }

    /// TCP on a range of ports.
    pub fn tcp_range(from: u16, to: u16) -> Self {
        Self::new("tcp", i64::from(from), i64::from(to))
    }

    /// All traffic (protocol `-1`).
    pub fn all() -> Self {
        Self::new("-1", 0, 0)
    }

    fn new(protocol: &str, from_port: i64, to_port: i64) -> Self {
        Self {
            protocol: protocol.into(),
            from_port,
            to_port,
            cidr_blocks: Vec::new(),
            security_group_ids: Vec::new(),
            description: None,
        }
    }

    /// Allows a CIDR block as the peer (source of ingress, destination of egress).
    pub fn from_cidr(mut self, cidr: impl Into<String>) -> Self {
        self.cidr_blocks.push(cidr.into());
        self
    }

    /// Same as [`Rule::from_cidr`], reading better on egress rules.
    pub fn to_cidr(self, cidr: impl Into<String>) -> Self {
        self.from_cidr(cidr)
    }

    /// Allows a security group as the peer.
    pub fn from_group(mut self, group: Input<SecurityGroupId>) -> Self {
        self.security_group_ids.push(group);
        self
    }

    /// Same as [`Rule::from_group`], reading better on egress rules.
    pub fn to_group(self, group: Input<SecurityGroupId>) -> Self {
        self.from_group(group)
    }

    /// Describes the rule.
    pub fn describe(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

impl From<Rule> for Value {
    fn from(r: Rule) -> Self {
        Value::Map(
            AttrsBuilder::new()
                .set("protocol", r.protocol)
                .set("from_port", r.from_port)
                .set("to_port", r.to_port)
                .list("cidr_blocks", r.cidr_blocks)
                .list("security_group_ids", r.security_group_ids)
                .opt("description", r.description)
                .build(),
        )
    }
}

/// `aws.ec2.security_group`: a security group with its rules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SecurityGroup {
    /// Group name, unique in the VPC.
    pub name: String,
    /// Description (default "Managed by Strata"; changing it replaces the group).
    pub description: Option<String>,
    /// The VPC.
    pub vpc_id: Input<VpcId>,
    /// Inbound rules.
    pub ingress: Vec<Rule>,
    /// Outbound rules.
    pub egress: Vec<Rule>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for SecurityGroup {
    const KIND: &'static str = kinds::SECURITY_GROUP;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("name", self.name)
            .opt("description", self.description)
            .set("vpc_id", self.vpc_id)
            .list("ingress", self.ingress)
            .list("egress", self.egress)
            .tags(self.tags)
            .build()
    }
}

impl Handle<SecurityGroup> {
    /// The security group id.
    pub fn id(&self) -> Input<SecurityGroupId> {
        self.attr("id")
    }
    /// The group's ARN.
    pub fn arn(&self) -> Input<String> {
        self.attr("arn")
    }
}
