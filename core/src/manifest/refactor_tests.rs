//! Tests of `[[moved]]` and `[[removed]]` in the manifest.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::parse_manifest;
use super::tests::check;

#[test]
fn moved_and_removed_blocks_are_read() {
    let config = parse_manifest(
        "strata.toml",
        r#"
[[moved]]
from = "subnet[0]"
to = 'public["us-east-1a"]'

[[moved]]
from = "old_web"
to = "web"

[[removed]]
from = "legacy"

[[removed]]
from = "old_cache"
lifecycle = { destroy = true }
"#,
    )
    .unwrap();
    let moved: Vec<String> = config
        .moved
        .iter()
        .map(|m| format!("{} -> {}", m.from, m.to))
        .collect();
    assert_eq!(
        moved,
        [r#"subnet[0] -> public["us-east-1a"]"#, "old_web -> web"]
    );
    let removed: Vec<String> = config
        .removed
        .iter()
        .map(|r| format!("{} destroy={}", r.from, r.destroy))
        .collect();
    assert_eq!(removed, ["legacy destroy=false", "old_cache destroy=true"]);
}

#[test]
fn mistakes_in_moved_and_removed_are_reported_where_they_are_written() {
    check(
        r#"
[[moved]]
from = "a[x]"
to = "b"

[[moved]]
from = "c"
too = "d"

[[removed]]
from = 3
lifecycle = { destroy = "no" }

moved = "x"                       # inside the last [[removed]]
"#,
        r#"
strata::manifest::address strata.toml:3:8: `a[x]` is not a valid address: an index must be a non-negative integer or a quoted key
strata::manifest::unknown_key strata.toml:8:1: unknown key `too`
strata::manifest::type strata.toml:7:1: a `[[moved]]` block has no `to`
strata::manifest::type strata.toml:11:8: `from` must be an address string, not an integer
strata::manifest::lifecycle strata.toml:12:13: the `lifecycle` of a `[[removed]]` block holds only `destroy = true|false`
strata::manifest::unknown_key strata.toml:14:1: unknown key `moved`
"#,
    );
}
