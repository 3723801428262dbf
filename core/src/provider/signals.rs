//! [`Signals`]: what a release gate watches while traffic moves — target
//! health, the traffic a target group served, and alarm states — and the
//! types they answer with.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::ProviderError;

/// The signals of a cloud that release gates watch (rollouts, and drills'
/// probes). Plan and apply never use them. Reached through
/// [`Provider::capabilities`](super::Provider::capabilities).
#[async_trait]
pub trait Signals: Send + Sync {
    /// The health of every target registered with a target group
    /// (`DescribeTargetHealth`).
    async fn target_health(
        &self,
        target_group_arn: &str,
    ) -> Result<Vec<TargetHealth>, ProviderError>;

    /// Requests, 5xx responses and p95 latency a target group served in a
    /// window (CloudWatch `GetMetricStatistics`).
    async fn target_metrics(&self, req: MetricsRequest) -> Result<TargetMetrics, ProviderError>;

    /// The state (`OK`, `ALARM`, `INSUFFICIENT_DATA`) of each named alarm
    /// that exists (CloudWatch `DescribeAlarms`).
    async fn alarm_states(
        &self,
        names: &[String],
    ) -> Result<BTreeMap<String, String>, ProviderError>;
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
