//! What every drill shares: the state it reads its targets from, the clock
//! (wall time turned into cloud time), timed steps, waits on the cloud,
//! converging the stack with plan and apply, and the report it builds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use strata_core::addr::Address;
use strata_core::apply::{ApplyOptions, NullObserver};
use strata_core::graph::Graph;
use strata_core::kinds;
use strata_core::plan::PlanOptions;
use strata_core::provider::{DrillOps, Provider};
use strata_core::session::{Locking, Session, SessionError};
use strata_core::state::State;
use strata_core::value::Value;

use super::cloud::DrillCloud;
use super::events::{Event, EventKind};
use super::probe::{LiveGroup, ProbeSummary};
use super::record::{self, DrillRecord, Undo};
use super::report::{DrillReport, StepReport};
use super::{Drill, DrillError, Limits};

/// A drill in progress.
pub(super) struct Run<'d> {
    pub d: &'d Drill,
    pub session: Session,
    pub cloud: DrillCloud<'d>,
    pub id: String,
    pub scale: f64,
    pub limits: Limits,
    pub report: DrillReport,
    pub record: DrillRecord,
}

/// A step that has started.
pub(super) struct Step {
    name: String,
    at: DateTime<Utc>,
    started: Instant,
}

/// A new drill id: `d` + UTC time + 4 random hex digits, usable in DB
/// identifiers (`shop-db-d20260101t120000-1a2b`).
fn new_id() -> String {
    let rand = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "d{}-{}",
        Utc::now().format("%Y%m%dt%H%M%S"),
        rand.get(..4).unwrap_or("0000")
    )
}

/// Opens the state (the caller holds the lock), settling what an
/// interrupted run left in flight; a stack never applied is refused.
pub(super) async fn load_state(d: &Drill) -> Result<Session, DrillError> {
    let session = Session::open(
        d.backend.clone(),
        d.providers
            .clone()
            .unwrap_or_else(|| d.provider.clone().into()),
        &d.config.stack,
        Locking::Caller,
    )
    .await?;
    if session.state().resources.is_empty() {
        return Err(DrillError::NotApplied);
    }
    Ok(session)
}

