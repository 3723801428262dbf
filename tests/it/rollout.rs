//! `strata rollout` on the sim: a healthy canary ends on the new color with
//! every step logged; a faulty version is rolled back at the first step
//! whose gate breaches — the metrics gates, or the SLO alarms the sim
//! evaluates from its simulated traffic; a rollout killed with SIGKILL is resumed or
//! aborted with the listener on a healthy color and state matching the
//! cloud (the next plan is empty).

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use serde_json::Value;

use crate::support::{text, Project};
use crate::web_service::applied;
use crate::web_service_edge::applied_https;

const FAST: &[&str] = &[
    "--bake",
    "300ms",
    "--grace",
    "100ms",
    "--poll",
    "50ms",
    "--min-requests",
    "50",
];

fn rollout(p: &Project, extra: &[&str], fault: Option<&str>, code: i32) -> Vec<Value> {
    let mut args = vec!["rollout", "--json"];
    args.extend_from_slice(extra);
    let mut cmd = p.cmd(&args);
    if let Some(f) = fault {
        cmd.env("STRATA_SIM_FAULT", f);
    }
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn of<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == kind).collect()
}

/// (blue, green) weights of the example's weighted listener (`web.https`:
/// the example serves HTTPS) in state.
fn weights(p: &Project) -> (i64, i64) {
    weights_of(p, "web.https")
}

/// (blue, green) weights of `listener` in state.
fn weights_of(p: &Project, listener: &str) -> (i64, i64) {
    let state = p.state();
    let id = |a: &str| state["resources"][a]["id"].clone();
    let forward = state["resources"][listener]["attrs"]["forward"]
        .as_array()
        .unwrap()
        .clone();
    let w = |arn: Value| {
        forward
            .iter()
            .find(|f| f["target_group_arn"] == arn)
            .unwrap()["weight"]
            .as_i64()
            .unwrap()
    };
    (w(id("web.tg_blue")), w(id("web.tg_green")))
}

fn live_color(p: &Project) -> String {
    let out = p.run_expect(&["output", "web.live_color"], 0);
    text(&out.stdout).trim().trim_matches('"').to_string()
}

