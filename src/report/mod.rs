//! Reports: a finished [`Report`] rendered for whoever reads it.
//!
//! Six renderers, one per [`Format`], each a pure function from a report to bytes on a
//! `&mut dyn Write` (the library never prints):
//!
//! - **text** — for people and for git hooks, whose stderr reaches the pusher as `remote:`
//!   lines: a verdict line, one aligned line per violation, then how to get back inside the
//!   boundary, once per rule crossed;
//! - **json** — the shape CONTRACT.md fixes, for scripts;
//! - **sarif** — SARIF 2.1.0, for GitHub code scanning and other SARIF viewers;
//! - **github** — GitHub Actions workflow commands, one annotation per violation;
//! - **junit** — JUnit XML, one test case per violation, for CI test dashboards;
//! - **gitlab** — GitLab Code Quality JSON, one issue per violation, for merge requests.
//!
//! Nothing here judges: the verdict is [`Report::rejected`], counts are [`Report::count`].

mod github;
mod gitlab;
mod json;
mod junit;
mod sarif;
mod text;

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use crate::check::Report;
use crate::violation::{Severity, Violation};

pub use json::JsonViolation;

/// A report format, as `--format` names it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, clap::ValueEnum)]
pub enum Format {
    /// Plain lines for people and for hooks (the default).
    #[default]
    Text,
    /// JSON: the verdict, counts and every violation with its fields, for scripts.
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// JUnit XML, one test case per violation, for CI test dashboards.
    Junit,
    /// GitLab Code Quality JSON, for merge request widgets.
    Gitlab,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: &'static [Format] = &[
        Format::Text,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Junit,
        Format::Gitlab,
    ];

    /// The name `--format` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Junit => "junit",
            Format::Gitlab => "gitlab",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `--format` value that names no format.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("unknown report format '{given}' (expected text, json, sarif, github, junit or gitlab)")]
pub struct UnknownFormat {
    /// What was given.
    pub given: String,
}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Parses `text`, `json`, `sarif`, `github`, `junit` or `gitlab` (exactly; formats are
    /// lowercase).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownFormat {
                given: s.to_owned(),
            })
    }
}

/// How to render, beyond the format.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct RenderOptions {
    /// Colour the text report with ANSI escapes (red errors, yellow warnings, dim ids).
    /// Only the text format colours; hook mode never does.
    pub color: bool,
    /// Hook mode: the text goes to stderr, which git relays to the pusher as `remote:`
    /// lines. Never coloured, whatever `color` says: the pusher's terminal may not be
    /// one, and git prefixes every line, so an escape cut across lines would leak.
    pub hook: bool,
}

/// Renders `report` in `format` to `out`.
///
/// The only error is the writer's; a broken pipe is the caller's to judge.
pub fn render(
    report: &Report,
    format: Format,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text::render(report, opts, out),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Github => github::render(report, out),
        Format::Junit => junit::render(report, out),
        Format::Gitlab => gitlab::render(report, out),
    }
}

/// `accepted` or `rejected`, as every format spells the verdict.
fn verdict(report: &Report) -> &'static str {
    if report.rejected() {
        "rejected"
    } else {
        "accepted"
    }
}

/// `1 commit`, `2 commits`.
fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The one-line summary, without colour:
/// `agentfence: rejected: 2 errors, 1 warning in 12 commits, 1 ref` or
/// `agentfence: accepted: 12 commits, 1 ref checked, no violations`.
/// The summary every text report opens with: the verdict, what was checked, the commits
/// per owner and the rules in force, e.g.
/// `agentfence: accepted: 3 commits (claude-code 2, unchecked 1), 1 ref; rules: embedded default`.
fn summary_line(report: &Report) -> String {
    let owners = if report.owners.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = report
            .owners
            .iter()
            .map(|(name, n)| format!("{} {n}", text::escape(name)))
            .collect();
        format!(" ({})", list.join(", "))
    };
    let rules = if report.rules.is_empty() {
        String::new()
    } else {
        format!("; rules: {}", text::escape(&report.rules))
    };
    let checked = format!(
        "{}{owners}, {}",
        plural(report.commits, "commit", "commits"),
        plural(report.refs, "ref", "refs")
    );
    if report.violations.is_empty() {
        return format!(
            "agentfence: {}: {checked}, no violations{rules}",
            verdict(report)
        );
    }
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let mut counts = Vec::new();
    if errors > 0 {
        counts.push(plural(errors, "error", "errors"));
    }
    if warnings > 0 {
        counts.push(plural(warnings, "warning", "warnings"));
    }
    format!(
        "agentfence: {}: {} in {checked}{rules}",
        verdict(report),
        counts.join(", ")
    )
}

/// Where a violation happened, for people: the short commit id (`staged` for the commit a
/// local hook judges before it exists: the all-zero id), else the ref, else `push`.
fn location(v: &Violation) -> &str {
    match (&v.commit, &v.ref_name) {
        (Some(commit), _) if commit.is_zero() => "staged",
        (Some(commit), _) => commit.short(),
        (None, Some(name)) => name,
        (None, None) => "push",
    }
}

/// Where a violation happened, in words: `commit 3f2a9c1b0d`, `ref refs/heads/main`, `push`.
fn where_words(v: &Violation) -> String {
    match (&v.commit, &v.ref_name) {
        (Some(_), _) => format!("commit {}", location(v)),
        (None, Some(_)) => format!("ref {}", location(v)),
        (None, None) => location(v).to_owned(),
    }
}

/// Where and who, for formats whose message stands alone:
/// `commit 3f2a9c1b0d, agent claude-code`.
fn context_words(v: &Violation) -> String {
    match &v.agent {
        Some(agent) => format!("{}, agent {agent}", where_words(v)),
        None => where_words(v),
    }
}

#[cfg(test)]
mod tests;
