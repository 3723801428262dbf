//! What AWS refuses in the settings of data stores, checked before any
//! call: maintenance, backup and snapshot windows, storage types and
//! provisioned IOPS, Performance Insights and Enhanced Monitoring, log
//! exports, Redis AUTH, and parameter groups.

use crate::value::{Attrs, Value};

use super::parameter_groups::APPLY_METHODS;
use super::validate::AttrProblem;

/// The storage types of an RDS instance.
pub const STORAGE_TYPES: &[&str] = &["gp3", "gp2", "io1", "io2", "standard"];
/// Enhanced Monitoring intervals, in seconds (0: off).
const MONITORING_INTERVALS: &[i64] = &[0, 1, 5, 10, 15, 30, 60];
/// The logs RDS for PostgreSQL publishes to CloudWatch Logs.
pub const LOG_EXPORTS: &[&str] = &["postgresql", "upgrade", "iam-db-auth-error"];
/// How ModifyReplicationGroup changes an AUTH token.
pub const AUTH_STRATEGIES: &[&str] = &["ROTATE", "SET", "DELETE"];
/// The days of a weekly window, as AWS writes them.
const DAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_MINUTES: i64 = 24 * 60;
const WEEK_MINUTES: i64 = 7 * DAY_MINUTES;

/// A window: its start (minutes into the day or week) and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Minutes from the start of the day (daily) or Monday 00:00 (weekly).
    pub start: i64,
    /// Minutes it lasts.
    pub minutes: i64,
}

fn clock(s: &str) -> Option<i64> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)
}

/// A daily window `hh24:mi-hh24:mi` (UTC); it may run past midnight.
pub fn daily_window(s: &str) -> Result<Window, String> {
    let bad = || format!("`{s}` is not a daily window `hh24:mi-hh24:mi`");
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let (start, end) = (clock(a).ok_or_else(bad)?, clock(b).ok_or_else(bad)?);
    Ok(Window {
        start,
        minutes: (end - start).rem_euclid(DAY_MINUTES),
    })
}

fn weekly_point(s: &str) -> Option<i64> {
    let (day, time) = s.split_once(':')?;
    let d = DAYS.iter().position(|x| *x == day)?;
    Some(i64::try_from(d).ok()? * DAY_MINUTES + clock(time)?)
}

/// A weekly window `ddd:hh24:mi-ddd:hh24:mi` (UTC, days in lower case).
pub fn weekly_window(s: &str) -> Result<Window, String> {
    let bad = || {
        format!(
            "`{s}` is not a weekly window `ddd:hh24:mi-ddd:hh24:mi` (days mon … sun, lower case)"
        )
    };
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let (start, end) = (
        weekly_point(a).ok_or_else(bad)?,
        weekly_point(b).ok_or_else(bad)?,
    );
    Ok(Window {
        start,
        minutes: (end - start).rem_euclid(WEEK_MINUTES),
    })
}

/// Whether a daily window falls, on any day, into a weekly one.
pub fn daily_overlaps_weekly(daily: Window, weekly: Window) -> bool {
    (0..7).any(|day| {
        let start = day * DAY_MINUTES + daily.start;
        let arc = |from: i64, to: i64| (to - from).rem_euclid(WEEK_MINUTES);
        arc(start, weekly.start) < daily.minutes || arc(weekly.start, start) < weekly.minutes
    })
}

