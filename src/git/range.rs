//! Revision ranges with `git rev-list` semantics: `A..B`, `^A B`, `A...B`, a single
//! revision (all its ancestors) and `--all`, listed in git's default order.
//!
//! git's default order is neither a date sort nor topological: it is the order in which
//! `revision.c`'s `limit_list` pops commits from a list kept sorted by committer date
//! (newest first, ties first-in first-out), each commit queueing its unseen parents as it
//! is popped, and stopping early ("slop") once only excluded commits remain and they are
//! older than the last one listed. With clock skew (a child committed before its parent)
//! that order differs from any sort, so [`GitOrderWalk`] replays git's algorithm step by
//! step, including which commits an exclusion reaches and when.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use super::{GitError, Repo, to_object_id};
use crate::model::ObjectId;

/// One argument of a range, parsed (pure; unit-tested below).
#[derive(Debug, PartialEq, Eq)]
enum RangeArg<'a> {
    /// Every ref (and HEAD).
    All,
    /// Include this revision and its ancestors.
    Include(&'a str),
    /// Exclude this revision and its ancestors.
    Exclude(&'a str),
    /// `A..B`: exclude A, include B (an empty side means HEAD).
    Dotted(&'a str, &'a str),
    /// `A...B`: include both, exclude their merge bases.
    Symmetric(&'a str, &'a str),
}

fn parse_arg(arg: &str) -> RangeArg<'_> {
    if arg == "--all" {
        return RangeArg::All;
    }
    if let Some(rest) = arg.strip_prefix('^') {
        return RangeArg::Exclude(rest);
    }
    if let Some((a, b)) = arg.split_once("...") {
        return RangeArg::Symmetric(head_if_empty(a), head_if_empty(b));
    }
    if let Some((a, b)) = arg.split_once("..") {
        return RangeArg::Dotted(head_if_empty(a), head_if_empty(b));
    }
    RangeArg::Include(arg)
}

fn head_if_empty(side: &str) -> &str {
    if side.is_empty() { "HEAD" } else { side }
}

impl Repo {
    /// The commits of `args`, in the order `git log ARGS` (and `git rev-list ARGS`) lists
    /// them by default: see [`GitOrderWalk`].
    pub fn resolve_range(&self, args: &[String]) -> Result<Vec<ObjectId>, GitError> {
        let mut start = Vec::new();
        for arg in args {
            match parse_arg(arg) {
                RangeArg::All => {
                    for oid in self.all_ref_commits()? {
                        start.push((oid, false));
                    }
                }
                RangeArg::Include(rev) => start.push((self.peel_commit(rev, arg)?, false)),
                RangeArg::Exclude(rev) => start.push((self.peel_commit(rev, arg)?, true)),
                RangeArg::Dotted(a, b) => {
                    start.push((self.peel_commit(a, arg)?, true));
                    start.push((self.peel_commit(b, arg)?, false));
                }
                RangeArg::Symmetric(a, b) => {
                    let (a, b) = (self.peel_commit(a, arg)?, self.peel_commit(b, arg)?);
                    match self.repo.merge_bases(a, b) {
                        Ok(bases) => start.extend(bases.iter().map(|base| (*base, true))),
                        Err(e) if e.code() == git2::ErrorCode::NotFound => {}
                        Err(source) => {
                            return Err(GitError::Revision {
                                spec: arg.clone(),
                                source,
                            });
                        }
                    }
                    start.push((a, false));
                    start.push((b, false));
                }
            }
        }
        let mut walk = GitOrderWalk {
            repo: &self.repo,
            nodes: Vec::new(),
            index: HashMap::new(),
        };
        walk.run(&start)
    }

    /// Resolves `rev` (part of the argument `spec`) to a commit id, peeling tags.
    fn peel_commit(&self, rev: &str, spec: &str) -> Result<git2::Oid, GitError> {
        let object = self
            .repo
            .revparse_single(rev)
            .map_err(|source| GitError::Revision {
                spec: spec.to_string(),
                source,
            })?;
        object
            .peel_to_commit()
            .map(|c| c.id())
            .map_err(|_| GitError::NotACommit {
                spec: spec.to_string(),
            })
    }

