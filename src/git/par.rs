//! Per-commit work spread over threads with rayon, results in input order.
//!
//! Each worker thread of the call's own rayon pool opens its own [`Repo`]
//! (`git2::Repository` is not `Sync`) once and reuses it across the commits it takes. Commits are handed out in windows, and the caller's sink
//! receives every result of a window in input order before the next window starts, so
//! memory stays bounded by a window, not by the length of the range.
//!
//! Nothing here can end early with a short result: every commit of a window yields a result
//! or an error, the first error (by input position) is returned, and a panic in a worker is
//! caught and returned as an error, so a gate never judges fewer commits than it was asked
//! to and never hangs.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use rayon::prelude::*;

use super::{GitError, Repo, RepoLocation};
use crate::model::ObjectId;

thread_local! {
    /// The repository handle of one worker thread. Each call builds its own pool, whose
    /// threads (and so these handles) end with the call.
    static WORKER_REPO: RefCell<Option<Result<Repo, GitError>>> = const { RefCell::new(None) };
}

/// How many commits, per thread, one window holds.
const WINDOW_PER_THREAD: usize = 256;

/// Runs `f` on every commit of `ids` with `threads` workers (0: one per core) and hands
/// each result to `sink` in input order. Stops at the first error, from `f` or `sink`.
pub fn par_for_each_commit<T, E, F, S>(
    loc: &RepoLocation,
    ids: &[ObjectId],
    threads: usize,
    f: F,
    mut sink: S,
) -> Result<(), E>
where
    T: Send,
    E: Send + From<GitError>,
    F: Fn(&Repo, &ObjectId) -> Result<T, E> + Sync,
    S: FnMut(T) -> Result<(), E>,
{
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(ids.len().max(1));
    if threads <= 1 {
        let repo = Repo::open(loc)?;
        for id in ids {
            sink(f(&repo, id)?)?;
        }
        return Ok(());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| {
            E::from(GitError::Worker {
                problem: format!("cannot start {threads} worker threads: {e}"),
            })
        })?;
    for window in ids.chunks(WINDOW_PER_THREAD * threads) {
        let results = catch_unwind(AssertUnwindSafe(|| {
            pool.install(|| {
                window
                    .par_iter()
                    .map(|id| {
                        WORKER_REPO.with(|cell| {
                            let mut slot = cell.borrow_mut();
                            match slot.get_or_insert_with(|| Repo::open(loc)) {
                                Ok(repo) => f(repo, id),
                                Err(e) => Err(E::from(GitError::Worker {
                                    problem: format!("cannot open the repository: {e}"),
                                })),
                            }
                        })
                    })
                    .collect::<Vec<Result<T, E>>>()
            })
        }))
        .map_err(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            E::from(GitError::Worker {
                problem: format!("a worker thread panicked: {what}"),
            })
        })?;
        if results.len() != window.len() {
            return Err(E::from(GitError::Worker {
                problem: format!(
                    "{} of {} commits came back from the workers",
                    results.len(),
                    window.len()
                ),
            }));
        }
        for result in results {
            sink(result?)?;
        }
    }
    Ok(())
}

/// Runs `f` on every commit of `ids` with `threads` workers (0: one per core), one `Repo`
/// per worker; returns the results in input order, or the first error.
pub fn par_map_commits<T, E, F>(
    loc: &RepoLocation,
    ids: &[ObjectId],
    threads: usize,
    f: F,
) -> Result<Vec<T>, E>
where
    T: Send,
    E: Send + From<GitError>,
    F: Fn(&Repo, &ObjectId) -> Result<T, E> + Sync,
{
    let mut out = Vec::with_capacity(ids.len());
    par_for_each_commit(loc, ids, threads, f, |value| {
        out.push(value);
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// A repository with `n` commits made by the git CLI; returns its dir and the ids.
    fn repo_with_commits(n: usize) -> (tempfile::TempDir, Vec<ObjectId>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let git = |args: &[&str]| {
            let out = Command::new("git")
                .current_dir(dir.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@t")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@t")
                .args(args)
                .output()
                .expect("git");
            assert!(out.status.success(), "{out:?}");
            String::from_utf8(out.stdout).expect("utf-8")
        };
        git(&["init", "-q"]);
        for i in 0..n {
            git(&["commit", "-q", "--allow-empty", "-m", &format!("c{i}")]);
        }
        let ids = git(&["rev-list", "HEAD"])
            .lines()
            .map(|l| ObjectId::from_hex(l).expect("hex"))
            .collect();
        (dir, ids)
    }

    #[test]
    fn many_runs_return_every_result_in_order_and_never_hang() {
        let (dir, ids) = repo_with_commits(40);
        let loc = RepoLocation::Path(dir.path().join(".git"));
        for round in 0..300 {
            let got: Vec<ObjectId> =
                par_map_commits(&loc, &ids, 2, |_, id| Ok::<_, GitError>(id.clone()))
                    .expect("no error");
            assert_eq!(got, ids, "round {round}");
        }
    }

    #[test]
    fn an_error_or_a_panic_in_a_worker_is_an_error_not_a_short_result() {
        let (dir, ids) = repo_with_commits(30);
        let loc = RepoLocation::Path(dir.path().join(".git"));
        let bad = ids[17].clone();
        let err = par_map_commits(&loc, &ids, 2, |_, id| {
            if *id == bad {
                Err(GitError::Worker {
                    problem: "boom".to_owned(),
                })
            } else {
                Ok(())
            }
        })
        .expect_err("an error");
        assert!(err.to_string().contains("boom"), "{err}");
        let err = par_map_commits(&loc, &ids, 2, |_, id| {
            assert!(*id != bad, "worker panic on purpose");
            Ok::<_, GitError>(())
        })
        .expect_err("a panic becomes an error");
        assert!(err.to_string().contains("panicked"), "{err}");
    }
}
