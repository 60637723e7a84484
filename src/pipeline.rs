//! Reading and judging commits: commit facts → trailers → owner → changes → checks, one
//! commit per task, in parallel, results in input order.
//!
//! A commit that no policy covers (no agent owns it and there is no `default_policy`) is
//! counted, and only the trees it introduces are read, for their fsck check: no blob is
//! read and no change is listed. Blobs are read per commit and dropped with it, so memory
//! is bounded by the commits in flight, not by the length of the range.

use crate::Result;
use crate::check::{CommitOutcome, Engine};
use crate::git::{ChangeScope, GitError, Repo};
use crate::model::{BadPath, CommitChanges, CommitRecord, ObjectId};
use crate::trailers::{self, Trailer};

/// Everything known about one judged commit.
#[derive(Debug, Clone)]
pub struct Judged {
    /// The commit and its changes (empty when it was not diffed).
    pub record: CommitRecord,
    /// Its trailers, as git reads them.
    pub trailers: Vec<Trailer>,
    /// The engine's conclusion.
    pub outcome: CommitOutcome,
}

/// Reads and judges one commit. With `always_diff`, the changes of an unchecked commit
/// are read too (for `explain`).
pub fn judge(repo: &Repo, engine: &Engine<'_>, id: &ObjectId, always_diff: bool) -> Result<Judged> {
    let facts = repo.commit_facts(id)?;
    let trailers = trailers::parse(&facts.message);
    let attribution = engine.attribute(&facts, &trailers);
    let scope = if attribution.policy.is_some() || always_diff {
        ChangeScope::Full
    } else {
        ChangeScope::TreesOnly
    };
    let changes = read_changes(repo, id, scope)?;
    refuse_bad_paths(id, &changes)?;
    let outcome = engine.check_commit(&facts, &trailers, attribution, &changes);
    Ok(Judged {
        record: CommitRecord { facts, changes },
        trailers,
        outcome,
    })
}

/// Until the checks judge `bad_paths` themselves (rule `bad-path`), a commit with one
/// fails the check (exit 2), so no bad path is ever accepted.
// TRANSITIONAL: delete once `check::Engine::check_commit` reports `bad-path` violations.
fn refuse_bad_paths(id: &ObjectId, changes: &CommitChanges) -> Result<()> {
    match changes.bad_paths.first() {
        None => Ok(()),
        Some(bad) if bad.non_utf8_only => Err(GitError::NonUtf8Path {
            commit: id.clone(),
            path_lossy: bad.path.clone(),
        }
        .into()),
        Some(bad) => Err(GitError::BadPath {
            commit: id.clone(),
            path: bad.path.clone(),
            problem: bad.problem.clone(),
        }
        .into()),
    }
}

/// What one commit is judged by (CONTRACT.md, "Semantics"): with [`ChangeScope::Full`],
/// the changes it is charged for (a merge: against git's automatic merge of its parents),
/// a merge's paths that must pass the path rules besides, and its bad paths; with
/// [`ChangeScope::TreesOnly`] (a commit no policy covers), only the bad paths of the trees
/// it introduces, without reading a blob.
///
/// A path that is not UTF-8 is reported as a [`BadPath`] with `non_utf8_only` (a
/// `bad-path` for a commit a policy covers); its change is kept, under the path decoded
/// lossily, so the limits still count it.
pub fn read_changes(repo: &Repo, id: &ObjectId, scope: ChangeScope) -> Result<CommitChanges> {
    let raw = repo.commit_changes(id, scope)?;
    let mut bad_paths = raw.bad_paths;
    let mut non_utf8 = Vec::new();
    let mut lossy = |path: Vec<u8>| match String::from_utf8(path) {
        Ok(path) => path,
        Err(e) => {
            let path = String::from_utf8_lossy(e.as_bytes()).into_owned();
            non_utf8.push(path.clone());
            path
        }
    };
    let files = raw
        .files
        .into_iter()
        .map(|c| c.into_file_change_with(&mut lossy))
        .collect();
    let also_checked = raw.also_checked.into_iter().map(&mut lossy).collect();
    non_utf8.sort();
    non_utf8.dedup();
    bad_paths.extend(non_utf8.into_iter().map(|path| BadPath {
        path,
        problem: "the path is not valid UTF-8, so no path rule can judge it".to_owned(),
        non_utf8_only: true,
    }));
    Ok(CommitChanges {
        files,
        also_checked,
        bad_paths,
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
