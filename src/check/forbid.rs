//! Forbidden kinds of change: merges, binary files, symlinks, submodules, mode changes.
//! (`force-push` and `ref-deletion` are about refs: see `super::refs`.)

use crate::model::{ChangeKind, CommitFacts, FileChange};
use crate::rules::Policy;
use crate::violation::{RuleId, Violation};

/// Every forbidden-change violation of one commit.
pub fn check(policy: &Policy, facts: &CommitFacts, changes: &[FileChange]) -> Vec<Violation> {
    let forbid = &policy.forbid;
    let mut found = Vec::new();
    if forbid.merge && facts.is_merge() {
        found.push(Violation::new(
            RuleId::Merge,
            format!(
                "merge commit with {} parents; policy {} forbids merges",
                facts.parents.len(),
                policy.name
            ),
        ));
    }
    for change in changes {
        if change.kind == ChangeKind::Deleted {
            continue;
        }
        let path = change.path();
        let new_mode = change
            .new_mode
            .expect("a change that is no deletion has a new mode");
        let mut forbidden = |rule: RuleId, what: &str| {
            found.push(Violation::new(rule, format!("{path} {what}")).with_path(path));
        };
        if forbid.binary && change.binary && !new_mode.is_gitlink() {
            forbidden(RuleId::Binary, "is a binary file");
        }
        if forbid.symlink && new_mode.is_symlink() {
            forbidden(RuleId::Symlink, "is a symbolic link");
        }
        if forbid.submodule && new_mode.is_gitlink() {
            forbidden(RuleId::Submodule, "is a submodule");
        }
        if forbid.mode_change {
            let old_mode = change.old_mode.filter(|_| change.kind != ChangeKind::Added);
            match old_mode {
                None if new_mode.is_executable() => {
                    forbidden(RuleId::ModeChange, "is added as an executable file")
                }
                Some(old) if old != new_mode && change.kind != ChangeKind::TypeChanged => {
                    forbidden(
                        RuleId::ModeChange,
                        &format!("changes mode {:o} to {:o}", old.0, new_mode.0),
                    )
                }
                _ => {}
            }
        }
    }
    found
}
