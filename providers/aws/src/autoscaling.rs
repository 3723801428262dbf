//! Auto Scaling: groups (launch template version, subnets, target groups and
//! sizes all change in place) and target-tracking policies.
//!
//! Scaling policies cannot carry tags on AWS: they are found by name.
//!
//! Deleting a group scales it to zero and waits for its instances to drain
//! and terminate before DeleteAutoScalingGroup, unless `force_delete = true`
//! (ForceDelete: AWS terminates them without draining).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_autoscaling::types::{
    LaunchTemplateSpecification, MetricType, PredefinedMetricSpecification, Tag,
    TargetTrackingConfiguration,
};
use strata_core::kinds;
use strata_core::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::config::Clients;
use crate::errors::map;
use crate::tags::finish;
use crate::util::{bool_or, changed, f64_of, i32_of, int, list, put, required, str_of, strings};
use crate::Tagging;

fn asg_tags(name: &str, tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    Ok(tags
        .iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .resource_id(name)
                .resource_type("auto-scaling-group")
                .propagate_at_launch(
                    !k.starts_with("strata:attr:") && !k.starts_with("strata:order:"),
                )
                .build()
        })
        .collect())
}

pub(crate) async fn read(
    c: &Clients,
    kind: &str,
    ids: &[String],
) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    let mut out = BTreeMap::new();
    if kind == kinds::SCALING_POLICY {
        for chunk in ids.chunks(50) {
            let pages = c
                .asg
                .describe_policies()
                .set_policy_names(Some(chunk.to_vec()))
                .into_paginator()
                .send()
                .try_collect()
                .await
                .map_err(map)?;
            for p in pages.iter().flat_map(|p| p.scaling_policies()) {
                let Some(name) = p.policy_name() else {
                    continue;
                };
                let mut a = Attrs::new();
                put(&mut a, "name", Some(name));
                put(
                    &mut a,
                    "autoscaling_group_name",
                    p.auto_scaling_group_name(),
                );
                if let Some(t) = p.target_tracking_configuration() {
                    if let Some(m) = t.predefined_metric_specification() {
                        put(
                            &mut a,
                            "predefined_metric",
                            m.predefined_metric_type().map(MetricType::as_str),
                        );
                        put(&mut a, "resource_label", m.resource_label());
                    }
                    put(&mut a, "target_value", t.target_value());
                    a.insert(
                        "disable_scale_in".into(),
                        Value::Bool(t.disable_scale_in().unwrap_or(false)),
                    );
                }
                put(&mut a, "arn", p.policy_arn());
                out.insert(name.to_string(), a);
            }
        }
        return Ok(out);
    }
    for chunk in ids.chunks(50) {
        let pages = c
            .asg
            .describe_auto_scaling_groups()
            .set_auto_scaling_group_names(Some(chunk.to_vec()))
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(map)?;
        for g in pages.iter().flat_map(|p| p.auto_scaling_groups()) {
            let Some(name) = g.auto_scaling_group_name() else {
                continue;
            };
            if g.status().is_some_and(|s| s.starts_with("Delete")) {
                continue;
            }
            let mut a = Attrs::new();
            put(&mut a, "name", Some(name));
            if let Some(lt) = g.launch_template() {
                put(&mut a, "launch_template_id", lt.launch_template_id());
                put(&mut a, "launch_template_version", lt.version());
            }
            let subnets: Vec<&str> = g
                .vpc_zone_identifier()
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            a.insert("subnet_ids".into(), list(subnets));
            a.insert(
                "target_group_arns".into(),
                list(g.target_group_arns().iter().map(String::as_str)),
            );
            put(&mut a, "min_size", int(g.min_size()));
            put(&mut a, "max_size", int(g.max_size()));
            put(&mut a, "desired_capacity", int(g.desired_capacity()));
            put(&mut a, "health_check_type", g.health_check_type());
            put(
                &mut a,
                "health_check_grace_period",
                int(g.health_check_grace_period()),
            );
            put(&mut a, "arn", g.auto_scaling_group_arn());
            a.insert(
                "instance_ids".into(),
                list(g.instances().iter().filter_map(|i| i.instance_id())),
            );
            let tags: BTreeMap<String, String> = g
                .tags()
                .iter()
                .filter_map(|t| {
                    Some((
                        t.key()?.to_string(),
                        t.value().unwrap_or_default().to_string(),
                    ))
                })
                .collect();
            finish(kinds::AUTOSCALING_GROUP, &tags, &mut a);
            // Strata's own setting: as echoed, else AWS's way (no ForceDelete).
            a.entry("force_delete".into()).or_insert(Value::Bool(false));
            out.insert(name.to_string(), a);
        }
    }
    Ok(out)
}

