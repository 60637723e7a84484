//! `agentfence revert`: undo a task's or an agent's work on a new branch, in memory, in
//! one step (CONTRACT.md "revert"; the reverting itself is [`crate::revert`]).
//!
//! Commits are selected among those reachable from `--onto`: by task trailer (the
//! policy's `task.trailer`, else `Task`), by owner (any owner of any rules layer, under
//! the rules committed at `--onto`), or by RANGE. Exit 0 when the branch is written (or a
//! dry run is clean), 1 on a conflict (nothing written), 2 when nothing is left to revert
//! or the run fails.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;

use serde_json::json;
use time::OffsetDateTime;

use super::Outcome;
use crate::Result;
use crate::attribution::Actor;
use crate::check::Engine;
use crate::gate::Gate;
use crate::git::{self, Repo};
use crate::input::InputError;
use crate::measure;
use crate::model::ObjectId;
use crate::pipeline;
use crate::revert::{self, Plan, SkipReason, Status};
use crate::rules_source::{self, RulesRequest, Trusted};

/// The output formats of `revert`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, clap::ValueEnum)]
pub enum RevertFormat {
    /// Sentences for a person.
    #[default]
    Text,
    /// The contract's JSON.
    Json,
}

/// The command line of `agentfence revert`.
#[derive(clap::Args, Debug, Clone)]
pub struct RevertArgs {
    /// Revert the commits whose task trailer is ID.
    #[arg(long, value_name = "ID", conflicts_with_all = ["agent", "ranges"])]
    pub task: Option<String>,
    /// Revert the commits NAME owns (as any of their owners) under the rules.
    #[arg(long, value_name = "NAME", conflicts_with = "ranges")]
    pub agent: Option<String>,
    /// Make the reverts on this revision (default: HEAD).
    #[arg(long, value_name = "REV")]
    pub onto: Option<String>,
    /// The new branch (default: revert/<ID or NAME>; required with RANGE).
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    /// One revert commit for all of them.
    #[arg(long)]
    pub squash: bool,
    /// Say what would happen; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RevertFormat::Text)]
    pub format: RevertFormat,
    /// The rules file (else AGENTFENCE_RULES, git config agentfence.rules, the committed
    /// .agentfence.yaml at --onto, the embedded default).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Worker threads for judging ownership (0: one per core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,
    /// Revision ranges, as `git rev-list` takes them. Options may follow them; after
    /// `--` every argument is a range.
    #[arg(value_name = "RANGE")]
    pub ranges: Vec<String>,
}

/// How commits are selected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Select {
    /// By task trailer.
    Task(String),
    /// By owner.
    Agent(String),
    /// By revision ranges.
    Ranges(Vec<String>),
}

/// Options of `agentfence revert`.
#[derive(Debug, Clone)]
pub struct RevertOptions {
    /// The repository.
    pub dir: PathBuf,
    /// Where the rules come from.
    pub rules: RulesRequest,
    /// The selection.
    pub select: Select,
    /// `--onto` (default HEAD).
    pub onto: Option<String>,
    /// `--branch`.
    pub branch: Option<String>,
    /// `--squash`.
    pub squash: bool,
    /// `--dry-run`.
    pub dry_run: bool,
    /// Output format.
    pub format: RevertFormat,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// The process environment (for `GIT_AUTHOR_*`, `GIT_COMMITTER_*`, `EMAIL`).
    pub env: Vec<(String, String)>,
}

impl RevertArgs {
    /// The options these arguments give, for the repository at `dir`.
    pub fn into_options(self, dir: PathBuf, env: Vec<(String, String)>) -> Result<RevertOptions> {
        let select = match (self.task, self.agent, self.ranges.is_empty()) {
            (Some(task), None, true) => Select::Task(task),
            (None, Some(agent), true) => Select::Agent(agent),
            (None, None, false) => Select::Ranges(self.ranges),
            _ => {
                return Err(InputError::Argument(
                    "revert needs exactly one of --task ID, --agent NAME or a RANGE".to_owned(),
                )
                .into());
            }
        };
        Ok(RevertOptions {
            dir,
            rules: RulesRequest::from_env(self.rules),
            select,
            onto: self.onto,
            branch: self.branch,
            squash: self.squash,
            dry_run: self.dry_run,
            format: self.format,
            threads: self.threads,
            env,
        })
    }
}