/// Checks one attribute of a data store's settings.
pub(super) fn check_value(name: &str, value: &Value, out: &mut Vec<AttrProblem>) {
    let mut bad = |msg: String, help: &str| {
        out.push(AttrProblem::new(Some(name), msg, Some(help.to_string())));
    };
    match (name, value) {
        ("maintenance_window", Value::String(s)) => {
            if let Err(msg) = weekly_window(s) {
                bad(msg, "e.g. `sun:05:00-sun:06:00` (UTC)");
            }
        }
        ("backup_window" | "snapshot_window", Value::String(s)) => {
            if let Err(msg) = daily_window(s) {
                bad(msg, "e.g. `03:00-04:00` (UTC)");
            }
        }
        ("storage_type", Value::String(s)) if !STORAGE_TYPES.contains(&s.as_str()) => {
            bad(
                format!("`{s}` is not an RDS storage type"),
                &format!("one of: {}", STORAGE_TYPES.join(", ")),
            );
        }
        ("monitoring_interval", Value::Int(n)) if !MONITORING_INTERVALS.contains(n) => {
            bad(
                format!("an Enhanced Monitoring interval of {n} s is not one AWS offers"),
                "0 (off), 1, 5, 10, 15, 30 or 60 seconds",
            );
        }
        ("performance_insights_retention_period", Value::Int(n))
            if !(*n == 7 || *n == 731 || (*n % 31 == 0 && (31..=713).contains(n))) =>
        {
            bad(
                format!("Performance Insights cannot keep data {n} days"),
                "7 (the free tier), a multiple of 31 up to 713 (months), or 731",
            );
        }
        ("enabled_cloudwatch_logs_exports", Value::List(items)) => {
            for s in items.iter().filter_map(Value::as_str) {
                if !LOG_EXPORTS.contains(&s) {
                    bad(
                        format!("`{s}` is not a log RDS for PostgreSQL exports"),
                        &format!("one of: {}", LOG_EXPORTS.join(", ")),
                    );
                }
            }
        }
        ("auth_token", Value::String(s)) => {
            // The token itself is never shown.
            let printable = s.chars().all(|c| c.is_ascii_graphic() || c == ' ');
            let forbidden = s.contains(['/', '"', '@']);
            if !(16..=128).contains(&s.chars().count()) || !printable || forbidden {
                bad(
                    format!(
                        "the AUTH token ({} characters) is not one AWS accepts",
                        s.chars().count()
                    ),
                    "use 16 to 128 printable ASCII characters without `/`, `\"` or `@`",
                );
            }
        }
        ("auth_token_update_strategy", Value::String(s))
            if !AUTH_STRATEGIES.contains(&s.as_str()) =>
        {
            bad(
                format!("`{s}` is not an AUTH token update strategy"),
                &format!("one of: {}", AUTH_STRATEGIES.join(", ")),
            );
        }
        ("snapshot_retention_limit", Value::Int(n)) if !(0..=35).contains(n) => {
            bad(
                format!("{n} days of snapshots is out of range"),
                "0 (off) to 35 days",
            );
        }
        ("max_allocated_storage" | "iops" | "storage_throughput", Value::Int(n)) if *n < 1 => {
            bad(
                format!("{name} {n} is not positive"),
                "give a positive number",
            );
        }
        ("family", Value::String(s)) if s.is_empty() || s.chars().any(char::is_uppercase) => {
            bad(
                format!("`{s}` is not a parameter group family"),
                "e.g. `postgres16` or `redis7`, in lower case",
            );
        }
        ("parameters", Value::List(items)) => check_parameters(name, items, out),
        _ => {}
    }
}

fn check_parameters(name: &str, items: &[Value], out: &mut Vec<AttrProblem>) {
    let mut seen: Vec<&str> = Vec::new();
    for p in items.iter().filter_map(Value::as_map) {
        if let Some(n) = p.get("name").and_then(Value::as_str) {
            if seen.contains(&n) {
                out.push(AttrProblem::new(
                    Some(name),
                    format!("parameter `{n}` is set twice"),
                    Some("keep one value per parameter".into()),
                ));
            }
            seen.push(n);
        }
        if let Some(m) = p.get("apply_method").and_then(Value::as_str) {
            if !APPLY_METHODS.contains(&m) {
                out.push(AttrProblem::new(
                    Some(name),
                    format!("`apply_method = \"{m}\"` is not allowed"),
                    Some(format!("one of: {}", APPLY_METHODS.join(", "))),
                ));
            }
        }
    }
}

/// Rules between a data store's attributes.
pub(super) fn check_cross(kind: &str, attrs: &Attrs, out: &mut Vec<AttrProblem>) {
    match kind {
        super::DB_INSTANCE => check_db_instance(attrs, out),
        super::REPLICATION_GROUP => check_replication_group(attrs, out),
        super::DB_PARAMETER_GROUP | super::CACHE_PARAMETER_GROUP => {
            if let Some(s) = attrs.get("name").and_then(Value::as_str) {
                if let Err(msg) = super::validate::check_identifier(s, 255) {
                    out.push(AttrProblem::new(
                        Some("name"),
                        msg,
                        Some("use letters, digits and hyphens, starting with a letter, no `--`, not ending in `-`".into()),
                    ));
                } else if let Some(problem) = super::validate::upper_case("name", s) {
                    out.push(problem);
                }
            }
        }
        _ => {}
    }
}

