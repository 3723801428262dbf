//! Refactoring without replacement: `[[moved]]` (an object in state takes
//! a new address) and `[[removed]]` (an object leaves the configuration
//! and the state but stays in the cloud), as in Terraform 1.7. Both live on
//! the [`Config`]; planning applies them to the state it diffs against
//! (`plan::moves`), and applying commits them through the session.
//!
//! ```
//! use strata_core::addr::Address;
//! use strata_core::config::Config;
//!
//! let a = |s: &str| Address::parse(s).unwrap();
//! let mut config = Config::new("demo");
//! // A resource renamed, and a whole module.
//! config.add_moved(a("web.public[0]"), a(r#"web.public["us-east-1a"]"#));
//! config.add_moved(a("old_web"), a("web"));
//! // No longer managed by Strata, but left running.
//! config.add_removed(a("legacy_db"), false);
//! assert!(strata_core::moved::check(&config).is_empty());
//! ```

use crate::addr::Address;
use crate::config::{Config, Span};
use crate::diag::Problem;

/// Two moves to one address, or two from one.
pub const CONFLICT: &str = "strata::moved::conflict";
/// A move or removal names an address still in the configuration.
pub const STILL_CONFIGURED: &str = "strata::moved::still_configured";
/// A move's new address is already taken in state, or moves form a cycle.
pub const TARGET_EXISTS: &str = "strata::moved::target_exists";

/// `[[moved]]`: what state holds at `from` (a resource, an instance, all
/// instances of a resource, or a module's every resource) is at `to` now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// The old address (or prefix).
    pub from: Address,
    /// The new one.
    pub to: Address,
    /// Where it was written, when it came from a manifest.
    pub span: Option<Span>,
}

/// `[[removed]]`: what state holds at `from` (or under it) is no longer
/// configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    /// The address (or prefix).
    pub from: Address,
    /// `lifecycle.destroy`: `false` (the default) forgets the object and
    /// leaves it in the cloud; `true` destroys it, as dropping the
    /// resource from the configuration would.
    pub destroy: bool,
    /// Where it was written, when it came from a manifest.
    pub span: Option<Span>,
}

impl Config {
    /// Declares that the object(s) at `from` are at `to` now (`[[moved]]`).
    pub fn add_moved(&mut self, from: Address, to: Address) {
        self.moved.push(Moved {
            from,
            to,
            span: None,
        });
    }

    /// Declares that the object(s) at `from` are no longer configured
    /// (`[[removed]]`): forgotten from state, or destroyed if `destroy`.
    pub fn add_removed(&mut self, from: Address, destroy: bool) {
        self.removed.push(Removed {
            from,
            destroy,
            span: None,
        });
    }
}

/// The problems of a configuration's moves and removals that need no
/// state: two moves to (or from) one address, and a move or removal of an
/// address that is still configured. Every problem is returned.
pub fn check(config: &Config) -> Vec<Problem> {
    let source = config.source.as_ref();
    let mut problems = Vec::new();
    for (i, m) in config.moved.iter().enumerate() {
        let earlier = &config.moved[..i];
        if let Some(first) = earlier.iter().find(|e| e.to == m.to) {
            problems.push(
                Problem::new(
                    CONFLICT,
                    format!(
                        "two moves lead to `{}` (from `{}` and from `{}`)",
                        m.to, first.from, m.from
                    ),
                    Some("one object can take an address: keep one of the moves".into()),
                )
                .at(source, m.span, "second move to this address"),
            );
        }
        if earlier.iter().any(|e| e.from == m.from) {
            problems.push(
                Problem::new(
                    CONFLICT,
                    format!("two moves start from `{}`", m.from),
                    Some("an object moves to one address: keep one of the moves".into()),
                )
                .at(source, m.span, "second move from this address"),
            );
        }
        // Configured at the new address is expected, also when it lies
        // within the old one (`web` moved to `web["prod"]`).
        let still = config
            .resources
            .keys()
            .find(|a| a.is_within(&m.from) && !a.is_within(&m.to));
        if let Some(r) = still {
            problems.push(
                Problem::new(
                    STILL_CONFIGURED,
                    format!(
                        "`{}` is moved, but `{r}` is still in the configuration",
                        m.from
                    ),
                    Some(format!(
                        "the configuration declares the new address, `{}`: rename the old \
                         block (or drop the move)",
                        m.to
                    )),
                )
                .at(source, m.span, "moved from a configured address"),
            );
        }
    }
    for r in &config.removed {
        if let Some(found) = configured_within(config, &r.from) {
            problems.push(
                Problem::new(
                    STILL_CONFIGURED,
                    format!(
                        "`{}` is removed, but `{found}` is still in the configuration",
                        r.from
                    ),
                    Some("delete the resource's block as well, or drop the `[[removed]]`".into()),
                )
                .at(source, r.span, "removed but configured"),
            );
        }
    }
    problems
}

/// A configured address within `prefix`, if any.
fn configured_within<'c>(config: &'c Config, prefix: &Address) -> Option<&'c Address> {
    config.resources.keys().find(|a| a.is_within(prefix))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::config::ResourceConfig;

    fn a(s: &str) -> Address {
        Address::parse(s).unwrap()
    }

    fn codes(config: &Config) -> Vec<&'static str> {
        check(config).iter().map(|p| p.code).collect()
    }

    #[test]
    fn a_module_moved_into_a_for_each_key_is_not_still_configured() {
        let mut config = Config::new("t");
        config.add(ResourceConfig::new(a(r#"web["prod"].vpc"#), "aws.ec2.vpc"));
        config.add_moved(a("web"), a(r#"web["prod"]"#));
        assert_eq!(codes(&config), Vec::<&str>::new());
    }

    #[test]
    fn conflicts_and_configured_sources_are_problems() {
        let mut config = Config::new("t");
        config.add(ResourceConfig::new(a("vpc"), "aws.ec2.vpc"));
        config.add(ResourceConfig::new(a("subnet[0]"), "aws.ec2.subnet"));
        config.add_moved(a("x"), a("vpc"));
        config.add_moved(a("y"), a("vpc"));
        config.add_moved(a("x"), a("z"));
        config.add_moved(a("subnet"), a("public"));
        config.add_removed(a("vpc"), false);
        assert_eq!(
            codes(&config),
            [CONFLICT, CONFLICT, STILL_CONFIGURED, STILL_CONFIGURED]
        );
    }
}
