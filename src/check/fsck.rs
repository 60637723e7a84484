//! `bad-path`: tree entries git's fsck refuses, and paths no rule can judge.
//!
//! The git layer finds them ([`crate::model::CommitChanges::bad_paths`]): an entry named
//! `.`, `..` or `.git` in any spelling NTFS or HFS+ opens as `.git` (`.GIT`, `git~1`,
//! `.git.`, `.g\u{200c}it`), an empty name, a name with `/` or NUL, unsorted or duplicate
//! entries. `receive.fsckObjects` is off by default, so without this check such a tree
//! reaches the repository and passes every path rule (an entry `..` is no path any glob
//! names). Those are `bad-path` for every new commit, whoever owns it. A path that is only
//! not UTF-8 is harmless in an unchecked commit, and a `bad-path` in one a policy covers:
//! no glob can judge it faithfully.

use crate::model::BadPath;
use crate::violation::{RuleId, Violation};

/// The `bad-path` violations of one commit. `covered` is true when some policy judges the
/// commit (its paths must then be UTF-8 too).
pub fn check(bad_paths: &[BadPath], covered: bool) -> Vec<Violation> {
    bad_paths
        .iter()
        .filter(|bad| covered || !bad.non_utf8_only)
        .map(|bad| {
            let message = if bad.non_utf8_only {
                format!(
                    "{:?} is not UTF-8 ({}); no path rule can judge it",
                    bad.path, bad.problem
                )
            } else {
                format!(
                    "{:?}: {}; git fsck refuses this tree, and no path rule can judge it",
                    bad.path, bad.problem
                )
            };
            Violation::new(RuleId::BadPath, message).with_path(bad.path.as_str())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(path: &str, problem: &str, non_utf8_only: bool) -> BadPath {
        BadPath {
            path: path.into(),
            problem: problem.into(),
            non_utf8_only,
        }
    }

    #[test]
    fn fsck_errors_are_bad_paths_for_every_commit() {
        let found = [
            bad("a/..", "an entry named '..'", false),
            bad(".GIT/config", "an entry named '.git'", false),
        ];
        for covered in [false, true] {
            let v = check(&found, covered);
            assert_eq!(v.len(), 2);
            assert!(v.iter().all(|v| v.rule == RuleId::BadPath));
            assert_eq!(v[0].path.as_deref(), Some("a/.."));
            assert!(v[1].message.contains("'.git'"), "{}", v[1].message);
        }
    }

    #[test]
    fn a_non_utf8_path_is_bad_only_where_a_policy_covers_the_commit() {
        let found = [bad("caf\u{fffd}", "byte 3 is not UTF-8", true)];
        assert!(check(&found, false).is_empty());
        let v = check(&found, true);
        assert_eq!(v.len(), 1);
        assert!(v[0].message.contains("not UTF-8"), "{}", v[0].message);
    }

    #[test]
    fn messages_escape_control_characters() {
        let v = check(&[bad("a\nb", "a name with a newline", false)], true);
        assert!(!v[0].message.contains('\n'), "{}", v[0].message);
    }
}
