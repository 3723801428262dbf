//! `strata rollout` of the web-service example on moto: the whole stack of
//! `examples/web_service.toml` (VPC, ALB, blue/green target groups and
//! ASGs, RDS with replicas, Redis, alarms) applies with `kind = "aws"`,
//! and a release moves the real listener's weights through every step,
//! read back with the SDK while each step bakes and after the promotion.
//!
//! What moto cannot show, and how the test deals with it:
//! - moto has no ALB traffic, so no `AWS/ApplicationELB` datapoints:
//!   `target_metrics` reports zero requests. With `--min-requests 0` the
//!   5xx and latency gates decide on those zeros and each step passes after
//!   its bake; with the default (100) a step is held for 4× its bake and
//!   then passes undecided (`decided: false`), which the second release
//!   checks. Neither exercises a metrics breach: that is the sim's job
//!   (`tests/it/rollout.rs`).
//! - moto reports every registered instance `healthy` at once (no health
//!   checks run), and keeps instances an ASG scaled in registered with its
//!   target groups; so the health gate passes, and cannot fail, here.
//! - moto 5.2.5 stores the user data of `CreateLaunchTemplateVersion`
//!   undecoded and then fails (HTTP 500, an `AssertionError`) when an ASG
//!   launches from that version; the example's `user_data` is left out.
//! - Alarm states are moto's (`OK`/`INSUFFICIENT_DATA`, never computed
//!   from metrics).
//! - DescribeLaunchTemplates returns the tags a template was created with,
//!   not those CreateTags set later; the provider reads launch-template
//!   tags with DescribeTags, so the plan after a release is empty here too.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;
use strata_aws::sdk::{autoscaling, cloudwatch as cw, elbv2};

use crate::quickstart::id_of;
use crate::support::{moto, sdk, Project};

/// `examples/web_service.toml` on the AWS provider, without `user_data`
/// (see the module docs) and without a Redis parameter group.
pub fn web_service_on_aws() -> String {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/web_service.toml"),
    )
    .unwrap();
    let aws = text.replacen(
        "[provider]\nkind = \"sim\"",
        "[provider]\nkind = \"aws\"",
        1,
    );
    assert_ne!(aws, text);
    let start = aws
        .find("user_data = \"\"\"")
        .expect("the example sets user_data");
    let len = aws[start + 15..].find("\"\"\"\n").expect("user_data ends") + 15 + 4;
    let mut out = aws.clone();
    out.replace_range(start..start + len, "");
    assert!(!out.contains("user_data"), "{out}");
    // moto has no ElastiCache parameter groups: Redis stays on AWS's
    // default one there (the sim covers the group).
    let out = out.replacen(
        "cache_replicas = 2\n",
        "cache_replicas = 2\ncache_parameter_group = false\n",
        1,
    );
    assert!(out.contains("cache_parameter_group = false"), "{out}");
    out
}

/// The (blue, green) weights of the listener's forward action, from moto.
async fn listener_weights(p: &Project, lb: &elbv2::Client) -> (i32, i32) {
    let listener = id_of(p, "web.https");
    let resp = lb
        .describe_listeners()
        .listener_arns(&listener)
        .send()
        .await
        .unwrap();
    let action = resp.listeners()[0]
        .default_actions()
        .iter()
        .find_map(|a| a.forward_config())
        .expect("the listener forwards to target groups");
    let weight = |address: &str| {
        let arn = id_of(p, address);
        action
            .target_groups()
            .iter()
            .find(|t| t.target_group_arn() == Some(arn.as_str()))
            .and_then(|t| t.weight())
            .unwrap_or(0)
    };
    (weight("web.tg_blue"), weight("web.tg_green"))
}

/// Desired capacity of an autoscaling group, from moto.
async fn desired(asg: &autoscaling::Client, name: &str) -> i32 {
    let resp = asg
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(name)
        .send()
        .await
        .unwrap();
    resp.auto_scaling_groups()[0]
        .desired_capacity()
        .unwrap_or(-1)
}

