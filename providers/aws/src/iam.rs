//! IAM roles, inline role policies and instance profiles.
//!
//! IAM is global: the client is built from the provider's configuration
//! like the others, and the SDK sends IAM calls to IAM's one endpoint
//! whatever the region. Policy documents come back URL-encoded (RFC 3986)
//! and are decoded before they are compared as documents. Deleting a role
//! first detaches its managed policies, deletes its inline policies and
//! takes it out of its instance profiles, as DeleteRole requires.

use std::collections::BTreeMap;

use aws_sdk_iam::types::Tag;
use strata_core::kinds;
use strata_core::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::Attrs;

use crate::config::Clients;
use crate::errors::{is_not_found, map};
use crate::tags::finish;
use crate::util::{changed, i32_of, invalid, list, put, required, str_of, strings};
use crate::Tagging;

/// `Ok(None)` for an entity that does not exist (`NoSuchEntity`).
fn found<T>(r: Result<T, ProviderError>) -> Result<Option<T>, ProviderError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A policy document as IAM returns it (URL-encoded), decoded.
pub(crate) fn decode_document(doc: &str) -> String {
    percent_encoding::percent_decode_str(doc)
        .decode_utf8()
        .map_or_else(|_| doc.to_string(), |s| s.into_owned())
}

fn iam_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| invalid(format!("tag {k}: {e}")))
        })
        .collect()
}

fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

/// The id of an inline policy: `ROLE:NAME`.
fn policy_id(role: &str, name: &str) -> String {
    format!("{role}:{name}")
}

fn split_policy_id(id: &str) -> Result<(&str, &str), ProviderError> {
    id.split_once(':')
        .ok_or_else(|| invalid(format!("`{id}` is not an inline policy id (ROLE:NAME)")))
}

pub(crate) async fn read(
    c: &Clients,
    kind: &str,
    ids: &[String],
) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    let mut out = BTreeMap::new();
    for id in ids {
        let attrs = match kind {
            kinds::IAM_ROLE => read_role(c, id).await?,
            kinds::IAM_ROLE_POLICY => read_policy(c, id).await?,
            _ => read_profile(c, id).await?,
        };
        if let Some(a) = attrs {
            out.insert(id.clone(), a);
        }
    }
    Ok(out)
}

async fn read_role(c: &Clients, name: &str) -> Result<Option<Attrs>, ProviderError> {
    let Some(resp) = found(c.iam.get_role().role_name(name).send().await.map_err(map))? else {
        return Ok(None);
    };
    let Some(role) = resp.role() else {
        return Ok(None);
    };
    let mut a = Attrs::new();
    put(&mut a, "name", Some(role.role_name()));
    put(&mut a, "path", Some(role.path()));
    put(
        &mut a,
        "assume_role_policy",
        role.assume_role_policy_document().map(decode_document),
    );
    put(&mut a, "description", role.description());
    put(
        &mut a,
        "max_session_duration",
        role.max_session_duration().map(i64::from),
    );
    put(&mut a, "arn", Some(role.arn()));
    put(&mut a, "unique_id", Some(role.role_id()));
    let pages = c
        .iam
        .list_attached_role_policies()
        .role_name(name)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    let attached: Vec<&str> = pages
        .iter()
        .flat_map(|p| p.attached_policies())
        .filter_map(|p| p.policy_arn())
        .collect();
    if !attached.is_empty() {
        a.insert("managed_policy_arns".into(), list(attached));
    }
    let tags = c
        .iam
        .list_role_tags()
        .role_name(name)
        .send()
        .await
        .map_err(map)?;
    finish(kinds::IAM_ROLE, &tag_map(tags.tags()), &mut a);
    Ok(Some(a))
}

async fn read_policy(c: &Clients, id: &str) -> Result<Option<Attrs>, ProviderError> {
    let (role, name) = split_policy_id(id)?;
    let r = c
        .iam
        .get_role_policy()
        .role_name(role)
        .policy_name(name)
        .send()
        .await
        .map_err(map);
    let Some(resp) = found(r)? else {
        return Ok(None);
    };
    let mut a = Attrs::new();
    put(&mut a, "role", Some(resp.role_name()));
    put(&mut a, "name", Some(resp.policy_name()));
    put(
        &mut a,
        "policy",
        Some(decode_document(resp.policy_document())),
    );
    Ok(Some(a))
}

