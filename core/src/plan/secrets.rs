//! Reading secrets while planning and before applying a saved plan.
//!
//! A sensitive attribute given as `{ secretsmanager = ... }` or
//! `{ ssm = ... }` is read through the [`Secrets`] of its resource's
//! provider instance before the diff (its value is compared by digest like
//! any sensitive value). A saved plan holds secrets by source only:
//! [`Plan::read_secrets`] reads every one again (env, file or the
//! provider) and refuses a value other than the one planned.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Plan, PlanError};
use crate::config::SourceFile;
use crate::diag::{Problem, Problems};
use crate::graph::Graph;
use crate::provider::{instance_name, Provider, ProviderError, Providers, SecretRequest};
use crate::retry::{with_retries, RetryPolicy};
use crate::secret::{self, SecretSource};
use crate::value::Value;

/// `graph` with every Secrets Manager and SSM secret of its resources read
/// (`None`: it has none to read).
pub(super) async fn read_all(
    graph: &Graph,
    providers: &Providers,
) -> Result<Option<Graph>, PlanError> {
    let config = &graph.config;
    let wanted: Vec<(usize, String)> = config
        .resources
        .values()
        .enumerate()
        .flat_map(|(i, r)| {
            // Only a sensitive attribute may hold a secret.
            crate::kinds::sensitive_attrs(&r.kind)
                .iter()
                .filter(|name| r.attrs.get(name).is_some_and(unread_remote))
                .map(move |name| (i, name.to_string()))
        })
        .collect();
    if wanted.is_empty() {
        return Ok(None);
    }
    let source = config.source.as_ref();
    let mut out = graph.clone();
    let mut read: BTreeMap<(Option<String>, SecretSource), Result<String, Box<Problem>>> =
        BTreeMap::new();
    let mut problems = Vec::new();
    for (i, name) in wanted {
        let Some((_, r)) = out.config.resources.get_index_mut(i) else {
            continue;
        };
        let span = r.spans.attrs.get(&name).copied().or(r.spans.header);
        let address = r.address.clone();
        let instance = r.provider.clone();
        let Some(value) = r.attrs.get_mut(&name) else {
            continue;
        };
        let mut found = Vec::new();
        value.for_each_secret_mut(&mut |s| {
            if s.value().is_none() && s.source().is_remote() {
                found.push(s.source().clone());
            }
        });
        for src in found {
            let key = (instance.clone(), src.clone());
            if !read.contains_key(&key) {
                let got = match providers.get(instance.as_deref()) {
                    Ok(p) => read_remote(p.as_ref(), &src).await,
                    Err(e) => Err(Box::new(Problem::new(
                        secret::NOT_FOUND,
                        format!("cannot read {src}: {e}"),
                        Some(format!(
                            "configure the provider instance `{}`",
                            instance_name(instance.as_deref())
                        )),
                    ))),
                };
                read.insert(key.clone(), got);
            }
            match &read[&key] {
                Ok(v) => {
                    let v = v.clone();
                    value.for_each_secret_mut(&mut |s| {
                        if s.source() == &src && s.value().is_none() {
                            s.set_value(v.clone());
                        }
                    });
                }
                Err(p) => problems.push((**p).clone().at(
                    source,
                    span,
                    format!("`{name}` of {address}"),
                )),
            }
        }
    }
    if !problems.is_empty() {
        return Err(PlanError::Secrets(problems_of(source, problems)));
    }
    Ok(Some(out))
}

fn problems_of(source: Option<&SourceFile>, problems: Vec<Problem>) -> Problems {
    Problems::new(
        source.map_or("the configuration", |s| s.name.as_str()),
        problems,
    )
}

fn unread_remote(v: &Value) -> bool {
    match v {
        Value::Secret(s) => s.value().is_none() && s.source().is_remote(),
        Value::List(items) => items.iter().any(unread_remote),
        Value::Map(map) => map.values().any(unread_remote),
        _ => false,
    }
}

