//! Reverting commits on trees, in memory: what `agentfence revert` asks of git.
//!
//! [`Repo::revert_tree`] reverse-applies one commit to a tree as `git revert` does, a
//! three-way merge with the commit's tree as the base, the given tree as "ours" and the
//! commit's parent's tree as "theirs" (rename detection at git's 50%), without an index or
//! a working tree. A two-parent merge is reverted by the reverse of its remerge diff: its
//! parent side is git's automatic merge of its parents ([`Repo::remerge`]), whose objects
//! are copied from the in-memory merge store into the repository's. Merged trees and blobs
//! are written to the repository (unreferenced objects, which `git gc` prunes); commits and
//! the branch are written only by [`Repo::write_commit`] and [`Repo::create_branch`], which
//! the caller calls once every revert is known to be clean.

use git2::{MergeOptions, Oid};

use super::{GitError, Repo, to_object_id, to_oid};
use crate::model::{Identity, ObjectId};

/// What reverse-applying a commit to a tree gives.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum RevertTree {
    /// The tree with the commit undone (equal to the input when there was nothing to undo).
    Clean(ObjectId),
    /// The revert conflicts at these paths (each conflict's paths, as git names them).
    Conflict(Vec<String>),
    /// A merge equal to git's automatic merge of its parents: there is nothing to revert.
    CleanMerge,
}

/// A person and the time of a commit, as git writes it in a commit header.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Stamp {
    /// Name and email.
    pub who: Identity,
    /// Seconds since the Unix epoch.
    pub time: i64,
    /// Offset from UTC in minutes.
    pub offset_minutes: i32,
}

fn git2_error(context: impl Into<String>) -> impl Fn(git2::Error) -> GitError {
    let context = context.into();
    move |source| GitError::Git2 {
        context: context.clone(),
        source,
    }
}

impl Repo {
    /// The tree of commit `id`.
    pub fn commit_tree(&self, id: &ObjectId) -> Result<ObjectId, GitError> {
        Ok(to_object_id(self.find_commit(id)?.tree_id()))
    }

    /// Reverse-applies commit `id` to `tree` (see the module docs). An octopus merge (three
    /// parents or more) or a merge libgit2 cannot redo is an error: agentfence does not
    /// guess what such a merge is charged for.
    pub fn revert_tree(&self, tree: &ObjectId, id: &ObjectId) -> Result<RevertTree, GitError> {
        let commit = self.find_commit(id)?;
        let fail = git2_error(format!("reverting commit {id}"));
        let theirs: Oid = match commit.parent_count() {
            0 => self
                .repo
                .treebuilder(None)
                .and_then(|b| b.write())
                .map_err(&fail)?,
            1 => commit.parent(0).and_then(|p| p.tree()).map_err(&fail)?.id(),
            2 => {
                let (p1, p2) = (
                    commit.parent_id(0).map_err(&fail)?,
                    commit.parent_id(1).map_err(&fail)?,
                );
                let auto = self.with_merge_handle(|handle| {
                    let Some(remerge) = self.remerge(handle, p1, p2)? else {
                        return Ok(None);
                    };
                    if remerge.tree != commit.tree_id() {
                        self.copy_tree(handle, remerge.tree)?;
                    }
                    Ok(Some(remerge.tree))
                })?;
                match auto {
                    None => {
                        return Err(GitError::Git2 {
                            context: format!(
                                "reverting merge {id}: git's automatic merge of its parents cannot be redone, so what it changed is unknown"
                            ),
                            source: git2::Error::from_str("unmergeable parents"),
                        });
                    }
                    Some(auto) if auto == commit.tree_id() => return Ok(RevertTree::CleanMerge),
                    Some(auto) => auto,
                }
            }
            n => {
                return Err(GitError::Git2 {
                    context: format!(
                        "reverting commit {id}: an octopus merge ({n} parents) has no one automatic merge to revert to"
                    ),
                    source: git2::Error::from_str("octopus merge"),
                });
            }
        };
        let base = commit.tree().map_err(&fail)?;
        let ours = self.repo.find_tree(to_oid(tree)?).map_err(&fail)?;
        let theirs = self.repo.find_tree(theirs).map_err(&fail)?;
        let mut opts = MergeOptions::new();
        // merge-ort diffs with the histogram algorithm; libgit2 has none, and patience (of
        // which histogram is an extension) agrees with it where Myers finds false conflicts.
        opts.find_renames(true)
            .rename_threshold(50)
            .patience(true)
            .skip_reuc(true)
            .fail_on_conflict(false);
        let mut index = self
            .repo
            .merge_trees(&base, &ours, &theirs, Some(&opts))
            .map_err(&fail)?;
        if index.has_conflicts() {
            let mut paths = std::collections::BTreeSet::new();
            for conflict in index.conflicts().map_err(&fail)? {
                let conflict = conflict.map_err(&fail)?;
                for entry in [conflict.our, conflict.their, conflict.ancestor]
                    .into_iter()
                    .flatten()
                {
                    paths.insert(String::from_utf8_lossy(&entry.path).into_owned());
                }
            }
            return Ok(RevertTree::Conflict(paths.into_iter().collect()));
        }
        let merged = index.write_tree_to(&self.repo).map_err(&fail)?;
        Ok(RevertTree::Clean(to_object_id(merged)))
    }

