//! Minimal valid attributes for every kind, with the in-place change the
//! lifecycle check makes, and the dependencies each needs, created through
//! the provider under test (values that work on the sim and on moto; the
//! same as `tests/aws/kinds.rs`'s stack).

use std::collections::BTreeMap;

use serde_json::json;
use strata::core::kinds;
use strata::core::value::{Attrs, Value};

use crate::harness::Harness;

/// A kind's configuration and the change the lifecycle check makes.
pub struct Fixture {
    /// The configured attributes (dependencies' ids filled in).
    pub attrs: Attrs,
    /// The attribute changed in place, and its new value.
    pub update: (&'static str, Value),
}

/// Attributes from JSON.
pub fn attrs(v: serde_json::Value) -> Attrs {
    match Value::from_json(&v) {
        Value::Map(m) => m,
        other => panic!("not an object: {other:?}"),
    }
}

/// Dependencies created so far in this check, by name: (id, attributes).
#[derive(Default)]
pub struct Deps {
    made: BTreeMap<&'static str, (String, Attrs)>,
}

impl Deps {
    /// The id of dependency `name` (made earlier by [`Deps::make`]).
    fn id(&self, name: &str) -> String {
        self.made
            .get(name)
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| panic!("dependency {name} not made"))
    }

    /// An attribute of dependency `name` (its ARN, its name), else its id.
    fn attr(&self, name: &str, attr: &str) -> String {
        self.made
            .get(name)
            .and_then(|(_, a)| a.get(attr))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| self.id(name))
    }

    /// Creates the dependencies `names` (in order: each may use the ones
    /// before it) through the provider under test.
    pub async fn make(&mut self, h: &Harness, names: &[&'static str]) {
        for &name in names {
            if self.made.contains_key(name) {
                continue;
            }
            let (kind, a) = self.dependency(name);
            let made = h.create(&format!("dep_{name}"), kind, a).await;
            self.made.insert(name, made);
        }
    }

    fn dependency(&self, name: &str) -> (&'static str, Attrs) {
        match name {
            "vpc" => (kinds::VPC, attrs(json!({"cidr_block": "10.1.0.0/16"}))),
            "igw" => (
                kinds::INTERNET_GATEWAY,
                attrs(json!({"vpc_id": self.id("vpc")})),
            ),
            "a" | "b" => (
                kinds::SUBNET,
                attrs(json!({
                    "vpc_id": self.id("vpc"),
                    "cidr_block": if name == "a" { "10.1.1.0/24" } else { "10.1.2.0/24" },
                    "availability_zone": format!("us-east-1{name}"),
                })),
            ),
            "eip" => (kinds::EIP, attrs(json!({"tags": {"Name": "conf-nat"}}))),
            "sg" => (
                kinds::SECURITY_GROUP,
                attrs(json!({"name": "conf-app", "vpc_id": self.id("vpc")})),
            ),
            "lt" => (
                kinds::LAUNCH_TEMPLATE,
                attrs(json!({
                    "name": "conf-lt",
                    "image_id": "ami-12c6146b",
                    "instance_type": "t3.small",
                    "security_group_ids": [self.id("sg")],
                })),
            ),
            "alb" => (
                kinds::LOAD_BALANCER,
                attrs(json!({
                    "name": "conf-alb",
                    "subnet_ids": [self.id("a"), self.id("b")],
                    "security_group_ids": [self.id("sg")],
                })),
            ),
            "blue" | "green" => (
                kinds::TARGET_GROUP,
                attrs(
                    json!({"name": format!("conf-{name}"), "port": 8000, "vpc_id": self.id("vpc")}),
                ),
            ),
            "asg" => (
                kinds::AUTOSCALING_GROUP,
                attrs(json!({
                    "name": "conf-asg",
                    "launch_template_id": self.id("lt"),
                    "subnet_ids": [self.id("a"), self.id("b")],
                    "min_size": 0,
                    "max_size": 2,
                    "desired_capacity": 0,
                })),
            ),
            "dbnet" => (
                kinds::DB_SUBNET_GROUP,
                attrs(json!({"name": "conf-db", "subnet_ids": [self.id("a"), self.id("b")]})),
            ),
            "cachenet" => (
                kinds::CACHE_SUBNET_GROUP,
                attrs(json!({"name": "conf-cache", "subnet_ids": [self.id("a"), self.id("b")]})),
            ),
            "role" | "role2" => (
                kinds::IAM_ROLE,
                attrs(
                    json!({"name": format!("conf-{name}"), "assume_role_policy": trust_policy()}),
                ),
            ),
            "key" | "key2" => (
                kinds::KMS_KEY,
                attrs(json!({"description": format!("conf {name}"), "deletion_window_in_days": 7})),
            ),
            "topic" => (kinds::SNS_TOPIC, attrs(json!({"name": "conf-topic"}))),
            "zone" => (
                kinds::ROUTE53_ZONE,
                attrs(json!({"name": "conformance.example.com", "force_destroy": true})),
            ),
            "cert" => (
                kinds::ACM_CERTIFICATE,
                attrs(json!({"domain_name": "www.conformance.example.com"})),
            ),
            "certrecord" => (
                kinds::ROUTE53_RECORD,
                attrs(json!({
                    "zone_id": self.id("zone"),
                    "name": self.attr("cert", "validation_record_name"),
                    "type": "CNAME",
                    "ttl": 300,
                    "records": [self.attr("cert", "validation_record_value")],
                })),
            ),
            other => panic!("no dependency named {other}"),
        }
    }
}

