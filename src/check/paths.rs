//! Path rules: the rules file (always denied to agents), `deny`, `allow`, and a task's
//! `paths`. A change is seen by both of its paths, so a rename must pass at each.

use crate::model::FileChange;
use crate::rules::{Policy, RULES_FILE_PATH, Task};
use crate::violation::{RuleId, Violation};

/// Every path violation of one commit's changes. `is_agent` is true when an agent owns the
/// commit (the rules file is then denied whatever the policy says).
pub fn check(
    policy: &Policy,
    is_agent: bool,
    grant: Option<&Task>,
    changes: &[FileChange],
) -> Vec<Violation> {
    let mut found = Vec::new();
    for change in changes {
        for path in change.paths() {
            if let Some(v) = check_path(policy, is_agent, grant, path) {
                found.push(v.with_path(path));
            }
        }
    }
    found
}

/// The one violation a single path earns, if any: deny beats allow, allow beats task scope.
pub fn check_path(
    policy: &Policy,
    is_agent: bool,
    grant: Option<&Task>,
    path: &str,
) -> Option<Violation> {
    if is_agent && path.eq_ignore_ascii_case(RULES_FILE_PATH) {
        return Some(Violation::new(
            RuleId::PathDenied,
            format!("{path} is the rules file; no agent may change it"),
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
    let task_paths = grant.and_then(|g| g.paths.as_ref().map(|p| (g, p)));
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
    None
}
