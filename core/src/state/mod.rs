//! State: what Strata last knew of every resource it manages, with a serial
//! and a lineage so a saved plan can tell whether the state moved since.
//!
//! Backends ([`Backend`]) load, persist and lock it; [`local::LocalBackend`]
//! keeps it in `.strata/state.json` beside the manifest.

mod change;
mod journal;
mod lease;
pub mod local;
mod lock;
mod shared_names;

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::addr::Address;
use crate::value::{Attrs, Value};

pub use change::{Intent, StateChange};
pub use lease::{Lease, LockOptions, RenewalWarning};
pub use lock::{LockInfo, StateError, LEASE, LEASE_RENEWAL};
pub use shared_names::Names;

/// The state file format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Everything Strata knows about a stack's resources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// File format version.
    pub version: u32,
    /// Increases with every persisted change. Private: only
    /// [`State::commit`] (called by the [`Session`](crate::session::Session)
    /// and the applier it runs) advances it.
    serial: u64,
    /// Identifies this state's history; a different lineage is a different stack.
    pub lineage: String,
    /// The stack's name.
    #[serde(default)]
    pub stack: String,
    /// Managed resources by address.
    #[serde(default, deserialize_with = "dense_map")]
    pub resources: BTreeMap<Address, ResourceState>,
    /// Old objects awaiting deletion after a create-before-destroy replacement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deposed: Vec<DeposedObject>,
    /// Output values as of the last apply.
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
    /// Operations that were sent (or about to be) when the last run stopped:
    /// the next plan or apply resolves each before planning.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<Intent>,
    /// Notes from loading (e.g. a torn journal record that was ignored); not stored.
    #[serde(skip)]
    pub notes: Vec<String>,
}

/// One managed resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    /// Its kind.
    pub kind: String,
    /// Its id in the cloud.
    pub id: String,
    /// Attributes as last read (sensitive ones are never stored).
    pub attrs: Attrs,
    /// Salted digests of sensitive attributes, so a changed password is
    /// detected without storing it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sensitive_digests: BTreeMap<String, String>,
    /// Attributes the configuration set when it was last applied (one
    /// copy of each distinct list in a loaded state).
    #[serde(
        default,
        deserialize_with = "shared_names::deserialize",
        serialize_with = "shared_names::serialize"
    )]
    pub configured: Names,
    /// Resources it depended on when it was last applied (deletes go in reverse).
    #[serde(default, deserialize_with = "crate::exact::vec")]
    pub dependencies: Vec<Address>,
    /// The configuration asked that it never be destroyed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prevent_destroy: bool,
    /// A create or update did not finish; the next plan replaces it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tainted: bool,
    /// The idempotency token it was created with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The provider instance it lives in (`None`: the default one; states
    /// written before there were instances have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// An old object kept until its replacement exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeposedObject {
    /// The address it was replaced at.
    pub address: Address,
    /// The object.
    pub resource: ResourceState,
}

/// An output value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputState {
    /// The value.
    pub value: serde_json::Value,
    /// Hidden unless asked for by name.
    #[serde(default)]
    pub sensitive: bool,
}

