//! Undoing a task's or an agent's work (`agentfence revert`, CONTRACT.md "revert").
//!
//! The flow: [`plan`] takes the selected commits (newest first, as `git rev-list
//! --topo-order` lists them) and reverse-applies each in memory, newest first, to the tree
//! of `--onto` as it stands after the newer reverts ([`Repo::revert_tree`]). A commit whose
//! reverse-application to `--onto` itself changes nothing is skipped as already reverted;
//! a merge is reverted by the reverse of its remerge diff, and a clean merge (nothing
//! beyond git's automatic merge) is skipped. A conflict leaves the tree as it was and is
//! reported with the later commits that touch its paths. Only when every revert is clean
//! does [`write`] write the commits (one per revert, or one with `--squash`) and then the
//! one new branch: until then nothing but trees and blobs reaches the repository.

use std::collections::HashSet;

use crate::git::{Repo, RevertTree, Snapshot, Stamp};
use crate::measure::{MeasuredCommit, OwnerKind, reverts};
use crate::model::{Identity, ObjectId};
use crate::{Result, trailers};

/// What happens to one selected commit.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Status {
    /// It reverts cleanly (a dry run, or a run stopped by another commit's conflict).
    Clean,
    /// It was reverted by the commit `revert` of the new branch.
    Reverted,
    /// It is not reverted: see the reason.
    Skipped(SkipReason),
    /// Its revert conflicts at `paths`.
    Conflict,
}

/// Why a selected commit is skipped.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum SkipReason {
    /// A commit of the history reverts it (as `report` finds reverts), and
    /// reverse-applying it to `--onto` changes nothing.
    AlreadyReverted,
    /// A merge equal to git's automatic merge of its parents: nothing to revert.
    CleanMerge,
    /// It reverts a selected commit that is skipped as already reverted: reverting it
    /// would bring that commit back.
    RevertOfSkipped(ObjectId),
    /// Its revert changes nothing once the newer commits are reverted (its changes are
    /// gone; `git revert` would stop with nothing to commit).
    NothingLeft,
}

/// One selected commit and what the revert does with it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Planned {
    /// The commit.
    pub commit: ObjectId,
    /// Its subject (first line of its message).
    pub subject: String,
    /// Its number of parents.
    pub parents: usize,
    /// What happens to it.
    pub status: Status,
    /// The commit that reverts it on the new branch (after [`write`]).
    pub revert: Option<ObjectId>,
    /// For an already reverted commit: the commit of the history that reverted it, as
    /// `report` finds it (`None` when the undoing commit does not say it reverts it).
    pub reverted_by: Option<ObjectId>,
    /// A conflict's paths.
    pub paths: Vec<String>,
    /// A conflict's later commits (between it and `--onto`) that touch those paths.
    pub later: Vec<ObjectId>,
    /// The message of its own revert commit.
    pub message: String,
}

/// The result of [`plan`]: every selected commit, and the final tree when all is clean.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Plan {
    /// The commit the reverts are made on.
    pub onto: ObjectId,
    /// The selected commits, newest first.
    pub commits: Vec<Planned>,
    /// The tree after each clean revert, in order (one per `Status::Clean` commit).
    pub trees: Vec<ObjectId>,
}

impl Plan {
    /// True when some revert conflicts.
    pub fn conflicts(&self) -> bool {
        self.commits.iter().any(|c| c.status == Status::Conflict)
    }

    /// The commits that are reverted (or would be), newest first.
    pub fn to_revert(&self) -> impl Iterator<Item = &Planned> {
        self.commits
            .iter()
            .filter(|c| matches!(c.status, Status::Clean | Status::Reverted))
    }
}

/// The subject `git revert` quotes: the first line after any blank lines of the message.
pub fn git_subject(message: &str) -> &str {
    let mut rest = message;
    while let Some((line, after)) = rest.split_once('\n') {
        if !line.trim().is_empty() {
            break;
        }
        rest = after;
    }
    rest.split('\n').next().unwrap_or("")
}

