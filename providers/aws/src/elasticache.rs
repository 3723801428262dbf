//! ElastiCache: cache subnet groups and Redis replication groups (a primary
//! and replicas across AZs; automatic failover and multi-AZ need a replica).

use std::collections::BTreeMap;

use aws_sdk_elasticache::types::{CacheCluster, ReplicationGroup, Tag};
use strata_core::kinds;
use strata_core::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::cache_nodes::{
    apply_nodes, apply_transit, plan_nodes, transit_steps, wait_available, Node, NodePlan,
};
use crate::config::Clients;
use crate::errors::map;
use crate::tags::finish;
use crate::util::{
    bool_or, changed, i32_of, int_of, invalid, list, put, required, str_of, strings,
};
use crate::Tagging;

pub(crate) fn cache_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

pub(crate) async fn tags_of(
    c: &Clients,
    arn: Option<&str>,
) -> Result<BTreeMap<String, String>, ProviderError> {
    let Some(arn) = arn else {
        return Ok(BTreeMap::new());
    };
    let resp = c
        .cache
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .map_err(map)?;
    Ok(resp
        .tag_list()
        .iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect())
}

pub(crate) async fn sync_tags(c: &Clients, arn: &str, t: Tagging<'_>) -> Result<(), ProviderError> {
    if !t.stale.is_empty() {
        let removed = c
            .cache
            .remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(t.stale.to_vec()))
            .send()
            .await
            .map_err(map);
        // ElastiCache refuses to remove keys that are not there.
        if let Err(e) = removed {
            if crate::errors::code_of(&e) != Some("TagNotFound") {
                return Err(e);
            }
        }
    }
    c.cache
        .add_tags_to_resource()
        .resource_name(arn)
        .set_tags(Some(cache_tags(t.desired)))
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

pub(crate) async fn read(
    c: &Clients,
    kind: &str,
    ids: &[String],
) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    if kind == kinds::CACHE_PARAMETER_GROUP {
        return crate::parameter_groups::read(c, kind, ids).await;
    }
    let mut out = BTreeMap::new();
    if kind == kinds::CACHE_SUBNET_GROUP {
        let pages = c
            .cache
            .describe_cache_subnet_groups()
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(map)?;
        for g in pages.iter().flat_map(|p| p.cache_subnet_groups()) {
            let Some(name) = g.cache_subnet_group_name() else {
                continue;
            };
            if !ids.iter().any(|i| i == name) {
                continue;
            }
            let mut a = Attrs::new();
            put(&mut a, "name", Some(name));
            put(&mut a, "description", g.cache_subnet_group_description());
            a.insert(
                "subnet_ids".into(),
                list(g.subnets().iter().filter_map(|s| s.subnet_identifier())),
            );
            put(&mut a, "arn", g.arn());
            finish(kind, &tags_of(c, g.arn()).await?, &mut a);
            out.insert(name.to_string(), a);
        }
        return Ok(out);
    }
    let pages = c
        .cache
        .describe_replication_groups()
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    let groups: Vec<&ReplicationGroup> = pages
        .iter()
        .flat_map(|p| p.replication_groups())
        .filter(|g| {
            g.replication_group_id()
                .is_some_and(|id| ids.iter().any(|i| i == id))
        })
        .collect();
    let clusters = if groups.is_empty() {
        BTreeMap::new()
    } else {
        cache_clusters(c).await?
    };
    for g in groups {
        let Some(id) = g.replication_group_id() else {
            continue;
        };
        let mut a = group_attrs(g, &clusters);
        finish(kind, &tags_of(c, g.arn()).await?, &mut a);
        out.insert(id.to_string(), a);
    }
    Ok(out)
}

/// Every cache cluster, by id (one paginated DescribeCacheClusters): the
/// nodes of replication groups, which alone report their engine version,
/// security groups and subnet group.
async fn cache_clusters(c: &Clients) -> Result<BTreeMap<String, CacheCluster>, ProviderError> {
    let pages = c
        .cache
        .describe_cache_clusters()
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    Ok(pages
        .iter()
        .flat_map(|p| p.cache_clusters())
        .filter_map(|cc| Some((cc.cache_cluster_id()?.to_string(), cc.clone())))
        .collect())
}

