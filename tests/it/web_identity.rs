//! The web service's key on an upgraded stack, on the sim: a database made
//! before the stack had a KMS key keeps its key (no replacement planned),
//! and moving it to the stack's key is a loud replacement that `apply`
//! refuses without `--allow-replace`. And an email subscription pending
//! confirmation leaves the plan after apply empty.

use crate::support::{action_of, text, Project};
use crate::web_service::example_text;

/// The example with `lines` added to its module block.
fn with(lines: &str) -> String {
    example_text().replacen(
        "[module.web]\nkind = \"web_service\"\n",
        &format!("[module.web]\nkind = \"web_service\"\n{lines}\n"),
        1,
    )
}

/// Makes the state's release record look like one written before the
/// stack had a KMS key (no `db_stack_key`).
fn forget_key_record(p: &Project) {
    let out = p.run_expect(&["state", "pull"], 0);
    let mut state: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let outputs = state["outputs"].to_string();
    let release = state["outputs"]["web.release"]["value"]
        .as_object_mut()
        .unwrap_or_else(|| panic!("no release record in {outputs}"));
    assert_eq!(
        release.remove("db_stack_key"),
        Some(serde_json::Value::Bool(true))
    );
    let file = p.path().join("old.json");
    std::fs::write(&file, serde_json::to_vec(&state).unwrap()).unwrap();
    p.run_expect(&["state", "push", "old.json"], 0);
}

#[test]
fn an_upgraded_stack_keeps_its_database_key_unless_asked() {
    // A database made without the stack's key, as before the key existed.
    // (The example subscribes an address to the alarms.)
    let p = Project::new(&with("db_use_stack_key = false"));
    p.run_expect(&["apply", "--yes"], 0);
    let state = p.state();
    assert!(state["resources"]["web.db"]["attrs"]["kms_key_id"].is_null());
    assert!(state["resources"]["web.kms_key"].is_object());
    assert_eq!(
        state["resources"]["web.alarm_email"]["attrs"]["pending_confirmation"],
        true
    );
    p.run_expect(&["plan", "--detailed-exitcode"], 0);

    // The stack as an older version left it, upgraded: the parameter gone,
    // the record without the field. No replacement.
    p.edit(|t| t.replace("db_use_stack_key = false\n", ""));
    let plan = p.plan_json();
    assert_ne!(
        action_of(&plan, "web.db"),
        "no-op",
        "the record still says true: {plan}"
    );
    forget_key_record(&p);
    let plan = p.plan_json();
    assert_eq!(action_of(&plan, "web.db"), "no-op", "{plan}");
    p.run_expect(&["plan", "--detailed-exitcode"], 0);

    // Asking for the stack's key: a loud replacement, refused unasked.
    p.edit(|t| {
        t.replacen(
            "[module.web]\nkind = \"web_service\"\n",
            "[module.web]\nkind = \"web_service\"\ndb_use_stack_key = true\n",
            1,
        )
    });
    let out = p.run_expect(&["plan"], 0);
    let plan = text(&out.stdout);
    assert!(plan.contains("web.db must be replaced"), "{plan}");
    assert!(plan.contains("KMS key"), "the reason is AWS's: {plan}");
    let refused = p.run_expect(&["apply", "--yes"], 1);
    let err = text(&refused.stderr);
    assert!(err.contains("strata::apply::replaces_data"), "{err}");
}
