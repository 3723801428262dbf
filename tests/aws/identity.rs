//! IAM, KMS and SNS on moto: roles with a trust policy and a managed
//! policy, an inline policy, instance profiles on a launch template, KMS
//! keys and aliases (on the root volume), a topic, an email subscription,
//! and alarms notifying the topic — created, updated in place, replaced,
//! forgotten and imported back, deleted; after each apply the plan is
//! empty, and the SDK reads back what Strata set.

use crate::support::{moto, Project};

const STACK: &str = r##"stack = "ident"

[provider]
kind = "aws"
region = "us-east-1"

[resource.role]
kind = "aws.iam.role"
name = "ident-app"
description = "one"
assume_role_policy = '''{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'''
tags = { Team = "web" }

[resource.role2]
kind = "aws.iam.role"
name = "ident-other"
assume_role_policy = '''{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'''

[resource.policy]
kind = "aws.iam.role_policy"
role = "${role.name}"
name = "metrics"
policy = '''{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*"}]}'''

[resource.profile]
kind = "aws.iam.instance_profile"
name = "ident-app"
role = "${role.name}"

[resource.key]
kind = "aws.kms.key"
description = "one"
deletion_window_in_days = 7

[resource.key2]
kind = "aws.kms.key"
description = "two"
deletion_window_in_days = 7

[resource.alias]
kind = "aws.kms.alias"
name = "alias/ident"
target_key_id = "${key.key_id}"

[resource.lt]
kind = "aws.ec2.launch_template"
name = "ident-lt"
image_id = "ami-12c6146b"
instance_type = "t3.small"
iam_instance_profile = "${profile.name}"
metadata_options = { http_tokens = "required" }
block_device_mappings = [{ device_name = "/dev/xvda", ebs = { volume_size = 20, volume_type = "gp3", encrypted = true, kms_key_id = "${key.arn}" } }]

[resource.topic]
kind = "aws.sns.topic"
name = "ident-alarms"

[resource.mail]
kind = "aws.sns.topic_subscription"
topic_arn = "${topic.arn}"
protocol = "email"
endpoint = "ops@example.com"

[resource.alarm]
kind = "aws.cloudwatch.metric_alarm"
alarm_name = "ident-5xx"
alarm_description = "too many 5xx"
namespace = "AWS/ApplicationELB"
metric_name = "HTTPCode_Target_5XX_Count"
statistic = "Sum"
period = 60
evaluation_periods = 5
datapoints_to_alarm = 3
threshold = 10.0
comparison_operator = "GreaterThanThreshold"
alarm_actions = ["${topic.arn}"]
ok_actions = ["${topic.arn}"]
"##;

fn step(p: &Project, edits: &[(&str, &str)], expect: &[&str], summary: &str) {
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
    p.ok(&["apply", "--yes"]);
    p.assert_no_changes();
}

