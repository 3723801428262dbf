//! Route 53: public hosted zones and their record sets, as
//! ChangeResourceRecordSets keeps them. A record is written with UPSERT
//! (one already there with its name and type is taken over), must lie in
//! its zone's domain, and an alias to a load balancer must name one that
//! exists. Changes are `PENDING` for a while, then `INSYNC`. A zone that
//! still holds records is not deleted (`HostedZoneNotEmpty`) unless
//! `force_destroy` is set. Records in the account's own zones
//! ([`SimProvider::add_hosted_zone`](crate::SimProvider::add_hosted_zone))
//! are accepted too.

use strata_core::kinds::{self, fqdn, record_id};
use strata_core::provider::{DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, api_help, bool_or, required, str_of};
use crate::cloud::{Cloud, NewResource, Record};
use crate::ids::elb_zone_id;

/// AWS seconds a change stays `PENDING` before it is `INSYNC`.
const PROPAGATION_SECS: f64 = 30.0;

/// The domain of hosted zone `id` (one Strata made, or one of the
/// account's), if it exists.
pub(crate) fn zone_domain(c: &Cloud, id: &str) -> Option<String> {
    let id = id.trim_start_matches("/hostedzone/");
    if let Some(rec) = c.live(kinds::ROUTE53_ZONE, id) {
        return rec.str("name").map(fqdn);
    }
    c.account
        .zones
        .iter()
        .find(|z| z.id == id && !z.private)
        .map(|z| fqdn(&z.name))
}

/// Whether `name` lies in `domain` (is it, or under it).
fn within(name: &str, domain: &str) -> bool {
    name == domain || name.ends_with(&format!(".{domain}"))
}

/// Four name servers, as Route 53 gives each zone.
fn name_servers() -> Value {
    let n: u16 = rand::random::<u16>() % 2000;
    Value::List(
        [
            format!("ns-{n}.awsdns-{:02}.org", n % 64),
            format!("ns-{}.awsdns-{:02}.co.uk", n + 1, (n + 1) % 64),
            format!("ns-{}.awsdns-{:02}.com", n + 2, (n + 2) % 64),
            format!("ns-{}.awsdns-{:02}.net", n + 3, (n + 3) % 64),
        ]
        .into_iter()
        .map(|s| Value::String(s.into()))
        .collect(),
    )
}

/// Creates a zone or (UPSERTs) a record; returns its id.
pub fn create(c: &mut Cloud, mut new: NewResource<'_>) -> Result<String, ProviderError> {
    if new.req.kind == kinds::ROUTE53_ZONE {
        let name = fqdn(required(&new.attrs, "name")?);
        new.attrs
            .insert("name".into(), Value::String(name.as_str().into()));
        let id = format!("Z{}", crate::ids::hex(20).to_ascii_uppercase());
        let mut rec = new.record(c, id.clone());
        rec.computed.insert("name_servers".into(), name_servers());
        rec.phases = c.timeline(&[("PENDING", PROPAGATION_SECS)]);
        rec.settled = "INSYNC".into();
        c.insert(rec);
        return Ok(id);
    }
    let attrs = check_record(c, &new.attrs)?;
    let id = record_id(
        required(&attrs, "zone_id")?,
        required(&attrs, "name")?,
        required(&attrs, "type")?,
    );
    let mut rec = new.record(c, id.clone());
    rec.attrs = attrs;
    rec.phases = c.timeline(&[("PENDING", PROPAGATION_SECS)]);
    rec.settled = "INSYNC".into();
    // UPSERT: a record set with this name and type is replaced.
    c.remove(kinds::ROUTE53_RECORD, &id);
    c.insert(rec);
    Ok(id)
}

