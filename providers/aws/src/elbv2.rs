//! Elastic Load Balancing v2: application load balancers, target groups and
//! listeners (their actions and certificates: `listener`).

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{
    LoadBalancerAttribute, LoadBalancerSchemeEnum, LoadBalancerTypeEnum, Matcher, ProtocolEnum,
    Tag, TargetDescription, TargetGroup, TargetGroupAttribute, TargetTypeEnum,
};
use strata_core::kinds;
use strata_core::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::config::Clients;
use crate::elb_attributes;
use crate::errors::map;
use crate::tags::finish;
use crate::util::{bool_or, changed, i32_of, int, list, put, required, str_of, strings};
use crate::Tagging;

fn elb_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    Ok(tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect())
}

/// Tags of many ELB resources, 20 ARNs per DescribeTags call.
async fn tags_of(
    c: &Clients,
    arns: &[String],
) -> Result<BTreeMap<String, BTreeMap<String, String>>, ProviderError> {
    let mut out = BTreeMap::new();
    for chunk in arns.chunks(20) {
        let resp = c
            .elb
            .describe_tags()
            .set_resource_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(map)?;
        for d in resp.tag_descriptions() {
            let Some(arn) = d.resource_arn() else {
                continue;
            };
            let tags = d
                .tags()
                .iter()
                .filter_map(|t| {
                    Some((
                        t.key()?.to_string(),
                        t.value().unwrap_or_default().to_string(),
                    ))
                })
                .collect();
            out.insert(arn.to_string(), tags);
        }
    }
    Ok(out)
}

async fn sync_tags(c: &Clients, arn: &str, t: Tagging<'_>) -> Result<(), ProviderError> {
    if !t.stale.is_empty() {
        c.elb
            .remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(t.stale.to_vec()))
            .send()
            .await
            .map_err(map)?;
    }
    c.elb
        .add_tags()
        .resource_arns(arn)
        .set_tags(Some(elb_tags(t.desired)?))
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
    let mut out = match kind {
        kinds::LOAD_BALANCER => read_lbs(c, ids).await?,
        kinds::TARGET_GROUP => read_tgs(c, ids).await?,
        _ => crate::listener::read(c, ids).await?,
    };
    let arns: Vec<String> = out.keys().cloned().collect();
    let tags = tags_of(c, &arns).await?;
    for (arn, a) in &mut out {
        finish(kind, tags.get(arn).unwrap_or(&BTreeMap::new()), a);
    }
    Ok(out)
}

async fn read_lbs(c: &Clients, ids: &[String]) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    let pages = c
        .elb
        .describe_load_balancers()
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    let mut out = BTreeMap::new();
    for lb in pages.iter().flat_map(|p| p.load_balancers()) {
        let Some(arn) = lb.load_balancer_arn() else {
            continue;
        };
        if !ids.iter().any(|i| i == arn) {
            continue;
        }
        let mut a = Attrs::new();
        put(&mut a, "name", lb.load_balancer_name());
        a.insert(
            "internal".into(),
            Value::Bool(lb.scheme() == Some(&LoadBalancerSchemeEnum::Internal)),
        );
        a.insert(
            "subnet_ids".into(),
            list(lb.availability_zones().iter().filter_map(|z| z.subnet_id())),
        );
        a.insert(
            "security_group_ids".into(),
            list(lb.security_groups().iter().map(String::as_str)),
        );
        put(&mut a, "arn", Some(arn));
        put(&mut a, "arn_suffix", Some(kinds::elb_arn_suffix(arn)));
        put(&mut a, "dns_name", lb.dns_name());
        put(&mut a, "zone_id", lb.canonical_hosted_zone_id());
        put(
            &mut a,
            "state",
            lb.state().and_then(|s| s.code()).map(|c| c.as_str()),
        );
        let attrs = c
            .elb
            .describe_load_balancer_attributes()
            .load_balancer_arn(arn)
            .send()
            .await
            .map_err(map)?;
        elb_attributes::from_aws(
            kinds::LOAD_BALANCER,
            attrs
                .attributes()
                .iter()
                .filter_map(|x| Some((x.key()?, x.value()?))),
            &mut a,
        );
        out.insert(arn.to_string(), a);
    }
    Ok(out)
}