    /// The commits every ref and HEAD point at. Refs that peel to a tree or a blob, and
    /// symbolic refs that lead nowhere, are skipped as `git rev-list --all` skips them; a
    /// ref whose object is missing or unreadable is an error, never silently left out.
    fn all_ref_commits(&self) -> Result<Vec<git2::Oid>, GitError> {
        let refs_err = |source| GitError::Git2 {
            context: "listing refs".to_string(),
            source,
        };
        let mut oids = Vec::new();
        for reference in self.repo.references().map_err(refs_err)? {
            let reference = reference.map_err(refs_err)?;
            match reference.peel(git2::ObjectType::Commit) {
                Ok(commit) => oids.push(commit.id()),
                Err(e) if super::refs::is_peel_mismatch(&e) => {}
                Err(_) if reference.kind() == Some(git2::ReferenceType::Symbolic) => {}
                Err(source) => {
                    return Err(GitError::Git2 {
                        context: format!(
                            "resolving ref {}",
                            String::from_utf8_lossy(reference.name_bytes())
                        ),
                        source,
                    });
                }
            }
        }
        if let Ok(head) = self.repo.head()
            && let Ok(commit) = head.peel_to_commit()
        {
            oids.push(commit.id());
        }
        Ok(oids)
    }
}

/// `revision.c`'s SLOP: how many more excluded commits git pops once only excluded
/// commits, all older than the last one listed, remain queued.
const SLOP: u32 = 5;

/// One commit the walk has met. `parents` is `None` until the commit is parsed: git marks
/// exclusions only through the parents of commits it has parsed, so the walk does too.
struct Node {
    oid: git2::Oid,
    /// The committer timestamp, git's `commit->date`.
    date: i64,
    parents: Option<Vec<usize>>,
    seen: bool,
    uninteresting: bool,
}

/// A replay of git's `prepare_revision_walk` + `limit_list` (revision.c): see the module doc.
struct GitOrderWalk<'r> {
    repo: &'r git2::Repository,
    nodes: Vec<Node>,
    index: HashMap<git2::Oid, usize>,
}

/// git's commit list sorted by date: the newest first, equal dates in insertion order.
#[derive(Default)]
struct DateQueue {
    heap: BinaryHeap<(i64, Reverse<u64>, usize)>,
    next: u64,
}

impl DateQueue {
    fn push(&mut self, date: i64, node: usize) {
        self.heap.push((date, Reverse(self.next), node));
        self.next += 1;
    }

    fn pop(&mut self) -> Option<usize> {
        self.heap.pop().map(|(_, _, node)| node)
    }

    fn newest_date(&self) -> Option<i64> {
        self.heap.peek().map(|&(date, _, _)| date)
    }
}

