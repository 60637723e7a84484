//! The staged change: the index against `HEAD` (an unborn `HEAD`: the empty tree), as the
//! local `pre-commit` and `commit-msg` hooks judge it.
//!
//! Read-only. The entries are the same [`FileChange`] values a commit's diff gives: exact
//! renames paired, modes canonical, binary detection, sizes and line counts by the same code
//! as [`Repo::changes`] (`super::diff`), so a staged change is judged exactly as the commit
//! it becomes.
//!
//! Inside a hook git may point `GIT_INDEX_FILE` at a temporary index (`git commit -a`,
//! `git commit PATH`); the caller passes that file in, else the repository's own index is
//! read.

use std::path::Path;

use git2::{Delta, ErrorCode};

use super::diff::{self, DiffOptions, MergeDiff, RawChange};
use super::{GitError, Repo};
use crate::model::{ChangeKind, CommitChanges, FileChange, FileMode};

/// How the staged change is diffed: exact renames, line counts (as the checks need).
const STAGED_DIFF: DiffOptions = DiffOptions {
    merges: MergeDiff::FirstParent,
    renames: true,
    line_stats: true,
};

/// What error messages call the staged change.
const CONTEXT: &str = "the index";

impl Repo {
    /// The changes staged for the next commit: the index (`index_file`, else the
    /// repository's index) against the tree of `HEAD`, or against the empty tree when
    /// `HEAD` is unborn. In path order, exact renames paired, with line counts.
    pub fn staged_changes(&self, index_file: Option<&Path>) -> Result<CommitChanges, GitError> {
        let repo = self.git2();
        let head_tree = match repo.head() {
            Ok(head) => Some(head.peel_to_tree().map_err(|source| GitError::Git2 {
                context: "reading the tree of HEAD".to_owned(),
                source,
            })?),
            Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => None,
            Err(source) => {
                return Err(GitError::Git2 {
                    context: "reading HEAD".to_owned(),
                    source,
                });
            }
        };
        let index = match index_file {
            Some(path) => git2::Index::open(path),
            None => repo.index(),
        }
        .map_err(|source| GitError::Git2 {
            context: match index_file {
                Some(path) => format!("reading the index {}", path.display()),
                None => "reading the index".to_owned(),
            },
            source,
        })?;
        let mut opts = git2::DiffOptions::new();
        opts.include_typechange(true).ignore_submodules(false);
        let diff = repo
            .diff_tree_to_index(head_tree.as_ref(), Some(&index), Some(&mut opts))
            .map_err(|source| GitError::Git2 {
                context: "comparing the index with HEAD".to_owned(),
                source,
            })?;

        let mut raw = Vec::with_capacity(diff.deltas().len());
        for delta in diff.deltas() {
            let kind = match delta.status() {
                Delta::Added => ChangeKind::Added,
                Delta::Deleted => ChangeKind::Deleted,
                Delta::Modified => ChangeKind::Modified,
                Delta::Typechange => ChangeKind::TypeChanged,
                Delta::Unmodified | Delta::Ignored | Delta::Untracked | Delta::Unreadable => {
                    continue;
                }
                _ => {
                    let path = delta
                        .new_file()
                        .path_bytes()
                        .or(delta.old_file().path_bytes())
                        .unwrap_or_default();
                    return Err(GitError::UnmergedIndex {
                        path_lossy: String::from_utf8_lossy(path).into_owned(),
                    });
                }
            };
            let side = |file: git2::DiffFile<'_>| {
                file.path_bytes().map(|path| {
                    let mode = FileMode(diff::canon_mode(i32::from(file.mode())));
                    (path.to_vec(), mode, file.id())
                })
            };
            let old = (kind != ChangeKind::Added)
                .then(|| side(delta.old_file()))
                .flatten();
            let new = (kind != ChangeKind::Deleted)
                .then(|| side(delta.new_file()))
                .flatten();
            raw.push(RawChange {
                old_path: old.as_ref().map(|s| s.0.clone()),
                new_path: new.as_ref().map(|s| s.0.clone()),
                kind,
                old_mode: old.as_ref().map(|s| s.1),
                new_mode: new.as_ref().map(|s| s.1),
                lines: None,
                binary: false,
                new_size: None,
                bytes: 0,
                old_id: old.as_ref().map(|s| s.2),
                new_id: new.as_ref().map(|s| s.2),
            });
        }
        let mut changes = diff::pair_exact_renames(raw);
        let mut line_diff = gix_imara_diff::Diff::default();
        for change in &mut changes {
            self.fill_stats(change, &STAGED_DIFF, &mut line_diff, CONTEXT)?;
        }
        let files = changes
            .into_iter()
            .map(into_staged_change)
            .collect::<Result<Vec<FileChange>, GitError>>()?;
        Ok(CommitChanges {
            files,
            ..CommitChanges::default()
        })
    }
}

/// A raw staged change with UTF-8 paths; a path that is not UTF-8 is an error.
fn into_staged_change(change: RawChange) -> Result<FileChange, GitError> {
    change.into_file_change_or(|path_lossy| GitError::NonUtf8StagedPath { path_lossy })
}
