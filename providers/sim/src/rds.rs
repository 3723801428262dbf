//! RDS: DB subnet groups and PostgreSQL instances — primaries (creating →
//! backing-up → available), read replicas (on their source's engine
//! version), multi-AZ standbys and failover, deletion protection and final
//! snapshots. Modifications and promotions are in `rds_modify`.

use strata_core::kinds;
use strata_core::provider::{DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, api_help, bool_or, int_of, required, str_of, strings};
use crate::cloud::NewResource;
use crate::cloud::{Cloud, Record};
use crate::ids::arn;
use crate::network::{check_az, subnet_az};
use crate::{parameter_groups, rds_modify, snapshots, versions};

pub use crate::rds_modify::promote;

/// AWS seconds a DB delete takes.
pub(crate) const DELETE_SECS: f64 = 300.0;
/// The engine version of an instance created without one.
pub(crate) const DEFAULT_VERSION: &str = "16";
/// AWS seconds a failover reboot takes.
const FAILOVER_SECS: f64 = 60.0;

/// The distinct AZs of a DB subnet group's subnets, in subnet order.
pub fn group_azs(c: &Cloud, group: &str) -> Vec<String> {
    let mut azs: Vec<String> = Vec::new();
    let subnets = c
        .get(kinds::DB_SUBNET_GROUP, group)
        .map(|g| strings(&g.attrs, "subnet_ids"))
        .unwrap_or_default();
    for s in subnets {
        if let Some(az) = subnet_az(c, &s) {
            if !azs.contains(&az) {
                azs.push(az);
            }
        }
    }
    azs
}

/// The AZs a DB may use: its subnet group's, or the region's defaults.
pub(crate) fn db_azs(c: &Cloud, attrs: &Attrs) -> Vec<String> {
    let azs = str_of(attrs, "db_subnet_group_name")
        .map(|g| group_azs(c, g))
        .unwrap_or_default();
    if azs.is_empty() {
        c.default_azs()
    } else {
        azs
    }
}

fn check_subnet_group(c: &Cloud, attrs: &Attrs) -> Result<(), ProviderError> {
    let subnets = strings(attrs, "subnet_ids");
    let mut azs: Vec<String> = Vec::new();
    for s in &subnets {
        let az = subnet_az(c, s)
            .filter(|_| c.live(kinds::SUBNET, s).is_some())
            .ok_or_else(|| {
                api(
                    "InvalidSubnet",
                    format!("Some input subnets in :[{s}] are invalid."),
                )
            })?;
        if !azs.contains(&az) {
            azs.push(az);
        }
    }
    if azs.len() < 2 {
        return Err(api_help(
            "DBSubnetGroupDoesNotCoverEnoughAZs",
            format!(
                "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: {}. Add subnets to cover at least 2 AZs.",
                azs.join(", ")
            ),
            "give the DB subnet group subnets in at least two availability zones",
        ));
    }
    Ok(())
}

