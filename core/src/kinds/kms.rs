//! KMS kinds: customer managed keys and their aliases.
//!
//! A key is never deleted at once: deleting one schedules its deletion
//! after `deletion_window_in_days` (7-30), during which it can still be
//! recovered in the console and is no longer Strata's.

use std::time::Duration;

use super::ec2::TAGS;
use crate::schema::{Api, AttrSchema as A, AttrType as T, Compare, Default as D, KindSchema};

pub(super) static KEY: KindSchema = KindSchema {
    kind: super::KMS_KEY,
    doc: "A customer managed KMS key (symmetric by default), for EBS, RDS and SNS encryption.",
    attrs: &[
        A::optional("description", T::String, "Description.").default(D::Str("Managed by Strata")),
        A::optional(
            "key_usage",
            T::String,
            "ENCRYPT_DECRYPT (default), SIGN_VERIFY, GENERATE_VERIFY_MAC or KEY_AGREEMENT.",
        )
        .force_new("KMS fixes a key's usage when it is created: no call changes KeyUsage.")
        .default(D::Str("ENCRYPT_DECRYPT")),
        A::optional(
            "enable_key_rotation",
            T::Bool,
            "Rotate the key material every year (EnableKeyRotation, DisableKeyRotation).",
        )
        .member("KeyRotationEnabled")
        .default(D::Bool(false)),
        A::optional(
            "deletion_window_in_days",
            T::Int,
            "Days (7-30) between a delete and the key's destruction (ScheduleKeyDeletion).",
        )
        .member("PendingWindowInDays")
        .default(D::Int(30)),
        A::optional(
            "policy",
            T::String,
            "The key policy (a JSON document; unset: KMS's default policy, which lets the \
             account's IAM policies grant use). Compared as a document.",
        )
        .compare(Compare::Policy),
        TAGS,
        A::computed("arn", T::String, "ARN."),
        A::computed("key_id", T::String, "The key id (a UUID)."),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(120),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "kms",
        create: &["CreateKey", "EnableKeyRotation"],
        update: &[
            "UpdateKeyDescription",
            "EnableKeyRotation",
            "DisableKeyRotation",
            "PutKeyPolicy",
        ],
        read: &[
            "DescribeKey",
            "GetKeyRotationStatus",
            "GetKeyPolicy",
            "ListResourceTags",
        ],
        delete: &["ScheduleKeyDeletion"],
    },
};

pub(super) static ALIAS: KindSchema = KindSchema {
    kind: super::KMS_ALIAS,
    doc: "A KMS alias (`alias/NAME`) naming a key; pointed at another key in place.",
    attrs: &[
        A::required("name", T::String, "`alias/` and a name, e.g. `alias/shop`.")
            .member("AliasName")
            .force_new(
                "UpdateAlias takes AliasName only to find the alias: KMS cannot rename an alias.",
            ),
        A::required(
            "target_key_id",
            T::String,
            "The key it names (key id or ARN); changed in place with UpdateAlias.",
        )
        .compare(Compare::KmsKey),
        A::computed("arn", T::String, "ARN.").member("AliasArn"),
    ],
    create_before_destroy: false,
    ready_timeout: Duration::from_secs(60),
    concurrency: 5,
    stateful: false,
    api: Api {
        service: "kms",
        create: &["CreateAlias"],
        update: &["UpdateAlias"],
        read: &["ListAliases"],
        delete: &["DeleteAlias"],
    },
};
