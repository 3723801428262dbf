//! `strata fmt` and `strata completions`, run as a user runs them.

use super::support::*;

const MESSY: &str = "# The demo stack.\nstack=\"demo\"\n\n\n[provider]\n  kind =   \"sim\"   # the simulated cloud\n  region=\"us-east-1\"\n[resource.vpc]\n\tkind=\"aws.ec2.vpc\"\n  cidr_block = \"10.0.0.0/16\"\n  tags = {Name=\"demo\",Env = \"dev\"}\n";
const CANONICAL: &str = "# The demo stack.\nstack = \"demo\"\n\n[provider]\nkind = \"sim\"   # the simulated cloud\nregion = \"us-east-1\"\n\n[resource.vpc]\nkind = \"aws.ec2.vpc\"\ncidr_block = \"10.0.0.0/16\"\ntags = { Name = \"demo\", Env = \"dev\" }\n";

fn manifest(p: &Project) -> String {
    std::fs::read_to_string(p.manifest()).unwrap()
}

#[test]
fn fmt_rewrites_the_manifest_keeping_comments_and_meaning() {
    let p = Project::new(MESSY);
    let before = p.run_expect(&["plan", "--json"], 0).stdout;
    let out = p.run_expect(&["fmt"], 0);
    assert_eq!(
        text(&out.stdout).trim(),
        "strata.toml",
        "lists what it changed"
    );
    assert_eq!(manifest(&p), CANONICAL);
    assert_eq!(
        p.run_expect(&["plan", "--json"], 0).stdout,
        before,
        "formatting changes no meaning"
    );
    // A second run finds nothing to do.
    let again = p.run_expect(&["fmt"], 0);
    assert_eq!(text(&again.stdout), "");
}

#[test]
fn fmt_check_reports_without_writing_and_fails() {
    let p = Project::new(MESSY);
    let out = p.run_expect(&["fmt", "--check", "--diff"], 3);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("strata.toml"), "{stdout}");
    assert!(stdout.contains("-stack=\"demo\""), "{stdout}");
    assert!(stdout.contains("+stack = \"demo\""), "{stdout}");
    assert_eq!(manifest(&p), MESSY, "--check writes nothing");
}

#[test]
fn fmt_formats_every_toml_file_under_a_directory() {
    let p = Project::new(CANONICAL);
    std::fs::create_dir_all(p.path().join("env")).unwrap();
    std::fs::write(p.path().join("env/prod.toml"), "azs=3\n").unwrap();
    std::fs::write(p.path().join("env/notes.txt"), "azs=3\n").unwrap();
    let out = p.run_expect(&["fmt", "."], 0);
    assert_eq!(text(&out.stdout).trim(), "./env/prod.toml");
    let prod = std::fs::read_to_string(p.path().join("env/prod.toml")).unwrap();
    assert_eq!(prod, "azs = 3\n");
    let notes = std::fs::read_to_string(p.path().join("env/notes.txt")).unwrap();
    assert_eq!(notes, "azs=3\n", "only TOML files are touched");
}

#[test]
fn fmt_of_invalid_toml_points_at_the_error_and_changes_nothing() {
    let broken = "stack = \"demo\"\n[provider\nkind = \"sim\"\n";
    let p = Project::new(broken);
    let out = p.run_expect(&["fmt"], 1);
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("not valid TOML"), "{err}");
    assert!(err.contains("strata.toml:2:"), "{err}");
    assert_eq!(manifest(&p), broken);
}

#[test]
fn the_examples_are_formatted() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let p = Project::new(CANONICAL);
    let out = p.run(&["fmt", "--check", "--diff", examples.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn completions_cover_every_subcommand_in_each_shell() {
    let p = Project::new(CANONICAL);
    let bash = text(&p.run_expect(&["completions", "bash"], 0).stdout);
    for sub in [
        "plan",
        "apply",
        "destroy",
        "rollout",
        "drill",
        "fmt",
        "force-unlock",
    ] {
        assert!(bash.contains(sub), "bash completion lacks {sub}");
    }
    // The script is valid bash.
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("strata.bash");
    std::fs::write(&script, &bash).unwrap();
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(syntax.status.success(), "{}", text(&syntax.stderr));

    let zsh = text(&p.run_expect(&["completions", "zsh"], 0).stdout);
    assert!(zsh.starts_with("#compdef strata"), "{zsh}");
    let fish = text(&p.run_expect(&["completions", "fish"], 0).stdout);
    assert!(fish.contains("complete -c strata"), "{fish}");
    assert!(fish.contains("rollout"), "{fish}");

    let bad = p.run_expect(&["completions", "powerpoint"], 2);
    assert!(text(&bad.stderr).contains("bash"), "lists the shells");
}