/// The nodes of a group's (only) node group, primary first.
pub(crate) fn nodes_of(
    g: &ReplicationGroup,
    clusters: &BTreeMap<String, CacheCluster>,
) -> Vec<Node> {
    let members = g
        .node_groups()
        .first()
        .map(|n| n.node_group_members())
        .unwrap_or_default();
    let mut nodes: Vec<Node> = members
        .iter()
        .filter_map(|m| {
            let id = m.cache_cluster_id()?;
            let az = m.preferred_availability_zone().or_else(|| {
                clusters
                    .get(id)
                    .and_then(|cc| cc.preferred_availability_zone())
            });
            Some(Node {
                id: id.to_string(),
                az: az.map(str::to_string),
                primary: m.current_role() == Some("primary"),
            })
        })
        .collect();
    nodes.sort_by_key(|n| !n.primary);
    nodes
}

/// A replication group's live attributes, from the group and its nodes.
fn group_attrs(g: &ReplicationGroup, clusters: &BTreeMap<String, CacheCluster>) -> Attrs {
    let mut a = Attrs::new();
    put(&mut a, "replication_group_id", g.replication_group_id());
    put(&mut a, "description", g.description());
    put(&mut a, "node_type", g.cache_node_type());
    let group = g.node_groups().first();
    let nodes = nodes_of(g, clusters);
    a.insert(
        "replicas_per_node_group".into(),
        Value::Int(i64::try_from(nodes.len().saturating_sub(1)).unwrap_or(0)),
    );
    if !nodes.is_empty() && nodes.iter().all(|n| n.az.is_some()) {
        a.insert(
            "preferred_cache_cluster_azs".into(),
            list(nodes.iter().filter_map(|n| n.az.as_deref())),
        );
    }
    // Settings AWS reports per node: read from the first node it describes.
    let node = g
        .member_clusters()
        .iter()
        .find_map(|m| clusters.get(m.as_str()));
    let engine = node
        .and_then(|cc| cc.engine())
        .or_else(|| g.engine())
        .unwrap_or("redis");
    a.insert("engine".into(), Value::from(engine));
    if let Some(cc) = node {
        put(&mut a, "engine_version", cc.engine_version());
        put(&mut a, "subnet_group_name", cc.cache_subnet_group_name());
        put(
            &mut a,
            "maintenance_window",
            cc.preferred_maintenance_window(),
        );
        put(
            &mut a,
            "parameter_group_name",
            cc.cache_parameter_group()
                .and_then(|g| g.cache_parameter_group_name()),
        );
        a.insert(
            "security_group_ids".into(),
            list(sorted(
                cc.security_groups()
                    .iter()
                    .filter_map(|s| s.security_group_id()),
            )),
        );
    }
    a.insert(
        "automatic_failover_enabled".into(),
        Value::Bool(
            g.automatic_failover()
                .is_some_and(|f| f.as_str().starts_with("enabl")),
        ),
    );
    a.insert(
        "multi_az_enabled".into(),
        Value::Bool(g.multi_az().is_some_and(|m| m.as_str() == "enabled")),
    );
    put(
        &mut a,
        "at_rest_encryption_enabled",
        g.at_rest_encryption_enabled(),
    );
    put(&mut a, "kms_key_id", g.kms_key_id());
    put(&mut a, "auth_token_enabled", g.auth_token_enabled());
    put(
        &mut a,
        "snapshot_retention_limit",
        crate::util::int(g.snapshot_retention_limit()),
    );
    put(&mut a, "snapshot_window", g.snapshot_window());
    put(
        &mut a,
        "transit_encryption_enabled",
        g.transit_encryption_enabled(),
    );
    if g.transit_encryption_enabled() == Some(true) {
        put(
            &mut a,
            "transit_encryption_mode",
            g.transit_encryption_mode().map(|m| m.as_str()),
        );
    }
    let primary = group.and_then(|n| n.primary_endpoint());
    put(
        &mut a,
        "port",
        crate::util::int(primary.and_then(|e| e.port())),
    );
    put(
        &mut a,
        "primary_endpoint_address",
        primary.and_then(|e| e.address()),
    );
    put(
        &mut a,
        "reader_endpoint_address",
        group
            .and_then(|n| n.reader_endpoint())
            .and_then(|e| e.address()),
    );
    a.insert(
        "member_clusters".into(),
        list(g.member_clusters().iter().map(String::as_str)),
    );
    put(&mut a, "status", g.status());
    put(&mut a, "arn", g.arn());
    a
}

fn sorted<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = items.collect();
    v.sort_unstable();
    v
}

