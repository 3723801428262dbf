//! The rollout's steps: prepare the idle color, wait for health, shift and
//! bake, promote or roll back. Each transition is recorded in the release
//! record (in state) before the next begins, so `--resume` and `--abort`
//! start from what was last persisted.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use strata_core::provider::{MetricsRequest, Signals, TargetMetrics};
use strata_core::retry::{with_retries, RetryPolicy};

use super::converge::Ctx;
use super::events::{Event, EventKind};
use super::gates::{Breach, Gates, Observation};
use super::{Command, Outcome, Rollout, RolloutError, StartOptions};
use crate::modules::web_service_of;
use crate::web_service::release::{Outcome as Last, Phase, Progress};
use crate::web_service::{Addresses, Color, Release, WebService};

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn rfc3339() -> String {
    chrono::Utc::now().to_rfc3339()
}

struct Run<'r> {
    ctx: Ctx<'r>,
    /// The release gates' signals (target health, metrics, alarms).
    signals: &'r dyn Signals,
    web: WebService,
    at: Addresses,
    record: Release,
}

pub(super) async fn run(r: &Rollout, command: Command) -> Result<Outcome, RolloutError> {
    let signals = r
        .provider
        .capabilities()
        .require_signals(r.provider.name(), "run rollouts")?;
    let module = r
        .config
        .modules
        .iter()
        .find(|m| m.name == r.module && m.kind == crate::web_service::KIND)
        .ok_or_else(|| RolloutError::NoModule(r.module.clone()))?;
    let web = web_service_of(&r.config, module).map_err(|p| {
        let what = r
            .config
            .source
            .as_ref()
            .map_or("the configuration".to_string(), |s| s.name.clone());
        strata_core::diag::Problems::new(&what, p)
    })?;
    let (ctx, notes) = Ctx::load(r).await?;
    if !notes.is_empty() {
        emit(r, EventKind::Recovered { notes });
    }
    let record = ctx
        .record()
        .ok_or_else(|| RolloutError::NotApplied(r.module.clone()))?;
    let mut run = Run {
        ctx,
        signals,
        at: Addresses::of(&web, r.module.clone()),
        web,
        record,
    };
    match command {
        Command::Start(opts) => {
            if let Some(p) = &run.record.rollout {
                return Err(RolloutError::InProgress {
                    version: p.version.clone(),
                    color: p.to.to_string(),
                    phase: format!("{:?}", p.phase).to_lowercase(),
                });
            }
            check_steps(&opts.steps)?;
            run.start(opts).await
        }
        Command::Resume { bake, grace } => {
            let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
            if let Some(p) = run.record.rollout.as_mut() {
                if let Some(b) = bake {
                    p.bake_ms = ms(b);
                }
                if let Some(g) = grace {
                    p.grace_ms = ms(g);
                }
            }
            let p = run.progress()?;
            run.started("resume", &p);
            run.resume(p).await
        }
        Command::Abort => {
            let p = run.progress()?;
            run.started("abort", &p);
            run.abort(p).await
        }
    }
}

fn check_steps(steps: &[i64]) -> Result<(), RolloutError> {
    let increasing = steps.windows(2).all(|w| w[0] < w[1]);
    if steps.is_empty() || !increasing || steps.last() != Some(&100) || steps[0] < 1 {
        return Err(RolloutError::Options(format!(
            "steps {steps:?} are not increasing percentages from 1 ending at 100"
        )));
    }
    Ok(())
}

/// Whether a color with `(healthy, total)` targets can take all traffic:
/// at least one target, and at least half of them, healthy.
fn can_take_traffic((healthy, total): (usize, usize)) -> bool {
    healthy >= 1 && healthy * 2 >= total
}

fn emit(r: &Rollout, kind: EventKind) {
    r.events.event(&Event::now(kind));
}

enum Baked {
    Passed { decided: bool },
    Breached(Breach),
    Cancelled,
}

