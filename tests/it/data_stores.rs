//! Tuned data stores on the sim: the web service's parameter groups, gp3
//! storage, windows, Performance Insights and Redis AUTH; a stack applied
//! before them upgrades in place (no database or cache is replaced); a
//! token is rotated in place and never reaches state; storage grown by
//! autoscaling is not a change; a parameter group in use is never deleted
//! from under its instance.

use std::sync::Arc;

use strata::core::addr::Address;
use strata::core::apply::{ApplyOptions, ApplyReport};
use strata::core::config::{Config, ResourceConfig};
use strata::core::events::NullObserver;
use strata::core::graph::Graph;
use strata::core::kinds;
use strata::core::kinds::typed::{Sensitive, Stack};
use strata::core::plan::{Action, Plan, PlanOptions};
use strata::core::provider::{Provider, ReadRequest, ReadTarget, UpdateRequest};
use strata::core::session::{Locking, Session};
use strata::core::state::local::LocalBackend;
use strata::core::state::{Backend, State};
use strata::core::value::{Attrs, Value};
use strata::sim::{SimOptions, SimProvider};
use strata::stacks::web_service::{Release, WebService};

/// What this change added to the data stores: a stack applied before it
/// has none of it.
const NEW_DB: &[&str] = &[
    "storage_type",
    "max_allocated_storage",
    "parameter_group_name",
    "maintenance_window",
    "backup_window",
    "performance_insights_enabled",
    "performance_insights_retention_period",
    "copy_tags_to_snapshot",
    "enabled_cloudwatch_logs_exports",
];
const NEW_CACHE: &[&str] = &[
    "auth_token",
    "parameter_group_name",
    "snapshot_retention_limit",
    "snapshot_window",
    "maintenance_window",
];
const TOKEN: &str = "first-redis-token-0001";

struct Env {
    _dir: tempfile::TempDir,
    backend: Arc<LocalBackend>,
    sim: Arc<SimProvider>,
}

impl Env {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let backend = Arc::new(LocalBackend::new(dir.path().join(".strata")));
        let sim = Arc::new(SimProvider::in_memory(SimOptions {
            speed: 20_000.0,
            ..SimOptions::default()
        }));
        Env {
            _dir: dir,
            backend,
            sim,
        }
    }

    async fn session(&self) -> Session {
        let provider: Arc<dyn Provider> = self.sim.clone();
        Session::open(self.backend.clone(), provider, "shop", Locking::Caller)
            .await
            .unwrap()
    }

    async fn plan(&self, config: Config) -> Plan {
        let graph = Graph::build(config).unwrap();
        let session = self.session().await;
        session.plan(&graph, &PlanOptions::default()).await.unwrap()
    }

    async fn apply(&self, config: Config) -> ApplyReport {
        let graph = Graph::build(config).unwrap();
        let mut session = self.session().await;
        let plan = session.plan(&graph, &PlanOptions::default()).await.unwrap();
        let opts = ApplyOptions {
            stack: "shop".into(),
            ..ApplyOptions::default()
        };
        session
            .apply(&plan, opts, Arc::new(NullObserver))
            .await
            .unwrap()
    }

    async fn state(&self) -> State {
        self.backend.load().await.unwrap().unwrap()
    }

    async fn find(&self, kind: &str, id: &str) -> Option<Attrs> {
        let found = self
            .sim
            .read(ReadRequest {
                kind: kind.into(),
                targets: vec![ReadTarget {
                    address: Address::parse("x").unwrap(),
                    id: id.into(),
                }],
            })
            .await
            .unwrap();
        found.found.into_values().next()
    }

    async fn live(&self, kind: &str, id: &str) -> Attrs {
        self.find(kind, id)
            .await
            .unwrap_or_else(|| panic!("no {kind} {id}"))
    }
}

fn web() -> WebService {
    WebService {
        cache_auth_token: Sensitive::new(TOKEN),
        ..WebService::new("shop", "ami-0f3c2a1b4d5e6f708")
    }
}

fn config(web: &WebService) -> Config {
    let mut stack = Stack::new("shop");
    web.declare(&mut stack, "web", &Release::initial(web));
    stack.into_config()
}

