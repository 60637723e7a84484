//! Everything that touches git2: repositories turned into plain facts ([`crate::model`]).
//!
//! [`Repo`] opens a repository (by discovery, or from git's environment inside a hook),
//! resolves revision ranges with `git rev-list` semantics ([`Repo::resolve_range`]) and
//! turns a commit into its facts ([`Repo::commit_facts`]), what it is judged by
//! ([`Repo::commit_changes`]: charged changes, a merge's paths to check, fsck's bad paths;
//! a merge is charged against git's automatic merge of its parents, redone in memory) and
//! its first-parent diff ([`Repo::changes`], what `stat` prints). Trees are read by our
//! own parser and walk (`tree`), as git reads them. [`par_map_commits`] and
//! [`par_for_each_commit`] spread per-commit work over threads, one `Repo` per worker.
//! Nothing outside this module sees a `git2` type.

mod bases;
mod changes;
mod diff;
mod encoding;
mod fsck;
mod gitmodules;
mod index;
mod lfs;
mod local;
mod log;
mod merge;
mod numstat;
mod par;
mod push;
mod range;
mod refs;
mod revert;
mod signature;
mod tree;

use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};
use std::sync::Once;

pub use changes::{ChangeScope, RawCommitChanges};
pub use diff::{DiffOptions, MergeDiff, RawChange};
pub use local::Identities;
pub use log::{PathEntry, Snapshot};
pub use numstat::{quote_path, write_numstat};
pub use par::{par_for_each_commit, par_map_commits};
pub use push::{CreationBase, PushBase, PushFacts};
pub use refs::EXISTING_REFS;
pub use revert::{RevertTree, Stamp};
pub use signature::CommitSignature;

use crate::model::{CommitFacts, Identity, ObjectId};

