//! Route 53: public hosted zones (CreateHostedZone, UpdateHostedZoneComment,
//! tags through ChangeTagsForResource) and record sets (one
//! ChangeResourceRecordSets UPSERT per create or update, DELETE with the
//! record set as it is). A zone that still holds records other than its
//! SOA and NS is deleted only with `force_destroy`, which deletes them
//! first.

use std::collections::BTreeMap;

use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, HostedZoneConfig, ResourceRecord,
    ResourceRecordSet, RrType, Tag, TagResourceType,
};
use strata_core::kinds::{self, fqdn, record_id, split_record_id};
use strata_core::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::config::Clients;
use crate::errors::{code_of, map};
use crate::tags::finish;
use crate::util::{bool_or, int_of, invalid, put, required, str_of, strings};
use crate::Tagging;

/// A zone id without the `/hostedzone/` Route 53 puts before it.
fn bare(id: &str) -> &str {
    id.trim_start_matches("/hostedzone/")
}

/// A name as Route 53 returns it (`\052` for `*`, a trailing dot) in the
/// form Strata keeps.
fn unescape(name: &str) -> String {
    fqdn(&name.replace("\\052", "*"))
}

/// "No such zone" as the engine's not-found, whatever the call said.
fn gone(kind: &str, id: &str, e: ProviderError) -> ProviderError {
    match code_of(&e) {
        Some("NoSuchHostedZone") => ProviderError::NotFound {
            kind: kind.to_string(),
            id: id.to_string(),
        },
        _ => e,
    }
}

fn build_err(e: impl std::fmt::Display) -> ProviderError {
    invalid(e.to_string())
}

pub(crate) async fn read(
    c: &Clients,
    kind: &str,
    ids: &[String],
) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    let mut out = BTreeMap::new();
    for id in ids {
        let found = if kind == kinds::ROUTE53_ZONE {
            read_zone(c, id).await?
        } else {
            read_record(c, id).await?
        };
        if let Some(a) = found {
            out.insert(id.clone(), a);
        }
    }
    Ok(out)
}

