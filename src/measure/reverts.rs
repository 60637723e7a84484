//! Which commits were really reverted (CONTRACT.md "report").
//!
//! A commit X is reverted when another commit R of the range
//!
//! 1. has a message containing `This reverts commit <X's full id>` followed by `.` or `,`
//!    (git's messages for a commit and for a merge), and
//! 2. changes X's paths exactly back: at every path X is charged for, R's first parent
//!    holds the entry (blob id and mode) X left there, and R holds the one X found. For a
//!    squashed revert whose message names several commits of the range, a path several of
//!    them changed must go from the newest one's result back to the oldest one's start,
//!    so R undoes each of them; and
//! 3. R is not itself reverted: a revert of a revert un-reverts, and a revert of that
//!    reverts again.
//!
//! A message alone reverts nothing, so an agent that writes `This reverts commit <id>.` on
//! an unrelated commit neither makes that commit look reverted nor, by naming its own bad
//! commit, buys it a revert. A commit that changes nothing (a clean merge) has nothing to
//! undo and is never reverted. When several standing commits undo X, the earliest (by
//! committer time) is its revert.
//!
//! What X "is charged for" is read in one place, [`charged_changes`]: the pipeline's
//! charged files, compared from the tree X is charged against to X's own tree.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::MeasuredCommit;
use crate::git::{PathEntry, Repo, Snapshot};
use crate::model::ObjectId;
use crate::{Result, pipeline};

/// The sentence git writes into a revert's message.
const SENTENCE: &str = "This reverts commit ";

/// One reverted commit.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Revert {
    /// The reverted commit.
    pub commit: ObjectId,
    /// The commit that reverted it (the earliest standing one).
    pub reverted_by: ObjectId,
    /// The reverting commit's committer time, seconds since the epoch.
    pub reverted_at: i64,
    /// Committer time of the revert minus that of the commit, in seconds.
    pub seconds: i64,
}

/// The ids a message says it reverts: every `This reverts commit <full id>` followed by
/// `.` or `,`, in message order, without repeats. An abbreviated id names nothing.
pub fn claimed(message: &str) -> Vec<ObjectId> {
    let mut found: Vec<ObjectId> = Vec::new();
    let mut rest = message;
    while let Some(at) = rest.find(SENTENCE) {
        rest = &rest[at + SENTENCE.len()..];
        let hex = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
        let follows = rest.as_bytes().get(hex).copied();
        if matches!(follows, Some(b'.' | b','))
            && let Some(id) = ObjectId::from_hex(&rest[..hex])
            && !found.contains(&id)
        {
            found.push(id);
        }
    }
    found
}

/// One path's entries before and after a commit (`None`: no file there).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Change {
    /// The entry before.
    pub before: Option<PathEntry>,
    /// The entry after.
    pub after: Option<PathEntry>,
}

/// A commit's changes by path.
pub type Changes = BTreeMap<String, Change>;

/// Which of `named` (oldest first) `r` undoes. `r` holds R's change at every path any of
/// them changed. A path that several of them changed must go from the newest one's `after`
/// back to the oldest one's `before`; a commit with no changed path is never undone.
pub fn undone(named: &[&Changes], r: &Changes) -> Vec<bool> {
    let mut expected: BTreeMap<&str, Change> = BTreeMap::new();
    for changes in named {
        for (path, change) in changes.iter() {
            expected
                .entry(path.as_str())
                .and_modify(|e| e.after = change.after.clone())
                .or_insert_with(|| change.clone());
        }
    }
    named
        .iter()
        .map(|changes| {
            !changes.is_empty()
                && changes.keys().all(|path| {
                    let want = &expected[path.as_str()];
                    r.get(path)
                        .is_some_and(|got| got.before == want.after && got.after == want.before)
                })
        })
        .collect()
}

/// Which commits are reverted, given who undoes whom: `undoers[x]` lists every commit
/// whose changes undo commit `x`. A commit is reverted when one of its undoers is not
/// itself reverted. Iterative, so a long chain of reverts of reverts cannot exhaust the
/// stack; an undoer still being decided (only possible in a cycle, which git's hashes
/// rule out) does not count.
pub fn reverted(undoers: &[Vec<usize>]) -> Vec<bool> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        Open,
        Done,
    }
    let n = undoers.len();
    let mut state = vec![State::New; n];
    let mut result = vec![false; n];
    for start in 0..n {
        if state[start] != State::New {
            continue;
        }
        state[start] = State::Open;
        let mut stack = vec![(start, 0usize)];
        while let Some(top) = stack.last_mut() {
            let (c, k) = *top;
            if let Some(&r) = undoers[c].get(k) {
                top.1 += 1;
                if state[r] == State::New {
                    state[r] = State::Open;
                    stack.push((r, 0));
                }
                continue;
            }
            result[c] = undoers[c]
                .iter()
                .any(|&r| state[r] == State::Done && !result[r]);
            state[c] = State::Done;
            stack.pop();
        }
    }
    result
}