async fn read_profile(c: &Clients, name: &str) -> Result<Option<Attrs>, ProviderError> {
    let r = c
        .iam
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .map_err(map);
    let Some(resp) = found(r)? else {
        return Ok(None);
    };
    let Some(p) = resp.instance_profile() else {
        return Ok(None);
    };
    let mut a = Attrs::new();
    put(&mut a, "name", Some(p.instance_profile_name()));
    put(&mut a, "path", Some(p.path()));
    put(&mut a, "role", p.roles().first().map(|r| r.role_name()));
    put(&mut a, "arn", Some(p.arn()));
    // GetInstanceProfile returns the tags (moto 5.2.5 has no
    // ListInstanceProfileTags).
    finish(kinds::INSTANCE_PROFILE, &tag_map(p.tags()), &mut a);
    Ok(Some(a))
}

pub(crate) async fn create(
    c: &Clients,
    req: &CreateRequest,
    tags: &BTreeMap<String, String>,
) -> Result<String, ProviderError> {
    let a = &req.attrs;
    match req.kind.as_str() {
        kinds::IAM_ROLE => {
            let name = required(a, "name")?;
            c.iam
                .create_role()
                .role_name(name)
                .set_path(str_of(a, "path").map(str::to_string))
                .assume_role_policy_document(required(a, "assume_role_policy")?)
                .set_description(str_of(a, "description").map(str::to_string))
                .set_max_session_duration(i32_of(a, "max_session_duration"))
                .set_tags(Some(iam_tags(tags)?))
                .send()
                .await
                .map_err(map)?;
            for arn in strings(a, "managed_policy_arns") {
                attach(c, name, &arn).await?;
            }
            Ok(name.to_string())
        }
        kinds::IAM_ROLE_POLICY => {
            let (role, name) = (required(a, "role")?, required(a, "name")?);
            put_policy(c, a).await?;
            Ok(policy_id(role, name))
        }
        _ => {
            let name = required(a, "name")?;
            c.iam
                .create_instance_profile()
                .instance_profile_name(name)
                .set_path(str_of(a, "path").map(str::to_string))
                .set_tags(Some(iam_tags(tags)?))
                .send()
                .await
                .map_err(map)?;
            if let Some(role) = str_of(a, "role") {
                c.iam
                    .add_role_to_instance_profile()
                    .instance_profile_name(name)
                    .role_name(role)
                    .send()
                    .await
                    .map_err(map)?;
            }
            Ok(name.to_string())
        }
    }
}

