//! Plans: what apply will do, as inert, serializable data.
//!
//! [`plan`] refreshes live state through the provider (one batched read per
//! kind), diffs desired / prior / live, and returns a [`Plan`]. A saved plan
//! remembers the state's serial and lineage so applying it after the state
//! moved is refused.

mod diff;
mod instances;
mod lookup;
pub mod moves;
mod refresh;
pub mod render;
#[cfg(test)]
mod safety_tests;
mod secrets;

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::addr::Address;
use crate::config::{Lifecycle, OutOfLine, ProviderConfig};
use crate::diag::Problems;
use crate::provider::ProviderError;
use crate::value::{Attrs, Value};

pub use diff::{plan, PlanOptions};
pub use moves::{Forget, PlannedMove};
pub use refresh::{refresh, Live, Refreshed};
pub use secrets::read_remote;

/// The saved plan format this build writes and reads.
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// What will happen to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Nothing.
    NoOp,
    /// Created.
    Create,
    /// Read only: a lookup (`[data.NAME]`), read while planning.
    Read,
    /// Updated in place.
    Update,
    /// Destroyed and created again.
    Replace,
    /// Destroyed.
    Delete,
}

impl Action {
    /// Whether applying it changes the cloud: not for `no-op` and `read`.
    pub fn changes_cloud(self) -> bool {
        !matches!(self, Action::NoOp | Action::Read)
    }

    /// The name used in JSON and summaries: `create`, `no-op`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Action::NoOp => "no-op",
            Action::Create => "create",
            Action::Read => "read",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
        }
    }
}

/// In which order a replacement happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReplaceOrder {
    /// The new object is created first, then the old one deleted.
    CreateThenDelete,
    /// The old object is deleted first.
    DeleteThenCreate,
}

/// One attribute that changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttrChange {
    /// The attribute.
    pub name: String,
    /// Its value now (`None`: unset).
    pub before: Option<Value>,
    /// Its planned value (may be unknown; `None`: unset).
    pub after: Option<Value>,
    /// Changing it forces replacement.
    pub forces_replacement: bool,
    /// The value is sensitive and must not be shown.
    pub sensitive: bool,
}

/// What will happen to one resource, with everything apply needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    /// The resource's address.
    pub address: Address,
    /// Its kind.
    pub kind: String,
    /// The action.
    pub action: Action,
    /// For replacements: the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace_order: Option<ReplaceOrder>,
    /// The existing object's id, if there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// This change deletes an old object left by a create-before-destroy replacement.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deposed: bool,
    /// Attribute-level changes (updates and replacements; all attributes for creates).
    #[serde(default)]
    pub changes: Vec<AttrChange>,
    /// The configured attributes, references unresolved (apply resolves them).
    #[serde(default)]
    pub config: Attrs,
    /// What the resource depends on in the configuration.
    #[serde(default)]
    pub dependencies: Vec<Address>,
    /// What it depended on when last applied (for ordering deletes; out
    /// of line, as only deletes need it).
    #[serde(default)]
    pub prior_dependencies: OutOfLine<Vec<Address>>,
    /// Lifecycle options (out of line: most resources have none).
    #[serde(default)]
    pub lifecycle: OutOfLine<Lifecycle>,
    /// Why this action, when it is not obvious (out of line: most changes
    /// need no explanation).
    #[serde(default, skip_serializing_if = "no_reason")]
    pub reason: OutOfLine<Option<String>>,
    /// The object holds data of its own that a replacement loses (false for
    /// a read replica, whose data is copied from its primary again).
    #[serde(
        default = "holds_data_unless_known",
        skip_serializing_if = "Clone::clone"
    )]
    pub holds_data: bool,
    /// The replacement was asked for (`--replace`), not forced by a change.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub requested: bool,
    /// The provider instance it is created or updated in (`None`: the
    /// default). Deletes go to the instance state records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

fn holds_data_unless_known() -> bool {
    true
}

/// A change's reason is left out of its JSON when it has none.
fn no_reason(reason: &OutOfLine<Option<String>>) -> bool {
    reason.is_none()
}

