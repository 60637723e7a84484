//! The compiled rules: what the checks consult.
//!
//! Built once from the raw YAML (`super::raw`) by `super::compile`; immutable afterwards.
//! Every default is already decided here: no `Option` is left whose meaning the checks
//! would have to guess, except where "absent" is itself a rule (no `allow` list means every
//! path is allowed).

use std::collections::BTreeMap;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::fold;
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

/// How a glob list matches: exactly, or folded to every spelling a checkout maps onto the
/// same file (see `super::fold`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlobCase {
    /// Case-sensitive and exact (`allow` lists, task `paths`): never widens.
    Exact,
    /// Deny-style (`deny`, `approve`): full Unicode case folding, NFC and NFD alike, HFS+
    /// ignorable code points and NTFS trailing dots, spaces and stream suffixes ignored,
    /// and a pattern `X/**` also matches `X` itself.
    Folded,
}

/// A compiled set of globs, with the patterns kept for messages.
#[derive(Debug, Clone)]
pub struct GlobList {
    /// The patterns as written, in order.
    pub patterns: Vec<String>,
    /// True when the list matches folded (deny-style), false when exact.
    pub case_insensitive: bool,
    /// Every glob compiled; `owner[i]` is the index in `patterns` that glob `i` came from.
    set: GlobSet,
    owner: Vec<usize>,
    /// Folded lists: the directories each pattern reaches into (see [`GlobList::first_reach`]).
    reach: GlobSet,
    reach_owner: Vec<usize>,
}

/// A glob that could not be compiled: its index in the list and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobError {
    /// The index of the pattern in the list.
    pub index: usize,
    /// One line: what is wrong, naming the glob.
    pub message: String,
}

impl GlobList {
    /// Compiles `patterns` (repository-relative paths or full ref names, `/`-separated).
    /// Stops at the first pattern that does not compile.
    pub fn new(patterns: &[String], case: GlobCase) -> Result<Self, GlobError> {
        let mut set = GlobSetBuilder::new();
        let mut owner = Vec::new();
        let mut reach = GlobSetBuilder::new();
        let mut reach_owner = Vec::new();
        for (index, pattern) in patterns.iter().enumerate() {
            let mut texts = vec![pattern.clone()];
            let mut dirs: Vec<String> = Vec::new();
            if case == GlobCase::Folded {
                texts.push(fold::key(pattern));
                if let Some(base) = fold::strip_recursive_tail(pattern) {
                    texts.push(base.to_owned());
                    texts.push(fold::key(base));
                }
                for dir in fold::directory_prefixes(pattern) {
                    dirs.push(dir.to_owned());
                    dirs.push(fold::key(dir));
                }
            }
            for (texts, set, owner) in [
                (texts, &mut set, &mut owner),
                (dirs, &mut reach, &mut reach_owner),
            ] {
                let mut seen: Vec<String> = Vec::new();
                for text in texts {
                    // Folded globs match ASCII case-insensitively already.
                    if seen.iter().any(|s| s.eq_ignore_ascii_case(&text)) {
                        continue;
                    }
                    set.add(
                        build(&text, case, pattern)
                            .map_err(|message| GlobError { index, message })?,
                    );
                    owner.push(index);
                    seen.push(text);
                }
            }
        }
        let finish = |b: GlobSetBuilder| {
            b.build().map_err(|e| GlobError {
                index: 0,
                message: format!("invalid glob list: {e}"),
            })
        };
        Ok(GlobList {
            patterns: patterns.to_vec(),
            case_insensitive: case == GlobCase::Folded,
            set: finish(set)?,
            owner,
            reach: finish(reach)?,
            reach_owner,
        })
    }

    /// A folded list that matches these paths and everything below them, glob
    /// characters in them taken literally: for the rules file and the files it names (a
    /// directory at such a path decides what the file is).
    pub fn literal_paths(paths: &[&str]) -> Result<Self, GlobError> {
        let escaped: Vec<String> = paths
            .iter()
            .map(|p| format!("{}/**", globset::escape(p)))
            .collect();
        GlobList::new(&escaped, GlobCase::Folded)
    }

