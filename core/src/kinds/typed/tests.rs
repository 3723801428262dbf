//! Tests of the typed specs: a stack built in Rust renders to the expected
//! configuration, passes graph validation, and records (not panics on)
//! mistakes the compiler cannot catch.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write;

use super::*;
use crate::config::{Config, Lifecycle};
use crate::graph::Graph;

/// Renders a configuration's resources, attributes and outputs as text.
fn render(config: &Config) -> String {
    let mut out = String::new();
    for r in config.resources.values() {
        write!(out, "{}: {}", r.address, r.kind).unwrap();
        if !r.depends_on.is_empty() {
            let deps: Vec<_> = r.depends_on.iter().map(ToString::to_string).collect();
            write!(out, " depends_on=[{}]", deps.join(", ")).unwrap();
        }
        if *r.lifecycle != Lifecycle::default() {
            write!(out, " {:?}", r.lifecycle).unwrap();
        }
        out.push('\n');
        for (name, value) in &r.attrs {
            writeln!(out, "  {name} = {value}").unwrap();
        }
    }
    for (name, o) in &config.outputs {
        let sensitive = if o.sensitive { " (sensitive)" } else { "" };
        writeln!(out, "output {name} = {}{sensitive}", o.value).unwrap();
    }
    for p in &config.pending_problems {
        writeln!(out, "problem {}: {}", p.code, p.message).unwrap();
    }
    out
}

fn check(config: &Config, expect: &str) {
    let actual = render(config);
    assert_eq!(
        actual.trim(),
        expect.trim(),
        "\n--- actual ---\n{actual}\n--------------"
    );
}

/// A small web stack: network, ALB with blue/green target groups, an ASG,
/// Postgres with a replica, Redis and an alarm.
fn web_stack() -> Config {
    let mut s = Stack::new("shop");
    let vpc = s.add(
        "vpc",
        Vpc {
            cidr_block: "10.0.0.0/16".into(),
            tags: tags([("Name", "shop")]),
            ..Default::default()
        },
    );
    let igw = s.add(
        "igw",
        InternetGateway {
            vpc_id: vpc.id(),
            ..Default::default()
        },
    );
    let subnets: Vec<_> = ["a", "b"]
        .iter()
        .enumerate()
        .map(|(i, az)| {
            s.add_indexed(
                "public",
                i,
                Subnet {
                    vpc_id: vpc.id(),
                    cidr_block: format!("10.0.{i}.0/24"),
                    availability_zone: format!("us-east-1{az}"),
                    map_public_ip_on_launch: Some(true),
                    ..Default::default()
                },
            )
        })
        .collect();
    let subnet_ids = || subnets.iter().map(|h| h.id()).collect::<Vec<_>>();
    s.add(
        "public_rt",
        RouteTable {
            vpc_id: vpc.id(),
            routes: vec![Route::default_via(igw.id())],
            subnet_ids: subnet_ids(),
            ..Default::default()
        },
    );

    let mut web = s.nested("web");
    let alb_sg = web.add(
        "alb_sg",
        SecurityGroup {
            name: "alb".into(),
            vpc_id: vpc.id(),
            ingress: vec![Rule::tcp(443).from_cidr("0.0.0.0/0").describe("https")],
            egress: vec![Rule::all().to_cidr("0.0.0.0/0")],
            ..Default::default()
        },
    );
    let app_sg = web.add(
        "app_sg",
        SecurityGroup {
            name: "app".into(),
            vpc_id: vpc.id(),
            ingress: vec![Rule::tcp(8000).from_group(alb_sg.id())],
            ..Default::default()
        },
    );
    let alb = web.add(
        "alb",
        LoadBalancer {
            name: "shop".into(),
            subnet_ids: subnet_ids(),
            security_group_ids: vec![alb_sg.id()],
            ..Default::default()
        },
    );
    let tg = |name: &str| TargetGroup {
        name: name.into(),
        port: 8000,
        vpc_id: vpc.id(),
        health_check: Some(HealthCheck::http("/healthz")),
        ..Default::default()
    };
    let blue = web.add("tg_blue", tg("shop-blue"));
    let green = web.add("tg_green", tg("shop-green"));
    web.add(
        "https",
        Listener {
            load_balancer_arn: alb.arn(),
            port: 443,
            protocol: Some("HTTPS".into()),
            certificate_arn: Some("arn:aws:acm:us-east-1:123456789012:certificate/x".into()),
            forward: vec![
                WeightedTarget::new(blue.arn(), 99),
                WeightedTarget::new(green.arn(), 1),
            ],
            ..Default::default()
        },
    );
    let lt = web.add(
        "lt",
        LaunchTemplate {
            name: "shop".into(),
            image_id: "ami-12345678".into(),
            instance_type: "t3.small".into(),
            security_group_ids: vec![app_sg.id()],
            ..Default::default()
        },
    );
    let asg = web.add(
        "asg",
        AutoscalingGroup {
            name: "shop".into(),
            launch_template_id: lt.id(),
            subnet_ids: subnet_ids(),
            target_group_arns: vec![blue.arn()],
            min_size: 2,
            max_size: 6,
            health_check_type: Some("ELB".into()),
            ..Default::default()
        },
    );
    let cpu = web.add(
        "cpu",
        ScalingPolicy {
            name: "cpu".into(),
            autoscaling_group_name: asg.name(),
            target_value: 50.0,
            ..Default::default()
        },
    );
    web.add(
        "high_cpu",
        MetricAlarm {
            alarm_name: "shop-high-cpu".into(),
            namespace: "AWS/EC2".into(),
            metric_name: "CPUUtilization".into(),
            statistic: Some("Average".into()),
            dimensions: [("AutoScalingGroupName".to_string(), asg.name().as_string())].into(),
            period: 60,
            evaluation_periods: 5,
            threshold: 80.0,
            comparison_operator: "GreaterThanThreshold".into(),
            alarm_actions: vec![cpu.arn()],
            ..Default::default()
        },
    );

    let mut db = s.nested("db");
    let db_subnets = db.add(
        "subnets",
        DbSubnetGroup {
            name: "shop-db".into(),
            subnet_ids: subnet_ids(),
            ..Default::default()
        },
    );
    let primary = db.add_with(
        "primary",
        DbInstance {
            identifier: "shop".into(),
            instance_class: "db.t4g.medium".into(),
            multi_az: Some(true),
            db_subnet_group_name: Some(db_subnets.name()),
            vpc_security_group_ids: vec![app_sg.id()],
            username: Some("app".into()),
            password: Some("hunter22".into()),
            deletion_protection: Some(true),
            ..Default::default()
        },
        Lifecycle {
            prevent_destroy: true,
            ..Default::default()
        },
        [],
    );
    let replica = db.add_indexed(
        "replica",
        0,
        DbInstance {
            availability_zone: Some("us-east-1b".into()),
            ..DbInstance::replica_of(&primary, "shop-replica-0", "db.t4g.medium")
        },
    );
    let cache_subnets = s.add(
        "cache.subnets",
        CacheSubnetGroup {
            name: "shop-cache".into(),
            subnet_ids: subnet_ids(),
            ..Default::default()
        },
    );
    let redis = s.add_with(
        "cache.redis",
        ReplicationGroup {
            replication_group_id: "shop".into(),
            node_type: "cache.t4g.small".into(),
            subnet_group_name: Some(cache_subnets.name()),
            ..Default::default()
        },
        Lifecycle::default(),
        [replica.address().clone()],
    );
    s.output("dns", alb.dns_name());
    s.sensitive_output("db", primary.endpoint());
    s.output("redis", redis.primary_endpoint());
    s.into_config()
}

