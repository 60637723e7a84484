//! `agentfence pre-push REMOTE URL`: the local hook that judges a push before git sends it,
//! with the same engine and ref rules as the server's `pre-receive`.
//!
//! stdin is git's `<local ref> <local id> <remote ref> <remote id>` lines. The commits
//! judged are those the remote does not have yet, as far as this repository knows: reachable
//! from the pushed tips, not from `refs/remotes/REMOTE/*`, and not from the remote's old
//! tips where they exist here. The acting agent (`--agent`, `AGENTFENCE_AGENT`, `env`
//! markers) plays the pusher: it owns every pushed commit no commit marker gives to an
//! earlier agent, and its policy binds every ref update (`ref-scope`, `force-push`,
//! `ref-deletion`); a push by no agent is bound by `default_policy`, as on the server.
//!
//! A remote old tip that is missing here cannot be an ancestor of a local commit (every
//! ancestor of a local commit is local), so such an update counts as a force push. A
//! deleted remote branch brings no commit: only the ref rules apply.
//!
//! Under the pre-commit framework git's stdin is consumed by the framework; it passes the
//! first pushed ref in `PRE_COMMIT_*` variables instead, which are read when REMOTE is not
//! given ([`framework_line`]).

use std::io::{Read, Write};

use time::OffsetDateTime;

use super::Outcome;
use super::local::{self, LocalOptions};
use super::pre_receive::read_stdin;
use crate::Result;
use crate::gate::Gate;
use crate::git::{CreationBase, PushBase, Repo};
use crate::input::{self, InputError, RefLine};
use crate::model::ObjectId;

/// Options of `agentfence pre-push`.
#[derive(Debug, Clone)]
pub struct PrePushOptions {
    /// What every local hook takes.
    pub local: LocalOptions,
    /// The remote's name (or its URL, when the push names no configured remote); `None`
    /// under the pre-commit framework, which passes `PRE_COMMIT_REMOTE_NAME`.
    pub remote: Option<String>,
    /// The remote's URL (informational).
    pub url: Option<String>,
    /// Worker threads (0: one per core).
    pub threads: usize,
}

/// Runs the hook: `stdin` is git's ref lines, the report goes to `err`.
pub fn run(opts: &PrePushOptions, stdin: &mut dyn Read, err: &mut dyn Write) -> Result<Outcome> {
    let (remote, lines) = match &opts.remote {
        Some(remote) => {
            let text = read_stdin(stdin)?;
            if text.trim().is_empty() {
                // git pushes nothing (every ref is up to date).
                return Ok(Outcome::Clean);
            }
            (remote.clone(), input::parse_pre_push(&text)?)
        }
        None => match framework_line(&opts.local, &Repo::discover(&opts.local.dir)?)? {
            Some((remote, line)) => (remote, vec![line]),
            None => return Ok(Outcome::Clean),
        },
    };
    let (repo, layers, actor) = local::open(&opts.local, true)?;
    local::warn_worktree(&repo, &layers.repository, err);
    let remote_refs = format!("refs/remotes/{remote}/*");
    let remote_tips: Vec<ObjectId> = lines.iter().filter_map(|l| l.old.clone()).collect();
    let facts = repo.push_facts(
        &lines,
        &PushBase {
            existing_globs: &[remote_refs.as_str()],
            existing_ids: &remote_tips,
            creation_base: CreationBase::Existing,
            old_may_be_missing: true,
        },
    )?;
    let gate = Gate::new(
        &repo,
        &layers,
        &actor,
        OffsetDateTime::now_utc(),
        opts.local.audit,
        opts.threads,
    );
    let report = gate.judge_push(&facts.updates, &facts.new_commits)?;
    local::finish(&report, opts.local.format, err)
}

/// The pushed ref the pre-commit framework describes in `PRE_COMMIT_REMOTE_NAME`,
/// `PRE_COMMIT_REMOTE_BRANCH`, `PRE_COMMIT_FROM_REF` and `PRE_COMMIT_TO_REF` (it reads
/// git's stdin itself and passes only the first ref that brings commits). `None` when the
/// framework says there is nothing to check; an error when neither REMOTE nor these
/// variables are given.
pub fn framework_line(opts: &LocalOptions, repo: &Repo) -> Result<Option<(String, RefLine)>> {
    let missing = || {
        InputError::Argument(
            "pre-push needs REMOTE and URL (git passes them to the hook), or the pre-commit \
             framework's PRE_COMMIT_REMOTE_NAME and PRE_COMMIT_TO_REF"
                .to_owned(),
        )
    };
    let remote = opts
        .var("PRE_COMMIT_REMOTE_NAME")
        .filter(|v| !v.is_empty())
        .ok_or_else(missing)?;
    let Some(to) = opts.var("PRE_COMMIT_TO_REF").filter(|v| !v.is_empty()) else {
        return Err(missing().into());
    };
    let bad = |what: &str, value: &str| {
        InputError::Argument(format!("{what} is not an object id: {value:?}"))
    };
    let new = ObjectId::from_hex(to).ok_or_else(|| bad("PRE_COMMIT_TO_REF", to))?;
    // Which remote ref is pushed: without it no ref rule could run, so never guess one.
    let Some(branch) = opts
        .var("PRE_COMMIT_REMOTE_BRANCH")
        .filter(|v| v.starts_with("refs/") && v.len() > "refs/".len())
    else {
        return Err(InputError::Argument(
            "the pre-commit framework did not say which remote ref is pushed (PRE_COMMIT_REMOTE_BRANCH is unset or not a full ref name); upgrade pre-commit, or install agentfence's own pre-push hook (agentfence install)"
                .to_owned(),
        )
        .into());
    };
    // The remote's old tip: the framework's FROM_REF, else what this repository last saw
    // of that remote ref, so a force push is still seen as one.
    let old = match opts.var("PRE_COMMIT_FROM_REF").filter(|v| !v.is_empty()) {
        Some(from) => {
            let id = ObjectId::from_hex(from).ok_or_else(|| bad("PRE_COMMIT_FROM_REF", from))?;
            (!id.is_zero()).then_some(id)
        }
        None => {
            let tracking = branch
                .strip_prefix("refs/heads/")
                .map(|name| format!("refs/remotes/{remote}/{name}"));
            match tracking {
                Some(tracking) => repo.ref_commit(&tracking)?,
                None => None,
            }
        }
    };
    Ok(Some((
        remote.to_owned(),
        RefLine {
            name: branch.to_owned(),
            old,
            new: (!new.is_zero()).then_some(new),
        },
    )))
}
