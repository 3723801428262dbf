//! [`ProviderError`]: what a cloud answered when an operation failed.

/// An error from a provider.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum ProviderError {
    /// The cloud rejected the request; `code` is the AWS error code.
    #[error("{code}: {message}")]
    #[diagnostic(code(strata::provider::api))]
    Api {
        /// AWS error code, e.g. `DependencyViolation`.
        code: String,
        /// AWS's message.
        message: String,
        /// What the user can do about it.
        #[help]
        help: Option<String>,
    },
    /// The request was throttled or hit a transient fault; retrying may succeed.
    #[error("{code}: {message} (transient)")]
    #[diagnostic(code(strata::provider::transient))]
    Transient {
        /// AWS error code, e.g. `Throttling`.
        code: String,
        /// AWS's message.
        message: String,
    },
    /// The resource does not exist.
    #[error("{kind} `{id}` does not exist")]
    #[diagnostic(code(strata::provider::not_found))]
    NotFound {
        /// The kind.
        kind: String,
        /// The id asked for.
        id: String,
    },
    /// The resource kind is not managed by this provider. (A missing
    /// capability is not this error: see [`Missing`](super::Missing).)
    #[error("this provider does not support {kind}")]
    #[diagnostic(code(strata::provider::unsupported))]
    Unsupported {
        /// The kind.
        kind: String,
    },
    /// The provider's configuration or environment is wrong.
    #[error("{message}")]
    #[diagnostic(code(strata::provider::config))]
    Config {
        /// What is wrong.
        message: String,
        /// How to fix it.
        #[help]
        help: Option<String>,
    },
}

impl ProviderError {
    /// The error as the last of `attempts` tries: its message says so.
    pub fn after_attempts(self, attempts: u32) -> Self {
        let note = |m: String| format!("{m} (failed {attempts} times; retried)");
        match self {
            ProviderError::Api {
                code,
                message,
                help,
            } => ProviderError::Api {
                code,
                message: note(message),
                help,
            },
            ProviderError::Transient { code, message } => ProviderError::Transient {
                code,
                message: note(message),
            },
            other => other,
        }
    }

    /// An API error without help text.
    pub fn api(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Api {
            code: code.into(),
            message: message.into(),
            help: None,
        }
    }

    /// Whether retrying the same request may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient { .. })
    }
}
