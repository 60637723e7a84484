//! A push's facts, read once for the whole push: which commits are new to the receiving
//! side, and for each ref update whether it is forced, whether it points at a commit, and
//! every commit it brings onto the ref.
//!
//! A push may name tens of thousands of refs (every tag of a mirror), into a repository
//! with thousands more. Everything that does not depend on one update is done once: the
//! receiving side's tips are resolved once, the new commits come from one walk over all new
//! tips, created refs share one walk from the default branch's tip, and updates that move
//! between the same two commits share their answers.

use std::collections::{HashMap, HashSet};

use git2::{ObjectType, Oid};

use super::{GitError, Repo, to_object_id, to_oid};
use crate::input::RefLine;
use crate::model::{ObjectId, RefUpdate};

/// What the receiving side already has, and what a created ref is measured against.
#[derive(Debug, Clone, Copy)]
pub struct PushBase<'a> {
    /// Refs whose commits the receiving side has (`refs/heads/*`, `refs/tags/*` on a
    /// server; `refs/remotes/<remote>/*` on a client).
    pub existing_globs: &'a [&'a str],
    /// More commits it has (pre-push: the remote's old tips); ids missing here are skipped.
    pub existing_ids: &'a [ObjectId],
    /// What a created ref's brought commits are counted from.
    pub creation_base: CreationBase<'a>,
    /// On a client the remote's old tip may be unknown here: the update is then forced,
    /// since no local commit can descend from it. On a server a missing old tip is an error.
    pub old_may_be_missing: bool,
}

/// What a created ref brings: the commits not reachable from this.
#[derive(Debug, Clone, Copy)]
pub enum CreationBase<'a> {
    /// The default branch's tip before the push (`None` in an empty repository: then
    /// everything a created ref points at is brought).
    DefaultTip(Option<&'a ObjectId>),
    /// Everything the receiving side has ([`PushBase::existing_globs`] and ids).
    Existing,
}

/// The facts of one push.
#[derive(Debug, Clone, Default)]
pub struct PushFacts {
    /// One update per line, in input order.
    pub updates: Vec<RefUpdate>,
    /// Commits reachable from the new tips and from nothing the receiving side has, each
    /// once, newest first: what the push adds to the repository.
    pub new_commits: Vec<ObjectId>,
}

impl Repo {
    /// Reads the facts of a push of `lines` into a side that has `base`.
    pub fn push_facts(
        &self,
        lines: &[RefLine],
        base: &PushBase<'_>,
    ) -> Result<PushFacts, GitError> {
        let existing = self.existing_tips(base)?;
        // Each new value peeled once: Some(commit), or None for a tree or a blob.
        let mut peeled: HashMap<&ObjectId, Option<Oid>> = HashMap::new();
        for new in lines.iter().filter_map(|l| l.new.as_ref()) {
            if !peeled.contains_key(new) {
                let commit = self.peel_to_commit(new)?.map(|c| to_oid(&c)).transpose()?;
                peeled.insert(new, commit);
            }
        }
        let mut tips: Vec<Oid> = peeled.values().flatten().copied().collect();
        tips.sort();
        tips.dedup();
        let new_commits = self.walk(&tips, &existing)?;

        let creation_hide: Vec<Oid> = match base.creation_base {
            CreationBase::DefaultTip(Some(tip)) => self
                .peel_to_commit(tip)?
                .iter()
                .map(to_oid)
                .collect::<Result<_, _>>()?,
            CreationBase::DefaultTip(None) => Vec::new(),
            CreationBase::Existing => existing.clone(),
        };
        // Each line's old side as a known commit, or None (a created ref, an old tip
        // unknown here, or one that is no commit): those are measured from the creation base.
        let mut olds: Vec<(Option<&ObjectId>, Option<Oid>)> = Vec::with_capacity(lines.len());
        for line in lines {
            let known = match &line.old {
                Some(old) if base.old_may_be_missing && !self.has_object(old)? => None,
                other => other.as_ref(),
            };
            let commit = match known {
                Some(old) => self.peel_to_commit(old)?.map(|c| to_oid(&c)).transpose()?,
                None => None,
            };
            olds.push((known, commit));
        }
        let mut created_tips: Vec<Oid> = lines
            .iter()
            .zip(&olds)
            .filter(|(_, (_, old))| old.is_none())
            .filter_map(|(l, _)| l.new.as_ref().and_then(|n| peeled[n]))
            .collect();
        created_tips.sort();
        created_tips.dedup();
        let created = CreatedRefs::walk(self, &created_tips, &creation_hide)?;

        let mut forced_memo: HashMap<(&ObjectId, &ObjectId), bool> = HashMap::new();
        let mut brought_memo: HashMap<(Option<Oid>, Oid), Vec<ObjectId>> = HashMap::new();
        let mut updates = Vec::with_capacity(lines.len());
        for (line, &(old_known, old_commit)) in lines.iter().zip(&olds) {
            let new_commit = line.new.as_ref().and_then(|n| peeled[n]);
            let forced = match (&line.old, &line.new) {
                (Some(_), _) if old_known.is_none() => true,
                (Some(old), Some(new)) => match forced_memo.get(&(old, new)) {
                    Some(&f) => f,
                    None => {
                        let f = self.is_forced(old, new)?;
                        forced_memo.insert((old, new), f);
                        f
                    }
                },
                _ => false,
            };
            let brought = match new_commit {
                None => Vec::new(),
                Some(new) => match brought_memo.get(&(old_commit, new)) {
                    Some(list) => list.clone(),
                    None => {
                        let list = match old_commit {
                            Some(old) => self.walk(&[new], &[old])?,
                            None => created.brought(new),
                        };
                        brought_memo.insert((old_commit, new), list.clone());
                        list
                    }
                },
            };
            updates.push(RefUpdate {
                name: line.name.clone(),
                old: line.old.clone(),
                new: line.new.clone(),
                forced,
                brought,
                target_is_commit: line.new.is_none() || new_commit.is_some(),
            });
        }
        Ok(PushFacts {
            updates,
            new_commits,
        })
    }

