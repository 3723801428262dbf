//! Secrets from outside the configuration: a sensitive attribute (a DB
//! `password`) or a stack's sensitive parameter given as *where to find
//! it* rather than in clear text.
//!
//! A [`Secret`] names its [`SecretSource`]: an environment variable or a
//! file (read when the configuration is built), or AWS Secrets Manager or
//! SSM Parameter Store (read while planning, through the provider's
//! [`Secrets`](crate::provider::Secrets)). In a configuration it is a
//! [`Value::Secret`]: plans show where it comes from, never its value;
//! state keeps only a salted digest; a saved plan keeps the source and a
//! check digest, and the value is read again when the plan is applied.
//!
//! ```
//! use strata_core::secret::{Secret, SecretSource};
//!
//! let s = Secret::env("SHOP_DB_PASSWORD");
//! assert_eq!(s.source().to_string(), "env SHOP_DB_PASSWORD");
//! assert!(s.value().is_none());
//! let s = s.with_value("hunter22");
//! assert_eq!(s.value(), Some("hunter22"));
//! // Debug never shows the value.
//! assert!(!format!("{s:?}").contains("hunter22"));
//!
//! let json = Secret::secrets_manager("prod/shop/db").key("password");
//! assert_eq!(json.source().to_string(), "secretsmanager prod/shop/db (key password)");
//! assert!(matches!(json.source(), SecretSource::SecretsManager { .. }));
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diag::Problem;

/// An environment variable a secret names is not set.
pub const ENV_UNSET: &str = "strata::secret::env";
/// A file a secret names cannot be read.
pub const FILE_UNREADABLE: &str = "strata::secret::file";
/// A secret in Secrets Manager or SSM does not exist or cannot be read.
pub const NOT_FOUND: &str = "strata::secret::not_found";
/// A secret's JSON has no field `key` (or is not JSON).
pub const KEY: &str = "strata::secret::key";
/// A secret table is written wrong (`{ env = ... }`, `{ file = ... }`, ...).
pub const SHAPE: &str = "strata::secret::shape";
/// A sensitive attribute or parameter is written in clear text (a warning).
pub const PLAINTEXT: &str = "strata::secret::plaintext";
/// A saved plan's secret has another value now than when it was planned.
pub const CHANGED: &str = "strata::secret::changed";

/// The keys that say where a secret comes from, one per table.
pub const SOURCE_KEYS: &[&str] = &["env", "file", "secretsmanager", "ssm"];

/// Where a secret's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretSource {
    /// An environment variable of the process that builds the configuration.
    Env(String),
    /// A file (relative to the manifest's directory, or to the current
    /// directory for a configuration built in Rust); one trailing newline
    /// is trimmed.
    File(String),
    /// An AWS Secrets Manager secret (name or ARN).
    #[serde(rename = "secretsmanager")]
    SecretsManager {
        /// The secret's name or ARN.
        secret_id: String,
        /// A field of the secret's JSON to use (the whole string if unset).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
        /// The version stage (`AWSCURRENT` if unset).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version_stage: Option<String>,
    },
    /// An SSM Parameter Store parameter (a `SecureString`, decrypted).
    Ssm(String),
}

impl SecretSource {
    /// Whether the provider reads it (Secrets Manager, SSM) rather than the
    /// process building the configuration (env, file).
    pub fn is_remote(&self) -> bool {
        matches!(self, Self::SecretsManager { .. } | Self::Ssm(_))
    }
}

impl fmt::Display for SecretSource {
    /// `env SHOP_DB_PASSWORD`, `file secrets/db.txt`,
    /// `secretsmanager prod/db (key password)`, `ssm /shop/db`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => write!(f, "env {name}"),
            Self::File(path) => write!(f, "file {path}"),
            Self::SecretsManager {
                secret_id,
                key,
                version_stage,
            } => {
                write!(f, "secretsmanager {secret_id}")?;
                match (key, version_stage) {
                    (Some(k), Some(v)) => write!(f, " (key {k}, stage {v})"),
                    (Some(k), None) => write!(f, " (key {k})"),
                    (None, Some(v)) => write!(f, " (stage {v})"),
                    (None, None) => Ok(()),
                }
            }
            Self::Ssm(name) => write!(f, "ssm {name}"),
        }
    }
}

/// A sensitive value given by where it comes from, with its value once
/// read. Its `Debug` and `Display` never show the value, and serializing it
/// writes the source and a check digest only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secret {
    source: SecretSource,
    /// The value, once read (never serialized).
    #[serde(skip)]
    value: Option<String>,
    /// `SALT:SHA256` of the value as planned, so a saved plan is applied
    /// only with the secret it was planned with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    check: Option<String>,
}

