//! Bad input never panics: manifests mangled at random go through the
//! parser, module expansion and validation, and state files and journals
//! mangled at random go through loading. Each must end in a value or a
//! diagnostic. The default run is bounded (a few hundred cases each, a
//! few seconds); `STRATA_FUZZ_CASES=N` runs N cases of each.

use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};
use std::sync::Arc;
use strata::core::graph::Graph;
use strata::core::manifest::{parse_manifest, parse_manifest_with, ManifestOptions, Variables};
use strata::core::state::local::LocalBackend;

use strata::core::session::{Locking, Session};
use strata::core::state::{Backend, State, StateChange};
use strata::sim::{SimOptions, SimProvider};

fn cases() -> u32 {
    std::env::var("STRATA_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

fn runner() -> TestRunner {
    TestRunner::new(RunnerConfig {
        cases: cases(),
        failure_persistence: None,
        ..RunnerConfig::default()
    })
}

/// An example manifest; its password is put in the text (the example reads
/// it from an environment variable this process has not set), so mangled
/// versions reach module expansion and graph building.
fn example(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name),
    )
    .unwrap()
    .replace(r#"{ env = "SHOP_DB_PASSWORD" }"#, r#""fuzz-db-password""#)
    .replace(
        r#"{ env = "SHOP_CACHE_AUTH_TOKEN" }"#,
        r#""fuzz-cache-auth-token""#,
    )
}

/// One edit of a text: cut a range, insert text, duplicate or drop a line,
/// or put a random token in place of a value.
#[derive(Debug, Clone)]
enum Edit {
    Cut(usize, usize),
    Insert(usize, String),
    DuplicateLine(usize),
    DropLine(usize),
    ReplaceValue(usize, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    let token = prop_oneof![
        "[ -~]{0,12}",
        Just("\"${".to_string()),
        Just("${web.".to_string()),
        Just("[[".to_string()),
        Just("= {".to_string()),
        Just("-1".to_string()),
        Just("99999999999999999999".to_string()),
        Just("\"\u{0}\u{ffff}é\"".to_string()),
        Just("[resource.x]\nkind = \"aws.rds.db_instance\"\n".to_string()),
        Just("lifecycle = { allow_replace = 3 }".to_string()),
        Just("\"${var.web_count / 0}\"".to_string()),
        Just("\"${cidrsubnet(var.cidr, 30, -1)}\"".to_string()),
        Just("\"${var.env == 'prod' ? (1 : 2}\"".to_string()),
        Just("\"${length(var.nope) * 9223372036854775807}\"".to_string()),
        Just("'${lookup(var.env, \"a\")}'".to_string()),
        Just("[variable.x]\ntype = \"map\"\nregex = \"[\"\n".to_string()),
    ];
    prop_oneof![
        (any::<usize>(), 0usize..64).prop_map(|(a, n)| Edit::Cut(a, n)),
        (any::<usize>(), token.clone()).prop_map(|(a, t)| Edit::Insert(a, t)),
        any::<usize>().prop_map(Edit::DuplicateLine),
        any::<usize>().prop_map(Edit::DropLine),
        (any::<usize>(), token).prop_map(|(a, t)| Edit::ReplaceValue(a, t)),
    ]
}

fn boundary(text: &str, at: usize) -> usize {
    let mut i = at % (text.len() + 1);
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut t = text.to_string();
    for e in edits {
        match e {
            Edit::Cut(at, n) => {
                let a = boundary(&t, *at);
                let b = boundary(&t, a + n);
                if b > a {
                    t.replace_range(a..b, "");
                }
            }
            Edit::Insert(at, s) => {
                let a = boundary(&t, *at);
                t.insert_str(a, s);
            }
            Edit::DuplicateLine(i) | Edit::DropLine(i) | Edit::ReplaceValue(i, _) => {
                let mut lines: Vec<String> = t.lines().map(str::to_string).collect();
                if lines.is_empty() {
                    continue;
                }
                let i = i % lines.len();
                match e {
                    Edit::DuplicateLine(_) => {
                        let l = lines[i].clone();
                        lines.insert(i, l);
                    }
                    Edit::DropLine(_) => {
                        lines.remove(i);
                    }
                    Edit::ReplaceValue(_, s) => {
                        if let Some(eq) = lines[i].find('=') {
                            lines[i] = format!("{}= {s}", &lines[i][..eq]);
                        }
                    }
                    _ => {}
                }
                t = lines.join("\n");
            }
        }
    }
    t
}

/// Parses, expands modules and validates; any outcome but a panic is fine.
fn check_manifest(text: &str) {
    check_manifest_with(text, &Variables::new());
}

fn check_manifest_with(text: &str, vars: &Variables) {
    let options = ManifestOptions {
        variables: Some(vars),
        ..ManifestOptions::default()
    };
    let Ok(mut config) = parse_manifest_with("fuzz.toml", text, options) else {
        return;
    };
    if strata::stacks::modules::expand(&mut config, None).is_err() {
        return;
    }
    let _ = Graph::build(config);
}

#[test]
fn mangled_manifests_get_diagnostics_never_panics() {
    for name in ["quickstart.toml", "web_service.toml"] {
        let text = example(name);
        check_manifest(&text);
        runner()
            .run(&prop::collection::vec(edit(), 1..6), |edits| {
                check_manifest(&apply(&text, &edits));
                Ok(())
            })
            .unwrap();
    }
}

#[test]
fn mangled_manifests_and_var_files_with_variables_get_diagnostics_never_panics() {
    let manifest = example("envs/strata.toml");
    let prod = example("envs/prod.toml");
    let vars = |file: &str, flag: &str| {
        Variables::new()
            .env_vars([("STRATA_VAR_db_storage".to_string(), flag.to_string())])
            .file_text("prod.toml", file)
            .flag(&format!("web_count={flag}"))
            .flag(flag)
    };
    check_manifest_with(&manifest, &vars(&prod, "3"));
    runner()
        .run(
            &(
                prop::collection::vec(edit(), 1..6),
                prop::collection::vec(edit(), 0..4),
                "[ -~]{0,16}",
            ),
            |(manifest_edits, file_edits, flag)| {
                let file = apply(&prod, &file_edits);
                check_manifest_with(&apply(&manifest, &manifest_edits), &vars(&file, &flag));
                Ok(())
            },
        )
        .unwrap();
}

/// A state with a few resources, as JSON.
fn state_json() -> String {
    let mut config = parse_manifest("q.toml", &example("quickstart.toml")).unwrap();
    strata::stacks::modules::expand(&mut config, None).unwrap();
    let mut state = State::new("fuzz");
    for (i, (address, r)) in config.resources.iter().take(12).enumerate() {
        let resolved = r
            .attrs
            .iter()
            .map(|(k, v)| (k.clone(), v.resolve(&mut |_| "ref".into())))
            .collect();
        state.resources.insert(
            address.clone(),
            serde_json::from_value(serde_json::json!({
                "kind": r.kind, "id": format!("id-{i}"), "attrs": {},
            }))
            .unwrap(),
        );
        if let Some(res) = state.resources.get_mut(address) {
            res.attrs = resolved;
        }
    }
    state.to_json().unwrap()
}

/// Loads `state.json` and `journal.jsonl` through the local backend; any
/// outcome but a panic is fine.
fn check_load(rt: &tokio::runtime::Runtime, state: &str, journal: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("state.json"), state).unwrap();
    if let Some(j) = journal {
        std::fs::write(dir.path().join("journal.jsonl"), j).unwrap();
    }
    let backend = LocalBackend::new(dir.path());
    let _ = rt.block_on(backend.load());
    let _ = State::from_json(state, "fuzz");
}

#[test]
fn mangled_state_and_journal_files_are_refused_never_panicked_on() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let state = state_json();
    // A journal as apply writes it: a real state, then a real change.
    let journal = {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("state.json"), &state).unwrap();
        let backend = Arc::new(LocalBackend::new(dir.path()));
        let provider = Arc::new(SimProvider::in_memory(SimOptions::default()));
        let mut session = rt
            .block_on(Session::open(backend, provider, "fuzz", Locking::Caller))
            .unwrap();
        let mut resources = session.state().resources.clone().into_iter();
        let (first, _) = resources.next().unwrap();
        let (second, mut r) = resources.next().unwrap();
        r.id = "id-renamed".into();
        let changes = vec![
            StateChange::Remove { address: first },
            StateChange::Put {
                address: second,
                resource: Box::new(r),
            },
        ];
        rt.block_on(session.commit(changes)).unwrap();
        let journal = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap();
        assert!(!journal.is_empty(), "the changes went to the journal");
        journal
    };
    check_load(&rt, &state, Some(&journal));
    runner()
        .run(
            &(
                prop::collection::vec(edit(), 1..5),
                prop::collection::vec(edit(), 0..4),
            ),
            |(state_edits, journal_edits)| {
                let s = apply(&state, &state_edits);
                let j = apply(&journal, &journal_edits);
                check_load(&rt, &s, Some(&j));
                check_load(&rt, &state, Some(&j));
                Ok(())
            },
        )
        .unwrap();
}
