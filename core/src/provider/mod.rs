//! The interface between the engine and a cloud: batched reads, create,
//! update, delete, and polling of slow operations until they are ready.
//!
//! Providers get fully known attributes (references resolved, sensitive
//! values included) and answer with the resource's live attributes.
//!
//! [`Provider`] is all plan and apply need. What else a cloud can do is
//! reached through [`Provider::capabilities`]: [`Lookups`] for data
//! sources, [`Secrets`] for secrets kept in Secrets Manager or SSM,
//! release-gate [`Signals`], [`DrillOps`] and, on a simulated
//! cloud, [`ZoneOutage`]. A caller that
//! needs a capability the provider lacks reports [`Missing`].

mod capabilities;
mod drill_ops;
mod error;
mod instances;
mod lookups;
mod request;
mod secrets;
mod signals;

use async_trait::async_trait;

use crate::addr::Address;
use crate::value::Attrs;

pub use capabilities::{Capabilities, Capability, Missing};
pub use drill_ops::{DrillOps, ZoneOutage};
pub use error::ProviderError;
pub use instances::{instance_name, Providers, DEFAULT_INSTANCE};
pub use lookups::{matches_wildcard, zone_name, LookupRequest, Lookups};
pub use request::{
    CreateRequest, DeleteRequest, OpStatus, Operation, PollRequest, ReadRequest, ReadResponse,
    ReadTarget, UpdateRequest,
};
pub use secrets::{SecretRequest, Secrets};
pub use signals::{MetricsRequest, Signals, TargetHealth, TargetMetrics};

/// A cloud the engine can manage resources in.
///
/// Every method either is required or does real work by default; none
/// answers "unsupported". Optional abilities are separate traits, offered
/// through [`Provider::capabilities`].
#[async_trait]
pub trait Provider: Send + Sync {
    /// The provider's name, as the configuration's `[provider] kind`.
    fn name(&self) -> &str;

    /// The region resources live in.
    fn region(&self) -> &str;

    /// What the provider offers beyond managing resources (by default,
    /// nothing: [`Capabilities::none`]).
    fn capabilities(&self) -> Capabilities<'_> {
        Capabilities::none()
    }

    /// Reads the live state of many resources of one kind at once.
    async fn read(&self, req: ReadRequest) -> Result<ReadResponse, ProviderError>;

    /// Starts creating a resource.
    async fn create(&self, req: CreateRequest) -> Result<OpStatus, ProviderError>;

    /// Starts updating a resource in place.
    async fn update(&self, req: UpdateRequest) -> Result<OpStatus, ProviderError>;

    /// Starts deleting a resource.
    async fn delete(&self, req: DeleteRequest) -> Result<OpStatus, ProviderError>;

    /// Reports progress of a pending operation.
    async fn poll(&self, req: PollRequest) -> Result<OpStatus, ProviderError>;

    /// Finds a resource created with `token` (after a crash), if any. By
    /// default none is found: recovery then treats the create as not made.
    async fn find_by_token(
        &self,
        kind: &str,
        token: &str,
    ) -> Result<Option<(String, Attrs)>, ProviderError> {
        let _ = (kind, token);
        Ok(None)
    }

    /// Reads one existing resource by id, for `strata import` (by default
    /// through [`Provider::read`]).
    async fn import(&self, kind: &str, id: &str) -> Result<Attrs, ProviderError> {
        let address = Address::parse("imported").map_err(|e| ProviderError::Config {
            message: e.to_string(),
            help: None,
        })?;
        let mut resp = self
            .read(ReadRequest {
                kind: kind.to_string(),
                targets: vec![ReadTarget {
                    address,
                    id: id.to_string(),
                }],
            })
            .await?;
        resp.found
            .remove(id)
            .ok_or_else(|| ProviderError::NotFound {
                kind: kind.to_string(),
                id: id.to_string(),
            })
    }
}
