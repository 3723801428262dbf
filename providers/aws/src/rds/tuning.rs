//! A DB instance's tuning: storage (type, IOPS, throughput, autoscaling),
//! its parameter group, maintenance and backup windows, Performance
//! Insights, Enhanced Monitoring, tags copied to snapshots and log exports —
//! what ModifyDBInstance changes of them, and how DescribeDBInstances
//! reports them.

use aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder;
use aws_sdk_rds::types::{CloudwatchLogsExportConfiguration, DbInstance};
use strata_core::compare::major_version;
use strata_core::provider::UpdateRequest;
use strata_core::value::{Attrs, Value};

use crate::util::{i32_of, int, list, put, str_of, strings};

/// Sets a DB instance's tuning on a create call (CreateDBInstance and
/// CreateDBInstanceReadReplica take the same members; the windows only the
/// former, so they are set there).
macro_rules! tuned {
    ($call:expr, $a:expr) => {{
        let a: &strata_core::value::Attrs = $a;
        let text = |n: &str| crate::util::str_of(a, n).map(str::to_string);
        let flag = |n: &str| a.get(n).and_then(strata_core::value::Value::as_bool);
        $call
            .set_max_allocated_storage(crate::util::i32_of(a, "max_allocated_storage"))
            .set_storage_type(text("storage_type"))
            .set_iops(crate::util::i32_of(a, "iops"))
            .set_storage_throughput(crate::util::i32_of(a, "storage_throughput"))
            .set_db_parameter_group_name(text("parameter_group_name"))
            .set_enable_performance_insights(flag("performance_insights_enabled"))
            .set_performance_insights_retention_period(crate::util::i32_of(
                a,
                "performance_insights_retention_period",
            ))
            .set_monitoring_interval(crate::util::i32_of(a, "monitoring_interval"))
            .set_monitoring_role_arn(text("monitoring_role_arn"))
            .set_copy_tags_to_snapshot(flag("copy_tags_to_snapshot"))
            .set_enable_cloudwatch_logs_exports(self::tuning::log_exports(a))
    }};
}

/// The logs to export, as CreateDBInstance takes them (`None`: none set).
pub(super) fn log_exports(a: &Attrs) -> Option<Vec<String>> {
    let logs = strings(a, "enabled_cloudwatch_logs_exports");
    (!logs.is_empty()).then_some(logs)
}

/// The tuning members of one ModifyDBInstance call (each `None`: unchanged).
#[derive(Debug, Default, PartialEq)]
pub(super) struct Tuning {
    max_allocated_storage: Option<i32>,
    storage_type: Option<String>,
    iops: Option<i32>,
    storage_throughput: Option<i32>,
    parameter_group_name: Option<String>,
    maintenance_window: Option<String>,
    backup_window: Option<String>,
    performance_insights: Option<bool>,
    performance_insights_retention: Option<i32>,
    monitoring_interval: Option<i32>,
    monitoring_role_arn: Option<String>,
    copy_tags_to_snapshot: Option<bool>,
    /// Log types to enable and to disable.
    logs: Option<(Vec<String>, Vec<String>)>,
}

impl Tuning {
    /// What an update changes. A parameter group no longer configured is
    /// replaced by AWS's default group of the engine's major version.
    pub(super) fn of(req: &UpdateRequest) -> Self {
        let a = &req.attrs;
        let has = |n: &str| req.changed.iter().any(|c| c == n);
        let text = |n: &str| has(n).then(|| str_of(a, n).map(str::to_string)).flatten();
        let number = |n: &str| has(n).then(|| i32_of(a, n)).flatten();
        let flag = |n: &str| has(n).then(|| a.get(n).and_then(Value::as_bool)).flatten();
        let parameter_group_name = has("parameter_group_name").then(|| {
            str_of(a, "parameter_group_name")
                .map(str::to_string)
                .unwrap_or_else(|| {
                    let version = str_of(a, "engine_version")
                        .or_else(|| str_of(&req.prior, "engine_version"))
                        .unwrap_or("16");
                    format!("default.postgres{}", major_version(version))
                })
        });
        let logs = has("enabled_cloudwatch_logs_exports").then(|| {
            let want = strings(a, "enabled_cloudwatch_logs_exports");
            let have = strings(&req.prior, "enabled_cloudwatch_logs_exports");
            let enable = want.iter().filter(|l| !have.contains(l)).cloned().collect();
            let disable = have.iter().filter(|l| !want.contains(l)).cloned().collect();
            (enable, disable)
        });
        Self {
            max_allocated_storage: number("max_allocated_storage"),
            storage_type: text("storage_type"),
            iops: number("iops"),
            storage_throughput: number("storage_throughput"),
            parameter_group_name,
            maintenance_window: text("maintenance_window"),
            backup_window: text("backup_window"),
            performance_insights: flag("performance_insights_enabled"),
            performance_insights_retention: number("performance_insights_retention_period"),
            monitoring_interval: number("monitoring_interval"),
            monitoring_role_arn: text("monitoring_role_arn"),
            copy_tags_to_snapshot: flag("copy_tags_to_snapshot"),
            logs: logs.filter(|(e, d): &(Vec<String>, Vec<String>)| !e.is_empty() || !d.is_empty()),
        }
    }

