//! Reading DB instances and DB subnet groups back in the configuration's
//! shape.
//!
//! What AWS reports for an instance (a replica included: its storage,
//! engine version, backup retention, encryption, KMS key, database name,
//! master user and subnet group) is read from DescribeDBInstances, with the
//! modifications AWS keeps for the maintenance window
//! (`PendingModifiedValues`) laid over it: a change applied with
//! `apply_immediately = false` is the instance's configuration from then on,
//! so the next plan does not ask for it again. Only what AWS does not report
//! comes from Strata's tags (`skip_final_snapshot`, ...), and a KMS alias
//! the configuration gave is reported while the instance still uses the key
//! the alias named at create.

use std::collections::BTreeMap;

use aws_sdk_rds::types::{DbInstance, Filter};
use strata_core::kinds;
use strata_core::provider::ProviderError;
use strata_core::value::{Attrs, Value};

use super::{tag_map, KMS_ALIAS_TAG, KMS_KEY_TAG, LEGACY_REPLICA_ECHOES};
use crate::config::Clients;
use crate::errors::map;
use crate::tags::finish;
use crate::util::{int, list, put};

pub(crate) async fn read(
    c: &Clients,
    kind: &str,
    ids: &[String],
) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    if kind == kinds::DB_SUBNET_GROUP {
        return read_subnet_groups(c, ids).await;
    }
    if kind == kinds::DB_PARAMETER_GROUP {
        return crate::parameter_groups::read(c, kind, ids).await;
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
            if let Some((id, a)) = instance_attrs(d) {
                out.insert(id, a);
            }
        }
    }
    Ok(out)
}

/// One DB instance as live attributes (`None` without an identifier).
pub(super) fn instance_attrs(d: &DbInstance) -> Option<(String, Attrs)> {
    let id = d.db_instance_identifier()?;
    let mut a = Attrs::new();
    put(&mut a, "identifier", Some(id));
    put(&mut a, "engine", d.engine());
    put(&mut a, "engine_version", d.engine_version());
    put(
        &mut a,
        "auto_minor_version_upgrade",
        d.auto_minor_version_upgrade(),
    );
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
        d.read_replica_source_db_instance_identifier()
            .map(|s| super::source::reported(s, d.db_instance_arn())),
    );
    put(
        &mut a,
        "backup_retention_period",
        int(d.backup_retention_period()),
    );
    put(&mut a, "deletion_protection", d.deletion_protection());
    super::tuning::read(d, &mut a);
    // A managed master password: the secret RDS keeps it in.
    let secret = d.master_user_secret();
    a.insert(
        "manage_master_user_password".into(),
        Value::Bool(secret.is_some()),
    );
    put(
        &mut a,
        "master_user_secret_arn",
        secret.and_then(|s| s.secret_arn()),
    );
    put(
        &mut a,
        "master_user_secret_kms_key_id",
        secret.and_then(|s| s.kms_key_id()),
    );
    // Strata's own settings, unless a tag says otherwise (as configured).
    a.insert("skip_final_snapshot".into(), Value::Bool(false));
    a.insert("apply_immediately".into(), Value::Bool(false));
    a.insert("allow_major_version_upgrade".into(), Value::Bool(false));
    if let Some(e) = d.endpoint() {
        put(&mut a, "address", e.address());
        put(&mut a, "port", int(e.port()));
        if let (Some(h), Some(p)) = (e.address(), e.port()) {
            a.insert("endpoint".into(), Value::String(format!("{h}:{p}").into()));
        }
    }
    put(&mut a, "status", d.db_instance_status());
    put(&mut a, "arn", d.db_instance_arn());
    overlay_pending(d, &mut a);
    let mut tags = tag_map(d.tag_list());
    // Echo tags of what a replica used to keep in tags: AWS reports those.
    tags.retain(|k, _| {
        !LEGACY_REPLICA_ECHOES
            .iter()
            .any(|n| k.strip_prefix("strata:attr:") == Some(n))
    });
    finish(kinds::DB_INSTANCE, &tags, &mut a);
    kms_as_configured(&tags, &mut a);
    Some((id.to_string(), a))
}

/// Lays the modifications AWS holds for the maintenance window over what it
/// reports now.
fn overlay_pending(d: &DbInstance, a: &mut Attrs) {
    let Some(p) = d.pending_modified_values() else {
        return;
    };
    put(a, "instance_class", p.db_instance_class());
    put(a, "allocated_storage", int(p.allocated_storage()));
    put(a, "engine_version", p.engine_version());
    put(a, "multi_az", p.multi_az());
    put(a, "db_subnet_group_name", p.db_subnet_group_name());
    put(
        a,
        "backup_retention_period",
        int(p.backup_retention_period()),
    );
}

/// Reports the KMS alias the configuration gave while the instance's key is
/// still the one the alias named at create (recorded in tags); otherwise
/// AWS's key ARN stays.
fn kms_as_configured(tags: &BTreeMap<String, String>, a: &mut Attrs) {
    let (Some(alias), Some(key)) = (tags.get(KMS_ALIAS_TAG), tags.get(KMS_KEY_TAG)) else {
        return;
    };
    if a.get("kms_key_id").and_then(Value::as_str) == Some(key.as_str()) {
        a.insert("kms_key_id".into(), Value::String(alias.clone().into()));
    }
}

