//! The changes of one commit against its first parent, and git's line counts.
//!
//! The walk ([`TreeWalk`]) is a merge-join of sorted tree listings in git's tree order (a
//! directory `a` sorts as `a/`), skipping every subtree whose id is equal on both sides, so
//! a commit costs what it changes, not what the repository holds. Line counts follow
//! `git diff --numstat`: a side is binary when a NUL byte occurs in its first 8,000 bytes;
//! otherwise lines (with their terminators, so a missing final newline is a change) are
//! diffed with the Myers algorithm of `gix-imara-diff`, which counts as git's xdiff does.
//! The same diff gives `bytes` (CONTRACT.md): the bytes of the added and deleted lines;
//! a binary side counts its whole size, and a Git LFS pointer the size it names.

use std::collections::HashMap;

use gix_imara_diff::{Algorithm, Diff, InternedInput, sources::byte_lines};

use super::tree::{self, Descend, S_IFMT, Side, TreeWalk};
use super::{GitError, Repo, lfs};
use crate::model::{ChangeKind, FileChange, FileMode, LineStats, ObjectId};

/// How [`Repo::changes`] diffs a merge commit. (The checks charge a merge by
/// [`Repo::commit_changes`], against git's automatic merge of its parents.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeDiff {
    /// Every path that differs from the first parent (git's `--diff-merges=first-parent`;
    /// what `stat` prints).
    FirstParent,
}

/// What [`Repo::changes`] computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiffOptions {
    /// How merge commits are diffed.
    pub merges: MergeDiff,
    /// Detect exact renames (identical blob deleted at one path, added at another) as one
    /// [`ChangeKind::Renamed`] change with zero lines.
    pub renames: bool,
    /// Count added and deleted lines (reads and diffs both blobs). When false, blobs are
    /// still read for the binary flag, but never diffed.
    pub line_stats: bool,
}

/// One changed path, with byte paths as git stores them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawChange {
    /// The path before the change (`None` for an added file).
    pub old_path: Option<Vec<u8>>,
    /// The path after the change (`None` for a deleted file).
    pub new_path: Option<Vec<u8>>,
    /// What happened to the path.
    pub kind: ChangeKind,
    /// The mode before (`None` for an added file).
    pub old_mode: Option<FileMode>,
    /// The mode after (`None` for a deleted file).
    pub new_mode: Option<FileMode>,
    /// Line counts; `None` for binary files or when not computed.
    pub lines: Option<LineStats>,
    /// True when git would call either side binary.
    pub binary: bool,
    /// Size in bytes of the new blob (`None` for a deletion or a submodule).
    pub new_size: Option<u64>,
    /// What a reviewer must read (see [`crate::model::FileChange::bytes`]).
    pub bytes: u64,
    pub(crate) old_id: Option<git2::Oid>,
    pub(crate) new_id: Option<git2::Oid>,
}

impl RawChange {
    /// The path a report names: the new path, or the old one for a deletion.
    pub fn path(&self) -> &[u8] {
        self.new_path
            .as_deref()
            .or(self.old_path.as_deref())
            .expect("a change has at least one path")
    }

    /// The change as the checks see it, each path turned into a string by `path` (which
    /// decides what to do with one that is not UTF-8).
    pub fn into_file_change_with(self, mut path: impl FnMut(Vec<u8>) -> String) -> FileChange {
        FileChange {
            old_path: self.old_path.map(&mut path),
            new_path: self.new_path.map(&mut path),
            kind: self.kind,
            old_mode: self.old_mode,
            new_mode: self.new_mode,
            lines: self.lines,
            binary: self.binary,
            new_size: self.new_size,
            bytes: self.bytes,
        }
    }

    /// The change as the checks see it; a path that is not UTF-8 becomes
    /// `non_utf8(path decoded lossily)`, an error that says where the change comes from.
    pub(crate) fn into_file_change_or(
        self,
        non_utf8: impl Fn(String) -> GitError,
    ) -> Result<FileChange, GitError> {
        let utf8 = |path: Option<Vec<u8>>| -> Result<Option<String>, GitError> {
            path.map(|p| {
                String::from_utf8(p)
                    .map_err(|e| non_utf8(String::from_utf8_lossy(e.as_bytes()).into_owned()))
            })
            .transpose()
        };
        Ok(FileChange {
            old_path: utf8(self.old_path)?,
            new_path: utf8(self.new_path)?,
            kind: self.kind,
            old_mode: self.old_mode,
            new_mode: self.new_mode,
            lines: self.lines,
            binary: self.binary,
            new_size: self.new_size,
            bytes: self.bytes,
        })
    }
}

/// Buffers one thread reuses across commits.
#[derive(Default)]
pub(crate) struct Scratch {
    pub(crate) diff: Diff,
}

