//! The engine on the simulated cloud: what a rollback does when the color
//! it would return to is no longer healthy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use strata_core::apply::{ApplyOptions, NullObserver};
use strata_core::graph::Graph;
use strata_core::kinds;
use strata_core::manifest::parse_manifest;
use strata_core::plan::PlanOptions;
use strata_core::provider::{
    CreateRequest, DeleteRequest, OpStatus, PollRequest, Provider, ProviderError, ReadRequest,
    ReadResponse, ReadTarget, UpdateRequest,
};
use strata_core::session::{Locking, Session};
use strata_core::state::local::LocalBackend;
use strata_core::state::Backend;
use strata_sim::faults::FaultConfig;
use strata_sim::{SimOptions, SimProvider};

use super::{
    Command, Event, EventKind, Observer, Outcome, Rollout, RolloutError, StartOptions, Timing,
};
use crate::modules::{expand, release_of};

const MANIFEST: &str = r#"
[module.web]
kind = "web_service"
name = "shop"
ami = "ami-0123456789abcdef0"
deletion_protection = false
"#;

/// Injects `faults` into the sim when the canary's first step begins, and
/// keeps every event.
struct AtFirstStep {
    sim: SimProvider,
    faults: FaultConfig,
    seen: Mutex<Vec<EventKind>>,
}

impl Observer<Event> for AtFirstStep {
    fn event(&self, event: &Event) {
        if let EventKind::Weights { step: Some(0), .. } = &event.kind {
            self.sim.inject(self.faults.clone()).unwrap();
        }
        self.seen.lock().unwrap().push(event.kind.clone());
    }
}

async fn applied(dir: &std::path::Path, sim: &SimProvider) -> Arc<LocalBackend> {
    let backend = Arc::new(LocalBackend::new(dir.join(".strata")));
    let mut config = parse_manifest("shop.toml", MANIFEST).unwrap();
    expand(&mut config, None).unwrap();
    let provider: Arc<dyn Provider> = Arc::new(sim.clone());
    let mut session = Session::open(backend.clone(), provider, &config.stack, Locking::Caller)
        .await
        .unwrap();
    let graph = Graph::build(config).unwrap();
    let (_, report) = session
        .converge(
            &graph,
            &PlanOptions::default(),
            ApplyOptions {
                stack: graph.config.stack.clone(),
                ..ApplyOptions::default()
            },
            Arc::new(NullObserver),
        )
        .await
        .unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    backend
}

