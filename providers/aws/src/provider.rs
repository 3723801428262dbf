//! [`AwsProvider`]: the [`Provider`] trait on the AWS SDK, dispatching each
//! kind to its service module; readiness polling and deletes' progress.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use strata_core::addr::Address;
use strata_core::kinds::{self, Family};
use strata_core::provider::{
    Capabilities, CreateRequest, DeleteRequest, OpStatus, Operation, PollRequest, Provider,
    ProviderError, ReadRequest, ReadResponse, ReadTarget, UpdateRequest,
};
use strata_core::value::{Attrs, Value};
use tokio::sync::OnceCell;

use crate::config::{AwsSettings, CallCounter, Clients};
use crate::{
    acm, autoscaling, cloudwatch, ec2, egress, elasticache, elbv2, network, rds, route53, tags,
};
use crate::{iam, kms, sns};

/// Strata's AWS provider. Cheap to share behind an `Arc`; the SDK clients
/// are built (and credentials checked) on first use or by [`AwsProvider::connect`].
#[derive(Debug)]
pub struct AwsProvider {
    settings: AwsSettings,
    region: String,
    clients: OnceCell<Clients>,
    calls: CallCounter,
}

impl AwsProvider {
    /// A provider that connects lazily, on its first call.
    pub fn new(settings: AwsSettings) -> Self {
        let region = settings
            .region
            .clone()
            .or_else(|| std::env::var("AWS_REGION").ok())
            .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
            .unwrap_or_default();
        Self {
            settings,
            region,
            clients: OnceCell::new(),
            calls: CallCounter::default(),
        }
    }

    /// A provider that has loaded its configuration and found credentials,
    /// or a [`ProviderError::Config`] saying what is missing.
    pub async fn connect(settings: AwsSettings) -> Result<Self, ProviderError> {
        let p = Self::new(settings);
        p.clients().await?;
        Ok(p)
    }

    /// The AWS operations called so far, by `Service.Operation`.
    pub fn call_counts(&self) -> BTreeMap<String, u64> {
        self.calls.snapshot()
    }

    /// Forgets the call counts.
    pub fn reset_call_counts(&self) {
        self.calls.reset();
    }

    /// The SDK configuration the provider uses (loading it on first call).
    pub async fn sdk_config(&self) -> Result<aws_config::SdkConfig, ProviderError> {
        self.settings.load().await
    }

    pub(crate) async fn clients(&self) -> Result<&Clients, ProviderError> {
        self.clients
            .get_or_try_init(|| async {
                let config = self.settings.load().await?;
                Ok(Clients::new(&config, &self.calls))
            })
            .await
    }

    async fn read_one(&self, kind: &str, id: &str) -> Result<Option<Attrs>, ProviderError> {
        let address = Address::parse("poll").map_err(|e| ProviderError::Config {
            message: e.to_string(),
            help: None,
        })?;
        let mut found = self
            .read(ReadRequest {
                kind: kind.to_string(),
                targets: vec![ReadTarget {
                    address,
                    id: id.to_string(),
                }],
            })
            .await?
            .found;
        Ok(found.remove(id))
    }

    /// `Done` when the resource is ready, else `Pending` with its status.
    async fn ready(&self, kind: &str, id: &str) -> Result<OpStatus, ProviderError> {
        let attrs = self
            .read_one(kind, id)
            .await?
            .ok_or_else(|| ProviderError::NotFound {
                kind: kind.to_string(),
                id: id.to_string(),
            })?;
        if kind == kinds::NAT_GATEWAY
            && attrs.get("state").and_then(Value::as_str) == Some("failed")
        {
            let c = self.clients().await?;
            let why = egress::failure(c, id).await?;
            return Err(ProviderError::api(
                "NatGatewayFailed",
                why.unwrap_or_else(|| format!("NAT gateway {id} failed")),
            ));
        }
        let pending = match Family::of(kind) {
            Some(Family::Acm) => acm::pending(kind, id, &attrs)?,
            _ => pending_status(kind, &attrs),
        };
        Ok(match pending {
            None => OpStatus::Done {
                id: id.to_string(),
                attrs,
            },
            Some((status, wait)) => OpStatus::Pending {
                id: id.to_string(),
                attrs,
                retry_after: wait,
                status,
            },
        })
    }

