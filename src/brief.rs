//! An agent's boundary in words it can follow: refs, paths, limits, task rules and the open
//! tasks granted to it, built from the compiled rules ([`Brief::new`]) and rendered as short
//! plain sentences ([`Brief::write_text`]) or as data (the struct is the JSON schema; it
//! serializes and deserializes losslessly).
//!
//! Pure: the caller passes the rules and the time at which tasks count as open.

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::rules::{Agent, Enforcement, GlobList, RULES_FILE_PATH, Rules, Scope};

/// The boundary of one or more agents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Brief {
    /// One entry per agent, in the rules' order.
    pub agents: Vec<AgentBrief>,
    /// What the server-wide baseline layer demands of the same agents as well (a change
    /// must pass both); absent when no baseline is in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Box<Brief>>,
}

/// One agent's boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentBrief {
    /// The agent's name.
    pub agent: String,
    /// The policy it answers to.
    pub policy: String,
    /// `enforce` (violations block) or `warn` (violations are only reported).
    pub enforcement: String,
    /// Refs it may create, update or delete (full ref-name globs).
    pub refs: ScopeBrief,
    /// Paths it may change (repository-relative globs). `deny` always includes the rules
    /// file.
    pub paths: ScopeBrief,
    /// Paths whose change lands only when a listed approver (a person) pushes it, and who
    /// those approvers are; absent when the policy names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalBrief>,
    /// How signatures bear on the agent's commits; absent when the rules name no signers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing: Option<SigningBrief>,
    /// Size limits; `null` is unlimited.
    pub limits: LimitsBrief,
    /// How commits name their task; `null` when no task is required.
    pub task: Option<TaskRuleBrief>,
    /// Forbidden operations, as rule ids (`force-push`, `binary`, ...).
    pub forbid: Vec<String>,
    /// Open (unexpired) tasks granted to this agent (or to any agent).
    pub tasks: Vec<TaskBrief>,
}

/// Allow and deny globs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeBrief {
    /// Present: everything must match one of these. `null`: anything not denied.
    pub allow: Option<Vec<String>>,
    /// Nothing may match one of these (case-insensitively).
    pub deny: Vec<String>,
}

/// The two-person rule of a policy: paths an agent prepares and a named person pushes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalBrief {
    /// The paths (matched ignoring case).
    pub paths: Vec<String>,
    /// Who may push such a change.
    pub approvers: Vec<String>,
}

/// How signatures bear on one agent's commits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningBrief {
    /// The principals of the agent's own key (`match.signer`): a good signature by one makes
    /// a commit the agent's.
    pub signer: Vec<String>,
    /// The policy that judges a commit no agent owns and no person signed
    /// (`signatures.unverified_policy`), if any.
    pub unverified_policy: Option<String>,
    /// True when every commit must carry a good signature (`forbid: [unsigned]`).
    pub must_sign: bool,
}

/// Size limits, each the largest value allowed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsBrief {
    /// Changed paths per commit.
    pub commit_files: Option<u64>,
    /// Added plus deleted lines per commit.
    pub commit_lines: Option<u64>,
    /// Added lines per commit.
    pub commit_added: Option<u64>,
    /// Deleted lines per commit.
    pub commit_deleted: Option<u64>,
    /// Bytes a reviewer must read per commit (added and deleted lines; binary files whole).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_bytes: Option<u64>,
    /// New commits per push.
    pub push_commits: Option<u64>,
    /// Distinct changed paths per push.
    pub push_files: Option<u64>,
    /// Changed lines per push.
    pub push_lines: Option<u64>,
    /// Bytes a reviewer must read per push.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_bytes: Option<u64>,
    /// Largest file added or modified, in bytes.
    pub file_size: Option<u64>,
}

/// The task rule of the agent's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskRuleBrief {
    /// The trailer key that names the task (e.g. `Task`).
    pub trailer: String,
    /// A regex the task ID must match, if any.
    pub pattern: Option<String>,
    /// True when the ID must be one of the granted tasks.
    pub registry: bool,
}

