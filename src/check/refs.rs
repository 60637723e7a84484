//! Ref rules: which refs an actor may create, update or delete (`ref-scope`), the
//! forbidden ref operations `force-push` and `ref-deletion`, and `ref-target` (a ref an
//! agent points at something that is not a commit).

use crate::model::RefUpdate;
use crate::rules::Policy;
use crate::violation::{RuleId, Violation};

/// Every violation of one ref update under one policy.
pub fn check(policy: &Policy, update: &RefUpdate) -> Vec<Violation> {
    let mut found = Vec::new();
    let name = &update.name;
    if let Some(pattern) = policy.refs.deny.first_match(name) {
        found.push(Violation::new(
            RuleId::RefScope,
            format!(
                "{name} matches deny pattern '{pattern}' of policy {}",
                policy.name
            ),
        ));
    } else if let Some(allow) = &policy.refs.allow
        && !allow.is_match(name)
    {
        found.push(Violation::new(
            RuleId::RefScope,
            format!(
                "{name} is outside the refs policy {} allows ({})",
                policy.name,
                allow.patterns.join(", ")
            ),
        ));
    }
    if policy.forbid.force_push && update.forced {
        found.push(Violation::new(
            RuleId::ForcePush,
            format!("{name} is force-pushed: the old tip is not an ancestor of the new one"),
        ));
    }
    if policy.forbid.ref_deletion && update.is_deletion() {
        found.push(Violation::new(
            RuleId::RefDeletion,
            format!(
                "{name} is deleted; policy {} forbids deleting refs",
                policy.name
            ),
        ));
    }
    found
}

/// The `ref-target` violation of an update whose new value is not a commit: a tag or branch
/// pointing at a tree or a blob carries content no path rule sees.
pub fn ref_target(update: &RefUpdate) -> Violation {
    let target = update.new.as_ref().map_or("nothing", |id| id.short());
    Violation::new(
        RuleId::RefTarget,
        format!(
            "{} would point at {target}, which is not a commit (after peeling tags); agents may only point refs at commits",
            update.name
        ),
    )
}
