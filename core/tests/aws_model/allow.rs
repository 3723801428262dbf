//! The written exceptions to "an attribute changed in place is a member of
//! one of its kind's update calls": each names the call and member that do
//! change it, and the test checks that they exist in AWS's model and that
//! the exception is still needed.

/// An in-place attribute that another call, or a member of another name,
/// changes.
pub struct Via {
    /// The kind.
    pub kind: &'static str,
    /// The attribute.
    pub attr: &'static str,
    /// The call that changes it.
    pub op: &'static str,
    /// The member of that call's request that carries it.
    pub member: &'static str,
    /// Why this is not a perpetual diff.
    pub why: &'static str,
}

/// Every exception, with its reason.
pub const VIA: &[Via] = &[
    Via {
        kind: "aws.ec2.security_group",
        attr: "egress",
        op: "AuthorizeSecurityGroupEgress",
        member: "IpPermissions",
        why: "the egress calls take the rules as IpPermissions; DescribeSecurityGroups \
              reports them as IpPermissionsEgress",
    },
    Via {
        kind: "aws.ec2.route_table",
        attr: "routes",
        op: "CreateRoute",
        member: "DestinationCidrBlock",
        why: "routes are created, replaced and deleted one at a time \
              (CreateRoute, ReplaceRoute, DeleteRoute); DescribeRouteTables reports them as Routes",
    },
    Via {
        kind: "aws.ec2.instance",
        attr: "security_group_ids",
        op: "ModifyInstanceAttribute",
        member: "Groups",
        why: "RunInstances takes SecurityGroupIds, ModifyInstanceAttribute takes the same ids as Groups",
    },
    Via {
        kind: "aws.elasticache.replication_group",
        attr: "replicas_per_node_group",
        op: "IncreaseReplicaCount",
        member: "NewReplicaCount",
        why: "the replica count is changed by IncreaseReplicaCount and DecreaseReplicaCount",
    },
    Via {
        kind: "aws.elasticache.replication_group",
        attr: "preferred_cache_cluster_azs",
        op: "IncreaseReplicaCount",
        member: "PreferredAvailabilityZones",
        why: "AZs change with the replica count: IncreaseReplicaCount places new replicas \
              (ReplicaConfiguration[].PreferredAvailabilityZones), DecreaseReplicaCount removes them",
    },
    Via {
        kind: "aws.rds.db_instance",
        attr: "replicate_source_db",
        op: "PromoteReadReplica",
        member: "DBInstanceIdentifier",
        why: "removing the source promotes the replica: PromoteReadReplica takes only the \
              replica's own identifier",
    },
    Via {
        kind: "aws.rds.db_instance",
        attr: "enabled_cloudwatch_logs_exports",
        op: "ModifyDBInstance",
        member: "CloudwatchLogsExportConfiguration",
        why: "CreateDBInstance takes EnableCloudwatchLogsExports and DescribeDBInstances reports \
              EnabledCloudwatchLogsExports; ModifyDBInstance takes the difference as \
              CloudwatchLogsExportConfiguration (EnableLogTypes, DisableLogTypes)",
    },
    Via {
        kind: "aws.iam.role",
        attr: "assume_role_policy",
        op: "UpdateAssumeRolePolicy",
        member: "PolicyDocument",
        why: "CreateRole takes the trust policy as AssumeRolePolicyDocument, \
              UpdateAssumeRolePolicy as PolicyDocument; GetRole reports it as AssumeRolePolicyDocument",
    },
    Via {
        kind: "aws.kms.key",
        attr: "enable_key_rotation",
        op: "EnableKeyRotation",
        member: "KeyId",
        why: "rotation is turned on by EnableKeyRotation and off by DisableKeyRotation, which \
              take only the key; GetKeyRotationStatus reports it as KeyRotationEnabled",
    },
];

/// Each service's call that adds or replaces tags (its request's `Tags`,
/// Route 53's `AddTags`);
/// the provider's tag sync calls it, and its removal counterpart, after any
/// other update.
pub const TAGGING: &[(&str, &str)] = &[
    ("ec2", "CreateTags"),
    ("elbv2", "AddTags"),
    ("autoscaling", "CreateOrUpdateTags"),
    ("rds", "AddTagsToResource"),
    ("elasticache", "AddTagsToResource"),
    ("monitoring", "TagResource"),
    ("iam", "TagRole"),
    ("kms", "TagResource"),
    ("sns", "TagResource"),
    ("route53", "ChangeTagsForResource"),
    ("acm", "AddTagsToCertificate"),
];

/// A mismatch found and reported, not fixed yet: printed on every run, not
/// failed. An entry that matches no mismatch fails the test: the bug is
/// fixed, remove the entry.
pub struct Known {
    /// The start of the mismatch's text.
    pub starts: &'static str,
    /// What is wrong and where it is to be fixed.
    pub why: &'static str,
}

/// Known, reported mismatches.
pub const KNOWN: &[Known] = &[];
