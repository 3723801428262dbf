//! ElastiCache: cache subnet groups and Redis replication groups — a primary
//! and replicas in distinct AZs, endpoints, failover to a replica, replica
//! counts and AZs changed in place, and final snapshots on delete.

use strata_core::drill;
use strata_core::kinds;
use strata_core::provider::{DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use strata_core::compare::version_below;

use crate::attrs::{api, api_help, bool_or, int_of, list, required, str_of, strings};
use crate::cloud::NewResource;
use crate::cloud::{Cloud, Record};
use crate::ids::{arn, hex, short_region};
use crate::network::{check_az, subnet_az};
use crate::objects::{CacheNode, CacheSnapshot};
use crate::{cache_auth, parameter_groups, versions};

/// The engine version of a group created without one.
const DEFAULT_VERSION: &str = "7.1";
/// The first Redis version whose transit encryption AWS changes in place.
const TRANSIT_IN_PLACE_FROM: [u64; 3] = [7, 0, 5];
/// AWS seconds a group delete takes.
const DELETE_SECS: f64 = 300.0;
/// AWS seconds a snapshot takes.
const SNAPSHOT_SECS: f64 = 120.0;

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
    if new.req.kind == kinds::CACHE_PARAMETER_GROUP {
        return parameter_groups::create(c, new);
    }
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
    let version = str_of(&new.attrs, "engine_version").unwrap_or(DEFAULT_VERSION);
    parameter_groups::check_use(c, kinds::CACHE_PARAMETER_GROUP, &new.attrs, version)?;
    let auth = cache_auth::on_create(&new.req.attrs, &new.attrs)?;
    let suffix = hex(6);
    let short = short_region(&region);
    let mut rec = new.record(c, id.clone());
    if let Some(key) = str_of(&new.attrs, "kms_key_id") {
        let key = crate::rds::kms_key_arn(&region, key);
        rec.attrs
            .insert("kms_key_id".into(), Value::String(key.into()));
    }
    rec.computed
        .insert(cache_auth::ENABLED.into(), Value::Bool(auth));
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

/// Nodes for a group with `attrs`, changed in place from `existing`
/// (IncreaseReplicaCount/DecreaseReplicaCount): the primary stays; replicas
/// in AZs `preferred_cache_cluster_azs` no longer lists go first, then the
/// newest; new replicas go to the listed AZs not yet used, else to the
/// least used AZs of the subnet group.
fn place_nodes(c: &Cloud, attrs: &Attrs, id: &str, existing: &[CacheNode]) -> Vec<CacheNode> {
    let count =
        usize::try_from(int_of(attrs, "replicas_per_node_group").unwrap_or(1) + 1).unwrap_or(1);
    let mut wanted = strings(attrs, "preferred_cache_cluster_azs");
    let azs = group_azs(c, str_of(attrs, "subnet_group_name"));
    let mut nodes: Vec<CacheNode> = Vec::new();
    for node in existing {
        match wanted.iter().position(|a| *a == node.az) {
            Some(i) => {
                wanted.remove(i);
                nodes.push(node.clone());
            }
            None if wanted.is_empty() || node.role == "primary" => nodes.push(node.clone()),
            None => {}
        }
    }
    while nodes.len() > count {
        let Some(last) = nodes.iter().rposition(|n| n.role != "primary") else {
            break;
        };
        let gone = nodes.remove(last);
        wanted.push(gone.az);
    }
    let mut n = existing
        .iter()
        .filter_map(|node| node.id.rsplit('-').next()?.parse::<usize>().ok())
        .max()
        .unwrap_or(0);
    let listed = !strings(attrs, "preferred_cache_cluster_azs").is_empty();
    while nodes.len() < count {
        let az = if listed && !wanted.is_empty() {
            wanted.remove(0)
        } else {
            azs.iter()
                .min_by_key(|a| {
                    (
                        nodes.iter().filter(|x| x.az == **a).count(),
                        c.az_is_down(a),
                    )
                })
                .cloned()
                .unwrap_or_default()
        };
        n += 1;
        nodes.push(CacheNode {
            id: format!("{id}-{n:03}"),
            az,
            role: if nodes.is_empty() {
                "primary"
            } else {
                "replica"
            }
            .into(),
        });
    }
    nodes
}

/// Changes that take a group through `modifying`.
const HEAVY: &[&str] = &[
    "node_type",
    "engine_version",
    "replicas_per_node_group",
    "preferred_cache_cluster_azs",
    "transit_encryption_enabled",
    "transit_encryption_mode",
    "auth_token",
];

/// Modifies a subnet group, or a replication group (must be `available`):
/// node type, version, transit encryption (from Redis 7.0.5) and the
/// replicas (count and AZs) change in place, with the same group id and
/// its data; heavy changes spend 60 s `modifying`.
pub fn update(c: &mut Cloud, req: &UpdateRequest, mut attrs: Attrs) -> Result<(), ProviderError> {
    if req.kind == kinds::CACHE_PARAMETER_GROUP {
        return parameter_groups::update(c, req, attrs);
    }
    let mut auth = None;
    if req.kind == kinds::REPLICATION_GROUP {
        check_group(c, &attrs)?;
        let rec = c.get(&req.kind, &req.id).cloned().ok_or_else(|| {
            api(
                "ReplicationGroupNotFoundFault",
                format!("Replication group {} not found.", req.id),
            )
        })?;
        let status = rec.status(c.now).to_string();
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
        let have = str_of(&rec.attrs, "engine_version")
            .unwrap_or(DEFAULT_VERSION)
            .to_string();
        let tls = |a: &Attrs| bool_or(a, "transit_encryption_enabled", true);
        if tls(&rec.attrs) != tls(&attrs) && version_below(&have, &TRANSIT_IN_PLACE_FROM) {
            return Err(api_help(
                "InvalidParameterCombination",
                format!(
                    "Transit encryption can be modified only on Redis 7.0.5 or later; replication group {} runs {have}.",
                    req.id
                ),
                "upgrade engine_version to 7.0.5 or later first, or replace the group",
            ));
        }
        let want = str_of(&attrs, "engine_version")
            .unwrap_or(&have)
            .to_string();
        let version = versions::redis_upgrade(&have, &want)?;
        parameter_groups::check_use(c, kinds::CACHE_PARAMETER_GROUP, &attrs, &version)?;
        auth = cache_auth::on_update(req, &rec)?;
        if let Some(key) = rec.attrs.get("kms_key_id") {
            attrs.insert("kms_key_id".into(), key.clone());
        }
        attrs.insert("engine_version".into(), Value::String(version.into()));
        let existing = c.cache_nodes.get(&req.id).cloned().unwrap_or_default();
        let nodes = place_nodes(c, &attrs, &req.id, &existing);
        c.cache_nodes.insert(req.id.clone(), nodes);
    }
    let heavy = req.changed.iter().any(|k| HEAVY.contains(&k.as_str()));
    let timeline = c.timeline(&[("modifying", 60.0)]);
    if let Some(rec) = c.get_mut(&req.kind, &req.id) {
        rec.attrs = attrs;
        rec.retag();
        if heavy && req.kind == kinds::REPLICATION_GROUP {
            rec.phases = timeline;
        }
        if let Some(enabled) = auth {
            rec.computed
                .insert(cache_auth::ENABLED.into(), Value::Bool(enabled));
        }
    }
    Ok(())
}

/// Deletes a subnet group (not while used) or a replication group (300 s).
pub fn delete(c: &mut Cloud, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind == kinds::CACHE_PARAMETER_GROUP {
        return parameter_groups::delete(c, req);
    }
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
        let final_snapshot = c
            .get(&req.kind, &req.id)
            .and_then(|r| str_of(&r.attrs, "final_snapshot_identifier"))
            .or_else(|| str_of(&req.prior, "final_snapshot_identifier"))
            .map(str::to_string);
        if let Some(name) = final_snapshot {
            take_final_snapshot(c, &req.id, &name)?;
        }
        c.start_delete(&req.kind, &req.id, "deleting", DELETE_SECS);
    }
    Ok(())
}