    /// An empty list (matches nothing).
    pub fn empty(case: GlobCase) -> Self {
        GlobList::new(&[], case).expect("an empty glob list compiles")
    }

    /// The first pattern (in file order) that matches `path`, if any. A folded list tries
    /// every spelling of `path` (see [`GlobCase::Folded`]).
    pub fn first_match(&self, path: &str) -> Option<&str> {
        self.first_in(&self.set, &self.owner, path)
    }

    /// True when some pattern matches `path`.
    pub fn is_match(&self, path: &str) -> bool {
        self.first_match(path).is_some()
    }

    /// For a folded list: the first pattern that reaches *through* `path`, i.e. matches
    /// paths below a directory that `path` names (`deploy/**/*.sh` reaches through
    /// `deploy` and `deploy/x`; `.github/workflows/**` through `.github`). A symbolic link
    /// or submodule at such a path decides what the pattern's paths contain in every
    /// checkout. Prefixes made only of `**` are left out: a link there re-exposes only
    /// paths the pattern already matches where they really are. Always `None` for an exact
    /// list.
    pub fn first_reach(&self, path: &str) -> Option<&str> {
        self.first_in(&self.reach, &self.reach_owner, path)
    }

    fn first_in(&self, set: &GlobSet, owner: &[usize], path: &str) -> Option<&str> {
        if set.is_empty() {
            return None;
        }
        let best = |candidate: &str| -> Option<usize> {
            if !set.is_match(candidate) {
                return None;
            }
            set.matches(candidate).into_iter().map(|i| owner[i]).min()
        };
        let mut found = best(path);
        if self.case_insensitive {
            for spelling in fold::spellings(path) {
                found = match (found, best(&spelling)) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
        }
        found.map(|i| self.patterns[i].as_str())
    }

    /// True when the list has no pattern.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

/// Compiles one glob; `from` is the pattern as written, for the message.
fn build(text: &str, case: GlobCase, from: &str) -> Result<globset::Glob, String> {
    GlobBuilder::new(text)
        .literal_separator(true)
        .case_insensitive(case == GlobCase::Folded)
        .build()
        .map_err(|e| {
            if text == from {
                format!("invalid glob {from:?}: {}", e.kind())
            } else {
                format!(
                    "glob {from:?} cannot be matched case-folded as {text:?}: {}",
                    e.kind()
                )
            }
        })
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
    /// Paths an agent may change only in a push by a listed approver (`paths.approve`
    /// with `paths.approvers`); `None` when the policy has none.
    pub approval: Option<Approval>,
    /// Size limits.
    pub limits: Limits,
    /// Task rules; `None` means no task is required.
    pub task: Option<TaskRule>,
    /// Forbidden kinds of change.
    pub forbid: Forbidden,
    /// Whether violations reject or only warn.
    pub enforcement: Enforcement,
}

/// A two-person rule: an agent's change to these paths needs a push by one of the
/// approvers, who must be no agent (CONTRACT.md, `approve`).
#[derive(Debug, Clone)]
pub struct Approval {
    /// The paths (matched deny-style: folded, `X/**` covers `X`).
    pub paths: GlobList,
    /// The pusher names that may approve, as written.
    pub approvers: Vec<String>,
}

impl Approval {
    /// True when `pusher` is listed (names compare case-insensitively, ASCII, as forges
    /// treat user names). Whether the pusher is known and no agent is for the caller.
    pub fn lists(&self, pusher: &str) -> bool {
        self.approvers
            .iter()
            .any(|a| a.eq_ignore_ascii_case(pusher))
    }
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
    /// What a reviewer must read, in bytes ([`crate::model::FileChange::bytes`] summed).
    pub bytes: Option<u64>,
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
    /// Bytes a reviewer must read over all commits.
    pub bytes: Option<u64>,
}

impl Limits {
    /// True when some limit needs per-file line or byte counts (so blobs must be diffed).
    pub fn need_lines(&self) -> bool {
        self.commit.lines.is_some()
            || self.commit.added.is_some()
            || self.commit.deleted.is_some()
            || self.commit.bytes.is_some()
            || self.push.lines.is_some()
            || self.push.bytes.is_some()
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
    /// A commit without a good signature by a key the signers files list.
    pub unsigned: bool,
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
