//! The engine on the simulated cloud, through the library API: parallel
//! walks, failure isolation, retries, replacement order, and deletes in
//! reverse.

use std::sync::{Arc, Mutex};

use strata::core::addr::Address;
use strata::core::apply::{self, ApplyOptions, Event, Observer, OpKind};
use strata::core::config::{Config, ResourceConfig};
use strata::core::graph::Graph;
use strata::core::kinds;
use strata::core::plan::{self, Action, PlanOptions};
use strata::core::provider::Operation;
use strata::core::provider::Provider;
use strata::core::session::{Locking, Session, SessionError};
use strata::core::state::local::LocalBackend;
use strata::core::state::{Backend, Intent, Lease, LockOptions, State, StateChange, StateError};
use strata::core::value::{Reference, Value};
use strata::sim::{FaultConfig, SimOptions, SimProvider};

fn a(s: &str) -> Address {
    Address::parse(s).unwrap()
}

fn r(s: &str) -> Value {
    Value::from(Reference::parse(s).unwrap())
}

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Observer<Event> for Recorder {
    fn event(&self, e: &Event) {
        let line = match e {
            Event::Started { address, op } => format!("start {op:?} {address}"),
            Event::Finished { address, op, .. } => format!("done {op:?} {address}"),
            Event::Failed { address, op, .. } => format!("fail {op:?} {address}"),
            Event::Skipped { address, .. } => format!("skip {address}"),
            Event::Progress { .. } => return,
        };
        self.0.lock().unwrap().push(line);
    }
}

impl Recorder {
    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
    fn pos(&self, line: &str) -> usize {
        self.lines()
            .iter()
            .position(|l| l == line)
            .unwrap_or_else(|| panic!("no `{line}` in {:?}", self.lines()))
    }
}

/// A VPC with one subnet and one PostgreSQL primary per AZ suffix given.
fn network(azs: &[&str]) -> Config {
    let mut c = Config::new("engine");
    c.add(ResourceConfig::new(a("vpc"), kinds::VPC).with("cidr_block", "10.0.0.0/16"));
    for (i, az) in azs.iter().enumerate() {
        c.add(
            ResourceConfig::new(a(&format!("subnet_{az}")), kinds::SUBNET)
                .with("vpc_id", r("vpc.id"))
                .with("cidr_block", format!("10.0.{i}.0/24"))
                .with("availability_zone", format!("us-east-1{az}")),
        );
        c.add(
            ResourceConfig::new(a(&format!("web_{az}")), kinds::INSTANCE)
                .with("ami", "ami-1")
                .with("instance_type", "t3.micro")
                .with("subnet_id", r(&format!("subnet_{az}.id"))),
        );
    }
    c
}

struct Env {
    _dir: tempfile::TempDir,
    backend: Arc<LocalBackend>,
    sim: Arc<SimProvider>,
}

impl Env {
    fn new(options: SimOptions) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let backend = Arc::new(LocalBackend::new(dir.path().join(".strata")));
        let sim = Arc::new(SimProvider::in_memory(options));
        Env {
            _dir: dir,
            backend,
            sim,
        }
    }

    async fn state(&self) -> State {
        self.backend
            .load()
            .await
            .unwrap()
            .unwrap_or_else(|| State::new("engine"))
    }

    /// A session on the test's state (the test is its only user).
    async fn session(&self) -> Session {
        let provider: Arc<dyn Provider> = self.sim.clone();
        Session::open(self.backend.clone(), provider, "engine", Locking::Caller)
            .await
            .unwrap()
    }

    async fn run(&self, config: Config, opts: PlanOptions) -> (apply::ApplyReport, Arc<Recorder>) {
        let graph = Graph::build(config).unwrap();
        let mut session = self.session().await;
        let plan = session.plan(&graph, &opts).await.unwrap();
        let rec = Arc::new(Recorder::default());
        let opts = ApplyOptions {
            stack: "engine".into(),
            ..ApplyOptions::default()
        };
        let report = session.apply(&plan, opts, rec.clone()).await.unwrap();
        (report, rec)
    }
}

fn fast() -> SimOptions {
    SimOptions {
        speed: 20_000.0,
        ..SimOptions::default()
    }
}