/// `git revert --no-edit`'s message for a commit with subject `subject` (as
/// [`git_subject`] reads it): `Revert "<subject>"`, or `Reapply "<original>` for a revert
/// (git 2.43 and later), a blank line and `This reverts commit <id>.`. For a merge, which
/// agentfence reverts by its remerge diff and not by `-m 1`, the sentence says so:
/// `This reverts commit <id>, undoing only what it changed` / `beyond git's automatic
/// merge of its parents (its remerge diff).`
pub fn git_message(subject: &str, id: &ObjectId, merge: bool) -> String {
    let title = match subject.strip_prefix("Revert \"") {
        Some(original) if !original.starts_with("Revert \"") => format!("Reapply \"{original}"),
        _ => format!("Revert \"{subject}\""),
    };
    if merge {
        format!(
            "{title}\n\nThis reverts commit {id}, undoing only what it changed\nbeyond git's automatic merge of its parents (its remerge diff).\n"
        )
    } else {
        format!("{title}\n\nThis reverts commit {id}.\n")
    }
}

/// Appends the task trailer, after a blank line, to a message ending in a newline.
pub fn with_task(message: &str, task: Option<&str>) -> String {
    match task {
        Some(task) => format!("{message}\nTask: {task}\n"),
        None => message.to_owned(),
    }
}

/// Reverse-applies `selected` (newest first) to `onto` in memory; writes no commit or ref.
/// `history` is every commit reachable from `onto` (newest first), read for reverts that
/// are already in the history and for the later commits a conflict meets.
///
/// A commit is skipped as already reverted when `report` finds a standing revert of it in
/// `history` *and* reverse-applying it to `onto` changes nothing: a message proves
/// nothing, and a change that is merely gone at `onto` (a later commit rewrote it) is
/// still reverted, after the newer reverts, as `git revert` does. A commit whose revert
/// changes nothing at its turn is skipped (`git revert` would stop: nothing to commit).
pub fn plan(
    repo: &Repo,
    onto: &ObjectId,
    selected: &[ObjectId],
    history: &[ObjectId],
    task: Option<&str>,
) -> Result<Plan> {
    let onto_tree = repo.commit_tree(onto)?;
    // Only a commit some commit of the history claims to revert can be already reverted.
    let mut claimed: HashSet<ObjectId> = HashSet::new();
    for id in history {
        claimed.extend(reverts::claimed(&repo.commit_facts(id)?.message));
    }
    let mut no_op = Vec::with_capacity(selected.len());
    for id in selected {
        no_op.push(
            claimed.contains(id)
                && repo.revert_tree(&onto_tree, id)? == RevertTree::Clean(onto_tree.clone()),
        );
    }
    let found = if no_op.iter().any(|&n| n) {
        standing_reverts(repo, history)?
    } else {
        Vec::new()
    };
    let reverted_by = |id: &ObjectId| {
        found
            .iter()
            .find(|r| r.commit == *id)
            .map(|r| r.reverted_by.clone())
    };
    // The selected commits skipped as already reverted, with their standing reverts.
    let skipped: Vec<(ObjectId, ObjectId)> = selected
        .iter()
        .zip(&no_op)
        .filter(|(_, n)| **n)
        .filter_map(|(id, _)| reverted_by(id).map(|by| (id.clone(), by)))
        .collect();
    let mut tree = onto_tree.clone();
    let mut commits = Vec::with_capacity(selected.len());
    let mut trees = Vec::new();
    for id in selected {
        let facts = repo.commit_facts(id)?;
        let subject = git_subject(&facts.message).to_owned();
        let merge = facts.parents.len() > 1;
        let mut planned = Planned {
            commit: id.clone(),
            subject: facts.subject().to_owned(),
            parents: facts.parents.len(),
            status: Status::Clean,
            revert: None,
            reverted_by: None,
            paths: Vec::new(),
            later: Vec::new(),
            message: with_task(&git_message(&subject, id, merge), task),
        };
        if let Some((_, by)) = skipped.iter().find(|(c, _)| c == id) {
            planned.status = Status::Skipped(SkipReason::AlreadyReverted);
            planned.reverted_by = Some(by.clone());
        } else if let Some((of, _)) = skipped.iter().find(|(_, by)| by == id) {
            planned.status = Status::Skipped(SkipReason::RevertOfSkipped(of.clone()));
        } else {
            match repo.revert_tree(&tree, id)? {
                RevertTree::CleanMerge => {
                    planned.status = Status::Skipped(SkipReason::CleanMerge);
                }
                RevertTree::Clean(next) if next == tree => {
                    planned.status = Status::Skipped(SkipReason::NothingLeft);
                    planned.reverted_by = reverted_by(id);
                }
                RevertTree::Clean(next) => {
                    tree = next.clone();
                    trees.push(next);
                }
                RevertTree::Conflict(paths) => {
                    planned.status = Status::Conflict;
                    planned.later = later_touching(repo, onto, id, &paths)?;
                    planned.paths = paths;
                }
            }
        }
        commits.push(planned);
    }
    Ok(Plan {
        onto: onto.clone(),
        commits,
        trees,
    })
}

