//! RDS: DB subnet groups and PostgreSQL DB instances (primaries, and read
//! replicas made with CreateDBInstanceReadReplica).
//!
//! Identifier, engine, storage encryption, KMS key, AZ, subnet group and the
//! replica source force replacement (the schema says so); instance class,
//! engine version, multi-AZ, deletion protection, backup retention, storage
//! and security groups change in place with `ApplyImmediately` as configured.

use std::collections::BTreeMap;

use aws_sdk_rds::types::{Filter, Tag};
use strata_core::kinds;
use strata_core::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::config::Clients;
use crate::errors::map;
use crate::tags::finish;
use crate::util::{arn_tail, bool_or, changed, i32_of, int, list, put, required, str_of, strings};
use crate::Tagging;

fn rds_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

async fn sync_tags(c: &Clients, arn: &str, t: Tagging<'_>) -> Result<(), ProviderError> {
    if !t.stale.is_empty() {
        c.rds
            .remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(t.stale.to_vec()))
            .send()
            .await
            .map_err(map)?;
    }
    c.rds
        .add_tags_to_resource()
        .resource_name(arn)
        .set_tags(Some(rds_tags(t.desired)))
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

pub(crate) async fn read(
    c: &Clients,
    kind: &str,
    ids: &[String],
) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    if kind == kinds::DB_SUBNET_GROUP {
        return read_subnet_groups(c, ids).await;
    }
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(100) {
        let filter = Filter::builder()
            .name("db-instance-id")
            .set_values(Some(chunk.to_vec()))
            .build();
        let pages = c
            .rds
            .describe_db_instances()
            .filters(filter)
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(map)?;
        for d in pages.iter().flat_map(|p| p.db_instances()) {
            let Some(id) = d.db_instance_identifier() else {
                continue;
            };
            let mut a = Attrs::new();
            put(&mut a, "identifier", Some(id));
            put(&mut a, "engine", d.engine());
            put(&mut a, "engine_version", d.engine_version());
            put(&mut a, "instance_class", d.db_instance_class());
            put(&mut a, "allocated_storage", int(d.allocated_storage()));
            put(&mut a, "storage_encrypted", d.storage_encrypted());
            put(&mut a, "kms_key_id", d.kms_key_id());
            put(&mut a, "multi_az", d.multi_az());
            put(&mut a, "availability_zone", d.availability_zone());
            put(
                &mut a,
                "db_subnet_group_name",
                d.db_subnet_group().and_then(|g| g.db_subnet_group_name()),
            );
            a.insert(
                "vpc_security_group_ids".into(),
                list(
                    d.vpc_security_groups()
                        .iter()
                        .filter_map(|g| g.vpc_security_group_id()),
                ),
            );
            put(&mut a, "db_name", d.db_name());
            put(&mut a, "username", d.master_username());
            put(
                &mut a,
                "replicate_source_db",
                d.read_replica_source_db_instance_identifier().map(arn_tail),
            );
            put(
                &mut a,
                "backup_retention_period",
                int(d.backup_retention_period()),
            );
            put(&mut a, "deletion_protection", d.deletion_protection());
            a.insert("skip_final_snapshot".into(), Value::Bool(false));
            a.insert("apply_immediately".into(), Value::Bool(true));
            if let Some(e) = d.endpoint() {
                put(&mut a, "address", e.address());
                put(&mut a, "port", int(e.port()));
                if let (Some(h), Some(p)) = (e.address(), e.port()) {
                    a.insert("endpoint".into(), Value::String(format!("{h}:{p}").into()));
                }
            }
            put(&mut a, "status", d.db_instance_status());
            put(&mut a, "arn", d.db_instance_arn());
            finish(kinds::DB_INSTANCE, &tag_map(d.tag_list()), &mut a);
            out.insert(id.to_string(), a);
        }
    }
    Ok(out)
}

