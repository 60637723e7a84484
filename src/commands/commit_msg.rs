//! `agentfence commit-msg FILE`: the local hook that judges the commit about to be made,
//! message included.
//!
//! git runs it with the message file as the user left it: comment lines (prefixed with
//! `core.commentChar`) and, after `git commit --verbose`, a scissors line followed by the
//! diff. Those are removed as git's default cleanup will ([`clean_commit_message`]), then
//! the trailers are read exactly as they will be read from the stored commit. A trailer
//! marker attributes the commit even when no environment marker is set. The staged change
//! (the index against `HEAD`, still in place at this point) is judged with the message, so
//! task rules, `task-scope` included, apply here; everything `pre-commit` checks is checked
//! again, because only the message may have revealed the agent.

use std::io::Write;
use std::path::Path;

use super::Outcome;
use super::local::{self, LocalOptions};
use crate::Result;
use crate::input::{InputError, clean_commit_message};
use crate::trailers;

/// The largest message file read: far more than any real commit message.
const MAX_MESSAGE: u64 = 16 * 1024 * 1024;

/// Runs the hook on the message in `file`; the report goes to `err`.
pub fn run(opts: &LocalOptions, file: &Path, err: &mut dyn Write) -> Result<Outcome> {
    let text = read_message(file)?;
    let (repo, layers, actor) = local::open(opts, false)?;
    local::warn_worktree(&repo, &layers.repository, err);
    let message = clean_commit_message(&text, &repo.comment_prefix()?);
    let trailers = trailers::parse(&message);
    let facts = local::pending_facts(&repo, &opts.env, message)?;
    local::judge_pending(
        &repo,
        &layers,
        &actor,
        &facts,
        &trailers,
        || Ok(repo.staged_changes(opts.index_file())?),
        |_| true,
        opts,
        err,
    )
}

/// Reads the message file, bounded; bytes that are not UTF-8 are decoded lossily (git
/// allows other encodings; trailer keys are ASCII).
fn read_message(file: &Path) -> Result<String, InputError> {
    use std::io::Read;
    let read_err = |source| InputError::Read {
        what: format!("the commit message file {}", file.display()),
        source,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .map_err(read_err)?
        .take(MAX_MESSAGE)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
