//! Merge bases as git computes them (`commit-reach.c`: `paint_down_to_common`,
//! `merge_bases_many`, `remove_redundant`), over a cache of parsed commits.
//!
//! libgit2 computes the same set, but parses every commit of the walk again on each call;
//! a range with thousands of merges then spends most of its time re-reading the same
//! history. Here each commit's parents and committer time are read once per [`Repo`] (one
//! per worker thread) and kept, so later merges walk a hash map. The walk is git's: a
//! queue by committer date (ties in insertion order) painting commits reachable from
//! either side, stopping when only stale (already below a common commit) entries remain;
//! when more than one candidate is left, those reachable from another are dropped.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use git2::Oid;

use super::{GitError, Repo};

const PARENT1: u8 = 1;
const PARENT2: u8 = 2;
const STALE: u8 = 4;
const RESULT: u8 = 8;

/// Parsed commits kept beyond this many are dropped (a bound on memory, not a limit).
const MAX_CACHED: usize = 2_000_000;

/// What the walk needs of a commit.
pub(crate) struct Node {
    parents: Box<[Oid]>,
    time: i64,
}

/// Parsed commits, by id.
pub(crate) type CommitCache = HashMap<Oid, Node>;

impl Repo {
    /// The merge bases of two commits, as `git merge-base --all` finds them (order not
    /// significant).
    pub(crate) fn merge_bases_of(&self, one: Oid, two: Oid) -> Result<Vec<Oid>, GitError> {
        if one == two {
            return Ok(vec![one]);
        }
        let mut cache = self.commits.borrow_mut();
        if cache.len() > MAX_CACHED {
            cache.clear();
        }
        let mut walk = Walk {
            repo: self,
            cache: &mut cache,
        };
        let (list, flags) = walk.paint_down_to_common(one, &[two])?;
        let result: Vec<Oid> = list
            .into_iter()
            .filter(|c| flags.get(c).is_none_or(|f| f & STALE == 0))
            .collect();
        if result.len() <= 1 {
            return Ok(result);
        }
        walk.remove_redundant(result)
    }
}

struct Walk<'a> {
    repo: &'a Repo,
    cache: &'a mut CommitCache,
}

/// A queue of commits by committer date, newest first, ties in insertion order, counting
/// the entries whose commit is not stale.
struct Queue {
    heap: BinaryHeap<(i64, Reverse<u64>, Oid)>,
    inserted: u64,
    /// How many times each commit is queued.
    queued: HashMap<Oid, u32>,
    nonstale: usize,
}

impl Queue {
    fn new() -> Self {
        Queue {
            heap: BinaryHeap::new(),
            inserted: 0,
            queued: HashMap::new(),
            nonstale: 0,
        }
    }

    fn put(&mut self, id: Oid, time: i64, stale: bool) {
        self.heap.push((time, Reverse(self.inserted), id));
        self.inserted += 1;
        *self.queued.entry(id).or_default() += 1;
        if !stale {
            self.nonstale += 1;
        }
    }

    fn get(&mut self, stale: impl Fn(Oid) -> bool) -> Option<Oid> {
        let (_, _, id) = self.heap.pop()?;
        if let Some(n) = self.queued.get_mut(&id) {
            *n -= 1;
        }
        if !stale(id) {
            self.nonstale -= 1;
        }
        Some(id)
    }

    /// A commit already queued became stale: its entries no longer count.
    fn went_stale(&mut self, id: Oid) {
        self.nonstale -= self.queued.get(&id).copied().unwrap_or(0) as usize;
    }
}

impl Walk<'_> {
    fn node(&mut self, id: Oid) -> Result<&Node, GitError> {
        if !self.cache.contains_key(&id) {
            let commit =
                self.repo
                    .repo
                    .find_commit(id)
                    .map_err(|source| GitError::MissingObject {
                        id: id.to_string(),
                        context: "a commit on the way to a merge base".to_owned(),
                        source,
                    })?;
            let node = Node {
                parents: commit.parent_ids().collect(),
                time: commit.committer().when().seconds(),
            };
            self.cache.insert(id, node);
        }
        Ok(&self.cache[&id])
    }

    /// git's `paint_down_to_common`: the commits found reachable from `one` and from one of
    /// `twos` (some of them later marked stale), and every commit's flags.
    fn paint_down_to_common(
        &mut self,
        one: Oid,
        twos: &[Oid],
    ) -> Result<(Vec<Oid>, HashMap<Oid, u8>), GitError> {
        let mut flags: HashMap<Oid, u8> = HashMap::new();
        let mut result = Vec::new();
        flags.insert(one, PARENT1);
        if twos.is_empty() {
            return Ok((vec![one], flags));
        }
        let mut queue = Queue::new();
        let time = self.node(one)?.time;
        queue.put(one, time, false);
        for &two in twos {
            *flags.entry(two).or_default() |= PARENT2;
            let time = self.node(two)?.time;
            queue.put(two, time, false);
        }
        while queue.nonstale > 0 {
            let is_stale = |id: Oid| flags.get(&id).is_some_and(|f| f & STALE != 0);
            let Some(commit) = queue.get(is_stale) else {
                break;
            };
            let mut these = flags.get(&commit).copied().unwrap_or(0) & (PARENT1 | PARENT2 | STALE);
            if these == PARENT1 | PARENT2 {
                let f = flags.entry(commit).or_default();
                if *f & RESULT == 0 {
                    *f |= RESULT;
                    result.push(commit);
                }
                // The parents of a common commit are stale.
                these |= STALE;
            }
            let parents = self.node(commit)?.parents.clone();
            for parent in parents.iter().copied() {
                let had = flags.get(&parent).copied().unwrap_or(0);
                if had & these == these {
                    continue;
                }
                let time = self.node(parent)?.time;
                flags.insert(parent, had | these);
                if had & STALE == 0 && these & STALE != 0 {
                    queue.went_stale(parent);
                }
                queue.put(parent, time, (had | these) & STALE != 0);
            }
        }
        Ok((result, flags))
    }

    /// git's `remove_redundant` (without generation numbers): drops every candidate
    /// reachable from another.
    fn remove_redundant(&mut self, candidates: Vec<Oid>) -> Result<Vec<Oid>, GitError> {
        let mut redundant = vec![false; candidates.len()];
        for i in 0..candidates.len() {
            if redundant[i] {
                continue;
            }
            let others: Vec<(usize, Oid)> = candidates
                .iter()
                .copied()
                .enumerate()
                .filter(|&(j, _)| j != i && !redundant[j])
                .collect();
            let work: Vec<Oid> = others.iter().map(|&(_, c)| c).collect();
            let (_, flags) = self.paint_down_to_common(candidates[i], &work)?;
            if flags.get(&candidates[i]).is_some_and(|f| f & PARENT2 != 0) {
                redundant[i] = true;
            }
            for (j, c) in others {
                if flags.get(&c).is_some_and(|f| f & PARENT1 != 0) {
                    redundant[j] = true;
                }
            }
        }
        Ok(candidates
            .into_iter()
            .zip(redundant)
            .filter(|(_, r)| !r)
            .map(|(c, _)| c)
            .collect())
    }
}
