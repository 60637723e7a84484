//! Revision ranges with `git rev-list` semantics: `A..B`, `^A B`, `A...B`, a single
//! revision (all its ancestors) and `--all`, walked newest first like git's default order.

use super::{GitError, Repo, to_object_id};
use crate::model::ObjectId;

/// One argument of a range, parsed (pure; unit-tested below).
#[derive(Debug, PartialEq, Eq)]
enum RangeArg<'a> {
    /// Every ref (and HEAD).
    All,
    /// Include this revision and its ancestors.
    Include(&'a str),
    /// Exclude this revision and its ancestors.
    Exclude(&'a str),
    /// `A..B`: exclude A, include B (an empty side means HEAD).
    Dotted(&'a str, &'a str),
    /// `A...B`: include both, exclude their merge bases.
    Symmetric(&'a str, &'a str),
}

fn parse_arg(arg: &str) -> RangeArg<'_> {
    if arg == "--all" {
        return RangeArg::All;
    }
    if let Some(rest) = arg.strip_prefix('^') {
        return RangeArg::Exclude(rest);
    }
    if let Some((a, b)) = arg.split_once("...") {
        return RangeArg::Symmetric(head_if_empty(a), head_if_empty(b));
    }
    if let Some((a, b)) = arg.split_once("..") {
        return RangeArg::Dotted(head_if_empty(a), head_if_empty(b));
    }
    RangeArg::Include(arg)
}

fn head_if_empty(side: &str) -> &str {
    if side.is_empty() { "HEAD" } else { side }
}

impl Repo {
    /// The commits of `args`, as `git rev-list ARGS` lists them (newest first).
    pub fn resolve_range(&self, args: &[String]) -> Result<Vec<ObjectId>, GitError> {
        let repo = &self.repo;
        let walk_err = |source| GitError::Git2 {
            context: "walking the commit graph".to_string(),
            source,
        };
        let mut walk = repo.revwalk().map_err(walk_err)?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)
            .map_err(walk_err)?;
        let mut any = false;
        for arg in args {
            match parse_arg(arg) {
                RangeArg::All => {
                    for oid in self.all_ref_commits()? {
                        walk.push(oid).map_err(walk_err)?;
                        any = true;
                    }
                }
                RangeArg::Include(rev) => {
                    walk.push(self.peel_commit(rev, arg)?).map_err(walk_err)?;
                    any = true;
                }
                RangeArg::Exclude(rev) => {
                    walk.hide(self.peel_commit(rev, arg)?).map_err(walk_err)?;
                }
                RangeArg::Dotted(a, b) => {
                    walk.hide(self.peel_commit(a, arg)?).map_err(walk_err)?;
                    walk.push(self.peel_commit(b, arg)?).map_err(walk_err)?;
                    any = true;
                }
                RangeArg::Symmetric(a, b) => {
                    let (a, b) = (self.peel_commit(a, arg)?, self.peel_commit(b, arg)?);
                    walk.push(a).map_err(walk_err)?;
                    walk.push(b).map_err(walk_err)?;
                    any = true;
                    match repo.merge_bases(a, b) {
                        Ok(bases) => {
                            for base in bases.iter() {
                                walk.hide(*base).map_err(walk_err)?;
                            }
                        }
                        Err(e) if e.code() == git2::ErrorCode::NotFound => {}
                        Err(source) => {
                            return Err(GitError::Revision {
                                spec: arg.clone(),
                                source,
                            });
                        }
                    }
                }
            }
        }
        if !any {
            return Ok(Vec::new());
        }
        walk.map(|oid| oid.map(to_object_id).map_err(walk_err))
            .collect()
    }

    /// Resolves `rev` (part of the argument `spec`) to a commit id, peeling tags.
    fn peel_commit(&self, rev: &str, spec: &str) -> Result<git2::Oid, GitError> {
        let object = self
            .repo
            .revparse_single(rev)
            .map_err(|source| GitError::Revision {
                spec: spec.to_string(),
                source,
            })?;
        object
            .peel_to_commit()
            .map(|c| c.id())
            .map_err(|_| GitError::NotACommit {
                spec: spec.to_string(),
            })
    }

    /// The commits every ref and HEAD point at. Refs that peel to a tree or a blob, and
    /// symbolic refs that lead nowhere, are skipped as `git rev-list --all` skips them; a
    /// ref whose object is missing or unreadable is an error, never silently left out.
    fn all_ref_commits(&self) -> Result<Vec<git2::Oid>, GitError> {
        let refs_err = |source| GitError::Git2 {
            context: "listing refs".to_string(),
            source,
        };
        let mut oids = Vec::new();
        for reference in self.repo.references().map_err(refs_err)? {
            let reference = reference.map_err(refs_err)?;
            match reference.peel(git2::ObjectType::Commit) {
                Ok(commit) => oids.push(commit.id()),
                Err(e) if super::refs::is_peel_mismatch(&e) => {}
                Err(_) if reference.kind() == Some(git2::ReferenceType::Symbolic) => {}
                Err(source) => {
                    return Err(GitError::Git2 {
                        context: format!(
                            "resolving ref {}",
                            String::from_utf8_lossy(reference.name_bytes())
                        ),
                        source,
                    });
                }
            }
        }
        if let Ok(head) = self.repo.head()
            && let Ok(commit) = head.peel_to_commit()
        {
            oids.push(commit.id());
        }
        Ok(oids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_range_forms() {
        assert_eq!(parse_arg("--all"), RangeArg::All);
        assert_eq!(parse_arg("main"), RangeArg::Include("main"));
        assert_eq!(parse_arg("^main"), RangeArg::Exclude("main"));
        assert_eq!(parse_arg("a..b"), RangeArg::Dotted("a", "b"));
        assert_eq!(parse_arg("HEAD~3.."), RangeArg::Dotted("HEAD~3", "HEAD"));
        assert_eq!(parse_arg("..b"), RangeArg::Dotted("HEAD", "b"));
        assert_eq!(parse_arg("a...b"), RangeArg::Symmetric("a", "b"));
        assert_eq!(parse_arg("a..."), RangeArg::Symmetric("a", "HEAD"));
    }
}
