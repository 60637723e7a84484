//! Plain facts about a repository: commits, the changes they make, and ref updates.
//!
//! These types are what the git layer (`crate::git`) produces and what the checks
//! (`crate::check`) consume. They hold no `git2` type, so the checks stay pure and can be
//! tested with literal values.

use std::fmt;

/// A git object id, as lowercase hex (40 digits for SHA-1, 64 for SHA-256).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ObjectId(String);

impl ObjectId {
    /// Wraps a hex id. Returns `None` unless it is 40 or 64 hex digits.
    pub fn from_hex(hex: &str) -> Option<Self> {
        let ok = (hex.len() == 40 || hex.len() == 64) && hex.bytes().all(|b| b.is_ascii_hexdigit());
        ok.then(|| Self(hex.to_ascii_lowercase()))
    }

    /// The full hex id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The abbreviated id used in human-facing reports (first 10 digits).
    pub fn short(&self) -> &str {
        &self.0[..10.min(self.0.len())]
    }

    /// True for the all-zero id git uses for "no object" (creation and deletion).
    pub fn is_zero(&self) -> bool {
        self.0.bytes().all(|b| b == b'0')
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person or bot as git records it in a commit.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Identity {
    /// The name part.
    pub name: String,
    /// The email part, without angle brackets.
    pub email: String,
}

impl fmt::Display for Identity {
    /// Renders `Name <email>`, the form the rules' `author`/`committer` regexes match.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} <{}>", self.name, self.email)
    }
}

/// What a commit object says about itself (no diff).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CommitFacts {
    /// The commit's id.
    pub id: ObjectId,
    /// Its parents, first parent first.
    pub parents: Vec<ObjectId>,
    /// The author.
    pub author: Identity,
    /// The committer.
    pub committer: Identity,
    /// The raw message, decoded lossily where it is not UTF-8.
    pub message: String,
}

impl CommitFacts {
    /// True when the commit has more than one parent.
    pub fn is_merge(&self) -> bool {
        self.parents.len() > 1
    }

    /// The first line of the message.
    pub fn subject(&self) -> &str {
        self.message.lines().next().unwrap_or("")
    }
}

/// The kind of one changed path.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ChangeKind {
    /// A path that did not exist before.
    Added,
    /// A path that no longer exists.
    Deleted,
    /// Same path, same object type, other content or mode.
    Modified,
    /// Same path, the object type changed (say, file to symlink).
    TypeChanged,
    /// Identical content moved from `old_path` to `new_path`.
    Renamed,
}

/// A git tree entry mode, as the octal number git stores.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FileMode(pub u32);

impl FileMode {
    /// A regular, non-executable file.
    pub const FILE: FileMode = FileMode(0o100644);
    /// An executable file.
    pub const EXECUTABLE: FileMode = FileMode(0o100755);
    /// A symbolic link.
    pub const SYMLINK: FileMode = FileMode(0o120000);
    /// A submodule (gitlink).
    pub const GITLINK: FileMode = FileMode(0o160000);

    /// True for a symbolic link.
    pub fn is_symlink(self) -> bool {
        self.0 & 0o170000 == 0o120000
    }

    /// True for a submodule entry.
    pub fn is_gitlink(self) -> bool {
        self.0 & 0o170000 == 0o160000
    }

    /// True for an executable regular file.
    pub fn is_executable(self) -> bool {
        self.0 & 0o170000 == 0o100000 && self.0 & 0o111 != 0
    }
}

/// Lines added and deleted in one file, as `git diff --numstat` counts them.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct LineStats {
    /// Lines added.
    pub added: u64,
    /// Lines deleted.
    pub deleted: u64,
}

impl LineStats {
    /// Added plus deleted: what the `lines` limits count.
    pub fn total(self) -> u64 {
        self.added + self.deleted
    }

    /// The lines of several changes added up; binary files count zero.
    pub fn sum<'a>(changes: impl IntoIterator<Item = &'a FileChange>) -> LineStats {
        changes
            .into_iter()
            .filter_map(|c| c.lines)
            .fold(LineStats::default(), |acc, l| LineStats {
                added: acc.added + l.added,
                deleted: acc.deleted + l.deleted,
            })
    }
}

