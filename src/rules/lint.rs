//! Warnings about a valid rules file: rules that load but may not bind as their author
//! expects. A warning never makes a file invalid (`rules check` still exits 0).

use super::keypath::KeyPath;
use super::model::Rules;

/// A warning not yet located: its key path and message.
pub(crate) type Warning = (KeyPath, String);

/// Every warning about `rules`, in policy order.
pub(crate) fn warnings(rules: &Rules) -> Vec<Warning> {
    let mut found = Vec::new();
    for (i, policy) in rules.policies.iter().enumerate() {
        let restricts_refs = policy.refs.allow.is_some() || !policy.refs.deny.is_empty();
        let users: Vec<&str> = rules
            .agents
            .iter()
            .filter(|a| a.policy.0 == i)
            .map(|a| a.name.as_str())
            .collect();
        let pushed = rules
            .agents
            .iter()
            .any(|a| a.policy.0 == i && !a.matcher.pusher.is_empty());
        if restricts_refs && !users.is_empty() && !pushed {
            found.push((
                KeyPath::root()
                    .key("policies")
                    .key(&policy.name)
                    .key("refs"),
                format!(
                    "restricts refs, but no agent that uses it ({}) has a `pusher` match: an \
                     agent known only by its commits' markers is held to these ref rules \
                     only through its own commits that a push brings onto a ref, while a \
                     push from its account is judged as that pusher's (default_policy); \
                     name the account it pushes with in `match: {{pusher: [...]}}`",
                    users.join(", ")
                ),
            ));
        }
    }
    found
}
