//! Raw rules → compiled [`Rules`]: globs and regexes built, presets merged, references
//! resolved, defaults decided.
//!
//! Every problem is collected with its key path, never returned early; `super::load_str`
//! then finds each problem's line and column.

use std::collections::BTreeMap;

use super::keypath::KeyPath;
use super::model::{
    Agent, Approval, CommitLimits, Enforcement, EnvMarker, Forbidden, GlobCase, GlobList, Limits,
    Matcher, Policy, PolicyId, PushLimits, Rules, Scope, Task, TaskRule, TrailerMatch,
};
use super::presets;
use super::raw::{
    ByteSize, Checked, ForbidItem, Glob, RawAgent, RawEnforcement, RawPaths, RawPolicy, RawRules,
    RawScope,
};
use super::signatures;

/// A problem not yet located: its path and message.
pub(crate) type Found = (KeyPath, String);

/// Compiles `raw`, or returns every problem found.
pub(crate) fn compile(raw: RawRules) -> Result<Rules, Vec<Found>> {
    let mut c = Compiler::default();
    let root = KeyPath::root();

    let mut policies = Vec::new();
    let mut policy_ids: BTreeMap<String, PolicyId> = BTreeMap::new();
    for (i, (name, raw_policy)) in raw.policies.0.iter().enumerate() {
        policy_ids.insert(name.clone(), PolicyId(i));
        policies.push(c.policy(&root.key("policies").key(name), name, raw_policy));
    }

    let mut agents = Vec::new();
    for (i, raw_agent) in raw.agents.iter().enumerate() {
        let path = root.key("agents").index(i);
        if let Some(agent) = c.agent(&path, raw_agent, &policy_ids, &agents) {
            agents.push(agent);
        }
    }

    let default_policy = raw.default_policy.as_ref().and_then(|name| {
        let found = policy_ids.get(name).copied();
        if found.is_none() {
            c.unknown_policy(&root.key("default_policy"), name, &policy_ids);
        }
        found
    });

    let mut tasks = BTreeMap::new();
    for (id, raw_task) in &raw.tasks.0 {
        let path = root.key("tasks").key(id);
        if id.trim().is_empty() || id.contains(char::is_whitespace) {
            c.problem(&path, format!("invalid task ID {id:?}: no spaces"));
        }
        if let Some(names) = &raw_task.agents {
            for (j, name) in names.iter().enumerate() {
                if !raw.agents.iter().any(|a| a.name.text == *name) {
                    let known: Vec<&str> =
                        raw.agents.iter().map(|a| a.name.text.as_str()).collect();
                    c.problem(
                        &path.key("agents").index(j),
                        format!(
                            "undefined agent {name:?}; defined agents: {}",
                            list_or_none(&known)
                        ),
                    );
                }
            }
        }
        let paths = raw_task
            .paths
            .as_ref()
            .and_then(|globs| c.globs(&path.key("paths"), globs, GlobCase::Exact, GlobKind::Path));
        let expires = raw_task
            .expires
            .as_ref()
            .and_then(|e| c.checked(&path.key("expires"), e))
            .map(|e| e.0);
        tasks.insert(
            id.clone(),
            Task {
                id: id.clone(),
                agents: raw_task.agents.clone(),
                paths,
                expires,
            },
        );
    }

    let signatures = raw
        .signatures
        .as_ref()
        .map(|s| signatures::compile(s, &policy_ids, &mut c.problems));
    for (i, agent) in raw.agents.iter().enumerate() {
        if agent
            .matcher
            .as_ref()
            .is_some_and(|m| !m.signer.0.is_empty())
        {
            let path = root.key("agents").index(i).key("match").key("signer");
            signatures::check_signer_needs_keys(&path, signatures.as_ref(), &mut c.problems);
        }
    }

    if c.problems.is_empty() {
        Ok(Rules {
            agents,
            policies,
            default_policy,
            tasks,
            signatures,
        })
    } else {
        Err(c.problems)
    }
}

