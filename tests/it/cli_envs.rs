//! `examples/envs/`: one manifest, a var file per environment, each
//! environment applied on the sim into its own state; and the variable
//! mistakes a user makes on the command line, reported with their place.

use std::path::Path;

use crate::support::{text, Project};

/// A project holding the example's manifest and var files.
fn envs() -> Project {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/envs");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let p = Project::new(&read("strata.toml"));
    for name in ["staging.toml", "prod.toml"] {
        std::fs::write(p.path().join(name), read(name)).unwrap();
    }
    p
}

/// Diagnostics with miette's line wrapping undone.
fn flat(err: &str) -> String {
    err.replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

const SECRET: &str = "s3cret-password-for-tests";

fn in_env(p: &Project, file: &str, args: &[&str], code: i32) -> std::process::Output {
    let mut all = vec!["--var-file", file];
    all.extend_from_slice(args);
    let out = p
        .cmd(&all)
        .env("STRATA_VAR_db_password", SECRET)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "strata {all:?}\nstdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

fn state_of(p: &Project, file: &str) -> serde_json::Value {
    serde_json::from_slice(&in_env(p, file, &["show", "--json"], 0).stdout).unwrap()
}

#[test]
fn staging_and_prod_apply_from_one_manifest_into_separate_states() {
    let p = envs();
    let plan = in_env(&p, "staging.toml", &["plan", "--json"], 0);
    assert!(
        !text(&plan.stdout).contains(SECRET),
        "the password is in the plan"
    );
    in_env(&p, "staging.toml", &["apply", "--yes"], 0);
    in_env(&p, "prod.toml", &["apply", "--yes"], 0);

    // Two states, at the backend paths the var files chose.
    for env in ["staging", "prod"] {
        assert!(
            p.path().join(format!("state/{env}/state.json")).exists(),
            "{env}"
        );
    }
    assert!(!p.path().join(".strata/state.json").exists());
    let staging = state_of(&p, "staging.toml");
    let prod = state_of(&p, "prod.toml");
    assert_eq!(staging["stack"], "shop-staging");
    assert_eq!(prod["stack"], "shop-prod");
    assert_ne!(staging["lineage"], prod["lineage"]);

    // Sized from each file.
    let attr = |s: &serde_json::Value, r: &str, a: &str| s["resources"][r]["attrs"][a].clone();
    let instances =
        |s: &serde_json::Value| attr(s, "app_asg", "instance_ids").as_array().unwrap().len();
    assert_eq!(instances(&staging), 1);
    assert_eq!(instances(&prod), 3);
    assert_eq!(attr(&staging, "db", "instance_class"), "db.t4g.small");
    assert_eq!(attr(&prod, "db", "instance_class"), "db.r6g.large");
    assert_eq!(attr(&prod, "db", "allocated_storage"), 200);
    assert_eq!(attr(&prod, "db", "multi_az"), true);
    assert_eq!(attr(&staging, "vpc", "cidr_block"), "10.10.0.0/16");
    assert_eq!(attr(&prod, "subnet[1]", "cidr_block"), "10.20.2.0/24");

    // Each environment is converged; neither touched the other.
    in_env(&p, "staging.toml", &["plan", "--detailed-exitcode"], 0);
    in_env(&p, "prod.toml", &["plan", "--detailed-exitcode"], 0);

    // A flag beats the file: one more staging instance is an update of
    // staging only.
    let out = in_env(
        &p,
        "staging.toml",
        &["plan", "--detailed-exitcode", "--var", "web_count=2"],
        2,
    );
    assert!(
        text(&out.stdout).contains("app_asg will be updated in place"),
        "{}",
        text(&out.stdout)
    );

    // The sensitive password is in no state file, in no output.
    for env in ["staging", "prod"] {
        let dir = p.path().join("state").join(env);
        let mut stored = std::fs::read_to_string(dir.join("state.json")).unwrap();
        stored += &std::fs::read_to_string(dir.join("journal.jsonl")).unwrap_or_default();
        assert!(!stored.contains(SECRET), "{env}'s state holds the password");
    }
    assert!(!serde_json::to_string(&prod).unwrap().contains(SECRET));
}

#[test]
fn variable_mistakes_are_diagnostics_with_their_place() {
    let p = envs();
    // Both required variables missing: one diagnostic naming both.
    let out = p.run_expect(&["plan"], 1);
    let err = flat(&text(&out.stderr));
    assert!(
        err.contains("strata.toml:14:11: 2 required variables have no value: `env`, `web_count`"),
        "{err}"
    );

    // A misspelt flag, and a value its rule rejects.
    let out = p.run_expect(
        &[
            "--var-file",
            "prod.toml",
            "--var",
            "web_cont=4",
            "--var",
            "env=qa",
            "plan",
        ],
        1,
    );
    let err = text(&out.stderr);
    assert!(err.contains("a value is given for `web_cont`"), "{err}");
    assert!(err.contains("did you mean `web_count`?"), "{err}");
    assert!(
        err.contains("command line:1:11: variable `env` is \"qa\", not one of"),
        "{err}"
    );

    // A bad line in a var file points at that file.
    std::fs::write(
        p.path().join("bad.toml"),
        "env = \"prod\"\nweb_count = 40\n",
    )
    .unwrap();
    let out = p.run_expect(&["--var-file", "bad.toml", "plan"], 1);
    let err = flat(&text(&out.stderr));
    assert!(
        err.contains("bad.toml:2:13: variable `web_count` is 40"),
        "{err}"
    );
    assert!(err.contains("declared at"), "{err}");

    // The environment: a sensitive value that breaks its rule is not shown.
    let out = p
        .cmd(&["--var-file", "staging.toml", "plan"])
        .env("STRATA_VAR_db_password", "tiny-secret")
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("environment:1:"), "{err}");
    assert!(!err.contains("tiny-secret"), "{err}");
}

#[test]
fn the_var_flags_are_documented_in_help() {
    let out = Project::new("").run_expect(&["plan", "--help"], 0);
    let help = text(&out.stdout);
    assert!(help.contains("--var <NAME=VALUE>"), "{help}");
    assert!(help.contains("--var-file <FILE>"), "{help}");
    assert!(help.contains("STRATA_VAR_NAME"), "{help}");
}

#[test]
fn a_rust_built_stack_takes_the_same_variable_sources() {
    // `cargo test` builds the examples beside the test binaries.
    let exe = Path::new(env!("CARGO_BIN_EXE_strata"))
        .parent()
        .unwrap()
        .join("examples/embedded");
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], env: Option<&str>| {
        let mut cmd = std::process::Command::new(&exe);
        cmd.current_dir(dir.path())
            .env("STRATA_SIM_SPEED", crate::support::SPEED)
            .env("NO_COLOR", "1")
            .args(args);
        match env {
            Some(v) => cmd.env("STRATA_VAR_instance_type", v),
            None => cmd.env_remove("STRATA_VAR_instance_type"),
        };
        cmd.output().unwrap()
    };
    let plan = |out: &std::process::Output| {
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    assert!(plan(&run(&["plan"], None)).contains("\"t3.small\""));
    assert!(plan(&run(&["plan"], Some("t3.medium"))).contains("\"t3.medium\""));
    std::fs::write(
        dir.path().join("big.toml"),
        "instance_type = \"m6i.large\"\n",
    )
    .unwrap();
    let out = run(&["--var-file", "big.toml", "plan"], Some("t3.medium"));
    assert!(
        plan(&out).contains("\"m6i.large\""),
        "a var file beats the environment"
    );
    let out = run(
        &[
            "--var-file",
            "big.toml",
            "--var",
            "instance_type=c7g.xlarge",
            "plan",
        ],
        None,
    );
    assert!(
        plan(&out).contains("\"c7g.xlarge\""),
        "a flag beats a var file"
    );

    let out = run(&["--var", "instance_typ=t3.large", "plan"], None);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("did you mean `instance_type`?"), "{err}");
    let out = run(&["plan"], Some("T3 LARGE"));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("environment:1:"), "{err}");
    assert!(flat(&err).contains("which does not match"), "{err}");
}
