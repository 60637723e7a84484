//! Measuring control over a history (`agentfence report`): every commit judged in audit
//! mode by the same pipeline as `check`, then counted per owner, task and ISO week.
//!
//! The flow, one file per step:
//!
//! 1. **collect** (here) — each commit of the range is judged in parallel
//!    ([`crate::pipeline::judge`]) and reduced by one adapter, [`from_judged`], to a plain
//!    [`MeasuredCommit`]: owner, size, violations, task, committer time. Nothing after the
//!    adapter sees the judging pipeline's types, so a change in how ownership is decided
//!    touches that one function.
//! 2. **[`reverts`]** — which commits were really undone, and by which commit: a message
//!    alone reverts nothing, the reverting commit's tree entries must undo the commit's.
//! 3. **[`aggregate`]** — the figures of CONTRACT.md "report": per owner, per task, per
//!    week, nearest-rank percentiles, shares and hours rounded as the contract says.
//! 4. **renderers** — [`text`] (aligned tables, the three seed measures first), [`json`]
//!    (the contract's keys) and [`html`] (one self-contained page with SVG charts).
//!
//! [`window`] parses `--since`/`--until`: they choose which commits are measured, while
//! reverts are found among every commit of the range.

pub mod aggregate;
pub mod html;
pub mod json;
pub mod logged;
pub mod reverts;
pub mod text;
pub mod window;

use std::fmt;

use crate::Result;
use crate::check::Engine;
use crate::check::task::DEFAULT_TASK_TRAILER;
use crate::git::{self, Repo};
use crate::model::ObjectId;
use crate::pipeline::{self, Judged};
use crate::trailers;
use crate::violation::RuleId;

/// The owner name of commits under `default_policy` (or signed by a human).
pub const HUMANS: &str = "humans";
/// The owner name of commits no policy covers.
pub const UNCHECKED: &str = "unchecked";

/// What kind of owner a commit has.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum OwnerKind {
    /// An agent of the rules.
    Agent,
    /// No agent: the commit is under `default_policy` (a human's).
    Human,
    /// No policy covers the commit.
    Unchecked,
}

impl OwnerKind {
    /// The JSON name: `agent`, `human` or `unchecked`.
    pub fn as_str(self) -> &'static str {
        match self {
            OwnerKind::Agent => "agent",
            OwnerKind::Human => "human",
            OwnerKind::Unchecked => "unchecked",
        }
    }
}

impl fmt::Display for OwnerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One commit as the report counts it: everything later steps need, and nothing of the
/// judging pipeline's own types.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MeasuredCommit {
    /// The commit.
    pub id: ObjectId,
    /// Its owner in reports: an agent's name, [`HUMANS`] or [`UNCHECKED`].
    pub owner: String,
    /// The owner's kind.
    pub kind: OwnerKind,
    /// Lines it is charged (added + deleted; a merge: what differs from the automatic merge).
    pub lines: u64,
    /// Files it is charged.
    pub files: u64,
    /// The rule of each of its violations (in audit mode), in the engine's order.
    pub violations: Vec<RuleId>,
    /// The task it names: the first value of its policy's task trailer (else `Task`).
    pub task: Option<String>,
    /// Committer time, seconds since the Unix epoch.
    pub time: i64,
    /// The first line of its message.
    pub subject: String,
    /// The commits its message says it reverts (`This reverts commit <id>.` or `,`).
    pub claims_to_revert: Vec<ObjectId>,
    /// True when its owner comes from the decision log (`report --log`), not the commit.
    pub logged: bool,
}

/// A commit's size, when it is read outside the judging pipeline.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Size {
    /// Lines added plus deleted.
    pub lines: u64,
    /// Changed files.
    pub files: u64,
}

/// The adapter: a judged commit as the report counts it. This is the only function that
/// reads the judging pipeline's attribution; `size` is the commit's size when the pipeline
/// did not diff it (an unchecked commit), `time` its committer time.
pub fn from_judged(judged: &Judged, time: i64, size: Option<Size>) -> MeasuredCommit {
    let outcome = judged.primary();
    let attribution = &outcome.attribution;
    let (owner, kind) = match (
        attribution.agent(),
        attribution.policy(),
        attribution.unowned,
    ) {
        (Some(agent), _, _) => (agent.to_owned(), OwnerKind::Agent),
        // Neither an agent's nor signed by a person: judged as the agents' work.
        (None, Some(_), crate::check::Unowned::Unverified) => {
            ("unverified".to_owned(), OwnerKind::Agent)
        }
        (None, Some(_), _) => (HUMANS.to_owned(), OwnerKind::Human),
        (None, None, _) => (UNCHECKED.to_owned(), OwnerKind::Unchecked),
    };
    let task = match attribution.policy() {
        Some(_) => outcome.task.clone(),
        None => trailers::values(&judged.trailers, DEFAULT_TASK_TRAILER)
            .next()
            .map(str::to_owned),
    };
    let size = size.unwrap_or(Size {
        lines: outcome.lines,
        files: judged.record.changes.files.len() as u64,
    });
    let facts = &judged.record.facts;
    MeasuredCommit {
        id: facts.id.clone(),
        owner,
        kind,
        lines: size.lines,
        files: size.files,
        // Every layer's violations (the baseline's too).
        violations: judged
            .outcomes
            .iter()
            .flat_map(|o| &o.violations)
            .map(|v| v.rule)
            .collect(),
        task,
        time,
        subject: facts.subject().to_owned(),
        claims_to_revert: reverts::claimed(&facts.message),
        logged: false,
    }
}

/// Judges and measures one commit. A commit no policy covers is not diffed by the
/// pipeline; its size is read here, from the same diff the checks use (paths as bytes, so
/// a path that is not UTF-8 in a commit nobody checks does not stop the report).
pub fn measure_commit(
    repo: &Repo,
    engines: &[&Engine<'_>],
    id: &ObjectId,
) -> Result<MeasuredCommit> {
    let judged = pipeline::judge(repo, engines, id, false)?;
    let time = repo.committer_time(id)?;
    let size = if !judged.primary().attribution.is_covered() {
        let changes = repo
            .commit_changes(id, crate::git::ChangeScope::Full)?
            .files;
        Some(Size {
            lines: changes
                .iter()
                .filter_map(|c| c.lines)
                .map(|l| l.total())
                .sum(),
            files: changes.len() as u64,
        })
    } else {
        None
    };
    Ok(from_judged(&judged, time, size))
}

/// Measures every commit of `ids` with `threads` workers (0: one per core), in input
/// order; `progress` is told how many are done after each one.
pub fn collect(
    repo: &Repo,
    engines: &[&Engine<'_>],
    ids: &[ObjectId],
    threads: usize,
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<MeasuredCommit>> {
    let mut measured = Vec::with_capacity(ids.len());
    git::par_for_each_commit(
        &repo.location(),
        ids,
        threads,
        |repo, id| measure_commit(repo, engines, id),
        |commit| {
            measured.push(commit);
            progress(measured.len());
            Ok(())
        },
    )?;
    Ok(measured)
}
