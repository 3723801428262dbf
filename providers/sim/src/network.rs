//! EC2 networking: VPCs, subnets, internet gateways, route tables and
//! security groups, with AWS's CIDR rules and dependency checks.

use strata_core::kinds;
use strata_core::provider::{DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, api_help, required, str_of, strings};
use crate::cloud::NewResource;
use crate::cloud::{Cloud, Record};
use crate::ids::{arn, ec2_id, Cidr};

/// Checks that a live VPC `id` exists.
pub fn need_vpc(c: &Cloud, id: &str) -> Result<(), ProviderError> {
    need(c, kinds::VPC, id, "InvalidVpcID.NotFound", "vpc ID")
}

/// Checks that every subnet in `ids` exists.
pub fn need_subnets(c: &Cloud, ids: &[String]) -> Result<(), ProviderError> {
    for id in ids {
        need(
            c,
            kinds::SUBNET,
            id,
            "InvalidSubnetID.NotFound",
            "subnet ID",
        )?;
    }
    Ok(())
}

/// Checks that every security group in `ids` exists.
pub fn need_groups(c: &Cloud, ids: &[String]) -> Result<(), ProviderError> {
    for id in ids {
        need(
            c,
            kinds::SECURITY_GROUP,
            id,
            "InvalidGroup.NotFound",
            "security group",
        )?;
    }
    Ok(())
}

fn need(c: &Cloud, kind: &str, id: &str, code: &str, what: &str) -> Result<(), ProviderError> {
    if c.live(kind, id).is_some() {
        Ok(())
    } else {
        Err(api(code, format!("The {what} '{id}' does not exist")))
    }
}

/// The AZ of a subnet, if it exists.
pub fn subnet_az(c: &Cloud, id: &str) -> Option<String> {
    c.get(kinds::SUBNET, id)
        .and_then(|s| s.str("availability_zone"))
        .map(str::to_string)
}

/// Checks that `az` is an availability zone of the cloud's region.
pub fn check_az(c: &Cloud, az: &str) -> Result<(), ProviderError> {
    kinds::check_az(az, &c.region).map_err(|why| {
        api_help(
            "InvalidParameterValue",
            format!("Value ({az}) for parameter availabilityZone is invalid. {why}"),
            format!("zones of {0} are {0}a to {0}f", c.region),
        )
    })
}

fn rule_groups(attrs: &Attrs) -> Vec<String> {
    ["ingress", "egress"]
        .iter()
        .filter_map(|k| attrs.get(k).and_then(Value::as_list))
        .flatten()
        .filter_map(Value::as_map)
        .flat_map(|rule| strings(rule, "security_group_ids"))
        .collect()
}