fn template(a: &Attrs) -> Result<LaunchTemplateSpecification, ProviderError> {
    Ok(LaunchTemplateSpecification::builder()
        .launch_template_id(required(a, "launch_template_id")?)
        .version(str_of(a, "launch_template_version").unwrap_or("$Latest"))
        .build())
}

fn policy(a: &Attrs) -> Result<TargetTrackingConfiguration, ProviderError> {
    let metric = PredefinedMetricSpecification::builder()
        .predefined_metric_type(MetricType::from(required(a, "predefined_metric")?))
        .set_resource_label(str_of(a, "resource_label").map(str::to_string))
        .build();
    Ok(TargetTrackingConfiguration::builder()
        .predefined_metric_specification(metric)
        .target_value(f64_of(a, "target_value").unwrap_or(50.0))
        .disable_scale_in(bool_or(a, "disable_scale_in", false))
        .build())
}

async fn put_policy(c: &Clients, a: &Attrs) -> Result<String, ProviderError> {
    let name = required(a, "name")?;
    c.asg
        .put_scaling_policy()
        .auto_scaling_group_name(required(a, "autoscaling_group_name")?)
        .policy_name(name)
        .policy_type("TargetTrackingScaling")
        .target_tracking_configuration(policy(a)?)
        .send()
        .await
        .map_err(map)?;
    Ok(name.to_string())
}

pub(crate) async fn create(
    c: &Clients,
    req: &CreateRequest,
    tags: &BTreeMap<String, String>,
) -> Result<String, ProviderError> {
    let a = &req.attrs;
    if req.kind == kinds::SCALING_POLICY {
        return put_policy(c, a).await;
    }
    let name = required(a, "name")?;
    let tgs = strings(a, "target_group_arns");
    c.asg
        .create_auto_scaling_group()
        .auto_scaling_group_name(name)
        .launch_template(template(a)?)
        .vpc_zone_identifier(strings(a, "subnet_ids").join(","))
        .set_target_group_arns((!tgs.is_empty()).then_some(tgs))
        .min_size(i32_of(a, "min_size").unwrap_or(0))
        .max_size(i32_of(a, "max_size").unwrap_or(0))
        .set_desired_capacity(i32_of(a, "desired_capacity"))
        .health_check_type(str_of(a, "health_check_type").unwrap_or("EC2"))
        .health_check_grace_period(i32_of(a, "health_check_grace_period").unwrap_or(300))
        .set_tags(Some(asg_tags(name, tags)?))
        .send()
        .await
        .map_err(map)?;
    Ok(name.to_string())
}