/// A record's attributes as Route 53 keeps them, or the error
/// ChangeResourceRecordSets answers.
fn check_record(c: &Cloud, attrs: &Attrs) -> Result<Attrs, ProviderError> {
    let mut attrs = attrs.clone();
    let zone_id = required(&attrs, "zone_id")?
        .trim_start_matches("/hostedzone/")
        .to_string();
    let Some(domain) = zone_domain(c, &zone_id) else {
        return Err(api_help(
            "NoSuchHostedZone",
            format!("No hosted zone found with ID: {zone_id}"),
            "check zone_id: it must name an existing public hosted zone",
        ));
    };
    let name = fqdn(required(&attrs, "name")?);
    if !within(&name, &domain) {
        return Err(api_help(
            "InvalidChangeBatch",
            format!("[RRSet with DNS name {name}. is not permitted in zone {domain}.]"),
            format!("a record of this zone is `{domain}` or ends in `.{domain}`"),
        ));
    }
    let ty = required(&attrs, "type")?.to_string();
    if ty == "CNAME" && name == domain {
        return Err(api(
            "InvalidChangeBatch",
            format!("[RRSet of type CNAME with DNS name {name}. is not permitted at apex in zone {domain}.]"),
        ));
    }
    let clash = c.live_records(kinds::ROUTE53_RECORD).find(|r| {
        r.str("zone_id") == Some(zone_id.as_str())
            && r.str("name") == Some(name.as_str())
            && r.str("type") != Some(ty.as_str())
            && (ty == "CNAME" || r.str("type") == Some("CNAME"))
    });
    if clash.is_some() {
        return Err(api(
            "InvalidChangeBatch",
            format!("[RRSet of type {ty} with DNS name {name}. is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone {domain}.]"),
        ));
    }
    if let Some(alias) = attrs.get("alias").and_then(Value::as_map) {
        let target = fqdn(str_of(alias, "name").unwrap_or_default());
        let target_zone = str_of(alias, "zone_id").unwrap_or_default();
        let lb_found = c.live_records(kinds::LOAD_BALANCER).any(|lb| {
            lb.str("dns_name").map(fqdn).as_deref() == Some(target.as_str())
                && lb.str("zone_id") == Some(target_zone)
        });
        let in_zone = zone_domain(c, target_zone).is_some_and(|d| within(&target, &d));
        if !lb_found && (target_zone == elb_zone_id(&c.region) || !in_zone) {
            return Err(api_help(
                "InvalidChangeBatch",
                format!("[Tried to create an alias that targets {target}., type {ty} in zone {target_zone}, but the alias target name does not lie within the target zone]"),
                "an alias to a load balancer takes its `dns_name` and `zone_id`",
            ));
        }
    }
    attrs.insert("zone_id".into(), Value::String(zone_id.as_str().into()));
    attrs.insert("name".into(), Value::String(name.as_str().into()));
    Ok(attrs)
}

/// Updates a zone's comment and tags, or UPSERTs a record's values.
pub fn update(c: &mut Cloud, req: &UpdateRequest, attrs: Attrs) -> Result<(), ProviderError> {
    let attrs = if req.kind == kinds::ROUTE53_RECORD {
        check_record(c, &attrs)?
    } else {
        attrs
    };
    let phases = c.timeline(&[("PENDING", PROPAGATION_SECS)]);
    if let Some(rec) = c.get_mut(&req.kind, &req.id) {
        rec.attrs = attrs;
        rec.retag();
        rec.phases = phases;
    }
    Ok(())
}

/// The record sets of zone `id` other than its own SOA and NS (which the
/// sim does not model).
fn records_in(c: &Cloud, zone_id: &str) -> Vec<String> {
    c.live_records(kinds::ROUTE53_RECORD)
        .filter(|r| r.str("zone_id") == Some(zone_id))
        .map(|r| r.id.clone())
        .collect()
}

/// Deletes a record, or a zone (refused while it holds records, unless
/// `force_destroy`, which deletes them first).
pub fn delete(c: &mut Cloud, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind == kinds::ROUTE53_RECORD {
        crate::acm::record_going(c, &req.id);
        c.start_delete(&req.kind, &req.id, "PENDING", 1.0);
        return Ok(());
    }
    let left = records_in(c, &req.id);
    if !left.is_empty() {
        let force = c
            .get(&req.kind, &req.id)
            .is_some_and(|r| bool_or(&r.attrs, "force_destroy", false));
        if !force {
            let names: Vec<String> = left
                .iter()
                .filter_map(|id| kinds::split_record_id(id).map(|(_, n, t)| format!("{n} {t}")))
                .collect();
            return Err(api_help(
                "HostedZoneNotEmpty",
                format!(
                    "The hosted zone {} contains resource record sets in addition to the default NS and SOA resource record sets: {}",
                    req.id,
                    names.join(", ")
                ),
                "delete those records first, or set `force_destroy = true` on the zone to delete them with it",
            ));
        }
        for id in left {
            crate::acm::record_going(c, &id);
            c.remove(kinds::ROUTE53_RECORD, &id);
        }
    }
    c.start_delete(&req.kind, &req.id, "PENDING", 1.0);
    Ok(())
}

/// What a read shows beyond the stored attributes: a record's `fqdn`.
pub fn live(_c: &Cloud, rec: &Record, out: &mut Attrs) {
    if rec.kind == kinds::ROUTE53_RECORD {
        if let Some(name) = rec.str("name") {
            out.insert("fqdn".into(), Value::String(fqdn(name).into()));
        }
    }
}
