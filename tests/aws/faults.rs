//! A fault-injecting proxy of our own between the SDK and moto: throttling
//! responses, 503s and latency. Applies still succeed (the SDK's and the
//! engine's retries), and nothing is created twice.
//!
//! Faults are injected before a request reaches moto, as a throttling API
//! front end does. Faults after a create reached the cloud (a lost response)
//! rely on idempotency tokens, which moto ignores for RunInstances; that case
//! is covered on the sim provider (`tests/it/crash.rs`, `tests/it/engine.rs`).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::support::{moto, sdk, start_proxy, upstream, Counts, Project};

const MANIFEST: &str = r#"
stack = "faulty"

[provider]
kind = "aws"
region = "us-east-1"

[resource.vpc]
kind = "aws.ec2.vpc"
cidr_block = "10.0.0.0/16"

[resource.subnet]
kind = "aws.ec2.subnet"
vpc_id = "${vpc.id}"
cidr_block = "10.0.1.0/24"
availability_zone = "us-east-1a"

[resource.sg]
kind = "aws.ec2.security_group"
name = "faulty-web"
vpc_id = "${vpc.id}"
ingress = [{ protocol = "tcp", from_port = 80, to_port = 80, cidr_blocks = ["0.0.0.0/0"] }]

[resource.web_a]
kind = "aws.ec2.instance"
ami = "ami-0c55b159cbfafe1f0"
instance_type = "t3.micro"
subnet_id = "${subnet.id}"
security_group_ids = ["${sg.id}"]

[resource.web_b]
kind = "aws.ec2.instance"
ami = "ami-0c55b159cbfafe1f0"
instance_type = "t3.micro"
subnet_id = "${subnet.id}"
security_group_ids = ["${sg.id}"]

[resource.tg]
kind = "aws.elbv2.target_group"
name = "faulty-web"
port = 80
vpc_id = "${vpc.id}"
target_ids = ["${web_a.id}", "${web_b.id}"]

[resource.alarm]
kind = "aws.cloudwatch.metric_alarm"
alarm_name = "faulty-cpu"
namespace = "AWS/EC2"
metric_name = "CPUUtilization"
statistic = "Average"
period = 60
evaluation_periods = 5
threshold = 80
comparison_operator = "GreaterThanThreshold"
"#;

#[tokio::test(flavor = "multi_thread")]
async fn throttling_503s_and_latency_are_retried_and_nothing_is_duplicated() {
    let _moto = moto();
    let counts = Arc::new(Counts::default());
    let proxy = start_proxy(upstream(), counts.clone());

    let p = Project::new(MANIFEST);
    let run = |args: &'static [&'static str]| {
        let mut c = p.cmd(args);
        c.env("AWS_ENDPOINT_URL", &proxy);
        c
    };
    let out = tokio::task::block_in_place(|| run(&["apply", "--yes"]).output().unwrap());
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let out =
        tokio::task::block_in_place(|| run(&["plan", "--detailed-exitcode"]).output().unwrap());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        counts.throttled.load(Ordering::SeqCst) > 3,
        "the proxy throttled requests"
    );
    assert!(
        counts.unavailable.load(Ordering::SeqCst) > 1,
        "the proxy answered 503s"
    );

    // Straight to moto: exactly the two instances, one VPC, one group, one target group.
    use strata_aws::sdk::{ec2, elbv2};
    let cfg = sdk().await;
    let e = ec2::Client::new(&cfg);
    let tag = |v: &str| {
        ec2::types::Filter::builder()
            .name("tag:strata:stack")
            .values(v)
            .build()
    };
    let running: usize = e
        .describe_instances()
        .filters(tag("faulty"))
        .send()
        .await
        .unwrap()
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .filter(|i| i.state().and_then(|s| s.name()).map(|n| n.as_str()) != Some("terminated"))
        .count();
    assert_eq!(running, 2);
    let vpcs = e
        .describe_vpcs()
        .filters(tag("faulty"))
        .send()
        .await
        .unwrap();
    assert_eq!(vpcs.vpcs().len(), 1);
    let groups = e
        .describe_security_groups()
        .filters(tag("faulty"))
        .send()
        .await
        .unwrap();
    assert_eq!(groups.security_groups().len(), 1);
    let tgs = elbv2::Client::new(&cfg)
        .describe_target_groups()
        .send()
        .await
        .unwrap();
    assert_eq!(
        tgs.target_groups()
            .iter()
            .filter(|t| t.target_group_name() == Some("faulty-web"))
            .count(),
        1
    );

    let out = tokio::task::block_in_place(|| run(&["destroy", "--yes"]).output().unwrap());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
