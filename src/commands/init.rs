//! `agentfence init`: writes a starter `.agentfence.yaml` at the root of the working tree.
//!
//! It looks at the most recent commits of `HEAD` for the markers of the agents agentfence
//! knows (the presets: trailers, author and committer names) and names the agents it
//! found, with their commit counts, first in the file. Every other known agent is listed
//! too, under the same policy: a starter that covered only the agents seen so far would be
//! looser than the embedded default rules it replaces. The policy is the embedded
//! default's `agents` policy, to be edited.
//!
//! The file opens with a `yaml-language-server` schema line, so editors complete and check
//! it; it is validated before it is written, and an existing file is never replaced
//! without `--force`. The output says the one thing a newcomer must know next: rules take
//! effect once committed, never from the working tree.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::setup::SetupError;
use crate::Result;
use crate::attribution;
use crate::git::Repo;
use crate::model::CommitFacts;
use crate::rules::{self, Matcher, presets};
use crate::trailers;

/// How many of HEAD's most recent commits `init` reads by default.
pub const DEFAULT_COMMITS: usize = 1000;

/// The file `init` writes, at the root of the working tree.
pub const RULES_FILE: &str = ".agentfence.yaml";

/// Where the JSON Schema of this version's rules file is published.
pub use crate::rules::schema::SCHEMA_URL;

/// Options of `agentfence init`.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// A directory inside the working tree.
    pub dir: PathBuf,
    /// Replace an existing file.
    pub force: bool,
    /// How many of HEAD's most recent commits to read.
    pub commits: usize,
}

/// The agents found in a history: how many commits each preset's markers own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detected {
    /// Commits read.
    pub examined: usize,
    /// `(preset, commits)` for every preset seen, most commits first (ties: preset order).
    pub agents: Vec<(&'static str, usize)>,
}

/// Detects the agents in HEAD's recent history, writes the starter file and says what it
/// did on `out`.
pub fn run(opts: &InitOptions, out: &mut dyn Write) -> Result<()> {
    let repo = Repo::discover(&opts.dir)?;
    let root = work_tree(&opts.dir).ok_or_else(|| SetupError::Bare {
        path: opts.dir.clone(),
        what: "init",
    })?;
    let path = root.join(RULES_FILE);
    if path.exists() && !opts.force {
        return Err(SetupError::Exists { path }.into());
    }
    let detected = detect(&repo, opts.commits)?;
    let text = starter(&detected, opts.commits);
    // The starter is ours: if it does not load, that is a bug, and nothing is written.
    rules::load_str(&text, RULES_FILE)?;
    std::fs::write(&path, &text).map_err(|source| SetupError::Write {
        path: path.clone(),
        source,
    })?;
    writeln!(out, "{}", summary(&detected))?;
    writeln!(
        out,
        "wrote {} (every agent agentfence knows, under the policy `agents`: edit it to fit)",
        path.display()
    )?;
    writeln!(
        out,
        "next: commit it; agentfence reads the rules from a commit (the default branch on a server, \
         the base in CI, HEAD in local hooks), never from the working tree:"
    )?;
    writeln!(out, "  agentfence rules check {RULES_FILE}")?;
    writeln!(
        out,
        "  git add {RULES_FILE} && git commit -m \"Add agentfence rules\""
    )?;
    Ok(())
}

