//! The judge: every commit and every ref update held against its owner's policy.
//!
//! The engine does no I/O. The caller reads git (commit facts, changes, ref updates) and
//! hands plain values in; the engine returns every violation, in a deterministic order:
//! ref updates in input order, then commits in input order (each commit's violations in
//! the order of the checks below), then push-wide limits by agent.
//!
//! One concern per file: [`paths`] (path scope, deny, the rules file, task scope),
//! [`limits`] (commit, push and file-size limits), [`task`] (task trailer and grants),
//! [`forbid`] (merges, binaries, symlinks, submodules, modes), [`refs`] (ref scope, force
//! push, deletion).

pub mod forbid;
pub mod limits;
pub mod paths;
pub mod refs;
pub mod task;

use std::collections::{BTreeMap, BTreeSet};

use time::OffsetDateTime;

use crate::attribution::{self, Actor, Marker};
use crate::model::{CommitChanges, CommitFacts, FileChange, ObjectId, RefUpdate};
use crate::rules::{Enforcement, Policy, PolicyId, Rules};
use crate::trailers::Trailer;
use crate::violation::{Severity, Violation};

/// The engine: rules, the actor, the time of the check and the audit switch.
#[derive(Debug)]
pub struct Engine<'r> {
    rules: &'r Rules,
    actor: Actor,
    now: OffsetDateTime,
    audit: bool,
    signature_windows_at_now: bool,
}

/// Who owns a commit, under which policy (before its changes are read).
#[derive(Debug, Clone)]
pub struct Attribution {
    /// The owning agent's name, if an agent owns it.
    pub agent: Option<String>,
    /// The marker that made it the agent's.
    pub marker: Option<Marker>,
    /// The policy that applies: the agent's, or `default_policy`; `None` means unchecked.
    pub policy: Option<PolicyId>,
}

/// What the engine concluded about one commit.
#[derive(Debug, Clone)]
pub struct CommitOutcome {
    /// The commit.
    pub commit: ObjectId,
    /// Its owner and policy.
    pub attribution: Attribution,
    /// The task it names (first value of the policy's task trailer), if any.
    pub task: Option<String>,
    /// Its violations.
    pub violations: Vec<Violation>,
    /// Paths it changed (both sides of renames), for push-wide `files`; empty when its
    /// policy has no `push.files` limit.
    pub paths: BTreeSet<String>,
    /// Lines it changed, for push-wide `lines`.
    pub lines: u64,
}

/// The result of a whole run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every violation, in order.
    pub violations: Vec<Violation>,
    /// Commits examined, owned by an agent or not.
    pub commits: usize,
    /// Ref updates examined.
    pub refs: usize,
}

impl Report {
    /// True when some violation is an error: the push, commit or check is rejected.
    pub fn rejected(&self) -> bool {
        self.violations
            .iter()
            .any(|v| v.severity == Severity::Error)
    }

    /// Number of violations with this severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.violations
            .iter()
            .filter(|v| v.severity == severity)
            .count()
    }
}

impl<'r> Engine<'r> {
    /// An engine for one run. `now` is the time task expiry is judged at.
    pub fn new(rules: &'r Rules, actor: Actor, now: OffsetDateTime, audit: bool) -> Self {
        Engine {
            rules,
            actor,
            now,
            audit,
            signature_windows_at_now: true,
        }
    }

    /// Judges SSH signers' validity windows at the commit's committer time only, as
    /// `git verify-commit` does (`explain`, `report`), instead of also at the time of the
    /// check as the gates do (the default).
    pub fn signature_windows_as_git(mut self) -> Self {
        self.signature_windows_at_now = false;
        self
    }

    /// When commit signatures are judged.
    pub fn signature_time(&self) -> crate::signature::VerifyTime {
        crate::signature::VerifyTime {
            now: self.now.unix_timestamp(),
            ssh_windows_at_now: self.signature_windows_at_now,
        }
    }

