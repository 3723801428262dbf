//! Provider configuration: the standard AWS chain (environment, profiles,
//! `AWS_ENDPOINT_URL`), overridden by the manifest's `[provider]` options,
//! and the SDK clients built from it.
//!
//! ```
//! use strata_aws::AwsSettings;
//! let mut options = std::collections::BTreeMap::new();
//! options.insert("endpoint".to_string(), serde_json::json!("http://127.0.0.1:5000"));
//! let s = AwsSettings::from_options(Some("eu-west-1"), &options).unwrap();
//! assert_eq!(s.endpoint.as_deref(), Some("http://127.0.0.1:5000"));
//! assert_eq!(s.region.as_deref(), Some("eu-west-1"));
//! ```

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::ProvideCredentials;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use strata_core::provider::ProviderError;

/// How the SDK retries throttled and transient failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryMode {
    /// Exponential backoff with jitter.
    Standard,
    /// Standard, plus client-side rate limiting once AWS throttles.
    Adaptive,
}

/// What the provider is configured with. Unset fields come from the
/// standard AWS chain.
#[derive(Debug, Clone)]
pub struct AwsSettings {
    /// The region (the manifest's `region`, else `AWS_REGION`/profile).
    pub region: Option<String>,
    /// An endpoint override (`endpoint`, else `AWS_ENDPOINT_URL`).
    pub endpoint: Option<String>,
    /// A named profile (`profile`, else `AWS_PROFILE`).
    pub profile: Option<String>,
    /// Retry mode (`retry_mode = "standard" | "adaptive"`, default adaptive).
    pub retry_mode: RetryMode,
    /// Attempts per call including the first (`max_attempts`, default 5).
    pub max_attempts: u32,
    /// How long finding credentials may take before it is an error.
    pub credentials_timeout: Duration,
}

impl Default for AwsSettings {
    fn default() -> Self {
        Self {
            region: None,
            endpoint: None,
            profile: None,
            retry_mode: RetryMode::Adaptive,
            max_attempts: 5,
            credentials_timeout: Duration::from_secs(10),
        }
    }
}

fn bad(option: &str, help: &str) -> ProviderError {
    ProviderError::Config {
        message: format!("invalid `{option}` in [provider]"),
        help: Some(help.to_string()),
    }
}

impl AwsSettings {
    /// Settings from a manifest's region and `[provider]` options
    /// (`endpoint`, `profile`, `retry_mode`, `max_attempts`).
    pub fn from_options<'a>(
        region: Option<&str>,
        options: impl IntoIterator<Item = (&'a String, &'a serde_json::Value)>,
    ) -> Result<Self, ProviderError> {
        let mut s = Self {
            region: region.filter(|r| !r.trim().is_empty()).map(str::to_string),
            ..Self::default()
        };
        for (key, value) in options {
            match key.as_str() {
                "endpoint" => {
                    s.endpoint = Some(
                        value
                            .as_str()
                            .ok_or_else(|| bad(key, "a URL such as \"http://127.0.0.1:5000\""))?
                            .to_string(),
                    );
                }
                "profile" => {
                    s.profile = Some(
                        value
                            .as_str()
                            .ok_or_else(|| bad(key, "a profile name from ~/.aws/config"))?
                            .to_string(),
                    );
                }
                "retry_mode" => {
                    s.retry_mode = match value.as_str() {
                        Some("standard") => RetryMode::Standard,
                        Some("adaptive") => RetryMode::Adaptive,
                        _ => return Err(bad(key, "\"standard\" or \"adaptive\"")),
                    };
                }
                "max_attempts" => {
                    s.max_attempts = value
                        .as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| bad(key, "a whole number of attempts, at least 1"))?;
                }
                other => {
                    return Err(ProviderError::Config {
                        message: format!("unknown option `{other}` for the aws provider"),
                        help: Some(
                            "known options: endpoint, profile, retry_mode, max_attempts".into(),
                        ),
                    })
                }
            }
        }
        Ok(s)
    }

    /// Loads the SDK configuration and checks that a region and credentials
    /// are there, failing fast with a diagnostic instead of hanging.
    pub(crate) async fn load(&self) -> Result<SdkConfig, ProviderError> {
        let retry = match self.retry_mode {
            RetryMode::Standard => RetryConfig::standard(),
            RetryMode::Adaptive => RetryConfig::adaptive(),
        }
        .with_max_attempts(self.max_attempts);
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(retry)
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(Duration::from_secs(60))
                    .build(),
            );
        if let Some(r) = &self.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(e) = &self.endpoint {
            loader = loader.endpoint_url(e.clone());
        }
        if let Some(p) = &self.profile {
            loader = loader.profile_name(p.clone());
        }
        let config = tokio::time::timeout(self.credentials_timeout, loader.load())
            .await
            .map_err(|_| ProviderError::Config {
                message: "loading the AWS configuration timed out".into(),
                help: Some("check ~/.aws/config and the network".into()),
            })?;
        if config.region().is_none() {
            return Err(ProviderError::Config {
                message: "no AWS region is configured".into(),
                help: Some(
                    "set `region` in [provider], or AWS_REGION, or a region in your AWS profile"
                        .into(),
                ),
            });
        }
        let no_creds = |why: String| {
            ProviderError::Config {
            message: format!("no AWS credentials found: {why}"),
            help: Some(
                "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE / `profile` in [provider], or run where an instance role is available"
                    .into(),
            ),
        }
        };
        let provider = config
            .credentials_provider()
            .ok_or_else(|| no_creds("no credentials provider".into()))?;
        match tokio::time::timeout(self.credentials_timeout, provider.provide_credentials()).await {
            Ok(Ok(_)) => Ok(config),
            Ok(Err(e)) => Err(no_creds(e.to_string())),
            Err(_) => Err(no_creds(format!(
                "the credential chain did not answer within {} s",
                self.credentials_timeout.as_secs()
            ))),
        }
    }
}