pub(crate) async fn update(
    c: &Clients,
    req: &UpdateRequest,
    t: Tagging<'_>,
) -> Result<(), ProviderError> {
    let (a, id) = (&req.attrs, req.id.as_str());
    if req.kind == kinds::SCALING_POLICY {
        put_policy(c, a).await?;
        return Ok(());
    }
    c.asg
        .update_auto_scaling_group()
        .auto_scaling_group_name(id)
        .launch_template(template(a)?)
        .vpc_zone_identifier(strings(a, "subnet_ids").join(","))
        .set_min_size(i32_of(a, "min_size"))
        .set_max_size(i32_of(a, "max_size"))
        .set_desired_capacity(i32_of(a, "desired_capacity"))
        .set_health_check_type(str_of(a, "health_check_type").map(str::to_string))
        .set_health_check_grace_period(i32_of(a, "health_check_grace_period"))
        .send()
        .await
        .map_err(map)?;
    if changed(&req.changed, &["target_group_arns"]) {
        let (old, new) = (
            strings(&req.prior, "target_group_arns"),
            strings(a, "target_group_arns"),
        );
        let gone: Vec<String> = old.iter().filter(|x| !new.contains(x)).cloned().collect();
        let added: Vec<String> = new.iter().filter(|x| !old.contains(x)).cloned().collect();
        if !added.is_empty() {
            c.asg
                .attach_load_balancer_target_groups()
                .auto_scaling_group_name(id)
                .set_target_group_arns(Some(added))
                .send()
                .await
                .map_err(map)?;
        }
        if !gone.is_empty() {
            c.asg
                .detach_load_balancer_target_groups()
                .auto_scaling_group_name(id)
                .set_target_group_arns(Some(gone))
                .send()
                .await
                .map_err(map)?;
        }
    }
    if !t.stale.is_empty() {
        let stale: BTreeMap<String, String> =
            t.stale.iter().map(|k| (k.clone(), String::new())).collect();
        c.asg
            .delete_tags()
            .set_tags(Some(asg_tags(id, &stale)?))
            .send()
            .await
            .map_err(map)?;
    }
    c.asg
        .create_or_update_tags()
        .set_tags(Some(asg_tags(id, t.desired)?))
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

pub(crate) async fn delete(c: &Clients, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind == kinds::SCALING_POLICY {
        c.asg
            .delete_policy()
            .set_auto_scaling_group_name(
                str_of(&req.prior, "autoscaling_group_name").map(str::to_string),
            )
            .policy_name(&req.id)
            .send()
            .await
            .map_err(map)?;
        return Ok(());
    }
    let force = bool_or(&req.prior, "force_delete", false);
    if !force {
        drain(c, &req.id).await?;
    }
    let deleted = c
        .asg
        .delete_auto_scaling_group()
        .auto_scaling_group_name(&req.id)
        .set_force_delete(force.then_some(true))
        .send()
        .await
        .map_err(map);
    match deleted {
        Ok(_) => Ok(()),
        // A delete already under way: its progress is what poll reports.
        Err(e) if is_deleting(&e) => Ok(()),
        Err(e) if is_missing_group(&e) => Err(ProviderError::NotFound {
            kind: req.kind.clone(),
            id: req.id.clone(),
        }),
        Err(e) => Err(e),
    }
}

/// Whether AWS refused a delete because one is already in progress.
/// AWS answers a call on a group that does not exist with `ValidationError`
/// ("AutoScalingGroup name not found"), not a `...NotFound` code.
fn is_missing_group(e: &ProviderError) -> bool {
    crate::errors::code_of(e) == Some("ValidationError") && e.to_string().contains("not found")
}

fn is_deleting(e: &ProviderError) -> bool {
    crate::errors::code_of(e) == Some("ScalingActivityInProgress")
        && e.to_string().contains("delet")
}

/// How long a delete waits for a group's instances to terminate.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(900);

/// Scales a group to zero and waits until its instances are gone (drained
/// from their target groups and terminated), as AWS requires before
/// DeleteAutoScalingGroup without ForceDelete.
async fn drain(c: &Clients, name: &str) -> Result<(), ProviderError> {
    let started = Instant::now();
    let mut scaled = false;
    loop {
        let resp = c
            .asg
            .describe_auto_scaling_groups()
            .auto_scaling_group_names(name)
            .send()
            .await
            .map_err(map)?;
        let Some(g) = resp.auto_scaling_groups().first() else {
            return Ok(());
        };
        if g.instances().is_empty() {
            return Ok(());
        }
        if !scaled {
            c.asg
                .update_auto_scaling_group()
                .auto_scaling_group_name(name)
                .min_size(0)
                .max_size(0)
                .desired_capacity(0)
                .send()
                .await
                .map_err(map)?;
            scaled = true;
            continue;
        }
        if started.elapsed() > DRAIN_TIMEOUT {
            return Err(ProviderError::Transient {
                code: "InstancesNotDrained".into(),
                message: format!(
                    "autoscaling group {name} still had {} instances after {DRAIN_TIMEOUT:?}",
                    g.instances().len()
                ),
            });
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}
