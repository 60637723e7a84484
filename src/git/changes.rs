//! What a commit is judged by (CONTRACT.md, "Semantics"): the changes it is charged for,
//! the merge paths that must pass the path rules besides, and the tree entries git's fsck
//! refuses.
//!
//! - A commit with one parent (or none) is charged for its diff against it.
//! - A two-parent merge is charged for where its tree differs from git's automatic merge
//!   of its parents ([`Repo::remerged`]); every path that automatic merge leaves
//!   conflicted is charged the larger of that and its largest diff against a parent.
//! - A merge with more parents (or one libgit2 cannot merge) is charged at every path that
//!   differs from any parent, with its largest diff.
//! - For every merge, `also_checked` lists each path whose entry equals that path's entry
//!   in none of the parents (deletions included).
//! - Every tree the commit introduces is fsck-checked ([`super::fsck`]), also when only the
//!   trees are read ([`ChangeScope::TreesOnly`], for commits no policy covers).
//!
//! One walk over the commit's tree and all its parents' trees gives the merge paths and the
//! fsck findings; subtrees equal where they must be are skipped, so no path is looked up
//! from the root and a merge costs what its trees differ in.

use std::collections::{BTreeMap, BTreeSet};

use git2::Oid;

use super::diff::{DiffOptions, MergeDiff, RawChange, fill_stats, pair_exact_renames};
use super::merge::{Candidate, Remerged};
use super::tree::{Descend, TreeWalk};
use super::{GitError, Repo};
use crate::model::{BadPath, ObjectId};

/// How much of a commit [`Repo::commit_changes`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeScope {
    /// Everything the checks judge: charged changes with line counts and bytes (blobs are
    /// read), the merge paths to check, and the bad paths.
    Full,
    /// Only the trees the commit introduces, for their fsck check: no blob is read (except
    /// a `.gitmodules` or `.gitattributes` the commit introduces, as fsck reads it), no
    /// change is listed.
    TreesOnly,
}

/// A commit's changes with paths as git stores them (bytes).
#[derive(Clone, Debug, Default)]
pub struct RawCommitChanges {
    /// What the commit is charged for, in git's path order.
    pub files: Vec<RawChange>,
    /// A merge's paths whose entry equals that path's entry in none of the parents,
    /// in git's path order.
    pub also_checked: Vec<Vec<u8>>,
    /// Tree entries git's fsck refuses, in the trees the commit introduces.
    pub bad_paths: Vec<BadPath>,
}

/// How charged changes are diffed: exact renames paired, lines always counted.
const CHARGE: DiffOptions = DiffOptions {
    merges: MergeDiff::FirstParent,
    renames: true,
    line_stats: true,
};

impl Repo {
    /// What commit `id` is judged by (see the module docs), reading as much as `scope`
    /// asks.
    pub fn commit_changes(
        &self,
        id: &ObjectId,
        scope: ChangeScope,
    ) -> Result<RawCommitChanges, GitError> {
        let commit = self.find_commit(id)?;
        let parents: Vec<Oid> = commit.parent_ids().collect();
        let parent_trees = self.parent_trees(&commit, id)?;
        let (cid, result) = (commit.id(), commit.tree_id());
        let odb = self.odb(id)?;
        let mut out = RawCommitChanges::default();

        if scope == ChangeScope::TreesOnly {
            let mut walk = TreeWalk::new(&odb, cid, Descend::UnlessEqualToSomeParent, false);
            walk.run(result, &parent_trees, |_, _, _| Ok(()))?;
            walk.fsck.check_blobs(&odb, cid)?;
            out.bad_paths = walk.fsck.bad;
            return Ok(out);
        }

        let mut walk = TreeWalk::new(&odb, cid, Descend::UnlessEqualToEveryParent, true);
        if parents.len() <= 1 {
            let mut changes = Vec::new();
            walk.run(result, &parent_trees, |path, new, old| {
                changes.push(RawChange::between(
                    path,
                    old.first().copied().flatten(),
                    new,
                ));
                Ok(())
            })?;
            walk.fsck.check_blobs(&odb, cid)?;
            out.bad_paths = std::mem::take(&mut walk.fsck.bad);
            let mut changes = pair_exact_renames(changes);
            let context = format!("commit {id}");
            let mut scratch = self.scratch.borrow_mut();
            for change in &mut changes {
                fill_stats(&self.repo, change, &CHARGE, &mut scratch.diff, &context)?;
            }
            out.files = changes;
            return Ok(out);
        }

        let context = format!("merge {id}");
        let files = self.with_merge_handle(|handle| {
            let remerge = if parents.len() == 2 {
                self.remerged(handle, &odb, cid, result, parents[0], parents[1])?
            } else {
                None
            };
            if let Some(Remerged {
                changes,
                conflicted,
                walked: Some(walked),
            }) = remerge
            {
                // The path-by-path walk saw every path this needs.
                let mut fsck = walked.fsck;
                fsck.check_blobs(&odb, cid)?;
                out.bad_paths = fsck.bad;
                out.also_checked = walked.also_checked;
                return self.charge_remerge(
                    handle,
                    changes,
                    &conflicted,
                    walked.candidates,
                    &context,
                );
            }
            let mut candidates: Vec<Candidate> = Vec::new();
            walk.run(result, &parent_trees, |path, new, old| {
                if old.iter().all(|o| *o != new) {
                    out.also_checked.push(path.to_vec());
                }
                if remerge.as_ref().is_none_or(|r| r.conflicted.contains(path)) {
                    candidates.push((path.to_vec(), new, old.to_vec()));
                }
                Ok(())
            })?;
            walk.fsck.check_blobs(&odb, cid)?;
            out.bad_paths = std::mem::take(&mut walk.fsck.bad);
            match remerge {
                Some(remerge) => self.charge_remerge(
                    handle,
                    remerge.changes,
                    &remerge.conflicted,
                    candidates,
                    &context,
                ),
                None => candidates
                    .into_iter()
                    .map(|c| self.largest_parent_diff(handle, c, None, &context))
                    .collect(),
            }
        })?;
        out.files = files;
        Ok(out)
    }

