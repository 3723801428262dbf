//! Crash safety: `strata apply` killed with SIGKILL at random points, then
//! `strata apply --yes` again. Every time the cloud must hold exactly the
//! resources in state, each once, and the next plan must be empty.
//!
//! The default test run kills a few runs; the harness runs many:
//! `STRATA_CRASH_RUNS=50 cargo test --release --test it crash -- --nocapture`.

use std::collections::BTreeMap;
use std::time::Duration;

use super::support::*;

fn runs(default: usize) -> usize {
    std::env::var("STRATA_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A deterministic pseudo-random sequence (splitmix64).
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Checks the invariant: every resource in state exists in the cloud once,
/// with its id, and the cloud holds nothing else Strata made directly.
fn assert_cloud_matches_state(p: &Project, run: usize) {
    let state = p.state();
    let resources = state["resources"].as_object().unwrap();
    let sim = strata::sim::SimProvider::open(
        &p.path().join(".strata/sim"),
        strata::sim::SimOptions::instant(),
    )
    .unwrap();
    let mut by_address: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for o in sim.objects() {
        // Instances an autoscaling group launched carry its tags; snapshots are data.
        let derived = (o.kind == "aws.ec2.instance"
            && o.tags.contains_key("aws:autoscaling:groupName"))
            || o.kind == strata::sim::DB_SNAPSHOT;
        if let (Some(addr), false) = (o.tags.get("strata:address"), derived) {
            if o.status != "deleting" && o.status != "deleted" {
                by_address
                    .entry(addr.clone())
                    .or_default()
                    .push(o.id.clone());
            }
        }
    }
    for (addr, r) in resources {
        let ids = by_address
            .remove(&strata::core::tags::address_tag_value(addr))
            .unwrap_or_default();
        assert_eq!(
            ids,
            vec![r["id"].as_str().unwrap().to_string()],
            "run {run}: {addr} in the cloud: {ids:?}"
        );
    }
    assert!(
        by_address.is_empty(),
        "run {run}: orphans in the cloud: {by_address:?}"
    );
    assert!(
        state
            .get("pending")
            .is_none_or(|p| p.as_array().unwrap().is_empty()),
        "run {run}: pending intents left"
    );
}

fn kill_and_converge(manifest: &str, speed: &str, runs: usize, max_ms: u64, seed: u64) {
    let mut draw = Draw(seed);
    for run in 0..runs {
        let p = Project::new(manifest);
        // Sometimes kill a second time, during the recovery run.
        let kills = 1 + (draw.next() % 2) as usize;
        for _ in 0..kills {
            let mut child = p
                .std_cmd(&["apply", "--yes"])
                .env("STRATA_SIM_SPEED", speed)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(draw.next() % max_ms));
            let _ = child.kill(); // SIGKILL
            let _ = child.wait();
        }
        // A killed run may leave its lock behind; its holder is gone, so a
        // plain apply takes it over (saying so) and recovers: no other step.
        let stale = p.path().join(".strata/state.lock").exists();
        let out = p.run(&["apply", "--yes"]);
        assert!(
            out.status.success(),
            "run {run}: recovery apply failed:\n{}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        if stale {
            let err = text(&out.stderr);
            assert!(
                err.contains("took over the state lock"),
                "run {run}: the stale lock was not taken over with a note: {err}"
            );
        }
        p.run_expect(&["plan", "--detailed-exitcode"], 0);
        assert_cloud_matches_state(&p, run);
    }
}

#[test]
fn quickstart_killed_at_random_points_converges() {
    kill_and_converge(&quickstart_text(), "300", runs(4), 5000, 0x5eed);
}

/// 500 resources: a VPC, subnets, security groups, instances, target groups, alarms.
pub fn synthetic_500() -> String {
    let mut m = String::from("stack = \"synthetic\"\n[resource.vpc]\nkind = \"aws.ec2.vpc\"\ncidr_block = \"10.0.0.0/16\"\n");
    for i in 0..100 {
        m.push_str(&format!(
            "[resource.subnet_{i}]\nkind = \"aws.ec2.subnet\"\nvpc_id = \"${{vpc.id}}\"\ncidr_block = \"10.0.{i}.0/24\"\navailability_zone = \"us-east-1{az}\"\n\
             [resource.sg_{i}]\nkind = \"aws.ec2.security_group\"\nname = \"sg-{i}\"\nvpc_id = \"${{vpc.id}}\"\n\
             [resource.web_{i}]\nkind = \"aws.ec2.instance\"\nami = \"ami-1\"\ninstance_type = \"t3.micro\"\nsubnet_id = \"${{subnet_{i}.id}}\"\nsecurity_group_ids = [\"${{sg_{i}.id}}\"]\n\
             [resource.tg_{i}]\nkind = \"aws.elbv2.target_group\"\nname = \"tg-{i}\"\nport = 80\nvpc_id = \"${{vpc.id}}\"\ntarget_ids = [\"${{web_{i}.id}}\"]\n",
            az = ["a", "b", "c", "d", "e", "f"][i % 6]
        ));
        if i < 99 {
            m.push_str(&format!(
                "[resource.alarm_{i}]\nkind = \"aws.cloudwatch.metric_alarm\"\nalarm_name = \"cpu-{i}\"\nnamespace = \"AWS/EC2\"\nmetric_name = \"CPUUtilization\"\nstatistic = \"Average\"\nperiod = 60\nevaluation_periods = 5\nthreshold = 80\ncomparison_operator = \"GreaterThanThreshold\"\ndimensions = {{ InstanceId = \"${{web_{i}.id}}\" }}\n"
            ));
        }
    }
    m
}

#[test]
fn a_500_resource_graph_killed_at_random_points_converges() {
    kill_and_converge(&synthetic_500(), "100", runs(2), 3000, 0xfeed);
}
