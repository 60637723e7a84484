//! Why a rules file cannot be used: it could not be read, or it has problems.
//!
//! An invalid file is one [`RulesError::Invalid`] holding every [`Problem`] found, each
//! rendered on its own line as `<file>:<line>:<col>: <key.path>: <message>`.

use std::io;
use std::path::PathBuf;

/// One problem in a rules file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line and column of the offending node, when known.
    pub location: Option<(usize, usize)>,
    /// The key path, e.g. `policies.agents.paths.allow[1]`; empty for the whole file.
    pub path: String,
    /// What is wrong, in one line.
    pub message: String,
}

impl Problem {
    /// A problem at `path` (location to be filled in).
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            location: None,
            path: path.into(),
            message: message.into(),
        }
    }

    /// Renders the problem as one line, prefixed by `origin` (the file's name).
    pub fn render(&self, origin: &str) -> String {
        let mut s = String::from(origin);
        if let Some((line, col)) = self.location {
            s.push_str(&format!(":{line}:{col}"));
        }
        s.push_str(": ");
        if !self.path.is_empty() {
            s.push_str(&self.path);
            s.push_str(": ");
        }
        // One line per problem, whatever a message might contain.
        s.push_str(&self.message.replace('\n', " "));
        s
    }
}

/// Every problem, one line each.
fn render_all(origin: &str, problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.render(origin))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A rules file that cannot be used. A hook fails closed on any of these.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The file could not be read.
    #[error("{}: cannot read rules file: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is larger than a rules file may be.
    #[error("{}: rules file is {size} bytes; the limit is {limit} bytes", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The largest size accepted.
        limit: u64,
    },
    /// The file is not UTF-8 text.
    #[error("{}: not a rules file: {reason}", path.display())]
    NotText {
        /// The file.
        path: PathBuf,
        /// What gave it away (`contains NUL bytes`, `not valid UTF-8 ...`).
        reason: String,
    },
    /// The repository's HEAD names no branch, so there is no default branch whose
    /// committed rules could be trusted.
    #[error(
        "the repository's HEAD names no branch, so no trusted rules can be read from the default branch; point HEAD at it (git symbolic-ref HEAD refs/heads/main) or set git config agentfence.rules"
    )]
    NoDefaultBranch,
    /// HEAD names a default branch that does not exist, in a repository that has other
    /// branches: its committed rules cannot be found, and the defaults must not stand in.
    #[error(
        "the repository's HEAD names {branch}, which does not exist, but the repository has other branches; point HEAD at the default branch (git symbolic-ref HEAD refs/heads/NAME) or set git config agentfence.rules"
    )]
    DefaultBranchMissing {
        /// The branch HEAD names.
        branch: String,
    },
    /// The file has problems: every one is listed, one per line.
    #[error("{}", render_all(origin, problems))]
    Invalid {
        /// The file's name as the user gave it.
        origin: String,
        /// Every problem found, in file order.
        problems: Vec<Problem>,
    },
}

impl RulesError {
    /// The problems of an invalid file; empty for other errors.
    pub fn problems(&self) -> &[Problem] {
        match self {
            RulesError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}
