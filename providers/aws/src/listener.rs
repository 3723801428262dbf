//! Listeners: the default action (a weighted `forward`, a `redirect` or a
//! `fixed_response`), the certificate and TLS policy of HTTPS listeners,
//! read with DescribeListeners and written with CreateListener and
//! ModifyListener.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, FixedResponseActionConfig, ForwardActionConfig, Listener,
    ProtocolEnum, RedirectActionConfig, RedirectActionStatusCodeEnum, Tag, TargetGroupTuple,
};
use strata_core::kinds;
use strata_core::provider::ProviderError;
use strata_core::schema::AttrType;
use strata_core::value::{Attrs, Value};

use crate::config::Clients;
use crate::errors::map;
use crate::util::{i32_of, int, put, required, str_of};

/// The load balancer ARN a listener ARN belongs to.
fn lb_of(listener: &str) -> Option<String> {
    let (head, _) = listener.rsplit_once('/')?;
    Some(head.replacen(":listener/", ":loadbalancer/", 1))
}

/// The listeners among `ids`, one DescribeListeners per load balancer (the
/// API takes one load balancer at a time).
pub(crate) async fn read(
    c: &Clients,
    ids: &[String],
) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    let mut lbs: Vec<String> = ids.iter().filter_map(|i| lb_of(i)).collect();
    lbs.sort();
    lbs.dedup();
    let mut out = BTreeMap::new();
    for lb in lbs {
        let pages = c
            .elb
            .describe_listeners()
            .load_balancer_arn(&lb)
            .into_paginator()
            .send()
            .try_collect()
            .await;
        let pages = match pages.map_err(map) {
            Ok(p) => p,
            Err(e) if crate::errors::is_not_found(&e) => continue,
            Err(e) => return Err(e),
        };
        for l in pages.iter().flat_map(|p| p.listeners()) {
            let Some(arn) = l.listener_arn() else {
                continue;
            };
            if ids.iter().any(|i| i == arn) {
                out.insert(arn.to_string(), live(l, arn));
            }
        }
    }
    Ok(out)
}

fn live(l: &Listener, arn: &str) -> Attrs {
    let mut a = Attrs::new();
    put(&mut a, "load_balancer_arn", l.load_balancer_arn());
    put(&mut a, "port", int(l.port()));
    put(&mut a, "protocol", l.protocol().map(ProtocolEnum::as_str));
    put(
        &mut a,
        "certificate_arn",
        l.certificates().first().and_then(|c| c.certificate_arn()),
    );
    // moto reports a policy on HTTP listeners too; AWS only on HTTPS ones.
    if l.protocol() == Some(&ProtocolEnum::Https) {
        put(&mut a, "ssl_policy", l.ssl_policy());
    }
    if let Some(action) = l.default_actions().first() {
        read_action(action, &mut a);
    }
    put(&mut a, "arn", Some(arn));
    a
}

/// The attribute a default action is read into.
fn read_action(action: &Action, a: &mut Attrs) {
    if let Some(r) = action.redirect_config() {
        let mut m = Attrs::new();
        put(&mut m, "protocol", r.protocol());
        put(&mut m, "port", r.port());
        put(&mut m, "host", r.host());
        put(&mut m, "path", r.path());
        put(&mut m, "query", r.query());
        put(
            &mut m,
            "status_code",
            r.status_code().map(RedirectActionStatusCodeEnum::as_str),
        );
        let mut v = Value::Map(m);
        // What a reply leaves out is AWS's default (the request's part).
        fill_defaults("redirect", &mut v);
        a.insert("redirect".into(), v);
        return;
    }
    if let Some(f) = action.fixed_response_config() {
        let mut m = Attrs::new();
        put(&mut m, "status_code", f.status_code());
        put(&mut m, "content_type", f.content_type());
        put(&mut m, "message_body", f.message_body());
        a.insert("fixed_response".into(), Value::Map(m));
        return;
    }
    let mut forward = Vec::new();
    let tuples = action
        .forward_config()
        .map(|f| f.target_groups())
        .unwrap_or_default();
    if tuples.is_empty() {
        if let Some(tg) = action.target_group_arn() {
            forward.push(fwd(tg, 1));
        }
    }
    for t in tuples {
        if let Some(tg) = t.target_group_arn() {
            forward.push(fwd(tg, i64::from(t.weight().unwrap_or(1))));
        }
    }
    a.insert("forward".into(), Value::List(forward));
}

