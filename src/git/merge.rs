//! git's automatic merge of a two-parent merge's parents, redone in memory (a "remerge").
//!
//! `git log --diff-merges=remerge` charges a merge for where its tree differs from what
//! git's own merge of the parents gives; conflicted text files hold conflict markers
//! there. [`Repo::remerge`] rebuilds that tree with libgit2's merge (merge bases, rename
//! detection at git's 50% threshold, recursive virtual bases for criss-cross histories)
//! and then places every conflicted path as git's merge-ort leaves it in its tree: a text
//! conflict as the content with `<<<<<<< <id> (<subject>)` markers, a binary or symlink
//! conflict as "ours", a modify/delete conflict as the modified side.
//!
//! Nothing is written to the repository: the merge runs in a separate libgit2 handle whose
//! object store is the repository's (read-only alternates) plus an in-memory store
//! (libgit2's "mempack") that takes every object the merge writes (merged blobs, marker
//! blobs, virtual bases, the remerge tree). That handle has an empty config and no index,
//! work tree or attributes, so neither `merge.*` config nor a `.gitattributes` merge driver
//! (which a pull request controls in CI) changes what the automatic merge is. It is kept
//! for a few merges, then dropped with its memory.

use std::collections::BTreeSet;
use std::path::PathBuf;

use git2::{IndexEntry, IndexTime, MergeFileInput, MergeFileOptions, MergeOptions, Oid};

use super::diff::{BIG_FILE_THRESHOLD, is_binary};
use super::tree::{S_IFMT, S_IFREG};
use super::{GitError, Repo, RepoLocation};

/// Priority of the in-memory store: above every disk store, so every write lands there.
const MEMPACK_PRIORITY: i32 = 1000;
/// Merges one in-memory store serves before it is dropped, to bound its memory.
const MERGES_PER_HANDLE: u32 = 64;
/// libgit2's default rename-detection limit (git's merge uses 7,000 candidate pairs; a
/// larger limit makes a hostile merge with many similar files quadratic).
const RENAME_TARGET_LIMIT: u32 = 1000;

/// A libgit2 handle that merges in memory (see the module docs), and how long it served.
pub(crate) struct MergeHandle {
    repo: git2::Repository,
    merges: u32,
}

/// git's automatic merge of two commits.
pub(crate) struct Remerge {
    /// The tree of the automatic merge, in the merge handle's in-memory store.
    pub(crate) tree: Oid,
    /// Every path the automatic merge leaves conflicted: where git places each conflict
    /// in its tree (a rename's new path, both paths of a rename/rename).
    pub(crate) conflicted: BTreeSet<Vec<u8>>,
}

fn merge_error(context: &str) -> impl Fn(git2::Error) -> GitError + '_ {
    move |source| GitError::Git2 {
        context: context.to_owned(),
        source,
    }
}

impl Repo {
    /// Runs `f` with the in-memory merge handle, opening (or renewing) it as needed.
    pub(crate) fn with_merge_handle<T>(
        &self,
        f: impl FnOnce(&git2::Repository) -> Result<T, GitError>,
    ) -> Result<T, GitError> {
        let mut slot = self.merge.borrow_mut();
        if slot.as_ref().is_none_or(|h| h.merges >= MERGES_PER_HANDLE) {
            *slot = None;
            *slot = Some(MergeHandle {
                repo: self.open_merge_handle()?,
                merges: 0,
            });
        }
        let handle = slot.as_mut().expect("opened above");
        handle.merges += 1;
        f(&handle.repo)
    }

    fn open_merge_handle(&self) -> Result<git2::Repository, GitError> {
        let fail = merge_error("preparing an in-memory object store for merging");
        let repo = git2::Repository::from_odb(git2::Odb::new().map_err(&fail)?).map_err(&fail)?;
        repo.set_config(&git2::Config::new().map_err(&fail)?)
            .map_err(&fail)?;
        {
            let odb = repo.odb().map_err(&fail)?;
            for dir in self.object_dirs() {
                let text = dir.to_str().ok_or_else(|| GitError::Git2 {
                    context: format!("the object directory {} is not a UTF-8 path", dir.display()),
                    source: git2::Error::from_str("path not representable"),
                })?;
                odb.add_disk_alternate(text).map_err(&fail)?;
            }
            odb.add_new_mempack_backend(MEMPACK_PRIORITY)
                .map_err(&fail)?;
        }
        Ok(repo)
    }