/// Selects, plans and (unless a dry run or a conflict) writes the reverts; reports to
/// `out`.
pub fn run(opts: &RevertOptions, out: &mut dyn Write) -> Result<Outcome> {
    let repo = Repo::discover(&opts.dir)?;
    let onto_spec = opts.onto.clone().unwrap_or_else(|| "HEAD".to_owned());
    let onto = repo.resolve_commit(&onto_spec)?;
    let branch = match (&opts.branch, &opts.select) {
        (Some(branch), _) => branch.clone(),
        (None, Select::Task(id) | Select::Agent(id)) => format!("revert/{id}"),
        (None, Select::Ranges(_)) => {
            return Err(InputError::Argument(
                "reverting a RANGE needs --branch NAME for the new branch".to_owned(),
            )
            .into());
        }
    };
    if let Some(problem) = repo.branch_unavailable(&branch)? {
        return Err(InputError::Argument(format!(
            "{problem}; nothing was written (name another with --branch)"
        ))
        .into());
    }
    let env = |key: &str| {
        opts.env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let stamps = if opts.dry_run {
        None
    } else {
        Some(revert::identities(
            &repo,
            &env,
            OffsetDateTime::now_utc().unix_timestamp(),
        )?)
    };

    let history = revert::topo_order(&repo, &repo.resolve_range(&[onto.to_string()])?)?;
    let selected = select(&repo, opts, &onto_spec, &history)?;
    let what = match &opts.select {
        Select::Task(id) => format!("task {id}"),
        Select::Agent(name) => format!("{name}'s commits"),
        Select::Ranges(r) => r.join(" "),
    };
    if selected.is_empty() {
        return Err(InputError::Argument(format!(
            "nothing to revert: no commit reachable from {onto_spec} matches {what}"
        ))
        .into());
    }
    let task = match &opts.select {
        Select::Task(id) => Some(id.as_str()),
        _ => None,
    };
    let mut plan = revert::plan(&repo, &onto, &selected, &history, task)?;

    let mut tip = None;
    let conflict = plan.conflicts();
    // A conflict is reported as one (exit 1) even when nothing else would be reverted.
    let nothing = !conflict && plan.to_revert().next().is_none();
    if !opts.dry_run
        && !conflict
        && !nothing
        && let Some((author, committer)) = &stamps
    {
        let squash = opts.squash.then(|| {
            let subject = match &opts.select {
                Select::Task(id) => format!("Revert task {id}"),
                Select::Agent(name) => format!("Revert {name}'s commits"),
                Select::Ranges(r) => format!("Revert {}", r.join(" ")),
            };
            revert::squash_message(&subject, &plan, task)
        });
        tip = revert::write(&repo, &mut plan, squash.as_deref(), author, committer)?;
        if let Some(tip) = &tip {
            repo.create_branch(&branch, tip, &format!("agentfence revert: {what}"))?;
        }
    }

    match opts.format {
        RevertFormat::Json => render_json(&plan, &branch, tip.as_ref(), out)?,
        RevertFormat::Text => render_text(&plan, &branch, tip.as_ref(), opts.dry_run, out)?,
    }
    if nothing {
        return Err(InputError::Argument(format!(
            "nothing to revert: every commit of {what} is already reverted or a clean merge"
        ))
        .into());
    }
    Ok(if conflict {
        Outcome::Rejected
    } else {
        Outcome::Clean
    })
}

/// The selected commits, newest first, among `history` (reachable from `--onto`).
fn select(
    repo: &Repo,
    opts: &RevertOptions,
    onto_spec: &str,
    history: &[ObjectId],
) -> Result<Vec<ObjectId>> {
    if let Select::Ranges(ranges) = &opts.select {
        // Ordered as `git rev-list --topo-order RANGE` orders the range itself.
        let reachable: HashSet<&ObjectId> = history.iter().collect();
        let range: Vec<ObjectId> = repo
            .resolve_range(ranges)?
            .into_iter()
            .filter(|id| reachable.contains(id))
            .collect();
        return revert::topo_order(repo, &range);
    }
    let layers = rules_source::load_layers(
        &opts.rules,
        Some(repo),
        &Trusted::Revision(onto_spec.to_owned()),
    )?;
    let gate = Gate::new(
        repo,
        &layers,
        &Actor::default(),
        OffsetDateTime::now_utc(),
        true,
        opts.threads,
    );
    let engines: Vec<&Engine<'_>> = gate.engines.iter().map(|(_, e)| e).collect();
    let keep = git::par_map_commits(&repo.location(), history, opts.threads, |repo, id| {
        let judged = pipeline::judge(repo, &engines, id, false)?;
        Ok::<bool, crate::Error>(match &opts.select {
            Select::Task(task) => {
                let measured = measure::from_judged(&judged, 0, Some(measure::Size::default()));
                measured.task.as_deref() == Some(task.as_str())
            }
            Select::Agent(name) => judged
                .outcomes
                .iter()
                .any(|o| o.attribution.owners.iter().any(|w| w.agent == *name)),
            Select::Ranges(_) => false,
        })
    })?;
    Ok(history
        .iter()
        .zip(keep)
        .filter(|(_, keep)| *keep)
        .map(|(id, _)| id.clone())
        .collect())
}

fn status_name(status: &Status) -> &'static str {
    match status {
        Status::Clean => "clean",
        Status::Reverted => "reverted",
        Status::Skipped(_) => "skipped",
        Status::Conflict => "conflict",
    }
}