#[tokio::test]
async fn independent_branches_run_in_parallel_and_dependencies_in_order() {
    let env = Env::new(fast());
    let (report, rec) = env
        .run(network(&["a", "b", "c"]), PlanOptions::default())
        .await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_eq!(report.completed.len(), 7);
    // Each subnet waits for the VPC, each instance for its subnet.
    for az in ["a", "b", "c"] {
        assert!(rec.pos("done Create vpc") < rec.pos(&format!("start Create subnet_{az}")));
        assert!(
            rec.pos(&format!("done Create subnet_{az}"))
                < rec.pos(&format!("start Create web_{az}"))
        );
    }
    // The three instances (40 s each on AWS) were in flight together.
    let last_start = ["a", "b", "c"]
        .iter()
        .map(|az| rec.pos(&format!("start Create web_{az}")))
        .max()
        .unwrap();
    let first_done = ["a", "b", "c"]
        .iter()
        .map(|az| rec.pos(&format!("done Create web_{az}")))
        .min()
        .unwrap();
    assert!(
        last_start < first_done,
        "instances ran one after another: {:?}",
        rec.lines()
    );
}

#[tokio::test]
async fn a_failure_stops_only_what_depends_on_it() {
    let mut options = fast();
    options.faults = FaultConfig::parse("fail_create=subnet_b").unwrap();
    let env = Env::new(options);
    let (report, rec) = env
        .run(network(&["a", "b", "c"]), PlanOptions::default())
        .await;
    assert!(!report.succeeded());
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].address, a("subnet_b"));
    assert_eq!(report.failures[0].code.as_deref(), Some("InternalFailure"));
    assert_eq!(report.skipped, vec![(a("web_b"), a("subnet_b"))]);
    assert!(rec.lines().contains(&"skip web_b".to_string()));
    let state = env.state().await;
    for done in ["vpc", "subnet_a", "web_a", "subnet_c", "web_c"] {
        assert!(
            state.resources.contains_key(&a(done)),
            "{done} missing from state"
        );
    }
    assert!(!state.resources.contains_key(&a("web_b")));
}

#[tokio::test]
async fn throttling_is_retried_transparently() {
    let mut options = fast();
    options.faults = FaultConfig::parse("throttle=0.3,seed=11").unwrap();
    let env = Env::new(options);
    let (report, _) = env.run(network(&["a", "b"]), PlanOptions::default()).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_eq!(env.state().await.resources.len(), 5);
}

