//! EC2 networking: VPCs, subnets, internet gateways, route tables and
//! security groups (their rules: `security_group`).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{
    AttributeBooleanValue, Filter, ResourceType, Tag, TagSpecification, VpcAttributeName,
};
use strata_core::kinds;
use strata_core::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::config::Clients;
use crate::errors::map;
use crate::tags::finish;
use crate::util::{bool_or, changed, list, put, required, str_of, strings};
use crate::Tagging;
use strata_core::tags::STACK_TAG;

/// EC2 tags from a tag map.
pub(crate) fn ec2_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// A tag specification for a create call.
pub(crate) fn tag_spec(rt: ResourceType, tags: &BTreeMap<String, String>) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(rt)
        .set_tags(Some(ec2_tags(tags)))
        .build()
}

/// A tag map from EC2 tags.
pub(crate) fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// Filters selecting `ids` (by the id filter `name`) among Strata's resources.
pub(crate) fn filters(name: &str, ids: &[String]) -> Vec<Filter> {
    vec![
        Filter::builder()
            .name(name)
            .set_values(Some(ids.to_vec()))
            .build(),
        Filter::builder().name("tag-key").values(STACK_TAG).build(),
    ]
}

/// Brings an EC2 resource's tags to the desired set.
pub(crate) async fn sync_tags(c: &Clients, id: &str, t: Tagging<'_>) -> Result<(), ProviderError> {
    if !t.stale.is_empty() {
        c.ec2
            .delete_tags()
            .resources(id)
            .set_tags(Some(
                t.stale
                    .iter()
                    .map(|k| Tag::builder().key(k).build())
                    .collect(),
            ))
            .send()
            .await
            .map_err(map)?;
    }
    c.ec2
        .create_tags()
        .resources(id)
        .set_tags(Some(ec2_tags(t.desired)))
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

fn flag(b: bool) -> AttributeBooleanValue {
    AttributeBooleanValue::builder().value(b).build()
}

/// Ids are at most 200 per filter: reads go in chunks of that size.
const CHUNK: usize = 200;

pub(crate) async fn read(
    c: &Clients,
    kind: &str,
    ids: &[String],
) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(CHUNK) {
        match kind {
            kinds::VPC => read_vpcs(c, chunk, &mut out).await?,
            kinds::SUBNET => read_subnets(c, chunk, &mut out).await?,
            kinds::INTERNET_GATEWAY => read_igws(c, chunk, &mut out).await?,
            kinds::ROUTE_TABLE => read_route_tables(c, chunk, &mut out).await?,
            _ => crate::security_group::read(c, chunk, &mut out).await?,
        }
    }
    Ok(out)
}

async fn read_vpcs(
    c: &Clients,
    ids: &[String],
    out: &mut BTreeMap<String, Attrs>,
) -> Result<(), ProviderError> {
    let pages = c
        .ec2
        .describe_vpcs()
        .set_filters(Some(filters("vpc-id", ids)))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    for v in pages.iter().flat_map(|p| p.vpcs()) {
        let Some(id) = v.vpc_id() else { continue };
        let mut a = Attrs::new();
        put(&mut a, "cidr_block", v.cidr_block());
        // DescribeVpcs does not report the DNS flags: one call each, so a
        // flag changed outside Strata shows as drift.
        for (name, attribute) in [
            ("enable_dns_hostnames", VpcAttributeName::EnableDnsHostnames),
            ("enable_dns_support", VpcAttributeName::EnableDnsSupport),
        ] {
            let resp = c
                .ec2
                .describe_vpc_attribute()
                .vpc_id(id)
                .attribute(attribute)
                .send()
                .await
                .map_err(map)?;
            let value = match name {
                "enable_dns_hostnames" => resp.enable_dns_hostnames(),
                _ => resp.enable_dns_support(),
            };
            put(&mut a, name, value.and_then(|v| v.value()));
        }
        put(
            &mut a,
            "arn",
            v.owner_id()
                .map(|o| format!("arn:aws:ec2:{}:{o}:vpc/{id}", region(c))),
        );
        finish(kinds::VPC, &tag_map(v.tags()), &mut a);
        out.insert(id.to_string(), a);
    }
    Ok(())
}

