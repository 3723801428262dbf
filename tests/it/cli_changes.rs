//! Changing an applied stack: in-place updates, replacements, deletes,
//! prevent_destroy, drift, and the state lock.

use super::support::*;

const SMALL: &str = r#"
stack = "small"

[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.0.0.0/16"

[resource.subnet_a]
kind = "aws.ec2.subnet"
vpc_id = "${vpc.id}"
cidr_block = "10.0.1.0/24"
availability_zone = "us-east-1a"

[resource.subnet_b]
kind = "aws.ec2.subnet"
vpc_id = "${vpc.id}"
cidr_block = "10.0.2.0/24"
availability_zone = "us-east-1b"

[resource.web]
kind = "aws.ec2.instance"
ami = "ami-0c55b159cbfafe1f0"
instance_type = "t3.micro"
subnet_id = "${subnet_a.id}"

[resource.db_subnets]
kind = "aws.rds.db_subnet_group"
name = "small-db"
subnet_ids = ["${subnet_a.id}", "${subnet_b.id}"]

[resource.db]
kind = "aws.rds.db_instance"
identifier = "small-db"
instance_class = "db.t4g.micro"
db_subnet_group_name = "${db_subnets.name}"
username = "app"
password = "first-secret"
skip_final_snapshot = true
"#;

fn applied() -> Project {
    let p = Project::new(SMALL);
    p.run_expect(&["apply", "--yes"], 0);
    p
}

#[test]
fn in_place_force_new_and_removal_are_planned_as_update_replace_delete() {
    let p = applied();

    // In place: the instance type.
    p.edit(|t| {
        t.replace(
            "instance_type = \"t3.micro\"",
            "instance_type = \"t3.large\"",
        )
    });
    let plan = p.plan_json();
    assert_eq!(action_of(&plan, "web"), "update");
    assert_eq!(action_of(&plan, "vpc"), "no-op");
    let human = text(&p.run_expect(&["plan"], 0).stdout);
    assert!(
        human.contains("~ instance_type = \"t3.micro\" -> \"t3.large\""),
        "{human}"
    );
    assert!(
        human.contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{human}"
    );

    // Force new: the subnet's CIDR replaces it, and the instance in it.
    p.edit(|t| {
        t.replace(
            "cidr_block = \"10.0.1.0/24\"",
            "cidr_block = \"10.0.3.0/24\"",
        )
    });
    let plan = p.plan_json();
    assert_eq!(action_of(&plan, "subnet_a"), "replace");
    assert_eq!(
        action_of(&plan, "web"),
        "replace",
        "its subnet_id is unknown until the new subnet exists"
    );
    let human = text(&p.run_expect(&["plan"], 0).stdout);
    assert!(human.contains("# forces replacement"), "{human}");
    assert!(human.contains("(known after apply)"), "{human}");
    // The instance is stateful: the plan says so loudly, and apply refuses
    // it (state untouched) until it is named with --allow-replace.
    assert!(
        human.contains("web must be replaced — ITS DATA IS LOST"),
        "{human}"
    );
    assert!(human.contains("--allow-replace web"), "{human}");
    let serial = p.state()["serial"].clone();
    let refused = p.run_expect(&["apply", "--yes"], 1);
    let err = text(&refused.stderr);
    assert!(err.contains("strata::apply::replaces_data"), "{err}");
    assert!(err.contains("web (subnet_id)"), "{err}");
    assert_eq!(p.state()["serial"], serial, "nothing was applied");
    assert_eq!(action_of(&p.plan_json(), "subnet_a"), "replace");
    p.run_expect(&["apply", "--yes", "--allow-replace", "web"], 0);
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
    let state = p.state();
    assert_eq!(
        state["resources"]["web"]["attrs"]["instance_type"],
        "t3.large"
    );

    // A changed password is an update, shown masked.
    p.edit(|t| t.replace("first-secret", "second-secret"));
    let out = p.run_expect(&["plan"], 0);
    let human = text(&out.stdout);
    assert!(
        human.contains("password") && human.contains("(sensitive value)"),
        "{human}"
    );
    assert!(!human.contains("second-secret"));

    // Removal: the instance goes.
    p.edit(|t| {
        let start = t.find("[resource.web]").unwrap();
        let end = t.find("[resource.db_subnets]").unwrap();
        format!("{}{}", &t[..start], &t[end..])
    });
    let plan = p.plan_json();
    assert_eq!(action_of(&plan, "web"), "delete");
    p.run_expect(&["apply", "--yes"], 0);
    assert!(p.state()["resources"].get("web").is_none());
}

#[test]
fn prevent_destroy_blocks_replacement_removal_and_destroy() {
    let p = Project::new(&SMALL.replace(
        "skip_final_snapshot = true\n",
        "skip_final_snapshot = true\n[resource.db.lifecycle]\nprevent_destroy = true\n",
    ));
    p.run_expect(&["apply", "--yes"], 0);

    p.edit(|t| t.replace("identifier = \"small-db\"", "identifier = \"small-db-2\""));
    let out = p.run_expect(&["plan"], 1);
    let err = text(&out.stderr);
    assert!(err.contains("strata::plan::prevent_destroy"), "{err}");
    assert!(err.contains("`db` has prevent_destroy set"), "{err}");
    assert!(
        err.contains("strata.toml:"),
        "the diagnostic points into the manifest: {err}"
    );

    let out = p.run_expect(&["destroy", "--yes"], 1);
    assert!(text(&out.stderr).contains("prevent_destroy"));
    assert_eq!(
        p.state()["resources"].as_object().unwrap().len(),
        6,
        "nothing was destroyed"
    );
}

#[test]
fn drift_is_shown_and_apply_puts_it_back() {
    let p = applied();
    // Someone changes the instance type outside Strata.
    let id = p.state()["resources"]["web"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use strata::core::provider::{Provider, UpdateRequest};
        let sim = strata::sim::SimProvider::open(
            &p.path().join(".strata/sim"),
            strata::sim::SimOptions::instant(),
        )
        .unwrap();
        let live = sim.import("aws.ec2.instance", &id).await.unwrap();
        let mut attrs = live.clone();
        attrs.insert("instance_type".into(), "m5.large".into());
        sim.update(UpdateRequest {
            address: "web".parse().unwrap(),
            kind: "aws.ec2.instance".into(),
            id: id.clone(),
            prior: live,
            attrs,
            changed: vec!["instance_type".into()],
            stack: "small".into(),
        })
        .await
        .unwrap();
    });
    let out = p.run_expect(&["plan", "--detailed-exitcode"], 2);
    let human = text(&out.stdout);
    assert!(human.contains("changed outside of Strata"), "{human}");
    assert!(human.contains("\"t3.micro\" -> \"m5.large\""), "{human}");
    assert!(
        human.contains("~ instance_type = \"m5.large\" -> \"t3.micro\""),
        "{human}"
    );
    let plan = p.plan_json();
    assert_eq!(plan["drift"][0]["address"], "web");
    p.run_expect(&["apply", "--yes"], 0);
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
}

