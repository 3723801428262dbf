//! RDS: DB subnet groups and PostgreSQL DB instances (primaries, and read
//! replicas made with CreateDBInstanceReadReplica).
//!
//! Identifier, engine, storage encryption, KMS key, AZ and a new replica
//! source force replacement (the schema says why); everything else changes
//! in place with ModifyDBInstance, sent with `ApplyImmediately` as
//! configured (AWS's default, the maintenance window, unless asked).
//! Removing `replicate_source_db` promotes the replica (PromoteReadReplica),
//! never deletes it. Reading is in [`read`].

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_rds::types::{DbInstance, Tag};
use strata_core::compare::major_version;
use strata_core::kinds;
use strata_core::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::Attrs;

use crate::config::Clients;
use crate::errors::{code_of, map};
use crate::util::{bool_or, changed, i32_of, required, str_of, strings};
use crate::Tagging;

mod read;
mod source;
#[macro_use]
mod tuning;

pub(crate) use read::{read, tags_of};

/// The KMS alias (name or ARN) the configuration gave at create.
const KMS_ALIAS_TAG: &str = "strata:kms:alias";
/// The key ARN AWS reported for the instance at create.
const KMS_KEY_TAG: &str = "strata:kms:key";
/// What a replica used to keep in echo tags: AWS reports all of it, so
/// read ignores these tags and updates remove them.
const LEGACY_REPLICA_ECHOES: &[&str] = &[
    "engine_version",
    "allocated_storage",
    "backup_retention_period",
    "storage_encrypted",
    "kms_key_id",
    "db_name",
    "username",
    "db_subnet_group_name",
];
/// How long an update waits for a promoted replica to take modifications.
const PROMOTE_WAIT: Duration = Duration::from_secs(3600);

pub(crate) fn rds_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

