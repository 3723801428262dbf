//! Changes to state, as the apply makes them: what the journal records and
//! replays. Each is idempotent, so replaying a change twice is harmless.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{DeposedObject, OutputState, ResourceState, State};
use crate::addr::Address;
use crate::provider::Operation;

/// A mutating operation recorded before it is sent to the cloud, so that a
/// run killed at any point leaves enough behind to resolve it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    /// The idempotency token sent with the request (also the intent's id).
    pub token: String,
    /// The resource.
    pub address: Address,
    /// Its kind.
    pub kind: String,
    /// What was asked.
    pub operation: Operation,
    /// The cloud id (updates and deletes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The operation deletes a deposed object.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deposed: bool,
    /// Configured attribute names (to record an adopted resource faithfully).
    #[serde(default)]
    pub configured: Vec<crate::value::Name>,
    /// Its dependencies (ditto).
    #[serde(default)]
    pub dependencies: Vec<Address>,
    /// Its prevent_destroy setting (ditto).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prevent_destroy: bool,
    /// When it was recorded (RFC 3339).
    pub started: String,
    /// The provider instance the request goes to (`None`: the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// One change to state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum StateChange {
    /// A resource is recorded (created, updated or refreshed).
    Put {
        /// Where.
        address: Address,
        /// What.
        resource: Box<ResourceState>,
    },
    /// A resource is forgotten (deleted).
    Remove {
        /// Where.
        address: Address,
    },
    /// The resource at `address` becomes a deposed object (create-before-destroy).
    Depose {
        /// Where.
        address: Address,
    },
    /// A deposed object is gone.
    RemoveDeposed {
        /// Where it was replaced.
        address: Address,
        /// Its id.
        id: String,
    },
    /// An operation is about to be sent.
    Intend {
        /// The intent.
        intent: Box<Intent>,
    },
    /// An intended operation finished (successfully or not).
    Resolve {
        /// The intent's token.
        token: String,
    },
    /// Outputs are recorded.
    Outputs {
        /// All outputs.
        outputs: BTreeMap<String, OutputState>,
    },
}

impl State {
    /// Applies one change in memory (without advancing the serial; see
    /// [`State::commit`]).
    pub(crate) fn apply_change(&mut self, change: &StateChange) {
        match change {
            StateChange::Put { address, resource } => {
                self.resources.insert(address.clone(), (**resource).clone());
            }
            StateChange::Remove { address } => {
                self.resources.remove(address);
            }
            StateChange::Depose { address } => {
                if let Some(resource) = self.resources.remove(address) {
                    self.deposed.push(DeposedObject {
                        address: address.clone(),
                        resource,
                    });
                }
            }
            StateChange::RemoveDeposed { address, id } => {
                self.deposed
                    .retain(|d| !(d.address == *address && d.resource.id == *id));
            }
            StateChange::Intend { intent } => {
                if !self.pending.iter().any(|i| i.token == intent.token) {
                    self.pending.push((**intent).clone());
                }
            }
            StateChange::Resolve { token } => self.pending.retain(|i| i.token != *token),
            StateChange::Outputs { outputs } => self.outputs = outputs.clone(),
        }
    }
}
