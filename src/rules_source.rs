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
            RulesOrigin::Flag(p) => write!(f, "{} (--rules)", p.display()),
            RulesOrigin::Env(p) => write!(f, "{} (AGENTFENCE_RULES)", p.display()),
            RulesOrigin::GitConfig(p) => write!(f, "{} (git config agentfence.rules)", p.display()),
            RulesOrigin::Committed { revision, commit } => {
                write!(f, "{RULES_FILE_PATH} at {revision} ({})", commit.short())
            }
            RulesOrigin::Embedded => f.write_str("the embedded default rules"),
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
}

impl RulesRequest {
    /// A request from the flag and the process environment.
    pub fn from_env(flag: Option<PathBuf>) -> Self {
        let env = std::env::var_os("AGENTFENCE_RULES")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        RulesRequest { flag, env }
    }
}

/// Loads the rules in force. `repo` is `None` outside a repository (then only the flag,
/// the environment and the embedded default apply).
pub fn load(
    request: &RulesRequest,
    repo: Option<&Repo>,
    trusted: &Trusted,
) -> Result<RulesInForce> {
    if let Some(path) = &request.flag {
        return from_file(path, RulesOrigin::Flag(path.clone()));
    }
    if let Some(path) = &request.env {
        return from_file(path, RulesOrigin::Env(path.clone()));
    }
    if let Some(repo) = repo {
        if let Some(path) = repo.config_path("agentfence.rules")? {
            return from_file(&path, RulesOrigin::GitConfig(path.clone()));
        }
        if let Some((revision, commit)) = trusted_commit(repo, trusted)?
            && let Some(bytes) = repo.read_file_at(&commit, RULES_FILE_PATH, MAX_RULES_SIZE)?
        {
            let origin = RulesOrigin::Committed {
                revision,
                commit: commit.clone(),
            };
            let label = origin.to_string();
            let mut rules = rules::load_bytes(bytes, &label)?;
            rules.load_signature_files(|path| committed_signers_file(repo, &commit, path))?;
            return Ok(RulesInForce { rules, origin });
        }
    }
    Ok(RulesInForce {
        rules: rules::default_rules(),
        origin: RulesOrigin::Embedded,
    })
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
