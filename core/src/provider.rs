//! The interface between the engine and a cloud: batched reads, create,
//! update, delete, and polling of slow operations until they are ready.
//!
//! Providers get fully known attributes (references resolved, sensitive
//! values included) and answer with the resource's live attributes.

use std::time::Duration;

use async_trait::async_trait;

use crate::addr::Address;
use crate::drill::{
    CacheReplicationGroup, CreateDbSnapshotRequest, DbInstance, DbSnapshot,
    DescribeDbSnapshotsRequest, DrillResource, RenameDbRequest, RestoreDbRequest,
};
use crate::value::Attrs;

/// One resource to read back: its address and cloud id.
#[derive(Debug, Clone)]
pub struct ReadTarget {
    /// The resource's address.
    pub address: Address,
    /// Its id in the cloud.
    pub id: String,
}

/// Reads every resource of one kind in one batch (one Describe call per kind).
#[derive(Debug, Clone)]
pub struct ReadRequest {
    /// The kind, e.g. `aws.ec2.instance`.
    pub kind: String,
    /// The resources to read.
    pub targets: Vec<ReadTarget>,
}

/// What a batched read found.
#[derive(Debug, Clone, Default)]
pub struct ReadResponse {
    /// Live attributes by cloud id; an id missing here no longer exists.
    pub found: std::collections::BTreeMap<String, Attrs>,
}

/// Creates a resource.
#[derive(Debug, Clone)]
pub struct CreateRequest {
    /// The resource's address (providers tag resources with it).
    pub address: Address,
    /// The kind.
    pub kind: String,
    /// Desired attributes, fully known.
    pub attrs: Attrs,
    /// The stack name (providers tag resources with it).
    pub stack: String,
    /// An idempotency token: a retried create with the same token must not
    /// make a second resource.
    pub token: String,
}

/// Updates a resource in place.
#[derive(Debug, Clone)]
pub struct UpdateRequest {
    /// The resource's address.
    pub address: Address,
    /// The kind.
    pub kind: String,
    /// Its cloud id.
    pub id: String,
    /// Attributes as last read.
    pub prior: Attrs,
    /// Desired attributes, fully known.
    pub attrs: Attrs,
    /// Names of the attributes that differ.
    pub changed: Vec<String>,
    /// The stack name.
    pub stack: String,
}

/// Deletes a resource.
#[derive(Debug, Clone)]
pub struct DeleteRequest {
    /// The resource's address.
    pub address: Address,
    /// The kind.
    pub kind: String,
    /// Its cloud id.
    pub id: String,
    /// Attributes as last known (e.g. for a DB's final snapshot settings).
    pub prior: Attrs,
}

/// Which operation a [`PollRequest`] follows up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// A create.
    Create,
    /// An update in place.
    Update,
    /// A delete.
    Delete,
}

/// Asks how a pending operation is going.
#[derive(Debug, Clone)]
pub struct PollRequest {
    /// The resource's address.
    pub address: Address,
    /// The kind.
    pub kind: String,
    /// Its cloud id.
    pub id: String,
    /// The operation awaited.
    pub operation: Operation,
}

/// The outcome of an operation, or of a poll.
#[derive(Debug, Clone)]
pub enum OpStatus {
    /// Finished: the resource is ready (or, for deletes, gone).
    Done {
        /// Cloud id.
        id: String,
        /// Live attributes (empty after a delete).
        attrs: Attrs,
    },
    /// Accepted but not finished: poll again after `retry_after`.
    Pending {
        /// Cloud id.
        id: String,
        /// Attributes known so far.
        attrs: Attrs,
        /// When to look again.
        retry_after: Duration,
        /// The cloud's status, e.g. `creating`, `backing-up`.
        status: String,
    },
}

