//! Elastic Load Balancing v2: application load balancers (provisioning →
//! active), target groups with registrations and health, weighted listeners.

use serde::{Deserialize, Serialize};
use strata_core::kinds;
use strata_core::provider::{DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, api_help, bool_or, field_int, int_of, required, str_of, strings};
use crate::clock::scaled_ms;
use crate::cloud::NewResource;
use crate::cloud::{Cloud, Record};
use crate::ec2::instance_state;
use crate::ids::{arn, elb_zone_id, hex};
use crate::network::{need_groups, need_vpc, subnet_az};

/// The health of one registered target, as DescribeTargetHealth reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetHealth {
    /// The instance id.
    pub id: String,
    /// Its availability zone.
    pub az: String,
    /// `initial`, `healthy`, `unhealthy` or `draining`.
    pub state: String,
}

fn forward_arns(attrs: &Attrs) -> Vec<String> {
    attrs
        .get("forward")
        .and_then(Value::as_list)
        .unwrap_or(&[])
        .iter()
        .filter_map(Value::as_map)
        .filter_map(|f| str_of(f, "target_group_arn").map(str::to_string))
        .collect()
}

fn check(c: &Cloud, kind: &str, attrs: &Attrs, id: Option<&str>) -> Result<(), ProviderError> {
    match kind {
        kinds::LOAD_BALANCER => {
            let subnets = strings(attrs, "subnet_ids");
            let mut azs = Vec::new();
            for s in &subnets {
                let az = subnet_az(c, s)
                    .filter(|_| c.live(kinds::SUBNET, s).is_some())
                    .ok_or_else(|| {
                        api(
                            "SubnetNotFound",
                            format!("The subnet ID '{s}' is not valid"),
                        )
                    })?;
                if !azs.contains(&az) {
                    azs.push(az);
                }
            }
            if azs.len() < 2 {
                return Err(api_help(
                    "ValidationError",
                    "At least two subnets in two different Availability Zones must be specified",
                    "give the load balancer subnets in at least two AZs",
                ));
            }
            need_groups(c, &strings(attrs, "security_group_ids"))
        }
        kinds::TARGET_GROUP => {
            need_vpc(c, required(attrs, "vpc_id")?)?;
            for t in strings(attrs, "target_ids") {
                if c.live(kinds::INSTANCE, &t).is_none() {
                    return Err(api(
                        "InvalidTarget",
                        format!("The following targets are not valid instances: '{t}'"),
                    ));
                }
            }
            Ok(())
        }
        _ => {
            let lb = required(attrs, "load_balancer_arn")?;
            if c.live(kinds::LOAD_BALANCER, lb).is_none() {
                return Err(api(
                    "LoadBalancerNotFound",
                    format!("Load balancer '{lb}' not found"),
                ));
            }
            let arns = forward_arns(attrs);
            let actions = usize::from(!arns.is_empty())
                + usize::from(attrs.get("redirect").is_some_and(|v| v.as_map().is_some()))
                + usize::from(
                    attrs
                        .get("fixed_response")
                        .is_some_and(|v| v.as_map().is_some()),
                );
            if actions != 1 {
                return Err(api_help(
                    "ValidationError",
                    "A listener must have exactly one default action",
                    "forward to target groups, redirect, or answer with a fixed response",
                ));
            }
            for tg in arns {
                if c.live(kinds::TARGET_GROUP, &tg).is_none() {
                    return Err(api(
                        "TargetGroupNotFound",
                        format!("Target group '{tg}' not found"),
                    ));
                }
            }
            check_tls(attrs)?;
            let port = int_of(attrs, "port");
            let clash = c.live_records(kinds::LISTENER).any(|l| {
                l.str("load_balancer_arn") == Some(lb)
                    && int_of(&l.attrs, "port") == port
                    && Some(l.id.as_str()) != id
            });
            if clash {
                return Err(api(
                    "DuplicateListener",
                    "A listener already exists on this port for this load balancer",
                ));
            }
            Ok(())
        }
    }
}

