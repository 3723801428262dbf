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
//!
//! The address tag's value is written in the characters every AWS service
//! accepts in a tag value ([`address_tag_value`]): RDS, ElastiCache and
//! ELB refuse `[`, `]` and `"`, which instance addresses hold.

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

/// Whether every AWS service accepts `c` in a tag value: letters, digits,
/// spaces and `_ . : / = + - @` (RDS, ElastiCache and ELB enforce this set;
/// EC2 accepts more).
pub fn is_tag_value_char(c: char) -> bool {
    c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c)
}

/// A resource address as the value of [`ADDRESS_TAG`], in the characters
/// every AWS service accepts: an index or key becomes a `/` part
/// (`db.replica[1]` → `db.replica/1`, `web.public["us-east-1a"]` →
/// `web.public/us-east-1a`), and any other character outside the set is
/// written `=XX` (its UTF-8 bytes in hex).
///
/// ```
/// use strata_core::tags::address_tag_value;
/// assert_eq!(address_tag_value("vpc"), "vpc");
/// assert_eq!(address_tag_value("db.replica[1]"), "db.replica/1");
/// assert_eq!(address_tag_value(r#"web["prod"].public["us-east-1a"]"#), "web/prod.public/us-east-1a");
/// assert_eq!(address_tag_value(r#"app["a#b"]"#), "app/a=23b");
/// ```
pub fn address_tag_value(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut quoted = false;
    for c in address.chars() {
        match c {
            '"' => quoted = !quoted,
            '[' if !quoted => out.push('/'),
            ']' if !quoted => {}
            c if is_tag_value_char(c) => out.push(c),
            c => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("={b:02X}"));
                }
            }
        }
    }
    out
}