async fn read_tgs(c: &Clients, ids: &[String]) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    let pages = c
        .elb
        .describe_target_groups()
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    let mut out = BTreeMap::new();
    for tg in pages.iter().flat_map(|p| p.target_groups()) {
        let Some(arn) = tg.target_group_arn() else {
            continue;
        };
        if !ids.iter().any(|i| i == arn) {
            continue;
        }
        let mut a = Attrs::new();
        put(&mut a, "name", tg.target_group_name());
        put(&mut a, "port", int(tg.port()));
        put(&mut a, "protocol", tg.protocol().map(ProtocolEnum::as_str));
        put(&mut a, "vpc_id", tg.vpc_id());
        put(
            &mut a,
            "target_type",
            tg.target_type().map(TargetTypeEnum::as_str),
        );
        let hc = health_check(tg);
        a.insert("health_check".into(), Value::Map(hc));
        put(&mut a, "arn", Some(arn));
        put(&mut a, "arn_suffix", Some(kinds::elb_arn_suffix(arn)));
        let attrs = c
            .elb
            .describe_target_group_attributes()
            .target_group_arn(arn)
            .send()
            .await
            .map_err(map)?;
        elb_attributes::from_aws(
            kinds::TARGET_GROUP,
            attrs
                .attributes()
                .iter()
                .filter_map(|x| Some((x.key()?, x.value()?))),
            &mut a,
        );
        let health = c
            .elb
            .describe_target_health()
            .target_group_arn(arn)
            .send()
            .await
            .map_err(map)?;
        a.insert(
            "target_ids".into(),
            list(
                health
                    .target_health_descriptions()
                    .iter()
                    .filter_map(|d| d.target().and_then(|t| t.id())),
            ),
        );
        out.insert(arn.to_string(), a);
    }
    drop_asg_members(c, &mut out).await?;
    Ok(out)
}

/// A target group's whole health check, every field as AWS reports it (a
/// field AWS leaves out has AWS's default, as the configuration does), so
/// a setting removed from the configuration shows as a change back to the
/// default.
fn health_check(tg: &TargetGroup) -> Attrs {
    let mut hc = Attrs::new();
    let text = |v: Option<&str>, d: &str| Value::from(v.unwrap_or(d));
    let num = |v: Option<i32>, d: i64| Value::Int(v.map_or(d, i64::from));
    hc.insert("path".into(), text(tg.health_check_path(), "/"));
    hc.insert("port".into(), text(tg.health_check_port(), "traffic-port"));
    hc.insert(
        "protocol".into(),
        text(tg.health_check_protocol().map(ProtocolEnum::as_str), "HTTP"),
    );
    hc.insert(
        "healthy_threshold".into(),
        num(tg.healthy_threshold_count(), 5),
    );
    hc.insert(
        "unhealthy_threshold".into(),
        num(tg.unhealthy_threshold_count(), 2),
    );
    hc.insert(
        "interval".into(),
        num(tg.health_check_interval_seconds(), 30),
    );
    hc.insert("timeout".into(), num(tg.health_check_timeout_seconds(), 5));
    hc.insert(
        "matcher".into(),
        text(tg.matcher().and_then(|m| m.http_code()), "200"),
    );
    hc
}

/// `target_ids` are the targets registered directly: instances an
/// autoscaling group registered itself are left out (one DescribeInstances
/// for all target groups).
async fn drop_asg_members(
    c: &Clients,
    out: &mut BTreeMap<String, Attrs>,
) -> Result<(), ProviderError> {
    let mut ids: Vec<String> = out
        .values()
        .flat_map(|a| strings(a, "target_ids"))
        .filter(|i| i.starts_with("i-"))
        .collect();
    ids.sort();
    ids.dedup();
    let mut members = Vec::new();
    for chunk in ids.chunks(200) {
        let filters = vec![
            aws_sdk_ec2::types::Filter::builder()
                .name("instance-id")
                .set_values(Some(chunk.to_vec()))
                .build(),
            aws_sdk_ec2::types::Filter::builder()
                .name("tag-key")
                .values(strata_core::tags::ASG_TAG)
                .build(),
        ];
        let pages = c
            .ec2
            .describe_instances()
            .set_filters(Some(filters))
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(map)?;
        members.extend(
            pages
                .iter()
                .flat_map(|p| p.reservations())
                .flat_map(|r| r.instances())
                .filter_map(|i| i.instance_id().map(str::to_string)),
        );
    }
    if members.is_empty() {
        return Ok(());
    }
    for a in out.values_mut() {
        let direct: Vec<String> = strings(a, "target_ids")
            .into_iter()
            .filter(|i| !members.contains(i))
            .collect();
        a.insert("target_ids".into(), list(direct));
    }
    Ok(())
}