fn problem(out: &mut Vec<AttrProblem>, attr: &str, msg: impl Into<String>, help: &str) {
    out.push(AttrProblem::new(Some(attr), msg, Some(help.to_string())));
}

fn check_window_length(
    attrs: &Attrs,
    name: &str,
    weekly: bool,
    least: i64,
    out: &mut Vec<AttrProblem>,
) -> Option<Window> {
    let s = attrs.get(name).and_then(Value::as_str)?;
    let w = if weekly {
        weekly_window(s)
    } else {
        daily_window(s)
    }
    .ok()?;
    if w.minutes < least {
        problem(
            out,
            name,
            format!("the window `{s}` lasts {} minutes", w.minutes),
            &format!("AWS needs at least {least} minutes"),
        );
    }
    Some(w)
}

fn check_db_instance(attrs: &Attrs, out: &mut Vec<AttrProblem>) {
    let int = |k: &str| attrs.get(k).and_then(Value::as_i64);
    let text = |k: &str| attrs.get(k).and_then(Value::as_str);
    if let (Some(max), Some(size)) = (int("max_allocated_storage"), int("allocated_storage")) {
        if max <= size {
            problem(
                out,
                "max_allocated_storage",
                format!("max_allocated_storage {max} GiB is not above allocated_storage {size} GiB"),
                "storage autoscaling grows storage up to max_allocated_storage: make it larger, or leave it out",
            );
        }
    }
    let storage = text("storage_type");
    let iops = attrs.contains_key("iops");
    let throughput = attrs.contains_key("storage_throughput");
    match storage {
        Some("io1" | "io2") if !iops => problem(
            out,
            "iops",
            format!("{} storage needs iops", storage.unwrap_or_default()),
            "set iops (at least 1000)",
        ),
        Some("gp3") => {
            let size = int("allocated_storage").unwrap_or(20);
            if (iops || throughput) && size < 400 {
                problem(
                    out,
                    if iops { "iops" } else { "storage_throughput" },
                    format!(
                        "gp3 PostgreSQL storage of {size} GiB has AWS's baseline (3000 IOPS, 125 MiB/s): IOPS and throughput can be set from 400 GiB"
                    ),
                    "leave iops and storage_throughput out, or allocate 400 GiB or more",
                );
            }
        }
        _ if iops && !matches!(storage, Some("io1" | "io2" | "gp3")) => problem(
            out,
            "iops",
            "iops needs storage_type io1, io2 or gp3",
            "set storage_type, or leave iops out",
        ),
        _ => {}
    }
    if throughput && storage != Some("gp3") {
        problem(
            out,
            "storage_throughput",
            "storage_throughput is for gp3 storage only",
            "set storage_type = \"gp3\", or leave storage_throughput out",
        );
    }
    let interval = int("monitoring_interval").unwrap_or(0);
    let role = attrs.contains_key("monitoring_role_arn");
    if interval > 0 && !role {
        problem(
            out,
            "monitoring_role_arn",
            format!("Enhanced Monitoring every {interval} s needs monitoring_role_arn"),
            "give the ARN of a role RDS can assume (with AmazonRDSEnhancedMonitoringRole), or set monitoring_interval = 0",
        );
    }
    if interval == 0 && role {
        problem(
            out,
            "monitoring_role_arn",
            "monitoring_role_arn is set but Enhanced Monitoring is off",
            "set monitoring_interval above 0, or leave monitoring_role_arn out",
        );
    }
    if attrs.contains_key("performance_insights_retention_period")
        && attrs
            .get("performance_insights_enabled")
            .and_then(Value::as_bool)
            != Some(true)
    {
        problem(
            out,
            "performance_insights_retention_period",
            "a Performance Insights retention without Performance Insights",
            "set performance_insights_enabled = true",
        );
    }
    let maintenance = check_window_length(attrs, "maintenance_window", true, 30, out);
    let backup = check_window_length(attrs, "backup_window", false, 30, out);
    if let (Some(m), Some(b)) = (maintenance, backup) {
        if daily_overlaps_weekly(b, m) {
            problem(
                out,
                "backup_window",
                "the backup window overlaps the maintenance window",
                "move one of them: AWS refuses overlapping windows",
            );
        }
    }
}

