//! The local backend's journal: `journal.jsonl` beside `state.json`, one
//! line per persisted batch of changes, `CRC32 JSON`. Appending costs in
//! proportion to the change; the state is compacted into `state.json` now
//! and then. A torn last line (a crash mid-write) is detected by its
//! checksum and ignored; damage anywhere else is refused.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{State, StateChange, StateError};

#[derive(Serialize, Deserialize)]
struct Record {
    serial: u64,
    changes: Vec<StateChange>,
}

/// Encodes one journal line (with its newline).
pub(super) fn encode(serial: u64, changes: &[StateChange]) -> Result<Vec<u8>, StateError> {
    #[derive(Serialize)]
    struct RecordRef<'a> {
        serial: u64,
        changes: &'a [StateChange],
    }
    let json =
        serde_json::to_string(&RecordRef { serial, changes }).map_err(|e| StateError::Io {
            path: "journal".into(),
            reason: e.to_string(),
        })?;
    let crc = crc32fast::hash(json.as_bytes());
    Ok(format!("{crc:08x} {json}\n").into_bytes())
}

fn decode(line: &str) -> Option<Record> {
    let (crc, json) = line.split_once(' ')?;
    let crc = u32::from_str_radix(crc, 16).ok()?;
    if crc32fast::hash(json.as_bytes()) != crc {
        return None;
    }
    serde_json::from_str(json).ok()
}

/// Appends a line and makes it durable.
pub(super) fn append(file: &mut File, line: &[u8]) -> std::io::Result<()> {
    file.write_all(line)?;
    file.sync_data()
}

/// Opens the journal for appending, creating it.
pub(super) fn open(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// Replays the journal at `path` onto `state` (records at or below the
/// state's serial are already in it). Returns the number of lines read.
pub(super) fn replay(path: &Path, state: &mut State) -> Result<usize, StateError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => {
            return Err(StateError::Io {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
        }
    };
    let io = |e: std::io::Error| StateError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let _sharing = super::shared_names::Sharing::start();
    // One line at a time: a journal can be larger than the state it updates.
    let mut lines = BufReader::new(file)
        .split(b'\n')
        .filter(|l| l.as_ref().map_or(true, |b| !b.is_empty()))
        .peekable();
    let mut i = 0;
    while let Some(line) = lines.next() {
        let line = line.map_err(io)?;
        let last = lines.peek().is_none();
        i += 1;
        match decode(&String::from_utf8_lossy(&line)) {
            Some(record) => {
                if record.serial <= state.serial {
                    continue;
                }
                for c in &record.changes {
                    state.apply_change(c);
                }
                state.serial = record.serial;
            }
            None if last => {
                state.notes.push(format!(
                    "the last record of {} was torn (the run writing it was killed); it was ignored and any operation it recorded is resolved from the cloud",
                    path.display()
                ));
            }
            None => {
                return Err(StateError::Corrupt {
                    path: path.display().to_string(),
                    reason: format!("record {i} is damaged (checksum or JSON)"),
                });
            }
        }
    }
    Ok(i)
}

/// Reads a whole journal file's lines (for the tests and `strata state`).
#[cfg(test)]
pub(super) fn line_count(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::addr::Address;

    #[test]
    fn torn_tail_is_ignored_but_damage_in_the_middle_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.jsonl");
        let change = |a: &str| StateChange::Remove {
            address: Address::parse(a).unwrap(),
        };
        let mut f = open(&path).unwrap();
        append(&mut f, &encode(1, &[change("a")]).unwrap()).unwrap();
        append(&mut f, &encode(2, &[change("b")]).unwrap()).unwrap();
        let third = encode(3, &[change("c")]).unwrap();
        f.write_all(&third[..third.len() / 2]).unwrap();
        let mut s = State::new("t");
        assert_eq!(replay(&path, &mut s).unwrap(), 3);
        assert_eq!(s.serial, 2);
        assert_eq!(s.notes.len(), 1);

        let mut text = std::fs::read(&path).unwrap();
        text[12] ^= 0x20; // damage the first record
        std::fs::write(&path, &text).unwrap();
        let mut s = State::new("t");
        assert!(matches!(
            replay(&path, &mut s),
            Err(StateError::Corrupt { .. })
        ));
        assert_eq!(line_count(&path), 3);
    }
}
