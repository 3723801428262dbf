//! ACM: DNS-validated certificates and the wait for them, as AWS behaves.
//!
//! A certificate's validation CNAME is the same for a domain every time in
//! one account (so a replacement certificate is validated by the record
//! already there), and a wildcard shares its base domain's. A certificate
//! is `PENDING_VALIDATION` until, for each of its names, a CNAME with that
//! name and value exists and is in sync in a hosted zone of the account;
//! it is `ISSUED` a minute (of AWS time) later, and stays issued when the
//! records go. A certificate a listener uses cannot be deleted
//! (`ResourceInUseException`). A certificate validation is `ISSUED` when
//! its certificate is.

use strata_core::kinds::{self, fqdn};
use strata_core::provider::{DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, api_help, required, str_of, strings};
use crate::cloud::{Cloud, NewResource, Record};
use crate::ids::{arn, ACCOUNT};

/// AWS seconds between a validation record being in sync and the
/// certificate being issued.
const ISSUE_SECS: f64 = 60.0;
const PENDING: &str = "PENDING_VALIDATION";
const ISSUED: &str = "ISSUED";

/// 32 hex digits derived from `text` (FNV-1a, twice): stable across runs.
fn digest(text: &str) -> String {
    let mut out = String::new();
    for seed in [0xcbf2_9ce4_8422_2325_u64, 0x8422_2325_cbf2_9ce4] {
        let mut h = seed;
        for b in text.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        out.push_str(&format!("{h:016x}"));
    }
    out
}

/// The validation record of `domain` in this account: (name, value).
pub(crate) fn validation_record(domain: &str) -> (String, String) {
    let base = fqdn(domain.strip_prefix("*.").unwrap_or(domain));
    let name = format!("_{}.{base}", digest(&format!("{ACCOUNT}|name|{base}")));
    let token = digest(&format!("{ACCOUNT}|value|{base}"));
    let value = format!(
        "_{}.{}.acm-validations.aws",
        digest(&format!("{ACCOUNT}|value|{base}")),
        &token[..10]
    );
    (name, value)
}

/// The certificate's names: its domain, then its alternative names (once each).
fn names(attrs: &Attrs) -> Vec<String> {
    let mut out: Vec<String> = str_of(attrs, "domain_name").map(fqdn).into_iter().collect();
    for san in strings(attrs, "subject_alternative_names") {
        let san = fqdn(&san);
        if !out.contains(&san) {
            out.push(san);
        }
    }
    out
}

/// Requests a certificate (its id is its ARN) or starts a validation's wait
/// (its id is the certificate's ARN).
pub fn create(c: &mut Cloud, new: NewResource<'_>) -> Result<String, ProviderError> {
    if new.req.kind == kinds::ACM_CERTIFICATE_VALIDATION {
        let cert = required(&new.attrs, "certificate_arn")?.to_string();
        check_fqdns(c, &cert, &new.attrs)?;
        let rec = new.record(c, cert.clone());
        c.remove(kinds::ACM_CERTIFICATE_VALIDATION, &cert);
        c.insert(rec);
        return Ok(cert);
    }
    if str_of(&new.attrs, "validation_method").unwrap_or("DNS") != "DNS" {
        return Err(api(
            "ValidationException",
            "Only DNS validation is simulated",
        ));
    }
    let region = c.region.clone();
    let id = arn(
        "acm",
        &region,
        &format!("certificate/{}", uuid::Uuid::new_v4()),
    );
    let mut rec = new.record(c, id.clone());
    let options: Vec<Value> = names(&new.attrs)
        .into_iter()
        .map(|domain| {
            let (name, value) = validation_record(&domain);
            Value::Map(Attrs::from([
                ("domain_name", Value::String(domain.into())),
                ("resource_record_name", Value::String(name.into())),
                ("resource_record_type", Value::String("CNAME".into())),
                ("resource_record_value", Value::String(value.into())),
            ]))
        })
        .collect();
    let (name, value) = validation_record(required(&new.attrs, "domain_name")?);
    rec.computed
        .insert("arn".into(), Value::String(id.as_str().into()));
    rec.computed
        .insert("validation_record_name".into(), Value::String(name.into()));
    rec.computed.insert(
        "validation_record_type".into(),
        Value::String("CNAME".into()),
    );
    rec.computed.insert(
        "validation_record_value".into(),
        Value::String(value.into()),
    );
    rec.computed
        .insert("domain_validation_options".into(), Value::List(options));
    c.insert(rec);
    Ok(id)
}

/// Each of `validation_record_fqdns` must be one of the certificate's
/// validation records (Terraform checks the same).
fn check_fqdns(c: &Cloud, cert: &str, attrs: &Attrs) -> Result<(), ProviderError> {
    let Some(rec) = c.live(kinds::ACM_CERTIFICATE, cert) else {
        return Err(api_help(
            "ResourceNotFoundException",
            format!("Could not find certificate {cert}."),
            "certificate_arn must name an existing certificate",
        ));
    };
    let wanted: Vec<String> = names(&rec.attrs)
        .iter()
        .map(|d| validation_record(d).0)
        .collect();
    for given in strings(attrs, "validation_record_fqdns") {
        if !wanted.contains(&fqdn(&given)) {
            return Err(api_help(
                "ValidationException",
                format!("{given} is not a validation record of certificate {cert}"),
                format!("its validation records are: {}", wanted.join(", ")),
            ));
        }
    }
    Ok(())
}

