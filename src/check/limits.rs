//! Size limits: per commit (files, lines, added, deleted, bytes), per push (commits,
//! distinct files, lines, bytes) and per blob (`file_size`). Every limit is the largest
//! value allowed.
//!
//! `bytes` is what a reviewer must read ([`FileChange::bytes`]): the bytes of a text
//! file's added and deleted lines, a binary file's old and new size. It catches what line
//! counts miss: one NUL byte makes git call a 30,000-line file binary (zero lines), and a
//! file with CR-only line ends is one "line" to git.

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
    if let Some(v) = check_commit_bytes(commit.bytes, changes) {
        found.push(v);
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

/// A `commit-bytes` violation when the changes ask a reviewer to read more than `limit`
/// bytes (`None`: no limit).
pub fn check_commit_bytes(limit: Option<u64>, changes: &[FileChange]) -> Option<Violation> {
    let limit = limit?;
    let actual = bytes(changes);
    (actual > limit).then(|| {
        let biggest = changes
            .iter()
            .max_by_key(|c| c.bytes)
            .map(|c| format!("; the largest part is {} ({} bytes)", c.path(), c.bytes))
            .unwrap_or_default();
        Violation::new(
            RuleId::CommitBytes,
            format!(
                "the commit asks a reviewer to read {actual} bytes (added and deleted lines, \
                 binary files whole); the limit is {limit}{biggest}"
            ),
        )
        .with_limit(limit, actual)
    })
}

/// The bytes a reviewer must read in these changes.
pub fn bytes(changes: &[FileChange]) -> u64 {
    changes.iter().map(|c| c.bytes).fold(0, u64::saturating_add)
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
    /// Bytes a reviewer must read.
    pub bytes: u64,
}

impl<'a> PushTally<'a> {
    /// Adds one commit's outcome.
    pub fn add(&mut self, outcome: &'a CommitOutcome) {
        self.commits += 1;
        self.paths.extend(outcome.paths.iter().map(String::as_str));
        self.lines += outcome.lines;
        self.bytes = self.bytes.saturating_add(outcome.bytes);
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
        (
            RuleId::PushBytes,
            push.bytes,
            tally.bytes,
            "bytes for a reviewer to read",
        ),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FileMode, LineStats};
    use crate::rules::{CommitLimits, PushLimits};

    fn change(path: &str, lines: Option<u64>, bytes: u64) -> FileChange {
        FileChange {
            old_path: None,
            new_path: Some(path.into()),
            kind: ChangeKind::Added,
            old_mode: None,
            new_mode: Some(FileMode::FILE),
            lines: lines.map(|added| LineStats { added, deleted: 0 }),
            binary: lines.is_none(),
            new_size: Some(bytes),
            bytes,
        }
    }

    fn rules_of(v: &[Violation]) -> Vec<RuleId> {
        v.iter().map(|v| v.rule).collect()
    }

    #[test]
    fn commit_bytes_is_inclusive_and_sees_what_lines_miss() {
        let limits = Limits {
            commit: CommitLimits {
                lines: Some(1500),
                bytes: Some(1000),
                ..CommitLimits::default()
            },
            ..Limits::default()
        };
        // One NUL byte: git counts a 30,000-line file as binary with zero lines.
        let nul = change("data.py", None, 900_000);
        // CR-only line ends: 5,000 lines of code are one "line" to git.
        let cr_only = change("run.py", Some(1), 150_000);
        for disguised in [nul, cr_only] {
            let found = check_commit(&limits, std::slice::from_ref(&disguised));
            assert_eq!(rules_of(&found), [RuleId::CommitBytes], "{disguised:?}");
            assert_eq!(found[0].limit, Some(1000));
            assert!(
                found[0].message.contains(disguised.path()),
                "{}",
                found[0].message
            );
        }
        let at = [change("a", Some(10), 600), change("b", Some(10), 400)];
        assert!(check_commit(&limits, &at).is_empty());
        let over = [change("a", Some(10), 600), change("b", Some(10), 401)];
        let found = check_commit(&limits, &over);
        assert_eq!(rules_of(&found), [RuleId::CommitBytes]);
        assert_eq!(found[0].actual, Some(1001));
        assert!(check_commit_bytes(None, &over).is_none());
    }

    #[test]
    fn bytes_never_overflow() {
        let huge = [change("a", None, u64::MAX), change("b", None, 7)];
        assert_eq!(bytes(&huge), u64::MAX);
        assert!(check_commit_bytes(Some(u64::MAX - 1), &huge).is_some());
    }

    #[test]
    fn push_bytes_adds_up_an_agents_commits() {
        let limits = Limits {
            push: PushLimits {
                bytes: Some(100),
                ..PushLimits::default()
            },
            ..Limits::default()
        };
        let tally = PushTally {
            commits: 2,
            bytes: 100,
            ..PushTally::default()
        };
        assert!(check_push(&limits, &tally, Some("bot")).is_empty());
        let tally = PushTally {
            bytes: 101,
            ..tally
        };
        let found = check_push(&limits, &tally, Some("bot"));
        assert_eq!(rules_of(&found), [RuleId::PushBytes]);
        assert_eq!(
            found[0].message,
            "this push brings 101 bytes for a reviewer to read of agent bot; the limit is 100"
        );
    }
}
