//! Typed specs of the DNS and certificate kinds: Route 53 hosted zones and
//! record sets (an alias to a load balancer among them), ACM certificates
//! and the wait for their DNS validation.

use std::collections::BTreeMap;

use super::{AttrsBuilder, Handle, HostedZoneId, Input, ResourceSpec};
use crate::kinds;
use crate::value::{Attrs, Value};

/// `aws.route53.zone`: a public hosted zone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostedZone {
    /// The domain, e.g. `example.com`.
    pub name: String,
    /// A comment (default `Managed by Strata`).
    pub comment: Option<String>,
    /// Delete its records with it (default `false`: a zone with records is
    /// not deleted).
    pub force_destroy: Option<bool>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for HostedZone {
    const KIND: &'static str = kinds::ROUTE53_ZONE;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("name", self.name)
            .opt("comment", self.comment)
            .opt("force_destroy", self.force_destroy)
            .tags(self.tags)
            .build()
    }
}

impl Handle<HostedZone> {
    /// The zone's id.
    pub fn id(&self) -> Input<HostedZoneId> {
        self.attr("id")
    }
    /// Its name servers (to delegate the domain to).
    pub fn name_servers(&self) -> Input<Vec<String>> {
        self.attr("name_servers")
    }
}

/// An alias record's target: a load balancer's `dns_name` and `zone_id`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Alias {
    /// The target's DNS name.
    pub name: Input<String>,
    /// The target's hosted zone (a load balancer's canonical hosted zone).
    pub zone_id: Input<String>,
    /// Answer only while the target is healthy (default `false`).
    pub evaluate_target_health: Option<bool>,
}

impl Alias {
    /// An alias to a load balancer.
    pub fn to_load_balancer(lb: &Handle<super::LoadBalancer>) -> Self {
        Self {
            name: lb.dns_name(),
            zone_id: lb.zone_id(),
            evaluate_target_health: Some(true),
        }
    }
}

impl From<Alias> for Value {
    fn from(a: Alias) -> Self {
        Value::Map(
            AttrsBuilder::new()
                .set("name", a.name)
                .set("zone_id", a.zone_id)
                .opt("evaluate_target_health", a.evaluate_target_health)
                .build(),
        )
    }
}

/// `aws.route53.record`: a record set, with `records` and a `ttl` or an
/// `alias`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    /// The hosted zone.
    pub zone_id: Input<HostedZoneId>,
    /// The record's name, e.g. `shop.example.com`.
    pub name: Input<String>,
    /// `A`, `AAAA`, `CNAME`, `TXT`…
    pub record_type: Input<String>,
    /// Seconds resolvers cache it (with `records`).
    pub ttl: Option<i64>,
    /// The values.
    pub records: Vec<Input<String>>,
    /// An alias instead of `records`.
    pub alias: Option<Alias>,
}

impl ResourceSpec for Record {
    const KIND: &'static str = kinds::ROUTE53_RECORD;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("zone_id", self.zone_id)
            .set("name", self.name)
            .set("type", self.record_type)
            .opt("ttl", self.ttl)
            .list("records", self.records)
            .opt("alias", self.alias)
            .build()
    }
}

impl Handle<Record> {
    /// The record's full name (lower case, no trailing dot).
    pub fn fqdn(&self) -> Input<String> {
        self.attr("fqdn")
    }
}

/// `aws.acm.certificate`: a DNS-validated public certificate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Certificate {
    /// The domain, e.g. `shop.example.com`.
    pub domain_name: String,
    /// More names it covers.
    pub subject_alternative_names: Vec<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for Certificate {
    const KIND: &'static str = kinds::ACM_CERTIFICATE;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("domain_name", self.domain_name)
            .list("subject_alternative_names", self.subject_alternative_names)
            .tags(self.tags)
            .build()
    }
}

impl Handle<Certificate> {
    /// The certificate's ARN (usable before it is issued; a listener needs
    /// [`Handle<CertificateValidation>::certificate_arn`] to wait for it).
    pub fn arn(&self) -> Input<String> {
        self.attr("arn")
    }
    /// The name of the CNAME that validates `domain_name`.
    pub fn validation_record_name(&self) -> Input<String> {
        self.attr("validation_record_name")
    }
    /// The type of that record (`CNAME`).
    pub fn validation_record_type(&self) -> Input<String> {
        self.attr("validation_record_type")
    }
    /// The value of that record.
    pub fn validation_record_value(&self) -> Input<String> {
        self.attr("validation_record_value")
    }
}

/// `aws.acm.certificate_validation`: waits until a certificate is issued.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CertificateValidation {
    /// The certificate.
    pub certificate_arn: Input<String>,
    /// The validation records' names (checked against the certificate's).
    pub validation_record_fqdns: Vec<Input<String>>,
}

impl ResourceSpec for CertificateValidation {
    const KIND: &'static str = kinds::ACM_CERTIFICATE_VALIDATION;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("certificate_arn", self.certificate_arn)
            .list("validation_record_fqdns", self.validation_record_fqdns)
            .build()
    }
}

impl Handle<CertificateValidation> {
    /// The validated certificate's ARN: its id, known only once the
    /// certificate is issued, so whatever uses it waits for that.
    pub fn certificate_arn(&self) -> Input<String> {
        self.attr("id")
    }
}