    /// Copies tree `root` and everything under it that the repository lacks from the merge
    /// handle's in-memory store into the repository's object store.
    fn copy_tree(&self, handle: &git2::Repository, root: Oid) -> Result<(), GitError> {
        let fail = git2_error("copying git's automatic merge into the repository");
        let (from, to) = (
            handle.odb().map_err(&fail)?,
            self.repo.odb().map_err(&fail)?,
        );
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            if to.exists(id) {
                continue;
            }
            let object = from.read(id).map_err(&fail)?;
            if object.kind() == git2::ObjectType::Tree {
                let tree = handle.find_tree(id).map_err(&fail)?;
                for entry in tree.iter() {
                    if let Some(git2::ObjectType::Tree | git2::ObjectType::Blob) = entry.kind() {
                        stack.push(entry.id());
                    }
                }
            }
            to.write(object.kind(), object.data()).map_err(&fail)?;
        }
        Ok(())
    }

    /// Writes a commit object (no ref moves) and returns its id.
    pub fn write_commit(
        &self,
        tree: &ObjectId,
        parent: &ObjectId,
        message: &str,
        author: &Stamp,
        committer: &Stamp,
    ) -> Result<ObjectId, GitError> {
        let fail = git2_error("writing a revert commit");
        let signature = |s: &Stamp| {
            git2::Signature::new(
                &s.who.name,
                &s.who.email,
                &git2::Time::new(s.time, s.offset_minutes),
            )
            .map_err(&fail)
        };
        let tree = self.repo.find_tree(to_oid(tree)?).map_err(&fail)?;
        let parent = self.find_commit(parent)?;
        let id = self
            .repo
            .commit(
                None,
                &signature(author)?,
                &signature(committer)?,
                message,
                &tree,
                &[&parent],
            )
            .map_err(&fail)?;
        Ok(to_object_id(id))
    }

    /// Why the branch `name` cannot be created, or `None` when it can: an invalid name,
    /// an existing branch, or a branch that is a directory of it or under it (git keeps
    /// refs as files).
    pub fn branch_unavailable(&self, name: &str) -> Result<Option<String>, GitError> {
        if !git2::Branch::name_is_valid(name).unwrap_or(false) {
            return Ok(Some(format!("'{name}' is not a valid branch name")));
        }
        let full = format!("refs/heads/{name}");
        let fail = git2_error("listing branches");
        for reference in self.repo.references().map_err(&fail)? {
            let reference = reference.map_err(&fail)?;
            let Ok(other) = reference.name() else {
                continue;
            };
            if other == full {
                return Ok(Some(format!("the branch '{name}' already exists")));
            }
            if full.starts_with(&format!("{other}/")) || other.starts_with(&format!("{full}/")) {
                return Ok(Some(format!(
                    "the branch '{name}' cannot be created next to the existing ref '{other}'"
                )));
            }
        }
        Ok(None)
    }

    /// Creates the branch `name` at `target` (never overwriting one), with `log` as its
    /// reflog message.
    pub fn create_branch(&self, name: &str, target: &ObjectId, log: &str) -> Result<(), GitError> {
        self.repo
            .reference(&format!("refs/heads/{name}"), to_oid(target)?, false, log)
            .map_err(git2_error(format!("creating the branch '{name}'")))?;
        Ok(())
    }

    /// A git config string (`user.name`), `None` when unset.
    pub fn config_string(&self, key: &str) -> Result<Option<String>, GitError> {
        let fail = git2_error(format!("reading git config {key}"));
        let config = self.repo.config().map_err(&fail)?;
        match config.get_string(key) {
            Ok(value) => Ok(Some(value)),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(fail(e)),
        }
    }
}