    /// The object directories this handle reads: the repository's own (or the quarantine
    /// `GIT_OBJECT_DIRECTORY` inside a hook) and `GIT_ALTERNATE_OBJECT_DIRECTORIES`; each
    /// one's `info/alternates` is followed by libgit2.
    fn object_dirs(&self) -> Vec<PathBuf> {
        let own = self.repo.commondir().join("objects");
        match self.location {
            RepoLocation::Path(_) => vec![own],
            RepoLocation::FromEnv => {
                let mut dirs = vec![
                    std::env::var_os("GIT_OBJECT_DIRECTORY")
                        .filter(|v| !v.is_empty())
                        .map_or(own, PathBuf::from),
                ];
                if let Some(list) = std::env::var_os("GIT_ALTERNATE_OBJECT_DIRECTORIES") {
                    dirs.extend(split_alternates(&list.to_string_lossy()));
                }
                dirs
            }
        }
    }

    /// git's automatic merge of `ours` and `theirs`, built in `handle`'s memory; `None`
    /// when libgit2 cannot merge them (the caller then charges the merge as an octopus).
    pub(crate) fn remerge(
        &self,
        handle: &git2::Repository,
        ours: Oid,
        theirs: Oid,
    ) -> Result<Option<Remerge>, GitError> {
        match self.try_remerge(handle, ours, theirs) {
            Ok(remerge) => Ok(Some(remerge)),
            Err(RemergeError::Git(e)) => Err(e),
            Err(RemergeError::Unmergeable) => Ok(None),
        }
    }

