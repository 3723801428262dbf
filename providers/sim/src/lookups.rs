//! The sim's [`Lookups`]: what `[data.NAME]` blocks find in the simulated
//! account — a fixed catalogue of public AMIs, the VPCs and subnets in the
//! cloud, the region's AZs, the account's identity, and the hosted zones
//! and certificates added with [`SimProvider::add_hosted_zone`] and
//! [`SimProvider::add_certificate`] (things Strata does not manage but
//! finds).

use async_trait::async_trait;
use strata_core::kinds::{self, data};
use strata_core::provider::{matches_wildcard, zone_name, LookupRequest, Lookups, ProviderError};
use strata_core::value::{Attrs, Value};

use crate::cloud::{Cloud, Record};
use crate::ids::ACCOUNT;
use crate::objects::{Certificate, HostedZone};
use crate::provider::SimProvider;

/// The public AMIs every simulated region offers: (id, name, owner id,
/// owner alias, architecture, creation date).
const AMIS: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "ami-0a1b2c3d4e5f60001",
        "al2023-ami-2023.5.20240701.0-kernel-6.1-x86_64",
        "137112412989",
        "amazon",
        "x86_64",
        "2024-07-01T10:00:00.000Z",
    ),
    (
        "ami-0a1b2c3d4e5f60002",
        "al2023-ami-2023.6.20241010.0-kernel-6.1-x86_64",
        "137112412989",
        "amazon",
        "x86_64",
        "2024-10-10T10:00:00.000Z",
    ),
    (
        "ami-0a1b2c3d4e5f60003",
        "al2023-ami-2023.6.20241010.0-kernel-6.1-arm64",
        "137112412989",
        "amazon",
        "arm64",
        "2024-10-10T10:00:00.000Z",
    ),
    (
        "ami-0b1b2c3d4e5f60001",
        "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240301",
        "099720109477",
        "",
        "x86_64",
        "2024-03-01T08:00:00.000Z",
    ),
    (
        "ami-0b1b2c3d4e5f60002",
        "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240801",
        "099720109477",
        "",
        "x86_64",
        "2024-08-01T08:00:00.000Z",
    ),
    (
        "ami-0b1b2c3d4e5f60003",
        "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241001",
        "099720109477",
        "",
        "x86_64",
        "2024-10-01T08:00:00.000Z",
    ),
    (
        "ami-0b1b2c3d4e5f60004",
        "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20241001",
        "099720109477",
        "",
        "arm64",
        "2024-10-01T08:00:00.000Z",
    ),
];

#[async_trait]
impl Lookups for SimProvider {
    async fn lookup(&self, req: LookupRequest) -> Result<Vec<Attrs>, ProviderError> {
        self.latency(&req.kind).await;
        self.call(Some(&req.kind), false, |c, _| find(c, &req))
    }
}

impl SimProvider {
    /// Adds a hosted zone to the simulated account (as if made outside
    /// Strata), for `aws.route53.zone` lookups; returns its id.
    pub fn add_hosted_zone(&self, name: &str, private: bool) -> Result<String, ProviderError> {
        self.with_cloud(true, |c, _| {
            let id = format!("Z{:020X}", c.account.zones.len() as u64 + 0x5EED);
            c.account.zones.push(HostedZone {
                id: id.clone(),
                name: zone_name(name).to_string(),
                private,
            });
            Ok(id)
        })
    }

    /// Adds a certificate for `domain` with `status` to the simulated
    /// account, for `aws.acm.certificate` lookups; returns its ARN.
    pub fn add_certificate(&self, domain: &str, status: &str) -> Result<String, ProviderError> {
        self.with_cloud(true, |c, _| {
            let arn = format!(
                "arn:aws:acm:{}:{ACCOUNT}:certificate/{:08x}-0000-4000-8000-000000000000",
                c.region,
                c.account.certificates.len() + 1
            );
            c.account.certificates.push(Certificate {
                arn: arn.clone(),
                domain: domain.to_string(),
                status: status.to_string(),
            });
            Ok(arn)
        })
    }
}

fn s(v: &str) -> Value {
    Value::String(v.into())
}

/// Whether a record carries every tag the lookup asks for.
fn tagged(req: &LookupRequest, rec: &Record) -> bool {
    let Some(want) = req.filters.get("tags").and_then(Value::as_map) else {
        return true;
    };
    want.iter().all(|(k, v)| {
        v.as_str()
            .is_some_and(|v| rec.tags.get(k.as_str()).map(|t| t.as_str()) == Some(v))
    })
}

