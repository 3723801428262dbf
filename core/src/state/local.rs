//! The local backend: `state.json` in a directory (`.strata/` beside the
//! manifest), written atomically (temp file, fsync, rename) and locked by a
//! `state.lock` file created exclusively.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::{journal, Backend, LockInfo, State, StateChange, StateError};

/// Journal records after which the state is compacted into `state.json`.
const COMPACT_AFTER: usize = 4096;

/// The journal is also compacted once it is larger than the snapshot (and
/// than this), so loading never replays more than about the state's own size
/// and compaction costs stay proportional to the changes: each rewrite of a
/// snapshot of size S follows at least S bytes of journal.
const COMPACT_MIN_BYTES: u64 = 1 << 20;

/// State in a local directory: `state.json` (a snapshot), `journal.jsonl`
/// (changes since) and `state.lock`.
#[derive(Debug, Clone)]
pub struct LocalBackend {
    dir: PathBuf,
    journal: Arc<Mutex<Journal>>,
}

#[derive(Debug, Default)]
struct Journal {
    file: Option<File>,
    records: usize,
    /// Bytes appended since the last compaction.
    bytes: u64,
    /// Size of `state.json` as last written or read.
    snapshot_bytes: u64,
    snapshot_exists: bool,
}

impl Journal {
    fn due(&self) -> bool {
        self.records >= COMPACT_AFTER || self.bytes > self.snapshot_bytes.max(COMPACT_MIN_BYTES)
    }
}

impl LocalBackend {
    /// A backend keeping `state.json`, `journal.jsonl` and `state.lock` in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            journal: Arc::new(Mutex::new(Journal::default())),
        }
    }

    /// The journal's path.
    pub fn journal_path(&self) -> PathBuf {
        self.dir.join("journal.jsonl")
    }

    fn journal(&self) -> Result<std::sync::MutexGuard<'_, Journal>, StateError> {
        self.journal.lock().map_err(|_| StateError::Io {
            path: self.journal_path().display().to_string(),
            reason: "the journal lock was poisoned by a panic".into(),
        })
    }

    /// Writes the snapshot and empties the journal.
    fn compact(&self, state: &State, j: &mut Journal) -> Result<(), StateError> {
        let path = self.state_path();
        let text = state.to_json()?;
        write_atomically(&path, text.as_bytes()).map_err(|e| Self::io(&path, e))?;
        // The snapshot holds everything the journal did; empty it.
        let jpath = self.journal_path();
        j.file = None;
        write_atomically(&jpath, b"").map_err(|e| Self::io(&jpath, e))?;
        j.records = 0;
        j.bytes = 0;
        j.snapshot_bytes = text.len() as u64;
        j.snapshot_exists = true;
        Ok(())
    }

    /// The state file's path.
    pub fn state_path(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    /// The lock file's path.
    pub fn lock_path(&self) -> PathBuf {
        self.dir.join("state.lock")
    }

    fn io(path: &Path, e: impl std::fmt::Display) -> StateError {
        StateError::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    }

    fn read_lock(&self) -> Result<Option<LockInfo>, StateError> {
        Self::read_lock_at(&self.lock_path())
    }

    fn read_lock_at(path: &Path) -> Result<Option<LockInfo>, StateError> {
        match fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| StateError::Corrupt {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Self::io(path, e)),
        }
    }
}

/// Writes `bytes` to `path` atomically: a temp file in the same directory,
/// fsynced, renamed over `path`, then the directory fsynced.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[async_trait]
impl Backend for LocalBackend {
    fn describe(&self) -> String {
        self.state_path().display().to_string()
    }

    async fn load(&self) -> Result<Option<State>, StateError> {
        let path = self.state_path();
        let (mut state, snapshot_bytes) = match fs::read_to_string(&path) {
            Ok(text) => (
                State::from_json(&text, &path.display().to_string())?,
                text.len() as u64,
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Self::io(&path, e)),
        };
        let records = journal::replay(&self.journal_path(), &mut state)?;
        let mut j = self.journal()?;
        j.records = records;
        j.bytes = fs::metadata(self.journal_path()).map_or(0, |m| m.len());
        j.snapshot_bytes = snapshot_bytes;
        j.snapshot_exists = true;
        Ok(Some(state))
    }

    async fn persist(&self, state: &State) -> Result<(), StateError> {
        let mut j = self.journal()?;
        self.compact(state, &mut j)
    }