/// The tags of the RDS resource `arn` (none without one): one call.
pub(crate) async fn tags_of(
    c: &Clients,
    arn: Option<&str>,
) -> Result<BTreeMap<String, String>, ProviderError> {
    let Some(arn) = arn else {
        return Ok(BTreeMap::new());
    };
    let resp = c
        .rds
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .map_err(map)?;
    Ok(tag_map(resp.tag_list()))
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
        let tags = tags_of(c, g.db_subnet_group_arn()).await?;
        finish(kinds::DB_SUBNET_GROUP, &tags, &mut a);
        out.insert(name.to_string(), a);
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use aws_sdk_rds::types::{DbSubnetGroup, PendingModifiedValues, Tag};

    use super::*;

    const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd";

    fn tag(k: &str, v: &str) -> Tag {
        Tag::builder().key(k).value(v).build()
    }

    fn replica() -> aws_sdk_rds::types::builders::DbInstanceBuilder {
        DbInstance::builder()
            .db_instance_identifier("shop-replica")
            .engine("postgres")
            .engine_version("16.4")
            .db_instance_class("db.t4g.medium")
            .allocated_storage(50)
            .backup_retention_period(7)
            .storage_encrypted(true)
            .kms_key_id(KEY)
            .db_name("app")
            .master_username("app")
            .db_subnet_group(
                DbSubnetGroup::builder()
                    .db_subnet_group_name("shop-db")
                    .build(),
            )
            .read_replica_source_db_instance_identifier("shop-db")
            .auto_minor_version_upgrade(false)
    }

    #[test]
    fn a_replica_reports_what_aws_says_not_its_old_echo_tags() {
        // Tags a replica carried before: they must not hide AWS's values.
        let d = replica()
            .tag_list(tag("strata:attr:allocated_storage", "20"))
            .tag_list(tag("strata:attr:engine_version", "16"))
            .tag_list(tag("strata:attr:backup_retention_period", "0"))
            .tag_list(tag("strata:attr:db_subnet_group_name", "old"))
            .tag_list(tag("strata:attr:kms_key_id", "alias/old"))
            .tag_list(tag("strata:attr:skip_final_snapshot", "true"))
            .build();
        let (id, a) = instance_attrs(&d).unwrap();
        assert_eq!(id, "shop-replica");
        assert_eq!(a["allocated_storage"], Value::Int(50));
        assert_eq!(a["engine_version"], Value::from("16.4"));
        assert_eq!(a["backup_retention_period"], Value::Int(7));
        assert_eq!(a["db_subnet_group_name"], Value::from("shop-db"));
        assert_eq!(a["kms_key_id"], Value::from(KEY));
        assert_eq!(a["replicate_source_db"], Value::from("shop-db"));
        assert_eq!(a["auto_minor_version_upgrade"], Value::Bool(false));
        // What AWS does not report still comes from the tags.
        assert_eq!(a["skip_final_snapshot"], Value::Bool(true));
        assert_eq!(a["apply_immediately"], Value::Bool(false));
        assert_eq!(a["allow_major_version_upgrade"], Value::Bool(false));
    }

    #[test]
    fn changes_waiting_for_the_maintenance_window_are_reported_as_made() {
        let d = replica()
            .pending_modified_values(
                PendingModifiedValues::builder()
                    .db_instance_class("db.t4g.large")
                    .allocated_storage(80)
                    .engine_version("16.6")
                    .multi_az(true)
                    .db_subnet_group_name("shop-db-2")
                    .backup_retention_period(14)
                    .build(),
            )
            .build();
        let (_, a) = instance_attrs(&d).unwrap();
        assert_eq!(a["instance_class"], Value::from("db.t4g.large"));
        assert_eq!(a["allocated_storage"], Value::Int(80));
        assert_eq!(a["engine_version"], Value::from("16.6"));
        assert_eq!(a["multi_az"], Value::Bool(true));
        assert_eq!(a["db_subnet_group_name"], Value::from("shop-db-2"));
        assert_eq!(a["backup_retention_period"], Value::Int(14));
    }

    #[test]
    fn a_kms_alias_is_reported_while_the_key_is_the_one_it_named() {
        let d = replica()
            .tag_list(tag(KMS_ALIAS_TAG, "alias/shop"))
            .tag_list(tag(KMS_KEY_TAG, KEY))
            .build();
        let (_, a) = instance_attrs(&d).unwrap();
        assert_eq!(a["kms_key_id"], Value::from("alias/shop"));

        let other = "arn:aws:kms:us-east-1:123456789012:key/5678efgh";
        let d = replica()
            .kms_key_id(other)
            .tag_list(tag(KMS_ALIAS_TAG, "alias/shop"))
            .tag_list(tag(KMS_KEY_TAG, KEY))
            .build();
        let (_, a) = instance_attrs(&d).unwrap();
        assert_eq!(a["kms_key_id"], Value::from(other));
        assert!(!a.contains_key("tags"), "Strata's tags are not user tags");
    }
}
