//! `agentfence explain`: for each commit, what the checks saw — trailers, owner and the
//! marker that made it so, policy, task, changed files with their stats, violations.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;
use time::OffsetDateTime;

use super::Outcome;
use crate::Result;
use crate::attribution::Actor;
use crate::check::Engine;
use crate::gate::Gate;
use crate::git::Repo;
use crate::input::InputError;
use crate::model::{FileChange, LineStats, ObjectId};
use crate::pipeline::{self, Judged};
use crate::report::{Format, JsonViolation};
use crate::rules_source::{self, RulesInForce, RulesRequest, Trusted};
use crate::signature::{self, SignatureCheck};

/// Options of `agentfence explain`.
#[derive(Debug, Clone)]
pub struct ExplainOptions {
    /// The repository.
    pub dir: PathBuf,
    /// Where the rules come from, before the repository is consulted.
    pub rules: RulesRequest,
    /// `--base REV`: the revision whose committed rules are trusted (default HEAD).
    pub base: Option<String>,
    /// The authenticated pusher to assume.
    pub pushers: Vec<String>,
    /// Commits (`REV`) or ranges (`A..B`).
    pub revisions: Vec<String>,
    /// `text` or `json`.
    pub format: Format,
}

/// Explains each commit; exit 0 unless it could not check.
pub fn run(opts: &ExplainOptions, out: &mut dyn Write) -> Result<Outcome> {
    if !matches!(opts.format, Format::Text | Format::Json) {
        return Err(InputError::Argument(format!(
            "explain writes text or json, not {}",
            opts.format
        ))
        .into());
    }
    let repo = Repo::discover(&opts.dir)?;
    let trusted = opts.base.clone().map_or(Trusted::Head, Trusted::Revision);
    let layers = rules_source::load_layers(&opts.rules, Some(&repo), &trusted)?;
    let in_force = &layers.repository;
    let mut commits: Vec<ObjectId> = Vec::new();
    for spec in &opts.revisions {
        if spec.contains("..") || spec.starts_with('^') {
            commits.extend(repo.resolve_range(std::slice::from_ref(spec))?);
        } else {
            commits.push(repo.resolve_commit(spec)?);
        }
    }
    let actor = Actor {
        pushing: !opts.pushers.is_empty(),
        pushers: opts.pushers.clone(),
        ..Actor::default()
    };
    let mut gate = Gate::new(&repo, &layers, &actor, OffsetDateTime::now_utc(), false, 1);
    // explain verifies signatures exactly as git verify-commit does (validity windows at
    // the committer time only).
    gate.engines = gate
        .engines
        .into_iter()
        .map(|(layer, engine)| (layer, engine.signature_windows_as_git()))
        .collect();
    let engines: Vec<&Engine<'_>> = gate.engines.iter().map(|(_, e)| e).collect();
    let mut judged = commits
        .iter()
        .map(|id| pipeline::judge(&repo, &engines, id, true))
        .collect::<Result<Vec<Judged>>>()?;
    for j in &mut judged {
        for ((layer, _), outcome) in gate.engines.iter().zip(&mut j.outcomes) {
            for v in &mut outcome.violations {
                v.layer = *layer;
            }
        }
    }
    if opts.format == Format::Json {
        write_json(in_force, &judged, out)?;
    } else {
        write_text(in_force, &judged, out)?;
    }
    Ok(Outcome::Clean)
}

#[derive(Serialize)]
struct JsonExplain<'a> {
    commits: Vec<JsonCommit<'a>>,
}

#[derive(Serialize)]
struct JsonCommit<'a> {
    commit: &'a str,
    trailers: Vec<[&'a str; 2]>,
    agent: Option<&'a str>,
    policy: Option<&'a str>,
    task: Option<&'a str>,
    files: Vec<JsonFile<'a>>,
    violations: Vec<JsonViolation<'a>>,
    signature: JsonSignature<'a>,
}

/// A commit's signature, as CONTRACT.md's `explain` shows it.
#[derive(Serialize)]
struct JsonSignature<'a> {
    status: &'static str,
    format: Option<&'static str>,
    principal: Option<&'a str>,
}

impl<'a> From<&'a SignatureCheck> for JsonSignature<'a> {
    fn from(c: &'a SignatureCheck) -> Self {
        JsonSignature {
            status: c.status.as_str(),
            format: c.format.map(signature::Format::as_str),
            principal: c.principal.as_deref(),
        }
    }
}

/// The signature line of the text explanation: status, format, principal or why not.
fn signature_text(c: &SignatureCheck) -> String {
    let mut s = c.status.as_str().to_owned();
    if let Some(format) = c.format {
        s.push_str(&format!(" ({})", format.as_str()));
    }
    if let Some(p) = &c.principal {
        s.push_str(&format!(", signed by {p}"));
    }
    if c.presence {
        s.push_str(", security key touched");
    }
    if let Some(why) = &c.detail {
        s.push_str(&format!(": {why}"));
    }
    s
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    old_path: Option<&'a str>,
    added: Option<u64>,
    deleted: Option<u64>,
    binary: bool,
}