/// The web service as it was before its data stores were tuned.
fn untuned(web: &WebService) -> Config {
    let mut c = config(web);
    c.resources.retain(|_, r| {
        r.kind != kinds::DB_PARAMETER_GROUP && r.kind != kinds::CACHE_PARAMETER_GROUP
    });
    for r in c.resources.values_mut() {
        let gone: &[&str] = match r.kind.as_str() {
            kinds::DB_INSTANCE => NEW_DB,
            kinds::REPLICATION_GROUP => NEW_CACHE,
            _ => &[],
        };
        for name in gone {
            r.attrs.remove(name);
        }
    }
    c
}

fn action(plan: &Plan, address: &str) -> Action {
    plan.changes
        .iter()
        .find(|c| c.address.as_str() == address)
        .map(|c| c.action)
        .unwrap_or_else(|| panic!("no change for {address}"))
}

fn changed(plan: &Plan, address: &str) -> Vec<String> {
    let c = plan
        .changes
        .iter()
        .find(|c| c.address.as_str() == address)
        .unwrap();
    c.changes.iter().map(|a| a.name.clone()).collect()
}

#[tokio::test]
async fn an_applied_web_service_takes_its_tuned_data_stores_in_place() {
    let env = Env::new();
    let web = web();
    assert!(env.apply(untuned(&web)).await.succeeded());

    let plan = env.plan(config(&web)).await;
    for c in &plan.changes {
        assert!(
            !matches!(c.action, Action::Replace | Action::Delete),
            "{} would be {:?}: {:?}",
            c.address,
            c.action,
            c.changes.iter().map(|a| &a.name).collect::<Vec<_>>()
        );
    }
    assert_eq!(action(&plan, "web.db_params"), Action::Create);
    assert_eq!(action(&plan, "web.cache_params"), Action::Create);
    for address in [
        "web.db",
        "web.db_replica[0]",
        "web.db_replica[1]",
        "web.redis",
    ] {
        assert_eq!(action(&plan, address), Action::Update, "{address}");
    }
    let db = changed(&plan, "web.db");
    for name in NEW_DB {
        assert!(db.contains(&name.to_string()), "{name} not in {db:?}");
    }
    let redis = changed(&plan, "web.redis");
    for name in NEW_CACHE {
        assert!(redis.contains(&name.to_string()), "{name} not in {redis:?}");
    }

    let report = env.apply(config(&web)).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    let plan = env.plan(config(&web)).await;
    assert!(
        plan.changes.iter().all(|c| c.action == Action::NoOp),
        "{:?}",
        plan.changes
            .iter()
            .filter(|c| c.action != Action::NoOp)
            .map(|c| (&c.address, changed(&plan, c.address.as_str())))
            .collect::<Vec<_>>()
    );

    // What the cloud now runs.
    let db = env.live(kinds::DB_INSTANCE, "shop-db").await;
    assert_eq!(db["parameter_group_name"], Value::from("shop-postgres16"));
    assert_eq!(db["storage_type"], Value::from("gp3"));
    assert_eq!(db["max_allocated_storage"], Value::Int(200));
    assert_eq!(db["backup_window"], Value::from("03:00-04:00"));
    assert_eq!(db["performance_insights_enabled"], Value::Bool(true));
    let replica = env.live(kinds::DB_INSTANCE, "shop-db-replica-1").await;
    assert_eq!(
        replica["parameter_group_name"],
        Value::from("shop-postgres16")
    );
    assert_eq!(
        replica["maintenance_window"],
        Value::from("sun:07:00-sun:08:00")
    );
    let params = env.live(kinds::DB_PARAMETER_GROUP, "shop-postgres16").await;
    let force_ssl = params["parameters"]
        .as_list()
        .unwrap()
        .iter()
        .find(|p| p.as_map().unwrap()["name"] == Value::from("rds.force_ssl"))
        .cloned();
    assert!(force_ssl.is_some_and(|p| p.as_map().unwrap()["value"] == Value::from("1")));
    let redis = env.live(kinds::REPLICATION_GROUP, "shop-redis").await;
    assert_eq!(redis["auth_token_enabled"], Value::Bool(true));
    assert_eq!(redis["parameter_group_name"], Value::from("shop-redis7"));
    assert_eq!(redis["snapshot_retention_limit"], Value::Int(7));
}