/// Records the final snapshot `name` of replication group `id`
/// (`DeleteReplicationGroup` with `FinalSnapshotIdentifier`).
fn take_final_snapshot(c: &mut Cloud, id: &str, name: &str) -> Result<(), ProviderError> {
    if c.cache_snapshots.contains_key(name) {
        return Err(api_help(
            "SnapshotAlreadyExistsFault",
            format!("Snapshot {name} already exists."),
            "choose another final_snapshot_identifier or delete the old snapshot",
        ));
    }
    let Some(rec) = c.get(kinds::REPLICATION_GROUP, id) else {
        return Ok(());
    };
    let snap = CacheSnapshot {
        name: name.to_string(),
        replication_group_id: id.to_string(),
        source: "manual".into(),
        engine_version: str_of(&rec.attrs, "engine_version")
            .unwrap_or(DEFAULT_VERSION)
            .to_string(),
        node_type: str_of(&rec.attrs, "node_type")
            .unwrap_or_default()
            .to_string(),
        created_ms: c.now,
        available_ms: c.after(SNAPSHOT_SECS),
    };
    c.cache_snapshots.insert(name.to_string(), snap);
    Ok(())
}

/// A group's member clusters and their AZs (primary first, as
/// DescribeCacheClusters lists them).
pub fn live(c: &Cloud, rec: &Record, out: &mut Attrs) {
    if rec.kind == kinds::REPLICATION_GROUP {
        let nodes = c.cache_nodes.get(&rec.id).map_or(&[][..], Vec::as_slice);
        out.insert(
            "member_clusters".into(),
            list(nodes.iter().map(|n| n.id.clone())),
        );
        if !nodes.is_empty() {
            out.insert(
                "preferred_cache_cluster_azs".into(),
                list(nodes.iter().map(|n| n.az.clone())),
            );
        }
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

// The drill operations on replication groups: describing nodes and failing over.

/// `DescribeReplicationGroups` for one group.
pub fn describe_group(c: &Cloud, id: &str) -> Result<drill::CacheReplicationGroup, ProviderError> {
    let rec = c.get(kinds::REPLICATION_GROUP, id).ok_or_else(|| {
        api(
            "ReplicationGroupNotFoundFault",
            format!("Replication group {id} not found."),
        )
    })?;
    let nodes = c
        .cache_nodes
        .get(id)
        .into_iter()
        .flatten()
        .map(|n: &CacheNode| drill::CacheNode {
            id: n.id.clone(),
            availability_zone: n.az.clone(),
            role: n.role.clone(),
        })
        .collect();
    Ok(drill::CacheReplicationGroup {
        id: rec.id.clone(),
        status: rec.status(c.now).to_string(),
        automatic_failover: bool_or(&rec.attrs, "automatic_failover_enabled", true),
        primary_endpoint: rec.str("primary_endpoint_address").map(str::to_string),
        nodes,
    })
}

/// `TestFailover` of node group `0001` (the only one: cluster mode is off).
pub fn test_failover(c: &mut Cloud, id: &str, node_group: &str) -> Result<(), ProviderError> {
    let group = describe_group(c, id)?;
    if node_group != "0001" {
        return Err(api(
            "NodeGroupNotFoundFault",
            format!("Node group {node_group} not found in replication group {id}."),
        ));
    }
    if !group.is_available() {
        return Err(api(
            "InvalidReplicationGroupState",
            format!(
                "Replication group {id} is not in available state (it is {}).",
                group.status
            ),
        ));
    }
    failover(c, id)
}
