//! Secrets from outside the manifest, through the CLI on the sim: an unset
//! environment variable stops everything at its place; clear text works
//! with a warning; env, file, Secrets Manager and SSM values reach the
//! cloud but never state, plan output, `--json` or saved plans (a canary
//! value is looked for in each); a saved plan reads its secrets again and
//! refuses one that changed.

use strata::sim::{SimOptions, SimRegions};

use crate::support::{text, Project, DB_PASSWORD};
use crate::web_service::example_text;

/// A manifest with one DB instance whose password is `password` (TOML).
fn db(password: &str) -> String {
    format!(
        r#"stack = "secrets"

[provider]
kind = "sim"
region = "us-east-1"

[resource.db]
kind = "aws.rds.db_instance"
identifier = "secrets-db"
engine = "postgres"
instance_class = "db.t4g.micro"
username = "app"
password = {password}
skip_final_snapshot = true
"#
    )
}

/// Seeds the project's simulated account (the sim the CLI opens).
fn seed(p: &Project, f: impl FnOnce(&strata::sim::SimProvider)) {
    let regions = SimRegions::open(&p.path().join(".strata/sim"));
    let sim = regions
        .provider(SimOptions {
            region: "us-east-1".into(),
            ..SimOptions::instant()
        })
        .unwrap();
    f(&sim);
}

/// Whether a line of `out` shows the attribute `name` as `shown`.
fn shows(out: &str, name: &str, shown: &str) -> bool {
    out.lines().any(|l| {
        l.trim_start()
            .trim_start_matches(['+', '~', ' '])
            .starts_with(name)
            && l.contains(shown)
    })
}

/// Whether `err` holds `words` in order, whatever line wrapping miette did.
pub fn says(err: &str, words: &str) -> bool {
    let flat: String = err
        .split_whitespace()
        .filter(|w| *w != "│")
        .collect::<Vec<_>>()
        .join(" ");
    flat.contains(words)
}

/// Everything the CLI wrote to disk under the project (state, journal,
/// the simulated cloud, saved plans).
fn everything_on_disk(p: &Project) -> String {
    let mut out = String::new();
    for entry in walk(p.path()) {
        if let Ok(s) = std::fs::read_to_string(&entry) {
            out.push_str(&s);
        }
    }
    out
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let path = e.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.file_name().is_some_and(|n| n != "secret.txt") {
            out.push(path);
        }
    }
    out
}

#[test]
fn an_unset_variable_is_a_diagnostic_naming_it_and_nothing_is_applied() {
    let p = Project::new(&example_text());
    let out = p
        .cmd(&["apply", "--yes"])
        .env_remove("SHOP_DB_PASSWORD")
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(err.contains("strata::secret::env"), "{err}");
    assert!(
        says(
            &err,
            "the environment variable `SHOP_DB_PASSWORD` is not set"
        ),
        "{err}"
    );
    // At the parameter, in the manifest.
    let line = example_text()
        .lines()
        .position(|l| l.starts_with("db_password"))
        .unwrap()
        + 1;
    assert!(err.contains(&format!("strata.toml:{line}:")), "{err}");
    assert!(!p.state_file().exists(), "state was written");
    assert!(!p.path().join(".strata/journal.jsonl").exists());
}