fn targets(ids: &[String]) -> Result<Vec<TargetDescription>, ProviderError> {
    Ok(ids
        .iter()
        .map(|i| TargetDescription::builder().id(i).build())
        .collect())
}

/// Sends the key/value settings of a load balancer or target group that
/// `a` asks for (`all`: every one; otherwise those that differ from AWS's
/// defaults, and no call when none does).
async fn set_attributes(
    c: &Clients,
    kind: &str,
    arn: &str,
    a: &Attrs,
    all: bool,
) -> Result<(), ProviderError> {
    let pairs = elb_attributes::to_aws(kind, a, all);
    if pairs.is_empty() {
        return Ok(());
    }
    if kind == kinds::LOAD_BALANCER {
        let attrs = pairs
            .into_iter()
            .map(|(k, v)| LoadBalancerAttribute::builder().key(k).value(v).build())
            .collect();
        c.elb
            .modify_load_balancer_attributes()
            .load_balancer_arn(arn)
            .set_attributes(Some(attrs))
            .send()
            .await
            .map_err(map)?;
    } else {
        let attrs = pairs
            .into_iter()
            .map(|(k, v)| TargetGroupAttribute::builder().key(k).value(v).build())
            .collect();
        c.elb
            .modify_target_group_attributes()
            .target_group_arn(arn)
            .set_attributes(Some(attrs))
            .send()
            .await
            .map_err(map)?;
    }
    Ok(())
}

async fn sync_targets(
    c: &Clients,
    arn: &str,
    old: &[String],
    new: &[String],
) -> Result<(), ProviderError> {
    let gone: Vec<String> = old.iter().filter(|i| !new.contains(i)).cloned().collect();
    let added: Vec<String> = new.iter().filter(|i| !old.contains(i)).cloned().collect();
    if !gone.is_empty() {
        let result = c
            .elb
            .deregister_targets()
            .target_group_arn(arn)
            .set_targets(Some(targets(&gone)?))
            .send()
            .await
            .map_err(map);
        // A target that no longer exists (a replaced instance) is already gone.
        if let Err(e) = result {
            if crate::errors::code_of(&e) != Some("InvalidTarget") {
                return Err(e);
            }
        }
    }
    if !added.is_empty() {
        c.elb
            .register_targets()
            .target_group_arn(arn)
            .set_targets(Some(targets(&added)?))
            .send()
            .await
            .map_err(map)?;
    }
    Ok(())
}

fn hc(a: &Attrs) -> Option<&Attrs> {
    a.get("health_check").and_then(Value::as_map)
}

pub(crate) async fn create(
    c: &Clients,
    req: &CreateRequest,
    tags: &BTreeMap<String, String>,
) -> Result<String, ProviderError> {
    let a = &req.attrs;
    match req.kind.as_str() {
        kinds::LOAD_BALANCER => {
            let sgs = strings(a, "security_group_ids");
            let out = c
                .elb
                .create_load_balancer()
                .name(required(a, "name")?)
                .r#type(LoadBalancerTypeEnum::Application)
                .scheme(if bool_or(a, "internal", false) {
                    LoadBalancerSchemeEnum::Internal
                } else {
                    LoadBalancerSchemeEnum::InternetFacing
                })
                .set_subnets(Some(strings(a, "subnet_ids")))
                .set_security_groups((!sgs.is_empty()).then_some(sgs))
                .set_tags(Some(elb_tags(tags)?))
                .send()
                .await
                .map_err(map)?;
            let arn = out
                .load_balancers()
                .first()
                .and_then(|l| l.load_balancer_arn())
                .unwrap_or_default()
                .to_string();
            set_attributes(c, kinds::LOAD_BALANCER, &arn, a, false).await?;
            Ok(arn)
        }
        kinds::TARGET_GROUP => {
            let h = hc(a);
            let get = |f: &str| h.and_then(|h| str_of(h, f)).map(str::to_string);
            let num = |f: &str| h.and_then(|h| i32_of(h, f));
            let out = c
                .elb
                .create_target_group()
                .name(required(a, "name")?)
                .port(i32_of(a, "port").unwrap_or(80))
                .protocol(ProtocolEnum::from(str_of(a, "protocol").unwrap_or("HTTP")))
                .vpc_id(required(a, "vpc_id")?)
                .target_type(TargetTypeEnum::from(
                    str_of(a, "target_type").unwrap_or("instance"),
                ))
                .set_health_check_path(get("path"))
                .set_health_check_port(get("port"))
                .set_health_check_protocol(get("protocol").map(|p| ProtocolEnum::from(p.as_str())))
                .set_healthy_threshold_count(num("healthy_threshold"))
                .set_unhealthy_threshold_count(num("unhealthy_threshold"))
                .set_health_check_interval_seconds(num("interval"))
                .set_health_check_timeout_seconds(num("timeout"))
                .set_matcher(get("matcher").map(|m| Matcher::builder().http_code(m).build()))
                .set_tags(Some(elb_tags(tags)?))
                .send()
                .await
                .map_err(map)?;
            let arn = out
                .target_groups()
                .first()
                .and_then(|t| t.target_group_arn())
                .unwrap_or_default()
                .to_string();
            set_attributes(c, kinds::TARGET_GROUP, &arn, a, false).await?;
            sync_targets(c, &arn, &[], &strings(a, "target_ids")).await?;
            Ok(arn)
        }
        _ => crate::listener::create(c, a, elb_tags(tags)?).await,
    }
}