/// When the CNAME validating `domain` has been in sync, if it exists.
fn validated_at(c: &Cloud, domain: &str) -> Option<u64> {
    let (name, value) = validation_record(domain);
    c.live_records(kinds::ROUTE53_RECORD)
        .filter(|r| r.str("name") == Some(name.as_str()) && r.str("type") == Some("CNAME"))
        .filter(|r| {
            strings(&r.attrs, "records")
                .iter()
                .any(|v| fqdn(v) == value)
                && r.str("zone_id")
                    .is_some_and(|z| crate::route53::zone_domain(c, z).is_some())
        })
        .map(Record::ready_at)
        .min()
}

/// When a certificate is (or will be) issued, if its records are all there.
fn issued_at(c: &Cloud, cert: &Record) -> Option<u64> {
    if let Some(at) = cert.computed.get("issued_at").and_then(Value::as_i64) {
        return u64::try_from(at).ok();
    }
    let mut last = 0;
    for domain in names(&cert.attrs) {
        last = last.max(validated_at(c, &domain)?);
    }
    Some(last.saturating_add(crate::clock::scaled_ms(ISSUE_SECS, c.speed)))
}

/// A certificate's status now.
fn cert_status(c: &Cloud, cert: &Record) -> &'static str {
    match issued_at(c, cert) {
        Some(at) if c.now >= at => ISSUED,
        _ => PENDING,
    }
}

/// A record set is going: certificates it has validated stay issued.
pub(crate) fn record_going(c: &mut Cloud, record_id: &str) {
    let Some(name) = c
        .get(kinds::ROUTE53_RECORD, record_id)
        .and_then(|r| r.str("name").map(str::to_string))
    else {
        return;
    };
    let issued: Vec<(String, u64)> = c
        .live_records(kinds::ACM_CERTIFICATE)
        .filter(|cert| !cert.computed.contains_key("issued_at"))
        .filter(|cert| {
            names(&cert.attrs)
                .iter()
                .any(|d| validation_record(d).0 == name)
        })
        .filter_map(|cert| {
            Some((
                cert.id.clone(),
                issued_at(c, cert).filter(|at| *at <= c.now)?,
            ))
        })
        .collect();
    for (id, at) in issued {
        if let Some(cert) = c.get_mut(kinds::ACM_CERTIFICATE, &id) {
            cert.computed.insert(
                "issued_at".into(),
                Value::Int(i64::try_from(at).unwrap_or(i64::MAX)),
            );
        }
    }
}

/// When a record of this family is ready: a validation when its
/// certificate is issued (looked at again every 30 AWS seconds until its
/// records are there).
pub(crate) fn ready_at(c: &Cloud, rec: &Record) -> u64 {
    if rec.kind != kinds::ACM_CERTIFICATE_VALIDATION {
        return rec.ready_at();
    }
    c.live(kinds::ACM_CERTIFICATE, &rec.id)
        .and_then(|cert| issued_at(c, cert))
        .unwrap_or_else(|| c.after(30.0))
}

/// The status a pending operation reports.
pub(crate) fn status(c: &Cloud, rec: &Record) -> String {
    let cert = match rec.kind.as_str() {
        kinds::ACM_CERTIFICATE_VALIDATION => c.live(kinds::ACM_CERTIFICATE, &rec.id),
        _ => Some(rec),
    };
    cert.map_or("MISSING", |cert| cert_status(c, cert))
        .to_string()
}

/// Changes a certificate's tags, or re-checks a validation's records.
pub fn update(c: &mut Cloud, req: &UpdateRequest, attrs: Attrs) -> Result<(), ProviderError> {
    if req.kind == kinds::ACM_CERTIFICATE_VALIDATION {
        check_fqdns(c, &req.id, &attrs)?;
    }
    if let Some(rec) = c.get_mut(&req.kind, &req.id) {
        rec.attrs = attrs;
        rec.retag();
    }
    Ok(())
}

/// Deletes a certificate (refused while a listener uses it), or forgets a
/// validation.
pub fn delete(c: &mut Cloud, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind == kinds::ACM_CERTIFICATE {
        let users: Vec<String> = c
            .live_records(kinds::LISTENER)
            .filter(|l| l.str("certificate_arn") == Some(req.id.as_str()))
            .map(|l| l.id.clone())
            .collect();
        if !users.is_empty() {
            return Err(api_help(
                "ResourceInUseException",
                format!(
                    "Certificate {} in account {ACCOUNT} is in use by {}",
                    req.id,
                    users.join(", ")
                ),
                "move the listeners to another certificate first",
            ));
        }
    }
    c.start_delete(&req.kind, &req.id, "deleting", 1.0);
    Ok(())
}

/// The distinct validation record names of a certificate's names.
fn record_names(cert: &Record) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for domain in names(&cert.attrs) {
        let name = Value::String(validation_record(&domain).0.into());
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// A certificate's or a validation's status now; a validation's records
/// read back as its certificate's.
pub fn live(c: &Cloud, rec: &Record, out: &mut Attrs) {
    out.insert("status".into(), Value::String(status(c, rec).into()));
    if rec.kind == kinds::ACM_CERTIFICATE_VALIDATION {
        if let Some(cert) = c.live(kinds::ACM_CERTIFICATE, &rec.id) {
            out.insert(
                "validation_record_fqdns".into(),
                Value::List(record_names(cert)),
            );
        }
    }
}
