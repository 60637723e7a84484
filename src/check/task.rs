//! Task rules: the commit names its task in a trailer, the ID has the required form, is
//! granted in the registry, is still open, and is granted to this agent. (A task's `paths`
//! are checked with the other path rules, in `super::paths`.)

use time::OffsetDateTime;

use crate::rules::{Policy, Rules, TaskRule};
use crate::trailers::{self, Trailer};
use crate::violation::{RuleId, Violation};

/// The trailer key read for the task when a policy has no task rule (for reports only).
pub const DEFAULT_TASK_TRAILER: &str = "Task";

/// The task a commit names, and what is wrong with it.
#[derive(Debug, Clone, Default)]
pub struct TaskJudgement {
    /// The task ID (the first value of the task trailer), if the commit names one.
    pub task: Option<String>,
    /// Task violations.
    pub violations: Vec<Violation>,
}

/// Judges the task trailer of a commit owned by `agent` (`None`: no agent) under `policy`.
pub fn check(
    rules: &Rules,
    policy: &Policy,
    agent: Option<&str>,
    trailers: &[Trailer],
    now: OffsetDateTime,
) -> TaskJudgement {
    let Some(rule) = &policy.task else {
        let task = trailers::values(trailers, DEFAULT_TASK_TRAILER)
            .next()
            .map(str::to_owned);
        return TaskJudgement {
            task,
            violations: Vec::new(),
        };
    };
    let mut ids: Vec<&str> = trailers::values(trailers, &rule.trailer).collect();
    let task = ids.first().map(|s| (*s).to_owned());
    ids.dedup();
    let violations = match ids.as_slice() {
        [] => vec![Violation::new(
            RuleId::TaskMissing,
            format!("no \"{}:\" trailer names the task", rule.trailer),
        )],
        [id] => check_id(rules, rule, agent, id, now),
        many => {
            let mut distinct = many.to_vec();
            distinct.sort_unstable();
            distinct.dedup();
            if distinct.len() == 1 {
                check_id(rules, rule, agent, distinct[0], now)
            } else {
                vec![Violation::new(
                    RuleId::TaskMalformed,
                    format!(
                        "the commit names {} different tasks ({}); name exactly one",
                        distinct.len(),
                        distinct.join(", ")
                    ),
                )]
            }
        }
    };
    TaskJudgement { task, violations }
}

fn check_id(
    rules: &Rules,
    rule: &TaskRule,
    agent: Option<&str>,
    id: &str,
    now: OffsetDateTime,
) -> Vec<Violation> {
    if id.is_empty() {
        return vec![Violation::new(
            RuleId::TaskMalformed,
            format!("the \"{}:\" trailer is empty", rule.trailer),
        )];
    }
    if let Some(pattern) = &rule.pattern
        && !pattern.is_match(id)
    {
        return vec![Violation::new(
            RuleId::TaskMalformed,
            format!(
                "task \"{id}\" does not match the pattern '{}'",
                pattern.as_str()
            ),
        )];
    }
    let Some(grant) = rules.tasks.get(id) else {
        if rule.registry {
            return vec![Violation::new(
                RuleId::TaskUnknown,
                format!("task {id} is not granted in the rules' task registry"),
            )];
        }
        return Vec::new();
    };
    let mut found = Vec::new();
    if let Some(expires) = grant.expires
        && now > expires
    {
        let when = expires
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| expires.to_string());
        found.push(Violation::new(
            RuleId::TaskExpired,
            format!("task {id}'s grant expired at {when}"),
        ));
    }
    if let (Some(agent), Some(allowed)) = (agent, &grant.agents)
        && !allowed.iter().any(|a| a == agent)
    {
        found.push(Violation::new(
            RuleId::TaskAgent,
            format!(
                "task {id} is granted to {}, not to agent {agent}",
                allowed.join(", ")
            ),
        ));
    }
    found
}
