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
    /// Reverse-applying it to `--onto` changes nothing.
    AlreadyReverted,
    /// A merge equal to git's automatic merge of its parents: nothing to revert.
    CleanMerge,
    /// It reverts a selected commit that is skipped as already reverted: reverting it
    /// would bring that commit back.
    RevertOfSkipped(ObjectId),
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
pub fn plan(
    repo: &Repo,
    onto: &ObjectId,
    selected: &[ObjectId],
    history: &[ObjectId],
    task: Option<&str>,
) -> Result<Plan> {
    let onto_tree = repo.commit_tree(onto)?;
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
        let on_onto = repo.revert_tree(&onto_tree, id)?;
        let step = if tree == onto_tree {
            on_onto.clone()
        } else {
            repo.revert_tree(&tree, id)?
        };
        match (on_onto, step) {
            (_, RevertTree::CleanMerge) => {
                planned.status = Status::Skipped(SkipReason::CleanMerge);
            }
            (RevertTree::Clean(same), _) if same == onto_tree => {
                planned.status = Status::Skipped(SkipReason::AlreadyReverted);
            }
            (_, RevertTree::Clean(next)) => {
                if next == tree {
                    // Undone by the newer reverts already: nothing of its own to revert.
                    planned.status = Status::Skipped(SkipReason::AlreadyReverted);
                } else {
                    tree = next.clone();
                    trees.push(next);
                }
            }
            (_, RevertTree::Conflict(paths)) => {
                planned.status = Status::Conflict;
                planned.paths = paths;
            }
        }
        commits.push(planned);
    }
    mark_reverts_of_skipped(repo, history, &mut commits)?;
    // A revert of a skipped commit is itself skipped; its tree must then not count, so
    // the trees are rebuilt when that happened.
    if commits
        .iter()
        .any(|c| matches!(c.status, Status::Skipped(SkipReason::RevertOfSkipped(_))))
    {
        tree = onto_tree.clone();
        trees.clear();
        for planned in commits.iter_mut() {
            if !matches!(planned.status, Status::Clean | Status::Conflict) {
                continue;
            }
            match repo.revert_tree(&tree, &planned.commit)? {
                RevertTree::Clean(next) => {
                    planned.status = Status::Clean;
                    planned.paths.clear();
                    tree = next.clone();
                    trees.push(next);
                }
                RevertTree::Conflict(paths) => {
                    planned.status = Status::Conflict;
                    planned.paths = paths;
                }
                RevertTree::CleanMerge => {
                    planned.status = Status::Skipped(SkipReason::CleanMerge);
                }
            }
        }
    }
    for planned in commits.iter_mut() {
        if planned.status == Status::Conflict {
            planned.later = later_touching(repo, history, &planned.commit, &planned.paths)?;
        }
    }
    Ok(Plan {
        onto: onto.clone(),
        commits,
        trees,
    })
}

/// Names, for each commit skipped as already reverted, the commit that reverted it (as
/// `report` finds reverts among `history`), and skips a selected commit that is that
/// revert: reverting it would bring the reverted commit back.
fn mark_reverts_of_skipped(
    repo: &Repo,
    history: &[ObjectId],
    commits: &mut [Planned],
) -> Result<()> {
    if !commits
        .iter()
        .any(|c| c.status == Status::Skipped(SkipReason::AlreadyReverted))
    {
        return Ok(());
    }
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
        });
    }
    let found = reverts::find(repo, &measured)?;
    let mut revert_of: Vec<(ObjectId, ObjectId)> = Vec::new();
    for planned in commits.iter_mut() {
        if planned.status != Status::Skipped(SkipReason::AlreadyReverted) {
            continue;
        }
        if let Some(r) = found.iter().find(|r| r.commit == planned.commit) {
            planned.reverted_by = Some(r.reverted_by.clone());
            revert_of.push((r.reverted_by.clone(), planned.commit.clone()));
        }
    }
    for planned in commits.iter_mut() {
        if let Some((_, of)) = revert_of.iter().find(|(r, _)| *r == planned.commit)
            && matches!(planned.status, Status::Clean | Status::Conflict)
        {
            planned.status = Status::Skipped(SkipReason::RevertOfSkipped(of.clone()));
            planned.paths.clear();
        }
    }
    Ok(())
}

/// The commits of `history` newer than `commit` (its descendants on the way to `--onto`)
/// that change one of `paths`, compared with their first parent, newest first.
fn later_touching(
    repo: &Repo,
    history: &[ObjectId],
    commit: &ObjectId,
    paths: &[String],
) -> Result<Vec<ObjectId>> {
    let mut out = Vec::new();
    for id in history {
        if id == commit {
            break;
        }
        if !repo.is_ancestor(commit, id)? {
            continue;
        }
        let facts = repo.commit_facts(id)?;
        let before = match facts.parents.first() {
            Some(parent) => Snapshot::Commit(parent),
            None => Snapshot::Empty,
        };
        if repo.entries_at(before, paths)? != repo.entries_at(Snapshot::Commit(id), paths)? {
            out.push(id.clone());
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
