//! [`Family`]: which AWS API family a kind belongs to. Providers keep one
//! module per family and dispatch on [`Family::of`], so a kind is mapped to
//! its service in one place.

use super::{ACM_CERTIFICATE, ACM_CERTIFICATE_VALIDATION, ROUTE53_RECORD, ROUTE53_ZONE};
use super::{
    AUTOSCALING_GROUP, CACHE_SUBNET_GROUP, DB_INSTANCE, DB_SUBNET_GROUP, EIP, INSTANCE,
    INTERNET_GATEWAY, LAUNCH_TEMPLATE, LISTENER, LOAD_BALANCER, METRIC_ALARM, NAT_GATEWAY,
    REPLICATION_GROUP, ROUTE_TABLE, SCALING_POLICY, SECURITY_GROUP, SUBNET, TARGET_GROUP, VPC,
};
use super::{CACHE_PARAMETER_GROUP, DB_PARAMETER_GROUP};
use super::{
    IAM_ROLE, IAM_ROLE_POLICY, INSTANCE_PROFILE, KMS_ALIAS, KMS_KEY, SNS_TOPIC,
    SNS_TOPIC_SUBSCRIPTION,
};

/// A group of kinds served by one AWS API (EC2's networking kinds are a
/// family of their own).
///
/// ```
/// use strata_core::kinds::{self, Family};
///
/// assert_eq!(Family::of(kinds::SUBNET), Some(Family::Network));
/// assert_eq!(Family::of(kinds::SUBNET).map(Family::service), Some("ec2"));
/// assert_eq!(Family::of("aws.s3.bucket"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// VPCs, subnets, internet gateways, route tables, security groups.
    Network,
    /// Launch templates and instances.
    Ec2,
    /// Elastic IPs and NAT gateways (private subnets' way out).
    Egress,
    /// Load balancers, target groups, listeners.
    Elbv2,
    /// Autoscaling groups and scaling policies.
    Autoscaling,
    /// DB subnet groups, DB instances and DB parameter groups.
    Rds,
    /// Cache subnet groups, Redis replication groups and cache parameter groups.
    Elasticache,
    /// Metric alarms.
    Cloudwatch,
    /// IAM roles, inline role policies, instance profiles (global).
    Iam,
    /// KMS keys and aliases.
    Kms,
    /// SNS topics and subscriptions.
    Sns,
    /// Hosted zones and record sets.
    Route53,
    /// Certificates and their validation.
    Acm,
}

impl Family {
    /// The family of a kind, if Strata knows the kind.
    pub fn of(kind: &str) -> Option<Family> {
        Some(match kind {
            VPC | SUBNET | INTERNET_GATEWAY | ROUTE_TABLE | SECURITY_GROUP => Family::Network,
            LAUNCH_TEMPLATE | INSTANCE => Family::Ec2,
            EIP | NAT_GATEWAY => Family::Egress,
            LOAD_BALANCER | TARGET_GROUP | LISTENER => Family::Elbv2,
            AUTOSCALING_GROUP | SCALING_POLICY => Family::Autoscaling,
            DB_SUBNET_GROUP | DB_INSTANCE => Family::Rds,
            CACHE_SUBNET_GROUP | REPLICATION_GROUP => Family::Elasticache,
            METRIC_ALARM => Family::Cloudwatch,
            DB_PARAMETER_GROUP => Family::Rds,
            CACHE_PARAMETER_GROUP => Family::Elasticache,
            IAM_ROLE | IAM_ROLE_POLICY | INSTANCE_PROFILE => Family::Iam,
            KMS_KEY | KMS_ALIAS => Family::Kms,
            SNS_TOPIC | SNS_TOPIC_SUBSCRIPTION => Family::Sns,
            ROUTE53_ZONE | ROUTE53_RECORD => Family::Route53,
            ACM_CERTIFICATE | ACM_CERTIFICATE_VALIDATION => Family::Acm,
            _ => return None,
        })
    }

    /// The AWS service model's name (`ec2`, `rds`, `monitoring`, …), as in
    /// [`Api::service`](crate::schema::Api::service).
    pub fn service(self) -> &'static str {
        match self {
            Family::Network | Family::Ec2 | Family::Egress => "ec2",
            Family::Elbv2 => "elbv2",
            Family::Autoscaling => "autoscaling",
            Family::Rds => "rds",
            Family::Elasticache => "elasticache",
            Family::Cloudwatch => "monitoring",
            Family::Iam => "iam",
            Family::Kms => "kms",
            Family::Sns => "sns",
            Family::Route53 => "route53",
            Family::Acm => "acm",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::ALL;

    #[test]
    fn every_kind_has_the_family_of_its_service() {
        for schema in ALL {
            let family = Family::of(schema.kind).map(Family::service);
            assert_eq!(family, Some(schema.api.service), "{}", schema.kind);
        }
    }
}