/// The root of the working tree that contains `dir`: the nearest directory, from `dir`
/// up, that holds a `.git` entry (a directory, or a file for a linked worktree). `None` in
/// a bare repository.
fn work_tree(dir: &Path) -> Option<PathBuf> {
    let start = dir.canonicalize().ok()?;
    start
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// Reads up to `limit` of HEAD's most recent commits (git's default order) and counts
/// which preset's markers own each one. An unborn HEAD has no commits.
pub fn detect(repo: &Repo, limit: usize) -> Result<Detected> {
    if repo.resolve_commit("HEAD").is_err() {
        return Ok(Detected::default());
    }
    let ids = repo.resolve_range(&["HEAD".to_owned()])?;
    let matchers: Vec<(&'static str, Matcher)> = presets::names()
        .into_iter()
        .filter_map(|name| presets::matcher(name).map(|m| (name, m)))
        .collect();
    let mut counts = vec![0usize; matchers.len()];
    let mut examined = 0;
    for id in ids.iter().take(limit) {
        let facts = repo.commit_facts(id)?;
        examined += 1;
        if let Some(i) = matchers.iter().position(|(_, m)| marks(m, &facts)) {
            counts[i] += 1;
        }
    }
    let mut agents: Vec<(&'static str, usize)> = matchers
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|((name, _), n)| (*name, n))
        .collect();
    // Stable: equal counts keep the presets' order.
    agents.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    Ok(Detected { examined, agents })
}

/// True when a commit carries one of the matcher's commit markers (trailer, author,
/// committer), as ownership reads them.
fn marks(matcher: &Matcher, facts: &CommitFacts) -> bool {
    let trailers = trailers::parse(&facts.message);
    attribution::message_marker(matcher, &trailers).is_some()
        || matcher
            .author
            .iter()
            .any(|re| re.is_match(&facts.author.to_string()))
        || matcher
            .committer
            .iter()
            .any(|re| re.is_match(&facts.committer.to_string()))
}

/// One line: what was found.
fn summary(detected: &Detected) -> String {
    if detected.examined == 0 {
        return "agentfence init: no commits yet, so no agent seen; every known agent is listed"
            .to_owned();
    }
    let found = if detected.agents.is_empty() {
        "no agent's markers".to_owned()
    } else {
        detected
            .agents
            .iter()
            .map(|(name, n)| format!("{name} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let owned: usize = detected.agents.iter().map(|(_, n)| n).sum();
    format!(
        "agentfence init: read the last {} of HEAD: {found} ({} by no known agent)",
        plural(detected.examined, "commit"),
        detected.examined - owned
    )
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The starter rules file for what was detected.
pub fn starter(detected: &Detected, limit: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# yaml-language-server: $schema={SCHEMA_URL}");
    s.push_str(
        "#\n\
         # agentfence rules for this repository, written by `agentfence init`: what AI coding\n\
         # agents may change here. Reference: https://github.com/agentfence/agentfence/blob/main/docs/rules.md\n\
         #\n\
         # agentfence reads this file as committed (on the default branch for the server hook,\n\
         # at the range's base for `check`, at HEAD for local hooks), never from the working\n\
         # tree: commit it for it to take effect. Check it with `agentfence rules check`.\n",
    );
    if detected.examined == 0 {
        s.push_str("#\n# No commits yet: no agent seen.\n");
    } else if detected.agents.is_empty() {
        let _ = writeln!(
            s,
            "#\n# No agent's markers in the last {} of HEAD.",
            plural(detected.examined, "commit")
        );
    } else {
        let _ = writeln!(
            s,
            "#\n# Agents whose markers appear in the last {} of HEAD (at most {limit} read):",
            plural(detected.examined, "commit")
        );
        for (name, n) in &detected.agents {
            let _ = writeln!(s, "#   {name:<12} {}", plural(*n, "commit"));
        }
    }
    s.push_str("version: 1\n\nagents:\n");
    let seen: Vec<&str> = detected.agents.iter().map(|(name, _)| *name).collect();
    if !seen.is_empty() {
        s.push_str("  # Seen in this repository's history.\n");
        for name in &seen {
            let _ = writeln!(s, "  - {{name: {name}, preset: {name}, policy: agents}}");
        }
        s.push_str("  # Not seen yet: listed so that no agent agentfence knows goes unchecked.\n");
    }
    for name in presets::names().into_iter().filter(|n| !seen.contains(n)) {
        let _ = writeln!(s, "  - {{name: {name}, preset: {name}, policy: agents}}");
    }
    s.push_str(
        "  # An agent that pushes with its own account is bound by that account, trailer or not:\n\
         #   - {name: my-bot, match: {pusher: [svc-my-bot]}, policy: agents}\n\n",
    );
    s.push_str(default_policies());
    s
}

/// The `policies:` section of the embedded default rules, to its end.
fn default_policies() -> &'static str {
    let text = rules::DEFAULT_RULES;
    text.find("\npolicies:\n")
        .map_or(text, |at| &text[at + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_loads_for_every_detection() {
        let cases = [
            Detected::default(),
            Detected {
                examined: 40,
                agents: Vec::new(),
            },
            Detected {
                examined: 40,
                agents: vec![("aider", 7), ("claude-code", 3)],
            },
        ];
        for detected in cases {
            let text = starter(&detected, 1000);
            let loaded = rules::load_str(&text, RULES_FILE).expect("the starter loads");
            // Every known agent is covered, the detected ones first.
            assert_eq!(loaded.agents.len(), presets::names().len(), "{text}");
            for (i, (name, _)) in detected.agents.iter().enumerate() {
                assert_eq!(loaded.agents[i].name, *name, "{text}");
            }
            assert!(text.starts_with("# yaml-language-server: $schema=https://"));
        }
    }

    #[test]
    fn the_default_policies_are_found() {
        assert!(default_policies().starts_with("policies:\n"));
    }

    #[test]
    fn summaries() {
        let d = Detected {
            examined: 10,
            agents: vec![("claude-code", 3), ("aider", 2)],
        };
        assert_eq!(
            summary(&d),
            "agentfence init: read the last 10 commits of HEAD: claude-code 3, aider 2 (5 by no known agent)"
        );
    }
}
