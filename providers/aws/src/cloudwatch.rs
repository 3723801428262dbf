//! CloudWatch metric alarms (PutMetricAlarm creates and updates in place).

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, Statistic, Tag};
use strata_core::kinds;
use strata_core::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::config::Clients;
use crate::errors::map;
use crate::tags::finish;
use crate::util::{f64_of, i32_of, int, list, put, required, str_of, strings};
use crate::Tagging;

fn cw_tags(tags: &BTreeMap<String, String>) -> Result<Vec<Tag>, ProviderError> {
    Ok(tags
        .iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect())
}

pub(crate) async fn read(
    c: &Clients,
    ids: &[String],
) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(100) {
        let pages =
            c.cw.describe_alarms()
                .set_alarm_names(Some(chunk.to_vec()))
                .into_paginator()
                .send()
                .try_collect()
                .await
                .map_err(map)?;
        for m in pages.iter().flat_map(|p| p.metric_alarms()) {
            let Some(name) = m.alarm_name() else { continue };
            let mut a = Attrs::new();
            put(&mut a, "alarm_name", Some(name));
            put(&mut a, "namespace", m.namespace());
            put(&mut a, "metric_name", m.metric_name());
            put(&mut a, "statistic", m.statistic().map(Statistic::as_str));
            put(&mut a, "extended_statistic", m.extended_statistic());
            let dims: Attrs = m
                .dimensions()
                .iter()
                .filter_map(|d| Some((d.name()?.to_string(), Value::from(d.value()?))))
                .collect();
            if !dims.is_empty() {
                a.insert("dimensions".into(), Value::Map(dims));
            }
            put(&mut a, "period", int(m.period()));
            put(&mut a, "evaluation_periods", int(m.evaluation_periods()));
            put(&mut a, "threshold", m.threshold());
            put(
                &mut a,
                "comparison_operator",
                m.comparison_operator().map(ComparisonOperator::as_str),
            );
            put(&mut a, "treat_missing_data", m.treat_missing_data());
            let actions = m.alarm_actions();
            if !actions.is_empty() {
                a.insert(
                    "alarm_actions".into(),
                    list(actions.iter().map(String::as_str)),
                );
            }
            put(&mut a, "arn", m.alarm_arn());
            put(&mut a, "state_value", m.state_value().map(|s| s.as_str()));
            // DescribeAlarms does not return tags: one call per alarm.
            let mut tags = BTreeMap::new();
            if let Some(arn) = m.alarm_arn() {
                let resp =
                    c.cw.list_tags_for_resource()
                        .resource_arn(arn)
                        .send()
                        .await
                        .map_err(map)?;
                tags = resp
                    .tags()
                    .iter()
                    .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                    .collect();
            }
            finish(kinds::METRIC_ALARM, &tags, &mut a);
            out.insert(name.to_string(), a);
        }
    }
    Ok(out)
}

async fn put_alarm(
    c: &Clients,
    a: &Attrs,
    tags: Option<&BTreeMap<String, String>>,
) -> Result<String, ProviderError> {
    let name = required(a, "alarm_name")?;
    let dims = a.get("dimensions").and_then(Value::as_map).map(|m| {
        m.iter()
            .filter_map(|(k, v)| Some(Dimension::builder().name(k).value(v.as_str()?).build()))
            .collect::<Vec<_>>()
    });
    let actions = strings(a, "alarm_actions");
    c.cw.put_metric_alarm()
        .alarm_name(name)
        .namespace(required(a, "namespace")?)
        .metric_name(required(a, "metric_name")?)
        .set_statistic(str_of(a, "statistic").map(Statistic::from))
        .set_extended_statistic(str_of(a, "extended_statistic").map(str::to_string))
        .set_dimensions(dims)
        .set_period(i32_of(a, "period"))
        .set_evaluation_periods(i32_of(a, "evaluation_periods"))
        .set_threshold(f64_of(a, "threshold"))
        .comparison_operator(ComparisonOperator::from(required(
            a,
            "comparison_operator",
        )?))
        .set_treat_missing_data(str_of(a, "treat_missing_data").map(str::to_string))
        .set_alarm_actions((!actions.is_empty()).then_some(actions))
        .set_tags(tags.map(cw_tags).transpose()?)
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
    put_alarm(c, &req.attrs, Some(tags)).await
}

pub(crate) async fn update(
    c: &Clients,
    req: &UpdateRequest,
    t: Tagging<'_>,
) -> Result<(), ProviderError> {
    put_alarm(c, &req.attrs, None).await?;
    let Some(arn) = str_of(&req.prior, "arn") else {
        return Ok(());
    };
    if !t.stale.is_empty() {
        c.cw.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(t.stale.to_vec()))
            .send()
            .await
            .map_err(map)?;
    }
    c.cw.tag_resource()
        .resource_arn(arn)
        .set_tags(Some(cw_tags(t.desired)?))
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

pub(crate) async fn delete(c: &Clients, req: &DeleteRequest) -> Result<(), ProviderError> {
    c.cw.delete_alarms()
        .alarm_names(&req.id)
        .send()
        .await
        .map_err(map)?;
    Ok(())
}
