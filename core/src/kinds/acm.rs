//! ACM kinds: DNS-validated certificates, and the wait for one to be issued.

use std::time::Duration;

use super::ec2::TAGS;
use crate::schema::{
    Api, AttrSchema as A, AttrType as T, Compare, Default as D, Field as F, KindSchema,
};

/// One domain's DNS validation record (DescribeCertificate's
/// `DomainValidationOptions`).
const VALIDATION_OPTION: T = T::Object(&[
    F::req("domain_name", T::String),
    F::req("resource_record_name", T::String),
    F::req("resource_record_type", T::String),
    F::req("resource_record_value", T::String),
]);

pub(super) static CERTIFICATE: KindSchema = KindSchema {
    kind: super::ACM_CERTIFICATE,
    doc: "A public ACM certificate, validated through DNS: create the CNAME it \
          exports (`validation_record_name` → `validation_record_value`) and wait \
          for it with `aws.acm.certificate_validation`.",
    attrs: &[
        A::required(
            "domain_name",
            T::String,
            "The domain, e.g. `shop.example.com` or `*.example.com`.",
        )
        .force_new("RequestCertificate fixes a certificate's names: another domain is another certificate.")
        .member("DomainName"),
        A::optional(
            "subject_alternative_names",
            T::List(&T::String),
            "More names the certificate covers.",
        )
        .force_new("RequestCertificate fixes a certificate's names: other names are another certificate.")
        .compare(Compare::Set)
        .member("SubjectAlternativeNames"),
        A::optional("validation_method", T::String, "`DNS` (the only method Strata supports).")
            .force_new("RequestCertificate fixes how a certificate is validated.")
            .member("ValidationMethod")
            .default(D::Str("DNS")),
        TAGS,
        A::computed("arn", T::String, "ARN.").member("CertificateArn"),
        A::computed(
            "status",
            T::String,
            "PENDING_VALIDATION until its validation records resolve, then ISSUED.",
        )
        .member("Status")
        .status(),
        A::computed(
            "domain_validation_options",
            T::List(&VALIDATION_OPTION),
            "The DNS validation record of each name: `domain_name`, \
             `resource_record_name`, `resource_record_type`, `resource_record_value`.",
        )
        .member("DomainValidationOptions"),
        A::computed(
            "validation_record_name",
            T::String,
            "The validation CNAME's name for `domain_name` (without the trailing dot).",
        )
        .member("ResourceRecord"),
        A::computed(
            "validation_record_type",
            T::String,
            "The validation record's type (`CNAME`).",
        )
        .member("ResourceRecord"),
        A::computed(
            "validation_record_value",
            T::String,
            "The validation CNAME's value.",
        )
        .member("ResourceRecord"),
    ],
    // A listener keeps using the old certificate until the new one exists.
    create_before_destroy: true,
    ready_timeout: Duration::from_secs(600),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "acm",
        create: &["RequestCertificate"],
        update: &["AddTagsToCertificate", "RemoveTagsFromCertificate"],
        read: &["DescribeCertificate", "ListTagsForCertificate"],
        delete: &["DeleteCertificate"],
    },
};

pub(super) static CERTIFICATE_VALIDATION: KindSchema = KindSchema {
    kind: super::ACM_CERTIFICATE_VALIDATION,
    doc: "Waits until a certificate is ISSUED (its validation records resolve). \
          Nothing is created in AWS; deleting it deletes nothing.",
    attrs: &[
        A::required("certificate_arn", T::String, "The certificate to wait for.")
            .force_new(
                "A validation waits for one certificate: another certificate is another wait.",
            )
            .member("CertificateArn"),
        A::optional(
            "validation_record_fqdns",
            T::List(&T::String),
            "The validation records created for it: each must be one of the \
             certificate's (reads back as the certificate's distinct validation \
             record names, so list them all).",
        )
        .force_new("A validation is a wait that has ended: other records are another wait.")
        .compare(Compare::Set)
        .strata("checked against the certificate's validation records before waiting"),
        A::computed("status", T::String, "The certificate's status (ISSUED).")
            .member("Status")
            .status(),
    ],
    create_before_destroy: true,
    // DNS validation usually takes minutes; Terraform waits 75.
    ready_timeout: Duration::from_secs(75 * 60),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "acm",
        create: &["DescribeCertificate"],
        update: &[],
        read: &["DescribeCertificate"],
        delete: &[],
    },
};

/// What a timeout of a certificate validation means, for its diagnostic.
pub(super) const VALIDATION_TIMEOUT_HELP: &str =
    "ACM issues the certificate once each validation CNAME resolves in public DNS: check the \
     records exist in the hosted zone the domain's registrar delegates to (`dig CNAME NAME`), \
     then run `strata apply` again";