/// Counts the AWS operations the provider calls, by `Service.Operation`
/// (installed as an SDK interceptor on every client).
#[derive(Debug, Clone, Default)]
pub struct CallCounter {
    counts: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl CallCounter {
    /// Calls so far, by `Service.Operation` (e.g. `EC2.DescribeInstances`).
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.counts.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Forgets the counts.
    pub fn reset(&self) {
        if let Ok(mut m) = self.counts.lock() {
            m.clear();
        }
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "StrataCallCounter"
    }

    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let name = cfg.load::<Metadata>().map_or_else(
            || "unknown".to_string(),
            |m| format!("{}.{}", m.service(), m.name()),
        );
        if let Ok(mut m) = self.counts.lock() {
            *m.entry(name).or_default() += 1;
        }
        Ok(())
    }
}

/// The SDK clients of every service the provider uses.
#[derive(Debug, Clone)]
pub(crate) struct Clients {
    pub ec2: aws_sdk_ec2::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub asg: aws_sdk_autoscaling::Client,
    pub rds: aws_sdk_rds::Client,
    pub cache: aws_sdk_elasticache::Client,
    pub cw: aws_sdk_cloudwatch::Client,
    pub route53: aws_sdk_route53::Client,
    pub acm: aws_sdk_acm::Client,
    pub sts: aws_sdk_sts::Client,
    pub secretsmanager: aws_sdk_secretsmanager::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub iam: aws_sdk_iam::Client,
    pub kms: aws_sdk_kms::Client,
    pub sns: aws_sdk_sns::Client,
}

impl Clients {
    pub fn new(config: &SdkConfig, calls: &CallCounter) -> Self {
        let c = calls.clone();
        Self {
            ec2: aws_sdk_ec2::Client::from_conf(
                aws_sdk_ec2::config::Builder::from(config)
                    .interceptor(c.clone())
                    .build(),
            ),
            elb: aws_sdk_elasticloadbalancingv2::Client::from_conf(
                aws_sdk_elasticloadbalancingv2::config::Builder::from(config)
                    .interceptor(c.clone())
                    .build(),
            ),
            asg: aws_sdk_autoscaling::Client::from_conf(
                aws_sdk_autoscaling::config::Builder::from(config)
                    .interceptor(c.clone())
                    .build(),
            ),
            rds: aws_sdk_rds::Client::from_conf(
                aws_sdk_rds::config::Builder::from(config)
                    .interceptor(c.clone())
                    .build(),
            ),
            cache: aws_sdk_elasticache::Client::from_conf(
                aws_sdk_elasticache::config::Builder::from(config)
                    .interceptor(c.clone())
                    .build(),
            ),
            cw: aws_sdk_cloudwatch::Client::from_conf(
                aws_sdk_cloudwatch::config::Builder::from(config)
                    .interceptor(c.clone())
                    .build(),
            ),
            route53: aws_sdk_route53::Client::from_conf(
                aws_sdk_route53::config::Builder::from(config)
                    .interceptor(c.clone())
                    .build(),
            ),
            acm: aws_sdk_acm::Client::from_conf(
                aws_sdk_acm::config::Builder::from(config)
                    .interceptor(c.clone())
                    .build(),
            ),
            sts: aws_sdk_sts::Client::from_conf(
                aws_sdk_sts::config::Builder::from(config)
                    .interceptor(c.clone())
                    .build(),
            ),
            secretsmanager: aws_sdk_secretsmanager::Client::from_conf(
                aws_sdk_secretsmanager::config::Builder::from(config)
                    .interceptor(c.clone())
                    .build(),
            ),
            ssm: aws_sdk_ssm::Client::from_conf(
                aws_sdk_ssm::config::Builder::from(config)
                    .interceptor(c.clone())
                    .build(),
            ),
            // IAM is global: the SDK sends its calls to IAM's one endpoint
            // (or AWS_ENDPOINT_URL) whatever the provider's region.
            iam: aws_sdk_iam::Client::from_conf(
                aws_sdk_iam::config::Builder::from(config)
                    .interceptor(c.clone())
                    .build(),
            ),
            kms: aws_sdk_kms::Client::from_conf(
                aws_sdk_kms::config::Builder::from(config)
                    .interceptor(c.clone())
                    .build(),
            ),
            sns: aws_sdk_sns::Client::from_conf(
                aws_sdk_sns::config::Builder::from(config)
                    .interceptor(c)
                    .build(),
            ),
        }
    }
}
