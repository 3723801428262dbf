//! Core and stacks name no provider: what differs between clouds is a
//! capability (`Provider::capabilities`), and the provider kinds are the
//! application's. A quoted provider name in their sources (tests included)
//! is a decision taken by name, which this test refuses.

use std::path::{Path, PathBuf};

/// The providers this build ships (the CLI's list), whose names core and
/// stacks must not use.
use strata::cli::PROVIDER_KINDS as SHIPPED;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn core_and_stacks_quote_no_provider_name() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["core/src", "core/tests", "stacks/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 50, "found only {} files", files.len());
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for name in SHIPPED {
            let quoted = format!("\"{name}\"");
            for (n, line) in text.lines().enumerate() {
                if line.contains(&quoted) {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "provider names:\n{}", found.join("\n"));
}
