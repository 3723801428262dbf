//! The tags Strata puts on what it creates, shared by every provider: they
//! are how a cloud object is traced back to its stack, its address and the
//! drill that made it.
//!
//! ```
//! use strata_core::tags::{is_system_tag, STACK_TAG};
//!
//! assert!(is_system_tag(STACK_TAG));
//! assert!(is_system_tag("aws:autoscaling:groupName"));
//! assert!(!is_system_tag("Name"));
//! ```

/// The tag naming the stack a resource belongs to.
pub const STACK_TAG: &str = "strata:stack";

/// The tag naming a resource's address in its stack.
pub const ADDRESS_TAG: &str = "strata:address";

/// The tag every drill resource carries; its value is the drill's id.
pub const DRILL_TAG: &str = "strata:drill";

/// The tag a drill puts on a production resource it retired (the former
/// primary after `--promote`); its value is the drill's id. Cleanup never
/// deletes these: they are kept for the operator to inspect and delete.
pub const RETIRED_TAG: &str = "strata:drill-retired";

/// The tag AWS puts on the instances an autoscaling group launched.
pub const ASG_TAG: &str = "aws:autoscaling:groupName";

/// Whether a tag is Strata's or AWS's own, not the user's (and so not
/// drift when it differs from the configuration).
pub fn is_system_tag(key: &str) -> bool {
    key.starts_with("strata:") || key.starts_with("aws:")
}
