//! `failover`: a DB primary (multi-AZ reboot with failover, or a read
//! replica's promotion), a Redis primary (`TestFailover`), or a whole
//! availability zone — each timed until the stack serves fully again, then
//! converged so that a plan shows no changes.

use std::time::{Duration, Instant};

use strata_core::drill::AZ_DRILL_PROCESSES;
use strata_core::kinds;
use strata_core::provider::Signals;
use strata_core::value::Value;

use super::backup_restore::wait_available;
use super::ctx::{self, is_primary, load_state, Run};
use super::probe::{self, LiveGroup, Probe};
use super::record::Undo;
use super::report::{human_secs, DrillReport};
use super::{cleanup, promote, Drill, DrillError, FailoverOptions, FailoverTarget};

/// The target, resolved against state.
enum Resolved {
    Db {
        addr: String,
        id: String,
        replica: Option<(String, String)>,
    },
    Cache {
        id: String,
    },
    Az {
        az: String,
    },
}

fn resolve(
    state: &strata_core::state::State,
    target: &FailoverTarget,
    region: &str,
) -> Result<(Resolved, String, String), DrillError> {
    match target {
        FailoverTarget::Db {
            db,
            promote_replica,
        } => {
            let (addr, id) = ctx::pick(
                state,
                kinds::DB_INSTANCE,
                db.as_deref(),
                "DB primary",
                "--db ADDRESS",
                is_primary,
            )?;
            let replica = match promote_replica {
                None => None,
                Some(wanted) => {
                    let (a, rid) = ctx::pick(
                        state,
                        kinds::DB_INSTANCE,
                        wanted.as_deref(),
                        "read replica",
                        "--replica",
                        |r| {
                            r.attrs.get("replicate_source_db").and_then(Value::as_str)
                                == Some(id.as_str())
                        },
                    )
                    .or_else(|e| {
                        // Several replicas and none named: the first.
                        let first = state.resources.iter().find(|(_, r)| {
                            r.kind == kinds::DB_INSTANCE
                                && r.attrs.get("replicate_source_db").and_then(Value::as_str)
                                    == Some(id.as_str())
                        });
                        match (wanted, first) {
                            (None, Some((a, r))) => Ok((a.clone(), r.id.clone())),
                            _ => Err(e),
                        }
                    })?;
                    Some((a.to_string(), rid))
                }
            };
            let (drill, target) = match &replica {
                Some((ra, rid)) => (
                    "failover --db --promote-replica",
                    format!("{addr} ({id}), promoting {ra} ({rid})"),
                ),
                None => ("failover --db", format!("{addr} ({id})")),
            };
            Ok((
                Resolved::Db {
                    addr: addr.to_string(),
                    id,
                    replica,
                },
                drill.into(),
                target,
            ))
        }
        FailoverTarget::Cache { cache } => {
            let (addr, id) = ctx::pick(
                state,
                kinds::REPLICATION_GROUP,
                cache.as_deref(),
                "Redis replication group",
                "--cache ADDRESS",
                |_| true,
            )?;
            let target = format!("{addr} ({id})");
            Ok((Resolved::Cache { id }, "failover --cache".into(), target))
        }
        FailoverTarget::Az { az } => {
            let suffix = az.strip_prefix(region).unwrap_or_default();
            if suffix.len() != 1 || !suffix.chars().all(|c| c.is_ascii_lowercase()) {
                return Err(DrillError::Options(format!(
                    "`{az}` is not an availability zone of {region} (e.g. {region}a)"
                )));
            }
            Ok((
                Resolved::Az { az: az.clone() },
                "failover --az".into(),
                az.clone(),
            ))
        }
    }
}