async fn read_subnet_groups(
    c: &Clients,
    ids: &[String],
) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    let pages = c
        .rds
        .describe_db_subnet_groups()
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    let mut out = BTreeMap::new();
    for g in pages.iter().flat_map(|p| p.db_subnet_groups()) {
        let Some(name) = g.db_subnet_group_name() else {
            continue;
        };
        if !ids.iter().any(|i| i == name) {
            continue;
        }
        let mut a = Attrs::new();
        put(&mut a, "name", Some(name));
        put(&mut a, "description", g.db_subnet_group_description());
        a.insert(
            "subnet_ids".into(),
            list(g.subnets().iter().filter_map(|s| s.subnet_identifier())),
        );
        put(&mut a, "arn", g.db_subnet_group_arn());
        // DescribeDBSubnetGroups does not return tags: one call per group.
        let mut tags = BTreeMap::new();
        if let Some(arn) = g.db_subnet_group_arn() {
            let resp = c
                .rds
                .list_tags_for_resource()
                .resource_name(arn)
                .send()
                .await
                .map_err(map)?;
            tags = tag_map(resp.tag_list());
        }
        finish(kinds::DB_SUBNET_GROUP, &tags, &mut a);
        out.insert(name.to_string(), a);
    }
    Ok(out)
}

fn is_replica(a: &Attrs) -> bool {
    str_of(a, "replicate_source_db").is_some()
}

pub(crate) async fn create(
    c: &Clients,
    req: &CreateRequest,
    tags: &BTreeMap<String, String>,
) -> Result<String, ProviderError> {
    let a = &req.attrs;
    let opt = |n: &str| str_of(a, n).map(str::to_string);
    let sgs = strings(a, "vpc_security_group_ids");
    let sgs = (!sgs.is_empty()).then_some(sgs);
    if req.kind == kinds::DB_SUBNET_GROUP {
        let name = required(a, "name")?;
        c.rds
            .create_db_subnet_group()
            .db_subnet_group_name(name)
            .db_subnet_group_description(str_of(a, "description").unwrap_or("Managed by Strata"))
            .set_subnet_ids(Some(strings(a, "subnet_ids")))
            .set_tags(Some(rds_tags(tags)))
            .send()
            .await
            .map_err(map)?;
        return Ok(name.to_string());
    }
    let id = required(a, "identifier")?;
    if let Some(source) = str_of(a, "replicate_source_db") {
        c.rds
            .create_db_instance_read_replica()
            .db_instance_identifier(id)
            .source_db_instance_identifier(source)
            .db_instance_class(required(a, "instance_class")?)
            .set_availability_zone(opt("availability_zone"))
            .set_vpc_security_group_ids(sgs)
            .multi_az(bool_or(a, "multi_az", false))
            .deletion_protection(bool_or(a, "deletion_protection", false))
            .set_tags(Some(rds_tags(tags)))
            .send()
            .await
            .map_err(map)?;
        return Ok(id.to_string());
    }
    c.rds
        .create_db_instance()
        .db_instance_identifier(id)
        .engine(str_of(a, "engine").unwrap_or("postgres"))
        .set_engine_version(opt("engine_version"))
        .db_instance_class(required(a, "instance_class")?)
        .allocated_storage(i32_of(a, "allocated_storage").unwrap_or(20))
        .storage_encrypted(bool_or(a, "storage_encrypted", true))
        .set_kms_key_id(opt("kms_key_id"))
        .multi_az(bool_or(a, "multi_az", false))
        .set_availability_zone(opt("availability_zone"))
        .set_db_subnet_group_name(opt("db_subnet_group_name"))
        .set_vpc_security_group_ids(sgs)
        .set_db_name(opt("db_name"))
        .set_master_username(opt("username"))
        .set_master_user_password(opt("password"))
        .backup_retention_period(i32_of(a, "backup_retention_period").unwrap_or(7))
        .deletion_protection(bool_or(a, "deletion_protection", false))
        .set_tags(Some(rds_tags(tags)))
        .send()
        .await
        .map_err(map)?;
    Ok(id.to_string())
}

