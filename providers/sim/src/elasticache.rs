//! ElastiCache: cache subnet groups and Redis replication groups — a primary
//! and replicas in distinct AZs, endpoints, and failover to a replica.

use serde::{Deserialize, Serialize};
use strata_core::kinds;
use strata_core::provider::{DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, api_help, bool_or, int_of, list, required, str_of, strings};
use crate::cloud::{Cloud, Record};
use crate::ids::{arn, hex, short_region};
use crate::network::{check_az, subnet_az};
use crate::provider::NewResource;

/// One node of a replication group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheNode {
    /// Node (cache cluster) id: `GROUP-001`.
    pub id: String,
    /// Its availability zone.
    pub az: String,
    /// `primary` or `replica`.
    pub role: String,
}

fn group_azs(c: &Cloud, group: Option<&str>) -> Vec<String> {
    let mut azs: Vec<String> = Vec::new();
    let subnets = group
        .and_then(|g| c.get(kinds::CACHE_SUBNET_GROUP, g))
        .map(|g| strings(&g.attrs, "subnet_ids"))
        .unwrap_or_default();
    for s in subnets {
        if let Some(az) = subnet_az(c, &s) {
            if !azs.contains(&az) {
                azs.push(az);
            }
        }
    }
    if azs.is_empty() {
        c.default_azs()
    } else {
        azs
    }
}

fn check_group(c: &Cloud, attrs: &Attrs) -> Result<(), ProviderError> {
    let replicas = int_of(attrs, "replicas_per_node_group").unwrap_or(1);
    if !(0..=5).contains(&replicas) {
        return Err(api(
            "InvalidParameterValue",
            "ReplicasPerNodeGroup must be between 0 and 5",
        ));
    }
    let failover = bool_or(attrs, "automatic_failover_enabled", true);
    if failover && replicas == 0 {
        return Err(api_help(
            "InvalidParameterCombination",
            "Automatic failover requires at least one replica.",
            "set replicas_per_node_group >= 1 or automatic_failover_enabled = false",
        ));
    }
    if bool_or(attrs, "multi_az_enabled", true) && !failover {
        return Err(api_help(
            "InvalidParameterCombination",
            "Multi-AZ requires automatic failover to be enabled.",
            "set automatic_failover_enabled = true or multi_az_enabled = false",
        ));
    }
    if let Some(g) = str_of(attrs, "subnet_group_name") {
        if c.live(kinds::CACHE_SUBNET_GROUP, g).is_none() {
            return Err(api(
                "CacheSubnetGroupNotFoundFault",
                format!("CacheSubnetGroup {g} not found."),
            ));
        }
    }
    let preferred = strings(attrs, "preferred_cache_cluster_azs");
    for az in &preferred {
        check_az(c, az)?;
    }
    if !preferred.is_empty() && preferred.len() != usize::try_from(replicas + 1).unwrap_or(0) {
        return Err(api(
            "InvalidParameterValue",
            "The number of preferred availability zones must match the number of nodes (1 + replicas).",
        ));
    }
    Ok(())
}

/// Creates a cache subnet group or a replication group; the id is its name.
pub fn create(c: &mut Cloud, new: NewResource<'_>) -> Result<String, ProviderError> {
    let region = c.region.clone();
    if new.req.kind == kinds::CACHE_SUBNET_GROUP {
        let name = required(&new.attrs, "name")?.to_string();
        if c.get(kinds::CACHE_SUBNET_GROUP, &name).is_some() {
            return Err(api(
                "CacheSubnetGroupAlreadyExists",
                format!("Cache subnet group {name} already exists."),
            ));
        }
        for s in strings(&new.attrs, "subnet_ids") {
            if c.live(kinds::SUBNET, &s).is_none() {
                return Err(api(
                    "InvalidSubnet",
                    format!("The subnet ID {s} does not exist"),
                ));
            }
        }
        let mut rec = new.record(c, name.clone());
        rec.computed.insert(
            "arn".into(),
            Value::String(arn("elasticache", &region, &format!("subnetgroup:{name}")).into()),
        );
        rec.phases = c.timeline(&[("pending", 2.0)]);
        c.insert(rec);
        return Ok(name);
    }
    let id = required(&new.attrs, "replication_group_id")?.to_string();
    if c.get(kinds::REPLICATION_GROUP, &id).is_some() {
        return Err(api(
            "ReplicationGroupAlreadyExists",
            format!("Replication group {id} already exists."),
        ));
    }
    check_group(c, &new.attrs)?;
    let suffix = hex(6);
    let short = short_region(&region);
    let mut rec = new.record(c, id.clone());
    rec.computed.insert(
        "arn".into(),
        Value::String(arn("elasticache", &region, &format!("replicationgroup:{id}")).into()),
    );
    rec.computed.insert(
        "primary_endpoint_address".into(),
        Value::String(format!("master.{id}.{suffix}.{short}.cache.amazonaws.com").into()),
    );
    rec.computed.insert(
        "reader_endpoint_address".into(),
        Value::String(format!("replica.{id}.{suffix}.{short}.cache.amazonaws.com").into()),
    );
    rec.phases = c.timeline(&[("creating", 480.0)]);
    let nodes = place_nodes(c, &new.attrs, &id, &[]);
    c.cache_nodes.insert(id.clone(), nodes);
    c.insert(rec);
    Ok(id)
}

