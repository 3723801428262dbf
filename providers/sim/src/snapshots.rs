//! DB snapshots: final snapshots taken by deletes, manual snapshots, and
//! restores into new instances (what backup-restore drills exercise).

use strata_core::kinds;
use strata_core::provider::ProviderError;
use strata_core::value::Value;

use strata_core::drill::RestoreDbRequest;

use crate::attrs::{api, bool_or, int_of, list, str_of, strings};
use crate::cloud::{Cloud, Record};
use crate::ids::arn;
use crate::objects::DbSnapshot;
use crate::rds;
use strata_core::tags::is_system_tag;

/// The computed attribute holding a DB instance's parameter group name.
pub const PARAMETER_GROUP: &str = "db_parameter_group_name";

/// AWS seconds a manual snapshot takes.
pub(crate) const SNAPSHOT_SECS: f64 = 120.0;
/// AWS seconds a restore takes.
const RESTORE_SECS: f64 = 600.0;

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
        tags: std::collections::BTreeMap::new(),
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

/// Restores a snapshot into a new instance `new_id` (creating, then
/// available), with the source's settings.
pub fn restore(c: &mut Cloud, snapshot_id: &str, new_id: &str) -> Result<(), ProviderError> {
    let snap = c.snapshots.get(snapshot_id).cloned().ok_or_else(|| {
        api(
            "DBSnapshotNotFound",
            format!("DBSnapshot {snapshot_id} not found."),
        )
    })?;
    let src = &snap.source_attrs;
    restore_with(
        c,
        &RestoreDbRequest {
            snapshot_id: snapshot_id.to_string(),
            db_id: new_id.to_string(),
            class: str_of(src, "instance_class")
                .unwrap_or("db.t4g.medium")
                .to_string(),
            subnet_group: str_of(src, "db_subnet_group_name").map(str::to_string),
            security_group_ids: strings(src, "vpc_security_group_ids"),
            parameter_group: None,
            multi_az: bool_or(src, "multi_az", false),
            deletion_protection: bool_or(src, "deletion_protection", false),
            tags: Default::default(),
        },
    )
}

/// `RestoreDBInstanceFromDBSnapshot`: a new instance from an available
/// snapshot with the request's class, subnet group, security groups,
/// parameter group, multi-AZ and deletion protection; the engine, version,
/// storage and encryption come from the snapshot. Tags under `strata:` or
/// `aws:` are system tags; the rest are the instance's own tags.
pub fn restore_with(c: &mut Cloud, req: &RestoreDbRequest) -> Result<(), ProviderError> {
    let snapshot_id = req.snapshot_id.as_str();
    let new_id = req.db_id.as_str();
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
    if let Some(group) = &req.subnet_group {
        if c.live(kinds::DB_SUBNET_GROUP, group).is_none() {
            return Err(api(
                "DBSubnetGroupNotFoundFault",
                format!("DBSubnetGroup '{group}' not found."),
            ));
        }
    }
    let region = c.region.clone();
    let mut attrs = snap.source_attrs.clone();
    for key in [
        "replicate_source_db",
        "final_snapshot_identifier",
        "tags",
        "availability_zone",
    ] {
        attrs.remove(key);
    }
    attrs.insert("identifier".into(), Value::String(new_id.into()));
    attrs.insert("engine".into(), Value::String(snap.engine.clone().into()));
    attrs.insert(
        "engine_version".into(),
        Value::String(snap.engine_version.clone().into()),
    );
    attrs.insert("storage_encrypted".into(), Value::Bool(snap.encrypted));
    attrs.insert(
        "instance_class".into(),
        Value::String(req.class.clone().into()),
    );
    match &req.subnet_group {
        Some(g) => attrs.insert(
            "db_subnet_group_name".into(),
            Value::String(g.clone().into()),
        ),
        None => attrs.remove("db_subnet_group_name"),
    };
    attrs.insert(
        "vpc_security_group_ids".into(),
        list(req.security_group_ids.iter().cloned()),
    );
    attrs.insert("multi_az".into(), Value::Bool(req.multi_az));
    attrs.insert(
        "deletion_protection".into(),
        Value::Bool(req.deletion_protection),
    );
    let user_tags: strata_core::value::Attrs = req
        .tags
        .iter()
        .filter(|(k, _)| !is_system_tag(k))
        .map(|(k, v)| (k.clone(), Value::String(v.clone().into())))
        .collect();
    if !user_tags.is_empty() {
        attrs.insert("tags".into(), Value::Map(user_tags));
    }
    let system: Vec<(&str, &str)> = req
        .tags
        .iter()
        .filter(|(k, _)| is_system_tag(k))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let azs = attrs
        .get("db_subnet_group_name")
        .and_then(Value::as_str)
        .map(|g| rds::group_azs(c, g))
        .filter(|azs| !azs.is_empty())
        .unwrap_or_else(|| c.default_azs());
    let az = azs
        .iter()
        .find(|a| !c.az_is_down(a))
        .or_else(|| azs.first())
        .cloned()
        .unwrap_or_else(|| format!("{region}a"));
    let address = format!("{new_id}.c9akciq32.{region}.rds.amazonaws.com");
    let mut rec = Record::new(
        kinds::DB_INSTANCE,
        new_id.to_string(),
        attrs,
        &system,
        c.now,
    );
    if let Some(pg) = &req.parameter_group {
        rec.computed
            .insert(PARAMETER_GROUP.into(), Value::String(pg.clone().into()));
    }
    rec.computed.insert(
        "arn".into(),
        Value::String(arn("rds", &region, &format!("db:{new_id}")).into()),
    );
    rec.computed.insert(
        "endpoint".into(),
        Value::String(format!("{address}:5432").into()),
    );
    rec.computed
        .insert("address".into(), Value::String(address.into()));
    rec.computed.insert("port".into(), Value::Int(5432));
    rec.computed
        .insert("availability_zone".into(), Value::String(az.into()));
    rds::set_standby(&mut rec, &azs);
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
