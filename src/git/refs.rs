//! Refs, reachability and trusted files: what the hooks need beyond commits and diffs.
//!
//! Everything here only reads. Inside a pre-receive quarantine libgit2, unlike git, would
//! write a ref pointing at a quarantined object and leave it dangling after a rejection
//! (shared/notes/pre-receive.md §3.1.5), so no function of this crate writes to a
//! repository.

use std::path::PathBuf;

use git2::{ErrorCode, ObjectType, Oid};

use super::{GitError, Repo};
use crate::model::ObjectId;

/// The refs whose commits a repository already has (see [`Repo::push_facts`]): its
/// branches and tags, and nothing else. Pull-request, hidden or notes refs must not hide
/// commits that were never checked.
pub const EXISTING_REFS: &[&str] = &["refs/heads/*", "refs/tags/*"];

impl Repo {
    /// The branch `HEAD` names (e.g. `refs/heads/main`), or `None` when HEAD is detached or
    /// names no branch.
    pub fn default_branch(&self) -> Result<Option<String>, GitError> {
        let head = match self.git2().find_reference("HEAD") {
            Ok(head) => head,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(git2_error("reading HEAD", e)),
        };
        let target = head
            .symbolic_target()
            .map_err(|e| git2_error("reading HEAD", e))?;
        Ok(target
            .filter(|t| t.starts_with("refs/heads/"))
            .map(str::to_owned))
    }

    /// The commit a full ref name points at (tags peeled), or `None` when the ref does not
    /// exist or does not lead to a commit.
    pub fn ref_commit(&self, name: &str) -> Result<Option<ObjectId>, GitError> {
        let reference = match self.git2().find_reference(name) {
            Ok(r) => r,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(git2_error(&format!("reading ref {name}"), e)),
        };
        match reference.peel(ObjectType::Commit) {
            Ok(obj) => Ok(Some(to_id(obj.id()))),
            Err(e) if is_peel_mismatch(&e) => Ok(None),
            // A symbolic ref to a branch that does not exist yet (an unborn HEAD).
            Err(e)
                if reference.kind() == Some(git2::ReferenceType::Symbolic)
                    && matches!(e.code(), ErrorCode::NotFound | ErrorCode::UnbornBranch) =>
            {
                Ok(None)
            }
            Err(e) => Err(git2_error(&format!("resolving ref {name}"), e)),
        }
    }

    /// True when the repository has at least one branch (`refs/heads/*`).
    pub fn has_branches(&self) -> Result<bool, GitError> {
        let mut refs = self
            .git2()
            .references_glob("refs/heads/*")
            .map_err(|e| git2_error("listing refs/heads/*", e))?;
        Ok(refs.next().is_some())
    }

    /// Resolves a revision (`HEAD`, `main`, `v1^{}`, an id...) to the commit it names.
    pub fn resolve_commit(&self, spec: &str) -> Result<ObjectId, GitError> {
        let obj = self
            .git2()
            .revparse_single(spec)
            .map_err(|e| git2_error(&format!("resolving revision {spec:?}"), e))?;
        let commit = obj
            .peel_to_commit()
            .map_err(|e| git2_error(&format!("revision {spec:?} is not a commit"), e))?;
        Ok(to_id(commit.id()))
    }

    /// Peels an object (a commit, or a tag of a commit) to its commit. `None` when it leads
    /// to a tree or blob instead. An object that does not exist is an error.
    pub fn peel_to_commit(&self, id: &ObjectId) -> Result<Option<ObjectId>, GitError> {
        let oid = to_oid(id)?;
        let obj = self
            .git2()
            .find_object(oid, None)
            .map_err(|e| git2_error(&format!("object {id} is missing"), e))?;
        match obj.peel(ObjectType::Commit) {
            Ok(commit) => Ok(Some(to_id(commit.id()))),
            Err(e) if is_peel_mismatch(&e) => Ok(None),
            Err(e) => Err(git2_error(&format!("peeling {id}"), e)),
        }
    }

