//! Raw rules → compiled [`Rules`]: globs and regexes built, presets merged, references
//! resolved, defaults decided.
//!
//! Every problem is collected with its key path, never returned early; `super::load_str`
//! then finds each problem's line and column.

use std::collections::BTreeMap;

use globset::{GlobBuilder, GlobSetBuilder};

use super::keypath::KeyPath;
use super::model::{
    Agent, CommitLimits, Enforcement, EnvMarker, Forbidden, GlobList, Limits, Matcher, Policy,
    PolicyId, PushLimits, Rules, Scope, Task, TaskRule, TrailerMatch,
};
use super::presets;
use super::raw::{
    Checked, ForbidItem, Glob, RawAgent, RawEnforcement, RawPolicy, RawRules, RawScope,
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
            .and_then(|globs| c.globs(&path.key("paths"), globs, false, GlobKind::Path));
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
        let refs = self.scope(&path.key("refs"), raw.refs.as_ref(), GlobKind::Ref);
        let paths = self.scope(&path.key("paths"), raw.paths.as_ref(), GlobKind::Path);
        let mut limits = Limits::default();
        if let Some(l) = &raw.limits {
            if let Some(c) = &l.commit {
                limits.commit = CommitLimits {
                    files: c.files,
                    lines: c.lines,
                    added: c.added,
                    deleted: c.deleted,
                };
            }
            if let Some(p) = &l.push {
                limits.push = PushLimits {
                    commits: p.commits,
                    files: p.files,
                    lines: p.lines,
                };
            }
            limits.file_size = l
                .file_size
                .as_ref()
                .and_then(|s| self.checked(&path.key("limits").key("file_size"), s))
                .map(|s| s.0);
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
            limits,
            task,
            forbid,
            enforcement,
        }
    }

    fn scope(&mut self, path: &KeyPath, raw: Option<&RawScope>, kind: GlobKind) -> Scope {
        let empty = RawScope::default();
        let raw = raw.unwrap_or(&empty);
        let allow = raw
            .allow
            .as_ref()
            .and_then(|g| self.globs(&path.key("allow"), g, false, kind));
        let deny = self
            .globs(&path.key("deny"), &raw.deny, true, kind)
            .unwrap_or_else(empty_glob_list);
        Scope { allow, deny }
    }

    /// Compiles a glob list; `None` when some glob is bad (the problems are recorded).
    fn globs(
        &mut self,
        path: &KeyPath,
        globs: &[Checked<Glob>],
        case_insensitive: bool,
        kind: GlobKind,
    ) -> Option<GlobList> {
        let before = self.problems.len();
        let mut patterns = Vec::new();
        let mut set = GlobSetBuilder::new();
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
            match GlobBuilder::new(&text)
                .literal_separator(true)
                .case_insensitive(case_insensitive)
                .build()
            {
                Ok(glob) => {
                    set.add(glob);
                    patterns.push(text);
                }
                Err(e) => self.problem(&gpath, format!("invalid glob {text:?}: {}", e.kind())),
            }
        }
        if self.problems.len() > before {
            return None;
        }
        match set.build() {
            Ok(set) => Some(GlobList {
                patterns,
                set,
                case_insensitive,
            }),
            Err(e) => {
                self.problem(path, format!("invalid glob list: {e}"));
                None
            }
        }
    }
}

/// A deny list with no pattern.
fn empty_glob_list() -> GlobList {
    GlobList {
        patterns: Vec::new(),
        set: globset::GlobSet::empty(),
        case_insensitive: true,
    }
}

fn list_or_none(names: &[&str]) -> String {
    if names.is_empty() {
        "(none)".to_string()
    } else {
        names.join(", ")
    }
}
