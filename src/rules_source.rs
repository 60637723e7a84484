//! Where the rules in force come from (CONTRACT.md, "Where rules come from"): the first of
//! `--rules FILE`, `AGENTFENCE_RULES`, git config `agentfence.rules`, `.agentfence.yaml`
//! as committed at a trusted revision, and the embedded default.
//!
//! The committed file is read from a revision the caller trusts (the default branch tip
//! before a push, a check's base, a local hook's HEAD) and never from the commits being
//! checked or from the working tree, so a push cannot loosen its own checks. A file that is
//! found but does not load is an error: nothing ever falls back to a weaker rule set.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::Result;
use crate::git::Repo;
use crate::model::ObjectId;
use crate::rules::{self, MAX_RULES_SIZE, RULES_FILE_PATH, Rules, RulesError};
use crate::violation::Layer;

/// The revision whose committed `.agentfence.yaml` is trusted.
#[derive(Debug, Clone)]
pub enum Trusted {
    /// The tip of the branch HEAD names, as it is now (pre-receive: before the push).
    DefaultBranchTip,
    /// A revision given by the caller (`check --base`, or a range's excluded revision).
    Revision(String),
    /// `HEAD` (local hooks); an unborn HEAD has no committed rules.
    Head,
}

/// Where the rules in force were read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RulesOrigin {
    /// `--rules FILE`.
    Flag(PathBuf),
    /// `AGENTFENCE_RULES`.
    Env(PathBuf),
    /// git config `agentfence.rules`.
    GitConfig(PathBuf),
    /// `.agentfence.yaml` committed at a trusted revision.
    Committed {
        /// What was trusted (`refs/heads/main`, `HEAD`, a revision).
        revision: String,
        /// The commit it resolved to.
        commit: ObjectId,
    },
    /// The rules compiled into the binary.
    Embedded,
}

impl fmt::Display for RulesOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RulesOrigin::Flag(p) | RulesOrigin::Env(p) | RulesOrigin::GitConfig(p) => {
                write!(f, "{}", p.display())
            }
            RulesOrigin::Committed { commit, .. } => {
                write!(f, "{RULES_FILE_PATH} at {}", &commit.as_str()[..7])
            }
            RulesOrigin::Embedded => f.write_str("embedded default"),
        }
    }
}

/// Rules and where they came from.
#[derive(Debug, Clone)]
pub struct RulesInForce {
    /// The compiled rules.
    pub rules: Rules,
    /// Their origin, for reports.
    pub origin: RulesOrigin,
}

/// What the caller knows before looking at the repository.
#[derive(Debug, Clone, Default)]
pub struct RulesRequest {
    /// `--rules FILE`.
    pub flag: Option<PathBuf>,
    /// The value of `AGENTFENCE_RULES`, if set and non-empty.
    pub env: Option<PathBuf>,
    /// `--baseline FILE`.
    pub baseline_flag: Option<PathBuf>,
    /// The value of `AGENTFENCE_BASELINE`, if set and non-empty.
    pub baseline_env: Option<PathBuf>,
}

impl RulesRequest {
    /// A request from the flag and the process environment.
    pub fn from_env(flag: Option<PathBuf>) -> Self {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        RulesRequest {
            flag,
            env: var("AGENTFENCE_RULES"),
            baseline_flag: None,
            baseline_env: var("AGENTFENCE_BASELINE"),
        }
    }

    /// The same request with `--baseline FILE` (when given).
    pub fn with_baseline(mut self, flag: Option<PathBuf>) -> Self {
        self.baseline_flag = flag;
        self
    }
}

/// The rules in force: the repository's, and the server-wide baseline layered under them
/// when one is configured. A change must pass both.
#[derive(Debug, Clone)]
pub struct Layers {
    /// The baseline (`--baseline`, `AGENTFENCE_BASELINE`, git config `agentfence.baseline`).
    pub baseline: Option<RulesInForce>,
    /// The repository's rules (sources 1–5).
    pub repository: RulesInForce,
}