impl Run<'_> {
    fn r(&self) -> &Rollout {
        self.ctx.r
    }

    fn emit(&self, kind: EventKind) {
        emit(self.r(), kind);
    }

    fn cancelled(&self) -> bool {
        self.r().cancel.as_ref().is_some_and(|c| *c.borrow())
    }

    fn progress(&self) -> Result<Progress, RolloutError> {
        self.record
            .rollout
            .clone()
            .ok_or_else(|| RolloutError::NoneInProgress(self.r().module.clone()))
    }

    fn started(&self, mode: &str, p: &Progress) {
        self.emit(EventKind::Started {
            id: p.id.clone(),
            mode: mode.into(),
            from: p.from.to_string(),
            to: p.to.to_string(),
            version: p.version.clone(),
            steps: p.steps.clone(),
        });
    }

    fn set_progress(&mut self, f: impl FnOnce(&mut Progress)) {
        if let Some(p) = self.record.rollout.as_mut() {
            f(p);
            p.since = rfc3339();
        }
    }

    async fn converge(&mut self, targets: &[String]) -> Result<(), RolloutError> {
        let record = self.record.clone();
        self.ctx.converge(&record, targets).await
    }

    fn live_size(&self, color: Color) -> i64 {
        self.ctx
            .attr(&self.at.asg(color), "desired_capacity")
            .and_then(|v| v.as_i64())
            .unwrap_or(self.web.desired_capacity)
            .max(1)
    }

    async fn start(&mut self, opts: StartOptions) -> Result<Outcome, RolloutError> {
        let from = self.record.live;
        let to = from.other();
        let ami = opts
            .ami
            .clone()
            .unwrap_or_else(|| self.record.fleet(from).ami.clone());
        let progress = Progress {
            id: uuid::Uuid::new_v4().to_string()[..8].to_string(),
            from,
            to,
            version: opts.version.clone(),
            steps: opts.steps.clone(),
            step: 0,
            phase: Phase::Preparing,
            bake_ms: u64::try_from(opts.bake.as_millis()).unwrap_or(u64::MAX),
            grace_ms: u64::try_from(opts.grace.as_millis()).unwrap_or(u64::MAX),
            min_requests: opts.min_requests,
            started: rfc3339(),
            since: rfc3339(),
        };
        self.started("start", &progress);
        self.record.rollout = Some(progress.clone());
        // An idle color that still has instances (of an older version) is
        // emptied first: an ASG does not replace instances when its
        // template changes.
        if self.record.fleet(to).idle_capacity > 0 {
            self.record.fleet_mut(to).idle_capacity = 0;
            self.converge(&[self.at.asg(to)]).await?;
            self.emit(EventKind::ScaledDown {
                color: to.to_string(),
            });
        }
        let fleet = self.record.fleet_mut(to);
        fleet.version = opts.version.clone();
        fleet.ami = ami;
        self.prepare(progress).await
    }

    async fn prepare(&mut self, p: Progress) -> Result<Outcome, RolloutError> {
        let to = p.to;
        let capacity = self.live_size(p.from);
        self.record.fleet_mut(to).idle_capacity = capacity;
        self.emit(EventKind::Preparing {
            color: to.to_string(),
            version: p.version.clone(),
            capacity,
        });
        self.converge(&self.at.color(to)).await?;
        match self.wait_healthy(&p, capacity).await? {
            Some(breach) => return self.rollback(p, Some(breach)).await,
            None if self.cancelled() => return self.interrupted(&p),
            None => {}
        }
        self.shift(p, 0).await
    }

    /// Waits until `want` targets of the new color are healthy; a breach if
    /// they fail their checks or the health timeout passes.
    async fn wait_healthy(&self, p: &Progress, want: i64) -> Result<Option<Breach>, RolloutError> {
        let tg = self
            .ctx
            .id_of(&self.at.target_group(p.to))
            .unwrap_or_default();
        let want = usize::try_from(want).unwrap_or(0);
        let deadline = Instant::now() + self.r().timing.health_timeout;
        let mut last = None;
        loop {
            let health =
                with_retries(RetryPolicy::default(), || self.signals.target_health(&tg)).await?;
            let healthy = health.iter().filter(|t| t.is_healthy()).count();
            let unhealthy = health.iter().filter(|t| t.state == "unhealthy").count();
            if last != Some(healthy) {
                self.emit(EventKind::Health {
                    color: p.to.to_string(),
                    healthy,
                    total: health.len(),
                });
                last = Some(healthy);
            }
            if healthy >= want && unhealthy == 0 {
                return Ok(None);
            }
            let settled = health.len() >= want && health.iter().all(|t| t.state != "initial");
            if (settled && unhealthy > 0) || Instant::now() >= deadline {
                return Ok(Some(Breach {
                    gate: "target_health".into(),
                    value: format!("{healthy} of {want} targets healthy ({unhealthy} unhealthy)"),
                    threshold: format!("{want} healthy"),
                    step: None,
                    percent: 0,
                }));
            }
            if self.cancelled() {
                return Ok(None);
            }
            tokio::time::sleep(self.r().timing.poll).await;
        }
    }

    async fn shift(&mut self, mut p: Progress, first: usize) -> Result<Outcome, RolloutError> {
        for step in first..p.steps.len() {
            let percent = p.steps[step];
            self.record.set_weights(p.to, percent);
            self.set_progress(|x| {
                x.phase = Phase::Shifting;
                x.step = step;
            });
            p = self.progress()?;
            self.converge(&[self.at.listener()]).await?;
            self.emit(EventKind::Weights {
                step: Some(step),
                blue: self.record.blue_weight,
                green: self.record.green_weight,
            });
            match self.bake(&p, step, percent).await? {
                Baked::Passed { decided } => self.emit(EventKind::StepPassed {
                    step,
                    percent,
                    decided,
                }),
                Baked::Breached(b) => return self.rollback(p, Some(b)).await,
                Baked::Cancelled => return self.interrupted(&p),
            }
        }
        self.promote(p).await
    }

    /// Holds a step for the bake time (longer, up to 4×, while the new
    /// color has served too few requests for its metrics to decide).
    async fn bake(&self, p: &Progress, step: usize, percent: i64) -> Result<Baked, RolloutError> {
        let gates = Gates {
            slo_5xx_rate: self.web.slo_5xx_rate,
            slo_p95_ms: self.web.slo_p95_ms,
            min_requests: p.min_requests,
            ..Gates::default()
        };
        let bake = Duration::from_millis(p.bake_ms);
        let began = Instant::now();
        let start_ms = now_ms();
        let tg_new = self
            .ctx
            .id_of(&self.at.target_group(p.to))
            .unwrap_or_default();
        let tg_old = self
            .ctx
            .id_of(&self.at.target_group(p.from))
            .unwrap_or_default();
        let lb = self.ctx.id_of(&self.at.alb()).unwrap_or_default();
        let mut alarms: Vec<String> = self
            .at
            .slo_alarms()
            .iter()
            .chain(std::iter::once(&self.at.unhealthy_alarm(p.to)))
            .filter_map(|a| {
                self.ctx
                    .attr(a, "alarm_name")
                    .and_then(|v| v.as_str().map(str::to_string))
            })
            .collect();
        alarms.sort();
        loop {
            tokio::time::sleep(self.r().timing.poll.min(bake)).await;
            if self.cancelled() {
                return Ok(Baked::Cancelled);
            }
            let signals = self.signals;
            let health =
                with_retries(RetryPolicy::default(), || signals.target_health(&tg_new)).await?;
            let alarm_states =
                with_retries(RetryPolicy::default(), || signals.alarm_states(&alarms)).await?;
            let window = |tg: &str| MetricsRequest {
                target_group_arn: tg.to_string(),
                load_balancer_arn: lb.clone(),
                start_ms,
                end_ms: now_ms(),
            };
            let new = with_retries(RetryPolicy::default(), || {
                signals.target_metrics(window(&tg_new))
            })
            .await?;
            let old = if percent < 100 {
                with_retries(RetryPolicy::default(), || {
                    signals.target_metrics(window(&tg_old))
                })
                .await?
            } else {
                TargetMetrics::default()
            };
            let obs = Observation {
                step,
                percent,
                healthy: health.iter().filter(|t| t.is_healthy()).count(),
                total: health.len(),
                alarms: alarm_states,
                new,
                old,
            };
            let verdict = gates.check(&obs);
            let decided = gates.decides(&obs);
            let elapsed = began.elapsed();
            if verdict.is_err() || elapsed >= bake {
                self.emit(EventKind::Gates(obs));
            }
            if let Err(b) = verdict {
                return Ok(Baked::Breached(b));
            }
            if elapsed >= bake && (decided || elapsed >= bake * 4) {
                return Ok(Baked::Passed { decided });
            }
        }
    }

    async fn promote(&mut self, p: Progress) -> Result<Outcome, RolloutError> {
        let size = self.live_size(p.to);
        self.record.live = p.to;
        self.record.set_weights(p.to, 100);
        self.record.fleet_mut(p.from).idle_capacity = size;
        self.record.fleet_mut(p.to).idle_capacity = 0;
        self.set_progress(|x| x.phase = Phase::Promoted);
        let p = self.progress()?;
        self.converge(&[self.at.listener(), self.at.asg(p.to), self.at.asg(p.from)])
            .await?;
        self.emit(EventKind::Promoted {
            color: p.to.to_string(),
            version: p.version.clone(),
        });
        self.grace(p).await
    }

    async fn grace(&mut self, p: Progress) -> Result<Outcome, RolloutError> {
        let end = Instant::now() + Duration::from_millis(p.grace_ms);
        while Instant::now() < end {
            if self.cancelled() {
                return self.interrupted(&p);
            }
            tokio::time::sleep(self.r().timing.poll.min(end - Instant::now())).await;
        }
        self.record.fleet_mut(p.from).idle_capacity = 0;
        self.record.rollout = None;
        self.record.last = Some(Last {
            version: p.version.clone(),
            result: "succeeded".into(),
            reason: None,
            finished: rfc3339(),
        });
        self.converge(&[self.at.asg(p.from)]).await?;
        self.emit(EventKind::ScaledDown {
            color: p.from.to_string(),
        });
        self.finished("promoted");
        Ok(Outcome::Promoted {
            color: p.to,
            version: p.version,
        })
    }

    /// Sends all traffic back to the old color (first, in one change), then
    /// scales the new color down. `breach: None` is an abort.
    async fn rollback(
        &mut self,
        p: Progress,
        breach: Option<Breach>,
    ) -> Result<Outcome, RolloutError> {
        if let Some(b) = &breach {
            self.emit(EventKind::Breach(b.clone()));
        }
        // Never send traffic back to a color that cannot serve it.
        if self.record.weight(p.to) > 0 {
            if let Some(refused) = self.unsafe_to_roll_back(&p).await? {
                return Err(refused);
            }
        }
        self.record.live = p.from;
        self.record.set_weights(p.from, 100);
        self.set_progress(|x| x.phase = Phase::RollingBack);
        self.converge(&[self.at.listener(), self.at.asg(p.from)])
            .await?;
        self.emit(EventKind::Weights {
            step: None,
            blue: self.record.blue_weight,
            green: self.record.green_weight,
        });
        self.record.fleet_mut(p.to).idle_capacity = 0;
        self.record.rollout = None;
        self.record.last = Some(Last {
            version: p.version.clone(),
            result: if breach.is_some() {
                "rolled_back"
            } else {
                "aborted"
            }
            .into(),
            reason: breach.as_ref().map(Breach::describe),
            finished: rfc3339(),
        });
        self.converge(&[self.at.asg(p.to)]).await?;
        self.emit(EventKind::ScaledDown {
            color: p.to.to_string(),
        });
        match breach {
            Some(b) => {
                self.finished("rolled_back");
                Ok(Outcome::RolledBack(b))
            }
            None => {
                self.finished("aborted");
                Ok(Outcome::Aborted)
            }
        }
    }

    /// Healthy and registered targets of a color.
    async fn color_health(&self, color: Color) -> Result<(usize, usize), RolloutError> {
        let Some(tg) = self.ctx.id_of(&self.at.target_group(color)) else {
            return Ok((0, 0));
        };
        let health =
            with_retries(RetryPolicy::default(), || self.signals.target_health(&tg)).await?;
        Ok((
            health.iter().filter(|t| t.is_healthy()).count(),
            health.len(),
        ))
    }

    /// Why traffic must not go back to the old color, if it must not: the
    /// old color is unhealthy (fewer than half of its targets healthy, or
    /// none). The weights are then left as they are — moving traffic onto
    /// an unhealthy color is never safer than leaving it — and the record
    /// keeps the rollout for `--abort` (once the old color is healthy) or
    /// `--resume`.
    async fn unsafe_to_roll_back(
        &self,
        p: &Progress,
    ) -> Result<Option<RolloutError>, RolloutError> {
        let old = self.color_health(p.from).await?;
        if can_take_traffic(old) {
            return Ok(None);
        }
        let new = self.color_health(p.to).await?;
        let line = |color: Color, (healthy, total): (usize, usize)| {
            format!(
                "{color} ({}): {healthy} of {total} targets healthy",
                self.record.fleet(color).version
            )
        };
        let mut unhealthy = vec![line(p.from, old)];
        if !can_take_traffic(new) {
            unhealthy.push(line(p.to, new));
        }
        let (blue, green) = (self.record.blue_weight, self.record.green_weight);
        self.emit(EventKind::RollbackHeld {
            unhealthy: unhealthy.clone(),
            blue,
            green,
        });
        Ok(Some(RolloutError::UnsafeRollback {
            from: p.from.to_string(),
            unhealthy: unhealthy.join("; "),
            weights: format!("blue={blue} green={green}"),
        }))
    }

    async fn resume(&mut self, p: Progress) -> Result<Outcome, RolloutError> {
        match p.phase {
            Phase::Preparing => self.prepare(p).await,
            Phase::Shifting => {
                // Never leave traffic on a color that is not healthy.
                let want = self.record.fleet(p.to).idle_capacity;
                if let Some(b) = self.wait_healthy(&p, want).await? {
                    return self.rollback(p, Some(b)).await;
                }
                if self.cancelled() {
                    return self.interrupted(&p);
                }
                let step = p.step;
                self.shift(p, step).await
            }
            Phase::Promoted => self.grace(p).await,
            Phase::RollingBack => self.rollback(p, None).await,
        }
    }

    async fn abort(&mut self, p: Progress) -> Result<Outcome, RolloutError> {
        self.rollback(p, None).await
    }

    fn interrupted(&self, p: &Progress) -> Result<Outcome, RolloutError> {
        self.emit(EventKind::Interrupted {
            phase: format!("{:?}", p.phase).to_lowercase(),
        });
        Ok(Outcome::Interrupted)
    }

    fn finished(&self, result: &str) {
        self.emit(EventKind::Finished {
            result: result.into(),
            live: self.record.live.to_string(),
            version: self.record.fleet(self.record.live).version.clone(),
        });
    }
}
