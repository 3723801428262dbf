//! Redis AUTH on a simulated replication group: whether clients must
//! authenticate (AWS's `AuthTokenEnabled`), set at creation and changed by
//! ModifyReplicationGroup's `AuthTokenUpdateStrategy` (`ROTATE` and `SET`
//! with a token, `DELETE` without). Like AWS, the cloud never reports the
//! token itself.

use strata_core::provider::{ProviderError, UpdateRequest};
use strata_core::value::{Attrs, Value};

use crate::attrs::{api_help, bool_or, str_of};
use crate::cloud::Record;

/// The computed attribute: whether AUTH is on.
pub const ENABLED: &str = "auth_token_enabled";

fn token(attrs: &Attrs) -> bool {
    attrs
        .get("auth_token")
        .is_some_and(|v| matches!(v, Value::String(s) if !s.is_empty()))
}

fn needs_tls() -> ProviderError {
    api_help(
        "InvalidParameterValue",
        "The AUTH token is only supported when encryption-in-transit is enabled.",
        "set transit_encryption_enabled = true",
    )
}

/// Whether a group created with `configured` (the request's attributes,
/// the token among them) has AUTH on.
pub fn on_create(configured: &Attrs, kept: &Attrs) -> Result<bool, ProviderError> {
    let on = token(configured);
    if on && !bool_or(kept, "transit_encryption_enabled", true) {
        return Err(needs_tls());
    }
    Ok(on)
}

/// What an update does to AUTH (`None`: nothing).
pub fn on_update(req: &UpdateRequest, rec: &Record) -> Result<Option<bool>, ProviderError> {
    let changed = |n: &str| req.changed.iter().any(|c| c == n);
    let strategy = str_of(&req.attrs, "auth_token_update_strategy").unwrap_or("ROTATE");
    let enabled = rec
        .computed
        .get(ENABLED)
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if changed("auth_token") && token(&req.attrs) {
        if !bool_or(&req.attrs, "transit_encryption_enabled", true) {
            return Err(needs_tls());
        }
        if strategy == "DELETE" {
            return Err(api_help(
                "InvalidParameterCombination",
                "AuthTokenUpdateStrategy DELETE takes no AuthToken.",
                "leave auth_token out to turn AUTH off, or use ROTATE or SET",
            ));
        }
        return Ok(Some(true));
    }
    if strategy == "DELETE"
        && enabled
        && (changed("auth_token_update_strategy") || changed("auth_token"))
    {
        return Ok(Some(false));
    }
    Ok(None)
}