pub(crate) fn region(c: &Clients) -> String {
    c.ec2
        .config()
        .region()
        .map(|r| r.to_string())
        .unwrap_or_default()
}

async fn read_subnets(
    c: &Clients,
    ids: &[String],
    out: &mut BTreeMap<String, Attrs>,
) -> Result<(), ProviderError> {
    let pages = c
        .ec2
        .describe_subnets()
        .set_filters(Some(filters("subnet-id", ids)))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    for s in pages.iter().flat_map(|p| p.subnets()) {
        let Some(id) = s.subnet_id() else { continue };
        let mut a = Attrs::new();
        put(&mut a, "vpc_id", s.vpc_id());
        put(&mut a, "cidr_block", s.cidr_block());
        put(&mut a, "availability_zone", s.availability_zone());
        a.insert(
            "map_public_ip_on_launch".into(),
            Value::Bool(s.map_public_ip_on_launch().unwrap_or(false)),
        );
        put(&mut a, "arn", s.subnet_arn());
        finish(kinds::SUBNET, &tag_map(s.tags()), &mut a);
        out.insert(id.to_string(), a);
    }
    Ok(())
}

async fn read_igws(
    c: &Clients,
    ids: &[String],
    out: &mut BTreeMap<String, Attrs>,
) -> Result<(), ProviderError> {
    let pages = c
        .ec2
        .describe_internet_gateways()
        .set_filters(Some(filters("internet-gateway-id", ids)))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    for g in pages.iter().flat_map(|p| p.internet_gateways()) {
        let Some(id) = g.internet_gateway_id() else {
            continue;
        };
        let mut a = Attrs::new();
        put(
            &mut a,
            "vpc_id",
            g.attachments().first().and_then(|x| x.vpc_id()),
        );
        put(
            &mut a,
            "arn",
            g.owner_id()
                .map(|o| format!("arn:aws:ec2:{}:{o}:internet-gateway/{id}", region(c))),
        );
        finish(kinds::INTERNET_GATEWAY, &tag_map(g.tags()), &mut a);
        out.insert(id.to_string(), a);
    }
    Ok(())
}

async fn read_route_tables(
    c: &Clients,
    ids: &[String],
    out: &mut BTreeMap<String, Attrs>,
) -> Result<(), ProviderError> {
    let pages = c
        .ec2
        .describe_route_tables()
        .set_filters(Some(filters("route-table-id", ids)))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    for t in pages.iter().flat_map(|p| p.route_tables()) {
        let Some(id) = t.route_table_id() else {
            continue;
        };
        let mut a = Attrs::new();
        put(&mut a, "vpc_id", t.vpc_id());
        let routes: Vec<Value> = t
            .routes()
            .iter()
            .filter(|r| r.gateway_id() != Some("local"))
            .filter_map(|r| {
                let mut m = Attrs::new();
                m.insert(
                    "cidr_block".into(),
                    Value::from(r.destination_cidr_block()?),
                );
                if let Some(g) = r.gateway_id() {
                    m.insert("gateway_id".into(), Value::from(g));
                }
                if let Some(n) = r.nat_gateway_id() {
                    m.insert("nat_gateway_id".into(), Value::from(n));
                }
                Some(Value::Map(m))
            })
            .collect();
        a.insert("routes".into(), Value::List(routes));
        let subnets = t
            .associations()
            .iter()
            .filter(|x| x.main() != Some(true))
            .filter_map(|x| x.subnet_id());
        a.insert("subnet_ids".into(), list(subnets));
        finish(kinds::ROUTE_TABLE, &tag_map(t.tags()), &mut a);
        out.insert(id.to_string(), a);
    }
    Ok(())
}