/// One open task granted to the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskBrief {
    /// The task ID.
    pub id: String,
    /// Paths it covers (narrowing the policy's own), if any.
    pub paths: Option<Vec<String>>,
    /// When the grant ends (RFC 3339, UTC), if ever.
    pub expires: Option<String>,
}

impl Brief {
    /// The brief of `agents` (names; each must be defined) under `rules`, with tasks open
    /// at `now`. Unknown names are skipped; the caller validates them.
    pub fn new<'r>(
        rules: &'r Rules,
        agents: impl IntoIterator<Item = &'r Agent>,
        now: OffsetDateTime,
    ) -> Self {
        Brief {
            agents: agents
                .into_iter()
                .map(|agent| AgentBrief::new(rules, agent, now))
                .collect(),
            baseline: None,
        }
    }

    /// Writes the brief as plain sentences (Markdown), one section per agent.
    pub fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut text = String::new();
        for (i, agent) in self.agents.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            agent.write_text(&mut text);
        }
        if let Some(baseline) = &self.baseline
            && !baseline.agents.is_empty()
        {
            text.push_str(
                "\nThe server's baseline rules apply as well; a change must pass both:\n\n",
            );
            for (i, agent) in baseline.agents.iter().enumerate() {
                if i > 0 {
                    text.push('\n');
                }
                agent.write_text(&mut text);
            }
        }
        out.write_all(text.as_bytes())
    }

    /// Writes the brief as pretty JSON.
    pub fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }
}

impl AgentBrief {
    fn new(rules: &Rules, agent: &Agent, now: OffsetDateTime) -> Self {
        let policy = rules.policy(agent.policy);
        let mut paths = scope(&policy.paths);
        if !paths
            .deny
            .iter()
            .any(|p| p.eq_ignore_ascii_case(RULES_FILE_PATH))
        {
            paths.deny.push(RULES_FILE_PATH.to_owned());
        }
        // The files the rules name (who may sign) are denied to every agent too.
        for named in rules.signatures.iter().flat_map(|s| s.repo_paths()) {
            if !paths.deny.iter().any(|p| p.eq_ignore_ascii_case(named)) {
                paths.deny.push(named.to_owned());
            }
        }
        let l = &policy.limits;
        let f = &policy.forbid;
        let forbid = [
            (f.force_push, "force-push"),
            (f.ref_deletion, "ref-deletion"),
            (f.merge, "merge"),
            (f.binary, "binary"),
            (f.symlink, "symlink"),
            (f.submodule, "submodule"),
            (f.mode_change, "mode-change"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, id)| id.to_owned())
        .collect();
        let tasks = rules
            .tasks
            .values()
            .filter(|t| {
                t.agents
                    .as_ref()
                    .is_none_or(|names| names.contains(&agent.name))
            })
            .filter(|t| t.expires.is_none_or(|end| end >= now))
            .map(|t| TaskBrief {
                id: t.id.clone(),
                paths: t.paths.as_ref().map(|g| g.patterns.clone()),
                expires: t.expires.map(|end| {
                    end.to_offset(time::UtcOffset::UTC)
                        .format(&Rfc3339)
                        .unwrap_or_else(|_| end.to_string())
                }),
            })
            .collect();
        AgentBrief {
            agent: agent.name.clone(),
            policy: policy.name.clone(),
            enforcement: match policy.enforcement {
                Enforcement::Enforce => "enforce",
                Enforcement::Warn => "warn",
            }
            .to_owned(),
            refs: scope(&policy.refs),
            paths,
            signing: rules.signatures.as_ref().map(|s| SigningBrief {
                signer: agent.matcher.signer.patterns.clone(),
                unverified_policy: s.unverified_policy.map(|p| rules.policy(p).name.clone()),
                must_sign: policy.forbid.unsigned,
            }),
            approval: policy.approval.as_ref().map(|a| ApprovalBrief {
                paths: a.paths.patterns.clone(),
                approvers: a.approvers.clone(),
            }),
            limits: LimitsBrief {
                commit_files: l.commit.files,
                commit_lines: l.commit.lines,
                commit_added: l.commit.added,
                commit_deleted: l.commit.deleted,
                commit_bytes: l.commit.bytes,
                push_commits: l.push.commits,
                push_files: l.push.files,
                push_lines: l.push.lines,
                push_bytes: l.push.bytes,
                file_size: l.file_size,
            },
            task: policy.task.as_ref().map(|t| TaskRuleBrief {
                trailer: t.trailer.clone(),
                pattern: t.pattern.as_ref().map(|p| p.as_str().to_owned()),
                registry: t.registry,
            }),
            forbid,
            tasks,
        }
    }

