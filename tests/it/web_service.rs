//! `examples/web_service.toml` on the sim: every part of the HA web service
//! exists, replicas sit in distinct AZs, security groups are least
//! privilege, the plan afterwards is empty, bad parameters are diagnosed at
//! their place, and a weight changed outside Strata shows as drift.

use std::path::Path;

use serde_json::Value;

use crate::support::{action_of, text, Project};

pub fn example_text() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/web_service.toml");
    std::fs::read_to_string(path).unwrap()
}

/// The web-service example without its domain: no certificate, so it
/// serves plain HTTP on port 80.
pub fn example_http_text() -> String {
    let text = example_text();
    let http: String = text
        .lines()
        .filter(|l| !l.starts_with("domain = ") && !l.starts_with("zone_name = "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(text.lines().count(), http.lines().count() + 2, "{text}");
    http
}

/// A project holding the web-service example, applied.
pub fn applied() -> Project {
    let p = Project::new(&example_text());
    p.run_expect(&["apply", "--yes"], 0);
    p
}

fn resource<'a>(state: &'a Value, address: &str) -> &'a Value {
    let r = &state["resources"][address];
    assert!(!r.is_null(), "{address} is not in state");
    r
}

fn attrs<'a>(state: &'a Value, address: &str) -> &'a Value {
    &resource(state, address)["attrs"]
}

