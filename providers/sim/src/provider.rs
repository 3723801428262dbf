//! [`SimProvider`]: construction, the shared world behind a mutex, and the
//! [`Provider`] trait implementation dispatching to one module per service.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use strata_core::kinds::{self, Family};
use strata_core::provider::{
    Capabilities, CreateRequest, DeleteRequest, OpStatus, Operation, PollRequest, Provider,
    ProviderError, ReadRequest, ReadResponse, UpdateRequest,
};
use strata_core::tags::is_system_tag;
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, prepare};
use crate::clock::SimClock;
use crate::cloud::{Cloud, NewResource, Record};
use crate::error::SimError;
use crate::faults::FaultConfig;
use crate::options::SimOptions;
use crate::regions::SimRegions;
use crate::store::Store;
use crate::{acm, autoscaling, cloudwatch, ec2, egress, elasticache, elbv2, network, rds, route53};
use crate::{iam, kms, sns};

/// The simulated AWS cloud, Strata's default provider. Cheap to clone: clones
/// share the same cloud.
#[derive(Debug, Clone)]
pub struct SimProvider {
    shared: Arc<Shared>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    world: Mutex<World>,
    clock: SimClock,
    options: SimOptions,
    store: Option<Store>,
    /// The other regions of the account, when made through [`SimRegions`].
    regions: Option<SimRegions>,
}

/// A provider that does not keep its cloud alive ([`SimRegions`] holds these).
#[derive(Debug, Clone)]
pub(crate) struct WeakSim(std::sync::Weak<Shared>);

impl WeakSim {
    /// The provider, if it is still in use.
    pub(crate) fn upgrade(&self) -> Option<SimProvider> {
        self.0.upgrade().map(|shared| SimProvider { shared })
    }
}

#[derive(Debug)]
struct World {
    cloud: Cloud,
    faults: FaultConfig,
    calls: u64,
    generation: u64,
}

impl SimProvider {
    /// A cloud persisted in `dir` (e.g. `.strata/sim/`), on the real clock.
    pub fn open(dir: &Path, options: SimOptions) -> Result<Self, SimError> {
        Self::open_with_clock(dir, options, SimClock::real())
    }

    /// A cloud persisted in `dir`, on the given clock.
    pub fn open_with_clock(
        dir: &Path,
        options: SimOptions,
        clock: SimClock,
    ) -> Result<Self, SimError> {
        Self::open_in(dir, options, clock, None)
    }

    /// [`SimProvider::open_with_clock`], as one of `regions`.
    pub(crate) fn open_in(
        dir: &Path,
        options: SimOptions,
        clock: SimClock,
        regions: Option<SimRegions>,
    ) -> Result<Self, SimError> {
        let store = Store::new(dir, &options.region)?;
        let cloud = store.load()?.unwrap_or_else(|| Cloud::new(&options.region));
        Ok(Self::build(cloud, options, clock, Some(store), regions))
    }

    /// Writes the whole cloud to `dir`, as [`SimProvider::open`] reads it:
    /// hands a cloud built in memory (e.g. by a benchmark) to another process.
    pub fn save_snapshot(&self, dir: &Path) -> Result<(), SimError> {
        let store = Store::new(dir, &self.shared.options.region)?;
        let world = self.shared.world.lock().unwrap_or_else(|e| e.into_inner());
        let bytes = serde_json::to_vec(&world.cloud).map_err(|source| SimError::Corrupt {
            path: store.path().to_path_buf(),
            source,
        })?;
        drop(world);
        store.write(1, &bytes)
    }

    /// A cloud that lives only in memory, on the real clock.
    pub fn in_memory(options: SimOptions) -> Self {
        Self::in_memory_with_clock(options, SimClock::real())
    }

    /// A cloud that lives only in memory, on the given clock.
    pub fn in_memory_with_clock(options: SimOptions, clock: SimClock) -> Self {
        Self::in_memory_in(options, clock, None)
    }

    /// [`SimProvider::in_memory_with_clock`], as one of `regions`.
    pub(crate) fn in_memory_in(
        options: SimOptions,
        clock: SimClock,
        regions: Option<SimRegions>,
    ) -> Self {
        let cloud = Cloud::new(&options.region);
        Self::build(cloud, options, clock, None, regions)
    }

    /// A handle that does not keep the cloud alive.
    pub(crate) fn downgrade(&self) -> WeakSim {
        WeakSim(Arc::downgrade(&self.shared))
    }

    /// The account's other regions, if made through [`SimRegions`].
    pub(crate) fn regions(&self) -> Option<&SimRegions> {
        self.shared.regions.as_ref()
    }

    /// The region this cloud is.
    pub(crate) fn region_name(&self) -> &str {
        &self.shared.options.region
    }

