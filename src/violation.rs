//! Violations: a policy breach as a value, with its stable rule id.
//!
//! A violation is not an error: it is what the checks find and the reports render. An
//! `Err` anywhere else means agentfence could not do its job, and a hook then fails closed.

use std::fmt;

use crate::model::ObjectId;

macro_rules! rule_ids {
    ($( $variant:ident => $id:literal, $summary:literal, $help:literal; )*) => {
        /// The stable id of every rule agentfence enforces (CONTRACT.md, "Rule ids").
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        pub enum RuleId {
            $(
                #[doc = $summary]
                $variant,
            )*
        }

        impl RuleId {
            /// Every rule id, in documentation order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant),*];

            /// The kebab-case id used in reports, docs and SARIF.
            pub fn as_str(self) -> &'static str {
                match self { $(RuleId::$variant => $id,)* }
            }

            /// One sentence: what the rule guards.
            pub fn summary(self) -> &'static str {
                match self { $(RuleId::$variant => $summary,)* }
            }

            /// How to get back inside the boundary once the rule is crossed.
            pub fn help(self) -> &'static str {
                match self { $(RuleId::$variant => $help,)* }
            }
        }
    };
}

rule_ids! {
    RefScope => "ref-scope",
        "The actor may only create, update or delete the refs its policy allows.",
        "push to a branch the policy allows (e.g. agent/<topic>) and open a pull request from it";
    ForcePush => "force-push",
        "A ref update must not drop commits: the old tip must be an ancestor of the new one.",
        "rebase onto the current tip and push again without --force, or ask a human to rewrite history";
    RefDeletion => "ref-deletion",
        "The actor may not delete refs.",
        "ask a human with permission to delete the ref";
    PathScope => "path-scope",
        "Every changed path must match the policy's allow list.",
        "move the change into an allowed path, or leave that file to a human";
    PathDenied => "path-denied",
        "No changed path may match the policy's deny list (deny beats allow; matched case-insensitively).",
        "drop the change to that path from the commit (git restore --staged / git rebase -i); denied paths are for humans";
    CommitFiles => "commit-files",
        "One commit may change at most this many paths.",
        "split the commit into smaller ones (git reset HEAD~ and commit in parts)";
    CommitLines => "commit-lines",
        "One commit may add plus delete at most this many lines.",
        "split the commit into smaller ones (git reset HEAD~ and commit in parts)";
    CommitAdded => "commit-added",
        "One commit may add at most this many lines.",
        "split the commit into smaller ones (git reset HEAD~ and commit in parts)";
    CommitDeleted => "commit-deleted",
        "One commit may delete at most this many lines.",
        "split the commit into smaller ones (git reset HEAD~ and commit in parts)";
    PushCommits => "push-commits",
        "One push may bring at most this many new commits of the agent.",
        "push the series in several smaller pushes, or squash related commits";
    PushFiles => "push-files",
        "One push may change at most this many distinct paths across the agent's commits.",
        "push the work in several smaller pushes, each a reviewable unit";
    PushLines => "push-lines",
        "One push may add plus delete at most this many lines across the agent's commits.",
        "push the work in several smaller pushes, each a reviewable unit";
    FileSize => "file-size",
        "No blob added or modified may be larger than this.",
        "keep large files out of the repository (use an artifact store or Git LFS)";
    TaskMissing => "task-missing",
        "The commit must name its task in a trailer.",
        "add the task trailer to the commit message (git commit --amend, or git rebase -i and reword)";
    TaskMalformed => "task-malformed",
        "The task ID must match the policy's pattern, and a commit names at most one task.",
        "fix the task trailer so it names exactly one ID of the required form";
    TaskUnknown => "task-unknown",
        "The task ID must be listed in the rules' task registry.",
        "ask for the task to be granted in .agentfence.yaml on the default branch, or name a granted task";
    TaskExpired => "task-expired",
        "The task grant must still be open at the time of the check.",
        "ask for the task grant to be extended, or name an open task";
    TaskAgent => "task-agent",
        "Only the agents a task lists may work under it.",
        "name a task granted to this agent, or ask for the grant to include it";
    TaskScope => "task-scope",
        "Every changed path must lie in the task's paths.",
        "keep the change within the task's paths, or ask for the task's scope to be widened";
    Merge => "merge",
        "The actor may not make merge commits.",
        "rebase onto the target instead of merging (git rebase)";
    Binary => "binary",
        "The actor may not add or modify binary files.",
        "leave binary files to a human, or commit their source instead";
    Symlink => "symlink",
        "The actor may not add or modify symbolic links.",
        "commit a regular file instead of a link, or leave the link to a human";
    Submodule => "submodule",
        "The actor may not add, move or update submodules.",
        "leave submodule changes to a human";
    ModeChange => "mode-change",
        "The actor may not change a file's mode or add an executable file.",
        "keep the file's mode (git update-index --chmod=-x PATH), or leave it to a human";
    CommitBytes => "commit-bytes",
        "One commit may ask a reviewer to read at most this many bytes: its added and deleted lines, and binary files whole.",
        "split the commit into smaller ones; a file git calls binary (one NUL byte is enough) counts its old and new size in full, and CR-only line ends make one long line";
    PushBytes => "push-bytes",
        "One push may ask a reviewer to read at most this many bytes across the agent's commits.",
        "push the work in several smaller pushes, each a reviewable unit";
    RefTarget => "ref-target",
        "An agent's ref update must point at a commit (after peeling tags), never at a tree or blob.",
        "point the ref at a commit; content belongs in commits, where the path rules see it";
    BadPath => "bad-path",
        "Every tree a new commit brings must pass git's fsck (no '.', '..', '.git' or its NTFS and HFS+ spellings, no '/' or NUL in a name, sorted without duplicates), and a checked commit's paths must be UTF-8.",
        "rewrite the commit so its trees hold only ordinary, UTF-8 names (git fsck names the bad entry)";
    Unsigned => "unsigned",
        "Every commit of the policy must carry a good signature by a key the rules' signatures files list.",
        "sign the commit with the agent's key (git commit --amend -S, or git rebase --exec 'git commit --amend --no-edit -S')";
    ApprovalRequired => "approval-required",
        "An agent's change to an `approve` path lands only in a push by a listed approver who is no agent.",
        "ask one of the policy's approvers to review the change and push it under their own account";
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a violation rejects.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Severity {
    /// Rejects the push, commit or check.
    Error,
    /// Reported, never rejects (`enforcement: warn`, or `--audit`).
    Warning,
}

impl Severity {
    /// The lowercase word used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Which rules file a violation comes from, when a baseline layer is in force.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Layer {
    /// The server-wide baseline (`--baseline`, `AGENTFENCE_BASELINE`, git config
    /// `agentfence.baseline`), which no repository can widen.
    Baseline,
    /// The repository's own rules.
    Repository,
}

impl Layer {
    /// The lowercase word used in reports (`"layer": "baseline"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Baseline => "baseline",
            Layer::Repository => "repository",
        }
    }
}