/// An HTTPS listener has a certificate (an ACM or IAM certificate ARN);
/// an HTTP one has no TLS settings.
fn check_tls(attrs: &Attrs) -> Result<(), ProviderError> {
    let https = str_of(attrs, "protocol") == Some("HTTPS");
    match str_of(attrs, "certificate_arn") {
        None if https => Err(api_help(
            "ValidationError",
            "A certificate must be specified for HTTPS listeners",
            "set certificate_arn on the listener",
        )),
        Some(cert)
            if https && !(cert.starts_with("arn:aws:acm:") || cert.starts_with("arn:aws:iam:")) =>
        {
            Err(api(
                "CertificateNotFound",
                format!("Certificate '{cert}' not found"),
            ))
        }
        Some(_) | None if !https && attrs.contains_key("ssl_policy") => Err(api(
            "ValidationError",
            "An SSL policy can only be set on HTTPS and TLS listeners",
        )),
        _ => Ok(()),
    }
}

/// Puts attributes in the form AWS reports them: protocols in upper case,
/// and a target group's health check with every setting (AWS's defaults
/// for those left out, all of them when none was ever given).
fn normalize(kind: &str, attrs: &mut Attrs) {
    fn upper(v: Option<&mut Value>) {
        if let Some(Value::String(s)) = v {
            if s.chars().any(|ch| ch.is_ascii_lowercase()) {
                *s = s.to_ascii_uppercase();
            }
        }
    }
    if kind != kinds::TARGET_GROUP && kind != kinds::LISTENER {
        return;
    }
    upper(attrs.get_mut("protocol"));
    if kind != kinds::TARGET_GROUP {
        return;
    }
    let schema = kinds::schema_of(kind).and_then(|s| s.attr("health_check"));
    if let Some(a) = schema {
        let check = attrs
            .get_mut("health_check")
            .filter(|v| v.as_map().is_some());
        match check {
            Some(v) => upper(v.as_map_mut().and_then(|m| m.get_mut("protocol"))),
            None => {
                let mut v = Value::Map(Attrs::new());
                crate::attrs::fill_field_defaults(&a.ty, &mut v);
                attrs.insert("health_check".into(), v);
            }
        }
    }
}

/// Creates a load balancer, target group or listener; returns its ARN (its id).
pub fn create(c: &mut Cloud, mut new: NewResource<'_>) -> Result<String, ProviderError> {
    let kind = new.req.kind.as_str();
    normalize(kind, &mut new.attrs);
    check(c, kind, &new.attrs, None)?;
    let region = c.region.clone();
    let suffix = hex(16);
    let mut rec;
    match kind {
        kinds::LOAD_BALANCER => {
            let name = required(&new.attrs, "name")?.to_string();
            let key = format!("{kind}|{name}");
            if c.named(&key).is_some() {
                return Err(api(
                    "DuplicateLoadBalancerName",
                    format!("A load balancer with the same name '{name}' exists, but with different settings"),
                ));
            }
            let id = arn(
                "elasticloadbalancing",
                &region,
                &format!("loadbalancer/app/{name}/{suffix}"),
            );
            rec = new.record(c, id);
            rec.name_key = Some(key);
            let digits: u64 = rand::random::<u64>() % 9_000_000_000 + 1_000_000_000;
            let internal = if crate::attrs::bool_or(&new.attrs, "internal", false) {
                "internal-"
            } else {
                ""
            };
            let dns = format!("{internal}{name}-{digits}.{region}.elb.amazonaws.com");
            rec.computed
                .insert("dns_name".into(), Value::String(dns.into()));
            rec.computed
                .insert("zone_id".into(), Value::String(elb_zone_id(&region).into()));
            rec.phases = c.timeline(&[("provisioning", 180.0)]);
            rec.settled = "active".into();
        }
        kinds::TARGET_GROUP => {
            let name = required(&new.attrs, "name")?.to_string();
            let key = format!("{kind}|{name}");
            if c.named(&key).is_some() {
                return Err(api(
                    "DuplicateTargetGroupName",
                    format!("A target group with the same name '{name}' exists, but with different settings"),
                ));
            }
            let id = arn(
                "elasticloadbalancing",
                &region,
                &format!("targetgroup/{name}/{suffix}"),
            );
            rec = new.record(c, id.clone());
            rec.name_key = Some(key);
            rec.phases = c.timeline(&[("pending", 5.0)]);
            let now = c.now;
            let regs = c.targets.entry(id).or_default();
            for t in strings(&new.attrs, "target_ids") {
                regs.insert(t, now);
            }
        }
        _ => {
            let lb = required(&new.attrs, "load_balancer_arn")?;
            let lb_path = lb
                .split_once(":loadbalancer/")
                .map_or("app/lb/0", |(_, p)| p);
            let id = arn(
                "elasticloadbalancing",
                &region,
                &format!("listener/{lb_path}/{suffix}"),
            );
            rec = new.record(c, id);
            rec.phases = c.timeline(&[("pending", 5.0)]);
            crate::traffic::record_weights(c, &rec.id, &new.attrs);
        }
    }
    rec.computed
        .insert("arn".into(), Value::String(rec.id.clone().into()));
    let id = rec.id.clone();
    c.insert(rec);
    Ok(id)
}