    fn build(
        cloud: Cloud,
        options: SimOptions,
        clock: SimClock,
        store: Option<Store>,
        regions: Option<SimRegions>,
    ) -> Self {
        let faults = options.faults.clone();
        let down = faults.az_down.clone();
        let sim = Self {
            shared: Arc::new(Shared {
                world: Mutex::new(World {
                    cloud,
                    faults,
                    calls: 0,
                    generation: 0,
                }),
                clock,
                options,
                store,
                regions,
            }),
        };
        for az in down {
            // A failure to persist here resurfaces at the next change.
            let _ = sim.set_az_down(&az, true);
        }
        sim
    }

    /// The clock the sim runs on.
    pub fn clock(&self) -> &SimClock {
        &self.shared.clock
    }

    /// The options the sim was made with.
    pub fn options(&self) -> &SimOptions {
        &self.shared.options
    }

    /// The file the cloud is persisted in, if it is persisted.
    pub fn path(&self) -> Option<&Path> {
        self.shared.store.as_ref().map(Store::path)
    }

    /// Runs `f` on the cloud at the current time, persisting afterwards if
    /// `f` succeeded and `mutates`, or if time completed a delete.
    pub(crate) fn with_cloud<R>(
        &self,
        mutates: bool,
        f: impl FnOnce(&mut Cloud, &mut FaultConfig) -> Result<R, ProviderError>,
    ) -> Result<R, ProviderError> {
        self.call(None, mutates, f)
    }

    pub(crate) fn call<R>(
        &self,
        faulted: Option<&str>,
        mutates: bool,
        f: impl FnOnce(&mut Cloud, &mut FaultConfig) -> Result<R, ProviderError>,
    ) -> Result<R, ProviderError> {
        let mut world = self.shared.world.lock().unwrap_or_else(|e| e.into_inner());
        let w = &mut *world;
        w.cloud.now = self.shared.clock.now_ms();
        w.cloud.speed = self.shared.options.speed;
        w.cloud.bad_versions.clone_from(&w.faults.bad_versions);
        let ticked = w.cloud.tick();
        let result = match faulted {
            Some(kind) => {
                w.calls += 1;
                if w.faults.throttles(w.calls) {
                    Err(ProviderError::Transient {
                        code: "Throttling".into(),
                        message: format!("Rate exceeded (sim call on {kind})"),
                    })
                } else {
                    f(&mut w.cloud, &mut w.faults)
                }
            }
            None => f(&mut w.cloud, &mut w.faults),
        };
        let changed = ticked || (mutates && result.is_ok());
        let Some(store) = &self.shared.store else {
            return result;
        };
        if !changed {
            return result;
        }
        w.generation += 1;
        let generation = w.generation;
        let bytes = serde_json::to_vec(&w.cloud).map_err(|e| ProviderError::Config {
            message: format!("cannot serialize the simulated cloud: {e}"),
            help: None,
        })?;
        drop(world);
        store
            .write(generation, &bytes)
            .map_err(|e| ProviderError::Config {
                message: e.to_string(),
                help: Some(format!(
                    "the sim could not save its cloud to {}",
                    store.path().display()
                )),
            })?;
        result
    }

    pub(crate) async fn latency(&self, kind: &str) {
        if let Some(d) = self.shared.options.latency_for(kind) {
            tokio::time::sleep(d).await;
        }
    }
}

/// The attributes a read returns for a record.
pub(crate) fn render(c: &Cloud, rec: &Record) -> Attrs {
    let mut out = Attrs::new();
    let schema = kinds::schema_of(&rec.kind);
    for (name, value) in rec.attrs.iter().chain(rec.computed.iter()) {
        let Some(attr) = schema.and_then(|s| s.attr(name)) else {
            continue;
        };
        if attr.sensitive || name == "tags" {
            continue;
        }
        out.insert(name.clone(), value.clone());
    }
    if rec.user_tags {
        let tags = rec
            .tags
            .iter()
            .filter(|(k, _)| !is_system_tag(k))
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        out.insert("tags".into(), Value::Map(tags));
    }
    match Family::of(&rec.kind) {
        Some(Family::Network) => network::live(c, rec, &mut out),
        Some(Family::Ec2) => ec2::live(c, rec, &mut out),
        Some(Family::Egress) => egress::live(c, rec, &mut out),
        Some(Family::Elbv2) => elbv2::live(c, rec, &mut out),
        Some(Family::Autoscaling) => autoscaling::live(c, rec, &mut out),
        Some(Family::Rds) => rds::live(c, rec, &mut out),
        Some(Family::Elasticache) => elasticache::live(c, rec, &mut out),
        Some(Family::Cloudwatch) => cloudwatch::live(c, rec, &mut out),
        Some(Family::Iam) => iam::live(c, rec, &mut out),
        Some(Family::Kms) => kms::live(c, rec, &mut out),
        Some(Family::Sns) => sns::live(c, rec, &mut out),
        Some(Family::Route53) => route53::live(c, rec, &mut out),
        Some(Family::Acm) => acm::live(c, rec, &mut out),
        None => {}
    }
    out
}