/// What a glob list is matched against (for checks of its shape).
#[derive(Clone, Copy, PartialEq, Eq)]
enum GlobKind {
    Path,
    Ref,
}

#[derive(Default)]
struct Compiler {
    problems: Vec<Found>,
}

impl Compiler {
    fn problem(&mut self, path: &KeyPath, message: impl Into<String>) {
        self.problems.push((path.clone(), message.into()));
    }

    /// The value of a checked scalar, or records its problem.
    fn checked<T: Clone>(&mut self, path: &KeyPath, c: &Checked<T>) -> Option<T> {
        match &c.value {
            Ok(v) => Some(v.clone()),
            Err(msg) => {
                self.problem(path, msg.clone());
                None
            }
        }
    }

    fn unknown_policy(&mut self, path: &KeyPath, name: &str, ids: &BTreeMap<String, PolicyId>) {
        let known: Vec<&str> = ids.keys().map(String::as_str).collect();
        self.problem(
            path,
            format!(
                "undefined policy {name:?}; defined policies: {}",
                list_or_none(&known)
            ),
        );
    }

    fn agent(
        &mut self,
        path: &KeyPath,
        raw: &RawAgent,
        policy_ids: &BTreeMap<String, PolicyId>,
        earlier: &[Agent],
    ) -> Option<Agent> {
        let name = self.checked(&path.key("name"), &raw.name).map(|n| n.0);
        if let Some(n) = &name
            && earlier.iter().any(|a| a.name == *n)
        {
            self.problem(
                &path.key("name"),
                format!("duplicate agent {n:?}: agent names must be unique"),
            );
        }
        let mut matcher = Matcher::default();
        if let Some(preset) = &raw.preset {
            match presets::matcher(preset) {
                Some(m) => matcher = m,
                None => self.problem(
                    &path.key("preset"),
                    format!(
                        "unknown preset {preset:?}; known presets: {}",
                        presets::names().join(", ")
                    ),
                ),
            }
        }
        let has_match = raw.matcher.as_ref().is_some_and(|m| {
            !m.trailer.0.is_empty()
                || !m.author.0.is_empty()
                || !m.committer.0.is_empty()
                || !m.pusher.is_empty()
                || !m.env.is_empty()
                || !m.signer.0.is_empty()
        });
        if raw.preset.is_none() && !has_match {
            self.problem(
                path,
                "agent has neither `preset` nor `match` conditions, so it would own no commit",
            );
        }
        if let Some(m) = &raw.matcher {
            let mpath = path.key("match");
            for (key, value) in &m.trailer.0 {
                let kpath = mpath.key("trailer").key(key);
                if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                    self.problem(
                        &kpath,
                        format!("invalid trailer key {key:?}: use letters, digits and '-'"),
                    );
                }
                if let Some(re) = self.checked(&kpath, value) {
                    matcher.trailers.push(TrailerMatch {
                        key: key.clone(),
                        value: re.0,
                    });
                }
            }
            for (j, re) in m.author.0.iter().enumerate() {
                let p = if m.author.0.len() == 1 {
                    mpath.key("author")
                } else {
                    mpath.key("author").index(j)
                };
                if let Some(re) = self.checked(&p, re) {
                    matcher.author.push(re.0);
                }
            }
            for (j, re) in m.committer.0.iter().enumerate() {
                let p = if m.committer.0.len() == 1 {
                    mpath.key("committer")
                } else {
                    mpath.key("committer").index(j)
                };
                if let Some(re) = self.checked(&p, re) {
                    matcher.committer.push(re.0);
                }
            }
            for (j, pusher) in m.pusher.iter().enumerate() {
                if pusher.trim().is_empty() {
                    self.problem(&mpath.key("pusher").index(j), "empty pusher name");
                }
            }
            matcher.pusher.extend(m.pusher.iter().cloned());
            let signer_path = mpath.key("signer");
            matcher.signer =
                signatures::principal_globs(&signer_path, &m.signer.0, &mut self.problems);
            for (j, env) in m.env.iter().enumerate() {
                if let Some(e) = self.checked(&mpath.key("env").index(j), env) {
                    matcher.env.push(EnvMarker {
                        var: e.var,
                        value: e.value,
                    });
                }
            }
        }
        let policy = policy_ids.get(&raw.policy).copied();
        if policy.is_none() {
            self.unknown_policy(&path.key("policy"), &raw.policy, policy_ids);
        }
        Some(Agent {
            name: name?,
            matcher,
            policy: policy?,
        })
    }

    fn policy(&mut self, path: &KeyPath, name: &str, raw: &RawPolicy) -> Policy {
        let empty_refs = RawScope::default();
        let raw_refs = raw.refs.as_ref().unwrap_or(&empty_refs);
        let refs = self.scope(
            &path.key("refs"),
            raw_refs.allow.as_deref(),
            &raw_refs.deny,
            GlobKind::Ref,
        );
        let empty_paths = RawPaths::default();
        let raw_paths = raw.paths.as_ref().unwrap_or(&empty_paths);
        let paths = self.scope(
            &path.key("paths"),
            raw_paths.allow.as_deref(),
            &raw_paths.deny,
            GlobKind::Path,
        );
        let approval = self.approval(&path.key("paths"), raw_paths);
        let mut limits = Limits::default();
        if let Some(l) = &raw.limits {
            let lpath = path.key("limits");
            if let Some(c) = &l.commit {
                limits.commit = CommitLimits {
                    files: c.files,
                    lines: c.lines,
                    added: c.added,
                    deleted: c.deleted,
                    bytes: self.size(&lpath.key("commit").key("bytes"), c.bytes.as_ref()),
                };
            }
            if let Some(p) = &l.push {
                limits.push = PushLimits {
                    commits: p.commits,
                    files: p.files,
                    lines: p.lines,
                    bytes: self.size(&lpath.key("push").key("bytes"), p.bytes.as_ref()),
                };
            }
            limits.file_size = self.size(&lpath.key("file_size"), l.file_size.as_ref());
        }
        let task = raw.task.as_ref().map(|t| {
            let tpath = path.key("task");
            let trailer = t
                .trailer
                .as_ref()
                .and_then(|k| self.checked(&tpath.key("trailer"), k))
                .map_or_else(|| "Task".to_string(), |k| k.0);
            let pattern = t
                .pattern
                .as_ref()
                .and_then(|p| self.checked(&tpath.key("pattern"), p))
                .map(|p| p.0);
            TaskRule {
                trailer,
                pattern,
                registry: t.registry,
            }
        });
        let mut forbid = Forbidden::default();
        for (j, item) in raw.forbid.iter().enumerate() {
            match self.checked(&path.key("forbid").index(j), item) {
                Some(ForbidItem::ForcePush) => forbid.force_push = true,
                Some(ForbidItem::RefDeletion) => forbid.ref_deletion = true,
                Some(ForbidItem::Merge) => forbid.merge = true,
                Some(ForbidItem::Binary) => forbid.binary = true,
                Some(ForbidItem::Symlink) => forbid.symlink = true,
                Some(ForbidItem::Submodule) => forbid.submodule = true,
                Some(ForbidItem::ModeChange) => forbid.mode_change = true,
                Some(ForbidItem::Unsigned) => forbid.unsigned = true,
                None => {}
            }
        }
        let enforcement = match raw.enforcement {
            Some(RawEnforcement::Warn) => Enforcement::Warn,
            Some(RawEnforcement::Enforce) | None => Enforcement::Enforce,
        };
        Policy {
            name: name.to_string(),
            refs,
            paths,
            approval,
            limits,
            task,
            forbid,
            enforcement,
        }
    }

    /// A size, or records its problem.
    fn size(&mut self, path: &KeyPath, raw: Option<&Checked<ByteSize>>) -> Option<u64> {
        raw.and_then(|s| self.checked(path, s)).map(|s| s.0)
    }

    /// `paths.approve` with `paths.approvers`: each needs the other.
    fn approval(&mut self, path: &KeyPath, raw: &RawPaths) -> Option<Approval> {
        match (&raw.approve, &raw.approvers) {
            (None, None) => None,
            (Some(_), None) => {
                self.problem(
                    &path.key("approve"),
                    "`approve` needs `approvers`: list the pushers who may land these paths \
                     (e.g. approvers: [alice])",
                );
                None
            }
            (None, Some(_)) => {
                self.problem(
                    &path.key("approvers"),
                    "`approvers` without `approve`: list the paths that need an approver's \
                     push (e.g. approve: ['migrations/**'])",
                );
                None
            }
            (Some(globs), Some(names)) => {
                let apath = path.key("approvers");
                if names.is_empty() {
                    self.problem(
                        &apath,
                        "empty `approvers`: nobody could ever land an `approve` path",
                    );
                }
                for (j, name) in names.iter().enumerate() {
                    if name.trim().is_empty() || name.trim() != name {
                        self.problem(
                            &apath.index(j),
                            format!("invalid approver name {name:?}: a pusher name without spaces around it"),
                        );
                    } else if names[..j].iter().any(|n| n.eq_ignore_ascii_case(name)) {
                        self.problem(
                            &apath.index(j),
                            format!(
                                "duplicate approver {name:?} (names compare case-insensitively)"
                            ),
                        );
                    }
                }
                if globs.is_empty() {
                    self.problem(
                        &path.key("approve"),
                        "empty `approve`: list at least one glob",
                    );
                }
                let paths = self.globs(
                    &path.key("approve"),
                    globs,
                    GlobCase::Folded,
                    GlobKind::Path,
                )?;
                Some(Approval {
                    paths,
                    approvers: names.clone(),
                })
            }
        }
    }

    /// An `allow` (exact) and `deny` (folded) pair.
    fn scope(
        &mut self,
        path: &KeyPath,
        allow: Option<&[Checked<Glob>]>,
        deny: &[Checked<Glob>],
        kind: GlobKind,
    ) -> Scope {
        let allow = allow.and_then(|g| self.globs(&path.key("allow"), g, GlobCase::Exact, kind));
        let deny = self
            .globs(&path.key("deny"), deny, GlobCase::Folded, kind)
            .unwrap_or_else(|| GlobList::empty(GlobCase::Folded));
        Scope { allow, deny }
    }

    /// Compiles a glob list; `None` when some glob is bad (the problems are recorded).
    fn globs(
        &mut self,
        path: &KeyPath,
        globs: &[Checked<Glob>],
        case: GlobCase,
        kind: GlobKind,
    ) -> Option<GlobList> {
        let before = self.problems.len();
        let mut patterns = Vec::new();
        for (j, g) in globs.iter().enumerate() {
            let gpath = path.index(j);
            let Some(Glob(text)) = self.checked(&gpath, g) else {
                continue;
            };
            if kind == GlobKind::Path && text.starts_with('/') {
                self.problem(
                    &gpath,
                    format!(
                        "glob {text:?} starts with '/': paths are repository-relative, \
                         write {:?}",
                        text.trim_start_matches('/')
                    ),
                );
                continue;
            }
            if kind == GlobKind::Ref && !text.starts_with("refs/") && !text.starts_with('*') {
                self.problem(
                    &gpath,
                    format!(
                        "ref glob {text:?} would never match: refs are full names, \
                         e.g. \"refs/heads/{text}\""
                    ),
                );
                continue;
            }
            patterns.push(text);
        }
        if self.problems.len() > before {
            return None;
        }
        match GlobList::new(&patterns, case) {
            Ok(list) => Some(list),
            Err(e) => {
                self.problem(&path.index(e.index), e.message);
                None
            }
        }
    }
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "(none)".to_string()
    } else {
        names.join(", ")
    }
}
