//! Auto Scaling: groups that really launch instances from their launch
//! template, balanced across their subnets' AZs and registered with their
//! target groups, replacing capacity lost to an AZ outage; and
//! target-tracking policies.

use std::collections::BTreeMap;

use strata_core::kinds;
use strata_core::provider::{DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, api_help, bool_or, int_of, list, required, str_of, strings};
use crate::cloud::NewResource;
use crate::cloud::{Cloud, Phase, Record};
use crate::ec2::{
    asg_instance, instance_state, template_version, terminate, BOOT_SECS, TERMINATE_SECS,
};
use crate::elbv2::{deregister, register};
use crate::ids::arn;
use crate::network::subnet_az;
use strata_core::tags::ASG_TAG;

/// AWS seconds a new group takes before its first instances launch.
const CREATE_SECS: f64 = 30.0;
/// AWS seconds a group's delete takes once it is empty.
const DELETE_SECS: f64 = 5.0;

fn validation(message: impl Into<String>) -> ProviderError {
    api("ValidationError", message)
}

fn desired(attrs: &Attrs) -> i64 {
    int_of(attrs, "desired_capacity")
        .or_else(|| int_of(attrs, "min_size"))
        .unwrap_or(0)
}

fn check_group(c: &Cloud, attrs: &Attrs) -> Result<(), ProviderError> {
    let lt = required(attrs, "launch_template_id")?;
    let version = str_of(attrs, "launch_template_version").unwrap_or("$Latest");
    if c.live(kinds::LAUNCH_TEMPLATE, lt).is_none() || template_version(c, lt, version).is_none() {
        return Err(validation(format!(
            "The specified launch template, with template ID {lt} and version {version}, does not exist."
        )));
    }
    let subnets = strings(attrs, "subnet_ids");
    if subnets.is_empty() {
        return Err(validation("At least one subnet must be specified"));
    }
    for s in &subnets {
        if c.live(kinds::SUBNET, s).is_none() {
            return Err(validation(format!("The subnet ID '{s}' does not exist")));
        }
    }
    for tg in strings(attrs, "target_group_arns") {
        if c.live(kinds::TARGET_GROUP, &tg).is_none() {
            return Err(validation(format!(
                "Provided Target Groups may not be valid: {tg}"
            )));
        }
    }
    let min = int_of(attrs, "min_size").unwrap_or(0);
    let max = int_of(attrs, "max_size").unwrap_or(0);
    let want = desired(attrs);
    if min < 0 || min > max || want < min || want > max {
        return Err(api_help(
            "ValidationError",
            format!("Desired capacity:{want} must be between the specified min size:{min} and max size:{max}"),
            "keep min_size <= desired_capacity <= max_size",
        ));
    }
    Ok(())
}

/// Creates a group (id: its name) or a policy (id: its name).
pub fn create(c: &mut Cloud, new: NewResource<'_>) -> Result<String, ProviderError> {
    let region = c.region.clone();
    let name = required(&new.attrs, "name")?.to_string();
    let uuid = uuid::Uuid::new_v4();
    if new.req.kind == kinds::SCALING_POLICY {
        let group = required(&new.attrs, "autoscaling_group_name")?;
        if c.live(kinds::AUTOSCALING_GROUP, group).is_none() {
            return Err(validation(format!("Group {group} not found")));
        }
        check_policy(&new.attrs)?;
        let mut rec = new.record(c, name.clone());
        rec.computed.insert(
            "arn".into(),
            Value::String(
                arn(
                    "autoscaling",
                    &region,
                    &format!("scalingPolicy:{uuid}:autoScalingGroupName/{group}:policyName/{name}"),
                )
                .into(),
            ),
        );
        rec.phases = c.timeline(&[("pending", 1.0)]);
        // PutScalingPolicy replaces a policy of the same name.
        c.remove(kinds::SCALING_POLICY, &name);
        c.insert(rec);
        return Ok(name);
    }
    if c.get(kinds::AUTOSCALING_GROUP, &name).is_some() {
        return Err(api(
            "AlreadyExists",
            format!("AutoScalingGroup by this name already exists - A group with the name {name} already exists"),
        ));
    }
    check_group(c, &new.attrs)?;
    let mut rec = new.record(c, name.clone());
    rec.computed.insert(
        "arn".into(),
        Value::String(
            arn(
                "autoscaling",
                &region,
                &format!("autoScalingGroup:{uuid}:autoScalingGroupName/{name}"),
            )
            .into(),
        ),
    );
    rec.phases = c.timeline(&[("creating", CREATE_SECS)]);
    rec.tags.insert(ASG_TAG.into(), name.as_str().into());
    c.insert(rec);
    reconcile(c, &name, CREATE_SECS + BOOT_SECS);
    Ok(name)
}

