//! SNS topics and subscriptions.
//!
//! A topic's id is its ARN. Subscriptions are made with
//! `ReturnSubscriptionArn`, so an email subscription waiting for its owner
//! has its real ARN from the start and reads as `pending_confirmation`
//! (a status, never a change). Deleting one calls Unsubscribe; where SNS
//! refuses that for an unconfirmed subscription, Strata forgets it and
//! says so: SNS removes unconfirmed subscriptions itself after three days.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_sns::types::Tag;
use strata_core::kinds;
use strata_core::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::config::Clients;
use crate::errors::{is_not_found, map};
use crate::tags::finish;
use crate::util::{changed, invalid, put, required, str_of};
use crate::Tagging;

fn sns_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| invalid(format!("tag {k}: {e}")))
        })
        .collect()
}

pub(crate) async fn read(
    c: &Clients,
    kind: &str,
    ids: &[String],
) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    let mut out = BTreeMap::new();
    for id in ids {
        let found = if kind == kinds::SNS_TOPIC {
            read_topic(c, id).await?
        } else {
            read_subscription(c, id).await?
        };
        if let Some(a) = found {
            out.insert(id.clone(), a);
        }
    }
    Ok(out)
}

async fn read_topic(c: &Clients, arn: &str) -> Result<Option<Attrs>, ProviderError> {
    let resp = match c
        .sns
        .get_topic_attributes()
        .topic_arn(arn)
        .send()
        .await
        .map_err(map)
    {
        Ok(r) => r,
        Err(e) if is_not_found(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    let attrs = resp.attributes().cloned().unwrap_or_default();
    let mut a = Attrs::new();
    put(&mut a, "name", arn.rsplit(':').next());
    put(
        &mut a,
        "kms_master_key_id",
        attrs
            .get("KmsMasterKeyId")
            .filter(|k| !k.is_empty())
            .cloned(),
    );
    put(&mut a, "arn", Some(arn));
    let tags = c
        .sns
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(map)?;
    let tags: BTreeMap<String, String> = tags
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    finish(kinds::SNS_TOPIC, &tags, &mut a);
    Ok(Some(a))
}

async fn subscription_attributes(
    c: &Clients,
    arn: &str,
) -> Result<Option<HashMap<String, String>>, ProviderError> {
    match c
        .sns
        .get_subscription_attributes()
        .subscription_arn(arn)
        .send()
        .await
        .map_err(map)
    {
        Ok(r) => Ok(Some(r.attributes().cloned().unwrap_or_default())),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

async fn read_subscription(c: &Clients, arn: &str) -> Result<Option<Attrs>, ProviderError> {
    let Some(attrs) = subscription_attributes(c, arn).await? else {
        return Ok(None);
    };
    let mut a = Attrs::new();
    put(&mut a, "topic_arn", attrs.get("TopicArn").cloned());
    put(&mut a, "protocol", attrs.get("Protocol").cloned());
    put(&mut a, "endpoint", attrs.get("Endpoint").cloned());
    put(
        &mut a,
        "filter_policy",
        attrs.get("FilterPolicy").filter(|p| !p.is_empty()).cloned(),
    );
    put(&mut a, "arn", Some(arn));
    a.insert(
        "pending_confirmation".into(),
        Value::Bool(attrs.get("PendingConfirmation").map(String::as_str) == Some("true")),
    );
    Ok(Some(a))
}

pub(crate) async fn create(
    c: &Clients,
    req: &CreateRequest,
    tags: &BTreeMap<String, String>,
) -> Result<String, ProviderError> {
    let a = &req.attrs;
    if req.kind == kinds::SNS_TOPIC {
        let mut attributes = HashMap::new();
        if let Some(key) = str_of(a, "kms_master_key_id") {
            attributes.insert("KmsMasterKeyId".to_string(), key.to_string());
        }
        let resp = c
            .sns
            .create_topic()
            .name(required(a, "name")?)
            .set_attributes((!attributes.is_empty()).then_some(attributes))
            .set_tags(Some(sns_tags(tags)?))
            .send()
            .await
            .map_err(map)?;
        return resp
            .topic_arn()
            .map(str::to_string)
            .ok_or_else(|| invalid("CreateTopic returned no TopicArn"));
    }
    let mut attributes = HashMap::new();
    if let Some(policy) = str_of(a, "filter_policy") {
        attributes.insert("FilterPolicy".to_string(), policy.to_string());
    }
    let resp = c
        .sns
        .subscribe()
        .topic_arn(required(a, "topic_arn")?)
        .protocol(required(a, "protocol")?)
        .endpoint(required(a, "endpoint")?)
        .return_subscription_arn(true)
        .set_attributes((!attributes.is_empty()).then_some(attributes))
        .send()
        .await
        .map_err(map)?;
    resp.subscription_arn()
        .map(str::to_string)
        .ok_or_else(|| invalid("Subscribe returned no SubscriptionArn"))
}

pub(crate) async fn update(
    c: &Clients,
    req: &UpdateRequest,
    t: Tagging<'_>,
) -> Result<(), ProviderError> {
    let a = &req.attrs;
    if req.kind == kinds::SNS_TOPIC_SUBSCRIPTION {
        if let Some(policy) = str_of(a, "filter_policy") {
            c.sns
                .set_subscription_attributes()
                .subscription_arn(&req.id)
                .attribute_name("FilterPolicy")
                .attribute_value(policy)
                .send()
                .await
                .map_err(map)?;
        }
        return Ok(());
    }
    if changed(&req.changed, &["kms_master_key_id"]) {
        c.sns
            .set_topic_attributes()
            .topic_arn(&req.id)
            .attribute_name("KmsMasterKeyId")
            .attribute_value(str_of(a, "kms_master_key_id").unwrap_or_default())
            .send()
            .await
            .map_err(map)?;
    }
    if !t.stale.is_empty() {
        c.sns
            .untag_resource()
            .resource_arn(&req.id)
            .set_tag_keys(Some(t.stale.to_vec()))
            .send()
            .await
            .map_err(map)?;
    }
    c.sns
        .tag_resource()
        .resource_arn(&req.id)
        .set_tags(Some(sns_tags(t.desired)?))
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

pub(crate) async fn delete(c: &Clients, req: &DeleteRequest) -> Result<(), ProviderError> {
    let gone = || ProviderError::NotFound {
        kind: req.kind.clone(),
        id: req.id.clone(),
    };
    if req.kind == kinds::SNS_TOPIC {
        // DeleteTopic succeeds for a topic that does not exist.
        if read_topic(c, &req.id).await?.is_none() {
            return Err(gone());
        }
        c.sns
            .delete_topic()
            .topic_arn(&req.id)
            .send()
            .await
            .map_err(map)?;
        return Ok(());
    }
    let Some(attrs) = subscription_attributes(c, &req.id).await? else {
        return Err(gone());
    };
    match c
        .sns
        .unsubscribe()
        .subscription_arn(&req.id)
        .send()
        .await
        .map_err(map)
    {
        Ok(_) => Ok(()),
        Err(e) if attrs.get("PendingConfirmation").map(String::as_str) == Some("true") => {
            tracing::warn!(
                subscription = %req.id,
                error = %e,
                "SNS refused to delete a subscription still pending confirmation; \
                 Strata forgets it, and SNS deletes unconfirmed subscriptions after three days"
            );
            Err(gone())
        }
        Err(e) => Err(e),
    }
}