    /// The rules in force.
    pub fn rules(&self) -> &'r Rules {
        self.rules
    }

    /// Who owns this commit and which policy applies.
    pub fn attribute(&self, facts: &CommitFacts, trailers: &[Trailer]) -> Attribution {
        match attribution::owner(self.rules, facts, trailers, &self.actor) {
            Some(owner) => Attribution {
                agent: Some(owner.agent.name.clone()),
                marker: Some(owner.marker),
                policy: Some(owner.agent.policy),
            },
            None => Attribution {
                agent: None,
                marker: None,
                policy: self.rules.default_policy,
            },
        }
    }

    /// Judges one commit with its changes (for a merge: the paths that differ from every
    /// parent). A commit whose attribution has no policy is unchecked.
    pub fn check_commit(
        &self,
        facts: &CommitFacts,
        trailers: &[Trailer],
        attribution: Attribution,
        changes: &CommitChanges,
    ) -> CommitOutcome {
        let changes = &changes.files[..];
        let mut outcome = CommitOutcome {
            commit: facts.id.clone(),
            attribution,
            task: None,
            violations: Vec::new(),
            paths: BTreeSet::new(),
            lines: 0,
        };
        let Some(policy_id) = outcome.attribution.policy else {
            return outcome;
        };
        let policy = self.rules.policy(policy_id);
        let agent = outcome.attribution.agent.as_deref();

        let judged = task::check(self.rules, policy, agent, trailers, self.now);
        let grant = judged
            .task
            .as_deref()
            .and_then(|id| self.rules.tasks.get(id));
        let mut found = judged.violations;
        found.extend(paths::check(policy, agent.is_some(), grant, changes));
        found.extend(forbid::check(policy, facts, changes));
        found.extend(limits::check_commit(&policy.limits, changes));

        if policy.limits.push.files.is_some() {
            outcome.paths = changes
                .iter()
                .flat_map(|c| c.paths().map(str::to_owned))
                .collect();
        }
        outcome.lines = changes.iter().map(FileChange::line_total).sum();
        outcome.task = judged.task;
        outcome.violations = found
            .into_iter()
            .map(|v| self.stamp(v, policy, Some(&facts.id), agent, outcome.task.as_deref()))
            .collect();
        outcome
    }

    /// Judges ref updates: the pusher's policy, and the policy of every agent owning a new
    /// commit of the update, bind each ref.
    pub fn check_refs(&self, updates: &[RefUpdate], outcomes: &[CommitOutcome]) -> Vec<Violation> {
        let by_commit: BTreeMap<&ObjectId, &CommitOutcome> =
            outcomes.iter().map(|o| (&o.commit, o)).collect();
        let pusher = attribution::acting_agent(self.rules, &self.actor);
        let mut found = Vec::new();
        for update in updates {
            // (policy, agent name) pairs bound to this update, deduplicated, in order.
            let mut bound: Vec<(PolicyId, Option<String>)> = Vec::new();
            match &pusher {
                Some(owner) => bound.push((owner.agent.policy, Some(owner.agent.name.clone()))),
                None if self.actor.pushing => {
                    bound.extend(self.rules.default_policy.map(|p| (p, None)))
                }
                None => {}
            }
            for id in &update.new_commits {
                let Some(outcome) = by_commit.get(id) else {
                    continue;
                };
                if let (Some(policy), Some(agent)) =
                    (outcome.attribution.policy, &outcome.attribution.agent)
                {
                    bound.push((policy, Some(agent.clone())));
                }
            }
            let mut seen = BTreeSet::new();
            bound.retain(|b| seen.insert(b.clone()));
            for (policy_id, agent) in bound {
                let policy = self.rules.policy(policy_id);
                for v in refs::check(policy, update) {
                    let mut v = self.stamp(v, policy, None, agent.as_deref(), None);
                    v.ref_name = Some(update.name.clone());
                    found.push(v);
                }
            }
        }
        found
    }

    /// Push-wide limits, per agent over all its new commits of the run.
    pub fn check_push(&self, outcomes: &[CommitOutcome]) -> Vec<Violation> {
        let mut tallies: BTreeMap<(Option<&str>, PolicyId), limits::PushTally> = BTreeMap::new();
        for outcome in outcomes {
            let Some(policy) = outcome.attribution.policy else {
                continue;
            };
            let key = (outcome.attribution.agent.as_deref(), policy);
            tallies.entry(key).or_default().add(outcome);
        }
        let mut found = Vec::new();
        for ((agent, policy_id), tally) in tallies {
            let policy = self.rules.policy(policy_id);
            for v in limits::check_push(&policy.limits, &tally, agent) {
                found.push(self.stamp(v, policy, None, agent, None));
            }
        }
        found
    }

    /// Assembles the report of a run: ref violations, commit violations, push violations.
    pub fn report(&self, updates: &[RefUpdate], outcomes: &[CommitOutcome]) -> Report {
        let mut violations = self.check_refs(updates, outcomes);
        violations.extend(outcomes.iter().flat_map(|o| o.violations.iter().cloned()));
        violations.extend(self.check_push(outcomes));
        Report {
            violations,
            commits: outcomes.len(),
            refs: updates.len(),
        }
    }

    /// Fills in what every violation of a policy carries: severity, commit, agent, task.
    fn stamp(
        &self,
        mut v: Violation,
        policy: &Policy,
        commit: Option<&ObjectId>,
        agent: Option<&str>,
        task: Option<&str>,
    ) -> Violation {
        v.severity = if self.audit || policy.enforcement == Enforcement::Warn {
            Severity::Warning
        } else {
            Severity::Error
        };
        v.commit = v.commit.or_else(|| commit.cloned());
        v.agent = v.agent.or_else(|| agent.map(str::to_owned));
        v.task = v.task.or_else(|| task.map(str::to_owned));
        v
    }
}

/// Describes an actor for messages: `agent claude-code` or `humans`.
pub(crate) fn who(agent: Option<&str>) -> String {
    match agent {
        Some(name) => format!("agent {name}"),
        None => "a commit no agent owns".to_owned(),
    }
}

#[cfg(test)]
mod tests;
