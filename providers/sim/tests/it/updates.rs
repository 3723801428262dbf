//! In-place changes and deletes of instances, security groups,
//! autoscaling groups and load balancing, as AWS makes them.

use strata_core::kinds;
use strata_core::provider::{OpStatus, Operation};

use crate::*;

fn rule(protocol: &str, port: i64, cidr: &str) -> Value {
    Value::Map(attrs(&[
        ("protocol", protocol.into()),
        ("from_port", Value::Int(port)),
        ("to_port", Value::Int(port)),
        ("cidr_blocks", strs(&[cidr])),
    ]))
}

#[tokio::test]
async fn user_data_changes_in_place_by_stopping_and_starting_the_instance() {
    let (sim, clock) = sim();
    let (_, a, _) = network(&sim, &clock).await;
    let mut inst = attrs(&[
        ("ami", "ami-0123456789abcdef0".into()),
        ("instance_type", "t3.micro".into()),
        ("subnet_id", a.into()),
        ("user_data", "#!/bin/sh\necho v1".into()),
    ]);
    let id = ready(&sim, &clock, "app", kinds::INSTANCE, inst.clone()).await;
    let before = read(&sim, kinds::INSTANCE, &id).await.unwrap();
    assert_eq!(before["user_data_replace_on_change"], Value::Bool(false));

    inst.insert("user_data".into(), "#!/bin/sh\necho v2".into());
    let status = update(&sim, kinds::INSTANCE, &id, inst.clone(), &["user_data"])
        .await
        .unwrap();
    assert_eq!(id_of(&status), id, "same instance");
    assert_eq!(pending_status(&status), Some("stopping"));
    let after = wait(&sim, &clock, kinds::INSTANCE, &id, Operation::Update).await;
    assert_eq!(after["state"], Value::from("running"));
    assert_eq!(after["user_data"], Value::from("#!/bin/sh\necho v2"));
    assert_eq!(
        after["private_ip"], before["private_ip"],
        "its disks and IP stay"
    );

    inst.insert("user_data_replace_on_change".into(), true.into());
    let status = update(
        &sim,
        kinds::INSTANCE,
        &id,
        inst,
        &["user_data_replace_on_change"],
    )
    .await
    .unwrap();
    let OpStatus::Done { attrs: after, .. } = status else {
        panic!("a Strata setting needs no restart: {status:?}")
    };
    assert_eq!(after["user_data_replace_on_change"], Value::Bool(true));
}

#[tokio::test]
async fn security_group_rules_are_a_set_kept_in_a_stable_order() {
    let (sim, clock) = sim();
    let (vpc, _, _) = network(&sim, &clock).await;
    let mut sg = attrs(&[
        ("name", "web".into()),
        ("vpc_id", vpc.into()),
        (
            "ingress",
            Value::List(vec![
                rule("TCP", 443, "0.0.0.0/0"),
                rule("tcp", 80, "0.0.0.0/0"),
            ]),
        ),
        ("egress", Value::List(vec![rule("all", 0, "0.0.0.0/0")])),
    ]);
    let id = ready(&sim, &clock, "sg", kinds::SECURITY_GROUP, sg.clone()).await;
    let live = read(&sim, kinds::SECURITY_GROUP, &id).await.unwrap();
    assert_eq!(
        live["ingress"],
        Value::List(vec![
            rule("tcp", 443, "0.0.0.0/0"),
            rule("tcp", 80, "0.0.0.0/0")
        ]),
        "protocols as AWS reports them"
    );
    assert_eq!(
        live["egress"],
        Value::List(vec![rule("-1", 0, "0.0.0.0/0")])
    );

    // Reordered, one rule removed and one added: the kept rule stays first.
    sg.insert(
        "ingress".into(),
        Value::List(vec![
            rule("tcp", 8080, "10.0.0.0/16"),
            rule("tcp", 443, "0.0.0.0/0"),
        ]),
    );
    update(&sim, kinds::SECURITY_GROUP, &id, sg, &["ingress"])
        .await
        .unwrap();
    let live = read(&sim, kinds::SECURITY_GROUP, &id).await.unwrap();
    assert_eq!(
        live["ingress"],
        Value::List(vec![
            rule("tcp", 443, "0.0.0.0/0"),
            rule("tcp", 8080, "10.0.0.0/16")
        ])
    );
}

/// A launch template, a target group draining for `delay` s and an ASG of 2.
async fn asg(
    sim: &SimProvider,
    clock: &SimClock,
    force_delete: bool,
    delay: i64,
) -> (String, String) {
    let (vpc, a, b) = network(sim, clock).await;
    let lt = ready(
        sim,
        clock,
        "lt",
        kinds::LAUNCH_TEMPLATE,
        attrs(&[
            ("name", "web".into()),
            ("image_id", "ami-0123456789abcdef0".into()),
            ("instance_type", "t3.micro".into()),
        ]),
    )
    .await;
    let tg = ready(
        sim,
        clock,
        "tg",
        kinds::TARGET_GROUP,
        attrs(&[
            ("name", "web".into()),
            ("port", Value::Int(80)),
            ("vpc_id", vpc.into()),
            ("deregistration_delay", Value::Int(delay)),
        ]),
    )
    .await;
    let id = ready(
        sim,
        clock,
        "asg",
        kinds::AUTOSCALING_GROUP,
        attrs(&[
            ("name", "web".into()),
            ("launch_template_id", lt.into()),
            ("subnet_ids", strs(&[&a, &b])),
            ("target_group_arns", strs(&[&tg])),
            ("min_size", Value::Int(2)),
            ("max_size", Value::Int(2)),
            ("force_delete", force_delete.into()),
        ]),
    )
    .await;
    (id, tg)
}

