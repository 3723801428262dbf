//! KMS keys and aliases.
//!
//! A key is deleted by ScheduleKeyDeletion after its
//! `deletion_window_in_days` (kept in a `strata:attr:` tag, as KMS does not
//! report it); a key pending deletion is no longer read as existing. An
//! alias is read from ListAliases, which reports its target as a key id.

use std::collections::BTreeMap;

use aws_sdk_kms::types::{KeyState, KeyUsageType, Tag};
use strata_core::kinds;
use strata_core::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::Attrs;

use crate::config::Clients;
use crate::errors::{is_not_found, map};
use crate::tags::finish;
use crate::util::{bool_or, changed, int_of, invalid, put, required, str_of};
use crate::Tagging;

/// A key's one policy is called `default`.
const DEFAULT_POLICY: &str = "default";

fn kms_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .tag_key(k)
                .tag_value(v)
                .build()
                .map_err(|e| invalid(format!("tag {k}: {e}")))
        })
        .collect()
}

pub(crate) async fn read(
    c: &Clients,
    kind: &str,
    ids: &[String],
) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    if kind == kinds::KMS_ALIAS {
        return read_aliases(c, ids).await;
    }
    let mut out = BTreeMap::new();
    for id in ids {
        if let Some(a) = read_key(c, id).await? {
            out.insert(id.clone(), a);
        }
    }
    Ok(out)
}

async fn read_key(c: &Clients, id: &str) -> Result<Option<Attrs>, ProviderError> {
    let resp = match c.kms.describe_key().key_id(id).send().await.map_err(map) {
        Ok(r) => r,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(m) = resp.key_metadata() else {
        return Ok(None);
    };
    if matches!(
        m.key_state(),
        Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion)
    ) {
        return Ok(None);
    }
    let mut a = Attrs::new();
    put(&mut a, "description", m.description());
    put(&mut a, "key_usage", m.key_usage().map(KeyUsageType::as_str));
    put(&mut a, "arn", m.arn());
    put(&mut a, "key_id", Some(m.key_id()));
    let rotation = c
        .kms
        .get_key_rotation_status()
        .key_id(id)
        .send()
        .await
        .map_err(map)?;
    put(
        &mut a,
        "enable_key_rotation",
        Some(rotation.key_rotation_enabled()),
    );
    let policy = c
        .kms
        .get_key_policy()
        .key_id(id)
        .policy_name(DEFAULT_POLICY)
        .send()
        .await
        .map_err(map)?;
    put(&mut a, "policy", policy.policy());
    let tags = c
        .kms
        .list_resource_tags()
        .key_id(id)
        .send()
        .await
        .map_err(map)?;
    let tags: BTreeMap<String, String> = tags
        .tags()
        .iter()
        .map(|t| (t.tag_key().to_string(), t.tag_value().to_string()))
        .collect();
    finish(kinds::KMS_KEY, &tags, &mut a);
    Ok(Some(a))
}

async fn read_aliases(
    c: &Clients,
    ids: &[String],
) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    let pages = c
        .kms
        .list_aliases()
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    let mut out = BTreeMap::new();
    for alias in pages.iter().flat_map(|p| p.aliases()) {
        let Some(name) = alias.alias_name() else {
            continue;
        };
        if !ids.iter().any(|id| id == name) {
            continue;
        }
        let mut a = Attrs::new();
        put(&mut a, "name", Some(name));
        put(&mut a, "target_key_id", alias.target_key_id());
        put(&mut a, "arn", alias.alias_arn());
        out.insert(name.to_string(), a);
    }
    Ok(out)
}

pub(crate) async fn create(
    c: &Clients,
    req: &CreateRequest,
    tags: &BTreeMap<String, String>,
) -> Result<String, ProviderError> {
    let a = &req.attrs;
    if req.kind == kinds::KMS_ALIAS {
        let name = required(a, "name")?;
        c.kms
            .create_alias()
            .alias_name(name)
            .target_key_id(required(a, "target_key_id")?)
            .send()
            .await
            .map_err(map)?;
        return Ok(name.to_string());
    }
    let resp = c
        .kms
        .create_key()
        .set_description(str_of(a, "description").map(str::to_string))
        .set_key_usage(str_of(a, "key_usage").map(KeyUsageType::from))
        .set_policy(str_of(a, "policy").map(str::to_string))
        .set_tags(Some(kms_tags(tags)?))
        .send()
        .await
        .map_err(map)?;
    let id = resp
        .key_metadata()
        .map(|m| m.key_id().to_string())
        .ok_or_else(|| invalid("CreateKey returned no key metadata"))?;
    if bool_or(a, "enable_key_rotation", false) {
        c.kms
            .enable_key_rotation()
            .key_id(&id)
            .send()
            .await
            .map_err(map)?;
    }
    Ok(id)
}

pub(crate) async fn update(
    c: &Clients,
    req: &UpdateRequest,
    t: Tagging<'_>,
) -> Result<(), ProviderError> {
    let a = &req.attrs;
    let id = req.id.as_str();
    if req.kind == kinds::KMS_ALIAS {
        c.kms
            .update_alias()
            .alias_name(id)
            .target_key_id(required(a, "target_key_id")?)
            .send()
            .await
            .map_err(map)?;
        return Ok(());
    }
    if changed(&req.changed, &["description"]) {
        c.kms
            .update_key_description()
            .key_id(id)
            .description(str_of(a, "description").unwrap_or_default())
            .send()
            .await
            .map_err(map)?;
    }
    if changed(&req.changed, &["enable_key_rotation"]) {
        if bool_or(a, "enable_key_rotation", false) {
            c.kms
                .enable_key_rotation()
                .key_id(id)
                .send()
                .await
                .map_err(map)?;
        } else {
            c.kms
                .disable_key_rotation()
                .key_id(id)
                .send()
                .await
                .map_err(map)?;
        }
    }
    if changed(&req.changed, &["policy"]) {
        if let Some(policy) = str_of(a, "policy") {
            c.kms
                .put_key_policy()
                .key_id(id)
                .policy_name(DEFAULT_POLICY)
                .policy(policy)
                .send()
                .await
                .map_err(map)?;
        }
    }
    if !t.stale.is_empty() {
        c.kms
            .untag_resource()
            .key_id(id)
            .set_tag_keys(Some(t.stale.to_vec()))
            .send()
            .await
            .map_err(map)?;
    }
    c.kms
        .tag_resource()
        .key_id(id)
        .set_tags(Some(kms_tags(t.desired)?))
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

/// Deletes an alias, or schedules a key's deletion (a key already pending
/// deletion is gone); KMS's `NotFoundException` is the provider's `NotFound`.
pub(crate) async fn delete(c: &Clients, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind == kinds::KMS_ALIAS {
        c.kms
            .delete_alias()
            .alias_name(&req.id)
            .send()
            .await
            .map_err(map)?;
        return Ok(());
    }
    if read_key(c, &req.id).await?.is_none() {
        return Err(ProviderError::NotFound {
            kind: req.kind.clone(),
            id: req.id.clone(),
        });
    }
    let window = int_of(&req.prior, "deletion_window_in_days")
        .and_then(|d| i32::try_from(d).ok())
        .unwrap_or(30);
    c.kms
        .schedule_key_deletion()
        .key_id(&req.id)
        .pending_window_in_days(window)
        .send()
        .await
        .map_err(map)?;
    Ok(())
}
