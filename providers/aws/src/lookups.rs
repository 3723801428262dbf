//! The AWS provider's [`Lookups`]: each lookup kind as one (paginated)
//! describe or list call, filtering on AWS's side where the API can
//! (`DescribeImages`, `DescribeVpcs`, `DescribeSubnets`,
//! `DescribeAvailabilityZones`, `ListCertificates` by status) and on ours
//! for the rest (an exact zone name, a certificate's domain).

use async_trait::async_trait;
use aws_sdk_ec2::types::Filter;
use strata_core::kinds::data;
use strata_core::provider::{zone_name, LookupRequest, Lookups, ProviderError};
use strata_core::value::{Attrs, Value};

use crate::config::Clients;
use crate::errors::map;
use crate::provider::AwsProvider;
use crate::util::put;

#[async_trait]
impl Lookups for AwsProvider {
    async fn lookup(&self, req: LookupRequest) -> Result<Vec<Attrs>, ProviderError> {
        let c = self.clients().await?;
        match req.kind.as_str() {
            data::AMI => amis(c, &req).await,
            data::VPC => vpcs(c, &req).await,
            data::SUBNETS => subnets(c, &req).await,
            data::ROUTE53_ZONE => zones(c, &req).await,
            data::ACM_CERTIFICATE => certificates(c, &req).await,
            data::CALLER_IDENTITY => caller(c).await,
            data::AVAILABILITY_ZONES => zones_of_region(c, &req).await,
            other => Err(ProviderError::Unsupported {
                kind: other.to_string(),
            }),
        }
    }
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// EC2 filters: `(filter name, lookup filter)` pairs that are set, plus one
/// `tag:KEY` filter per wanted tag.
fn ec2_filters(req: &LookupRequest, pairs: &[(&str, &str)]) -> Vec<Filter> {
    let mut out: Vec<Filter> = pairs
        .iter()
        .filter_map(|(aws, ours)| req.text(ours).map(|v| filter(aws, v)))
        .collect();
    if let Some(tags) = req.filters.get("tags").and_then(Value::as_map) {
        for (k, v) in tags {
            if let Some(v) = v.as_str() {
                out.push(filter(&format!("tag:{k}"), v));
            }
        }
    }
    out
}

async fn amis(c: &Clients, req: &LookupRequest) -> Result<Vec<Attrs>, ProviderError> {
    let resp = c
        .ec2
        .describe_images()
        .set_owners(Some(req.strings("owners")))
        .set_filters(Some(ec2_filters(
            req,
            &[("name", "name"), ("architecture", "architecture")],
        )))
        .send()
        .await
        .map_err(map)?;
    Ok(resp
        .images()
        .iter()
        .map(|i| {
            let mut a = Attrs::new();
            put(&mut a, "id", i.image_id());
            put(&mut a, "name", i.name());
            put(&mut a, "owner_id", i.owner_id());
            put(&mut a, "architecture", i.architecture().map(|x| x.as_str()));
            put(&mut a, "creation_date", i.creation_date());
            a
        })
        .collect())
}

async fn vpcs(c: &Clients, req: &LookupRequest) -> Result<Vec<Attrs>, ProviderError> {
    let mut filters = ec2_filters(req, &[("vpc-id", "id"), ("cidr", "cidr_block")]);
    if let Some(default) = req.flag("default") {
        filters.push(filter("is-default", if default { "true" } else { "false" }));
    }
    let pages = c
        .ec2
        .describe_vpcs()
        .set_filters(Some(filters))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    Ok(pages
        .iter()
        .flat_map(|p| p.vpcs())
        .map(|v| {
            let mut a = Attrs::new();
            put(&mut a, "id", v.vpc_id());
            put(&mut a, "cidr_block", v.cidr_block());
            a.insert(
                "default".into(),
                Value::Bool(v.is_default().unwrap_or(false)),
            );
            a
        })
        .collect())
}

async fn subnets(c: &Clients, req: &LookupRequest) -> Result<Vec<Attrs>, ProviderError> {
    let filters = ec2_filters(
        req,
        &[
            ("vpc-id", "vpc_id"),
            ("cidr-block", "cidr_block"),
            ("availability-zone", "availability_zone"),
        ],
    );
    let pages = c
        .ec2
        .describe_subnets()
        .set_filters(Some(filters))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    Ok(pages
        .iter()
        .flat_map(|p| p.subnets())
        .map(|s| {
            let mut a = Attrs::new();
            put(&mut a, "id", s.subnet_id());
            put(&mut a, "cidr_block", s.cidr_block());
            put(&mut a, "availability_zone", s.availability_zone());
            put(&mut a, "vpc_id", s.vpc_id());
            a
        })
        .collect())
}

async fn zones(c: &Clients, req: &LookupRequest) -> Result<Vec<Attrs>, ProviderError> {
    let name = zone_name(req.text("name").unwrap_or_default());
    let private = req.filters.get("private_zone") == Some(&Value::Bool(true));
    // Zones are listed in name order from `name` on: those of that name
    // come first, so one page holds them.
    let resp = c
        .route53
        .list_hosted_zones_by_name()
        .dns_name(format!("{name}."))
        .send()
        .await
        .map_err(map)?;
    Ok(resp
        .hosted_zones()
        .iter()
        .filter(|z| zone_name(z.name()) == name)
        .filter(|z| z.config().is_some_and(|cfg| cfg.private_zone()) == private)
        .map(|z| {
            Attrs::from([
                ("id", Value::from(z.id().trim_start_matches("/hostedzone/"))),
                ("name", Value::from(zone_name(z.name()))),
                ("private_zone", Value::Bool(private)),
            ])
        })
        .collect())
}

async fn certificates(c: &Clients, req: &LookupRequest) -> Result<Vec<Attrs>, ProviderError> {
    use aws_sdk_acm::types::CertificateStatus;
    let domain = req.text("domain").unwrap_or_default();
    let mut statuses = req.strings("statuses");
    if statuses.is_empty() {
        statuses.push("ISSUED".into());
    }
    let pages = c
        .acm
        .list_certificates()
        .set_certificate_statuses(Some(
            statuses
                .iter()
                .map(|s| CertificateStatus::from(s.as_str()))
                .collect(),
        ))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    Ok(pages
        .iter()
        .flat_map(|p| p.certificate_summary_list())
        .filter(|s| s.domain_name() == Some(domain))
        // The status filter is AWS's; a reply without one is kept out.
        .filter(|s| {
            s.status()
                .is_some_and(|st| statuses.iter().any(|w| w == st.as_str()))
        })
        .map(|s| {
            let mut a = Attrs::new();
            put(&mut a, "arn", s.certificate_arn());
            put(&mut a, "domain", s.domain_name());
            put(&mut a, "status", s.status().map(|st| st.as_str()));
            a
        })
        .collect())
}

async fn caller(c: &Clients) -> Result<Vec<Attrs>, ProviderError> {
    let resp = c.sts.get_caller_identity().send().await.map_err(map)?;
    let mut a = Attrs::new();
    put(&mut a, "account_id", resp.account());
    put(&mut a, "arn", resp.arn());
    put(&mut a, "user_id", resp.user_id());
    Ok(vec![a])
}

async fn zones_of_region(c: &Clients, req: &LookupRequest) -> Result<Vec<Attrs>, ProviderError> {
    let resp = c
        .ec2
        .describe_availability_zones()
        .set_filters(Some(ec2_filters(req, &[("state", "state")])))
        .send()
        .await
        .map_err(map)?;
    Ok(resp
        .availability_zones()
        .iter()
        .map(|z| {
            let mut a = Attrs::new();
            put(&mut a, "name", z.zone_name());
            put(&mut a, "zone_id", z.zone_id());
            a
        })
        .collect())
}