#[tokio::test]
async fn the_redis_token_is_rotated_in_place_and_kept_only_as_a_digest() {
    let env = Env::new();
    let mut web = web();
    assert!(env.apply(config(&web)).await.succeeded());
    let state = env.state().await;
    let redis = &state.resources[&Address::parse("web.redis").unwrap()];
    assert!(redis.sensitive_digests.contains_key("auth_token"));
    assert!(!redis.attrs.contains_key("auth_token"));
    let text = serde_json::to_string(&state).unwrap();
    assert!(!text.contains(TOKEN), "the token is in the state");

    // The same token: nothing to do; a new one: an in-place update.
    assert_eq!(
        action(&env.plan(config(&web)).await, "web.redis"),
        Action::NoOp
    );
    web.cache_auth_token = Sensitive::new("second-redis-token-0002");
    let plan = env.plan(config(&web)).await;
    assert_eq!(action(&plan, "web.redis"), Action::Update);
    assert_eq!(changed(&plan, "web.redis"), ["auth_token"]);
    let shown = strata::core::plan::render::json(&plan).to_string();
    assert!(!shown.contains("second-redis-token-0002"), "{shown}");
    assert!(env.apply(config(&web)).await.succeeded());
    assert_eq!(
        action(&env.plan(config(&web)).await, "web.redis"),
        Action::NoOp
    );
}

#[tokio::test]
async fn storage_grown_by_autoscaling_is_not_a_change() {
    let env = Env::new();
    let web = web();
    assert!(env.apply(config(&web)).await.succeeded());
    // RDS grows the storage on its own, up to max_allocated_storage.
    let live = env.live(kinds::DB_INSTANCE, "shop-db").await;
    let mut grown = live.clone();
    grown.insert("allocated_storage".into(), Value::Int(64));
    env.sim
        .update(UpdateRequest {
            address: Address::parse("web.db").unwrap(),
            kind: kinds::DB_INSTANCE.into(),
            id: "shop-db".into(),
            prior: live,
            attrs: grown,
            changed: vec!["allocated_storage".into()],
            stack: "shop".into(),
        })
        .await
        .unwrap();
    let plan = env.plan(config(&web)).await;
    assert_eq!(action(&plan, "web.db"), Action::NoOp);
    // Asking for more than it grew to is still a change.
    let bigger = WebService {
        db_allocated_storage: 100,
        ..web
    };
    let plan = env.plan(config(&bigger)).await;
    assert_eq!(changed(&plan, "web.db"), ["allocated_storage"]);
}

fn small(group: &str, with_group: bool) -> Config {
    let mut c = Config::new("shop");
    let a = |s: &str| Address::parse(s).unwrap();
    if with_group {
        c.add(
            ResourceConfig::new(a("params"), kinds::DB_PARAMETER_GROUP)
                .with("name", group)
                .with("family", "postgres16"),
        );
    }
    let mut db = ResourceConfig::new(a("db"), kinds::DB_INSTANCE)
        .with("identifier", "shop-db")
        .with("instance_class", "db.t4g.medium")
        .with("username", "app")
        .with("skip_final_snapshot", true);
    db = if with_group {
        db.with(
            "parameter_group_name",
            Value::from(strata::core::value::Reference::parse("params.name").unwrap()),
        )
    } else {
        db.with("parameter_group_name", group)
    };
    c.add(db);
    c
}

