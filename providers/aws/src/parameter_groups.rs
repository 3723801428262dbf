//! Parameter groups: RDS DB parameter groups and ElastiCache cache
//! parameter groups.
//!
//! A group is created empty (CreateDBParameterGroup,
//! CreateCacheParameterGroup) and its parameters are set with the Modify
//! call, at most 20 a call as AWS takes them; an update sets what changed
//! and resets what the configuration no longer names (the Reset call, back
//! to the engine default). Reading asks for the parameters users set
//! (`Source = user`).

use std::collections::BTreeMap;

use aws_sdk_elasticache::types::ParameterNameValue;
use aws_sdk_rds::types::{ApplyMethod, Parameter};
use strata_core::kinds;
use strata_core::provider::{CreateRequest, DeleteRequest, ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::config::Clients;
use crate::errors::{is_not_found, map};
use crate::tags::finish;
use crate::util::{put, required, str_of};
use crate::Tagging;

/// The most parameters one Modify or Reset call takes.
const PER_CALL: usize = 20;

/// One configured parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Param {
    name: String,
    value: String,
    apply_method: String,
}

fn params(attrs: &Attrs) -> Vec<Param> {
    attrs
        .get("parameters")
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_map)
        .filter_map(|p| {
            Some(Param {
                name: str_of(p, "name")?.to_string(),
                value: str_of(p, "value")?.to_string(),
                apply_method: str_of(p, "apply_method").unwrap_or("immediate").to_string(),
            })
        })
        .collect()
}

/// What an update sends: parameters to set (new or changed) and the
/// names no longer configured, to reset (with their old apply method).
fn changes(prior: &[Param], desired: &[Param]) -> (Vec<Param>, Vec<Param>) {
    let set = desired
        .iter()
        .filter(|d| !prior.contains(d))
        .cloned()
        .collect();
    let reset = prior
        .iter()
        .filter(|p| !desired.iter().any(|d| d.name == p.name))
        .cloned()
        .collect();
    (set, reset)
}

fn live_param(kind: &str, name: &str, value: &str, apply_method: Option<&str>) -> Value {
    let mut m = Attrs::new();
    m.insert("name".into(), Value::String(name.into()));
    m.insert("value".into(), Value::String(value.into()));
    if kind == kinds::DB_PARAMETER_GROUP {
        m.insert(
            "apply_method".into(),
            Value::String(apply_method.unwrap_or("immediate").into()),
        );
    }
    Value::Map(m)
}

fn rds_param(p: &Param, with_value: bool) -> Parameter {
    let b = Parameter::builder()
        .parameter_name(&p.name)
        .apply_method(ApplyMethod::from(p.apply_method.as_str()));
    if with_value {
        b.parameter_value(&p.value).build()
    } else {
        b.build()
    }
}

fn cache_param(p: &Param, with_value: bool) -> ParameterNameValue {
    let b = ParameterNameValue::builder().parameter_name(&p.name);
    if with_value {
        b.parameter_value(&p.value).build()
    } else {
        b.build()
    }
}

/// Sets `set` and resets `reset` in group `name`.
async fn send(
    c: &Clients,
    kind: &str,
    name: &str,
    set: &[Param],
    reset: &[Param],
) -> Result<(), ProviderError> {
    let rds = kind == kinds::DB_PARAMETER_GROUP;
    for chunk in set.chunks(PER_CALL) {
        if rds {
            c.rds
                .modify_db_parameter_group()
                .db_parameter_group_name(name)
                .set_parameters(Some(chunk.iter().map(|p| rds_param(p, true)).collect()))
                .send()
                .await
                .map_err(map)?;
        } else {
            c.cache
                .modify_cache_parameter_group()
                .cache_parameter_group_name(name)
                .set_parameter_name_values(Some(
                    chunk.iter().map(|p| cache_param(p, true)).collect(),
                ))
                .send()
                .await
                .map_err(map)?;
        }
    }
    for chunk in reset.chunks(PER_CALL) {
        if rds {
            c.rds
                .reset_db_parameter_group()
                .db_parameter_group_name(name)
                .set_parameters(Some(chunk.iter().map(|p| rds_param(p, false)).collect()))
                .send()
                .await
                .map_err(map)?;
        } else {
            c.cache
                .reset_cache_parameter_group()
                .cache_parameter_group_name(name)
                .set_parameter_name_values(Some(
                    chunk.iter().map(|p| cache_param(p, false)).collect(),
                ))
                .send()
                .await
                .map_err(map)?;
        }
    }
    Ok(())
}