pub(crate) fn tag_map(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

pub(crate) async fn sync_tags(c: &Clients, arn: &str, t: Tagging<'_>) -> Result<(), ProviderError> {
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

/// Whether a configured KMS key is an alias (`alias/x` or an alias ARN),
/// which AWS reports as the key ARN it names.
fn is_kms_alias(key: &str) -> bool {
    key.starts_with("alias/") || (key.starts_with("arn:") && key.contains(":alias/"))
}

pub(crate) async fn create(
    c: &Clients,
    req: &CreateRequest,
    tags: &BTreeMap<String, String>,
) -> Result<String, ProviderError> {
    if req.kind == kinds::DB_PARAMETER_GROUP {
        return crate::parameter_groups::create(c, req, tags).await;
    }
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
    let created = if let Some(source) = str_of(a, "replicate_source_db") {
        // A replica in the source's region takes the source's engine
        // version, encryption and KMS key; its storage and subnet group
        // are its own. A source in another region is named by ARN, and an
        // encrypted one needs a KMS key of this region (`source`).
        let call = c
            .rds
            .create_db_instance_read_replica()
            .db_instance_identifier(id)
            .source_db_instance_identifier(source)
            .set_kms_key_id(opt("kms_key_id"))
            .db_instance_class(required(a, "instance_class")?)
            .set_allocated_storage(i32_of(a, "allocated_storage"))
            .set_availability_zone(opt("availability_zone"))
            .set_db_subnet_group_name(opt("db_subnet_group_name"))
            .set_vpc_security_group_ids(sgs)
            .multi_az(bool_or(a, "multi_az", false))
            .auto_minor_version_upgrade(bool_or(a, "auto_minor_version_upgrade", true))
            .deletion_protection(bool_or(a, "deletion_protection", false))
            .set_tags(Some(rds_tags(tags)));
        let created = tuned!(call, a)
            .send()
            .await
            .map_err(|e| source::with_help(map(e), source))?;
        // CreateDBInstanceReadReplica takes no maintenance window: it is
        // set once AWS takes modifications of the new replica.
        if let Some(window) = opt("maintenance_window") {
            let m = Modify {
                tuning: tuning::Tuning::maintenance(window),
                ..Modify::default()
            };
            modify(c, id, true, m, true).await?;
        }
        created.db_instance
    } else {
        let call = c
            .rds
            .create_db_instance()
            .db_instance_identifier(id)
            .engine(str_of(a, "engine").unwrap_or("postgres"))
            .set_engine_version(opt("engine_version"))
            .auto_minor_version_upgrade(bool_or(a, "auto_minor_version_upgrade", true))
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
            .set_manage_master_user_password(
                a.get("manage_master_user_password")
                    .and_then(|v| v.as_bool()),
            )
            .set_master_user_secret_kms_key_id(opt("master_user_secret_kms_key_id"))
            .backup_retention_period(i32_of(a, "backup_retention_period").unwrap_or(7))
            .deletion_protection(bool_or(a, "deletion_protection", false))
            .set_preferred_maintenance_window(opt("maintenance_window"))
            .set_preferred_backup_window(opt("backup_window"))
            .set_tags(Some(rds_tags(tags)));
        tuned!(call, a).send().await.map_err(map)?.db_instance
    };
    if let Some(alias) = str_of(a, "kms_key_id").filter(|k| is_kms_alias(k)) {
        record_kms_alias(c, id, alias, created).await?;
    }
    Ok(id.to_string())
}

/// Records a configured KMS alias with the key ARN AWS reports for the new
/// instance, so read can answer with the alias while that key is in use.
async fn record_kms_alias(
    c: &Clients,
    id: &str,
    alias: &str,
    created: Option<DbInstance>,
) -> Result<(), ProviderError> {
    let known = created.filter(|d| d.kms_key_id().is_some() && d.db_instance_arn().is_some());
    let d = match known {
        Some(d) => Some(d),
        None => describe(c, id).await?,
    };
    let Some((arn, key)) = d.as_ref().and_then(|d| {
        d.db_instance_arn()
            .zip(d.kms_key_id())
            .map(|(a, k)| (a.to_string(), k.to_string()))
    }) else {
        return Ok(());
    };
    c.rds
        .add_tags_to_resource()
        .resource_name(arn)
        .tags(Tag::builder().key(KMS_ALIAS_TAG).value(alias).build())
        .tags(Tag::builder().key(KMS_KEY_TAG).value(key).build())
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

/// The instance as AWS describes it now (`None`: AWS does not know it).
async fn describe(c: &Clients, id: &str) -> Result<Option<DbInstance>, ProviderError> {
    let result = c
        .rds
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .map_err(map);
    match result {
        Ok(r) => Ok(r.db_instances().first().cloned()),
        Err(e) if crate::errors::is_not_found(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The ModifyDBInstance members an update sets (none: no call).
#[derive(Default, PartialEq)]
struct Modify {
    instance_class: Option<String>,
    engine_version: Option<String>,
    allow_major_version_upgrade: Option<bool>,
    auto_minor_version_upgrade: Option<bool>,
    multi_az: Option<bool>,
    deletion_protection: Option<bool>,
    backup_retention_period: Option<i32>,
    allocated_storage: Option<i32>,
    vpc_security_group_ids: Option<Vec<String>>,
    password: Option<String>,
    manage_master_user_password: Option<bool>,
    master_user_secret_kms_key_id: Option<String>,
    db_subnet_group_name: Option<String>,
    tuning: tuning::Tuning,
}

impl Modify {
    /// What an update changes through ModifyDBInstance. A replica takes
    /// storage, engine version and backup retention like any instance; a
    /// backup retention already sent with PromoteReadReplica is not sent
    /// again.
    fn of(req: &UpdateRequest, promoted: bool) -> Self {
        let a = &req.attrs;
        let has = |n: &str| req.changed.iter().any(|c| c == n);
        let text = |n: &str| has(n).then(|| str_of(a, n).map(str::to_string)).flatten();
        let flag = |n: &str, default: bool| has(n).then(|| bool_or(a, n, default));
        let number = |n: &str| has(n).then(|| i32_of(a, n)).flatten();
        let engine_version = text("engine_version");
        // AWS wants AllowMajorVersionUpgrade only for another major version
        // (the plan refuses one the configuration does not allow).
        let allow_major_version_upgrade = engine_version.as_deref().and_then(|want| {
            let have = str_of(&req.prior, "engine_version")?;
            (major_version(want) != major_version(have))
                .then(|| bool_or(a, "allow_major_version_upgrade", false))
        });
        Self {
            instance_class: text("instance_class"),
            engine_version,
            allow_major_version_upgrade,
            auto_minor_version_upgrade: flag("auto_minor_version_upgrade", true),
            multi_az: flag("multi_az", false),
            deletion_protection: flag("deletion_protection", false),
            backup_retention_period: number("backup_retention_period").filter(|_| !promoted),
            allocated_storage: number("allocated_storage"),
            vpc_security_group_ids: has("vpc_security_group_ids")
                .then(|| strings(a, "vpc_security_group_ids")),
            password: text("password"),
            manage_master_user_password: flag("manage_master_user_password", false),
            master_user_secret_kms_key_id: text("master_user_secret_kms_key_id"),
            db_subnet_group_name: text("db_subnet_group_name"),
            tuning: tuning::Tuning::of(req),
        }
    }

    fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Whether an update removes `replicate_source_db` from an instance that
/// replicates: a promotion.
fn promotes(req: &UpdateRequest) -> bool {
    req.changed.iter().any(|c| c == "replicate_source_db")
        && str_of(&req.attrs, "replicate_source_db").is_none()
        && str_of(&req.prior, "replicate_source_db").is_some()
}

pub(crate) async fn update(
    c: &Clients,
    req: &UpdateRequest,
    t: Tagging<'_>,
) -> Result<(), ProviderError> {
    if req.kind == kinds::DB_PARAMETER_GROUP {
        return crate::parameter_groups::update(c, req, t).await;
    }
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
    let promoted = promotes(req);
    if promoted {
        c.rds
            .promote_read_replica()
            .db_instance_identifier(id)
            .set_backup_retention_period(i32_of(a, "backup_retention_period"))
            .send()
            .await
            .map_err(map)?;
    }
    let m = Modify::of(req, promoted);
    if !m.is_empty() {
        modify(c, id, bool_or(a, "apply_immediately", false), m, promoted).await?;
    }
    let mut stale = t.stale.to_vec();
    for name in LEGACY_REPLICA_ECHOES {
        let key = format!("strata:attr:{name}");
        if !t.desired.contains_key(&key) && !stale.contains(&key) {
            stale.push(key);
        }
    }
    sync_tags(
        c,
        &arn,
        Tagging {
            desired: t.desired,
            stale: &stale,
        },
    )
    .await
}

/// Sends ModifyDBInstance. After a promotion (or a replica's creation) AWS
/// is busy with the instance for a while: the call is repeated until AWS
/// takes it.
async fn modify(
    c: &Clients,
    id: &str,
    now: bool,
    m: Modify,
    after_promotion: bool,
) -> Result<(), ProviderError> {
    let call = c
        .rds
        .modify_db_instance()
        .db_instance_identifier(id)
        .apply_immediately(now)
        .set_db_instance_class(m.instance_class)
        .set_engine_version(m.engine_version)
        .set_allow_major_version_upgrade(m.allow_major_version_upgrade)
        .set_auto_minor_version_upgrade(m.auto_minor_version_upgrade)
        .set_multi_az(m.multi_az)
        .set_deletion_protection(m.deletion_protection)
        .set_backup_retention_period(m.backup_retention_period)
        .set_allocated_storage(m.allocated_storage)
        .set_vpc_security_group_ids(m.vpc_security_group_ids)
        .set_master_user_password(m.password)
        .set_manage_master_user_password(m.manage_master_user_password)
        .set_master_user_secret_kms_key_id(m.master_user_secret_kms_key_id)
        .set_db_subnet_group_name(m.db_subnet_group_name);
    let call = m.tuning.apply(call);
    let start = Instant::now();
    loop {
        match call.clone().send().await.map_err(map) {
            Ok(_) => return Ok(()),
            Err(e)
                if after_promotion
                    && code_of(&e) == Some("InvalidDBInstanceState")
                    && start.elapsed() < PROMOTE_WAIT =>
            {
                tokio::time::sleep(Duration::from_secs(15)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Whether a delete skips the final snapshot, and the snapshot's name
/// otherwise. A replica has no final snapshot of its own (AWS refuses
/// one); any other instance, a former replica included, gets one unless
/// the configuration says to skip it.
fn final_snapshot(id: &str, replica: bool, prior: &Attrs, stamp: &str) -> (bool, Option<String>) {
    let skip = replica || bool_or(prior, "skip_final_snapshot", false);
    let name = (!skip).then(|| {
        str_of(prior, "final_snapshot_identifier")
            .map(str::to_string)
            .unwrap_or_else(|| format!("{id}-final-{stamp}"))
    });
    (skip, name)
}

pub(crate) async fn delete(c: &Clients, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind == kinds::DB_PARAMETER_GROUP {
        return crate::parameter_groups::delete(c, req).await;
    }
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
    // Whether it replicates now, as AWS says: the state may still name the
    // source of a replica promoted since.
    let Some(live) = describe(c, &req.id).await? else {
        return Err(ProviderError::NotFound {
            kind: req.kind.clone(),
            id: req.id.clone(),
        });
    };
    let replica = live.read_replica_source_db_instance_identifier().is_some();
    let stamp = chrono::Utc::now().format("%Y%m%d%H%M%S").to_string();
    let (skip, snapshot) = final_snapshot(&req.id, replica, p, &stamp);
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
            if code_of(&e) == Some("InvalidParameterCombination")
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use strata_core::addr::Address;
    use strata_core::value::Value;

    use super::*;

    fn attrs(pairs: &[(&str, Value)]) -> Attrs {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn update(
        prior: &[(&str, Value)],
        desired: &[(&str, Value)],
        changed: &[&str],
    ) -> UpdateRequest {
        UpdateRequest {
            address: Address::parse("db.replica").unwrap(),
            kind: kinds::DB_INSTANCE.into(),
            id: "shop-replica".into(),
            prior: attrs(prior),
            attrs: attrs(desired),
            changed: changed.iter().map(|c| c.to_string()).collect(),
            stack: "shop".into(),
        }
    }

    #[test]
    fn a_replica_is_modified_like_any_instance() {
        let req = update(
            &[
                ("replicate_source_db", "shop-db".into()),
                ("allocated_storage", Value::Int(20)),
                ("engine_version", "16.4".into()),
                ("backup_retention_period", Value::Int(0)),
            ],
            &[
                ("replicate_source_db", "shop-db".into()),
                ("allocated_storage", Value::Int(40)),
                ("engine_version", "16.6".into()),
                ("backup_retention_period", Value::Int(7)),
            ],
            &[
                "allocated_storage",
                "engine_version",
                "backup_retention_period",
            ],
        );
        assert!(!promotes(&req));
        let m = Modify::of(&req, false);
        assert_eq!(m.allocated_storage, Some(40));
        assert_eq!(m.engine_version.as_deref(), Some("16.6"));
        assert_eq!(m.backup_retention_period, Some(7));
        assert_eq!(m.allow_major_version_upgrade, None, "a minor upgrade");
    }

    #[test]
    fn nothing_to_modify_sends_no_modify_call() {
        let req = update(
            &[("tags", Value::Map(Attrs::new()))],
            &[("allow_major_version_upgrade", Value::Bool(true))],
            &["tags", "allow_major_version_upgrade", "apply_immediately"],
        );
        assert!(Modify::of(&req, false).is_empty());
    }

    #[test]
    fn removing_the_source_promotes_and_sends_backup_retention_once() {
        let req = update(
            &[
                ("replicate_source_db", "shop-db".into()),
                ("backup_retention_period", Value::Int(0)),
                ("db_subnet_group_name", "old".into()),
            ],
            &[
                ("backup_retention_period", Value::Int(7)),
                ("db_subnet_group_name", "new".into()),
            ],
            &[
                "replicate_source_db",
                "backup_retention_period",
                "db_subnet_group_name",
            ],
        );
        assert!(promotes(&req));
        let m = Modify::of(&req, true);
        assert_eq!(
            m.backup_retention_period, None,
            "sent with PromoteReadReplica"
        );
        assert_eq!(m.db_subnet_group_name.as_deref(), Some("new"));
    }

    #[test]
    fn a_major_upgrade_asks_aws_only_with_the_configured_allowance() {
        let req = update(
            &[("engine_version", "16.4".into())],
            &[
                ("engine_version", "17".into()),
                ("allow_major_version_upgrade", Value::Bool(true)),
                ("auto_minor_version_upgrade", Value::Bool(false)),
            ],
            &["engine_version", "auto_minor_version_upgrade"],
        );
        let m = Modify::of(&req, false);
        assert_eq!(m.allow_major_version_upgrade, Some(true));
        assert_eq!(m.auto_minor_version_upgrade, Some(false));
    }

    #[test]
    fn a_former_replica_gets_its_final_snapshot() {
        let prior = attrs(&[
            ("replicate_source_db", "shop-db".into()),
            ("final_snapshot_identifier", "shop-replica-last".into()),
        ]);
        // AWS says it no longer replicates, though the state names a source.
        assert_eq!(
            final_snapshot("shop-replica", false, &prior, "1"),
            (false, Some("shop-replica-last".into()))
        );
        assert_eq!(
            final_snapshot("shop-replica", true, &prior, "1"),
            (true, None)
        );
        let skip = attrs(&[("skip_final_snapshot", Value::Bool(true))]);
        assert_eq!(final_snapshot("shop-db", false, &skip, "1"), (true, None));
        assert_eq!(
            final_snapshot("shop-db", false, &Attrs::new(), "20260101"),
            (false, Some("shop-db-final-20260101".into()))
        );
    }

    #[test]
    fn kms_aliases_are_told_from_keys() {
        assert!(is_kms_alias("alias/shop"));
        assert!(is_kms_alias(
            "arn:aws:kms:us-east-1:123456789012:alias/shop"
        ));
        assert!(!is_kms_alias(
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd"
        ));
        assert!(!is_kms_alias("1234abcd"));
    }
}