#[tokio::test(flavor = "multi_thread")]
async fn identity_keys_and_notifications_on_moto() {
    use strata_aws::sdk::{cloudwatch, ec2, iam, kms, sns};
    let _moto = moto();
    let p = Project::new(STACK);
    let out = p.ok(&["apply", "--yes"]);
    assert!(out.contains("11 added"), "{out}");
    p.assert_no_changes();

    // Read back through the SDK.
    let cfg = crate::support::sdk().await;
    let lt = ec2::Client::new(&cfg)
        .describe_launch_template_versions()
        .launch_template_name("ident-lt")
        .versions("$Latest")
        .send()
        .await
        .unwrap();
    let data = lt.launch_template_versions()[0]
        .launch_template_data()
        .unwrap();
    assert_eq!(
        data.iam_instance_profile().and_then(|p| p.name()),
        Some("ident-app")
    );
    let key_arn = data.block_device_mappings()[0]
        .ebs()
        .and_then(|e| e.kms_key_id())
        .unwrap()
        .to_string();
    assert!(key_arn.starts_with("arn:aws:kms:"), "{key_arn}");
    let alarms = cloudwatch::Client::new(&cfg)
        .describe_alarms()
        .alarm_names("ident-5xx")
        .send()
        .await
        .unwrap();
    let alarm = &alarms.metric_alarms()[0];
    let topic = alarm.alarm_actions()[0].clone();
    assert!(topic.ends_with(":ident-alarms"), "{topic}");
    assert_eq!(alarm.ok_actions(), std::slice::from_ref(&topic));
    assert_eq!(alarm.datapoints_to_alarm(), Some(3));
    let subs = sns::Client::new(&cfg)
        .list_subscriptions_by_topic()
        .topic_arn(&topic)
        .send()
        .await
        .unwrap();
    assert_eq!(subs.subscriptions()[0].endpoint(), Some("ops@example.com"));
    let profile = iam::Client::new(&cfg)
        .get_instance_profile()
        .instance_profile_name("ident-app")
        .send()
        .await
        .unwrap();
    assert_eq!(
        profile.instance_profile().unwrap().roles()[0].role_name(),
        "ident-app"
    );

    // The same policies in another form are no change.
    step(
        &p,
        &[(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'''
tags"#,
            r#"{
  "Statement": {"Action": ["sts:AssumeRole"], "Principal": {"Service": ["ec2.amazonaws.com"]}, "Effect": "Allow"},
  "Version": "2012-10-17"
}'''
tags"#,
        )],
        &["No changes"],
        "No changes",
    );

    // A customer managed policy to attach (moto loads AWS's managed
    // policies only when MOTO_IAM_LOAD_MANAGED_POLICIES is set).
    let managed = iam::Client::new(&cfg)
        .create_policy()
        .policy_name("ident-read")
        .policy_document(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::ident/*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let managed = managed.policy().and_then(|p| p.arn()).unwrap().to_string();

    // In place, one or more changes per kind.
    let attach = format!(
        "description = \"two\"\nmax_session_duration = 7200\nmanaged_policy_arns = [\"{managed}\"]\nassume"
    );
    step(
        &p,
        &[
            ("description = \"one\"\nassume", attach.as_str()),
            (
                "\"Action\": \"cloudwatch:PutMetricData\"",
                "\"Action\": [\"cloudwatch:PutMetricData\", \"logs:PutLogEvents\"]",
            ),
            (
                "role = \"${role.name}\"\n\n[resource.key]",
                "role = \"${role2.name}\"\n\n[resource.key]",
            ),
            (
                "description = \"one\"\ndeletion",
                "description = \"uno\"\nenable_key_rotation = true\ndeletion",
            ),
            (
                "target_key_id = \"${key.key_id}\"",
                "target_key_id = \"${key2.key_id}\"",
            ),
            (
                "name = \"ident-alarms\"",
                "name = \"ident-alarms\"\ntags = { Team = \"ops\" }",
            ),
            (
                "endpoint = \"ops@example.com\"",
                "endpoint = \"ops@example.com\"\nfilter_policy = '''{\"severity\": [\"high\"]}'''",
            ),
            ("datapoints_to_alarm = 3", "datapoints_to_alarm = 2"),
        ],
        &[
            "role will be updated in place",
            "policy will be updated in place",
            "profile will be updated in place",
            "key will be updated in place",
            "alias will be updated in place",
            "topic will be updated in place",
            "mail will be updated in place",
            "alarm will be updated in place",
        ],
        "0 to add, 8 to change, 0 to destroy",
    );

    // Replacements: a role's path, an alias's name, a profile's name.
    step(
        &p,
        &[
            (
                "name = \"ident-other\"",
                "name = \"ident-other\"\npath = \"/app/\"",
            ),
            ("name = \"alias/ident\"", "name = \"alias/ident2\""),
            ("name = \"ident-app\"\nrole", "name = \"ident-app2\"\nrole"),
        ],
        &[
            "role2 must be replaced",
            "alias must be replaced",
            "profile must be replaced",
        ],
        "3 to add",
    );

    // Forgotten, then imported back: found as it is.
    let state: serde_json::Value = serde_json::from_str(&p.ok(&["state", "pull"])).unwrap();
    for addr in ["role", "policy", "key", "topic", "mail"] {
        let id = state["resources"][addr]["id"].as_str().unwrap().to_string();
        p.ok(&["state", "rm", addr]);
        p.ok(&["import", addr, &id]);
    }
    p.assert_no_changes();

    // Delete: dropping the subscription and the alias deletes them.
    p.edit(|m| {
        let start = m.find("[resource.mail]").unwrap();
        let end = m.find("[resource.alarm]").unwrap();
        format!("{}{}", &m[..start], &m[end..])
    });
    let plan = p.ok(&["plan"]);
    assert!(
        plan.contains("0 to add, 0 to change, 1 to destroy"),
        "{plan}"
    );
    p.ok(&["apply", "--yes"]);
    p.assert_no_changes();

    p.ok(&["destroy", "--yes"]);
    let keys = kms::Client::new(&cfg).list_aliases().send().await.unwrap();
    assert!(
        !keys
            .aliases()
            .iter()
            .any(|a| a.alias_name().is_some_and(|n| n.starts_with("alias/ident"))),
        "an alias is left"
    );
    let roles = iam::Client::new(&cfg).list_roles().send().await.unwrap();
    assert!(
        !roles
            .roles()
            .iter()
            .any(|r| r.role_name().starts_with("ident-")),
        "a role is left"
    );
}
