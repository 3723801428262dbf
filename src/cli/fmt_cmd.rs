//! `strata fmt`: rewrites manifests and variable files in one canonical
//! layout, keeping every comment and the order of everything.
//!
//! The layout: `key = value` with one space each side of `=`, no indentation,
//! at most one blank line in a row, one blank line before each `[table]`
//! header (none before the first), spacing inside one-line arrays and inline
//! tables normalised, no trailing whitespace, one newline at the end.
//! Values are written as they were (quotes, multi-line strings, numbers), and
//! multi-line arrays keep their lines.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use miette::{miette, Context, IntoDiagnostic, Result};
use strata_core::config::{SourceFile, Span};
use strata_core::diag::{Problem, Problems};
use strata_core::manifest::SYNTAX;
use toml_edit::{Decor, DocumentMut, Item, RawString, Table, Value};

/// Arguments of `strata fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Files or directories to format (directories: every `*.toml` in them,
    /// recursively). Without any, the manifest given by `-f`.
    pub paths: Vec<PathBuf>,
    /// Change nothing; list the files that are not formatted and exit 3 if
    /// there are any (for CI).
    #[arg(long)]
    pub check: bool,
    /// Print a diff of each file's changes.
    #[arg(long)]
    pub diff: bool,
}

/// Runs `strata fmt`.
pub fn fmt(manifest: &Path, args: FmtArgs) -> Result<ExitCode> {
    let roots = if args.paths.is_empty() {
        vec![manifest.to_path_buf()]
    } else {
        args.paths.clone()
    };
    let mut files = Vec::new();
    for root in &roots {
        collect(root, &mut files)?;
    }
    let mut unformatted = 0;
    for file in &files {
        let text = std::fs::read_to_string(file)
            .into_diagnostic()
            .wrap_err_with(|| format!("cannot read {}", file.display()))?;
        let formatted = format_text(&file.display().to_string(), &text)?;
        if formatted == text {
            continue;
        }
        unformatted += 1;
        println!("{}", file.display());
        if args.diff {
            print_diff(file, &text, &formatted);
        }
        if !args.check {
            write_atomically(file, &formatted)?;
        }
    }
    Ok(if args.check && unformatted > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

/// `path` itself if it is a file; every `*.toml` under it (sorted) if it is a
/// directory, skipping hidden directories and `target`.
fn collect(path: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let meta = std::fs::metadata(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot read {}", path.display()))?;
    if !meta.is_dir() {
        files.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot list {}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if entry.is_dir() {
            if !name.starts_with('.') && name != "target" {
                collect(&entry, files)?;
            }
        } else if name.ends_with(".toml") {
            files.push(entry);
        }
    }
    Ok(())
}

/// The canonical layout of `text` (a TOML file called `name`), or a
/// diagnostic at the syntax error.
pub fn format_text(name: &str, text: &str) -> Result<String> {
    let mut doc: DocumentMut = match text.parse() {
        Ok(doc) => doc,
        Err(e) => {
            let source = SourceFile::new(name, text);
            let problem = Problem::new(
                SYNTAX,
                format!("{name} is not valid TOML: {}", e.message().trim_end()),
                Some("fix the TOML syntax here; nothing was changed".to_string()),
            )
            .at(Some(&source), e.span().map(Span::from), "invalid TOML");
            return Err(Problems::new(name, vec![problem]).into());
        }
    };
    let mut first = true;
    table(doc.as_table_mut(), true, &mut first);
    let trailing = lines(
        doc.trailing().as_str().unwrap_or(""),
        Blank::Drop,
        Blank::Drop,
    );
    doc.set_trailing(trailing);
    let mut out = doc.to_string().trim_start_matches('\n').to_string();
    let end = out.trim_end().len();
    out.truncate(end);
    if !out.is_empty() {
        out.push('\n');
    }
    Ok(out)
}

/// What to do with blank lines at one end of a comment block.
#[derive(Clone, Copy, PartialEq)]
enum Blank {
    /// Drop them.
    Drop,
    /// Keep one if there was any.
    Keep,
    /// Always one.
    One,
}

/// Normalises the whitespace and comments before a key or a header: each
/// comment line unindented, blank lines inside collapsed to one, the ends as
/// `lead` and `tail` say. Indentation before the key itself is dropped.
fn lines(raw: &str, lead: Blank, tail: Blank) -> String {
    let mut out: Vec<&str> = Vec::new();
    let mut blank_before = false;
    let mut pending_blank = false;
    for line in raw.split_inclusive('\n') {
        if !line.ends_with('\n') {
            // What precedes the key on its own line: indentation only.
            break;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() {
            if out.is_empty() {
                blank_before = true;
            } else {
                pending_blank = true;
            }
            continue;
        }
        if pending_blank {
            out.push("");
            pending_blank = false;
        }
        out.push(trimmed);
    }
    let mut text = String::new();
    let lead_blank = match lead {
        Blank::Drop => false,
        Blank::Keep => blank_before || (out.is_empty() && pending_blank),
        Blank::One => true,
    };
    if lead_blank {
        text.push('\n');
    }
    for line in &out {
        text.push_str(line);
        text.push('\n');
    }
    let tail_blank = match tail {
        Blank::Drop => false,
        Blank::Keep => pending_blank && !out.is_empty(),
        Blank::One => !out.is_empty(),
    };
    if tail_blank {
        text.push('\n');
    }
    text
}

fn raw(decor: &Decor, prefix: bool) -> String {
    let part = if prefix {
        decor.prefix()
    } else {
        decor.suffix()
    };
    part.and_then(RawString::as_str).unwrap_or("").to_string()
}

/// A trailing comment keeps the spacing the author gave it (aligned
/// comments stay aligned); anything else after a value goes.
fn trailing_comment(suffix: &str) -> String {
    if suffix.contains('#') {
        suffix.trim_end().to_string()
    } else {
        String::new()
    }
}

fn table(table: &mut Table, root: bool, first_header: &mut bool) {
    if !root && !table.is_implicit() {
        let prefix = raw(table.decor(), true);
        let lead = if *first_header {
            Blank::Drop
        } else {
            Blank::One
        };
        *first_header = false;
        let header = lines(&prefix, lead, Blank::Keep);
        let suffix = trailing_comment(&raw(table.decor(), false));
        table.decor_mut().set_prefix(header);
        table.decor_mut().set_suffix(suffix);
    }
    let mut first_key = true;
    let mut children = Vec::new();
    for (mut key, item) in table.iter_mut() {
        match item {
            Item::Value(value) => {
                let prefix = raw(key.leaf_decor(), true);
                let lead = if first_key { Blank::Drop } else { Blank::Keep };
                first_key = false;
                if *first_header {
                    // Keys before any header: the top of the file.
                    *first_header = false;
                }
                key.leaf_decor_mut()
                    .set_prefix(lines(&prefix, lead, Blank::Keep));
                key.leaf_decor_mut().set_suffix(" ");
                normalize_value(value);
            }
            Item::Table(_) | Item::ArrayOfTables(_) => children.push(key.get().to_string()),
            Item::None => {}
        }
    }
    // Headers come after the keys in the text; their order in the document
    // is their `position`, which formatting does not change.
    for name in children {
        match table.get_mut(&name) {
            Some(Item::Table(child)) => self::table(child, false, first_header),
            Some(Item::ArrayOfTables(array)) => {
                for child in array.iter_mut() {
                    self::table(child, false, first_header);
                }
            }
            _ => {}
        }
    }
}

fn normalize_value(value: &mut Value) {
    let suffix = trailing_comment(&raw(value.decor(), false));
    match value {
        Value::InlineTable(inline) => {
            for (_, v) in inline.iter_mut() {
                normalize_value(v);
            }
            inline.fmt();
        }
        Value::Array(array) if !array.to_string().contains('\n') => {
            for v in array.iter_mut() {
                normalize_value(v);
            }
            array.fmt();
        }
        _ => {}
    }
    value.decor_mut().set_prefix(" ");
    value.decor_mut().set_suffix(suffix);
}

fn print_diff(file: &Path, old: &str, new: &str) {
    let name = file.display().to_string();
    let diff = similar::TextDiff::from_lines(old, new);
    print!(
        "{}",
        diff.unified_diff()
            .context_radius(2)
            .header(&name, &format!("{name} (formatted)"))
    );
}

/// Writes through a temporary file in the same directory and a rename, so an
/// interrupted `fmt` leaves the old file or the new one, never half of one.
fn write_atomically(file: &Path, text: &str) -> Result<()> {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(&dir)
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write in {}", dir.display()))?;
    std::io::Write::write_all(&mut temp, text.as_bytes())
        .into_diagnostic()
        .wrap_err_with(|| format!("cannot write {}", file.display()))?;
    if let Ok(meta) = std::fs::metadata(file) {
        let _ = std::fs::set_permissions(temp.path(), meta.permissions());
    }
    temp.persist(file)
        .map_err(|e| miette!("cannot replace {}: {}", file.display(), e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::format_text;

    fn fmt(text: &str) -> String {
        match format_text("t.toml", text) {
            Ok(out) => out,
            Err(e) => format!("error: {e:?}"),
        }
    }

    #[test]
    fn spacing_indentation_and_blank_lines_are_made_canonical() {
        let messy = "\n\nstack=\"shop\"   \n\n\n\n[provider]\n  kind =   \"sim\"\n[resource.vpc]\n\tkind=\"aws.ec2.vpc\"\n  tags = {Name=\"a\",  Env = \"b\"}\n  ports = [ 80,443 ,8080 ]\n\n\n";
        let want = "stack = \"shop\"\n\n[provider]\nkind = \"sim\"\n\n[resource.vpc]\nkind = \"aws.ec2.vpc\"\ntags = { Name = \"a\", Env = \"b\" }\nports = [80, 443, 8080]\n";
        assert_eq!(fmt(messy), want);
        assert_eq!(fmt(want), want, "formatting is idempotent");
    }

    #[test]
    fn comments_and_multiline_values_are_kept() {
        let text = "# The stack.\nstack = \"shop\"   # trailing\n\n  # about the provider\n[provider]\nkind = \"sim\"\n\n# grouped\nregion = \"us-east-1\"\nazs = [\n  \"a\", # first\n  \"b\",\n]\nscript = \"\"\"\n  indented  \nline\n\"\"\"\n";
        let want = "# The stack.\nstack = \"shop\"   # trailing\n\n# about the provider\n[provider]\nkind = \"sim\"\n\n# grouped\nregion = \"us-east-1\"\nazs = [\n  \"a\", # first\n  \"b\",\n]\nscript = \"\"\"\n  indented  \nline\n\"\"\"\n";
        assert_eq!(fmt(text), want);
    }

    #[test]
    fn a_syntax_error_is_a_diagnostic_at_its_place() {
        let out = fmt("stack = \"shop\"\n[provider\nkind = 1\n");
        assert!(out.starts_with("error:"), "{out}");
        assert!(out.contains("not valid TOML"), "{out}");
    }
}