fn check_replication_group(attrs: &Attrs, out: &mut Vec<AttrProblem>) {
    let boolean = |k: &str| attrs.get(k).and_then(Value::as_bool);
    let token = attrs.get("auth_token").is_some_and(|v| *v != Value::Null);
    if token && boolean("transit_encryption_enabled") == Some(false) {
        problem(
            out,
            "auth_token",
            "Redis AUTH needs transit encryption",
            "set transit_encryption_enabled = true (AWS takes an AUTH token only over TLS)",
        );
    }
    let strategy = attrs
        .get("auth_token_update_strategy")
        .and_then(Value::as_str);
    if token && strategy == Some("DELETE") {
        problem(
            out,
            "auth_token_update_strategy",
            "auth_token_update_strategy DELETE turns AUTH off, but an auth_token is set",
            "leave auth_token out to turn AUTH off, or use ROTATE or SET",
        );
    }
    if attrs.contains_key("kms_key_id") && boolean("at_rest_encryption_enabled") == Some(false) {
        problem(
            out,
            "kms_key_id",
            "kms_key_id needs at_rest_encryption_enabled = true",
            "turn at-rest encryption on, or leave kms_key_id out",
        );
    }
    check_window_length(attrs, "maintenance_window", true, 60, out);
    check_window_length(attrs, "snapshot_window", false, 60, out);
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::kinds::{check_resource, schema_of, DB_INSTANCE, DB_PARAMETER_GROUP};
    use crate::kinds::{CACHE_PARAMETER_GROUP, REPLICATION_GROUP};

    fn problems(kind: &str, v: serde_json::Value) -> Vec<String> {
        let mut attrs = match Value::from_json(&v) {
            Value::Map(m) => m,
            other => panic!("{other:?}"),
        };
        check_resource(schema_of(kind).unwrap(), &mut attrs, "us-east-1")
            .into_iter()
            .map(|p| format!("{}: {}", p.attr.unwrap_or_default(), p.message))
            .collect()
    }

    fn db(extra: serde_json::Value) -> Vec<String> {
        let mut v = serde_json::json!({
            "identifier": "shop-db", "instance_class": "db.t4g.medium", "username": "app",
        });
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        problems(DB_INSTANCE, v)
    }

    #[test]
    fn windows_are_parsed_across_midnight_and_the_week() {
        assert_eq!(
            daily_window("23:30-00:30"),
            Ok(Window {
                start: 23 * 60 + 30,
                minutes: 60
            })
        );
        let w = weekly_window("sun:23:30-mon:00:30").unwrap();
        assert_eq!(w.minutes, 60);
        assert!(weekly_window("Sun:05:00-sun:06:00").is_err());
        assert!(daily_window("3:00-4:00").is_err());
        assert!(daily_window("03:00-24:00").is_err());
        // A daily window at 05:30 falls into Sunday's 05:00-06:00.
        assert!(daily_overlaps_weekly(
            daily_window("05:30-06:30").unwrap(),
            weekly_window("sun:05:00-sun:06:00").unwrap()
        ));
        assert!(!daily_overlaps_weekly(
            daily_window("03:00-04:00").unwrap(),
            weekly_window("sun:05:00-sun:06:00").unwrap()
        ));
        // Across midnight on both sides.
        assert!(daily_overlaps_weekly(
            daily_window("23:45-00:30").unwrap(),
            weekly_window("mon:00:00-mon:00:30").unwrap()
        ));
    }

    #[test]
    fn a_tuned_instance_passes() {
        assert_eq!(
            db(serde_json::json!({
                "allocated_storage": 50, "max_allocated_storage": 200, "storage_type": "gp3",
                "maintenance_window": "sun:05:00-sun:06:00", "backup_window": "03:00-04:00",
                "performance_insights_enabled": true, "performance_insights_retention_period": 7,
                "copy_tags_to_snapshot": true, "enabled_cloudwatch_logs_exports": ["postgresql", "upgrade"],
                "parameter_group_name": "shop-postgres16",
            })),
            Vec::<String>::new()
        );
    }

    #[test]
    fn what_aws_refuses_of_an_instance_is_reported_at_once() {
        let got = db(serde_json::json!({
            "allocated_storage": 50, "max_allocated_storage": 50, "storage_type": "gp3",
            "iops": 3000, "monitoring_interval": 60,
            "maintenance_window": "sun:05:00-sun:05:20", "backup_window": "05:10-05:50",
            "performance_insights_retention_period": 8,
            "enabled_cloudwatch_logs_exports": ["audit"],
        }));
        let want = [
            "performance_insights_retention_period: Performance Insights cannot keep data 8 days",
            "enabled_cloudwatch_logs_exports: `audit` is not a log RDS for PostgreSQL exports",
        ];
        assert_eq!(got, want, "value problems come first, alone");
        let got = db(serde_json::json!({
            "allocated_storage": 50, "max_allocated_storage": 50, "storage_type": "gp3",
            "iops": 3000, "monitoring_interval": 60,
            "maintenance_window": "sun:05:00-sun:05:20", "backup_window": "05:10-05:50",
            "performance_insights_retention_period": 7,
        }));
        let attrs: Vec<&str> = got.iter().map(|p| p.split(':').next().unwrap()).collect();
        assert_eq!(
            attrs,
            [
                "max_allocated_storage",
                "iops",
                "monitoring_role_arn",
                "performance_insights_retention_period",
                "maintenance_window",
                "backup_window",
            ],
            "{got:#?}"
        );
        assert!(db(serde_json::json!({"storage_type": "io1"}))[0]
            .starts_with("iops: io1 storage needs iops"));
        assert!(db(serde_json::json!({"storage_throughput": 500}))[0]
            .starts_with("storage_throughput: storage_throughput is for gp3"));
        assert_eq!(
            db(
                serde_json::json!({"storage_type": "gp3", "allocated_storage": 400, "iops": 12000, "storage_throughput": 500})
            ),
            Vec::<String>::new()
        );
    }

    fn redis(extra: serde_json::Value) -> Vec<String> {
        let mut v = serde_json::json!({"replication_group_id": "shop-redis", "node_type": "cache.t4g.small"});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        problems(REPLICATION_GROUP, v)
    }

    #[test]
    fn auth_needs_tls_and_a_token_aws_accepts_which_is_never_shown() {
        assert_eq!(
            redis(
                serde_json::json!({"auth_token": "a-long-enough-token-1", "snapshot_retention_limit": 7,
                "snapshot_window": "03:00-04:00", "maintenance_window": "sun:05:00-sun:06:00"})
            ),
            Vec::<String>::new()
        );
        let got = redis(serde_json::json!({"auth_token": "short@secret"}));
        assert_eq!(
            got,
            ["auth_token: the AUTH token (12 characters) is not one AWS accepts"]
        );
        assert!(!got[0].contains("short@secret"));
        let got = redis(serde_json::json!({
            "auth_token": "a-long-enough-token-1", "transit_encryption_enabled": false,
            "auth_token_update_strategy": "DELETE", "maintenance_window": "sun:05:00-sun:05:30",
            "kms_key_id": "alias/shop", "at_rest_encryption_enabled": false,
        }));
        let attrs: Vec<&str> = got.iter().map(|p| p.split(':').next().unwrap()).collect();
        assert_eq!(
            attrs,
            [
                "auth_token",
                "auth_token_update_strategy",
                "kms_key_id",
                "maintenance_window"
            ]
        );
    }

    #[test]
    fn parameter_groups_take_each_parameter_once_and_known_apply_methods() {
        let ok = serde_json::json!({"name": "shop-postgres16", "family": "postgres16",
            "parameters": [{"name": "rds.force_ssl", "value": "1"},
                           {"name": "shared_preload_libraries", "value": "pg_stat_statements", "apply_method": "pending-reboot"}]});
        assert_eq!(problems(DB_PARAMETER_GROUP, ok), Vec::<String>::new());
        let got = problems(
            DB_PARAMETER_GROUP,
            serde_json::json!({"name": "Shop", "family": "postgres16",
                "parameters": [{"name": "a", "value": "1", "apply_method": "later"}, {"name": "a", "value": "2"}]}),
        );
        assert_eq!(
            got,
            [
                "parameters: `apply_method = \"later\"` is not allowed",
                "parameters: parameter `a` is set twice",
            ]
        );
        let got = problems(
            CACHE_PARAMETER_GROUP,
            serde_json::json!({"name": "Shop", "family": "redis7",
                "parameters": [{"name": "maxmemory-policy", "value": "allkeys-lru", "apply_method": "immediate"}]}),
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].contains("has no field `apply_method`"), "{got:?}");
        let got = problems(
            CACHE_PARAMETER_GROUP,
            serde_json::json!({"name": "Shop", "family": "redis7"}),
        );
        assert!(got[0].starts_with("name:"), "{got:?}");
    }
}
