//! Removing what drills left: DB instances and snapshots tagged
//! `strata:drill=<id>` by one of this stack's drills, and the changes a
//! drill that died had noted to [`Undo`] (a downed AZ, deregistered
//! targets, suspended processes). Every drill first sweeps what dead drills
//! left; `strata drill cleanup` removes the rest (kept drills included).

use std::time::{Duration, Instant};

use serde::Serialize;
use strata_core::drill::{DrillResource, DrillResourceKind, RenameDbRequest, RETIRED_TAG};
use strata_core::provider::{DrillOps, ProviderError};
use strata_core::session::Session;

use super::cloud::DrillCloud;
use super::ctx::{load_state, Run};
use super::record::{self, DrillRecord, Undo};
use super::{Drill, DrillError};

/// What a cleanup did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CleanupReport {
    /// Resources removed, e.g. `DB instance shop-db-d2026…`.
    pub removed: Vec<String>,
    /// Changes put back, e.g. `us-east-1a is up again`.
    pub undone: Vec<String>,
    /// What could not be removed or put back, and why.
    pub failed: Vec<String>,
}

impl CleanupReport {
    /// Whether there was nothing to do.
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.undone.is_empty() && self.failed.is_empty()
    }
}

/// Whether the cloud says the instance no longer exists.
fn is_gone(e: &ProviderError) -> bool {
    match e {
        ProviderError::NotFound { .. } => true,
        ProviderError::Api { code, .. } => {
            code == "DBInstanceNotFound" || code == "DBInstanceNotFoundFault"
        }
        _ => false,
    }
}

/// Polls until a DB instance is gone, for at most `timeout` of wall time.
async fn wait_gone_for(
    ops: &dyn DrillOps,
    id: &str,
    poll: Duration,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        match ops.describe_db_instance(id).await {
            Err(e) if is_gone(&e) => return Ok(()),
            Err(e) => return Err(e.to_string()),
            Ok(_) if Instant::now() >= deadline => {
                return Err(format!("{id} was still being deleted when the wait ended"))
            }
            Ok(_) => tokio::time::sleep(poll).await,
        }
    }
}

/// Waits (within the drill's timeout) until a DB instance is gone.
pub(super) async fn wait_gone(run: &Run<'_>, id: &str) -> Result<(), String> {
    wait_gone_for(run.ops(), id, run.d.poll, run.wall(run.limits.timeout)).await
}

/// Renames a DB instance renamed out of the way back to its name, unless
/// that name is taken again (the swap completed) or it is gone.
async fn rename_back(
    cloud: DrillCloud<'_>,
    db_id: &str,
    back_to: &str,
    poll: Duration,
) -> Result<String, String> {
    let ops = cloud.ops;
    if ops.describe_db_instance(back_to).await.is_ok() {
        return Ok(format!("{back_to} exists; {db_id} left as it is"));
    }
    let deadline =
        Instant::now() + Duration::from_secs(3600).div_f64(cloud.caps.time_scale.max(1.0));
    loop {
        match ops.describe_db_instance(db_id).await {
            Err(e) if is_gone(&e) => return Ok(format!("{db_id} no longer exists")),
            Err(e) => return Err(format!("renaming {db_id} back to {back_to}: {e}")),
            Ok(db) if db.is_available() => break,
            Ok(db) if Instant::now() >= deadline => {
                return Err(format!(
                    "renaming {db_id} back to {back_to}: it is still {}",
                    db.status
                ))
            }
            Ok(_) => tokio::time::sleep(poll).await,
        }
    }
    ops.modify_db_instance_identifier(RenameDbRequest {
        db_id: db_id.to_string(),
        new_db_id: back_to.to_string(),
        add_tags: Default::default(),
        remove_tags: vec![RETIRED_TAG.to_string()],
    })
    .await
    .map(|_| format!("{db_id} renamed back to {back_to}"))
    .map_err(|e| format!("renaming {db_id} back to {back_to}: {e}"))
}

