//! Typed specs of the identity, key and notification kinds: IAM roles,
//! inline role policies and instance profiles, KMS keys and aliases, SNS
//! topics and subscriptions.

use std::collections::BTreeMap;

use super::{AttrsBuilder, Handle, Input, ResourceSpec, RoleName, TopicArn};
use crate::kinds;
use crate::value::Attrs;

/// `aws.iam.role`. Policy documents are JSON text (e.g.
/// `serde_json::json!({...}).to_string()`), compared as documents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IamRole {
    /// Role name (unique in the account: IAM is global).
    pub name: String,
    /// Path (`None`: `/`).
    pub path: Option<String>,
    /// The trust policy: who may assume the role.
    pub assume_role_policy: String,
    /// Description.
    pub description: Option<String>,
    /// Longest session in seconds (3600-43200).
    pub max_session_duration: Option<i64>,
    /// Managed policies attached (exactly these).
    pub managed_policy_arns: Vec<Input<String>>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for IamRole {
    const KIND: &'static str = kinds::IAM_ROLE;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("name", self.name)
            .opt("path", self.path)
            .set("assume_role_policy", self.assume_role_policy)
            .opt("description", self.description)
            .opt("max_session_duration", self.max_session_duration)
            .list("managed_policy_arns", self.managed_policy_arns)
            .tags(self.tags)
            .build()
    }
}

impl Handle<IamRole> {
    /// The role's name (what policies and instance profiles take).
    pub fn name(&self) -> Input<RoleName> {
        self.attr("name")
    }
    /// The role's ARN.
    pub fn arn(&self) -> Input<String> {
        self.attr("arn")
    }
}

/// `aws.iam.role_policy`: an inline policy of a role.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IamRolePolicy {
    /// The role.
    pub role: Input<RoleName>,
    /// Policy name (unique in its role).
    pub name: String,
    /// The policy document (JSON text).
    pub policy: String,
}

impl ResourceSpec for IamRolePolicy {
    const KIND: &'static str = kinds::IAM_ROLE_POLICY;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("role", self.role)
            .set("name", self.name)
            .set("policy", self.policy)
            .build()
    }
}

/// `aws.iam.instance_profile`: the role EC2 instances run with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InstanceProfile {
    /// Profile name (unique in the account).
    pub name: String,
    /// Path (`None`: `/`).
    pub path: Option<String>,
    /// The role.
    pub role: Option<Input<RoleName>>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for InstanceProfile {
    const KIND: &'static str = kinds::INSTANCE_PROFILE;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("name", self.name)
            .opt("path", self.path)
            .opt("role", self.role)
            .tags(self.tags)
            .build()
    }
}

impl Handle<InstanceProfile> {
    /// The profile's name (what a launch template's `iam_instance_profile` takes).
    pub fn name(&self) -> Input<String> {
        self.attr("name")
    }
    /// The profile's ARN.
    pub fn arn(&self) -> Input<String> {
        self.attr("arn")
    }
}

/// `aws.kms.key`: a customer managed key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KmsKey {
    /// Description.
    pub description: Option<String>,
    /// `ENCRYPT_DECRYPT` (`None`) or another usage.
    pub key_usage: Option<String>,
    /// Rotate the key material yearly.
    pub enable_key_rotation: Option<bool>,
    /// Days (7-30) KMS waits after a delete before destroying the key.
    pub deletion_window_in_days: Option<i64>,
    /// The key policy (`None`: KMS's default policy).
    pub policy: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for KmsKey {
    const KIND: &'static str = kinds::KMS_KEY;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .opt("description", self.description)
            .opt("key_usage", self.key_usage)
            .opt("enable_key_rotation", self.enable_key_rotation)
            .opt("deletion_window_in_days", self.deletion_window_in_days)
            .opt("policy", self.policy)
            .tags(self.tags)
            .build()
    }
}

impl Handle<KmsKey> {
    /// The key's ARN (what RDS, EBS and SNS take as `kms_key_id`).
    pub fn arn(&self) -> Input<String> {
        self.attr("arn")
    }
    /// The key id (a UUID).
    pub fn key_id(&self) -> Input<String> {
        self.attr("key_id")
    }
}

/// `aws.kms.alias`: `alias/NAME` for a key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KmsAlias {
    /// `alias/...`.
    pub name: String,
    /// The key (id or ARN).
    pub target_key_id: Input<String>,
}

impl ResourceSpec for KmsAlias {
    const KIND: &'static str = kinds::KMS_ALIAS;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("name", self.name)
            .set("target_key_id", self.target_key_id)
            .build()
    }
}

/// `aws.sns.topic`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SnsTopic {
    /// Topic name.
    pub name: String,
    /// KMS key encrypting messages at rest.
    pub kms_master_key_id: Option<Input<String>>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

impl ResourceSpec for SnsTopic {
    const KIND: &'static str = kinds::SNS_TOPIC;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("name", self.name)
            .opt("kms_master_key_id", self.kms_master_key_id)
            .tags(self.tags)
            .build()
    }
}

impl Handle<SnsTopic> {
    /// The topic's ARN (what alarm actions and subscriptions take).
    pub fn arn(&self) -> Input<TopicArn> {
        self.attr("arn")
    }
}

/// `aws.sns.topic_subscription`. An email subscription stays pending until
/// its owner confirms it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SnsTopicSubscription {
    /// The topic.
    pub topic_arn: Input<TopicArn>,
    /// `email`, `https`, `sqs`, ...
    pub protocol: String,
    /// The address, URL or ARN messages go to.
    pub endpoint: String,
    /// Which messages the subscriber gets (JSON text).
    pub filter_policy: Option<String>,
}

impl ResourceSpec for SnsTopicSubscription {
    const KIND: &'static str = kinds::SNS_TOPIC_SUBSCRIPTION;
    fn into_attrs(self) -> Attrs {
        AttrsBuilder::new()
            .set("topic_arn", self.topic_arn)
            .set("protocol", self.protocol)
            .set("endpoint", self.endpoint)
            .opt("filter_policy", self.filter_policy)
            .build()
    }
}

impl Handle<SnsTopicSubscription> {
    /// Whether the subscription still waits for confirmation.
    pub fn pending_confirmation(&self) -> Input<bool> {
        self.attr("pending_confirmation")
    }
}