impl Layers {
    /// The layers, baseline first, each with the label its violations carry (`None`
    /// when the repository's rules are the only layer).
    pub fn each(&self) -> Vec<(Option<Layer>, &RulesInForce)> {
        match &self.baseline {
            Some(baseline) => vec![
                (Some(Layer::Baseline), baseline),
                (Some(Layer::Repository), &self.repository),
            ],
            None => vec![(None, &self.repository)],
        }
    }

    /// How summaries name the rules in force.
    pub fn describe(&self) -> String {
        match &self.baseline {
            Some(baseline) => format!("{}; baseline: {}", self.repository.origin, baseline.origin),
            None => self.repository.origin.to_string(),
        }
    }
}

/// The baseline layer, if one is configured: `--baseline FILE`, else `AGENTFENCE_BASELINE`,
/// else git config `agentfence.baseline` (a path; set it system-wide for a whole server).
/// A baseline that does not load fails closed like any rules file.
pub fn load_baseline(request: &RulesRequest, repo: Option<&Repo>) -> Result<Option<RulesInForce>> {
    let configured = match (&request.baseline_flag, &request.baseline_env, repo) {
        (Some(path), _, _) | (None, Some(path), _) => Some(path.clone()),
        (None, None, Some(repo)) => repo.config_path("agentfence.baseline")?,
        (None, None, None) => None,
    };
    configured
        .map(|path| from_file(&path, RulesOrigin::Flag(path.clone())))
        .transpose()
}

/// Both layers: the baseline, and the repository's rules as [`load`] finds them.
pub fn load_layers(
    request: &RulesRequest,
    repo: Option<&Repo>,
    trusted: &Trusted,
) -> Result<Layers> {
    Ok(Layers {
        baseline: load_baseline(request, repo)?,
        repository: load(request, repo, trusted)?,
    })
}

/// Loads the rules in force. `repo` is `None` outside a repository (then only the flag,
/// the environment and the embedded default apply).
pub fn load(
    request: &RulesRequest,
    repo: Option<&Repo>,
    trusted: &Trusted,
) -> Result<RulesInForce> {
    if let Some(in_force) = load_outside(request, repo)? {
        return Ok(in_force);
    }
    match repo {
        Some(repo) => load_committed(repo, trusted_commit(repo, trusted)?),
        None => Ok(embedded()),
    }
}

/// The rules from sources 1–3, which name a file outside the commits: `--rules FILE`,
/// `AGENTFENCE_RULES`, git config `agentfence.rules`. `None` when none is set.
pub fn load_outside(request: &RulesRequest, repo: Option<&Repo>) -> Result<Option<RulesInForce>> {
    if let Some(path) = &request.flag {
        return from_file(path, RulesOrigin::Flag(path.clone())).map(Some);
    }
    if let Some(path) = &request.env {
        return from_file(path, RulesOrigin::Env(path.clone())).map(Some);
    }
    if let Some(repo) = repo
        && let Some(path) = repo.config_path("agentfence.rules")?
    {
        return from_file(&path, RulesOrigin::GitConfig(path.clone())).map(Some);
    }
    Ok(None)
}

/// The rules committed at `trusted` (a revision's name and commit): its `.agentfence.yaml`,
/// else the embedded default (also when there is no such commit yet: an empty repository).
pub fn load_committed(repo: &Repo, trusted: Option<(String, ObjectId)>) -> Result<RulesInForce> {
    if let Some((revision, commit)) = trusted
        && let Some(bytes) = repo.read_file_at(&commit, RULES_FILE_PATH, MAX_RULES_SIZE)?
    {
        // Errors name the revision as well as the commit, so the fix is easy to find.
        let label = format!("{RULES_FILE_PATH} at {revision} ({})", commit.short());
        let mut rules = rules::load_bytes(bytes, &label)?;
        // Its signers files come from the same commit, never from the commits checked.
        rules.load_signature_files(|path| committed_signers_file(repo, &commit, path))?;
        let origin = RulesOrigin::Committed { revision, commit };
        return Ok(RulesInForce { rules, origin });
    }
    Ok(embedded())
}

