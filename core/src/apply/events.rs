//! Progress events an apply reports as it goes.

use std::time::Duration;

use super::OpKind;
use crate::addr::Address;

/// Something that happened during an apply.
#[derive(Debug, Clone)]
pub enum Event {
    /// An operation started.
    Started {
        /// The resource.
        address: Address,
        /// The operation.
        op: OpKind,
    },
    /// A slow operation is still going.
    Progress {
        /// The resource.
        address: Address,
        /// The operation.
        op: OpKind,
        /// The cloud's status, e.g. `creating`.
        status: String,
        /// Time since it started.
        elapsed: Duration,
    },
    /// An operation finished.
    Finished {
        /// The resource.
        address: Address,
        /// The operation.
        op: OpKind,
        /// The cloud id.
        id: String,
        /// How long it took.
        elapsed: Duration,
    },
    /// An operation failed.
    Failed {
        /// The resource.
        address: Address,
        /// The operation.
        op: OpKind,
        /// Why.
        error: String,
    },
    /// An operation was not run because one it depends on failed.
    Skipped {
        /// The resource.
        address: Address,
        /// The failed one.
        because: Address,
    },
}

pub use crate::events::{NullObserver, Observer};
