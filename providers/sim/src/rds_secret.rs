//! A DB instance's managed master password (`manage_master_user_password`):
//! as on AWS, RDS generates the password and keeps it in a Secrets Manager
//! secret of the account (`rds!db-…`, JSON with `username` and `password`),
//! whose ARN the instance reports as `master_user_secret_arn`. Turning it
//! off deletes the secret.

use strata_core::attrs::{bool_or, str_of};
use strata_core::provider::ProviderError;
use strata_core::value::{Attrs, Value};

use crate::attrs::api_help;
use crate::cloud::{Cloud, Record};
use crate::ids;

/// The computed attribute holding the secret's ARN.
pub(crate) const SECRET_ARN: &str = "master_user_secret_arn";

/// Refuses what AWS refuses: a password and a managed one at once.
pub(crate) fn check(attrs: &Attrs) -> Result<(), ProviderError> {
    if bool_or(attrs, "manage_master_user_password", false) && attrs.contains_key("password") {
        return Err(api_help(
            "InvalidParameterCombination",
            "You can't specify MasterUserPassword and ManageMasterUserPassword at the same time.",
            "remove `password`, or set `manage_master_user_password = false`",
        ));
    }
    Ok(())
}

/// Makes (or removes) an instance's managed secret to match
/// `attrs`; returns its ARN when managed. `have`: the ARN it reports now.
pub(crate) fn sync(c: &mut Cloud, attrs: &Attrs, have: Option<&str>) -> Option<String> {
    let managed = bool_or(attrs, "manage_master_user_password", false);
    let stores = &mut c.account.secret_stores.secrets;
    match (managed, have) {
        (true, Some(arn)) => Some(arn.to_string()),
        (true, None) => {
            let name = format!("rds!db-{}", uuid::Uuid::new_v4());
            let arn = ids::arn(
                "secretsmanager",
                &c.region,
                &format!("secret:{name}-{}", ids::hex(6)),
            );
            let secret = serde_json::json!({
                "username": str_of(attrs, "username").unwrap_or("postgres"),
                "password": ids::hex(32),
            });
            let stored = crate::objects::StoredSecret {
                arn: arn.clone(),
                stages: [("AWSCURRENT".to_string(), secret.to_string())].into(),
            };
            stores.insert(name, stored);
            Some(arn)
        }
        (false, Some(arn)) => {
            stores.retain(|_, s| s.arn != arn);
            None
        }
        (false, None) => None,
    }
}

/// Records the secret's ARN on the instance (or clears it).
pub(crate) fn set(rec: &mut Record, arn: Option<String>) {
    match arn {
        Some(arn) => {
            rec.computed
                .insert(SECRET_ARN.into(), Value::String(arn.into()));
        }
        None => {
            rec.computed.remove(SECRET_ARN);
        }
    }
}