/// git's FIRST_FEW_BYTES: how much of a blob `buffer_is_binary` looks at.
const FIRST_FEW_BYTES: usize = 8000;
/// git's default `core.bigFileThreshold` (512 MiB): a larger blob is binary to `git diff`,
/// and is never read, so a huge blob costs a header lookup, not its size in memory.
pub(crate) const BIG_FILE_THRESHOLD: u64 = 512 * 1024 * 1024;

/// git's `canon_mode` for a mode as libgit2 reports it (see [`tree::canon_mode`]).
pub(crate) fn canon_mode(raw: i32) -> u32 {
    tree::canon_mode(raw as u32)
}

/// git's `buffer_is_binary`: a NUL byte in the first 8,000 bytes.
pub(crate) fn is_binary(data: &[u8]) -> bool {
    data[..data.len().min(FIRST_FEW_BYTES)].contains(&0)
}

/// Lines in `data` as git counts an added file's: a final line without a newline counts.
pub(crate) fn count_lines(data: &[u8]) -> u64 {
    let newlines = data.iter().filter(|&&b| b == b'\n').count() as u64;
    newlines + u64::from(data.last().is_some_and(|&b| b != b'\n'))
}

/// Lines added and deleted from `old` to `new`, as `git diff --numstat` counts them, and
/// the bytes of those lines (terminators included): what a reviewer reads in the diff.
pub(crate) fn line_stats(old: &[u8], new: &[u8], diff: &mut Diff) -> (LineStats, u64) {
    if old == new {
        return (LineStats::default(), 0);
    }
    if old.is_empty() || new.is_empty() {
        let stats = LineStats {
            added: count_lines(new),
            deleted: count_lines(old),
        };
        return (stats, (old.len() + new.len()) as u64);
    }
    let input = InternedInput::new(byte_lines(old), byte_lines(new));
    diff.compute_with(
        Algorithm::Myers,
        &input.before,
        &input.after,
        input.interner.num_tokens(),
    );
    let line_bytes = |tokens: &[gix_imara_diff::Token], changed: &dyn Fn(u32) -> bool| {
        tokens
            .iter()
            .enumerate()
            .filter(|(i, _)| changed(*i as u32))
            .map(|(_, &token)| input.interner[token].len() as u64)
            .sum::<u64>()
    };
    let bytes = line_bytes(&input.before, &|i| diff.is_removed(i))
        + line_bytes(&input.after, &|i| diff.is_added(i));
    let stats = LineStats {
        added: u64::from(diff.count_additions()),
        deleted: u64::from(diff.count_removals()),
    };
    (stats, bytes)
}

/// The content git diffs for one side of a change.
enum Content<'r> {
    Absent,
    Blob(git2::Blob<'r>),
    /// A blob over [`BIG_FILE_THRESHOLD`], by size only: binary, as git treats it.
    Big(u64),
    /// A submodule: git diffs the text `Subproject commit <id>\n`.
    Gitlink(Vec<u8>),
}

impl Content<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Content::Absent | Content::Big(_) => &[],
            Content::Blob(blob) => blob.content(),
            Content::Gitlink(text) => text,
        }
    }

    /// The size a Git LFS pointer names, when this side is one.
    fn lfs_size(&self) -> Option<u64> {
        match self {
            Content::Blob(blob) => lfs::pointer_size(blob.content()),
            _ => None,
        }
    }

    /// The size of this side as `bytes` counts it: an LFS pointer's named size, a blob's
    /// size, the text git diffs for a submodule, 0 when absent.
    fn counted_size(&self) -> u64 {
        match self {
            Content::Absent => 0,
            Content::Blob(blob) => lfs::pointer_size(blob.content()).unwrap_or(blob.size() as u64),
            Content::Big(size) => *size,
            Content::Gitlink(text) => text.len() as u64,
        }
    }
}

impl RawChange {
    /// The change from `old` to `new` at `path` (at least one side present, not both
    /// equal), before any blob is read.
    pub(crate) fn between(path: &[u8], old: Option<Side>, new: Option<Side>) -> RawChange {
        let kind = match (old, new) {
            (None, _) => ChangeKind::Added,
            (_, None) => ChangeKind::Deleted,
            (Some(a), Some(b)) if a.mode & S_IFMT == b.mode & S_IFMT => ChangeKind::Modified,
            _ => ChangeKind::TypeChanged,
        };
        RawChange {
            old_path: old.map(|_| path.to_vec()),
            new_path: new.map(|_| path.to_vec()),
            kind,
            old_mode: old.map(|s| FileMode(s.mode)),
            new_mode: new.map(|s| FileMode(s.mode)),
            lines: None,
            binary: false,
            new_size: None,
            bytes: 0,
            old_id: old.map(|s| s.id),
            new_id: new.map(|s| s.id),
        }
    }