    async fn persist_changes(
        &self,
        state: &State,
        changes: &[StateChange],
    ) -> Result<(), StateError> {
        let mut j = self.journal()?;
        if !j.snapshot_exists && !self.state_path().exists() {
            return self.compact(state, &mut j);
        }
        j.snapshot_exists = true;
        if j.due() {
            return self.compact(state, &mut j);
        }
        let line = journal::encode(state.serial, changes)?;
        let jpath = self.journal_path();
        if j.file.is_none() {
            j.file = Some(journal::open(&jpath).map_err(|e| Self::io(&jpath, e))?);
        }
        if let Some(file) = j.file.as_mut() {
            journal::append(file, &line).map_err(|e| Self::io(&jpath, e))?;
        }
        j.records += 1;
        j.bytes += line.len() as u64;
        Ok(())
    }

    /// Folds the journal into the snapshot when it is at least a quarter of
    /// the snapshot's size (and of 1 MiB): each rewrite of a snapshot of
    /// size S still follows at least S/4 bytes of changes, so a run's cost
    /// keeps following its changes, and the next load replays little.
    async fn checkpoint(&self, state: &State) -> Result<(), StateError> {
        let mut j = self.journal()?;
        if j.records > 0 && j.bytes.saturating_mul(4) >= j.snapshot_bytes.max(COMPACT_MIN_BYTES) {
            self.compact(state, &mut j)?;
        }
        Ok(())
    }