/// The fixture of `kind`, after making its dependencies.
pub async fn fixture(h: &Harness, kind: &str, deps: &mut Deps) -> Fixture {
    let needs: &[&'static str] = match kind {
        kinds::VPC | kinds::METRIC_ALARM => &[],
        kinds::DB_PARAMETER_GROUP | kinds::CACHE_PARAMETER_GROUP => &[],
        kinds::SUBNET | kinds::INTERNET_GATEWAY | kinds::SECURITY_GROUP => &["vpc"],
        kinds::ROUTE_TABLE => &["vpc", "igw", "a", "b"],
        kinds::EIP => &[],
        kinds::NAT_GATEWAY => &["vpc", "igw", "a", "eip"],
        kinds::LAUNCH_TEMPLATE => &["vpc", "sg"],
        kinds::INSTANCE => &["vpc", "a", "sg"],
        kinds::LOAD_BALANCER => &["vpc", "a", "b", "sg"],
        kinds::TARGET_GROUP => &["vpc"],
        kinds::LISTENER => &["vpc", "a", "b", "sg", "alb", "blue", "green"],
        kinds::AUTOSCALING_GROUP => &["vpc", "a", "b", "sg", "lt"],
        kinds::SCALING_POLICY => &["vpc", "a", "b", "sg", "lt", "asg"],
        kinds::DB_SUBNET_GROUP | kinds::CACHE_SUBNET_GROUP => &["vpc", "a", "b"],
        kinds::DB_INSTANCE => &["vpc", "a", "b", "dbnet"],
        kinds::REPLICATION_GROUP => &["vpc", "a", "b", "cachenet"],
        kinds::IAM_ROLE | kinds::KMS_KEY | kinds::SNS_TOPIC => &[],
        kinds::IAM_ROLE_POLICY => &["role"],
        kinds::INSTANCE_PROFILE => &["role", "role2"],
        kinds::KMS_ALIAS => &["key", "key2"],
        kinds::SNS_TOPIC_SUBSCRIPTION => &["topic"],
        kinds::ROUTE53_ZONE | kinds::ACM_CERTIFICATE => &[],
        kinds::ROUTE53_RECORD => &["zone"],
        kinds::ACM_CERTIFICATE_VALIDATION => &["zone", "cert", "certrecord"],
        other => panic!("no fixture for {other}: add one to tests/conformance/fixtures.rs"),
    };
    deps.make(h, needs).await;
    let d = &*deps;
    let (a, update): (serde_json::Value, (&'static str, serde_json::Value)) = match kind {
        kinds::VPC => (
            json!({"cidr_block": "10.2.0.0/16", "tags": {"Name": "conf"}}),
            ("tags", json!({"Name": "conf", "Team": "web"})),
        ),
        kinds::SUBNET => (
            json!({"vpc_id": d.id("vpc"), "cidr_block": "10.1.9.0/24", "availability_zone": "us-east-1c"}),
            ("map_public_ip_on_launch", json!(true)),
        ),
        kinds::INTERNET_GATEWAY => (
            json!({"vpc_id": d.id("vpc"), "tags": {"Name": "conf"}}),
            ("tags", json!({"Name": "conf-2"})),
        ),
        kinds::ROUTE_TABLE => (
            json!({
                "vpc_id": d.id("vpc"),
                "routes": [{"cidr_block": "0.0.0.0/0", "gateway_id": d.id("igw")}],
                "subnet_ids": [d.id("a"), d.id("b")],
            }),
            ("subnet_ids", json!([d.id("a")])),
        ),
        kinds::EIP => (
            json!({"tags": {"Name": "conf"}}),
            ("tags", json!({"Name": "conf", "Team": "web"})),
        ),
        kinds::NAT_GATEWAY => (
            json!({
                "subnet_id": d.id("a"),
                "allocation_id": d.id("eip"),
                "tags": {"Name": "conf"},
            }),
            ("tags", json!({"Name": "conf-2"})),
        ),
        kinds::SECURITY_GROUP => (
            json!({
                "name": "conf-subject",
                "vpc_id": d.id("vpc"),
                "ingress": [{"protocol": "tcp", "from_port": 8000, "to_port": 8000, "cidr_blocks": ["10.1.0.0/16"]}],
            }),
            (
                "ingress",
                json!([{"protocol": "tcp", "from_port": 8080, "to_port": 8080, "cidr_blocks": ["10.1.0.0/16"]}]),
            ),
        ),
        kinds::LAUNCH_TEMPLATE => (
            json!({
                "name": "conf-subject",
                "image_id": "ami-12c6146b",
                "instance_type": "t3.small",
                "security_group_ids": [d.id("sg")],
                "user_data": "#!/bin/sh\necho v1\n",
            }),
            ("user_data", json!("#!/bin/sh\necho v2\n")),
        ),
        kinds::INSTANCE => (
            json!({
                "ami": "ami-12c6146b",
                "instance_type": "t3.small",
                "subnet_id": d.id("a"),
                "security_group_ids": [d.id("sg")],
            }),
            ("instance_type", json!("t3.medium")),
        ),
        kinds::LOAD_BALANCER => (
            json!({
                "name": "conf-subject",
                "subnet_ids": [d.id("a"), d.id("b")],
                "security_group_ids": [d.id("sg")],
            }),
            ("idle_timeout", json!(120)),
        ),
        kinds::TARGET_GROUP => (
            json!({
                "name": "conf-subject",
                "port": 8000,
                "vpc_id": d.id("vpc"),
                "health_check": {"path": "/health", "interval": 10},
            }),
            ("health_check", json!({"path": "/health", "interval": 15})),
        ),
        kinds::LISTENER => {
            let forward = |blue: i64, green: i64| {
                json!([
                    {"target_group_arn": d.attr("blue", "arn"), "weight": blue},
                    {"target_group_arn": d.attr("green", "arn"), "weight": green},
                ])
            };
            (
                json!({"load_balancer_arn": d.attr("alb", "arn"), "port": 80, "forward": forward(100, 0)}),
                ("forward", forward(90, 10)),
            )
        }
        kinds::AUTOSCALING_GROUP => (
            json!({
                "name": "conf-subject",
                "launch_template_id": d.id("lt"),
                "subnet_ids": [d.id("a"), d.id("b")],
                "min_size": 1,
                "max_size": 3,
                "desired_capacity": 1,
            }),
            ("max_size", json!(4)),
        ),
        kinds::SCALING_POLICY => (
            json!({
                "name": "conf-subject",
                "autoscaling_group_name": d.attr("asg", "name"),
                "predefined_metric": "ASGAverageCPUUtilization",
                "target_value": 50.0,
            }),
            ("target_value", json!(60.0)),
        ),
        kinds::DB_SUBNET_GROUP | kinds::CACHE_SUBNET_GROUP => (
            json!({"name": "conf-subject", "description": "one", "subnet_ids": [d.id("a"), d.id("b")]}),
            ("description", json!("two")),
        ),
        kinds::DB_INSTANCE => (
            json!({
                "identifier": "conf-subject",
                "instance_class": "db.t4g.medium",
                "db_subnet_group_name": d.attr("dbnet", "name"),
                "username": "app",
                "password": "secret-one",
                "skip_final_snapshot": true,
            }),
            ("backup_retention_period", json!(3)),
        ),
        kinds::REPLICATION_GROUP => (
            json!({
                "replication_group_id": "conf-subject",
                "node_type": "cache.t4g.small",
                "subnet_group_name": d.attr("cachenet", "name"),
            }),
            ("node_type", json!("cache.t4g.medium")),
        ),
        kinds::METRIC_ALARM => (alarm("conf-subject"), ("threshold", json!(20.0))),
        kinds::DB_PARAMETER_GROUP => (
            json!({
                "name": "conf-subject",
                "family": "postgres16",
                "parameters": [{"name": "log_min_duration_statement", "value": "500"}],
            }),
            (
                "parameters",
                json!([
                    {"name": "log_min_duration_statement", "value": "1000"},
                    {"name": "rds.force_ssl", "value": "1"},
                ]),
            ),
        ),
        kinds::CACHE_PARAMETER_GROUP => (
            json!({
                "name": "conf-subject",
                "family": "redis7",
                "parameters": [{"name": "maxmemory-policy", "value": "allkeys-lru"}],
            }),
            (
                "parameters",
                json!([{"name": "maxmemory-policy", "value": "volatile-lru"}]),
            ),
        ),
        kinds::IAM_ROLE => (
            json!({"name": "conf-subject", "assume_role_policy": trust_policy(), "description": "one"}),
            ("description", json!("two")),
        ),
        kinds::IAM_ROLE_POLICY => (
            json!({"role": d.attr("role", "name"), "name": "conf-subject", "policy": metrics_policy("cloudwatch:PutMetricData")}),
            ("policy", json!(metrics_policy("logs:PutLogEvents"))),
        ),
        kinds::INSTANCE_PROFILE => (
            json!({"name": "conf-subject", "role": d.attr("role", "name")}),
            ("role", json!(d.attr("role2", "name"))),
        ),
        kinds::KMS_KEY => (
            json!({"description": "one", "deletion_window_in_days": 7, "tags": {"Name": "conf"}}),
            ("description", json!("two")),
        ),
        kinds::KMS_ALIAS => (
            json!({"name": "alias/conf-subject", "target_key_id": d.id("key")}),
            ("target_key_id", json!(d.id("key2"))),
        ),
        kinds::SNS_TOPIC => (
            json!({"name": "conf-subject", "tags": {"Name": "conf"}}),
            ("tags", json!({"Name": "conf", "Team": "web"})),
        ),
        kinds::SNS_TOPIC_SUBSCRIPTION => (
            json!({
                "topic_arn": d.attr("topic", "arn"),
                "protocol": "email",
                "endpoint": "ops@example.com",
                "filter_policy": r#"{"severity": ["high"]}"#,
            }),
            (
                "filter_policy",
                json!(r#"{"severity": ["high", "critical"]}"#),
            ),
        ),
        kinds::ROUTE53_ZONE => (
            json!({"name": "conf-subject.example.org", "comment": "one"}),
            ("comment", json!("two")),
        ),
        kinds::ROUTE53_RECORD => (
            json!({
                "zone_id": d.id("zone"),
                "name": "api.conformance.example.com",
                "type": "A",
                "ttl": 300,
                "records": ["192.0.2.10"],
            }),
            ("ttl", json!(60)),
        ),
        kinds::ACM_CERTIFICATE => (
            json!({"domain_name": "conf-subject.example.org", "tags": {"Team": "web"}}),
            ("tags", json!({"Team": "edge"})),
        ),
        kinds::ACM_CERTIFICATE_VALIDATION => (
            json!({
                "certificate_arn": d.attr("cert", "arn"),
                "validation_record_fqdns": [d.attr("certrecord", "fqdn")],
            }),
            ("validation_record_fqdns", json!([])),
        ),
        other => panic!("no fixture for {other}"),
    };
    Fixture {
        attrs: attrs(a),
        update: (update.0, Value::from_json(&update.1)),
    }
}

/// A metric alarm named `name` (no dependencies: the cheapest kind).
pub fn alarm(name: &str) -> serde_json::Value {
    json!({
        "alarm_name": name,
        "namespace": "AWS/ApplicationELB",
        "metric_name": "HTTPCode_Target_5XX_Count",
        "statistic": "Sum",
        "period": 60,
        "evaluation_periods": 5,
        "threshold": 10.0,
        "comparison_operator": "GreaterThanThreshold",
    })
}

/// A trust policy letting EC2 assume a role.
pub fn trust_policy() -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }],
    })
    .to_string()
}

/// A permission policy allowing one action on every resource.
pub fn metrics_policy(action: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
    })
    .to_string()
}
