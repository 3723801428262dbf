//! Several provider instances through the library API: a primary database
//! in us-east-1 and its read replica in us-west-2, each region its own
//! simulated cloud (one `SimRegions`), planned and refreshed in one batch
//! per instance and kind, applied to the instance of each resource.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use strata::core::addr::Address;
use strata::core::apply::{ApplyOptions, NullObserver};
use strata::core::config::{Config, ProviderConfig, ResourceConfig};
use strata::core::graph::Graph;
use strata::core::kinds;
use strata::core::plan::{Action, PlanOptions};
use strata::core::provider::{
    Capabilities, CreateRequest, DeleteRequest, OpStatus, PollRequest, Provider, ProviderError,
    Providers, ReadRequest, ReadResponse, ReadTarget, UpdateRequest,
};
use strata::core::session::{Locking, Session};
use strata::core::state::local::LocalBackend;
use strata::core::value::{Reference, Value};
use strata::sim::{SimOptions, SimProvider, SimRegions};

fn a(s: &str) -> Address {
    Address::parse(s).unwrap()
}

fn r(s: &str) -> Value {
    Value::from(Reference::parse(s).unwrap())
}

/// A provider that records each read call: (region, kind, targets).
struct Counting {
    inner: SimProvider,
    reads: Arc<Mutex<Vec<(String, String, usize)>>>,
}

#[async_trait]
impl Provider for Counting {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn region(&self) -> &str {
        self.inner.region()
    }
    fn capabilities(&self) -> Capabilities<'_> {
        self.inner.capabilities()
    }
    async fn read(&self, req: ReadRequest) -> Result<ReadResponse, ProviderError> {
        let call = (
            self.inner.region().to_string(),
            req.kind.clone(),
            req.targets.len(),
        );
        self.reads.lock().unwrap().push(call);
        self.inner.read(req).await
    }
    async fn create(&self, req: CreateRequest) -> Result<OpStatus, ProviderError> {
        self.inner.create(req).await
    }
    async fn update(&self, req: UpdateRequest) -> Result<OpStatus, ProviderError> {
        self.inner.update(req).await
    }
    async fn delete(&self, req: DeleteRequest) -> Result<OpStatus, ProviderError> {
        self.inner.delete(req).await
    }
    async fn poll(&self, req: PollRequest) -> Result<OpStatus, ProviderError> {
        self.inner.poll(req).await
    }
}

fn region(name: &str) -> SimOptions {
    SimOptions {
        region: name.into(),
        speed: 20_000.0,
        ..SimOptions::default()
    }
}

/// Two VPCs, a primary in the default instance (us-east-1) and its replica
/// in the `us_west_2` instance, which names the primary by ARN.
fn config() -> Config {
    let mut c = Config::new("dr");
    c.add_provider(
        "us_west_2",
        ProviderConfig {
            region: "us-west-2".into(),
            ..ProviderConfig::default()
        },
    );
    c.add(ResourceConfig::new(a("vpc"), kinds::VPC).with("cidr_block", "10.0.0.0/16"));
    c.add(
        ResourceConfig::new(a("dr_vpc"), kinds::VPC)
            .with("cidr_block", "10.1.0.0/16")
            .on_provider("us_west_2"),
    );
    c.add(
        ResourceConfig::new(a("db"), kinds::DB_INSTANCE)
            .with("identifier", "shop-db")
            .with("instance_class", "db.t3.micro")
            .with("allocated_storage", 20)
            .with("username", "app")
            .with("password", "secret-password")
            .with("skip_final_snapshot", true),
    );
    c.add(
        ResourceConfig::new(a("dr_replica"), kinds::DB_INSTANCE)
            .with("identifier", "shop-db-dr")
            .with("instance_class", "db.t3.micro")
            .with("replicate_source_db", r("db.arn"))
            .with("kms_key_id", "alias/aws/rds")
            .with("skip_final_snapshot", true)
            .on_provider("us_west_2"),
    );
    c
}

/// Whether `sim` has the DB instance `id`.
async fn has_db(sim: &SimProvider, id: &str) -> bool {
    let read = ReadRequest {
        kind: kinds::DB_INSTANCE.into(),
        targets: vec![ReadTarget {
            address: a("probe"),
            id: id.into(),
        }],
    };
    sim.read(read).await.unwrap().found.contains_key(id)
}