/// A lock record of a process of this host (`pid`), as a running strata writes it.
fn local_lock(id: &str, pid: u32, start_time: Option<u64>) -> serde_json::Value {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into());
    serde_json::json!({
        "id": id, "operation": "apply", "who": "me@here", "pid": pid, "host": host,
        "created": "2026-01-01T00:00:00Z", "version": "0.1.0", "start_time": start_time,
    })
}

#[test]
fn a_lock_whose_holder_died_is_taken_over_and_a_live_one_waited_for() {
    let p = applied();
    p.edit(|t| {
        t.replace(
            "instance_type = \"t3.micro\"",
            "instance_type = \"t3.large\"",
        )
    });
    let lock_path = p.path().join(".strata/state.lock");
    // A holder that died: a pid that runs nothing.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    std::fs::write(
        &lock_path,
        local_lock("dead-holder", dead, Some(1)).to_string(),
    )
    .unwrap();
    let out = p.run_expect(&["apply", "--yes"], 0);
    let err = text(&out.stderr);
    assert!(err.contains("took over the state lock of `apply`"), "{err}");
    assert!(!lock_path.exists(), "the lock is released after the apply");
    assert_eq!(
        p.state()["resources"]["web"]["attrs"]["instance_type"],
        "t3.large"
    );

    // A live holder (this test process): refused at once without
    // --lock-timeout; with it, the apply waits and goes ahead once the
    // holder lets go.
    p.edit(|t| t.replace("t3.large", "t3.xlarge"));
    let me = local_lock("live-holder", std::process::id(), None);
    std::fs::write(&lock_path, me.to_string()).unwrap();
    let out = p.run_expect(&["apply", "--yes"], 1);
    let err = text(&out.stderr);
    assert!(err.contains("the state is locked by me@here"), "{err}");
    assert!(err.contains("--lock-timeout"), "{err}");
    let release = {
        let lock_path = lock_path.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(1500));
            std::fs::remove_file(lock_path).unwrap();
        })
    };
    p.run_expect(&["apply", "--yes", "--lock-timeout", "5m"], 0);
    release.join().unwrap();
    assert_eq!(
        p.state()["resources"]["web"]["attrs"]["instance_type"],
        "t3.xlarge"
    );
}

#[test]
fn a_second_apply_fails_fast_on_the_lock_and_state_stays_intact() {
    let p = applied();
    p.edit(|t| {
        t.replace(
            "instance_type = \"t3.micro\"",
            "instance_type = \"t3.large\"",
        )
    });
    // Hold the lock the way a running apply does.
    let lock = serde_json::json!({
        "id": "4f1c0d2e-0000-4000-8000-000000000001", "operation": "apply", "who": "ci@builder",
        "pid": std::process::id(), "host": "builder", "created": "2026-01-01T00:00:00Z", "version": "0.1.0"
    });
    std::fs::write(p.path().join(".strata/state.lock"), lock.to_string()).unwrap();
    let started = std::time::Instant::now();
    let out = p.run_expect(&["apply", "--yes"], 1);
    // The diagnostic wraps its help: compare with spaces collapsed.
    let err = text(&out.stderr)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(err.contains("the state is locked by ci@builder"), "{err}");
    assert!(
        err.contains("strata force-unlock 4f1c0d2e-0000-4000-8000-000000000001"),
        "{err}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "it failed fast"
    );
    let _: serde_json::Value = p.state();
    assert_eq!(
        p.state()["resources"]["web"]["attrs"]["instance_type"],
        "t3.micro"
    );

    p.run_expect(&["force-unlock", "4f1c0d2e-0000-4000-8000-000000000001"], 0);
    p.run_expect(&["apply", "--yes"], 0);
}