pub(super) async fn run(d: &Drill, opts: FailoverOptions) -> Result<DrillReport, DrillError> {
    let mut session = load_state(d).await?;
    let (target, drill, what) = resolve(session.state(), &opts.target, d.provider.region())?;
    let swept = cleanup::sweep_dead(d, &mut session).await?;
    let groups = ctx::live_groups(session.state());
    let mut run = Run::start(d, session, &drill, what, opts.limits).await?;
    if !swept.is_empty() {
        run.note(format!(
            "removed what earlier drills left: {}",
            swept.join(", ")
        ));
    }
    let probe = Probe::start(
        d.provider.clone(),
        groups.clone(),
        d.poll,
        run.scale,
        opts.limits.slo,
        d.events.clone(),
    )
    .await;
    let outcome = match &target {
        Resolved::Db { addr, id, replica } => match replica {
            None => db_failover(&mut run, id).await,
            Some((ra, rid)) => promote_replica(&mut run, addr, id, ra, rid).await,
        },
        Resolved::Cache { id } => cache_failover(&mut run, id).await,
        Resolved::Az { az } => az_outage(&mut run, az, &groups, opts.hold).await,
    };
    match outcome {
        Err(e) => run.fail(e.to_string()),
        Ok(false) => {}
        Ok(true) => {
            let step = run.begin("converge");
            match run.converge().await {
                Ok(0) => run.end(step, true, "every resource is back in plan: no changes"),
                Ok(n) => run.end(step, false, format!("the plan still shows {n} change(s)")),
                Err(e) => run.end(step, false, e.to_string()),
            };
        }
    }
    let summary = probe.stop().await;
    run.finish(summary).await
}

/// Reboot with failover; `Ok(true)` when the drill may go on to converge.
async fn db_failover(run: &mut Run<'_>, id: &str) -> Result<bool, DrillError> {
    let step = run.begin("inspect the primary");
    let before = run.ops().describe_db_instance(id).await?;
    let from = before.availability_zone.clone().unwrap_or_default();
    if !before.multi_az || before.secondary_availability_zone.is_none() {
        let why = if before.multi_az {
            // moto reports MultiAZ without a SecondaryAvailabilityZone.
            format!("{id} is multi-AZ but reports no standby AZ (SecondaryAvailabilityZone), so a failover cannot be observed; use --promote-replica")
        } else {
            format!("{id} is not multi-AZ, so it cannot fail over; use --promote-replica")
        };
        run.end(step, false, why);
        return Ok(false);
    }
    run.end(
        step,
        true,
        format!(
            "{id} in {from}, standby in {}",
            before.secondary_availability_zone.as_deref().unwrap_or("?")
        ),
    );
    run.fact("primary AZ before", from.clone());
    let step = run.begin("reboot with failover");
    let t0 = Instant::now();
    run.ops().reboot_db_instance(id, true).await?;
    match wait_available(run, id).await {
        Ok(after) => {
            let to = after.availability_zone.unwrap_or_default();
            run.report.rto_seconds = Some(run.cloud_secs(t0));
            run.fact("primary AZ after", to.clone());
            let moved = to != from;
            run.end(
                step,
                moved,
                if moved {
                    format!("{id} available again, primary moved {from} → {to}")
                } else {
                    format!("{id} available again but still in {from}: it did not fail over")
                },
            );
            Ok(moved)
        }
        Err(e) => {
            run.end(step, false, e);
            Ok(false)
        }
    }
}

async fn promote_replica(
    run: &mut Run<'_>,
    addr: &str,
    id: &str,
    replica_addr: &str,
    replica_id: &str,
) -> Result<bool, DrillError> {
    let step = run.begin("promote the read replica");
    let t0 = Instant::now();
    run.ops().promote_read_replica(replica_id).await?;
    let ops = run.ops();
    let promoted = run
        .wait_for(&format!("{replica_id} to be promoted"), || {
            let p = ops;
            let rid = replica_id.to_string();
            async move {
                let db = p
                    .describe_db_instance(&rid)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok((db.is_available() && db.replica_of.is_none()).then_some(db))
            }
        })
        .await;
    match promoted {
        Ok(db) => {
            run.report.rto_seconds = Some(run.cloud_secs(t0));
            run.end(
                step,
                true,
                format!(
                    "{replica_id} is a standalone primary in {}",
                    db.availability_zone.as_deref().unwrap_or("?")
                ),
            );
        }
        Err(e) => {
            run.end(step, false, e);
            return Ok(false);
        }
    }
    let step = run.begin("make it the stack's primary");
    match promote::swap(run, addr, id, replica_id, Some(replica_addr)).await {
        Ok(detail) => {
            run.end(
                step,
                true,
                format!("{detail}; {replica_addr} is created anew by the converge"),
            );
            Ok(true)
        }
        Err(e) => {
            run.end(step, false, e.to_string());
            Ok(false)
        }
    }
}

