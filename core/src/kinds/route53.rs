//! Route 53 kinds: public hosted zones and the record sets in them (plain
//! records, or aliases to a load balancer).

use std::time::Duration;

use super::ec2::TAGS;
use crate::schema::{Api, AttrSchema as A, AttrType as T, Default as D, Field as F, KindSchema};

/// An alias record's target (ChangeResourceRecordSets' `AliasTarget`).
pub(super) const ALIAS: T = T::Object(&[
    F::req("name", T::String),
    F::req("zone_id", T::String),
    F::or("evaluate_target_health", T::Bool, D::Bool(false)),
]);

pub(super) static ZONE: KindSchema = KindSchema {
    kind: super::ROUTE53_ZONE,
    doc: "A public Route 53 hosted zone. Deleting a zone that still holds records \
          other than its own SOA and NS is refused unless `force_destroy` is set.",
    attrs: &[
        A::required(
            "name",
            T::String,
            "The domain, e.g. `example.com` (a trailing dot is dropped).",
        )
        .force_new("CreateHostedZone fixes a zone's domain: a hosted zone cannot be renamed."),
        A::optional("comment", T::String, "A comment on the zone.")
            .member("Comment")
            .default(D::Str("Managed by Strata")),
        A::optional(
            "force_destroy",
            T::Bool,
            "Delete the zone's records too when the zone is deleted (default `false`: \
             a zone with records is not deleted).",
        )
        .strata("before DeleteHostedZone, Strata deletes the zone's record sets (all but its SOA and NS) when set")
        .default(D::Bool(false)),
        TAGS,
        A::computed(
            "name_servers",
            T::List(&T::String),
            "The zone's name servers: delegate the domain to them at its registrar.",
        )
        .member("NameServers"),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(300),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "route53",
        create: &["CreateHostedZone", "ChangeTagsForResource"],
        update: &["UpdateHostedZoneComment", "ChangeTagsForResource"],
        read: &["GetHostedZone", "ListTagsForResource"],
        delete: &["DeleteHostedZone", "ChangeResourceRecordSets"],
    },
};

pub(super) static RECORD: KindSchema = KindSchema {
    kind: super::ROUTE53_RECORD,
    doc: "A record set in a hosted zone: `records` with a `ttl`, or an `alias` to a \
          load balancer. Written with UPSERT; its id is `ZONEID_NAME_TYPE`.",
    attrs: &[
        A::required("zone_id", T::String, "The hosted zone's id.")
            .force_new("A record set belongs to its zone: ChangeResourceRecordSets cannot move it to another.")
            .member("HostedZoneId"),
        A::required(
            "name",
            T::String,
            "The record's name, e.g. `shop.example.com` (inside the zone's domain).",
        )
        .force_new("Name and type identify a record set: another name is another record set.")
        .member("Name"),
        A::required(
            "type",
            T::String,
            "A, AAAA, CNAME, TXT, MX, NS, SRV, CAA or PTR.",
        )
        .force_new("Name and type identify a record set: another type is another record set.")
        .member("Type"),
        A::optional(
            "ttl",
            T::Int,
            "Seconds resolvers cache the answer (required with `records`).",
        )
        .member("TTL"),
        A::optional(
            "records",
            T::List(&T::String),
            "The values (addresses, a CNAME target, TXT strings…).",
        )
        .member("ResourceRecords"),
        A::optional(
            "alias",
            ALIAS,
            "An alias instead of `records`: `name` and `zone_id` of the target (a load \
             balancer's `dns_name` and `zone_id`), `evaluate_target_health`.",
        )
        .member("AliasTarget"),
        A::computed(
            "fqdn",
            T::String,
            "The record's full name, in lower case without the trailing dot (what a \
             certificate validation's `validation_record_fqdns` takes).",
        )
        .member("Name"),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(300),
    concurrency: 10,
    stateful: false,
    api: Api {
        service: "route53",
        create: &["ChangeResourceRecordSets"],
        update: &["ChangeResourceRecordSets"],
        read: &["ListResourceRecordSets"],
        delete: &["ChangeResourceRecordSets"],
    },
};

/// A record's id, as Terraform writes it: `ZONEID_name_TYPE` (the name
/// without its trailing dot, in lower case).
///
/// ```
/// use strata_core::kinds::record_id;
/// assert_eq!(record_id("Z123", "Shop.Example.com.", "A"), "Z123_shop.example.com_A");
/// ```
pub fn record_id(zone_id: &str, name: &str, record_type: &str) -> String {
    format!(
        "{}_{}_{}",
        zone_id.trim_start_matches("/hostedzone/"),
        fqdn(name),
        record_type
    )
}

/// A record id's parts: (zone id, name, type), if it is one.
///
/// ```
/// use strata_core::kinds::split_record_id;
/// assert_eq!(split_record_id("Z123_shop.example.com_A"), Some(("Z123", "shop.example.com", "A")));
/// assert_eq!(split_record_id("Z123"), None);
/// ```
pub fn split_record_id(id: &str) -> Option<(&str, &str, &str)> {
    let (zone, rest) = id.split_once('_')?;
    let (name, ty) = rest.rsplit_once('_')?;
    (!zone.is_empty() && !name.is_empty() && !ty.is_empty()).then_some((zone, name, ty))
}

/// A DNS name as Strata keeps it: lower case, without the trailing dot.
///
/// ```
/// use strata_core::kinds::fqdn;
/// assert_eq!(fqdn("_x.Shop.Example.com."), "_x.shop.example.com");
/// ```
pub fn fqdn(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}
