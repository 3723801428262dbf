//! The RDS operations drills use ([`DrillOps`](strata_core::provider::DrillOps)
//! on the simulated cloud): DB snapshots (manual and automated), restores,
//! renames, reboots with failover, replica promotion, and finding resources
//! by their drill tag. The drill operations of other services live with
//! them: Redis `TestFailover` in `elasticache`, target (de)registration in
//! `elbv2`, suspended processes in `autoscaling`.
//!
//! Automated snapshots follow RDS: an instance with a backup retention
//! period gets its first one when it first becomes available and one a day
//! (of AWS time) after that, kept for the retention period and deleted with
//! the instance. They are materialized when snapshots are listed.

use strata_core::drill::{
    CreateDbSnapshotRequest, DbInstance, DbSnapshot, DescribeDbSnapshotsRequest, DrillResource,
    DrillResourceKind, RenameDbRequest, SnapshotType, DRILL_TAG,
};
use strata_core::kinds;
use strata_core::provider::ProviderError;
use strata_core::value::{Name, Value};

use crate::attrs::{api, api_help, bool_or, int_of, str_of, strings};
use crate::clock::scaled_ms;
use crate::cloud::{Cloud, Record};
use crate::ids::arn;
use crate::{objects, rds, snapshots};
use strata_core::tags::is_system_tag;

/// AWS seconds from an instance's creation to its first automated backup.
const FIRST_BACKUP_SECS: f64 = 480.0;
/// AWS seconds between automated backups.
const BACKUP_EVERY_SECS: f64 = 86_400.0;
/// AWS seconds a rename takes.
const RENAME_SECS: f64 = 10.0;
/// AWS seconds a reboot without failover takes.
const REBOOT_SECS: f64 = 30.0;

fn db_not_found(id: &str) -> ProviderError {
    api("DBInstanceNotFound", format!("DBInstance {id} not found."))
}

/// `DescribeDBInstances` for one identifier.
pub fn describe_db(c: &Cloud, id: &str) -> Result<DbInstance, ProviderError> {
    let rec = c
        .get(kinds::DB_INSTANCE, id)
        .ok_or_else(|| db_not_found(id))?;
    let a = &rec.attrs;
    Ok(DbInstance {
        id: rec.id.clone(),
        status: rec.status(c.now).to_string(),
        engine: str_of(a, "engine").unwrap_or("postgres").to_string(),
        engine_version: str_of(a, "engine_version").unwrap_or("16.4").to_string(),
        encrypted: bool_or(a, "storage_encrypted", true),
        endpoint: rec.str("endpoint").map(str::to_string),
        availability_zone: rec.str("availability_zone").map(str::to_string),
        secondary_availability_zone: rec.str("secondary_availability_zone").map(str::to_string),
        multi_az: bool_or(a, "multi_az", false),
        replica_of: str_of(a, "replicate_source_db").map(str::to_string),
        class: str_of(a, "instance_class").unwrap_or_default().to_string(),
        subnet_group: str_of(a, "db_subnet_group_name").map(str::to_string),
        security_group_ids: strings(a, "vpc_security_group_ids"),
        parameter_group: Some(
            rec.str(snapshots::PARAMETER_GROUP)
                .map(str::to_string)
                .unwrap_or_else(|| default_parameter_group(a)),
        ),
        deletion_protection: bool_or(a, "deletion_protection", false),
        tags: rec
            .tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    })
}

fn default_parameter_group(a: &strata_core::value::Attrs) -> String {
    let version = str_of(a, "engine_version").unwrap_or("16.4");
    let major = version.split('.').next().unwrap_or(version);
    format!("default.postgres{major}")
}

fn to_core(c: &Cloud, s: &objects::DbSnapshot) -> DbSnapshot {
    DbSnapshot {
        id: s.id.clone(),
        db_id: s.source_db.clone(),
        status: s.status(c.now).to_string(),
        created_ms: s.created_ms,
        engine: s.engine.clone(),
        engine_version: s.engine_version.clone(),
        encrypted: s.encrypted,
        snapshot_type: if s.snapshot_type == "automated" {
            SnapshotType::Automated
        } else {
            SnapshotType::Manual
        },
        tags: s.tags.clone(),
    }
}

/// `CreateDBSnapshot`, tagged.
pub fn create_snapshot(
    c: &mut Cloud,
    req: &CreateDbSnapshotRequest,
) -> Result<DbSnapshot, ProviderError> {
    snapshots::create(c, &req.db_id, &req.snapshot_id)?;
    let snap = c
        .snapshots
        .get_mut(&req.snapshot_id)
        .ok_or_else(|| api("DBSnapshotNotFound", "the new snapshot vanished"))?;
    snap.tags = req.tags.clone();
    let snap = snap.clone();
    Ok(to_core(c, &snap))
}