    fn write_text(&self, s: &mut String) {
        // Writing to a String cannot fail.
        let _ = writeln!(
            s,
            "## agentfence: the boundary of agent {} (policy {})\n",
            self.agent, self.policy
        );
        let _ = writeln!(
            s,
            "git hooks and the server check every commit and push against these rules.{}\n",
            if self.enforcement == "warn" {
                " For now a violation is only reported, not blocked."
            } else {
                " A commit or push that crosses them is rejected."
            }
        );
        let line = |s: &mut String, text: String| {
            let _ = writeln!(s, "- {text}");
        };
        match &self.refs.allow {
            Some(allow) => line(s, format!("Push only to refs matching {}.", list(allow))),
            None => line(s, "You may push to any ref not denied below.".to_owned()),
        }
        if !self.refs.deny.is_empty() {
            line(
                s,
                format!("Never push to refs matching {}.", list(&self.refs.deny)),
            );
        }
        match &self.paths.allow {
            Some(allow) => line(s, format!("Change only files matching {}.", list(allow))),
            None => line(s, "You may change any file not denied below.".to_owned()),
        }
        line(
            s,
            format!(
                "Never change files matching {} (matched ignoring case).",
                list(&self.paths.deny)
            ),
        );
        if let Some(signing) = &self.signing {
            if !signing.signer.is_empty() {
                line(
                    s,
                    format!(
                        "Sign your commits with your own key ({}): a commit it signs is yours whatever else it says.",
                        list(&signing.signer)
                    ),
                );
            }
            if signing.must_sign {
                line(
                    s,
                    "Every commit of yours must carry a good signature.".to_owned(),
                );
            }
            if let Some(policy) = &signing.unverified_policy {
                line(
                    s,
                    format!(
                        "A commit that no agent's key and no person's key signed is judged as agents' work (policy {policy}), whatever its author says."
                    ),
                );
            }
        }
        if let Some(approval) = &self.approval {
            line(
                s,
                format!(
                    "Changes to files matching {} land only when one of {} pushes them: prepare them on a branch and ask.",
                    list(&approval.paths),
                    approval.approvers.join(", ")
                ),
            );
        }
        let l = &self.limits;
        let commit: Vec<String> = [
            (l.commit_files, "changed files"),
            (l.commit_lines, "changed lines"),
            (l.commit_added, "added lines"),
            (l.commit_deleted, "deleted lines"),
            (
                l.commit_bytes,
                "bytes of added and deleted lines (a binary file counts whole)",
            ),
        ]
        .into_iter()
        .filter_map(|(n, what)| n.map(|n| format!("{n} {what}")))
        .collect();
        if !commit.is_empty() {
            line(s, format!("Each commit: at most {}.", commit.join(", ")));
        }
        let push: Vec<String> = [
            (l.push_commits, "new commits"),
            (l.push_files, "changed files"),
            (l.push_lines, "changed lines"),
            (l.push_bytes, "bytes to review"),
        ]
        .into_iter()
        .filter_map(|(n, what)| n.map(|n| format!("{n} {what}")))
        .collect();
        if !push.is_empty() {
            line(s, format!("Each push: at most {}.", push.join(", ")));
        }
        if let Some(size) = l.file_size {
            line(
                s,
                format!("No file you add or change may exceed {}.", human_size(size)),
            );
        }
        if let Some(task) = &self.task {
            let mut text = format!(
                "Every commit names its task in a trailer at the end of the message: \"{}: <ID>\"",
                task.trailer
            );
            if let Some(pattern) = &task.pattern {
                let _ = write!(text, "; the ID matches the regex `{pattern}`");
            }
            if task.registry {
                text.push_str("; it must be one of your open tasks below");
            }
            text.push('.');
            line(s, text);
        }
        if !self.forbid.is_empty() {
            let words: Vec<&str> = self.forbid.iter().map(|id| forbid_words(id)).collect();
            line(s, format!("Never: {}.", words.join("; ")));
        }
        if !self.tasks.is_empty() {
            line(s, "Your open tasks:".to_owned());
            for task in &self.tasks {
                let mut text = format!("  - {}", task.id);
                match &task.paths {
                    Some(paths) => {
                        let _ = write!(text, ": only files matching {}", list(paths));
                    }
                    None => text.push_str(": the files your policy allows"),
                }
                if let Some(end) = &task.expires {
                    match end.strip_suffix("T23:59:59.999999999Z") {
                        Some(day) => {
                            let _ = write!(text, "; open through {day} (UTC)");
                        }
                        None => {
                            let _ = write!(text, "; open until {end}");
                        }
                    }
                }
                text.push('.');
                let _ = writeln!(s, "{text}");
            }
        } else if self.task.as_ref().is_some_and(|t| t.registry) {
            line(
                s,
                "You have no open task: ask a human to grant one before you commit.".to_owned(),
            );
        }
        line(
            s,
            "If a change needs more than this, stop and ask a human; do not work around the hooks."
                .to_owned(),
        );
    }
}