/// An error from a provider.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum ProviderError {
    /// The cloud rejected the request; `code` is the AWS error code.
    #[error("{code}: {message}")]
    #[diagnostic(code(strata::provider::api))]
    Api {
        /// AWS error code, e.g. `DependencyViolation`.
        code: String,
        /// AWS's message.
        message: String,
        /// What the user can do about it.
        #[help]
        help: Option<String>,
    },
    /// The request was throttled or hit a transient fault; retrying may succeed.
    #[error("{code}: {message} (transient)")]
    #[diagnostic(code(strata::provider::transient))]
    Transient {
        /// AWS error code, e.g. `Throttling`.
        code: String,
        /// AWS's message.
        message: String,
    },
    /// The resource does not exist.
    #[error("{kind} `{id}` does not exist")]
    #[diagnostic(code(strata::provider::not_found))]
    NotFound {
        /// The kind.
        kind: String,
        /// The id asked for.
        id: String,
    },
    /// The kind is not implemented by this provider.
    #[error("this provider does not support {kind}")]
    #[diagnostic(code(strata::provider::unsupported))]
    Unsupported {
        /// The kind.
        kind: String,
    },
    /// The provider's configuration or environment is wrong.
    #[error("{message}")]
    #[diagnostic(code(strata::provider::config))]
    Config {
        /// What is wrong.
        message: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
}

impl ProviderError {
    /// The error as the last of `attempts` tries: its message says so.
    pub fn after_attempts(self, attempts: u32) -> Self {
        let note = |m: String| format!("{m} (failed {attempts} times; retried)");
        match self {
            ProviderError::Api {
                code,
                message,
                help,
            } => ProviderError::Api {
                code,
                message: note(message),
                help,
            },
            ProviderError::Transient { code, message } => ProviderError::Transient {
                code,
                message: note(message),
            },
            other => other,
        }
    }

    /// An API error without help text.
    pub fn api(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Api {
            code: code.into(),
            message: message.into(),
            help: None,
        }
    }

    /// Whether retrying the same request may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient { .. })
    }
}

/// The health of one target registered with a target group, as
/// `DescribeTargetHealth` reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TargetHealth {
    /// The target's id (an instance id).
    pub id: String,
    /// Its availability zone, when known.
    #[serde(default)]
    pub az: String,
    /// `initial`, `healthy`, `unhealthy`, `draining` or `unused`.
    pub state: String,
}

impl TargetHealth {
    /// Whether the load balancer sends it traffic.
    pub fn is_healthy(&self) -> bool {
        self.state == "healthy"
    }
}

/// Asks for the traffic a target group served in a time window (CloudWatch
/// `AWS/ApplicationELB` metrics with the `TargetGroup` and `LoadBalancer`
/// dimensions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsRequest {
    /// The target group's ARN.
    pub target_group_arn: String,
    /// The load balancer's ARN.
    pub load_balancer_arn: String,
    /// Start of the window, unix milliseconds.
    pub start_ms: u64,
    /// End of the window, unix milliseconds.
    pub end_ms: u64,
}

/// What a target group served in a window.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TargetMetrics {
    /// Requests (`RequestCount`, Sum).
    pub requests: u64,
    /// Responses with a 5xx status (`HTTPCode_Target_5XX_Count` plus the
    /// load balancer's own 5xx for this group, Sum).
    pub errors_5xx: u64,
    /// 95th percentile of `TargetResponseTime`, in milliseconds (`None`
    /// without requests).
    pub p95_ms: Option<f64>,
}

impl TargetMetrics {
    /// The share of requests that failed with a 5xx (0 without requests).
    pub fn error_rate(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            self.errors_5xx as f64 / self.requests as f64
        }
    }
}

fn unsupported_drill(operation: &str) -> ProviderError {
    ProviderError::Unsupported {
        kind: format!("{operation} (drills)"),
    }
}

/// A cloud the engine can manage resources in.
#[async_trait]
pub trait Provider: Send + Sync {
    /// The provider's name (`sim`, `aws`).
    fn name(&self) -> &str;

    /// The region resources live in.
    fn region(&self) -> &str;

    /// Reads the live state of many resources of one kind at once.
    async fn read(&self, req: ReadRequest) -> Result<ReadResponse, ProviderError>;

    /// Starts creating a resource.
    async fn create(&self, req: CreateRequest) -> Result<OpStatus, ProviderError>;

    /// Starts updating a resource in place.
    async fn update(&self, req: UpdateRequest) -> Result<OpStatus, ProviderError>;

    /// Starts deleting a resource.
    async fn delete(&self, req: DeleteRequest) -> Result<OpStatus, ProviderError>;

    /// Reports progress of a pending operation.
    async fn poll(&self, req: PollRequest) -> Result<OpStatus, ProviderError>;

    /// Finds a resource created with `token` (after a crash), if any.
    async fn find_by_token(
        &self,
        kind: &str,
        token: &str,
    ) -> Result<Option<(String, Attrs)>, ProviderError> {
        let _ = (kind, token);
        Ok(None)
    }

