//! `agentfence rules check|default|schema`: validate a rules file, print the embedded
//! default, print the rules file's JSON Schema.

use std::io::Write;
use std::path::Path;

use crate::Result;
use crate::rules;

/// Validates the rules file at `path` and writes a one-line summary to `out`, e.g.
/// `rules.yaml: valid (3 agents, 2 policies, 4 tasks)`. An invalid file is an
/// [`Error::Rules`](crate::Error::Rules) listing every problem, one per line.
pub fn check(path: &Path, out: &mut dyn Write) -> Result<()> {
    let loaded = rules::load_file(path)?;
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

/// Prints the JSON Schema of the rules file (draft-07), as published in
/// `schema/agentfence.schema.json`.
pub fn print_schema(out: &mut dyn Write) -> Result<()> {
    out.write_all(rules::schema::json().as_bytes())?;
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
