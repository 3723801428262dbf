//! `backup-restore`: snapshot (or take the latest automated snapshot),
//! restore into a drill instance, verify, then promote, keep or delete.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use strata_core::drill::{
    CreateDbSnapshotRequest, DbInstance, DbSnapshot, DescribeDbSnapshotsRequest, RestoreDbRequest,
    SnapshotType, DRILL_TAG,
};
use strata_core::kinds;

use super::ctx::{self, is_primary, load_state, Run};
use super::probe::Probe;
use super::report::{human_secs, DrillReport};
use super::{cleanup, promote, BackupRestoreOptions, Drill, DrillError};

/// How long a `--verify` command may run (wall time).
const VERIFY_TIMEOUT: Duration = Duration::from_secs(600);

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `<base>-<drill id>`, cut so it fits RDS's 63 characters.
pub(super) fn drill_name(base: &str, drill_id: &str) -> String {
    let room = 63usize.saturating_sub(drill_id.len() + 1);
    let base: String = base.chars().take(room).collect();
    format!("{}-{drill_id}", base.trim_end_matches('-'))
}

/// What this drill made, so it can be removed whatever happened.
#[derive(Default)]
struct Made {
    snapshot: Option<String>,
    instance: Option<String>,
}

pub(super) async fn run(d: &Drill, opts: BackupRestoreOptions) -> Result<DrillReport, DrillError> {
    if opts.promote && opts.keep {
        return Err(DrillError::Options(
            "--promote and --keep do not go together: a promoted instance stays as the primary"
                .into(),
        ));
    }
    let mut session = load_state(d).await?;
    let state = session.state();
    let (addr, db_id) = ctx::pick(
        state,
        kinds::DB_INSTANCE,
        opts.db.as_deref(),
        "DB primary",
        "--db",
        is_primary,
    )?;
    if let Some(r) = state.resources.get(&addr) {
        if !is_primary(r) {
            return Err(DrillError::Target(format!(
                "`{addr}` is a read replica; restore drills work on a primary"
            )));
        }
    }
    let swept = cleanup::sweep_dead(d, &mut session).await?;
    let groups = ctx::live_groups(session.state());
    let mut run = Run::start(
        d,
        session,
        "backup-restore",
        format!("{addr} ({db_id})"),
        opts.limits,
    )
    .await?;
    if !swept.is_empty() {
        run.note(format!(
            "removed what earlier drills left: {}",
            swept.join(", ")
        ));
    }
    let probe = Probe::start(
        d.provider.clone(),
        groups,
        d.poll,
        run.scale,
        opts.limits.slo,
        d.events.clone(),
    )
    .await;
    let mut made = Made::default();
    let outcome = steps(&mut run, &opts, &addr.to_string(), &db_id, &mut made).await;
    if let Err(e) = &outcome {
        run.fail(e.to_string());
    }
    let promoted = matches!(outcome, Ok(true));
    if !promoted {
        if opts.keep {
            keep(&mut run, &made);
        } else {
            remove(&mut run, &made).await;
        }
    }
    let summary = probe.stop().await;
    run.finish(summary).await
}