impl ResourceChange {
    /// Whether this replaces a stateful resource holding data of its own
    /// because its configuration changed or because it was asked for
    /// (`--replace`; the plan then records the consent), without a
    /// lifecycle opt-in. A
    /// replacement of a tainted resource (its create never finished), of a
    /// read replica or of a deposed object is not.
    pub fn replaces_data(&self) -> bool {
        self.action == Action::Replace
            && !self.deposed
            && self.holds_data
            && crate::kinds::schema_of(&self.kind).is_some_and(|s| s.stateful)
            && (self.requested || self.changes.iter().any(|c| c.forces_replacement))
            && !self.lifecycle.allow_replace
            && self.lifecycle.create_before_destroy != Some(true)
    }

    /// The attributes whose change forces replacement.
    pub fn forced_by(&self) -> Vec<&str> {
        self.changes
            .iter()
            .filter(|c| c.forces_replacement)
            .map(|c| c.name.as_str())
            .collect()
    }
}

/// A plan would replace stateful resources (their data is lost) and nobody
/// allowed it.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
#[error("this plan replaces stateful resources, losing their data: {resources}")]
#[diagnostic(
    code(strata::apply::replaces_data),
    help("undo the change that forces replacement (the plan names it), or, if losing the data is intended, apply again with {flags} (or set `allow_replace = true` in the resource's lifecycle)")
)]
pub struct DataReplacement {
    /// The resources and the attributes forcing replacement.
    pub resources: String,
    /// The flags that would allow it.
    pub flags: String,
}

/// A resource whose live state differs from what the state recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    /// The resource.
    pub address: Address,
    /// Its kind.
    pub kind: String,
    /// It no longer exists.
    pub deleted: bool,
    /// Attributes that changed outside Strata.
    pub changes: Vec<AttrChange>,
}

/// An output as planned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputPlan {
    /// Its configured value (references unresolved).
    pub value: Value,
    /// Its planned value (may be unknown).
    pub planned: Value,
    /// Hidden unless asked for.
    pub sensitive: bool,
    /// Its value as of the last apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior: Option<serde_json::Value>,
}

impl OutputPlan {
    /// Whether applying may change the output.
    pub fn changes(&self) -> bool {
        !self.planned.is_known() || self.planned.to_known_json() != self.prior
    }
}

/// A plan: inert data; only apply changes the cloud.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Saved plan format version.
    pub format_version: u32,
    /// The stack.
    pub stack: String,
    /// The provider it was planned against.
    pub provider: ProviderConfig,
    /// The further provider instances it was planned against, by name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub providers: IndexMap<String, ProviderConfig>,
    /// Lineage of the state it was planned from (`None`: no state yet).
    pub lineage: Option<String>,
    /// Serial of the state it was planned from.
    pub serial: Option<u64>,
    /// Whether this is a destroy plan.
    #[serde(default)]
    pub destroy: bool,
    /// The addresses the plan was limited to (empty: all).
    #[serde(default)]
    pub targets: Vec<Address>,
    /// Resources replaced because the plan was asked to (`--replace`): the
    /// asking is the consent, so applying the plan does not refuse them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replace: Vec<Address>,
    /// Changes, creates and updates in dependency order, then deletes.
    pub changes: Vec<ResourceChange>,
    /// Changes made outside Strata, found by refresh.
    #[serde(default)]
    pub drift: Vec<Drift>,
    /// Live attributes read by refresh that differ from state (`None`: gone).
    #[serde(default)]
    pub refreshed: BTreeMap<Address, Option<Attrs>>,
    /// Outputs.
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputPlan>,
    /// Objects in state that take a new address (`[[moved]]`), committed
    /// before any change; the changes name the new addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moves: Vec<PlannedMove>,
    /// Objects dropped from state but left in the cloud (`[[removed]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forgets: Vec<Forget>,
}

