//! The crate's top-level error: agentfence could not do its job (exit 2, a hook rejects).

use std::io;

/// Why a command could not check. Each variant wraps the error type of one area.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The rules could not be read or are invalid.
    #[error(transparent)]
    Rules(#[from] crate::rules::RulesError),
    /// A signatures file the rules name could not be read or is malformed.
    #[error(transparent)]
    Signers(#[from] crate::signature::SignersError),
    /// The repository could not be read.
    #[error(transparent)]
    Git(#[from] crate::git::GitError),
    /// The input (stdin, arguments, a message file) is malformed.
    #[error(transparent)]
    Input(#[from] crate::input::InputError),
    /// `install` could not install (a foreign hook, an unwritable file).
    #[error(transparent)]
    Install(#[from] crate::commands::install::InstallError),
    /// The engine was handed an incomplete picture (a bug; it fails closed).
    #[error(transparent)]
    Unattributed(#[from] crate::check::Unattributed),
    /// The decision log could not be written (the push is rejected).
    #[error(transparent)]
    Log(#[from] crate::decision_log::LogError),
    /// The error was already told to the user in the command's own words (exit 2).
    #[error("could not check (reported above)")]
    Reported,
    /// `init`, `demo` or `man` could not set up what they write (a file exists, git failed).
    #[error(transparent)]
    Setup(#[from] crate::commands::setup::SetupError),
    /// The report could not be written.
    #[error("writing output: {0}")]
    Output(#[from] io::Error),
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