    /// `Done` when the resource is gone, else `Pending`.
    async fn gone(&self, kind: &str, id: &str) -> Result<OpStatus, ProviderError> {
        let live = self.read_one(kind, id).await?;
        let status = live.as_ref().and_then(|a| {
            a.get("status")
                .or_else(|| a.get("state"))
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        // moto keeps deleted replication groups in `deleting` forever; AWS
        // finishes within minutes. A group being deleted is as good as gone
        // for Strata: nothing more can be done to it, and dependents whose
        // deletes it still blocks retry on the transient `...InUse` error.
        let done = match (&live, status.as_deref()) {
            (None, _) => true,
            (Some(_), Some("deleting")) if kind == kinds::REPLICATION_GROUP => true,
            (Some(_), Some("terminated" | "deleted")) => true,
            _ => false,
        };
        Ok(if done {
            OpStatus::Done {
                id: id.to_string(),
                attrs: Attrs::new(),
            }
        } else {
            OpStatus::Pending {
                id: id.to_string(),
                attrs: Attrs::new(),
                retry_after: wait_for(kind),
                status: status.unwrap_or_else(|| "deleting".into()),
            }
        })
    }
}

/// How long to wait between polls of a kind.
fn wait_for(kind: &str) -> Duration {
    match kind {
        kinds::DB_INSTANCE | kinds::REPLICATION_GROUP => Duration::from_secs(10),
        kinds::LOAD_BALANCER | kinds::NAT_GATEWAY => Duration::from_secs(5),
        _ => Duration::from_secs(2),
    }
}

/// The status of a resource still on its way, if it is not ready.
fn pending_status(kind: &str, attrs: &Attrs) -> Option<(String, Duration)> {
    let (key, ready): (&str, &[&str]) = match kind {
        kinds::INSTANCE => ("state", &["running"]),
        kinds::DB_INSTANCE | kinds::REPLICATION_GROUP => ("status", &["available"]),
        kinds::LOAD_BALANCER => ("state", &["active"]),
        kinds::NAT_GATEWAY => ("state", &["available"]),
        _ => return None,
    };
    let status = attrs.get(key).and_then(Value::as_str)?;
    if ready.contains(&status) {
        return None;
    }
    Some((status.to_string(), wait_for(kind)))
}

fn unsupported(kind: &str) -> ProviderError {
    ProviderError::Unsupported {
        kind: kind.to_string(),
    }
}

/// The desired tags of a create.
fn create_tags(req: &CreateRequest) -> BTreeMap<String, String> {
    tags::desired(&req.kind, &req.stack, req.address.as_str(), &req.attrs)
}

#[async_trait]
impl Provider for AwsProvider {
    fn name(&self) -> &str {
        "aws"
    }

    fn region(&self) -> &str {
        &self.region
    }

    /// Lookups, release-gate signals and drill operations, on a real clock.
    fn capabilities(&self) -> Capabilities<'_> {
        Capabilities::none()
            .with_lookups(self)
            .with_secrets(self)
            .with_signals(self)
            .with_drill_ops(self)
    }

    async fn read(&self, req: ReadRequest) -> Result<ReadResponse, ProviderError> {
        let c = self.clients().await?;
        if req.targets.is_empty() {
            return Ok(ReadResponse::default());
        }
        let ids: Vec<String> = req.targets.iter().map(|t| t.id.clone()).collect();
        let found = match Family::of(&req.kind) {
            Some(Family::Network) => network::read(c, &req.kind, &ids).await?,
            Some(Family::Ec2) => ec2::read(c, &req.kind, &ids).await?,
            Some(Family::Egress) => egress::read(c, &req.kind, &ids).await?,
            Some(Family::Elbv2) => elbv2::read(c, &req.kind, &ids).await?,
            Some(Family::Autoscaling) => autoscaling::read(c, &req.kind, &ids).await?,
            Some(Family::Rds) => rds::read(c, &req.kind, &ids).await?,
            Some(Family::Elasticache) => elasticache::read(c, &req.kind, &ids).await?,
            Some(Family::Cloudwatch) => cloudwatch::read(c, &ids).await?,
            Some(Family::Iam) => iam::read(c, &req.kind, &ids).await?,
            Some(Family::Kms) => kms::read(c, &req.kind, &ids).await?,
            Some(Family::Sns) => sns::read(c, &req.kind, &ids).await?,
            Some(Family::Route53) => route53::read(c, &req.kind, &ids).await?,
            Some(Family::Acm) => acm::read(c, &req.kind, &ids).await?,
            None => return Err(unsupported(&req.kind)),
        };
        Ok(ReadResponse { found })
    }

    async fn create(&self, req: CreateRequest) -> Result<OpStatus, ProviderError> {
        let c = self.clients().await?;
        let tags = create_tags(&req);
        let id = match Family::of(&req.kind) {
            Some(Family::Network) => network::create(c, &req, &tags).await?,
            Some(Family::Ec2) => ec2::create(c, &req, &tags).await?,
            Some(Family::Egress) => egress::create(c, &req, &tags).await?,
            Some(Family::Elbv2) => elbv2::create(c, &req, &tags).await?,
            Some(Family::Autoscaling) => autoscaling::create(c, &req, &tags).await?,
            Some(Family::Rds) => rds::create(c, &req, &tags).await?,
            Some(Family::Elasticache) => elasticache::create(c, &req, &tags).await?,
            Some(Family::Cloudwatch) => cloudwatch::create(c, &req, &tags).await?,
            Some(Family::Iam) => iam::create(c, &req, &tags).await?,
            Some(Family::Kms) => kms::create(c, &req, &tags).await?,
            Some(Family::Sns) => sns::create(c, &req, &tags).await?,
            Some(Family::Route53) => route53::create(c, &req, &tags).await?,
            Some(Family::Acm) => acm::create(c, &req, &tags).await?,
            None => return Err(unsupported(&req.kind)),
        };
        self.ready(&req.kind, &id).await
    }

    async fn update(&self, req: UpdateRequest) -> Result<OpStatus, ProviderError> {
        let c = self.clients().await?;
        let desired = tags::desired(&req.kind, &req.stack, req.address.as_str(), &req.attrs);
        let stale = tags::stale(&req.kind, &req.prior, &desired);
        let t = crate::Tagging {
            desired: &desired,
            stale: &stale,
        };
        match Family::of(&req.kind) {
            Some(Family::Network) => network::update(c, &req, t).await?,
            Some(Family::Ec2) => ec2::update(c, &req, t).await?,
            Some(Family::Egress) => egress::update(c, &req, t).await?,
            Some(Family::Elbv2) => elbv2::update(c, &req, t).await?,
            Some(Family::Autoscaling) => autoscaling::update(c, &req, t).await?,
            Some(Family::Rds) => rds::update(c, &req, t).await?,
            Some(Family::Elasticache) => elasticache::update(c, &req, t).await?,
            Some(Family::Cloudwatch) => cloudwatch::update(c, &req, t).await?,
            Some(Family::Iam) => iam::update(c, &req, t).await?,
            Some(Family::Kms) => kms::update(c, &req, t).await?,
            Some(Family::Sns) => sns::update(c, &req, t).await?,
            Some(Family::Route53) => route53::update(c, &req, t).await?,
            Some(Family::Acm) => acm::update(c, &req, t).await?,
            None => return Err(unsupported(&req.kind)),
        }
        self.ready(&req.kind, &req.id).await
    }

    async fn delete(&self, req: DeleteRequest) -> Result<OpStatus, ProviderError> {
        let c = self.clients().await?;
        let result = match Family::of(&req.kind) {
            Some(Family::Network) => network::delete(c, &req).await,
            Some(Family::Ec2) => ec2::delete(c, &req).await,
            Some(Family::Egress) => egress::delete(c, &req).await,
            Some(Family::Elbv2) => elbv2::delete(c, &req).await,
            Some(Family::Autoscaling) => autoscaling::delete(c, &req).await,
            Some(Family::Rds) => rds::delete(c, &req).await,
            Some(Family::Elasticache) => elasticache::delete(c, &req).await,
            Some(Family::Cloudwatch) => cloudwatch::delete(c, &req).await,
            Some(Family::Iam) => iam::delete(c, &req).await,
            Some(Family::Kms) => kms::delete(c, &req).await,
            Some(Family::Sns) => sns::delete(c, &req).await,
            Some(Family::Route53) => route53::delete(c, &req).await,
            Some(Family::Acm) => acm::delete(c, &req).await,
            None => return Err(unsupported(&req.kind)),
        };
        match result {
            Ok(()) => {}
            Err(e) if crate::errors::is_not_found(&e) => {
                return Err(ProviderError::NotFound {
                    kind: req.kind.clone(),
                    id: req.id.clone(),
                })
            }
            Err(e) => return Err(e),
        }
        if req.kind == kinds::ACM_CERTIFICATE_VALIDATION {
            // A wait that has ended: nothing in AWS goes with it.
            return Ok(OpStatus::Done {
                id: req.id.clone(),
                attrs: Attrs::new(),
            });
        }
        self.gone(&req.kind, &req.id).await
    }

    async fn poll(&self, req: PollRequest) -> Result<OpStatus, ProviderError> {
        match req.operation {
            Operation::Delete => self.gone(&req.kind, &req.id).await,
            Operation::Create | Operation::Update => self.ready(&req.kind, &req.id).await,
        }
    }

    async fn find_by_token(
        &self,
        kind: &str,
        token: &str,
    ) -> Result<Option<(String, Attrs)>, ProviderError> {
        if kind != kinds::INSTANCE {
            return Ok(None);
        }
        let c = self.clients().await?;
        ec2::find_by_token(c, token).await
    }
}
