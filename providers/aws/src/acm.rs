//! ACM: DNS-validated certificates (RequestCertificate; a certificate is
//! ready once DescribeCertificate shows its validation records) and the
//! wait for one to be issued (a certificate validation reads its
//! certificate until it is ISSUED; a certificate that failed stops the
//! wait; deleting a validation deletes nothing).

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_acm::types::{CertificateDetail, Tag, ValidationMethod};
use strata_core::kinds::{self, fqdn};
use strata_core::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::config::Clients;
use crate::errors::{code_of, map};
use crate::tags::finish;
use crate::util::{invalid, put, required, str_of, strings};
use crate::Tagging;

/// Statuses a certificate does not leave by waiting.
const FAILED: &[&str] = &[
    "FAILED",
    "VALIDATION_TIMED_OUT",
    "REVOKED",
    "EXPIRED",
    "INACTIVE",
];

fn acm_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| invalid(e.to_string()))
        })
        .collect()
}

async fn describe(c: &Clients, arn: &str) -> Result<Option<CertificateDetail>, ProviderError> {
    match c
        .acm
        .describe_certificate()
        .certificate_arn(arn)
        .send()
        .await
        .map_err(map)
    {
        Ok(r) => Ok(r.certificate().cloned()),
        Err(e) if code_of(&e) == Some("ResourceNotFoundException") => Ok(None),
        Err(e) => Err(e),
    }
}

