//! The AWS resource kinds Strata manages, shared by every provider: their
//! schemas ([`schema_of`]), value checks ([`check_attr`]) and typed Rust specs
//! ([`typed`]).

mod acm;
mod alarm_check;
mod autoscaling;
mod cloudwatch;
pub mod data;
mod data_checks;
mod dns_check;
mod ec2;
mod egress;
mod egress_check;
mod elasticache;
mod elbv2;
mod family;
mod iam;
mod identity_check;
mod kms;
mod listener_check;
pub mod metric_math;
mod parameter_groups;
pub mod policy;
mod rds;
mod rds_password;
mod reference;
mod route53;
mod sns;
pub mod typed;
mod validate;

use crate::schema::KindSchema;

pub use family::Family;
pub use reference::{attribute_table, replacement_reference};
pub use route53::{fqdn, record_id, split_record_id};
pub(crate) use validate::check_type;
pub use validate::{check_attr, check_az, check_cidr, check_resource, AttrProblem, AZ_LETTERS};

/// `aws.ec2.vpc`
pub const VPC: &str = "aws.ec2.vpc";
/// `aws.ec2.subnet`
pub const SUBNET: &str = "aws.ec2.subnet";
/// `aws.ec2.internet_gateway`
pub const INTERNET_GATEWAY: &str = "aws.ec2.internet_gateway";
/// `aws.ec2.route_table`
pub const ROUTE_TABLE: &str = "aws.ec2.route_table";
/// `aws.ec2.eip`
pub const EIP: &str = "aws.ec2.eip";
/// `aws.ec2.nat_gateway`
pub const NAT_GATEWAY: &str = "aws.ec2.nat_gateway";
/// `aws.ec2.security_group`
pub const SECURITY_GROUP: &str = "aws.ec2.security_group";
/// `aws.ec2.launch_template`
pub const LAUNCH_TEMPLATE: &str = "aws.ec2.launch_template";
/// `aws.ec2.instance`
pub const INSTANCE: &str = "aws.ec2.instance";
/// `aws.elbv2.load_balancer`
pub const LOAD_BALANCER: &str = "aws.elbv2.load_balancer";
/// `aws.elbv2.target_group`
pub const TARGET_GROUP: &str = "aws.elbv2.target_group";
/// `aws.elbv2.listener`
pub const LISTENER: &str = "aws.elbv2.listener";
/// `aws.autoscaling.group`
pub const AUTOSCALING_GROUP: &str = "aws.autoscaling.group";
/// `aws.autoscaling.policy`
pub const SCALING_POLICY: &str = "aws.autoscaling.policy";
/// `aws.rds.db_subnet_group`
pub const DB_SUBNET_GROUP: &str = "aws.rds.db_subnet_group";
/// `aws.rds.db_instance`
pub const DB_INSTANCE: &str = "aws.rds.db_instance";
/// `aws.elasticache.subnet_group`
pub const CACHE_SUBNET_GROUP: &str = "aws.elasticache.subnet_group";
/// `aws.elasticache.replication_group`
pub const REPLICATION_GROUP: &str = "aws.elasticache.replication_group";
/// `aws.cloudwatch.metric_alarm`
pub const METRIC_ALARM: &str = "aws.cloudwatch.metric_alarm";
/// `aws.rds.parameter_group`
pub const DB_PARAMETER_GROUP: &str = "aws.rds.parameter_group";
/// `aws.elasticache.parameter_group`
pub const CACHE_PARAMETER_GROUP: &str = "aws.elasticache.parameter_group";
/// `aws.iam.role`
pub const IAM_ROLE: &str = "aws.iam.role";
/// `aws.iam.role_policy`
pub const IAM_ROLE_POLICY: &str = "aws.iam.role_policy";
/// `aws.iam.instance_profile`
pub const INSTANCE_PROFILE: &str = "aws.iam.instance_profile";
/// `aws.kms.key`
pub const KMS_KEY: &str = "aws.kms.key";
/// `aws.kms.alias`
pub const KMS_ALIAS: &str = "aws.kms.alias";
/// `aws.sns.topic`
pub const SNS_TOPIC: &str = "aws.sns.topic";
/// `aws.sns.topic_subscription`
pub const SNS_TOPIC_SUBSCRIPTION: &str = "aws.sns.topic_subscription";
/// `aws.route53.zone`
pub const ROUTE53_ZONE: &str = "aws.route53.zone";
/// `aws.route53.record`
pub const ROUTE53_RECORD: &str = "aws.route53.record";
/// `aws.acm.certificate`
pub const ACM_CERTIFICATE: &str = "aws.acm.certificate";
/// `aws.acm.certificate_validation`
pub const ACM_CERTIFICATE_VALIDATION: &str = "aws.acm.certificate_validation";

