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
pub mod fsck;
pub mod limits;
pub mod paths;
pub mod refs;
pub mod task;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use time::OffsetDateTime;

use crate::attribution::{self, Actor, Marker};
use crate::model::{CommitChanges, CommitFacts, FileChange, ObjectId, RefUpdate};
use crate::rules::{Enforcement, GlobList, Policy, PolicyId, Rules};

/// A policy bound to a ref update: the policy, the agent it binds for, and whether it is an
/// agent policy.
type Binding = (PolicyId, Option<String>, bool);
use crate::signature::SignatureCheck;
use crate::trailers::Trailer;
use crate::violation::{RuleId, Severity, Violation};

/// The engine: rules, the actor, the time of the check and the audit switch.
#[derive(Debug)]
pub struct Engine<'r> {
    rules: &'r Rules,
    actor: Actor,
    now: OffsetDateTime,
    audit: bool,
    signature_windows_at_now: bool,
    protected: Option<GlobList>,
}

/// One agent owning a commit, with the policy it answers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// The agent's name.
    pub agent: String,
    /// The marker that made it an owner.
    pub marker: Marker,
    /// Its policy.
    pub policy: PolicyId,
}

/// How a commit is judged when no agent owns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unowned {
    /// A good signature by a `signatures.humans` principal: `default_policy`.
    HumanSigned,
    /// Neither an agent's nor signed by a human, under `signatures.unverified_policy`: an
    /// agent policy (the rules files are denied to it, its `refs` bind).
    Unverified,
    /// `default_policy`, or unchecked when there is none.
    Default,
}

/// Who owns a commit and which policies it must pass (before its changes are read).
#[derive(Debug, Clone)]
pub struct Attribution {
    /// The agents owning it, in the contract's order (pusher, signer, markers); the first
    /// is the commit's owner in reports. Empty when no agent owns it.
    pub owners: Vec<Owner>,
    /// When `owners` is empty: how it is judged.
    pub unowned: Unowned,
    /// When `owners` is empty: the policy it is judged by; `None` means unchecked.
    pub fallback: Option<PolicyId>,
    /// True when it carries a good signature by a key the signers files list
    /// (`forbid: [unsigned]`).
    pub signed: bool,
}

/// One policy a commit must pass, and for whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyCheck<'a> {
    /// The policy.
    pub policy: PolicyId,
    /// The agent it is checked for (`None`: a commit no agent owns).
    pub agent: Option<&'a str>,
    /// True for agent policies (owners' and `unverified_policy`): the rules file and the
    /// files the rules name are denied to them whatever they say, and their `refs` bind.
    pub agent_like: bool,
}

impl Attribution {
    /// The commit's owner in reports: its first owning agent.
    pub fn agent(&self) -> Option<&str> {
        self.owners.first().map(|o| o.agent.as_str())
    }

    /// The marker that made the first owner the owner.
    pub fn marker(&self) -> Option<&Marker> {
        self.owners.first().map(|o| &o.marker)
    }

    /// The policy reports name: the first owner's, else the fallback.
    pub fn policy(&self) -> Option<PolicyId> {
        self.owners.first().map(|o| o.policy).or(self.fallback)
    }

    /// True when some policy covers the commit (it is checked, not merely counted).
    pub fn is_covered(&self) -> bool {
        self.policy().is_some()
    }

    /// Every policy the commit must pass, each once (the first owner naming a policy is
    /// the agent it is checked for).
    pub fn checks(&self) -> Vec<PolicyCheck<'_>> {
        let mut checks: Vec<PolicyCheck<'_>> = Vec::new();
        for owner in &self.owners {
            if !checks.iter().any(|c| c.policy == owner.policy) {
                checks.push(PolicyCheck {
                    policy: owner.policy,
                    agent: Some(&owner.agent),
                    agent_like: true,
                });
            }
        }
        if self.owners.is_empty()
            && let Some(policy) = self.fallback
        {
            checks.push(PolicyCheck {
                policy,
                agent: None,
                agent_like: self.unowned == Unowned::Unverified,
            });
        }
        checks
    }
}

/// What the engine concluded about one commit.
#[derive(Debug, Clone)]
pub struct CommitOutcome {
    /// The commit.
    pub commit: ObjectId,
    /// Its owners and policies.
    pub attribution: Attribution,
    /// The task it names (first value of the first policy's task trailer), if any.
    pub task: Option<String>,
    /// Its violations.
    pub violations: Vec<Violation>,
    /// Paths it changed (both sides of renames), for push-wide `files`; empty when no
    /// policy of it has a `push.files` limit.
    pub paths: BTreeSet<String>,
    /// Lines it changed, for push-wide `lines`.
    pub lines: u64,
    /// Bytes a reviewer must read, for push-wide `bytes`.
    pub bytes: u64,
}

