//! Core and stacks name no provider: what differs between clouds is a
//! capability (`Provider::capabilities`), and the provider kinds are the
//! application's. A quoted provider name in their sources (tests included)
//! is a decision taken by name, which this test refuses.

use std::path::{Path, PathBuf};

/// The providers Strata ships, whose names core and stacks must not use.
const SHIPPED: &[&str] = &["sim", "aws"];

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
    let core = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests"] {
        rust_files(&core.join(dir), &mut files);
    }
    rust_files(&core.join("../stacks/src"), &mut files);
    assert!(files.len() > 50, "found only {} files", files.len());
    let this = Path::new(file!()).file_name();
    let mut found = Vec::new();
    for file in files.iter().filter(|f| f.file_name() != this) {
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
