//! Private egress: Elastic IPs (AllocateAddress, ReleaseAddress) and NAT
//! gateways (CreateNatGateway with the create's client token; readiness and
//! deletion are polled on `state`). A gateway AWS still lists as `deleted`
//! reads as gone.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{ConnectivityType, DomainType, Filter, NatGatewayState, ResourceType};
use strata_core::kinds;
use strata_core::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::Attrs;

use crate::config::Clients;
use crate::ec2::client_token;
use crate::errors::map;
use crate::network::{filters, sync_tags, tag_map, tag_spec};
use crate::tags::finish;
use crate::util::{put, required, str_of};
use crate::Tagging;

/// Ids per DescribeAddresses/DescribeNatGateways filter.
const CHUNK: usize = 200;

pub(crate) async fn read(
    c: &Clients,
    kind: &str,
    ids: &[String],
) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(CHUNK) {
        if kind == kinds::EIP {
            read_eips(c, chunk, &mut out).await?;
        } else {
            read_nat_gateways(c, chunk, &mut out).await?;
        }
    }
    Ok(out)
}

async fn read_eips(
    c: &Clients,
    ids: &[String],
    out: &mut BTreeMap<String, Attrs>,
) -> Result<(), ProviderError> {
    let resp = c
        .ec2
        .describe_addresses()
        .set_filters(Some(filters("allocation-id", ids)))
        .send()
        .await
        .map_err(map)?;
    for e in resp.addresses() {
        let Some(id) = e.allocation_id() else {
            continue;
        };
        let mut a = Attrs::new();
        put(&mut a, "domain", e.domain().map(DomainType::as_str));
        put(&mut a, "public_ip", e.public_ip());
        put(&mut a, "allocation_id", Some(id));
        finish(kinds::EIP, &tag_map(e.tags()), &mut a);
        out.insert(id.to_string(), a);
    }
    Ok(())
}

async fn read_nat_gateways(
    c: &Clients,
    ids: &[String],
    out: &mut BTreeMap<String, Attrs>,
) -> Result<(), ProviderError> {
    // DescribeNatGateways takes `Filter` (singular); moto knows no tag filter
    // for it, so select by id alone.
    let by_id = Filter::builder()
        .name("nat-gateway-id")
        .set_values(Some(ids.to_vec()))
        .build();
    let pages = c
        .ec2
        .describe_nat_gateways()
        .filter(by_id)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    for g in pages.iter().flat_map(|p| p.nat_gateways()) {
        let Some(id) = g.nat_gateway_id() else {
            continue;
        };
        if g.state() == Some(&NatGatewayState::Deleted) {
            continue;
        }
        let mut a = Attrs::new();
        put(&mut a, "subnet_id", g.subnet_id());
        put(
            &mut a,
            "connectivity_type",
            g.connectivity_type().map(ConnectivityType::as_str),
        );
        let primary = g
            .nat_gateway_addresses()
            .iter()
            .find(|x| x.is_primary() != Some(false));
        put(
            &mut a,
            "allocation_id",
            primary.and_then(|x| x.allocation_id()),
        );
        put(&mut a, "public_ip", primary.and_then(|x| x.public_ip()));
        put(&mut a, "private_ip", primary.and_then(|x| x.private_ip()));
        put(&mut a, "state", g.state().map(NatGatewayState::as_str));
        finish(kinds::NAT_GATEWAY, &tag_map(g.tags()), &mut a);
        out.insert(id.to_string(), a);
    }
    Ok(())
}

/// Why a NAT gateway failed, if it did: AWS leaves a failed gateway in
/// `failed` for a while, which no amount of waiting changes.
pub(crate) async fn failure(c: &Clients, id: &str) -> Result<Option<String>, ProviderError> {
    let resp = c
        .ec2
        .describe_nat_gateways()
        .nat_gateway_ids(id)
        .send()
        .await
        .map_err(map)?;
    Ok(resp
        .nat_gateways()
        .iter()
        .find(|g| g.state() == Some(&NatGatewayState::Failed))
        .map(|g| {
            format!(
                "NAT gateway {id} failed: {} ({})",
                g.failure_message().unwrap_or("no reason given"),
                g.failure_code().unwrap_or("no code"),
            )
        }))
}

pub(crate) async fn create(
    c: &Clients,
    req: &CreateRequest,
    tags: &BTreeMap<String, String>,
) -> Result<String, ProviderError> {
    let a = &req.attrs;
    if req.kind == kinds::EIP {
        let out = c
            .ec2
            .allocate_address()
            .domain(DomainType::from(str_of(a, "domain").unwrap_or("vpc")))
            .tag_specifications(tag_spec(ResourceType::ElasticIp, tags))
            .send()
            .await
            .map_err(map)?;
        return Ok(out.allocation_id().unwrap_or_default().to_string());
    }
    let out = c
        .ec2
        .create_nat_gateway()
        .subnet_id(required(a, "subnet_id")?)
        .set_allocation_id(str_of(a, "allocation_id").map(str::to_string))
        .connectivity_type(ConnectivityType::from(
            str_of(a, "connectivity_type").unwrap_or("public"),
        ))
        .client_token(client_token(&req.token))
        .tag_specifications(tag_spec(ResourceType::Natgateway, tags))
        .send()
        .await
        .map_err(map)?;
    Ok(out
        .nat_gateway()
        .and_then(|g| g.nat_gateway_id())
        .unwrap_or_default()
        .to_string())
}

/// Only tags change in place.
pub(crate) async fn update(
    c: &Clients,
    req: &UpdateRequest,
    t: Tagging<'_>,
) -> Result<(), ProviderError> {
    sync_tags(c, &req.id, t).await
}

/// Releases an address or deletes a gateway. What is already gone answers
/// `NotFound` (moto answers HTTP 500 for an unknown allocation or gateway,
/// so Strata looks first).
pub(crate) async fn delete(c: &Clients, req: &DeleteRequest) -> Result<(), ProviderError> {
    let id = req.id.as_str();
    let exists = read(c, &req.kind, std::slice::from_ref(&req.id))
        .await?
        .contains_key(id);
    if !exists {
        return Err(ProviderError::NotFound {
            kind: req.kind.clone(),
            id: id.to_string(),
        });
    }
    if req.kind == kinds::EIP {
        c.ec2
            .release_address()
            .allocation_id(id)
            .send()
            .await
            .map_err(map)?;
    } else {
        c.ec2
            .delete_nat_gateway()
            .nat_gateway_id(id)
            .send()
            .await
            .map_err(map)?;
    }
    Ok(())
}
