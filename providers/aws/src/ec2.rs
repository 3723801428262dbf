//! EC2 compute: launch templates and instances.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ec2::client::Waiters;
use aws_sdk_ec2::primitives::Blob;
use aws_sdk_ec2::types::{
    Filter, InstanceAttributeName, InstanceStateName, InstanceType, RequestLaunchTemplateData,
    ResourceType, SecureBlobAttributeValue,
};
use base64::Engine as _;
use strata_core::kinds;
use strata_core::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::config::Clients;
use crate::errors::map;
use crate::launch_template_data;
use crate::network::{filters, region, sync_tags, tag_map, tag_spec};
use crate::tags::finish;
use crate::util::{changed, list, put, required, str_of, strings};
use crate::Tagging;
use strata_core::tags::STACK_TAG;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// Marks an instance launched with user data (read back per instance).
const USER_DATA_TAG: &str = "strata:has-user-data";

fn decode(s: &str) -> String {
    B64.decode(s)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default()
}

/// An EC2 client token (at most 64 ASCII characters) for an engine token.
pub(crate) fn client_token(token: &str) -> String {
    let t: String = token.chars().filter(char::is_ascii_alphanumeric).collect();
    let chars: Vec<char> = t.chars().collect();
    chars[chars.len().saturating_sub(64)..].iter().collect()
}

pub(crate) async fn read(
    c: &Clients,
    kind: &str,
    ids: &[String],
) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    if kind == kinds::LAUNCH_TEMPLATE {
        return read_templates(c, ids).await;
    }
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(200) {
        read_instances(c, filters("instance-id", chunk), &mut out).await?;
    }
    Ok(out)
}

async fn read_instances(
    c: &Clients,
    filters: Vec<Filter>,
    out: &mut BTreeMap<String, Attrs>,
) -> Result<(), ProviderError> {
    let pages = c
        .ec2
        .describe_instances()
        .set_filters(Some(filters))
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    let region = region(c);
    let mut with_user_data = Vec::new();
    for r in pages.iter().flat_map(|p| p.reservations()) {
        for i in r.instances() {
            let Some(id) = i.instance_id() else { continue };
            let state = i
                .state()
                .and_then(|s| s.name())
                .map(InstanceStateName::as_str);
            if matches!(state, Some("terminated" | "shutting-down")) {
                continue;
            }
            let mut a = Attrs::new();
            put(&mut a, "ami", i.image_id());
            put(
                &mut a,
                "instance_type",
                i.instance_type().map(InstanceType::as_str),
            );
            put(&mut a, "subnet_id", i.subnet_id());
            a.insert(
                "security_group_ids".into(),
                list(i.security_groups().iter().filter_map(|g| g.group_id())),
            );
            put(&mut a, "key_name", i.key_name());
            put(
                &mut a,
                "availability_zone",
                i.placement().and_then(|p| p.availability_zone()),
            );
            put(&mut a, "private_ip", i.private_ip_address());
            put(&mut a, "state", state);
            put(
                &mut a,
                "arn",
                r.owner_id()
                    .map(|o| format!("arn:aws:ec2:{region}:{o}:instance/{id}")),
            );
            let tags = tag_map(i.tags());
            if tags.contains_key(USER_DATA_TAG) {
                with_user_data.push(id.to_string());
            }
            finish(kinds::INSTANCE, &tags, &mut a);
            // Strata's own setting: as echoed, else AWS's way (in place).
            a.entry("user_data_replace_on_change".into())
                .or_insert(Value::Bool(false));
            out.insert(id.to_string(), a);
        }
    }
    // DescribeInstances does not return user data: one call per instance
    // launched with some.
    for id in with_user_data {
        let attr = c
            .ec2
            .describe_instance_attribute()
            .instance_id(&id)
            .attribute(InstanceAttributeName::UserData)
            .send()
            .await
            .map_err(map)?;
        if let (Some(a), Some(v)) = (out.get_mut(&id), attr.user_data().and_then(|u| u.value())) {
            a.insert("user_data".into(), Value::String(decode(v).into()));
        }
    }
    Ok(())
}

