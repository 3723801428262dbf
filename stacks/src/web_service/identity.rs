//! The web service's identity and keys: the instances' role (EC2 may
//! assume it), a least-privilege inline policy — the app's own custom
//! metrics and its own log group, nothing with `*` actions —, the instance
//! profile the launch templates run with, and the stack's KMS key (with an
//! alias) for the instances' root volumes and the database.
//!
//! The database takes the key only where it is created with it: a stack
//! whose database existed before the key keeps the AWS managed key, since
//! moving a DB instance to another key replaces it (see
//! [`WebService::db_use_stack_key`](super::WebService::db_use_stack_key)).

use std::collections::BTreeMap;

use serde_json::json;
use strata_core::kinds::typed::{
    BlockDevice, IamRole, IamRolePolicy, Input, InstanceProfile, KmsAlias, KmsKey, Scope,
};

use super::release::Release;
use super::WebService;

/// What the rest of the stack takes from its identity and keys.
pub(super) struct Identity {
    /// The instance profile's name (the launch templates' `iam_instance_profile`).
    pub profile: Input<String>,
    /// The stack's KMS key ARN.
    pub key: Input<String>,
}

/// The log group the app writes to: `/NAME/app`.
pub fn log_group(web: &WebService) -> String {
    format!("/{}/app", web.name)
}

/// The app's permissions: its own metrics namespace (PutMetricData takes
/// no resource, so a condition narrows it) and its own log group.
pub fn app_policy(web: &WebService, region: &str) -> String {
    let group = format!("arn:aws:logs:{region}:*:log-group:{}", log_group(web));
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OwnMetrics",
                "Effect": "Allow",
                "Action": "cloudwatch:PutMetricData",
                "Resource": "*",
                "Condition": {"StringEquals": {"cloudwatch:namespace": web.name}},
            },
            {
                "Sid": "OwnLogGroup",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:DescribeLogStreams"],
                "Resource": group,
            },
            {
                "Sid": "OwnLogStreams",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": format!("{group}:log-stream:*"),
            },
        ],
    })
    .to_string()
}