impl GitOrderWalk<'_> {
    /// The node of `oid`, created unparsed on first sight.
    fn node(&mut self, oid: git2::Oid) -> usize {
        if let Some(&i) = self.index.get(&oid) {
            return i;
        }
        self.nodes.push(Node {
            oid,
            date: 0,
            parents: None,
            seen: false,
            uninteresting: false,
        });
        self.index.insert(oid, self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    /// Reads the commit of node `i` (once): its date and parents.
    fn parse(&mut self, i: usize) -> Result<(), git2::Error> {
        if self.nodes[i].parents.is_some() {
            return Ok(());
        }
        let commit = self.repo.find_commit(self.nodes[i].oid)?;
        let date = commit.committer().when().seconds();
        let parent_ids: Vec<git2::Oid> = commit.parent_ids().collect();
        let parents = parent_ids.into_iter().map(|p| self.node(p)).collect();
        let node = &mut self.nodes[i];
        node.date = date;
        node.parents = Some(parents);
        Ok(())
    }

    fn missing(&self, i: usize, source: git2::Error) -> GitError {
        GitError::MissingObject {
            id: self.nodes[i].oid.to_string(),
            context: "commit".to_string(),
            source,
        }
    }

    /// git's `mark_parents_uninteresting`: excludes the parents of `i` and, through parsed
    /// commits only, their ancestors.
    fn mark_parents_uninteresting(&mut self, i: usize) {
        let mut stack: Vec<usize> = self.nodes[i].parents.clone().unwrap_or_default();
        stack.reverse();
        while let Some(p) = stack.pop() {
            let node = &mut self.nodes[p];
            if node.uninteresting {
                continue;
            }
            node.uninteresting = true;
            if let Some(parents) = &node.parents {
                stack.extend(parents.iter().rev());
            }
        }
    }

    /// git's `process_parents`: queues the unseen parents of `i`, excluding them (and what
    /// they reach) when `i` is excluded.
    fn process_parents(&mut self, i: usize, queue: &mut DateQueue) -> Result<(), GitError> {
        let parents = self.nodes[i].parents.clone().unwrap_or_default();
        let excluded = self.nodes[i].uninteresting;
        for p in parents {
            if excluded {
                self.nodes[p].uninteresting = true;
                if self.parse(p).is_err() {
                    // git tolerates a missing ancestor of an excluded commit.
                    continue;
                }
                self.mark_parents_uninteresting(p);
            } else {
                self.parse(p).map_err(|e| self.missing(p, e))?;
            }
            let node = &mut self.nodes[p];
            if !node.seen {
                node.seen = true;
                queue.push(node.date, p);
            }
        }
        Ok(())
    }

    /// git's `everybody_uninteresting`: every queued commit is excluded.
    fn everybody_uninteresting(&self, queue: &DateQueue) -> bool {
        queue
            .heap
            .iter()
            .all(|&(_, _, node)| self.nodes[node].uninteresting)
    }

    /// git's `still_interesting`: the slop left after popping an excluded commit.
    fn still_interesting(&self, queue: &DateQueue, date: i64, slop: u32) -> u32 {
        match queue.newest_date() {
            None => 0,
            Some(newest) if date <= newest => SLOP,
            Some(_) if !self.everybody_uninteresting(queue) => SLOP,
            Some(_) => slop - 1,
        }
    }

    /// Lists the commits `start` (ids, each excluded or not, in argument order) selects, in
    /// git's default order.
    fn run(&mut self, start: &[(git2::Oid, bool)]) -> Result<Vec<ObjectId>, GitError> {
        // handle_commit, in argument order: an exclusion marks what it reaches at once.
        let mut listed = Vec::new();
        for &(oid, excluded) in start {
            let i = self.node(oid);
            self.parse(i).map_err(|e| self.missing(i, e))?;
            if excluded {
                self.nodes[i].uninteresting = true;
                self.mark_parents_uninteresting(i);
            }
            if !self.nodes[i].seen {
                self.nodes[i].seen = true;
                listed.push(i);
            }
        }
        // commit_list_sort_by_date: a stable sort, newest first.
        listed.sort_by_key(|&i| Reverse(self.nodes[i].date));
        let mut queue = DateQueue::default();
        for i in listed {
            queue.push(self.nodes[i].date, i);
        }
        // limit_list.
        let mut slop = SLOP;
        let mut date = i64::MAX;
        let mut out = Vec::new();
        while let Some(i) = queue.pop() {
            self.process_parents(i, &mut queue)?;
            if self.nodes[i].uninteresting {
                self.mark_parents_uninteresting(i);
                slop = self.still_interesting(&queue, date, slop);
                if slop == 0 {
                    break;
                }
                continue;
            }
            date = self.nodes[i].date;
            out.push(i);
        }
        // get_revision skips what was excluded after it was listed.
        Ok(out
            .into_iter()
            .filter(|&i| !self.nodes[i].uninteresting)
            .map(|i| to_object_id(self.nodes[i].oid))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_range_forms() {
        assert_eq!(parse_arg("--all"), RangeArg::All);
        assert_eq!(parse_arg("main"), RangeArg::Include("main"));
        assert_eq!(parse_arg("^main"), RangeArg::Exclude("main"));
        assert_eq!(parse_arg("a..b"), RangeArg::Dotted("a", "b"));
        assert_eq!(parse_arg("HEAD~3.."), RangeArg::Dotted("HEAD~3", "HEAD"));
        assert_eq!(parse_arg("..b"), RangeArg::Dotted("HEAD", "b"));
        assert_eq!(parse_arg("a...b"), RangeArg::Symmetric("a", "b"));
        assert_eq!(parse_arg("a..."), RangeArg::Symmetric("a", "HEAD"));
    }
}
