//! IAM kinds: roles, their inline policies, and instance profiles.
//!
//! IAM is global: a role belongs to the account, not to a region, so its
//! name must be unique across every region a stack uses. Policy documents
//! are JSON and compared as documents (key order, white space and a single
//! value for a one-element list do not matter; [`Compare::Policy`]).

use std::time::Duration;

use super::ec2::TAGS;
use crate::schema::{Api, AttrSchema as A, AttrType as T, Compare, Default as D, KindSchema};

pub(super) static ROLE: KindSchema = KindSchema {
    kind: super::IAM_ROLE,
    doc: "An IAM role: who may assume it, and the managed policies attached to it.",
    attrs: &[
        A::required(
            "name",
            T::String,
            "Role name (unique in the account: IAM is global).",
        )
        .member("RoleName")
        .force_new("UpdateRole takes RoleName only to find the role: IAM cannot rename a role."),
        A::optional("path", T::String, "Path, e.g. `/` or `/app/`.")
            .force_new("IAM cannot move a role to another path: no update call takes Path.")
            .default(D::Str("/")),
        A::required(
            "assume_role_policy",
            T::String,
            "The trust policy (a JSON document): who may assume the role. Compared as a \
             document, not as text.",
        )
        .member("AssumeRolePolicyDocument")
        .compare(Compare::Policy),
        A::optional("description", T::String, "Description.").default(D::Str("Managed by Strata")),
        A::optional(
            "max_session_duration",
            T::Int,
            "Longest session, in seconds (3600-43200).",
        )
        .default(D::Int(3600)),
        A::optional(
            "managed_policy_arns",
            T::List(&T::String),
            "Managed policies attached to the role (exactly these: others are detached).",
        )
        .member("PolicyArn")
        .compare(Compare::Set),
        TAGS,
        A::computed("arn", T::String, "ARN."),
        A::computed("unique_id", T::String, "The role's unique id (AROA...).").member("RoleId"),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(120),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "iam",
        create: &["CreateRole", "AttachRolePolicy"],
        update: &[
            "UpdateRole",
            "UpdateAssumeRolePolicy",
            "AttachRolePolicy",
            "DetachRolePolicy",
        ],
        read: &["GetRole", "ListAttachedRolePolicies", "ListRoleTags"],
        delete: &["DetachRolePolicy", "DeleteRole"],
    },
};

pub(super) static ROLE_POLICY: KindSchema = KindSchema {
    kind: super::IAM_ROLE_POLICY,
    doc: "An inline policy of an IAM role (its id is `ROLE:NAME`).",
    attrs: &[
        A::required("role", T::String, "The role's name.")
            .member("RoleName")
            .force_new("PutRolePolicy writes the policy into the role it names: another role is another policy."),
        A::required("name", T::String, "Policy name (unique in its role).")
            .member("PolicyName")
            .force_new("PutRolePolicy knows a policy by its name: a new name is a new policy."),
        A::required(
            "policy",
            T::String,
            "The policy (a JSON document). Compared as a document, not as text.",
        )
        .member("PolicyDocument")
        .compare(Compare::Policy),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(120),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "iam",
        create: &["PutRolePolicy"],
        update: &["PutRolePolicy"],
        read: &["GetRolePolicy"],
        delete: &["DeleteRolePolicy"],
    },
};

pub(super) static INSTANCE_PROFILE: KindSchema = KindSchema {
    kind: super::INSTANCE_PROFILE,
    doc: "An IAM instance profile: the role EC2 instances run with.",
    attrs: &[
        A::required("name", T::String, "Profile name (unique in the account).")
            .member("InstanceProfileName")
            .force_new(
                "AddRoleToInstanceProfile and RemoveRoleFromInstanceProfile take \
                 InstanceProfileName only to find the profile: IAM cannot rename one.",
            ),
        A::optional("path", T::String, "Path, e.g. `/`.")
            .force_new("IAM cannot move an instance profile to another path.")
            .default(D::Str("/")),
        A::optional(
            "role",
            T::String,
            "The role's name (a profile holds at most one); changed in place.",
        )
        .member("RoleName"),
        TAGS,
        A::computed("arn", T::String, "ARN."),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(120),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "iam",
        create: &["CreateInstanceProfile", "AddRoleToInstanceProfile"],
        update: &["AddRoleToInstanceProfile", "RemoveRoleFromInstanceProfile"],
        read: &["GetInstanceProfile"],
        delete: &["RemoveRoleFromInstanceProfile", "DeleteInstanceProfile"],
    },
};
