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
    /// When the holder process started, in clock ticks since boot (Linux):
    /// with `boot_id`, tells a dead holder from a new process that reuses
    /// its pid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<u64>,
    /// The boot the holder ran in (Linux's `boot_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_id: Option<String>,
    /// When the holder last renewed its lease (RFC 3339), for backends
    /// shared between machines (S3): a live run renews every
    /// [`LEASE_RENEWAL`]; a lock not renewed for [`LEASE`] is stale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewed: Option<String>,
}

/// How long a shared lock's lease lasts without renewal.
pub const LEASE: std::time::Duration = std::time::Duration::from_secs(90);
/// How often a live run renews its lease.
pub const LEASE_RENEWAL: std::time::Duration = std::time::Duration::from_secs(20);

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
            start_time: process_start(std::process::id()).map(|(t, _)| t),
            boot_id: boot_id(),
            renewed: Some(chrono::Utc::now().to_rfc3339()),
        }
    }

    /// Whether the lease ran out at `now`: not renewed within [`LEASE`]. A
    /// lock without a renewal time (taken by a version that does not renew)
    /// or with one that cannot be read never expires.
    pub fn lease_expired(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        let Some(last) = self.renewed.as_deref() else {
            return false;
        };
        chrono::DateTime::parse_from_rfc3339(last).is_ok_and(|t| {
            now.signed_duration_since(t)
                .to_std()
                .is_ok_and(|age| age > LEASE)
        })
    }

    /// Whether the holder is provably a process of this machine that no
    /// longer runs: its machine rebooted since, its pid runs nothing (or a
    /// zombie), or the pid now belongs to a process that started at another
    /// time (a reused pid). A holder on another host is never gone.
    pub fn holder_is_gone(&self) -> bool {
        if self.host != hostname() || !cfg!(target_os = "linux") || self.pid == 0 {
            return false;
        }
        if let (Some(recorded), Some(now)) = (&self.boot_id, boot_id()) {
            if *recorded != now {
                return true;
            }
        }
        match process_start(self.pid) {
            None => true,
            Some((_, zombie)) if zombie => true,
            Some((started, _)) => self.start_time.is_some_and(|t| t != started),
        }
    }
}

/// A process's start time (clock ticks since boot) and whether it is a
/// zombie, from `/proc/PID/stat`; `None` when no such process runs.
fn process_start(pid: u32) -> Option<(u64, bool)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Field 3 (state) is fields[0]; field 22 (starttime) is fields[19].
    let zombie = fields.first().is_some_and(|s| *s == "Z" || *s == "X");
    let start = fields.get(19)?.parse().ok()?;
    Some((start, zombie))
}

fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
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
        help("wait for the other run to finish (or pass --lock-timeout DURATION to wait for it); if no strata is running against this state, run `strata force-unlock {}`", holder.id)
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

#[cfg(all(test, target_os = "linux"))]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn a_live_holder_is_not_gone_a_dead_or_reused_pid_is() {
        let me = LockInfo::for_operation("apply");
        assert!(me.start_time.is_some());
        assert!(!me.holder_is_gone(), "this process runs");
        // The same pid, started at another time: a reused pid.
        let reused = LockInfo {
            start_time: me.start_time.map(|t| t + 1),
            ..me.clone()
        };
        assert!(reused.holder_is_gone());
        // Another boot: every process of it is gone.
        let rebooted = LockInfo {
            boot_id: Some("another-boot".into()),
            ..me.clone()
        };
        assert!(rebooted.holder_is_gone());
        // A pid that runs nothing.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        let dead = LockInfo { pid, ..me.clone() };
        assert!(dead.holder_is_gone());
        // Another host: never taken for gone.
        let remote = LockInfo {
            host: "elsewhere".into(),
            pid,
            ..me
        };
        assert!(!remote.holder_is_gone());
    }

    #[test]
    fn a_lease_expires_only_when_not_renewed_for_its_length() {
        let now = chrono::Utc::now();
        let at = |ago: chrono::Duration| LockInfo {
            renewed: Some((now - ago).to_rfc3339()),
            ..LockInfo::for_operation("apply")
        };
        assert!(!at(chrono::Duration::seconds(30)).lease_expired(now));
        assert!(at(chrono::Duration::minutes(5)).lease_expired(now));
        // A lock from a version that does not renew never expires.
        let old = LockInfo {
            renewed: None,
            created: (now - chrono::Duration::hours(3)).to_rfc3339(),
            ..LockInfo::for_operation("apply")
        };
        assert!(!old.lease_expired(now));
    }
}
