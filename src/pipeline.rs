//! Reading and judging commits: commit facts → trailers → owner → changes → checks, one
//! commit per task, in parallel, results in input order.
//!
//! A commit that no policy covers (no agent owns it and there is no `default_policy`) is
//! counted, and only the trees it introduces are read, for their fsck check: no blob is
//! read and no change is listed. Blobs are read per commit and dropped with it, so memory
//! is bounded by the commits in flight, not by the length of the range.

use crate::Result;
use std::collections::HashMap;

use crate::signature::{SignatureCheck, Signers};

use crate::check::{Attribution, CommitOutcome, Engine};
use crate::git::{ChangeScope, Repo};
use crate::model::{BadPath, CommitChanges, CommitRecord, ObjectId};
use crate::trailers::{self, Trailer};

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
    /// Its signature as each engine's rules verify it (their signers files), in the same
    /// order.
    pub signatures: Vec<SignatureCheck>,
}

impl Judged {
    /// The repository layer's conclusion (the last engine's): whose commit it is in
    /// reports.
    pub fn primary(&self) -> &CommitOutcome {
        self.outcomes
            .last()
            .expect("a commit is judged by at least one engine")
    }

    /// The signature as the repository layer's rules verify it.
    pub fn signature(&self) -> &SignatureCheck {
        self.signatures
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
    let signatures = engines
        .iter()
        .map(|engine| check_signature(repo, engine, id, always_diff))
        .collect::<Result<Vec<_>>>()?;
    let facts = repo.commit_facts(id)?;
    let trailers = trailers::parse(&facts.message);
    let attributions: Vec<Attribution> = engines
        .iter()
        .zip(&signatures)
        .map(|(engine, signature)| engine.attribute(&facts, &trailers, true, signature))
        .collect();
    let scope = if always_diff || attributions.iter().any(Attribution::is_covered) {
        ChangeScope::Full
    } else {
        ChangeScope::TreesOnly
    };
    let changes = read_changes(repo, id, scope)?;
    let outcomes = engines
        .iter()
        .zip(attributions)
        .map(|(engine, attribution)| engine.check_commit(&facts, &trailers, attribution, &changes))
        .collect();
    Ok(Judged {
        record: CommitRecord { facts, changes },
        trailers,
        outcomes,
        signatures,
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
        let each = engines
            .iter()
            .map(|engine| {
                let signature = check_signature(repo, engine, id, false)?;
                Ok(engine.attribute(&facts, &trailers, false, &signature))
            })
            .collect::<Result<Vec<Attribution>>>()?;
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