#[test]
fn the_example_declares_every_part_and_plans_clean_after_apply() {
    let p = applied();
    let state = p.state();
    for a in [
        "web.vpc",
        "web.igw",
        "web.public_rt",
        "web.alb_sg",
        "web.app_sg",
        "web.db_sg",
        "web.cache_sg",
        "web.alb",
        "web.listener",
        "web.https",
        "web.tg_blue",
        "web.tg_green",
        "web.lt_blue",
        "web.lt_green",
        "web.asg_blue",
        "web.asg_green",
        "web.scaling_blue",
        "web.scaling_green",
        "web.db_subnets",
        "web.db_params",
        "web.db",
        "web.cache_subnets",
        "web.cache_params",
        "web.redis",
        "web.app_role",
        "web.app_policy",
        "web.app_profile",
        "web.kms_key",
        "web.kms_alias",
        "web.alarm_topic",
        "web.alarm_email",
        "web.alarm_5xx",
        "web.alarm_p95",
        "web.alarm_unhealthy_blue",
        "web.alarm_unhealthy_green",
    ] {
        resource(&state, a);
    }
    // One public and one private subnet per AZ, keyed by the AZ; a NAT
    // gateway with its own address in each public subnet, and each private
    // subnet's table sending 0.0.0.0/0 through its own AZ's gateway.
    for az in ["us-east-1a", "us-east-1b", "us-east-1c"] {
        let public = attrs(&state, &format!("web.public[\"{az}\"]"));
        let private = attrs(&state, &format!("web.private[\"{az}\"]"));
        assert_eq!(public["availability_zone"], az);
        assert_eq!(private["availability_zone"], az);
        let nat = resource(&state, &format!("web.nat[\"{az}\"]"));
        let id = |a: &str| resource(&state, a)["id"].clone();
        assert_eq!(
            nat["attrs"]["subnet_id"],
            id(&format!("web.public[\"{az}\"]"))
        );
        assert_eq!(nat["attrs"]["state"], "available");
        assert_eq!(
            nat["attrs"]["allocation_id"],
            id(&format!("web.nat_eip[\"{az}\"]"))
        );
        let table = attrs(&state, &format!("web.private_rt_az[\"{az}\"]"));
        assert_eq!(
            table["routes"],
            serde_json::json!([{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat["id"]}])
        );
        assert_eq!(
            table["subnet_ids"],
            serde_json::json!([id(&format!("web.private[\"{az}\"]"))])
        );
    }
    assert!(state["resources"]["web.private_rt"].is_null());

    // Health checks on /health, blue live at weight 100.
    for c in ["blue", "green"] {
        assert_eq!(
            attrs(&state, &format!("web.tg_{c}"))["health_check"]["path"],
            "/health"
        );
    }
    let forward = attrs(&state, "web.https")["forward"]
        .as_array()
        .unwrap()
        .clone();
    let blue_arn = resource(&state, "web.tg_blue")["id"].clone();
    let weight_of = |arn: &Value| {
        forward
            .iter()
            .find(|f| f["target_group_arn"] == *arn)
            .unwrap()["weight"]
            .as_i64()
    };
    assert_eq!(weight_of(&blue_arn), Some(100));
    assert_eq!(
        attrs(&state, "web.asg_blue")["instance_ids"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(attrs(&state, "web.asg_green")["desired_capacity"], 0);

    // PostgreSQL: multi-AZ, encrypted, protected, backed up, a final
    // snapshot; the primary's AZ is not pinned; replicas in distinct AZs.
    let db = attrs(&state, "web.db");
    assert_eq!(db["multi_az"], true);
    assert_eq!(db["storage_encrypted"], true);
    assert_eq!(db["deletion_protection"], true);
    assert_eq!(db["backup_retention_period"], 7);
    assert_eq!(db["skip_final_snapshot"], false);
    assert!(!resource(&state, "web.db")["configured"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "availability_zone"));
    let r0 = attrs(&state, "web.db_replica[0]")["availability_zone"].clone();
    let r1 = attrs(&state, "web.db_replica[1]")["availability_zone"].clone();
    assert_ne!(r0, r1, "replicas in distinct AZs");
    assert_eq!(
        attrs(&state, "web.db_replica[0]")["storage_encrypted"],
        true
    );

    // Redis: replicas across AZs, failover, encryption.
    let redis = attrs(&state, "web.redis");
    assert_eq!(redis["replicas_per_node_group"], 2);
    for flag in [
        "automatic_failover_enabled",
        "multi_az_enabled",
        "at_rest_encryption_enabled",
        "transit_encryption_enabled",
    ] {
        assert_eq!(redis[flag], true, "{flag}");
    }

    // Least privilege: only the ALB reaches the app port, only the app
    // reaches 5432 and 6379.
    let sg_id = |a: &str| resource(&state, a)["id"].clone();
    let only_rule = |a: &str| {
        let ingress = attrs(&state, a)["ingress"].as_array().unwrap().clone();
        assert_eq!(ingress.len(), 1, "{a} has one ingress rule");
        ingress[0].clone()
    };
    let app = only_rule("web.app_sg");
    assert_eq!(
        (app["from_port"].as_i64(), app["to_port"].as_i64()),
        (Some(8000), Some(8000))
    );
    assert_eq!(
        app["security_group_ids"],
        serde_json::json!([sg_id("web.alb_sg")])
    );
    assert!(app["cidr_blocks"].is_null());
    for (a, port) in [("web.db_sg", 5432), ("web.cache_sg", 6379)] {
        let rule = only_rule(a);
        assert_eq!(rule["from_port"].as_i64(), Some(port));
        assert_eq!(
            rule["security_group_ids"],
            serde_json::json!([sg_id("web.app_sg")])
        );
        assert!(rule["cidr_blocks"].is_null(), "{a} admits no CIDR");
    }

    // The 5xx SLO alarm is a true rate: metric math over the load
    // balancer's 5xx counts and requests, > 1 % for 5 one-minute periods.
    let rate = attrs(&state, "web.alarm_5xx");
    assert!(rate["metric_name"].is_null(), "{rate}");
    assert_eq!(rate["threshold"], 1.0);
    assert_eq!(rate["evaluation_periods"], 5);
    let queries = rate["metrics"].as_array().unwrap();
    let returned: Vec<&Value> = queries
        .iter()
        .filter(|q| q["return_data"] == true)
        .collect();
    assert_eq!(returned.len(), 1);
    assert_eq!(
        returned[0]["expression"],
        "100 * (FILL(target_5xx, 0) + FILL(elb_5xx, 0)) / requests"
    );
    let lb_suffix = attrs(&state, "web.alb")["arn_suffix"].clone();
    for (id, metric) in [
        ("target_5xx", "HTTPCode_Target_5XX_Count"),
        ("elb_5xx", "HTTPCode_ELB_5XX_Count"),
        ("requests", "RequestCount"),
    ] {
        let q = queries.iter().find(|q| q["id"] == id).unwrap();
        let m = &q["metric_stat"];
        assert_eq!(m["metric_name"], metric);
        assert_eq!(
            (m["stat"].as_str(), m["period"].as_i64()),
            (Some("Sum"), Some(60))
        );
        assert_eq!(m["dimensions"]["LoadBalancer"], lb_suffix);
    }

    // Tags on everything the stack made (AWS scaling policies, inline role
    // policies, KMS aliases, SNS subscriptions and Route 53 records cannot
    // be tagged; a certificate validation is no AWS object).
    let untaggable = [
        "aws.autoscaling.policy",
        "aws.iam.role_policy",
        "aws.kms.alias",
        "aws.sns.topic_subscription",
        "aws.route53.record",
        "aws.acm.certificate_validation",
    ];
    for (address, r) in state["resources"].as_object().unwrap() {
        if untaggable.iter().any(|k| r["kind"] == *k) {
            continue;
        }
        let tags = &r["attrs"]["tags"];
        for key in ["stack", "environment", "version"] {
            assert!(tags[key].is_string(), "{address} lacks the {key} tag");
        }
    }

    // Outputs.
    let out = p.run_expect(&["output", "--json"], 0);
    let outputs: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = outputs.to_string();
    for o in [
        "web.alb_dns",
        "web.db_writer_endpoint",
        "web.db_reader_endpoints",
        "web.redis_primary_endpoint",
        "web.live_color",
    ] {
        assert!(s.contains(o), "output {o} missing: {s}");
    }

    p.run_expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn instances_launch_hardened_imdsv2_only_with_an_encrypted_gp3_root_volume() {
    let p = Project::new(&example_text().replace(
        "instance_type = \"t3.small\"",
        "instance_type = \"t3.small\"\nroot_volume_gb = 40",
    ));
    p.run_expect(&["apply", "--yes"], 0);
    let state = p.state();
    for color in ["blue", "green"] {
        let lt = attrs(&state, &format!("web.lt_{color}"));
        assert_eq!(lt["metadata_options"]["http_tokens"], "required", "{lt}");
        assert_eq!(lt["metadata_options"]["http_put_response_hop_limit"], 1);
        let root = &lt["block_device_mappings"][0];
        assert_eq!(root["device_name"], "/dev/xvda");
        assert_eq!(root["ebs"]["encrypted"], true);
        assert_eq!(root["ebs"]["volume_type"], "gp3");
        assert_eq!(root["ebs"]["volume_size"], 40);
        assert_eq!(lt["monitoring"], true);
    }
    // Opting out of detailed monitoring is a new template version, in place.
    p.edit(|t| {
        t.replace(
            "root_volume_gb = 40",
            "root_volume_gb = 40\ndetailed_monitoring = false",
        )
    });
    let plan = p.plan_json();
    assert_eq!(action_of(&plan, "web.lt_blue"), "update");
    assert_eq!(action_of(&plan, "web.db"), "no-op");
}

#[test]
fn launch_template_settings_aws_would_refuse_are_diagnosed_at_their_place() {
    let p = Project::new(
        r#"[resource.lt]
kind = "aws.ec2.launch_template"
name = "app"
image_id = "ami-0123456789abcdef0"
instance_type = "t3.micro"
metadata_options = { http_tokens = "always", http_put_response_hop_limit = 99 }
block_device_mappings = [{ device_name = "/dev/xvda", ebs = { volume_type = "gp9", kms_key_id = "alias/ebs" } }]
"#,
    );
    let out = p.run_expect(&["validate"], 1);
    let err = text(&out.stderr);
    assert!(
        err.contains("`http_tokens = \"always\"` is not allowed"),
        "{err}"
    );
    assert!(err.contains("one of: optional, required"), "{err}");
    assert!(
        err.contains("`http_put_response_hop_limit = 99` is out of range"),
        "{err}"
    );
    assert!(
        err.contains("`volume_type = \"gp9\"` is not allowed"),
        "{err}"
    );
    assert!(err.contains("needs `encrypted = true`"), "{err}");
    assert!(err.contains("strata.toml:6:"), "{err}");
}

#[test]
fn bad_parameters_are_diagnosed_at_their_place() {
    let p = Project::new(&example_text().replace("azs = 3", "azs = 1").replace(
        "db_replicas = 2",
        "db_replicas = 2\ncolour = \"red\"\nexpected_rps = 50",
    ));
    let out = p.run_expect(&["validate"], 1);
    let err = text(&out.stderr);
    assert!(err.contains("strata::stacks::web_service::param"), "{err}");
    assert!(err.contains("2 AZs, not 1"), "{err}");
    assert!(err.contains("`colour` is not a parameter"), "{err}");
    assert!(
        err.contains("`expected_rps` is no longer a parameter") && err.contains("true rate"),
        "{err}"
    );
    assert!(
        err.contains("azs = 1"),
        "the diagnostic quotes the line: {err}"
    );
}

/// Changes `address`'s attributes on the sim, as something outside Strata
/// would (a scaling policy, the console).
fn change_outside_strata(
    p: &Project,
    address: &str,
    edit: impl FnOnce(&mut strata::core::value::Attrs),
    changed: &str,
) {
    use strata::core::provider::{Provider, UpdateRequest};
    use strata::core::value::Value as V;
    let state = p.state();
    let r = resource(&state, address);
    let id = r["id"].as_str().unwrap().to_string();
    let kind = r["kind"].as_str().unwrap().to_string();
    let mut attrs = strata::core::value::Attrs::new();
    for (k, v) in r["attrs"].as_object().unwrap() {
        attrs.insert(k.clone().into(), V::from_json(v));
    }
    let prior = attrs.clone();
    edit(&mut attrs);
    let sim = strata::sim::SimProvider::open(
        &p.path().join(".strata/sim"),
        strata::sim::SimOptions::instant(),
    )
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(sim.update(UpdateRequest {
        address: strata::core::addr::Address::parse(address).unwrap(),
        kind,
        id,
        prior,
        attrs,
        changed: vec![changed.into()],
        stack: "shop".into(),
    }))
    .unwrap();
}

#[test]
fn a_weight_changed_outside_strata_is_drift() {
    use strata::core::value::Value as V;
    let p = applied();
    let state = p.state();
    let blue = resource(&state, "web.tg_blue")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let green = resource(&state, "web.tg_green")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let fwd = |tg: &str, w: i64| {
        V::Map(
            [
                ("target_group_arn".to_string(), V::from(tg)),
                ("weight".to_string(), V::Int(w)),
            ]
            .into_iter()
            .collect(),
        )
    };
    change_outside_strata(
        &p,
        "web.https",
        |a| {
            a.insert(
                "forward".into(),
                V::List(vec![fwd(&blue, 50), fwd(&green, 50)]),
            );
        },
        "forward",
    );
    let plan = p.plan_json();
    assert_eq!(action_of(&plan, "web.https"), "update", "{plan}");
    p.run_expect(&["apply", "--yes"], 0);
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn an_apply_keeps_the_capacity_the_scaling_policy_chose() {
    use strata::core::value::Value as V;
    let p = applied();
    // The target-tracking policy scaled the live fleet out from 3 to 5.
    change_outside_strata(
        &p,
        "web.asg_blue",
        |a| {
            a.insert("desired_capacity".into(), V::Int(5));
        },
        "desired_capacity",
    );
    let plan = p.plan_json();
    assert_eq!(action_of(&plan, "web.asg_blue"), "no-op", "{plan}");
    // Another change to the group is applied without resetting its size.
    p.edit(|t| t.replace("max_size = 9", "max_size = 12"));
    let plan = p.plan_json();
    assert_eq!(action_of(&plan, "web.asg_blue"), "update", "{plan}");
    p.run_expect(&["apply", "--yes"], 0);
    let state = p.state();
    assert_eq!(attrs(&state, "web.asg_blue")["desired_capacity"], 5);
    assert_eq!(attrs(&state, "web.asg_blue")["max_size"], 12);
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
}

/// RDS, ElastiCache and ELB accept only letters, digits, spaces and
/// `_ . : / = + - @` in tag values: every tag Strata writes on the stack's
/// resources, instance addresses such as `web.db_replica[0]` and
/// `web.public["us-east-1a"]` included, keeps to that set.
#[test]
fn every_tag_value_is_one_aws_accepts_on_every_service() {
    let p = applied();
    let sim = strata::sim::SimProvider::open(
        &p.path().join(".strata/sim"),
        strata::sim::SimOptions::instant(),
    )
    .unwrap();
    let mut addresses = Vec::new();
    for o in sim.objects() {
        for (key, value) in &o.tags {
            assert!(
                value.chars().all(strata::core::tags::is_tag_value_char),
                "{} {}: tag {key} = {value:?}",
                o.kind,
                o.id
            );
        }
        if let Some(a) = o.tags.get("strata:address") {
            addresses.push(a.clone());
        }
    }
    assert!(
        addresses.contains(&"web.db_replica/0".to_string()),
        "{addresses:?}"
    );
    assert!(
        addresses.contains(&"web.public/us-east-1a".to_string()),
        "{addresses:?}"
    );
}