/// A ref update's commit that the engine was given no attribution for: the caller must
/// attribute every commit an update brings, so nothing is skipped.
#[derive(Debug, thiserror::Error)]
#[error("internal error: commit {commit} brought onto {ref_name} was not attributed")]
pub struct Unattributed {
    /// The commit.
    pub commit: ObjectId,
    /// The ref.
    pub ref_name: String,
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
    /// Commits per owner, in order of first appearance (an agent's name, `humans`,
    /// `unverified` or `unchecked`), for the summary line.
    pub owners: Vec<(String, usize)>,
    /// Where the rules in force came from, for the summary line.
    pub rules: String,
    /// Each judged commit's owners per rules layer (for the decision log: history does not
    /// record who pushed).
    pub commit_owners: Vec<CommitOwners>,
}

/// One judged commit's owners, per rules layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitOwners {
    /// The commit.
    pub commit: ObjectId,
    /// Per layer (`None` when only one is in force): its agents' names, else `humans`,
    /// `unverified` or `unchecked`.
    pub layers: Vec<(Option<crate::violation::Layer>, Vec<String>)>,
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
            protected: None,
        }
    }

    /// Denies these repository paths (the signers files every rules layer names) to every
    /// agent policy, like the rules file.
    pub fn protecting(mut self, protected: Option<GlobList>) -> Self {
        self.protected = protected;
        self
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

    /// Who owns this commit and which policies apply (CONTRACT.md's ownership order):
    /// its agents (pusher, signer, markers); else a human's when a `signatures.humans`
    /// principal signed it; else `signatures.unverified_policy` when set; else
    /// `default_policy`. `new`: the commit enters the repository with this push (only then
    /// does the acting pusher own it). `signature` is its signature as these rules' signers
    /// files verify it.
    pub fn attribute(
        &self,
        facts: &CommitFacts,
        trailers: &[Trailer],
        new: bool,
        signature: &SignatureCheck,
    ) -> Attribution {
        let owners: Vec<Owner> =
            attribution::owners(self.rules, facts, trailers, &self.actor, new, signature)
                .into_iter()
                .map(|o| Owner {
                    agent: o.agent.name.clone(),
                    marker: o.marker,
                    policy: o.agent.policy,
                })
                .collect();
        let signatures = self.rules.signatures.as_ref();
        let (unowned, fallback) = if signatures
            .and_then(|s| s.human_principal(signature))
            .is_some()
        {
            (Unowned::HumanSigned, self.rules.default_policy)
        } else if let Some(policy) = signatures
            .filter(|_| !self.actor.signature_pending)
            .and_then(|s| s.unverified_policy)
        {
            (Unowned::Unverified, Some(policy))
        } else {
            (Unowned::Default, self.rules.default_policy)
        };
        Attribution {
            owners,
            unowned,
            fallback,
            signed: signature.is_good(),
        }
    }

    /// Judges one commit with its changes against every policy its attribution names. A
    /// commit no policy covers is unchecked.
    pub fn check_commit(
        &self,
        facts: &CommitFacts,
        trailers: &[Trailer],
        attribution: Attribution,
        changes: &CommitChanges,
    ) -> CommitOutcome {
        let files = &changes.files[..];
        let mut outcome = CommitOutcome {
            commit: facts.id.clone(),
            attribution,
            task: None,
            violations: Vec::new(),
            paths: BTreeSet::new(),
            lines: files.iter().map(FileChange::line_total).sum(),
            bytes: limits::bytes(files),
        };
        // Trees git's fsck refuses are bad-path for every commit, owned or not, and never
        // softened by a policy's `enforcement: warn`.
        let severity = if self.audit {
            Severity::Warning
        } else {
            Severity::Error
        };
        let covered = outcome.attribution.is_covered();
        let owner = outcome.attribution.agent().map(str::to_owned);
        let mut violations: Vec<Violation> = fsck::check(&changes.bad_paths, covered)
            .into_iter()
            .map(|mut v| {
                v.severity = severity;
                v.commit = Some(facts.id.clone());
                v.agent = owner.clone();
                v
            })
            .collect();
        let pushers: Vec<&str> = self.actor.pushers.iter().map(String::as_str).collect();
        let mut need_paths = false;
        for (i, check) in outcome.attribution.checks().into_iter().enumerate() {
            let policy = self.rules.policy(check.policy);
            let judged = task::check(self.rules, policy, check.agent, trailers, self.now);
            let grant = judged
                .task
                .as_deref()
                .and_then(|id| self.rules.tasks.get(id));
            let mut found = judged.violations;
            let path_rules = paths::PathRules {
                policy,
                is_agent: check.agent_like,
                grant,
                approved: paths::approved_by(
                    policy.approval.as_ref(),
                    &pushers,
                    self.actor.pusher_is_agent,
                ),
                protected: self.protected.as_ref(),
            };
            found.extend(paths::check(&path_rules, files));
            found.extend(paths::check_also_checked(
                &path_rules,
                &changes.also_checked,
                files,
            ));
            found.extend(forbid::check(policy, facts, files));
            if policy.forbid.unsigned && !outcome.attribution.signed {
                found.push(Violation::new(
                    RuleId::Unsigned,
                    format!(
                        "the commit carries no good signature by a key the signers files list; policy {} forbids unsigned commits",
                        policy.name
                    ),
                ));
            }
            found.extend(limits::check_commit(&policy.limits, files));
            need_paths |= policy.limits.push.files.is_some();
            let task = judged.task;
            violations.extend(
                found
                    .into_iter()
                    .map(|v| self.stamp(v, policy, Some(&facts.id), check.agent, task.as_deref())),
            );
            if i == 0 {
                outcome.task = task;
            }
        }
        if need_paths {
            outcome.paths = files
                .iter()
                .flat_map(|c| c.paths().map(str::to_owned))
                .collect();
        }
        outcome.violations = violations;
        outcome
    }

    /// Judges ref updates. Bound to each update: the acting pusher's policy (its agent's, or
    /// `default_policy` for a pusher that is no agent), and every agent policy of every
    /// commit the update brings onto the ref, new to the repository or not, as
    /// `attributions` gives them (the caller must attribute each one).
    pub fn check_refs(
        &self,
        updates: &[RefUpdate],
        attributions: &HashMap<ObjectId, Attribution>,
    ) -> Result<Vec<Violation>, Unattributed> {
        let pusher = attribution::acting_agent(self.rules, &self.actor);
        let pusher_binding: Option<Binding> = match &pusher {
            Some(owner) => Some((owner.agent.policy, Some(owner.agent.name.clone()), true)),
            None if self.actor.pushing => self.rules.default_policy.map(|p| (p, None, false)),
            None => None,
        };
        // Updates that bring the same commits (same old side, same new tip) bind the same
        // policies: work that out once.
        let mut memo: HashMap<(Option<&ObjectId>, Option<&ObjectId>), Vec<Binding>> =
            HashMap::new();
        let mut found = Vec::new();
        for update in updates {
            let key = (update.old.as_ref(), update.new.as_ref());
            let bound = match memo.entry(key) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let mut bound: Vec<Binding> = pusher_binding.iter().cloned().collect();
                    for id in &update.brought {
                        let Some(attribution) = attributions.get(id) else {
                            return Err(Unattributed {
                                commit: id.clone(),
                                ref_name: update.name.clone(),
                            });
                        };
                        for check in attribution.checks() {
                            if check.agent_like {
                                bound.push((check.policy, check.agent.map(str::to_owned), true));
                            }
                        }
                    }
                    let mut seen = BTreeSet::new();
                    bound.retain(|b| seen.insert((b.0, b.1.clone())));
                    e.insert(bound)
                }
            };
            for (policy_id, agent, agent_like) in bound.iter() {
                let policy = self.rules.policy(*policy_id);
                let mut violations = refs::check(policy, update);
                if *agent_like && !update.target_is_commit {
                    violations.push(refs::ref_target(update));
                }
                for v in violations {
                    let mut v = self.stamp(v, policy, None, agent.as_deref(), None);
                    v.ref_name = Some(update.name.clone());
                    found.push(v);
                }
            }
        }
        Ok(found)
    }

    /// Push-wide limits, per agent over all its new commits of the run.
    pub fn check_push(&self, outcomes: &[CommitOutcome]) -> Vec<Violation> {
        let mut tallies: BTreeMap<(Option<&str>, PolicyId), limits::PushTally> = BTreeMap::new();
        for outcome in outcomes {
            for check in outcome.attribution.checks() {
                tallies
                    .entry((check.agent, check.policy))
                    .or_default()
                    .add(outcome);
            }
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
    /// `attributions` holds every commit the updates bring that is not among `outcomes`
    /// (those already carry theirs).
    pub fn report(
        &self,
        updates: &[RefUpdate],
        outcomes: &[CommitOutcome],
        mut attributions: HashMap<ObjectId, Attribution>,
    ) -> Result<Report, Unattributed> {
        for o in outcomes {
            attributions.insert(o.commit.clone(), o.attribution.clone());
        }
        let mut violations = self.check_refs(updates, &attributions)?;
        violations.extend(outcomes.iter().flat_map(|o| o.violations.iter().cloned()));
        violations.extend(self.check_push(outcomes));
        Ok(Report {
            violations,
            commits: outcomes.len(),
            refs: updates.len(),
            ..Report::default()
        })
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
