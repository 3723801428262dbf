//! How a [`WebService`] tunes its data stores: a PostgreSQL parameter group
//! (slow statements logged, TLS required) and a Redis one, gp3 storage that
//! grows on its own, backup and maintenance windows, Performance Insights,
//! logs in CloudWatch, tags on snapshots, Redis AUTH and snapshots.
//!
//! Every setting here changes in place on a running database or cache:
//! adding it to a stack applied before only updates them (a parameter
//! group is a new resource; pointing an instance at it is a
//! ModifyDBInstance). Each parameter group's name carries its family, so
//! a major upgrade creates the next group before the old one goes.

use strata_core::compare::major_version;
use strata_core::kinds::typed::*;

use super::WebService;

/// The Redis family of the replication group: its engine version is the
/// schema's default, 7.1.
const REDIS_FAMILY: &str = "redis7";

/// The parameter groups the data stores use.
pub(super) struct ParameterGroups {
    /// PostgreSQL's, for the primary and its replicas.
    pub db: Handle<DbParameterGroup>,
    /// Redis's (`None`: AWS's default group).
    pub cache: Option<Handle<CacheParameterGroup>>,
}

/// Declares the parameter groups in `s`.
pub(super) fn parameter_groups(
    web: &WebService,
    s: &mut Scope<'_>,
    tags: &std::collections::BTreeMap<String, String>,
) -> ParameterGroups {
    let n = &web.name;
    let family = format!("postgres{}", major_version(&web.db_engine_version));
    let db = s.add(
        "db_params",
        DbParameterGroup {
            name: format!("{n}-{family}"),
            family,
            description: Some(format!("{n} PostgreSQL settings")),
            parameters: vec![
                DbParameter::immediate(
                    "log_min_duration_statement",
                    web.db_log_min_duration_ms.to_string(),
                ),
                DbParameter::immediate("rds.force_ssl", "1"),
            ],
            tags: tags.clone(),
        },
    );
    let cache = web.cache_parameter_group.then(|| {
        s.add(
            "cache_params",
            CacheParameterGroup {
                name: format!("{n}-{REDIS_FAMILY}"),
                family: REDIS_FAMILY.into(),
                description: Some(format!("{n} Redis settings")),
                parameters: [(
                    "maxmemory-policy".to_string(),
                    web.cache_maxmemory_policy.clone(),
                )]
                .into(),
                tags: tags.clone(),
            },
        )
    });
    ParameterGroups { db, cache }
}

/// The primary's tuning, over `db`.
pub(super) fn primary(web: &WebService, groups: &ParameterGroups, db: DbInstance) -> DbInstance {
    DbInstance {
        maintenance_window: Some(web.db_maintenance_window.clone()),
        backup_window: Some(web.db_backup_window.clone()),
        ..instance(web, groups, db)
    }
}

/// A replica's tuning, over `db`: its maintenance after the primary's, so
/// readers stay up while the primary is patched (a replica has no backups
/// of its own).
pub(super) fn replica(web: &WebService, groups: &ParameterGroups, db: DbInstance) -> DbInstance {
    DbInstance {
        maintenance_window: Some(web.db_replica_maintenance_window.clone()),
        ..instance(web, groups, db)
    }
}

fn instance(web: &WebService, groups: &ParameterGroups, db: DbInstance) -> DbInstance {
    DbInstance {
        storage_type: Some(web.db_storage_type.clone()),
        max_allocated_storage: Some(web.db_max_allocated_storage),
        parameter_group_name: Some(groups.db.name()),
        performance_insights_enabled: Some(web.db_performance_insights),
        performance_insights_retention_period: web.db_performance_insights.then_some(7),
        copy_tags_to_snapshot: Some(true),
        enabled_cloudwatch_logs_exports: vec!["postgresql".into(), "upgrade".into()],
        ..db
    }
}

/// The replication group's tuning, over `redis`.
pub(super) fn cache(
    web: &WebService,
    groups: &ParameterGroups,
    redis: ReplicationGroup,
) -> ReplicationGroup {
    ReplicationGroup {
        auth_token: Some(web.cache_auth_token.clone()),
        parameter_group_name: groups.cache.as_ref().map(|g| g.name()),
        snapshot_retention_limit: Some(web.cache_snapshot_retention_days),
        snapshot_window: Some(web.cache_snapshot_window.clone()),
        maintenance_window: Some(web.cache_maintenance_window.clone()),
        ..redis
    }
}

/// Checks the data stores' parameters (the windows and values themselves
/// are checked with the resources they go into).
pub(super) fn validate(web: &WebService, check: &mut impl FnMut(bool, &str, String, &str)) {
    check(
        web.db_max_allocated_storage > web.db_allocated_storage,
        "db_max_allocated_storage",
        format!(
            "storage autoscaling up to {} GiB leaves no room above db_allocated_storage {} GiB",
            web.db_max_allocated_storage, web.db_allocated_storage
        ),
        "make db_max_allocated_storage larger than db_allocated_storage",
    );
    // A token written in the manifest; one from outside it (env, file, a
    // secret store) is not known while the parameters are checked.
    if let Some(token) = web.cache_auth_token.expose() {
        check(
            (16..=128).contains(&token.chars().count())
                && token
                    .chars()
                    .all(|c| (c.is_ascii_graphic() || c == ' ') && !"/\"@".contains(c)),
            "cache_auth_token",
            format!(
                "the Redis AUTH token ({} characters) is not one AWS accepts",
                token.chars().count()
            ),
            "use 16 to 128 printable ASCII characters without `/`, `\"` or `@`",
        );
    }
    check(
        (0..=35).contains(&web.cache_snapshot_retention_days),
        "cache_snapshot_retention_days",
        format!(
            "{} days of Redis snapshots is out of range",
            web.cache_snapshot_retention_days
        ),
        "0 (none) to 35 days",
    );
    check(
        web.db_log_min_duration_ms >= -1,
        "db_log_min_duration_ms",
        format!("{} ms is not a duration", web.db_log_min_duration_ms),
        "milliseconds, 0 (log every statement) or -1 (log none)",
    );
}