#[tokio::test]
async fn a_parameter_group_in_use_is_replaced_before_it_goes_and_never_deleted_under_its_instance()
{
    let env = Env::new();
    assert!(env.apply(small("shop-a", true)).await.succeeded());
    // A new name: the new group is made, the instance moved to it, then
    // the old group deleted.
    let plan = env.plan(small("shop-b", true)).await;
    assert_eq!(action(&plan, "params"), Action::Replace);
    assert_eq!(action(&plan, "db"), Action::Update);
    let report = env.apply(small("shop-b", true)).await;
    assert!(report.succeeded(), "{:?}", report.failures);
    let db = env.live(kinds::DB_INSTANCE, "shop-db").await;
    assert_eq!(db["parameter_group_name"], Value::from("shop-b"));
    assert!(
        env.find(kinds::DB_PARAMETER_GROUP, "shop-a")
            .await
            .is_none(),
        "the old group is deleted"
    );

    // Removing the group while the instance still names it: AWS refuses.
    let report = env.apply(small("shop-b", false)).await;
    assert!(!report.succeeded());
    assert_eq!(
        report.failures[0].code.as_deref(),
        Some("InvalidDBParameterGroupState")
    );
    assert_eq!(
        env.live(kinds::DB_PARAMETER_GROUP, "shop-b").await["name"],
        Value::from("shop-b")
    );
}

#[tokio::test]
async fn an_instance_needs_a_parameter_group_of_its_major_version() {
    let env = Env::new();
    let mut c = small("shop-pg15", true);
    for r in c.resources.values_mut() {
        if r.kind == kinds::DB_PARAMETER_GROUP {
            r.attrs.insert("family".into(), Value::from("postgres15"));
        }
    }
    let report = env.apply(c).await;
    assert!(!report.succeeded());
    let f = &report.failures[0];
    assert_eq!(f.address.as_str(), "db");
    assert_eq!(f.code.as_deref(), Some("InvalidParameterCombination"));
}

fn redis(token: Option<&str>, strategy: Option<&str>) -> Config {
    let mut c = Config::new("shop");
    let mut r = ResourceConfig::new(Address::parse("redis").unwrap(), kinds::REPLICATION_GROUP)
        .with("replication_group_id", "shop-redis")
        .with("node_type", "cache.t4g.small");
    if let Some(t) = token {
        r = r.with("auth_token", t);
    }
    if let Some(s) = strategy {
        r = r.with("auth_token_update_strategy", s);
    }
    c.add(r);
    c
}

#[tokio::test]
async fn auth_is_turned_off_with_the_delete_strategy_and_needs_tls() {
    let env = Env::new();
    assert!(env.apply(redis(Some(TOKEN), None)).await.succeeded());
    let live = env.live(kinds::REPLICATION_GROUP, "shop-redis").await;
    assert_eq!(live["auth_token_enabled"], Value::Bool(true));

    let off = redis(None, Some("DELETE"));
    let plan = env.plan(off.clone()).await;
    assert_eq!(action(&plan, "redis"), Action::Update);
    assert!(env.apply(off.clone()).await.succeeded());
    let live = env.live(kinds::REPLICATION_GROUP, "shop-redis").await;
    assert_eq!(live["auth_token_enabled"], Value::Bool(false));
    assert_eq!(action(&env.plan(off).await, "redis"), Action::NoOp);

    // A token without TLS, or with DELETE, is refused before any call.
    let mut plain = redis(Some(TOKEN), None);
    for r in plain.resources.values_mut() {
        r.attrs
            .insert("transit_encryption_enabled".into(), Value::Bool(false));
    }
    let err = format!("{:?}", Graph::build(plain).unwrap_err());
    assert!(err.contains("AUTH needs transit encryption"), "{err}");
    assert!(Graph::build(redis(Some(TOKEN), Some("DELETE"))).is_err());
}

#[test]
fn tuning_parameters_aws_would_refuse_are_diagnosed_without_showing_the_token() {
    use strata::core::value::Value as V;
    let mut params = strata::stacks::web_service::to_params(&web());
    params.insert("cache_auth_token".into(), V::from("short@token"));
    params.insert("db_max_allocated_storage".into(), V::Int(40));
    params.insert("cache_snapshot_retention_days".into(), V::Int(60));
    let (_, errors) = strata::stacks::web_service::from_params(&params);
    let named: Vec<&str> = errors.iter().filter_map(|e| e.param.as_deref()).collect();
    assert_eq!(
        named,
        [
            "db_max_allocated_storage",
            "cache_auth_token",
            "cache_snapshot_retention_days"
        ],
        "{errors:?}"
    );
    assert!(errors.iter().all(|e| !e.message.contains("short@token")));
}
