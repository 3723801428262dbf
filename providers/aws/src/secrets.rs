//! The AWS provider's [`Secrets`]: `GetSecretValue` (Secrets Manager, by
//! name or ARN and version stage) and `GetParameter` with decryption (SSM
//! Parameter Store). Not-found answers become [`ProviderError::NotFound`],
//! which the engine reports naming the secret.

use async_trait::async_trait;
use strata_core::provider::{ProviderError, SecretRequest, Secrets};

use crate::errors::{is_not_found, map};
use crate::provider::AwsProvider;

#[async_trait]
impl Secrets for AwsProvider {
    async fn secret_value(&self, req: SecretRequest) -> Result<String, ProviderError> {
        let c = self.clients().await?;
        match req {
            SecretRequest::SecretsManager {
                secret_id,
                version_stage,
            } => {
                let out = c
                    .secretsmanager
                    .get_secret_value()
                    .secret_id(&secret_id)
                    .set_version_stage(version_stage.clone())
                    .send()
                    .await
                    .map_err(map)
                    .map_err(|e| not_found(e, "Secrets Manager secret", &secret_id))?;
                match (out.secret_string, out.secret_binary) {
                    (Some(s), _) => Ok(s),
                    (None, Some(b)) => String::from_utf8(b.into_inner()).map_err(|_| {
                        ProviderError::api(
                            "InvalidSecretBinary",
                            format!("the secret `{secret_id}` is binary, not UTF-8 text"),
                        )
                    }),
                    (None, None) => Err(ProviderError::NotFound {
                        kind: "Secrets Manager secret".into(),
                        id: secret_id,
                    }),
                }
            }
            SecretRequest::Ssm { name } => {
                let out = c
                    .ssm
                    .get_parameter()
                    .name(&name)
                    .with_decryption(true)
                    .send()
                    .await
                    .map_err(map)
                    .map_err(|e| not_found(e, "SSM parameter", &name))?;
                out.parameter
                    .and_then(|p| p.value)
                    .ok_or(ProviderError::NotFound {
                        kind: "SSM parameter".into(),
                        id: name,
                    })
            }
        }
    }
}

/// AWS's not-found codes (`ResourceNotFoundException`, `ParameterNotFound`)
/// as [`ProviderError::NotFound`].
fn not_found(e: ProviderError, kind: &str, id: &str) -> ProviderError {
    if is_not_found(&e) {
        ProviderError::NotFound {
            kind: kind.into(),
            id: id.into(),
        }
    } else {
        e
    }
}
