//! Private egress: Elastic IPs (allocated at once) and NAT gateways
//! (`pending` → `available`; `deleting` → gone), with AWS's checks: a NAT
//! gateway's subnet and address must exist, an address serves one gateway,
//! and an address in use cannot be released.

use strata_core::kinds;
use strata_core::provider::{DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, api_help, required, str_of};
use crate::cloud::{Cloud, NewResource, Record};
use crate::ids::{ec2_id, hex};
use crate::network::need_subnets;

/// AWS seconds from CreateNatGateway to `available`.
pub const NAT_CREATE_SECS: f64 = 120.0;
/// AWS seconds from DeleteNatGateway to `deleted`.
pub const NAT_DELETE_SECS: f64 = 60.0;

/// A public IPv4 address from a documentation-free range AWS uses.
fn public_ip() -> String {
    let n = u32::from_str_radix(&hex(6), 16).unwrap_or(0);
    format!(
        "54.{}.{}.{}",
        (n >> 16) & 0xff,
        (n >> 8) & 0xff,
        (n & 0xff).max(1)
    )
}

/// The live NAT gateway using Elastic IP `allocation`, other than `except`.
fn gateway_using<'c>(c: &'c Cloud, allocation: &str, except: Option<&str>) -> Option<&'c Record> {
    c.live_records(kinds::NAT_GATEWAY)
        .find(|g| g.str("allocation_id") == Some(allocation) && Some(g.id.as_str()) != except)
}

/// Creates an Elastic IP or a NAT gateway; returns its id.
pub fn create(c: &mut Cloud, new: NewResource<'_>) -> Result<String, ProviderError> {
    if new.req.kind == kinds::EIP {
        let id = ec2_id("eipalloc");
        let mut rec = new.record(c, id.clone());
        rec.computed
            .insert("public_ip".into(), Value::String(public_ip().into()));
        rec.computed
            .insert("allocation_id".into(), Value::String(id.clone().into()));
        c.insert(rec);
        return Ok(id);
    }
    let subnet = required(&new.attrs, "subnet_id")?.to_string();
    need_subnets(c, std::slice::from_ref(&subnet))?;
    let private = str_of(&new.attrs, "connectivity_type") == Some("private");
    let mut public = None;
    match (private, str_of(&new.attrs, "allocation_id")) {
        (false, None) => {
            return Err(api_help(
                "MissingParameter",
                "A public NAT gateway requires an allocation ID",
                "give the gateway an Elastic IP (`allocation_id`)",
            ))
        }
        (true, Some(_)) => {
            return Err(api(
                "InvalidParameterCombination",
                "A private NAT gateway cannot have an Elastic IP allocation",
            ))
        }
        (true, None) => {}
        (false, Some(allocation)) => {
            let eip = c.live(kinds::EIP, allocation).ok_or_else(|| {
                api(
                    "InvalidAllocationID.NotFound",
                    format!("The allocation ID '{allocation}' does not exist"),
                )
            })?;
            public = eip.str("public_ip").map(str::to_string);
            if let Some(other) = gateway_using(c, allocation, None) {
                return Err(api_help(
                    "Resource.AlreadyAssociated",
                    format!("Elastic IP address [{allocation}] is already associated"),
                    format!(
                        "NAT gateway {} uses it; give each gateway its own address",
                        other.id
                    ),
                ));
            }
        }
    }
    let cidr = c
        .get(kinds::SUBNET, &subnet)
        .and_then(|s| s.str("cidr_block"))
        .unwrap_or("10.0.0.0/24")
        .to_string();
    let private_ip = c.next_ip(&subnet, &cidr);
    let id = ec2_id("nat");
    let mut rec = new.record(c, id.clone());
    rec.computed
        .insert("private_ip".into(), Value::String(private_ip.into()));
    if let Some(ip) = public {
        rec.computed
            .insert("public_ip".into(), Value::String(ip.into()));
    }
    rec.phases = c.timeline(&[("pending", NAT_CREATE_SECS)]);
    rec.settled = "available".into();
    c.insert(rec);
    Ok(id)
}

/// Only tags change in place.
pub fn update(c: &mut Cloud, req: &UpdateRequest, attrs: Attrs) -> Result<(), ProviderError> {
    if let Some(rec) = c.get_mut(&req.kind, &req.id) {
        rec.attrs = attrs;
        rec.retag();
    }
    Ok(())
}

/// Releases an address (refused while a NAT gateway uses it) or starts
/// deleting a NAT gateway (its address stays taken until it is gone).
pub fn delete(c: &mut Cloud, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind == kinds::EIP {
        if let Some(g) = c
            .records(kinds::NAT_GATEWAY)
            .find(|g| g.str("allocation_id") == Some(req.id.as_str()))
        {
            return Err(api_help(
                "InvalidIPAddress.InUse",
                format!("Address {} is in use", req.id),
                format!(
                    "delete NAT gateway {} first, and wait until it is deleted",
                    g.id
                ),
            ));
        }
        c.start_delete(&req.kind, &req.id, "releasing", 0.0);
        return Ok(());
    }
    c.start_delete(&req.kind, &req.id, "deleting", NAT_DELETE_SECS);
    Ok(())
}

/// A NAT gateway reports its state.
pub fn live(c: &Cloud, rec: &Record, out: &mut Attrs) {
    if rec.kind == kinds::NAT_GATEWAY {
        out.insert("state".into(), Value::String(rec.status(c.now).into()));
    }
}
