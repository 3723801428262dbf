//! A read replica's source across regions. AWS finds a source in the
//! replica's own region by identifier, and one in another region only by
//! its ARN; it then reports that source by ARN too (and one in the same
//! region by identifier). A cross-region replica of an encrypted source
//! needs a KMS key of its own region (`kms_key_id`): AWS says so itself.

use strata_core::provider::ProviderError;

use crate::util::arn_tail;

/// The region of an ARN (`arn:aws:rds:REGION:ACCOUNT:db:ID`).
fn arn_region(arn: &str) -> Option<&str> {
    arn.strip_prefix("arn:")?.split(':').nth(2)
}

/// The source as a replica reports it: an ARN in another region than the
/// replica's own ARN says is kept whole (it is how the configuration names
/// it); anything else is the identifier.
pub(super) fn reported<'a>(source: &'a str, own_arn: Option<&str>) -> &'a str {
    let elsewhere = match (arn_region(source), own_arn.and_then(arn_region)) {
        (Some(there), Some(here)) => there != here,
        _ => false,
    };
    if elsewhere {
        source
    } else {
        arn_tail(source)
    }
}

/// Adds to an error of creating a replica what to do when the source was
/// named by identifier and AWS did not find it: it may be in another region.
pub(super) fn with_help(e: ProviderError, source: &str) -> ProviderError {
    match e {
        ProviderError::Api {
            code,
            message,
            help: None,
        } if code == "DBInstanceNotFound" && !source.starts_with("arn:") => ProviderError::Api {
            code,
            message,
            help: Some(format!(
                "AWS looks for a replica's source `{source}` in the replica's region only; \
                 name a source in another region by its ARN (replicate_source_db = \
                 \"${{PRIMARY.arn}}\")"
            )),
        },
        other => other,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const EAST: &str = "arn:aws:rds:us-east-1:123456789012:db:shop-db";
    const WEST_REPLICA: &str = "arn:aws:rds:us-west-2:123456789012:db:shop-dr";
    const EAST_REPLICA: &str = "arn:aws:rds:us-east-1:123456789012:db:shop-replica";

    #[test]
    fn a_source_in_another_region_is_reported_by_arn_one_in_the_same_by_identifier() {
        assert_eq!(reported(EAST, Some(WEST_REPLICA)), EAST);
        assert_eq!(reported(EAST, Some(EAST_REPLICA)), "shop-db");
        assert_eq!(reported("shop-db", Some(EAST_REPLICA)), "shop-db");
        assert_eq!(reported(EAST, None), "shop-db");
    }

    #[test]
    fn a_source_not_found_by_identifier_gets_help_about_regions() {
        let e = ProviderError::Api {
            code: "DBInstanceNotFound".into(),
            message: "DBInstance shop-db not found.".into(),
            help: None,
        };
        let ProviderError::Api { help, .. } = with_help(e.clone(), "shop-db") else {
            panic!("not an API error")
        };
        assert!(help.is_some_and(|h| h.contains("by its ARN")));
        let ProviderError::Api { help, .. } = with_help(e, EAST) else {
            panic!("not an API error")
        };
        assert_eq!(help, None);
    }
}
