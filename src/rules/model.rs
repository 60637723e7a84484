//! The compiled rules: what the checks consult.
//!
//! Built once from the raw YAML (`super::raw`) by `super::compile`; immutable afterwards.
//! Every default is already decided here: no `Option` is left whose meaning the checks
//! would have to guess, except where "absent" is itself a rule (no `allow` list means every
//! path is allowed).

use std::collections::BTreeMap;

use globset::GlobSet;
use regex::Regex;
use time::OffsetDateTime;

/// The path of the rules file inside a repository; denied to every agent policy.
pub const RULES_FILE_PATH: &str = ".agentfence.yaml";

/// A whole, validated rules file.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Agents in file order: the first whose matcher holds owns a commit.
    pub agents: Vec<Agent>,
    /// Policies, indexed by [`PolicyId`].
    pub policies: Vec<Policy>,
    /// The policy of commits no agent owns; `None` leaves them unchecked.
    pub default_policy: Option<PolicyId>,
    /// Task grants by ID.
    pub tasks: BTreeMap<String, Task>,
    /// `signatures:`; `None` when the rules have no such section.
    pub signatures: Option<super::SignatureRules>,
}

impl Rules {
    /// The policy behind an id.
    pub fn policy(&self, id: PolicyId) -> &Policy {
        &self.policies[id.0]
    }

    /// The agent with this name, if any.
    pub fn agent(&self, name: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.name == name)
    }
}

/// Index of a policy in [`Rules::policies`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PolicyId(pub usize);

/// One agent: how to recognise its commits, and the policy they answer to.
#[derive(Debug, Clone)]
pub struct Agent {
    /// Unique name, `[a-z0-9][a-z0-9._-]*`.
    pub name: String,
    /// The markers that attribute a commit (or a local session) to this agent.
    pub matcher: Matcher,
    /// The policy its commits are checked against.
    pub policy: PolicyId,
}

/// The markers of one agent: any one that holds is enough.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    /// Trailer key (compared case-insensitively) and a regex on its unfolded value.
    pub trailers: Vec<TrailerMatch>,
    /// Regexes on the author's `Name <email>`.
    pub author: Vec<Regex>,
    /// Regexes on the committer's `Name <email>`.
    pub committer: Vec<Regex>,
    /// Authenticated pusher names: every new commit of such a push is this agent's.
    pub pusher: Vec<String>,
    /// Environment markers, for local hooks only.
    pub env: Vec<EnvMarker>,
    /// Principal globs of a good commit signature (`match.signer`).
    pub signer: super::PrincipalGlobs,
}

/// A trailer condition: key (case-insensitive) and a regex on the value.
#[derive(Debug, Clone)]
pub struct TrailerMatch {
    /// The key as written in the rules; compare with `eq_ignore_ascii_case`.
    pub key: String,
    /// The regex the value must match (`find`, so anchor it to require a full match).
    pub value: Regex,
}

/// An environment marker: `VAR` (set, any value) or `VAR=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvMarker {
    /// The variable name.
    pub var: String,
    /// The required value; `None` means any value, as long as it is set.
    pub value: Option<String>,
}

/// A compiled set of globs, with the patterns kept for messages.
#[derive(Debug, Clone)]
pub struct GlobList {
    /// The patterns as written, in order.
    pub patterns: Vec<String>,
    /// The compiled set; index `i` is `patterns[i]`.
    pub set: GlobSet,
    /// True when the set was built case-insensitively (deny lists).
    pub case_insensitive: bool,
}

impl GlobList {
    /// The first pattern that matches `path`, if any.
    pub fn first_match(&self, path: &str) -> Option<&str> {
        self.set
            .matches(path)
            .into_iter()
            .min()
            .map(|i| self.patterns[i].as_str())
    }

    /// True when some pattern matches `path`.
    pub fn is_match(&self, path: &str) -> bool {
        self.set.is_match(path)
    }

    /// True when the list has no pattern.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

/// Allow and deny lists, for paths or refs. Deny beats allow.
#[derive(Debug, Clone)]
pub struct Scope {
    /// When present, everything must match one of these (case-sensitively).
    pub allow: Option<GlobList>,
    /// Nothing may match one of these (case-insensitively). May be empty.
    pub deny: GlobList,
}

/// What a policy says: the boundary of one kind of actor.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The policy's key under `policies`.
    pub name: String,
    /// Refs the actor may create, update or delete (full names).
    pub refs: Scope,
    /// Repository-relative paths the actor may change.
    pub paths: Scope,
    /// Size limits.
    pub limits: Limits,
    /// Task rules; `None` means no task is required.
    pub task: Option<TaskRule>,
    /// Forbidden kinds of change.
    pub forbid: Forbidden,
    /// Whether violations reject or only warn.
    pub enforcement: Enforcement,
}

/// Size limits; each `None` means unlimited. A value is the largest allowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Per-commit limits.
    pub commit: CommitLimits,
    /// Per-push (or per-`check`-run) limits for one agent's new commits.
    pub push: PushLimits,
    /// Largest blob added or modified, in bytes.
    pub file_size: Option<u64>,
}

/// Limits on one commit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitLimits {
    /// Changed paths.
    pub files: Option<u64>,
    /// Added plus deleted lines.
    pub lines: Option<u64>,
    /// Added lines.
    pub added: Option<u64>,
    /// Deleted lines.
    pub deleted: Option<u64>,
}

/// Limits on one push.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushLimits {
    /// New commits.
    pub commits: Option<u64>,
    /// Distinct changed paths.
    pub files: Option<u64>,
    /// Added plus deleted lines over all commits.
    pub lines: Option<u64>,
}

impl Limits {
    /// True when some limit needs per-file line counts (so blobs must be diffed).
    pub fn need_lines(&self) -> bool {
        self.commit.lines.is_some()
            || self.commit.added.is_some()
            || self.commit.deleted.is_some()
            || self.push.lines.is_some()
    }
}

/// How a policy's commits must name their task.
#[derive(Debug, Clone)]
pub struct TaskRule {
    /// The trailer key (default `Task`), compared case-insensitively.
    pub trailer: String,
    /// The ID must match this regex, when present.
    pub pattern: Option<Regex>,
    /// The ID must be listed under `tasks`.
    pub registry: bool,
}

/// A task grant: a short-lived, scoped permission.
#[derive(Debug, Clone)]
pub struct Task {
    /// The task ID (its key under `tasks`).
    pub id: String,
    /// Agents that may work under it; `None` means any.
    pub agents: Option<Vec<String>>,
    /// Paths it covers (narrowing the policy's own); `None` means no narrowing.
    pub paths: Option<GlobList>,
    /// When the grant ends; `None` means never.
    pub expires: Option<OffsetDateTime>,
}

/// The forbidden kinds of change of a policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forbidden {
    /// A ref update whose old tip is not an ancestor of the new one.
    pub force_push: bool,
    /// Deleting a ref.
    pub ref_deletion: bool,
    /// A merge commit.
    pub merge: bool,
    /// A binary file added or modified.
    pub binary: bool,
    /// A symlink added or modified.
    pub symlink: bool,
    /// A submodule added or moved.
    pub submodule: bool,
    /// A mode change, or a new executable file.
    pub mode_change: bool,
}

/// Whether a policy rejects or only warns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Enforcement {
    /// Violations reject.
    #[default]
    Enforce,
    /// Violations are reported as warnings; nothing is rejected.
    Warn,
}
