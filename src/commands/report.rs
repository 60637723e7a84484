//! `agentfence report`: measure control over a history — per owner, task and ISO week —
//! as text, JSON or one self-contained HTML page (CONTRACT.md "report").
//!
//! Rules come from the trusted base as for `check` (`--base`, else the range's one
//! excluded revision, `A` of `A...B`), except that a single revision, or no RANGE
//! (`HEAD`), takes the rules committed at that revision: a report measures, it does not
//! gate. Every commit is judged in audit mode; the exit status is 0 unless the report could
//! not be made (2).

use std::io::Write;
use std::path::PathBuf;

use time::OffsetDateTime;

use super::Outcome;
use crate::Result;
use crate::attribution::Actor;
use crate::check::Engine;
use crate::gate::Gate;
use crate::git::Repo;
use crate::input::InputError;
use crate::measure::aggregate::{self, Context};
use crate::measure::window::{self, Edge, Window};
use crate::measure::{self, html, json, reverts, text};
use crate::rules_source::{self, RulesRequest, Trusted};

/// The formats `report` writes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, clap::ValueEnum)]
pub enum ReportFormat {
    /// Aligned tables for a terminal.
    #[default]
    Text,
    /// The contract's JSON, for scripts.
    Json,
    /// One self-contained HTML page with tables and charts.
    Html,
}

/// The command line of `agentfence report`.
#[derive(clap::Args, Debug, Clone)]
pub struct ReportArgs {
    /// The rules file (else AGENTFENCE_RULES, git config agentfence.rules, the committed
    /// .agentfence.yaml at the trusted base, the embedded default).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// The revision whose committed rules are trusted (default: the range's base; for a
    /// single revision, that revision).
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Measure commits committed at or after DATE (YYYY-MM-DD, 00:00:00 UTC, or RFC 3339).
    #[arg(long, value_name = "DATE", value_parser = parse_since)]
    pub since: Option<i64>,
    /// Measure commits committed at or before DATE (YYYY-MM-DD, 23:59:59 UTC, or RFC 3339).
    #[arg(long, value_name = "DATE", value_parser = parse_until)]
    pub until: Option<i64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub threads: usize,
    /// The decision log pre-receive wrote (else AGENTFENCE_LOG): owners as the gate saw
    /// them at push time, and rejected pushes per owner.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Revision ranges, as `git rev-list` takes them (default: HEAD). Options may follow
    /// them; after `--` every argument is a range, even one starting with `-`.
    #[arg(value_name = "RANGE")]
    pub ranges: Vec<String>,
}

fn parse_since(text: &str) -> std::result::Result<i64, String> {
    window::parse_bound(text, Edge::Since)
}

fn parse_until(text: &str) -> std::result::Result<i64, String> {
    window::parse_bound(text, Edge::Until)
}

/// Options of `agentfence report`.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// The repository.
    pub dir: PathBuf,
    /// Where the rules come from, before the repository is consulted.
    pub rules: RulesRequest,
    /// `--base REV`.
    pub base: Option<String>,
    /// Which committer times are measured.
    pub window: Window,
    /// Output format.
    pub format: ReportFormat,
    /// Where the report goes (`None`: the writer given to [`run`]).
    pub output: Option<PathBuf>,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// The decision log to read owners and rejected pushes from.
    pub log: Option<PathBuf>,
    /// Revision ranges; empty means `HEAD`.
    pub ranges: Vec<String>,
}

impl ReportArgs {
    /// The options these arguments give, for the repository at `dir`.
    pub fn into_options(self, dir: PathBuf) -> ReportOptions {
        ReportOptions {
            dir,
            rules: RulesRequest::from_env(self.rules),
            base: self.base,
            window: Window {
                since: self.since,
                until: self.until,
            },
            format: self.format,
            output: self.output,
            threads: self.threads,
            log: self.log.or_else(|| {
                std::env::var_os("AGENTFENCE_LOG")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            }),
            ranges: self.ranges,
        }
    }
}

/// The revision whose committed rules a report trusts, from its RANGE arguments: the one
/// excluded revision (`A` of `A..B`, `^A B` or `A...B`), or the one revision given. `None`
/// for anything else (several revisions, several exclusions).
pub fn trusted_base(ranges: &[String]) -> Option<String> {
    let head = |s: &str| {
        if s.is_empty() {
            "HEAD".to_owned()
        } else {
            s.to_owned()
        }
    };
    let mut excluded = Vec::new();
    let mut included = Vec::new();
    for spec in ranges {
        if let Some((a, _)) = spec.split_once("...") {
            excluded.push(head(a));
        } else if let Some(rev) = spec.strip_prefix('^') {
            excluded.push(rev.to_owned());
        } else if let Some((a, _)) = spec.split_once("..") {
            excluded.push(head(a));
        } else {
            included.push(spec.clone());
        }
    }
    match (excluded.as_slice(), included.as_slice()) {
        ([one], _) => Some(one.clone()),
        ([], [one]) if one != "--all" => Some(one.clone()),
        _ => None,
    }
}