fn check_policy(attrs: &Attrs) -> Result<(), ProviderError> {
    let metric = required(attrs, "predefined_metric")?;
    let known = [
        "ASGAverageCPUUtilization",
        "ASGAverageNetworkIn",
        "ASGAverageNetworkOut",
        "ALBRequestCountPerTarget",
    ];
    if !known.contains(&metric) {
        return Err(validation(format!(
            "Unknown predefined metric type {metric}"
        )));
    }
    if metric == "ALBRequestCountPerTarget" && str_of(attrs, "resource_label").is_none() {
        return Err(api_help(
            "ValidationError",
            "ResourceLabel is required for ALBRequestCountPerTarget",
            "set resource_label to app/LB_NAME/LB_ID/targetgroup/TG_NAME/TG_ID",
        ));
    }
    Ok(())
}

/// Launches or terminates instances until the group holds its desired
/// capacity of healthy instances, balanced across its AZs; instances in a
/// down AZ are terminated and replaced elsewhere. New instances boot for
/// `boot_secs` of AWS time.
pub fn reconcile(c: &mut Cloud, name: &str, boot_secs: f64) {
    let Some(group) = c.live(kinds::AUTOSCALING_GROUP, name).cloned() else {
        return;
    };
    let want = usize::try_from(desired(&group.attrs)).unwrap_or(0);
    let members: Vec<String> = c
        .asg_members
        .get(name)
        .map(|m| m.iter().cloned().collect())
        .unwrap_or_default();
    let mut by_az: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
    for id in members {
        let Some(inst) = c.live(kinds::INSTANCE, &id) else {
            continue;
        };
        let az = inst
            .str("availability_zone")
            .unwrap_or_default()
            .to_string();
        let replace = !is_suspended(&group, "ReplaceUnhealthy");
        if c.az_is_down(&az) || (replace && instance_state(c, inst) == "stopped") {
            terminate(c, &id);
        } else {
            by_az.entry(az).or_default().push((inst.created_ms, id));
        }
    }
    // Usable AZs in subnet order, each with its first subnet.
    let mut zones: Vec<(String, String)> = Vec::new();
    for s in strings(&group.attrs, "subnet_ids") {
        if let Some(az) = subnet_az(c, &s) {
            if !c.az_is_down(&az) && !zones.iter().any(|(z, _)| *z == az) {
                zones.push((az, s));
            }
        }
    }
    let tgs = strings(&group.attrs, "target_group_arns");
    let version = str_of(&group.attrs, "launch_template_version").unwrap_or("$Latest");
    let template = str_of(&group.attrs, "launch_template_id")
        .and_then(|lt| template_version(c, lt, version))
        .unwrap_or_default();
    let mut count: usize = by_az.values().map(Vec::len).sum();
    while count < want {
        let Some((az, subnet)) = zones
            .iter()
            .min_by_key(|(az, _)| by_az.get(az).map_or(0, Vec::len))
            .cloned()
        else {
            break;
        };
        let Ok(id) = asg_instance(c, &template, &subnet, &group.tags, name) else {
            break;
        };
        let boot = c.timeline(&[("pending", boot_secs)]);
        if let Some(inst) = c.get_mut(kinds::INSTANCE, &id) {
            inst.phases = boot;
        }
        c.asg_members
            .entry(name.to_string())
            .or_default()
            .insert(id.clone());
        by_az.entry(az).or_default().push((c.now, id));
        count += 1;
    }
    while count > want {
        let Some(ids) = by_az.values_mut().max_by_key(|v| v.len()) else {
            break;
        };
        ids.sort();
        let Some((_, id)) = ids.pop() else {
            break;
        };
        terminate(c, &id);
        count -= 1;
    }
    let live: Vec<String> = by_az.into_values().flatten().map(|(_, id)| id).collect();
    // With AddToLoadBalancer suspended, instances are left as they are
    // (registered or not), as on AWS.
    if !is_suspended(&group, "AddToLoadBalancer") {
        for tg in tgs {
            register(c, &tg, &live);
        }
    }
}