/// Reads a Secrets Manager or SSM secret through `provider`, picking the
/// JSON field a `key` names; a problem names the secret.
pub async fn read_remote(
    provider: &dyn Provider,
    src: &SecretSource,
) -> Result<String, Box<Problem>> {
    let (req, key) = match src {
        SecretSource::SecretsManager {
            secret_id,
            key,
            version_stage,
        } => (
            SecretRequest::SecretsManager {
                secret_id: secret_id.clone(),
                version_stage: version_stage.clone(),
            },
            key.as_deref(),
        ),
        SecretSource::Ssm(name) => (SecretRequest::Ssm { name: name.clone() }, None),
        SecretSource::Env(_) | SecretSource::File(_) => {
            return crate::secret::Secret::from_source(src.clone())
                .read_local(None)
                .map(Option::unwrap_or_default);
        }
    };
    let Some(secrets) = provider.capabilities().secrets else {
        let missing = crate::provider::Missing::new(
            provider.name(),
            crate::provider::Capability::Secrets,
            &format!("read {src}"),
        );
        return Err(Box::new(Problem::new(
            secret::NOT_FOUND,
            missing.to_string(),
            Some("use a provider that offers Secrets Manager and SSM, or take the value from `{ env = ... }` or `{ file = ... }`".into()),
        )));
    };
    let got = with_retries(RetryPolicy::default(), || secrets.secret_value(req.clone())).await;
    let text = match got {
        Ok(text) => text,
        Err(ProviderError::NotFound { .. }) => {
            return Err(Box::new(Problem::new(
                secret::NOT_FOUND,
                format!("the secret {src} does not exist"),
                Some(match src {
                    SecretSource::Ssm(_) => "create the parameter (a SecureString) in SSM Parameter Store in the provider's region and account, or fix its name".into(),
                    _ => "create the secret in Secrets Manager in the provider's region and account, or fix its name or ARN (and version stage)".into(),
                }),
            )))
        }
        Err(e) => {
            return Err(Box::new(Problem::new(
                secret::NOT_FOUND,
                format!("cannot read the secret {src}: {e}"),
                Some("check the provider's credentials: reading needs secretsmanager:GetSecretValue / ssm:GetParameter (and kms:Decrypt)".into()),
            )))
        }
    };
    match key {
        Some(key) => secret::json_field(&text, key).map_err(|why| {
            Box::new(Problem::new(
                secret::KEY,
                format!("{why} (in {src})"),
                Some("store the secret as a JSON object holding that field, or drop `key` to use the whole string".into()),
            ))
        }),
        None => Ok(text),
    }
}

impl Plan {
    /// Reads every secret of a saved plan again — env and file here
    /// (relative paths from `base`), Secrets Manager and SSM through the
    /// provider instance of each change — and refuses a value other than
    /// the one planned ([`secret::CHANGED`]). A plan made in this process
    /// holds its values already; they are kept.
    pub async fn read_secrets(
        &mut self,
        providers: &Providers,
        base: Option<&Path>,
    ) -> Result<(), Problems> {
        let mut problems = Vec::new();
        let mut read: BTreeMap<(Option<String>, SecretSource), Result<String, Box<Problem>>> =
            BTreeMap::new();
        for change in &mut self.changes {
            let instance = change.provider.clone();
            let address = change.address.clone();
            let values = change
                .config
                .iter_mut()
                .map(|(_, v)| v)
                .chain(change.changes.iter_mut().filter_map(|c| c.after.as_mut()));
            for value in values {
                let mut sources = Vec::new();
                value.for_each_secret_mut(&mut |s| {
                    if s.value().is_none() {
                        sources.push(s.source().clone());
                    }
                });
                for src in sources {
                    let key = (instance.clone(), src.clone());
                    if !read.contains_key(&key) {
                        let got = if src.is_remote() {
                            match providers.get(instance.as_deref()) {
                                Ok(p) => read_remote(p.as_ref(), &src).await,
                                Err(e) => Err(Box::new(Problem::new(
                                    secret::NOT_FOUND,
                                    e.to_string(),
                                    None,
                                ))),
                            }
                        } else {
                            crate::secret::Secret::from_source(src.clone())
                                .read_local(base)
                                .map(Option::unwrap_or_default)
                        };
                        read.insert(key.clone(), got);
                    }
                    match &read[&key] {
                        Ok(v) => {
                            let mut changed = false;
                            value.for_each_secret_mut(&mut |s| {
                                if s.source() == &src && s.value().is_none() {
                                    changed |= !s.matches_check(v);
                                    s.set_value(v.clone());
                                }
                            });
                            if changed {
                                problems.push(Problem::new(
                                    secret::CHANGED,
                                    format!(
                                        "{address}: the secret from {src} has another value than when the plan was made"
                                    ),
                                    Some("make a new plan (`strata plan --out FILE`) with the secret as it is now".into()),
                                ));
                            }
                        }
                        Err(p) => problems.push((**p).clone()),
                    }
                }
            }
        }
        problems.dedup_by(|a, b| a.message == b.message);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Problems::new("the saved plan", problems))
        }
    }
}