/// What commit `id` is charged for, as tree entries before and after it, path by path.
///
/// The paths are the pipeline's charged files ([`pipeline::read_changes`]); the entries
/// come from the tree the commit is charged against and from its own tree: its parent
/// (the empty tree for a root), and for a two-parent merge git's automatic merge of its
/// parents ([`Snapshot::AutoMerge`]), so a revert of a merge must undo what it is charged
/// for (its remerge diff), not what its other parent brought. `None` when a changed path
/// is not UTF-8 (no rule could read it, so nothing can be shown undone).
pub fn charged_changes(repo: &Repo, id: &ObjectId) -> Result<Option<Changes>> {
    let facts = repo.commit_facts(id)?;
    let charged = pipeline::read_changes(repo, id, crate::git::ChangeScope::Full)?;
    if charged.bad_paths.iter().any(|b| b.non_utf8_only) {
        return Ok(None);
    }
    let paths: Vec<String> = charged
        .files
        .iter()
        .flat_map(|f| f.paths())
        .map(str::to_owned)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let before = match facts.parents.as_slice() {
        [] => Snapshot::Empty,
        [parent] => Snapshot::Commit(parent),
        _ => Snapshot::AutoMerge(id),
    };
    Ok(Some(entries(repo, before, Snapshot::Commit(id), paths)?))
}

/// What commit `id` does at `paths`: from its first parent (the empty tree for a root) to
/// its own tree. A revert made by `git revert` has one parent; a merge that claims to
/// revert is read along its first parent, as the branch it lands on sees it.
fn own_changes(repo: &Repo, id: &ObjectId, paths: Vec<String>) -> Result<Changes> {
    let facts = repo.commit_facts(id)?;
    let before = match facts.parents.first() {
        Some(parent) => Snapshot::Commit(parent),
        None => Snapshot::Empty,
    };
    entries(repo, before, Snapshot::Commit(id), paths)
}

fn entries(
    repo: &Repo,
    before: Snapshot<'_>,
    after: Snapshot<'_>,
    paths: Vec<String>,
) -> Result<Changes> {
    let old = repo.entries_at(before, &paths)?;
    let new = repo.entries_at(after, &paths)?;
    Ok(paths
        .into_iter()
        .zip(old.into_iter().zip(new))
        .map(|(path, (before, after))| (path, Change { before, after }))
        .collect())
}

