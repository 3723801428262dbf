//! KMS: customer managed keys and aliases.
//!
//! Deleting a key schedules its deletion (ScheduleKeyDeletion, after
//! `deletion_window_in_days`): from then on the key is `PendingDeletion`,
//! unusable and no longer read as Strata's, so the sim drops it at once.
//! An alias must name a key that exists and is not pending deletion, and
//! reports its target as a key id, as ListAliases does.

use strata_core::kinds;
use strata_core::provider::{DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, api_help, required};
use crate::cloud::{Cloud, NewResource, Record};
use crate::ids::{arn, hex};

fn key_uuid() -> String {
    let h = hex(32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The key id a key id, key ARN, alias name or alias ARN names, if the
/// key exists.
pub fn resolve_key(c: &Cloud, key: &str) -> Option<String> {
    let tail = key.rsplit(':').next().unwrap_or(key);
    if let Some(id) = tail.strip_prefix("key/") {
        return c.live(kinds::KMS_KEY, id).map(|r| r.id.clone());
    }
    if tail.starts_with("alias/") {
        let alias = c.live(kinds::KMS_ALIAS, tail)?;
        return alias.str("target_key_id").map(str::to_string);
    }
    c.live(kinds::KMS_KEY, key).map(|r| r.id.clone())
}

fn target(c: &Cloud, attrs: &mut Attrs) -> Result<(), ProviderError> {
    let given = required(attrs, "target_key_id")?.to_string();
    let id = resolve_key(c, &given).ok_or_else(|| {
        api_help(
            "NotFoundException",
            format!("Key '{given}' does not exist"),
            "target_key_id must name a key of this region that is not pending deletion",
        )
    })?;
    attrs.insert("target_key_id".into(), Value::String(id.into()));
    Ok(())
}

/// Creates a key or an alias.
pub fn create(c: &mut Cloud, new: NewResource<'_>) -> Result<String, ProviderError> {
    let region = c.region.clone();
    if new.req.kind == kinds::KMS_ALIAS {
        let name = required(&new.attrs, "name")?.to_string();
        if c.get(kinds::KMS_ALIAS, &name).is_some() {
            return Err(api(
                "AlreadyExistsException",
                format!("An alias with the name {name} already exists"),
            ));
        }
        let mut attrs = new.attrs.clone();
        target(c, &mut attrs)?;
        let mut rec = new.record(c, name.clone());
        rec.attrs = attrs;
        rec.computed.insert(
            "arn".into(),
            Value::String(arn("kms", &region, &name).into()),
        );
        c.insert(rec);
        return Ok(name);
    }
    let id = key_uuid();
    let mut rec = new.record(c, id.clone());
    rec.computed.insert(
        "arn".into(),
        Value::String(arn("kms", &region, &format!("key/{id}")).into()),
    );
    rec.computed
        .insert("key_id".into(), Value::String(id.as_str().into()));
    rec.settled = "Enabled".into();
    rec.phases = c.timeline(&[("Creating", 1.0)]);
    c.insert(rec);
    Ok(id)
}

/// Changes a key's description, rotation or policy, or an alias's target.
pub fn update(c: &mut Cloud, req: &UpdateRequest, mut attrs: Attrs) -> Result<(), ProviderError> {
    if req.kind == kinds::KMS_ALIAS {
        target(c, &mut attrs)?;
    }
    if let Some(rec) = c.get_mut(&req.kind, &req.id) {
        rec.attrs = attrs;
        rec.retag();
    }
    Ok(())
}

/// Deletes an alias, or schedules a key's deletion after its window.
pub fn delete(c: &mut Cloud, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind == kinds::KMS_KEY {
        let window = c
            .get(&req.kind, &req.id)
            .and_then(|r| r.attrs.get("deletion_window_in_days"))
            .and_then(Value::as_i64)
            .unwrap_or(30);
        if !(7..=30).contains(&window) {
            return Err(api(
                "ValidationException",
                format!("PendingWindowInDays {window} is not between 7 and 30"),
            ));
        }
    }
    c.start_delete(&req.kind, &req.id, "PendingDeletion", 0.0);
    Ok(())
}

/// A read as KMS answers it (nothing beyond what the record holds).
pub fn live(_c: &Cloud, _rec: &Record, _out: &mut Attrs) {}