/// The drill's steps; `Ok(true)` when the restored instance was promoted.
async fn steps(
    run: &mut Run<'_>,
    opts: &BackupRestoreOptions,
    addr: &str,
    db_id: &str,
    made: &mut Made,
) -> Result<bool, DrillError> {
    let step = run.begin("inspect the primary");
    let source = run.ops().describe_db_instance(db_id).await?;
    let detail = format!(
        "{} {} {}, {}, {}encrypted, in {}",
        source.id,
        source.engine,
        source.engine_version,
        source.class,
        if source.encrypted { "" } else { "not " },
        source.availability_zone.as_deref().unwrap_or("?")
    );
    run.end(step, true, detail);

    let snap = if opts.from_latest {
        latest_automated(run, db_id).await?
    } else {
        take_snapshot(run, db_id, made).await?
    };
    let Some(snap) = snap else {
        return Ok(false);
    };

    // Restore: RPO counts from the newest data in the snapshot to now.
    let step = run.begin("restore");
    let restore_started = Instant::now();
    let rpo_ms = now_ms().saturating_sub(snap.created_ms);
    run.report.rpo_seconds = Some(rpo_ms as f64 / 1000.0 * run.scale);
    let new_id = drill_name(db_id, &run.id);
    let mut tags: BTreeMap<String, String> = source
        .tags
        .iter()
        .filter(|(k, _)| !k.starts_with("strata:") && !k.starts_with("aws:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    tags.insert(DRILL_TAG.into(), run.id.clone());
    let req = RestoreDbRequest {
        snapshot_id: snap.id.clone(),
        db_id: new_id.clone(),
        class: source.class.clone(),
        subnet_group: source.subnet_group.clone(),
        security_group_ids: source.security_group_ids.clone(),
        parameter_group: source.parameter_group.clone(),
        multi_az: source.multi_az,
        deletion_protection: false,
        tags,
    };
    if let Err(e) = run.ops().restore_db_instance_from_db_snapshot(req).await {
        run.end(step, false, e.to_string());
        return Ok(false);
    }
    made.instance = Some(new_id.clone());
    run.fact("restored instance", new_id.clone());
    let restored = wait_available(run, &new_id).await;
    let restored = match restored {
        Ok(r) => {
            run.end(step, true, format!("{new_id} available"));
            r
        }
        Err(e) => {
            run.end(step, false, e);
            return Ok(false);
        }
    };

    let step = run.begin("verify");
    let problems = verify(&source, &snap, &restored);
    if let Some(endpoint) = &restored.endpoint {
        run.fact("restored endpoint", endpoint.clone());
        // A simulated cloud's endpoints resolve nowhere; elsewhere the
        // drill may run outside the VPC, so this is reported, not required.
        if run.cloud.caps.endpoints_reachable {
            let reach = tcp_check(endpoint).await;
            run.fact("endpoint reachable from the drill's host", reach);
        }
    }
    let ok = problems.is_empty();
    let detail = if ok {
        format!(
            "{} {}, {}encrypted, class {}, subnet group {}, security groups {}, endpoint {}",
            restored.engine,
            restored.engine_version,
            if restored.encrypted { "" } else { "not " },
            restored.class,
            restored.subnet_group.as_deref().unwrap_or("-"),
            restored.security_group_ids.join(","),
            restored.endpoint.as_deref().unwrap_or("-")
        )
    } else {
        problems.join("; ")
    };
    run.end(step, ok, detail);
    if !ok {
        return Ok(false);
    }
    if let Some(cmd) = &opts.verify {
        let step = run.begin("verify command");
        let (ok, detail) = run_verify(cmd, &restored).await;
        run.end(step, ok, detail);
        if !ok {
            return Ok(false);
        }
    }
    run.report.rto_seconds = Some(run.cloud_secs(restore_started));

    if !opts.promote {
        return Ok(false);
    }
    let step = run.begin("promote");
    match promote::swap(run, addr, db_id, &new_id, None).await {
        Ok(detail) => {
            run.end(step, true, detail);
        }
        Err(e) => {
            run.end(step, false, e.to_string());
            return Ok(false);
        }
    }
    // The snapshot was the drill's; the instance is the stack's now.
    made.instance = None;
    let step = run.begin("converge");
    match run.converge().await {
        Ok(0) => run.end(step, true, "the stack's plan shows no changes"),
        Ok(n) => run.end(step, false, format!("the plan still shows {n} change(s)")),
        Err(e) => run.end(step, false, e.to_string()),
    };
    if let Some(s) = made.snapshot.take() {
        delete_snapshot(run, &s).await;
    }
    Ok(true)
}

async fn latest_automated(
    run: &mut Run<'_>,
    db_id: &str,
) -> Result<Option<DbSnapshot>, DrillError> {
    let step = run.begin("find the latest automated snapshot");
    let snaps = run
        .ops()
        .describe_db_snapshots(DescribeDbSnapshotsRequest {
            db_id: Some(db_id.to_string()),
            snapshot_type: Some(SnapshotType::Automated),
            ..Default::default()
        })
        .await?;
    let mut latest = snaps
        .iter()
        .filter(|s| s.is_available())
        .max_by_key(|s| s.created_ms)
        .cloned();
    if latest.is_none() {
        // The first backup is still being taken: wait for it.
        if let Some(first) = snaps.iter().max_by_key(|s| s.created_ms) {
            latest = wait_snapshot(run, &first.id).await.ok();
        }
    }
    match latest {
        Some(s) => {
            run.fact("snapshot", s.id.clone());
            run.end(step, true, format!("{} ({})", s.id, taken_at(s.created_ms)));
            Ok(Some(s))
        }
        None => {
            run.end(
                step,
                false,
                format!("{db_id} has no available automated snapshot (is backup_retention_period > 0, and has the first backup run?)"),
            );
            Ok(None)
        }
    }
}

fn taken_at(ms: u64) -> String {
    chrono::DateTime::from_timestamp_millis(i64::try_from(ms).unwrap_or(0))
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| ms.to_string())
}

async fn take_snapshot(
    run: &mut Run<'_>,
    db_id: &str,
    made: &mut Made,
) -> Result<Option<DbSnapshot>, DrillError> {
    let step = run.begin("snapshot");
    let id = drill_name(db_id, &run.id);
    let req = CreateDbSnapshotRequest {
        db_id: db_id.to_string(),
        snapshot_id: id.clone(),
        tags: BTreeMap::from([(DRILL_TAG.to_string(), run.id.clone())]),
    };
    if let Err(e) = run.ops().create_db_snapshot(req).await {
        run.end(step, false, e.to_string());
        return Ok(None);
    }
    made.snapshot = Some(id.clone());
    run.fact("snapshot", id.clone());
    match wait_snapshot(run, &id).await {
        Ok(s) => {
            run.end(
                step,
                true,
                format!("{id} available, data as of {}", taken_at(s.created_ms)),
            );
            Ok(Some(s))
        }
        Err(e) => {
            run.end(step, false, e);
            Ok(None)
        }
    }
}

/// Waits until a DB snapshot is `available`.
async fn wait_snapshot(run: &Run<'_>, id: &str) -> Result<DbSnapshot, String> {
    let ops = run.ops();
    run.wait_for(&format!("snapshot {id} to be available"), || {
        let id = id.to_string();
        async move {
            let found = ops
                .describe_db_snapshots(DescribeDbSnapshotsRequest {
                    snapshot_id: Some(id.clone()),
                    ..Default::default()
                })
                .await
                .map_err(|e| e.to_string())?;
            Ok(found.into_iter().find(|s| s.id == id && s.is_available()))
        }
    })
    .await
}

/// Waits until a DB instance is `available`.
pub(super) async fn wait_available(run: &Run<'_>, id: &str) -> Result<DbInstance, String> {
    let ops = run.ops();
    run.wait_for(&format!("{id} to be available"), || {
        let id = id.to_string();
        async move {
            let db = ops
                .describe_db_instance(&id)
                .await
                .map_err(|e| e.to_string())?;
            Ok(db.is_available().then_some(db))
        }
    })
    .await
}

/// What differs between the restored instance and what it should be.
fn verify(source: &DbInstance, snap: &DbSnapshot, restored: &DbInstance) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |what: &str, want: &str, got: &str| {
        if want != got {
            problems.push(format!("{what} is {got}, expected {want}"));
        }
    };
    check("engine", &source.engine, &restored.engine);
    check(
        "engine version",
        &snap.engine_version,
        &restored.engine_version,
    );
    check("class", &source.class, &restored.class);
    check(
        "subnet group",
        source.subnet_group.as_deref().unwrap_or("-"),
        restored.subnet_group.as_deref().unwrap_or("-"),
    );
    check(
        "security groups",
        &source.security_group_ids.join(","),
        &restored.security_group_ids.join(","),
    );
    if restored.encrypted != source.encrypted {
        problems.push(format!(
            "storage is {}encrypted, the primary's is {}encrypted",
            if restored.encrypted { "" } else { "not " },
            if source.encrypted { "" } else { "not " }
        ));
    }
    match restored
        .endpoint
        .as_deref()
        .and_then(|e| e.rsplit_once(':'))
    {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {}
        _ => problems.push("the restored instance has no endpoint".into()),
    }
    problems
}

