//! [`Family`]: which AWS API family a kind belongs to. Providers keep one
//! module per family and dispatch on [`Family::of`], so a kind is mapped to
//! its service in one place.

use super::{ACM_CERTIFICATE, ACM_CERTIFICATE_VALIDATION, ROUTE53_RECORD, ROUTE53_ZONE};
use super::{
    AUTOSCALING_GROUP, CACHE_SUBNET_GROUP, DB_INSTANCE, DB_SUBNET_GROUP, INSTANCE,
    INTERNET_GATEWAY, LAUNCH_TEMPLATE, LISTENER, LOAD_BALANCER, METRIC_ALARM, REPLICATION_GROUP,
    ROUTE_TABLE, SCALING_POLICY, SECURITY_GROUP, SUBNET, TARGET_GROUP, VPC,
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
    /// Load balancers, target groups, listeners.
    Elbv2,
    /// Autoscaling groups and scaling policies.
    Autoscaling,
    /// DB subnet groups and DB instances.
    Rds,
    /// Cache subnet groups and Redis replication groups.
    Elasticache,
    /// Metric alarms.
    Cloudwatch,
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
            LOAD_BALANCER | TARGET_GROUP | LISTENER => Family::Elbv2,
            AUTOSCALING_GROUP | SCALING_POLICY => Family::Autoscaling,
            DB_SUBNET_GROUP | DB_INSTANCE => Family::Rds,
            CACHE_SUBNET_GROUP | REPLICATION_GROUP => Family::Elasticache,
            METRIC_ALARM => Family::Cloudwatch,
            ROUTE53_ZONE | ROUTE53_RECORD => Family::Route53,
            ACM_CERTIFICATE | ACM_CERTIFICATE_VALIDATION => Family::Acm,
            _ => return None,
        })
    }

    /// The AWS service model's name (`ec2`, `rds`, `monitoring`, …), as in
    /// [`Api::service`](crate::schema::Api::service).
    pub fn service(self) -> &'static str {
        match self {
            Family::Network | Family::Ec2 => "ec2",
            Family::Elbv2 => "elbv2",
            Family::Autoscaling => "autoscaling",
            Family::Rds => "rds",
            Family::Elasticache => "elasticache",
            Family::Cloudwatch => "monitoring",
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