fn clean_plan(p: &Project) {
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn a_healthy_rollout_moves_through_every_step_to_the_new_color() {
    let p = applied();
    let mut args = vec!["--version", "v2"];
    args.extend_from_slice(FAST);
    let events = rollout(&p, &args, None, 0);
    let steps: Vec<(i64, i64)> = of(&events, "weights")
        .iter()
        .map(|e| (e["blue"].as_i64().unwrap(), e["green"].as_i64().unwrap()))
        .collect();
    assert_eq!(steps, vec![(99, 1), (90, 10), (50, 50), (0, 100)]);
    assert_eq!(of(&events, "step_passed").len(), 4);
    assert!(
        events
            .iter()
            .all(|e| e["at"].as_str().is_some_and(|t| t.ends_with('Z'))),
        "timestamps on every event"
    );
    assert_eq!(of(&events, "finished")[0]["result"], "promoted");
    assert_eq!(weights(&p), (0, 100));
    assert_eq!(live_color(&p), "green");
    let state = p.state();
    assert_eq!(
        state["resources"]["web.asg_blue"]["attrs"]["desired_capacity"], 0,
        "old color scaled down"
    );
    assert_eq!(
        state["resources"]["web.lt_green"]["attrs"]["tags"]["version"],
        "v2"
    );
    clean_plan(&p);

    // `--steps 100` is the instant swap back.
    let mut args = vec!["--version", "v3", "--steps", "100"];
    args.extend_from_slice(FAST);
    let events = rollout(&p, &args, None, 0);
    assert_eq!(of(&events, "weights").len(), 1);
    assert_eq!(weights(&p), (100, 0));
    assert_eq!(live_color(&p), "blue");
    clean_plan(&p);
}

#[test]
fn a_faulty_version_is_rolled_back_at_the_first_breaching_step() {
    let p = applied();
    let mut args = vec!["--version", "v2"];
    args.extend_from_slice(FAST);
    let events = rollout(&p, &args, Some("bad_version=v2:5xx=0.08"), 3);
    let breach = of(&events, "breach");
    assert_eq!(breach.len(), 1);
    assert_eq!(breach[0]["gate"], "5xx_rate");
    assert_eq!(breach[0]["step"], 0, "the 1% step");
    // The injected 8% 5xx rate, as measured on simulated traffic (sampling noise allowed).
    let measured: f64 = breach[0]["value"]
        .as_str()
        .unwrap()
        .trim_end_matches('%')
        .parse()
        .unwrap();
    assert!((6.0..=10.0).contains(&measured), "{}", breach[0]);
    assert_eq!(of(&events, "finished")[0]["result"], "rolled_back");
    assert_eq!(weights(&p), (100, 0));
    assert_eq!(live_color(&p), "blue");
    assert_eq!(
        p.state()["resources"]["web.asg_green"]["attrs"]["desired_capacity"],
        0
    );
    clean_plan(&p);

    // A version that fails its health checks never gets traffic; the
    // human output says which gate, which value, at which step.
    let mut args = vec!["rollout", "--version", "v3"];
    args.extend_from_slice(FAST);
    let out = p
        .cmd(&args)
        .env("STRATA_SIM_FAULT", "bad_version=v3:unhealthy")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(
        err.contains("target_health") && err.contains("before any traffic moved"),
        "{err}"
    );
    assert_eq!(weights(&p), (100, 0));
    clean_plan(&p);
}

/// Options under which only target health and the SLO alarms judge a step:
/// the metrics gates never see enough requests to decide.
const ALARMS_ONLY: &[&str] = &[
    "--steps",
    "50,100",
    "--bake",
    "400ms",
    "--grace",
    "100ms",
    "--poll",
    "20ms",
    "--min-requests",
    "1000000000",
];

#[test]
fn the_slo_alarms_roll_a_faulty_version_back_on_their_own() {
    let p = applied();
    // At 50 % of the traffic, v2's 8 % 5xx is a 4 % rate at the load
    // balancer: the 5xx-rate alarm (metric math, > 1 % for 5 minutes of
    // the sim's clock) goes to ALARM and its gate rolls the release back.
    let mut args = vec!["--version", "v2"];
    args.extend_from_slice(ALARMS_ONLY);
    let events = rollout(&p, &args, Some("bad_version=v2:5xx=0.08"), 3);
    let breach = of(&events, "breach");
    assert_eq!(breach.len(), 1);
    assert_eq!(breach[0]["gate"], "alarm", "{}", breach[0]);
    assert_eq!(breach[0]["value"], "shop-5xx-rate in ALARM");
    assert_eq!(breach[0]["step"], 0, "the 50% step");
    let seen = of(&events, "gates");
    let last = seen.last().unwrap();
    assert_eq!(last["alarms"]["shop-5xx-rate"], "ALARM", "{last}");
    assert_eq!(last["alarms"]["shop-p95-latency"], "OK", "{last}");
    assert!(
        last["new"]["requests"].as_u64().unwrap() < 1_000_000_000,
        "the metrics gates did not decide"
    );
    assert_eq!(of(&events, "finished")[0]["result"], "rolled_back");
    assert_eq!(weights(&p), (100, 0));
    assert_eq!(live_color(&p), "blue");
    clean_plan(&p);

    // A slow version trips the p95 alarm (TargetResponseTime p95 > 300 ms
    // for 10 minutes); the human output names the gate and the alarm.
    let mut args = vec!["rollout", "--version", "v3"];
    args.extend_from_slice(ALARMS_ONLY);
    let out = p
        .cmd(&args)
        .env("STRATA_SIM_FAULT", "bad_version=v3:p95=900")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(
        err.contains("alarm: shop-p95-latency in ALARM") && err.contains("at step 1 (50%)"),
        "{err}"
    );
    assert_eq!(weights(&p), (100, 0));
    clean_plan(&p);
}

#[test]
fn a_rollback_is_held_when_the_old_color_is_unhealthy_too() {
    let p = applied();
    // Blue (v1) fails its health checks: the load balancer answers its
    // share with 503s, the 5xx alarm fires, but sending traffic back to
    // blue would make things worse.
    let args = [
        "--version",
        "v2",
        "--steps",
        "10,100",
        "--bake",
        "400ms",
        "--poll",
        "50ms",
        "--min-requests",
        "50",
    ];
    let faults = "bad_version=v1:unhealthy,bad_version=v2:5xx=0.08";
    let events = rollout(&p, &args, Some(faults), 1);
    assert_eq!(of(&events, "breach").len(), 1);
    let held = of(&events, "rollback_held");
    assert_eq!(held.len(), 1, "{events:#?}");
    assert_eq!(held[0]["unhealthy"][0], "blue (v1): 0 of 3 targets healthy");
    assert_eq!(
        (held[0]["blue"].as_i64(), held[0]["green"].as_i64()),
        (Some(90), Some(10))
    );
    assert!(of(&events, "scaled_down").is_empty() && of(&events, "finished").is_empty());
    assert_eq!(
        weights(&p),
        (90, 10),
        "the weights stay where the step put them"
    );
    assert_eq!(
        p.state()["resources"]["web.asg_green"]["attrs"]["desired_capacity"],
        3
    );
    clean_plan(&p);

    // Without `--json` the error names the unhealthy color.
    let out = p
        .cmd(&["rollout", "--abort", "--poll", "50ms"])
        .env("STRATA_SIM_FAULT", faults)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("strata::rollout::unsafe_rollback")
            && err.contains("not rolling back to blue: blue (v1): 0 of 3 targets healthy"),
        "{err}"
    );
    assert_eq!(weights(&p), (90, 10));

    // Blue is healthy again: the abort completes.
    let events = rollout(&p, &["--abort", "--poll", "50ms"], None, 0);
    assert_eq!(of(&events, "finished")[0]["result"], "aborted");
    assert_eq!(weights(&p), (100, 0));
    clean_plan(&p);
}

