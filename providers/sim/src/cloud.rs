//! The world model: every cloud object as a [`Record`] keyed by kind and id,
//! with the indexes (names, idempotency tokens, pending removals, target
//! registrations, ASG membership) that keep each call O(log n).
//!
//! Status is a timeline: a record holds the phases it goes through
//! (`creating` until t1, `backing-up` until t2, …) and the status it settles
//! in, so the status at any instant is computed, not ticked. Only removals at
//! the end of a delete need [`Cloud::tick`].

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use strata_core::kinds;
use strata_core::provider::CreateRequest;
use strata_core::tags::{address_tag_value, is_system_tag, ADDRESS_TAG, STACK_TAG};
use strata_core::value::{Attrs, Name, Value};

use crate::clock::scaled_ms;
use crate::objects::{CacheNode, DbSnapshot};

/// One stretch of a record's timeline: `status` until `until` (unix ms).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    /// The status during the phase.
    pub status: Name,
    /// When the phase ends.
    pub until: u64,
}

/// An object's tags, in key order (a sorted vector: objects have a handful;
/// keys and values up to 24 bytes are stored inline).
pub type Tags = litemap::LiteMap<Name, Name>;

/// One cloud object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// Its kind.
    pub kind: String,
    /// Its id.
    pub id: String,
    /// Configured attributes, schema defaults filled, sensitive ones removed.
    pub attrs: Attrs,
    /// Computed attributes fixed at creation (`arn`, `dns_name`, …).
    pub computed: Attrs,
    /// Every tag, system tags included.
    #[serde(deserialize_with = "strata_core::exact::map")]
    pub tags: Tags,
    /// Whether the user gave `tags` (read returns them only then).
    pub user_tags: bool,
    /// The idempotency token of its create, if Strata made it.
    pub token: Option<String>,
    /// When it was created.
    pub created_ms: u64,
    /// The phases it goes through before settling.
    #[serde(deserialize_with = "strata_core::exact::vec")]
    pub phases: Vec<Phase>,
    /// The status after the last phase.
    pub settled: Name,
    /// When a delete in progress completes.
    pub deleting: Option<u64>,
    /// The autoscaling group that launched it (instances only).
    pub owner: Option<String>,
    /// Its key in the name index, if its name must be unique.
    pub name_key: Option<String>,
}

impl Record {
    /// A record made now, tagged from `attrs["tags"]` plus `system` tags.
    pub fn new(kind: &str, id: String, attrs: Attrs, system: &[(&str, &str)], now: u64) -> Self {
        let mut rec = Self {
            kind: kind.to_string(),
            id,
            attrs,
            computed: Attrs::new(),
            tags: Tags::new(),
            user_tags: false,
            token: None,
            created_ms: now,
            phases: Vec::new(),
            settled: "available".into(),
            deleting: None,
            owner: None,
            name_key: None,
        };
        for (k, v) in system {
            rec.tags.insert((*k).into(), (*v).into());
        }
        rec.retag();
        rec
    }

    /// Re-derives user tags from `attrs["tags"]`, keeping system tags.
    pub fn retag(&mut self) {
        self.tags.retain(|k, _| is_system_tag(k));
        self.user_tags = false;
        if let Some(map) = self.attrs.get("tags").and_then(Value::as_map) {
            self.user_tags = true;
            for (k, v) in map {
                if let Some(v) = v.as_str() {
                    self.tags.insert(k.clone(), v.into());
                }
            }
        }
    }

    /// The status at `now`.
    pub fn status(&self, now: u64) -> &str {
        self.phases
            .iter()
            .find(|p| now < p.until)
            .map_or(self.settled.as_str(), |p| p.status.as_str())
    }

    /// When the record's own timeline ends.
    pub fn ready_at(&self) -> u64 {
        self.phases.last().map_or(self.created_ms, |p| p.until)
    }

    /// Whether a delete is in progress.
    pub fn is_deleting(&self) -> bool {
        self.deleting.is_some()
    }

    /// A string attribute: the computed value (the cloud's truth, e.g. a DB's
    /// AZ after failover) or else the configured one.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.computed
            .get(name)
            .or_else(|| self.attrs.get(name))
            .and_then(Value::as_str)
    }
}