/// Every kind, in the order the docs list them.
pub static ALL: &[&KindSchema] = &[
    &ec2::VPC,
    &ec2::SUBNET,
    &ec2::INTERNET_GATEWAY,
    &ec2::ROUTE_TABLE,
    &egress::EIP,
    &egress::NAT_GATEWAY,
    &ec2::SECURITY_GROUP,
    &ec2::LAUNCH_TEMPLATE,
    &ec2::INSTANCE,
    &elbv2::LOAD_BALANCER,
    &elbv2::TARGET_GROUP,
    &elbv2::LISTENER,
    &autoscaling::GROUP,
    &autoscaling::POLICY,
    &rds::DB_SUBNET_GROUP,
    &rds::DB_INSTANCE,
    &elasticache::SUBNET_GROUP,
    &elasticache::REPLICATION_GROUP,
    &cloudwatch::METRIC_ALARM,
    &parameter_groups::DB_PARAMETER_GROUP,
    &parameter_groups::CACHE_PARAMETER_GROUP,
    &iam::ROLE,
    &iam::ROLE_POLICY,
    &iam::INSTANCE_PROFILE,
    &kms::KEY,
    &kms::ALIAS,
    &sns::TOPIC,
    &sns::TOPIC_SUBSCRIPTION,
    &route53::ZONE,
    &route53::RECORD,
    &acm::CERTIFICATE,
    &acm::CERTIFICATE_VALIDATION,
];

/// The schema of a kind, if Strata knows it.
pub fn schema_of(kind: &str) -> Option<&'static KindSchema> {
    ALL.iter().copied().find(|s| s.kind == kind)
}

/// The sensitive attributes of a kind: the only ones a secret may go into
/// ([`check_attr`] refuses one anywhere else), so the only ones the passes
/// that read secrets look at. Few kinds have any: the answer is found
/// among those, without a search of every schema.
pub fn sensitive_attrs(kind: &str) -> &'static [&'static str] {
    static TABLE: std::sync::OnceLock<Vec<(&'static str, Vec<&'static str>)>> =
        std::sync::OnceLock::new();
    TABLE
        .get_or_init(|| {
            ALL.iter()
                .filter_map(|s| {
                    let names: Vec<_> = s
                        .attrs
                        .iter()
                        .filter(|a| a.sensitive)
                        .map(|a| a.name)
                        .collect();
                    (!names.is_empty()).then_some((s.kind, names))
                })
                .collect()
        })
        .iter()
        .find(|(k, _)| *k == kind)
        .map_or(&[], |(_, names)| names.as_slice())
}

/// The closest known kind name to a mistyped one, for "did you mean" help.
pub fn suggest_kind(kind: &str) -> Option<&'static str> {
    ALL.iter()
        .map(|s| s.kind)
        .min_by_key(|k| strsim::levenshtein(k, kind))
        .filter(|k| strsim::levenshtein(k, kind) <= 4)
}

/// The closest attribute name of a kind to a mistyped one.
pub fn suggest_attr(schema: &KindSchema, name: &str) -> Option<&'static str> {
    schema
        .attrs
        .iter()
        .map(|a| a.name)
        .min_by_key(|a| strsim::levenshtein(a, name))
        .filter(|a| strsim::levenshtein(a, name) <= 3)
}