    /// The health of every target registered with a target group
    /// (`DescribeTargetHealth`). Used by release gates, not by plan/apply.
    async fn target_health(
        &self,
        target_group_arn: &str,
    ) -> Result<Vec<TargetHealth>, ProviderError> {
        let _ = target_group_arn;
        Err(ProviderError::Unsupported {
            kind: "target health (DescribeTargetHealth)".into(),
        })
    }

    /// Requests, 5xx responses and p95 latency a target group served in a
    /// window (CloudWatch `GetMetricStatistics`). Used by release gates.
    async fn target_metrics(&self, req: MetricsRequest) -> Result<TargetMetrics, ProviderError> {
        let _ = req;
        Err(ProviderError::Unsupported {
            kind: "target metrics (CloudWatch GetMetricStatistics)".into(),
        })
    }

    /// The state (`OK`, `ALARM`, `INSUFFICIENT_DATA`) of each named alarm
    /// that exists (CloudWatch `DescribeAlarms`). Used by release gates.
    async fn alarm_states(
        &self,
        names: &[String],
    ) -> Result<std::collections::BTreeMap<String, String>, ProviderError> {
        let _ = names;
        Err(ProviderError::Unsupported {
            kind: "alarm states (CloudWatch DescribeAlarms)".into(),
        })
    }

    /// Describes one DB instance (`DescribeDBInstances`). Used by drills.
    async fn describe_db_instance(&self, db_id: &str) -> Result<DbInstance, ProviderError> {
        let _ = db_id;
        Err(unsupported_drill("DescribeDBInstances"))
    }

    /// Starts a manual snapshot (`CreateDBSnapshot`). Used by drills.
    async fn create_db_snapshot(
        &self,
        req: CreateDbSnapshotRequest,
    ) -> Result<DbSnapshot, ProviderError> {
        let _ = req;
        Err(unsupported_drill("CreateDBSnapshot"))
    }

    /// Lists DB snapshots (`DescribeDBSnapshots`; `SnapshotType=automated`
    /// for the backups RDS takes itself). Used by drills.
    async fn describe_db_snapshots(
        &self,
        req: DescribeDbSnapshotsRequest,
    ) -> Result<Vec<DbSnapshot>, ProviderError> {
        let _ = req;
        Err(unsupported_drill("DescribeDBSnapshots"))
    }

    /// Deletes a DB snapshot (`DeleteDBSnapshot`). Used by drills.
    async fn delete_db_snapshot(&self, snapshot_id: &str) -> Result<(), ProviderError> {
        let _ = snapshot_id;
        Err(unsupported_drill("DeleteDBSnapshot"))
    }

    /// Starts restoring a snapshot into a new instance
    /// (`RestoreDBInstanceFromDBSnapshot`). Used by drills.
    async fn restore_db_instance_from_db_snapshot(
        &self,
        req: RestoreDbRequest,
    ) -> Result<DbInstance, ProviderError> {
        let _ = req;
        Err(unsupported_drill("RestoreDBInstanceFromDBSnapshot"))
    }

    /// Starts deleting a DB instance without a final snapshot
    /// (`DeleteDBInstance` with `SkipFinalSnapshot`). Drills call it only on
    /// instances tagged [`DRILL_TAG`](crate::drill::DRILL_TAG).
    async fn delete_db_instance(&self, db_id: &str) -> Result<(), ProviderError> {
        let _ = db_id;
        Err(unsupported_drill("DeleteDBInstance"))
    }

    /// Renames a DB instance and updates its tags (`ModifyDBInstance` with
    /// `NewDBInstanceIdentifier`, `ApplyImmediately`; `AddTagsToResource`,
    /// `RemoveTagsFromResource`). Used by `--promote` drills.
    async fn modify_db_instance_identifier(
        &self,
        req: RenameDbRequest,
    ) -> Result<DbInstance, ProviderError> {
        let _ = req;
        Err(unsupported_drill(
            "ModifyDBInstance (NewDBInstanceIdentifier)",
        ))
    }

    /// Reboots a DB instance, failing a multi-AZ primary over to its standby
    /// when `force_failover` (`RebootDBInstance` with `ForceFailover`).
    async fn reboot_db_instance(
        &self,
        db_id: &str,
        force_failover: bool,
    ) -> Result<(), ProviderError> {
        let _ = (db_id, force_failover);
        Err(unsupported_drill("RebootDBInstance"))
    }

