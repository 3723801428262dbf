//! In-place changes of a Redis replication group's nodes: the replica count
//! and the AZs of the nodes (IncreaseReplicaCount, DecreaseReplicaCount),
//! and in-transit encryption (ModifyReplicationGroup through `preferred`).
//!
//! What to ask AWS is decided by pure functions ([`plan_nodes`],
//! [`transit_steps`]), so the choices (which replica goes, which AZ a new
//! one lands in, which steps encryption takes) are tested without AWS.

use std::time::{Duration, Instant};

use aws_sdk_elasticache::types::{ConfigureShard, TransitEncryptionMode};
use strata_core::provider::ProviderError;

use crate::config::Clients;
use crate::errors::map;

/// One node of a replication group, as AWS reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    /// Its cache cluster id (what DecreaseReplicaCount removes).
    pub id: String,
    /// Its AZ, if AWS reported it.
    pub az: Option<String>,
    /// Whether it is the primary (which is never removed).
    pub primary: bool,
}

/// What to ask AWS to bring the nodes to the configured count and AZs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct NodePlan {
    /// Replicas to add, with the AZs of every node after the increase
    /// (primary first) when AZs are configured: `(new replica count, AZs)`.
    pub increase: Option<(i32, Vec<String>)>,
    /// Replicas to remove, by id (chosen so the AZs left match the
    /// configured ones), or just the new count when no AZs are configured.
    pub decrease: Option<Decrease>,
}

/// How a decrease names what goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decrease {
    /// These replicas (AZs are configured: the choice matters).
    Remove(Vec<String>),
    /// Any replicas, down to this count (AWS chooses).
    To(i32),
}

/// Takes one `az` out of `pool` (a multiset), if there.
fn take(pool: &mut Vec<String>, az: Option<&str>) -> bool {
    let Some(az) = az else { return false };
    match pool.iter().position(|p| p == az) {
        Some(i) => {
            pool.remove(i);
            true
        }
        None => false,
    }
}

/// The calls that bring `nodes` to `want` replicas in the configured AZs
/// (`azs`: one per node, primary included, as a multiset; empty = AWS
/// chooses). When only the AZs differ, a replica is added in each missing
/// AZ and the misplaced ones are then removed.
pub(crate) fn plan_nodes(nodes: &[Node], want: i32, azs: &[String]) -> NodePlan {
    let had = i32::try_from(nodes.len().saturating_sub(1)).unwrap_or(0);
    if azs.is_empty() {
        return NodePlan {
            increase: (want > had).then(|| (want, Vec::new())),
            decrease: (want < had).then_some(Decrease::To(want)),
        };
    }
    // Pair nodes with configured AZs: the primary first, then replicas.
    let mut pool: Vec<String> = azs.to_vec();
    let mut kept = Vec::new();
    let mut misplaced = Vec::new();
    let ordered = nodes
        .iter()
        .filter(|n| n.primary)
        .chain(nodes.iter().filter(|n| !n.primary));
    for n in ordered {
        if take(&mut pool, n.az.as_deref()) || n.primary {
            kept.push(n);
        } else {
            misplaced.push(n);
        }
    }
    // A primary in an unconfigured AZ keeps its place (failover moves
    // primaries; AWS cannot remove one): it uses up one configured AZ.
    if nodes
        .iter()
        .any(|n| n.primary && !azs.iter().any(|a| Some(a.as_str()) == n.az.as_deref()))
        && !pool.is_empty()
    {
        pool.remove(pool.len() - 1);
    }
    // `pool` now holds the AZs no node is in: each gets a new replica.
    let mut plan = NodePlan::default();
    let added = i32::try_from(pool.len()).unwrap_or(0);
    if added > 0 {
        let mut after: Vec<String> = nodes
            .iter()
            .filter(|n| n.primary)
            .chain(nodes.iter().filter(|n| !n.primary))
            .map(|n| n.az.clone().unwrap_or_default())
            .collect();
        after.extend(pool.iter().cloned());
        plan.increase = Some((had + added, after));
    }
    // Remove misplaced replicas first, then (if still too many) the last
    // well-placed ones.
    let extra = usize::try_from(had + added - want).unwrap_or(0);
    let mut remove: Vec<String> = misplaced.iter().map(|n| n.id.clone()).collect();
    remove.extend(
        kept.iter()
            .rev()
            .filter(|n| !n.primary)
            .map(|n| n.id.clone()),
    );
    remove.truncate(extra);
    if !remove.is_empty() {
        plan.decrease = Some(Decrease::Remove(remove));
    }
    plan
}