async fn cache_failover(run: &mut Run<'_>, id: &str) -> Result<bool, DrillError> {
    let step = run.begin("inspect the replication group");
    let before = run.ops().describe_replication_group(id).await?;
    let Some(primary) = before.primary().cloned() else {
        run.end(step, false, format!("{id} has no primary node"));
        return Ok(false);
    };
    if !before.automatic_failover || before.nodes.len() < 2 {
        run.end(
            step,
            false,
            format!("{id} needs automatic failover and a replica to fail over"),
        );
        return Ok(false);
    }
    run.end(
        step,
        true,
        format!(
            "primary {} in {}, {} replica(s)",
            primary.id,
            primary.availability_zone,
            before.nodes.len() - 1
        ),
    );
    run.fact(
        "Redis primary before",
        format!("{} ({})", primary.id, primary.availability_zone),
    );
    let step = run.begin("TestFailover");
    let t0 = Instant::now();
    run.ops().test_failover(id, "0001").await?;
    let ops = run.ops();
    let after = run
        .wait_for(&format!("{id} to be available with a new primary"), || {
            let p = ops;
            let (id, old) = (id.to_string(), primary.id.clone());
            async move {
                let g = p
                    .describe_replication_group(&id)
                    .await
                    .map_err(|e| e.to_string())?;
                let moved = g.primary().is_some_and(|n| n.id != old);
                Ok((g.is_available() && moved).then_some(g))
            }
        })
        .await;
    match after {
        Ok(g) => {
            run.report.rto_seconds = Some(run.cloud_secs(t0));
            let p = g
                .primary()
                .map(|n| format!("{} ({})", n.id, n.availability_zone))
                .unwrap_or_default();
            run.fact("Redis primary after", p.clone());
            run.end(step, true, format!("{id} available, primary now {p}"));
            Ok(true)
        }
        Err(e) => {
            run.end(step, false, e);
            Ok(false)
        }
    }
}

