//! The S3 state backend on moto: the lock object (If-None-Match: *), a
//! second apply failing fast with the holder's name, force-unlock by id
//! only, If-Match refusing a write from a stale read, state pull/push and
//! migrating from the local backend.
//!
//! These stacks run on the sim provider: the backend is what is under test.

use std::sync::Arc;
use std::time::{Duration, Instant};

use strata::sim::{SimOptions, SimProvider};
use strata_aws::sdk::s3;
use strata_aws::{S3Backend, S3Settings};
use strata_core::provider::Provider;
use strata_core::session::{Locking, Session};
use strata_core::state::{Backend, LockInfo, State, StateChange, StateError};

use crate::support::{moto, sdk, Project};

const BUCKET: &str = "team-state";
const KEY: &str = "prod/web.json";

async fn bucket() {
    let cfg = sdk().await;
    let s3 = s3::Client::from_conf(
        s3::config::Builder::from(&cfg)
            .force_path_style(true)
            .build(),
    );
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
}

fn settings() -> S3Settings {
    S3Settings {
        bucket: BUCKET.into(),
        key: KEY.into(),
        ..S3Settings::default()
    }
}

/// A sim stack (a VPC, and a DB that takes a few seconds) on `backend`.
fn manifest(backend: &str) -> String {
    format!(
        r#"stack = "web"

[provider]
kind = "sim"
region = "us-east-1"

{backend}

[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.0.0.0/16"
"#
    )
}

fn s3_backend() -> String {
    format!("[backend]\nkind = \"s3\"\nbucket = \"{BUCKET}\"\nkey = \"{KEY}\"\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_held_lock_fails_a_second_apply_fast_and_only_its_id_breaks_it() {
    let _moto = moto();
    bucket().await;
    let p = Project::new(&manifest(&s3_backend()));
    let b = S3Backend::new(settings());
    let mut held = LockInfo::for_operation("apply");
    held.who = "alice@build-7".into();
    b.lock(&held).await.unwrap();
    // A second lock through the API is refused and names the holder.
    match b.lock(&LockInfo::for_operation("apply")).await {
        Err(StateError::Locked { holder }) => assert_eq!(holder.who, "alice@build-7"),
        other => panic!("expected Locked, got {other:?}"),
    }

    let started = Instant::now();
    let err = p.fails(&["apply", "--yes"]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "apply did not fail fast"
    );
    assert!(err.contains("alice@build-7"), "{err}");
    assert!(err.contains(&held.id), "the help names the lock id: {err}");

    let err = p.fails(&["force-unlock", "not-the-id"]);
    assert!(err.contains(&held.id), "{err}");
    assert_eq!(b.lock_holder().await.unwrap().unwrap().id, held.id);
    p.ok(&["force-unlock", &held.id]);
    assert!(b.lock_holder().await.unwrap().is_none());

    p.ok(&["apply", "--yes"]);
    assert!(
        b.lock_holder().await.unwrap().is_none(),
        "apply released its lock"
    );
    let state = b.load().await.unwrap().unwrap();
    assert!(state.resources.keys().any(|a| a.as_str() == "vpc"));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_concurrent_applies_one_proceeds_the_other_fails_naming_the_holder() {
    let _moto = moto();
    bucket().await;
    let p = Project::new(&manifest(&s3_backend()).replace(
        "cidr_block = \"10.0.0.0/16\"\n",
        "cidr_block = \"10.0.0.0/16\"\n\n[resource.db]\nkind = \"aws.rds.db_instance\"\nidentifier = \"web-db\"\ninstance_class = \"db.t4g.medium\"\nusername = \"app\"\npassword = \"pw-123456\"\nskip_final_snapshot = true\n",
    ));
    // At speed 300 the DB takes about two seconds: the applies overlap.
    let spawn = || {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("strata"))
            .current_dir(p.path())
            .env("STRATA_SIM_SPEED", "300")
            .env("NO_COLOR", "1")
            .args(["apply", "--yes"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let text = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let ok = [a.status.success(), b.status.success()];
    assert_eq!(
        ok.iter().filter(|x| **x).count(),
        1,
        "{}\n---\n{}",
        text(&a),
        text(&b)
    );
    let loser = if ok[0] { text(&b) } else { text(&a) };
    assert!(loser.contains("locked by"), "{loser}");
    assert!(loser.contains("`apply`"), "{loser}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_write_from_a_stale_read_is_refused() {
    let _moto = moto();
    bucket().await;
    let (a, b) = (
        Arc::new(S3Backend::new(settings())),
        Arc::new(S3Backend::new(settings())),
    );
    a.persist(&State::new("web")).await.unwrap();
    // The provider is never called: nothing is pending.
    let provider: Arc<dyn Provider> = Arc::new(SimProvider::in_memory(SimOptions::default()));
    let open = |backend: Arc<S3Backend>| {
        let provider = provider.clone();
        async move {
            Session::open(backend, provider, "web", Locking::Caller)
                .await
                .unwrap()
        }
    };
    let change = || {
        vec![StateChange::Outputs {
            outputs: Default::default(),
        }]
    };
    // Two runs read serial 0; the second to write is refused.
    let mut sa = open(a.clone()).await;
    let mut sb = open(b.clone()).await;
    sb.commit(change()).await.unwrap();
    let err = sa.commit(change()).await.unwrap_err().to_string();
    assert!(err.contains("changed since"), "{err}");
    // Nothing was lost: B's write is there; a fresh read then write works.
    let mut s = open(a.clone()).await;
    assert_eq!(s.state().serial(), 1);
    s.commit(change()).await.unwrap();
    // A first write never overwrites an existing object either.
    let fresh = S3Backend::new(settings());
    let err = fresh
        .persist(&State::new("web"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("changed since"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn state_migrates_from_local_to_s3_with_pull_and_push() {
    let _moto = moto();
    bucket().await;
    let p = Project::new(&manifest(""));
    p.ok(&["apply", "--yes"]);
    let pulled = p.ok(&["state", "pull"]);
    let local: State = serde_json::from_str(&pulled).unwrap();
    assert_eq!(local.resources.len(), 1);
    let file = p.path().join("pulled.json");
    std::fs::write(&file, &pulled).unwrap();

    p.edit(|m| {
        m.replace(
            "\n\n[resource.vpc]",
            &format!("\n{}\n[resource.vpc]", s3_backend()),
        )
    });
    let pushed = p.ok(&["state", "push", "pulled.json"]);
    assert!(pushed.contains("s3://team-state/prod/web.json"), "{pushed}");
    let listed = p.ok(&["state", "list"]);
    assert!(listed.contains("vpc"), "{listed}");
    assert!(p.ok(&["plan"]).contains("No changes"));
    assert_eq!(p.ok(&["state", "pull"]).trim(), pulled.trim());

    // Another lineage, or an older serial, is refused unless forced.
    let mut other = local.clone();
    other.lineage = "another-stack".into();
    std::fs::write(p.path().join("other.json"), other.to_json().unwrap()).unwrap();
    let err = p.fails(&["state", "push", "other.json"]);
    assert!(err.contains("lineage"), "{err}");
    let mut newer = serde_json::to_value(&local).unwrap();
    newer["serial"] = serde_json::json!(local.serial() + 5);
    std::fs::write(p.path().join("newer.json"), newer.to_string()).unwrap();
    p.ok(&["state", "push", "newer.json"]);
    let err = p.fails(&["state", "push", "pulled.json"]);
    assert!(err.contains("serial"), "{err}");
    p.ok(&["state", "push", "other.json", "--force"]);
    let now: State = serde_json::from_str(&p.ok(&["state", "pull"])).unwrap();
    assert_eq!(now.lineage, "another-stack");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lock_whose_lease_ran_out_is_taken_over_and_a_renewed_one_is_not() {
    let _moto = moto();
    bucket().await;
    let p = Project::new(&manifest(&s3_backend()));
    let b = S3Backend::new(settings());
    // A run on another machine that died ten minutes ago: its lease ran out.
    let mut dead = LockInfo::for_operation("apply");
    dead.who = "ci@runner-3".into();
    dead.host = "runner-3".into();
    dead.renewed = Some((chrono::Utc::now() - chrono::Duration::minutes(10)).to_rfc3339());
    b.lock(&dead).await.unwrap();
    let out = p.cmd(&["apply", "--yes"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("took over the state lock of `apply` by ci@runner-3")
            && err.contains("its lease was last renewed at"),
        "{err}"
    );
    assert!(b.lock_holder().await.unwrap().is_none());

    // A live run elsewhere renews its lease: never displaced.
    let mut live = LockInfo::for_operation("apply");
    live.who = "bob@laptop".into();
    live.host = "laptop".into();
    b.lock(&live).await.unwrap();
    live.renewed = Some(chrono::Utc::now().to_rfc3339());
    b.renew(&live).await.unwrap();
    let err = p.fails(&["apply", "--yes"]);
    assert!(err.contains("locked by bob@laptop"), "{err}");
    assert_eq!(
        b.lock_holder().await.unwrap().unwrap().renewed,
        live.renewed
    );
    // A renewal by anyone but the holder is refused.
    let other = LockInfo::for_operation("apply");
    assert!(matches!(
        b.renew(&other).await,
        Err(StateError::LockMismatch { .. })
    ));
    p.ok(&["force-unlock", &live.id]);
}