fn unsupported(kind: &str) -> ProviderError {
    ProviderError::Unsupported {
        kind: kind.to_string(),
    }
}

/// When a record is ready, counting what it waits for (an ASG's instances).
fn ready_at(c: &Cloud, rec: &Record) -> u64 {
    match Family::of(&rec.kind) {
        Some(Family::Autoscaling) => autoscaling::ready_at(c, rec),
        Some(Family::Acm) => acm::ready_at(c, rec),
        _ => rec.ready_at(),
    }
}

/// `Done` if the record is ready, else `Pending` with a sensible wait.
fn status_of(c: &Cloud, kind: &str, id: &str) -> Result<OpStatus, ProviderError> {
    let rec = c.get(kind, id).ok_or_else(|| ProviderError::NotFound {
        kind: kind.to_string(),
        id: id.to_string(),
    })?;
    let ready = ready_at(c, rec);
    let attrs = render(c, rec);
    if c.now >= ready && !rec.is_deleting() {
        return Ok(OpStatus::Done {
            id: id.to_string(),
            attrs,
        });
    }
    Ok(pending(c, rec, ready, attrs))
}

fn pending(c: &Cloud, rec: &Record, ready: u64, attrs: Attrs) -> OpStatus {
    let remaining = ready.saturating_sub(c.now);
    let wait = (remaining / 3).clamp(50, 20_000).min(remaining.max(50));
    OpStatus::Pending {
        id: rec.id.clone(),
        attrs,
        retry_after: Duration::from_millis(wait),
        status: match Family::of(&rec.kind) {
            Some(Family::Acm) if !rec.is_deleting() => acm::status(c, rec),
            _ => rec.status(c.now).to_string(),
        },
    }
}

fn delete_status(c: &Cloud, kind: &str, id: &str) -> OpStatus {
    match c.get(kind, id) {
        None => OpStatus::Done {
            id: id.to_string(),
            attrs: Attrs::new(),
        },
        Some(rec) => pending(c, rec, rec.deleting.unwrap_or(c.now), Attrs::new()),
    }
}

#[async_trait]
impl Provider for SimProvider {
    fn name(&self) -> &str {
        "sim"
    }

    fn region(&self) -> &str {
        &self.shared.options.region
    }

