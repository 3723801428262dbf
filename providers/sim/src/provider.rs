//! [`SimProvider`]: construction, the shared world behind a mutex, and the
//! [`Provider`] trait implementation dispatching to one module per service.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use strata_core::drill::{
    CacheReplicationGroup, CreateDbSnapshotRequest, DbInstance, DbSnapshot,
    DescribeDbSnapshotsRequest, DrillResource, RenameDbRequest, RestoreDbRequest,
};
use strata_core::kinds;
use strata_core::provider::{
    CreateRequest, DeleteRequest, MetricsRequest, OpStatus, Operation, PollRequest, Provider,
    ProviderError, ReadRequest, ReadResponse, TargetHealth, TargetMetrics, UpdateRequest,
};
use strata_core::value::{Attrs, Value};

use crate::attrs::{api, prepare};
use crate::clock::SimClock;
use crate::cloud::{is_system_tag, Cloud, Record, ADDRESS_TAG, STACK_TAG};
use crate::error::SimError;
use crate::faults::FaultConfig;
use crate::options::SimOptions;
use crate::store::Store;
use crate::{autoscaling, cloudwatch, drill_ops, ec2, elasticache, elbv2, network, rds, snapshots};

/// The simulated AWS cloud, Strata's default provider. Cheap to clone: clones
/// share the same cloud.
#[derive(Debug, Clone)]
pub struct SimProvider {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    world: Mutex<World>,
    /// The persisted cloud being read on another thread ([`SimProvider::open`]),
    /// until the first call takes it.
    loading: Mutex<Option<Loading>>,
    clock: SimClock,
    options: SimOptions,
    store: Option<Store>,
}

#[derive(Debug)]
struct World {
    cloud: Cloud,
    faults: FaultConfig,
    calls: u64,
    generation: u64,
    /// The persisted cloud could not be read: every call fails with this.
    unreadable: Option<ProviderError>,
}

/// A cloud being read from its store on another thread.
type Loading = std::thread::JoinHandle<Result<Option<Cloud>, SimError>>;

/// A create as the services see it: the request and its prepared attributes
/// (schema defaults filled, sensitive values removed).
pub(crate) struct NewResource<'a> {
    pub req: &'a CreateRequest,
    pub attrs: Attrs,
}

impl NewResource<'_> {
    /// A record for this create with id `id`, tagged and carrying its token.
    pub fn record(&self, c: &Cloud, id: String) -> Record {
        let mut rec = Record::new(
            &self.req.kind,
            id,
            self.attrs.clone(),
            &[
                (STACK_TAG, self.req.stack.as_str()),
                (ADDRESS_TAG, self.req.address.as_str()),
            ],
            c.now,
        );
        rec.token = Some(self.req.token.clone());
        rec
    }
}

impl SimProvider {
    /// A cloud persisted in `dir` (e.g. `.strata/sim/`), on the real clock.
    pub fn open(dir: &Path, options: SimOptions) -> Result<Self, SimError> {
        Self::open_with_clock(dir, options, SimClock::real())
    }

    /// A cloud persisted in `dir`, on the given clock.
    ///
    /// The cloud is read on another thread while the caller goes on (a
    /// `strata plan` loads its state and builds its graph meanwhile); the
    /// first call waits for it. A file that cannot be read fails that call
    /// and every later one.
    pub fn open_with_clock(
        dir: &Path,
        options: SimOptions,
        clock: SimClock,
    ) -> Result<Self, SimError> {
        let store = Store::new(dir, &options.region)?;
        let path = store.path().to_path_buf();
        let loading = std::thread::Builder::new()
            .name("sim-load".into())
            .spawn(move || Store::load_from(&path))
            .map_err(|source| SimError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        let cloud = Cloud::new(&options.region);
        Ok(Self::build(
            cloud,
            options,
            clock,
            Some(store),
            Some(loading),
        ))
    }

    /// Writes the whole cloud to `dir`, as [`SimProvider::open`] reads it:
    /// hands a cloud built in memory (e.g. by a benchmark) to another process.
    pub fn save_snapshot(&self, dir: &Path) -> Result<(), SimError> {
        let store = Store::new(dir, &self.shared.options.region)?;
        let world = self.world();
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
        let cloud = Cloud::new(&options.region);
        Self::build(cloud, options, clock, None, None)
    }

    fn build(
        cloud: Cloud,
        options: SimOptions,
        clock: SimClock,
        store: Option<Store>,
        loading: Option<Loading>,
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
                    unreadable: None,
                }),
                loading: Mutex::new(loading),
                clock,
                options,
                store,
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

