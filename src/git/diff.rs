//! The changes of one commit: our own walk over two git trees, and git's line counts.
//!
//! The walk is a merge-join of two sorted tree listings in git's tree order (a directory
//! `a` sorts as `a/`), skipping every subtree whose id is equal on both sides, so a commit
//! costs what it changes, not what the repository holds. Line counts follow
//! `git diff --numstat`: a side is binary when a NUL byte occurs in its first 8,000 bytes;
//! otherwise lines (with their terminators, so a missing final newline is a change) are
//! diffed with the Myers algorithm of `gix-imara-diff`, which counts as git's xdiff does.

use std::cmp::Ordering;
use std::collections::HashMap;

use gix_imara_diff::{Algorithm, Diff, InternedInput, sources::byte_lines};

use super::{GitError, Repo};
use crate::model::{ChangeKind, FileChange, FileMode, LineStats, ObjectId};

/// How a merge commit's changes are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeDiff {
    /// Every path that differs from the first parent (git's `--diff-merges=first-parent`;
    /// what `stat` prints).
    FirstParent,
    /// Only paths whose content differs from every parent, counted against the first
    /// parent (what the checks judge a merge by).
    DiffersFromEveryParent,
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

    /// The change as the checks see it. A path that is not UTF-8 is an error (no rule
    /// could judge it faithfully), never decoded lossily.
    pub fn into_file_change(self, commit: &ObjectId) -> Result<FileChange, GitError> {
        self.into_file_change_or(|path_lossy| GitError::NonUtf8Path {
            commit: commit.clone(),
            path_lossy,
        })
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
    prefix: Vec<u8>,
    diff: Diff,
}

const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
/// git's FIRST_FEW_BYTES: how much of a blob `buffer_is_binary` looks at.
const FIRST_FEW_BYTES: usize = 8000;
/// git's default `core.bigFileThreshold` (512 MiB): a larger blob is binary to `git diff`,
/// and is never read, so a huge blob costs a header lookup, not its size in memory.
pub(crate) const BIG_FILE_THRESHOLD: u64 = 512 * 1024 * 1024;

/// git's `canon_mode`: a regular file is 100644 or 100755, whatever bits a tree stores.
pub(crate) fn canon_mode(raw: i32) -> u32 {
    let mode = raw as u32;
    if mode & S_IFMT == S_IFREG {
        if mode & 0o100 != 0 {
            0o100755
        } else {
            0o100644
        }
    } else {
        mode
    }
}

fn is_dir(mode: u32) -> bool {
    mode & S_IFMT == S_IFDIR
}

/// git's `base_name_compare`: tree order, where a directory sorts as if its name ended
/// in `/`.
fn tree_order(a: &[u8], a_mode: u32, b: &[u8], b_mode: u32) -> Ordering {
    let n = a.len().min(b.len());
    match a[..n].cmp(&b[..n]) {
        Ordering::Equal => {}
        other => return other,
    }
    let tail = |name: &[u8], mode: u32| match name.get(n) {
        Some(&c) => c,
        None if is_dir(mode) => b'/',
        None => 0,
    };
    tail(a, a_mode).cmp(&tail(b, b_mode))
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

/// Lines added and deleted from `old` to `new`, as `git diff --numstat` counts them.
pub(crate) fn line_stats(old: &[u8], new: &[u8], diff: &mut Diff) -> LineStats {
    if old == new {
        return LineStats::default();
    }
    if old.is_empty() || new.is_empty() {
        return LineStats {
            added: count_lines(new),
            deleted: count_lines(old),
        };
    }
    let input = InternedInput::new(byte_lines(old), byte_lines(new));
    diff.compute_with(
        Algorithm::Myers,
        &input.before,
        &input.after,
        input.interner.num_tokens(),
    );
    LineStats {
        added: u64::from(diff.count_additions()),
        deleted: u64::from(diff.count_removals()),
    }
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
}

/// One side of a tree entry pair, copied out of the tree.
#[derive(Clone, Copy)]
struct Side {
    id: git2::Oid,
    mode: u32,
}

struct Walker<'r> {
    repo: &'r git2::Repository,
    commit: git2::Oid,
    out: Vec<RawChange>,
}

