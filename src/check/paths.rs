//! Path rules: the rules file (always denied to agents), `deny`, `allow`, a task's
//! `paths`, and the two-person rule (`approve`). A change is seen by both of its paths, so
//! a rename must pass at each.
//!
//! `deny` and `approve` match every spelling a checkout maps onto the same file (case
//! folded fully, NFC and NFD alike, HFS+ ignorables and NTFS trailing dots and streams
//! dropped; see [`crate::rules::GlobCase::Folded`]), and `X/**` covers `X` itself. A
//! symbolic link or submodule at a directory a deny pattern reaches into (`.github` for
//! `.github/workflows/**`) is denied too: it decides what the pattern's paths hold in
//! every checkout. `allow` and task `paths` match exactly: they must never widen.

use std::sync::LazyLock;

use crate::model::FileChange;
use crate::rules::{Approval, GlobList, Policy, RULES_FILE_PATH, Task};
use crate::violation::{RuleId, Violation};

/// The rules file, matched deny-style (any spelling of it, and anything below it).
static RULES_FILE: LazyLock<GlobList> = LazyLock::new(|| {
    GlobList::literal_paths(&[RULES_FILE_PATH]).expect("the rules file's path is a valid glob")
});

/// What the path rules of one commit judge by.
#[derive(Debug, Clone, Copy)]
pub struct PathRules<'a> {
    /// The policy the commit answers to.
    pub policy: &'a Policy,
    /// True when an agent owns the commit: the rules file is then denied whatever the
    /// policy says, and `approve` applies.
    pub is_agent: bool,
    /// The task grant the commit names, if it names a granted task.
    pub grant: Option<&'a Task>,
    /// True when the push's pusher may land `approve` paths of this policy (see
    /// [`approved_by`]); always false in a local hook or a `check` without an approver.
    pub approved: bool,
    /// The repository files any rules layer names (its `signatures` files): denied to every
    /// agent like the rules file. `None` when no layer names one.
    pub protected: Option<&'a GlobList>,
}

/// Every path violation of one commit's changes.
pub fn check(rules: &PathRules<'_>, changes: &[FileChange]) -> Vec<Violation> {
    let mut found = Vec::new();
    for change in changes {
        let decides_below = [change.old_mode, change.new_mode]
            .into_iter()
            .flatten()
            .any(|m| m.is_symlink() || m.is_gitlink());
        for path in change.paths() {
            let v = check_path(rules, path)
                .or_else(|| decides_below.then(|| check_link(rules, path)).flatten());
            if let Some(v) = v {
                found.push(v.with_path(path));
            }
        }
    }
    found
}

/// The path rules on a merge's paths that are checked but not charged
/// ([`crate::model::CommitChanges::also_checked`]): every path whose entry equals that
/// path's entry in none of the parents. Paths that `changes` already touches were judged
/// by [`check`] and are skipped, so no violation is reported twice.
pub fn check_also_checked(
    rules: &PathRules<'_>,
    paths: &[String],
    changes: &[FileChange],
) -> Vec<Violation> {
    paths
        .iter()
        .filter(|path| {
            !changes
                .iter()
                .any(|c| c.paths().any(|p| p == path.as_str()))
        })
        .filter_map(|path| check_path(rules, path).map(|v| v.with_path(path.as_str())))
        .collect()
}

/// The one violation a single path earns, if any: the rules file, then deny, allow, task
/// scope and approval, in that order.
pub fn check_path(rules: &PathRules<'_>, path: &str) -> Option<Violation> {
    let policy = rules.policy;
    if rules.is_agent && RULES_FILE.is_match(path) {
        return Some(Violation::new(
            RuleId::PathDenied,
            format!("{path} is the rules file ({RULES_FILE_PATH}); no agent may change it"),
        ));
    }
    if rules.is_agent
        && let Some(protected) = rules.protected
        && protected.is_match(path)
    {
        return Some(Violation::new(
            RuleId::PathDenied,
            format!("{path} is a file the rules name (who may sign); no agent may change it"),
        ));
    }
    if let Some(pattern) = policy.paths.deny.first_match(path) {
        return Some(Violation::new(
            RuleId::PathDenied,
            format!(
                "{path} matches deny pattern '{pattern}' of policy {}",
                policy.name
            ),
        ));
    }
    if let Some(allow) = &policy.paths.allow
        && !allow.is_match(path)
    {
        return Some(Violation::new(
            RuleId::PathScope,
            format!(
                "{path} is outside the paths policy {} allows ({})",
                policy.name,
                allow.patterns.join(", ")
            ),
        ));
    }
    let task_paths = rules.grant.and_then(|g| g.paths.as_ref().map(|p| (g, p)));
    if let Some((grant, paths)) = task_paths
        && !paths.is_match(path)
    {
        return Some(Violation::new(
            RuleId::TaskScope,
            format!(
                "{path} is outside task {}'s paths ({})",
                grant.id,
                paths.patterns.join(", ")
            ),
        ));
    }
    if let Some(approval) = &policy.approval
        && rules.is_agent
        && !rules.approved
        && let Some(pattern) = approval.paths.first_match(path)
    {
        return Some(approval_required(policy, approval, path, pattern));
    }
    None
}

/// A symbolic link or submodule at `path`: denied where a deny pattern reaches through
/// it, and approval-required where an `approve` pattern does.
fn check_link(rules: &PathRules<'_>, path: &str) -> Option<Violation> {
    let policy = rules.policy;
    if let Some(pattern) = policy.paths.deny.first_reach(path) {
        return Some(Violation::new(
            RuleId::PathDenied,
            format!(
                "{path} is a symbolic link or submodule where deny pattern '{pattern}' of \
                 policy {} reaches: it decides what the denied paths below it hold",
                policy.name
            ),
        ));
    }
    if let Some(approval) = &policy.approval
        && rules.is_agent
        && !rules.approved
        && let Some(pattern) = approval.paths.first_reach(path)
    {
        return Some(approval_required(policy, approval, path, pattern));
    }
    None
}

fn approval_required(policy: &Policy, approval: &Approval, path: &str, pattern: &str) -> Violation {
    Violation::new(
        RuleId::ApprovalRequired,
        format!(
            "{path} matches approve pattern '{pattern}' of policy {}: an agent's change here \
             lands only in a push by one of {}",
            policy.name,
            approval.approvers.join(", ")
        ),
    )
}

/// Whether a push may land `approval`'s paths: some pusher is known, every named pusher
/// is listed in `approvers` (names compare case-insensitively), and none of them is an
/// agent (`any_pusher_is_agent`: the caller asks every layer's `pusher` matches). With no
/// `approve` in the policy there is nothing to approve, and the answer is `true`.
pub fn approved_by(
    approval: Option<&Approval>,
    pushers: &[&str],
    any_pusher_is_agent: bool,
) -> bool {
    let Some(approval) = approval else {
        return true;
    };
    !pushers.is_empty() && !any_pusher_is_agent && pushers.iter().all(|p| approval.lists(p))
}

#[cfg(test)]
mod tests;
