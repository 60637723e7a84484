//! `agentfence check`: lint a commit series (a pull request's range) in CI.

use std::io::Write;
use std::path::PathBuf;

use time::OffsetDateTime;

use super::Outcome;
use crate::Result;
use crate::attribution::Actor;
use crate::gate::{self, Gate};
use crate::git::Repo;
use crate::input::InputError;
use crate::model::RefUpdate;
use crate::report::{Format, RenderOptions};
use crate::rules_source::{self, Layers, RulesRequest, Trusted};

/// The range `check` lints when none is given.
pub const DEFAULT_RANGE: &str = "@{upstream}..HEAD";

/// Options of `agentfence check`.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The repository.
    pub dir: PathBuf,
    /// Where the rules come from, before the repository is consulted.
    pub rules: RulesRequest,
    /// `--base REV`: the revision whose committed rules are trusted.
    pub base: Option<String>,
    /// `--ref REF`: the branch the series is meant for (checked against `refs`).
    pub target_ref: Option<String>,
    /// Revision ranges; empty means [`DEFAULT_RANGE`].
    pub ranges: Vec<String>,
    /// Report format.
    pub format: Format,
    /// Colour in the text report.
    pub color: bool,
    /// Report every violation as a warning and exit 0.
    pub audit: bool,
    /// The authenticated pusher, when the series is being pushed by someone known.
    pub pushers: Vec<String>,
    /// Worker threads (0: one per core).
    pub threads: usize,
}

/// Runs the check and writes the report to `out`; warnings (one line each) go to `err`.
pub fn run(opts: &CheckOptions, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome> {
    let repo = Repo::discover(&opts.dir)?;
    let ranges = if opts.ranges.is_empty() {
        if repo.resolve_commit("@{upstream}").is_err() {
            return Err(InputError::Argument(format!(
                "no RANGE given and the current branch has no upstream, so {DEFAULT_RANGE} means nothing; name the range, e.g. agentfence check origin/main..HEAD"
            ))
            .into());
        }
        vec![DEFAULT_RANGE.to_owned()]
    } else {
        opts.ranges.clone()
    };
    let baseline = rules_source::load_baseline(&opts.rules, Some(&repo))?;
    let repository = match rules_source::load_outside(&opts.rules, Some(&repo))? {
        Some(in_force) => in_force,
        None => {
            let Some(base) = opts.base.clone().or_else(|| trusted_base(&ranges)) else {
                return Err(InputError::Argument(format!(
                    "the range {} has no trusted base to read the rules from (only A..B, ^A B and A...B name one: A); the commits being checked must not supply their own rules: pass --base REV (the target branch's tip) or --rules FILE",
                    ranges.join(" ")
                ))
                .into());
            };
            rules_source::load(&opts.rules, Some(&repo), &Trusted::Revision(base))?
        }
    };
    if let Some(warning) = rules_source::worktree_warning(&repo, &repository)? {
        // A warning that cannot be written changes nothing.
        let _ = writeln!(err, "agentfence: {warning}");
    }
    let actor = Actor {
        pushing: !opts.pushers.is_empty(),
        pushers: opts.pushers.clone(),
        ..Actor::default()
    };
    let layers = Layers {
        baseline,
        repository,
    };
    gate::require_pusher(&layers, &actor, &["--pusher", "AGENTFENCE_PUSHER"])?;
    let commits = repo.resolve_range(&ranges)?;
    let updates: Vec<RefUpdate> = opts
        .target_ref
        .iter()
        .map(|name| RefUpdate {
            name: full_ref_name(name),
            old: None,
            new: commits.first().cloned(),
            forced: false,
            brought: commits.clone(),
            target_is_commit: true,
        })
        .collect();
    let gate = Gate::new(
        &repo,
        &layers,
        &actor,
        OffsetDateTime::now_utc(),
        opts.audit,
        opts.threads,
    );
    let report = gate.judge_push(&updates, &commits)?;
    let render = RenderOptions {
        color: opts.color,
        hook: false,
    };
    gate::conclude(&report, opts.format, &render, out)
}

/// `main` → `refs/heads/main`; a full name (`refs/...`) is kept.
pub fn full_ref_name(name: &str) -> String {
    if name.starts_with("refs/") {
        name.to_owned()
    } else {
        format!("refs/heads/{name}")
    }
}

/// The range's trusted base: its one excluded revision (`A` in `A..B` or `^A B`), or for
/// `A...B` the target `A` (never the merge base, which the branch's author chooses by where
/// it forks). Any other range (a single revision, several excluded revisions) has none.
pub fn trusted_base(ranges: &[String]) -> Option<String> {
    let mut excluded = Vec::new();
    for spec in ranges {
        if let Some(rev) = spec.strip_prefix('^') {
            excluded.push(rev.to_owned());
        } else if let Some((base, _)) = spec.split_once("...") {
            excluded.push(if base.is_empty() { "HEAD" } else { base }.to_owned());
        } else if let Some((base, _)) = spec.split_once("..") {
            excluded.push(if base.is_empty() { "HEAD" } else { base }.to_owned());
        }
    }
    match excluded.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_base_is_the_one_trusted_base() {
        assert_eq!(
            trusted_base(&specs(&["main..HEAD"])).as_deref(),
            Some("main")
        );
        assert_eq!(trusted_base(&specs(&["..topic"])).as_deref(), Some("HEAD"));
        assert_eq!(
            trusted_base(&specs(&["^v1", "topic"])).as_deref(),
            Some("v1")
        );
        assert_eq!(
            trusted_base(&specs(&["@{upstream}..HEAD"])).as_deref(),
            Some("@{upstream}")
        );
        assert_eq!(trusted_base(&specs(&["a...b"])).as_deref(), Some("a"));
        assert_eq!(trusted_base(&specs(&["a..."])).as_deref(), Some("a"));
        assert_eq!(trusted_base(&specs(&["a...b", "^c"])), None);
        assert_eq!(trusted_base(&specs(&["^a", "^b", "c"])), None);
        assert_eq!(trusted_base(&specs(&["topic"])), None);
    }
}