/// The reverts `report` finds among `history`: each reverted commit with its standing
/// revert (a commit whose message names it and whose changes undo it).
fn standing_reverts(repo: &Repo, history: &[ObjectId]) -> Result<Vec<reverts::Revert>> {
    let mut measured = Vec::with_capacity(history.len());
    for id in history {
        let facts = repo.commit_facts(id)?;
        measured.push(MeasuredCommit {
            id: id.clone(),
            owner: String::new(),
            kind: OwnerKind::Unchecked,
            lines: 0,
            files: 0,
            violations: Vec::new(),
            task: None,
            time: repo.committer_time(id)?,
            subject: String::new(),
            claims_to_revert: reverts::claimed(&facts.message),
            logged: false,
        });
    }
    reverts::find(repo, &measured)
}

/// The commits reachable from `onto` but not from `commit` (what came after it on the
/// way to `--onto`, as `git rev-list onto ^commit` lists them) that change one of
/// `paths`, compared with their first parent, newest first.
fn later_touching(
    repo: &Repo,
    onto: &ObjectId,
    commit: &ObjectId,
    paths: &[String],
) -> Result<Vec<ObjectId>> {
    let mut out = Vec::new();
    for id in repo.resolve_range(&[onto.to_string(), format!("^{commit}")])? {
        let facts = repo.commit_facts(&id)?;
        let before = match facts.parents.first() {
            Some(parent) => Snapshot::Commit(parent),
            None => Snapshot::Empty,
        };
        if repo.entries_at(before, paths)? != repo.entries_at(Snapshot::Commit(&id), paths)? {
            out.push(id);
        }
    }
    Ok(out)
}

/// Writes the revert commits on `onto` (one per reverted commit, or one `squash` commit
/// with that message) and returns the tip. Call only for a plan without conflicts.
pub fn write(
    repo: &Repo,
    plan: &mut Plan,
    squash: Option<&str>,
    author: &Stamp,
    committer: &Stamp,
) -> Result<Option<ObjectId>> {
    let mut tip = plan.onto.clone();
    let Some(last_tree) = plan.trees.last().cloned() else {
        return Ok(None);
    };
    if let Some(message) = squash {
        tip = repo.write_commit(&last_tree, &tip, message, author, committer)?;
        for planned in plan.commits.iter_mut() {
            if planned.status == Status::Clean {
                planned.status = Status::Reverted;
                planned.revert = Some(tip.clone());
            }
        }
        return Ok(Some(tip));
    }
    let mut trees = plan.trees.iter();
    for planned in plan.commits.iter_mut() {
        if planned.status != Status::Clean {
            continue;
        }
        let tree = trees.next().expect("one tree per clean revert");
        tip = repo.write_commit(tree, &tip, &planned.message, author, committer)?;
        planned.status = Status::Reverted;
        planned.revert = Some(tip.clone());
    }
    Ok(Some(tip))
}

/// The squashed message: `subject`, a blank line, one `This reverts commit <id>.` line
/// per reverted commit newest first, then the task trailer.
pub fn squash_message(subject: &str, plan: &Plan, task: Option<&str>) -> String {
    let mut message = format!("{subject}\n\n");
    for planned in plan.to_revert() {
        message.push_str(&format!("This reverts commit {}.\n", planned.commit));
    }
    with_task(&message, task)
}