fn rollout(
    backend: Arc<LocalBackend>,
    sim: &SimProvider,
    events: Arc<dyn Observer<Event>>,
) -> Rollout {
    let mut r = Rollout::new(
        parse_manifest("shop.toml", MANIFEST).unwrap(),
        backend,
        Arc::new(sim.clone()),
        "web",
    );
    r.events = events;
    r.timing = Timing {
        poll: Duration::from_millis(20),
        health_timeout: Duration::from_secs(30),
    };
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_never_sends_traffic_to_an_unhealthy_old_color() {
    let dir = tempfile::tempdir().unwrap();
    let sim = SimProvider::in_memory(SimOptions {
        speed: 20_000.0,
        ..SimOptions::default()
    });
    let backend = applied(dir.path(), &sim).await;

    // v2 answers 8% 5xx; as its first step begins, the old color (v1)
    // starts failing its health checks too.
    let events = Arc::new(AtFirstStep {
        sim: sim.clone(),
        faults: FaultConfig::parse("bad_version=v2:5xx=0.08,bad_version=v1:unhealthy").unwrap(),
        seen: Mutex::new(Vec::new()),
    });
    let mut start = StartOptions::new("v2");
    start.steps = vec![10, 100];
    start.bake = Duration::from_millis(400);
    start.min_requests = 20;
    let r = rollout(backend.clone(), &sim, events.clone());
    let err = r.run(Command::Start(start)).await.unwrap_err();
    let RolloutError::UnsafeRollback {
        from,
        unhealthy,
        weights,
    } = &err
    else {
        panic!("expected an unsafe rollback, got {err:?}");
    };
    assert_eq!(from, "blue");
    assert!(
        unhealthy.contains("blue (v1): 0 of 3 targets healthy"),
        "{unhealthy}"
    );
    assert!(
        !unhealthy.contains("green"),
        "green is healthy: {unhealthy}"
    );
    assert_eq!(weights, "blue=90 green=10");
    let seen = events.seen.lock().unwrap().clone();
    assert!(seen.iter().any(|e| matches!(e, EventKind::Breach(_))));
    assert!(
        seen.iter().any(|e| matches!(
            e,
            EventKind::RollbackHeld {
                blue: 90,
                green: 10,
                ..
            }
        )),
        "{seen:#?}"
    );
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, EventKind::ScaledDown { .. } | EventKind::Finished { .. })),
        "nothing was scaled down or finished: {seen:#?}"
    );

    // The weights are where the step left them, in state and in the
    // cloud, and the green fleet still serves its share.
    let state = backend.load().await.unwrap().unwrap();
    let record = release_of(&state, "web").unwrap();
    assert_eq!((record.blue_weight, record.green_weight), (90, 10));
    assert!(record.rollout.is_some(), "kept for --abort or --resume");
    let id_of = |address: &str| {
        state
            .resources
            .iter()
            .find(|(a, _)| a.as_str() == address)
            .map(|(a, r)| (a.clone(), r.id.clone()))
            .unwrap()
    };
    let (address, id) = id_of("web.listener");
    let live = sim
        .read(ReadRequest {
            kind: kinds::LISTENER.into(),
            targets: vec![ReadTarget { address, id }],
        })
        .await
        .unwrap();
    let forward = live.found.values().next().unwrap()["forward"].clone();
    let weights: Vec<i64> = forward
        .as_list()
        .unwrap()
        .iter()
        .map(|f| f.as_map().unwrap()["weight"].as_i64().unwrap())
        .collect();
    assert_eq!(weights, [90, 10], "blue first, as configured");
    let green = sim.target_health(&id_of("web.tg_green").1);
    assert!(green.len() == 3 && green.iter().all(|t| t.state == "healthy"));

    // Once the old color is healthy again, --abort takes traffic back.
    sim.inject(FaultConfig::parse("bad_version=v2:5xx=0.08").unwrap())
        .unwrap();
    let r = rollout(backend.clone(), &sim, Arc::new(NullObserver));
    assert_eq!(r.run(Command::Abort).await.unwrap(), Outcome::Aborted);
    let record = release_of(&backend.load().await.unwrap().unwrap(), "web").unwrap();
    assert_eq!((record.blue_weight, record.green_weight), (100, 0));
}

/// The sim as a cloud that manages resources but reports no signals.
struct Blind(SimProvider);

#[async_trait::async_trait]
impl Provider for Blind {
    fn name(&self) -> &str {
        "blind"
    }
    fn region(&self) -> &str {
        self.0.region()
    }
    async fn read(&self, r: ReadRequest) -> Result<ReadResponse, ProviderError> {
        self.0.read(r).await
    }
    async fn create(&self, r: CreateRequest) -> Result<OpStatus, ProviderError> {
        self.0.create(r).await
    }
    async fn update(&self, r: UpdateRequest) -> Result<OpStatus, ProviderError> {
        self.0.update(r).await
    }
    async fn delete(&self, r: DeleteRequest) -> Result<OpStatus, ProviderError> {
        self.0.delete(r).await
    }
    async fn poll(&self, r: PollRequest) -> Result<OpStatus, ProviderError> {
        self.0.poll(r).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_without_signals_is_refused_before_traffic_moves() {
    let dir = tempfile::tempdir().unwrap();
    let sim = SimProvider::in_memory(SimOptions {
        speed: 20_000.0,
        ..SimOptions::default()
    });
    let backend = applied(dir.path(), &sim).await;
    let r = Rollout::new(
        parse_manifest("shop.toml", MANIFEST).unwrap(),
        backend.clone(),
        Arc::new(Blind(sim.clone())),
        "web",
    );
    let err = r
        .run(Command::Start(StartOptions::new("v2")))
        .await
        .unwrap_err();
    assert!(matches!(err, RolloutError::Missing(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the `blind` provider cannot run rollouts: it offers no release-gate signals \
         (target health, target metrics, alarm states)"
    );
    let record = release_of(&backend.load().await.unwrap().unwrap(), "web").unwrap();
    assert!(record.rollout.is_none(), "no rollout was started");
    assert_eq!((record.blue_weight, record.green_weight), (100, 0));
}