impl<'d> Run<'d> {
    /// Starts a drill: loads state, records the drill as running.
    pub async fn start(
        d: &'d Drill,
        session: Session,
        drill: &str,
        target: String,
        limits: Limits,
    ) -> Result<Run<'d>, DrillError> {
        let cloud = DrillCloud::of(d.provider.as_ref())?;
        let id = new_id();
        let now = Utc::now();
        let scale = cloud.caps.time_scale;
        let report = DrillReport {
            id: id.clone(),
            drill: drill.to_string(),
            stack: session.state().stack.clone(),
            provider: d.provider.name().to_string(),
            region: d.provider.region().to_string(),
            target: target.clone(),
            started_at: now,
            finished_at: now,
            time_scale: scale,
            steps: Vec::new(),
            rto_seconds: None,
            rpo_seconds: None,
            max_rto_seconds: limits.max_rto.map(|l| l.as_secs_f64()),
            max_rpo_seconds: limits.max_rpo.map(|l| l.as_secs_f64()),
            probe: ProbeSummary::default(),
            facts: Vec::new(),
            passed: false,
            failures: Vec::new(),
            left_behind: Vec::new(),
        };
        let record = DrillRecord {
            id: id.clone(),
            drill: drill.to_string(),
            target: target.clone(),
            started_at: now.to_rfc3339(),
            finished_at: None,
            status: "running".into(),
            rto_seconds: None,
            rpo_seconds: None,
            error_rate: None,
            failures: Vec::new(),
            undo: Vec::new(),
        };
        let mut run = Run {
            d,
            session,
            cloud,
            id: id.clone(),
            scale,
            limits,
            report,
            record,
        };
        run.save_record().await?;
        run.emit(EventKind::Started {
            id,
            drill: drill.to_string(),
            target,
        });
        Ok(run)
    }

    pub fn emit(&self, kind: EventKind) {
        self.d.events.event(&Event::now(kind));
    }

    pub fn note(&self, message: impl Into<String>) {
        self.emit(EventKind::Note {
            message: message.into(),
        });
    }

    pub fn provider(&self) -> &dyn Provider {
        self.d.provider.as_ref()
    }

    /// The provider's drill operations.
    pub fn ops(&self) -> &'d dyn DrillOps {
        self.cloud.ops
    }

    pub fn fact(&mut self, key: &str, value: impl Into<String>) {
        self.report.facts.push((key.to_string(), value.into()));
    }

    pub fn fail(&mut self, why: impl Into<String>) {
        self.report.failures.push(why.into());
    }

    /// Cloud seconds since `since`.
    pub fn cloud_secs(&self, since: Instant) -> f64 {
        since.elapsed().as_secs_f64() * self.scale
    }

    /// Wall time for a cloud duration.
    pub fn wall(&self, cloud: Duration) -> Duration {
        cloud.div_f64(self.scale.max(f64::MIN_POSITIVE))
    }

    pub fn begin(&self, name: &str) -> Step {
        self.emit(EventKind::StepStarted {
            step: name.to_string(),
        });
        Step {
            name: name.to_string(),
            at: Utc::now(),
            started: Instant::now(),
        }
    }

    /// Ends a step; a failed step is also a failure of the drill.
    pub fn end(&mut self, step: Step, ok: bool, detail: impl Into<String>) -> f64 {
        let detail = detail.into();
        let seconds = self.cloud_secs(step.started);
        self.emit(EventKind::StepFinished {
            step: step.name.clone(),
            ok,
            seconds,
            detail: detail.clone(),
        });
        if !ok {
            self.fail(format!("{}: {detail}", step.name));
        }
        self.report.steps.push(StepReport {
            name: step.name,
            started_at: step.at,
            ended_at: Utc::now(),
            seconds,
            ok,
            detail,
        });
        seconds
    }

    pub fn cancelled(&self) -> bool {
        self.d.cancel.as_ref().is_some_and(|c| *c.borrow())
    }

    /// Sleeps `wall` of wall time, or less if the drill is interrupted.
    pub async fn pause(&self, wall: Duration) {
        let end = Instant::now() + wall;
        while !self.cancelled() {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            tokio::time::sleep(left.min(self.d.poll)).await;
        }
    }

    /// Sleeps one poll.
    pub async fn tick(&self) {
        tokio::time::sleep(self.d.poll).await;
    }

    /// Polls `check` until it answers `Some`, the timeout (cloud time)
    /// passes or the drill is interrupted.
    pub async fn wait_for<T, F, Fut>(&self, what: &str, mut check: F) -> Result<T, String>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>, String>>,
    {
        let deadline = Instant::now() + self.wall(self.limits.timeout);
        loop {
            if let Some(v) = check().await? {
                return Ok(v);
            }
            if self.cancelled() {
                return Err(format!("interrupted while waiting for {what}"));
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "{what} did not happen within {}",
                    super::report::human_secs(self.limits.timeout.as_secs_f64())
                ));
            }
            self.tick().await;
        }
    }

    pub async fn save_record(&mut self) -> Result<(), DrillError> {
        record::save(&mut self.session, &self.record).await
    }

    /// Notes what to put back should the drill die, durably.
    pub async fn push_undo(&mut self, undo: Undo) -> Result<(), DrillError> {
        self.record.undo.push(undo);
        self.save_record().await
    }

    /// Forgets an undo that was done.
    pub async fn pop_undo(&mut self, undo: &Undo) -> Result<(), DrillError> {
        self.record.undo.retain(|u| u != undo);
        self.save_record().await
    }

    /// Checks the limits, stamps the report, and records the outcome in state.
    pub async fn finish(mut self, probe: ProbeSummary) -> Result<DrillReport, DrillError> {
        for b in &probe.breaches {
            self.report.failures.push(b.clone());
        }
        self.report.probe = probe;
        if let (Some(rto), Some(max)) = (self.report.rto_seconds, self.report.max_rto_seconds) {
            if rto > max {
                self.fail(format!(
                    "RTO {} exceeds the limit {}",
                    super::report::human_secs(rto),
                    super::report::human_secs(max)
                ));
            }
        }
        if let (Some(rpo), Some(max)) = (self.report.rpo_seconds, self.report.max_rpo_seconds) {
            if rpo > max {
                self.fail(format!(
                    "RPO {} exceeds the limit {}",
                    super::report::human_secs(rpo),
                    super::report::human_secs(max)
                ));
            }
        }
        if self.cancelled() {
            self.fail("interrupted");
        }
        self.report.passed = self.report.failures.is_empty();
        self.report.finished_at = Utc::now();
        self.record.finished_at = Some(self.report.finished_at.to_rfc3339());
        self.record.status = if self.report.passed {
            "passed"
        } else {
            "failed"
        }
        .into();
        self.record.rto_seconds = self.report.rto_seconds;
        self.record.rpo_seconds = self.report.rpo_seconds;
        self.record.error_rate = self.report.probe.error_rate;
        self.record.failures = self.report.failures.clone();
        self.save_record().await?;
        self.emit(EventKind::Finished {
            id: self.id.clone(),
            passed: self.report.passed,
            rto_seconds: self.report.rto_seconds,
            rpo_seconds: self.report.rpo_seconds,
            failures: self.report.failures.clone(),
        });
        Ok(self.report)
    }

    /// Makes the cloud match the configuration (modules expanded with the
    /// release records in state) and plans again: `Ok(n)` is the number of
    /// changes that second plan still shows (0: every resource is in plan).
    pub async fn converge(&mut self) -> Result<usize, DrillError> {
        let mut config = self.d.config.clone();
        crate::modules::expand(&mut config, Some(self.session.state()))?;
        let graph = Graph::build(config)?;
        let opts = PlanOptions::default();
        self.session
            .converge(
                &graph,
                &opts,
                ApplyOptions {
                    stack: graph.config.stack.clone(),
                    ..ApplyOptions::default()
                },
                Arc::new(NullObserver),
            )
            .await
            .map_err(|e| match e {
                SessionError::Plan(e) => DrillError::Plan(e),
                e => DrillError::Converge(e),
            })?;
        let second = self.session.plan(&graph, &opts).await?;
        Ok(second
            .changes
            .iter()
            .filter(|c| c.action.changes_cloud())
            .count())
    }
}

