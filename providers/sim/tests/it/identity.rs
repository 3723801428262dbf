//! IAM, KMS and SNS on the sim: what AWS refuses, what a delete takes with
//! it, and email subscriptions that wait for their owner.

use strata_core::kinds;
use strata_core::provider::Operation;
use strata_core::value::Value;

use crate::{attrs, code, create, delete, read, ready, sim, wait};

const TRUST: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}"#;

#[tokio::test]
async fn an_email_subscription_stays_pending_until_confirmed_and_can_be_deleted() {
    let (sim, clock) = sim();
    let topic = ready(
        &sim,
        &clock,
        "topic",
        kinds::SNS_TOPIC,
        attrs(&[("name", "alarms".into())]),
    )
    .await;
    let sub = ready(
        &sim,
        &clock,
        "mail",
        kinds::SNS_TOPIC_SUBSCRIPTION,
        attrs(&[
            ("topic_arn", topic.as_str().into()),
            ("protocol", "email".into()),
            ("endpoint", "ops@example.com".into()),
        ]),
    )
    .await;
    assert!(sub.starts_with(&format!("{topic}:")), "{sub}");
    let live = read(&sim, kinds::SNS_TOPIC_SUBSCRIPTION, &sub)
        .await
        .unwrap();
    assert_eq!(live["pending_confirmation"], Value::Bool(true));
    sim.confirm_subscription(&sub).unwrap();
    let live = read(&sim, kinds::SNS_TOPIC_SUBSCRIPTION, &sub)
        .await
        .unwrap();
    assert_eq!(live["pending_confirmation"], Value::Bool(false));
    // A pending one is deleted too.
    let other = ready(
        &sim,
        &clock,
        "mail2",
        kinds::SNS_TOPIC_SUBSCRIPTION,
        attrs(&[
            ("topic_arn", topic.as_str().into()),
            ("protocol", "email".into()),
            ("endpoint", "oncall@example.com".into()),
        ]),
    )
    .await;
    delete(&sim, kinds::SNS_TOPIC_SUBSCRIPTION, &other)
        .await
        .unwrap();
    wait(
        &sim,
        &clock,
        kinds::SNS_TOPIC_SUBSCRIPTION,
        &other,
        Operation::Delete,
    )
    .await;
    assert!(read(&sim, kinds::SNS_TOPIC_SUBSCRIPTION, &other)
        .await
        .is_none());
    // A topic's delete takes its subscriptions with it.
    delete(&sim, kinds::SNS_TOPIC, &topic).await.unwrap();
    wait(&sim, &clock, kinds::SNS_TOPIC, &topic, Operation::Delete).await;
    assert!(read(&sim, kinds::SNS_TOPIC_SUBSCRIPTION, &sub)
        .await
        .is_none());
    // Subscribing to a topic that does not exist is refused.
    let missing = create(
        &sim,
        "mail3",
        kinds::SNS_TOPIC_SUBSCRIPTION,
        attrs(&[
            ("topic_arn", topic.as_str().into()),
            ("protocol", "email".into()),
            ("endpoint", "ops@example.com".into()),
        ]),
    )
    .await;
    assert_eq!(code(missing), "NotFound");
}

#[tokio::test]
async fn deleting_a_role_takes_its_policies_and_profiles_with_it() {
    let (sim, clock) = sim();
    let role = ready(
        &sim,
        &clock,
        "role",
        kinds::IAM_ROLE,
        attrs(&[("name", "app".into()), ("assume_role_policy", TRUST.into())]),
    )
    .await;
    let arn = read(&sim, kinds::IAM_ROLE, &role).await.unwrap()["arn"].clone();
    assert_eq!(
        arn,
        Value::from("arn:aws:iam::123456789012:role/app"),
        "IAM ARNs carry no region"
    );
    let policy = ready(
        &sim,
        &clock,
        "policy",
        kinds::IAM_ROLE_POLICY,
        attrs(&[
            ("role", "app".into()),
            ("name", "metrics".into()),
            ("policy", TRUST.into()),
        ]),
    )
    .await;
    assert_eq!(policy, "app:metrics");
    let profile = ready(
        &sim,
        &clock,
        "profile",
        kinds::INSTANCE_PROFILE,
        attrs(&[("name", "app".into()), ("role", "app".into())]),
    )
    .await;
    let taken = create(
        &sim,
        "again",
        kinds::IAM_ROLE,
        attrs(&[("name", "app".into()), ("assume_role_policy", TRUST.into())]),
    )
    .await;
    assert_eq!(code(taken), "EntityAlreadyExists");
    delete(&sim, kinds::IAM_ROLE, &role).await.unwrap();
    wait(&sim, &clock, kinds::IAM_ROLE, &role, Operation::Delete).await;
    assert!(read(&sim, kinds::IAM_ROLE_POLICY, &policy).await.is_none());
    let left = read(&sim, kinds::INSTANCE_PROFILE, &profile).await.unwrap();
    assert!(!left.contains_key("role"), "{left:?}");
}

#[tokio::test]
async fn an_alias_names_a_key_that_exists_and_reports_its_key_id() {
    let (sim, clock) = sim();
    let key = ready(&sim, &clock, "key", kinds::KMS_KEY, attrs(&[])).await;
    let arn = read(&sim, kinds::KMS_KEY, &key).await.unwrap()["arn"].clone();
    let alias = ready(
        &sim,
        &clock,
        "alias",
        kinds::KMS_ALIAS,
        attrs(&[("name", "alias/shop".into()), ("target_key_id", arn)]),
    )
    .await;
    let live = read(&sim, kinds::KMS_ALIAS, &alias).await.unwrap();
    assert_eq!(live["target_key_id"], Value::from(key.as_str()));
    let dangling = create(
        &sim,
        "alias2",
        kinds::KMS_ALIAS,
        attrs(&[
            ("name", "alias/other".into()),
            ("target_key_id", "nope".into()),
        ]),
    )
    .await;
    assert_eq!(code(dangling), "NotFoundException");
    // A deleted key is pending deletion: no longer read.
    delete(&sim, kinds::KMS_KEY, &key).await.unwrap();
    wait(&sim, &clock, kinds::KMS_KEY, &key, Operation::Delete).await;
    assert!(read(&sim, kinds::KMS_KEY, &key).await.is_none());
}