/// The part of a load balancer or target group ARN CloudWatch uses as its
/// dimension: `app/NAME/ID` or `targetgroup/NAME/ID`.
///
/// ```
/// use strata_core::kinds::elb_arn_suffix;
/// let lb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";
/// assert_eq!(elb_arn_suffix(lb), "app/web/50dc6c495c0c9188");
/// let tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/blue/73e2d6bc24d8a067";
/// assert_eq!(elb_arn_suffix(tg), "targetgroup/blue/73e2d6bc24d8a067");
/// ```
pub fn elb_arn_suffix(arn: &str) -> &str {
    match arn.split_once(":loadbalancer/") {
        Some((_, rest)) => rest,
        None => arn.rsplit(':').next().unwrap_or(arn),
    }
}

/// The DB instance identifier in a replica's source: the source itself, or
/// the last part of its ARN (a source in another region is named by ARN).
///
/// ```
/// use strata_core::kinds::db_identifier_of;
/// assert_eq!(db_identifier_of("shop-db"), "shop-db");
/// assert_eq!(db_identifier_of("arn:aws:rds:us-east-1:123456789012:db:shop-db"), "shop-db");
/// ```
pub fn db_identifier_of(source: &str) -> &str {
    match source
        .strip_prefix("arn:")
        .and_then(|s| s.rsplit_once(":db:"))
    {
        Some((_, id)) => id,
        None => source,
    }
}

/// Whether two replica sources name the same DB instance: equal, or one an
/// identifier and the other an ARN ending in it (AWS reports a source in
/// the replica's region by identifier, one in another region by ARN).
pub fn same_replica_source(a: &str, b: &str) -> bool {
    a == b
        || (a.starts_with("arn:") != b.starts_with("arn:")
            && db_identifier_of(a) == db_identifier_of(b))
}

/// Whether a live object of a stateful kind holds data of its own: a DB
/// instance that is a read replica does not (its data is its primary's).
pub fn holds_data(kind: &str, live: &crate::value::Attrs) -> bool {
    let replica = kind == DB_INSTANCE
        && live
            .get("replicate_source_db")
            .is_some_and(|v| *v != crate::value::Value::Null);
    schema_of(kind).is_some_and(|s| s.stateful) && !replica
}

/// The help of a timeout waiting for a resource of `kind` to be ready, when
/// the kind has more to say than "it may finish later".
pub fn timeout_help(kind: &str) -> Option<&'static str> {
    (kind == ACM_CERTIFICATE_VALIDATION).then_some(acm::VALIDATION_TIMEOUT_HELP)
}

/// Computed attributes whose value changes when the resource is updated in
/// place (so references to them are unknown until the update is applied).
pub fn recomputed_on_update(kind: &str) -> &'static [&'static str] {
    match kind {
        LAUNCH_TEMPLATE => &["latest_version"],
        AUTOSCALING_GROUP => &["instance_ids"],
        _ => &[],
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_registered_once_with_tags() {
        let mut names: Vec<_> = ALL.iter().map(|s| s.kind).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        for s in ALL {
            // AWS scaling policies, inline policies, aliases, subscriptions
            // and Route 53 record sets cannot be tagged; a certificate
            // validation is no AWS object.
            let untaggable = [
                SCALING_POLICY,
                IAM_ROLE_POLICY,
                KMS_ALIAS,
                SNS_TOPIC_SUBSCRIPTION,
                ROUTE53_RECORD,
                ACM_CERTIFICATE_VALIDATION,
            ];
            let taggable = !untaggable.contains(&s.kind);
            assert_eq!(s.attr("tags").is_some(), taggable, "{} tags", s.kind);
        }
    }

    #[test]
    fn suggests_close_kind_names() {
        assert_eq!(suggest_kind("aws.ec2.vcp"), Some(VPC));
        assert_eq!(suggest_kind("gcp.compute.instance"), None);
    }
}