#[tokio::test]
async fn security_groups_are_replaced_create_before_destroy() {
    let env = Env::new(fast());
    let config = |name: &str| {
        let mut c = network(&["a"]);
        c.add(
            ResourceConfig::new(a("sg"), kinds::SECURITY_GROUP)
                .with("name", name)
                .with("vpc_id", r("vpc.id")),
        );
        let web = c.resources.get_mut(&a("web_a")).unwrap();
        web.attrs
            .insert("security_group_ids".into(), Value::List(vec![r("sg.id")]));
        c
    };
    let (report, _) = env.run(config("app"), PlanOptions::default()).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    let old_id = env.state().await.resources[&a("sg")].id.clone();

    let graph = Graph::build(config("app-v2")).unwrap();
    let plan = plan::plan(
        &graph,
        &env.state().await,
        &env.sim.clone().into(),
        &PlanOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(plan.change(&a("sg")).unwrap().action, Action::Replace);
    assert_eq!(plan.change(&a("web_a")).unwrap().action, Action::Update);

    let (report, rec) = env.run(config("app-v2"), PlanOptions::default()).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    // New group first, then the instance moves to it, then the old group goes.
    assert!(rec.pos("done Create sg") < rec.pos("start Update web_a"));
    assert!(rec.pos("done Update web_a") < rec.pos("start DeleteDeposed sg"));
    let state = env.state().await;
    assert_ne!(state.resources[&a("sg")].id, old_id);
    assert!(state.deposed.is_empty());
}

#[tokio::test]
async fn destroy_deletes_in_reverse_dependency_order() {
    let env = Env::new(fast());
    env.run(network(&["a", "b"]), PlanOptions::default()).await;
    let opts = PlanOptions {
        destroy: true,
        ..PlanOptions::default()
    };
    let (report, rec) = env.run(network(&["a", "b"]), opts).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    assert!(report.completed.iter().all(|c| c.op == OpKind::Delete));
    for az in ["a", "b"] {
        assert!(
            rec.pos(&format!("done Delete web_{az}"))
                < rec.pos(&format!("start Delete subnet_{az}"))
        );
        assert!(rec.pos(&format!("done Delete subnet_{az}")) < rec.pos("start Delete vpc"));
    }
    assert!(env.state().await.resources.is_empty());
    assert!(env.sim.objects().is_empty(), "{:?}", env.sim.objects());
}

#[tokio::test]
async fn targeted_plans_cover_the_target_and_its_dependencies_only() {
    let env = Env::new(fast());
    let graph = Graph::build(network(&["a", "b"])).unwrap();
    let opts = PlanOptions {
        targets: vec![a("web_a")],
        ..PlanOptions::default()
    };
    let plan = plan::plan(&graph, &env.state().await, &env.sim.clone().into(), &opts)
        .await
        .unwrap();
    let planned: Vec<String> = plan.changes.iter().map(|c| c.address.to_string()).collect();
    assert_eq!(planned, vec!["vpc", "subnet_a", "web_a"]);
}

#[tokio::test]
async fn the_engine_refuses_to_replace_an_instance_unless_allowed() {
    let env = Env::new(fast());
    let (report, _) = env.run(network(&["a"]), PlanOptions::default()).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    let before = env.state().await;
    let id = before.resources[&a("web_a")].id.clone();
    // A new AMI replaces the instance: its disks are lost.
    let mut config = network(&["a"]);
    if let Some(web) = config.resources.get_mut(&a("web_a")) {
        web.attrs.insert("ami".into(), Value::from("ami-2"));
    }
    let graph = Graph::build(config).unwrap();
    let plan = plan::plan(
        &graph,
        &before,
        &env.sim.clone().into(),
        &PlanOptions::default(),
    )
    .await
    .unwrap();
    let opts = ApplyOptions {
        stack: "engine".into(),
        ..ApplyOptions::default()
    };
    let mut session = env.session().await;
    let refused = session
        .apply(&plan, opts.clone(), Arc::new(Recorder::default()))
        .await;
    assert!(
        matches!(refused, Err(apply::ApplyError::ReplacesData(_))),
        "{refused:?}"
    );
    assert_eq!(
        env.state().await.serial(),
        before.serial(),
        "nothing applied"
    );
    assert_eq!(env.state().await.resources[&a("web_a")].id, id);
    let allowed = ApplyOptions {
        allow_replace: vec![a("web_a")],
        ..opts
    };
    let report = session
        .apply(&plan, allowed, Arc::new(Recorder::default()))
        .await
        .unwrap();
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_ne!(env.state().await.resources[&a("web_a")].id, id);
}

/// What a killed apply leaves: an intent to create `subnet_z`, recorded
/// but never sent.
fn unsent_create() -> StateChange {
    StateChange::Intend {
        intent: Box::new(Intent {
            token: "tok-never-sent".into(),
            address: a("subnet_z"),
            kind: kinds::SUBNET.into(),
            operation: Operation::Create,
            id: None,
            deposed: false,
            configured: Vec::new(),
            dependencies: Vec::new(),
            prevent_destroy: false,
            started: "2026-01-01T00:00:00Z".into(),
            provider: None,
        }),
    }
}

#[tokio::test]
async fn a_reading_session_takes_the_lock_only_to_settle_what_a_killed_run_left() {
    let env = Env::new(fast());
    let (report, _) = env.run(network(&["a"]), PlanOptions::default()).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    let backend: Arc<dyn Backend> = env.backend.clone();
    let provider: Arc<dyn Provider> = env.sim.clone();
    let read_only = || Locking::ToRecover(LockOptions::new("recover"));

    // Nothing pending: a reading session opens beside a live holder.
    let apply = Lease::take(backend.clone(), &LockOptions::new("apply"))
        .await
        .unwrap();
    let session = Session::open(backend.clone(), provider.clone(), "engine", read_only())
        .await
        .unwrap();
    assert!(session.recovered().is_empty());
    apply.release().await.unwrap();

    // A killed run's intent: while a live run holds the lock, it is not
    // touched and the reader is told who holds it.
    env.session()
        .await
        .commit(vec![unsent_create()])
        .await
        .unwrap();
    let apply = Lease::take(backend.clone(), &LockOptions::new("apply"))
        .await
        .unwrap();
    let refused = Session::open(backend.clone(), provider.clone(), "engine", read_only()).await;
    assert!(
        matches!(
            refused,
            Err(SessionError::State(StateError::Locked { ref holder })) if holder.operation == "apply"
        ),
        "{:?}",
        refused.err()
    );
    assert_eq!(
        env.state().await.pending.len(),
        1,
        "left for the lock holder"
    );
    apply.release().await.unwrap();

    // Once the lock is free, opening settles it, commits, and lets go.
    let before = env.state().await.serial();
    let session = Session::open(backend.clone(), provider, "engine", read_only())
        .await
        .unwrap();
    assert_eq!(session.recovered().len(), 1, "{:?}", session.recovered());
    assert!(session.recovered()[0].starts_with("subnet_z:"));
    let stored = env.state().await;
    assert!(stored.pending.is_empty());
    assert_eq!(stored.serial(), before + 1);
    assert_eq!(backend.lock_holder().await.unwrap(), None, "lock released");
}

#[tokio::test]
async fn a_state_that_cannot_be_read_releases_the_lock_the_session_took() {
    let env = Env::new(fast());
    let (report, _) = env.run(network(&["a"]), PlanOptions::default()).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    let backend: Arc<dyn Backend> = env.backend.clone();
    let provider: Arc<dyn Provider> = env.sim.clone();
    std::fs::write(
        env._dir.path().join(".strata/state.json"),
        "{\"version\": 1, \"ser",
    )
    .unwrap();
    let opened = Session::open(
        backend.clone(),
        provider,
        "engine",
        Locking::Take(LockOptions::new("apply")),
    )
    .await;
    assert!(
        matches!(opened, Err(SessionError::State(StateError::Corrupt { .. }))),
        "{:?}",
        opened.err()
    );
    assert_eq!(backend.lock_holder().await.unwrap(), None);
}

#[tokio::test]
async fn an_excluded_resource_and_what_depends_on_it_are_left_out_of_the_plan() {
    let env = Env::new(fast());
    let run = |opts: PlanOptions| async {
        let (report, _) = env.run(network(&["a", "b"]), opts).await;
        assert!(report.succeeded(), "{:?}", report.failures);
        // BTreeMap keys: in order.
        let stored: Vec<String> = env
            .state()
            .await
            .resources
            .keys()
            .map(ToString::to_string)
            .collect();
        stored
    };
    let made = run(PlanOptions {
        exclude: vec![a("subnet_a")],
        ..PlanOptions::default()
    })
    .await;
    assert_eq!(made, ["subnet_b", "vpc", "web_b"]);

    // Destroying all but the excluded keeps it and what depends on it (in
    // state), and what they depend on.
    run(PlanOptions::default()).await;
    let left = run(PlanOptions {
        destroy: true,
        exclude: vec![a("subnet_a")],
        ..PlanOptions::default()
    })
    .await;
    assert_eq!(left, ["subnet_a", "vpc", "web_a"]);
}

#[tokio::test]
async fn a_replacement_asked_for_is_planned_and_applied_with_its_consent_recorded() {
    let env = Env::new(fast());
    let (report, _) = env.run(network(&["a"]), PlanOptions::default()).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    let before = env.state().await.resources[&a("web_a")].id.clone();
    let graph = Graph::build(network(&["a"])).unwrap();
    let session = env.session().await;
    let unasked = session.plan(&graph, &PlanOptions::default()).await.unwrap();
    assert!(!unasked.has_changes());

    let opts = PlanOptions {
        replace: vec![a("web_a")],
        ..PlanOptions::default()
    };
    let plan = session.plan(&graph, &opts).await.unwrap();
    let web = plan
        .changes
        .iter()
        .find(|c| c.address == a("web_a"))
        .unwrap();
    assert_eq!(web.action, Action::Replace);
    assert!(web.reason.as_deref().unwrap().contains("--replace"));
    assert!(web.replaces_data(), "an instance's disks go with it");
    assert_eq!(plan.replace, [a("web_a")]);
    let others: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| c.address != a("web_a") && c.action != Action::NoOp)
        .collect();
    assert!(others.is_empty(), "{others:?}");

    // Asking was the consent: no --allow-replace is needed.
    let mut session = session;
    let report = session
        .apply(
            &plan,
            ApplyOptions {
                stack: "engine".into(),
                ..ApplyOptions::default()
            },
            Arc::new(Recorder::default()),
        )
        .await
        .unwrap();
    assert!(report.succeeded(), "{:?}", report.failures);
    assert_ne!(env.state().await.resources[&a("web_a")].id, before);
}
