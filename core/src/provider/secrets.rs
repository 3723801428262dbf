//! [`Secrets`]: reading secrets kept outside the configuration — AWS
//! Secrets Manager and SSM Parameter Store — while planning, for sensitive
//! attributes given as `{ secretsmanager = "..." }` or `{ ssm = "..." }`.
//!
//! The contract is narrow: a provider answers the secret's string as
//! stored. Picking a field of a JSON secret (`key`), and reporting a
//! missing secret at its place in the manifest, is the engine's, so every
//! provider gives the same answers.

use async_trait::async_trait;

use super::ProviderError;

/// One secret to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRequest {
    /// `GetSecretValue`: the secret's `SecretString`.
    SecretsManager {
        /// The secret's name or ARN.
        secret_id: String,
        /// The version stage (`None`: `AWSCURRENT`).
        version_stage: Option<String>,
    },
    /// `GetParameter` with decryption: the parameter's value.
    Ssm {
        /// The parameter's name (`/shop/db_password`).
        name: String,
    },
}

/// A provider's secret stores, reached through
/// [`Capabilities::secrets`](super::Capabilities).
#[async_trait]
pub trait Secrets: Send + Sync {
    /// The secret's value as stored. A secret that does not exist is
    /// [`ProviderError::NotFound`].
    async fn secret_value(&self, req: SecretRequest) -> Result<String, ProviderError>;
}