async fn read_templates(
    c: &Clients,
    ids: &[String],
) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    let pages = c
        .ec2
        .describe_launch_templates()
        .filters(Filter::builder().name("tag-key").values(STACK_TAG).build())
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    let region = region(c);
    let wanted: Vec<&str> = pages
        .iter()
        .flat_map(|p| p.launch_templates())
        .filter_map(|t| t.launch_template_id())
        .filter(|id| ids.iter().any(|x| x == id))
        .collect();
    let tags_of = if wanted.is_empty() {
        BTreeMap::new()
    } else {
        template_tags(c, &wanted).await?
    };
    let mut out = BTreeMap::new();
    for t in pages.iter().flat_map(|p| p.launch_templates()) {
        let Some(id) = t.launch_template_id() else {
            continue;
        };
        if !ids.iter().any(|x| x == id) {
            continue;
        }
        let mut a = Attrs::new();
        put(&mut a, "name", t.launch_template_name());
        put(
            &mut a,
            "latest_version",
            t.latest_version_number().map(Value::Int),
        );
        put(
            &mut a,
            "arn",
            t.created_by()
                .map(|_| format!("arn:aws:ec2:{region}::launch-template/{id}")),
        );
        let versions = c
            .ec2
            .describe_launch_template_versions()
            .launch_template_id(id)
            .versions("$Latest")
            .send()
            .await
            .map_err(map)?;
        if let Some(d) = versions
            .launch_template_versions()
            .first()
            .and_then(|v| v.launch_template_data())
        {
            put(&mut a, "image_id", d.image_id());
            put(
                &mut a,
                "instance_type",
                d.instance_type().map(InstanceType::as_str),
            );
            put(&mut a, "user_data", d.user_data().map(decode));
            let sgs = d.security_group_ids();
            if !sgs.is_empty() {
                a.insert(
                    "security_group_ids".into(),
                    list(sgs.iter().map(String::as_str)),
                );
            }
            put(&mut a, "key_name", d.key_name());
            launch_template_data::read(d, &mut a);
        }
        let tags = tags_of
            .get(id)
            .cloned()
            .unwrap_or_else(|| tag_map(t.tags()));
        finish(kinds::LAUNCH_TEMPLATE, &tags, &mut a);
        out.insert(id.to_string(), a);
    }
    Ok(out)
}

/// The current tags of launch templates, by id, from DescribeTags.
///
/// DescribeLaunchTemplates is not used for them: moto returns the tags a
/// template was created with there, never those CreateTags changed later
/// (a release retags its template's `version`), while DescribeTags reads
/// the tags as they are, on AWS and on moto alike.
async fn template_tags(
    c: &Clients,
    ids: &[&str],
) -> Result<BTreeMap<String, BTreeMap<String, String>>, ProviderError> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for chunk in ids.chunks(100) {
        let pages = c
            .ec2
            .describe_tags()
            .filters(
                Filter::builder()
                    .name("resource-type")
                    .values("launch-template")
                    .build(),
            )
            .filters(
                Filter::builder()
                    .name("resource-id")
                    .set_values(Some(chunk.iter().map(|s| s.to_string()).collect()))
                    .build(),
            )
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(map)?;
        for t in pages.iter().flat_map(|p| p.tags()) {
            if let (Some(id), Some(key)) = (t.resource_id(), t.key()) {
                out.entry(id.to_string())
                    .or_default()
                    .insert(key.to_string(), t.value().unwrap_or_default().to_string());
            }
        }
    }
    Ok(out)
}

fn template_data(a: &Attrs) -> Result<RequestLaunchTemplateData, ProviderError> {
    let sgs = strings(a, "security_group_ids");
    let builder = RequestLaunchTemplateData::builder()
        .image_id(required(a, "image_id")?)
        .instance_type(InstanceType::from(required(a, "instance_type")?))
        .set_user_data(str_of(a, "user_data").map(|u| B64.encode(u)))
        .set_security_group_ids((!sgs.is_empty()).then_some(sgs))
        .set_key_name(str_of(a, "key_name").map(str::to_string));
    Ok(launch_template_data::request(builder, a).build())
}

pub(crate) async fn create(
    c: &Clients,
    req: &CreateRequest,
    tags: &BTreeMap<String, String>,
) -> Result<String, ProviderError> {
    let a = &req.attrs;
    if req.kind == kinds::LAUNCH_TEMPLATE {
        let out = c
            .ec2
            .create_launch_template()
            .launch_template_name(required(a, "name")?)
            .launch_template_data(template_data(a)?)
            .client_token(client_token(&req.token))
            .tag_specifications(tag_spec(ResourceType::LaunchTemplate, tags))
            .send()
            .await
            .map_err(map)?;
        return Ok(out
            .launch_template()
            .and_then(|t| t.launch_template_id())
            .unwrap_or_default()
            .to_string());
    }
    let mut tags = tags.clone();
    if str_of(a, "user_data").is_some() {
        tags.insert(USER_DATA_TAG.into(), "true".into());
    }
    let sgs = strings(a, "security_group_ids");
    let out = c
        .ec2
        .run_instances()
        .image_id(required(a, "ami")?)
        .instance_type(InstanceType::from(required(a, "instance_type")?))
        .subnet_id(required(a, "subnet_id")?)
        .set_security_group_ids((!sgs.is_empty()).then_some(sgs))
        .set_user_data(str_of(a, "user_data").map(|u| B64.encode(u)))
        .set_key_name(str_of(a, "key_name").map(str::to_string))
        .min_count(1)
        .max_count(1)
        .client_token(client_token(&req.token))
        .tag_specifications(tag_spec(ResourceType::Instance, &tags))
        .send()
        .await
        .map_err(map)?;
    Ok(out
        .instances()
        .first()
        .and_then(|i| i.instance_id())
        .unwrap_or_default()
        .to_string())
}

