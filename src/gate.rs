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

use time::OffsetDateTime;

use crate::Result;
use crate::attribution::Actor;
use crate::check::{CommitOutcome, CommitOwners, Engine, Report, Unowned};
use crate::commands::Outcome;
use crate::git::Repo;
use crate::input::InputError;
use crate::model::{ObjectId, RefUpdate};
use crate::pipeline;
use crate::report::{Format, RenderOptions};
use crate::rules::GlobList;
use crate::rules_source::Layers;
use crate::violation::Layer;

/// A gate's run: the repository, and one engine per rules layer.
pub struct Gate<'a> {
    /// The repository.
    pub repo: &'a Repo,
    /// The rules layers in force.
    pub layers: &'a Layers,
    /// One engine per layer, in [`Layers::each`] order, with the label its violations
    /// carry.
    pub engines: Vec<(Option<Layer>, Engine<'a>)>,
    /// Worker threads (0: one per core).
    pub threads: usize,
}

impl<'a> Gate<'a> {
    /// A gate judging under every layer of `layers`, as `actor`, at `now`.
    pub fn new(
        repo: &'a Repo,
        layers: &'a Layers,
        actor: &Actor,
        now: OffsetDateTime,
        audit: bool,
        threads: usize,
    ) -> Self {
        // The files any layer names are denied to the agents of every layer.
        let named: Vec<&str> = layers
            .each()
            .into_iter()
            .filter_map(|(_, in_force)| in_force.rules.signatures.as_ref())
            .flat_map(|s| s.repo_paths())
            .collect();
        let protected = (!named.is_empty()).then(|| {
            GlobList::literal_paths(&named).expect("escaped literal paths always compile")
        });
        let engines = layers
            .each()
            .into_iter()
            .map(|(layer, in_force)| {
                let engine = Engine::new(&in_force.rules, actor.clone(), now, audit)
                    .protecting(protected.clone());
                (layer, engine)
            })
            .collect();
        Gate {
            repo,
            layers,
            engines,
            threads,
        }
    }

    fn engine_refs(&self) -> Vec<&Engine<'a>> {
        self.engines.iter().map(|(_, e)| e).collect()
    }

    /// Judges a push (or a `check` series): `new_commits` in full, in parallel, read once
    /// and judged under every layer; every ref update against its pusher and against every
    /// owner of each commit it brings (those that are not new are attributed from their
    /// facts and trailers).
    pub fn judge_push(&self, updates: &[RefUpdate], new_commits: &[ObjectId]) -> Result<Report> {
        let engines = self.engine_refs();
        let per_commit = pipeline::judge_all(self.repo, &engines, new_commits, self.threads)?;
        let mut per_layer: Vec<Vec<CommitOutcome>> = vec![Vec::new(); engines.len()];
        for outcomes in per_commit {
            for (layer, outcome) in per_layer.iter_mut().zip(outcomes) {
                layer.push(outcome);
            }
        }
        let judged: HashSet<&ObjectId> = new_commits.iter().collect();
        let mut old: Vec<ObjectId> = updates
            .iter()
            .flat_map(|u| &u.brought)
            .filter(|id| !judged.contains(id))
            .cloned()
            .collect();
        old.sort();
        old.dedup();
        let attributions = pipeline::attribute_all(self.repo, &engines, &old, self.threads)?;
        let mut report = Report::default();
        for (((layer, engine), outcomes), attributions) in
            self.engines.iter().zip(&per_layer).zip(attributions)
        {
            let layer_report = engine.report(updates, outcomes, attributions)?;
            report
                .violations
                .extend(layer_report.violations.into_iter().map(|mut v| {
                    v.layer = *layer;
                    v
                }));
            report.commits = layer_report.commits;
            report.refs = layer_report.refs;
        }
        self.describe(&mut report, &per_layer);
        Ok(report)
    }

    /// Judges one commit being made (local hooks): `outcomes` holds one checked outcome
    /// per layer, in [`Gate::engines`] order.
    pub fn judge_pending(&self, outcomes: Vec<CommitOutcome>) -> Result<Report> {
        let mut report = Report::default();
        let mut per_layer = Vec::new();
        for ((layer, engine), outcome) in self.engines.iter().zip(outcomes) {
            let outcomes = vec![outcome];
            let layer_report = engine.report(&[], &outcomes, Default::default())?;
            report
                .violations
                .extend(layer_report.violations.into_iter().map(|mut v| {
                    v.layer = *layer;
                    v
                }));
            report.commits = layer_report.commits;
            per_layer.push(outcomes);
        }
        self.describe(&mut report, &per_layer);
        Ok(report)
    }

    /// Fills in what every summary names: the rules in force, the commits per owner (as
    /// the repository's rules see them) and each commit's owners per layer.
    fn describe(&self, report: &mut Report, per_layer: &[Vec<CommitOutcome>]) {
        report.rules = self.layers.describe();
        let mut owners: Vec<(String, usize)> = Vec::new();
        if let Some(outcomes) = per_layer.last() {
            for outcome in outcomes {
                let name = owner_label(outcome);
                match owners.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, count)) => *count += 1,
                    None => owners.push((name, 1)),
                }
            }
        }
        report.owners = owners;
        let commits = per_layer.first().map_or(0, Vec::len);
        report.commit_owners = (0..commits)
            .map(|i| CommitOwners {
                commit: per_layer[0][i].commit.clone(),
                layers: self
                    .engines
                    .iter()
                    .zip(per_layer)
                    .map(|((layer, _), outcomes)| (*layer, owner_names(&outcomes[i])))
                    .collect(),
            })
            .collect();
    }
}

/// Every owner of a commit by name: its agents, else `unverified`, `humans` or `unchecked`.
fn owner_names(outcome: &CommitOutcome) -> Vec<String> {
    if outcome.attribution.owners.is_empty() {
        vec![owner_label(outcome)]
    } else {
        outcome
            .attribution
            .owners
            .iter()
            .map(|o| o.agent.clone())
            .collect()
    }
}

/// How a summary names a commit's owner: its first agent, `unverified`, `humans` (a policy
/// for commits no agent owns) or `unchecked` (no policy covers it).
fn owner_label(outcome: &CommitOutcome) -> String {
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

/// Fails closed when some rule of any layer depends on who pushes and nobody said: one line
/// naming the flag and every variable that was read (`read`).
pub fn require_pusher(layers: &Layers, actor: &Actor, read: &[&str]) -> Result<()> {
    let named: Vec<&str> = layers
        .each()
        .into_iter()
        .flat_map(|(_, in_force)| in_force.rules.agents.iter())
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