pub(crate) async fn update(
    c: &Clients,
    req: &UpdateRequest,
    t: Tagging<'_>,
) -> Result<(), ProviderError> {
    let (a, id) = (&req.attrs, req.id.as_str());
    match req.kind.as_str() {
        kinds::LOAD_BALANCER => {
            if changed(&req.changed, &["subnet_ids"]) {
                c.elb
                    .set_subnets()
                    .load_balancer_arn(id)
                    .set_subnets(Some(strings(a, "subnet_ids")))
                    .send()
                    .await
                    .map_err(map)?;
            }
            if changed(&req.changed, &["security_group_ids"]) {
                c.elb
                    .set_security_groups()
                    .load_balancer_arn(id)
                    .set_security_groups(Some(strings(a, "security_group_ids")))
                    .send()
                    .await
                    .map_err(map)?;
            }
            if changed(&req.changed, &elb_attributes::names(&req.kind)) {
                set_attributes(c, kinds::LOAD_BALANCER, id, a, true).await?;
            }
        }
        kinds::TARGET_GROUP => {
            if changed(&req.changed, &["health_check"]) {
                let h = hc(a);
                let get = |f: &str| h.and_then(|h| str_of(h, f)).map(str::to_string);
                let num = |f: &str| h.and_then(|h| i32_of(h, f));
                c.elb
                    .modify_target_group()
                    .target_group_arn(id)
                    .set_health_check_path(get("path"))
                    .set_health_check_port(get("port"))
                    .set_health_check_protocol(
                        get("protocol").map(|p| ProtocolEnum::from(p.as_str())),
                    )
                    .set_healthy_threshold_count(num("healthy_threshold"))
                    .set_unhealthy_threshold_count(num("unhealthy_threshold"))
                    .set_health_check_interval_seconds(num("interval"))
                    .set_health_check_timeout_seconds(num("timeout"))
                    .set_matcher(get("matcher").map(|m| Matcher::builder().http_code(m).build()))
                    .send()
                    .await
                    .map_err(map)?;
            }
            if changed(&req.changed, &elb_attributes::names(&req.kind)) {
                set_attributes(c, kinds::TARGET_GROUP, id, a, true).await?;
            }
            if changed(&req.changed, &["target_ids"]) {
                let old = strings(&req.prior, "target_ids");
                sync_targets(c, id, &old, &strings(a, "target_ids")).await?;
            }
        }
        _ => crate::listener::modify(c, id, a).await?,
    }
    sync_tags(c, id, t).await
}

pub(crate) async fn delete(c: &Clients, req: &DeleteRequest) -> Result<(), ProviderError> {
    let id = req.id.as_str();
    match req.kind.as_str() {
        kinds::LOAD_BALANCER => {
            c.elb
                .delete_load_balancer()
                .load_balancer_arn(id)
                .send()
                .await
                .map_err(map)?;
        }
        kinds::TARGET_GROUP => {
            c.elb
                .delete_target_group()
                .target_group_arn(id)
                .send()
                .await
                .map_err(map)?;
        }
        _ => {
            c.elb
                .delete_listener()
                .listener_arn(id)
                .send()
                .await
                .map_err(map)?;
        }
    }
    Ok(())
}
