//! The simulated account's secret stores: Secrets Manager secrets (by name
//! or ARN, with version stages) and SSM parameters, read through
//! [`Secrets`] while planning, and seeded with [`SimProvider::put_secret`]
//! and [`SimProvider::put_parameter`] (as if made outside Strata).

use std::collections::BTreeMap;

use async_trait::async_trait;
use strata_core::provider::{ProviderError, SecretRequest, Secrets};

use crate::ids;
use crate::objects::StoredSecret;
use crate::provider::SimProvider;

const CURRENT: &str = "AWSCURRENT";
const PREVIOUS: &str = "AWSPREVIOUS";

#[async_trait]
impl Secrets for SimProvider {
    async fn secret_value(&self, req: SecretRequest) -> Result<String, ProviderError> {
        self.with_cloud(false, |c, _| {
            let stores = &c.account.secret_stores;
            match &req {
                SecretRequest::SecretsManager {
                    secret_id,
                    version_stage,
                } => {
                    let stage = version_stage.as_deref().unwrap_or(CURRENT);
                    stores
                        .secrets
                        .iter()
                        .find(|(name, s)| *name == secret_id || s.arn == *secret_id)
                        .and_then(|(_, s)| s.stages.get(stage))
                        .cloned()
                        .ok_or_else(|| ProviderError::NotFound {
                            kind: "Secrets Manager secret".into(),
                            id: format!("{secret_id} ({stage})"),
                        })
                }
                SecretRequest::Ssm { name } => {
                    stores
                        .parameters
                        .get(name)
                        .cloned()
                        .ok_or_else(|| ProviderError::NotFound {
                            kind: "SSM parameter".into(),
                            id: name.clone(),
                        })
                }
            }
        })
    }
}

impl SimProvider {
    /// Stores `value` as the current version of the Secrets Manager secret
    /// `name` (the current one becomes `AWSPREVIOUS`); returns its ARN.
    pub fn put_secret(&self, name: &str, value: &str) -> Result<String, ProviderError> {
        self.with_cloud(true, |c, _| {
            let region = c.region.clone();
            let secret = c
                .account
                .secret_stores
                .secrets
                .entry(name.to_string())
                .or_insert_with(|| StoredSecret {
                    arn: ids::arn(
                        "secretsmanager",
                        &region,
                        &format!("secret:{name}-{}", &ids::hex(6)),
                    ),
                    stages: BTreeMap::new(),
                });
            if let Some(old) = secret.stages.remove(CURRENT) {
                secret.stages.insert(PREVIOUS.into(), old);
            }
            secret.stages.insert(CURRENT.into(), value.to_string());
            Ok(secret.arn.clone())
        })
    }

    /// Stores `value` as the SSM parameter `name` (a `SecureString`).
    pub fn put_parameter(&self, name: &str, value: &str) -> Result<(), ProviderError> {
        self.with_cloud(true, |c, _| {
            c.account
                .secret_stores
                .parameters
                .insert(name.to_string(), value.to_string());
            Ok(())
        })
    }
}
