//! The one runner behind every gate (`pre-receive`, `pre-push`, `check`, `pre-commit`,
//! `commit-msg`): input → rules from a trusted place or an error → git facts → checks →
//! report → exit code from the verdict.
//!
//! Each command only turns its own input into ref updates and commits (or a pending commit)
//! and hands them here, so no gate can skip a step another one takes: every new commit is
//! judged in full, every commit an update brings onto a ref is attributed (new or not), a
//! rule that depends on who pushes never passes because nobody said who pushed, and the
//! verdict is fixed before the report is written.

use std::collections::HashSet;
use std::io::Write;

use crate::Result;
use crate::attribution::Actor;
use crate::check::{CommitOutcome, Engine, Report};
use crate::commands::Outcome;
use crate::git::Repo;
use crate::input::InputError;
use crate::model::{ObjectId, RefUpdate};
use crate::pipeline;
use crate::report::{Format, RenderOptions};
use crate::rules::Rules;
use crate::rules_source::RulesInForce;

/// A gate's run: the repository, the rules in force and the engine judging under them.
pub struct Gate<'a> {
    /// The repository.
    pub repo: &'a Repo,
    /// The rules in force and where they came from.
    pub in_force: &'a RulesInForce,
    /// The engine (actor, time, audit switch).
    pub engine: Engine<'a>,
    /// Worker threads (0: one per core).
    pub threads: usize,
}

impl<'a> Gate<'a> {
    /// Judges a push (or a `check` series): `new_commits` in full, in parallel; every ref
    /// update against its pusher and against every owner of each commit it brings (those
    /// that are not new are attributed from their facts and trailers).
    pub fn judge_push(&self, updates: &[RefUpdate], new_commits: &[ObjectId]) -> Result<Report> {
        let outcomes = pipeline::judge_all(self.repo, &self.engine, new_commits, self.threads)?;
        let judged: HashSet<&ObjectId> = outcomes.iter().map(|o| &o.commit).collect();
        let mut old: Vec<ObjectId> = updates
            .iter()
            .flat_map(|u| &u.brought)
            .filter(|id| !judged.contains(id))
            .cloned()
            .collect();
        old.sort();
        old.dedup();
        let attributions = pipeline::attribute_all(self.repo, &self.engine, &old, self.threads)?;
        let mut report = self.engine.report(updates, &outcomes, attributions)?;
        self.describe(&mut report, &outcomes);
        Ok(report)
    }

    /// Judges one commit being made (local hooks), already checked by the engine.
    pub fn judge_pending(&self, outcome: CommitOutcome) -> Result<Report> {
        let outcomes = [outcome];
        let mut report = self.engine.report(&[], &outcomes, Default::default())?;
        self.describe(&mut report, &outcomes);
        Ok(report)
    }

    /// Fills in what every summary names: the rules in force and the commits per owner.
    fn describe(&self, report: &mut Report, outcomes: &[CommitOutcome]) {
        report.rules = self.in_force.origin.to_string();
        let mut owners: Vec<(String, usize)> = Vec::new();
        for outcome in outcomes {
            let name = owner_label(outcome);
            match owners.iter_mut().find(|(n, _)| *n == name) {
                Some((_, count)) => *count += 1,
                None => owners.push((name, 1)),
            }
        }
        report.owners = owners;
    }
}

/// How a summary names a commit's owner: its first agent, `unverified`, `humans` (a policy
/// for commits no agent owns) or `unchecked` (no policy covers it).
fn owner_label(outcome: &CommitOutcome) -> String {
    use crate::check::Unowned;
    let attribution = &outcome.attribution;
    match (
        attribution.agent(),
        attribution.fallback,
        attribution.unowned,
    ) {
        (Some(agent), _, _) => agent.to_owned(),
        (None, Some(_), Unowned::Unverified) => "unverified".to_owned(),
        (None, Some(_), _) => "humans".to_owned(),
        (None, None, _) => "unchecked".to_owned(),
    }
}

/// Fails closed when some rule depends on who pushes and nobody said: one line naming the
/// flag and every variable that was read (`read`).
pub fn require_pusher(rules: &Rules, actor: &Actor, read: &[&str]) -> Result<()> {
    let named: Vec<&str> = rules
        .agents
        .iter()
        .filter(|a| !a.matcher.pusher.is_empty())
        .map(|a| a.name.as_str())
        .collect();
    if named.is_empty() || !actor.pushers.is_empty() {
        return Ok(());
    }
    Err(InputError::Argument(format!(
        "the rules bind agents by pusher ({}), but no pusher identity was given (read: {}; an empty variable counts as unset); pass --pusher NAME: a rule that depends on who pushes never passes because nobody said",
        named.join(", "),
        read.join(", ")
    ))
    .into())
}

/// Renders a run's report and concludes: rejected when some violation is an error.
///
/// The verdict is fixed before anything is written, and no write error lowers it: a
/// rejected run whose report cannot be written (a closed stderr, `check | head -1` under
/// `pipefail`) is still rejected. A clean run whose report cannot be written could not do
/// its job and is an error (exit 2), which also rejects.
pub fn conclude(
    report: &Report,
    format: Format,
    render: &RenderOptions,
    out: &mut dyn Write,
) -> Result<Outcome> {
    let verdict = if report.rejected() {
        Outcome::Rejected
    } else {
        Outcome::Clean
    };
    match crate::report::render(report, format, render, out) {
        Err(_) if verdict == Outcome::Rejected => Ok(verdict),
        Err(e) => Err(crate::Error::Output(e)),
        Ok(()) => Ok(verdict),
    }
}