/// Who may assume the instances' role: EC2.
fn ec2_trust() -> String {
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

/// Declares the role, its policy, the instance profile, the key and its alias.
pub(super) fn declare(
    web: &WebService,
    s: &mut Scope<'_>,
    region: &str,
    tags: &BTreeMap<String, String>,
) -> Identity {
    let n = &web.name;
    let role = s.add(
        "app_role",
        IamRole {
            name: format!("{n}-app"),
            assume_role_policy: ec2_trust(),
            description: Some(format!("{n} application instances")),
            tags: tags.clone(),
            ..Default::default()
        },
    );
    s.add(
        "app_policy",
        IamRolePolicy {
            role: role.name(),
            name: format!("{n}-app"),
            policy: app_policy(web, region),
        },
    );
    let profile = s.add(
        "app_profile",
        InstanceProfile {
            name: format!("{n}-app"),
            role: Some(role.name()),
            tags: tags.clone(),
            ..Default::default()
        },
    );
    let key = s.add(
        "kms_key",
        KmsKey {
            description: Some(format!("{n}: instance volumes and the database")),
            enable_key_rotation: Some(true),
            deletion_window_in_days: Some(30),
            tags: tags.clone(),
            ..Default::default()
        },
    );
    s.add(
        "kms_alias",
        KmsAlias {
            name: format!("alias/{n}"),
            target_key_id: key.key_id(),
        },
    );
    Identity {
        profile: profile.name(),
        key: key.arn(),
    }
}

/// A root volume encrypted with the stack's key.
pub(super) fn root_volume(web: &WebService, key: &Input<String>) -> BlockDevice {
    let mut device = BlockDevice::encrypted_gp3(web.root_device_name.clone(), web.root_volume_gb);
    if let Some(ebs) = device.ebs.as_mut() {
        ebs.kms_key_id = Some(key.clone());
    }
    device
}

/// Whether the primary database is encrypted with the stack's key: as the
/// parameter says, else if the release record says the database was made
/// with it (every stack created since the key exists).
pub(super) fn db_uses_stack_key(web: &WebService, release: &Release) -> bool {
    web.db_use_stack_key.unwrap_or(release.db_stack_key)
}

/// Whether Redis is encrypted at rest with the stack's key, by the same
/// rule as the database (its own parameter and release-record field).
pub(super) fn cache_uses_stack_key(web: &WebService, release: &Release) -> bool {
    web.cache_use_stack_key.unwrap_or(release.cache_stack_key)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use strata_core::config::Config;
    use strata_core::kinds::typed::Stack;
    use strata_core::value::Value;

    use super::super::{Release, WebService};

    fn declared(web: &WebService, release: &Release) -> Config {
        let mut stack = Stack::new("shop");
        web.declare(&mut stack, "web", release);
        stack.into_config()
    }

    fn attr<'c>(c: &'c Config, address: &str, name: &str) -> Option<&'c Value> {
        c.resources
            .iter()
            .find(|(a, _)| a.as_str() == address)
            .unwrap_or_else(|| panic!("no {address}"))
            .1
            .attrs
            .get(name)
    }

    /// A release record written before the stack had a KMS key.
    fn old_record(web: &WebService) -> Release {
        let mut v = serde_json::to_value(Release::initial(web)).unwrap();
        v.as_object_mut().unwrap().remove("db_stack_key");
        v.as_object_mut().unwrap().remove("cache_stack_key");
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_new_database_takes_the_stack_key_and_an_existing_one_keeps_its_own() {
        let web = WebService::new("shop", "ami-0123456789abcdef0");
        let new = declared(&web, &Release::initial(&web));
        assert_eq!(
            attr(&new, "web.db", "kms_key_id").map(ToString::to_string),
            Some("${web.kms_key.arn}".to_string())
        );
        // Upgrading a stack whose database predates the key: no replacement.
        let upgraded = declared(&web, &old_record(&web));
        assert_eq!(attr(&upgraded, "web.db", "kms_key_id"), None);
        // Unless asked (apply then refuses it without --allow-replace).
        let asked = WebService {
            db_use_stack_key: Some(true),
            ..web.clone()
        };
        assert!(attr(&declared(&asked, &old_record(&web)), "web.db", "kms_key_id").is_some());
        let kept = WebService {
            db_use_stack_key: Some(false),
            ..web.clone()
        };
        assert_eq!(
            attr(
                &declared(&kept, &Release::initial(&web)),
                "web.db",
                "kms_key_id"
            ),
            None
        );
        // Redis follows the same rule.
        assert_eq!(
            attr(&new, "web.redis", "kms_key_id").map(ToString::to_string),
            Some("${web.kms_key.arn}".to_string())
        );
        assert_eq!(attr(&upgraded, "web.redis", "kms_key_id"), None);
        let asked = WebService {
            cache_use_stack_key: Some(true),
            ..web.clone()
        };
        assert!(attr(
            &declared(&asked, &old_record(&web)),
            "web.redis",
            "kms_key_id"
        )
        .is_some());
        // The root volumes use the key either way.
        let lt = attr(&upgraded, "web.lt_blue", "block_device_mappings").unwrap();
        assert!(lt.to_string().contains("web.kms_key.arn"), "{lt}");
    }

    #[test]
    fn instances_run_with_a_profile_whose_policy_grants_no_wildcard_action() {
        let web = WebService::new("shop", "ami-0123456789abcdef0");
        let c = declared(&web, &Release::initial(&web));
        for color in ["blue", "green"] {
            assert_eq!(
                attr(&c, &format!("web.lt_{color}"), "iam_instance_profile")
                    .map(ToString::to_string),
                Some("${web.app_profile.name}".to_string())
            );
        }
        let policy = attr(&c, "web.app_policy", "policy").unwrap();
        let doc: serde_json::Value = serde_json::from_str(policy.as_str().unwrap()).unwrap();
        for statement in doc["Statement"].as_array().unwrap() {
            let actions = match &statement["Action"] {
                serde_json::Value::String(a) => vec![a.clone()],
                other => other
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect(),
            };
            for a in actions {
                assert!(!a.contains('*'), "a wildcard action: {a}");
            }
            if statement["Resource"] == "*" {
                assert!(statement["Condition"].is_object(), "{statement}");
            }
        }
    }

    #[test]
    fn every_alarm_notifies_the_topic_and_an_email_subscribes() {
        let web = WebService {
            alarm_email: Some("ops@example.com".into()),
            ..WebService::new("shop", "ami-0123456789abcdef0")
        };
        let c = declared(&web, &Release::initial(&web));
        let alarms: Vec<_> = c
            .resources
            .iter()
            .filter(|(_, r)| r.kind == strata_core::kinds::METRIC_ALARM)
            .collect();
        assert_eq!(alarms.len(), 4);
        for (address, a) in alarms {
            for key in ["alarm_actions", "ok_actions"] {
                assert_eq!(
                    a.attrs.get(key).map(ToString::to_string).as_deref(),
                    Some("[${web.alarm_topic.arn}]"),
                    "{address} {key}"
                );
            }
        }
        assert_eq!(
            attr(&c, "web.alarm_email", "endpoint"),
            Some(&Value::from("ops@example.com"))
        );
    }
}
