//! Engine versions the sim knows, and how AWS resolves a partial one: RDS
//! takes `16` (or `16.4`) and runs, and reports, a full version — the
//! newest it offers that starts with what was asked.

use strata_core::compare::{major_version, version_matches, version_parts};
use strata_core::provider::ProviderError;

use crate::attrs::{api, api_help};

/// The PostgreSQL versions RDS offers in the sim, oldest first.
pub const POSTGRES: &[&str] = &[
    "13.15", "13.16", "14.12", "14.13", "15.7", "15.8", "16.1", "16.2", "16.3", "16.4", "17.0",
    "17.2",
];

/// The full PostgreSQL version RDS runs for a requested one: the version
/// itself if RDS offers it, else the newest offered one it is a prefix of
/// (`16` → `16.4`), else the request as given.
pub fn postgres(requested: &str) -> String {
    if POSTGRES.contains(&requested) {
        return requested.to_string();
    }
    let prefix = format!("{requested}.");
    POSTGRES
        .iter()
        .rev()
        .find(|v| v.starts_with(&prefix))
        .map_or_else(|| requested.to_string(), |v| (*v).to_string())
}

/// The version a modification leaves a DB instance running `have` at, asked
/// for `want`: `have` when it already satisfies `want` (`16` is met by
/// `16.4`, and a newer minor version AWS installed is never downgraded);
/// otherwise the resolved `want`, refused as AWS refuses a downgrade and a
/// major upgrade without `allow_major`.
pub fn postgres_upgrade(
    have: &str,
    want: &str,
    allow_major: bool,
) -> Result<String, ProviderError> {
    if version_matches(want, have) {
        return Ok(have.to_string());
    }
    let target = postgres(want);
    if version_parts(&target) < version_parts(have) {
        return Err(api_help(
            "InvalidParameterCombination",
            format!("Cannot upgrade postgres from {have} to {target}"),
            "RDS cannot downgrade an engine: restore a snapshot into a new instance instead",
        ));
    }
    if major_version(&target) != major_version(have) && !allow_major {
        return Err(api_help(
            "InvalidParameterCombination",
            "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version.",
            format!(
                "set allow_major_version_upgrade = true to upgrade from {have} to {target} (irreversible)"
            ),
        ));
    }
    Ok(target)
}

/// Refuses a Redis version change that would be a downgrade; otherwise the
/// version the group runs afterwards (the one it runs if that already
/// satisfies `want`).
pub fn redis_upgrade(have: &str, want: &str) -> Result<String, ProviderError> {
    if version_matches(want, have) {
        return Ok(have.to_string());
    }
    if version_parts(want) < version_parts(have) {
        return Err(api(
            "InvalidParameterCombination",
            format!("Cannot downgrade the engine version from {have} to {want}."),
        ));
    }
    Ok(want.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn a_major_version_resolves_to_the_newest_minor_one() {
        assert_eq!(postgres("16"), "16.4");
        assert_eq!(postgres("16.2"), "16.2");
        assert_eq!(postgres("17"), "17.2");
        assert_eq!(postgres("16.9"), "16.9", "unknown versions stay as given");
    }

    #[test]
    fn upgrades_keep_newer_minors_and_need_the_flag_for_a_major_one() {
        assert_eq!(postgres_upgrade("16.4", "16", false).unwrap(), "16.4");
        assert_eq!(postgres_upgrade("16.4", "16.2", false).unwrap(), "16.4");
        assert_eq!(postgres_upgrade("16.2", "16.4", false).unwrap(), "16.4");
        assert!(postgres_upgrade("16.4", "17", false).is_err());
        assert_eq!(postgres_upgrade("16.4", "17", true).unwrap(), "17.2");
        assert!(postgres_upgrade("16.4", "15", true).is_err());
        assert_eq!(
            redis_upgrade("7.1", "7.0").unwrap(),
            "7.1",
            "never a downgrade"
        );
        assert!(redis_upgrade("7.1", "6.2").is_err());
        assert_eq!(redis_upgrade("7.0", "7.1").unwrap(), "7.1");
        assert_eq!(redis_upgrade("7.1.0", "7.1").unwrap(), "7.1.0");
    }
}
