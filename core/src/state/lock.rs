//! The state lock record and state errors.

use serde::{Deserialize, Serialize};

/// Who holds the state lock, for what, since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// The lock's id (give it to `strata force-unlock`).
    pub id: String,
    /// The operation, e.g. `apply`.
    pub operation: String,
    /// `user@host`.
    pub who: String,
    /// The holder's process id.
    pub pid: u32,
    /// The holder's host name.
    pub host: String,
    /// When it was taken (RFC 3339).
    pub created: String,
    /// The strata version of the holder.
    pub version: String,
}

impl LockInfo {
    /// A lock record for this process.
    pub fn for_operation(operation: &str) -> Self {
        let host = hostname();
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".into());
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            who: format!("{user}@{host}"),
            pid: std::process::id(),
            host,
            created: chrono::Utc::now().to_rfc3339(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// Whether the holder is a process on this machine that no longer runs.
    pub fn holder_is_gone(&self) -> bool {
        if self.host != hostname() || !cfg!(target_os = "linux") || self.pid == 0 {
            return false;
        }
        // Gone, or a zombie nobody has reaped yet.
        match std::fs::read_to_string(format!("/proc/{}/status", self.pid)) {
            Err(_) => true,
            Ok(status) => status
                .lines()
                .any(|l| l.starts_with("State:") && l.contains('Z')),
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}

/// Errors reading, writing or locking state.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum StateError {
    /// Someone else holds the lock.
    #[error("the state is locked by {} (pid {}, `{}` since {}){}", holder.who, holder.pid, holder.operation, holder.created,
        if holder.holder_is_gone() { "; that process is no longer running" } else { "" })]
    #[diagnostic(
        code(strata::state::locked),
        help("wait for the other run to finish; if no strata is running against this state, run `strata force-unlock {}`", holder.id)
    )]
    Locked {
        /// The current holder.
        holder: Box<LockInfo>,
    },
    /// A lock id given to unlock does not match the lock.
    #[error("the state lock has id {actual}, not {given}")]
    #[diagnostic(
        code(strata::state::lock_mismatch),
        help("pass the id printed in the lock error")
    )]
    LockMismatch {
        /// The id given.
        given: String,
        /// The lock's real id.
        actual: String,
    },
    /// There is no lock to release.
    #[error("the state is not locked")]
    #[diagnostic(code(strata::state::not_locked), help("nothing to unlock"))]
    NotLocked,
    /// The state file cannot be parsed.
    #[error("the state at {path} cannot be read: {reason}")]
    #[diagnostic(
        code(strata::state::corrupt),
        help("nothing was changed; restore the file from a backup or version control (`strata state pull` output, a copy), or fix it by hand")
    )]
    Corrupt {
        /// Where.
        path: String,
        /// Why.
        reason: String,
    },
    /// Reading or writing failed.
    #[error("cannot access the state at {path}: {reason}")]
    #[diagnostic(code(strata::state::io), help("check the path and its permissions"))]
    Io {
        /// Where.
        path: String,
        /// Why.
        reason: String,
    },
}