#[test]
fn a_typed_stack_builds_the_expected_config() {
    check(
        &web_stack(),
        r#"
vpc: aws.ec2.vpc
  cidr_block = "10.0.0.0/16"
  tags = {Name = "shop"}
igw: aws.ec2.internet_gateway
  vpc_id = ${vpc.id}
public[0]: aws.ec2.subnet
  availability_zone = "us-east-1a"
  cidr_block = "10.0.0.0/24"
  map_public_ip_on_launch = true
  vpc_id = ${vpc.id}
public[1]: aws.ec2.subnet
  availability_zone = "us-east-1b"
  cidr_block = "10.0.1.0/24"
  map_public_ip_on_launch = true
  vpc_id = ${vpc.id}
public_rt: aws.ec2.route_table
  routes = [{cidr_block = "0.0.0.0/0", gateway_id = ${igw.id}}]
  subnet_ids = [${public[0].id}, ${public[1].id}]
  vpc_id = ${vpc.id}
web.alb_sg: aws.ec2.security_group
  egress = [{cidr_blocks = ["0.0.0.0/0"], from_port = 0, protocol = "-1", to_port = 0}]
  ingress = [{cidr_blocks = ["0.0.0.0/0"], description = "https", from_port = 443, protocol = "tcp", to_port = 443}]
  name = "alb"
  vpc_id = ${vpc.id}
web.app_sg: aws.ec2.security_group
  ingress = [{from_port = 8000, protocol = "tcp", security_group_ids = [${web.alb_sg.id}], to_port = 8000}]
  name = "app"
  vpc_id = ${vpc.id}
web.alb: aws.elbv2.load_balancer
  name = "shop"
  security_group_ids = [${web.alb_sg.id}]
  subnet_ids = [${public[0].id}, ${public[1].id}]
web.tg_blue: aws.elbv2.target_group
  health_check = {path = "/healthz", protocol = "HTTP"}
  name = "shop-blue"
  port = 8000
  vpc_id = ${vpc.id}
web.tg_green: aws.elbv2.target_group
  health_check = {path = "/healthz", protocol = "HTTP"}
  name = "shop-green"
  port = 8000
  vpc_id = ${vpc.id}
web.https: aws.elbv2.listener
  certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/x"
  forward = [{target_group_arn = ${web.tg_blue.arn}, weight = 99}, {target_group_arn = ${web.tg_green.arn}, weight = 1}]
  load_balancer_arn = ${web.alb.arn}
  port = 443
  protocol = "HTTPS"
web.lt: aws.ec2.launch_template
  image_id = "ami-12345678"
  instance_type = "t3.small"
  name = "shop"
  security_group_ids = [${web.app_sg.id}]
web.asg: aws.autoscaling.group
  health_check_type = "ELB"
  launch_template_id = ${web.lt.id}
  max_size = 6
  min_size = 2
  name = "shop"
  subnet_ids = [${public[0].id}, ${public[1].id}]
  target_group_arns = [${web.tg_blue.arn}]
web.cpu: aws.autoscaling.policy
  autoscaling_group_name = ${web.asg.name}
  name = "cpu"
  predefined_metric = "ASGAverageCPUUtilization"
  target_value = 50
web.high_cpu: aws.cloudwatch.metric_alarm
  alarm_actions = [${web.cpu.arn}]
  alarm_name = "shop-high-cpu"
  comparison_operator = "GreaterThanThreshold"
  dimensions = {AutoScalingGroupName = ${web.asg.name}}
  evaluation_periods = 5
  metric_name = "CPUUtilization"
  namespace = "AWS/EC2"
  period = 60
  statistic = "Average"
  threshold = 80
db.subnets: aws.rds.db_subnet_group
  name = "shop-db"
  subnet_ids = [${public[0].id}, ${public[1].id}]
db.primary: aws.rds.db_instance Lifecycle { prevent_destroy: true, create_before_destroy: None, ignore_changes: [], allow_replace: false }
  db_subnet_group_name = ${db.subnets.name}
  deletion_protection = true
  identifier = "shop"
  instance_class = "db.t4g.medium"
  multi_az = true
  password = "hunter22"
  username = "app"
  vpc_security_group_ids = [${web.app_sg.id}]
db.replica[0]: aws.rds.db_instance
  availability_zone = "us-east-1b"
  identifier = "shop-replica-0"
  instance_class = "db.t4g.medium"
  replicate_source_db = ${db.primary.identifier}
cache.subnets: aws.elasticache.subnet_group
  name = "shop-cache"
  subnet_ids = [${public[0].id}, ${public[1].id}]
cache.redis: aws.elasticache.replication_group depends_on=[db.replica[0]]
  node_type = "cache.t4g.small"
  replication_group_id = "shop"
  subnet_group_name = ${cache.subnets.name}
output dns = ${web.alb.dns_name}
output db = ${db.primary.endpoint} (sensitive)
output redis = ${cache.redis.primary_endpoint_address}
"#,
    );
}