/// The simulated cloud of one region.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Cloud {
    /// The region.
    pub region: String,
    /// Objects by kind, then id (ids are stored inline, so a lookup compares
    /// keys without following a pointer for each).
    #[serde(deserialize_with = "dense_objects")]
    pub objects: BTreeMap<String, BTreeMap<Name, Record>>,
    /// Unique names (`kind|scope|name`) to ids.
    #[serde(deserialize_with = "strata_core::state::dense_map")]
    pub names: BTreeMap<String, String>,
    /// Create tokens (`kind|token`) to ids. Derived from the records, so
    /// not saved (a saved one is ignored): built on first use, which a plan
    /// (it only reads) never makes.
    #[serde(skip)]
    tokens: Option<BTreeMap<String, String>>,
    /// Deletes to complete: (when, kind, id).
    pub removals: BTreeSet<(u64, String, String)>,
    /// Registered targets by target group ARN: target id → registered at.
    pub targets: BTreeMap<String, BTreeMap<String, u64>>,
    /// Instances launched by each autoscaling group.
    pub asg_members: BTreeMap<String, BTreeSet<String>>,
    /// Every version of each launch template (index 0 is version 1).
    pub lt_versions: BTreeMap<String, Vec<Attrs>>,
    /// Nodes of each Redis replication group, primary first.
    pub cache_nodes: BTreeMap<String, Vec<CacheNode>>,
    /// DB snapshots by id.
    pub snapshots: BTreeMap<String, DbSnapshot>,
    /// Cache (Redis) snapshots by name.
    #[serde(default)]
    pub cache_snapshots: BTreeMap<String, crate::objects::CacheSnapshot>,
    /// Availability zones that are down.
    pub az_down: BTreeSet<String>,
    /// Next host number per subnet, for private IPs.
    pub ip_next: BTreeMap<String, u32>,
    /// Every weight change of each listener, for simulated traffic.
    #[serde(default)]
    pub weight_history: BTreeMap<String, Vec<crate::objects::WeightChange>>,
    /// What exists in the account outside Strata (hosted zones,
    /// certificates), for lookups.
    #[serde(default)]
    pub account: crate::objects::Account,
    /// Now (unix ms), set at each call.
    #[serde(skip)]
    pub now: u64,
    /// Speed, set at each call.
    #[serde(skip)]
    pub speed: f64,
    /// The faulty application versions, set at each call (alarms are
    /// evaluated from the traffic they serve).
    #[serde(skip)]
    pub bad_versions: Vec<crate::faults::VersionFault>,
}

impl Cloud {
    /// An empty cloud.
    pub fn new(region: &str) -> Self {
        Self {
            region: region.to_string(),
            ..Self::default()
        }
    }

    /// The instant `secs` of AWS time from now.
    pub fn after(&self, secs: f64) -> u64 {
        self.now.saturating_add(scaled_ms(secs, self.speed))
    }

    /// Consecutive phases starting now, each lasting its AWS seconds.
    pub fn timeline(&self, phases: &[(&str, f64)]) -> Vec<Phase> {
        let mut at = self.now;
        phases
            .iter()
            .map(|(status, secs)| {
                at = at.saturating_add(scaled_ms(*secs, self.speed));
                Phase {
                    status: (*status).into(),
                    until: at,
                }
            })
            .collect()
    }

    /// The availability zones sims place things in by default.
    pub fn default_azs(&self) -> Vec<String> {
        ['a', 'b', 'c']
            .iter()
            .map(|l| format!("{}{l}", self.region))
            .collect()
    }

    /// Whether an AZ is down.
    pub fn az_is_down(&self, az: &str) -> bool {
        self.az_down.contains(az)
    }

    /// A record, deleting or not.
    pub fn get(&self, kind: &str, id: &str) -> Option<&Record> {
        self.objects.get(kind)?.get(id)
    }

    /// A record to change.
    pub fn get_mut(&mut self, kind: &str, id: &str) -> Option<&mut Record> {
        self.objects.get_mut(kind)?.get_mut(id)
    }

    /// A record that exists and is not being deleted.
    pub fn live(&self, kind: &str, id: &str) -> Option<&Record> {
        self.get(kind, id).filter(|r| !r.is_deleting())
    }

    /// Every record of a kind.
    pub fn records(&self, kind: &str) -> impl Iterator<Item = &Record> {
        self.objects.get(kind).into_iter().flat_map(|m| m.values())
    }

    /// Every live record of a kind.
    pub fn live_records(&self, kind: &str) -> impl Iterator<Item = &Record> {
        self.records(kind).filter(|r| !r.is_deleting())
    }

    /// The id holding a unique name, if any.
    pub fn named(&self, key: &str) -> Option<&String> {
        self.names.get(key)
    }

    /// The id of the `kind` object created with idempotency token `token`.
    pub fn by_token(&mut self, kind: &str, token: &str) -> Option<&String> {
        let objects = &self.objects;
        let index = self.tokens.get_or_insert_with(|| {
            objects
                .values()
                .flat_map(BTreeMap::values)
                .filter_map(|r| Some((format!("{}|{}", r.kind, r.token.as_ref()?), r.id.clone())))
                .collect()
        });
        index.get(&format!("{kind}|{token}"))
    }

