//! A drill's report: what was done, each step's start, end and duration,
//! RTO and RPO, what the probe saw, pass or fail, and the commands to undo
//! anything left behind — as Markdown (the one-page runbook) and JSON.

use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::probe::ProbeSummary;

/// One step of a drill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    /// What the step does, e.g. `restore`.
    pub name: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub ended_at: DateTime<Utc>,
    /// Cloud seconds it took.
    pub seconds: f64,
    /// Whether it did what it should.
    pub ok: bool,
    /// What happened.
    pub detail: String,
}

/// The outcome of one drill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrillReport {
    /// The drill's id (the value of its resources' `strata:drill` tag).
    pub id: String,
    /// `backup-restore`, `failover --db`, `failover --cache`, `failover --az`.
    pub drill: String,
    /// The stack.
    pub stack: String,
    /// The provider's name (its `[provider] kind`) and region.
    pub provider: String,
    /// The region.
    pub region: String,
    /// What it worked on, e.g. `web.db (shop-db)`.
    pub target: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: DateTime<Utc>,
    /// Cloud seconds per wall second (a sped-up sim's speed; 1 on AWS).
    pub time_scale: f64,
    /// The steps, in order.
    pub steps: Vec<StepReport>,
    /// Time to recover, cloud seconds.
    pub rto_seconds: Option<f64>,
    /// Data-loss window, cloud seconds.
    pub rpo_seconds: Option<f64>,
    /// The RTO limit it was held to.
    pub max_rto_seconds: Option<f64>,
    /// The RPO limit it was held to.
    pub max_rpo_seconds: Option<f64>,
    /// What the probe saw.
    pub probe: ProbeSummary,
    /// Facts worth keeping (snapshot, restored instance, AZs, …).
    pub facts: Vec<(String, String)>,
    /// Whether every check passed.
    pub passed: bool,
    /// Why it failed.
    pub failures: Vec<String>,
    /// What is left behind on purpose (`--keep`, `--promote`), with the
    /// commands that remove it.
    pub left_behind: Vec<String>,
}

impl DrillReport {
    /// The report as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The report as a Markdown page.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let verdict = if self.passed { "PASSED" } else { "FAILED" };
        md.push_str(&format!(
            "# Drill `{}`: {} — {verdict}\n\n",
            self.id, self.drill
        ));
        md.push_str("| | |\n|---|---|\n");
        let row = |md: &mut String, k: &str, v: String| md.push_str(&format!("| {k} | {v} |\n"));
        row(
            &mut md,
            "Stack",
            format!("{} ({}, {})", self.stack, self.provider, self.region),
        );
        row(&mut md, "Target", self.target.clone());
        row(&mut md, "Started", stamp(&self.started_at));
        row(&mut md, "Finished", stamp(&self.finished_at));
        if let Some(rto) = self.rto_seconds {
            row(&mut md, "RTO", with_limit(rto, self.max_rto_seconds));
        }
        if let Some(rpo) = self.rpo_seconds {
            row(&mut md, "RPO", with_limit(rpo, self.max_rpo_seconds));
        }
        row(&mut md, "Probe", self.probe.describe());
        row(&mut md, "Result", format!("**{verdict}**"));
        if (self.time_scale - 1.0).abs() > f64::EPSILON {
            md.push_str(&format!(
                "\nDurations are cloud time: the simulated cloud ran {}× faster than AWS, so a wall-clock second counted as {} s.\n",
                trim(self.time_scale),
                trim(self.time_scale)
            ));
        }
        md.push_str("\n## Steps\n\n| # | Step | Start (UTC) | End (UTC) | Duration | Result | Detail |\n|---|---|---|---|---|---|---|\n");
        for (i, s) in self.steps.iter().enumerate() {
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                i + 1,
                s.name,
                time_of_day(&s.started_at),
                time_of_day(&s.ended_at),
                human_secs(s.seconds),
                if s.ok { "ok" } else { "FAILED" },
                s.detail.replace('|', "\\|").replace('\n', " ")
            ));
        }
        if !self.facts.is_empty() {
            md.push_str("\n## Facts\n\n");
            for (k, v) in &self.facts {
                md.push_str(&format!("- {k}: `{v}`\n"));
            }
        }
        if !self.failures.is_empty() {
            md.push_str("\n## Failures\n\n");
            for f in &self.failures {
                md.push_str(&format!("- {f}\n"));
            }
        }
        md.push_str("\n## Left behind\n\n");
        if self.left_behind.is_empty() {
            md.push_str("Nothing: the drill removed everything it made.\n");
        } else {
            for l in &self.left_behind {
                md.push_str(&format!("- {l}\n"));
            }
        }
        md.push_str(&format!(
            "\nAnything a killed drill left is removed with `strata drill cleanup --id {}`.\n",
            self.id
        ));
        md
    }
}