#[test]
fn a_typed_stack_passes_graph_validation() {
    let config = web_stack();
    assert_eq!(config.stack, "shop");
    if let Err(problems) = Graph::build(config) {
        let list: Vec<String> = problems.problems.iter().map(ToString::to_string).collect();
        panic!("the typed stack is invalid:\n{}", list.join("\n"));
    }
}

#[test]
fn invalid_and_duplicate_addresses_are_recorded_not_panicked_on() {
    let mut s = Stack::new("t");
    let vpc = s.add("1 vpc", Vpc::default());
    assert_eq!(vpc.address().as_str(), "_1_vpc");
    s.add(
        "dup",
        InternetGateway {
            vpc_id: vpc.id(),
            ..Default::default()
        },
    );
    s.add("dup", InternetGateway::default());
    let mut bad = s.nested("bad prefix");
    let nested = bad.add("igw", InternetGateway::default());
    assert_eq!(nested.address().as_str(), "bad_prefix.igw");
    check(
        &s.into_config(),
        r#"
_1_vpc: aws.ec2.vpc
  cidr_block = ""
dup: aws.ec2.internet_gateway
  vpc_id = ${_1_vpc.id}
bad_prefix.igw: aws.ec2.internet_gateway
  vpc_id = ""
problem strata::stack::address: `1 vpc` is not a valid resource address: each part must start with a letter or `_`
problem strata::graph::duplicate: two resources have the address `dup`
problem strata::stack::address: `bad prefix` is not a valid resource address: names may hold only letters, digits, `_` and `-`
"#,
    );
}

#[test]
fn scopes_nest_and_known_ids_are_accepted() {
    let mut s = Stack::new("t");
    let mut web = s.nested("web");
    let mut blue = web.nested("blue");
    assert_eq!(blue.prefix(), Some("web.blue"));
    let sg = blue.add(
        "sg",
        SecurityGroup {
            name: "blue".into(),
            // An existing VPC, not managed by Strata.
            vpc_id: "vpc-0abc".into(),
            ..Default::default()
        },
    );
    assert_eq!(sg.address().as_str(), "web.blue.sg");
    assert_eq!(sg.kind(), crate::kinds::SECURITY_GROUP);
    assert_eq!(
        Value::from(sg.id()),
        Value::from(Reference::parse("web.blue.sg.id").unwrap())
    );
    let config = s.into_config();
    assert_eq!(
        config.resources[0].attrs.get("vpc_id"),
        Some(&Value::from("vpc-0abc"))
    );
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let db = DbInstance {
        password: Some(Sensitive::new("hunter22")),
        ..Default::default()
    };
    let shown = format!("{db:?}");
    assert!(!shown.contains("hunter22"), "{shown}");
    assert!(shown.contains("Sensitive(***)"));
}
