//! The update-or-replace reference of the book, generated from the schemas
//! so it cannot drift from what the planner does.

use std::fmt::Write;

use crate::schema::{Compare, Replace};

/// A Markdown section per kind: the attributes that can force replacement
/// with the reason for each, the attributes compared specially, and those
/// whose change waits for the maintenance window.
pub fn replacement_reference() -> String {
    let mut out = String::new();
    for k in super::ALL {
        let _ = writeln!(out, "### `{}`\n", k.kind);
        if k.stateful {
            out.push_str(
                "Stateful: a replacement loses its data, so `apply` refuses one without \
                 `--allow-replace` or `lifecycle.allow_replace`",
            );
            out.push_str(if k.kind == super::DB_INSTANCE {
                " (not for a read replica, whose data is copied from its primary again).\n\n"
            } else {
                ".\n\n"
            });
        }
        let forced: Vec<_> = k.attrs.iter().filter(|a| a.is_force_new()).collect();
        if forced.is_empty() {
            out.push_str("Nothing forces replacement: every attribute changes in place.\n\n");
        } else {
            out.push_str("| attribute | replaced | why |\n|---|---|---|\n");
            for a in forced {
                let (when, why) = match a.replace {
                    Replace::Always(why) => ("always", why),
                    Replace::When(why, _) => ("sometimes", why),
                    Replace::Never => continue,
                };
                let _ = writeln!(out, "| `{}` | {when} | {why} |", a.name);
            }
            out.push('\n');
        }
        let compared: Vec<String> = k
            .attrs
            .iter()
            .filter_map(|a| {
                let how = match a.compare {
                    Compare::Exact => return None,
                    Compare::Version => "as a version",
                    Compare::KmsKey => "as a KMS key in any form",
                    Compare::Set => "as a set",
                    Compare::ReplicaSource => "as a replica source",
                };
                Some(format!("`{}` {how}", a.name))
            })
            .collect();
        if !compared.is_empty() {
            let _ = writeln!(out, "Compared {}.\n", compared.join(", "));
        }
        let deferred: Vec<String> = k
            .attrs
            .iter()
            .filter(|a| a.deferred)
            .map(|a| format!("`{}`", a.name))
            .collect();
        if !deferred.is_empty() {
            let _ = writeln!(
                out,
                "With `apply_immediately = false`, changes of {} wait for the maintenance window.\n",
                deferred.join(", ")
            );
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const BEGIN: &str = "<!-- generated: replacement reference -->\n";
    const END: &str = "<!-- end of generated reference -->";

    /// The book's page holds the reference as the schemas give it. Run with
    /// `STRATA_BLESS=1` to write it after changing a schema.
    #[test]
    fn the_book_lists_every_force_new_attribute_with_its_reason() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../book/src/update-or-replace.md"
        );
        let page = std::fs::read_to_string(path).unwrap();
        let start = page.find(BEGIN).expect("the generated-section marker") + BEGIN.len();
        let end = page.find(END).expect("the end marker");
        let want = replacement_reference();
        if page[start..end] != want {
            if std::env::var_os("STRATA_BLESS").is_some() {
                let fresh = format!("{}{want}{}", &page[..start], &page[end..]);
                std::fs::write(path, fresh).unwrap();
            } else {
                panic!("book/src/update-or-replace.md is out of date with the schemas: run `STRATA_BLESS=1 cargo test -p strata-core --lib the_book_lists`");
            }
        }
        assert!(want.contains("`kms_key_id` | always | AWS cannot move"));
        assert!(want.contains("`transit_encryption_enabled` | sometimes |"));
    }
}