/// Where `--report FILE` writes: `FILE.md` and `FILE.json`, or, when FILE
/// ends in `.md` or `.json`, FILE and its sibling with the other extension.
pub fn report_paths(file: &Path) -> (PathBuf, PathBuf) {
    match file.extension().and_then(|e| e.to_str()) {
        Some("md") => (file.to_path_buf(), file.with_extension("json")),
        Some("json") => (file.with_extension("md"), file.to_path_buf()),
        _ => {
            let mut md = file.as_os_str().to_owned();
            md.push(".md");
            let mut json = file.as_os_str().to_owned();
            json.push(".json");
            (PathBuf::from(md), PathBuf::from(json))
        }
    }
}

fn stamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn time_of_day(t: &DateTime<Utc>) -> String {
    t.format("%H:%M:%S%.3f").to_string()
}

fn trim(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn with_limit(secs: f64, limit: Option<f64>) -> String {
    match limit {
        Some(l) if secs > l => format!("{} (limit {}: exceeded)", human_secs(secs), human_secs(l)),
        Some(l) => format!("{} (limit {})", human_secs(secs), human_secs(l)),
        None => human_secs(secs),
    }
}

/// `0.4s`, `12.0s`, `10m 02s`, `2h 01m 40s`.
pub fn human_secs(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "0s".into();
    }
    if secs < 60.0 {
        return format!("{secs:.1}s");
    }
    let total = secs.round() as u64;
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    if h > 0 {
        format!("{h}h {m:02}m {s:02}s")
    } else {
        format!("{m}m {s:02}s")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn report(passed: bool) -> DrillReport {
        DrillReport {
            id: "d-1".into(),
            drill: "backup-restore".into(),
            stack: "shop".into(),
            provider: "mock".into(),
            region: "us-east-1".into(),
            target: "web.db (shop-db)".into(),
            started_at: at("2026-01-01T12:00:00Z"),
            finished_at: at("2026-01-01T12:00:20Z"),
            time_scale: 60.0,
            steps: vec![StepReport {
                name: "restore".into(),
                started_at: at("2026-01-01T12:00:02Z"),
                ended_at: at("2026-01-01T12:00:12.5Z"),
                seconds: 630.0,
                ok: true,
                detail: "shop-db-drill-1 available | encrypted".into(),
            }],
            rto_seconds: Some(630.0),
            rpo_seconds: Some(125.0),
            max_rto_seconds: Some(600.0),
            max_rpo_seconds: None,
            probe: ProbeSummary::default(),
            facts: vec![("snapshot".into(), "shop-db-drill-1".into())],
            passed,
            failures: if passed {
                vec![]
            } else {
                vec!["RTO 10m 30s exceeds the limit 10m 00s".into()]
            },
            left_behind: vec![],
        }
    }

    #[test]
    fn markdown_has_the_verdict_timings_and_limits() {
        let md = report(false).to_markdown();
        assert!(
            md.starts_with("# Drill `d-1`: backup-restore — FAILED\n"),
            "{md}"
        );
        assert!(
            md.contains("| RTO | 10m 30s (limit 10m 00s: exceeded) |"),
            "{md}"
        );
        assert!(md.contains("| RPO | 2m 05s |"), "{md}");
        assert!(md.contains("| Stack | shop (mock, us-east-1) |"), "{md}");
        assert!(md.contains(
            "| 1 | restore | 12:00:02.000 | 12:00:12.500 | 10m 30s | ok | shop-db-drill-1 available \\| encrypted |"
        ), "{md}");
        assert!(md.contains("60× faster than AWS"), "{md}");
        assert!(md.contains("## Failures\n\n- RTO 10m 30s exceeds"), "{md}");
        assert!(md.contains("Nothing: the drill removed everything it made."));
        assert!(md.contains("strata drill cleanup --id d-1"));
    }

    #[test]
    fn json_round_trips() {
        let r = report(true);
        let back: DrillReport = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn durations_read_like_a_person_writes_them() {
        assert_eq!(human_secs(0.44), "0.4s");
        assert_eq!(human_secs(59.96), "60.0s");
        assert_eq!(human_secs(602.3), "10m 02s");
        assert_eq!(human_secs(7300.0), "2h 01m 40s");
        assert_eq!(human_secs(f64::NAN), "0s");
    }

    #[test]
    fn report_paths_follow_the_extension() {
        let p = |s: &str| report_paths(Path::new(s));
        assert_eq!(
            p("out/drill"),
            ("out/drill.md".into(), "out/drill.json".into())
        );
        assert_eq!(p("r.md"), ("r.md".into(), "r.json".into()));
        assert_eq!(p("r.json"), ("r.md".into(), "r.json".into()));
        assert_eq!(p("r.2026"), ("r.2026.md".into(), "r.2026.json".into()));
    }
}