/// What the stack's DB primaries and Redis groups look like now: all
/// available, none with its primary in `az`.
async fn data_tier_ok(run: &Run<'_>, az: &str) -> Result<bool, String> {
    let p = run.ops();
    for r in run.session.state().resources.values() {
        if r.kind == kinds::DB_INSTANCE && is_primary(r) {
            let db = p
                .describe_db_instance(&r.id)
                .await
                .map_err(|e| e.to_string())?;
            let in_az = db.availability_zone.as_deref() == Some(az);
            if !db.is_available() || (in_az && db.multi_az) {
                return Ok(false);
            }
        }
        if r.kind == kinds::REPLICATION_GROUP {
            let g = p
                .describe_replication_group(&r.id)
                .await
                .map_err(|e| e.to_string())?;
            let in_az = g.primary().is_some_and(|n| n.availability_zone == az);
            if !g.is_available() || (in_az && g.automatic_failover) {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

async fn az_outage(
    run: &mut Run<'_>,
    az: &str,
    groups: &[LiveGroup],
    hold: Duration,
) -> Result<bool, DrillError> {
    let signals = run.cloud.signals("run an availability-zone drill")?;
    let (before, total) = probe::health(run.provider(), groups).await;
    run.fact("healthy targets before", format!("{before}/{total}"));
    // Instances the stack manages itself (not through an autoscaling
    // group) are not replaced when their AZ goes: full capacity is what the
    // rest can get back to.
    let lost = standalone_in(run, signals, az, groups).await?;
    let expected = before.saturating_sub(lost);
    if lost > 0 {
        run.fact(
            "capacity not replaced",
            format!("{lost} healthy instance(s) in {az} outside any autoscaling group"),
        );
    }
    let step = run.begin("take the AZ down");
    let real = match run.cloud.caps.zone_outage {
        Some(zones) => {
            let undo = Undo::AzDown { az: az.to_string() };
            run.push_undo(undo.clone()).await?;
            if let Err(e) = zones.simulate_az_outage(az, true).await {
                run.pop_undo(&undo).await?;
                run.end(step, false, e.to_string());
                return Ok(false);
            }
            run.end(step, true, format!("{az} is down: its instances stopped"));
            true
        }
        // A cloud whose AZs cannot be turned off: isolate the AZ instead.
        None => {
            let detail = isolate(run, signals, az, groups).await?;
            run.end(step, true, detail);
            false
        }
    };
    let step = run.begin("recover");
    let t0 = Instant::now();
    let recovered = run
        .wait_for("the stack to serve fully from the other AZs", || {
            let run = &*run;
            async move {
                let (healthy, total) = probe::health(run.provider(), groups).await;
                // Where the AZ is really down the ASG replaces the lost
                // capacity; where it was isolated the remaining targets
                // serve alone.
                let serving = if real {
                    healthy >= expected && healthy > 0
                } else {
                    healthy > 0 && healthy == total
                };
                // Where the AZ stays up, its DB and Redis primaries stay put.
                let data = !real || data_tier_ok(run, az).await?;
                Ok((serving && data).then_some(healthy))
            }
        })
        .await;
    let ok = match recovered {
        Ok(healthy) => {
            run.report.rto_seconds = Some(run.cloud_secs(t0));
            let detail = if real {
                format!("{healthy} healthy targets outside {az}; DB and Redis primaries available outside {az}")
            } else {
                format!("{healthy} healthy targets outside {az} serve alone")
            };
            run.end(step, true, detail);
            true
        }
        Err(e) => {
            run.end(step, false, e);
            false
        }
    };
    if ok && !hold.is_zero() {
        let step = run.begin("hold the outage");
        let t0 = Instant::now();
        run.pause(run.wall(hold)).await;
        let held = run.cloud_secs(t0);
        if run.cancelled() {
            run.end(
                step,
                false,
                format!("interrupted after {}", human_secs(held)),
            );
        } else {
            run.end(step, true, format!("held for {}", human_secs(held)));
        }
    }
    let step = run.begin("restore the AZ");
    let undos = run.record.undo.clone();
    let mut lines = Vec::new();
    let mut restored = true;
    for u in undos.iter().rev() {
        match cleanup::undo(run.cloud, u, run.d.poll).await {
            Ok(line) => {
                lines.push(line);
                run.pop_undo(u).await?;
            }
            Err(e) => {
                restored = false;
                lines.push(e);
            }
        }
    }
    if restored && !real {
        // The targets put back pass their health checks again.
        let back = run
            .wait_for("the re-registered targets to be healthy", || {
                let run = &*run;
                async move {
                    let (healthy, _) = probe::health(run.provider(), groups).await;
                    Ok((healthy >= before).then_some(healthy))
                }
            })
            .await;
        match back {
            Ok(healthy) => lines.push(format!("{healthy} targets healthy")),
            Err(e) => {
                restored = false;
                lines.push(e);
            }
        }
    }
    run.end(step, restored, lines.join("; "));
    Ok(ok && restored)
}

/// Healthy targets in `az` that are instances of the stack's own (no
/// autoscaling group replaces them).
async fn standalone_in(
    run: &Run<'_>,
    signals: &dyn Signals,
    az: &str,
    groups: &[LiveGroup],
) -> Result<usize, DrillError> {
    let own: Vec<&str> = run
        .session
        .state()
        .resources
        .values()
        .filter(|r| r.kind == kinds::INSTANCE)
        .map(|r| r.id.as_str())
        .collect();
    let mut n = 0;
    for g in groups {
        n += signals
            .target_health(&g.target_group_arn)
            .await?
            .iter()
            .filter(|t| t.az == az && t.is_healthy() && own.contains(&t.id.as_str()))
            .count();
    }
    Ok(n)
}

/// Where the AZ cannot be turned off: deregister its targets from the live
/// groups and suspend the autoscaling processes that would undo it.
async fn isolate(
    run: &mut Run<'_>,
    signals: &dyn Signals,
    az: &str,
    groups: &[LiveGroup],
) -> Result<String, DrillError> {
    let processes: Vec<String> = AZ_DRILL_PROCESSES.iter().map(|p| p.to_string()).collect();
    let mut suspended = 0;
    for asg in ctx::asgs(run.session.state()) {
        let undo = Undo::Suspended {
            asg: asg.clone(),
            processes: processes.clone(),
        };
        run.push_undo(undo).await?;
        run.ops().suspend_processes(&asg, &processes).await?;
        suspended += 1;
    }
    let mut removed = 0;
    for g in groups {
        let ids: Vec<String> = signals
            .target_health(&g.target_group_arn)
            .await?
            .into_iter()
            .filter(|t| t.az == az)
            .map(|t| t.id)
            .collect();
        if ids.is_empty() {
            continue;
        }
        let undo = Undo::Deregistered {
            target_group_arn: g.target_group_arn.clone(),
            ids: ids.clone(),
        };
        run.push_undo(undo).await?;
        run.ops()
            .deregister_targets(&g.target_group_arn, &ids)
            .await?;
        removed += ids.len();
    }
    run.note(format!(
        "this cloud cannot turn {az} off: deregistered its {removed} target(s) and suspended {} in {suspended} autoscaling group(s)",
        AZ_DRILL_PROCESSES.join(", ")
    ));
    Ok(format!(
        "{az} isolated: {removed} target(s) deregistered, {suspended} autoscaling group(s) suspended"
    ))
}
