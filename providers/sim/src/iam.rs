//! IAM: roles (trust policy, attached managed policies), inline role
//! policies and instance profiles.
//!
//! IAM is global: ARNs carry no region (`arn:aws:iam::ACCOUNT:role/NAME`).
//! The sim keeps IAM objects in the cloud of the region that made them, so
//! two regions of one simulated account do not see each other's roles;
//! names are unique within that cloud, as AWS keeps them unique in the
//! account. Deleting a role detaches its managed policies, deletes its
//! inline policies and takes it out of instance profiles first, as
//! DeleteRole requires.

use strata_core::kinds;
use strata_core::provider::{DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, api_help, required, str_of};
use crate::cloud::{Cloud, NewResource, Record};
use crate::ids::{hex, ACCOUNT};

/// The id of an inline policy: `ROLE:NAME`.
pub fn policy_id(role: &str, name: &str) -> String {
    format!("{role}:{name}")
}

fn iam_arn(what: &str, path: &str, name: &str) -> Value {
    Value::String(format!("arn:aws:iam::{ACCOUNT}:{what}{path}{name}").into())
}

fn no_role(role: &str) -> ProviderError {
    api(
        "NoSuchEntity",
        format!("The role with name {role} cannot be found."),
    )
}

fn check_managed(attrs: &Attrs) -> Result<(), ProviderError> {
    for arn in strata_core::attrs::strings(attrs, "managed_policy_arns") {
        if !arn.starts_with("arn:aws:iam::") || !arn.contains(":policy/") {
            return Err(api_help(
                "InvalidInput",
                format!("ARN {arn} is not valid."),
                "a managed policy ARN looks like arn:aws:iam::aws:policy/NAME",
            ));
        }
    }
    Ok(())
}

/// Creates a role, an inline policy or an instance profile.
pub fn create(c: &mut Cloud, new: NewResource<'_>) -> Result<String, ProviderError> {
    let kind = new.req.kind.as_str();
    let a = &new.attrs;
    let (id, computed): (String, Vec<(&str, Value)>) = match kind {
        kinds::IAM_ROLE => {
            let name = required(a, "name")?.to_string();
            check_managed(a)?;
            let path = str_of(a, "path").unwrap_or("/");
            let unique = format!("AROA{}", hex(17).to_uppercase());
            let arn = iam_arn("role", path, &name);
            (name, vec![("arn", arn), ("unique_id", unique.into())])
        }
        kinds::IAM_ROLE_POLICY => {
            let role = required(a, "role")?;
            if c.live(kinds::IAM_ROLE, role).is_none() {
                return Err(no_role(role));
            }
            (policy_id(role, required(a, "name")?), vec![])
        }
        kinds::INSTANCE_PROFILE => {
            let name = required(a, "name")?.to_string();
            if let Some(role) = str_of(a, "role") {
                if c.live(kinds::IAM_ROLE, role).is_none() {
                    return Err(no_role(role));
                }
            }
            let path = str_of(a, "path").unwrap_or("/");
            let arn = iam_arn("instance-profile", path, &name);
            (name, vec![("arn", arn)])
        }
        other => {
            return Err(ProviderError::Unsupported {
                kind: other.to_string(),
            })
        }
    };
    if c.get(kind, &id).is_some() {
        return Err(api(
            "EntityAlreadyExists",
            format!("{kind} with name {id} already exists."),
        ));
    }
    let mut rec = new.record(c, id.clone());
    for (k, v) in computed {
        rec.computed.insert(k.into(), v);
    }
    rec.phases = c.timeline(&[("creating", 1.0)]);
    c.insert(rec);
    Ok(id)
}

/// Changes a role (trust policy, description, session length, managed
/// policies), an inline policy's document, or a profile's role.
pub fn update(c: &mut Cloud, req: &UpdateRequest, attrs: Attrs) -> Result<(), ProviderError> {
    match req.kind.as_str() {
        kinds::IAM_ROLE => check_managed(&attrs)?,
        kinds::INSTANCE_PROFILE => {
            if let Some(role) = str_of(&attrs, "role") {
                if c.live(kinds::IAM_ROLE, role).is_none() {
                    return Err(no_role(role));
                }
            }
        }
        _ => {}
    }
    if let Some(rec) = c.get_mut(&req.kind, &req.id) {
        rec.attrs = attrs;
        rec.retag();
    }
    Ok(())
}

/// Deletes a role (with what hangs off it), an inline policy or a profile.
pub fn delete(c: &mut Cloud, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind == kinds::IAM_ROLE {
        let inline: Vec<String> = c
            .records(kinds::IAM_ROLE_POLICY)
            .filter(|p| p.str("role") == Some(req.id.as_str()))
            .map(|p| p.id.clone())
            .collect();
        for id in inline {
            c.remove(kinds::IAM_ROLE_POLICY, &id);
        }
        let profiles: Vec<String> = c
            .records(kinds::INSTANCE_PROFILE)
            .filter(|p| p.str("role") == Some(req.id.as_str()))
            .map(|p| p.id.clone())
            .collect();
        for id in profiles {
            if let Some(p) = c.get_mut(kinds::INSTANCE_PROFILE, &id) {
                p.attrs.remove("role");
            }
        }
    }
    c.start_delete(&req.kind, &req.id, "deleting", 0.0);
    Ok(())
}

/// A read as IAM answers it (nothing beyond what the record holds).
pub fn live(_c: &Cloud, _rec: &Record, _out: &mut Attrs) {}
