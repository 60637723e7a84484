//! Reading and judging commits: commit facts → trailers → owner → changes → checks, one
//! commit per task, in parallel, results in input order.
//!
//! A commit that no policy covers (no agent owns it and there is no `default_policy`) is
//! counted but its tree is never diffed. Blobs are read per commit and dropped with it, so
//! memory is bounded by the commits in flight, not by the length of the range.

use crate::Result;
use crate::check::{CommitOutcome, Engine};
use crate::git::{DiffOptions, MergeDiff, Repo};
use crate::model::{CommitChanges, CommitRecord, ObjectId};
use crate::signature::{SignatureCheck, Signers};
use crate::trailers::{self, Trailer};

/// How the checks diff a commit: a merge is charged only for what differs from every
/// parent, exact renames are one change, and line counts are always computed.
pub fn check_diff_options() -> DiffOptions {
    DiffOptions {
        merges: MergeDiff::DiffersFromEveryParent,
        renames: true,
        line_stats: true,
    }
}

/// Everything known about one judged commit.
#[derive(Debug, Clone)]
pub struct Judged {
    /// The commit and its changes (empty when it was not diffed).
    pub record: CommitRecord,
    /// Its trailers, as git reads them.
    pub trailers: Vec<Trailer>,
    /// The engine's conclusion.
    pub outcome: CommitOutcome,
    /// Its signature, verified (see [`check_signature`]).
    pub signature: SignatureCheck,
}

/// Reads and judges one commit. With `always_diff` (for `explain`), the changes of an
/// unchecked commit are read too, and its signature verified even when the rules name no
/// signature files.
pub fn judge(repo: &Repo, engine: &Engine<'_>, id: &ObjectId, always_diff: bool) -> Result<Judged> {
    let signature = check_signature(repo, engine, id, always_diff)?;
    let facts = repo.commit_facts(id)?;
    let trailers = trailers::parse(&facts.message);
    let attribution = engine.attribute(&facts, &trailers);
    let changes = if attribution.policy.is_some() || always_diff {
        read_changes(repo, id)?
    } else {
        CommitChanges::default()
    };
    let outcome = engine.check_commit(&facts, &trailers, attribution, &changes);
    Ok(Judged {
        record: CommitRecord { facts, changes },
        trailers,
        outcome,
        signature,
    })
}

/// A commit's signature, verified with the files the rules name, at the engine's
/// [`Engine::signature_time`]. When the rules name no signature file no key is listed, so no
/// signature could be `good`: the signature is then not read at all and the status is
/// `none`, unless `always` asks for the real status (`unknown-key` or `bad` for a signed
/// commit), as `explain` does.
pub fn check_signature(
    repo: &Repo,
    engine: &Engine<'_>,
    id: &ObjectId,
    always: bool,
) -> Result<SignatureCheck> {
    let no_files = Signers::default();
    let signers = match &engine.rules().signatures {
        Some(rules) if rules.files().next().is_some() => rules
            .signers()
            .ok_or_else(|| crate::signature::SignersError::not_loaded(rules.files()))?,
        _ if always => &no_files,
        _ => return Ok(SignatureCheck::none()),
    };
    Ok(match repo.commit_signature(id)? {
        Some(signed) => signers.verify(&signed.signature, &signed.payload, engine.signature_time()),
        None => SignatureCheck::none(),
    })
}

/// The changes of one commit as the checks see them (UTF-8 paths, or an error).
pub fn read_changes(repo: &Repo, id: &ObjectId) -> Result<CommitChanges> {
    let raw = repo.changes(id, &check_diff_options())?;
    let files = raw
        .into_iter()
        .map(|c| c.into_file_change(id).map_err(Into::into))
        .collect::<Result<Vec<_>>>()?;
    Ok(CommitChanges {
        files,
        ..CommitChanges::default()
    })
}

/// Judges many commits in parallel (`threads` 0: one per core); outcomes in input order.
pub fn judge_all(
    repo: &Repo,
    engine: &Engine<'_>,
    ids: &[ObjectId],
    threads: usize,
) -> Result<Vec<CommitOutcome>> {
    crate::git::par_map_commits(&repo.location(), ids, threads, |repo, id| {
        judge(repo, engine, id, false).map(|j| j.outcome)
    })
}
