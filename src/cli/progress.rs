//! Apply progress: Terraform-style lines with timings, under an indicatif
//! bar on a terminal; one JSON object per event with `--json`.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use strata_core::apply::{Event, Observer, OpKind};
use strata_core::plan::{Action, Plan, ReplaceOrder};

pub struct Progress {
    json: bool,
    bar: ProgressBar,
}

impl Progress {
    pub fn new(json: bool, plan: &Plan) -> Self {
        let ops: u64 = plan
            .changes
            .iter()
            .map(|c| match (c.action, c.replace_order) {
                (
                    Action::Replace,
                    Some(ReplaceOrder::CreateThenDelete) | Some(ReplaceOrder::DeleteThenCreate),
                ) => 2,
                (Action::NoOp | Action::Read, _) => 0,
                _ => 1,
            })
            .sum();
        let bar = if json {
            ProgressBar::hidden()
        } else {
            let b = ProgressBar::with_draw_target(Some(ops), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}",
            ) {
                b.set_style(style);
            }
            b.enable_steady_tick(Duration::from_millis(200));
            b
        };
        Self { json, bar }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn line(&self, text: String) {
        if self.bar.is_hidden() {
            println!("{text}");
        } else {
            self.bar.println(text);
        }
    }
}

fn noun(op: OpKind) -> (&'static str, &'static str) {
    match op {
        OpKind::Create => ("Creating...", "Creation complete"),
        OpKind::Update => ("Modifying...", "Modifications complete"),
        OpKind::Delete | OpKind::DeleteDeposed => ("Destroying...", "Destruction complete"),
    }
}

impl Observer<Event> for Progress {
    fn event(&self, event: &Event) {
        if self.json {
            let v = match event {
                Event::Started { address, op } => {
                    serde_json::json!({"type": "started", "address": address, "op": op.name()})
                }
                Event::Progress {
                    address,
                    op,
                    status,
                    elapsed,
                } => {
                    serde_json::json!({"type": "progress", "address": address, "op": op.name(), "status": status, "elapsed_ms": elapsed.as_millis() as u64})
                }
                Event::Finished {
                    address,
                    op,
                    id,
                    elapsed,
                } => {
                    serde_json::json!({"type": "finished", "address": address, "op": op.name(), "id": id, "elapsed_ms": elapsed.as_millis() as u64})
                }
                Event::Failed { address, op, error } => {
                    serde_json::json!({"type": "failed", "address": address, "op": op.name(), "error": error})
                }
                Event::Skipped { address, because } => {
                    serde_json::json!({"type": "skipped", "address": address, "because": because})
                }
            };
            println!("{v}");
            return;
        }
        match event {
            Event::Started { address, op } => {
                self.line(format!("{address}: {}", noun(*op).0));
                self.bar.set_message(format!("{address}"));
            }
            Event::Progress {
                address,
                op,
                status,
                elapsed,
            } => {
                self.bar.set_message(format!(
                    "{address}: still {} [{}s, {status}]",
                    op.verb(),
                    elapsed.as_secs()
                ));
            }
            Event::Finished {
                address,
                op,
                id,
                elapsed,
            } => {
                self.bar.inc(1);
                self.line(format!(
                    "{address}: {} after {:.1}s [id={id}]",
                    noun(*op).1,
                    elapsed.as_secs_f64()
                ));
            }
            Event::Failed { address, op, error } => {
                self.bar.inc(1);
                self.line(format!("{address}: {} failed: {error}", op.verb()));
            }
            Event::Skipped { address, because } => {
                self.bar.inc(1);
                self.line(format!("{address}: skipped because {because} failed"));
            }
        }
    }
}
