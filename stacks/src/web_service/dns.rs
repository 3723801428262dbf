//! A web service's name and certificate: with a `domain`, a DNS-validated
//! ACM certificate for it (its validation record in the hosted zone, and
//! the wait until it is issued) and an alias `A` record from the domain to
//! the load balancer. The zone is an existing one (`zone_id`) or one the
//! stack creates (`zone_name`); an existing certificate (`certificate_arn`)
//! replaces the one the stack would issue.
//!
//! The listeners take the certificate through [`Tls::certificate_arn`]: a
//! reference to the validation's certificate ARN, known only once the
//! certificate is issued, so no HTTPS listener is made with a certificate
//! that cannot serve yet.

use std::collections::BTreeMap;

use strata_core::kinds::typed::{
    Alias, Certificate, CertificateValidation, Handle, HostedZone, HostedZoneId, Input,
    LoadBalancer, Record, Scope, Stack,
};
use strata_core::value::Value;

use super::params::ParamError;
use super::WebService;

/// The certificate a web service's HTTPS listeners use, if it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct Tls {
    /// The certificate's ARN: `certificate_arn` as given, or a reference
    /// to the issued certificate (`web.cert_validation.id`).
    pub certificate_arn: Input<String>,
}

/// The DNS part of a declared web service: its zone, if it has a domain.
pub(super) struct Dns {
    zone: Option<Input<HostedZoneId>>,
    zone_handle: Option<Handle<HostedZone>>,
    /// The certificate for the listeners.
    pub tls: Option<Tls>,
}

/// The hosted zone the service's records go in, made first when the stack
/// owns it.
fn zone(web: &WebService, s: &mut Scope<'_>, tags: &BTreeMap<String, String>) -> Dns {
    if web.domain.is_none() {
        return Dns {
            zone: None,
            zone_handle: None,
            tls: None,
        };
    }
    if let Some(id) = &web.zone_id {
        return Dns {
            zone: Some(Input::Known(HostedZoneId::new(id.clone()))),
            zone_handle: None,
            tls: None,
        };
    }
    let Some(name) = &web.zone_name else {
        return Dns {
            zone: None,
            zone_handle: None,
            tls: None,
        };
    };
    let zone = s.add(
        "zone",
        HostedZone {
            name: name.clone(),
            comment: Some(format!("{} (managed by Strata)", web.name)),
            tags: tags.clone(),
            ..Default::default()
        },
    );
    Dns {
        zone: Some(zone.id()),
        zone_handle: Some(zone),
        tls: None,
    }
}

/// Declares the zone (when the stack owns it) and the certificate with its
/// validation; returns what the listeners and [`alias`] need.
pub(super) fn certificate(
    web: &WebService,
    s: &mut Scope<'_>,
    tags: &BTreeMap<String, String>,
) -> Dns {
    let mut dns = zone(web, s, tags);
    if let Some(arn) = &web.certificate_arn {
        dns.tls = Some(Tls {
            certificate_arn: Input::Known(arn.clone()),
        });
        return dns;
    }
    let (Some(domain), Some(zone_id)) = (&web.domain, &dns.zone) else {
        return dns;
    };
    let cert = s.add(
        "cert",
        Certificate {
            domain_name: domain.clone(),
            tags: tags.clone(),
            ..Default::default()
        },
    );
    let record = s.add(
        "cert_validation_record",
        Record {
            zone_id: zone_id.clone(),
            name: cert.validation_record_name(),
            record_type: cert.validation_record_type(),
            ttl: Some(300),
            records: vec![cert.validation_record_value()],
            alias: None,
        },
    );
    let validation = s.add(
        "cert_validation",
        CertificateValidation {
            certificate_arn: cert.arn(),
            validation_record_fqdns: vec![record.fqdn()],
        },
    );
    dns.tls = Some(Tls {
        certificate_arn: validation.certificate_arn(),
    });
    dns
}

/// Declares the alias record from the domain to the load balancer.
pub(super) fn alias(web: &WebService, s: &mut Scope<'_>, dns: &Dns, alb: &Handle<LoadBalancer>) {
    let (Some(domain), Some(zone_id)) = (&web.domain, &dns.zone) else {
        return;
    };
    s.add(
        "dns_alias",
        Record {
            zone_id: zone_id.clone(),
            name: domain.clone().into(),
            record_type: "A".into(),
            alias: Some(Alias::to_load_balancer(alb)),
            ..Default::default()
        },
    );
}

/// The outputs of the DNS part: the domain, the certificate's ARN, and the
/// name servers of a zone the stack made (to delegate the domain to).
pub(super) fn outputs(web: &WebService, stack: &mut Stack, prefix: &str, dns: &Dns) {
    let out = |name: &str| format!("{prefix}.{name}");
    if let Some(domain) = &web.domain {
        stack.output(out("url"), format!("https://{domain}"));
    }
    if let Some(tls) = &dns.tls {
        stack.output(
            out("certificate_arn"),
            Value::from(tls.certificate_arn.clone()),
        );
    }
    if let Some(zone) = &dns.zone_handle {
        stack.output(out("name_servers"), Value::from(zone.name_servers()));
    }
}

/// What is wrong with the DNS parameters.
pub(super) fn validate(web: &WebService) -> Vec<ParamError> {
    let mut e = Vec::new();
    let p = |param: &str, message: String, help: &str| ParamError {
        param: Some(param.to_string()),
        message,
        help: help.to_string(),
    };
    let Some(domain) = &web.domain else {
        for (param, given) in [("zone_id", &web.zone_id), ("zone_name", &web.zone_name)] {
            if given.is_some() {
                e.push(p(
                    param,
                    format!("`{param}` is set but the service has no `domain`"),
                    "add `domain = \"shop.example.com\"` (the name the service answers on), or remove it",
                ));
            }
        }
        return e;
    };
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let labels_ok = domain.contains('.')
        && domain.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !labels_ok {
        e.push(p(
            "domain",
            format!("`{domain}` is not a domain name"),
            "e.g. `domain = \"shop.example.com\"`",
        ));
    }
    match (&web.zone_id, &web.zone_name) {
        (Some(_), Some(_)) => e.push(p(
            "zone_name",
            "`zone_id` and `zone_name` are both set".into(),
            "keep `zone_id` for an existing hosted zone, or `zone_name` for one the stack creates",
        )),
        (None, None) => e.push(p(
            "domain",
            format!("`{domain}` needs a hosted zone for its records"),
            "add `zone_id = \"Z...\"` (an existing public hosted zone) or `zone_name = \"...\"` (the stack creates it)",
        )),
        (None, Some(zone)) => {
            let zone = zone.trim_end_matches('.').to_ascii_lowercase();
            if domain != zone && !domain.ends_with(&format!(".{zone}")) {
                e.push(p(
                    "zone_name",
                    format!("`{domain}` is not in the zone `{zone}`"),
                    "the zone is the domain itself or a parent of it, e.g. `example.com` for `shop.example.com`",
                ));
            }
        }
        (Some(id), None) => {
            let id = id.trim_start_matches("/hostedzone/");
            if !id.starts_with('Z') || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
                e.push(p(
                    "zone_id",
                    format!("`{id}` is not a hosted zone id"),
                    "hosted zone ids look like `Z0123456789ABCDEFGHIJ` (Route 53 console, or `aws route53 list-hosted-zones`)",
                ));
            }
        }
    }
    e
}
