//! Redis AUTH on a replication group: what ModifyReplicationGroup sends
//! when the token or its update strategy changes.
//!
//! A new token goes with `AuthTokenUpdateStrategy` `ROTATE` (the default:
//! the old token stays valid beside it until the next change) or `SET`
//! (only the new one is valid); `DELETE`, without a token, turns AUTH off.
//! The token is taken from the request, never from state (which keeps only
//! its digest).

use aws_sdk_elasticache::types::AuthTokenUpdateStrategyType;
use strata_core::provider::{ProviderError, UpdateRequest};

use crate::config::Clients;
use crate::errors::map;
use crate::util::str_of;

/// One change of AUTH.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct AuthChange {
    /// The new token (`None` with `DELETE`).
    token: Option<String>,
    /// `ROTATE`, `SET` or `DELETE`.
    strategy: String,
}

/// What an update changes of AUTH (`None`: nothing).
pub(crate) fn change(req: &UpdateRequest) -> Option<AuthChange> {
    let has = |n: &str| req.changed.iter().any(|c| c == n);
    let strategy = str_of(&req.attrs, "auth_token_update_strategy")
        .unwrap_or("ROTATE")
        .to_string();
    let token = str_of(&req.attrs, "auth_token").map(str::to_string);
    match token {
        Some(t) if has("auth_token") && strategy != "DELETE" => Some(AuthChange {
            token: Some(t),
            strategy,
        }),
        None if strategy == "DELETE"
            && (has("auth_token_update_strategy") || has("auth_token")) =>
        {
            Some(AuthChange {
                token: None,
                strategy,
            })
        }
        _ => None,
    }
}

/// Sends the change, applied at once.
pub(crate) async fn send(c: &Clients, id: &str, auth: AuthChange) -> Result<(), ProviderError> {
    c.cache
        .modify_replication_group()
        .replication_group_id(id)
        .apply_immediately(true)
        .set_auth_token(auth.token)
        .auth_token_update_strategy(AuthTokenUpdateStrategyType::from(auth.strategy.as_str()))
        .send()
        .await
        .map_err(map)?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use strata_core::addr::Address;
    use strata_core::kinds;
    use strata_core::value::{Attrs, Value};

    use super::*;

    fn req(attrs: &[(&str, &str)], changed: &[&str]) -> UpdateRequest {
        UpdateRequest {
            address: Address::parse("cache.redis").unwrap(),
            kind: kinds::REPLICATION_GROUP.into(),
            id: "shop-redis".into(),
            prior: Attrs::new(),
            attrs: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::from(*v)))
                .collect(),
            changed: changed.iter().map(|c| c.to_string()).collect(),
            stack: "shop".into(),
        }
    }

    #[test]
    fn a_new_token_is_rotated_in_unless_told_otherwise() {
        let token = "a-long-enough-token-1";
        assert_eq!(
            change(&req(&[("auth_token", token)], &["auth_token"])),
            Some(AuthChange {
                token: Some(token.into()),
                strategy: "ROTATE".into()
            })
        );
        let set = change(&req(
            &[("auth_token", token), ("auth_token_update_strategy", "SET")],
            &["auth_token_update_strategy"],
        ));
        assert_eq!(set, None, "the token did not change: nothing to send");
        let off = change(&req(
            &[("auth_token_update_strategy", "DELETE")],
            &["auth_token_update_strategy"],
        ));
        assert_eq!(
            off,
            Some(AuthChange {
                token: None,
                strategy: "DELETE".into()
            })
        );
        assert_eq!(change(&req(&[("auth_token", token)], &["node_type"])), None);
    }
}
