//! Size limits: per commit (files, lines, added, deleted), per push (commits, distinct
//! files, lines) and per blob (`file_size`). Every limit is the largest value allowed.

use std::collections::BTreeSet;

use super::CommitOutcome;
use crate::model::{ChangeKind, FileChange, LineStats};
use crate::rules::Limits;
use crate::violation::{RuleId, Violation};

/// Commit-level and file-size violations of one commit's changes.
pub fn check_commit(limits: &Limits, changes: &[FileChange]) -> Vec<Violation> {
    let mut found = Vec::new();
    let LineStats { added, deleted } = LineStats::sum(changes);
    let commit = &limits.commit;
    let measures = [
        (
            RuleId::CommitFiles,
            commit.files,
            changes.len() as u64,
            "changes",
            "files",
        ),
        (
            RuleId::CommitLines,
            commit.lines,
            added + deleted,
            "changes",
            "lines",
        ),
        (RuleId::CommitAdded, commit.added, added, "adds", "lines"),
        (
            RuleId::CommitDeleted,
            commit.deleted,
            deleted,
            "deletes",
            "lines",
        ),
    ];
    for (rule, limit, actual, verb, unit) in measures {
        if let Some(limit) = limit.filter(|&l| actual > l) {
            found.push(
                Violation::new(
                    rule,
                    format!("the commit {verb} {actual} {unit}; the limit is {limit}"),
                )
                .with_limit(limit, actual),
            );
        }
    }
    if let Some(limit) = limits.file_size {
        for change in changes {
            if let Some(v) = check_file_size(limit, change) {
                found.push(v);
            }
        }
    }
    found
}

/// A `file-size` violation when the change writes a blob larger than `limit` bytes.
/// Deletions, submodules and pure renames (content already in the repository) write none.
pub fn check_file_size(limit: u64, change: &FileChange) -> Option<Violation> {
    if matches!(change.kind, ChangeKind::Deleted | ChangeKind::Renamed) {
        return None;
    }
    let size = change.new_size?;
    (size > limit).then(|| {
        Violation::new(
            RuleId::FileSize,
            format!("{} is {size} bytes; the limit is {limit}", change.path()),
        )
        .with_path(change.path())
        .with_limit(limit, size)
    })
}

/// What one agent's commits add up to in one push.
#[derive(Debug, Clone, Default)]
pub struct PushTally<'a> {
    /// New commits.
    pub commits: u64,
    /// Distinct paths.
    pub paths: BTreeSet<&'a str>,
    /// Lines added plus deleted.
    pub lines: u64,
}

impl<'a> PushTally<'a> {
    /// Adds one commit's outcome.
    pub fn add(&mut self, outcome: &'a CommitOutcome) {
        self.commits += 1;
        self.paths.extend(outcome.paths.iter().map(String::as_str));
        self.lines += outcome.lines;
    }
}

/// Push-level violations of one agent's tally.
pub fn check_push(limits: &Limits, tally: &PushTally<'_>, agent: Option<&str>) -> Vec<Violation> {
    let who = super::who(agent);
    let push = &limits.push;
    let measures = [
        (
            RuleId::PushCommits,
            push.commits,
            tally.commits,
            "new commits",
        ),
        (
            RuleId::PushFiles,
            push.files,
            tally.paths.len() as u64,
            "distinct files",
        ),
        (RuleId::PushLines, push.lines, tally.lines, "changed lines"),
    ];
    measures
        .into_iter()
        .filter_map(|(rule, limit, actual, what)| {
            let limit = limit.filter(|&l| actual > l)?;
            Some(
                Violation::new(
                    rule,
                    format!("this push brings {actual} {what} of {who}; the limit is {limit}"),
                )
                .with_limit(limit, actual),
            )
        })
        .collect()
}