/// Whether a TCP connection to `host:port` opens within 5 seconds.
async fn tcp_check(endpoint: &str) -> String {
    use std::net::{TcpStream, ToSocketAddrs};
    let endpoint = endpoint.to_string();
    let check = tokio::task::spawn_blocking(move || -> Result<(), String> {
        let addr = endpoint
            .to_socket_addrs()
            .map_err(|e| e.to_string())?
            .next()
            .ok_or_else(|| format!("{endpoint} resolves to no address"))?;
        TcpStream::connect_timeout(&addr, Duration::from_secs(5))
            .map(drop)
            .map_err(|e| e.to_string())
    });
    match check.await {
        Ok(Ok(())) => "yes".into(),
        Ok(Err(e)) => format!("no ({e}); use --verify from a host inside the VPC"),
        Err(e) => format!("not checked ({e})"),
    }
}

/// Runs the user's check with the restored endpoint in its environment.
async fn run_verify(cmd: &str, db: &DbInstance) -> (bool, String) {
    let endpoint = db.endpoint.clone().unwrap_or_default();
    let (host, port) = endpoint
        .rsplit_once(':')
        .map(|(h, p)| (h.to_string(), p.to_string()))
        .unwrap_or((endpoint.clone(), "5432".into()));
    let cmd = cmd.to_string();
    let id = db.id.clone();
    let child = tokio::task::spawn_blocking(move || {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(&cmd)
            .env("STRATA_DRILL_ENDPOINT", &endpoint)
            .env("STRATA_DRILL_HOST", &host)
            .env("STRATA_DRILL_PORT", &port)
            .env("STRATA_DRILL_DB_ID", &id)
            .env("PGHOST", &host)
            .env("PGPORT", &port)
            .output()
    });
    match tokio::time::timeout(VERIFY_TIMEOUT, child).await {
        Err(_) => (
            false,
            format!(
                "the command did not finish within {}",
                human_secs(VERIFY_TIMEOUT.as_secs_f64())
            ),
        ),
        Ok(Err(e)) => (false, format!("the command could not run: {e}")),
        Ok(Ok(Err(e))) => (false, format!("the command could not start: {e}")),
        Ok(Ok(Ok(out))) => {
            let text = String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr);
            let last = text.lines().last().unwrap_or("").trim().to_string();
            let status = out
                .status
                .code()
                .map_or("killed by a signal".to_string(), |c| format!("exit {c}"));
            (
                out.status.success(),
                if last.is_empty() {
                    status
                } else {
                    format!("{status}: {last}")
                },
            )
        }
    }
}