    /// The commits the receiving side's refs and ids point at, peeled and deduplicated.
    fn existing_tips(&self, base: &PushBase<'_>) -> Result<Vec<Oid>, GitError> {
        let repo = self.git2();
        let mut tips = HashSet::new();
        for glob in base.existing_globs {
            let refs = repo
                .references_glob(glob)
                .map_err(|e| git2_error(&format!("listing {glob}"), e))?;
            for reference in refs {
                let reference = reference.map_err(|e| git2_error(&format!("listing {glob}"), e))?;
                match reference.peel(ObjectType::Commit) {
                    Ok(obj) => {
                        tips.insert(obj.id());
                    }
                    Err(e) if super::refs::is_peel_mismatch(&e) => {}
                    // A symbolic ref that leads nowhere hides nothing; git ignores it too.
                    Err(_) if reference.kind() == Some(git2::ReferenceType::Symbolic) => {}
                    Err(e) => {
                        let name = String::from_utf8_lossy(reference.name_bytes()).into_owned();
                        return Err(git2_error(&format!("resolving ref {name}"), e));
                    }
                }
            }
        }
        for id in base.existing_ids {
            if self.has_object(id)?
                && let Some(commit) = self.peel_to_commit(id)?
            {
                tips.insert(to_oid(&commit)?);
            }
        }
        let mut tips: Vec<Oid> = tips.into_iter().collect();
        tips.sort();
        Ok(tips)
    }

    /// `git rev-list TIPS --not HIDE`, newest first.
    fn walk(&self, tips: &[Oid], hide: &[Oid]) -> Result<Vec<ObjectId>, GitError> {
        if tips.is_empty() {
            return Ok(Vec::new());
        }
        let walk_err = |e| git2_error("walking the pushed commits", e);
        let mut walk = self.git2().revwalk().map_err(walk_err)?;
        for &tip in tips {
            walk.push(tip).map_err(walk_err)?;
        }
        for &oid in hide {
            walk.hide(oid).map_err(walk_err)?;
        }
        walk.map(|oid| oid.map(to_object_id).map_err(walk_err))
            .collect()
    }
}

/// The commits created refs bring, from one walk over every created tip: the commits not
/// reachable from the creation base, with their parents, so that each created tip's share
/// is a search inside that set.
struct CreatedRefs {
    /// The walked set: each commit's position in the walk (newest first) and parents.
    graph: HashMap<Oid, (usize, Vec<Oid>)>,
}

impl CreatedRefs {
    /// Walks every created tip at once (each commit is read once however many refs are
    /// created), hiding `hide`.
    fn walk(repo: &Repo, tips: &[Oid], hide: &[Oid]) -> Result<Self, GitError> {
        let order = repo.walk(tips, hide)?;
        let mut graph = HashMap::with_capacity(order.len());
        for (position, id) in order.iter().enumerate() {
            let parents = repo.find_commit(id)?.parent_ids().collect();
            graph.insert(to_oid(id)?, (position, parents));
        }
        Ok(CreatedRefs { graph })
    }

    /// The walked commits reachable from `tip`, newest first.
    fn brought(&self, tip: Oid) -> Vec<ObjectId> {
        let mut reached: Vec<(usize, Oid)> = Vec::new();
        let mut seen = HashSet::new();
        let mut stack = vec![tip];
        while let Some(oid) = stack.pop() {
            if let Some((position, parents)) = self.graph.get(&oid)
                && seen.insert(oid)
            {
                reached.push((*position, oid));
                stack.extend(parents.iter().copied());
            }
        }
        reached.sort_unstable();
        reached
            .into_iter()
            .map(|(_, oid)| to_object_id(oid))
            .collect()
    }
}

fn git2_error(context: &str, source: git2::Error) -> GitError {
    GitError::Git2 {
        context: context.to_owned(),
        source,
    }
}