impl Secret {
    /// A secret from `source`, not read yet.
    pub fn from_source(source: SecretSource) -> Self {
        Self {
            source,
            value: None,
            check: None,
        }
    }

    /// From the environment variable `name`.
    pub fn env(name: impl Into<String>) -> Self {
        Self::from_source(SecretSource::Env(name.into()))
    }

    /// From the file at `path` (one trailing newline trimmed).
    pub fn file(path: impl Into<String>) -> Self {
        Self::from_source(SecretSource::File(path.into()))
    }

    /// From the Secrets Manager secret `secret_id` (a name or an ARN).
    pub fn secrets_manager(secret_id: impl Into<String>) -> Self {
        Self::from_source(SecretSource::SecretsManager {
            secret_id: secret_id.into(),
            key: None,
            version_stage: None,
        })
    }

    /// From the SSM parameter `name` (a `SecureString`, decrypted).
    pub fn ssm(name: impl Into<String>) -> Self {
        Self::from_source(SecretSource::Ssm(name.into()))
    }

    /// For a Secrets Manager secret holding JSON: the field to use.
    pub fn key(mut self, field: impl Into<String>) -> Self {
        if let SecretSource::SecretsManager { key, .. } = &mut self.source {
            *key = Some(field.into());
        }
        self
    }

    /// For a Secrets Manager secret: the version stage (default `AWSCURRENT`).
    pub fn version_stage(mut self, stage: impl Into<String>) -> Self {
        if let SecretSource::SecretsManager { version_stage, .. } = &mut self.source {
            *version_stage = Some(stage.into());
        }
        self
    }

    /// Where it comes from.
    pub fn source(&self) -> &SecretSource {
        &self.source
    }

    /// The value, once read.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// The same secret with its value read.
    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.set_value(value.into());
        self
    }

    /// Records the value read; the first value read also sets the check
    /// digest a saved plan is verified against.
    pub fn set_value(&mut self, value: String) {
        if self.check.is_none() {
            let salt = uuid::Uuid::new_v4().simple().to_string();
            self.check = Some(format!("{salt}:{}", checksum(&salt, &value)));
        }
        self.value = Some(value);
    }

    /// Whether `value` is the value this secret was planned with (true when
    /// no check was recorded).
    pub fn matches_check(&self, value: &str) -> bool {
        match self.check.as_deref().and_then(|c| c.split_once(':')) {
            Some((salt, sum)) => checksum(salt, value) == sum,
            None => true,
        }
    }

    /// Reads an env or file secret (`base`: the directory relative paths
    /// start from). A remote source is left for the provider: `Ok(None)`.
    pub fn read_local(&self, base: Option<&Path>) -> Result<Option<String>, Box<Problem>> {
        match &self.source {
            SecretSource::Env(name) => match std::env::var(name) {
                Ok(v) => Ok(Some(v)),
                Err(std::env::VarError::NotPresent) => Err(Box::new(Problem::new(
                    ENV_UNSET,
                    format!("the environment variable `{name}` is not set"),
                    Some(format!(
                        "export {name} with the secret before running Strata (e.g. from your \
                         password manager or CI secrets); nothing was applied"
                    )),
                ))),
                Err(std::env::VarError::NotUnicode(_)) => Err(Box::new(Problem::new(
                    ENV_UNSET,
                    format!("the environment variable `{name}` is not valid UTF-8"),
                    Some(format!("set {name} to a UTF-8 string")),
                ))),
            },
            SecretSource::File(path) => {
                let full = match base {
                    Some(dir) if Path::new(path).is_relative() => dir.join(path),
                    _ => PathBuf::from(path),
                };
                match std::fs::read_to_string(&full) {
                    Ok(text) => Ok(Some(trim_newline(text))),
                    Err(e) => Err(Box::new(Problem::new(
                        FILE_UNREADABLE,
                        format!("cannot read the secret file `{}`: {e}", full.display()),
                        Some(
                            "give a file that exists and is readable (a relative path starts \
                             at the manifest's directory); nothing was applied"
                                .into(),
                        ),
                    ))),
                }
            }
            SecretSource::SecretsManager { .. } | SecretSource::Ssm(_) => Ok(None),
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({}, ***)", self.source)
    }
}

impl fmt::Display for Secret {
    /// `(sensitive, from env SHOP_DB_PASSWORD)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(sensitive, from {})", self.source)
    }
}

