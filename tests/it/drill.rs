//! `strata drill` on the sim, with the web service example: backup-restore
//! reports RTO and RPO and leaves nothing behind; `--promote` leaves an
//! empty plan; failovers of the DB, Redis and a whole AZ keep the stack
//! serving and end with every resource back in plan; cleanup removes what a
//! killed drill left; a drill refuses to run while an apply holds the lock.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use std::sync::Arc;

use serde_json::Value;
use strata::core::provider::{
    Capabilities, CreateRequest, DeleteRequest, DrillOps, OpStatus, PollRequest, ProviderError,
    ReadRequest, ReadResponse, UpdateRequest,
};
use strata::core::state::local::LocalBackend;
use strata::core::state::Backend;
use strata::drill::{BackupRestoreOptions, Drill, FailoverOptions, FailoverTarget};
use strata::sim::{SimOptions, SimProvider};

use crate::support::{text, Project};
use crate::web_service::applied;
use crate::web_service_edge::applied_https;

/// Drills run at this speed: fast, yet slow enough that each poll (50 ms,
/// i.e. 100 s of cloud time) sees the cloud's phases.
const DRILL_SPEED: &str = "2000";

/// Runs a drill with `--report` in the project, expecting `code`; returns
/// the JSON report and stdout.
fn drill(p: &Project, args: &[&str], code: i32) -> (Value, String) {
    let report = p.path().join("report");
    let mut all = vec!["drill"];
    all.extend_from_slice(args);
    let report_arg = report.to_string_lossy().into_owned();
    all.extend_from_slice(&["--report", &report_arg]);
    let out = p
        .cmd(&all)
        .env("STRATA_SIM_SPEED", DRILL_SPEED)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "strata {all:?}\nstdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let json = std::fs::read_to_string(p.path().join("report.json")).unwrap();
    let md = std::fs::read_to_string(p.path().join("report.md")).unwrap();
    let report: Value = serde_json::from_str(&json).unwrap();
    assert!(
        md.contains(&format!("# Drill `{}`", report["id"].as_str().unwrap())),
        "{md}"
    );
    (report, text(&out.stdout))
}

fn steps(report: &Value) -> Vec<String> {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

fn step<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name} in {report:#}"))
}

fn clean_plan(p: &Project) {
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
}

/// The simulated cloud as persisted.
fn cloud(p: &Project) -> Value {
    let file = p.path().join(".strata/sim/cloud-us-east-1.json");
    serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
}

