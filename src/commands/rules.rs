//! `agentfence rules check|default|schema`: validate a rules file, print the embedded
//! default, print the rules file's JSON Schema.

use std::io::Write;
use std::path::Path;

use crate::Result;
use crate::rules;

/// Validates the rules file at `path`, and the signatures files it names (read beside
/// it), and writes a one-line summary to `out`, e.g.
/// `rules.yaml: valid (3 agents, 2 policies, 4 tasks)`. An invalid file is an
/// [`Error::Rules`](crate::Error::Rules) listing every problem, one per line. Warnings are
/// dropped: use [`check_with_warnings`] where there is a place to show them.
pub fn check(path: &Path, out: &mut dyn Write) -> Result<()> {
    check_with_warnings(path, out, &mut std::io::sink())
}

/// [`check`], writing each warning about a valid file to `err` as one line
/// (`agentfence: warning: FILE:LINE:COL: key.path: message`). Warnings never fail the
/// check.
pub fn check_with_warnings(path: &Path, out: &mut dyn Write, err: &mut dyn Write) -> Result<()> {
    let (mut loaded, warnings) = rules::load_file_with_warnings(path)?;
    loaded.load_signature_files(rules::disk_reader(path.parent().unwrap_or(Path::new(""))))?;
    let origin = path.display().to_string();
    for warning in &warnings {
        writeln!(err, "agentfence: warning: {}", warning.render(&origin))?;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_go_to_err_one_line_each_and_the_check_passes() {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("r.yaml");
        std::fs::write(
            &file,
            "version: 1\nagents:\n  - {name: a, preset: amp, policy: p}\npolicies:\n  p:\n    refs: {allow: ['refs/heads/agent/**']}\n",
        )
        .expect("write");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        check_with_warnings(&file, &mut out, &mut err).expect("valid");
        let out = String::from_utf8(out).expect("utf-8");
        let err = String::from_utf8(err).expect("utf-8");
        assert!(
            out.ends_with("r.yaml: valid (1 agent, 1 policy, 0 tasks)\n"),
            "{out}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        let origin = file.display().to_string();
        assert!(
            err.starts_with(&format!("agentfence: warning: {origin}:6:11: policies.p.refs: restricts refs, but no agent that uses it (a) has a `pusher` match")),
            "{err}"
        );
        // With a pusher for the agent there is nothing to warn about.
        std::fs::write(
            &file,
            "version: 1\nagents:\n  - {name: a, preset: amp, match: {pusher: [svc-a]}, policy: p}\npolicies:\n  p:\n    refs: {allow: ['refs/heads/agent/**']}\n",
        )
        .expect("write");
        let mut err = Vec::new();
        check_with_warnings(&file, &mut Vec::new(), &mut err).expect("valid");
        assert!(err.is_empty(), "{}", String::from_utf8_lossy(&err));
    }
}