fn of<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == kind).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rollout_moves_the_listener_weights_step_by_step_on_moto() {
    let _moto = moto();
    let p = Project::new(&web_service_on_aws());
    let applied = p.ok(&["apply", "--yes"]);
    assert!(applied.contains("Apply complete"), "{applied}");
    let cfg = sdk().await;
    let lb = elbv2::Client::new(&cfg);
    let asg = autoscaling::Client::new(&cfg);
    assert_eq!(listener_weights(&p, &lb).await, (100, 0));
    assert_eq!(desired(&asg, "shop-green").await, 0);
    // Every resource reads back as configured, the metric-math 5xx alarm
    // included.
    p.assert_no_changes();
    let alarm = cw::Client::new(&cfg)
        .describe_alarms()
        .alarm_names("shop-5xx-rate")
        .send()
        .await
        .unwrap();
    let queries = alarm.metric_alarms()[0].metrics();
    assert_eq!(queries.len(), 4, "{queries:?}");
    let rate = queries
        .iter()
        .find(|q| q.return_data() == Some(true))
        .unwrap();
    assert_eq!(
        rate.expression(),
        Some("100 * (FILL(target_5xx, 0) + FILL(elb_5xx, 0)) / requests")
    );

    // A release to green, its events read as they come: while each step
    // bakes, the listener's weights are read back from moto.
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("strata"))
        .current_dir(p.path())
        .env("NO_COLOR", "1")
        .env("SHOP_DB_PASSWORD", crate::support::DB_PASSWORD)
        .env("SHOP_CACHE_AUTH_TOKEN", crate::support::CACHE_AUTH_TOKEN)
        .args([
            "rollout",
            "--json",
            "--version",
            "v2",
            "--bake",
            "1s",
            "--grace",
            "100ms",
            "--poll",
            "100ms",
            "--min-requests",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut events = Vec::new();
    let mut seen_in_moto = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let e: Value = serde_json::from_str(&line.unwrap()).unwrap();
        if e["event"] == "weights" && e["step"].is_u64() {
            // The step's bake (1 s) has just begun.
            seen_in_moto.push(listener_weights(&p, &lb).await);
        }
        events.push(e);
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "rollout failed: {}\n{events:#?}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        seen_in_moto,
        vec![(99, 1), (90, 10), (50, 50), (0, 100)],
        "{events:#?}"
    );
    let passed: Vec<(i64, bool)> = of(&events, "step_passed")
        .iter()
        .map(|e| (e["percent"].as_i64().unwrap(), e["decided"] == true))
        .collect();
    assert_eq!(
        passed,
        vec![(1, true), (10, true), (50, true), (100, true)],
        "{events:#?}"
    );
    // No traffic on moto: every gate reading saw zero requests, all
    // targets healthy and no alarm firing.
    for g in of(&events, "gates") {
        assert_eq!(g["new"]["requests"], 0, "{g}");
        assert!(g["healthy"].as_u64().unwrap() >= 3, "{g}");
        assert!(g["alarms"].as_object().unwrap().len() >= 3, "{g}");
        assert!(
            g["alarms"]
                .as_object()
                .unwrap()
                .values()
                .all(|s| s != "ALARM"),
            "{g}"
        );
    }
    let finished = of(&events, "finished");
    assert_eq!(finished[0]["live"], "green", "{events:#?}");
    assert_eq!(finished[0]["version"], "v2");

    // Afterwards: green takes all traffic, blue is scaled down.
    assert_eq!(listener_weights(&p, &lb).await, (0, 100));
    assert_eq!(desired(&asg, "shop-green").await, 3);
    assert_eq!(desired(&asg, "shop-blue").await, 0);
    let live = p.ok(&["output", "web.live_color"]);
    assert_eq!(live.trim().trim_matches('"'), "green");
    // The plan is empty: state, the release record and moto agree, the
    // launch template's retagged `version` included.
    p.assert_no_changes();

    // With the default minimum request count, a step without traffic is
    // held for 4× its bake and then passes undecided.
    let out = p.ok(&[
        "rollout",
        "--json",
        "--version",
        "v3",
        "--steps",
        "100",
        "--bake",
        "300ms",
        "--grace",
        "100ms",
        "--poll",
        "100ms",
    ]);
    let events: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let passed = of(&events, "step_passed");
    assert_eq!(passed.len(), 1, "{events:#?}");
    assert_eq!(passed[0]["decided"], false, "{events:#?}");
    let at = |e: &Value| chrono::DateTime::parse_from_rfc3339(e["at"].as_str().unwrap()).unwrap();
    let weights = of(&events, "weights");
    let held = at(passed[0]) - at(weights[0]);
    assert!(held.num_milliseconds() >= 1200, "held only {held}");
    assert_eq!(listener_weights(&p, &lb).await, (100, 0));
    assert_eq!(desired(&asg, "shop-blue").await, 3);
    p.assert_no_changes();
}