    /// Signals from simulated traffic, drill operations, AZ outages; time
    /// runs at the sim's speed; its endpoints answer no connections.
    fn capabilities(&self) -> Capabilities<'_> {
        Capabilities::none()
            .with_lookups(self)
            .with_secrets(self)
            .with_signals(self)
            .with_drill_ops(self)
            .with_zone_outage(self)
            .with_time_scale(self.shared.options.speed)
            .with_unreachable_endpoints()
    }

    async fn read(&self, req: ReadRequest) -> Result<ReadResponse, ProviderError> {
        self.latency(&req.kind).await;
        self.call(Some(&req.kind), false, |c, _| {
            if kinds::schema_of(&req.kind).is_none() {
                return Err(unsupported(&req.kind));
            }
            let mut resp = ReadResponse::default();
            for t in &req.targets {
                if let Some(rec) = c.get(&req.kind, &t.id) {
                    resp.found.insert(t.id.clone(), render(c, rec));
                }
            }
            Ok(resp)
        })
    }

    async fn create(&self, req: CreateRequest) -> Result<OpStatus, ProviderError> {
        self.latency(&req.kind).await;
        // Read from its region before this one's cloud is locked.
        let foreign = self.foreign_source(&req)?;
        self.call(Some(&req.kind), true, |c, faults| {
            if let Some(id) = c.by_token(&req.kind, &req.token).cloned() {
                if c.get(&req.kind, &id).is_some() {
                    return status_of(c, &req.kind, &id);
                }
            }
            if faults.fails_create(req.address.as_str(), &req.kind) {
                return Err(api(
                    "InternalFailure",
                    format!(
                        "The request processing has failed because of an unknown error (injected fault on {})",
                        req.address
                    ),
                ));
            }
            let new = NewResource {
                attrs: prepare(&req.kind, &req.attrs)?,
                req: &req,
                foreign,
            };
            let id = match Family::of(&req.kind) {
                Some(Family::Network) => network::create(c, new)?,
                Some(Family::Ec2) => ec2::create(c, new)?,
                Some(Family::Egress) => egress::create(c, new)?,
                Some(Family::Elbv2) => elbv2::create(c, new)?,
                Some(Family::Autoscaling) => autoscaling::create(c, new)?,
                Some(Family::Rds) => rds::create(c, new)?,
                Some(Family::Elasticache) => elasticache::create(c, new)?,
                Some(Family::Cloudwatch) => cloudwatch::create(c, new)?,
            Some(Family::Iam) => iam::create(c, new)?,
            Some(Family::Kms) => kms::create(c, new)?,
            Some(Family::Sns) => sns::create(c, new)?,
                Some(Family::Route53) => route53::create(c, new)?,
                Some(Family::Acm) => acm::create(c, new)?,
                None => return Err(unsupported(&req.kind)),
            };
            status_of(c, &req.kind, &id)
        })
    }

    async fn update(&self, req: UpdateRequest) -> Result<OpStatus, ProviderError> {
        self.latency(&req.kind).await;
        self.call(Some(&req.kind), true, |c, _| {
            if c.live(&req.kind, &req.id).is_none() {
                return Err(ProviderError::NotFound {
                    kind: req.kind.clone(),
                    id: req.id.clone(),
                });
            }
            let attrs = prepare(&req.kind, &req.attrs)?;
            match Family::of(&req.kind) {
                Some(Family::Network) => network::update(c, &req, attrs)?,
                Some(Family::Ec2) => ec2::update(c, &req, attrs)?,
                Some(Family::Egress) => egress::update(c, &req, attrs)?,
                Some(Family::Elbv2) => elbv2::update(c, &req, attrs)?,
                Some(Family::Autoscaling) => autoscaling::update(c, &req, attrs)?,
                Some(Family::Rds) => rds::update(c, &req, attrs)?,
                Some(Family::Elasticache) => elasticache::update(c, &req, attrs)?,
                Some(Family::Cloudwatch) => cloudwatch::update(c, &req, attrs)?,
                Some(Family::Iam) => iam::update(c, &req, attrs)?,
                Some(Family::Kms) => kms::update(c, &req, attrs)?,
                Some(Family::Sns) => sns::update(c, &req, attrs)?,
                Some(Family::Route53) => route53::update(c, &req, attrs)?,
                Some(Family::Acm) => acm::update(c, &req, attrs)?,
                None => return Err(unsupported(&req.kind)),
            }
            status_of(c, &req.kind, &req.id)
        })
    }

    async fn delete(&self, req: DeleteRequest) -> Result<OpStatus, ProviderError> {
        self.latency(&req.kind).await;
        self.check_foreign_replicas(&req.kind, &req.id)?;
        self.call(Some(&req.kind), true, |c, _| {
            let Some(rec) = c.get(&req.kind, &req.id) else {
                return Err(ProviderError::NotFound {
                    kind: req.kind.clone(),
                    id: req.id.clone(),
                });
            };
            if rec.is_deleting() {
                return Ok(delete_status(c, &req.kind, &req.id));
            }
            match Family::of(&req.kind) {
                Some(Family::Network) => network::delete(c, &req)?,
                Some(Family::Ec2) => ec2::delete(c, &req)?,
                Some(Family::Egress) => egress::delete(c, &req)?,
                Some(Family::Elbv2) => elbv2::delete(c, &req)?,
                Some(Family::Autoscaling) => autoscaling::delete(c, &req)?,
                Some(Family::Rds) => rds::delete(c, &req)?,
                Some(Family::Elasticache) => elasticache::delete(c, &req)?,
                Some(Family::Cloudwatch) => cloudwatch::delete(c, &req)?,
                Some(Family::Iam) => iam::delete(c, &req)?,
                Some(Family::Kms) => kms::delete(c, &req)?,
                Some(Family::Sns) => sns::delete(c, &req)?,
                Some(Family::Route53) => route53::delete(c, &req)?,
                Some(Family::Acm) => acm::delete(c, &req)?,
                None => return Err(unsupported(&req.kind)),
            }
            Ok(delete_status(c, &req.kind, &req.id))
        })
    }

    async fn poll(&self, req: PollRequest) -> Result<OpStatus, ProviderError> {
        self.latency(&req.kind).await;
        self.call(Some(&req.kind), false, |c, _| match req.operation {
            Operation::Delete => Ok(delete_status(c, &req.kind, &req.id)),
            Operation::Create | Operation::Update => status_of(c, &req.kind, &req.id),
        })
    }

    async fn find_by_token(
        &self,
        kind: &str,
        token: &str,
    ) -> Result<Option<(String, Attrs)>, ProviderError> {
        self.latency(kind).await;
        self.call(Some(kind), false, |c, _| {
            let found = c
                .by_token(kind, token)
                .cloned()
                .and_then(|id| c.get(kind, &id))
                .map(|rec| (rec.id.clone(), render(c, rec)));
            Ok(found)
        })
    }
}