async fn read_zone(c: &Clients, id: &str) -> Result<Option<Attrs>, ProviderError> {
    let resp = match c.route53.get_hosted_zone().id(id).send().await.map_err(map) {
        Ok(r) => r,
        Err(e) if code_of(&e) == Some("NoSuchHostedZone") => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(zone) = resp.hosted_zone() else {
        return Ok(None);
    };
    let mut a = Attrs::new();
    put(&mut a, "name", Some(unescape(zone.name())));
    put(&mut a, "comment", zone.config().and_then(|c| c.comment()));
    if let Some(ds) = resp.delegation_set() {
        a.insert(
            "name_servers".into(),
            Value::List(
                ds.name_servers()
                    .iter()
                    .map(|s| Value::from(s.as_str()))
                    .collect(),
            ),
        );
    }
    let tags = c
        .route53
        .list_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(id)
        .send()
        .await
        .map_err(map)?;
    let tags: BTreeMap<String, String> = tags
        .resource_tag_set()
        .map(|s| s.tags())
        .unwrap_or_default()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect();
    finish(kinds::ROUTE53_ZONE, &tags, &mut a);
    Ok(Some(a))
}

/// The record set `name`/`type` of a zone, as Route 53 has it.
async fn find_set(
    c: &Clients,
    zone: &str,
    name: &str,
    ty: &str,
) -> Result<Option<ResourceRecordSet>, ProviderError> {
    let resp = c
        .route53
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .start_record_name(name)
        .start_record_type(RrType::from(ty))
        .max_items(10)
        .send()
        .await
        .map_err(|e| gone(kinds::ROUTE53_RECORD, zone, map(e)))?;
    Ok(resp
        .resource_record_sets()
        .iter()
        .find(|s| unescape(s.name()) == fqdn(name) && s.r#type().as_str() == ty)
        .cloned())
}

async fn read_record(c: &Clients, id: &str) -> Result<Option<Attrs>, ProviderError> {
    let Some((zone, name, ty)) = split_record_id(id) else {
        return Ok(None);
    };
    let set = match find_set(c, zone, name, ty).await {
        Ok(s) => s,
        Err(ProviderError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(set) = set else {
        return Ok(None);
    };
    let mut a = Attrs::new();
    put(&mut a, "zone_id", Some(zone));
    put(&mut a, "name", Some(unescape(set.name())));
    put(&mut a, "fqdn", Some(unescape(set.name())));
    put(&mut a, "type", Some(set.r#type().as_str()));
    put(&mut a, "ttl", set.ttl());
    let values: Vec<Value> = set
        .resource_records()
        .iter()
        .map(|r| Value::from(r.value()))
        .collect();
    if !values.is_empty() {
        a.insert("records".into(), Value::List(values));
    }
    if let Some(t) = set.alias_target() {
        a.insert(
            "alias".into(),
            Value::Map(Attrs::from([
                ("name", Value::from(fqdn(t.dns_name()))),
                ("zone_id", Value::from(t.hosted_zone_id())),
                (
                    "evaluate_target_health",
                    Value::Bool(t.evaluate_target_health()),
                ),
            ])),
        );
    }
    Ok(Some(a))
}

fn zone_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// A record set from a record's attributes.
fn record_set(a: &Attrs) -> Result<ResourceRecordSet, ProviderError> {
    let records = strings(a, "records")
        .into_iter()
        .map(|v| {
            ResourceRecord::builder()
                .value(v)
                .build()
                .map_err(build_err)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let alias = match a.get("alias").and_then(Value::as_map) {
        Some(t) => Some(
            AliasTarget::builder()
                .dns_name(required(t, "name")?)
                .hosted_zone_id(required(t, "zone_id")?)
                .evaluate_target_health(bool_or(t, "evaluate_target_health", false))
                .build()
                .map_err(build_err)?,
        ),
        None => None,
    };
    ResourceRecordSet::builder()
        .name(fqdn(required(a, "name")?))
        .r#type(RrType::from(required(a, "type")?))
        .set_ttl(int_of(a, "ttl"))
        .set_resource_records((!records.is_empty()).then_some(records))
        .set_alias_target(alias)
        .build()
        .map_err(build_err)
}

async fn change(
    c: &Clients,
    zone: &str,
    action: ChangeAction,
    sets: Vec<ResourceRecordSet>,
) -> Result<(), ProviderError> {
    if sets.is_empty() {
        return Ok(());
    }
    let changes = sets
        .into_iter()
        .map(|s| {
            Change::builder()
                .action(action.clone())
                .resource_record_set(s)
                .build()
                .map_err(build_err)
        })
        .collect::<Result<Vec<_>, _>>()?;
    c.route53
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(
            ChangeBatch::builder()
                .set_changes(Some(changes))
                .build()
                .map_err(build_err)?,
        )
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

pub(crate) async fn create(
    c: &Clients,
    req: &CreateRequest,
    tags: &BTreeMap<String, String>,
) -> Result<String, ProviderError> {
    let a = &req.attrs;
    if req.kind == kinds::ROUTE53_ZONE {
        let resp = c
            .route53
            .create_hosted_zone()
            .name(fqdn(required(a, "name")?))
            .caller_reference(&req.token)
            .hosted_zone_config(
                HostedZoneConfig::builder()
                    .set_comment(str_of(a, "comment").map(str::to_string))
                    .private_zone(false)
                    .build(),
            )
            .send()
            .await
            .map_err(map)?;
        let id = resp
            .hosted_zone()
            .map(|z| bare(z.id()).to_string())
            .ok_or_else(|| invalid("CreateHostedZone returned no zone"))?;
        c.route53
            .change_tags_for_resource()
            .resource_type(TagResourceType::Hostedzone)
            .resource_id(&id)
            .set_add_tags(Some(zone_tags(tags)))
            .send()
            .await
            .map_err(map)?;
        return Ok(id);
    }
    let zone = bare(required(a, "zone_id")?).to_string();
    change(c, &zone, ChangeAction::Upsert, vec![record_set(a)?]).await?;
    Ok(record_id(&zone, required(a, "name")?, required(a, "type")?))
}

pub(crate) async fn update(
    c: &Clients,
    req: &UpdateRequest,
    t: Tagging<'_>,
) -> Result<(), ProviderError> {
    if req.kind == kinds::ROUTE53_RECORD {
        let zone = bare(required(&req.attrs, "zone_id")?).to_string();
        return change(
            c,
            &zone,
            ChangeAction::Upsert,
            vec![record_set(&req.attrs)?],
        )
        .await;
    }
    if req.changed.iter().any(|n| n == "comment") {
        c.route53
            .update_hosted_zone_comment()
            .id(&req.id)
            .set_comment(str_of(&req.attrs, "comment").map(str::to_string))
            .send()
            .await
            .map_err(map)?;
    }
    c.route53
        .change_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(&req.id)
        .set_add_tags(Some(zone_tags(t.desired)))
        .set_remove_tag_keys((!t.stale.is_empty()).then(|| t.stale.to_vec()))
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

/// Every record set of a zone but its apex SOA and NS.
async fn records_of(c: &Clients, zone: &str) -> Result<Vec<ResourceRecordSet>, ProviderError> {
    let domain = match read_zone(c, zone).await? {
        Some(a) => str_of(&a, "name").map(str::to_string).unwrap_or_default(),
        None => return Ok(Vec::new()),
    };
    let mut out = Vec::new();
    let mut start: Option<(String, RrType)> = None;
    loop {
        let resp = c
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(zone)
            .set_start_record_name(start.as_ref().map(|s| s.0.clone()))
            .set_start_record_type(start.as_ref().map(|s| s.1.clone()))
            .send()
            .await
            .map_err(map)?;
        out.extend(
            resp.resource_record_sets()
                .iter()
                .filter(|s| {
                    !(unescape(s.name()) == domain
                        && matches!(s.r#type(), RrType::Soa | RrType::Ns))
                })
                .cloned(),
        );
        match (
            resp.is_truncated(),
            resp.next_record_name(),
            resp.next_record_type(),
        ) {
            (true, Some(name), Some(ty)) => start = Some((name.to_string(), ty.clone())),
            _ => break,
        }
    }
    Ok(out)
}

pub(crate) async fn delete(c: &Clients, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind == kinds::ROUTE53_RECORD {
        let Some((zone, name, ty)) = split_record_id(&req.id) else {
            return Err(ProviderError::NotFound {
                kind: req.kind.clone(),
                id: req.id.clone(),
            });
        };
        let Some(set) = find_set(c, zone, name, ty).await? else {
            return Err(ProviderError::NotFound {
                kind: req.kind.clone(),
                id: req.id.clone(),
            });
        };
        return change(c, zone, ChangeAction::Delete, vec![set]).await;
    }
    let left = records_of(c, &req.id).await?;
    if !left.is_empty() {
        if !bool_or(&req.prior, "force_destroy", false) {
            let names: Vec<String> = left
                .iter()
                .map(|s| format!("{} {}", unescape(s.name()), s.r#type().as_str()))
                .collect();
            return Err(ProviderError::Api {
                code: "HostedZoneNotEmpty".into(),
                message: format!(
                    "hosted zone {} still holds record sets besides its SOA and NS: {}",
                    req.id,
                    names.join(", ")
                ),
                help: Some(
                    "delete those records first, or set `force_destroy = true` on the zone to delete them with it"
                        .into(),
                ),
            });
        }
        change(c, &req.id, ChangeAction::Delete, left).await?;
    }
    c.route53
        .delete_hosted_zone()
        .id(&req.id)
        .send()
        .await
        .map_err(|e| gone(&req.kind, &req.id, map(e)))?;
    Ok(())
}
