//! The quickstart example on moto: plan → apply → empty plan → out-of-band
//! changes through the SDK → the plan shows drift → apply fixes it →
//! destroy leaves nothing tagged with the stack.

use strata_aws::sdk::{ec2, elbv2};

use crate::support::{moto, quickstart_on_aws, sdk, strata_tagged, Project};

/// The cloud id of `address` in the project's local state.
pub fn id_of(p: &Project, address: &str) -> String {
    let text = p.ok(&["state", "pull"]);
    let state: serde_json::Value = serde_json::from_str(&text).unwrap();
    state["resources"][address]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{address} is not in the state"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn quickstart_applies_detects_drift_fixes_it_and_destroys() {
    let _moto = moto();
    let p = Project::new(&quickstart_on_aws());

    let plan = p.ok(&["plan"]);
    assert!(
        plan.contains("Plan: 23 to add, 0 to change, 0 to destroy"),
        "{plan}"
    );
    let applied = p.ok(&["apply", "--yes"]);
    assert!(applied.contains("23 added"), "{applied}");
    p.assert_no_changes();

    // Every resource is in moto with its declared attributes and tags.
    let cfg = sdk().await;
    let e = ec2::Client::new(&cfg);
    let web_a = id_of(&p, "web_a");
    let inst = e
        .describe_instances()
        .instance_ids(&web_a)
        .send()
        .await
        .unwrap();
    let i = &inst.reservations()[0].instances()[0];
    assert_eq!(i.instance_type().unwrap().as_str(), "t3.small");
    let tags: Vec<(String, String)> = i
        .tags()
        .iter()
        .map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string()))
        .collect();
    assert!(
        tags.contains(&("strata:stack".into(), "quickstart".into())),
        "{tags:?}"
    );
    assert!(
        tags.contains(&("strata:address".into(), "web_a".into())),
        "{tags:?}"
    );
    assert!(tags.contains(&("Role".into(), "web".into())), "{tags:?}");

    // Out-of-band: a bigger instance type, and a listener weight changed.
    e.modify_instance_attribute()
        .instance_id(&web_a)
        .instance_type(
            ec2::types::AttributeValue::builder()
                .value("t3.large")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let lb = elbv2::Client::new(&cfg);
    let listener = id_of(&p, "http");
    let tg = id_of(&p, "web_tg");
    lb.modify_listener()
        .listener_arn(&listener)
        .default_actions(
            elbv2::types::Action::builder()
                .r#type(elbv2::types::ActionTypeEnum::Forward)
                .forward_config(
                    elbv2::types::ForwardActionConfig::builder()
                        .target_groups(
                            elbv2::types::TargetGroupTuple::builder()
                                .target_group_arn(&tg)
                                .weight(7)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();

    let drift = p.ok(&["plan"]);
    assert!(drift.contains("drift"), "{drift}");
    assert!(drift.contains("t3.large"), "{drift}");
    assert!(drift.contains("weight = 7"), "{drift}");
    assert!(
        drift.contains("Plan: 0 to add, 2 to change, 0 to destroy"),
        "{drift}"
    );
    p.ok(&["apply", "--yes"]);
    p.assert_no_changes();
    let inst = e
        .describe_instances()
        .instance_ids(&web_a)
        .send()
        .await
        .unwrap();
    assert_eq!(
        inst.reservations()[0].instances()[0]
            .instance_type()
            .unwrap()
            .as_str(),
        "t3.small"
    );
    let l = lb
        .describe_listeners()
        .listener_arns(&listener)
        .send()
        .await
        .unwrap();
    let weight = l.listeners()[0].default_actions()[0]
        .forward_config()
        .unwrap()
        .target_groups()[0]
        .weight();
    assert_eq!(weight, Some(100));

    // moto 5.2.5 does not implement DeleteCacheSubnetGroup (HTTP 500): stop
    // managing the group so destroy can finish; it is the one leftover allowed.
    p.ok(&["state", "rm", "cache_subnets"]);
    let destroyed = p.ok(&["destroy", "--yes"]);
    assert!(destroyed.contains("22 destroyed"), "{destroyed}");
    let left = strata_tagged("quickstart").await;
    assert!(left.is_empty(), "left behind: {left:?}");
}