    /// Adds a record and indexes it.
    pub fn insert(&mut self, rec: Record) {
        if let Some(key) = &rec.name_key {
            self.names.insert(key.clone(), rec.id.clone());
        }
        if let (Some(index), Some(token)) = (&mut self.tokens, &rec.token) {
            index.insert(format!("{}|{token}", rec.kind), rec.id.clone());
        }
        self.objects
            .entry(rec.kind.clone())
            .or_default()
            .insert(rec.id.as_str().into(), rec);
    }

    /// Starts deleting a record: `status` for `secs` of AWS time, then gone.
    pub fn start_delete(&mut self, kind: &str, id: &str, status: &str, secs: f64) {
        let until = self.after(secs);
        let now = self.now;
        let Some(rec) = self.get_mut(kind, id) else {
            return;
        };
        if rec.is_deleting() {
            return;
        }
        rec.phases = vec![Phase {
            status: status.into(),
            until,
        }];
        rec.settled = "deleted".into();
        rec.deleting = Some(until);
        if until <= now {
            self.remove(kind, id);
        } else {
            self.removals
                .insert((until, kind.to_string(), id.to_string()));
        }
    }

    /// Removes a record at once, with everything that hangs off it.
    pub fn remove(&mut self, kind: &str, id: &str) -> Option<Record> {
        let rec = self.objects.get_mut(kind)?.remove(id)?;
        if let Some(key) = &rec.name_key {
            if self.names.get(key) == Some(&rec.id) {
                self.names.remove(key);
            }
        }
        if let (Some(index), Some(token)) = (&mut self.tokens, &rec.token) {
            index.remove(&format!("{kind}|{token}"));
        }
        if let Some(until) = rec.deleting {
            self.removals
                .remove(&(until, kind.to_string(), id.to_string()));
        }
        match kind {
            kinds::INSTANCE => {
                for targets in self.targets.values_mut() {
                    targets.remove(id);
                }
                if let Some(owner) = &rec.owner {
                    if let Some(members) = self.asg_members.get_mut(owner) {
                        members.remove(id);
                    }
                }
            }
            kinds::TARGET_GROUP => {
                self.targets.remove(id);
            }
            kinds::LISTENER => {
                self.weight_history.remove(id);
            }
            kinds::AUTOSCALING_GROUP => {
                self.asg_members.remove(id);
            }
            kinds::LAUNCH_TEMPLATE => {
                self.lt_versions.remove(id);
            }
            kinds::REPLICATION_GROUP => {
                self.cache_nodes.remove(id);
            }
            _ => {}
        }
        Some(rec)
    }

    /// Completes every delete due by now; says whether anything changed.
    pub fn tick(&mut self) -> bool {
        let mut changed = false;
        while let Some(first) = self.removals.first().cloned() {
            if first.0 > self.now {
                break;
            }
            self.removals.remove(&first);
            let (until, kind, id) = first;
            if self.get(&kind, &id).and_then(|r| r.deleting) == Some(until) {
                self.remove(&kind, &id);
            }
            changed = true;
        }
        changed
    }

    /// The next private IP in a subnet.
    pub fn next_ip(&mut self, subnet_id: &str, cidr: &str) -> String {
        let n = self.ip_next.entry(subnet_id.to_string()).or_insert(0);
        let ip =
            crate::ids::Cidr::parse(cidr).map_or_else(|| "10.0.0.4".to_string(), |c| c.host(*n));
        *n = n.wrapping_add(1);
        ip
    }
}

/// Objects by kind, each kind's map built densely (see
/// [`strata_core::state::dense_map`]).
fn dense_objects<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, BTreeMap<Name, Record>>, D::Error> {
    struct Kind(BTreeMap<Name, Record>);
    impl<'de> Deserialize<'de> for Kind {
        fn deserialize<D2: serde::Deserializer<'de>>(d: D2) -> Result<Self, D2::Error> {
            strata_core::state::dense_map(d).map(Kind)
        }
    }
    let kinds: BTreeMap<String, Kind> = Deserialize::deserialize(d)?;
    Ok(kinds.into_iter().map(|(k, v)| (k, v.0)).collect())
}

/// A create as the services see it: the request and its prepared attributes
/// (schema defaults filled, sensitive values removed).
pub(crate) struct NewResource<'a> {
    pub req: &'a CreateRequest,
    pub attrs: Attrs,
    /// A record in another region the create refers to: a cross-region
    /// read replica's source (read from its region beforehand).
    pub foreign: Option<Record>,
}

impl NewResource<'_> {
    /// A record for this create with id `id`, tagged and carrying its token.
    pub fn record(&self, c: &Cloud, id: String) -> Record {
        let address = address_tag_value(self.req.address.as_str());
        let mut rec = Record::new(
            &self.req.kind,
            id,
            self.attrs.clone(),
            &[
                (STACK_TAG, self.req.stack.as_str()),
                (ADDRESS_TAG, address.as_str()),
            ],
            c.now,
        );
        rec.token = Some(self.req.token.clone());
        rec
    }
}