impl Plan {
    /// Whether there is anything to apply: a change in the cloud (lookups,
    /// the `read` changes, change nothing), or a move or removal to commit
    /// to state.
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action.changes_cloud())
            || !self.moves.is_empty()
            || !self.forgets.is_empty()
    }

    /// The address `address` had in state, if this plan moves it there.
    pub fn moved_from(&self, address: &Address) -> Option<&Address> {
        self.moves
            .iter()
            .find(|m| &m.to == address)
            .map(|m| &m.from)
    }

    /// Counts of each action.
    pub fn summary(&self) -> BTreeMap<Action, usize> {
        let mut counts: BTreeMap<Action, usize> = [
            Action::Create,
            Action::Update,
            Action::Replace,
            Action::Delete,
            Action::NoOp,
            Action::Read,
        ]
        .into_iter()
        .map(|a| (a, 0))
        .collect();
        for c in &self.changes {
            *counts.entry(c.action).or_default() += 1;
        }
        counts
    }

    /// The change for `address` (not a deposed delete), if any.
    pub fn change(&self, address: &Address) -> Option<&ResourceChange> {
        self.changes
            .iter()
            .find(|c| &c.address == address && !c.deposed)
    }

    /// Replacements of stateful resources (DB instances, replication
    /// groups, instances) forced by a configuration change, whose lifecycle
    /// does not opt in (`allow_replace`, or `create_before_destroy = true`).
    pub fn data_replacements(&self) -> impl Iterator<Item = &ResourceChange> {
        self.changes.iter().filter(|c| c.replaces_data())
    }

    /// Refuses a plan that replaces a stateful resource not in `allowed`.
    pub fn check_data_replacements(&self, allowed: &[Address]) -> Result<(), DataReplacement> {
        let refused: Vec<String> = self
            .data_replacements()
            .filter(|c| !allowed.contains(&c.address))
            .map(|c| format!("{} ({})", c.address, c.forced_by().join(", ")))
            .collect();
        if refused.is_empty() {
            return Ok(());
        }
        let flags: Vec<String> = self
            .data_replacements()
            .filter(|c| !allowed.contains(&c.address))
            .map(|c| format!("--allow-replace {}", c.address))
            .collect();
        Err(DataReplacement {
            resources: refused.join(", "),
            flags: flags.join(" "),
        })
    }

    /// Parses a saved plan.
    pub fn from_json(text: &str) -> Result<Plan, PlanError> {
        let plan: Plan = serde_json::from_str(text).map_err(|e| PlanError::BadPlanFile {
            reason: e.to_string(),
        })?;
        if plan.format_version != PLAN_FORMAT_VERSION {
            return Err(PlanError::BadPlanFile {
                reason: format!(
                    "format version {} is not {PLAN_FORMAT_VERSION}",
                    plan.format_version
                ),
            });
        }
        Ok(plan)
    }
}

/// Why planning failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum PlanError {
    /// Reading live state failed.
    #[error("refreshing {kind} failed")]
    #[diagnostic(
        code(strata::plan::refresh),
        help("check the provider's credentials and connectivity, then plan again")
    )]
    Refresh {
        /// The kind being read.
        kind: String,
        /// The provider's error.
        #[source]
        #[diagnostic_source]
        source: ProviderError,
    },
    /// A lookup found nothing or too much, or cannot be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Lookups(Problems),
    /// A secret from Secrets Manager or SSM cannot be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Secrets(Problems),
    /// The plan would break a lifecycle rule (e.g. `prevent_destroy`).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Blocked(Problems),
    /// Resources belong to a provider instance the session was not given
    /// (the configuration no longer has it).
    #[error("no provider instance `{instance}` to reach {addresses}")]
    #[diagnostic(
        code(strata::plan::provider_instance),
        help("keep `[provider.{instance}]` in the configuration until nothing belongs to it any more (destroy or move its resources first)")
    )]
    UnknownInstance {
        /// The instance.
        instance: String,
        /// Some of the resources that belong to it.
        addresses: String,
    },
    /// A saved plan file cannot be used.
    #[error("the plan file cannot be read: {reason}")]
    #[diagnostic(
        code(strata::plan::file),
        help("create it again with `strata plan --out FILE`")
    )]
    BadPlanFile {
        /// Why.
        reason: String,
    },
}
