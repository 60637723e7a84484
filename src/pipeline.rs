//! Reading and judging commits: commit facts → trailers → owner → changes → checks, one
//! commit per task, in parallel, results in input order.
//!
//! A commit that no policy covers (no agent owns it and there is no `default_policy`) is
//! counted but its tree is never diffed. Blobs are read per commit and dropped with it, so
//! memory is bounded by the commits in flight, not by the length of the range.

use crate::Result;
use std::collections::HashMap;

use crate::check::{Attribution, CommitOutcome, Engine};
use crate::git::{DiffOptions, MergeDiff, Repo};
use crate::model::{CommitChanges, CommitRecord, ObjectId};
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
    /// Each engine's conclusion, in the order the engines were given (one per rules
    /// layer: the baseline's first when there is one, the repository's last).
    pub outcomes: Vec<CommitOutcome>,
}

impl Judged {
    /// The repository layer's conclusion (the last engine's): whose commit it is in
    /// reports.
    pub fn primary(&self) -> &CommitOutcome {
        self.outcomes
            .last()
            .expect("a commit is judged by at least one engine")
    }
}

/// Reads a commit once and judges it under every engine (one per rules layer). With
/// `always_diff`, the changes of a commit no layer covers are read too (for `explain`).
pub fn judge(
    repo: &Repo,
    engines: &[&Engine<'_>],
    id: &ObjectId,
    always_diff: bool,
) -> Result<Judged> {
    let facts = repo.commit_facts(id)?;
    let trailers = trailers::parse(&facts.message);
    let attributions: Vec<Attribution> = engines
        .iter()
        .map(|engine| engine.attribute(&facts, &trailers, true))
        .collect();
    let changes = if always_diff || attributions.iter().any(Attribution::is_covered) {
        read_changes(repo, id)?
    } else {
        CommitChanges::default()
    };
    let outcomes = engines
        .iter()
        .zip(attributions)
        .map(|(engine, attribution)| engine.check_commit(&facts, &trailers, attribution, &changes))
        .collect();
    Ok(Judged {
        record: CommitRecord { facts, changes },
        trailers,
        outcomes,
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

/// Who owns each of `ids` under each engine: commits already in the repository that a ref
/// update brings (their facts and trailers only; no diff), read in parallel. One map per
/// engine, in the engines' order.
pub fn attribute_all(
    repo: &Repo,
    engines: &[&Engine<'_>],
    ids: &[ObjectId],
    threads: usize,
) -> Result<Vec<HashMap<ObjectId, Attribution>>> {
    let attributed = crate::git::par_map_commits(&repo.location(), ids, threads, |repo, id| {
        let facts = repo.commit_facts(id)?;
        let trailers = trailers::parse(&facts.message);
        let each: Vec<Attribution> = engines
            .iter()
            .map(|engine| engine.attribute(&facts, &trailers, false))
            .collect();
        Ok::<_, crate::Error>((id.clone(), each))
    })?;
    let mut maps: Vec<HashMap<ObjectId, Attribution>> = vec![HashMap::new(); engines.len()];
    for (id, each) in attributed {
        for (map, attribution) in maps.iter_mut().zip(each) {
            map.insert(id.clone(), attribution);
        }
    }
    Ok(maps)
}

/// Judges many commits in parallel (`threads` 0: one per core) under every engine; for
/// each commit in input order, one outcome per engine.
pub fn judge_all(
    repo: &Repo,
    engines: &[&Engine<'_>],
    ids: &[ObjectId],
    threads: usize,
) -> Result<Vec<Vec<CommitOutcome>>> {
    crate::git::par_map_commits(&repo.location(), ids, threads, |repo, id| {
        judge(repo, engines, id, false).map(|j| j.outcomes)
    })
}
