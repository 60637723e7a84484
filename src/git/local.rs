//! Facts only a local (non-server) hook needs: where hooks live, the comment prefix
//! `git commit` writes into the message file, who the next commit's author and committer
//! will be, and the remote-tracking view of a remote.

use std::path::PathBuf;

use git2::ErrorCode;

use super::{GitError, Repo};
use crate::model::{Identity, ObjectId};

/// The author and committer git will write into the commit being made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identities {
    /// The author.
    pub author: Identity,
    /// The committer.
    pub committer: Identity,
}

impl Repo {
    /// The working tree's directory; `None` in a bare repository.
    pub fn workdir(&self) -> Option<&std::path::Path> {
        self.git2().workdir()
    }

    /// The folder git runs hooks from: `core.hooksPath` (relative to the work tree, or to
    /// the git directory in a bare repository), else `hooks` in the common git directory
    /// (shared by every worktree).
    pub fn hooks_dir(&self) -> Result<PathBuf, GitError> {
        let repo = self.git2();
        let config = repo
            .config()
            .map_err(|e| config_error("core.hooksPath", e))?;
        match config.get_path("core.hooksPath") {
            Ok(path) if path.is_absolute() => Ok(path),
            Ok(path) => {
                let base = repo.workdir().unwrap_or_else(|| repo.path());
                Ok(base.join(path))
            }
            Err(e) if e.code() == ErrorCode::NotFound => Ok(repo.commondir().join("hooks")),
            Err(e) => Err(config_error("core.hooksPath", e)),
        }
    }

    /// The comment prefix `git commit` uses in the message file: `core.commentString`,
    /// else `core.commentChar`, else `#`. `auto` (git picks a character the message does
    /// not start a line with) cannot be known from outside git: `#` is assumed.
    pub fn comment_prefix(&self) -> Result<String, GitError> {
        let config = self
            .git2()
            .config()
            .map_err(|e| config_error("core.commentChar", e))?;
        for key in ["core.commentString", "core.commentChar"] {
            match config.get_string(key) {
                Ok(value) if value.is_empty() || value == "auto" => break,
                Ok(value) => return Ok(value),
                Err(e) if e.code() == ErrorCode::NotFound => {}
                Err(e) => return Err(config_error(key, e)),
            }
        }
        Ok("#".to_owned())
    }

    /// The author and committer of the commit being made, as git decides them:
    /// `GIT_AUTHOR_NAME`/`GIT_AUTHOR_EMAIL` (git exports the author to its hooks) and
    /// `GIT_COMMITTER_*` from `env`, else `user.name`/`user.email`, else empty.
    pub fn pending_identities(&self, env: &[(String, String)]) -> Result<Identities, GitError> {
        let config = self
            .git2()
            .config()
            .map_err(|e| config_error("user.name", e))?;
        let lookup = |var: &str| env.iter().find(|(k, _)| k == var).map(|(_, v)| v.clone());
        let configured = |key: &str| -> Result<String, GitError> {
            match config.get_string(key) {
                Ok(v) => Ok(v),
                Err(e) if e.code() == ErrorCode::NotFound => Ok(String::new()),
                Err(e) => Err(config_error(key, e)),
            }
        };
        let name = configured("user.name")?;
        let email = configured("user.email")?;
        let identity = |role: &str| Identity {
            name: lookup(&format!("GIT_{role}_NAME")).unwrap_or_else(|| name.clone()),
            email: lookup(&format!("GIT_{role}_EMAIL")).unwrap_or_else(|| email.clone()),
        };
        Ok(Identities {
            author: identity("AUTHOR"),
            committer: identity("COMMITTER"),
        })
    }
}

impl Repo {
    /// True when the object database has this object (a remote's tip may not be here).
    pub fn has_object(&self, id: &ObjectId) -> Result<bool, GitError> {
        let odb = self.git2().odb().map_err(|source| GitError::Git2 {
            context: "opening the object database".to_owned(),
            source,
        })?;
        Ok(odb.exists(super::to_oid(id)?))
    }
}

fn config_error(key: &str, source: git2::Error) -> GitError {
    GitError::Git2 {
        context: format!("reading git config {key}"),
        source,
    }
}
