//! git's automatic merge of a two-parent merge's parents, redone in memory (a "remerge").
//!
//! `git log --diff-merges=remerge` charges a merge for where its tree differs from what
//! git's own merge of the parents gives; conflicted text files hold conflict markers
//! there. [`Repo::remerged`] gives those differences, two ways:
//!
//! - Most merges change no path on both sides in a way that involves a rename: then the
//!   automatic merge is decided path by path (a side that left a path as the merge base
//!   had it gives way to the other; a file both sides edited is merged as text, with
//!   libgit2's `merge_file`, the same three-way merge libgit2's tree merge runs), in one
//!   walk over the result, both parents and the base that skips every subtree the result
//!   holds as the automatic merge would, so a merge costs what it changes.
//! - Everything else (a path deleted on one side and changed on the other, which may be a
//!   rename git follows; additions of different content at one path; a file meeting a
//!   directory; symlink or submodule conflicts; several merge bases) is merged by
//!   libgit2's tree merge (rename detection at git's 50% threshold, recursive virtual
//!   bases for criss-cross histories), whose conflicts are then placed as git's merge-ort
//!   leaves them in its tree.
//!
//! Either way a text conflict holds the content with `<<<<<<< <id> (<subject>)` markers,
//! a binary or symlink conflict "ours", a modify/delete conflict the modified side.
//!
//! Nothing is written to the repository: the merge runs in a separate libgit2 handle whose
//! object store is the repository's (read-only alternates) plus an in-memory store
//! (libgit2's "mempack") that takes every object the merge writes (merged blobs, marker
//! blobs, virtual bases, the remerge tree). That handle has an empty config and no index,
//! work tree or attributes, so neither `merge.*` config nor a `.gitattributes` merge driver
//! (which a pull request controls in CI) changes what the automatic merge is. It is kept
//! for a few merges, then dropped with its memory.

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

use git2::{IndexEntry, IndexTime, MergeFileInput, MergeFileOptions, MergeOptions, Oid};

use super::diff::{BIG_FILE_THRESHOLD, RawChange, is_binary};
use super::fsck::Fsck;
use super::tree::{Descend, S_IFMT, S_IFREG, Side, TreeWalk, Visit};
use super::{GitError, Repo, RepoLocation};

/// Priority of the in-memory store: above every disk store, so every write lands there.
const MEMPACK_PRIORITY: i32 = 1000;
/// Merges one in-memory store serves before it is dropped, to bound its memory (what the
/// path-by-path merge keeps there is only what a merge is charged for; after a libgit2
/// tree merge, which writes every file it merges, the store is dropped at once).
const MERGES_PER_HANDLE: u32 = 64;
/// libgit2's default rename-detection limit (git's merge uses 7,000 candidate pairs; a
/// larger limit makes a hostile merge with many similar files quadratic).
const RENAME_TARGET_LIMIT: u32 = 1000;

/// A libgit2 handle that merges in memory (see the module docs), and how long it served.
pub(crate) struct MergeHandle {
    repo: git2::Repository,
    merges: u32,
}

/// git's automatic merge of two commits, as libgit2's tree merge builds it.
pub(crate) struct Remerge {
    /// The tree of the automatic merge, in the merge handle's in-memory store.
    pub(crate) tree: Oid,
    /// Every path the automatic merge leaves conflicted: where git places each conflict
    /// in its tree (a rename's new path, both paths of a rename/rename).
    pub(crate) conflicted: BTreeSet<Vec<u8>>,
}

/// How a two-parent merge's result differs from git's automatic merge of its parents.
pub(crate) struct Remerged {
    /// From the automatic merge (old side; its objects are readable through the merge
    /// handle) to the result (new side), in git's path order; blobs not yet read.
    pub(crate) changes: Vec<RawChange>,
    /// Every path the automatic merge leaves conflicted: where git places each conflict
    /// in its tree (a rename's new path, both paths of a rename/rename).
    pub(crate) conflicted: BTreeSet<Vec<u8>>,
    /// What the path-by-path walk found on its way, when it decided the merge (else the
    /// caller walks the merge against its parents itself).
    pub(crate) walked: Option<Walked>,
}

/// One path of a merge, with the result's entry and each parent's.
pub(crate) type Candidate = (Vec<u8>, Option<Side>, Vec<Option<Side>>);

