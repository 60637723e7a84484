//! The GitLab Code Quality report: a JSON array with one issue per violation, the format
//! GitLab reads from a job's `artifacts: reports: codequality:` file and shows in merge
//! requests and pipelines.
//!
//! ```json
//! [{"description": "src/x.rs is outside ... (commit 3f2a9c1b0d, agent claude-code). How to get back inside: ...",
//!   "check_name": "path-scope", "fingerprint": "7065217953bc5bd5", "severity": "critical",
//!   "location": {"path": "src/x.rs", "lines": {"begin": 1}}}]
//! ```
//!
//! - `check_name` is the rule id; `severity` is `critical` for an error (it rejects) and
//!   `minor` for a warning.
//! - `fingerprint` is the SARIF report's stable hash of the finding, so GitLab matches
//!   the same finding across pipelines; a second finding with the same hash in one report
//!   gets the occurrence number hashed in, since GitLab keeps one issue per fingerprint.
//! - A violation without a path (ref scope, push limits, task rules) is located at
//!   `.agentfence.yaml`, the rules file at the repository root, as in SARIF: GitLab needs
//!   a path, and the rules file is where the boundary is drawn. Lines are always
//!   `begin: 1`: violations are about whole files and commits.
//! - An accepted run with no violations is `[]`. Everything from the repository is a JSON
//!   string, escaped by serde_json.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::check::Report;
use crate::violation::{Severity, Violation};

use super::context_words;
use super::sarif::fingerprint;

/// Where violations without a path are located.
const RULES_FILE: &str = ".agentfence.yaml";

/// One Code Quality issue.
#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

/// Renders the Code Quality JSON array, pretty-printed, with a final newline.
pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut seen: HashMap<String, u32> = HashMap::new();
    let issues: Vec<Issue<'_>> = report
        .violations
        .iter()
        .map(|v| {
            let base = fingerprint(v);
            let count = seen.entry(base.clone()).or_insert(0);
            *count += 1;
            let fingerprint = match *count {
                1 => base,
                n => format!("{base}-{n}"),
            };
            issue(v, fingerprint)
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}

fn issue(v: &Violation, fingerprint: String) -> Issue<'_> {
    Issue {
        description: format!(
            "{} ({}). How to get back inside: {}",
            v.message,
            context_words(v),
            v.rule.help()
        ),
        check_name: v.rule.as_str(),
        fingerprint,
        severity: match v.severity {
            Severity::Error => "critical",
            Severity::Warning => "minor",
        },
        location: Location {
            path: v.path.as_deref().unwrap_or(RULES_FILE),
            lines: Lines { begin: 1 },
        },
    }
}