    /// The world, once the persisted cloud (if any) is read.
    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        let mut world = self.shared.world.lock().unwrap_or_else(|e| e.into_inner());
        let loading = self
            .shared
            .loading
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(loading) = loading {
            let unreadable = |message: String| ProviderError::Config {
                message,
                help: Some("delete the file to start from an empty simulated cloud".into()),
            };
            match loading.join() {
                Ok(Ok(Some(cloud))) => world.cloud = cloud,
                Ok(Ok(None)) => {}
                Ok(Err(e)) => {
                    let cause = std::error::Error::source(&e)
                        .map_or_else(String::new, |s| format!(": {s}"));
                    world.unreadable = Some(unreadable(format!("{e}{cause}")));
                }
                Err(_) => {
                    world.unreadable = Some(unreadable(
                        "reading the simulated cloud panicked".to_string(),
                    ));
                }
            }
        }
        world
    }

    fn call<R>(
        &self,
        faulted: Option<&str>,
        mutates: bool,
        f: impl FnOnce(&mut Cloud, &mut FaultConfig) -> Result<R, ProviderError>,
    ) -> Result<R, ProviderError> {
        let mut world = self.world();
        let w = &mut *world;
        if let Some(e) = &w.unreadable {
            return Err(e.clone());
        }
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

    async fn latency(&self, kind: &str) {
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
            .map(|(k, v)| (k.clone(), Value::String(v.clone().into())))
            .collect();
        out.insert("tags".into(), Value::Map(tags));
    }
    match family(&rec.kind) {
        Family::Network => network::live(c, rec, &mut out),
        Family::Ec2 => ec2::live(c, rec, &mut out),
        Family::Elbv2 => elbv2::live(c, rec, &mut out),
        Family::Autoscaling => autoscaling::live(c, rec, &mut out),
        Family::Rds => rds::live(c, rec, &mut out),
        Family::Elasticache => elasticache::live(c, rec, &mut out),
        Family::Cloudwatch => cloudwatch::live(c, rec, &mut out),
        Family::Unknown => {}
    }
    out
}

#[derive(Clone, Copy)]
enum Family {
    Network,
    Ec2,
    Elbv2,
    Autoscaling,
    Rds,
    Elasticache,
    Cloudwatch,
    Unknown,
}

fn family(kind: &str) -> Family {
    match kind {
        kinds::VPC
        | kinds::SUBNET
        | kinds::INTERNET_GATEWAY
        | kinds::ROUTE_TABLE
        | kinds::SECURITY_GROUP => Family::Network,
        kinds::LAUNCH_TEMPLATE | kinds::INSTANCE => Family::Ec2,
        kinds::LOAD_BALANCER | kinds::TARGET_GROUP | kinds::LISTENER => Family::Elbv2,
        kinds::AUTOSCALING_GROUP | kinds::SCALING_POLICY => Family::Autoscaling,
        kinds::DB_SUBNET_GROUP | kinds::DB_INSTANCE => Family::Rds,
        kinds::CACHE_SUBNET_GROUP | kinds::REPLICATION_GROUP => Family::Elasticache,
        kinds::METRIC_ALARM => Family::Cloudwatch,
        _ => Family::Unknown,
    }
}

fn unsupported(kind: &str) -> ProviderError {
    ProviderError::Unsupported {
        kind: kind.to_string(),
    }
}