    /// Promotes a read replica to a standalone instance (`PromoteReadReplica`).
    async fn promote_read_replica(&self, db_id: &str) -> Result<(), ProviderError> {
        let _ = db_id;
        Err(unsupported_drill("PromoteReadReplica"))
    }

    /// Describes a Redis replication group with its nodes' roles and AZs
    /// (`DescribeReplicationGroups`). Used by drills.
    async fn describe_replication_group(
        &self,
        replication_group_id: &str,
    ) -> Result<CacheReplicationGroup, ProviderError> {
        let _ = replication_group_id;
        Err(unsupported_drill("DescribeReplicationGroups"))
    }

    /// Fails a node group's primary over to a replica (`TestFailover`).
    async fn test_failover(
        &self,
        replication_group_id: &str,
        node_group_id: &str,
    ) -> Result<(), ProviderError> {
        let _ = (replication_group_id, node_group_id);
        Err(unsupported_drill("TestFailover"))
    }

    /// Takes targets out of a target group (`DeregisterTargets`). Used by
    /// AZ drills on clouds whose AZs cannot be turned off.
    async fn deregister_targets(
        &self,
        target_group_arn: &str,
        target_ids: &[String],
    ) -> Result<(), ProviderError> {
        let _ = (target_group_arn, target_ids);
        Err(unsupported_drill("DeregisterTargets"))
    }

    /// Puts targets (back) into a target group on its port (`RegisterTargets`).
    async fn register_targets(
        &self,
        target_group_arn: &str,
        target_ids: &[String],
    ) -> Result<(), ProviderError> {
        let _ = (target_group_arn, target_ids);
        Err(unsupported_drill("RegisterTargets"))
    }

    /// Pauses autoscaling processes of a group (`SuspendProcesses`), e.g.
    /// [`AZ_DRILL_PROCESSES`](crate::drill::AZ_DRILL_PROCESSES).
    async fn suspend_processes(
        &self,
        asg_name: &str,
        processes: &[String],
    ) -> Result<(), ProviderError> {
        let _ = (asg_name, processes);
        Err(unsupported_drill("SuspendProcesses"))
    }

    /// Resumes autoscaling processes of a group (`ResumeProcesses`).
    async fn resume_processes(
        &self,
        asg_name: &str,
        processes: &[String],
    ) -> Result<(), ProviderError> {
        let _ = (asg_name, processes);
        Err(unsupported_drill("ResumeProcesses"))
    }

    /// DB instances and snapshots tagged [`DRILL_TAG`](crate::drill::DRILL_TAG)
    /// (all drills, or the one with this id): what cleanup removes.
    async fn find_drill_resources(
        &self,
        drill_id: Option<&str>,
    ) -> Result<Vec<DrillResource>, ProviderError> {
        let _ = drill_id;
        Err(unsupported_drill("finding drill resources by tag"))
    }

    /// Takes an availability zone down, or brings it back: its instances
    /// fail, load balancers stop routing there, DB and Redis primaries there
    /// fail over. Only a simulated cloud can; AWS answers `Unsupported`, and
    /// AZ drills fall back to deregistering the AZ's targets.
    async fn simulate_az_outage(&self, az: &str, down: bool) -> Result<(), ProviderError> {
        let _ = (az, down);
        Err(unsupported_drill("turning an availability zone off"))
    }

    /// How many seconds of cloud time pass per second of wall time (1 on a
    /// real cloud; a sped-up sim's speed). Drills report cloud time.
    fn time_scale(&self) -> f64 {
        1.0
    }

    /// Reads one existing resource by id, for `strata import`.
    async fn import(&self, kind: &str, id: &str) -> Result<Attrs, ProviderError> {
        let address = Address::parse("imported").map_err(|e| ProviderError::Config {
            message: e.to_string(),
            help: None,
        })?;
        let mut resp = self
            .read(ReadRequest {
                kind: kind.to_string(),
                targets: vec![ReadTarget {
                    address,
                    id: id.to_string(),
                }],
            })
            .await?;
        resp.found
            .remove(id)
            .ok_or_else(|| ProviderError::NotFound {
                kind: kind.to_string(),
                id: id.to_string(),
            })
    }
}