    fn try_remerge(
        &self,
        handle: &git2::Repository,
        ours: Oid,
        theirs: Oid,
    ) -> Result<Remerge, RemergeError> {
        let (c1, c2) = (handle.find_commit(ours)?, handle.find_commit(theirs)?);
        let mut opts = MergeOptions::new();
        opts.find_renames(true)
            .rename_threshold(50)
            .target_limit(RENAME_TARGET_LIMIT)
            .skip_reuc(true)
            .fail_on_conflict(false);
        // Merge bases come from the repository's own handle, which knows a shallow clone's
        // boundary; criss-cross histories (several bases) merge recursively in libgit2.
        let bases = match self.repo.merge_bases(ours, theirs) {
            Ok(bases) => bases.iter().copied().collect::<Vec<Oid>>(),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Vec::new(),
            Err(_) => return Err(RemergeError::Unmergeable),
        };
        let mut index = match bases.as_slice() {
            [] => {
                let empty = handle.treebuilder(None)?.write()?;
                let empty = handle.find_tree(empty)?;
                handle.merge_trees(&empty, &c1.tree()?, &c2.tree()?, Some(&opts))?
            }
            [base] => {
                let base = handle.find_commit(*base)?.tree()?;
                handle.merge_trees(&base, &c1.tree()?, &c2.tree()?, Some(&opts))?
            }
            _ => handle.merge_commits(&c1, &c2, Some(&opts))?,
        };
        let labels = [label(&c1), label(&c2)];
        let conflicts = index
            .conflicts()?
            .collect::<Result<Vec<git2::IndexConflict>, git2::Error>>()?;
        let mut involved = BTreeSet::new();
        let mut placed: Vec<Placed> = Vec::new();
        for conflict in &conflicts {
            for entry in [&conflict.ancestor, &conflict.our, &conflict.their]
                .into_iter()
                .flatten()
            {
                involved.insert(entry.path.clone());
            }
            placed.extend(place(handle, conflict, &labels)?);
        }
        // Where git leaves each conflict: the paths it places in its tree.
        let conflicted = placed.iter().map(|(path, _, _)| path.clone()).collect();
        for path in &involved {
            match index.conflict_remove(&repo_path(path)) {
                Err(e) if e.code() != git2::ErrorCode::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        for (path, id, mode) in placed {
            let size = handle.odb()?.read_header(id)?.0;
            index.add(&IndexEntry {
                ctime: IndexTime::new(0, 0),
                mtime: IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode,
                uid: 0,
                gid: 0,
                file_size: u32::try_from(size).unwrap_or(u32::MAX),
                id,
                flags: 0,
                flags_extended: 0,
                path,
            })?;
        }
        let tree = index.write_tree_to(handle)?;
        Ok(Remerge { tree, conflicted })
    }
}

/// Why a remerge failed: a repository error (fails the check), or a merge libgit2 cannot
/// do (the merge is then charged against each parent instead).
enum RemergeError {
    Git(GitError),
    Unmergeable,
}

impl From<git2::Error> for RemergeError {
    fn from(_: git2::Error) -> Self {
        RemergeError::Unmergeable
    }
}

impl From<GitError> for RemergeError {
    fn from(e: GitError) -> Self {
        RemergeError::Git(e)
    }
}

/// A conflict-marker label as git's remerge writes it: `<short id> (<subject>)`.
fn label(commit: &git2::Commit<'_>) -> String {
    let short = commit
        .as_object()
        .short_id()
        .ok()
        .and_then(|buf| buf.as_str().map(str::to_owned).ok())
        .unwrap_or_else(|| commit.id().to_string()[..7].to_owned());
    let subject = commit
        .summary_bytes()
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .unwrap_or_default();
    format!("{short} ({subject})")
}

/// An entry of the remerge tree: path, object, mode.
type Placed = (Vec<u8>, Oid, u32);

/// An index entry as placed unchanged.
fn placed(entry: &IndexEntry) -> Placed {
    (entry.path.clone(), entry.id, entry.mode)
}

/// What merge-ort leaves in its tree for one conflict.
fn place(
    handle: &git2::Repository,
    conflict: &git2::IndexConflict,
    labels: &[String; 2],
) -> Result<Vec<Placed>, RemergeError> {
    let (ancestor, ours, theirs) = (&conflict.ancestor, &conflict.our, &conflict.their);
    let (Some(o), Some(t)) = (ours, theirs) else {
        // modify/delete, rename/delete: the side that still has the file keeps it.
        return Ok(ours.iter().chain(theirs).map(placed).collect());
    };
    // A rename on one side and an edit on the other meet at the new path; two renames of
    // one file to two paths (rename/rename) keep both.
    let target = match ancestor {
        _ if o.path == t.path => &o.path,
        Some(a) if a.path == o.path => &t.path,
        Some(a) if a.path == t.path => &o.path,
        _ => return Ok(vec![placed(o), placed(t)]),
    };
    let is_file = |e: &IndexEntry| e.mode & S_IFMT == S_IFREG;
    let keep_ours = || Ok(vec![(target.clone(), o.id, o.mode)]);
    if !is_file(o) || !is_file(t) {
        // A symlink, submodule or type conflict: git keeps ours.
        return keep_ours();
    }
    let base = ancestor.as_ref().filter(|a| is_file(a));
    let read = |entry: &IndexEntry| -> Result<Option<Vec<u8>>, RemergeError> {
        let (size, _) = handle.odb()?.read_header(entry.id)?;
        if size as u64 > BIG_FILE_THRESHOLD {
            return Ok(None);
        }
        let data = handle.find_blob(entry.id)?.content().to_vec();
        Ok((!is_binary(&data)).then_some(data))
    };
    let (Some(our_text), Some(their_text)) = (read(o)?, read(t)?) else {
        // A binary conflict: git keeps ours.
        return keep_ours();
    };
    let base_text = match base {
        Some(a) => match read(a)? {
            Some(text) => text,
            None => return keep_ours(),
        },
        None => Vec::new(),
    };
    // merge-ort names each side `label:path` when the three paths are not all the same.
    let renamed = o.path != t.path || base.is_some_and(|a| a.path != o.path);
    let with_path = |label: &str, entry: &IndexEntry| {
        if renamed {
            format!("{label}:{}", String::from_utf8_lossy(&entry.path))
        } else {
            label.to_owned()
        }
    };
    let mut opts = MergeFileOptions::new();
    opts.our_label(with_path(&labels[0], o))
        .their_label(with_path(&labels[1], t))
        .ancestor_label("merged common ancestors");
    let mut input = [
        MergeFileInput::new(),
        MergeFileInput::new(),
        MergeFileInput::new(),
    ];
    input[0].content(&base_text);
    input[1].content(&our_text);
    input[2].content(&their_text);
    let merged = git2::merge_file(&input[0], &input[1], &input[2], Some(&mut opts))?;
    let mode = match base {
        Some(a) if o.mode != t.mode && o.mode != a.mode => o.mode,
        _ => t.mode,
    };
    Ok(vec![(target.clone(), handle.blob(merged.content())?, mode)])
}

/// `GIT_ALTERNATE_OBJECT_DIRECTORIES` as git splits it: `:`-separated, an entry starting
/// with `"` C-quoted.
fn split_alternates(list: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut rest = list;
    while !rest.is_empty() {
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut path = String::new();
            let mut chars = quoted.chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => path.extend(chars.next()),
                    c => path.push(c),
                }
            }
            out.push(PathBuf::from(path));
            let after = chars.as_str();
            rest = after.strip_prefix(':').unwrap_or(after);
        } else {
            let (entry, after) = rest.split_once(':').unwrap_or((rest, ""));
            if !entry.is_empty() {
                out.push(PathBuf::from(entry));
            }
            rest = after;
        }
    }
    out
}

/// A repository path (bytes) as the `Path` libgit2's index calls take.
#[cfg(unix)]
fn repo_path(path: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(path))
}

/// A repository path (bytes) as the `Path` libgit2's index calls take.
#[cfg(not(unix))]
fn repo_path(path: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(path).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternates_split_as_git_splits_them() {
        assert_eq!(
            split_alternates("/a/objects:/b/objects"),
            vec![PathBuf::from("/a/objects"), PathBuf::from("/b/objects")]
        );
        assert_eq!(
            split_alternates("\"/with:colon/objects\":/b"),
            vec![PathBuf::from("/with:colon/objects"), PathBuf::from("/b")]
        );
        assert!(split_alternates("").is_empty());
    }
}