/// Updates in place: LB subnets and groups, TG health check and targets,
/// listener ports and weights (the blue/green flip).
pub fn update(c: &mut Cloud, req: &UpdateRequest, mut attrs: Attrs) -> Result<(), ProviderError> {
    if !attrs.contains_key("health_check") {
        // ModifyTargetGroup without health check settings leaves them be.
        if let Some(v) = c
            .get(&req.kind, &req.id)
            .and_then(|r| r.attrs.get("health_check"))
        {
            attrs.insert("health_check".into(), v.clone());
        }
    }
    normalize(&req.kind, &mut attrs);
    check(c, &req.kind, &attrs, Some(&req.id))?;
    if req.kind == kinds::TARGET_GROUP {
        let old = c
            .get(&req.kind, &req.id)
            .map(|r| strings(&r.attrs, "target_ids"))
            .unwrap_or_default();
        let new = strings(&attrs, "target_ids");
        let now = c.now;
        let regs = c.targets.entry(req.id.clone()).or_default();
        for t in old.iter().filter(|t| !new.contains(t)) {
            regs.remove(t);
        }
        for t in new.iter().filter(|t| !old.contains(t)) {
            regs.insert(t.clone(), now);
        }
    }
    if req.kind == kinds::LISTENER {
        crate::traffic::record_weights(c, &req.id, &attrs);
    }
    if let Some(rec) = c.get_mut(&req.kind, &req.id) {
        rec.attrs = attrs;
        rec.retag();
    }
    Ok(())
}

/// Deletes; a target group in use by a listener is refused, a load
/// balancer takes its listeners with it.
pub fn delete(c: &mut Cloud, req: &DeleteRequest) -> Result<(), ProviderError> {
    match req.kind.as_str() {
        kinds::TARGET_GROUP => {
            let user = c
                .live_records(kinds::LISTENER)
                .find(|l| forward_arns(&l.attrs).contains(&req.id));
            if let Some(l) = user {
                return Err(api_help(
                    "ResourceInUse",
                    format!(
                        "Target group '{}' is currently in use by a listener or a rule",
                        req.id
                    ),
                    format!("point listener {} at another target group first", l.id),
                ));
            }
            c.start_delete(&req.kind, &req.id, "deleting", 2.0);
        }
        kinds::LOAD_BALANCER => {
            let protected = c
                .get(kinds::LOAD_BALANCER, &req.id)
                .is_some_and(|lb| bool_or(&lb.attrs, "enable_deletion_protection", false));
            if protected {
                return Err(api_help(
                    "OperationNotPermitted",
                    format!(
                        "Load balancer '{}' cannot be deleted because deletion protection is enabled",
                        req.id
                    ),
                    "set enable_deletion_protection = false and apply first, then delete it",
                ));
            }
            let listeners: Vec<String> = c
                .records(kinds::LISTENER)
                .filter(|l| l.str("load_balancer_arn") == Some(req.id.as_str()))
                .map(|l| l.id.clone())
                .collect();
            for l in listeners {
                c.remove(kinds::LISTENER, &l);
            }
            c.start_delete(&req.kind, &req.id, "deleting", 60.0);
        }
        _ => c.start_delete(&req.kind, &req.id, "deleting", 1.0),
    }
    Ok(())
}