/// Takes the automated snapshots that are due and drops the expired ones.
pub fn refresh_automated(c: &mut Cloud) {
    let first = scaled_ms(FIRST_BACKUP_SECS, c.speed);
    let every = scaled_ms(BACKUP_EVERY_SECS, c.speed).max(1);
    let mut due: Vec<(Record, u64, u64)> = Vec::new();
    for db in c.live_records(kinds::DB_INSTANCE) {
        let retention = int_of(&db.attrs, "backup_retention_period").unwrap_or(0);
        if retention <= 0 || db.str("replicate_source_db").is_some() {
            continue;
        }
        let born =
            crate::rds_modify::promoted_ms(db).map_or(db.created_ms, |p| p.max(db.created_ms));
        let base = born.saturating_add(first);
        if c.now < base {
            continue;
        }
        let latest = base + (c.now - base) / every * every;
        let keep = every.saturating_mul(u64::try_from(retention).unwrap_or(0));
        due.push((db.clone(), latest, latest.saturating_sub(keep)));
    }
    for (db, at, oldest) in due {
        c.snapshots.retain(|_, s| {
            !(s.snapshot_type == "automated" && s.source_db == db.id && s.created_ms < oldest)
        });
        let id = format!("rds:{}-{}", db.id, automated_stamp(at));
        if c.snapshots.contains_key(&id) {
            continue;
        }
        let now = c.now;
        c.now = at;
        let ready = c.after(snapshots::SNAPSHOT_SECS);
        snapshots::take(c, &db, &id, "automated", ready);
        c.now = now;
    }
}