/// Who authors and commits the reverts, as git decides: `GIT_AUTHOR_NAME` /
/// `GIT_AUTHOR_EMAIL` (`GIT_COMMITTER_*` for the committer), else git config `user.name` /
/// `user.email`, else (email only) `EMAIL`; the time is now, in UTC. `env` looks up a
/// variable. No name or email is an error, as it is for git.
pub fn identities(
    repo: &Repo,
    env: &dyn Fn(&str) -> Option<String>,
    now: i64,
) -> Result<(Stamp, Stamp)> {
    let config = |key: &str| -> Result<Option<String>> {
        Ok(repo.config_string(key)?.filter(|v| !v.is_empty()))
    };
    let name = config("user.name")?;
    let email = config("user.email")?.or_else(|| env("EMAIL").filter(|v| !v.is_empty()));
    let person = |role: &str| -> Result<Stamp> {
        let var = |what: &str| env(&format!("GIT_{role}_{what}")).filter(|v| !v.is_empty());
        let who = Identity {
            name: var("NAME")
                .or_else(|| name.clone())
                .ok_or_else(|| no_identity(&format!("GIT_{role}_NAME"), "user.name"))?,
            email: var("EMAIL")
                .or_else(|| email.clone())
                .ok_or_else(|| no_identity(&format!("GIT_{role}_EMAIL"), "user.email"))?,
        };
        Ok(Stamp {
            who,
            time: now,
            offset_minutes: 0,
        })
    };
    Ok((person("AUTHOR")?, person("COMMITTER")?))
}

fn no_identity(var: &str, key: &str) -> crate::Error {
    crate::input::InputError::Argument(format!(
        "no identity for the revert commits: set git config {key} in this repository (or {var})"
    ))
    .into()
}

/// The first value of `key` among `trailers`, for selecting by task.
pub fn first_value<'a>(trailers: &'a [trailers::Trailer], key: &str) -> Option<&'a str> {
    trailers::values(trailers, key).next()
}

/// `ids` (a set of commits, newest first as the walk lists them) in `git rev-list
/// --topo-order` order: no parent before all its children, and one line of history at a
/// time. git's algorithm: the commits no other commit of the set names as a parent are
/// stacked in input order, then a commit is shown when popped, and a parent is pushed
/// once its last child in the set is shown (the last parent pushed is shown first, so
/// after a merge the merged branch comes before the first parent's line).
pub fn topo_order(repo: &Repo, ids: &[ObjectId]) -> Result<Vec<ObjectId>> {
    use std::collections::HashMap;
    let index: HashMap<&ObjectId, usize> = ids.iter().enumerate().map(|(i, id)| (id, i)).collect();
    let mut parents: Vec<Vec<usize>> = Vec::with_capacity(ids.len());
    for id in ids {
        let facts = repo.commit_facts(id)?;
        parents.push(
            facts
                .parents
                .iter()
                .filter_map(|p| index.get(p).copied())
                .collect(),
        );
    }
    let mut children = vec![0usize; ids.len()];
    for list in &parents {
        for &p in list {
            children[p] += 1;
        }
    }
    let mut stack: Vec<usize> = (0..ids.len()).filter(|&i| children[i] == 0).collect();
    stack.reverse();
    let mut out = Vec::with_capacity(ids.len());
    while let Some(i) = stack.pop() {
        for &p in &parents[i] {
            children[p] -= 1;
            if children[p] == 0 {
                stack.push(p);
            }
        }
        out.push(ids[i].clone());
    }
    Ok(out)
}

/// The ids of `history` that are in `wanted`, in `history`'s order.
pub fn in_order(history: &[ObjectId], wanted: &HashSet<ObjectId>) -> Vec<ObjectId> {
    history
        .iter()
        .filter(|id| wanted.contains(*id))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";

    #[test]
    fn messages_are_gits() {
        let id = ObjectId::from_hex(A).expect("hex");
        assert_eq!(
            git_message("add x", &id, false),
            format!("Revert \"add x\"\n\nThis reverts commit {A}.\n")
        );
        assert_eq!(
            git_message("Revert \"add x\"", &id, false),
            format!("Reapply \"add x\"\n\nThis reverts commit {A}.\n")
        );
        assert_eq!(
            git_message("Revert \"Revert \"add x\"\"", &id, false),
            format!("Revert \"Revert \"Revert \"add x\"\"\"\n\nThis reverts commit {A}.\n")
        );
        assert_eq!(with_task("m\n", Some("T-1")), "m\n\nTask: T-1\n".to_owned());
        // The merge sentence still names the commit as report reads a revert's claim.
        assert_eq!(
            reverts::claimed(&git_message("m", &id, true)),
            vec![id.clone()]
        );
    }

    #[test]
    fn the_subject_is_the_first_line_after_blank_lines() {
        assert_eq!(git_subject("a\nb\n"), "a");
        assert_eq!(git_subject("\n\n  \nfirst  \nsecond"), "first  ");
        assert_eq!(git_subject(""), "");
        assert_eq!(git_subject("only"), "only");
    }
}