/// A resource of `kind` in state: the one at `address`, or the only one
/// `filter` accepts.
pub(super) fn pick(
    state: &State,
    kind: &str,
    address: Option<&str>,
    what: &str,
    flag: &str,
    filter: impl Fn(&strata_core::state::ResourceState) -> bool,
) -> Result<(Address, String), DrillError> {
    if let Some(a) = address {
        let addr = Address::parse(a).map_err(|e| DrillError::Options(e.to_string()))?;
        let r = state
            .resources
            .get(&addr)
            .ok_or_else(|| DrillError::Target(format!("there is no resource `{a}` in state")))?;
        if r.kind != kind {
            return Err(DrillError::Target(format!(
                "`{a}` is a {}, not a {what} ({kind})",
                r.kind
            )));
        }
        return Ok((addr, r.id.clone()));
    }
    let found: Vec<(&Address, &strata_core::state::ResourceState)> = state
        .resources
        .iter()
        .filter(|(_, r)| r.kind == kind && filter(r))
        .collect();
    match found.as_slice() {
        [(a, r)] => Ok(((*a).clone(), r.id.clone())),
        [] => Err(DrillError::Target(format!(
            "the stack has no {what} ({kind}) in state"
        ))),
        many => Err(DrillError::Target(format!(
            "the stack has {} {what}s ({}); choose one with {flag}",
            many.len(),
            many.iter()
                .map(|(a, _)| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Whether a DB instance in state is a primary (not a read replica).
pub(super) fn is_primary(r: &strata_core::state::ResourceState) -> bool {
    !matches!(r.attrs.get("replicate_source_db"), Some(Value::String(_)))
}

/// The target groups the stack's listeners send traffic to (weight > 0).
pub(super) fn live_groups(state: &State) -> Vec<LiveGroup> {
    let mut out: Vec<LiveGroup> = Vec::new();
    for r in state.resources.values() {
        if r.kind != kinds::LISTENER {
            continue;
        }
        let Some(lb) = r.attrs.get("load_balancer_arn").and_then(Value::as_str) else {
            continue;
        };
        let forwards = r
            .attrs
            .get("forward")
            .and_then(Value::as_list)
            .unwrap_or(&[]);
        for f in forwards.iter().filter_map(Value::as_map) {
            let tg = f.get("target_group_arn").and_then(Value::as_str);
            let weight = match f.get("weight") {
                Some(Value::Int(w)) => *w,
                _ => 1,
            };
            if let (Some(tg), true) = (tg, weight > 0) {
                let g = LiveGroup {
                    target_group_arn: tg.to_string(),
                    load_balancer_arn: lb.to_string(),
                };
                if !out.contains(&g) {
                    out.push(g);
                }
            }
        }
    }
    out
}

/// The autoscaling groups in state, by name.
pub(super) fn asgs(state: &State) -> Vec<String> {
    state
        .resources
        .values()
        .filter(|r| r.kind == kinds::AUTOSCALING_GROUP)
        .map(|r| r.id.clone())
        .collect()
}