/// Nodes for a group: keeps `existing` (up to the new count) and adds
/// replicas in the least used AZs.
fn place_nodes(c: &Cloud, attrs: &Attrs, id: &str, existing: &[CacheNode]) -> Vec<CacheNode> {
    let count =
        usize::try_from(int_of(attrs, "replicas_per_node_group").unwrap_or(1) + 1).unwrap_or(1);
    let preferred = strings(attrs, "preferred_cache_cluster_azs");
    let azs = group_azs(c, str_of(attrs, "subnet_group_name"));
    let mut nodes: Vec<CacheNode> = existing.iter().take(count).cloned().collect();
    let mut n = existing
        .iter()
        .filter_map(|node| node.id.rsplit('-').next()?.parse::<usize>().ok())
        .max()
        .unwrap_or(0);
    while nodes.len() < count {
        let i = nodes.len();
        let az = preferred.get(i).cloned().unwrap_or_else(|| {
            azs.iter()
                .min_by_key(|a| {
                    (
                        nodes.iter().filter(|x| x.az == **a).count(),
                        c.az_is_down(a),
                    )
                })
                .cloned()
                .unwrap_or_default()
        });
        n += 1;
        nodes.push(CacheNode {
            id: format!("{id}-{n:03}"),
            az,
            role: if i == 0 { "primary" } else { "replica" }.into(),
        });
    }
    nodes
}

/// Modifies a group (must be `available`; node type, version and replica
/// count changes spend 60 s `modifying`).
pub fn update(c: &mut Cloud, req: &UpdateRequest, attrs: Attrs) -> Result<(), ProviderError> {
    if req.kind == kinds::REPLICATION_GROUP {
        check_group(c, &attrs)?;
        let status = c
            .get(&req.kind, &req.id)
            .map(|r| r.status(c.now).to_string())
            .unwrap_or_default();
        if status != "available" {
            return Err(api_help(
                "InvalidReplicationGroupState",
                format!(
                    "Replication group {} is not in available state (it is {status}).",
                    req.id
                ),
                "wait until the group is available, then apply again",
            ));
        }
        let existing = c.cache_nodes.get(&req.id).cloned().unwrap_or_default();
        let nodes = place_nodes(c, &attrs, &req.id, &existing);
        c.cache_nodes.insert(req.id.clone(), nodes);
    }
    let heavy = req
        .changed
        .iter()
        .any(|k| ["node_type", "engine_version", "replicas_per_node_group"].contains(&k.as_str()));
    let timeline = c.timeline(&[("modifying", 60.0)]);
    if let Some(rec) = c.get_mut(&req.kind, &req.id) {
        rec.attrs = attrs;
        rec.retag();
        if heavy && req.kind == kinds::REPLICATION_GROUP {
            rec.phases = timeline;
        }
    }
    Ok(())
}

/// Deletes a subnet group (not while used) or a replication group (300 s).
pub fn delete(c: &mut Cloud, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind == kinds::CACHE_SUBNET_GROUP {
        if let Some(rg) = c
            .live_records(kinds::REPLICATION_GROUP)
            .find(|r| r.str("subnet_group_name") == Some(req.id.as_str()))
        {
            return Err(api(
                "CacheSubnetGroupInUse",
                format!(
                    "Cache subnet group {} is currently in use by replication group {}.",
                    req.id, rg.id
                ),
            ));
        }
        c.start_delete(&req.kind, &req.id, "deleting", 1.0);
    } else {
        c.start_delete(&req.kind, &req.id, "deleting", 300.0);
    }
    Ok(())
}

/// A group's member clusters.
pub fn live(c: &Cloud, rec: &Record, out: &mut Attrs) {
    if rec.kind == kinds::REPLICATION_GROUP {
        let ids = c
            .cache_nodes
            .get(&rec.id)
            .into_iter()
            .flatten()
            .map(|n| n.id.clone());
        out.insert("member_clusters".into(), list(ids));
    }
}

/// Promotes the first replica (preferring one in an AZ that is up) to
/// primary, as TestFailover and an AZ outage do.
pub fn failover(c: &mut Cloud, id: &str) -> Result<(), ProviderError> {
    let rec = c.live(kinds::REPLICATION_GROUP, id).ok_or_else(|| {
        api(
            "ReplicationGroupNotFoundFault",
            format!("Replication group {id} not found."),
        )
    })?;
    if !bool_or(&rec.attrs, "automatic_failover_enabled", true) {
        return Err(api(
            "InvalidReplicationGroupState",
            format!("Replication group {id} does not have automatic failover enabled."),
        ));
    }
    let mut nodes = c.cache_nodes.get(id).cloned().unwrap_or_default();
    let Some(next) = nodes
        .iter()
        .position(|n| n.role == "replica" && !c.az_is_down(&n.az))
        .or_else(|| nodes.iter().position(|n| n.role == "replica"))
    else {
        return Err(api(
            "InvalidReplicationGroupState",
            format!("Replication group {id} has no replica."),
        ));
    };
    for n in &mut nodes {
        n.role = "replica".into();
    }
    if let Some(n) = nodes.get_mut(next) {
        n.role = "primary".into();
    }
    let primary = nodes.remove(next);
    nodes.insert(0, primary);
    c.cache_nodes.insert(id.to_string(), nodes);
    let timeline = c.timeline(&[("modifying", 30.0)]);
    if let Some(rec) = c.get_mut(kinds::REPLICATION_GROUP, id) {
        rec.phases = timeline;
    }
    Ok(())
}

/// Fails over every group whose primary is in the down AZ.
pub fn on_az_down(c: &mut Cloud, az: &str) {
    let hit: Vec<String> = c
        .cache_nodes
        .iter()
        .filter(|(_, nodes)| nodes.first().is_some_and(|n| n.az == az))
        .map(|(id, _)| id.clone())
        .collect();
    for id in hit {
        // Groups without failover or replicas simply stay down.
        let _ = failover(c, &id);
    }
}