impl<'r> Walker<'r> {
    fn tree(&self, id: git2::Oid, path: &[u8]) -> Result<git2::Tree<'r>, GitError> {
        self.repo
            .find_tree(id)
            .map_err(|source| GitError::MissingObject {
                id: id.to_string(),
                context: format!(
                    "tree '{}' of commit {}",
                    String::from_utf8_lossy(path),
                    self.commit
                ),
                source,
            })
    }

    fn walk(
        &mut self,
        old: Option<&git2::Tree<'r>>,
        new: Option<&git2::Tree<'r>>,
        prefix: &mut Vec<u8>,
    ) -> Result<(), GitError> {
        let (old_len, new_len) = (old.map_or(0, |t| t.len()), new.map_or(0, |t| t.len()));
        let (mut i, mut j) = (0, 0);
        while i < old_len || j < new_len {
            let a = old.and_then(|t| t.get(i)).filter(|_| i < old_len);
            let b = new.and_then(|t| t.get(j)).filter(|_| j < new_len);
            let order = match (&a, &b) {
                (Some(a), Some(b)) => tree_order(
                    a.name_bytes(),
                    canon_mode(a.filemode_raw()),
                    b.name_bytes(),
                    canon_mode(b.filemode_raw()),
                ),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => break,
            };
            let side = |e: &git2::TreeEntry<'_>| Side {
                id: e.id(),
                mode: canon_mode(e.filemode_raw()),
            };
            let base = prefix.len();
            match order {
                Ordering::Less => {
                    let a = a.expect("ordered before: present");
                    prefix.extend_from_slice(a.name_bytes());
                    self.one_sided(Some(side(&a)), None, prefix)?;
                    i += 1;
                }
                Ordering::Greater => {
                    let b = b.expect("ordered after: present");
                    prefix.extend_from_slice(b.name_bytes());
                    self.one_sided(None, Some(side(&b)), prefix)?;
                    j += 1;
                }
                Ordering::Equal => {
                    let (a, b) = (a.expect("equal: present"), b.expect("equal: present"));
                    let (sa, sb) = (side(&a), side(&b));
                    if sa.id != sb.id || sa.mode != sb.mode {
                        prefix.extend_from_slice(a.name_bytes());
                        if is_dir(sa.mode) {
                            // Equal names in tree order: both are directories.
                            let (ta, tb) = (self.tree(sa.id, prefix)?, self.tree(sb.id, prefix)?);
                            prefix.push(b'/');
                            self.walk(Some(&ta), Some(&tb), prefix)?;
                        } else {
                            let kind = if sa.mode & S_IFMT == sb.mode & S_IFMT {
                                ChangeKind::Modified
                            } else {
                                ChangeKind::TypeChanged
                            };
                            self.push(kind, Some(sa), Some(sb), prefix);
                        }
                    }
                    i += 1;
                    j += 1;
                }
            }
            prefix.truncate(base);
        }
        Ok(())
    }

    /// An entry present on one side only; `prefix` holds its path.
    fn one_sided(
        &mut self,
        old: Option<Side>,
        new: Option<Side>,
        prefix: &mut Vec<u8>,
    ) -> Result<(), GitError> {
        let side = old.or(new).expect("one side is present");
        if is_dir(side.mode) {
            let tree = self.tree(side.id, prefix)?;
            prefix.push(b'/');
            if old.is_some() {
                self.walk(Some(&tree), None, prefix)
            } else {
                self.walk(None, Some(&tree), prefix)
            }
        } else {
            let kind = if old.is_some() {
                ChangeKind::Deleted
            } else {
                ChangeKind::Added
            };
            self.push(kind, old, new, prefix);
            Ok(())
        }
    }

    fn push(&mut self, kind: ChangeKind, old: Option<Side>, new: Option<Side>, path: &[u8]) {
        self.out.push(RawChange {
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
        });
    }
}

impl Repo {
    /// The changed paths of commit `id`, against its first parent (the empty tree for a
    /// root commit), in git's path order, with line counts as `opts` asks.
    pub fn changes(&self, id: &ObjectId, opts: &DiffOptions) -> Result<Vec<RawChange>, GitError> {
        let commit = self.find_commit(id)?;
        let repo = &self.repo;
        let mut walker = Walker {
            repo,
            commit: commit.id(),
            out: Vec::new(),
        };
        let tree_of = |commit_id: git2::Oid| -> Result<git2::Tree<'_>, GitError> {
            let missing = |source| GitError::MissingObject {
                id: commit_id.to_string(),
                context: format!("parent or tree of commit {id}"),
                source,
            };
            repo.find_commit(commit_id)
                .and_then(|c| c.tree())
                .map_err(missing)
        };
        let new_tree = walker.tree(commit.tree_id(), b"")?;
        let parents: Vec<git2::Oid> = commit.parent_ids().collect();
        let old_tree = parents.first().map(|&p| tree_of(p)).transpose()?;
        let mut scratch = self.scratch.borrow_mut();
        let scratch = &mut *scratch;
        scratch.prefix.clear();
        walker.walk(old_tree.as_ref(), Some(&new_tree), &mut scratch.prefix)?;
        let mut changes = walker.out;