/// Updates a group (sizes, template, subnets, target groups) and
/// reconciles its instances, or a policy in place.
pub fn update(c: &mut Cloud, req: &UpdateRequest, attrs: Attrs) -> Result<(), ProviderError> {
    if req.kind == kinds::SCALING_POLICY {
        check_policy(&attrs)?;
    } else {
        check_group(c, &attrs)?;
        let old = c
            .get(&req.kind, &req.id)
            .map(|r| strings(&r.attrs, "target_group_arns"))
            .unwrap_or_default();
        let new = strings(&attrs, "target_group_arns");
        let members: Vec<String> = c
            .asg_members
            .get(&req.id)
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default();
        for tg in old.iter().filter(|t| !new.contains(t)) {
            deregister(c, tg, &members);
        }
    }
    if let Some(rec) = c.get_mut(&req.kind, &req.id) {
        rec.attrs = attrs;
        rec.retag();
    }
    if req.kind == kinds::AUTOSCALING_GROUP {
        reconcile(c, &req.id, BOOT_SECS);
    }
    Ok(())
}

/// Deletes a policy, or a group with its instances and policies.
///
/// Without `force_delete` the group drains first, as AWS's
/// DeleteAutoScalingGroup needs an empty group: each instance stays
/// registered (`draining`) for its target groups' deregistration delay,
/// then terminates, and the group's delete completes once they are gone.
/// With `force_delete` (ForceDelete) the group is gone at once and its
/// instances are terminated without draining.
pub fn delete(c: &mut Cloud, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind != kinds::AUTOSCALING_GROUP {
        c.start_delete(&req.kind, &req.id, "deleting", 1.0);
        return Ok(());
    }
    let Some(group) = c.get(&req.kind, &req.id).cloned() else {
        return Ok(());
    };
    let force = bool_or(&group.attrs, "force_delete", false)
        || req.prior.get("force_delete").and_then(Value::as_bool) == Some(true);
    let members: Vec<String> = c
        .asg_members
        .get(&req.id)
        .map(|m| m.iter().cloned().collect())
        .unwrap_or_default();
    let policies: Vec<String> = c
        .records(kinds::SCALING_POLICY)
        .filter(|p| p.str("autoscaling_group_name") == Some(req.id.as_str()))
        .map(|p| p.id.clone())
        .collect();
    for p in policies {
        c.remove(kinds::SCALING_POLICY, &p);
    }
    if force {
        for id in members {
            terminate(c, &id);
        }
        c.start_delete(&req.kind, &req.id, "Delete in progress", 0.0);
        return Ok(());
    }
    let drain = strings(&group.attrs, "target_group_arns")
        .iter()
        .filter_map(|tg| c.get(kinds::TARGET_GROUP, tg))
        .map(|tg| int_of(&tg.attrs, "deregistration_delay").unwrap_or(300))
        .max()
        .unwrap_or(0);
    let drain = f64::from(u32::try_from(drain.max(0)).unwrap_or(u32::MAX));
    let live: Vec<String> = members
        .into_iter()
        .filter(|id| c.live(kinds::INSTANCE, id).is_some())
        .collect();
    for id in &live {
        drain_and_terminate(c, id, drain);
    }
    let secs = if live.is_empty() {
        DELETE_SECS
    } else {
        drain + TERMINATE_SECS + DELETE_SECS
    };
    c.start_delete(&req.kind, &req.id, "Delete in progress", secs);
    Ok(())
}

