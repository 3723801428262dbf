//! How a web service's private subnets reach out (package mirrors, AWS
//! APIs) without being reachable: NAT gateways in the public subnets and
//! private route tables sending `0.0.0.0/0` to them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use strata_core::config::Lifecycle;
use strata_core::kinds::typed::{Eip, Handle, NatGateway, Route, RouteTable, Scope, Subnet, Vpc};

/// The private route tables of a service with NAT gateways, one per AZ
/// (`private_rt_az["us-east-1a"]`).
const PER_AZ_TABLE: &str = "private_rt_az";

/// Where a web service's private subnets get their way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Nat {
    /// A NAT gateway in each AZ's public subnet, and each AZ's private
    /// subnet routed through its own: an AZ outage takes only its own
    /// egress with it (the default).
    #[default]
    PerAz,
    /// One NAT gateway, in the first AZ, for every private subnet: cheaper,
    /// but that AZ's outage cuts every AZ's egress.
    Single,
    /// No NAT gateway: the private subnets reach nothing outside the VPC.
    None,
}

impl Nat {
    /// Every choice, as the `nat` parameter spells it.
    pub const ALL: [Nat; 3] = [Nat::PerAz, Nat::Single, Nat::None];

    /// The parameter's spelling: `per_az`, `single` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Nat::PerAz => "per_az",
            Nat::Single => "single",
            Nat::None => "none",
        }
    }
}

impl fmt::Display for Nat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Nat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Nat::ALL
            .into_iter()
            .find(|n| n.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not a NAT layout"))
    }
}

/// Makes a resource's tags: the stack's, plus the pairs given.
pub(super) type Tagger<'a> = dyn Fn(&[(&str, &str)]) -> BTreeMap<String, String> + 'a;

/// The subnets of one AZ.
pub(super) struct Zone<'a> {
    pub az: &'a str,
    pub public: &'a Handle<Subnet>,
    pub private: &'a Handle<Subnet>,
}

/// Declares the private route tables and, unless `nat` is `none`, the
/// Elastic IPs and NAT gateways they route through. With NAT gateways each
/// AZ has its own table `private_rt_az["AZ"]`; the first AZ's is the table
/// a stack without NAT had (`private_rt`), moved, so its id is kept (and
/// moved back when the NAT gateways go).
pub(super) fn declare(
    s: &mut Scope<'_>,
    nat: Nat,
    vpc: &Handle<Vpc>,
    zones: &[Zone<'_>],
    tags: &Tagger<'_>,
) {
    if nat == Nat::None {
        if let Some(zone) = zones.first() {
            s.moved(&format!("{PER_AZ_TABLE}[\"{}\"]", zone.az), "private_rt");
        }
        s.add(
            "private_rt",
            RouteTable {
                vpc_id: vpc.id(),
                subnet_ids: zones.iter().map(|z| z.private.id()).collect(),
                tags: tags(&[("tier", "private")]),
                ..Default::default()
            },
        );
        return;
    }
    let mut gateways = Vec::new();
    for zone in zones {
        if nat == Nat::Single && !gateways.is_empty() {
            break;
        }
        let eip = s.add_keyed(
            "nat_eip",
            zone.az,
            Eip {
                tags: tags(&[("Name", &format!("nat-{}", zone.az))]),
            },
        );
        gateways.push(s.add_keyed(
            "nat",
            zone.az,
            NatGateway {
                tags: tags(&[("az", zone.az)]),
                ..NatGateway::public(zone.public.id(), eip.allocation_id())
            },
        ));
    }
    let mut first = None;
    for (i, zone) in zones.iter().enumerate() {
        let Some(gateway) = gateways.get(i).or_else(|| gateways.first()) else {
            return;
        };
        let key = format!("{PER_AZ_TABLE}[\"{}\"]", zone.az);
        if i == 0 {
            s.moved("private_rt", &key);
        }
        // A subnet is in one table at a time: the other AZs' tables take
        // theirs after the first table (the old shared one) lets them go.
        let table = s.add_with(
            &key,
            RouteTable {
                vpc_id: vpc.id(),
                routes: vec![Route::default_via_nat(gateway.id())],
                subnet_ids: vec![zone.private.id()],
                tags: tags(&[("tier", "private"), ("az", zone.az)]),
            },
            Lifecycle::default(),
            first.iter().cloned(),
        );
        first.get_or_insert_with(|| table.address().clone());
    }
}