/// Starts a slow rollout and SIGKILLs it once traffic is at 10 %.
fn killed_mid_rollout(p: &Project) {
    let mut child = p
        .std_cmd(&[
            "rollout",
            "--json",
            "--version",
            "v2",
            "--bake",
            "30s",
            "--poll",
            "50ms",
            "--min-requests",
            "50",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    for line in BufReader::new(stdout).lines() {
        let e: Value = serde_json::from_str(&line.unwrap()).unwrap();
        if e["event"] == "weights" && e["green"] == 10 {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(weights(p), (90, 10), "killed at the 10% step");
    // A plain plan in the middle agrees with the cloud: the record says 10%.
    clean_plan(p);
    // Only --resume/--abort break the dead rollout's lock.
    let out = p.run_expect(&["rollout", "--version", "v3"], 1);
    assert!(
        text(&out.stderr).contains("no longer running"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_killed_rollout_resumes_to_the_new_color() {
    let p = applied();
    killed_mid_rollout(&p);
    let events = rollout(
        &p,
        &[
            "--resume", "--bake", "300ms", "--grace", "100ms", "--poll", "50ms",
        ],
        None,
        0,
    );
    assert_eq!(of(&events, "started")[0]["mode"], "resume");
    let steps: Vec<i64> = of(&events, "weights")
        .iter()
        .map(|e| e["green"].as_i64().unwrap())
        .collect();
    assert_eq!(
        steps,
        vec![10, 50, 100],
        "resumed at the step it was killed in"
    );
    assert_eq!(weights(&p), (0, 100));
    assert_eq!(live_color(&p), "green");
    clean_plan(&p);
}

#[test]
fn a_killed_rollout_aborts_to_the_old_color() {
    let p = applied();
    killed_mid_rollout(&p);
    let events = rollout(&p, &["--abort", "--poll", "50ms"], None, 0);
    assert_eq!(of(&events, "finished")[0]["result"], "aborted");
    assert_eq!(weights(&p), (100, 0));
    assert_eq!(live_color(&p), "blue");
    assert_eq!(
        p.state()["resources"]["web.asg_green"]["attrs"]["desired_capacity"],
        0
    );
    clean_plan(&p);
    p.run_expect(&["rollout", "--resume"], 1);
}

#[test]
fn with_https_the_rollout_flips_the_https_listener_and_port_80_keeps_redirecting() {
    let p = applied_https();
    let redirect = p.state()["resources"]["web.listener"]["attrs"].clone();
    assert_eq!(redirect["redirect"]["status_code"], "HTTP_301");
    let mut args = vec!["--version", "v2"];
    args.extend_from_slice(FAST);
    let events = rollout(&p, &args, None, 0);
    let steps: Vec<(i64, i64)> = of(&events, "weights")
        .iter()
        .map(|e| (e["blue"].as_i64().unwrap(), e["green"].as_i64().unwrap()))
        .collect();
    assert_eq!(steps, vec![(99, 1), (90, 10), (50, 50), (0, 100)]);
    assert_eq!(of(&events, "finished")[0]["result"], "promoted");
    assert_eq!(weights_of(&p, "web.https"), (0, 100));
    assert_eq!(live_color(&p), "green");
    assert_eq!(
        p.state()["resources"]["web.listener"]["attrs"],
        redirect,
        "the redirect is untouched"
    );
    clean_plan(&p);
}