pub(crate) async fn create(
    c: &Clients,
    req: &CreateRequest,
    tags: &BTreeMap<String, String>,
) -> Result<String, ProviderError> {
    let a = &req.attrs;
    let name = required(a, "name")?;
    let family = required(a, "family")?;
    let description = str_of(a, "description").unwrap_or("Managed by Strata");
    if req.kind == kinds::DB_PARAMETER_GROUP {
        c.rds
            .create_db_parameter_group()
            .db_parameter_group_name(name)
            .db_parameter_group_family(family)
            .description(description)
            .set_tags(Some(crate::rds::rds_tags(tags)))
            .send()
            .await
            .map_err(map)?;
    } else {
        c.cache
            .create_cache_parameter_group()
            .cache_parameter_group_name(name)
            .cache_parameter_group_family(family)
            .description(description)
            .set_tags(Some(crate::elasticache::cache_tags(tags)))
            .send()
            .await
            .map_err(map)?;
    }
    send(c, &req.kind, name, &params(a), &[]).await?;
    Ok(name.to_string())
}

pub(crate) async fn update(
    c: &Clients,
    req: &UpdateRequest,
    t: Tagging<'_>,
) -> Result<(), ProviderError> {
    if req.changed.iter().any(|n| n == "parameters") {
        let (set, reset) = changes(&params(&req.prior), &params(&req.attrs));
        send(c, &req.kind, &req.id, &set, &reset).await?;
    }
    let arn = str_of(&req.prior, "arn").unwrap_or_default();
    if req.kind == kinds::DB_PARAMETER_GROUP {
        crate::rds::sync_tags(c, arn, t).await
    } else {
        crate::elasticache::sync_tags(c, arn, t).await
    }
}

pub(crate) async fn delete(c: &Clients, req: &DeleteRequest) -> Result<(), ProviderError> {
    if req.kind == kinds::DB_PARAMETER_GROUP {
        c.rds
            .delete_db_parameter_group()
            .db_parameter_group_name(&req.id)
            .send()
            .await
            .map_err(map)?;
    } else {
        c.cache
            .delete_cache_parameter_group()
            .cache_parameter_group_name(&req.id)
            .send()
            .await
            .map_err(map)?;
    }
    Ok(())
}