fn policy_name<'a>(in_force: &'a RulesInForce, judged: &Judged) -> Option<&'a str> {
    judged
        .primary()
        .attribution
        .policy()
        .map(|p| in_force.rules.policy(p).name.as_str())
}

/// The old path of a change that moved (a rename); `None` otherwise.
fn moved_from(change: &FileChange) -> Option<&str> {
    change
        .old_path
        .as_deref()
        .filter(|old| Some(*old) != change.new_path.as_deref())
}

fn write_json(in_force: &RulesInForce, judged: &[Judged], out: &mut dyn Write) -> Result<()> {
    let commits = judged
        .iter()
        .map(|j| JsonCommit {
            commit: j.record.facts.id.as_str(),
            trailers: j
                .trailers
                .iter()
                .map(|t| [t.key.as_str(), t.value.as_str()])
                .collect(),
            agent: j.primary().attribution.agent(),
            policy: policy_name(in_force, j),
            task: j.primary().task.as_deref(),
            files: j
                .record
                .changes
                .files
                .iter()
                .map(|c| JsonFile {
                    path: c.path(),
                    old_path: moved_from(c),
                    added: c.lines.map(|l| l.added),
                    deleted: c.lines.map(|l| l.deleted),
                    binary: c.binary,
                })
                .collect(),
            violations: j
                .outcomes
                .iter()
                .flat_map(|o| &o.violations)
                .map(JsonViolation::from)
                .collect(),
            signature: JsonSignature::from(j.signature()),
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &JsonExplain { commits })
        .map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

fn write_text(in_force: &RulesInForce, judged: &[Judged], out: &mut dyn Write) -> Result<()> {
    writeln!(out, "rules: {}", in_force.origin)?;
    for j in judged {
        let facts = &j.record.facts;
        writeln!(out)?;
        writeln!(out, "commit {}", facts.id)?;
        writeln!(out, "  subject    {}", facts.subject())?;
        writeln!(out, "  author     {}", facts.author)?;
        if facts.committer != facts.author {
            writeln!(out, "  committer  {}", facts.committer)?;
        }
        if j.trailers.is_empty() {
            writeln!(out, "  trailers   (none)")?;
        }
        for (i, t) in j.trailers.iter().enumerate() {
            let label = if i == 0 { "trailers" } else { "" };
            writeln!(out, "  {label:<10} {}: {}", t.key, t.value)?;
        }
        writeln!(out, "  signature  {}", signature_text(j.signature()))?;
        let attribution = &j.primary().attribution;
        if attribution.owners.is_empty() {
            let why = match attribution.unowned {
                crate::check::Unowned::HumanSigned => {
                    "no agent: a person's, signed by a signatures.humans principal"
                }
                crate::check::Unowned::Unverified => {
                    "no agent, and no person's signature: judged as agents' work (unverified_policy)"
                }
                crate::check::Unowned::Default => "no agent",
            };
            writeln!(out, "  owner      {why}")?;
        }
        for (i, owner) in attribution.owners.iter().enumerate() {
            let label = if i == 0 { "owner" } else { "also owner" };
            writeln!(
                out,
                "  {label:<10} agent {} (by {}): its policy must pass too",
                owner.agent, owner.marker
            )?;
        }
        match policy_name(in_force, j) {
            Some(policy) => writeln!(out, "  policy     {policy}")?,
            None => writeln!(
                out,
                "  policy     none: unchecked (no agent owns it and no default_policy)"
            )?,
        }
        writeln!(
            out,
            "  task       {}",
            j.primary().task.as_deref().unwrap_or("(none)")
        )?;
        let LineStats { added, deleted } = LineStats::sum(&j.record.changes.files);
        writeln!(
            out,
            "  files      {} changed, +{added} -{deleted}",
            j.record.changes.files.len()
        )?;
        for c in &j.record.changes.files {
            let stat = match c.lines {
                Some(l) => format!("+{} -{}", l.added, l.deleted),
                None => "binary".to_owned(),
            };
            match moved_from(c) {
                Some(old) => writeln!(out, "    {stat:>12}  {old} -> {}", c.path())?,
                None => writeln!(out, "    {stat:>12}  {}", c.path())?,
            }
        }
        if j.outcomes.iter().all(|o| o.violations.is_empty()) {
            let verdict = if attribution.is_covered() {
                "none: within the boundary"
            } else {
                "none (unchecked)"
            };
            writeln!(out, "  violations {verdict}")?;
        } else {
            writeln!(out, "  violations")?;
            for v in j.outcomes.iter().flat_map(|o| &o.violations) {
                // Every message about a path names it.
                writeln!(out, "    {:<14} {}", v.rule.as_str(), v.message)?;
                writeln!(out, "    {:<14} to fix: {}", "", v.rule.help())?;
            }
        }
    }
    Ok(())
}
