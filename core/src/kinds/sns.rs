//! SNS kinds: topics and their subscriptions.
//!
//! An email subscription waits for its owner to confirm it: until then it
//! is `pending_confirmation` (a status, never a change to plan).

use std::time::Duration;

use super::ec2::TAGS;
use crate::schema::{Api, AttrSchema as A, AttrType as T, Compare, KindSchema};

pub(super) static TOPIC: KindSchema = KindSchema {
    kind: super::SNS_TOPIC,
    doc: "An SNS topic (its id is its ARN), e.g. where alarms send notifications.",
    attrs: &[
        A::required(
            "name",
            T::String,
            "Topic name (letters, digits, `-` and `_`).",
        )
        .force_new("SNS cannot rename a topic: its ARN holds its name."),
        A::optional(
            "kms_master_key_id",
            T::String,
            "KMS key encrypting messages at rest (key id, ARN or alias); changed in place.",
        )
        .compare(Compare::KmsKey)
        .strata(
            "the topic attribute KmsMasterKeyId: CreateTopic's and SetTopicAttributes' \
             Attributes, read by GetTopicAttributes",
        ),
        TAGS,
        A::computed("arn", T::String, "ARN (the topic's id).")
            .strata("the topic's id: CreateTopic returns it, GetTopicAttributes reads by it"),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(60),
    concurrency: 10,
    stateful: false,
    api: Api {
        service: "sns",
        create: &["CreateTopic"],
        update: &["SetTopicAttributes"],
        read: &["GetTopicAttributes", "ListTagsForResource"],
        delete: &["DeleteTopic"],
    },
};

pub(super) static TOPIC_SUBSCRIPTION: KindSchema = KindSchema {
    kind: super::SNS_TOPIC_SUBSCRIPTION,
    doc: "A subscription to an SNS topic (its id is its ARN). An email subscription stays \
          pending until confirmed from the email.",
    attrs: &[
        A::required("topic_arn", T::String, "The topic.")
            .force_new("SNS cannot move a subscription to another topic: Subscribe again."),
        A::required(
            "protocol",
            T::String,
            "email, email-json, sqs, lambda, http, https, sms, application or firehose.",
        )
        .force_new("SNS cannot change a subscription's protocol: Subscribe again."),
        A::required(
            "endpoint",
            T::String,
            "Where messages go: an address, a queue or function ARN, a URL.",
        )
        .force_new("SNS cannot change a subscription's endpoint: Subscribe again."),
        A::optional(
            "filter_policy",
            T::String,
            "Which messages the subscriber gets (a JSON document); changed in place.",
        )
        .compare(Compare::Policy)
        .strata(
            "the subscription attribute FilterPolicy: Subscribe's and \
             SetSubscriptionAttributes' Attributes, read by GetSubscriptionAttributes",
        ),
        A::computed("arn", T::String, "ARN (the subscription's id).").member("SubscriptionArn"),
        A::computed(
            "pending_confirmation",
            T::Bool,
            "Waiting for the endpoint's owner to confirm (email): a status, not a change.",
        )
        .strata("the subscription attribute PendingConfirmation, read by GetSubscriptionAttributes")
        .status(),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(60),
    concurrency: 10,
    stateful: false,
    api: Api {
        service: "sns",
        create: &["Subscribe"],
        update: &["SetSubscriptionAttributes"],
        read: &["GetSubscriptionAttributes", "ListSubscriptionsByTopic"],
        delete: &["Unsubscribe"],
    },
};
