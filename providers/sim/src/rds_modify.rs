//! ModifyDBInstance and PromoteReadReplica: what RDS changes on a running
//! instance, and what it refuses.
//!
//! - Removing `replicate_source_db` promotes the replica in place (same
//!   identifier, endpoint and data): `modifying`, then `backing-up` as it
//!   takes its first backup of its own, then `available`. A replica
//!   promoted outside Strata stays a standalone instance when an update
//!   still names its old source (it is adopted, never made a replica again).
//!   A modification cannot make an instance replicate another source.
//! - `db_subnet_group_name` moves the instance to the new group (to one of
//!   its AZs if its AZ is not covered), after `modifying`.
//! - `engine_version`: a version the instance's one already satisfies
//!   (`16` for `16.4`, or an older minor version) changes nothing; an
//!   upgrade spends `upgrading`; a major upgrade needs
//!   `allow_major_version_upgrade`, a downgrade is refused. Replicas follow
//!   their source's upgrades.
//! - `kms_key_id` cannot change; the key is reported as RDS reports it.
//!   `allocated_storage` only grows.
//! - The sim applies every change immediately, whatever `apply_immediately`
//!   says (AWS would wait for the maintenance window when it is false).

use strata_core::compare::{kms_key_matches, version_parts};
use strata_core::kinds;
use strata_core::provider::{ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, api_help, bool_or, int_of, str_of};
use crate::cloud::Cloud;
use crate::rds::{db_azs, set_standby, DEFAULT_VERSION};
use crate::versions;

/// AWS seconds a modification takes.
const MODIFY_SECS: f64 = 60.0;
/// AWS seconds an engine upgrade takes.
const UPGRADE_SECS: f64 = 300.0;
/// AWS seconds a promoted replica spends on its first backup.
const PROMOTE_BACKUP_SECS: f64 = 120.0;
/// The computed attribute holding when (unix ms) a replica was promoted:
/// its automated backups count from then.
pub(crate) const PROMOTED_AT: &str = "promoted_at";

/// Changes that take the instance through `modifying`.
const HEAVY: &[&str] = &[
    "instance_class",
    "allocated_storage",
    "storage_type",
    "iops",
    "storage_throughput",
    "multi_az",
    "password",
    "vpc_security_group_ids",
];

fn not_found(id: &str) -> ProviderError {
    api("DBInstanceNotFound", format!("DBInstance {id} not found."))
}

/// Modifies an `available` instance to `attrs` (see the module docs).
pub fn modify(c: &mut Cloud, req: &UpdateRequest, mut attrs: Attrs) -> Result<(), ProviderError> {
    let rec = c
        .get(&req.kind, &req.id)
        .cloned()
        .ok_or_else(|| not_found(&req.id))?;
    let status = rec.status(c.now);
    if status != "available" {
        return Err(api_help(
            "InvalidDBInstanceState",
            format!("Database instance is not in available state (it is {status})."),
            "wait until the instance is available, then apply again",
        ));
    }
    let promote = match (
        str_of(&rec.attrs, "replicate_source_db"),
        str_of(&attrs, "replicate_source_db"),
    ) {
        (Some(have), Some(want)) if have != want => {
            return Err(api_help(
                "InvalidParameterCombination",
                format!(
                "DB instance {} replicates {have}; a modification cannot make it replicate {want}.",
                req.id
            ),
                "a replica of another source is a new replica",
            ))
        }
        (Some(_), None) => true,
        (None, Some(_)) => {
            // Promoted outside Strata: it stays standalone.
            attrs.remove("replicate_source_db");
            false
        }
        _ => false,
    };

    // What a replica took from its source stays when the configuration
    // does not name it.
    for key in ["db_subnet_group_name", "db_name", "username"] {
        if str_of(&attrs, key).is_none() {
            if let Some(v) = rec.attrs.get(key) {
                attrs.insert(key.into(), v.clone());
            }
        }
    }
    // Storage is changed only when asked (ModifyDBInstance sends what
    // changed): storage autoscaling may have grown it past the configuration.
    let resize = req.changed.iter().any(|k| k == "allocated_storage");
    if let (false, Some(have)) = (resize, rec.attrs.get("allocated_storage")) {
        attrs.insert("allocated_storage".into(), have.clone());
    }
    if let (Some(have), Some(want)) = (
        int_of(&rec.attrs, "allocated_storage"),
        int_of(&attrs, "allocated_storage"),
    ) {
        if want < have {
            return Err(api_help(
                "InvalidParameterCombination",
                format!(
                    "Invalid storage size: DB instance {} has {have} GiB, and allocated storage cannot be decreased to {want} GiB.",
                    req.id
                ),
                "RDS storage only grows: keep allocated_storage at or above what the instance has",
            ));
        }
    }
    let group = str_of(&attrs, "db_subnet_group_name").map(str::to_string);
    let moved = group.as_deref() != str_of(&rec.attrs, "db_subnet_group_name");
    if let Some(g) = group.as_deref().filter(|_| moved) {
        if c.live(kinds::DB_SUBNET_GROUP, g).is_none() {
            return Err(api(
                "DBSubnetGroupNotFoundFault",
                format!("DBSubnetGroup '{g}' not found."),
            ));
        }
    }

    let have = str_of(&rec.attrs, "engine_version")
        .unwrap_or(DEFAULT_VERSION)
        .to_string();
    let want = str_of(&attrs, "engine_version")
        .unwrap_or(&have)
        .to_string();
    let allow_major = bool_or(&attrs, "allow_major_version_upgrade", false);
    let version = versions::postgres_upgrade(&have, &want, allow_major)?;
    crate::parameter_groups::check_use(c, kinds::DB_PARAMETER_GROUP, &attrs, &version)?;
    let upgraded = version != have;
    attrs.insert(
        "engine_version".into(),
        Value::String(version.clone().into()),
    );

    match (
        str_of(&rec.attrs, "kms_key_id"),
        str_of(&attrs, "kms_key_id"),
    ) {
        (Some(have), Some(want)) if !kms_key_matches(want, have) => {
            return Err(kms_change(&req.id, want))
        }
        (None, Some(want)) => return Err(kms_change(&req.id, want)),
        (Some(have), _) => {
            attrs.insert("kms_key_id".into(), Value::String(have.into()));
        }
        (None, None) => {}
    }

    let azs = db_azs(c, &attrs);
    let az = rec.str("availability_zone").unwrap_or_default().to_string();
    let new_az = (moved && !azs.contains(&az)).then(|| {
        str_of(&attrs, "availability_zone")
            .filter(|a| azs.iter().any(|x| x == a))
            .map(str::to_string)
            .or_else(|| azs.iter().find(|a| !c.az_is_down(a)).cloned())
            .or_else(|| azs.first().cloned())
            .unwrap_or(az)
    });
    crate::rds_secret::check(&attrs)?;
    let have_secret = rec
        .computed
        .get(crate::rds_secret::SECRET_ARN)
        .and_then(Value::as_str);
    let secret = crate::rds_secret::sync(c, &attrs, have_secret);
    let heavy = moved || req.changed.iter().any(|k| HEAVY.contains(&k.as_str()));
    let phases = if promote {
        c.timeline(&[
            ("modifying", MODIFY_SECS),
            ("backing-up", PROMOTE_BACKUP_SECS),
        ])
    } else if upgraded {
        c.timeline(&[("upgrading", UPGRADE_SECS)])
    } else if heavy {
        c.timeline(&[("modifying", MODIFY_SECS)])
    } else {
        Vec::new()
    };
    let now = c.now;
    if let Some(r) = c.get_mut(&req.kind, &req.id) {
        r.attrs = attrs;
        r.retag();
        crate::rds_secret::set(r, secret);
        if let Some(az) = new_az {
            r.computed
                .insert("availability_zone".into(), Value::String(az.into()));
        }
        set_standby(r, &azs);
        if promote {
            r.computed.insert(PROMOTED_AT.into(), promoted_at(now));
        }
        if !phases.is_empty() {
            r.phases = phases;
        }
    }
    if upgraded {
        follow_source(c, &req.id, &version);
    }
    Ok(())
}

