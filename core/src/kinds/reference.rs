//! The update-or-replace reference of the book, generated from the schemas
//! so it cannot drift from what the planner does.

use std::fmt::Write;

use crate::schema::{AttrType, Compare, Mode, Replace};
use crate::value::Value;

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
                    Compare::Rules => "as a set of single permissions",
                    Compare::ReplicaSource => "as a replica source",
                    Compare::AtLeast => "as a lower bound (AWS may grow it)",
                    Compare::Policy => "as a JSON policy document",
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

/// The attribute table of one kind for the resource reference
/// (`book/src/resources.md`): type, mode, notes (replacement, comparison,
/// maintenance window, sensitivity, default) and description.
pub fn attribute_table(kind: &crate::schema::KindSchema) -> String {
    let mut out = String::from(
        "| Attribute | Type | Mode | Notes | Description |\n|---|---|---|---|---|\n\
         | `id` | string | computed | | The cloud id. |\n",
    );
    for a in kind.attrs {
        let mode = match a.mode {
            Mode::Required => "required",
            Mode::Optional => "optional",
            Mode::Computed => "computed",
        };
        let mut notes = Vec::new();
        match a.replace {
            Replace::Always(_) => notes.push("forces replacement".to_string()),
            Replace::When(_, _) => notes.push("may force replacement".to_string()),
            Replace::Never => {}
        }
        match a.compare {
            Compare::Exact => {}
            Compare::Version => notes.push("compared as a version".into()),
            Compare::KmsKey => notes.push("any key form".into()),
            Compare::Set => notes.push("a set".into()),
            Compare::Rules => notes.push("a set of permissions".into()),
            Compare::ReplicaSource => notes.push("a promoted replica is adopted".into()),
            Compare::AtLeast => notes.push("more is not a change".into()),
            Compare::Policy => notes.push("compared as a JSON document".into()),
        }
        if a.deferred {
            notes.push("maintenance window".into());
        }
        if a.sensitive {
            notes.push("sensitive".into());
        }
        if let Some(d) = a.default {
            let v = match d.value() {
                Value::String(s) => s.to_string(),
                other => other.to_string(),
            };
            notes.push(format!("default `{v}`"));
        }
        let _ = writeln!(
            out,
            "| `{}` | {} | {mode} | {} | {} |",
            a.name,
            type_text(&a.ty),
            notes.join("; "),
            a.doc
        );
    }
    out
}

pub(super) fn type_text(ty: &AttrType) -> String {
    match ty {
        AttrType::String => "string".into(),
        AttrType::Int => "integer".into(),
        AttrType::Float => "number".into(),
        AttrType::Bool => "boolean".into(),
        AttrType::List(t) => format!("list of {}", type_text(t)),
        AttrType::Map(t) => format!("table of {}", type_text(t)),
        AttrType::Object(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|f| {
                    let star = if f.required { "*" } else { "" };
                    let default = match f.default.map(|d| d.value()) {
                        Some(Value::String(s)) => format!(" (default `{s}`)"),
                        Some(v) => format!(" (default `{v}`)"),
                        None => String::new(),
                    };
                    format!("`{}`{star}: {}{default}", f.name, type_text(&f.ty))
                })
                .collect();
            format!("table {{{}}}", fields.join(", "))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
pub(super) mod tests {
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

    /// `book/src/resources.md` holds each kind's attribute table as the
    /// schema gives it (`STRATA_BLESS=1` writes them).
    #[test]
    fn the_resource_reference_matches_the_schemas() {
        let sections = crate::kinds::ALL
            .iter()
            .map(|k| {
                let begin = format!("<!-- generated: attributes of {} -->\n", k.kind);
                (k.kind, begin, attribute_table(k))
            })
            .collect();
        sync_resources_page(sections, "reference");
    }

    /// Checks (or, with `STRATA_BLESS=1`, writes) generated sections of
    /// `book/src/resources.md`: each `(name, begin marker, text)` up to the
    /// end marker. `test` names the test to run to bless.
    pub(crate) fn sync_resources_page(sections: Vec<(&str, String, String)>, test: &str) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../book/src/resources.md");
        let mut page = std::fs::read_to_string(path).unwrap();
        let mut stale = Vec::new();
        for (name, begin, want) in sections {
            let start = page
                .find(&begin)
                .unwrap_or_else(|| panic!("resources.md has no table marker for {name}"))
                + begin.len();
            let end = start + page[start..].find(END).expect("the end marker");
            if page[start..end] != want {
                stale.push(name);
                page.replace_range(start..end, &want);
            }
        }
        if !stale.is_empty() {
            if std::env::var_os("STRATA_BLESS").is_some() {
                std::fs::write(path, page).unwrap();
            } else {
                panic!("book/src/resources.md is out of date for {stale:?}: run `STRATA_BLESS=1 cargo test -p strata-core --lib {test}`");
            }
        }
    }
}
