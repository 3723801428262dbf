//! Every kind on moto: create, update in place, replace, delete — and after
//! each apply the plan is empty (reads answer in the configuration's shape).

use crate::support::{moto, strata_tagged, Project};

const STACK: &str = r##"stack = "kinds"

[provider]
kind = "aws"
region = "us-east-1"

[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.1.0.0/16"
tags = { Name = "kinds" }

[resource.igw]
kind = "aws.ec2.internet_gateway"
vpc_id = "${vpc.id}"

[resource.a]
kind = "aws.ec2.subnet"
vpc_id = "${vpc.id}"
cidr_block = "10.1.1.0/24"
availability_zone = "us-east-1a"

[resource.b]
kind = "aws.ec2.subnet"
vpc_id = "${vpc.id}"
cidr_block = "10.1.2.0/24"
availability_zone = "us-east-1b"

[resource.routes]
kind = "aws.ec2.route_table"
vpc_id = "${vpc.id}"
routes = [{ cidr_block = "0.0.0.0/0", gateway_id = "${igw.id}" }]
subnet_ids = ["${a.id}", "${b.id}"]

[resource.sg]
kind = "aws.ec2.security_group"
name = "kinds-app"
vpc_id = "${vpc.id}"
ingress = [{ protocol = "tcp", from_port = 8000, to_port = 8000, cidr_blocks = ["10.1.0.0/16"] }]

[resource.lt]
kind = "aws.ec2.launch_template"
name = "kinds-lt"
image_id = "ami-12c6146b"
instance_type = "t3.small"
security_group_ids = ["${sg.id}"]
user_data = "#!/bin/sh\necho v1\n"

[resource.web]
kind = "aws.ec2.instance"
ami = "ami-12c6146b"
instance_type = "t3.small"
subnet_id = "${a.id}"
security_group_ids = ["${sg.id}"]

[resource.alb]
kind = "aws.elbv2.load_balancer"
name = "kinds-alb"
subnet_ids = ["${a.id}", "${b.id}"]
security_group_ids = ["${sg.id}"]

[resource.blue]
kind = "aws.elbv2.target_group"
name = "kinds-blue"
port = 8000
vpc_id = "${vpc.id}"
health_check = { path = "/health", interval = 10 }
target_ids = ["${web.id}"]

[resource.green]
kind = "aws.elbv2.target_group"
name = "kinds-green"
port = 8000
vpc_id = "${vpc.id}"

[resource.http]
kind = "aws.elbv2.listener"
load_balancer_arn = "${alb.arn}"
port = 80
forward = [{ target_group_arn = "${blue.arn}", weight = 100 }, { target_group_arn = "${green.arn}", weight = 0 }]

[resource.asg]
kind = "aws.autoscaling.group"
name = "kinds-asg"
launch_template_id = "${lt.id}"
subnet_ids = ["${a.id}", "${b.id}"]
target_group_arns = ["${green.arn}"]
min_size = 1
max_size = 3
desired_capacity = 1

[resource.cpu]
kind = "aws.autoscaling.policy"
name = "kinds-cpu"
autoscaling_group_name = "${asg.name}"
predefined_metric = "ASGAverageCPUUtilization"
target_value = 50.0

[resource.dbnet]
kind = "aws.rds.db_subnet_group"
name = "kinds-db"
subnet_ids = ["${a.id}", "${b.id}"]

[resource.db]
kind = "aws.rds.db_instance"
identifier = "kinds-db"
instance_class = "db.t4g.medium"
db_subnet_group_name = "${dbnet.name}"
username = "app"
password = "secret-one"
skip_final_snapshot = true

[resource.cachenet]
kind = "aws.elasticache.subnet_group"
name = "kinds-cache"
subnet_ids = ["${a.id}", "${b.id}"]

[resource.cache]
kind = "aws.elasticache.replication_group"
replication_group_id = "kinds-cache"
node_type = "cache.t4g.small"
subnet_group_name = "${cachenet.name}"

[resource.errors]
kind = "aws.cloudwatch.metric_alarm"
alarm_name = "kinds-5xx"
namespace = "AWS/ApplicationELB"
metric_name = "HTTPCode_Target_5XX_Count"
statistic = "Sum"
period = 60
evaluation_periods = 5
threshold = 10.0
comparison_operator = "GreaterThanThreshold"
"##;

/// Applies an edit, checks the plan's actions for some addresses, applies
/// it and checks the plan is then empty.
fn step(p: &Project, edits: &[(&str, &str)], expect: &[&str], summary: &str) {
    step_with(p, edits, expect, summary, &[]);
}

/// [`step`], applying with `allow` (`--allow-replace ADDR` for the stateful
/// resources it replaces), after checking that apply refuses without it.
fn step_with(p: &Project, edits: &[(&str, &str)], expect: &[&str], summary: &str, allow: &[&str]) {
    p.edit(|mut m| {
        for (from, to) in edits {
            assert!(m.contains(from), "{from} not in the manifest");
            m = m.replacen(from, to, 1);
        }
        m
    });
    let plan = p.ok(&["plan"]);
    for e in expect {
        assert!(plan.contains(e), "expected `{e}` in:\n{plan}");
    }
    assert!(plan.contains(summary), "expected `{summary}` in:\n{plan}");
    let mut args = vec!["apply", "--yes"];
    if !allow.is_empty() {
        let refused = p.fails(&args);
        assert!(
            refused.contains("strata::apply::replaces_data"),
            "{refused}"
        );
        for a in allow {
            args.extend(["--allow-replace", a]);
        }
    }
    p.ok(&args);
    p.assert_no_changes();
}

#[tokio::test(flavor = "multi_thread")]
async fn every_kind_creates_updates_in_place_replaces_and_deletes() {
    let _moto = moto();
    let p = Project::new(STACK);
    let out = p.ok(&["apply", "--yes"]);
    assert!(out.contains("19 added"), "{out}");
    p.assert_no_changes();

    // In place, one change per kind. Not the subnet groups': moto 5.2.5 does
    // not implement ModifyCacheSubnetGroup, and loses a DB subnet group on
    // ModifyDBSubnetGroup; the sim's conformance tests cover those.
    step(
        &p,
        &[
            ("tags = { Name = \"kinds\" }", "tags = { Name = \"kinds\", Team = \"web\" }"),
            ("cidr_block = \"10.1.2.0/24\"\navailability_zone = \"us-east-1b\"", "cidr_block = \"10.1.2.0/24\"\navailability_zone = \"us-east-1b\"\nmap_public_ip_on_launch = true"),
            ("subnet_ids = [\"${a.id}\", \"${b.id}\"]\n\n[resource.sg]", "subnet_ids = [\"${a.id}\"]\n\n[resource.sg]"),
            ("from_port = 8000, to_port = 8000", "from_port = 8080, to_port = 8080"),
            ("echo v1", "echo v2"),
            ("instance_type = \"t3.small\"\nsubnet_id", "instance_type = \"t3.medium\"\nsubnet_id"),
            ("name = \"kinds-alb\"", "name = \"kinds-alb\"\nidle_timeout = 120\ndrop_invalid_header_fields = true"),
            ("interval = 10 }", "interval = 15 }\nslow_start = 60\nstickiness = { enabled = true, cookie_duration = 3600 }"),
            ("weight = 100 }, { target_group_arn = \"${green.arn}\", weight = 0 }", "weight = 90 }, { target_group_arn = \"${green.arn}\", weight = 10 }"),
            ("max_size = 3", "max_size = 4"),
            ("target_value = 50.0", "target_value = 60.0"),
            ("instance_class = \"db.t4g.medium\"", "instance_class = \"db.t4g.large\"\nbackup_retention_period = 3"),
            ("node_type = \"cache.t4g.small\"", "node_type = \"cache.t4g.medium\""),
            ("threshold = 10.0", "threshold = 20.0"),
        ],
        &["vpc will be updated in place", "http will be updated in place", "db will be updated in place", "cache will be updated in place", "asg will be updated in place", "web will be updated in place"],
        "0 to add, 14 to change, 0 to destroy",
    );

    // Replacements: attributes that force a new resource. The instance and
    // the DB instance hold data: apply refuses until they are named.
    step_with(
        &p,
        &[
            (
                "ami = \"ami-12c6146b\"\ninstance_type = \"t3.medium\"",
                "ami = \"ami-1234abcd\"\ninstance_type = \"t3.medium\"",
            ),
            (
                "name = \"kinds-green\"\nport = 8000",
                "name = \"kinds-green2\"\nport = 8000",
            ),
            (
                "alarm_name = \"kinds-5xx\"",
                "alarm_name = \"kinds-5xx-v2\"",
            ),
            ("name = \"kinds-cpu\"", "name = \"kinds-cpu2\""),
            ("identifier = \"kinds-db\"", "identifier = \"kinds-db2\""),
        ],
        &[
            "web must be replaced",
            "green must be replaced",
            "errors must be replaced",
            "cpu must be replaced",
            "db must be replaced",
        ],
        "5 to add",
        &["web", "db"],
    );

    // Delete: dropping a resource from the manifest deletes it.
    p.edit(|m| m[..m.find("[resource.errors]").unwrap()].to_string());
    let plan = p.ok(&["plan"]);
    assert!(
        plan.contains("0 to add, 0 to change, 1 to destroy"),
        "{plan}"
    );
    p.ok(&["apply", "--yes"]);
    p.assert_no_changes();

    // moto 5.2.5 does not implement DeleteCacheSubnetGroup (HTTP 500).
    p.ok(&["state", "rm", "cachenet"]);
    p.ok(&["destroy", "--yes"]);
    let left = strata_tagged("kinds").await;
    assert!(left.is_empty(), "left behind: {left:?}");
}