/// Load balancers, target groups and listeners carry no changing attributes.
pub fn live(_c: &Cloud, rec: &Record, out: &mut Attrs) {
    if rec.kind == kinds::LOAD_BALANCER || rec.kind == kinds::TARGET_GROUP {
        out.insert(
            "arn_suffix".into(),
            Value::String(kinds::elb_arn_suffix(&rec.id).into()),
        );
    }
}

/// Registers `ids` with a target group now.
pub fn register(c: &mut Cloud, tg: &str, ids: &[String]) {
    let now = c.now;
    let regs = c.targets.entry(tg.to_string()).or_default();
    for id in ids {
        regs.entry(id.clone()).or_insert(now);
    }
}

/// Deregisters `ids` from a target group.
pub fn deregister(c: &mut Cloud, tg: &str, ids: &[String]) {
    if let Some(regs) = c.targets.get_mut(tg) {
        for id in ids {
            regs.remove(id);
        }
    }
}

/// The health of every target registered with `tg`.
pub fn target_health(c: &Cloud, tg: &str) -> Vec<TargetHealth> {
    let Some(group) = c.get(kinds::TARGET_GROUP, tg) else {
        return Vec::new();
    };
    let interval = field_int(&group.attrs, "health_check", "interval").unwrap_or(30);
    let threshold = field_int(&group.attrs, "health_check", "healthy_threshold").unwrap_or(5);
    let warmup = scaled_ms((interval.max(1) * threshold.max(1)) as f64, c.speed);
    let Some(regs) = c.targets.get(tg) else {
        return Vec::new();
    };
    regs.iter()
        .map(|(id, registered)| {
            let inst = c.get(kinds::INSTANCE, id);
            let az = inst
                .and_then(|i| i.str("availability_zone"))
                .unwrap_or_default()
                .to_string();
            let state = match inst {
                None => "unhealthy",
                Some(i) if i.is_deleting() => "draining",
                Some(i) => match instance_state(c, i).as_str() {
                    "pending" => "initial",
                    "running" => {
                        let since = (*registered).max(i.ready_at());
                        if c.now >= since.saturating_add(warmup) {
                            "healthy"
                        } else {
                            "initial"
                        }
                    }
                    _ => "unhealthy",
                },
            };
            TargetHealth {
                id: id.clone(),
                az,
                state: state.into(),
            }
        })
        .collect()
}

// The drill operations on target groups: taking targets out and back.

fn check_target_group(c: &Cloud, tg: &str) -> Result<(), ProviderError> {
    if c.live(kinds::TARGET_GROUP, tg).is_none() {
        return Err(api(
            "TargetGroupNotFound",
            format!("Target group '{tg}' not found"),
        ));
    }
    Ok(())
}

/// `RegisterTargets`.
pub fn register_targets(c: &mut Cloud, tg: &str, ids: &[String]) -> Result<(), ProviderError> {
    check_target_group(c, tg)?;
    if let Some(missing) = ids.iter().find(|i| c.live(kinds::INSTANCE, i).is_none()) {
        return Err(api(
            "InvalidTarget",
            format!("The following targets are not in a running state and cannot be registered: '{missing}'"),
        ));
    }
    register(c, tg, ids);
    Ok(())
}

/// `DeregisterTargets`.
pub fn deregister_targets(c: &mut Cloud, tg: &str, ids: &[String]) -> Result<(), ProviderError> {
    check_target_group(c, tg)?;
    deregister(c, tg, ids);
    Ok(())
}