/// Puts back one change.
pub(super) async fn undo(
    cloud: DrillCloud<'_>,
    u: &Undo,
    poll: Duration,
) -> Result<String, String> {
    let ops = cloud.ops;
    match u {
        Undo::AzDown { az } => match cloud.caps.zone_outage {
            Some(zones) => zones
                .simulate_az_outage(az, false)
                .await
                .map(|()| format!("{az} is up again"))
                .map_err(|e| format!("bringing {az} back: {e}")),
            None => Err(format!(
                "bringing {az} back: this provider cannot turn availability zones on or off"
            )),
        },
        Undo::Deregistered {
            target_group_arn,
            ids,
        } => {
            let mut back = 0;
            for id in ids {
                // Instances replaced meanwhile are gone; the rest go back.
                if ops
                    .register_targets(target_group_arn, std::slice::from_ref(id))
                    .await
                    .is_ok()
                {
                    back += 1;
                }
            }
            Ok(format!(
                "{back} of {} target(s) registered again with {target_group_arn}",
                ids.len()
            ))
        }
        Undo::Suspended { asg, processes } => ops
            .resume_processes(asg, processes)
            .await
            .map(|()| format!("{asg}: resumed {}", processes.join(", ")))
            .map_err(|e| format!("resuming {asg}: {e}")),
        Undo::Renamed { db_id, back_to } => rename_back(cloud, db_id, back_to, poll).await,
    }
}

/// Deletes one drill resource (not waiting for an instance to be gone).
async fn remove(ops: &dyn DrillOps, r: &DrillResource) -> Result<(), ProviderError> {
    match r.kind {
        DrillResourceKind::DbInstance if r.status == "deleting" => Ok(()),
        DrillResourceKind::DbInstance => ops.delete_db_instance(&r.id).await,
        DrillResourceKind::DbSnapshot => ops.delete_db_snapshot(&r.id).await,
    }
}

/// Cleans up the drills `which` selects among this stack's records, and
/// marks those that were still `running` as `cleaned`.
async fn clean(
    d: &Drill,
    session: &mut Session,
    which: impl Fn(&DrillRecord) -> bool,
    wait: bool,
) -> Result<CleanupReport, DrillError> {
    let mut out = CleanupReport::default();
    let records: Vec<DrillRecord> = record::history(session.state())
        .into_iter()
        .filter(&which)
        .collect();
    if records.is_empty() {
        return Ok(out);
    }
    let cloud = DrillCloud::of(d.provider.as_ref())?;
    let ops = cloud.ops;
    for r in records.iter().filter(|r| r.status == "running") {
        for u in r.undo.iter().rev() {
            match undo(cloud, u, d.poll).await {
                Ok(line) => out.undone.push(line),
                Err(line) => out.failed.push(line),
            }
        }
    }
    let found = match ops.find_drill_resources(None).await {
        Ok(found) => found,
        Err(e) => {
            out.failed
                .push(format!("listing drill resources failed: {e}"));
            Vec::new()
        }
    };
    let mut deleting = Vec::new();
    for res in found
        .iter()
        .filter(|res| records.iter().any(|r| r.id == res.drill_id))
    {
        match remove(ops, res).await {
            Ok(()) => {
                out.removed.push(format!("{} {}", res.kind, res.id));
                if res.kind == DrillResourceKind::DbInstance {
                    deleting.push(res.id.clone());
                }
            }
            Err(e) => out.failed.push(format!("{} {}: {e}", res.kind, res.id)),
        }
    }
    if wait {
        let timeout = Duration::from_secs(7200).div_f64(cloud.caps.time_scale.max(1.0));
        for id in deleting {
            if let Err(e) = wait_gone_for(ops, &id, d.poll, timeout).await {
                out.failed.push(e);
            }
        }
    }
    // A drill whose leftovers could not all be handled stays `running`,
    // so the next drill or cleanup tries again.
    if !out.failed.is_empty() {
        return Ok(out);
    }
    for mut r in records.into_iter().filter(|r| r.status == "running") {
        r.status = "cleaned".into();
        r.failures
            .push("the drill did not finish; cleaned up".into());
        r.undo.clear();
        record::save(session, &r).await?;
    }
    Ok(out)
}

/// Before a drill: cleans up drills that died (recorded as `running`).
/// Returns one line per thing done.
pub(super) async fn sweep_dead(
    d: &Drill,
    session: &mut Session,
) -> Result<Vec<String>, DrillError> {
    let report = clean(d, session, |r| r.status == "running", false).await?;
    Ok(report
        .undone
        .into_iter()
        .chain(report.removed)
        .chain(report.failed.into_iter().map(|f| format!("FAILED {f}")))
        .collect())
}

/// `strata drill cleanup`: every drill of this stack, or one.
pub(super) async fn run(d: &Drill, drill_id: Option<&str>) -> Result<CleanupReport, DrillError> {
    let mut session = load_state(d).await?;
    if let Some(id) = drill_id {
        if !record::history(session.state()).iter().any(|r| r.id == id) {
            return Err(DrillError::Target(format!(
                "no drill `{id}` is recorded in this stack's state (see `strata drill list`)"
            )));
        }
    }
    clean(
        d,
        &mut session,
        |r| drill_id.is_none_or(|id| r.id == id),
        true,
    )
    .await
}