/// The embedded default rules.
fn embedded() -> RulesInForce {
    RulesInForce {
        rules: rules::default_rules(),
        origin: RulesOrigin::Embedded,
    }
}

/// A one-line warning when the rules in force come from a committed revision and the
/// working tree's `.agentfence.yaml` differs from them (an uncommitted edit is not in
/// force); `None` otherwise, and in a bare repository.
pub fn worktree_warning(repo: &Repo, in_force: &RulesInForce) -> Result<Option<String>> {
    let (committed, revision) = match &in_force.origin {
        RulesOrigin::Committed { revision, commit } => (
            repo.read_file_at(commit, RULES_FILE_PATH, MAX_RULES_SIZE)?,
            format!("{revision} ({})", commit.short()),
        ),
        RulesOrigin::Embedded => (None, "no commit (the embedded default rules)".to_owned()),
        _ => return Ok(None),
    };
    let Some(workdir) = repo.workdir() else {
        return Ok(None);
    };
    let on_disk = match std::fs::read(workdir.join(RULES_FILE_PATH)) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(_) => Some(Vec::new()),
    };
    Ok((on_disk != committed).then(|| {
        format!(
            "warning: the working tree's {RULES_FILE_PATH} differs from the rules in force, which are those committed at {revision}; commit it (and get it reviewed) for it to take effect"
        )
    }))
}

/// The default branch's name and tip, as `pre-receive` trusts it: `None` in an empty
/// repository; an error when HEAD names no branch, or names a missing one while other
/// branches exist (its real rules would be silently skipped).
pub fn default_branch_tip(repo: &Repo) -> Result<Option<(String, ObjectId)>> {
    trusted_commit(repo, &Trusted::DefaultBranchTip)
}

fn from_file(path: &Path, origin: RulesOrigin) -> Result<RulesInForce> {
    let mut rules = rules::load_file(path)?;
    let dir = path.parent().unwrap_or(Path::new(""));
    rules.load_signature_files(rules::disk_reader(dir))?;
    Ok(RulesInForce { rules, origin })
}

/// A signatures file named by rules committed at `commit`: a relative path from the same
/// commit, an absolute one from disk.
fn committed_signers_file(
    repo: &Repo,
    commit: &ObjectId,
    path: &str,
) -> std::io::Result<Option<Vec<u8>>> {
    if Path::new(path).is_absolute() {
        return rules::read_capped(Path::new(path));
    }
    repo.read_file_at(commit, path, crate::signature::MAX_SIGNERS_FILE_SIZE)
        .map_err(std::io::Error::other)
}

/// The trusted revision's name and commit; `None` when it does not exist yet (an empty
/// repository, an unborn HEAD).
fn trusted_commit(repo: &Repo, trusted: &Trusted) -> Result<Option<(String, ObjectId)>> {
    Ok(match trusted {
        Trusted::DefaultBranchTip => {
            let Some(branch) = repo.default_branch()? else {
                return Err(RulesError::NoDefaultBranch.into());
            };
            match repo.ref_commit(&branch)? {
                Some(commit) => Some((branch, commit)),
                // An empty repository (a first push) has no rules yet: the defaults apply.
                // A repository with branches whose HEAD names none of them is misconfigured,
                // and its real rules would be silently skipped: fail closed.
                None if repo.has_branches()? => {
                    return Err(RulesError::DefaultBranchMissing { branch }.into());
                }
                None => None,
            }
        }
        Trusted::Revision(spec) => Some((spec.clone(), repo.resolve_commit(spec)?)),
        Trusted::Head => repo.ref_commit("HEAD")?.map(|c| ("HEAD".to_owned(), c)),
    })
}
