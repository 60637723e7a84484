//! History facts that `report` needs beyond what the checks read: when a commit was
//! committed, and which tree entry (blob id and mode) a commit holds at a path, so that a
//! revert can be compared with the commit it claims to undo entry by entry.

use std::path::Path;

use super::diff::canon_mode;
use super::{GitError, Repo, to_object_id, to_oid};
use crate::model::{FileMode, ObjectId};

/// What a tree holds at one path: a blob, symlink or submodule, with its canonical mode
/// (`100775` reads as `100755`, as git checks files out). A directory is no entry: a path
/// that is a directory on one side and a file on the other changes from absent to present.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PathEntry {
    /// The object the entry names (a blob, or a submodule's commit).
    pub id: ObjectId,
    /// The canonical mode.
    pub mode: FileMode,
}

/// The tree a set of entries is read from.
#[derive(Clone, Copy, Debug)]
pub enum Snapshot<'a> {
    /// The empty tree (before a root commit).
    Empty,
    /// A commit's tree.
    Commit(&'a ObjectId),
    /// git's automatic merge of a two-parent merge's parents (what the merge is charged
    /// against), redone in memory; for any other commit, or a merge libgit2 cannot redo,
    /// its first parent's tree (what the pipeline then charges it against).
    AutoMerge(&'a ObjectId),
}

impl Repo {
    /// The committer time of a commit, in seconds since the Unix epoch (UTC).
    pub fn committer_time(&self, id: &ObjectId) -> Result<i64, GitError> {
        Ok(self.find_commit(id)?.committer().when().seconds())
    }

    /// The entries `snapshot` holds at each of `paths` (`None`: no file there), in order.
    pub fn entries_at(
        &self,
        snapshot: Snapshot<'_>,
        paths: &[String],
    ) -> Result<Vec<Option<PathEntry>>, GitError> {
        let id = match snapshot {
            Snapshot::Empty => return Ok(vec![None; paths.len()]),
            Snapshot::Commit(id) => id,
            Snapshot::AutoMerge(id) => return self.auto_merge_entries(id, paths),
        };
        let missing = |source| GitError::MissingObject {
            id: id.to_string(),
            context: "tree of a commit a revert is compared with".to_owned(),
            source,
        };
        let tree = self
            .repo
            .find_commit(to_oid(id)?)
            .and_then(|c| c.tree())
            .map_err(missing)?;
        lookup(&tree, paths).map_err(missing)
    }

    fn auto_merge_entries(
        &self,
        id: &ObjectId,
        paths: &[String],
    ) -> Result<Vec<Option<PathEntry>>, GitError> {
        let commit = self.find_commit(id)?;
        let parents: Vec<git2::Oid> = commit.parent_ids().collect();
        let first = |parents: &[git2::Oid]| match parents.first() {
            Some(parent) => self.entries_at(Snapshot::Commit(&to_object_id(*parent)), paths),
            None => Ok(vec![None; paths.len()]),
        };
        let [ours, theirs] = parents.as_slice() else {
            return first(&parents);
        };
        let missing = |source| GitError::MissingObject {
            id: id.to_string(),
            context: "git's automatic merge of the parents of a merge".to_owned(),
            source,
        };
        let found =
            self.with_merge_handle(|handle| match self.remerge(handle, *ours, *theirs)? {
                Some(remerge) => {
                    let tree = handle.find_tree(remerge.tree).map_err(missing)?;
                    lookup(&tree, paths).map(Some).map_err(missing)
                }
                None => Ok(None),
            })?;
        match found {
            Some(entries) => Ok(entries),
            None => first(&parents),
        }
    }
}

/// The entries `tree` holds at `paths` (a directory is no entry).
fn lookup(tree: &git2::Tree<'_>, paths: &[String]) -> Result<Vec<Option<PathEntry>>, git2::Error> {
    paths
        .iter()
        .map(|path| match tree.get_path(Path::new(path)) {
            Ok(entry) => {
                let mode = canon_mode(entry.filemode_raw());
                if mode & 0o170000 == 0o040000 {
                    return Ok(None);
                }
                Ok(Some(PathEntry {
                    id: to_object_id(entry.id()),
                    mode: FileMode(mode),
                }))
            }
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(e),
        })
        .collect()
}