/// Fills the listener schema's field defaults into the object attribute `name`.
fn fill_defaults(name: &str, v: &mut Value) {
    let Some(AttrType::Object(fields)) = kinds::schema_of(kinds::LISTENER)
        .and_then(|s| s.attr(name))
        .map(|a| a.ty)
    else {
        return;
    };
    let Value::Map(m) = v else { return };
    for f in fields {
        if let (None, Some(d)) = (m.get(f.name), f.default) {
            m.insert(f.name.into(), d.value());
        }
    }
}

fn fwd(tg: &str, weight: i64) -> Value {
    let mut m = Attrs::new();
    m.insert("target_group_arn".into(), Value::from(tg));
    m.insert("weight".into(), Value::Int(weight));
    Value::Map(m)
}

/// The default action the configuration asks for.
fn default_action(a: &Attrs) -> Result<Action, ProviderError> {
    let text = |m: &Attrs, f: &str| str_of(m, f).map(str::to_string);
    if let Some(r) = a.get("redirect").and_then(Value::as_map) {
        let config = RedirectActionConfig::builder()
            .set_protocol(text(r, "protocol"))
            .set_port(text(r, "port"))
            .set_host(text(r, "host"))
            .set_path(text(r, "path"))
            .set_query(text(r, "query"))
            .status_code(RedirectActionStatusCodeEnum::from(required(
                r,
                "status_code",
            )?))
            .build();
        return Ok(Action::builder()
            .r#type(ActionTypeEnum::Redirect)
            .redirect_config(config)
            .build());
    }
    if let Some(f) = a.get("fixed_response").and_then(Value::as_map) {
        let config = FixedResponseActionConfig::builder()
            .status_code(required(f, "status_code")?)
            .set_content_type(text(f, "content_type"))
            .set_message_body(text(f, "message_body"))
            .build();
        return Ok(Action::builder()
            .r#type(ActionTypeEnum::FixedResponse)
            .fixed_response_config(config)
            .build());
    }
    let mut cfg = ForwardActionConfig::builder();
    for f in a
        .get("forward")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_map)
    {
        cfg = cfg.target_groups(
            TargetGroupTuple::builder()
                .target_group_arn(required(f, "target_group_arn")?)
                .set_weight(i32_of(f, "weight"))
                .build(),
        );
    }
    Ok(Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .forward_config(cfg.build())
        .build())
}

fn certificates(a: &Attrs) -> Option<Vec<Certificate>> {
    str_of(a, "certificate_arn")
        .map(|arn| vec![Certificate::builder().certificate_arn(arn).build()])
}

fn protocol(a: &Attrs) -> ProtocolEnum {
    ProtocolEnum::from(str_of(a, "protocol").unwrap_or("HTTP"))
}

/// CreateListener; returns the listener's ARN.
pub(crate) async fn create(
    c: &Clients,
    a: &Attrs,
    tags: Vec<Tag>,
) -> Result<String, ProviderError> {
    let out = c
        .elb
        .create_listener()
        .load_balancer_arn(required(a, "load_balancer_arn")?)
        .port(i32_of(a, "port").unwrap_or(80))
        .protocol(protocol(a))
        .set_certificates(certificates(a))
        .set_ssl_policy(str_of(a, "ssl_policy").map(str::to_string))
        .default_actions(default_action(a)?)
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(map)?;
    Ok(out
        .listeners()
        .first()
        .and_then(|l| l.listener_arn())
        .unwrap_or_default()
        .to_string())
}

/// ModifyListener: port, protocol, certificate, TLS policy and the default
/// action (weights: the blue/green flip) all change in place.
pub(crate) async fn modify(c: &Clients, id: &str, a: &Attrs) -> Result<(), ProviderError> {
    c.elb
        .modify_listener()
        .listener_arn(id)
        .set_port(i32_of(a, "port"))
        .protocol(protocol(a))
        .set_certificates(certificates(a))
        .set_ssl_policy(str_of(a, "ssl_policy").map(str::to_string))
        .default_actions(default_action(a)?)
        .send()
        .await
        .map_err(map)?;
    Ok(())
}