/// The distinct validation record names of a certificate.
fn record_names(cert: &CertificateDetail) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for o in cert.domain_validation_options() {
        if let Some(r) = o.resource_record() {
            let name = fqdn(r.name());
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

pub(crate) async fn read(
    c: &Clients,
    kind: &str,
    ids: &[String],
) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    let mut out = BTreeMap::new();
    for id in ids {
        let Some(cert) = describe(c, id).await? else {
            continue;
        };
        let mut a = Attrs::new();
        put(&mut a, "status", cert.status().map(|s| s.as_str()));
        if kind == kinds::ACM_CERTIFICATE_VALIDATION {
            put(&mut a, "certificate_arn", Some(id.as_str()));
            let names: Vec<Value> = record_names(&cert).into_iter().map(Value::from).collect();
            a.insert("validation_record_fqdns".into(), Value::List(names));
            out.insert(id.clone(), a);
            continue;
        }
        let domain = cert.domain_name().unwrap_or_default();
        put(&mut a, "domain_name", Some(domain));
        let sans: Vec<Value> = cert
            .subject_alternative_names()
            .iter()
            .filter(|s| s.as_str() != domain)
            .map(|s| Value::from(s.as_str()))
            .collect();
        if !sans.is_empty() {
            a.insert("subject_alternative_names".into(), Value::List(sans));
        }
        put(&mut a, "arn", cert.certificate_arn());
        let mut options = Vec::new();
        for o in cert.domain_validation_options() {
            if let Some(method) = o.validation_method() {
                put(&mut a, "validation_method", Some(method.as_str()));
            }
            let Some(r) = o.resource_record() else {
                continue;
            };
            if o.domain_name() == domain {
                put(&mut a, "validation_record_name", Some(fqdn(r.name())));
                put(&mut a, "validation_record_type", Some(r.r#type().as_str()));
                put(&mut a, "validation_record_value", Some(fqdn(r.value())));
            }
            options.push(Value::Map(Attrs::from([
                ("domain_name", Value::from(o.domain_name())),
                ("resource_record_name", Value::from(fqdn(r.name()))),
                ("resource_record_type", Value::from(r.r#type().as_str())),
                ("resource_record_value", Value::from(fqdn(r.value()))),
            ])));
        }
        if !a.contains_key("validation_method") {
            // moto leaves ValidationMethod out; DNS is the only one Strata asks for.
            put(&mut a, "validation_method", Some("DNS"));
        }
        a.insert("domain_validation_options".into(), Value::List(options));
        let tags = c
            .acm
            .list_tags_for_certificate()
            .certificate_arn(id)
            .send()
            .await
            .map_err(map)?;
        let tags: BTreeMap<String, String> = tags
            .tags()
            .iter()
            .map(|t| {
                (
                    t.key().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .collect();
        finish(kinds::ACM_CERTIFICATE, &tags, &mut a);
        out.insert(id.clone(), a);
    }
    Ok(out)
}

/// Whether a certificate (or a validation) read back is not ready yet, and
/// what it is waiting for; an error for a certificate that cannot be issued.
pub(crate) fn pending(
    kind: &str,
    id: &str,
    a: &Attrs,
) -> Result<Option<(String, Duration)>, ProviderError> {
    let status = str_of(a, "status").unwrap_or("PENDING_VALIDATION");
    if kind == kinds::ACM_CERTIFICATE {
        // Its validation records appear a few seconds after the request.
        return Ok((!a.contains_key("validation_record_name")).then(|| {
            (
                "waiting for its validation records".to_string(),
                Duration::from_secs(2),
            )
        }));
    }
    if FAILED.contains(&status) {
        return Err(ProviderError::Api {
            code: "CertificateNotIssued".into(),
            message: format!("certificate {id} is {status}: it will not be issued"),
            help: Some(
                "replace the certificate (`strata apply --replace` on it) once its validation records are right"
                    .into(),
            ),
        });
    }
    Ok((status != "ISSUED").then(|| (status.to_string(), Duration::from_secs(10))))
}

/// A token RequestCertificate accepts (up to 32 word characters).
fn idempotency_token(token: &str) -> String {
    token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(32)
        .collect()
}

pub(crate) async fn create(
    c: &Clients,
    req: &CreateRequest,
    tags: &BTreeMap<String, String>,
) -> Result<String, ProviderError> {
    let a = &req.attrs;
    if req.kind == kinds::ACM_CERTIFICATE_VALIDATION {
        let arn = required(a, "certificate_arn")?;
        let Some(cert) = describe(c, arn).await? else {
            return Err(ProviderError::Api {
                code: "ResourceNotFoundException".into(),
                message: format!("certificate {arn} does not exist"),
                help: Some("certificate_arn must name an existing certificate".into()),
            });
        };
        let wanted = record_names(&cert);
        for given in strings(a, "validation_record_fqdns") {
            if !wanted.contains(&fqdn(&given)) {
                return Err(ProviderError::Api {
                    code: "ValidationException".into(),
                    message: format!("{given} is not a validation record of certificate {arn}"),
                    help: Some(format!("its validation records are: {}", wanted.join(", "))),
                });
            }
        }
        return Ok(arn.to_string());
    }
    let sans = strings(a, "subject_alternative_names");
    let resp = c
        .acm
        .request_certificate()
        .domain_name(required(a, "domain_name")?)
        .set_subject_alternative_names((!sans.is_empty()).then_some(sans))
        .validation_method(ValidationMethod::from(
            str_of(a, "validation_method").unwrap_or("DNS"),
        ))
        .idempotency_token(idempotency_token(&req.token))
        .set_tags(Some(acm_tags(tags)?))
        .send()
        .await
        .map_err(map)?;
    resp.certificate_arn()
        .map(str::to_string)
        .ok_or_else(|| invalid("RequestCertificate returned no ARN"))
}

pub(crate) async fn update(
    c: &Clients,
    req: &UpdateRequest,
    t: Tagging<'_>,
) -> Result<(), ProviderError> {
    if req.kind != kinds::ACM_CERTIFICATE {
        return Ok(());
    }
    if !t.stale.is_empty() {
        let stale: Vec<Tag> = t
            .stale
            .iter()
            .map(|k| {
                Tag::builder()
                    .key(k)
                    .build()
                    .map_err(|e| invalid(e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        c.acm
            .remove_tags_from_certificate()
            .certificate_arn(&req.id)
            .set_tags(Some(stale))
            .send()
            .await
            .map_err(map)?;
    }
    c.acm
        .add_tags_to_certificate()
        .certificate_arn(&req.id)
        .set_tags(Some(acm_tags(t.desired)?))
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

pub(crate) async fn delete(c: &Clients, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind != kinds::ACM_CERTIFICATE {
        return Ok(());
    }
    c.acm
        .delete_certificate()
        .certificate_arn(&req.id)
        .send()
        .await
        .map_err(map)?;
    Ok(())
}