    /// What the limits weigh a change by when two candidates compete (a merge's charge):
    /// its lines, then its bytes.
    pub(crate) fn weight(&self) -> (u64, u64) {
        (self.lines.map_or(0, LineStats::total), self.bytes)
    }
}

impl Repo {
    /// The changed paths of commit `id`, against its first parent (the empty tree for a
    /// root commit), in git's path order, with line counts as `opts` asks: git's
    /// `--diff-merges=first-parent` view, which `stat` prints. The checks judge a commit by
    /// [`Repo::commit_changes`] instead.
    pub fn changes(&self, id: &ObjectId, opts: &DiffOptions) -> Result<Vec<RawChange>, GitError> {
        let commit = self.find_commit(id)?;
        let parents = self.parent_trees(&commit, id)?;
        let odb = self.odb(id)?;
        let mut changes = Vec::new();
        let mut walk = TreeWalk::new(&odb, commit.id(), Descend::UnlessEqualToEveryParent, true);
        walk.run(
            commit.tree_id(),
            &parents[..parents.len().min(1)],
            |path, new, old| {
                changes.push(RawChange::between(
                    path,
                    old.first().copied().flatten(),
                    new,
                ));
                Ok(())
            },
        )?;
        if opts.renames {
            changes = pair_exact_renames(changes);
        }
        let context = format!("commit {id}");
        let mut scratch = self.scratch.borrow_mut();
        for change in &mut changes {
            fill_stats(&self.repo, change, opts, &mut scratch.diff, &context)?;
        }
        Ok(changes)
    }

    /// The tree ids of a commit's parents, first parent first.
    pub(crate) fn parent_trees(
        &self,
        commit: &git2::Commit<'_>,
        id: &ObjectId,
    ) -> Result<Vec<git2::Oid>, GitError> {
        commit
            .parent_ids()
            .map(|parent| {
                self.repo
                    .find_commit(parent)
                    .map(|c| c.tree_id())
                    .map_err(|source| GitError::MissingObject {
                        id: parent.to_string(),
                        context: format!("parent of commit {id}"),
                        source,
                    })
            })
            .collect()
    }

    /// The object database, naming the commit being read in the error.
    pub(crate) fn odb(&self, id: &ObjectId) -> Result<git2::Odb<'_>, GitError> {
        self.repo.odb().map_err(|source| GitError::Git2 {
            context: format!("opening the object database to read commit {id}"),
            source,
        })
    }

    /// Reads the blobs of one change and fills in its size, binary flag, line counts and
    /// bytes; `context` names where the change comes from (`commit <id>`, `the index`).
    pub(crate) fn fill_stats(
        &self,
        change: &mut RawChange,
        opts: &DiffOptions,
        diff: &mut Diff,
        context: &str,
    ) -> Result<(), GitError> {
        fill_stats(&self.repo, change, opts, diff, context)
    }
}

/// One side's content, read from `repo`.
fn content<'r>(
    repo: &'r git2::Repository,
    id: Option<git2::Oid>,
    mode: Option<FileMode>,
    context: &str,
) -> Result<Content<'r>, GitError> {
    match (id, mode) {
        (Some(id), Some(mode)) if mode.is_gitlink() => Ok(Content::Gitlink(
            format!("Subproject commit {id}\n").into_bytes(),
        )),
        (Some(id), Some(_)) => {
            let missing = |source| GitError::MissingObject {
                id: id.to_string(),
                context: format!("blob of {context}"),
                source,
            };
            let (size, _) = repo
                .odb()
                .and_then(|odb| odb.read_header(id))
                .map_err(missing)?;
            if size as u64 > BIG_FILE_THRESHOLD {
                return Ok(Content::Big(size as u64));
            }
            repo.find_blob(id).map(Content::Blob).map_err(missing)
        }
        _ => Ok(Content::Absent),
    }
}