fn db_ids(p: &Project) -> Vec<String> {
    let c = cloud(p);
    c["objects"]["aws.rds.db_instance"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn nothing_left(p: &Project) {
    let out = p.run_expect(&["drill", "cleanup"], 0);
    assert_eq!(text(&out.stdout).trim(), "Nothing to clean up.");
    assert!(
        db_ids(p).iter().all(|id| !id.starts_with("shop-db-d20")),
        "{:?}",
        db_ids(p)
    );
    let snaps = cloud(p)["snapshots"].clone();
    assert!(
        snaps
            .as_object()
            .is_none_or(|m| m.keys().all(|k| k.starts_with("rds:"))),
        "{snaps}"
    );
}

/// The stack kept serving: the load balancer always had healthy targets and
/// the 5xx rate stayed within the SLO.
fn kept_serving(report: &Value) {
    let probe = &report["probe"];
    assert!(probe["min_healthy"].as_u64().unwrap() > 0, "{probe}");
    assert!(probe["error_rate"].as_f64().unwrap() <= 0.01, "{probe}");
    assert!(probe["samples"].as_u64().unwrap() > 0, "{probe}");
    assert!(
        probe["healthy_after"].as_u64() >= probe["healthy_before"].as_u64(),
        "{probe}"
    );
}

#[test]
fn backup_restore_reports_rto_and_rpo_and_leaves_no_drill_resources() {
    let p = applied();
    let (report, stdout) = drill(
        &p,
        &[
            "backup-restore",
            "--verify",
            "test -n \"$PGHOST\" && echo \"orders: 42 rows on $PGHOST:$PGPORT\"",
        ],
        0,
    );
    assert_eq!(report["passed"], true, "{report:#}");
    assert_eq!(
        steps(&report),
        [
            "inspect the primary",
            "snapshot",
            "restore",
            "verify",
            "verify command",
            "delete the drill instance",
            "delete the drill snapshot"
        ]
    );
    // A restore takes 600 s of AWS time, a snapshot 120 s.
    let rto = report["rto_seconds"].as_f64().unwrap();
    let rpo = report["rpo_seconds"].as_f64().unwrap();
    assert!((600.0..3000.0).contains(&rto), "RTO {rto}");
    assert!((120.0..2400.0).contains(&rpo), "RPO {rpo}");
    let verify = step(&report, "verify")["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        verify.contains("postgres 16.4, encrypted, class db.t4g.medium"),
        "{verify}"
    );
    let cmd = step(&report, "verify command")["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        cmd.starts_with("exit 0: orders: 42 rows on shop-db-d20") && cmd.ends_with(":5432"),
        "{cmd}"
    );
    assert!(report["left_behind"].as_array().unwrap().is_empty());
    assert!(stdout.contains("PASSED; RTO"), "{stdout}");
    nothing_left(&p);
    clean_plan(&p);

    // It is recorded in state, for `strata drill list`.
    let out = p.run_expect(&["drill", "list"], 0);
    let list = text(&out.stdout);
    let id = report["id"].as_str().unwrap();
    assert!(list.contains(id) && list.contains("passed"), "{list}");
    // ... and an apply keeps the record.
    p.run_expect(&["apply", "--yes"], 0);
    let out = p.run_expect(&["drill", "list", "--json"], 0);
    let records: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(records[0]["id"], id);
    assert_eq!(records[0]["status"], "passed");
}

#[test]
fn a_failed_verify_command_fails_the_drill_and_still_cleans_up() {
    let p = applied();
    // RDS takes the first automated backup 8 minutes (of AWS time) after
    // creating the primary: 240 ms at the drill's speed.
    std::thread::sleep(Duration::from_millis(400));
    let (report, _) = drill(
        &p,
        &[
            "backup-restore",
            "--from-latest",
            "--verify",
            "echo 'relation \"orders\" does not exist' >&2; exit 2",
        ],
        3,
    );
    assert_eq!(report["passed"], false);
    let snapshot = report["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f[0] == "snapshot")
        .unwrap_or_else(|| panic!("{report:#}"))[1]
        .clone();
    assert!(
        snapshot.as_str().unwrap().starts_with("rds:shop-db-"),
        "{snapshot}"
    );
    assert_eq!(
        step(&report, "verify command")["detail"],
        "exit 2: relation \"orders\" does not exist"
    );
    assert!(report["failures"][0]
        .as_str()
        .unwrap()
        .starts_with("verify command: exit 2"));
    // The automated snapshot is RDS's and stays; the instance is gone.
    assert_eq!(steps(&report).last().unwrap(), "delete the drill instance");
    nothing_left(&p);
}

#[test]
fn a_promoted_restore_becomes_the_primary_and_the_plan_is_empty() {
    let p = applied();
    let endpoint = text(
        &p.run_expect(&["output", "web.db_writer_endpoint"], 0)
            .stdout,
    );
    let (report, _) = drill(&p, &["backup-restore", "--promote"], 0);
    assert_eq!(report["passed"], true, "{report:#}");
    assert_eq!(
        step(&report, "converge")["detail"],
        "the stack's plan shows no changes"
    );
    clean_plan(&p);
    // Same identifier and endpoint; the old primary is kept, renamed.
    assert_eq!(
        text(
            &p.run_expect(&["output", "web.db_writer_endpoint"], 0)
                .stdout
        ),
        endpoint
    );
    let retired = format!("shop-db-pre-{}", report["id"].as_str().unwrap());
    assert!(db_ids(&p).contains(&retired), "{:?}", db_ids(&p));
    let left = report["left_behind"][0].as_str().unwrap();
    assert!(
        left.contains(&retired) && left.contains("delete-db-instance"),
        "{left}"
    );
    nothing_left(&p);
}

#[test]
fn db_and_cache_failovers_keep_serving_and_report_recovery_times() {
    let p = applied();
    let (report, _) = drill(&p, &["failover", "--db"], 0);
    assert_eq!(report["passed"], true, "{report:#}");
    kept_serving(&report);
    // A multi-AZ failover takes 60 s of AWS time.
    let rto = report["rto_seconds"].as_f64().unwrap();
    assert!((60.0..2000.0).contains(&rto), "RTO {rto}");
    let detail = step(&report, "reboot with failover")["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        detail.contains("primary moved us-east-1a → us-east-1b"),
        "{detail}"
    );
    clean_plan(&p);

    let (report, _) = drill(&p, &["failover", "--cache"], 0);
    assert_eq!(report["passed"], true, "{report:#}");
    kept_serving(&report);
    assert!(report["rto_seconds"].as_f64().unwrap() >= 30.0);
    let detail = step(&report, "TestFailover")["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(detail.contains("primary now shop-redis-002"), "{detail}");
    clean_plan(&p);

    let (report, _) = drill(&p, &["failover", "--db", "--promote-replica"], 0);
    assert_eq!(report["passed"], true, "{report:#}");
    assert_eq!(
        step(&report, "converge")["detail"],
        "every resource is back in plan: no changes"
    );
    clean_plan(&p);
    // The promoted replica's address has a new replica of the new primary.
    let state = p.state();
    assert_eq!(
        state["resources"]["web.db_replica[0]"]["attrs"]["replicate_source_db"],
        "shop-db"
    );
}

#[test]
fn an_az_outage_keeps_serving_and_ends_with_every_resource_in_plan() {
    let p = applied();
    let (report, _) = drill(&p, &["failover", "--az", "us-east-1a"], 0);
    assert_eq!(report["passed"], true, "{report:#}");
    kept_serving(&report);
    assert_eq!(
        steps(&report),
        ["take the AZ down", "recover", "restore the AZ", "converge"]
    );
    assert!(report["rto_seconds"].as_f64().unwrap() > 0.0);
    // The DB and Redis primaries were in us-east-1a: both moved.
    let recover = step(&report, "recover")["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        recover.contains("DB and Redis primaries available outside us-east-1a"),
        "{recover}"
    );
    assert_eq!(cloud(&p)["az_down"], serde_json::json!([]));
    clean_plan(&p);
}

#[test]
fn bad_input_is_refused_with_a_clear_error() {
    let p = applied();
    let out = p.run_expect(&["drill", "failover", "--az", "eu-west-1a"], 1);
    let err = text(&out.stderr);
    assert!(
        err.contains("`eu-west-1a` is not an availability zone of us-east-1"),
        "{err}"
    );
    assert!(err.contains("strata::drill::options"), "{err}");
    let out = p.run_expect(&["drill", "backup-restore", "--db", "web.redis"], 1);
    let err = text(&out.stderr);
    assert!(
        err.contains("`web.redis` is a aws.elasticache.replication_group"),
        "{err}"
    );
    let out = p.run_expect(&["drill", "failover"], 2);
    assert!(text(&out.stderr).contains("--db"), "{}", text(&out.stderr));
    let empty = Project::new(&crate::web_service::example_text());
    let out = empty.run_expect(&["drill", "backup-restore"], 1);
    assert!(text(&out.stderr).contains("run `strata apply` first"));
}

#[test]
fn a_drill_refuses_to_run_while_an_apply_holds_the_lock() {
    let p = applied();
    let lock = serde_json::json!({
        "id": "4f1c0d2e-0000-4000-8000-000000000002", "operation": "apply", "who": "ci@builder",
        "pid": std::process::id(), "host": "builder", "created": "2026-01-01T00:00:00Z", "version": "0.1.0"
    });
    std::fs::write(p.path().join(".strata/state.lock"), lock.to_string()).unwrap();
    let out = p.run_expect(&["drill", "failover", "--db"], 1);
    let err = text(&out.stderr);
    assert!(err.contains("does not run while an apply"), "{err}");
    assert!(err.contains("the state is locked by ci@builder"), "{err}");
    // Nothing happened: no drill was recorded, the primary did not move.
    let out = p.run_expect(&["drill", "list", "--json"], 0);
    assert_eq!(text(&out.stdout).trim(), "[]");
    p.run_expect(&["force-unlock", "4f1c0d2e-0000-4000-8000-000000000002"], 0);
    p.run_expect(&["drill", "failover", "--db"], 0);
}

/// Spawns a drill and SIGKILLs it once it printed a line starting `step`.
fn kill_at(p: &Project, args: &[&str], step: &str) {
    let mut all = vec!["drill"];
    all.extend_from_slice(args);
    all.push("--json");
    let mut child = p
        .std_cmd(&all)
        .env("STRATA_SIM_SPEED", DRILL_SPEED)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let e: Value = serde_json::from_str(&line).unwrap();
        if e["event"] == "step_started" && e["step"] == step {
            break;
        }
        assert!(Instant::now() < deadline, "never reached {step}");
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn cleanup_removes_what_a_killed_restore_drill_left() {
    let p = applied();
    kill_at(
        &p,
        &["backup-restore", "--verify", "sleep 60"],
        "verify command",
    );
    let ids = db_ids(&p);
    assert!(
        ids.iter().any(|id| id.starts_with("shop-db-d20")),
        "{ids:?}"
    );
    let out = p.run_expect(&["drill", "list", "--json"], 0);
    let records: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(records[0]["status"], "running");
    // The dead drill's lock is broken; its instance and snapshot go.
    let out = p.run_expect(&["drill", "cleanup"], 0);
    let printed = text(&out.stdout);
    assert!(
        printed.contains("Removed: DB instance shop-db-d20"),
        "{printed}"
    );
    assert!(
        printed.contains("Removed: DB snapshot shop-db-d20"),
        "{printed}"
    );
    nothing_left(&p);
    let out = p.run_expect(&["drill", "list", "--json"], 0);
    let records: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(records[0]["status"], "cleaned");
    clean_plan(&p);
}

#[test]
fn cleanup_brings_back_the_az_a_killed_drill_took_down() {
    let p = applied();
    kill_at(
        &p,
        &["failover", "--az", "us-east-1b", "--hold", "100h"],
        "hold the outage",
    );
    assert_eq!(cloud(&p)["az_down"], serde_json::json!(["us-east-1b"]));
    let out = p.run_expect(&["drill", "cleanup"], 0);
    assert!(text(&out.stdout).contains("Undone: us-east-1b is up again"));
    assert_eq!(cloud(&p)["az_down"], serde_json::json!([]));
    clean_plan(&p);
}

/// The sim as AWS would be for an AZ drill: every capability but the AZ
/// lever (AWS cannot turn an AZ off). With `drills: false`, it offers no
/// drill operations either.
struct Limited {
    sim: strata::sim::SimProvider,
    drills: bool,
}

#[async_trait::async_trait]
impl strata::core::provider::Provider for Limited {
    fn name(&self) -> &str {
        "limited"
    }
    fn region(&self) -> &str {
        self.sim.region()
    }
    fn capabilities(&self) -> Capabilities<'_> {
        let mut caps = self.sim.capabilities();
        caps.zone_outage = None;
        if !self.drills {
            caps.drill_ops = None;
        }
        caps
    }
    async fn read(&self, r: ReadRequest) -> Result<ReadResponse, ProviderError> {
        self.sim.read(r).await
    }
    async fn create(&self, r: CreateRequest) -> Result<OpStatus, ProviderError> {
        self.sim.create(r).await
    }
    async fn update(&self, r: UpdateRequest) -> Result<OpStatus, ProviderError> {
        self.sim.update(r).await
    }
    async fn delete(&self, r: DeleteRequest) -> Result<OpStatus, ProviderError> {
        self.sim.delete(r).await
    }
    async fn poll(&self, r: PollRequest) -> Result<OpStatus, ProviderError> {
        self.sim.poll(r).await
    }
}

/// A drill on the applied stack `p` through a [`Limited`] sim.
fn limited_drill(p: &Project, drills: bool) -> Drill {
    let dir = p.path().join(".strata");
    // Parsed here, in a process without the example's SHOP_DB_PASSWORD and
    // SHOP_CACHE_AUTH_TOKEN: the same secrets, in the text.
    let text = std::fs::read_to_string(p.manifest())
        .unwrap()
        .replace(
            r#"{ env = "SHOP_DB_PASSWORD" }"#,
            &format!("{:?}", crate::support::DB_PASSWORD),
        )
        .replace(
            r#"{ env = "SHOP_CACHE_AUTH_TOKEN" }"#,
            &format!("{:?}", crate::support::CACHE_AUTH_TOKEN),
        );
    let config = strata::core::manifest::parse_manifest("strata.toml", &text).unwrap();
    let options = SimOptions {
        speed: 2000.0,
        ..SimOptions::default()
    };
    let sim = SimProvider::open(&dir.join("sim"), options).unwrap();
    let backend: Arc<dyn Backend> = Arc::new(LocalBackend::new(&dir));
    let mut drill = Drill::new(config, backend, Arc::new(Limited { sim, drills }));
    drill.poll = Duration::from_millis(20);
    drill
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_without_drill_operations_is_named_with_what_it_lacks() {
    let p = applied();
    let err = limited_drill(&p, false)
        .backup_restore(BackupRestoreOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the `limited` provider cannot run drills: it offers no drill operations \
         (DB snapshots and restores, failovers, target deregistration, autoscaling \
         process suspension)"
    );
    let code = miette::Diagnostic::code(&err).map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("strata::provider::capability"));
    // Nothing was started: no drill is recorded.
    let out = p.run_expect(&["drill", "list", "--json"], 0);
    let records: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(records, serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_az_power_the_az_drill_deregisters_targets_and_suspends_autoscaling_then_restores()
{
    let p = applied();
    let drill = limited_drill(&p, true);
    // Ten minutes of outage (300 ms here) for the probe to see.
    let report = drill
        .failover(FailoverOptions {
            hold: Duration::from_secs(600),
            ..FailoverOptions::new(FailoverTarget::Az {
                az: "us-east-1a".into(),
            })
        })
        .await
        .unwrap();
    assert!(report.passed, "{}", report.to_markdown());
    let down = &report.steps[0];
    assert_eq!(down.name, "take the AZ down");
    assert_eq!(
        down.detail,
        "us-east-1a isolated: 1 target(s) deregistered, 2 autoscaling group(s) suspended"
    );
    // The load balancer lost the AZ's target while the drill held it out.
    assert_eq!(report.probe.healthy_before, 3);
    assert_eq!(report.probe.min_healthy, 2);
    assert_eq!(report.probe.healthy_after, 3);
    assert_eq!(report.steps[2].name, "hold the outage");
    let restore = &report.steps[3].detail;
    assert!(
        restore.contains("1 of 1 target(s) registered again"),
        "{restore}"
    );
    assert!(restore.contains("3 targets healthy"), "{restore}");
    // Autoscaling runs again: no process is left suspended.
    let c = cloud(&p);
    for (name, asg) in c["objects"]["aws.autoscaling.group"].as_object().unwrap() {
        let suspended = &asg["computed"]["suspended_processes"];
        assert_eq!(suspended, &serde_json::json!([]), "{name}");
    }
    clean_plan(&p);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_gives_the_primary_its_name_back_when_a_promote_died_between_the_renames() {
    use strata::core::drill::{RenameDbRequest, RETIRED_TAG};
    use strata::core::session::{Locking, Session};
    use strata::core::state::{OutputState, StateChange};
    use strata::drill::{DrillRecord, Undo, DRILLS_OUTPUT};

    let p = applied();
    let dir = p.path().join(".strata");
    let sim = SimProvider::open(&dir.join("sim"), SimOptions::default()).unwrap();
    // What `--promote` does first, and what it notes before doing it.
    let retired = "shop-db-pre-d20260101t000000-dead";
    sim.modify_db_instance_identifier(RenameDbRequest {
        db_id: "shop-db".into(),
        new_db_id: retired.into(),
        add_tags: [(RETIRED_TAG.to_string(), "d20260101t000000-dead".to_string())].into(),
        remove_tags: vec![],
    })
    .await
    .unwrap();
    let record = DrillRecord {
        id: "d20260101t000000-dead".into(),
        drill: "backup-restore".into(),
        target: "web.db (shop-db)".into(),
        started_at: "2026-01-01T00:00:00Z".into(),
        finished_at: None,
        status: "running".into(),
        rto_seconds: None,
        rpo_seconds: None,
        error_rate: None,
        failures: vec![],
        undo: vec![Undo::Renamed {
            db_id: retired.into(),
            back_to: "shop-db".into(),
        }],
    };
    let backend = Arc::new(LocalBackend::new(&dir));
    let provider = Arc::new(SimProvider::in_memory(SimOptions::default()));
    let mut session = Session::open(backend, provider, "shop", Locking::Caller)
        .await
        .unwrap();
    let mut outputs = session.state().outputs.clone();
    outputs.insert(
        DRILLS_OUTPUT.into(),
        OutputState {
            value: serde_json::to_value(vec![record]).unwrap(),
            sensitive: false,
        },
    );
    session
        .commit(vec![StateChange::Outputs { outputs }])
        .await
        .unwrap();
    assert!(!db_ids(&p).contains(&"shop-db".to_string()));

    let out = p.run_expect(&["drill", "cleanup"], 0);
    let printed = text(&out.stdout);
    assert!(
        printed.contains(&format!("Undone: {retired} renamed back to shop-db")),
        "{printed}"
    );
    assert!(db_ids(&p).contains(&"shop-db".to_string()));
    clean_plan(&p);
}

#[test]
fn with_https_a_db_failover_probes_the_https_listeners_target_groups() {
    let p = applied_https();
    let (report, _) = drill(&p, &["failover", "--db"], 0);
    assert_eq!(report["passed"], true, "{report:#}");
    kept_serving(&report);
    // Blue is live behind the HTTPS listener; the redirect forwards nowhere.
    assert_eq!(report["probe"]["target_groups"], 1, "{report:#}");
    clean_plan(&p);
}
