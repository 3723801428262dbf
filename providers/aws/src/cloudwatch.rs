//! CloudWatch metric alarms (PutMetricAlarm creates and updates in place),
//! on one metric or on metric math (`Metrics`: metric data queries).

use std::collections::BTreeMap;

use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension, Metric, MetricDataQuery, MetricStat, Statistic, Tag,
};
use strata_core::kinds;
use strata_core::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::config::Clients;
use crate::errors::map;
use crate::tags::finish;
use crate::util::{bool_or, f64_of, i32_of, int, list, put, required, str_of, strings};
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
            if let Some(dims) = dims_value(m.dimensions()) {
                a.insert("dimensions".into(), dims);
            }
            let queries: Vec<Value> = m.metrics().iter().map(query_value).collect();
            if !queries.is_empty() {
                a.insert("metrics".into(), Value::List(queries));
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
            for (name, actions) in [
                ("ok_actions", m.ok_actions()),
                ("insufficient_data_actions", m.insufficient_data_actions()),
            ] {
                if !actions.is_empty() {
                    a.insert(name.into(), list(actions.iter().map(String::as_str)));
                }
            }
            put(&mut a, "datapoints_to_alarm", int(m.datapoints_to_alarm()));
            put(&mut a, "alarm_description", m.alarm_description());
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

/// Dimensions as a map (`None` when there are none).
fn dims_value(dims: &[Dimension]) -> Option<Value> {
    let map: Attrs = dims
        .iter()
        .filter_map(|d| Some((d.name()?.to_string(), Value::from(d.value()?))))
        .collect();
    (!map.is_empty()).then_some(Value::Map(map))
}

fn dims_of(a: &Attrs) -> Option<Vec<Dimension>> {
    a.get("dimensions").and_then(Value::as_map).map(|m| {
        m.iter()
            .filter_map(|(k, v)| {
                Some(
                    Dimension::builder()
                        .name(k.as_str())
                        .value(v.as_str()?)
                        .build(),
                )
            })
            .collect()
    })
}

/// A metric data query as DescribeAlarms returns it, in the form the
/// schema's `metrics` takes (`return_data` always set, as validation
/// normalizes it; AWS's default is true).
fn query_value(q: &MetricDataQuery) -> Value {
    let mut o = Attrs::new();
    put(&mut o, "id", q.id());
    put(&mut o, "expression", q.expression());
    if let Some(ms) = q.metric_stat() {
        let mut s = Attrs::new();
        if let Some(metric) = ms.metric() {
            put(&mut s, "namespace", metric.namespace());
            put(&mut s, "metric_name", metric.metric_name());
            if let Some(dims) = dims_value(metric.dimensions()) {
                s.insert("dimensions".into(), dims);
            }
        }
        put(&mut s, "stat", ms.stat());
        put(&mut s, "period", int(ms.period()));
        o.insert("metric_stat".into(), Value::Map(s));
    }
    o.insert(
        "return_data".into(),
        Value::Bool(q.return_data().unwrap_or(true)),
    );
    put(&mut o, "label", q.label());
    Value::Map(o)
}

/// The `metrics` attribute as PutMetricAlarm's `Metrics`.
fn queries(a: &Attrs) -> Option<Vec<MetricDataQuery>> {
    let items = a.get("metrics")?.as_list()?;
    let owned = |s: Option<&str>| s.map(str::to_string);
    Some(
        items
            .iter()
            .filter_map(Value::as_map)
            .map(|q| {
                let stat = q.get("metric_stat").and_then(Value::as_map).map(|s| {
                    MetricStat::builder()
                        .metric(
                            Metric::builder()
                                .set_namespace(owned(str_of(s, "namespace")))
                                .set_metric_name(owned(str_of(s, "metric_name")))
                                .set_dimensions(dims_of(s))
                                .build(),
                        )
                        .set_period(i32_of(s, "period"))
                        .set_stat(owned(str_of(s, "stat")))
                        .build()
                });
                MetricDataQuery::builder()
                    .set_id(owned(str_of(q, "id")))
                    .set_expression(owned(str_of(q, "expression")))
                    .set_metric_stat(stat)
                    .return_data(bool_or(q, "return_data", false))
                    .set_label(owned(str_of(q, "label")))
                    .build()
            })
            .collect(),
    )
}

async fn put_alarm(
    c: &Clients,
    a: &Attrs,
    tags: Option<&BTreeMap<String, String>>,
) -> Result<String, ProviderError> {
    let name = required(a, "alarm_name")?;
    let actions = strings(a, "alarm_actions");
    c.cw.put_metric_alarm()
        .alarm_name(name)
        .set_namespace(str_of(a, "namespace").map(str::to_string))
        .set_metric_name(str_of(a, "metric_name").map(str::to_string))
        .set_statistic(str_of(a, "statistic").map(Statistic::from))
        .set_extended_statistic(str_of(a, "extended_statistic").map(str::to_string))
        .set_dimensions(dims_of(a))
        .set_metrics(queries(a))
        .set_period(i32_of(a, "period"))
        .set_evaluation_periods(i32_of(a, "evaluation_periods"))
        .set_threshold(f64_of(a, "threshold"))
        .comparison_operator(ComparisonOperator::from(required(
            a,
            "comparison_operator",
        )?))
        .set_treat_missing_data(str_of(a, "treat_missing_data").map(str::to_string))
        .set_alarm_actions((!actions.is_empty()).then_some(actions))
        .set_ok_actions(non_empty(strings(a, "ok_actions")))
        .set_insufficient_data_actions(non_empty(strings(a, "insufficient_data_actions")))
        .set_datapoints_to_alarm(i32_of(a, "datapoints_to_alarm"))
        .set_alarm_description(str_of(a, "alarm_description").map(str::to_string))
        .set_tags(tags.map(cw_tags).transpose()?)
        .send()
        .await
        .map_err(map)?;
    Ok(name.to_string())
}

fn non_empty(items: Vec<String>) -> Option<Vec<String>> {
    (!items.is_empty()).then_some(items)
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