/// When a record is ready, counting what it waits for (an ASG's instances).
fn ready_at(c: &Cloud, rec: &Record) -> u64 {
    match family(&rec.kind) {
        Family::Autoscaling => autoscaling::ready_at(c, rec),
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
        status: rec.status(c.now).to_string(),
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
        self.call(Some(&req.kind), true, |c, faults| {
            let token_key = format!("{}|{}", req.kind, req.token);
            if let Some(id) = c.tokens.get(&token_key).cloned() {
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
            };
            let id = match family(&req.kind) {
                Family::Network => network::create(c, new)?,
                Family::Ec2 => ec2::create(c, new)?,
                Family::Elbv2 => elbv2::create(c, new)?,
                Family::Autoscaling => autoscaling::create(c, new)?,
                Family::Rds => rds::create(c, new)?,
                Family::Elasticache => elasticache::create(c, new)?,
                Family::Cloudwatch => cloudwatch::create(c, new)?,
                Family::Unknown => return Err(unsupported(&req.kind)),
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
            match family(&req.kind) {
                Family::Network => network::update(c, &req, attrs)?,
                Family::Ec2 => ec2::update(c, &req, attrs)?,
                Family::Elbv2 => elbv2::update(c, &req, attrs)?,
                Family::Autoscaling => autoscaling::update(c, &req, attrs)?,
                Family::Rds => rds::update(c, &req, attrs)?,
                Family::Elasticache => elasticache::update(c, &req, attrs)?,
                Family::Cloudwatch => cloudwatch::update(c, &req, attrs)?,
                Family::Unknown => return Err(unsupported(&req.kind)),
            }
            status_of(c, &req.kind, &req.id)
        })
    }

    async fn delete(&self, req: DeleteRequest) -> Result<OpStatus, ProviderError> {
        self.latency(&req.kind).await;
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
            match family(&req.kind) {
                Family::Network => network::delete(c, &req)?,
                Family::Ec2 => ec2::delete(c, &req)?,
                Family::Elbv2 => elbv2::delete(c, &req)?,
                Family::Autoscaling => autoscaling::delete(c, &req)?,
                Family::Rds => rds::delete(c, &req)?,
                Family::Elasticache => elasticache::delete(c, &req)?,
                Family::Cloudwatch => cloudwatch::delete(c, &req)?,
                Family::Unknown => return Err(unsupported(&req.kind)),
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

    async fn target_health(
        &self,
        target_group_arn: &str,
    ) -> Result<Vec<TargetHealth>, ProviderError> {
        self.latency(kinds::TARGET_GROUP).await;
        self.call(Some(kinds::TARGET_GROUP), false, |c, f| {
            if c.live(kinds::TARGET_GROUP, target_group_arn).is_none() {
                return Err(api(
                    "TargetGroupNotFound",
                    format!("Target group '{target_group_arn}' not found"),
                ));
            }
            Ok(crate::traffic::target_health(c, f, target_group_arn))
        })
    }

    async fn target_metrics(&self, req: MetricsRequest) -> Result<TargetMetrics, ProviderError> {
        self.latency(kinds::METRIC_ALARM).await;
        self.call(Some(kinds::METRIC_ALARM), false, |c, f| {
            Ok(crate::traffic::metrics(c, f, &req))
        })
    }

    async fn alarm_states(
        &self,
        names: &[String],
    ) -> Result<std::collections::BTreeMap<String, String>, ProviderError> {
        self.latency(kinds::METRIC_ALARM).await;
        self.call(Some(kinds::METRIC_ALARM), false, |c, _| {
            Ok(crate::traffic::alarm_states(c, names))
        })
    }

    async fn describe_db_instance(&self, db_id: &str) -> Result<DbInstance, ProviderError> {
        self.latency(kinds::DB_INSTANCE).await;
        self.call(Some(kinds::DB_INSTANCE), false, |c, _| {
            drill_ops::describe_db(c, db_id)
        })
    }

    async fn create_db_snapshot(
        &self,
        req: CreateDbSnapshotRequest,
    ) -> Result<DbSnapshot, ProviderError> {
        self.latency(kinds::DB_INSTANCE).await;
        self.call(Some(kinds::DB_INSTANCE), true, |c, _| {
            drill_ops::create_snapshot(c, &req)
        })
    }

    async fn describe_db_snapshots(
        &self,
        req: DescribeDbSnapshotsRequest,
    ) -> Result<Vec<DbSnapshot>, ProviderError> {
        self.latency(kinds::DB_INSTANCE).await;
        self.call(Some(kinds::DB_INSTANCE), true, |c, _| {
            Ok(drill_ops::describe_snapshots(c, &req))
        })
    }

    async fn delete_db_snapshot(&self, snapshot_id: &str) -> Result<(), ProviderError> {
        self.latency(kinds::DB_INSTANCE).await;
        self.call(Some(kinds::DB_INSTANCE), true, |c, _| {
            drill_ops::delete_snapshot(c, snapshot_id)
        })
    }

    async fn restore_db_instance_from_db_snapshot(
        &self,
        req: RestoreDbRequest,
    ) -> Result<DbInstance, ProviderError> {
        self.latency(kinds::DB_INSTANCE).await;
        self.call(Some(kinds::DB_INSTANCE), true, |c, _| {
            snapshots::restore_with(c, &req)?;
            drill_ops::describe_db(c, &req.db_id)
        })
    }

    async fn delete_db_instance(&self, db_id: &str) -> Result<(), ProviderError> {
        self.latency(kinds::DB_INSTANCE).await;
        self.call(Some(kinds::DB_INSTANCE), true, |c, _| {
            drill_ops::delete_db(c, db_id)
        })
    }

    async fn modify_db_instance_identifier(
        &self,
        req: RenameDbRequest,
    ) -> Result<DbInstance, ProviderError> {
        self.latency(kinds::DB_INSTANCE).await;
        self.call(Some(kinds::DB_INSTANCE), true, |c, _| {
            drill_ops::rename_db(c, &req)
        })
    }

    async fn reboot_db_instance(
        &self,
        db_id: &str,
        force_failover: bool,
    ) -> Result<(), ProviderError> {
        self.latency(kinds::DB_INSTANCE).await;
        self.call(Some(kinds::DB_INSTANCE), true, |c, _| {
            drill_ops::reboot_db(c, db_id, force_failover)
        })
    }

    async fn promote_read_replica(&self, db_id: &str) -> Result<(), ProviderError> {
        self.latency(kinds::DB_INSTANCE).await;
        self.call(Some(kinds::DB_INSTANCE), true, |c, _| {
            rds::promote(c, db_id)
        })
    }

    async fn describe_replication_group(
        &self,
        replication_group_id: &str,
    ) -> Result<CacheReplicationGroup, ProviderError> {
        self.latency(kinds::REPLICATION_GROUP).await;
        self.call(Some(kinds::REPLICATION_GROUP), false, |c, _| {
            drill_ops::describe_group(c, replication_group_id)
        })
    }

    async fn test_failover(
        &self,
        replication_group_id: &str,
        node_group_id: &str,
    ) -> Result<(), ProviderError> {
        self.latency(kinds::REPLICATION_GROUP).await;
        self.call(Some(kinds::REPLICATION_GROUP), true, |c, _| {
            drill_ops::test_failover(c, replication_group_id, node_group_id)
        })
    }

    async fn deregister_targets(
        &self,
        target_group_arn: &str,
        target_ids: &[String],
    ) -> Result<(), ProviderError> {
        self.latency(kinds::TARGET_GROUP).await;
        self.call(Some(kinds::TARGET_GROUP), true, |c, _| {
            drill_ops::deregister(c, target_group_arn, target_ids)
        })
    }

    async fn register_targets(
        &self,
        target_group_arn: &str,
        target_ids: &[String],
    ) -> Result<(), ProviderError> {
        self.latency(kinds::TARGET_GROUP).await;
        self.call(Some(kinds::TARGET_GROUP), true, |c, _| {
            drill_ops::register(c, target_group_arn, target_ids)
        })
    }

    async fn suspend_processes(
        &self,
        asg_name: &str,
        processes: &[String],
    ) -> Result<(), ProviderError> {
        self.latency(kinds::AUTOSCALING_GROUP).await;
        self.call(Some(kinds::AUTOSCALING_GROUP), true, |c, _| {
            drill_ops::set_processes(c, asg_name, processes, true)
        })
    }

    async fn resume_processes(
        &self,
        asg_name: &str,
        processes: &[String],
    ) -> Result<(), ProviderError> {
        self.latency(kinds::AUTOSCALING_GROUP).await;
        self.call(Some(kinds::AUTOSCALING_GROUP), true, |c, _| {
            drill_ops::set_processes(c, asg_name, processes, false)
        })
    }

    async fn find_drill_resources(
        &self,
        drill_id: Option<&str>,
    ) -> Result<Vec<DrillResource>, ProviderError> {
        self.latency(kinds::DB_INSTANCE).await;
        self.call(Some(kinds::DB_INSTANCE), false, |c, _| {
            Ok(drill_ops::drill_resources(c, drill_id))
        })
    }

    async fn simulate_az_outage(&self, az: &str, down: bool) -> Result<(), ProviderError> {
        self.with_cloud(false, |c, _| crate::network::check_az(c, az))?;
        self.set_az_down(az, down)
    }

    fn time_scale(&self) -> f64 {
        let speed = self.shared.options.speed;
        if speed.is_finite() && speed > 0.0 {
            speed
        } else {
            1.0
        }
    }

    async fn find_by_token(
        &self,
        kind: &str,
        token: &str,
    ) -> Result<Option<(String, Attrs)>, ProviderError> {
        self.latency(kind).await;
        self.call(Some(kind), false, |c, _| {
            let found = c
                .tokens
                .get(&format!("{kind}|{token}"))
                .and_then(|id| c.get(kind, id))
                .map(|rec| (rec.id.clone(), render(c, rec)));
            Ok(found)
        })
    }
}