pub(crate) async fn update(
    c: &Clients,
    req: &UpdateRequest,
    t: Tagging<'_>,
) -> Result<(), ProviderError> {
    let (a, id) = (&req.attrs, req.id.as_str());
    let arn = str_of(&req.prior, "arn").unwrap_or_default().to_string();
    if req.kind == kinds::DB_SUBNET_GROUP {
        if changed(&req.changed, &["subnet_ids", "description"]) {
            c.rds
                .modify_db_subnet_group()
                .db_subnet_group_name(id)
                .set_db_subnet_group_description(str_of(a, "description").map(str::to_string))
                .set_subnet_ids(Some(strings(a, "subnet_ids")))
                .send()
                .await
                .map_err(map)?;
        }
        return sync_tags(c, &arn, t).await;
    }
    let api_fields = [
        "instance_class",
        "engine_version",
        "multi_az",
        "deletion_protection",
        "backup_retention_period",
        "allocated_storage",
        "vpc_security_group_ids",
        "password",
    ];
    if changed(&req.changed, &api_fields) {
        let has = |n: &str| req.changed.iter().any(|c| c == n);
        let mut m = c
            .rds
            .modify_db_instance()
            .db_instance_identifier(id)
            .apply_immediately(bool_or(a, "apply_immediately", true));
        if has("instance_class") {
            m = m.set_db_instance_class(str_of(a, "instance_class").map(str::to_string));
        }
        if has("engine_version") && !is_replica(a) {
            m = m
                .set_engine_version(str_of(a, "engine_version").map(str::to_string))
                .allow_major_version_upgrade(true);
        }
        if has("multi_az") {
            m = m.multi_az(bool_or(a, "multi_az", false));
        }
        if has("deletion_protection") {
            m = m.deletion_protection(bool_or(a, "deletion_protection", false));
        }
        if has("backup_retention_period") && !is_replica(a) {
            m = m.set_backup_retention_period(i32_of(a, "backup_retention_period"));
        }
        if has("allocated_storage") && !is_replica(a) {
            m = m.set_allocated_storage(i32_of(a, "allocated_storage"));
        }
        if has("vpc_security_group_ids") {
            m = m.set_vpc_security_group_ids(Some(strings(a, "vpc_security_group_ids")));
        }
        if has("password") {
            m = m.set_master_user_password(str_of(a, "password").map(str::to_string));
        }
        m.send().await.map_err(map)?;
    }
    sync_tags(c, &arn, t).await
}

pub(crate) async fn delete(c: &Clients, req: &DeleteRequest) -> Result<(), ProviderError> {
    let p = &req.prior;
    if req.kind == kinds::DB_SUBNET_GROUP {
        c.rds
            .delete_db_subnet_group()
            .db_subnet_group_name(&req.id)
            .send()
            .await
            .map_err(map)?;
        return Ok(());
    }
    if bool_or(p, "deletion_protection", false) {
        return Err(protected(&req.id));
    }
    // A replica has no final snapshot of its own; a primary gets one unless
    // the configuration says to skip it.
    let skip = is_replica(p) || bool_or(p, "skip_final_snapshot", false);
    let snapshot = (!skip).then(|| {
        str_of(p, "final_snapshot_identifier")
            .map(str::to_string)
            .unwrap_or_else(|| {
                format!(
                    "{}-final-{}",
                    req.id,
                    chrono::Utc::now().format("%Y%m%d%H%M%S")
                )
            })
    });
    let result = c
        .rds
        .delete_db_instance()
        .db_instance_identifier(&req.id)
        .skip_final_snapshot(skip)
        .set_final_db_snapshot_identifier(snapshot)
        .send()
        .await
        .map_err(map);
    match result {
        Ok(_) => Ok(()),
        Err(e)
            if crate::errors::code_of(&e) == Some("InvalidParameterCombination")
                && e.to_string().to_lowercase().contains("protect") =>
        {
            Err(protected(&req.id))
        }
        Err(e) => Err(e),
    }
}

fn protected(id: &str) -> ProviderError {
    ProviderError::Api {
        code: "InvalidParameterCombination".into(),
        message: format!("Cannot delete protected DB Instance {id}: deletion protection is on."),
        help: Some(format!(
            "set `deletion_protection = false` on {id} and run `strata apply` (an in-place update), then destroy or remove it again"
        )),
    }
}