/// Makes the report and writes it to `out` (or to `--output`). `progress`, when given,
/// receives a progress line now and then while commits are judged (a terminal's stderr).
pub fn run(
    opts: &ReportOptions,
    out: &mut dyn Write,
    mut progress: Option<&mut dyn Write>,
) -> Result<Outcome> {
    if let (Some(since), Some(until)) = (opts.window.since, opts.window.until)
        && since > until
    {
        return Err(InputError::Argument(format!(
            "--since ({}) is after --until ({}): nothing could be measured",
            window::rfc3339_utc(since),
            window::rfc3339_utc(until)
        ))
        .into());
    }
    let repo = Repo::discover(&opts.dir)?;
    let ranges = if opts.ranges.is_empty() {
        vec!["HEAD".to_owned()]
    } else {
        opts.ranges.clone()
    };
    let base = opts.base.clone().or_else(|| trusted_base(&ranges));
    let trusted = match base {
        Some(rev) => Trusted::Revision(rev),
        None => {
            let given = opts.rules.flag.is_some()
                || opts.rules.env.is_some()
                || repo.config_path("agentfence.rules")?.is_some();
            if !given {
                return Err(InputError::Argument(format!(
                    "the range '{}' has no one trusted revision to read .agentfence.yaml from; name it with --base REV, or give --rules FILE",
                    ranges.join(" ")
                ))
                .into());
            }
            // Sources 1-3 give the rules; the committed file is never read.
            Trusted::Head
        }
    };
    let layers = rules_source::load_layers(&opts.rules, Some(&repo), &trusted)?;
    let in_force = &layers.repository;
    let ids = repo.resolve_range(&ranges)?;
    let gate = Gate::new(
        &repo,
        &layers,
        &Actor::default(),
        OffsetDateTime::now_utc(),
        true,
        opts.threads,
    );
    let engines: Vec<&Engine<'_>> = gate.engines.iter().map(|(_, e)| e).collect();

    let total = ids.len();
    let started = std::time::Instant::now();
    let mut shown = started;
    let mut tick = |done: usize| {
        if let Some(err) = progress.as_deref_mut()
            && (done == total || shown.elapsed().as_millis() >= 200)
            && started.elapsed().as_millis() >= 500
        {
            shown = std::time::Instant::now();
            let _ = write!(err, "\ragentfence: judged {done}/{total} commits");
            if done == total {
                let _ = write!(err, "\r\x1b[K");
            }
            let _ = err.flush();
        }
    };
    let mut commits = measure::collect(&repo, &engines, &ids, opts.threads, &mut tick)?;
    let log = opts.log.as_deref().map(measure::logged::read).transpose()?;
    if let Some(log) = &log {
        // The owner the gate saw when the commit was pushed outranks what it says.
        for c in &mut commits {
            if let Some(owner) = log.owners.get(c.id.as_str()) {
                c.kind = match owner.as_str() {
                    measure::HUMANS => measure::OwnerKind::Human,
                    measure::UNCHECKED => measure::OwnerKind::Unchecked,
                    _ => measure::OwnerKind::Agent,
                };
                c.owner = owner.clone();
                c.logged = true;
            }
        }
    }
    let found = reverts::find(&repo, &commits)?;

    let ctx = Context {
        range: ranges,
        rules: layers.describe(),
        agents: in_force
            .rules
            .agents
            .iter()
            .map(|a| a.name.clone())
            .collect(),
        known_tasks: in_force.rules.tasks.keys().map(String::as_str).collect(),
        window: opts.window,
        rejected_pushes: log.map(|l| l.rejected_pushes),
    };
    let measures = aggregate::aggregate(&ctx, &commits, &found);

    let mut rendered = Vec::new();
    match opts.format {
        ReportFormat::Text => text::render(&measures, &mut rendered)?,
        ReportFormat::Json => json::render(&measures, &mut rendered)?,
        ReportFormat::Html => html::render(&measures, &mut rendered)?,
    }
    match &opts.output {
        Some(path) => std::fs::write(path, &rendered)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?,
        None => out.write_all(&rendered)?,
    }
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_trusted_base_of_a_report() {
        let base = |s: &[&str]| trusted_base(&specs(s));
        assert_eq!(base(&["main..HEAD"]).as_deref(), Some("main"));
        assert_eq!(base(&["..topic"]).as_deref(), Some("HEAD"));
        assert_eq!(base(&["^v1", "topic"]).as_deref(), Some("v1"));
        assert_eq!(base(&["main...topic"]).as_deref(), Some("main"));
        // A single revision measures under its own rules.
        assert_eq!(base(&["HEAD"]).as_deref(), Some("HEAD"));
        assert_eq!(base(&["v2.0"]).as_deref(), Some("v2.0"));
        assert_eq!(base(&["a", "b"]), None);
        assert_eq!(base(&["^a", "^b", "c"]), None);
        assert_eq!(base(&["--all"]), None);
    }
}