/// A repository could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// No repository could be opened at (or above) a directory.
    #[error("cannot open a git repository at {}: {}", path.display(), source.message())]
    Open {
        /// The directory that was tried.
        path: PathBuf,
        /// libgit2's error.
        source: git2::Error,
    },
    /// No repository could be opened from git's environment (`GIT_DIR`, ...).
    #[error("cannot open the git repository named by the environment (GIT_DIR): {}", source.message())]
    OpenFromEnv {
        /// libgit2's error.
        source: git2::Error,
    },
    /// The repository uses an object format libgit2 cannot read (SHA-256).
    #[error(
        "cannot read the git repository at {}: it uses SHA-256 object ids, which agentfence's git library (libgit2) does not support yet; agentfence works on SHA-1 repositories only",
        path.display()
    )]
    UnsupportedObjectFormat {
        /// The repository (or the directory tried).
        path: PathBuf,
    },
    /// A revision or range could not be resolved.
    #[error("bad revision '{spec}': {}", source.message())]
    Revision {
        /// The revision or range as given.
        spec: String,
        /// libgit2's error.
        source: git2::Error,
    },
    /// A revision names an object that is not (and does not peel to) a commit.
    #[error("bad revision '{spec}': not a commit")]
    NotACommit {
        /// The revision as given.
        spec: String,
    },
    /// An object the repository refers to is missing or unreadable.
    #[error("missing or unreadable object {id} ({context}): {}", source.message())]
    MissingObject {
        /// The object's id.
        id: String,
        /// Where it was needed, e.g. "tree of commit <id>".
        context: String,
        /// libgit2's error.
        source: git2::Error,
    },
    /// An object a tree entry names as a tree is something else.
    #[error("object {id} ({context}) is not a tree")]
    NotATree {
        /// The object's id.
        id: String,
        /// Where it was needed, e.g. "tree 'src' of commit <id>".
        context: String,
    },
    /// A tree that git itself cannot parse, in a commit that does not introduce it.
    #[error("tree {id} (read for commit {commit}) cannot be parsed: {reason}")]
    BadTree {
        /// The tree's id.
        id: String,
        /// The commit being read.
        commit: String,
        /// git's reason.
        reason: &'static str,
    },
    /// Trees nested deeper than git itself is willing to follow.
    #[error("commit {commit}: trees nested deeper than {max} levels at '{path}'")]
    TreeTooDeep {
        /// The path where the limit was reached, decoded lossily.
        path: String,
        /// The commit being read.
        commit: String,
        /// The limit (git's `core.maxTreeDepth` default).
        max: usize,
    },
    /// A tree entry git's fsck refuses (see `crate::model::BadPath`).
    #[error("commit {commit}: bad path '{path}': {problem}")]
    BadPath {
        /// The commit that introduces it.
        commit: ObjectId,
        /// The path, decoded lossily.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// A changed path is not valid UTF-8, so no path rule could judge it.
    #[error("commit {commit}: path is not valid UTF-8: {path_lossy}")]
    NonUtf8Path {
        /// The commit that changes the path.
        commit: ObjectId,
        /// The path, decoded lossily (for the message only).
        path_lossy: String,
    },
    /// A staged path is not valid UTF-8, so no path rule could judge it.
    #[error("staged path is not valid UTF-8: {path_lossy}")]
    NonUtf8StagedPath {
        /// The path, decoded lossily (for the message only).
        path_lossy: String,
    },
    /// The index has unmerged entries (a conflict is being resolved).
    #[error("the index has an unmerged path: {path_lossy}; resolve the conflict first")]
    UnmergedIndex {
        /// The path, decoded lossily.
        path_lossy: String,
    },
    /// A trusted file (the committed rules) is not a regular file.
    #[error("{what} is not a regular file (mode {mode:o})")]
    NotAFile {
        /// `<commit>:<path>`.
        what: String,
        /// Its tree entry mode.
        mode: u32,
    },
    /// A trusted file (the committed rules) is larger than agentfence will read.
    #[error("{what} is {size} bytes; the limit is {max} bytes")]
    TooLarge {
        /// `<commit>:<path>`.
        what: String,
        /// Its size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// A worker thread could not do its share (it could not start, open the repository, or
    /// it panicked): the run fails rather than judge fewer commits than it was asked to.
    #[error("internal error in the worker threads: {problem}")]
    Worker {
        /// What went wrong.
        problem: String,
    },
    /// libgit2 reported some other error.
    #[error("{context}: {}", source.message())]
    Git2 {
        /// What was being done.
        context: String,
        /// libgit2's error.
        source: git2::Error,
    },
}

/// Where a repository lives, enough to open another handle to it (one per worker thread:
/// `git2::Repository` is not `Sync`).
#[derive(Clone, Debug)]
pub enum RepoLocation {
    /// Open this git dir (or work tree) directly.
    Path(PathBuf),
    /// Open from git's environment (`GIT_DIR`, `GIT_OBJECT_DIRECTORY`,
    /// `GIT_ALTERNATE_OBJECT_DIRECTORIES`), as inside a pre-receive quarantine.
    FromEnv,
}

/// An open repository, plus scratch buffers reused across the commits one thread reads.
pub struct Repo {
    repo: git2::Repository,
    location: RepoLocation,
    scratch: RefCell<diff::Scratch>,
    /// The in-memory handle merges are redone in (`merge`), opened on first use.
    merge: RefCell<Option<merge::MergeHandle>>,
    /// Set when the merge handle's memory should be dropped before its next use.
    merge_spent: Cell<bool>,
    /// Commits parsed for merge-base walks (`bases`).
    commits: RefCell<bases::CommitCache>,
}

/// Sets libgit2's process-wide options once: objects are not re-hashed on every read (git
/// itself does not either; it saves ~40% of a diff walk), and parsed objects are not kept
/// in libgit2's cache (the walk holds the trees it needs; the cache only grew memory).
fn init_libgit2() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        git2::opts::strict_hash_verification(false);
        git2::opts::enable_caching(false);
    });
}

impl Repo {
    fn wrap(repo: git2::Repository, location: RepoLocation) -> Self {
        Repo {
            repo,
            location,
            scratch: RefCell::new(diff::Scratch::default()),
            merge: RefCell::new(None),
            merge_spent: Cell::new(false),
            commits: RefCell::new(bases::CommitCache::new()),
        }
    }

    /// Opens the repository that contains `dir`, like `git -C dir` (bare repositories too).
    pub fn discover(dir: &Path) -> Result<Repo, GitError> {
        init_libgit2();
        let repo = git2::Repository::discover(dir).map_err(|source| {
            open_error(source, dir, |source| GitError::Open {
                path: dir.to_path_buf(),
                source,
            })
        })?;
        let location = RepoLocation::Path(repo.path().to_path_buf());
        Ok(Self::wrap(repo, location))
    }