/// Reads groups by name: the group, the parameters users set, its tags.
pub(crate) async fn read(
    c: &Clients,
    kind: &str,
    ids: &[String],
) -> Result<BTreeMap<String, Attrs>, ProviderError> {
    let mut out = BTreeMap::new();
    for id in ids {
        let found = if kind == kinds::DB_PARAMETER_GROUP {
            read_db(c, id).await
        } else {
            read_cache(c, id).await
        };
        match found {
            Ok(Some(a)) => {
                out.insert(id.clone(), a);
            }
            Ok(None) => {}
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// A group's name, family, description and ARN as live attributes.
fn group_attrs(values: [Option<&str>; 4]) -> Attrs {
    let mut a = Attrs::new();
    for (name, v) in ["name", "family", "description", "arn"]
        .into_iter()
        .zip(values)
    {
        put(&mut a, name, v);
    }
    a
}

async fn read_db(c: &Clients, id: &str) -> Result<Option<Attrs>, ProviderError> {
    let resp = c
        .rds
        .describe_db_parameter_groups()
        .db_parameter_group_name(id)
        .send()
        .await
        .map_err(map)?;
    let Some(g) = resp.db_parameter_groups().first() else {
        return Ok(None);
    };
    let mut a = group_attrs([
        g.db_parameter_group_name(),
        g.db_parameter_group_family(),
        g.description(),
        g.db_parameter_group_arn(),
    ]);
    let pages = c
        .rds
        .describe_db_parameters()
        .db_parameter_group_name(id)
        .source("user")
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    let items: Vec<Value> = pages
        .iter()
        .flat_map(|p| p.parameters())
        .filter_map(|p| {
            // AWS names the method; failing that, a static parameter is
            // applied at the next reboot.
            let method = p
                .apply_method()
                .map(|m| m.as_str())
                .or(match p.apply_type() {
                    Some("static") => Some("pending-reboot"),
                    _ => None,
                });
            Some(live_param(
                kinds::DB_PARAMETER_GROUP,
                p.parameter_name()?,
                p.parameter_value()?,
                method,
            ))
        })
        .collect();
    a.insert("parameters".into(), Value::List(items));
    let tags = crate::rds::tags_of(c, g.db_parameter_group_arn()).await?;
    finish(kinds::DB_PARAMETER_GROUP, &tags, &mut a);
    Ok(Some(a))
}

async fn read_cache(c: &Clients, id: &str) -> Result<Option<Attrs>, ProviderError> {
    let resp = c
        .cache
        .describe_cache_parameter_groups()
        .cache_parameter_group_name(id)
        .send()
        .await
        .map_err(map)?;
    let Some(g) = resp.cache_parameter_groups().first() else {
        return Ok(None);
    };
    let mut a = group_attrs([
        g.cache_parameter_group_name(),
        g.cache_parameter_group_family(),
        g.description(),
        g.arn(),
    ]);
    let pages = c
        .cache
        .describe_cache_parameters()
        .cache_parameter_group_name(id)
        .source("user")
        .into_paginator()
        .send()
        .try_collect()
        .await
        .map_err(map)?;
    let items: Vec<Value> = pages
        .iter()
        .flat_map(|p| p.parameters())
        .filter_map(|p| {
            Some(live_param(
                kinds::CACHE_PARAMETER_GROUP,
                p.parameter_name()?,
                p.parameter_value()?,
                None,
            ))
        })
        .collect();
    a.insert("parameters".into(), Value::List(items));
    let tags = crate::elasticache::tags_of(c, g.arn()).await?;
    finish(kinds::CACHE_PARAMETER_GROUP, &tags, &mut a);
    Ok(Some(a))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn p(name: &str, value: &str, method: &str) -> Param {
        Param {
            name: name.into(),
            value: value.into(),
            apply_method: method.into(),
        }
    }

    #[test]
    fn an_update_sets_what_changed_and_resets_what_is_gone() {
        let prior = [
            p("log_min_duration_statement", "500", "immediate"),
            p("rds.force_ssl", "1", "immediate"),
            p(
                "shared_preload_libraries",
                "pg_stat_statements",
                "pending-reboot",
            ),
        ];
        let desired = [
            p("log_min_duration_statement", "1000", "immediate"),
            p("rds.force_ssl", "1", "immediate"),
            p("work_mem", "8192", "immediate"),
        ];
        let (set, reset) = changes(&prior, &desired);
        assert_eq!(
            set.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(),
            ["log_min_duration_statement", "work_mem"]
        );
        assert_eq!(reset, [prior[2].clone()], "reset with its old apply method");
        assert_eq!(changes(&desired, &desired), (vec![], vec![]));
    }

    #[test]
    fn parameters_are_read_in_the_configured_shape() {
        let v = live_param(kinds::DB_PARAMETER_GROUP, "rds.force_ssl", "1", None);
        assert_eq!(
            v.as_map().unwrap()["apply_method"],
            Value::from("immediate")
        );
        let v = live_param(
            kinds::CACHE_PARAMETER_GROUP,
            "maxmemory-policy",
            "allkeys-lru",
            None,
        );
        assert!(!v.as_map().unwrap().contains_key("apply_method"));
    }
}
