//! Parameter groups of RDS (PostgreSQL) and ElastiCache (Redis): created
//! for one engine family, parameters changed in place, refused while a DB
//! instance or replication group uses them; and the checks a DB instance or
//! replication group naming a group goes through (the group exists, and is
//! of the engine's major version).

use strata_core::compare::major_version;
use strata_core::kinds;
use strata_core::provider::{DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, api_help, required, str_of};
use crate::cloud::{Cloud, NewResource};
use crate::ids::arn;

/// The engine a parameter group kind is for, and its service's ARN part.
fn engine_of(kind: &str) -> (&'static str, &'static str) {
    if kind == kinds::DB_PARAMETER_GROUP {
        ("postgres", "rds")
    } else {
        ("redis", "elasticache")
    }
}

fn not_found(kind: &str, name: &str) -> ProviderError {
    if kind == kinds::DB_PARAMETER_GROUP {
        api(
            "DBParameterGroupNotFound",
            format!("DBParameterGroup not found: {name}"),
        )
    } else {
        api(
            "CacheParameterGroupNotFound",
            format!("CacheParameterGroup {name} not found."),
        )
    }
}

/// Creates a parameter group; the id is its name.
pub fn create(c: &mut Cloud, new: NewResource<'_>) -> Result<String, ProviderError> {
    let kind = new.req.kind.as_str();
    let name = required(&new.attrs, "name")?.to_string();
    if c.get(kind, &name).is_some() {
        return Err(if kind == kinds::DB_PARAMETER_GROUP {
            api(
                "DBParameterGroupAlreadyExists",
                format!("Parameter group {name} already exists"),
            )
        } else {
            api(
                "CacheParameterGroupAlreadyExists",
                format!("Parameter group {name} already exists."),
            )
        });
    }
    let family = required(&new.attrs, "family")?;
    let (engine, service) = engine_of(kind);
    let major = family.strip_prefix(engine).unwrap_or_default();
    if major.is_empty() || !major.chars().all(|ch| ch.is_ascii_digit()) {
        return Err(api_help(
            "InvalidParameterValue",
            format!("The parameter group family {family} is not supported."),
            format!(
                "the simulated cloud runs {engine}: give a family such as {engine}{}",
                if engine == "postgres" { "16" } else { "7" }
            ),
        ));
    }
    let region = c.region.clone();
    let resource = if kind == kinds::DB_PARAMETER_GROUP {
        format!("pg:{name}")
    } else {
        format!("parametergroup:{name}")
    };
    let mut rec = new.record(c, name.clone());
    rec.computed.insert(
        "arn".into(),
        Value::String(arn(service, &region, &resource).into()),
    );
    rec.phases = c.timeline(&[("creating", 2.0)]);
    rec.settled = "available".into();
    c.insert(rec);
    Ok(name)
}

/// Changes a group's parameters (what ModifyDBParameterGroup,
/// ModifyCacheParameterGroup and their Reset calls do).
pub fn update(c: &mut Cloud, req: &UpdateRequest, attrs: Attrs) -> Result<(), ProviderError> {
    let rec = c
        .get_mut(&req.kind, &req.id)
        .ok_or_else(|| not_found(&req.kind, &req.id))?;
    rec.attrs = attrs;
    rec.retag();
    Ok(())
}

/// Deletes a group no DB instance or replication group uses.
pub fn delete(c: &mut Cloud, req: &DeleteRequest) -> Result<(), ProviderError> {
    let (user, code) = if req.kind == kinds::DB_PARAMETER_GROUP {
        (kinds::DB_INSTANCE, "InvalidDBParameterGroupState")
    } else {
        (kinds::REPLICATION_GROUP, "InvalidCacheParameterGroupState")
    };
    if let Some(used) = c
        .live_records(user)
        .find(|r| str_of(&r.attrs, "parameter_group_name") == Some(req.id.as_str()))
    {
        return Err(api_help(
            code,
            format!(
                "One or more resources are still members of parameter group {}: {} uses it, so the group cannot be deleted.",
                req.id, used.id
            ),
            "point the instance or replication group at another parameter group first (a new group of another name is created before the old one is deleted)",
        ));
    }
    c.start_delete(&req.kind, &req.id, "deleting", 1.0);
    Ok(())
}

/// Checks the parameter group a DB instance or replication group names
/// (in `attrs`, running `version`): it exists and is of its major version.
pub fn check_use(
    c: &Cloud,
    group_kind: &str,
    attrs: &Attrs,
    version: &str,
) -> Result<(), ProviderError> {
    let Some(name) = str_of(attrs, "parameter_group_name") else {
        return Ok(());
    };
    let (engine, _) = engine_of(group_kind);
    // AWS's own default groups (`default.postgres16`) always exist.
    if name.starts_with("default.") {
        return Ok(());
    }
    let group = c
        .live(group_kind, name)
        .ok_or_else(|| not_found(group_kind, name))?;
    let family = str_of(&group.attrs, "family").unwrap_or_default();
    let want = format!("{engine}{}", major_version(version));
    if family != want {
        return Err(api_help(
            "InvalidParameterCombination",
            format!(
                "The parameter group {name} with family {family} cannot be used for {engine} {version}. Use a parameter group of family {want}."
            ),
            format!("name a parameter group of family {want}"),
        ));
    }
    Ok(())
}
