//! The AWS provider's capabilities beyond resources: release-gate
//! [`Signals`] (ELB target health, CloudWatch metrics and alarms) and
//! [`DrillOps`]. AWS cannot turn an availability zone off, so there is no
//! [`ZoneOutage`](strata_core::provider::ZoneOutage).

use std::collections::BTreeMap;

use async_trait::async_trait;
use strata_core::drill::{
    CacheReplicationGroup, CreateDbSnapshotRequest, DbInstance, DbSnapshot,
    DescribeDbSnapshotsRequest, DrillResource, RenameDbRequest, RestoreDbRequest,
};
use strata_core::provider::{
    DrillOps, MetricsRequest, ProviderError, Signals, TargetHealth, TargetMetrics,
};

use crate::provider::AwsProvider;
use crate::{drills, signals};

#[async_trait]
impl Signals for AwsProvider {
    async fn target_health(
        &self,
        target_group_arn: &str,
    ) -> Result<Vec<TargetHealth>, ProviderError> {
        let c = self.clients().await?;
        signals::target_health(c, target_group_arn).await
    }

    async fn target_metrics(&self, req: MetricsRequest) -> Result<TargetMetrics, ProviderError> {
        let c = self.clients().await?;
        signals::target_metrics(c, &req).await
    }

    async fn alarm_states(
        &self,
        names: &[String],
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        let c = self.clients().await?;
        signals::alarm_states(c, names).await
    }
}

#[async_trait]
impl DrillOps for AwsProvider {
    async fn describe_db_instance(&self, db_id: &str) -> Result<DbInstance, ProviderError> {
        drills::describe_db_instance(self.clients().await?, db_id).await
    }

    async fn create_db_snapshot(
        &self,
        req: CreateDbSnapshotRequest,
    ) -> Result<DbSnapshot, ProviderError> {
        drills::create_db_snapshot(self.clients().await?, &req).await
    }

    async fn describe_db_snapshots(
        &self,
        req: DescribeDbSnapshotsRequest,
    ) -> Result<Vec<DbSnapshot>, ProviderError> {
        drills::describe_db_snapshots(self.clients().await?, &req).await
    }

    async fn delete_db_snapshot(&self, snapshot_id: &str) -> Result<(), ProviderError> {
        drills::delete_db_snapshot(self.clients().await?, snapshot_id).await
    }

    async fn restore_db_instance_from_db_snapshot(
        &self,
        req: RestoreDbRequest,
    ) -> Result<DbInstance, ProviderError> {
        drills::restore_db_instance_from_db_snapshot(self.clients().await?, &req).await
    }

    async fn delete_db_instance(&self, db_id: &str) -> Result<(), ProviderError> {
        drills::delete_db_instance(self.clients().await?, db_id).await
    }

    async fn modify_db_instance_identifier(
        &self,
        req: RenameDbRequest,
    ) -> Result<DbInstance, ProviderError> {
        drills::modify_db_instance_identifier(self.clients().await?, &req).await
    }

    async fn reboot_db_instance(
        &self,
        db_id: &str,
        force_failover: bool,
    ) -> Result<(), ProviderError> {
        drills::reboot_db_instance(self.clients().await?, db_id, force_failover).await
    }

    async fn promote_read_replica(&self, db_id: &str) -> Result<(), ProviderError> {
        drills::promote_read_replica(self.clients().await?, db_id).await
    }

    async fn describe_replication_group(
        &self,
        replication_group_id: &str,
    ) -> Result<CacheReplicationGroup, ProviderError> {
        drills::describe_replication_group(self.clients().await?, replication_group_id).await
    }

    async fn test_failover(
        &self,
        replication_group_id: &str,
        node_group_id: &str,
    ) -> Result<(), ProviderError> {
        drills::test_failover(self.clients().await?, replication_group_id, node_group_id).await
    }

    async fn deregister_targets(
        &self,
        target_group_arn: &str,
        target_ids: &[String],
    ) -> Result<(), ProviderError> {
        drills::deregister_targets(self.clients().await?, target_group_arn, target_ids).await
    }

    async fn register_targets(
        &self,
        target_group_arn: &str,
        target_ids: &[String],
    ) -> Result<(), ProviderError> {
        drills::register_targets(self.clients().await?, target_group_arn, target_ids).await
    }

    async fn suspend_processes(
        &self,
        asg_name: &str,
        processes: &[String],
    ) -> Result<(), ProviderError> {
        drills::set_processes(self.clients().await?, asg_name, processes, false).await
    }

    async fn resume_processes(
        &self,
        asg_name: &str,
        processes: &[String],
    ) -> Result<(), ProviderError> {
        drills::set_processes(self.clients().await?, asg_name, processes, true).await
    }

    async fn find_drill_resources(
        &self,
        drill_id: Option<&str>,
    ) -> Result<Vec<DrillResource>, ProviderError> {
        drills::find_drill_resources(self.clients().await?, drill_id).await
    }
}