/// One policy breach, with what a person needs to act on it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Violation {
    /// Which rule was crossed.
    pub rule: RuleId,
    /// Error or warning.
    pub severity: Severity,
    /// The commit, where the rule is about one.
    pub commit: Option<ObjectId>,
    /// The ref, where the rule is about a ref update (or the target of a check).
    pub ref_name: Option<String>,
    /// The agent that owns the commit or does the push, if any.
    pub agent: Option<String>,
    /// The task the commit names, if any.
    pub task: Option<String>,
    /// The path, where the rule is about one.
    pub path: Option<String>,
    /// The limit crossed, where the rule has one.
    pub limit: Option<u64>,
    /// The value that crossed it.
    pub actual: Option<u64>,
    /// One sentence: what crossed which line.
    pub message: String,
    /// The rules layer it comes from; `None` when only one rules file is in force.
    pub layer: Option<Layer>,
}

impl Violation {
    /// A violation of `rule` with `message`; other fields empty, severity error.
    pub fn new(rule: RuleId, message: impl Into<String>) -> Self {
        Violation {
            rule,
            severity: Severity::Error,
            commit: None,
            ref_name: None,
            agent: None,
            task: None,
            path: None,
            limit: None,
            actual: None,
            message: message.into(),
            layer: None,
        }
    }

    /// Sets the path.
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Sets the limit and the actual value.
    pub fn with_limit(mut self, limit: u64, actual: u64) -> Self {
        self.limit = Some(limit);
        self.actual = Some(actual);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_kebab_case() {
        let mut seen = std::collections::BTreeSet::new();
        for rule in RuleId::ALL {
            let id = rule.as_str();
            assert!(seen.insert(id), "duplicate rule id {id}");
            assert!(
                id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{id} is not kebab-case"
            );
            assert!(!rule.help().is_empty() && !rule.summary().is_empty());
        }
        assert_eq!(seen.len(), 30);
    }
}