/// Every reverted commit of the range `commits` (in `git rev-list` order, newest first),
/// each with the earliest standing commit that reverts it, in range order.
pub fn find(repo: &Repo, commits: &[MeasuredCommit]) -> Result<Vec<Revert>> {
    let index: HashMap<&ObjectId, usize> = commits
        .iter()
        .enumerate()
        .map(|(i, c)| (&c.id, i))
        .collect();
    let mut charged: HashMap<usize, Option<Changes>> = HashMap::new();
    let mut undoers: Vec<Vec<usize>> = vec![Vec::new(); commits.len()];
    for (r, commit) in commits.iter().enumerate() {
        // The named commits of the range, oldest first (rev-list lists ancestors later).
        let mut named: Vec<usize> = commit
            .claims_to_revert
            .iter()
            .filter_map(|id| index.get(id).copied())
            .filter(|&x| x != r)
            .collect();
        if named.is_empty() {
            continue;
        }
        named.sort_unstable_by(|a, b| b.cmp(a));
        named.dedup();
        for &x in &named {
            if let std::collections::hash_map::Entry::Vacant(slot) = charged.entry(x) {
                slot.insert(charged_changes(repo, &commits[x].id)?);
            }
        }
        let named: Vec<(usize, &Changes)> = named
            .iter()
            .filter_map(|&x| charged[&x].as_ref().map(|c| (x, c)))
            .collect();
        let paths: BTreeSet<&String> = named.iter().flat_map(|(_, c)| c.keys()).collect();
        let r_changes = own_changes(repo, &commit.id, paths.into_iter().cloned().collect())?;
        let changes: Vec<&Changes> = named.iter().map(|(_, c)| *c).collect();
        for ((x, _), yes) in named.iter().zip(undone(&changes, &r_changes)) {
            if yes {
                undoers[*x].push(r);
            }
        }
    }
    let is_reverted = reverted(&undoers);
    let mut found = Vec::new();
    for (x, rs) in undoers.iter().enumerate() {
        if !is_reverted[x] {
            continue;
        }
        let by = rs
            .iter()
            .copied()
            .filter(|&r| !is_reverted[r])
            .min_by_key(|&r| (commits[r].time, std::cmp::Reverse(r)))
            .expect("a reverted commit has a standing revert");
        found.push(Revert {
            commit: commits[x].id.clone(),
            reverted_by: commits[by].id.clone(),
            reverted_at: commits[by].time,
            seconds: commits[by].time - commits[x].time,
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FileMode;

    const A: &str = "1111111111111111111111111111111111111111";

    fn entry(n: u8) -> Option<PathEntry> {
        let hex: String = std::iter::repeat_n(format!("{n:02x}"), 20).collect();
        Some(PathEntry {
            id: ObjectId::from_hex(&hex).expect("hex"),
            mode: FileMode::FILE,
        })
    }

    fn changes(list: &[(&str, Option<PathEntry>, Option<PathEntry>)]) -> Changes {
        list.iter()
            .map(|(p, b, a)| {
                (
                    (*p).to_owned(),
                    Change {
                        before: b.clone(),
                        after: a.clone(),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn claimed_ids_need_the_full_id_and_git_punctuation() {
        let b = "2".repeat(40);
        let msg = format!(
            "Revert \"x\"\n\nThis reverts commit {A}.\nThis reverts commit {b}, reversing\nchanges made to {A}.\n"
        );
        let ids: Vec<String> = claimed(&msg).iter().map(|i| i.to_string()).collect();
        assert_eq!(ids, vec![A.to_owned(), b]);
        // Abbreviated, unpunctuated, too long, or a different sentence: nothing.
        assert!(claimed("This reverts commit 1111111.").is_empty());
        assert!(claimed(&format!("This reverts commit {A}")).is_empty());
        assert!(claimed(&format!("This reverts commit {A} and more.")).is_empty());
        assert!(claimed(&format!("This reverts commit {A}1.")).is_empty());
        assert!(claimed(&format!("this reverts commit {A}.")).is_empty());
        assert!(claimed(&format!("This reverts commit {A};")).is_empty());
        // Uppercase hex names the same commit.
        let upper = A.to_uppercase().replace('1', "A");
        assert_eq!(
            claimed(&format!("This reverts commit {upper}.")),
            vec![ObjectId::from_hex(&upper).expect("hex")]
        );
        // Repeats count once; a sentence cut off at the end names nothing.
        assert_eq!(
            claimed(&format!(
                "This reverts commit {A}. This reverts commit {A},"
            ))
            .len(),
            1
        );
        assert!(claimed("This reverts commit ").is_empty());
    }

    #[test]
    fn a_revert_undoes_exactly_what_the_commit_did() {
        let x = changes(&[("a", entry(1), entry(2)), ("b", None, entry(3))]);
        let r = changes(&[("a", entry(2), entry(1)), ("b", entry(3), None)]);
        assert_eq!(undone(&[&x], &r), vec![true]);
        // Half a revert is none.
        let half = changes(&[("a", entry(2), entry(1)), ("b", entry(3), entry(3))]);
        assert_eq!(undone(&[&x], &half), vec![false]);
        // Undoing to something else is no revert.
        let other = changes(&[("a", entry(2), entry(9)), ("b", entry(3), None)]);
        assert_eq!(undone(&[&x], &other), vec![false]);
        // A mode counts: the same blob with another mode is another entry.
        let mut exec = entry(1);
        if let Some(e) = exec.as_mut() {
            e.mode = FileMode::EXECUTABLE;
        }
        let mode = changes(&[("a", entry(2), exec), ("b", entry(3), None)]);
        assert_eq!(undone(&[&x], &mode), vec![false]);
        // A commit that changed nothing is never undone.
        assert_eq!(undone(&[&Changes::new()], &Changes::new()), vec![false]);
    }

    #[test]
    fn a_squashed_revert_undoes_each_commit_along_the_chain() {
        let x1 = changes(&[("a", entry(1), entry(2)), ("b", None, entry(5))]);
        let x2 = changes(&[("a", entry(2), entry(3))]);
        let r = changes(&[("a", entry(3), entry(1)), ("b", entry(5), None)]);
        assert_eq!(undone(&[&x1, &x2], &r), vec![true, true]);
        // Taking `a` back only to x2's start leaves x1 in place.
        let partial = changes(&[("a", entry(3), entry(2)), ("b", entry(5), None)]);
        assert_eq!(undone(&[&x1, &x2], &partial), vec![false, false]);
        // Naming an unrelated commit does not hide a real revert of the other.
        let unrelated = changes(&[("z", entry(7), entry(8))]);
        let r1 = changes(&[
            ("a", entry(2), entry(1)),
            ("b", entry(5), None),
            ("z", entry(8), entry(8)),
        ]);
        assert_eq!(undone(&[&x1, &unrelated], &r1), vec![true, false]);
    }

    #[test]
    fn a_revert_of_a_revert_unreverts() {
        // 0 is undone by 1, 1 by 2, 2 by 3.
        let chain = |n: usize| -> Vec<Vec<usize>> {
            (0..n)
                .map(|i| if i + 1 < n { vec![i + 1] } else { vec![] })
                .collect()
        };
        assert_eq!(reverted(&chain(2)), vec![true, false]);
        assert_eq!(reverted(&chain(3)), vec![false, true, false]);
        assert_eq!(reverted(&chain(4)), vec![true, false, true, false]);
        // Two undoers, one of them itself undone: the other still stands.
        assert_eq!(
            reverted(&[vec![1, 2], vec![3], vec![], vec![]]),
            vec![true, true, false, false]
        );
        // A long chain needs no deep stack.
        let long = reverted(&chain(200_000));
        assert!(long[0] == (200_000 % 2 == 0));
        // A cycle (impossible with real hashes) terminates.
        let _ = reverted(&[vec![1], vec![0]]);
    }
}