fn scope(scope: &Scope) -> ScopeBrief {
    ScopeBrief {
        allow: scope.allow.as_ref().map(|g: &GlobList| g.patterns.clone()),
        deny: scope.deny.patterns.clone(),
    }
}

/// `a, b` with each glob in backticks.
fn list(globs: &[String]) -> String {
    globs
        .iter()
        .map(|g| format!("`{g}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a forbidden operation means, in words.
fn forbid_words(id: &str) -> &'static str {
    match id {
        "force-push" => "force-push (rewrite pushed history)",
        "ref-deletion" => "delete a branch or tag",
        "merge" => "make merge commits (rebase instead)",
        "binary" => "add or change binary files",
        "symlink" => "add or change symlinks",
        "submodule" => "add or move submodules",
        "mode-change" => "change file modes or add executable files",
        _ => "an unknown operation",
    }
}

/// `256 KiB`, `1 MiB`, `1000 bytes`.
fn human_size(bytes: u64) -> String {
    for (unit, size) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{} {unit}", bytes / size);
        }
    }
    format!("{bytes} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_the_rules_write_them() {
        assert_eq!(human_size(262_144), "256 KiB");
        assert_eq!(human_size(1 << 20), "1 MiB");
        assert_eq!(human_size(1000), "1000 bytes");
    }

    #[test]
    fn the_rules_file_is_always_denied_and_json_round_trips() {
        let rules = crate::rules::load_str(
            "version: 1\nagents:\n  - {name: a, match: {env: [A]}, policy: p}\npolicies:\n  p: {}\n",
            "t.yaml",
        )
        .expect("valid");
        let brief = Brief::new(&rules, &rules.agents, OffsetDateTime::UNIX_EPOCH);
        assert_eq!(brief.agents[0].paths.deny, vec![RULES_FILE_PATH.to_owned()]);
        let json = serde_json::to_string(&brief).expect("serializes");
        let back: Brief = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, brief);
    }
}