        if opts.merges == MergeDiff::DiffersFromEveryParent && parents.len() > 1 {
            let others = parents[1..]
                .iter()
                .map(|&p| tree_of(p))
                .collect::<Result<Vec<_>, _>>()?;
            let mut kept = Vec::with_capacity(changes.len());
            'change: for change in changes {
                let here = change.new_id.zip(change.new_mode.map(|m| m.0));
                for tree in &others {
                    let there = entry_at(repo, tree, change.path()).map_err(|source| {
                        GitError::MissingObject {
                            id: tree.id().to_string(),
                            context: format!("a parent tree of merge {id}"),
                            source,
                        }
                    })?;
                    if there == here {
                        continue 'change;
                    }
                }
                kept.push(change);
            }
            changes = kept;
        }
        if opts.renames {
            changes = pair_exact_renames(changes);
        }
        let context = format!("commit {id}");
        for change in &mut changes {
            self.fill_stats(change, opts, &mut scratch.diff, &context)?;
        }
        Ok(changes)
    }

    fn content(
        &self,
        id: Option<git2::Oid>,
        mode: Option<FileMode>,
        context: &str,
    ) -> Result<Content<'_>, GitError> {
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
                let (size, _) = self
                    .repo
                    .odb()
                    .and_then(|odb| odb.read_header(id))
                    .map_err(missing)?;
                if size as u64 > BIG_FILE_THRESHOLD {
                    return Ok(Content::Big(size as u64));
                }
                self.repo.find_blob(id).map(Content::Blob).map_err(missing)
            }
            _ => Ok(Content::Absent),
        }
    }

    /// Reads the blobs of one change and fills in its size, binary flag and line counts;
    /// `context` names where the change comes from (`commit <id>`, `the index`) in errors.
    pub(crate) fn fill_stats(
        &self,
        change: &mut RawChange,
        opts: &DiffOptions,
        diff: &mut Diff,
        context: &str,
    ) -> Result<(), GitError> {
        let new = self.content(change.new_id, change.new_mode, context)?;
        let old = if change.old_id == change.new_id
            && change.old_mode.map(|m| m.is_gitlink()) == change.new_mode.map(|m| m.is_gitlink())
        {
            None
        } else {
            Some(self.content(change.old_id, change.old_mode, context)?)
        };
        change.new_size = match &new {
            Content::Blob(blob) => Some(blob.size() as u64),
            Content::Big(size) => Some(*size),
            Content::Absent | Content::Gitlink(_) => None,
        };
        let is_big = |c: &Content<'_>| matches!(c, Content::Big(_));
        let new_bytes = new.bytes();
        let old_bytes = old.as_ref().map_or(new_bytes, Content::bytes);
        change.binary = is_binary(new_bytes)
            || is_binary(old_bytes)
            || is_big(&new)
            || old.as_ref().is_some_and(is_big);
        change.lines = if change.binary {
            None
        } else if change.kind == ChangeKind::Renamed {
            Some(LineStats::default())
        } else if opts.line_stats {
            Some(line_stats(old_bytes, new_bytes, diff))
        } else {
            None
        };
        Ok(())
    }
}

/// The (id, mode) at `path` in `tree`, if any.
fn entry_at(
    repo: &git2::Repository,
    tree: &git2::Tree<'_>,
    path: &[u8],
) -> Result<Option<(git2::Oid, u32)>, git2::Error> {
    let mut parts = path.split(|&b| b == b'/').peekable();
    let mut subtree: Option<git2::Tree<'_>> = None;
    while let Some(part) = parts.next() {
        let found = {
            let current = subtree.as_ref().unwrap_or(tree);
            match current.get_name_bytes(part) {
                Some(entry) => (entry.id(), canon_mode(entry.filemode_raw())),
                None => return Ok(None),
            }
        };
        if parts.peek().is_none() {
            return Ok(Some(found));
        }
        if !is_dir(found.1) {
            return Ok(None);
        }
        subtree = Some(repo.find_tree(found.0)?);
    }
    Ok(None)
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
    fn tree_order_sorts_a_directory_as_if_it_ended_in_slash() {
        assert_eq!(
            tree_order(b"a.txt", 0o100644, b"a", 0o040000),
            Ordering::Less
        );
        assert_eq!(tree_order(b"a", 0o100644, b"a", 0o040000), Ordering::Less);
        assert_eq!(
            tree_order(b"a0", 0o100644, b"a", 0o040000),
            Ordering::Greater
        );
        assert_eq!(tree_order(b"b", 0o100644, b"b", 0o100755), Ordering::Equal);
    }

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
        assert_eq!(
            stats,
            LineStats {
                added: 1,
                deleted: 1
            }
        );
        let stats = line_stats(b"a\r\nb\n", b"a\nb\nc\n", &mut diff);
        assert_eq!(
            stats,
            LineStats {
                added: 2,
                deleted: 1
            }
        );
    }

    #[test]
    fn canonical_modes_are_644_or_755() {
        assert_eq!(canon_mode(0o100664), 0o100644);
        assert_eq!(canon_mode(0o100775), 0o100755);
        assert_eq!(canon_mode(0o120000), 0o120000);
    }
}