    /// Like [`Repo::discover`], but `None` when `dir` is in no repository at all; any other
    /// failure (a corrupt or unreadable repository) is still an error.
    pub fn discover_if_any(dir: &Path) -> Result<Option<Repo>, GitError> {
        match Self::discover(dir) {
            Ok(repo) => Ok(Some(repo)),
            Err(GitError::Open { source, .. }) if source.code() == git2::ErrorCode::NotFound => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Opens the repository git's environment names (`GIT_DIR`, `GIT_OBJECT_DIRECTORY`,
    /// `GIT_ALTERNATE_OBJECT_DIRECTORIES`), as a hook must inside a push's quarantine.
    pub fn open_from_env() -> Result<Repo, GitError> {
        init_libgit2();
        let repo = git2::Repository::open_from_env().map_err(|source| {
            let dir = std::env::var_os("GIT_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from);
            open_error(source, &dir, |source| GitError::OpenFromEnv { source })
        })?;
        Ok(Self::wrap(repo, RepoLocation::FromEnv))
    }

    /// Opens another handle to the repository at `location`.
    pub fn open(location: &RepoLocation) -> Result<Repo, GitError> {
        match location {
            RepoLocation::Path(path) => {
                init_libgit2();
                let repo = git2::Repository::open(path).map_err(|source| {
                    open_error(source, path, |source| GitError::Open {
                        path: path.clone(),
                        source,
                    })
                })?;
                Ok(Self::wrap(repo, location.clone()))
            }
            RepoLocation::FromEnv => Self::open_from_env(),
        }
    }

    /// Where this repository lives, to open one handle per worker thread.
    pub fn location(&self) -> RepoLocation {
        self.location.clone()
    }

    /// The underlying libgit2 handle, for sibling modules of `crate::git`.
    #[allow(dead_code)]
    pub(crate) fn git2(&self) -> &git2::Repository {
        &self.repo
    }

    /// The merge bases of two commits, as `git merge-base --all` finds them, in no
    /// particular order.
    pub fn merge_bases(&self, one: &ObjectId, two: &ObjectId) -> Result<Vec<ObjectId>, GitError> {
        let bases = self.merge_bases_of(to_oid(one)?, to_oid(two)?)?;
        Ok(bases.into_iter().map(to_object_id).collect())
    }

    /// What a commit says about itself, its text re-encoded to UTF-8 from its `encoding`
    /// header as `git log` prints it (see `encoding`); what is still not UTF-8 is decoded
    /// lossily. Never panics.
    pub fn commit_facts(&self, id: &ObjectId) -> Result<CommitFacts, GitError> {
        let commit = self.find_commit(id)?;
        // A header that is not UTF-8 names no encoding iconv knows: git keeps the bytes.
        let declared = commit.message_encoding().ok().flatten();
        let text = |bytes: &[u8]| encoding::decode(bytes, declared);
        let identity = |sig: git2::Signature<'_>| Identity {
            name: text(sig.name_bytes()),
            email: text(sig.email_bytes()),
        };
        Ok(CommitFacts {
            id: id.clone(),
            parents: commit.parent_ids().map(to_object_id).collect(),
            author: identity(commit.author()),
            committer: identity(commit.committer()),
            message: text(commit.message_bytes()),
        })
    }

    /// Reads a commit object, naming it in the error when it is missing.
    pub(crate) fn find_commit(&self, id: &ObjectId) -> Result<git2::Commit<'_>, GitError> {
        let oid = to_oid(id)?;
        self.repo
            .find_commit(oid)
            .map_err(|source| GitError::MissingObject {
                id: id.to_string(),
                context: "commit".to_string(),
                source,
            })
    }
}

/// Names a SHA-256 repository as such (libgit2 only says "unknown object format"); any
/// other failure to open goes through `other`.
fn open_error(
    source: git2::Error,
    path: &Path,
    other: impl FnOnce(git2::Error) -> GitError,
) -> GitError {
    if source.message().contains("object format") {
        GitError::UnsupportedObjectFormat {
            path: path.canonicalize().unwrap_or_else(|_| path.to_path_buf()),
        }
    } else {
        other(source)
    }
}

/// Converts a libgit2 id to the model's id.
pub(crate) fn to_object_id(oid: git2::Oid) -> ObjectId {
    ObjectId::from_hex(&oid.to_string()).expect("libgit2 ids are 40 or 64 hex digits")
}

/// Converts the model's id to a libgit2 id.
pub(crate) fn to_oid(id: &ObjectId) -> Result<git2::Oid, GitError> {
    git2::Oid::from_str(id.as_str()).map_err(|source| GitError::Git2 {
        context: format!("object id {id}"),
        source,
    })
}