impl State {
    /// A new, empty state with a fresh lineage.
    pub fn new(stack: impl Into<String>) -> Self {
        Self {
            version: FORMAT_VERSION,
            serial: 0,
            lineage: uuid::Uuid::new_v4().to_string(),
            stack: stack.into(),
            resources: BTreeMap::new(),
            deposed: Vec::new(),
            outputs: BTreeMap::new(),
            pending: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Parses a state file, refusing unknown versions and malformed JSON.
    pub fn from_json(text: &str, origin: &str) -> Result<Self, StateError> {
        let _sharing = shared_names::Sharing::start();
        let state: State = serde_json::from_str(text).map_err(|e| StateError::Corrupt {
            path: origin.to_string(),
            reason: e.to_string(),
        })?;
        if state.version > FORMAT_VERSION {
            return Err(StateError::Corrupt {
                path: origin.to_string(),
                reason: format!(
                    "it has format version {} but this strata reads up to {FORMAT_VERSION}",
                    state.version
                ),
            });
        }
        Ok(state)
    }

    /// Increases with every persisted change; a saved plan records it.
    pub fn serial(&self) -> u64 {
        self.serial
    }

    /// Applies `changes` in memory and advances the serial: the one way a
    /// state moves to its next version. Only the session (and the applier
    /// it runs) calls it, right before persisting the same changes.
    pub(crate) fn commit(&mut self, changes: &[StateChange]) {
        for change in changes {
            self.apply_change(change);
        }
        self.serial += 1;
    }

    /// Advances the serial for changes already applied one by one (the
    /// applier stages each change as it happens and persists them together).
    pub(crate) fn commit_applied(&mut self) {
        self.serial += 1;
    }

    /// Makes `self` (a state brought in from elsewhere, e.g. `strata state
    /// push`) the successor of `current`: its serial moves past `current`'s.
    pub(crate) fn succeed(&mut self, current: &State) {
        self.serial = self.serial.max(current.serial + 1);
    }

    /// The state as pretty JSON.
    pub fn to_json(&self) -> Result<String, StateError> {
        serde_json::to_string_pretty(self).map_err(|e| StateError::Io {
            path: "state".into(),
            reason: e.to_string(),
        })
    }

    /// The value of `address.attr` as stored (`id` included).
    pub fn attr(&self, address: &Address, attr: &str) -> Option<Value> {
        let r = self.resources.get(address)?;
        if attr == "id" {
            return Some(Value::String(r.id.clone().into()));
        }
        r.attrs.get(attr).cloned()
    }

    /// The digest stored for a sensitive value.
    pub fn digest(&self, address: &Address, attr: &str, value: &Value) -> String {
        sensitive_digest(&self.lineage, address, attr, value)
    }
}

/// A salted SHA-256 of a sensitive value, as stored in [`ResourceState::sensitive_digests`].
pub fn sensitive_digest(lineage: &str, address: &Address, attr: &str, value: &Value) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(lineage.as_bytes());
    h.update([0]);
    h.update(address.as_str().as_bytes());
    h.update([0]);
    h.update(attr.as_bytes());
    h.update([0]);
    h.update(value.revealed().to_tagged_json().to_string().as_bytes());
    let digest = h.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Where state lives: loads, persists atomically, and locks it.
#[async_trait]
pub trait Backend: Send + Sync {
    /// A human description such as `.strata/state.json`.
    fn describe(&self) -> String;

    /// Loads the state (`None` when there is none yet).
    async fn load(&self) -> Result<Option<State>, StateError>;

    /// Persists the whole state atomically: after a crash either the old or
    /// the new state is there, never a mix.
    async fn persist(&self, state: &State) -> Result<(), StateError>;

    /// Persists `changes`, already applied to `state` (whose serial the
    /// caller has advanced). Backends with a journal append just the changes,
    /// so the cost follows the change, not the size of the state; the default
    /// writes the whole state.
    async fn persist_changes(
        &self,
        state: &State,
        changes: &[StateChange],
    ) -> Result<(), StateError> {
        let _ = changes;
        self.persist(state).await
    }

    /// The run holding the lock is ending with `state` as persisted: a
    /// backend with a journal may fold it into its snapshot, so the next
    /// run (a cold `strata plan`) reads one file instead of replaying. The
    /// default does nothing.
    async fn checkpoint(&self, state: &State) -> Result<(), StateError> {
        let _ = state;
        Ok(())
    }

    /// Takes the lock, failing at once (naming the holder) if someone has it.
    async fn lock(&self, info: &LockInfo) -> Result<(), StateError>;

    /// Releases a lock this process holds.
    async fn unlock(&self, id: &str) -> Result<(), StateError>;

    /// Who holds the lock now, if anyone.
    async fn lock_holder(&self) -> Result<Option<LockInfo>, StateError>;

    /// Breaks a lock whose id is `id`, whoever holds it.
    async fn force_unlock(&self, id: &str) -> Result<(), StateError>;

    /// Removes the lock `stale` if its holder is provably gone (the local
    /// backend: a dead process of this host; S3: a lease not renewed) and it
    /// is still the lock held, atomically with respect to other processes
    /// doing the same: `Ok(Some(why))` when this call removed it, `Ok(None)`
    /// otherwise. A backend that cannot tell a dead holder from a live one
    /// never breaks a lock.
    async fn break_stale(&self, stale: &LockInfo) -> Result<Option<String>, StateError> {
        let _ = stale;
        Ok(None)
    }

    /// Renews the lease of the lock `held` (taken by this run), for
    /// backends whose locks expire; others need nothing.
    async fn renew(&self, held: &LockInfo) -> Result<(), StateError> {
        let _ = held;
        Ok(())
    }
}

/// Deserializes a map in one bulk build: inserting entry by entry, as
/// serde does, leaves a B-tree's nodes about half full, which for large
/// values (a state's resources, a cloud's objects) costs a fifth again of
/// the data.
pub fn dense_map<'de, D, K, V>(d: D) -> Result<BTreeMap<K, V>, D::Error>
where
    D: serde::Deserializer<'de>,
    K: Ord + Deserialize<'de>,
    V: Deserialize<'de>,
{
    struct Entries<K, V>(std::marker::PhantomData<(K, V)>);
    impl<'de, K: Ord + Deserialize<'de>, V: Deserialize<'de>> serde::de::Visitor<'de>
        for Entries<K, V>
    {
        type Value = BTreeMap<K, V>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a map")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
            while let Some(entry) = map.next_entry()? {
                entries.push(entry);
            }
            Ok(entries.into_iter().collect())
        }
    }
    d.deserialize_map(Entries(std::marker::PhantomData))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn digests_depend_on_value_and_place() {
        let a = Address::parse("db").unwrap();
        let b = Address::parse("db2").unwrap();
        let v = Value::from("hunter2");
        let d = sensitive_digest("L", &a, "password", &v);
        assert!(d.starts_with("sha256:"));
        assert!(!d.contains("hunter2"));
        assert_eq!(d, sensitive_digest("L", &a, "password", &v));
        assert_ne!(d, sensitive_digest("L", &b, "password", &v));
        assert_ne!(d, sensitive_digest("L", &a, "password", &Value::from("x")));
    }

    #[test]
    fn a_state_as_earlier_releases_wrote_it_loads() {
        // Empty attribute maps were written as `[]` (litemap's form).
        let text = r#"{"version": 1, "serial": 7, "lineage": "L", "stack": "s",
            "resources": {
              "a": {"kind": "aws.ec2.vpc", "id": "vpc-1", "attrs": [],
                    "configured": [], "dependencies": []},
              "b": {"kind": "aws.cloudwatch.metric_alarm", "id": "x",
                    "attrs": {"dimensions": {"InstanceId": "i-1"}, "period": 60},
                    "configured": ["dimensions", "period"], "dependencies": ["a"],
                    "token": "t"}}}"#;
        let state = State::from_json(text, "state.json").unwrap();
        let b = &state.resources[&Address::parse("b").unwrap()];
        assert!(state.resources[&Address::parse("a").unwrap()]
            .attrs
            .is_empty());
        assert_eq!(b.attrs["period"], Value::Int(60));
        assert_eq!(
            b.attrs["dimensions"]
                .as_map()
                .and_then(|m| m.get("InstanceId")),
            Some(&Value::from("i-1"))
        );
        assert_eq!(&*b.configured, ["dimensions", "period"]);
        assert_eq!(b.dependencies, [Address::parse("a").unwrap()]);
        let again = State::from_json(&state.to_json().unwrap(), "state.json").unwrap();
        assert_eq!(again, state);
    }

    #[test]
    fn refuses_newer_formats_and_garbage() {
        let mut s = State::new("t");
        s.version = FORMAT_VERSION + 1;
        let text = serde_json::to_string(&s).unwrap();
        assert!(State::from_json(&text, "s.json").is_err());
        assert!(State::from_json("{\"version\": 1, \"ser", "s.json").is_err());
    }
}