    /// True when `ancestor` is `descendant` or one of its ancestors.
    pub fn is_ancestor(
        &self,
        ancestor: &ObjectId,
        descendant: &ObjectId,
    ) -> Result<bool, GitError> {
        if ancestor == descendant {
            return Ok(true);
        }
        self.git2()
            .graph_descendant_of(to_oid(descendant)?, to_oid(ancestor)?)
            .map_err(|e| git2_error(&format!("comparing {ancestor} and {descendant}"), e))
    }

    /// True when moving a ref from `old` to `new` drops commits: the old tip is not an
    /// ancestor of the new one (tags peeled); a tip that is no commit counts as forced
    /// whenever it changes. A missing object is an error.
    pub fn is_forced(&self, old: &ObjectId, new: &ObjectId) -> Result<bool, GitError> {
        match (self.peel_to_commit(old)?, self.peel_to_commit(new)?) {
            (Some(old), Some(new)) => Ok(!self.is_ancestor(&old, &new)?),
            _ => Ok(old != new),
        }
    }

    /// The bytes of `path` in the tree of `commit`, or `None` when the path is absent.
    /// Fails when the entry is not a regular file (a symlink or directory) or is larger
    /// than `max_size` bytes, so a hostile tree cannot make agentfence read a huge blob.
    pub fn read_file_at(
        &self,
        commit: &ObjectId,
        path: &str,
        max_size: u64,
    ) -> Result<Option<Vec<u8>>, GitError> {
        let repo = self.git2();
        let tree = repo
            .find_commit(to_oid(commit)?)
            .and_then(|c| c.tree())
            .map_err(|e| git2_error(&format!("reading commit {commit}"), e))?;
        let entry = match tree.get_path(std::path::Path::new(path)) {
            Ok(entry) => entry,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(git2_error(&format!("reading {commit}:{path}"), e)),
        };
        let where_ = format!("{}:{path}", commit.short());
        if entry.filemode() & 0o170000 != 0o100000 {
            return Err(GitError::NotAFile {
                what: where_,
                mode: entry.filemode() as u32,
            });
        }
        let odb = repo
            .odb()
            .map_err(|e| git2_error("opening the object database", e))?;
        let (size, _) = odb
            .read_header(entry.id())
            .map_err(|e| git2_error(&format!("reading {where_}"), e))?;
        if size as u64 > max_size {
            return Err(GitError::TooLarge {
                what: where_,
                size: size as u64,
                max: max_size,
            });
        }
        let blob = repo
            .find_blob(entry.id())
            .map_err(|e| git2_error(&format!("reading {where_}"), e))?;
        Ok(Some(blob.content().to_vec()))
    }

    /// A path-valued git config entry (`agentfence.rules`), with `~/` expanded; relative
    /// paths are taken relative to the git directory. `None` when unset.
    pub fn config_path(&self, key: &str) -> Result<Option<PathBuf>, GitError> {
        let config = self
            .git2()
            .config()
            .map_err(|e| git2_error("reading git config", e))?;
        match config.get_path(key) {
            Ok(path) if path.is_relative() => Ok(Some(self.git2().path().join(path))),
            Ok(path) => Ok(Some(path)),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(e) => Err(git2_error(&format!("reading git config {key}"), e)),
        }
    }
}

/// True for the error libgit2 gives when an object cannot be peeled to the wanted type.
pub(super) fn is_peel_mismatch(e: &git2::Error) -> bool {
    matches!(e.code(), ErrorCode::InvalidSpec | ErrorCode::Peel)
}

fn git2_error(context: &str, source: git2::Error) -> GitError {
    GitError::Git2 {
        context: context.to_owned(),
        source,
    }
}

fn to_oid(id: &ObjectId) -> Result<Oid, GitError> {
    Oid::from_str(id.as_str()).map_err(|e| git2_error(&format!("object id {id}"), e))
}

fn to_id(oid: Oid) -> ObjectId {
    ObjectId::from_hex(&oid.to_string()).expect("libgit2 prints ids as hex")
}