fn render_json(
    plan: &Plan,
    branch: &str,
    tip: Option<&ObjectId>,
    out: &mut dyn Write,
) -> Result<()> {
    let commits: Vec<serde_json::Value> = plan
        .commits
        .iter()
        .map(|c| {
            json!({
                "commit": c.commit.to_string(),
                "subject": c.subject,
                "status": status_name(&c.status),
                "revert": c.revert.as_ref().map(ToString::to_string),
                "reverted_by": c.reverted_by.as_ref().map(ToString::to_string),
                "paths": c.paths,
            })
        })
        .collect();
    let value = json!({
        "branch": branch,
        "onto": plan.onto.to_string(),
        "tip": tip.map(ToString::to_string),
        "commits": commits,
    });
    serde_json::to_writer_pretty(&mut *out, &value).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

fn short(id: &ObjectId) -> &str {
    &id.as_str()[..12]
}

fn render_text(
    plan: &Plan,
    branch: &str,
    tip: Option<&ObjectId>,
    dry_run: bool,
    out: &mut dyn Write,
) -> Result<()> {
    for c in &plan.commits {
        let what = match &c.status {
            Status::Clean => "reverts cleanly".to_owned(),
            Status::Reverted => match &c.revert {
                Some(r) => format!("reverted by {}", short(r)),
                None => "reverted".to_owned(),
            },
            Status::Skipped(SkipReason::AlreadyReverted) => match &c.reverted_by {
                Some(r) => format!("skipped: already reverted by {}", short(r)),
                None => "skipped: already reverted".to_owned(),
            },
            Status::Skipped(SkipReason::NothingLeft) => {
                "skipped: its changes are already gone, nothing left to revert".to_owned()
            }
            Status::Skipped(SkipReason::CleanMerge) => {
                "skipped: a clean merge, nothing beyond git's automatic merge".to_owned()
            }
            Status::Skipped(SkipReason::RevertOfSkipped(of)) => {
                format!("skipped: it reverts {}, which stays reverted", short(of))
            }
            Status::Conflict => format!("CONFLICT in {}", c.paths.join(", ")),
        };
        writeln!(out, "{}  {}  {what}", short(&c.commit), c.subject)?;
        if c.status == Status::Conflict && !c.later.is_empty() {
            let later: Vec<&str> = c.later.iter().map(short).collect();
            writeln!(
                out,
                "    later commits touching those paths: {}",
                later.join(", ")
            )?;
        }
    }
    let count = plan.to_revert().count();
    if plan.conflicts() {
        writeln!(
            out,
            "\nNothing was written: a revert conflicts. Revert the later commits that touch those paths too, or resolve by hand with `git revert`."
        )?;
    } else if count == 0 {
        writeln!(out, "\nNothing to revert.")?;
    } else if dry_run {
        writeln!(
            out,
            "\n{count} commit(s) revert cleanly onto {}; run again without --dry-run to write the branch {branch}.",
            short(&plan.onto)
        )?;
    } else if let Some(tip) = tip {
        writeln!(
            out,
            "\nWrote branch {branch} at {} ({count} commit(s) reverted onto {}).\nNext: git push origin {branch}, then open a pull request from {branch}.",
            short(tip),
            short(&plan.onto)
        )?;
    }
    Ok(())
}