/// Creates a DB subnet group or a DB instance; the id is its name/identifier.
pub fn create(c: &mut Cloud, new: NewResource<'_>) -> Result<String, ProviderError> {
    if new.req.kind == kinds::DB_PARAMETER_GROUP {
        return parameter_groups::create(c, new);
    }
    let region = c.region.clone();
    if new.req.kind == kinds::DB_SUBNET_GROUP {
        let name = required(&new.attrs, "name")?.to_string();
        if c.get(kinds::DB_SUBNET_GROUP, &name).is_some() {
            return Err(api(
                "DBSubnetGroupAlreadyExists",
                format!("The DB subnet group '{name}' already exists."),
            ));
        }
        check_subnet_group(c, &new.attrs)?;
        let mut rec = new.record(c, name.clone());
        rec.computed.insert(
            "arn".into(),
            Value::String(arn("rds", &region, &format!("subgrp:{name}")).into()),
        );
        rec.phases = c.timeline(&[("pending", 2.0)]);
        rec.settled = "Complete".into();
        c.insert(rec);
        return Ok(name);
    }
    let id = required(&new.attrs, "identifier")?.to_string();
    if c.get(kinds::DB_INSTANCE, &id).is_some() {
        return Err(api("DBInstanceAlreadyExists", "DB instance already exists"));
    }
    crate::rds_secret::check(&new.attrs)?;
    let mut attrs = new.attrs.clone();
    let engine = str_of(&attrs, "engine").unwrap_or("postgres");
    if engine != "postgres" {
        return Err(api(
            "InvalidParameterValue",
            format!("Invalid DB engine: {engine}. The sim runs PostgreSQL only."),
        ));
    }
    // A source in another region is named by ARN and was read from there
    // (`new.foreign`); one in this region by identifier (or ARN).
    let foreign = new.foreign.is_some();
    let source = match str_of(&attrs, "replicate_source_db") {
        Some(src) => {
            let local = || c.live(kinds::DB_INSTANCE, kinds::db_identifier_of(src));
            let Some(primary) = new.foreign.as_ref().or_else(local) else {
                return Err(api_help(
                    "DBInstanceNotFound",
                    format!("DBInstance {src} not found."),
                    "replicate_source_db names the identifier of an existing primary \
                     (its ARN when the primary is in another region)",
                ));
            };
            if int_of(&primary.attrs, "backup_retention_period").unwrap_or(0) == 0 {
                return Err(api_help(
                    "InvalidDBInstanceState",
                    "Automated backups are not enabled for this database instance. To enable automated backups, use ModifyDBInstance to set the backup retention period to a non-zero value.",
                    "set backup_retention_period > 0 on the primary",
                ));
            }
            Some(primary.clone())
        }
        None => None,
    };
    if let Some(primary) = &source {
        // A replica inherits what it does not set from its source (and,
        // as on AWS, its database name and master user).
        for key in [
            "db_subnet_group_name",
            "allocated_storage",
            "storage_encrypted",
            "db_name",
            "username",
            // A replica in its source's region is encrypted with its key.
            "kms_key_id",
        ] {
            // Another region's subnet group (or KMS key) is not this region's.
            let here = !(foreign && matches!(key, "db_subnet_group_name" | "kms_key_id"));
            if here && !new.req.attrs.contains_key(key) {
                if let Some(v) = primary.attrs.get(key) {
                    attrs.insert(key.into(), v.clone());
                }
            }
        }
        // CreateDBInstanceReadReplica has no EngineVersion: a replica runs
        // its source's version.
        if let Some(v) = primary.attrs.get("engine_version") {
            attrs.insert("engine_version".into(), v.clone());
        }
        if foreign
            && bool_or(&attrs, "storage_encrypted", false)
            && !attrs.contains_key("kms_key_id")
        {
            return Err(api_help(
                "InvalidParameterCombination",
                "KmsKeyId is required for a cross-region encrypted read replica.",
                "set kms_key_id to a key of the replica's region",
            ));
        }
    }
    let version = versions::postgres(str_of(&attrs, "engine_version").unwrap_or(DEFAULT_VERSION));
    parameter_groups::check_use(c, kinds::DB_PARAMETER_GROUP, &attrs, &version)?;
    attrs.insert("engine_version".into(), Value::String(version.into()));
    if let Some(key) = str_of(&attrs, "kms_key_id") {
        let key = kms_key_arn(&region, key);
        attrs.insert("kms_key_id".into(), Value::String(key.into()));
    }
    if let Some(group) = str_of(&attrs, "db_subnet_group_name") {
        if c.live(kinds::DB_SUBNET_GROUP, group).is_none() {
            return Err(api(
                "DBSubnetGroupNotFoundFault",
                format!("DBSubnetGroup '{group}' not found."),
            ));
        }
    }
    let azs = db_azs(c, &attrs);
    let az = match str_of(&attrs, "availability_zone") {
        Some(az) => {
            check_az(c, az)?;
            if !azs.iter().any(|a| a == az) {
                return Err(api(
                    "InvalidParameterCombination",
                    format!("The availability zone {az} is not covered by the DB subnet group"),
                ));
            }
            az.to_string()
        }
        None => {
            let avoid = source
                .as_ref()
                .and_then(|p| p.str("availability_zone"))
                .unwrap_or_default();
            azs.iter()
                .find(|a| *a != avoid && !c.az_is_down(a))
                .or_else(|| azs.first())
                .cloned()
                .unwrap_or_else(|| format!("{region}a"))
        }
    };
    let address = format!("{id}.c9akciq32.{region}.rds.amazonaws.com");
    let secret = crate::rds_secret::sync(c, &attrs, None);
    let mut rec = new.record(c, id.clone());
    crate::rds_secret::set(&mut rec, secret);
    rec.attrs = attrs;
    rec.retag();
    rec.computed.insert(
        "arn".into(),
        Value::String(arn("rds", &region, &format!("db:{id}")).into()),
    );
    rec.computed.insert(
        "endpoint".into(),
        Value::String(format!("{address}:5432").into()),
    );
    rec.computed
        .insert("address".into(), Value::String(address.into()));
    rec.computed.insert("port".into(), Value::Int(5432));
    rec.computed
        .insert("availability_zone".into(), Value::String(az.clone().into()));
    set_standby(&mut rec, &azs);
    rec.phases = if source.is_some() {
        c.timeline(&[("creating", 480.0)])
    } else {
        c.timeline(&[("creating", 480.0), ("backing-up", 120.0)])
    };
    c.insert(rec);
    Ok(id)
}