fn check_refs(c: &Cloud, kind: &str, attrs: &Attrs, id: Option<&str>) -> Result<(), ProviderError> {
    match kind {
        kinds::SUBNET | kinds::INTERNET_GATEWAY | kinds::ROUTE_TABLE | kinds::SECURITY_GROUP => {
            need_vpc(c, required(attrs, "vpc_id")?)?;
        }
        _ => {}
    }
    match kind {
        kinds::ROUTE_TABLE => {
            need_subnets(c, &strings(attrs, "subnet_ids"))?;
            let routes = attrs.get("routes").and_then(Value::as_list).unwrap_or(&[]);
            for route in routes.iter().filter_map(Value::as_map) {
                if let Some(gw) = str_of(route, "gateway_id") {
                    if gw != "local" {
                        need(
                            c,
                            kinds::INTERNET_GATEWAY,
                            gw,
                            "InvalidGatewayID.NotFound",
                            "gateway ID",
                        )?;
                    }
                }
                if let Some(nat) = str_of(route, "nat_gateway_id") {
                    need(
                        c,
                        kinds::NAT_GATEWAY,
                        nat,
                        "InvalidNatGatewayID.NotFound",
                        "NAT gateway",
                    )?;
                }
            }
        }
        kinds::SECURITY_GROUP => {
            let own = id.unwrap_or_default();
            let others: Vec<String> = rule_groups(attrs)
                .into_iter()
                .filter(|g| g != own)
                .collect();
            need_groups(c, &others)?;
        }
        kinds::INTERNET_GATEWAY => {
            let vpc = required(attrs, "vpc_id")?;
            let taken = c
                .live_records(kinds::INTERNET_GATEWAY)
                .any(|g| g.str("vpc_id") == Some(vpc) && Some(g.id.as_str()) != id);
            if taken {
                return Err(api(
                    "Resource.AlreadyAssociated",
                    format!("The vpc '{vpc}' already has an internet gateway attached"),
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Creates a networking resource; returns its id.
pub fn create(c: &mut Cloud, mut new: NewResource<'_>) -> Result<String, ProviderError> {
    let kind = new.req.kind.as_str();
    if kind == kinds::SECURITY_GROUP {
        normalize_rules(&mut new.attrs);
    }
    let attrs = &new.attrs;
    check_refs(c, kind, attrs, None)?;
    let region = c.region.clone();
    let (prefix, arn_type, secs, status) = match kind {
        kinds::VPC => ("vpc", "vpc", 2.0, "available"),
        kinds::SUBNET => ("subnet", "subnet", 2.0, "available"),
        kinds::INTERNET_GATEWAY => ("igw", "internet-gateway", 3.0, "attached"),
        kinds::ROUTE_TABLE => ("rtb", "route-table", 2.0, "available"),
        _ => ("sg", "security-group", 2.0, "available"),
    };
    let mut name_key = None;
    match kind {
        kinds::VPC => {
            let cidr = required(attrs, "cidr_block")?;
            match Cidr::parse(cidr) {
                Some(net) if (16..=28).contains(&net.len) => {}
                _ => {
                    return Err(api_help(
                        "InvalidVpc.Range",
                        format!("The CIDR '{cidr}' is invalid."),
                        "a VPC's block is between /16 and /28, e.g. 10.0.0.0/16",
                    ))
                }
            }
        }
        kinds::SUBNET => check_subnet(c, attrs)?,
        kinds::SECURITY_GROUP => {
            let name = required(attrs, "name")?;
            let vpc = required(attrs, "vpc_id")?;
            let key = format!("{kind}|{vpc}|{name}");
            if c.named(&key).is_some() {
                return Err(api_help(
                    "InvalidGroup.Duplicate",
                    format!("The security group '{name}' already exists for VPC '{vpc}'"),
                    "security group names are unique within a VPC; choose another name",
                ));
            }
            name_key = Some(key);
        }
        _ => {}
    }
    let id = ec2_id(prefix);
    let mut rec = new.record(c, id.clone());
    rec.name_key = name_key;
    if kind != kinds::ROUTE_TABLE {
        rec.computed.insert(
            "arn".into(),
            Value::String(arn("ec2", &region, &format!("{arn_type}/{id}")).into()),
        );
    }
    rec.phases = c.timeline(&[("pending", secs)]);
    rec.settled = status.into();
    c.insert(rec);
    Ok(id)
}

fn check_subnet(c: &Cloud, attrs: &Attrs) -> Result<(), ProviderError> {
    let vpc_id = required(attrs, "vpc_id")?;
    let az = required(attrs, "availability_zone")?;
    check_az(c, az)?;
    let cidr_text = required(attrs, "cidr_block")?;
    let invalid = || {
        api_help(
            "InvalidSubnet.Range",
            format!("The CIDR '{cidr_text}' is invalid."),
            "a subnet's block must lie inside its VPC's block",
        )
    };
    let cidr = Cidr::parse(cidr_text).ok_or_else(invalid)?;
    let vpc_cidr = c
        .get(kinds::VPC, vpc_id)
        .and_then(|v| v.str("cidr_block"))
        .and_then(Cidr::parse);
    if !vpc_cidr.is_some_and(|v| v.contains(cidr)) || cidr.len > 28 {
        return Err(invalid());
    }
    let conflict = c.live_records(kinds::SUBNET).find(|s| {
        s.str("vpc_id") == Some(vpc_id)
            && s.str("cidr_block")
                .and_then(Cidr::parse)
                .is_some_and(|other| other.overlaps(cidr))
    });
    if let Some(other) = conflict {
        return Err(api_help(
            "InvalidSubnet.Conflict",
            format!("The CIDR '{cidr_text}' conflicts with another subnet"),
            format!(
                "subnet {} already uses {}; pick a block that does not overlap",
                other.id,
                other.str("cidr_block").unwrap_or_default()
            ),
        ));
    }
    Ok(())
}

/// Updates a networking resource in place. A security group's rules are
/// a set: the rules it keeps stay where they were, removed ones are
/// revoked and new ones authorized after them, so the order it reports
/// does not follow the configuration's.
pub fn update(c: &mut Cloud, req: &UpdateRequest, mut attrs: Attrs) -> Result<(), ProviderError> {
    check_refs(c, &req.kind, &attrs, Some(&req.id))?;
    if req.kind == kinds::SECURITY_GROUP {
        normalize_rules(&mut attrs);
        if let Some(old) = c.get(&req.kind, &req.id) {
            for key in ["ingress", "egress"] {
                if let (Some(Value::List(have)), Some(Value::List(want))) =
                    (old.attrs.get(key), attrs.get(key))
                {
                    let merged = merge_rules(have, want);
                    attrs.insert(key.into(), Value::List(merged));
                }
            }
        }
    }
    if let Some(rec) = c.get_mut(&req.kind, &req.id) {
        rec.attrs = attrs;
        rec.retag();
    }
    Ok(())
}

/// Security group rules as AWS reports them: protocols in lower case, and
/// `all` as `-1`.
fn normalize_rules(attrs: &mut Attrs) {
    for key in ["ingress", "egress"] {
        let Some(Value::List(rules)) = attrs.get_mut(key) else {
            continue;
        };
        for rule in rules.iter_mut() {
            let Some(Value::String(p)) = rule.as_map_mut().and_then(|m| m.get_mut("protocol"))
            else {
                continue;
            };
            let lower = p.to_ascii_lowercase();
            *p = if lower == "all" { "-1".into() } else { lower };
        }
    }
}

/// The rule set `want` in a stable order: the rules of `have` it keeps, in
/// their order, then its new rules in its order.
fn merge_rules(have: &[Value], want: &[Value]) -> Vec<Value> {
    let mut taken = vec![false; want.len()];
    let mut out = Vec::with_capacity(want.len());
    for h in have {
        if let Some(i) = (0..want.len()).find(|&i| !taken[i] && want[i].same_as(h)) {
            taken[i] = true;
            out.push(h.clone());
        }
    }
    out.extend(
        want.iter()
            .zip(&taken)
            .filter(|(_, t)| !**t)
            .map(|(w, _)| w.clone()),
    );
    out
}

fn dependency(kind_word: &str, id: &str, holders: &[&Record]) -> ProviderError {
    let list: Vec<String> = holders
        .iter()
        .take(5)
        .map(|r| format!("{} {}", r.kind, r.id))
        .collect();
    api_help(
        "DependencyViolation",
        format!("The {kind_word} '{id}' has dependencies and cannot be deleted."),
        format!("delete what still uses it first: {}", list.join(", ")),
    )
}

/// Deletes a networking resource, refusing while others depend on it.
pub fn delete(c: &mut Cloud, req: &DeleteRequest) -> Result<(), ProviderError> {
    let id = req.id.as_str();
    let holders: Vec<&Record> = match req.kind.as_str() {
        kinds::VPC => [
            kinds::SUBNET,
            kinds::INTERNET_GATEWAY,
            kinds::ROUTE_TABLE,
            kinds::SECURITY_GROUP,
            kinds::TARGET_GROUP,
        ]
        .iter()
        .flat_map(|k| c.live_records(k))
        .filter(|r| r.str("vpc_id") == Some(id))
        .collect(),
        kinds::SUBNET => c
            .live_records(kinds::INSTANCE)
            .filter(|r| r.str("subnet_id") == Some(id))
            .chain(
                c.live_records(kinds::LOAD_BALANCER)
                    .filter(|r| strings(&r.attrs, "subnet_ids").iter().any(|s| s == id)),
            )
            .chain(
                c.records(kinds::NAT_GATEWAY)
                    .filter(|r| r.str("subnet_id") == Some(id)),
            )
            .collect(),
        kinds::SECURITY_GROUP => {
            let uses = |r: &&Record, attr: &str| strings(&r.attrs, attr).iter().any(|s| s == id);
            c.live_records(kinds::SECURITY_GROUP)
                .filter(|r| r.id != id && rule_groups(&r.attrs).iter().any(|g| g == id))
                .chain(
                    c.live_records(kinds::INSTANCE)
                        .filter(|r| uses(r, "security_group_ids")),
                )
                .chain(
                    c.live_records(kinds::LOAD_BALANCER)
                        .filter(|r| uses(r, "security_group_ids")),
                )
                .chain(
                    c.live_records(kinds::DB_INSTANCE)
                        .filter(|r| uses(r, "vpc_security_group_ids")),
                )
                .chain(
                    c.live_records(kinds::REPLICATION_GROUP)
                        .filter(|r| uses(r, "security_group_ids")),
                )
                .collect()
        }
        _ => Vec::new(),
    };
    if !holders.is_empty() {
        if req.kind == kinds::SECURITY_GROUP {
            return Err(api_help(
                "DependencyViolation",
                format!("resource {id} has a dependent object"),
                format!(
                    "it is still used by {}; remove those references first",
                    holders
                        .iter()
                        .take(5)
                        .map(|r| r.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let word = if req.kind == kinds::VPC {
            "vpc"
        } else {
            "subnet"
        };
        return Err(dependency(word, id, &holders));
    }
    let status = if req.kind == kinds::INTERNET_GATEWAY {
        "detaching"
    } else {
        "deleting"
    };
    c.start_delete(&req.kind, id, status, 1.0);
    Ok(())
}

/// Networking resources have no live attributes beyond what they store.
pub fn live(_c: &Cloud, _rec: &Record, _out: &mut Attrs) {}