pub(crate) async fn update(
    c: &Clients,
    req: &UpdateRequest,
    t: Tagging<'_>,
) -> Result<(), ProviderError> {
    let (a, id) = (&req.attrs, req.id.as_str());
    if req.kind == kinds::LAUNCH_TEMPLATE {
        if req.changed.iter().any(|n| n != "tags") {
            let v = c
                .ec2
                .create_launch_template_version()
                .launch_template_id(id)
                .launch_template_data(template_data(a)?)
                .send()
                .await
                .map_err(map)?;
            let number = v
                .launch_template_version()
                .and_then(|v| v.version_number())
                .unwrap_or_default();
            c.ec2
                .modify_launch_template()
                .launch_template_id(id)
                .default_version(number.to_string())
                .send()
                .await
                .map_err(map)?;
        }
        return sync_tags(c, id, t).await;
    }
    if changed(&req.changed, &["instance_type", "user_data"]) {
        stopped_change(c, id, &req.changed, a).await?;
    }
    if changed(&req.changed, &["security_group_ids"]) {
        c.ec2
            .modify_instance_attribute()
            .instance_id(id)
            .set_groups(Some(strings(a, "security_group_ids")))
            .send()
            .await
            .map_err(map)?;
    }
    let mut desired = t.desired.clone();
    if str_of(a, "user_data").is_some() {
        desired.insert(USER_DATA_TAG.into(), "true".into());
    }
    sync_tags(
        c,
        id,
        Tagging {
            desired: &desired,
            stale: t.stale,
        },
    )
    .await
}

/// Changes what needs a stopped instance (its type, its user data): stops
/// it, waits until it is stopped, modifies it and starts it again. The
/// update then reports `pending` until the instance runs again.
/// (`user_data_replace_on_change` alone changes nothing on AWS.)
async fn stopped_change(
    c: &Clients,
    id: &str,
    changed: &[String],
    a: &Attrs,
) -> Result<(), ProviderError> {
    c.ec2
        .stop_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(map)?;
    c.ec2
        .wait_until_instance_stopped()
        .instance_ids(id)
        .wait(Duration::from_secs(600))
        .await
        .map_err(|e| ProviderError::Transient {
            code: "InstanceNotStopped".into(),
            message: format!("instance {id} did not stop: {e}"),
        })?;
    let modified = modify_stopped(c, id, changed, a).await;
    // Started again even if AWS refused the change: a failed update must
    // not leave the instance stopped.
    c.ec2
        .start_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(map)?;
    modified
}

/// The modifications of [`stopped_change`], on the stopped instance.
async fn modify_stopped(
    c: &Clients,
    id: &str,
    changed: &[String],
    a: &Attrs,
) -> Result<(), ProviderError> {
    let has = |n: &str| changed.iter().any(|c| c == n);
    if has("instance_type") {
        c.ec2
            .modify_instance_attribute()
            .instance_id(id)
            .attribute(InstanceAttributeName::InstanceType)
            .value(required(a, "instance_type")?)
            .send()
            .await
            .map_err(map)?;
    }
    if has("user_data") {
        // The SDK base64-encodes the blob; an empty one clears it.
        let data = str_of(a, "user_data").unwrap_or_default();
        c.ec2
            .modify_instance_attribute()
            .instance_id(id)
            .user_data(
                SecureBlobAttributeValue::builder()
                    .value(Blob::new(data.as_bytes()))
                    .build(),
            )
            .send()
            .await
            .map_err(map)?;
    }
    Ok(())
}

pub(crate) async fn delete(c: &Clients, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind == kinds::LAUNCH_TEMPLATE {
        c.ec2
            .delete_launch_template()
            .launch_template_id(&req.id)
            .send()
            .await
            .map_err(map)?;
        return Ok(());
    }
    c.ec2
        .terminate_instances()
        .instance_ids(&req.id)
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

/// The instance a create with `token` made, if any (after a crash).
pub(crate) async fn find_by_token(
    c: &Clients,
    token: &str,
) -> Result<Option<(String, Attrs)>, ProviderError> {
    let mut out = BTreeMap::new();
    let f = vec![
        Filter::builder()
            .name("client-token")
            .values(client_token(token))
            .build(),
        Filter::builder().name("tag-key").values(STACK_TAG).build(),
    ];
    read_instances(c, f, &mut out).await?;
    Ok(out.into_iter().next())
}
