use strata_core::kinds;
use strata_core::provider::Operation;
use strata_sim::FaultConfig;

use crate::*;

/// A launch template, a target group and an ASG of 4 over two AZs.
async fn web(sim: &SimProvider, clock: &SimClock) -> (String, String, String, String) {
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
            ("name", "web-blue".into()),
            ("port", Value::Int(80)),
            ("vpc_id", vpc.clone().into()),
        ]),
    )
    .await;
    let status = create(
        sim,
        "asg",
        kinds::AUTOSCALING_GROUP,
        attrs(&[
            ("name", "web".into()),
            ("launch_template_id", lt.clone().into()),
            ("subnet_ids", strs(&[&a, &b])),
            ("target_group_arns", strs(&[&tg])),
            ("min_size", Value::Int(2)),
            ("max_size", Value::Int(8)),
            ("desired_capacity", Value::Int(4)),
        ]),
    )
    .await
    .unwrap();
    (id_of(&status), tg, lt, vpc)
}

fn count_by_az(health: &[strata_sim::TargetHealth]) -> std::collections::BTreeMap<String, usize> {
    let mut out = std::collections::BTreeMap::new();
    for t in health {
        *out.entry(t.az.clone()).or_insert(0) += 1;
    }
    out
}

#[tokio::test]
async fn an_asg_launches_balanced_instances_that_turn_healthy() {
    let (sim, clock) = sim();
    let (asg, tg, _, _) = web(&sim, &clock).await;
    assert_eq!(asg, "web");
    let health = sim.target_health(&tg);
    assert_eq!(health.len(), 4);
    assert!(health.iter().all(|t| t.state == "initial"));
    let by_az = count_by_az(&health);
    assert_eq!(by_az["us-east-1a"], 2);
    assert_eq!(by_az["us-east-1b"], 2);

    let attrs = wait(
        &sim,
        &clock,
        kinds::AUTOSCALING_GROUP,
        &asg,
        Operation::Create,
    )
    .await;
    assert_eq!(attrs["instance_ids"].as_list().unwrap().len(), 4);
    let launched: Vec<_> = sim
        .objects()
        .into_iter()
        .filter(|o| o.kind == kinds::INSTANCE)
        .collect();
    assert_eq!(launched.len(), 4);
    assert!(launched
        .iter()
        .all(|o| o.status == "running" && o.tags["aws:autoscaling:groupName"] == "web"));
    // The default health check (30 s x 5) must pass before targets are healthy.
    assert!(sim.target_health(&tg).iter().all(|t| t.state == "initial"));
    advance(&clock, 150);
    assert!(sim.target_health(&tg).iter().all(|t| t.state == "healthy"));
}

#[tokio::test]
async fn an_az_outage_makes_targets_unhealthy_and_the_asg_replaces_them() {
    let (sim, clock) = sim();
    let (asg, tg, _, _) = web(&sim, &clock).await;
    wait(
        &sim,
        &clock,
        kinds::AUTOSCALING_GROUP,
        &asg,
        Operation::Create,
    )
    .await;
    advance(&clock, 200);
    let before: Vec<_> = sim
        .target_health(&tg)
        .into_iter()
        .filter(|t| t.az == "us-east-1a")
        .collect();
    assert_eq!(before.len(), 2);

    sim.set_az_down("us-east-1a", true).unwrap();
    let after = sim.target_health(&tg);
    assert!(after.iter().all(|t| t.az == "us-east-1b"), "{after:?}");
    assert_eq!(after.len(), 4, "replacements launched in the healthy AZ");
    assert_eq!(after.iter().filter(|t| t.state == "healthy").count(), 2);
    assert!(before.iter().all(|t| sim
        .objects()
        .iter()
        .any(|o| o.id == t.id && o.status == "shutting-down")));
    advance(&clock, 40 + 150);
    assert!(sim.target_health(&tg).iter().all(|t| t.state == "healthy"));
}

#[tokio::test]
async fn scaling_in_terminates_instances_and_deleting_the_asg_removes_them() {
    let (sim, clock) = sim();
    let (asg, _, lt, _) = web(&sim, &clock).await;
    wait(
        &sim,
        &clock,
        kinds::AUTOSCALING_GROUP,
        &asg,
        Operation::Create,
    )
    .await;
    delete(&sim, kinds::AUTOSCALING_GROUP, &asg).await.unwrap();
    wait(
        &sim,
        &clock,
        kinds::AUTOSCALING_GROUP,
        &asg,
        Operation::Delete,
    )
    .await;
    assert!(!sim.objects().iter().any(|o| o.kind == kinds::INSTANCE));
    assert!(read(&sim, kinds::LAUNCH_TEMPLATE, &lt).await.is_some());
}

#[tokio::test]
async fn throttling_fails_calls_with_transient_errors() {
    let (sim, _clock) = sim();
    sim.inject(FaultConfig {
        throttle: 1.0,
        seed: 3,
        ..FaultConfig::default()
    })
    .unwrap();
    let err = create(
        &sim,
        "vpc",
        kinds::VPC,
        attrs(&[("cidr_block", "10.0.0.0/16".into())]),
    )
    .await
    .unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(sim.objects().is_empty(), "a throttled create makes nothing");
    sim.inject(FaultConfig {
        throttle: 0.3,
        seed: 3,
        ..FaultConfig::default()
    })
    .unwrap();
    let mut throttled = 0;
    for i in 0..100 {
        let r = create(
            &sim,
            &format!("v{i}"),
            kinds::VPC,
            attrs(&[("cidr_block", "10.0.0.0/16".into())]),
        )
        .await;
        if matches!(r, Err(ProviderError::Transient { .. })) {
            throttled += 1;
        }
    }
    assert!((15..50).contains(&throttled), "{throttled}");
}