/// `2026-01-01-03-00-00`: the time, as RDS names automated snapshots (with
/// seconds, since a sped-up sim takes several a minute).
fn automated_stamp(ms: u64) -> String {
    chrono::DateTime::from_timestamp_millis(i64::try_from(ms).unwrap_or(0))
        .map(|t| t.format("%Y-%m-%d-%H-%M-%S").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// `DescribeDBSnapshots` with its filters.
pub fn describe_snapshots(c: &mut Cloud, req: &DescribeDbSnapshotsRequest) -> Vec<DbSnapshot> {
    refresh_automated(c);
    let mut out: Vec<DbSnapshot> = c
        .snapshots
        .values()
        .map(|s| to_core(c, s))
        .filter(|s| req.db_id.as_ref().is_none_or(|d| *d == s.db_id))
        .filter(|s| req.snapshot_id.as_ref().is_none_or(|i| *i == s.id))
        .filter(|s| req.snapshot_type.is_none_or(|t| t == s.snapshot_type))
        .collect();
    out.sort_by_key(|s| s.created_ms);
    out
}

/// `DeleteDBSnapshot` (not of automated snapshots, as on AWS).
pub fn delete_snapshot(c: &mut Cloud, id: &str) -> Result<(), ProviderError> {
    if c.snapshots
        .get(id)
        .is_some_and(|s| s.snapshot_type == "automated")
    {
        return Err(api(
            "InvalidDBSnapshotState",
            format!("Only manual snapshots may be deleted; {id} is automated."),
        ));
    }
    snapshots::delete(c, id)
}

/// `DeleteDBInstance` with `SkipFinalSnapshot`.
pub fn delete_db(c: &mut Cloud, id: &str) -> Result<(), ProviderError> {
    let rec = c
        .get(kinds::DB_INSTANCE, id)
        .ok_or_else(|| db_not_found(id))?;
    if rec.is_deleting() {
        return Ok(());
    }
    if bool_or(&rec.attrs, "deletion_protection", false) {
        return Err(api(
            "InvalidParameterCombination",
            "Cannot delete protected DB Instance, please disable deletion protection and try again.",
        ));
    }
    if c.live_records(kinds::DB_INSTANCE)
        .any(|d| d.str("replicate_source_db") == Some(id))
    {
        return Err(api(
            "InvalidDBInstanceState",
            format!("Cannot delete DB instance {id} while it has read replicas."),
        ));
    }
    c.snapshots
        .retain(|_, s| !(s.snapshot_type == "automated" && s.source_db == id));
    c.start_delete(kinds::DB_INSTANCE, id, "deleting", rds::DELETE_SECS);
    Ok(())
}

fn set_tag(rec: &mut Record, key: &str, value: Option<&str>) {
    if is_system_tag(key) {
        match value {
            Some(v) => rec.tags.insert(key.into(), v.into()),
            None => rec.tags.remove(key),
        };
        return;
    }
    let mut map = rec
        .attrs
        .get("tags")
        .and_then(Value::as_map)
        .cloned()
        .unwrap_or_default();
    match value {
        Some(v) => map.insert(key.into(), Value::String(v.into())),
        None => map.remove(key),
    };
    rec.attrs.insert("tags".into(), Value::Map(map));
    rec.retag();
}

/// `ModifyDBInstance` with `NewDBInstanceIdentifier`: the instance, its
/// endpoint and ARN take the new name, and replicas name it as their source.
pub fn rename_db(c: &mut Cloud, req: &RenameDbRequest) -> Result<DbInstance, ProviderError> {
    let (old, new) = (req.db_id.as_str(), req.new_db_id.as_str());
    let rec = c
        .live(kinds::DB_INSTANCE, old)
        .ok_or_else(|| db_not_found(old))?;
    let status = rec.status(c.now);
    if status != "available" {
        return Err(api_help(
            "InvalidDBInstanceState",
            format!("Database instance is not in available state (it is {status})."),
            "wait until the instance is available",
        ));
    }
    if old != new && c.get(kinds::DB_INSTANCE, new).is_some() {
        return Err(api(
            "DBInstanceAlreadyExists",
            format!("DB instance {new} already exists"),
        ));
    }
    let Some(mut rec) = c.remove(kinds::DB_INSTANCE, old) else {
        return Err(db_not_found(old));
    };
    let region = c.region.clone();
    let address = format!("{new}.c9akciq32.{region}.rds.amazonaws.com");
    rec.id = new.to_string();
    rec.attrs
        .insert("identifier".into(), Value::String(new.into()));
    rec.computed.insert(
        "arn".into(),
        Value::String(arn("rds", &region, &format!("db:{new}")).into()),
    );
    rec.computed.insert(
        "endpoint".into(),
        Value::String(format!("{address}:5432").into()),
    );
    rec.computed
        .insert("address".into(), Value::String(address.into()));
    for (k, v) in &req.add_tags {
        set_tag(&mut rec, k, Some(v));
    }
    for k in &req.remove_tags {
        set_tag(&mut rec, k, None);
    }
    if old != new {
        rec.phases = c.timeline(&[("renaming", RENAME_SECS)]);
    }
    c.insert(rec);
    let replicas: Vec<String> = c
        .live_records(kinds::DB_INSTANCE)
        .filter(|d| str_of(&d.attrs, "replicate_source_db") == Some(old))
        .map(|d| d.id.clone())
        .collect();
    for r in replicas {
        if let Some(rec) = c.get_mut(kinds::DB_INSTANCE, &r) {
            rec.attrs
                .insert("replicate_source_db".into(), Value::String(new.into()));
        }
    }
    for s in c.snapshots.values_mut() {
        if s.source_db == old && s.snapshot_type == "automated" {
            s.source_db = new.to_string();
        }
    }
    describe_db(c, new)
}

/// `RebootDBInstance`, failing over when asked.
pub fn reboot_db(c: &mut Cloud, id: &str, force_failover: bool) -> Result<(), ProviderError> {
    if force_failover {
        return rds::failover(c, id);
    }
    let status = c
        .live(kinds::DB_INSTANCE, id)
        .ok_or_else(|| db_not_found(id))?
        .status(c.now)
        .to_string();
    if status != "available" {
        return Err(api(
            "InvalidDBInstanceState",
            format!("Database instance is not in available state (it is {status})."),
        ));
    }
    let timeline = c.timeline(&[("rebooting", REBOOT_SECS)]);
    if let Some(rec) = c.get_mut(kinds::DB_INSTANCE, id) {
        rec.phases = timeline;
    }
    Ok(())
}

/// DB instances and snapshots tagged [`DRILL_TAG`] (of one drill, or all).
pub fn drill_resources(c: &Cloud, drill: Option<&str>) -> Vec<DrillResource> {
    let matches = |tag: Option<&str>| {
        tag.filter(|v| drill.is_none_or(|d| d == *v))
            .map(str::to_string)
    };
    let mut out: Vec<DrillResource> = c
        .records(kinds::DB_INSTANCE)
        .filter_map(|r| {
            Some(DrillResource {
                kind: DrillResourceKind::DbInstance,
                id: r.id.clone(),
                drill_id: matches(r.tags.get(DRILL_TAG).map(Name::as_str))?,
                status: r.status(c.now).to_string(),
            })
        })
        .collect();
    out.extend(c.snapshots.values().filter_map(|s| {
        Some(DrillResource {
            kind: DrillResourceKind::DbSnapshot,
            id: s.id.clone(),
            drill_id: matches(s.tags.get(DRILL_TAG).map(String::as_str))?,
            status: s.status(c.now).to_string(),
        })
    }));
    out.sort();
    out
}
