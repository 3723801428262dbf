//! SNS: topics and subscriptions.
//!
//! A topic's id is its ARN; CreateTopic with a name that exists answers
//! with that topic, as SNS does. A subscription's id is its ARN (Strata
//! subscribes with `ReturnSubscriptionArn`), and one whose protocol needs
//! the endpoint's owner to confirm (email, email-json, http, https) stays
//! `pending_confirmation` until [`confirm`] is called — nobody reads the
//! sim's mail. Unsubscribe removes a subscription, pending or not.

use strata_core::kinds;
use strata_core::provider::{DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, required};
use crate::cloud::{Cloud, NewResource, Record};
use crate::ids::{arn, hex};

/// Protocols whose subscriptions wait for a confirmation.
const CONFIRMED_BY_OWNER: &[&str] = &["email", "email-json", "http", "https"];

fn not_found(what: &str) -> ProviderError {
    api("NotFound", format!("{what} does not exist"))
}

/// Creates a topic or a subscription.
pub fn create(c: &mut Cloud, new: NewResource<'_>) -> Result<String, ProviderError> {
    let region = c.region.clone();
    if new.req.kind == kinds::SNS_TOPIC {
        let name = required(&new.attrs, "name")?;
        let id = arn("sns", &region, name);
        if c.live(kinds::SNS_TOPIC, &id).is_some() {
            return Ok(id);
        }
        let mut rec = new.record(c, id.clone());
        rec.computed
            .insert("arn".into(), Value::String(id.as_str().into()));
        c.insert(rec);
        return Ok(id);
    }
    let topic = required(&new.attrs, "topic_arn")?.to_string();
    if c.live(kinds::SNS_TOPIC, &topic).is_none() {
        return Err(not_found("Topic"));
    }
    let protocol = required(&new.attrs, "protocol")?;
    let pending = CONFIRMED_BY_OWNER.contains(&protocol);
    let h = hex(32);
    let id = format!(
        "{topic}:{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    );
    let mut rec = new.record(c, id.clone());
    rec.computed
        .insert("arn".into(), Value::String(id.as_str().into()));
    rec.computed
        .insert("pending_confirmation".into(), Value::Bool(pending));
    c.insert(rec);
    Ok(id)
}

/// Changes a topic's encryption key or tags, or a subscription's filter policy.
pub fn update(c: &mut Cloud, req: &UpdateRequest, attrs: Attrs) -> Result<(), ProviderError> {
    if let Some(rec) = c.get_mut(&req.kind, &req.id) {
        rec.attrs = attrs;
        rec.retag();
    }
    Ok(())
}

/// Deletes a topic (and its subscriptions, as SNS does) or a subscription.
pub fn delete(c: &mut Cloud, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind == kinds::SNS_TOPIC {
        let subs: Vec<String> = c
            .records(kinds::SNS_TOPIC_SUBSCRIPTION)
            .filter(|s| s.str("topic_arn") == Some(req.id.as_str()))
            .map(|s| s.id.clone())
            .collect();
        for id in subs {
            c.remove(kinds::SNS_TOPIC_SUBSCRIPTION, &id);
        }
    }
    c.start_delete(&req.kind, &req.id, "deleting", 0.0);
    Ok(())
}

/// Confirms a subscription, as its owner clicking the link would.
pub fn confirm(c: &mut Cloud, arn: &str) -> Result<(), ProviderError> {
    let rec = c
        .get_mut(kinds::SNS_TOPIC_SUBSCRIPTION, arn)
        .ok_or_else(|| not_found("Subscription"))?;
    rec.computed
        .insert("pending_confirmation".into(), Value::Bool(false));
    Ok(())
}

/// A read as SNS answers it (nothing beyond what the record holds).
pub fn live(_c: &Cloud, _rec: &Record, _out: &mut Attrs) {}