/// Reads the blobs of one change from `repo` and fills in its size, binary flag, line
/// counts and bytes (CONTRACT.md, `bytes`): a Git LFS pointer counts as a binary file of
/// the size it names; a change whose content is unchanged (an identical rename, a mode
/// change) counts 0 bytes.
pub(crate) fn fill_stats(
    repo: &git2::Repository,
    change: &mut RawChange,
    opts: &DiffOptions,
    diff: &mut Diff,
    context: &str,
) -> Result<(), GitError> {
    let new = content(repo, change.new_id, change.new_mode, context)?;
    let same_content = change.old_id == change.new_id
        && change.old_mode.map(|m| m.is_gitlink()) == change.new_mode.map(|m| m.is_gitlink());
    let old = if same_content {
        None
    } else {
        Some(content(repo, change.old_id, change.old_mode, context)?)
    };
    let old_side = old.as_ref().unwrap_or(&new);
    let new_lfs = new.lfs_size();
    change.new_size = new_lfs.or(match &new {
        Content::Blob(blob) => Some(blob.size() as u64),
        Content::Big(size) => Some(*size),
        Content::Absent | Content::Gitlink(_) => None,
    });
    let is_big = |c: &Content<'_>| matches!(c, Content::Big(_));
    let (new_bytes, old_bytes) = (new.bytes(), old_side.bytes());
    change.binary = is_binary(new_bytes)
        || is_binary(old_bytes)
        || is_big(&new)
        || is_big(old_side)
        || new_lfs.is_some()
        || old_side.lfs_size().is_some();
    let sizes = || old.as_ref().map_or(0, Content::counted_size) + new.counted_size();
    (change.lines, change.bytes) = if change.binary {
        (None, if same_content { 0 } else { sizes() })
    } else if change.kind == ChangeKind::Renamed || same_content {
        (Some(LineStats::default()), 0)
    } else if opts.line_stats {
        let (lines, bytes) = line_stats(old_bytes, new_bytes, diff);
        (Some(lines), bytes)
    } else {
        (None, sizes())
    };
    Ok(())
}

/// Joins a deletion and an addition of the identical blob (same object type) into one
/// rename; the first deletion of that content pairs with the first addition.
pub(crate) fn pair_exact_renames(changes: Vec<RawChange>) -> Vec<RawChange> {
    let mut deleted: HashMap<(git2::Oid, u32), Vec<usize>> = HashMap::new();
    for (i, c) in changes.iter().enumerate() {
        if let (ChangeKind::Deleted, Some(id), Some(mode)) = (c.kind, c.old_id, c.old_mode)
            && !mode.is_gitlink()
        {
            deleted.entry((id, mode.0 & S_IFMT)).or_default().push(i);
        }
    }
    if deleted.is_empty() {
        return changes;
    }
    for list in deleted.values_mut() {
        list.reverse();
    }
    let mut slots: Vec<Option<RawChange>> = changes.into_iter().map(Some).collect();
    for i in 0..slots.len() {
        let key = match &slots[i] {
            Some(c) if c.kind == ChangeKind::Added => match (c.new_id, c.new_mode) {
                (Some(id), Some(mode)) if !mode.is_gitlink() => (id, mode.0 & S_IFMT),
                _ => continue,
            },
            _ => continue,
        };
        if let Some(d) = deleted.get_mut(&key).and_then(Vec::pop) {
            let gone = slots[d].take().expect("each deletion pairs once");
            let added = slots[i].as_mut().expect("checked above");
            added.kind = ChangeKind::Renamed;
            added.old_path = gone.old_path;
            added.old_mode = gone.old_mode;
            added.old_id = gone.old_id;
        }
    }
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_means_a_nul_in_the_first_8000_bytes() {
        let mut data = vec![b'x'; 9000];
        data[7999] = 0;
        assert!(is_binary(&data));
        data[7999] = b'x';
        data[8000] = 0;
        assert!(!is_binary(&data));
    }

    #[test]
    fn lines_count_with_terminators() {
        assert_eq!(count_lines(b""), 0);
        assert_eq!(count_lines(b"a\nb"), 2);
        assert_eq!(count_lines(b"a\nb\n"), 2);
        let mut diff = Diff::default();
        let stats = line_stats(b"a\nb\n", b"a\nb", &mut diff);
        let one_each = LineStats {
            added: 1,
            deleted: 1,
        };
        // "b\n" out, "b" in.
        assert_eq!(stats, (one_each, 3));
        let stats = line_stats(b"a\r\nb\n", b"a\nb\nc\n", &mut diff);
        let two_one = LineStats {
            added: 2,
            deleted: 1,
        };
        assert_eq!(stats, (two_one, 3 + 2 + 2));
    }

    #[test]
    fn bytes_of_whole_sides_and_cr_only_files() {
        let mut diff = Diff::default();
        let added = LineStats {
            added: 1,
            deleted: 0,
        };
        // A CR-only file is one line to git, and every byte of it to a reviewer.
        let cr_only = b"print(1)\rprint(2)\rprint(3)\r";
        assert_eq!(
            line_stats(b"", cr_only, &mut diff),
            (added, cr_only.len() as u64)
        );
        assert_eq!(
            line_stats(b"x\n", b"x\n", &mut diff),
            (LineStats::default(), 0)
        );
        let stats = line_stats(b"keep\nold line\nkeep2\n", b"keep\nnew\nkeep2\n", &mut diff);
        let one_each = LineStats {
            added: 1,
            deleted: 1,
        };
        assert_eq!(stats, (one_each, 9 + 4));
    }
}