#[test]
fn two_real_applies_at_once_one_wins_the_other_reports_the_lock() {
    let p = Project::quickstart();
    let first = p
        .std_cmd(&["apply", "--yes"])
        .env("STRATA_SIM_SPEED", "200")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lock = p.path().join(".strata/state.lock");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !lock.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the first apply never took the lock"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = p.run_expect(&["apply", "--yes"], 1);
    let err = text(&out.stderr);
    assert!(err.contains("the state is locked by"), "{err}");
    assert!(err.contains("`apply`"), "{err}");
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", text(&first.stderr));
    // The state is whole JSON with every resource, and the next plan is empty.
    assert_eq!(p.state()["resources"].as_object().unwrap().len(), 23);
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn replace_and_exclude_choose_what_a_plan_touches() {
    let p = applied();
    let web_id = |p: &Project| {
        let out = text(&p.run_expect(&["state", "list"], 0).stdout);
        out.lines()
            .find(|l| l.starts_with("web\t"))
            .and_then(|l| l.split('\t').nth(2))
            .unwrap()
            .to_string()
    };
    let before = web_id(&p);

    // --replace: planned loudly, applied without --allow-replace.
    let plan = text(&p.run_expect(&["plan", "--replace", "web"], 0).stdout);
    assert!(plan.contains("--replace asked for it"), "{plan}");
    assert!(plan.contains("ITS DATA IS LOST"), "{plan}");
    assert!(
        plan.contains("1 to add, 0 to change, 1 to destroy"),
        "{plan}"
    );
    p.run_expect(&["apply", "--yes", "--replace", "web"], 0);
    assert_ne!(web_id(&p), before);

    // --exclude: a change to the excluded resource is left for later.
    p.edit(|t| {
        t.replace(
            "instance_type = \"t3.micro\"",
            "instance_type = \"t3.large\"",
        )
    });
    let plan = text(&p.run_expect(&["plan", "--exclude", "web"], 0).stdout);
    assert!(plan.contains("No changes"), "{plan}");
    let plan = text(&p.run_expect(&["plan"], 0).stdout);
    assert!(plan.contains("1 to change"), "{plan}");

    // Addresses are checked, and a saved plan cannot be narrowed.
    let out = p.run_expect(&["plan", "--replace", "nope"], 1);
    let err = text(&out.stderr);
    assert!(err.contains("--replace nope: no such resource"), "{err}");
    let out = p.run_expect(&["plan", "--exclude", "web["], 1);
    assert!(text(&out.stderr).contains("--exclude web["));
}

#[test]
fn a_protected_load_balancer_refuses_destroy_until_protection_is_lifted() {
    let p = Project::new(
        r#"[provider]
kind = "sim"
region = "us-east-1"

[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.0.0.0/16"

[resource.a]
kind = "aws.ec2.subnet"
vpc_id = "${vpc.id}"
cidr_block = "10.0.1.0/24"
availability_zone = "us-east-1a"

[resource.b]
kind = "aws.ec2.subnet"
vpc_id = "${vpc.id}"
cidr_block = "10.0.2.0/24"
availability_zone = "us-east-1b"

[resource.alb]
kind = "aws.elbv2.load_balancer"
name = "web"
subnet_ids = ["${a.id}", "${b.id}"]
enable_deletion_protection = true

[resource.tg]
kind = "aws.elbv2.target_group"
name = "web"
port = 8000
vpc_id = "${vpc.id}"
stickiness = { enabled = true, cookie_duration = 3600 }
slow_start = 60
"#,
    );
    p.run_expect(&["apply", "--yes"], 0);
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
    let state = p.state();
    let tg = &state["resources"]["tg"]["attrs"];
    assert_eq!(
        tg["stickiness"]["type"], "lb_cookie",
        "AWS's default filled in"
    );
    assert_eq!(tg["stickiness"]["cookie_duration"], 3600);

    let out = p.run_expect(&["destroy", "--yes"], 1);
    let err = text(&out.stderr) + &text(&out.stdout);
    assert!(err.contains("OperationNotPermitted"), "{err}");
    assert!(err.contains("enable_deletion_protection = false"), "{err}");
    assert!(
        !p.state()["resources"]["alb"].is_null(),
        "the ALB is still managed"
    );

    p.edit(|t| {
        t.replace(
            "enable_deletion_protection = true",
            "enable_deletion_protection = false",
        )
    });
    p.run_expect(&["apply", "--yes"], 0);
    p.run_expect(&["destroy", "--yes"], 0);
}
