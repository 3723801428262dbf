//! Making another instance the stack's DB primary (`--promote`,
//! `--promote-replica`) so that state, the configuration and the cloud
//! agree afterwards:
//!
//! 1. the old primary is renamed `<id>-pre-<drill>` and tagged
//!    `strata:drill-retired=<drill>` — retired, never deleted by a drill;
//! 2. the new instance takes the primary's identifier (and so its endpoint)
//!    and its `strata:` tags, losing its drill tag;
//! 3. replicas of the old primary lose their deletion protection, so the
//!    next apply can replace them with replicas of the new primary; a
//!    promoted replica's address leaves state, so apply creates a new one;
//! 4. the caller converges: plan and apply until the plan is empty.

use std::collections::BTreeMap;

use strata_core::addr::Address;
use strata_core::drill::{DbInstance, RenameDbRequest, DRILL_TAG, RETIRED_TAG};
use strata_core::kinds;
use strata_core::provider::{
    OpStatus, Operation, PollRequest, ReadRequest, ReadTarget, UpdateRequest,
};
use strata_core::state::StateChange;
use strata_core::value::Value;

use super::backup_restore::{drill_name, wait_available};
use super::ctx::Run;
use super::record::Undo;
use super::{cleanup, DrillError};

fn failed(message: String) -> DrillError {
    DrillError::Apply(message)
}

/// Swaps `new_id` in as the primary at `addr` (identifier `old_id`);
/// `replica` is the address a promoted replica leaves in state.
pub(super) async fn swap(
    run: &mut Run<'_>,
    addr: &str,
    old_id: &str,
    new_id: &str,
    replica: Option<&str>,
) -> Result<String, DrillError> {
    let retired = drill_name(&format!("{old_id}-pre"), &run.id);
    let old = run.ops().describe_db_instance(old_id).await?;
    // Should the drill die between the renames, cleanup renames it back.
    let undo = Undo::Renamed {
        db_id: retired.clone(),
        back_to: old_id.to_string(),
    };
    run.push_undo(undo.clone()).await?;
    if let Err(e) = run
        .ops()
        .modify_db_instance_identifier(RenameDbRequest {
            db_id: old_id.to_string(),
            new_db_id: retired.clone(),
            add_tags: BTreeMap::from([(RETIRED_TAG.to_string(), run.id.clone())]),
            remove_tags: Vec::new(),
        })
        .await
    {
        run.pop_undo(&undo).await?;
        return Err(e.into());
    }
    if let Err(e) = take_over(run, &old, &retired, new_id).await {
        // The stack keeps its primary: the old one gets its name back.
        let back = cleanup::undo(run.cloud, &undo, run.d.poll).await;
        if back.is_ok() {
            run.pop_undo(&undo).await?;
        }
        run.note(format!(
            "the swap failed ({e}); {}",
            back.unwrap_or_else(|e| e)
        ));
        return Err(e);
    }
    run.pop_undo(&undo).await?;
    run.fact("retired primary", retired.clone());
    run.report.left_behind.push(format!(
        "the former primary, renamed `{retired}` (tag {RETIRED_TAG}={}), with deletion protection as it was: once it is no longer needed, `aws rds modify-db-instance --db-instance-identifier {retired} --no-deletion-protection --apply-immediately`, then `aws rds delete-db-instance --db-instance-identifier {retired} --final-db-snapshot-identifier {retired}-final`",
        run.id
    ));
    if let Some(r) = replica {
        let address = Address::parse(r).map_err(|e| DrillError::Options(e.to_string()))?;
        run.session
            .commit(vec![StateChange::Remove { address }])
            .await?;
    }
    let unprotected = unprotect_replicas(run, &retired).await?;
    let mut detail = format!("{new_id} is now {old_id} ({addr}); the former primary is {retired}");
    if !unprotected.is_empty() {
        detail.push_str(&format!(
            "; replicas of the former primary to be replaced: {}",
            unprotected.join(", ")
        ));
    }
    Ok(detail)
}

/// Once the old primary is renamed: the new instance takes its name and
/// its `strata:` tags, losing its drill tag.
async fn take_over(
    run: &Run<'_>,
    old: &DbInstance,
    retired: &str,
    new_id: &str,
) -> Result<(), DrillError> {
    wait_available(run, retired).await.map_err(failed)?;
    let add_tags: BTreeMap<String, String> = old
        .tags
        .iter()
        .filter(|(k, _)| k.starts_with("strata:") && k.as_str() != RETIRED_TAG)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    run.ops()
        .modify_db_instance_identifier(RenameDbRequest {
            db_id: new_id.to_string(),
            new_db_id: old.id.clone(),
            add_tags,
            remove_tags: vec![DRILL_TAG.to_string()],
        })
        .await?;
    wait_available(run, &old.id).await.map_err(failed)?;
    Ok(())
}

/// Lifts deletion protection from the stack's replicas of `retired`, so
/// apply can replace them; returns their addresses.
async fn unprotect_replicas(run: &mut Run<'_>, retired: &str) -> Result<Vec<String>, DrillError> {
    let replicas: Vec<(Address, String)> = run
        .session
        .state()
        .resources
        .iter()
        .filter(|(_, r)| r.kind == kinds::DB_INSTANCE)
        .map(|(a, r)| (a.clone(), r.id.clone()))
        .collect();
    let provider = run.d.provider.clone();
    let mut out = Vec::new();
    for (address, id) in replicas {
        let found = provider
            .read(ReadRequest {
                kind: kinds::DB_INSTANCE.into(),
                targets: vec![ReadTarget {
                    address: address.clone(),
                    id: id.clone(),
                }],
            })
            .await?
            .found
            .remove(&id);
        let Some(live) = found else { continue };
        if live.get("replicate_source_db").and_then(Value::as_str) != Some(retired) {
            continue;
        }
        if live.get("deletion_protection").and_then(Value::as_bool) == Some(true) {
            let mut attrs = live.clone();
            attrs.insert("deletion_protection".into(), Value::Bool(false));
            let status = provider
                .update(UpdateRequest {
                    address: address.clone(),
                    kind: kinds::DB_INSTANCE.into(),
                    id: id.clone(),
                    prior: live,
                    attrs,
                    changed: vec!["deletion_protection".into()],
                    stack: run.session.state().stack.clone(),
                })
                .await?;
            if let OpStatus::Pending { .. } = status {
                let p = provider.clone();
                let (a, i) = (address.clone(), id.clone());
                run.wait_for(&format!("{id} to drop its deletion protection"), || {
                    let p = p.clone();
                    let req = PollRequest {
                        address: a.clone(),
                        kind: kinds::DB_INSTANCE.into(),
                        id: i.clone(),
                        operation: Operation::Update,
                    };
                    async move {
                        match p.poll(req).await.map_err(|e| e.to_string())? {
                            OpStatus::Done { .. } => Ok(Some(())),
                            OpStatus::Pending { .. } => Ok(None),
                        }
                    }
                })
                .await
                .map_err(failed)?;
            }
        }
        out.push(address.to_string());
    }
    Ok(out)
}
