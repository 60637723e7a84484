//! Forbidden kinds of change: merges, binary files, symlinks, submodules, mode changes.
//! (`force-push` and `ref-deletion` are about refs: see `super::refs`.)
//!
//! A type change counts as a mode change when it produces an executable file: a symbolic
//! link or submodule replaced by an executable is as new a program as an added one.

use crate::model::{ChangeKind, CommitFacts, FileChange, FileMode};
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
        if forbid.mode_change
            && let Some(what) = mode_change(change.kind, change.old_mode, new_mode)
        {
            forbidden(RuleId::ModeChange, &what);
        }
    }
    found
}

/// What makes a change a `mode-change`, in words, or `None`: a new executable file, an
/// existing file's mode changed, or a link or submodule turned into an executable file.
/// (A type change to a link or submodule is the `symlink` or `submodule` rule's.)
fn mode_change(kind: ChangeKind, old: Option<FileMode>, new: FileMode) -> Option<String> {
    let old = old.filter(|_| kind != ChangeKind::Added);
    match old {
        None => new
            .is_executable()
            .then(|| "is added as an executable file".to_owned()),
        Some(old) if kind == ChangeKind::TypeChanged => new.is_executable().then(|| {
            let was = if old.is_symlink() {
                "a symbolic link"
            } else if old.is_gitlink() {
                "a submodule"
            } else {
                "another type"
            };
            format!("is made an executable file (was {was}, mode {:o})", old.0)
        }),
        Some(old) if old != new => Some(format!("changes mode {:o} to {:o}", old.0, new.0)),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXE: FileMode = FileMode::EXECUTABLE;

    #[test]
    fn type_changes_to_an_executable_are_mode_changes() {
        let to_exe = |old| mode_change(ChangeKind::TypeChanged, Some(old), EXE);
        let link = to_exe(FileMode::SYMLINK).expect("symlink -> executable");
        assert!(link.contains("was a symbolic link"), "{link}");
        let sub = to_exe(FileMode::GITLINK).expect("submodule -> executable");
        assert!(sub.contains("was a submodule"), "{sub}");
        // Odd stored modes are judged as git checks them out.
        assert!(
            mode_change(
                ChangeKind::TypeChanged,
                Some(FileMode::SYMLINK),
                FileMode(0o100775)
            )
            .is_some()
        );
        // A link replaced by a plain file, or a file by a link, is no mode change.
        assert_eq!(
            mode_change(
                ChangeKind::TypeChanged,
                Some(FileMode::SYMLINK),
                FileMode::FILE
            ),
            None
        );
        assert_eq!(
            mode_change(ChangeKind::TypeChanged, Some(EXE), FileMode::SYMLINK),
            None
        );
    }

    #[test]
    fn additions_and_modifications() {
        assert!(mode_change(ChangeKind::Added, None, EXE).is_some());
        assert_eq!(mode_change(ChangeKind::Added, None, FileMode::FILE), None);
        assert!(mode_change(ChangeKind::Modified, Some(FileMode::FILE), EXE).is_some());
        assert!(mode_change(ChangeKind::Modified, Some(EXE), FileMode::FILE).is_some());
        assert_eq!(mode_change(ChangeKind::Modified, Some(EXE), EXE), None);
        assert!(mode_change(ChangeKind::Renamed, Some(FileMode::FILE), EXE).is_some());
    }
}