pub(crate) async fn create(
    c: &Clients,
    req: &CreateRequest,
    tags: &BTreeMap<String, String>,
) -> Result<String, ProviderError> {
    let a = &req.attrs;
    match req.kind.as_str() {
        kinds::VPC => {
            let out = c
                .ec2
                .create_vpc()
                .cidr_block(required(a, "cidr_block")?)
                .tag_specifications(tag_spec(ResourceType::Vpc, tags))
                .send()
                .await
                .map_err(map)?;
            let id = out
                .vpc()
                .and_then(|v| v.vpc_id())
                .unwrap_or_default()
                .to_string();
            set_vpc_dns(c, &id, a).await?;
            Ok(id)
        }
        kinds::SUBNET => {
            let out = c
                .ec2
                .create_subnet()
                .vpc_id(required(a, "vpc_id")?)
                .cidr_block(required(a, "cidr_block")?)
                .availability_zone(required(a, "availability_zone")?)
                .tag_specifications(tag_spec(ResourceType::Subnet, tags))
                .send()
                .await
                .map_err(map)?;
            let id = out
                .subnet()
                .and_then(|s| s.subnet_id())
                .unwrap_or_default()
                .to_string();
            if bool_or(a, "map_public_ip_on_launch", false) {
                set_public_ip(c, &id, true).await?;
            }
            Ok(id)
        }
        kinds::INTERNET_GATEWAY => {
            let out = c
                .ec2
                .create_internet_gateway()
                .tag_specifications(tag_spec(ResourceType::InternetGateway, tags))
                .send()
                .await
                .map_err(map)?;
            let id = out
                .internet_gateway()
                .and_then(|g| g.internet_gateway_id())
                .unwrap_or_default()
                .to_string();
            c.ec2
                .attach_internet_gateway()
                .internet_gateway_id(&id)
                .vpc_id(required(a, "vpc_id")?)
                .send()
                .await
                .map_err(map)?;
            Ok(id)
        }
        kinds::ROUTE_TABLE => {
            let out = c
                .ec2
                .create_route_table()
                .vpc_id(required(a, "vpc_id")?)
                .tag_specifications(tag_spec(ResourceType::RouteTable, tags))
                .send()
                .await
                .map_err(map)?;
            let id = out
                .route_table()
                .and_then(|t| t.route_table_id())
                .unwrap_or_default()
                .to_string();
            sync_routes(c, &id, &Attrs::new(), a).await?;
            Ok(id)
        }
        _ => crate::security_group::create(c, a, tags).await,
    }
}