async fn attach(c: &Clients, role: &str, arn: &str) -> Result<(), ProviderError> {
    c.iam
        .attach_role_policy()
        .role_name(role)
        .policy_arn(arn)
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

async fn detach(c: &Clients, role: &str, arn: &str) -> Result<(), ProviderError> {
    let r = c
        .iam
        .detach_role_policy()
        .role_name(role)
        .policy_arn(arn)
        .send()
        .await
        .map_err(map);
    found(r).map(|_| ())
}

async fn put_policy(c: &Clients, a: &Attrs) -> Result<(), ProviderError> {
    c.iam
        .put_role_policy()
        .role_name(required(a, "role")?)
        .policy_name(required(a, "name")?)
        .policy_document(required(a, "policy")?)
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

pub(crate) async fn update(
    c: &Clients,
    req: &UpdateRequest,
    t: Tagging<'_>,
) -> Result<(), ProviderError> {
    let a = &req.attrs;
    match req.kind.as_str() {
        kinds::IAM_ROLE => {
            let name = req.id.as_str();
            if changed(&req.changed, &["description", "max_session_duration"]) {
                c.iam
                    .update_role()
                    .role_name(name)
                    .set_description(str_of(a, "description").map(str::to_string))
                    .set_max_session_duration(i32_of(a, "max_session_duration"))
                    .send()
                    .await
                    .map_err(map)?;
            }
            if changed(&req.changed, &["assume_role_policy"]) {
                c.iam
                    .update_assume_role_policy()
                    .role_name(name)
                    .policy_document(required(a, "assume_role_policy")?)
                    .send()
                    .await
                    .map_err(map)?;
            }
            if changed(&req.changed, &["managed_policy_arns"]) {
                let want = strings(a, "managed_policy_arns");
                let had = strings(&req.prior, "managed_policy_arns");
                for arn in had.iter().filter(|p| !want.contains(p)) {
                    detach(c, name, arn).await?;
                }
                for arn in want.iter().filter(|p| !had.contains(p)) {
                    attach(c, name, arn).await?;
                }
            }
            if !t.stale.is_empty() {
                c.iam
                    .untag_role()
                    .role_name(name)
                    .set_tag_keys(Some(t.stale.to_vec()))
                    .send()
                    .await
                    .map_err(map)?;
            }
            c.iam
                .tag_role()
                .role_name(name)
                .set_tags(Some(iam_tags(t.desired)?))
                .send()
                .await
                .map_err(map)?;
        }
        kinds::IAM_ROLE_POLICY => put_policy(c, a).await?,
        _ => {
            let name = req.id.as_str();
            if changed(&req.changed, &["role"]) {
                if let Some(old) = str_of(&req.prior, "role") {
                    let r = c
                        .iam
                        .remove_role_from_instance_profile()
                        .instance_profile_name(name)
                        .role_name(old)
                        .send()
                        .await
                        .map_err(map);
                    found(r)?;
                }
                if let Some(role) = str_of(a, "role") {
                    c.iam
                        .add_role_to_instance_profile()
                        .instance_profile_name(name)
                        .role_name(role)
                        .send()
                        .await
                        .map_err(map)?;
                }
            }
            if !t.stale.is_empty() {
                c.iam
                    .untag_instance_profile()
                    .instance_profile_name(name)
                    .set_tag_keys(Some(t.stale.to_vec()))
                    .send()
                    .await
                    .map_err(map)?;
            }
            c.iam
                .tag_instance_profile()
                .instance_profile_name(name)
                .set_tags(Some(iam_tags(t.desired)?))
                .send()
                .await
                .map_err(map)?;
        }
    }
    Ok(())
}

/// Deletes a role (with what hangs off it), an inline policy or a profile;
/// `NoSuchEntity` is the provider's `NotFound`.
pub(crate) async fn delete(c: &Clients, req: &DeleteRequest) -> Result<(), ProviderError> {
    match req.kind.as_str() {
        kinds::IAM_ROLE => delete_role(c, &req.id).await,
        kinds::IAM_ROLE_POLICY => {
            let (role, name) = split_policy_id(&req.id)?;
            c.iam
                .delete_role_policy()
                .role_name(role)
                .policy_name(name)
                .send()
                .await
                .map(|_| ())
                .map_err(map)
        }
        _ => delete_profile(c, &req.id).await,
    }
}

async fn delete_role(c: &Clients, name: &str) -> Result<(), ProviderError> {
    let attached = c
        .iam
        .list_attached_role_policies()
        .role_name(name)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    for arn in attached
        .iter()
        .flat_map(|p| p.attached_policies())
        .filter_map(|p| p.policy_arn())
    {
        detach(c, name, arn).await?;
    }
    let inline = c
        .iam
        .list_role_policies()
        .role_name(name)
        .send()
        .await
        .map_err(map)?;
    for policy in inline.policy_names() {
        let r = c
            .iam
            .delete_role_policy()
            .role_name(name)
            .policy_name(policy)
            .send()
            .await
            .map_err(map);
        found(r)?;
    }
    let profiles = c
        .iam
        .list_instance_profiles_for_role()
        .role_name(name)
        .send()
        .await
        .map_err(map)?;
    for p in profiles.instance_profiles() {
        let r = c
            .iam
            .remove_role_from_instance_profile()
            .instance_profile_name(p.instance_profile_name())
            .role_name(name)
            .send()
            .await
            .map_err(map);
        found(r)?;
    }
    c.iam
        .delete_role()
        .role_name(name)
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

async fn delete_profile(c: &Clients, name: &str) -> Result<(), ProviderError> {
    let r = c
        .iam
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .map_err(map);
    if let Some(resp) = found(r)? {
        for role in resp
            .instance_profile()
            .map(|p| p.roles())
            .unwrap_or_default()
        {
            let r = c
                .iam
                .remove_role_from_instance_profile()
                .instance_profile_name(name)
                .role_name(role.role_name())
                .send()
                .await
                .map_err(map);
            found(r)?;
        }
    }
    c.iam
        .delete_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn documents_iam_returns_encoded_are_decoded() {
        let encoded = "%7B%22Version%22%3A%20%222012-10-17%22%7D";
        assert_eq!(decode_document(encoded), "{\"Version\": \"2012-10-17\"}");
        let plain = "{\"Version\": \"2012-10-17\"}";
        assert_eq!(decode_document(plain), plain);
    }
}
