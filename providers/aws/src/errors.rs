//! Mapping SDK errors to [`ProviderError`]: AWS codes and messages kept,
//! throttling and transient faults marked retryable, no `SdkError` leaked.
//!
//! ```
//! use strata_aws::errors::is_transient_code;
//! assert!(is_transient_code("Throttling"));
//! assert!(!is_transient_code("InvalidParameterValue"));
//! ```

use std::fmt::Debug;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use strata_core::provider::ProviderError;

/// AWS error codes that mean "try again later".
const TRANSIENT: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "PriorRequestNotComplete",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "Unavailable",
    "RequestTimeout",
    "RequestTimeoutException",
    "IDPCommunicationError",
    // Eventual consistency: a dependency is still being torn down.
    "DependencyViolation",
    "ResourceInUse",
    "CacheSubnetGroupInUse",
    "InvalidDBSubnetGroupStateFault",
    "InvalidCacheSubnetGroupState",
];

/// Whether an AWS error code is worth retrying.
pub fn is_transient_code(code: &str) -> bool {
    TRANSIENT.contains(&code)
}

/// Maps any SDK error to a provider error carrying the AWS code and message.
pub(crate) fn map<E, R>(err: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: Debug,
{
    match &err {
        SdkError::TimeoutError(_) => ProviderError::Transient {
            code: "RequestTimeout".into(),
            message: "the request to AWS timed out".into(),
        },
        SdkError::DispatchFailure(d) => {
            let message = format!("could not reach AWS: {d:?}");
            if d.is_io() || d.is_timeout() {
                ProviderError::Transient {
                    code: "DispatchFailure".into(),
                    message,
                }
            } else {
                ProviderError::Config {
                    message,
                    help: Some(
                        "check the region, the endpoint (AWS_ENDPOINT_URL or `endpoint` in [provider]) and the network"
                            .into(),
                    ),
                }
            }
        }
        SdkError::ConstructionFailure(_) => ProviderError::Config {
            message: format!("cannot build the AWS request: {err:?}"),
            help: Some("check the provider configuration (region, credentials)".into()),
        },
        _ => {
            let code = err.code().unwrap_or("Unknown").to_string();
            let message = err
                .message()
                .map(str::to_string)
                .unwrap_or_else(|| format!("{err:?}").chars().take(400).collect());
            if let SdkError::ResponseError(_) = &err {
                return ProviderError::Transient { code, message };
            }
            if code == "Unknown" {
                // No AWS error code: an HTML error page, a proxy's 5xx.
                return ProviderError::Transient { code, message };
            }
            if is_transient_code(&code) {
                ProviderError::Transient { code, message }
            } else {
                ProviderError::Api {
                    help: help_for(&code),
                    code,
                    message,
                }
            }
        }
    }
}

/// A line of help for codes users commonly hit.
fn help_for(code: &str) -> Option<String> {
    Some(
        match code {
            "UnauthorizedOperation" | "AccessDenied" | "AccessDeniedException" => {
                "the credentials in use lack permission for this call; check the IAM policy"
            }
            "AuthFailure" | "InvalidClientTokenId" | "SignatureDoesNotMatch" | "ExpiredToken" => {
                "the AWS credentials were rejected; check AWS_PROFILE / AWS_ACCESS_KEY_ID or refresh the session"
            }
            "InvalidAMIID.NotFound" | "InvalidAMIID.Malformed" => {
                "the AMI does not exist in this region; AMI ids differ per region"
            }
            "VcpuLimitExceeded" | "InstanceLimitExceeded" | "DBInstanceQuotaExceeded" => {
                "an account quota is reached; request an increase in Service Quotas"
            }
            _ => return None,
        }
        .to_string(),
    )
}

/// The code of a provider error, if it came from AWS.
pub(crate) fn code_of(err: &ProviderError) -> Option<&str> {
    match err {
        ProviderError::Api { code, .. } | ProviderError::Transient { code, .. } => Some(code),
        _ => None,
    }
}

/// Whether an error says the resource is gone (any of AWS's not-found codes).
pub(crate) fn is_not_found(err: &ProviderError) -> bool {
    matches!(err, ProviderError::NotFound { .. })
        || code_of(err).is_some_and(|c| c.contains("NotFound") || c.contains("NotFoundFault"))
}
