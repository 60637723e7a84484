//! `agentfence pre-commit`: the local hook that judges the staged change (the index
//! against `HEAD`) before git makes the commit.
//!
//! Only the acting agent (`--agent`, `AGENTFENCE_AGENT`, the agents' `env` markers, or an
//! author/committer marker of the commit being made) or `default_policy` is checked.
//! Path, size, file-size, binary, symlink, submodule and mode rules apply; task rules wait
//! for the message (`commit-msg`). Rules come from `HEAD:.agentfence.yaml`, never from the
//! working tree or the index.

use std::io::Write;

use super::Outcome;
use super::local::{self, LocalOptions};
use crate::Result;
use crate::violation::{RuleId, Violation};

/// Runs the hook; the report goes to `err`.
pub fn run(opts: &LocalOptions, err: &mut dyn Write) -> Result<Outcome> {
    let (repo, layers, actor) = local::open(opts, false)?;
    local::warn_worktree(&repo, &layers.repository, err);
    let facts = local::pending_facts(&repo, &opts.env, String::new())?;
    local::judge_pending(
        &repo,
        &layers,
        &actor,
        &facts,
        &[],
        || Ok(repo.staged_changes(opts.index_file())?),
        |v| !waits_for_message(v),
        opts,
        err,
    )
}

/// Task rules need the message, which does not exist before `commit-msg`.
fn waits_for_message(v: &Violation) -> bool {
    matches!(
        v.rule,
        RuleId::TaskMissing
            | RuleId::TaskMalformed
            | RuleId::TaskUnknown
            | RuleId::TaskExpired
            | RuleId::TaskAgent
            | RuleId::TaskScope
    )
}