/// Picks (or clears) the multi-AZ standby's AZ: another AZ of the group.
pub(crate) fn set_standby(rec: &mut Record, azs: &[String]) {
    let az = rec.str("availability_zone").unwrap_or_default().to_string();
    let standby = azs.iter().find(|a| **a != az).cloned();
    match standby.filter(|_| bool_or(&rec.attrs, "multi_az", false)) {
        Some(s) => rec.computed.insert(
            "secondary_availability_zone".into(),
            Value::String(s.into()),
        ),
        None => rec.computed.remove("secondary_availability_zone"),
    };
}

/// Modifies a subnet group, or an instance (see [`rds_modify`]).
pub fn update(c: &mut Cloud, req: &UpdateRequest, attrs: Attrs) -> Result<(), ProviderError> {
    if req.kind == kinds::DB_PARAMETER_GROUP {
        return parameter_groups::update(c, req, attrs);
    }
    if req.kind == kinds::DB_INSTANCE {
        return rds_modify::modify(c, req, attrs);
    }
    check_subnet_group(c, &attrs)?;
    if let Some(rec) = c.get_mut(&req.kind, &req.id) {
        rec.attrs = attrs;
        rec.retag();
    }
    Ok(())
}

/// The form RDS reports a KMS key in: a key id becomes its key ARN; a key
/// ARN, an alias name and an alias ARN stay as given.
pub(crate) fn kms_key_arn(region: &str, key: &str) -> String {
    if key.starts_with("arn:") || key.starts_with("alias/") {
        key.to_string()
    } else {
        arn("kms", region, &format!("key/{key}"))
    }
}

