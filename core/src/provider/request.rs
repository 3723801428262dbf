//! The requests and answers of [`Provider`](super::Provider)'s resource
//! operations: batched reads, create, update, delete and polls.

use std::time::Duration;

use crate::addr::Address;
use crate::value::Attrs;

/// One resource to read back: its address and cloud id.
#[derive(Debug, Clone)]
pub struct ReadTarget {
    /// The resource's address.
    pub address: Address,
    /// Its id in the cloud.
    pub id: String,
}

/// Reads every resource of one kind in one batch (one Describe call per kind).
#[derive(Debug, Clone)]
pub struct ReadRequest {
    /// The kind, e.g. `aws.ec2.instance`.
    pub kind: String,
    /// The resources to read.
    pub targets: Vec<ReadTarget>,
}

/// What a batched read found.
#[derive(Debug, Clone, Default)]
pub struct ReadResponse {
    /// Live attributes by cloud id; an id missing here no longer exists.
    pub found: std::collections::BTreeMap<String, Attrs>,
}

/// Creates a resource.
#[derive(Debug, Clone)]
pub struct CreateRequest {
    /// The resource's address (providers tag resources with it).
    pub address: Address,
    /// The kind.
    pub kind: String,
    /// Desired attributes, fully known.
    pub attrs: Attrs,
    /// The stack name (providers tag resources with it).
    pub stack: String,
    /// An idempotency token: a retried create with the same token must not
    /// make a second resource.
    pub token: String,
}

/// Updates a resource in place.
#[derive(Debug, Clone)]
pub struct UpdateRequest {
    /// The resource's address.
    pub address: Address,
    /// The kind.
    pub kind: String,
    /// Its cloud id.
    pub id: String,
    /// Attributes as last read.
    pub prior: Attrs,
    /// Desired attributes, fully known.
    pub attrs: Attrs,
    /// Names of the attributes that differ.
    pub changed: Vec<String>,
    /// The stack name.
    pub stack: String,
}

/// Deletes a resource.
#[derive(Debug, Clone)]
pub struct DeleteRequest {
    /// The resource's address.
    pub address: Address,
    /// The kind.
    pub kind: String,
    /// Its cloud id.
    pub id: String,
    /// Attributes as last known (e.g. for a DB's final snapshot settings).
    pub prior: Attrs,
}

/// Which operation a [`PollRequest`] follows up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// A create.
    Create,
    /// An update in place.
    Update,
    /// A delete.
    Delete,
}

/// Asks how a pending operation is going.
#[derive(Debug, Clone)]
pub struct PollRequest {
    /// The resource's address.
    pub address: Address,
    /// The kind.
    pub kind: String,
    /// Its cloud id.
    pub id: String,
    /// The operation awaited.
    pub operation: Operation,
}

/// The outcome of an operation, or of a poll.
#[derive(Debug, Clone)]
pub enum OpStatus {
    /// Finished: the resource is ready (or, for deletes, gone).
    Done {
        /// Cloud id.
        id: String,
        /// Live attributes (empty after a delete).
        attrs: Attrs,
    },
    /// Accepted but not finished: poll again after `retry_after`.
    Pending {
        /// Cloud id.
        id: String,
        /// Attributes known so far.
        attrs: Attrs,
        /// When to look again.
        retry_after: Duration,
        /// The cloud's status, e.g. `creating`, `backing-up`.
        status: String,
    },
}
