//! The simulated cloud's world model is its ground floor: the records and
//! objects (`cloud`, `objects`) and what they are built from (`clock`,
//! `ids`, `faults`, `error`) import nothing from the services, the
//! dispatcher or the drill operations above them, so each service can be
//! read (and changed) on top of a model that does not depend on it.

use std::collections::BTreeSet;

/// The modules of the ground floor.
const FLOOR: &[&str] = &["cloud", "objects", "clock", "ids", "faults", "error"];

/// The modules a source file names through `crate::` paths.
fn imports(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                for name in inner.split(',') {
                    let module = name.trim().split("::").next().unwrap_or("").trim();
                    if !module.is_empty() {
                        found.insert(module.to_string());
                    }
                }
            } else {
                let module: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                found.insert(module);
            }
        }
    }
    found
}

#[test]
fn the_world_model_imports_nothing_above_it() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut above = Vec::new();
    for module in FLOOR {
        let path = src.join(format!("{module}.rs"));
        let source = std::fs::read_to_string(&path).unwrap();
        for import in imports(&source) {
            if !FLOOR.contains(&import.as_str()) {
                above.push(format!("{module} imports crate::{import}"));
            }
        }
    }
    assert!(above.is_empty(), "{}", above.join("\n"));
}

#[test]
fn the_check_reads_grouped_and_inline_imports() {
    let found = imports(
        "use crate::{elbv2, rds::thing};\nlet x = crate::traffic::f(); // crate::ignored\n",
    );
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["elbv2", "rds", "traffic"]
    );
}
