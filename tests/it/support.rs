//! Helpers: a scratch project with a manifest, and running `strata` in it.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

/// How fast the simulated cloud runs in tests (a DB takes 600 s at speed 1).
pub const SPEED: &str = "20000";

/// The database password `examples/web_service.toml` reads from the
/// environment (`{ env = "SHOP_DB_PASSWORD" }`), which every command run by
/// a [`Project`] is given.
pub const DB_PASSWORD: &str = "canary-db-password-5f1e";

/// The Redis AUTH token the example reads from the environment
/// (`{ env = "SHOP_CACHE_AUTH_TOKEN" }`), given like [`DB_PASSWORD`].
pub const CACHE_AUTH_TOKEN: &str = "canary-cache-auth-token-8d2b";

/// A temporary project directory holding `strata.toml`.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    /// A project whose manifest is `text`.
    pub fn new(text: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("strata.toml"), text).unwrap();
        Self { dir }
    }

    /// A project with the quickstart example as its manifest.
    pub fn quickstart() -> Self {
        Self::new(&quickstart_text())
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn manifest(&self) -> PathBuf {
        self.path().join("strata.toml")
    }

    pub fn state_file(&self) -> PathBuf {
        self.path().join(".strata/state.json")
    }

    /// Rewrites the manifest with `f`.
    pub fn edit(&self, f: impl FnOnce(String) -> String) {
        let text = std::fs::read_to_string(self.manifest()).unwrap();
        let new = f(text.clone());
        assert_ne!(text, new, "the edit changed nothing");
        std::fs::write(self.manifest(), new).unwrap();
    }

    /// A `strata` command run in the project.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("strata").unwrap();
        c.current_dir(self.path())
            .env("STRATA_SIM_SPEED", SPEED)
            .env_remove("STRATA_SIM_FAULT")
            .env("SHOP_DB_PASSWORD", DB_PASSWORD)
            .env("SHOP_CACHE_AUTH_TOKEN", CACHE_AUTH_TOKEN)
            .env("NO_COLOR", "1")
            .args(args);
        c
    }

    /// A plain `std::process::Command` for `strata` in the project (to spawn it).
    pub fn std_cmd(&self, args: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("strata"));
        c.current_dir(self.path())
            .env("STRATA_SIM_SPEED", SPEED)
            .env_remove("STRATA_SIM_FAULT")
            .env("SHOP_DB_PASSWORD", DB_PASSWORD)
            .env("SHOP_CACHE_AUTH_TOKEN", CACHE_AUTH_TOKEN)
            .env("NO_COLOR", "1")
            .args(args);
        c
    }

    /// Runs `strata` and returns its output, whatever the exit code.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Runs `strata`, asserting it exits with `code`.
    pub fn run_expect(&self, args: &[&str], code: i32) -> Output {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "strata {args:?} exited {:?}\nstdout:\n{}\nstderr:\n{}",
            out.status.code(),
            text(&out.stdout),
            text(&out.stderr)
        );
        out
    }

    /// The state as `strata show --json` prints it (snapshot plus journal).
    pub fn state(&self) -> serde_json::Value {
        let out = self.run_expect(&["show", "--json"], 0);
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Everything stored on disk about state: the snapshot and the journal.
    pub fn raw_state_files(&self) -> String {
        let journal =
            std::fs::read_to_string(self.path().join(".strata/journal.jsonl")).unwrap_or_default();
        std::fs::read_to_string(self.state_file()).unwrap() + &journal
    }

    /// `strata plan --json`.
    pub fn plan_json(&self) -> serde_json::Value {
        let out = self.run_expect(&["plan", "--json"], 0);
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn quickstart_text() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart.toml");
    std::fs::read_to_string(path).unwrap()
}

/// (address, action) of every change in a JSON plan.
pub fn actions(plan: &serde_json::Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The action planned for `address`.
pub fn action_of(plan: &serde_json::Value, address: &str) -> String {
    actions(plan)
        .into_iter()
        .find(|(a, _)| a == address)
        .map(|(_, act)| act)
        .unwrap_or_else(|| panic!("{address} is not in the plan"))
}