/// Deletes a subnet group (not while used) or an instance (not while
/// protected or replicated), taking a final snapshot unless skipped.
pub fn delete(c: &mut Cloud, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind == kinds::DB_PARAMETER_GROUP {
        return parameter_groups::delete(c, req);
    }
    if req.kind == kinds::DB_SUBNET_GROUP {
        if let Some(db) = c
            .live_records(kinds::DB_INSTANCE)
            .find(|d| d.str("db_subnet_group_name") == Some(req.id.as_str()))
        {
            return Err(api(
                "InvalidDBSubnetGroupStateFault",
                format!(
                    "Cannot delete the subnet group '{}' because at least one database instance: {} is still using it.",
                    req.id, db.id
                ),
            ));
        }
        c.start_delete(&req.kind, &req.id, "deleting", 1.0);
        return Ok(());
    }
    let Some(rec) = c.get(&req.kind, &req.id).cloned() else {
        return Ok(());
    };
    if bool_or(&rec.attrs, "deletion_protection", false) {
        return Err(api_help(
            "InvalidParameterCombination",
            "Cannot delete protected DB Instance, please disable deletion protection and try again.",
            format!(
                "set deletion_protection = false on {} and apply first, then delete it",
                req.address
            ),
        ));
    }
    let replicas: Vec<String> = c
        .live_records(kinds::DB_INSTANCE)
        .filter(|d| d.str("replicate_source_db") == Some(req.id.as_str()))
        .map(|d| d.id.clone())
        .collect();
    if !replicas.is_empty() {
        return Err(api_help(
            "InvalidDBInstanceState",
            format!(
                "Cannot delete DB instance {} while it has read replicas: {}",
                req.id,
                replicas.join(", ")
            ),
            "delete or promote its read replicas first",
        ));
    }
    let is_replica = rec.str("replicate_source_db").is_some();
    let skip = bool_or(&rec.attrs, "skip_final_snapshot", false)
        || req
            .prior
            .get("skip_final_snapshot")
            .and_then(Value::as_bool)
            == Some(true);
    if !skip && !is_replica {
        let name = str_of(&rec.attrs, "final_snapshot_identifier")
            .map(str::to_string)
            .unwrap_or_else(|| format!("{}-final-{}", rec.id, stamp(c.now)));
        if c.snapshots.contains_key(&name) {
            return Err(api_help(
                "DBSnapshotAlreadyExists",
                format!("Cannot create the snapshot because a snapshot with the identifier {name} already exists."),
                "choose another final_snapshot_identifier or delete the old snapshot",
            ));
        }
        let ready = c.after(DELETE_SECS);
        snapshots::take(c, &rec, &name, "final", ready);
    }
    // RDS deletes an instance's automated backups with it.
    c.snapshots
        .retain(|_, s| !(s.snapshot_type == "automated" && s.source_db == req.id));
    c.start_delete(&req.kind, &req.id, "deleting", DELETE_SECS);
    Ok(())
}

pub(crate) fn stamp(ms: u64) -> String {
    chrono::DateTime::from_timestamp_millis(i64::try_from(ms).unwrap_or(0))
        .map(|t| t.format("%Y%m%d%H%M%S").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// An instance's status.
pub fn live(c: &Cloud, rec: &Record, out: &mut Attrs) {
    if rec.kind == kinds::DB_INSTANCE {
        out.insert("status".into(), Value::String(rec.status(c.now).into()));
    }
}

/// Fails a multi-AZ primary over to its standby's AZ (a brief `rebooting`).
pub fn failover(c: &mut Cloud, id: &str) -> Result<(), ProviderError> {
    let rec = c
        .live(kinds::DB_INSTANCE, id)
        .ok_or_else(|| api("DBInstanceNotFound", format!("DBInstance {id} not found.")))?;
    let Some(standby) = rec.str("secondary_availability_zone").map(str::to_string) else {
        return Err(api_help(
            "InvalidDBInstanceState",
            format!("DB instance {id} is not Multi-AZ, so it cannot fail over."),
            "set multi_az = true on it first",
        ));
    };
    let timeline = c.timeline(&[("rebooting", FAILOVER_SECS)]);
    if let Some(rec) = c.get_mut(kinds::DB_INSTANCE, id) {
        let old = rec.str("availability_zone").unwrap_or_default().to_string();
        rec.computed
            .insert("availability_zone".into(), Value::String(standby.into()));
        rec.computed.insert(
            "secondary_availability_zone".into(),
            Value::String(old.into()),
        );
        rec.phases = timeline;
    }
    Ok(())
}

/// Fails over every multi-AZ primary whose AZ is down.
pub fn on_az_down(c: &mut Cloud, az: &str) {
    let hit: Vec<String> = c
        .live_records(kinds::DB_INSTANCE)
        .filter(|d| d.str("availability_zone") == Some(az))
        .filter(|d| {
            d.str("secondary_availability_zone")
                .is_some_and(|s| !c.az_is_down(s))
        })
        .map(|d| d.id.clone())
        .collect();
    for id in hit {
        // Only multi-AZ instances are selected, so this cannot fail.
        let _ = failover(c, &id);
    }
}
