//! Mapping SDK errors to [`ProviderError`]: AWS codes and messages kept,
//! throttling and transient faults marked retryable, no `SdkError` leaked.
//!
//! ```
//! use strata_aws::errors::is_transient_code;
//! assert!(is_transient_code("Throttling"));
//! assert!(!is_transient_code("InvalidParameterValue"));
//! ```

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
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
    // ACM: a listener let go of a certificate a moment ago.
    "ResourceInUseException",
    "CacheSubnetGroupInUse",
    "InvalidDBSubnetGroupStateFault",
    "InvalidCacheSubnetGroupState",
];

/// Whether an AWS error code is worth retrying.
pub fn is_transient_code(code: &str) -> bool {
    TRANSIENT.contains(&code)
}

/// The AWS operation an SDK error type belongs to: the last path segment of
/// `aws_sdk_rds::operation::modify_db_instance::ModifyDBInstanceError`
/// without `Error`.
fn operation_of<E>() -> &'static str {
    let name = std::any::type_name::<E>();
    let last = name.rsplit("::").next().unwrap_or(name);
    last.strip_suffix("Error").unwrap_or(last)
}

/// What the HTTP response says besides AWS's error: its status, its request
/// id, and a glimpse of a body that is not an AWS error document.
struct Reply {
    status: Option<u16>,
    request_id: Option<String>,
    body: Option<String>,
}

fn reply_of(raw: Option<&HttpResponse>) -> Reply {
    let Some(raw) = raw else {
        return Reply {
            status: None,
            request_id: None,
            body: None,
        };
    };
    let request_id = ["x-amzn-requestid", "x-amz-request-id", "x-amzn-request-id"]
        .iter()
        .find_map(|h| raw.headers().get(*h))
        .map(str::to_string);
    let body = raw
        .body()
        .bytes()
        .map(|b| {
            String::from_utf8_lossy(b)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|b| !b.is_empty())
        .map(|b| b.chars().take(160).collect());
    Reply {
        status: Some(raw.status().as_u16()),
        request_id,
        body,
    }
}

/// AWS's message, or what the response was when AWS sent none, followed by
/// the operation and request id: `Cache subnet group x is in use
/// [DeleteCacheSubnetGroup, request id 4a2c…]`.
fn describe(operation: &str, message: Option<&str>, reply: &Reply) -> String {
    let what = match (message, reply.status, &reply.body) {
        (Some(m), _, _) if !m.is_empty() => m.to_string(),
        (_, Some(status), None) => format!("HTTP {status} with no error body"),
        (_, Some(status), Some(body)) => {
            format!("HTTP {status} with a body that is not an AWS error: {body}")
        }
        (_, None, _) => "no response".to_string(),
    };
    match &reply.request_id {
        Some(id) => format!("{what} [{operation}, request id {id}]"),
        None => format!("{what} [{operation}, no request id]"),
    }
}

/// Maps any SDK error to a provider error carrying AWS's code and message,
/// the operation and the request id (never the SDK's debug dump).
pub(crate) fn map<E>(err: SdkError<E, HttpResponse>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let operation = operation_of::<E>();
    match &err {
        SdkError::TimeoutError(_) => ProviderError::Transient {
            code: "RequestTimeout".into(),
            message: format!("the request to AWS timed out [{operation}]"),
        },
        SdkError::DispatchFailure(d) => {
            let cause = if d.is_io() {
                "an I/O error"
            } else if d.is_timeout() {
                "a timeout"
            } else {
                "a connector error"
            };
            let message = format!("could not reach AWS ({cause}) [{operation}]");
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
            message: format!("cannot build the AWS request [{operation}]"),
            help: Some("check the provider configuration (region, credentials)".into()),
        },
        _ => {
            let reply = reply_of(err.raw_response());
            let code = err.code().unwrap_or("Unknown").to_string();
            let message = describe(operation, err.message(), &reply);
            if matches!(err, SdkError::ResponseError(_)) || code == "Unknown" {
                // No AWS error document: an HTML error page, a proxy's 5xx.
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

/// Whether an error says the resource is gone (any of AWS's not-found
/// codes; IAM's is `NoSuchEntity`).
pub(crate) fn is_not_found(err: &ProviderError) -> bool {
    matches!(err, ProviderError::NotFound { .. })
        || code_of(err).is_some_and(|c| {
            c.contains("NotFound") || c.contains("NotFoundFault") || c == "NoSuchEntity"
        })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use aws_sdk_elasticache::operation::delete_cache_subnet_group::DeleteCacheSubnetGroupError;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    fn reply(status: u16, body: &str, request_id: Option<&str>) -> HttpResponse {
        let mut r = HttpResponse::new(status.try_into().unwrap(), SdkBody::from(body));
        if let Some(id) = request_id {
            r.headers_mut().insert("x-amzn-requestid", id.to_string());
        }
        r
    }

    #[test]
    fn an_error_without_a_body_names_the_operation_status_and_request_id() {
        let err = SdkError::service_error(
            DeleteCacheSubnetGroupError::generic(ErrorMetadata::builder().build()),
            reply(500, "", Some("4a2c-77")),
        );
        let text = map(err).to_string();
        assert_eq!(
            text,
            "Unknown: HTTP 500 with no error body [DeleteCacheSubnetGroup, request id 4a2c-77] (transient)"
        );
        assert!(!text.contains("ServiceError"), "no debug dump: {text}");
    }

    #[test]
    fn an_aws_error_keeps_code_and_message_and_an_html_page_is_summarized() {
        let meta = ErrorMetadata::builder()
            .code("CacheSubnetGroupInUse")
            .message("Cache subnet group shop-cache is in use")
            .build();
        let err = SdkError::service_error(
            DeleteCacheSubnetGroupError::generic(meta),
            reply(400, "<ErrorResponse/>", Some("r-1")),
        );
        assert_eq!(
            map(err).to_string(),
            "CacheSubnetGroupInUse: Cache subnet group shop-cache is in use [DeleteCacheSubnetGroup, request id r-1] (transient)"
        );
        let err = SdkError::service_error(
            DeleteCacheSubnetGroupError::generic(ErrorMetadata::builder().build()),
            reply(
                500,
                "<html>\n<title>500 Internal Server Error</title>\n</html>",
                None,
            ),
        );
        let text = map(err).to_string();
        assert!(
            text.contains("HTTP 500 with a body that is not an AWS error: <html> <title>500 Internal Server Error</title> </html> [DeleteCacheSubnetGroup, no request id]"),
            "{text}"
        );
    }
}