/// One ModifyReplicationGroup call changing in-transit encryption.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TransitStep {
    /// TransitEncryptionEnabled.
    pub enabled: bool,
    /// TransitEncryptionMode (sent only with `enabled`).
    pub mode: Option<&'static str>,
}

/// The ModifyReplicationGroup calls that take in-transit encryption from
/// `(have_enabled, have_mode)` to `(want_enabled, want_mode)`, each to be
/// made once the group is available again. AWS allows no jump between
/// plain text and TLS only: turning encryption on goes through
/// `preferred` (TLS and plain text, while clients move) and then to the
/// configured mode (`required` when none is configured, as AWS creates);
/// turning it off first goes back to `preferred`.
pub(crate) fn transit_steps(
    have_enabled: bool,
    have_mode: Option<&str>,
    want_enabled: bool,
    want_mode: Option<&str>,
) -> Vec<TransitStep> {
    let preferred = TransitStep {
        enabled: true,
        mode: Some("preferred"),
    };
    let target = match want_mode {
        Some("preferred") => "preferred",
        _ => "required",
    };
    match (have_enabled, want_enabled) {
        (false, true) if target == "preferred" => vec![preferred],
        (false, true) => vec![
            preferred,
            TransitStep {
                enabled: true,
                mode: Some("required"),
            },
        ],
        (true, false) if have_mode == Some("preferred") => vec![TransitStep {
            enabled: false,
            mode: None,
        }],
        (true, false) => vec![
            preferred,
            TransitStep {
                enabled: false,
                mode: None,
            },
        ],
        (true, true) if have_mode != Some(target) && want_mode.is_some() => {
            vec![TransitStep {
                enabled: true,
                mode: Some(target),
            }]
        }
        _ => Vec::new(),
    }
}

/// How long an in-place change may wait for the group between two steps.
const STEP_TIMEOUT: Duration = Duration::from_secs(3600);

/// Waits until the replication group is `available` again (between two
/// changes AWS accepts only one at a time).
pub(crate) async fn wait_available(c: &Clients, id: &str) -> Result<(), ProviderError> {
    let started = Instant::now();
    loop {
        let resp = c
            .cache
            .describe_replication_groups()
            .replication_group_id(id)
            .send()
            .await
            .map_err(map)?;
        let status = resp
            .replication_groups()
            .first()
            .and_then(|g| g.status())
            .unwrap_or("available")
            .to_string();
        if status == "available" {
            return Ok(());
        }
        if started.elapsed() > STEP_TIMEOUT {
            return Err(ProviderError::Transient {
                code: "ReplicationGroupNotAvailable".into(),
                message: format!(
                    "replication group {id} was still `{status}` after {STEP_TIMEOUT:?}"
                ),
            });
        }
        tokio::time::sleep(Duration::from_secs(15)).await;
    }
}

/// Makes the calls of [`plan_nodes`]: an increase, then (once the group is
/// available again) a decrease. `node_group` is the shard's id (`0001` for
/// a group without cluster mode).
pub(crate) async fn apply_nodes(
    c: &Clients,
    id: &str,
    node_group: &str,
    plan: &NodePlan,
) -> Result<(), ProviderError> {
    if let Some((count, azs)) = &plan.increase {
        let mut call = c
            .cache
            .increase_replica_count()
            .replication_group_id(id)
            .apply_immediately(true);
        call = if azs.is_empty() {
            call.new_replica_count(*count)
        } else {
            // The AZs of every node after the increase, primary first:
            // only ReplicaConfiguration can carry them.
            call.replica_configuration(
                ConfigureShard::builder()
                    .node_group_id(node_group)
                    .new_replica_count(*count)
                    .set_preferred_availability_zones(Some(azs.clone()))
                    .build(),
            )
        };
        call.send().await.map_err(map)?;
    }
    if let Some(decrease) = &plan.decrease {
        if plan.increase.is_some() {
            wait_available(c, id).await?;
        }
        let call = c
            .cache
            .decrease_replica_count()
            .replication_group_id(id)
            .apply_immediately(true);
        let call = match decrease {
            Decrease::Remove(ids) => call.set_replicas_to_remove(Some(ids.clone())),
            Decrease::To(n) => call.new_replica_count(*n),
        };
        call.send().await.map_err(map)?;
    }
    Ok(())
}