fn find(c: &Cloud, req: &LookupRequest) -> Result<Vec<Attrs>, ProviderError> {
    Ok(match req.kind.as_str() {
        data::AMI => amis(req),
        data::VPC => c
            .live_records(kinds::VPC)
            .filter(|r| req.text("id").is_none_or(|id| id == r.id))
            .filter(|r| {
                req.text("cidr_block")
                    .is_none_or(|b| r.str("cidr_block") == Some(b))
            })
            // The sim has no default VPC.
            .filter(|_| req.filters.get("default") != Some(&Value::Bool(true)))
            .filter(|r| tagged(req, r))
            .map(|r| {
                Attrs::from([
                    ("id", s(&r.id)),
                    ("cidr_block", s(r.str("cidr_block").unwrap_or(""))),
                    ("default", Value::Bool(false)),
                ])
            })
            .collect(),
        data::SUBNETS => c
            .live_records(kinds::SUBNET)
            .filter(|r| {
                req.text("vpc_id")
                    .is_none_or(|v| r.str("vpc_id") == Some(v))
            })
            .filter(|r| {
                req.text("cidr_block")
                    .is_none_or(|b| r.str("cidr_block") == Some(b))
            })
            .filter(|r| {
                req.text("availability_zone")
                    .is_none_or(|az| r.str("availability_zone") == Some(az))
            })
            .filter(|r| tagged(req, r))
            .map(|r| {
                Attrs::from([
                    ("id", s(&r.id)),
                    ("cidr_block", s(r.str("cidr_block").unwrap_or(""))),
                    (
                        "availability_zone",
                        s(r.str("availability_zone").unwrap_or("")),
                    ),
                    ("vpc_id", s(r.str("vpc_id").unwrap_or(""))),
                ])
            })
            .collect(),
        data::ROUTE53_ZONE => {
            let name = req.text("name").map(zone_name).unwrap_or_default();
            let private = req.filters.get("private_zone") == Some(&Value::Bool(true));
            c.account
                .zones
                .iter()
                .filter(|z| z.name == name && z.private == private)
                .map(|z| {
                    Attrs::from([
                        ("id", s(&z.id)),
                        ("name", s(&z.name)),
                        ("private_zone", Value::Bool(z.private)),
                    ])
                })
                .collect()
        }
        data::ACM_CERTIFICATE => {
            let domain = req.text("domain").unwrap_or_default();
            let mut statuses = req.strings("statuses");
            if statuses.is_empty() {
                statuses.push("ISSUED".into());
            }
            c.account
                .certificates
                .iter()
                .filter(|cert| cert.domain == domain && statuses.contains(&cert.status))
                .map(|cert| {
                    Attrs::from([
                        ("arn", s(&cert.arn)),
                        ("domain", s(&cert.domain)),
                        ("status", s(&cert.status)),
                    ])
                })
                .collect()
        }
        data::CALLER_IDENTITY => vec![Attrs::from([
            ("account_id", s(ACCOUNT)),
            ("arn", s(&format!("arn:aws:iam::{ACCOUNT}:user/strata-sim"))),
            ("user_id", s("AIDASIMULATEDUSER0001")),
        ])],
        data::AVAILABILITY_ZONES => {
            let state = req.text("state").unwrap_or("available");
            ('a'..='f')
                .map(|l| (format!("{}{l}", c.region), l))
                .filter(|(az, _)| {
                    let now = if c.az_is_down(az) {
                        "unavailable"
                    } else {
                        "available"
                    };
                    now == state
                })
                .map(|(az, l)| {
                    let n = u32::from(l) - u32::from('a') + 1;
                    Attrs::from([
                        ("name", s(&az)),
                        ("zone_id", s(&format!("{}-az{n}", zone_prefix(&c.region)))),
                    ])
                })
                .collect()
        }
        other => {
            return Err(ProviderError::Unsupported {
                kind: other.to_string(),
            })
        }
    })
}

fn amis(req: &LookupRequest) -> Vec<Attrs> {
    let owners = req.strings("owners");
    AMIS.iter()
        .filter(|(_, _, owner, alias, _, _)| {
            owners
                .iter()
                .any(|o| o == owner || (!alias.is_empty() && o == alias))
        })
        .filter(|(_, name, ..)| req.text("name").is_none_or(|p| matches_wildcard(p, name)))
        .filter(|(.., arch, _)| req.text("architecture").is_none_or(|a| a == *arch))
        .map(|(id, name, owner, _, arch, created)| {
            Attrs::from([
                ("id", s(id)),
                ("name", s(name)),
                ("owner_id", s(owner)),
                ("architecture", s(arch)),
                ("creation_date", s(created)),
            ])
        })
        .collect()
}

/// AWS's zone-id prefix of a region: `us-east-1` → `use1`.
fn zone_prefix(region: &str) -> String {
    let parts: Vec<&str> = region.split('-').collect();
    match parts.as_slice() {
        [geo, dir, n] => format!("{geo}{}{n}", dir.chars().next().unwrap_or('x')),
        _ => region.replace('-', ""),
    }
}
