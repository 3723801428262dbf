//! Persistence of the simulated cloud: one JSON file per region in the sim
//! directory, replaced atomically (temp file, fsync, rename) after every change.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::cloud::Cloud;
use crate::error::SimError;

/// Where a cloud is persisted.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    path: PathBuf,
    /// The generation last written, so an older snapshot never overwrites a newer one.
    written: Mutex<u64>,
}

impl Store {
    /// The store of `region` in `dir` (created if missing).
    pub fn new(dir: &Path, region: &str) -> Result<Self, SimError> {
        std::fs::create_dir_all(dir).map_err(|source| SimError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(Self {
            dir: dir.to_path_buf(),
            path: dir.join(format!("cloud-{region}.json")),
            written: Mutex::new(0),
        })
    }

    /// The file the cloud lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Loads the cloud, or `None` if none was saved yet.
    pub fn load(&self) -> Result<Option<Cloud>, SimError> {
        // Read whole and parsed from the one buffer: parsing from a reader
        // goes byte by byte and took about twice as long. The buffer is
        // freed before the state loads, so the process's peak (the end of
        // a plan, with state, cloud and plan all held) does not grow.
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(SimError::Io {
                    path: self.path.clone(),
                    source,
                })
            }
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|source| SimError::Corrupt {
                path: self.path.clone(),
                source,
            })
    }

    /// Writes generation `generation` of the cloud, unless a newer one was
    /// written already.
    pub fn write(&self, generation: u64, bytes: &[u8]) -> Result<(), SimError> {
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        if *written >= generation {
            return Ok(());
        }
        let io = |source| SimError::Io {
            path: self.path.clone(),
            source,
        };
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir).map_err(io)?;
        tmp.write_all(bytes).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(&self.path).map_err(|e| io(e.error))?;
        *written = generation;
        Ok(())
    }
}
