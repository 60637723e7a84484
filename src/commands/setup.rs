//! The errors of the commands that set things up rather than judge: `init` (a starter
//! rules file), `demo` (a scratch server and pushes) and `man` (pages written to a
//! directory). Each variant names the file, directory or git command involved.

use std::path::PathBuf;

/// `init`, `demo` or `man` could not do their work.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// A file that is never replaced without `--force`.
    #[error("{} already exists; review it, or replace it with --force", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// The command needs a working tree and the repository has none.
    #[error("{} is a bare repository: {what} needs a working tree", path.display())]
    Bare {
        /// The repository.
        path: PathBuf,
        /// What needs the working tree.
        what: &'static str,
    },
    /// A directory that must be new or empty is not.
    #[error("{} is not empty: choose a new or empty directory", path.display())]
    NotEmpty {
        /// The directory.
        path: PathBuf,
    },
    /// Writing a file or making a directory failed.
    #[error("writing {}: {source}", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A `git` command could not run, or failed.
    #[error("git {args} failed: {detail}")]
    Git {
        /// The arguments, as one line.
        args: String,
        /// Why (git's own last line of stderr, or why it could not start).
        detail: String,
    },
    /// The demo's push did not end as it should have: agentfence or the demo is broken.
    #[error("demo: {what}: expected {expected}, got {got}")]
    Demo {
        /// Which push.
        what: String,
        /// The expected outcome.
        expected: &'static str,
        /// What happened.
        got: String,
    },
}
