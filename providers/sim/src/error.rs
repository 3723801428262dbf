//! Errors opening or configuring the sim (API errors are
//! [`strata_core::provider::ProviderError`]s).

use std::path::PathBuf;

/// Why the sim could not be opened or configured.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum SimError {
    /// Reading or writing the persisted cloud failed.
    #[error("cannot access the simulated cloud at {}", path.display())]
    #[diagnostic(
        code(strata::sim::io),
        help("check that the directory exists and is writable")
    )]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The persisted cloud is not valid.
    #[error("the simulated cloud in {} is corrupt", path.display())]
    #[diagnostic(
        code(strata::sim::corrupt),
        help("delete the file to start from an empty simulated cloud")
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// A provider option (manifest or environment) is invalid.
    #[error("invalid sim option {name} = `{value}`: {reason}")]
    #[diagnostic(code(strata::sim::option))]
    BadOption {
        /// The option.
        name: String,
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
}