/// One changed path of a commit, as the checks see it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FileChange {
    /// The path before the change (`None` for an added file).
    pub old_path: Option<String>,
    /// The path after the change (`None` for a deleted file).
    pub new_path: Option<String>,
    /// What happened to the path.
    pub kind: ChangeKind,
    /// The mode before (`None` for an added file).
    pub old_mode: Option<FileMode>,
    /// The mode after (`None` for a deleted file).
    pub new_mode: Option<FileMode>,
    /// Line counts; `None` when git would call the file binary, or when they were not computed.
    pub lines: Option<LineStats>,
    /// True when git would call either side binary (a NUL in its first 8,000 bytes).
    pub binary: bool,
    /// Size in bytes of the new blob (`None` for a deletion, a submodule, or when not read).
    /// For a Git LFS pointer, the size the pointer names.
    pub new_size: Option<u64>,
    /// What a reviewer must read (CONTRACT.md, `bytes`): for a text file the bytes of its
    /// added and deleted lines, terminators included; for a binary file its old size plus
    /// its new size (an LFS pointer counts the sizes it names); 0 for an identical rename.
    pub bytes: u64,
}

impl FileChange {
    /// The path a report names: the new path, or the old one for a deletion.
    pub fn path(&self) -> &str {
        self.new_path
            .as_deref()
            .or(self.old_path.as_deref())
            .expect("a change has at least one path")
    }

    /// Every path the change touches (both sides of a rename), without duplicates.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        let old = self.old_path.as_deref();
        let new = self.new_path.as_deref();
        let old = if old == new { None } else { old };
        old.into_iter().chain(new)
    }

    /// Lines counted toward limits: a binary file counts zero.
    pub fn line_total(&self) -> u64 {
        self.lines.map(LineStats::total).unwrap_or(0)
    }
}

/// A tree entry that git's fsck refuses, or a path no rule can judge (CONTRACT.md,
/// `bad-path`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BadPath {
    /// The path, decoded lossily where it is not UTF-8 (for messages only; reports escape it).
    pub path: String,
    /// What is wrong, e.g. "an entry named '.git'" or "entries out of order".
    pub problem: String,
    /// True when the problem is only that the path is not UTF-8: a `bad-path` for commits a
    /// policy covers, harmless for unchecked ones. Every other problem is an fsck error and
    /// a `bad-path` for every new commit.
    pub non_utf8_only: bool,
}

/// What a commit is judged by, beyond what it says about itself.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct CommitChanges {
    /// What the commit is charged for, in git's path order: for a commit with one parent
    /// (or none), its diff against it; for a two-parent merge, each path where the result
    /// differs from git's automatic merge of the parents (remerge), plus every path the
    /// automatic merge leaves conflicted (charged the larger of its remerge count and its
    /// largest diff against a parent); for an octopus, every path that differs from any
    /// parent, with its largest diff.
    pub files: Vec<FileChange>,
    /// Paths of a merge that are not charged but must pass the path rules: every path
    /// whose entry equals that path's entry in none of the parents. Sorted, no duplicates;
    /// may repeat paths of `files`.
    pub also_checked: Vec<String>,
    /// Tree entries git's fsck refuses, and paths that are not UTF-8, in the trees this
    /// commit introduces.
    pub bad_paths: Vec<BadPath>,
}

/// A commit with the changes the checks judge it by.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CommitRecord {
    /// What the commit says about itself.
    pub facts: CommitFacts,
    /// What it is judged by (empty when it was not diffed).
    pub changes: CommitChanges,
}

/// One ref update of a push (or the target ref of a `check`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RefUpdate {
    /// Full ref name, e.g. `refs/heads/agent/x`.
    pub name: String,
    /// The old tip (`None` when the ref is created).
    pub old: Option<ObjectId>,
    /// The new tip (`None` when the ref is deleted).
    pub new: Option<ObjectId>,
    /// True when the old tip is not an ancestor of the new one (both present).
    pub forced: bool,
    /// Every commit the update brings onto the ref, new to the repository or not:
    /// `old..new`, or for a created ref the commits not reachable from the default branch's
    /// tip before the push. Their owners' policies bind the update.
    pub brought: Vec<ObjectId>,
    /// False when the new value is not a commit once annotated tags are peeled (a tree or a
    /// blob, which no path rule sees). True for a deletion.
    pub target_is_commit: bool,
}

impl RefUpdate {
    /// True when the update deletes the ref.
    pub fn is_deletion(&self) -> bool {
        self.new.is_none()
    }
}