/// Terminates an instance after `drain` AWS seconds of draining from its
/// target groups (it keeps running and registered, reported `draining`).
fn drain_and_terminate(c: &mut Cloud, id: &str, drain: f64) {
    if drain <= 0.0 {
        terminate(c, id);
        return;
    }
    c.start_delete(kinds::INSTANCE, id, "shutting-down", drain + TERMINATE_SECS);
    let drained = c.after(drain);
    if let Some(inst) = c.get_mut(kinds::INSTANCE, id) {
        if let Some(until) = inst.deleting {
            inst.phases = vec![
                Phase {
                    status: "running".into(),
                    until: drained.min(until),
                },
                Phase {
                    status: "shutting-down".into(),
                    until,
                },
            ];
        }
    }
}

/// A group is ready when it and all its instances are.
pub fn ready_at(c: &Cloud, rec: &Record) -> u64 {
    let own = rec.ready_at();
    if rec.kind != kinds::AUTOSCALING_GROUP {
        return own;
    }
    c.asg_members
        .get(&rec.id)
        .into_iter()
        .flatten()
        .filter_map(|id| c.live(kinds::INSTANCE, id))
        .map(Record::ready_at)
        .fold(own, u64::max)
}

/// A group's instances in service.
pub fn live(c: &Cloud, rec: &Record, out: &mut Attrs) {
    if rec.kind == kinds::AUTOSCALING_GROUP {
        let ids = c
            .asg_members
            .get(&rec.id)
            .into_iter()
            .flatten()
            .filter(|id| c.live(kinds::INSTANCE, id).is_some())
            .cloned();
        out.insert("instance_ids".into(), list(ids));
    }
}

// The drill operations on groups: suspending and resuming processes.

/// The computed attribute listing an autoscaling group's suspended processes.
pub const SUSPENDED: &str = "suspended_processes";

/// The processes `SuspendProcesses` knows.
const PROCESSES: &[&str] = &[
    "Launch",
    "Terminate",
    "AddToLoadBalancer",
    "AlarmNotification",
    "AZRebalance",
    "HealthCheck",
    "InstanceRefresh",
    "ReplaceUnhealthy",
    "ScheduledActions",
];

/// `SuspendProcesses` (`suspend`) or `ResumeProcesses`.
pub fn set_processes(
    c: &mut Cloud,
    asg: &str,
    processes: &[String],
    suspend: bool,
) -> Result<(), ProviderError> {
    if let Some(bad) = processes.iter().find(|p| !PROCESSES.contains(&p.as_str())) {
        return Err(api(
            "ValidationError",
            format!("Process {bad} is not a valid scaling process."),
        ));
    }
    let rec = c
        .get_mut(kinds::AUTOSCALING_GROUP, asg)
        .filter(|r| !r.is_deleting())
        .ok_or_else(|| {
            api(
                "ValidationError",
                format!("AutoScalingGroup name not found - {asg}"),
            )
        })?;
    let mut now: Vec<String> = strings(&rec.computed, SUSPENDED);
    for p in processes {
        now.retain(|x| x != p);
        if suspend {
            now.push(p.clone());
        }
    }
    now.sort();
    rec.computed.insert(
        SUSPENDED.into(),
        Value::List(now.into_iter().map(Value::from).collect()),
    );
    Ok(())
}

/// Whether a group's process is suspended.
pub fn is_suspended(rec: &Record, process: &str) -> bool {
    strings(&rec.computed, SUSPENDED)
        .iter()
        .any(|p| p == process)
}