/// Makes the calls of [`transit_steps`], waiting for the group between two.
pub(crate) async fn apply_transit(
    c: &Clients,
    id: &str,
    steps: &[TransitStep],
) -> Result<(), ProviderError> {
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            wait_available(c, id).await?;
        }
        c.cache
            .modify_replication_group()
            .replication_group_id(id)
            .apply_immediately(true)
            .transit_encryption_enabled(step.enabled)
            .set_transit_encryption_mode(step.mode.map(TransitEncryptionMode::from))
            .send()
            .await
            .map_err(map)?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn node(id: &str, az: &str, primary: bool) -> Node {
        Node {
            id: id.into(),
            az: Some(az.into()),
            primary,
        }
    }

    fn azs(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_decrease_removes_the_replica_whose_az_is_no_longer_configured() {
        let nodes = [
            node("rg-001", "us-east-1a", true),
            node("rg-002", "us-east-1b", false),
            node("rg-003", "us-east-1c", false),
        ];
        let plan = plan_nodes(&nodes, 1, &azs(&["us-east-1c", "us-east-1a"]));
        assert_eq!(plan.increase, None);
        assert_eq!(plan.decrease, Some(Decrease::Remove(vec!["rg-002".into()])));
    }

    #[test]
    fn an_increase_places_the_new_replica_in_the_missing_az_and_keeps_the_others() {
        let nodes = [
            node("rg-001", "us-east-1b", true),
            node("rg-002", "us-east-1a", false),
        ];
        let plan = plan_nodes(&nodes, 2, &azs(&["us-east-1a", "us-east-1b", "us-east-1c"]));
        assert_eq!(
            plan.increase,
            Some((2, azs(&["us-east-1b", "us-east-1a", "us-east-1c"])))
        );
        assert_eq!(plan.decrease, None);
    }

    #[test]
    fn moving_a_replica_adds_one_in_the_new_az_then_removes_the_old_one() {
        let nodes = [
            node("rg-001", "us-east-1a", true),
            node("rg-002", "us-east-1b", false),
        ];
        let plan = plan_nodes(&nodes, 1, &azs(&["us-east-1a", "us-east-1c"]));
        assert_eq!(
            plan.increase,
            Some((2, azs(&["us-east-1a", "us-east-1b", "us-east-1c"])))
        );
        assert_eq!(plan.decrease, Some(Decrease::Remove(vec!["rg-002".into()])));
    }

    #[test]
    fn a_failover_that_swapped_roles_needs_nothing() {
        let nodes = [
            node("rg-001", "us-east-1a", false),
            node("rg-002", "us-east-1b", true),
        ];
        assert_eq!(
            plan_nodes(&nodes, 1, &azs(&["us-east-1a", "us-east-1b"])),
            NodePlan::default()
        );
    }

    #[test]
    fn without_configured_azs_aws_chooses() {
        let nodes = [
            node("rg-001", "us-east-1a", true),
            node("rg-002", "us-east-1b", false),
        ];
        assert_eq!(
            plan_nodes(&nodes, 2, &[]),
            NodePlan {
                increase: Some((2, Vec::new())),
                decrease: None
            }
        );
        assert_eq!(plan_nodes(&nodes, 0, &[]).decrease, Some(Decrease::To(0)));
        assert_eq!(plan_nodes(&nodes, 1, &[]), NodePlan::default());
    }

    #[test]
    fn turning_transit_encryption_on_passes_through_preferred() {
        let steps = transit_steps(false, None, true, None);
        assert_eq!(
            steps
                .iter()
                .map(|s| (s.enabled, s.mode))
                .collect::<Vec<_>>(),
            [(true, Some("preferred")), (true, Some("required"))]
        );
        let steps = transit_steps(false, None, true, Some("preferred"));
        assert_eq!(steps.len(), 1);
        let steps = transit_steps(true, Some("required"), false, None);
        assert_eq!(
            steps
                .iter()
                .map(|s| (s.enabled, s.mode))
                .collect::<Vec<_>>(),
            [(true, Some("preferred")), (false, None)]
        );
        assert!(transit_steps(true, Some("required"), true, None).is_empty());
        assert_eq!(
            transit_steps(true, Some("preferred"), true, Some("required")).len(),
            1
        );
    }
}
