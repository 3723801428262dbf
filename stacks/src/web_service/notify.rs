//! The web service's notifications: an SNS topic every alarm notifies on
//! ALARM and on OK, and an email subscription when `alarm_email` is set.
//!
//! The topic is not encrypted with the stack's key: CloudWatch publishes to
//! an encrypted topic only if the key's policy lets
//! `cloudwatch.amazonaws.com` use it, and a topic it cannot publish to
//! fails silently. An email subscription stays pending until someone
//! clicks the link SNS sends; that is not a change Strata plans.

use std::collections::BTreeMap;

use strata_core::kinds::typed::{Input, Scope, SnsTopic, SnsTopicSubscription};

use super::WebService;

/// Declares the topic (and the subscription); returns the topic's ARN.
pub(super) fn declare(
    web: &WebService,
    s: &mut Scope<'_>,
    tags: &BTreeMap<String, String>,
) -> Input<String> {
    let topic = s.add(
        "alarm_topic",
        SnsTopic {
            name: format!("{}-alarms", web.name),
            tags: tags.clone(),
            ..Default::default()
        },
    );
    if let Some(email) = &web.alarm_email {
        s.add(
            "alarm_email",
            SnsTopicSubscription {
                topic_arn: topic.arn(),
                protocol: "email".into(),
                endpoint: email.clone(),
                filter_policy: None,
            },
        );
    }
    topic.arn().as_string()
}