    /// A two-parent merge's charge: the changes from the automatic merge (whose objects
    /// `handle` holds) to the result, where each conflicted path (`candidates` holds those
    /// where the result differs from some parent) is charged the larger of that change
    /// and its largest diff against a parent.
    fn charge_remerge(
        &self,
        handle: &git2::Repository,
        changes: Vec<RawChange>,
        conflicted: &BTreeSet<Vec<u8>>,
        candidates: Vec<Candidate>,
        context: &str,
    ) -> Result<Vec<RawChange>, GitError> {
        let (at_conflicts, plain): (Vec<RawChange>, Vec<RawChange>) = changes
            .into_iter()
            .partition(|c| conflicted.contains(c.path()));
        let mut at_conflicts: BTreeMap<Vec<u8>, RawChange> = at_conflicts
            .into_iter()
            .map(|c| (c.path().to_vec(), c))
            .collect();
        let mut files = pair_exact_renames(plain);
        {
            let mut scratch = self.scratch.borrow_mut();
            for change in &mut files {
                fill_stats(handle, change, &CHARGE, &mut scratch.diff, context)?;
            }
        }
        for candidate in candidates {
            let remerged = at_conflicts.remove(&candidate.0);
            files.push(self.largest_parent_diff(handle, candidate, remerged, context)?);
        }
        // Conflicted paths where the result equals every parent but not the remerge.
        for (_, mut change) in at_conflicts {
            let mut scratch = self.scratch.borrow_mut();
            fill_stats(handle, &mut change, &CHARGE, &mut scratch.diff, context)?;
            files.push(change);
        }
        files.sort_by(|a, b| a.path().cmp(b.path()));
        Ok(files)
    }

    /// The largest of the diffs at one path against each parent it differs from, and
    /// `start` (the remerge diff there, if any), by lines, then bytes.
    fn largest_parent_diff(
        &self,
        handle: &git2::Repository,
        (path, new, old): Candidate,
        start: Option<RawChange>,
        context: &str,
    ) -> Result<RawChange, GitError> {
        let mut scratch = self.scratch.borrow_mut();
        let mut best = match start {
            Some(mut change) => {
                fill_stats(handle, &mut change, &CHARGE, &mut scratch.diff, context)?;
                Some(change)
            }
            None => None,
        };
        for parent in old.into_iter().filter(|o| *o != new) {
            let mut change = RawChange::between(&path, parent, new);
            fill_stats(handle, &mut change, &CHARGE, &mut scratch.diff, context)?;
            if best.as_ref().is_none_or(|b| change.weight() > b.weight()) {
                best = Some(change);
            }
        }
        Ok(best.expect("a candidate differs from some parent"))
    }
}