/// What the path-by-path walk of a merge found besides the automatic merge.
pub(crate) struct Walked {
    /// Paths whose entry equals that path's entry in neither parent, in path order.
    pub(crate) also_checked: Vec<Vec<u8>>,
    /// Conflicted paths where the result differs from some parent.
    pub(crate) candidates: Vec<Candidate>,
    /// The fsck findings of the trees the merge introduces.
    pub(crate) fsck: Fsck,
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
        if self.merge_spent.replace(false)
            || slot.as_ref().is_none_or(|h| h.merges >= MERGES_PER_HANDLE)
        {
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

    /// How merge `commit` (tree `result`, parents `ours` and `theirs`) differs from git's
    /// automatic merge of its parents, built in `handle`'s memory (see the module docs);
    /// trees are read from `odb`, the repository's own store. `None` when libgit2 cannot
    /// merge them (the caller then charges the merge against each parent).
    pub(crate) fn remerged(
        &self,
        handle: &git2::Repository,
        odb: &git2::Odb<'_>,
        commit: Oid,
        result: Oid,
        ours: Oid,
        theirs: Oid,
    ) -> Result<Option<Remerged>, GitError> {
        let c1 = handle
            .find_commit(ours)
            .map_err(|source| missing(ours, commit, source))?;
        let c2 = handle
            .find_commit(theirs)
            .map_err(|source| missing(theirs, commit, source))?;
        // Merge bases come from the repository's own handle (which knows a shallow clone's
        // boundary); a history that cannot be walked is charged against each parent.
        let Ok(bases) = self.merge_bases_of(ours, theirs) else {
            return Ok(None);
        };
        if bases.len() <= 1 {
            let base = match bases.first() {
                Some(base) => handle
                    .find_commit(*base)
                    .map(|c| c.tree_id())
                    .map_err(|source| missing(*base, commit, source))?,
                None => empty_tree(handle)?,
            };
            let labels = || [label(&c1), label(&c2)];
            let mut visit = PathByPath {
                handle,
                labels: &labels,
                changes: Vec::new(),
                conflicted: BTreeSet::new(),
                files: HashSet::new(),
                also_checked: Vec::new(),
                candidates: Vec::new(),
                fallback: false,
            };
            let mut walk = TreeWalk::new(odb, commit, Descend::UnlessEqualToEveryParent, true);
            walk.run_with(result, &[c1.tree_id(), c2.tree_id(), base], &mut visit)?;
            if !visit.fallback {
                return Ok(Some(Remerged {
                    changes: visit.changes,
                    conflicted: visit.conflicted,
                    walked: Some(Walked {
                        also_checked: visit.also_checked,
                        candidates: visit.candidates,
                        fsck: walk.fsck,
                    }),
                }));
            }
        }
        let labels = [label(&c1), label(&c2)];
        // libgit2's tree merge writes every merged file to memory: renew the handle next.
        self.merge_spent.set(true);
        let remerge = match self.libgit2_remerge(handle, &c1, &c2, &bases, &labels) {
            Ok(remerge) => remerge,
            Err(RemergeError::Git(e)) => return Err(e),
            Err(RemergeError::Unmergeable) => return Ok(None),
        };
        let handle_odb = handle
            .odb()
            .map_err(merge_error("opening the merge's object store"))?;
        let mut walk = TreeWalk::new(&handle_odb, commit, Descend::UnlessEqualToEveryParent, true);
        let mut changes = Vec::new();
        walk.run(result, &[remerge.tree], |path, new, old| {
            changes.push(RawChange::between(path, old[0], new));
            Ok(())
        })?;
        Ok(Some(Remerged {
            changes,
            conflicted: remerge.conflicted,
            walked: None,
        }))
    }

    /// The whole tree of git's automatic merge of `ours` and `theirs` (libgit2's tree
    /// merge, conflicts placed as git places them), built in `handle`'s memory: what
    /// `revert` applies in reverse and `report` compares a merge's revert with. `None`
    /// when libgit2 cannot merge them.
    pub(crate) fn remerge(
        &self,
        handle: &git2::Repository,
        ours: Oid,
        theirs: Oid,
    ) -> Result<Option<Remerge>, GitError> {
        let (c1, c2) = match (handle.find_commit(ours), handle.find_commit(theirs)) {
            (Ok(c1), Ok(c2)) => (c1, c2),
            (Err(source), _) => return Err(missing(ours, ours, source)),
            (_, Err(source)) => return Err(missing(theirs, theirs, source)),
        };
        let Ok(bases) = self.merge_bases_of(ours, theirs) else {
            return Ok(None);
        };
        let labels = [label(&c1), label(&c2)];
        match self.libgit2_remerge(handle, &c1, &c2, &bases, &labels) {
            Ok(remerge) => Ok(Some(remerge)),
            Err(RemergeError::Git(e)) => Err(e),
            Err(RemergeError::Unmergeable) => Ok(None),
        }
    }

    /// libgit2's tree merge of `c1` and `c2`, its conflicts placed as merge-ort places them.
    fn libgit2_remerge(
        &self,
        handle: &git2::Repository,
        c1: &git2::Commit<'_>,
        c2: &git2::Commit<'_>,
        bases: &[Oid],
        labels: &[String; 2],
    ) -> Result<Remerge, RemergeError> {
        let mut opts = MergeOptions::new();
        opts.find_renames(true)
            .rename_threshold(50)
            .target_limit(RENAME_TARGET_LIMIT)
            .skip_reuc(true)
            .fail_on_conflict(false);
        let mut index = match bases {
            [] => {
                let empty = handle.treebuilder(None)?.write()?;
                let empty = handle.find_tree(empty)?;
                handle.merge_trees(&empty, &c1.tree()?, &c2.tree()?, Some(&opts))?
            }
            [base] => {
                let base = handle.find_commit(*base)?.tree()?;
                handle.merge_trees(&base, &c1.tree()?, &c2.tree()?, Some(&opts))?
            }
            // Several bases (criss-cross): libgit2 merges them into a virtual base.
            _ => handle.merge_commits(c1, c2, Some(&opts))?,
        };
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
            placed.extend(place(handle, conflict, labels)?);
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

fn missing(id: Oid, commit: Oid, source: git2::Error) -> GitError {
    GitError::MissingObject {
        id: id.to_string(),
        context: format!("parent or merge base of merge {commit}"),
        source,
    }
}

/// The empty tree, written to the merge handle's memory: the base of unrelated histories.
fn empty_tree(handle: &git2::Repository) -> Result<Oid, GitError> {
    handle
        .treebuilder(None)
        .and_then(|builder| builder.write())
        .map_err(merge_error("writing the empty tree to memory"))
}

/// The automatic merge decided path by path, compared with the result as it goes (see
/// the module docs). Parents of the walk: ours, theirs, the merge base.
struct PathByPath<'h> {
    handle: &'h git2::Repository,
    /// The conflict-marker labels, computed when a conflict needs them.
    labels: &'h dyn Fn() -> [String; 2],
    changes: Vec<RawChange>,
    conflicted: BTreeSet<Vec<u8>>,
    /// Paths where the automatic merge holds a file (a directory there is a conflict).
    files: HashSet<Vec<u8>>,
    also_checked: Vec<Vec<u8>>,
    candidates: Vec<Candidate>,
    /// Set when a path needs libgit2's tree merge (renames, file/directory conflicts).
    fallback: bool,
}

/// The side of a path the automatic merge takes when at most one side changed it from the
/// base (or both changed it alike); `None` when both changed it differently.
fn one_sided<T: PartialEq + Copy>(ours: T, theirs: T, base: T) -> Option<T> {
    if ours == theirs || theirs == base {
        Some(ours)
    } else if ours == base {
        Some(theirs)
    } else {
        None
    }
}

impl Visit for PathByPath<'_> {
    fn descend(&mut self, path: &[u8], result: Option<Oid>, parents: &[Option<Oid>]) -> bool {
        if self.fallback {
            return false;
        }
        let (ours, theirs, base) = (parents[0], parents[1], parents[2]);
        if ours.is_none() && theirs.is_none() && base.is_some() {
            // Both sides removed a directory: maybe renamed, each its own way.
            self.fallback = true;
            return false;
        }
        let merged = one_sided(ours, theirs, base);
        let holds_dir = merged.map_or(ours.is_some() || theirs.is_some(), |m| m.is_some());
        if holds_dir && self.files.contains(path) {
            self.fallback = true;
            return false;
        }
        merged != Some(result)
    }

    fn leaf(
        &mut self,
        path: &[u8],
        result: Option<Side>,
        parents: &[Option<Side>],
    ) -> Result<(), GitError> {
        if self.fallback {
            return Ok(());
        }
        let (ours, theirs, base) = (parents[0], parents[1], parents[2]);
        if result != ours && result != theirs {
            self.also_checked.push(path.to_vec());
        }
        let merged = match one_sided(ours, theirs, base) {
            // Both sides deleted it: maybe each renamed it elsewhere.
            Some(None) if base.is_some() => {
                self.fallback = true;
                return Ok(());
            }
            Some(merged) => merged,
            None => match (base, ours, theirs) {
                (Some(b), Some(o), Some(t))
                    if [b, o, t].iter().all(|s| s.mode & S_IFMT == S_IFREG) =>
                {
                    let merged = merge_text(self.handle, Some(b), o, t, self.labels).map_err(
                        |e| match e {
                            RemergeError::Git(e) => e,
                            RemergeError::Unmergeable => GitError::Git2 {
                                context: format!(
                                    "merging '{}' in memory",
                                    String::from_utf8_lossy(path)
                                ),
                                source: git2::Error::from_str("libgit2 could not merge the file"),
                            },
                        },
                    )?;
                    if merged.conflicted {
                        self.conflicted.insert(path.to_vec());
                        self.candidates
                            .push((path.to_vec(), result, vec![ours, theirs]));
                    }
                    // Only a merged file the result differs from is read again (charged).
                    if Some(merged.side) != result {
                        merged.store(self.handle).map_err(|source| GitError::Git2 {
                            context: "keeping a merged file in memory".to_owned(),
                            source,
                        })?;
                    }
                    Some(merged.side)
                }
                // Modify/delete (perhaps a rename), add/add, symlinks, submodules.
                _ => {
                    self.fallback = true;
                    return Ok(());
                }
            },
        };
        if merged.is_some() {
            self.files.insert(path.to_vec());
        }
        if merged != result {
            self.changes.push(RawChange::between(path, merged, result));
        }
        Ok(())
    }
}

/// A file merged as text: the blob id and mode git's merge gives, the content (`None`
/// when ours is kept as it is), and whether it holds conflict markers (or is a binary
/// conflict, kept as ours).
struct MergedText {
    side: Side,
    content: Option<Vec<u8>>,
    conflicted: bool,
}

impl MergedText {
    /// Writes the merged content to the handle's memory (where later reads find it).
    fn store(&self, handle: &git2::Repository) -> Result<(), git2::Error> {
        if let Some(content) = &self.content {
            handle.blob(content)?;
        }
        Ok(())
    }
}

/// git's three-way text merge of one file (`base` absent for an add/add), conflicts with
/// merge-ort's markers labelled `labels`; a binary or huge side makes a conflict that keeps
/// ours.
fn merge_text(
    handle: &git2::Repository,
    base: Option<Side>,
    ours: Side,
    theirs: Side,
    labels: &dyn Fn() -> [String; 2],
) -> Result<MergedText, RemergeError> {
    let read = |side: Side| -> Result<Option<Vec<u8>>, RemergeError> {
        let (size, _) = handle.odb()?.read_header(side.id)?;
        if size as u64 > BIG_FILE_THRESHOLD {
            return Ok(None);
        }
        let data = handle.find_blob(side.id)?.content().to_vec();
        Ok((!is_binary(&data)).then_some(data))
    };
    let keep_ours = MergedText {
        side: ours,
        content: None,
        conflicted: true,
    };
    let (Some(our_text), Some(their_text)) = (read(ours)?, read(theirs)?) else {
        return Ok(keep_ours);
    };
    let base_text = match base {
        Some(b) => match read(b)? {
            Some(text) => text,
            None => return Ok(keep_ours),
        },
        None => Vec::new(),
    };
    let mut input = [
        MergeFileInput::new(),
        MergeFileInput::new(),
        MergeFileInput::new(),
    ];
    input[0].content(&base_text);
    input[1].content(&our_text);
    input[2].content(&their_text);
    let mut merged = git2::merge_file(&input[0], &input[1], &input[2], None)?;
    if !merged.is_automergeable() {
        // Again, with the labels the markers carry (only conflicts need them).
        let labels = labels();
        let mut opts = MergeFileOptions::new();
        opts.our_label(labels[0].as_str())
            .their_label(labels[1].as_str())
            .ancestor_label("merged common ancestors");
        merged = git2::merge_file(&input[0], &input[1], &input[2], Some(&mut opts))?;
    }
    // merge-ort's mode: theirs, unless only ours changed it.
    let mode = match base {
        Some(b) if ours.mode != theirs.mode && ours.mode != b.mode => ours.mode,
        _ => theirs.mode,
    };
    let content = merged.content().to_vec();
    Ok(MergedText {
        side: Side {
            id: Oid::hash_object(git2::ObjectType::Blob, &content)?,
            mode,
        },
        content: Some(content),
        conflicted: !merged.is_automergeable(),
    })
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
    if !is_file(o) || !is_file(t) {
        // A symlink, submodule or type conflict: git keeps ours.
        return Ok(vec![(target.clone(), o.id, o.mode)]);
    }
    let base = ancestor.as_ref().filter(|a| is_file(a));
    // merge-ort names each side `label:path` when the three paths are not all the same.
    let renamed = o.path != t.path || base.is_some_and(|a| a.path != o.path);
    let with_path = |label: &str, entry: &IndexEntry| {
        if renamed {
            format!("{label}:{}", String::from_utf8_lossy(&entry.path))
        } else {
            label.to_owned()
        }
    };
    let side = |e: &IndexEntry| Side {
        id: e.id,
        mode: e.mode,
    };
    let merged = merge_text(handle, base.map(side), side(o), side(t), &|| {
        [with_path(&labels[0], o), with_path(&labels[1], t)]
    })?;
    merged.store(handle)?;
    Ok(vec![(target.clone(), merged.side.id, merged.side.mode)])
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