#[tokio::test]
async fn injected_create_failures_name_an_address_or_a_kind() {
    let (sim, _clock) = sim();
    sim.inject(FaultConfig {
        fail_create: vec!["net.vpc".into()],
        ..FaultConfig::default()
    })
    .unwrap();
    let a = attrs(&[("cidr_block", "10.0.0.0/16".into())]);
    assert_eq!(
        code(create(&sim, "net.vpc", kinds::VPC, a.clone()).await),
        "InternalFailure"
    );
    assert!(create(&sim, "other", kinds::VPC, a).await.is_ok());
}

#[tokio::test]
async fn ten_thousand_instances_create_and_read_back_in_one_batch() {
    let sim = SimProvider::in_memory(SimOptions::instant());
    let clock = sim.clock().clone();
    let (_, a, _) = network(&sim, &clock).await;
    let started = std::time::Instant::now();
    let mut targets = Vec::new();
    for i in 0..10_000 {
        let status = create(
            &sim,
            &format!("app[{i}]"),
            kinds::INSTANCE,
            attrs(&[
                ("ami", "ami-0123456789abcdef0".into()),
                ("instance_type", "t3.micro".into()),
                ("subnet_id", a.clone().into()),
            ]),
        )
        .await
        .unwrap();
        assert!(matches!(
            status,
            strata_core::provider::OpStatus::Done { .. }
        ));
        targets.push(ReadTarget {
            address: Address::parse("app").unwrap(),
            id: id_of(&status),
        });
    }
    let found = sim
        .read(ReadRequest {
            kind: kinds::INSTANCE.into(),
            targets,
        })
        .await
        .unwrap()
        .found;
    assert_eq!(found.len(), 10_000);
    assert!(found.values().all(|a| a["state"] == Value::from("running")));
    eprintln!(
        "10,000 creates and a batched read took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn load_balancers_look_like_aws_and_a_listened_target_group_stays() {
    let (sim, clock) = sim();
    let (vpc, a, b) = network(&sim, &clock).await;
    let one_az = attrs(&[("name", "web".into()), ("subnet_ids", strs(&[&a]))]);
    assert_eq!(
        code(create(&sim, "lb", kinds::LOAD_BALANCER, one_az).await),
        "ValidationError"
    );
    let status = create(
        &sim,
        "lb",
        kinds::LOAD_BALANCER,
        attrs(&[("name", "web".into()), ("subnet_ids", strs(&[&a, &b]))]),
    )
    .await
    .unwrap();
    let lb = id_of(&status);
    assert!(
        lb.starts_with("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/"),
        "{lb}"
    );
    let strata_core::provider::OpStatus::Pending { status, .. } = status else {
        panic!("ALBs take minutes")
    };
    assert_eq!(status, "provisioning");
    let lb_attrs = wait(&sim, &clock, kinds::LOAD_BALANCER, &lb, Operation::Create).await;
    let dns = lb_attrs["dns_name"].as_str().unwrap();
    assert!(
        dns.starts_with("web-") && dns.ends_with(".us-east-1.elb.amazonaws.com"),
        "{dns}"
    );
    let tg = ready(
        &sim,
        &clock,
        "tg",
        kinds::TARGET_GROUP,
        attrs(&[
            ("name", "blue".into()),
            ("port", Value::Int(80)),
            ("vpc_id", vpc.into()),
        ]),
    )
    .await;
    let forward = Value::List(vec![Value::Map(attrs(&[
        ("target_group_arn", tg.clone().into()),
        ("weight", Value::Int(100)),
    ]))]);
    let listener = ready(
        &sim,
        &clock,
        "l",
        kinds::LISTENER,
        attrs(&[
            ("load_balancer_arn", lb.clone().into()),
            ("port", Value::Int(80)),
            ("forward", forward),
        ]),
    )
    .await;
    assert!(listener.contains(":listener/app/web/"), "{listener}");
    assert_eq!(
        code(delete(&sim, kinds::TARGET_GROUP, &tg).await),
        "ResourceInUse"
    );
    delete(&sim, kinds::LOAD_BALANCER, &lb).await.unwrap();
    assert!(
        read(&sim, kinds::LISTENER, &listener).await.is_none(),
        "listeners go with their load balancer"
    );
}

#[tokio::test]
async fn each_launch_template_update_makes_a_new_version() {
    let (sim, clock) = sim();
    let mut a = attrs(&[
        ("name", "web".into()),
        ("image_id", "ami-1".into()),
        ("instance_type", "t3.micro".into()),
    ]);
    let lt = ready(&sim, &clock, "lt", kinds::LAUNCH_TEMPLATE, a.clone()).await;
    assert_eq!(
        read(&sim, kinds::LAUNCH_TEMPLATE, &lt).await.unwrap()["latest_version"],
        Value::Int(1)
    );
    a.insert("image_id".into(), "ami-2".into());
    sim.update(strata_core::provider::UpdateRequest {
        address: Address::parse("lt").unwrap(),
        kind: kinds::LAUNCH_TEMPLATE.into(),
        id: lt.clone(),
        prior: Attrs::new(),
        attrs: a,
        changed: vec!["image_id".into()],
        stack: "test".into(),
    })
    .await
    .unwrap();
    let after = read(&sim, kinds::LAUNCH_TEMPLATE, &lt).await.unwrap();
    assert_eq!(after["latest_version"], Value::Int(2));
    assert_eq!(after["image_id"], Value::from("ami-2"));
}