/// Reads every env and file secret of `config`'s resources not read yet
/// (a configuration built in Rust; a manifest's are read by the parser),
/// relative paths from the manifest's directory or the current one. Every
/// problem names the variable or file, at the attribute when it is known.
pub(crate) fn read_local_secrets(config: &mut crate::config::Config) -> Vec<Problem> {
    let base = config
        .source
        .as_ref()
        .and_then(|s| Path::new(&s.name).parent().map(Path::to_path_buf));
    let source = config.source.clone();
    let mut problems = Vec::new();
    for r in config.resources.values_mut() {
        let spans = &r.spans;
        let address = &r.address;
        // Only a sensitive attribute may hold a secret (validation refuses
        // one anywhere else).
        for &name in crate::kinds::sensitive_attrs(&r.kind) {
            let Some(value) = r.attrs.get_mut(name) else {
                continue;
            };
            value.for_each_secret_mut(&mut |s| {
                if s.value().is_some() || s.source().is_remote() {
                    return;
                }
                match s.read_local(base.as_deref()) {
                    Ok(Some(v)) => s.set_value(v),
                    Ok(None) => {}
                    Err(p) => {
                        let span = spans.attrs.get(name).copied().or(spans.header);
                        let message = format!("`{name}` of {address}: {}", p.message);
                        problems.push(Problem { message, ..*p }.at(
                            source.as_ref(),
                            span,
                            "this secret",
                        ));
                    }
                }
            });
        }
    }
    problems
}

/// `text` without one trailing `\n` (or `\r\n`).
fn trim_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}

fn checksum(salt: &str, value: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update([0]);
    h.update(value.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The value of a JSON secret's field `key`, or a message why not.
pub fn json_field(secret: &str, key: &str) -> Result<String, String> {
    let json: serde_json::Value =
        serde_json::from_str(secret).map_err(|_| "the secret is not JSON".to_string())?;
    match json.get(key) {
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(serde_json::Value::Null) | None => Err(format!("the secret's JSON has no `{key}`")),
        Some(other) => Ok(other.to_string()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::value::Value;

    #[test]
    fn files_lose_one_trailing_newline() {
        assert_eq!(trim_newline("pw\n".into()), "pw");
        assert_eq!(trim_newline("pw\r\n".into()), "pw");
        assert_eq!(trim_newline("pw\n\n".into()), "pw\n");
        assert_eq!(trim_newline("pw".into()), "pw");
    }

    #[test]
    fn a_check_accepts_only_the_planned_value() {
        let s = Secret::ssm("/p").with_value("one");
        assert!(s.matches_check("one"));
        assert!(!s.matches_check("two"));
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("one"), "{json}");
        let back: Secret = serde_json::from_str(&json).unwrap();
        assert_eq!(back.value(), None);
        assert!(back.matches_check("one") && !back.matches_check("two"));
    }

    #[test]
    fn json_fields() {
        assert_eq!(
            json_field(r#"{"password":"p"}"#, "password"),
            Ok("p".into())
        );
        assert!(json_field(r#"{"user":"u"}"#, "password")
            .unwrap_err()
            .contains("no `password`"));
        assert!(json_field("plain", "password").is_err());
    }

    fn db_with(password: Secret) -> crate::config::Config {
        use crate::kinds::typed::{DbInstance, Stack};
        let mut s = Stack::new("t");
        s.add(
            "db",
            DbInstance {
                identifier: "t-db".into(),
                instance_class: "db.t4g.micro".into(),
                username: Some("app".into()),
                password: Some(password.into()),
                ..Default::default()
            },
        );
        s.into_config()
    }

    #[test]
    fn the_rust_api_reads_env_and_file_secrets_when_the_graph_is_built() {
        use crate::graph::Graph;
        let err = Graph::build(db_with(Secret::env("STRATA_TEST_SECRET_UNSET_7D1"))).unwrap_err();
        assert_eq!(err.problems.len(), 1, "{err:?}");
        assert_eq!(err.problems[0].code, ENV_UNSET);
        assert!(err.problems[0]
            .message
            .contains("`STRATA_TEST_SECRET_UNSET_7D1`"));
        assert!(err.problems[0].message.contains("`password` of db"));

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw.txt");
        std::fs::write(&path, "from-a-file\n").unwrap();
        let graph = Graph::build(db_with(Secret::file(path.display().to_string()))).unwrap();
        let Value::Secret(s) = &graph.config.resources[0].attrs["password"] else {
            panic!("the password is not a secret");
        };
        assert_eq!(s.value(), Some("from-a-file"));
        assert_eq!(s.source(), &SecretSource::File(path.display().to_string()));
        // What a provider is sent: the value.
        assert_eq!(
            graph.config.resources[0].attrs["password"].revealed(),
            Value::from("from-a-file")
        );
    }

    #[test]
    fn a_missing_file_is_a_problem_naming_it() {
        let err = Secret::file("no/such/file")
            .read_local(Some(Path::new("/nonexistent")))
            .unwrap_err();
        assert_eq!(err.code, FILE_UNREADABLE);
        assert!(err.message.contains("/nonexistent/no/such/file"));
    }
}