/// AWS's rules for a replication group, checked before any call.
fn validate(a: &Attrs) -> Result<(), ProviderError> {
    let replicas = int_of(a, "replicas_per_node_group").unwrap_or(1);
    let failover = bool_or(a, "automatic_failover_enabled", true);
    let multi_az = bool_or(a, "multi_az_enabled", true);
    if !(0..=5).contains(&replicas) {
        return Err(invalid(format!(
            "replicas_per_node_group must be between 0 and 5, not {replicas}"
        )));
    }
    if failover && replicas < 1 {
        return Err(ProviderError::Api {
            code: "InvalidParameterCombination".into(),
            message: "automatic failover needs at least one replica".into(),
            help: Some(
                "set replicas_per_node_group = 1 or more, or automatic_failover_enabled = false"
                    .into(),
            ),
        });
    }
    if multi_az && !failover {
        return Err(ProviderError::Api {
            code: "InvalidParameterCombination".into(),
            message: "multi-AZ needs automatic failover".into(),
            help: Some("set automatic_failover_enabled = true, or multi_az_enabled = false".into()),
        });
    }
    let azs = strings(a, "preferred_cache_cluster_azs");
    if !azs.is_empty() && azs.len() as i64 != replicas + 1 {
        return Err(invalid(format!(
            "preferred_cache_cluster_azs names {} AZs but the group has {} nodes (a primary and {replicas} replicas)",
            azs.len(),
            replicas + 1
        )));
    }
    Ok(())
}

pub(crate) async fn create(
    c: &Clients,
    req: &CreateRequest,
    tags: &BTreeMap<String, String>,
) -> Result<String, ProviderError> {
    if req.kind == kinds::CACHE_PARAMETER_GROUP {
        return crate::parameter_groups::create(c, req, tags).await;
    }
    let a = &req.attrs;
    if req.kind == kinds::CACHE_SUBNET_GROUP {
        let name = required(a, "name")?;
        c.cache
            .create_cache_subnet_group()
            .cache_subnet_group_name(name)
            .cache_subnet_group_description(str_of(a, "description").unwrap_or("Managed by Strata"))
            .set_subnet_ids(Some(strings(a, "subnet_ids")))
            .set_tags(Some(cache_tags(tags)))
            .send()
            .await
            .map_err(map)?;
        return Ok(name.to_string());
    }
    validate(a)?;
    let id = required(a, "replication_group_id")?;
    let azs = strings(a, "preferred_cache_cluster_azs");
    let sgs = strings(a, "security_group_ids");
    c.cache
        .create_replication_group()
        .replication_group_id(id)
        .replication_group_description(str_of(a, "description").unwrap_or("Managed by Strata"))
        .cache_node_type(required(a, "node_type")?)
        .engine(str_of(a, "engine").unwrap_or("redis"))
        .set_engine_version(str_of(a, "engine_version").map(str::to_string))
        .replicas_per_node_group(i32_of(a, "replicas_per_node_group").unwrap_or(1))
        .automatic_failover_enabled(bool_or(a, "automatic_failover_enabled", true))
        .multi_az_enabled(bool_or(a, "multi_az_enabled", true))
        .at_rest_encryption_enabled(bool_or(a, "at_rest_encryption_enabled", true))
        .transit_encryption_enabled(bool_or(a, "transit_encryption_enabled", true))
        .set_cache_subnet_group_name(str_of(a, "subnet_group_name").map(str::to_string))
        .set_security_group_ids((!sgs.is_empty()).then_some(sgs))
        .port(i32_of(a, "port").unwrap_or(6379))
        .set_preferred_cache_cluster_azs((!azs.is_empty()).then_some(azs))
        .set_auth_token(str_of(a, "auth_token").map(str::to_string))
        .set_snapshot_retention_limit(i32_of(a, "snapshot_retention_limit"))
        .set_snapshot_window(str_of(a, "snapshot_window").map(str::to_string))
        .set_preferred_maintenance_window(str_of(a, "maintenance_window").map(str::to_string))
        .set_cache_parameter_group_name(str_of(a, "parameter_group_name").map(str::to_string))
        .set_kms_key_id(str_of(a, "kms_key_id").map(str::to_string))
        .set_tags(Some(cache_tags(tags)))
        .send()
        .await
        .map_err(map)?;
    Ok(id.to_string())
}

