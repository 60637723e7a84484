//! Everything that touches git2: repositories turned into plain facts ([`crate::model`]).

/// A repository could not be read (placeholder until issue 3 lands).
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// libgit2 reported an error.
    #[error("{context}: {source}")]
    Git2 {
        /// What was being done.
        context: String,
        /// libgit2's error.
        source: git2::Error,
    },
}
