//! `agentfence rules check|default`: validate a rules file, print the embedded default.

use std::io::Write;
use std::path::Path;

use crate::Result;
use crate::rules;

/// Validates the rules file at `path`, and the signatures files it names (read beside
/// it), and writes a one-line summary to `out`, e.g.
/// `rules.yaml: valid (3 agents, 2 policies, 4 tasks)`. An invalid file is an
/// [`Error::Rules`](crate::Error::Rules) listing every problem, one per line.
pub fn check(path: &Path, out: &mut dyn Write) -> Result<()> {
    let mut loaded = rules::load_file(path)?;
    loaded.load_signature_files(rules::disk_reader(path.parent().unwrap_or(Path::new(""))))?;
    writeln!(
        out,
        "{}: valid ({}, {}, {})",
        path.display(),
        count(loaded.agents.len(), "agent"),
        count(loaded.policies.len(), "policy"),
        count(loaded.tasks.len(), "task"),
    )?;
    Ok(())
}

/// Prints the embedded default rules.
pub fn print_default(out: &mut dyn Write) -> Result<()> {
    out.write_all(rules::DEFAULT_RULES.as_bytes())?;
    Ok(())
}

/// `1 agent`, `2 agents`, `1 policy`, `2 policies`.
fn count(n: usize, noun: &str) -> String {
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        (_, None) => format!("{n} {noun}s"),
    }
}