fn keep(run: &mut Run<'_>, made: &Made) {
    let id = run.id.clone();
    if let Some(i) = &made.instance {
        run.report.left_behind.push(format!(
            "DB instance `{i}` (kept): `strata drill cleanup --id {id}`, or `aws rds delete-db-instance --db-instance-identifier {i} --skip-final-snapshot`"
        ));
    }
    if let Some(s) = &made.snapshot {
        run.report.left_behind.push(format!(
            "DB snapshot `{s}` (kept): `strata drill cleanup --id {id}`, or `aws rds delete-db-snapshot --db-snapshot-identifier {s}`"
        ));
    }
}

async fn delete_snapshot(run: &mut Run<'_>, id: &str) {
    let step = run.begin("delete the drill snapshot");
    match run.ops().delete_db_snapshot(id).await {
        Ok(()) => run.end(step, true, format!("{id} deleted")),
        Err(e) => {
            run.report.left_behind.push(format!(
                "DB snapshot `{id}`: `strata drill cleanup --id {}`",
                run.id
            ));
            run.end(step, false, e.to_string())
        }
    };
}

/// Deletes the drill's instance (waiting until it is gone) and snapshot.
async fn remove(run: &mut Run<'_>, made: &Made) {
    if let Some(i) = &made.instance {
        let step = run.begin("delete the drill instance");
        let result = match run.ops().delete_db_instance(i).await {
            Ok(()) => cleanup::wait_gone(run, i).await,
            Err(e) => Err(e.to_string()),
        };
        match result {
            Ok(()) => run.end(step, true, format!("{i} deleted")),
            Err(e) => {
                run.report.left_behind.push(format!(
                    "DB instance `{i}`: `strata drill cleanup --id {}`",
                    run.id
                ));
                run.end(step, false, e)
            }
        };
    }
    if let Some(s) = &made.snapshot {
        delete_snapshot(run, s).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drill_names_fit_rds_identifiers() {
        let id = "d20260101t120000-1a2b";
        assert_eq!(drill_name("shop-db", id), "shop-db-d20260101t120000-1a2b");
        let long = "a".repeat(80);
        let name = drill_name(&long, id);
        assert_eq!(name.len(), 63);
        assert!(name.ends_with(id));
    }
}