fn instances(sim: &SimProvider) -> usize {
    sim.objects()
        .iter()
        .filter(|o| o.kind == kinds::INSTANCE)
        .count()
}

#[tokio::test]
async fn an_asg_delete_drains_its_instances_before_the_group_goes() {
    let (sim, clock) = sim();
    let (id, tg) = asg(&sim, &clock, false, 120).await;
    assert_eq!(
        read(&sim, kinds::AUTOSCALING_GROUP, &id).await.unwrap()["force_delete"],
        Value::Bool(false)
    );
    let status = delete(&sim, kinds::AUTOSCALING_GROUP, &id).await.unwrap();
    assert!(matches!(status, OpStatus::Pending { .. }), "{status:?}");
    let health = sim.target_health(&tg);
    assert_eq!(health.len(), 2);
    assert!(health.iter().all(|t| t.state == "draining"), "{health:?}");
    advance(&clock, 100);
    assert!(
        read(&sim, kinds::AUTOSCALING_GROUP, &id).await.is_some(),
        "still draining"
    );
    assert_eq!(instances(&sim), 2);
    wait(
        &sim,
        &clock,
        kinds::AUTOSCALING_GROUP,
        &id,
        Operation::Delete,
    )
    .await;
    assert_eq!(instances(&sim), 0, "the group goes after its instances");
}

#[tokio::test]
async fn a_forced_asg_delete_is_immediate() {
    let (sim, clock) = sim();
    let (id, _) = asg(&sim, &clock, true, 120).await;
    assert_eq!(
        read(&sim, kinds::AUTOSCALING_GROUP, &id).await.unwrap()["force_delete"],
        Value::Bool(true)
    );
    let status = delete(&sim, kinds::AUTOSCALING_GROUP, &id).await.unwrap();
    assert!(matches!(status, OpStatus::Done { .. }), "{status:?}");
    assert!(read(&sim, kinds::AUTOSCALING_GROUP, &id).await.is_none());
    assert_eq!(
        instances(&sim),
        2,
        "its instances terminate in the background"
    );
    advance(&clock, 30);
    assert_eq!(instances(&sim), 0);
}

#[tokio::test]
async fn forward_weights_and_health_checks_report_aws_defaults() {
    let (sim, clock) = sim();
    let (vpc, a, b) = network(&sim, &clock).await;
    let lb = ready(
        &sim,
        &clock,
        "lb",
        kinds::LOAD_BALANCER,
        attrs(&[("name", "web".into()), ("subnet_ids", strs(&[&a, &b]))]),
    )
    .await;
    let tg = ready(
        &sim,
        &clock,
        "tg",
        kinds::TARGET_GROUP,
        attrs(&[
            ("name", "blue".into()),
            ("port", Value::Int(80)),
            ("protocol", "http".into()),
            ("vpc_id", vpc.clone().into()),
        ]),
    )
    .await;
    let live = read(&sim, kinds::TARGET_GROUP, &tg).await.unwrap();
    assert_eq!(live["protocol"], Value::from("HTTP"));
    let defaults = attrs(&[
        ("path", "/".into()),
        ("port", "traffic-port".into()),
        ("protocol", "HTTP".into()),
        ("healthy_threshold", Value::Int(5)),
        ("unhealthy_threshold", Value::Int(2)),
        ("interval", Value::Int(30)),
        ("timeout", Value::Int(5)),
        ("matcher", "200".into()),
    ]);
    assert_eq!(live["health_check"], Value::Map(defaults.clone()));

    let mut partial = attrs(&[
        ("name", "green".into()),
        ("port", Value::Int(80)),
        ("vpc_id", vpc.into()),
        (
            "health_check",
            Value::Map(attrs(&[
                ("path", "/health".into()),
                ("protocol", "http".into()),
            ])),
        ),
    ]);
    let green = ready(&sim, &clock, "green", kinds::TARGET_GROUP, partial.clone()).await;
    let mut want = defaults.clone();
    want.insert("path".into(), "/health".into());
    assert_eq!(
        read(&sim, kinds::TARGET_GROUP, &green).await.unwrap()["health_check"],
        Value::Map(want)
    );
    // Removing a setting puts AWS's default back.
    partial.insert(
        "health_check".into(),
        Value::Map(attrs(&[("interval", Value::Int(10))])),
    );
    update(
        &sim,
        kinds::TARGET_GROUP,
        &green,
        partial,
        &["health_check"],
    )
    .await
    .unwrap();
    let mut want = defaults;
    want.insert("interval".into(), Value::Int(10));
    assert_eq!(
        read(&sim, kinds::TARGET_GROUP, &green).await.unwrap()["health_check"],
        Value::Map(want)
    );

    let forward = Value::List(vec![Value::Map(attrs(&[(
        "target_group_arn",
        tg.clone().into(),
    )]))]);
    let listener = ready(
        &sim,
        &clock,
        "l",
        kinds::LISTENER,
        attrs(&[
            ("load_balancer_arn", lb.into()),
            ("port", Value::Int(80)),
            ("forward", forward),
        ]),
    )
    .await;
    let live = read(&sim, kinds::LISTENER, &listener).await.unwrap();
    assert_eq!(
        live["forward"],
        Value::List(vec![Value::Map(attrs(&[
            ("target_group_arn", tg.into()),
            ("weight", Value::Int(1)),
        ]))])
    );
}