    /// Only a maintenance window (a new replica's).
    pub(super) fn maintenance(window: String) -> Self {
        Self {
            maintenance_window: Some(window),
            ..Self::default()
        }
    }

    /// Sets the members on a ModifyDBInstance call.
    pub(super) fn apply(
        self,
        call: ModifyDBInstanceFluentBuilder,
    ) -> ModifyDBInstanceFluentBuilder {
        let logs = self.logs.map(|(enable, disable)| {
            CloudwatchLogsExportConfiguration::builder()
                .set_enable_log_types((!enable.is_empty()).then_some(enable))
                .set_disable_log_types((!disable.is_empty()).then_some(disable))
                .build()
        });
        call.set_max_allocated_storage(self.max_allocated_storage)
            .set_storage_type(self.storage_type)
            .set_iops(self.iops)
            .set_storage_throughput(self.storage_throughput)
            .set_db_parameter_group_name(self.parameter_group_name)
            .set_preferred_maintenance_window(self.maintenance_window)
            .set_preferred_backup_window(self.backup_window)
            .set_enable_performance_insights(self.performance_insights)
            .set_performance_insights_retention_period(self.performance_insights_retention)
            .set_monitoring_interval(self.monitoring_interval)
            .set_monitoring_role_arn(self.monitoring_role_arn)
            .set_copy_tags_to_snapshot(self.copy_tags_to_snapshot)
            .set_cloudwatch_logs_export_configuration(logs)
    }
}

/// The tuning DescribeDBInstances reports, with what waits for the
/// maintenance window laid over it.
pub(super) fn read(d: &DbInstance, a: &mut Attrs) {
    put(a, "max_allocated_storage", int(d.max_allocated_storage()));
    put(a, "storage_type", d.storage_type());
    put(a, "iops", int(d.iops()));
    put(a, "storage_throughput", int(d.storage_throughput()));
    put(
        a,
        "parameter_group_name",
        d.db_parameter_groups()
            .first()
            .and_then(|g| g.db_parameter_group_name()),
    );
    put(a, "maintenance_window", d.preferred_maintenance_window());
    put(a, "backup_window", d.preferred_backup_window());
    put(
        a,
        "performance_insights_enabled",
        d.performance_insights_enabled(),
    );
    if d.performance_insights_enabled() == Some(true) {
        put(
            a,
            "performance_insights_retention_period",
            int(d.performance_insights_retention_period()),
        );
    }
    put(a, "monitoring_interval", int(d.monitoring_interval()));
    put(a, "monitoring_role_arn", d.monitoring_role_arn());
    put(a, "copy_tags_to_snapshot", d.copy_tags_to_snapshot());
    a.insert(
        "enabled_cloudwatch_logs_exports".into(),
        list(
            d.enabled_cloudwatch_logs_exports()
                .iter()
                .map(String::as_str),
        ),
    );
    if let Some(p) = d.pending_modified_values() {
        put(a, "storage_type", p.storage_type());
        put(a, "iops", int(p.iops()));
        put(a, "storage_throughput", int(p.storage_throughput()));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use strata_core::addr::Address;
    use strata_core::kinds;

    use super::*;

    fn update(
        prior: serde_json::Value,
        desired: serde_json::Value,
        changed: &[&str],
    ) -> UpdateRequest {
        let attrs = |v: serde_json::Value| match Value::from_json(&v) {
            Value::Map(m) => m,
            other => panic!("{other:?}"),
        };
        UpdateRequest {
            address: Address::parse("db.primary").unwrap(),
            kind: kinds::DB_INSTANCE.into(),
            id: "shop-db".into(),
            prior: attrs(prior),
            attrs: attrs(desired),
            changed: changed.iter().map(|c| c.to_string()).collect(),
            stack: "shop".into(),
        }
    }

    #[test]
    fn log_exports_are_modified_by_difference() {
        let req = update(
            serde_json::json!({"enabled_cloudwatch_logs_exports": ["postgresql"]}),
            serde_json::json!({"enabled_cloudwatch_logs_exports": ["upgrade"]}),
            &["enabled_cloudwatch_logs_exports"],
        );
        let t = Tuning::of(&req);
        assert_eq!(
            t.logs,
            Some((vec!["upgrade".to_string()], vec!["postgresql".to_string()]))
        );
    }

    #[test]
    fn only_changes_are_sent_and_a_group_left_out_is_the_default() {
        let req = update(
            serde_json::json!({"parameter_group_name": "shop-postgres16", "engine_version": "16.4"}),
            serde_json::json!({"backup_window": "03:00-04:00", "maintenance_window": "sun:05:00-sun:06:00"}),
            &["parameter_group_name", "backup_window"],
        );
        let t = Tuning::of(&req);
        assert_eq!(
            t.parameter_group_name.as_deref(),
            Some("default.postgres16")
        );
        assert_eq!(t.backup_window.as_deref(), Some("03:00-04:00"));
        assert_eq!(t.maintenance_window, None, "unchanged");
        assert_eq!(
            Tuning::of(&update(serde_json::json!({}), serde_json::json!({}), &[])),
            Tuning::default()
        );
    }
}