fn kms_change(id: &str, want: &str) -> ProviderError {
    api_help(
        "InvalidParameterCombination",
        format!("Cannot change the KMS key of DB instance {id} to {want}."),
        "AWS cannot move an instance's storage to another KMS key: copy a snapshot under the new key and restore it",
    )
}

fn promoted_at(now: u64) -> Value {
    Value::Int(i64::try_from(now).unwrap_or(i64::MAX))
}

/// When (unix ms) an instance was promoted from a replica, if it was.
pub(crate) fn promoted_ms(rec: &crate::cloud::Record) -> Option<u64> {
    rec.computed
        .get(PROMOTED_AT)
        .and_then(Value::as_i64)
        .and_then(|ms| u64::try_from(ms).ok())
}

/// Upgrades the live replicas of `source` to `version`, as RDS upgrades a
/// PostgreSQL primary's replicas with it.
fn follow_source(c: &mut Cloud, source: &str, version: &str) {
    let replicas: Vec<String> = c
        .live_records(kinds::DB_INSTANCE)
        .filter(|d| str_of(&d.attrs, "replicate_source_db") == Some(source))
        .map(|d| d.id.clone())
        .collect();
    for id in replicas {
        if let Some(r) = c.get_mut(kinds::DB_INSTANCE, &id) {
            let behind = str_of(&r.attrs, "engine_version")
                .is_none_or(|v| version_parts(v) < version_parts(version));
            if behind {
                r.attrs
                    .insert("engine_version".into(), Value::String(version.into()));
            }
        }
    }
}

/// PromoteReadReplica: the replica becomes a standalone instance with the
/// same identifier and data, taking backups of its own.
pub fn promote(c: &mut Cloud, id: &str) -> Result<(), ProviderError> {
    let rec = c
        .live(kinds::DB_INSTANCE, id)
        .ok_or_else(|| not_found(id))?;
    if str_of(&rec.attrs, "replicate_source_db").is_none() {
        return Err(api(
            "InvalidDBInstanceState",
            "DB Instance is not a read replica.",
        ));
    }
    let timeline = c.timeline(&[
        ("modifying", MODIFY_SECS),
        ("backing-up", PROMOTE_BACKUP_SECS),
    ]);
    let now = c.now;
    if let Some(rec) = c.get_mut(kinds::DB_INSTANCE, id) {
        rec.attrs.remove("replicate_source_db");
        rec.computed.insert(PROMOTED_AT.into(), promoted_at(now));
        rec.phases = timeline;
    }
    Ok(())
}
