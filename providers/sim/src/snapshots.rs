//! DB snapshots: final snapshots taken by deletes, manual snapshots, and
//! restores into new instances (what backup-restore drills exercise).

use serde::{Deserialize, Serialize};
use strata_core::kinds;
use strata_core::provider::ProviderError;
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, bool_or, int_of, str_of};
use crate::cloud::{Cloud, Record};
use crate::ids::arn;

/// AWS seconds a manual snapshot takes.
const SNAPSHOT_SECS: f64 = 120.0;
/// AWS seconds a restore takes.
const RESTORE_SECS: f64 = 600.0;

/// A DB snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbSnapshot {
    /// Snapshot identifier.
    pub id: String,
    /// The instance it was taken from.
    pub source_db: String,
    /// `manual` or `final`.
    pub snapshot_type: String,
    /// When it was started (unix ms).
    pub created_ms: u64,
    /// When it becomes available (unix ms).
    pub available_ms: u64,
    /// Engine (`postgres`).
    pub engine: String,
    /// Engine version.
    pub engine_version: String,
    /// Whether the storage is encrypted.
    pub encrypted: bool,
    /// GiB of storage.
    pub allocated_storage: i64,
    /// The source's configuration (no password), used by restores.
    pub source_attrs: Attrs,
}

impl DbSnapshot {
    /// `creating` or `available` at `now`.
    pub fn status(&self, now: u64) -> &'static str {
        if now < self.available_ms {
            "creating"
        } else {
            "available"
        }
    }
}

/// Records a snapshot of `db` named `id`, available at `ready`.
pub fn take(c: &mut Cloud, db: &Record, id: &str, snapshot_type: &str, ready: u64) -> DbSnapshot {
    let snap = DbSnapshot {
        id: id.to_string(),
        source_db: db.id.clone(),
        snapshot_type: snapshot_type.to_string(),
        created_ms: c.now,
        available_ms: ready,
        engine: str_of(&db.attrs, "engine")
            .unwrap_or("postgres")
            .to_string(),
        engine_version: str_of(&db.attrs, "engine_version")
            .unwrap_or("16.4")
            .to_string(),
        encrypted: bool_or(&db.attrs, "storage_encrypted", true),
        allocated_storage: int_of(&db.attrs, "allocated_storage").unwrap_or(20),
        source_attrs: db.attrs.clone(),
    };
    c.snapshots.insert(id.to_string(), snap.clone());
    snap
}

/// Starts a manual snapshot of an available instance.
pub fn create(c: &mut Cloud, db_id: &str, id: &str) -> Result<DbSnapshot, ProviderError> {
    let db = c.live(kinds::DB_INSTANCE, db_id).cloned().ok_or_else(|| {
        api(
            "DBInstanceNotFound",
            format!("DBInstance {db_id} not found."),
        )
    })?;
    let status = db.status(c.now);
    if status != "available" {
        return Err(api(
            "InvalidDBInstanceState",
            format!("Cannot snapshot DB instance {db_id} while it is {status}."),
        ));
    }
    if c.snapshots.contains_key(id) {
        return Err(api(
            "DBSnapshotAlreadyExists",
            format!("Cannot create the snapshot because a snapshot with the identifier {id} already exists."),
        ));
    }
    let ready = c.after(SNAPSHOT_SECS);
    let snap = take(c, &db, id, "manual", ready);
    if let Some(rec) = c.get_mut(kinds::DB_INSTANCE, db_id) {
        rec.phases = vec![crate::cloud::Phase {
            status: "backing-up".into(),
            until: ready,
        }];
    }
    Ok(snap)
}

/// Restores a snapshot into a new instance `new_id` (creating, then available).
pub fn restore(c: &mut Cloud, snapshot_id: &str, new_id: &str) -> Result<(), ProviderError> {
    let snap = c.snapshots.get(snapshot_id).cloned().ok_or_else(|| {
        api(
            "DBSnapshotNotFound",
            format!("DBSnapshot {snapshot_id} not found."),
        )
    })?;
    if snap.status(c.now) != "available" {
        return Err(api(
            "InvalidDBSnapshotState",
            format!("Snapshot {snapshot_id} is not available yet."),
        ));
    }
    if c.get(kinds::DB_INSTANCE, new_id).is_some() {
        return Err(api("DBInstanceAlreadyExists", "DB instance already exists"));
    }
    let region = c.region.clone();
    let mut attrs = snap.source_attrs.clone();
    attrs.remove("replicate_source_db");
    attrs.remove("final_snapshot_identifier");
    attrs.remove("tags");
    attrs.insert("identifier".into(), Value::String(new_id.to_string()));
    let az = snap
        .source_attrs
        .get("availability_zone")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("{region}a"));
    let address = format!("{new_id}.c9akciq32.{region}.rds.amazonaws.com");
    let mut rec = Record::new(kinds::DB_INSTANCE, new_id.to_string(), attrs, &[], c.now);
    rec.computed.insert(
        "arn".into(),
        Value::String(arn("rds", &region, &format!("db:{new_id}"))),
    );
    rec.computed
        .insert("endpoint".into(), Value::String(format!("{address}:5432")));
    rec.computed
        .insert("address".into(), Value::String(address));
    rec.computed.insert("port".into(), Value::Int(5432));
    rec.computed
        .insert("availability_zone".into(), Value::String(az));
    rec.phases = c.timeline(&[("creating", RESTORE_SECS)]);
    c.insert(rec);
    Ok(())
}

/// Deletes a snapshot.
pub fn delete(c: &mut Cloud, id: &str) -> Result<(), ProviderError> {
    c.snapshots
        .remove(id)
        .map(|_| ())
        .ok_or_else(|| api("DBSnapshotNotFound", format!("DBSnapshot {id} not found.")))
}