#[test]
fn a_clear_text_password_works_with_a_warning_at_its_place() {
    let example = example_text();
    let clear = example.replace(
        r#"db_password = { env = "SHOP_DB_PASSWORD" }"#,
        r#"db_password = "clear-text-pw-77""#,
    );
    assert_ne!(clear, example);
    let p = Project::new(&clear);
    let out = p.run_expect(&["apply", "--yes"], 0);
    let err = text(&out.stderr);
    assert!(err.contains("strata::secret::plaintext"), "{err}");
    assert!(
        says(&err, "parameter `db_password` of module `web`"),
        "{err}"
    );
    assert!(
        says(&err, r#"db_password = { env = "DB_PASSWORD" }"#),
        "the help names a variable of the parameter's own: {err}"
    );
    assert!(err.contains("strata.toml:"), "{err}");
    assert!(!text(&out.stdout).contains("clear-text-pw-77"));
    // A resource's sensitive attribute too; a secret table warns of nothing.
    let p = Project::new(&db(r#""clear-text-pw-77""#));
    let out = p.run_expect(&["plan"], 0);
    let err = text(&out.stderr);
    assert!(
        says(&err, "`password` is sensitive but written in clear text"),
        "{err}"
    );
    let p = Project::new(&db(r#"{ env = "SHOP_DB_PASSWORD" }"#));
    let out = p.run_expect(&["plan"], 0);
    assert!(
        !text(&out.stderr).contains("plaintext"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_env_secret_shows_its_source_and_never_its_value() {
    let p = Project::new(&example_text());
    let out = p.run_expect(&["plan", "--out", "plan.json"], 0);
    let shown = text(&out.stdout);
    assert!(
        shows(
            &shown,
            "password",
            "= (sensitive, from env SHOP_DB_PASSWORD)"
        ),
        "{shown}"
    );
    let json = p.run_expect(&["plan", "--json"], 0);
    let json = text(&json.stdout);
    assert!(json.contains("env SHOP_DB_PASSWORD"), "{json}");
    let saved = std::fs::read_to_string(p.path().join("plan.json")).unwrap();
    assert!(saved.contains("\"$secret\""), "{saved}");
    // The saved plan reads the secret again and applies.
    let out = p.run_expect(&["apply", "plan.json"], 0);
    let applied = text(&out.stdout) + &text(&out.stderr);
    for (what, s) in [
        ("plan", &shown),
        ("plan --json", &json),
        ("saved plan", &saved),
        ("apply", &applied),
        ("files on disk", &everything_on_disk(&p)),
    ] {
        assert!(!s.contains(DB_PASSWORD), "the secret is in the {what}");
    }
    // State keeps a digest of it, to notice a change.
    assert!(p.raw_state_files().contains("sha256:"));
    // The same value from a file (its newline trimmed) changes nothing.
    std::fs::write(p.path().join("secret.txt"), format!("{DB_PASSWORD}\n")).unwrap();
    p.edit(|t| {
        t.replace(
            r#"db_password = { env = "SHOP_DB_PASSWORD" }"#,
            r#"db_password = { file = "secret.txt" }"#,
        )
    });
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
    // Another value is an update of the password.
    std::fs::write(p.path().join("secret.txt"), "another-pw\n").unwrap();
    let out = p.run_expect(&["plan", "--detailed-exitcode"], 2);
    let shown = text(&out.stdout);
    assert!(
        shows(
            &shown,
            "password",
            "= (sensitive value) -> (sensitive, from file secret.txt)"
        ),
        "{shown}"
    );
    // Applied with JSON events: the new value is in none of them, nor on disk.
    let out = p.run_expect(&["apply", "--json", "--yes"], 0);
    let events = text(&out.stdout) + &text(&out.stderr);
    assert!(events.contains("\"type\""), "{events}");
    assert!(!events.contains("another-pw"), "{events}");
    assert!(!everything_on_disk(&p).contains("another-pw"));
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
}

#[test]
fn a_saved_plan_refuses_a_secret_that_changed_since() {
    let p = Project::new(&example_text());
    p.run_expect(&["plan", "--out", "plan.json"], 0);
    let out = p
        .cmd(&["apply", "plan.json"])
        .env("SHOP_DB_PASSWORD", "changed-since")
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(err.contains("strata::secret::changed"), "{err}");
    assert!(err.contains("env SHOP_DB_PASSWORD"), "{err}");
    assert!(!p.state_file().exists() || p.state()["resources"].as_object().unwrap().is_empty());
}

#[test]
fn secrets_manager_and_ssm_are_read_while_planning() {
    let p = Project::new(&db(
        r#"{ secretsmanager = "prod/shop/db", key = "password" }"#,
    ));
    // Missing: a diagnostic naming the secret, at the attribute.
    let out = p.run_expect(&["plan"], 1);
    let err = text(&out.stderr);
    assert!(err.contains("strata::secret::not_found"), "{err}");
    assert!(
        says(
            &err,
            "the secret secretsmanager prod/shop/db (key password) does not exist"
        ),
        "{err}"
    );
    assert!(err.contains("strata.toml:"), "{err}");
    // A JSON secret without the field.
    seed(&p, |sim| {
        sim.put_secret("prod/shop/db", r#"{"user":"app"}"#).unwrap();
    });
    let err = text(&p.run_expect(&["plan"], 1).stderr);
    assert!(err.contains("strata::secret::key"), "{err}");
    assert!(says(&err, "has no `password`"), "{err}");
    seed(&p, |sim| {
        sim.put_secret("prod/shop/db", r#"{"password":"sm-canary-31"}"#)
            .unwrap();
    });
    let out = p.run_expect(&["apply", "--yes"], 0);
    assert!(
        text(&out.stdout).contains("(sensitive, from secretsmanager prod/shop/db (key password))"),
        "{}",
        text(&out.stdout)
    );
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
    // The same value from SSM changes nothing; a rotated one is an update.
    seed(&p, |sim| {
        sim.put_parameter("/shop/db", "sm-canary-31").unwrap()
    });
    p.edit(|t| {
        t.replace(
            r#"{ secretsmanager = "prod/shop/db", key = "password" }"#,
            r#"{ ssm = "/shop/db" }"#,
        )
    });
    p.run_expect(&["plan", "--detailed-exitcode"], 0);
    seed(&p, |sim| {
        sim.put_parameter("/shop/db", "ssm-rotated-32").unwrap()
    });
    let json = p.plan_json();
    let password = &json["changes"][0]["attributes"][0];
    assert_eq!(password["name"], "password", "{json}");
    assert_eq!(password["secret_source"], "ssm /shop/db", "{json}");
    assert_eq!(
        password["after"], "(sensitive, from ssm /shop/db)",
        "{json}"
    );
    assert!(!json.to_string().contains("ssm-rotated-32"));
    p.run_expect(&["apply", "--yes"], 0);
    let disk = everything_on_disk(&p);
    // The sim keeps its seeded stores on disk: only Strata's files count.
    let strata_files = std::fs::read_to_string(p.state_file()).unwrap_or_default()
        + &std::fs::read_to_string(p.path().join(".strata/journal.jsonl")).unwrap_or_default();
    assert!(
        disk.contains("ssm-rotated-32"),
        "the seeded store is on disk"
    );
    assert!(!strata_files.contains("ssm-rotated-32"));
    assert!(!strata_files.contains("sm-canary-31"));
}

#[test]
fn a_secret_table_written_wrong_is_a_diagnostic() {
    let p = Project::new(&db(r#"{ env = "A", ssm = "/b" }"#));
    let err = text(&p.run_expect(&["validate"], 1).stderr);
    assert!(err.contains("strata::secret::shape"), "{err}");
    assert!(says(&err, "exactly one place"), "{err}");
    let p = Project::new(&db(r#"{ ssm = "/b", key = "k" }"#));
    let err = text(&p.run_expect(&["validate"], 1).stderr);
    assert!(
        says(&err, "`key` applies only to `secretsmanager` secrets"),
        "{err}"
    );
    let p = Project::new(&db(r#"{ file = "missing.txt" }"#));
    let err = text(&p.run_expect(&["validate"], 1).stderr);
    assert!(err.contains("strata::secret::file"), "{err}");
    assert!(err.contains("missing.txt"), "{err}");
}