#[tokio::test]
async fn a_replica_in_another_region_is_applied_through_its_instance() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Arc::new(LocalBackend::new(dir.path().join(".strata")));
    let regions = SimRegions::in_memory();
    let east = regions.provider(region("us-east-1")).unwrap();
    let west = regions.provider(region("us-west-2")).unwrap();
    let reads = Arc::new(Mutex::new(Vec::new()));
    let counting = |sim: &SimProvider| -> Arc<dyn Provider> {
        Arc::new(Counting {
            inner: sim.clone(),
            reads: reads.clone(),
        })
    };
    let providers = Providers::new(counting(&east)).with("us_west_2", counting(&west));
    let graph = Graph::build(config()).unwrap();
    let apply_opts = || ApplyOptions {
        stack: "dr".into(),
        ..ApplyOptions::default()
    };

    let mut session = Session::open(backend.clone(), providers.clone(), "dr", Locking::Caller)
        .await
        .unwrap();
    let plan = session.plan(&graph, &PlanOptions::default()).await.unwrap();
    assert_eq!(plan.summary()[&Action::Create], 4);
    let report = session
        .apply(&plan, apply_opts(), Arc::new(NullObserver))
        .await
        .unwrap();
    assert!(report.succeeded(), "{:?}", report.failures);
    assert!(has_db(&east, "shop-db").await && !has_db(&east, "shop-db-dr").await);
    assert!(has_db(&west, "shop-db-dr").await && !has_db(&west, "shop-db").await);
    let state = session.state().clone();
    assert_eq!(
        state.resources[&a("dr_replica")].provider.as_deref(),
        Some("us_west_2")
    );
    assert_eq!(state.resources[&a("db")].provider, None);
    let replica = &state.resources[&a("dr_replica")].attrs;
    assert_eq!(
        replica["replicate_source_db"],
        state.resources[&a("db")].attrs["arn"]
    );
    session.close().await.unwrap();

    // The sim refuses to delete a primary a replica in another region
    // replicates, as AWS does.
    let refused = east
        .delete(DeleteRequest {
            address: a("db"),
            kind: kinds::DB_INSTANCE.into(),
            id: "shop-db".into(),
            prior: Default::default(),
        })
        .await;
    assert!(
        matches!(&refused, Err(ProviderError::Api { code, .. }) if code == "InvalidDBInstanceState"),
        "{refused:?}"
    );

    // A new session plans nothing, reading once per instance and kind.
    reads.lock().unwrap().clear();
    let mut session = Session::open(backend.clone(), providers, "dr", Locking::Caller)
        .await
        .unwrap();
    let plan = session.plan(&graph, &PlanOptions::default()).await.unwrap();
    assert!(!plan.has_changes(), "{:?}", plan.changes);
    let mut calls = reads.lock().unwrap().clone();
    calls.sort();
    let expect = |region: &str, kind: &str| (region.to_string(), kind.to_string(), 1);
    assert_eq!(
        calls,
        vec![
            expect("us-east-1", kinds::VPC),
            expect("us-east-1", kinds::DB_INSTANCE),
            expect("us-west-2", kinds::VPC),
            expect("us-west-2", kinds::DB_INSTANCE),
        ]
    );

    // Destroy deletes each through its instance, the replica first.
    let destroy = PlanOptions {
        destroy: true,
        ..PlanOptions::default()
    };
    let plan = session.plan(&graph, &destroy).await.unwrap();
    let report = session
        .apply(&plan, apply_opts(), Arc::new(NullObserver))
        .await
        .unwrap();
    assert!(report.succeeded(), "{:?}", report.failures);
    assert!(session.state().resources.is_empty());
    assert!(!has_db(&east, "shop-db").await && !has_db(&west, "shop-db-dr").await);
    session.close().await.unwrap();
}

#[tokio::test]
async fn resources_of_an_instance_the_session_lacks_are_not_planned() {
    let dir = tempfile::tempdir().unwrap();
    let backend = Arc::new(LocalBackend::new(dir.path().join(".strata")));
    let east: Arc<dyn Provider> = Arc::new(SimProvider::in_memory(region("us-east-1")));
    let graph = Graph::build(config()).unwrap();
    let session = Session::open(backend, east, "dr", Locking::Caller)
        .await
        .unwrap();
    let err = session
        .plan(&graph, &PlanOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no provider instance `us_west_2` to reach `dr_vpc`"
    );
}
