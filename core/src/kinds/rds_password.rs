//! How a DB instance's master password is given: `password` (sensitive,
//! possibly [a secret from outside the manifest](crate::secret)) or
//! `manage_master_user_password` (RDS keeps a generated one in Secrets
//! Manager) — never both.

use super::validate::AttrProblem;
use crate::value::{Attrs, Value};

/// Checks the rules between `password`, `manage_master_user_password`,
/// `master_user_secret_kms_key_id` and `replicate_source_db`.
pub(super) fn check(attrs: &Attrs, out: &mut Vec<AttrProblem>) {
    let managed = attrs.get("manage_master_user_password") == Some(&Value::Bool(true));
    let set = |k: &str| attrs.get(k).is_some_and(|v| *v != Value::Null);
    if managed && set("password") {
        out.push(AttrProblem::new(
            Some("manage_master_user_password"),
            "`password` and `manage_master_user_password = true` both give the master password",
            Some(
                "keep one: remove `password` to let RDS generate and rotate it in Secrets \
                 Manager, or set `manage_master_user_password = false`"
                    .into(),
            ),
        ));
    }
    if !managed && set("master_user_secret_kms_key_id") {
        out.push(AttrProblem::new(
            Some("master_user_secret_kms_key_id"),
            "`master_user_secret_kms_key_id` needs `manage_master_user_password = true`",
            Some("set `manage_master_user_password = true`, or remove the key".into()),
        ));
    }
    if managed && set("replicate_source_db") {
        out.push(AttrProblem::new(
            Some("manage_master_user_password"),
            "a read replica cannot manage a master password: it uses its source's",
            Some("set `manage_master_user_password` on the primary only".into()),
        ));
    }
}