    async fn lock(&self, info: &LockInfo) -> Result<(), StateError> {
        let path = self.lock_path();
        fs::create_dir_all(&self.dir).map_err(|e| Self::io(&self.dir, e))?;
        let body = serde_json::to_vec_pretty(info).map_err(|e| Self::io(&path, e))?;
        // Written whole to a temp file, then linked into place (which fails
        // if a lock exists): a lock file is never seen half written, even
        // when its writer is killed.
        let mut tmp =
            tempfile::NamedTempFile::new_in(&self.dir).map_err(|e| Self::io(&self.dir, e))?;
        tmp.write_all(&body).map_err(|e| Self::io(tmp.path(), e))?;
        tmp.as_file()
            .sync_all()
            .map_err(|e| Self::io(tmp.path(), e))?;
        match fs::hard_link(tmp.path(), &path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                match self.read_lock() {
                    Ok(Some(holder)) => Err(StateError::Locked {
                        holder: Box::new(holder),
                    }),
                    // A lock file still being written by its holder, or torn: report it as held.
                    _ => Err(StateError::Locked {
                        holder: Box::new(LockInfo {
                            id: "unknown".into(),
                            operation: "unknown".into(),
                            who: "another process".into(),
                            pid: 0,
                            host: String::new(),
                            created: "an unknown time".into(),
                            version: String::new(),
                            start_time: None,
                            boot_id: None,
                            renewed: None,
                        }),
                    }),
                }
            }
            Err(e) => Err(Self::io(&path, e)),
        }
    }

    async fn unlock(&self, id: &str) -> Result<(), StateError> {
        match self.read_lock()? {
            Some(holder) if holder.id == id => {
                fs::remove_file(self.lock_path()).map_err(|e| Self::io(&self.lock_path(), e))
            }
            Some(holder) => Err(StateError::LockMismatch {
                given: id.into(),
                actual: holder.id,
            }),
            None => Err(StateError::NotLocked),
        }
    }

    async fn lock_holder(&self) -> Result<Option<LockInfo>, StateError> {
        self.read_lock()
    }

    async fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        let path = self.lock_path();
        match self.read_lock() {
            Ok(Some(holder)) if holder.id != id => Err(StateError::LockMismatch {
                given: id.into(),
                actual: holder.id,
            }),
            Ok(None) => Err(StateError::NotLocked),
            // Our id, or an unreadable lock file: remove it.
            _ => fs::remove_file(&path).map_err(|e| Self::io(&path, e)),
        }
    }

    async fn break_stale(&self, stale: &LockInfo) -> Result<Option<String>, StateError> {
        if !stale.holder_is_gone() {
            return Ok(None);
        }
        let path = self.lock_path();
        // Moving the lock aside is atomic: of several processes breaking the
        // same stale lock, one moves it and the others find none.
        let aside = self
            .dir
            .join(format!("state.lock.broken-{}", uuid::Uuid::new_v4()));
        match fs::rename(&path, &aside) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Self::io(&path, e)),
        }
        let moved = Self::read_lock_at(&aside).ok().flatten();
        let was_stale = moved.is_some_and(|h| h.id == stale.id);
        if !was_stale {
            // A lock taken since: put it back, never over a newer one.
            let _ = fs::hard_link(&aside, &path);
        }
        fs::remove_file(&aside).map_err(|e| Self::io(&aside, e))?;
        Ok(was_stale.then(|| "that process is no longer running".to_string()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn second_lock_fails_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path());
        let first = LockInfo::for_operation("apply");
        b.lock(&first).await.unwrap();
        let err = b.lock(&LockInfo::for_operation("apply")).await.unwrap_err();
        match err {
            StateError::Locked { holder } => assert_eq!(holder.id, first.id),
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            b.unlock("nope").await,
            Err(StateError::LockMismatch { .. })
        ));
        b.force_unlock(&first.id).await.unwrap();
        b.lock(&LockInfo::for_operation("plan")).await.unwrap();
    }

    #[tokio::test]
    async fn persist_then_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path().join(".strata"));
        assert!(b.load().await.unwrap().is_none());
        let mut s = State::new("demo");
        s.serial = 3;
        b.persist(&s).await.unwrap();
        assert_eq!(b.load().await.unwrap(), Some(s));
        let leftovers: Vec<_> = fs::read_dir(dir.path().join(".strata")).unwrap().collect();
        assert_eq!(
            leftovers.len(),
            2,
            "state and an empty journal, no temp files"
        );
    }

    /// A change putting a VPC `r{i}` whose id ends in `pad`.
    fn put(i: usize, pad: &str) -> StateChange {
        StateChange::Put {
            address: crate::addr::Address::parse(&format!("r{i}")).unwrap(),
            resource: Box::new(crate::state::ResourceState {
                kind: "aws.ec2.vpc".into(),
                id: format!("vpc-{i}{pad}"),
                attrs: Default::default(),
                sensitive_digests: Default::default(),
                configured: Default::default(),
                dependencies: vec![],
                prevent_destroy: false,
                tainted: false,
                token: None,
                provider: None,
            }),
        }
    }

    #[tokio::test]
    async fn changes_are_journaled_then_replayed_and_compacted() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path());
        let mut s = State::new("demo");
        b.persist(&s).await.unwrap();
        let snapshot = fs::read_to_string(b.state_path()).unwrap();
        for i in 0..10 {
            let change = put(i, "");
            s.apply_change(&change);
            s.serial += 1;
            b.persist_changes(&s, &[change]).await.unwrap();
        }
        // The snapshot was not rewritten; the journal holds the changes.
        assert_eq!(fs::read_to_string(b.state_path()).unwrap(), snapshot);
        assert_eq!(journal::line_count(&b.journal_path()), 10);
        let loaded = LocalBackend::new(dir.path()).load().await.unwrap().unwrap();
        assert_eq!(loaded, s);
        b.persist(&s).await.unwrap();
        assert_eq!(journal::line_count(&b.journal_path()), 0);
        assert_eq!(
            LocalBackend::new(dir.path()).load().await.unwrap().unwrap(),
            s
        );
    }

    #[tokio::test]
    async fn a_checkpoint_folds_only_a_large_journal_into_the_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let b = LocalBackend::new(dir.path());
        let mut s = State::new("demo");
        b.persist(&s).await.unwrap();
        // A few changes: the journal stays (a run's cost follows its changes).
        for i in 0..10 {
            let change = put(i, &"x".repeat(200));
            s.commit(std::slice::from_ref(&change));
            b.persist_changes(&s, &[change]).await.unwrap();
        }
        b.checkpoint(&s).await.unwrap();
        assert_eq!(journal::line_count(&b.journal_path()), 10);
        // A quarter of a MiB of changes: folded into the snapshot.
        for i in 10..1500 {
            let change = put(i, &"x".repeat(200));
            s.commit(std::slice::from_ref(&change));
            b.persist_changes(&s, &[change]).await.unwrap();
        }
        assert!(journal::line_count(&b.journal_path()) > 0);
        b.checkpoint(&s).await.unwrap();
        assert_eq!(journal::line_count(&b.journal_path()), 0);
        assert_eq!(
            LocalBackend::new(dir.path()).load().await.unwrap().unwrap(),
            s
        );
    }
}