async fn set_vpc_dns(c: &Clients, id: &str, a: &Attrs) -> Result<(), ProviderError> {
    c.ec2
        .modify_vpc_attribute()
        .vpc_id(id)
        .enable_dns_support(flag(bool_or(a, "enable_dns_support", true)))
        .send()
        .await
        .map_err(map)?;
    c.ec2
        .modify_vpc_attribute()
        .vpc_id(id)
        .enable_dns_hostnames(flag(bool_or(a, "enable_dns_hostnames", true)))
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

async fn set_public_ip(c: &Clients, id: &str, on: bool) -> Result<(), ProviderError> {
    c.ec2
        .modify_subnet_attribute()
        .subnet_id(id)
        .map_public_ip_on_launch(flag(on))
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

/// Replaces a route table's routes and associations with the desired ones.
async fn sync_routes(c: &Clients, id: &str, prior: &Attrs, a: &Attrs) -> Result<(), ProviderError> {
    type Route = (String, Option<String>, Option<String>);
    let routes = |attrs: &Attrs| -> Vec<Route> {
        attrs
            .get("routes")
            .and_then(Value::as_list)
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_map)
            .filter_map(|m| {
                Some((
                    str_of(m, "cidr_block")?.to_string(),
                    str_of(m, "gateway_id").map(str::to_string),
                    str_of(m, "nat_gateway_id").map(str::to_string),
                ))
            })
            .collect()
    };
    let (old, new) = (routes(prior), routes(a));
    for (cidr, _, _) in old.iter().filter(|r| !new.contains(r)) {
        c.ec2
            .delete_route()
            .route_table_id(id)
            .destination_cidr_block(cidr)
            .send()
            .await
            .map_err(map)?;
    }
    for (cidr, gw, nat) in new.iter().filter(|r| !old.contains(r)) {
        c.ec2
            .create_route()
            .route_table_id(id)
            .destination_cidr_block(cidr)
            .set_gateway_id(gw.clone())
            .set_nat_gateway_id(nat.clone())
            .send()
            .await
            .map_err(map)?;
    }
    let (old, new) = (strings(prior, "subnet_ids"), strings(a, "subnet_ids"));
    if old != new {
        let live = c
            .ec2
            .describe_route_tables()
            .route_table_ids(id)
            .send()
            .await
            .map_err(map)?;
        for assoc in live
            .route_tables()
            .iter()
            .flat_map(|t| t.associations())
            .filter(|x| x.main() != Some(true))
        {
            let (Some(subnet), Some(aid)) = (assoc.subnet_id(), assoc.route_table_association_id())
            else {
                continue;
            };
            if !new.iter().any(|s| s == subnet) {
                c.ec2
                    .disassociate_route_table()
                    .association_id(aid)
                    .send()
                    .await
                    .map_err(map)?;
            }
        }
        for subnet in new.iter().filter(|s| !old.contains(s)) {
            c.ec2
                .associate_route_table()
                .route_table_id(id)
                .subnet_id(subnet)
                .send()
                .await
                .map_err(map)?;
        }
    }
    Ok(())
}

pub(crate) async fn update(
    c: &Clients,
    req: &UpdateRequest,
    t: Tagging<'_>,
) -> Result<(), ProviderError> {
    let (a, id) = (&req.attrs, req.id.as_str());
    match req.kind.as_str() {
        kinds::VPC => {
            if changed(
                &req.changed,
                &["enable_dns_hostnames", "enable_dns_support"],
            ) {
                set_vpc_dns(c, id, a).await?;
            }
        }
        kinds::SUBNET => {
            if changed(&req.changed, &["map_public_ip_on_launch"]) {
                set_public_ip(c, id, bool_or(a, "map_public_ip_on_launch", false)).await?;
            }
        }
        kinds::INTERNET_GATEWAY => {
            if changed(&req.changed, &["vpc_id"]) {
                if let Some(old) = str_of(&req.prior, "vpc_id") {
                    c.ec2
                        .detach_internet_gateway()
                        .internet_gateway_id(id)
                        .vpc_id(old)
                        .send()
                        .await
                        .map_err(map)?;
                }
                c.ec2
                    .attach_internet_gateway()
                    .internet_gateway_id(id)
                    .vpc_id(required(a, "vpc_id")?)
                    .send()
                    .await
                    .map_err(map)?;
            }
        }
        kinds::ROUTE_TABLE => sync_routes(c, id, &req.prior, a).await?,
        _ => crate::security_group::sync_rules(c, id, a).await?,
    }
    sync_tags(c, id, t).await
}

pub(crate) async fn delete(c: &Clients, req: &DeleteRequest) -> Result<(), ProviderError> {
    let id = req.id.as_str();
    match req.kind.as_str() {
        kinds::VPC => {
            c.ec2.delete_vpc().vpc_id(id).send().await.map_err(map)?;
        }
        kinds::SUBNET => {
            c.ec2
                .delete_subnet()
                .subnet_id(id)
                .send()
                .await
                .map_err(map)?;
        }
        kinds::INTERNET_GATEWAY => {
            if let Some(vpc) = str_of(&req.prior, "vpc_id") {
                let detached = c
                    .ec2
                    .detach_internet_gateway()
                    .internet_gateway_id(id)
                    .vpc_id(vpc)
                    .send()
                    .await;
                if let Err(e) = detached.map_err(map) {
                    if crate::errors::code_of(&e) != Some("Gateway.NotAttached") {
                        return Err(e);
                    }
                }
            }
            c.ec2
                .delete_internet_gateway()
                .internet_gateway_id(id)
                .send()
                .await
                .map_err(map)?;
        }
        kinds::ROUTE_TABLE => {
            let mut empty = Attrs::new();
            empty.insert("subnet_ids".into(), Value::List(Vec::new()));
            let mut prior = req.prior.clone();
            prior.remove("routes");
            prior.insert("subnet_ids".into(), Value::List(vec![Value::from("?")]));
            sync_routes(c, id, &prior, &empty).await?;
            c.ec2
                .delete_route_table()
                .route_table_id(id)
                .send()
                .await
                .map_err(map)?;
        }
        _ => {
            c.ec2
                .delete_security_group()
                .group_id(id)
                .send()
                .await
                .map_err(map)?;
        }
    }
    Ok(())
}
