//! The JSON report: exactly the shape CONTRACT.md ("Reports") promises scripts.
//!
//! ```json
//! {"verdict": "rejected", "checked": {"commits": 12, "refs": 1},
//!  "violations": [{"rule": "path-scope", "severity": "error", "commit": "<hex>",
//!                  "ref": "refs/heads/agent/x", "agent": "claude-code", "task": "PROJ-1",
//!                  "path": "src/x.rs", "limit": null, "actual": null, "message": "..."}]}
//! ```
//!
//! Every key is always present, `null` where it does not apply. Key order follows the
//! contract because the view structs below declare their fields in that order (serde
//! serializes struct fields in declaration order).

use std::io::{self, Write};

use serde::Serialize;

use crate::check::Report;
use crate::violation::Violation;

use super::verdict;

/// The whole report, as serialized.
#[derive(Serialize)]
struct JsonReport<'a> {
    verdict: &'static str,
    checked: Checked,
    violations: Vec<JsonViolation<'a>>,
}

/// What was examined.
#[derive(Serialize)]
struct Checked {
    commits: usize,
    refs: usize,
}

/// One violation in the contract's JSON shape; also what `explain --format json` lists
/// under each commit's `violations`.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct JsonViolation<'a> {
    /// The rule id, e.g. `path-scope`.
    pub rule: &'static str,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// The full commit id (40 or 64 hex digits), or `null`.
    pub commit: Option<&'a str>,
    /// The ref name, or `null`.
    #[serde(rename = "ref")]
    pub ref_name: Option<&'a str>,
    /// The agent, or `null`.
    pub agent: Option<&'a str>,
    /// The task, or `null`.
    pub task: Option<&'a str>,
    /// The repository-relative path, or `null`.
    pub path: Option<&'a str>,
    /// The limit crossed, or `null`.
    pub limit: Option<u64>,
    /// The value that crossed it, or `null`.
    pub actual: Option<u64>,
    /// One sentence: what crossed which line.
    pub message: &'a str,
    /// `baseline` or `repository`, present whenever a baseline layer is in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<&'static str>,
}

impl<'a> From<&'a Violation> for JsonViolation<'a> {
    fn from(v: &'a Violation) -> Self {
        JsonViolation {
            rule: v.rule.as_str(),
            severity: v.severity.as_str(),
            commit: v.commit.as_ref().map(|c| c.as_str()),
            ref_name: v.ref_name.as_deref(),
            agent: v.agent.as_deref(),
            task: v.task.as_deref(),
            path: v.path.as_deref(),
            limit: v.limit,
            actual: v.actual,
            message: &v.message,
            layer: v.layer.map(crate::violation::Layer::as_str),
        }
    }
}

/// Renders the JSON report, pretty-printed, with a final newline.
pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = JsonReport {
        verdict: verdict(report),
        checked: Checked {
            commits: report.commits,
            refs: report.refs,
        },
        violations: report.violations.iter().map(JsonViolation::from).collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