pub(crate) async fn update(
    c: &Clients,
    req: &UpdateRequest,
    t: Tagging<'_>,
) -> Result<(), ProviderError> {
    if req.kind == kinds::CACHE_PARAMETER_GROUP {
        return crate::parameter_groups::update(c, req, t).await;
    }
    let (a, id) = (&req.attrs, req.id.as_str());
    let arn = str_of(&req.prior, "arn").unwrap_or_default().to_string();
    if req.kind == kinds::CACHE_SUBNET_GROUP {
        if changed(&req.changed, &["subnet_ids", "description"]) {
            c.cache
                .modify_cache_subnet_group()
                .cache_subnet_group_name(id)
                .set_cache_subnet_group_description(str_of(a, "description").map(str::to_string))
                .set_subnet_ids(Some(strings(a, "subnet_ids")))
                .send()
                .await
                .map_err(map)?;
        }
        return sync_tags(c, &arn, t).await;
    }
    validate(a)?;
    let has = |n: &str| req.changed.iter().any(|c| c == n);
    let mut modified = false;
    if changed(
        &req.changed,
        &[
            "description",
            "node_type",
            "engine_version",
            "automatic_failover_enabled",
            "multi_az_enabled",
            "security_group_ids",
            "snapshot_retention_limit",
            "snapshot_window",
            "maintenance_window",
            "parameter_group_name",
        ],
    ) {
        let mut m = c
            .cache
            .modify_replication_group()
            .replication_group_id(id)
            .apply_immediately(true);
        if has("description") {
            m = m.set_replication_group_description(str_of(a, "description").map(str::to_string));
        }
        if has("node_type") {
            m = m.set_cache_node_type(str_of(a, "node_type").map(str::to_string));
        }
        if has("engine_version") {
            m = m.set_engine_version(str_of(a, "engine_version").map(str::to_string));
        }
        if has("automatic_failover_enabled") {
            m = m.automatic_failover_enabled(bool_or(a, "automatic_failover_enabled", true));
        }
        if has("multi_az_enabled") {
            m = m.multi_az_enabled(bool_or(a, "multi_az_enabled", true));
        }
        if has("security_group_ids") {
            m = m.set_security_group_ids(Some(strings(a, "security_group_ids")));
        }
        if has("snapshot_retention_limit") {
            m = m.set_snapshot_retention_limit(i32_of(a, "snapshot_retention_limit"));
        }
        if has("snapshot_window") {
            m = m.set_snapshot_window(str_of(a, "snapshot_window").map(str::to_string));
        }
        if has("maintenance_window") {
            m = m.set_preferred_maintenance_window(
                str_of(a, "maintenance_window").map(str::to_string),
            );
        }
        if has("parameter_group_name") {
            m = m.set_cache_parameter_group_name(
                str_of(a, "parameter_group_name").map(str::to_string),
            );
        }
        m.send().await.map_err(map)?;
        modified = true;
    }
    if let Some(auth) = crate::cache_auth::change(req) {
        if modified {
            wait_available(c, id).await?;
        }
        crate::cache_auth::send(c, id, auth).await?;
        modified = true;
    }
    if has("replicas_per_node_group") || has("preferred_cache_cluster_azs") {
        let resp = c
            .cache
            .describe_replication_groups()
            .replication_group_id(id)
            .send()
            .await
            .map_err(map)?;
        if let Some(g) = resp.replication_groups().first() {
            let nodes = nodes_of(g, &cache_clusters(c).await?);
            let plan = plan_nodes(
                &nodes,
                i32_of(a, "replicas_per_node_group").unwrap_or(1),
                &strings(a, "preferred_cache_cluster_azs"),
            );
            let shard = g
                .node_groups()
                .first()
                .and_then(|n| n.node_group_id())
                .unwrap_or("0001");
            if plan != NodePlan::default() && modified {
                wait_available(c, id).await?;
            }
            apply_nodes(c, id, shard, &plan).await?;
        }
    }
    if has("transit_encryption_enabled") || has("transit_encryption_mode") {
        let steps = transit_steps(
            bool_or(&req.prior, "transit_encryption_enabled", false),
            str_of(&req.prior, "transit_encryption_mode"),
            bool_or(a, "transit_encryption_enabled", true),
            str_of(a, "transit_encryption_mode"),
        );
        if !steps.is_empty() {
            wait_available(c, id).await?;
        }
        apply_transit(c, id, &steps).await?;
    }
    sync_tags(c, &arn, t).await
}

pub(crate) async fn delete(c: &Clients, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind == kinds::CACHE_PARAMETER_GROUP {
        return crate::parameter_groups::delete(c, req).await;
    }
    if req.kind == kinds::CACHE_SUBNET_GROUP {
        c.cache
            .delete_cache_subnet_group()
            .cache_subnet_group_name(&req.id)
            .send()
            .await
            .map_err(map)?;
        return Ok(());
    }
    let result = c
        .cache
        .delete_replication_group()
        .replication_group_id(&req.id)
        .retain_primary_cluster(false)
        .set_final_snapshot_identifier(
            str_of(&req.prior, "final_snapshot_identifier").map(str::to_string),
        )
        .send()
        .await
        .map_err(map);
    match result {
        Ok(_) => Ok(()),
        // Already being deleted: the delete's progress is what poll reports.
        Err(e) if crate::errors::code_of(&e) == Some("InvalidReplicationGroupState") => Ok(()),
        Err(e) => Err(e),
    }
}
