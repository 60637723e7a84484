//! Per-commit work spread over threads, results in input order.
//!
//! Each worker opens its own [`Repo`] once (`git2::Repository` is not `Sync`) and claims
//! commits one at a time, so a slow commit never holds back a whole batch. The caller's
//! sink receives results in input order on the calling thread; workers run at most a
//! window of commits ahead of it, so memory stays bounded by what is in flight.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};

use super::{GitError, Repo, RepoLocation};
use crate::model::ObjectId;

/// How far (in commits) workers may run ahead of the sink, per thread.
const WINDOW_PER_THREAD: usize = 64;

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

    let window = WINDOW_PER_THREAD * threads;
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // How many results the sink has taken; workers wait while they are a window ahead.
    let taken = Mutex::new(0usize);
    let moved = Condvar::new();
    let (tx, rx) = mpsc::channel::<(usize, Result<T, E>)>();

    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, stop, taken, moved, f) = (&next, &stop, &taken, &moved, &f);
            scope.spawn(move || {
                let mut repo = Some(Repo::open(loc));
                loop {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= ids.len() {
                        return;
                    }
                    {
                        let mut done = taken.lock().expect("no worker panics holding it");
                        while i >= *done + window && !stop.load(Ordering::Relaxed) {
                            done = moved.wait(done).expect("no worker panics holding it");
                        }
                    }
                    let result = match repo.take() {
                        Some(Ok(opened)) => {
                            let result = f(&opened, &ids[i]);
                            repo = Some(Ok(opened));
                            result
                        }
                        // The repository could not be opened: report it once, then stop.
                        Some(Err(e)) => Err(E::from(e)),
                        None => return,
                    };
                    if tx.send((i, result)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);

        let outcome = (|| {
            let mut pending: BTreeMap<usize, T> = BTreeMap::new();
            let mut want = 0usize;
            while want < ids.len() {
                let Ok((i, result)) = rx.recv() else {
                    break;
                };
                pending.insert(i, result?);
                while let Some(value) = pending.remove(&want) {
                    sink(value)?;
                    want += 1;
                }
                *taken.lock().expect("no worker panics holding it") = want;
                moved.notify_all();
            }
            Ok(())
        })();
        stop.store(true, Ordering::Relaxed);
        moved.notify_all();
        drop(rx);
        outcome
    })
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
