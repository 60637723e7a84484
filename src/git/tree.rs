//! Tree objects read as git reads them, and one walk over a commit's tree and its parents'.
//!
//! Trees are parsed here, not by libgit2: git's own parser (`decode_tree_entry`) accepts
//! what libgit2 refuses (a mode wider than 16 bits, which git truncates) and the fsck
//! checks ([`super::fsck`]) must see every entry exactly as git would, in stored order.
//! Modes are canonicalized as git's `canon_mode` does (`100775` is `100755`; anything that
//! is not a file, symlink or directory is a submodule).
//!
//! [`TreeWalk`] walks the tree of a commit (the *result*) together with its parents' trees,
//! merge-joining the sorted listings in git's tree order, so a merge costs what its trees
//! differ in, not what the repository holds, and no path is ever looked up from the root.
//! It is iterative (a hostile tree nested thousands of levels deep cannot overflow the
//! stack) and refuses trees nested deeper than git's `core.maxTreeDepth` (2048). Every
//! result tree that equals none of the parents' trees at its path is a tree the commit
//! *introduces*; those are handed to the fsck checks.

use std::cmp::Ordering;

use git2::Oid;

use super::GitError;
use super::fsck::{self, Fsck};

/// File type bits of a mode.
pub(crate) const S_IFMT: u32 = 0o170000;
/// A directory (tree).
pub(crate) const S_IFDIR: u32 = 0o040000;
/// A regular file.
pub(crate) const S_IFREG: u32 = 0o100000;
/// A symbolic link.
pub(crate) const S_IFLNK: u32 = 0o120000;
/// A submodule (gitlink).
pub(crate) const S_IFGITLINK: u32 = 0o160000;

/// git's default `core.maxTreeDepth`: how deep git itself is willing to recurse.
pub(crate) const MAX_TREE_DEPTH: usize = 2048;

/// Bytes of a SHA-1 object id in a tree entry (libgit2 reads SHA-1 repositories only).
const RAW_ID_LEN: usize = 20;

/// git's `canon_mode`: a regular file is 100644 or 100755 (by the owner's execute bit),
/// a symlink 120000, a directory 040000, and anything else a submodule (160000).
pub(crate) fn canon_mode(mode: u32) -> u32 {
    match mode & S_IFMT {
        S_IFREG if mode & 0o100 != 0 => 0o100755,
        S_IFREG => 0o100644,
        S_IFLNK => S_IFLNK,
        S_IFDIR => S_IFDIR,
        _ => S_IFGITLINK,
    }
}

/// True for a directory mode (raw or canonical).
pub(crate) fn is_dir(mode: u32) -> bool {
    mode & S_IFMT == S_IFDIR
}

/// git's `base_name_compare`: tree order, where a directory sorts as if its name ended
/// in `/`.
pub(crate) fn tree_order(a: &[u8], a_mode: u32, b: &[u8], b_mode: u32) -> Ordering {
    let n = a.len().min(b.len());
    match a[..n].cmp(&b[..n]) {
        Ordering::Equal => {}
        other => return other,
    }
    let tail = |name: &[u8], mode: u32| match name.get(n) {
        Some(&c) => c,
        None if is_dir(mode) => b'/',
        None => 0,
    };
    tail(a, a_mode).cmp(&tail(b, b_mode))
}

/// One tree entry as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry<'a> {
    /// The name (never empty, never containing NUL; may contain anything else).
    pub(crate) name: &'a [u8],
    /// The mode as stored, truncated to 16 bits as git does.
    pub(crate) raw_mode: u32,
    /// The object the entry names.
    pub(crate) id: Oid,
}

impl Entry<'_> {
    /// The canonical mode (see [`canon_mode`]).
    pub(crate) fn mode(&self) -> u32 {
        canon_mode(self.raw_mode)
    }
}

/// git's `decode_tree_entry`: the entry at the start of `buf` and its length in bytes, or
/// git's reason for refusing it.
pub(crate) fn decode(buf: &[u8]) -> Result<(Entry<'_>, usize), &'static str> {
    if buf.len() < RAW_ID_LEN + 3 || buf[buf.len() - (RAW_ID_LEN + 1)] != 0 {
        return Err("too-short tree object");
    }
    if buf[0] == b' ' {
        return Err("malformed mode in tree entry");
    }
    // The NUL checked above ends every scan below before the end of `buf`.
    let mut mode: u32 = 0;
    let mut i = 0;
    loop {
        let c = buf[i];
        i += 1;
        if c == b' ' {
            break;
        }
        if !(b'0'..=b'7').contains(&c) {
            return Err("malformed mode in tree entry");
        }
        mode = (mode << 3).wrapping_add(u32::from(c - b'0'));
    }
    let start = i;
    let nul = start
        + buf[start..]
            .iter()
            .position(|&b| b == 0)
            .expect("a NUL precedes the last object id");
    if nul == start {
        return Err("empty filename in tree entry");
    }
    let end = nul + 1 + RAW_ID_LEN;
    let id = Oid::from_bytes(&buf[nul + 1..end]).expect("20 bytes make a SHA-1 id");
    let entry = Entry {
        name: &buf[start..nul],
        raw_mode: mode & 0xffff,
        id,
    };
    Ok((entry, end))
}

/// The entries of a raw tree object in stored order; after the first entry git cannot
/// parse, one `Err` with git's reason, then nothing.
pub(crate) fn entries(data: &[u8]) -> Entries<'_> {
    Entries { rest: data }
}

/// Iterator of [`entries`].
pub(crate) struct Entries<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, &'static str>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match decode(self.rest) {
            Ok((entry, len)) => {
                self.rest = &self.rest[len..];
                Some(Ok(entry))
            }
            Err(reason) => {
                self.rest = &[];
                Some(Err(reason))
            }
        }
    }
}

/// One side of a path in a walk: the entry's object id and canonical mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Side {
    /// The object id.
    pub(crate) id: Oid,
    /// The canonical mode.
    pub(crate) mode: u32,
}

/// Which subtrees a [`TreeWalk`] may skip (a skipped subtree yields no leaf).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Descend {
    /// Skip a subtree the result holds exactly as some parent does: every path in it
    /// equals that parent's (what "equals none of the parents" needs).
    UnlessEqualToSomeParent,
    /// Skip a subtree only when the result holds it exactly as every parent does (what
    /// "differs from any parent" needs; with one parent the two rules agree).
    UnlessEqualToEveryParent,
}

impl Descend {
    /// Whether a walk under this rule enters a directory the result holds as `result` and
    /// the parents as `parents` (tree ids; `None` where a side has no such directory).
    pub(crate) fn enters(self, result: Option<Oid>, parents: &[Option<Oid>]) -> bool {
        match self {
            Descend::UnlessEqualToSomeParent => !parents.contains(&result),
            Descend::UnlessEqualToEveryParent => {
                parents.is_empty() || parents.iter().any(|p| *p != result)
            }
        }
    }
}

/// What a [`TreeWalk`] reports to, and asks of, its caller.
pub(crate) trait Visit {
    /// Whether to enter a directory (`path`, no trailing `/`; empty for the root) that the
    /// result holds as `result` and the parents as `parents`.
    fn descend(&mut self, path: &[u8], result: Option<Oid>, parents: &[Option<Oid>]) -> bool;

    /// A non-directory path where the result's entry differs from some parent's (every
    /// path, with no parent), with the result's entry and each parent's (`None` where a
    /// side does not hold the path).
    fn leaf(
        &mut self,
        path: &[u8],
        result: Option<Side>,
        parents: &[Option<Side>],
    ) -> Result<(), GitError>;
}

/// A [`Visit`] that enters directories by a [`Descend`] rule and hands every leaf to a
/// closure.
struct Leaves<F> {
    rule: Descend,
    each: F,
}

impl<F> Visit for Leaves<F>
where
    F: FnMut(&[u8], Option<Side>, &[Option<Side>]) -> Result<(), GitError>,
{
    fn descend(&mut self, _: &[u8], result: Option<Oid>, parents: &[Option<Oid>]) -> bool {
        self.rule.enters(result, parents)
    }

    fn leaf(
        &mut self,
        path: &[u8],
        result: Option<Side>,
        parents: &[Option<Side>],
    ) -> Result<(), GitError> {
        (self.each)(path, result, parents)
    }
}

/// Reads a tree object, refusing anything else.
pub(crate) fn read_tree<'o>(
    odb: &'o git2::Odb<'o>,
    id: Oid,
    path: &[u8],
    commit: Oid,
) -> Result<git2::OdbObject<'o>, GitError> {
    let context = || {
        if path.is_empty() {
            format!("root tree of commit {commit}")
        } else {
            format!(
                "tree '{}' of commit {commit}",
                String::from_utf8_lossy(path)
            )
        }
    };
    let object = odb.read(id).map_err(|source| GitError::MissingObject {
        id: id.to_string(),
        context: context(),
        source,
    })?;
    if object.kind() != git2::ObjectType::Tree {
        return Err(GitError::NotATree {
            id: id.to_string(),
            context: context(),
        });
    }
    Ok(object)
}

/// One tree being walked: the object and how far it has been read.
struct Cursor<'o> {
    object: git2::OdbObject<'o>,
    pos: usize,
}

/// The next entry of a cursor, copied out so the cursor can move.
#[derive(Clone, Copy)]
struct Head {
    name: (usize, usize),
    mode: u32,
    id: Oid,
    next: usize,
}

impl Cursor<'_> {
    fn head(&self) -> Result<Option<Head>, &'static str> {
        let data = self.object.data();
        if self.pos >= data.len() {
            return Ok(None);
        }
        let (entry, len) = decode(&data[self.pos..])?;
        let start = entry.name.as_ptr() as usize - data.as_ptr() as usize;
        Ok(Some(Head {
            name: (start, start + entry.name.len()),
            mode: entry.mode(),
            id: entry.id,
            next: self.pos + len,
        }))
    }

    fn name(&self, head: &Head) -> &[u8] {
        &self.object.data()[head.name.0..head.name.1]
    }
}

/// One directory level of the walk: index 0 is the result's tree, then one per parent.
struct Frame<'o> {
    trees: Vec<Option<Cursor<'o>>>,
    /// The length of the path prefix at this level (ending in `/`, or 0 at the root).
    base: usize,
    /// True when the result's tree here equals none of the parents' trees at this path.
    result_new: bool,
}

/// A walk over a commit's tree and its parents' trees (see the module docs).
pub(crate) struct TreeWalk<'o> {
    odb: &'o git2::Odb<'o>,
    commit: Oid,
    descend: Descend,
    /// When false, positions the result does not hold are skipped and no leaf reaches the
    /// visitor: only the trees the commit introduces are read (for fsck).
    leaves: bool,
    /// The fsck findings of the trees the commit introduces.
    pub(crate) fsck: Fsck,
}

impl<'o> TreeWalk<'o> {
    /// A walk of commit `commit`'s trees, read from `odb`.
    pub(crate) fn new(odb: &'o git2::Odb<'o>, commit: Oid, descend: Descend, leaves: bool) -> Self {
        TreeWalk {
            odb,
            commit,
            descend,
            leaves,
            fsck: Fsck::default(),
        }
    }

    /// Walks `result` against `parents` (tree ids), entering directories by the walk's
    /// [`Descend`] rule. `each` receives, in git's path order, every non-directory path
    /// where the result's entry differs from some parent's (every path, with no parent),
    /// with the result's entry and each parent's; a path a side does not hold is `None`
    /// there. Every tree the result introduces that the walk enters is fsck-checked.
    pub(crate) fn run(
        &mut self,
        result: Oid,
        parents: &[Oid],
        each: impl FnMut(&[u8], Option<Side>, &[Option<Side>]) -> Result<(), GitError>,
    ) -> Result<(), GitError> {
        let mut visit = Leaves {
            rule: self.descend,
            each,
        };
        self.run_with(result, parents, &mut visit)
    }

    /// [`TreeWalk::run`] with a visitor that decides which directories to enter.
    pub(crate) fn run_with(
        &mut self,
        result: Oid,
        parents: &[Oid],
        visit: &mut dyn Visit,
    ) -> Result<(), GitError> {
        let k = parents.len();
        let root_new = parents.iter().all(|&p| p != result);
        let root_parents: Vec<Option<Oid>> = parents.iter().copied().map(Some).collect();
        let enter = if self.leaves {
            visit.descend(b"", Some(result), &root_parents)
        } else {
            root_new
        };
        if !enter {
            return Ok(());
        }
        let mut trees = Vec::with_capacity(k + 1);
        trees.push(Some(self.open(result, b"", root_new)?));
        for &p in parents {
            trees.push(Some(self.open(p, b"", false)?));
        }
        let mut stack = vec![Frame {
            trees,
            base: 0,
            result_new: root_new,
        }];
        let mut prefix: Vec<u8> = Vec::new();
        let mut heads: Vec<Option<Head>> = vec![None; k + 1];
        let mut sides: Vec<Option<Side>> = vec![None; k + 1];
        let mut subtrees: Vec<Option<Oid>> = vec![None; k + 1];

        loop {
            let depth = stack.len();
            let Some(frame) = stack.last_mut() else {
                break;
            };
            let frame_new = frame.result_new;
            // The next entry of each side, and the smallest in tree order.
            let mut min: Option<usize> = None;
            for (i, slot) in frame.trees.iter().enumerate() {
                heads[i] = match slot {
                    None => None,
                    Some(cursor) => match cursor.head() {
                        Ok(head) => head,
                        // An introduced tree git cannot parse: fsck reported it; stop here.
                        Err(_) if i == 0 && frame_new => None,
                        Err(reason) => {
                            return Err(GitError::BadTree {
                                id: cursor.object.id().to_string(),
                                commit: self.commit.to_string(),
                                reason,
                            });
                        }
                    },
                };
                if let (Some(head), Some(m)) = (heads[i], min) {
                    let best = heads[m].expect("min has a head");
                    let best_cursor = frame.trees[m].as_ref().expect("min has a tree");
                    let cursor = frame.trees[i].as_ref().expect("has a head");
                    if tree_order(
                        cursor.name(&head),
                        head.mode,
                        best_cursor.name(&best),
                        best.mode,
                    ) == Ordering::Less
                    {
                        min = Some(i);
                    }
                } else if heads[i].is_some() {
                    min = Some(i);
                }
            }
            let Some(m) = min else {
                let base = frame.base;
                stack.pop();
                prefix.truncate(base.saturating_sub(1));
                continue;
            };
            let best = heads[m].expect("min has a head");
            prefix.truncate(frame.base);
            let key_is_dir = is_dir(best.mode);
            {
                let best_cursor = frame.trees[m].as_ref().expect("min has a tree");
                prefix.extend_from_slice(best_cursor.name(&best));
            }
            for i in 0..=k {
                let matched = match (heads[i], frame.trees[i].as_ref()) {
                    (Some(head), Some(cursor)) => {
                        tree_order(
                            cursor.name(&head),
                            head.mode,
                            &prefix[frame.base..],
                            best.mode,
                        ) == Ordering::Equal
                    }
                    _ => false,
                };
                sides[i] = None;
                subtrees[i] = None;
                if matched {
                    let head = heads[i].expect("matched");
                    if key_is_dir {
                        subtrees[i] = Some(head.id);
                    } else {
                        sides[i] = Some(Side {
                            id: head.id,
                            mode: head.mode,
                        });
                    }
                    frame.trees[i].as_mut().expect("matched").pos = head.next;
                }
            }
            if !key_is_dir {
                let (result, parents) = (sides[0], &sides[1..]);
                if result.is_some() && frame_new {
                    self.fsck.leaf(&prefix, result, parents);
                }
                let differs = k == 0 || parents.iter().any(|p| *p != result);
                if self.leaves && differs {
                    visit.leaf(&prefix, result, parents)?;
                }
                continue;
            }
            // A directory position: enter it if the visitor asks (an fsck-only walk enters
            // exactly the trees the result introduces).
            let result = subtrees[0];
            let parents = &subtrees[1..];
            let result_new = result.is_some() && !parents.contains(&result);
            let enter = if self.leaves {
                visit.descend(&prefix, result, parents)
            } else {
                result_new
            };
            if !enter {
                continue;
            }
            if depth > MAX_TREE_DEPTH {
                return Err(GitError::TreeTooDeep {
                    path: String::from_utf8_lossy(&prefix).into_owned(),
                    commit: self.commit.to_string(),
                    max: MAX_TREE_DEPTH,
                });
            }
            let mut trees = Vec::with_capacity(k + 1);
            for (i, id) in subtrees.iter().enumerate() {
                trees.push(match id {
                    Some(id) => Some(self.open(*id, &prefix, i == 0 && result_new)?),
                    None => None,
                });
            }
            prefix.push(b'/');
            stack.push(Frame {
                trees,
                base: prefix.len(),
                result_new,
            });
        }
        Ok(())
    }

    /// Reads a tree; one the result introduces is fsck-checked as it is opened.
    fn open(&mut self, id: Oid, path: &[u8], introduced: bool) -> Result<Cursor<'o>, GitError> {
        let object = read_tree(self.odb, id, path, self.commit)?;
        if introduced {
            fsck::check_tree(object.data(), path, &mut self.fsck);
        }
        Ok(Cursor { object, pos: 0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw_entry(mode: &str, name: &[u8], id: u8) -> Vec<u8> {
        let mut out = mode.as_bytes().to_vec();
        out.push(b' ');
        out.extend_from_slice(name);
        out.push(0);
        out.extend_from_slice(&[id; RAW_ID_LEN]);
        out
    }

    #[test]
    fn tree_order_sorts_a_directory_as_if_it_ended_in_slash() {
        assert_eq!(
            tree_order(b"a.txt", 0o100644, b"a", 0o040000),
            Ordering::Less
        );
        assert_eq!(tree_order(b"a", 0o100644, b"a", 0o040000), Ordering::Less);
        assert_eq!(
            tree_order(b"a0", 0o100644, b"a", 0o040000),
            Ordering::Greater
        );
        assert_eq!(tree_order(b"b", 0o100644, b"b", 0o100755), Ordering::Equal);
    }

    #[test]
    fn canonical_modes_are_what_git_checks_out() {
        assert_eq!(canon_mode(0o100664), 0o100644);
        assert_eq!(canon_mode(0o100775), 0o100755);
        assert_eq!(canon_mode(0o100700), 0o100755);
        assert_eq!(canon_mode(0o100600), 0o100644);
        assert_eq!(canon_mode(0o120777), 0o120000);
        assert_eq!(canon_mode(0o040755), 0o040000);
        assert_eq!(canon_mode(0o160000), 0o160000);
        // Not a file, symlink or directory: git treats it as a submodule.
        assert_eq!(canon_mode(0o020644), 0o160000);
        assert_eq!(canon_mode(0), 0o160000);
    }

    #[test]
    fn decodes_entries_as_git_does() {
        let mut tree = raw_entry("100644", b"a.txt", 1);
        tree.extend(raw_entry("40000", b"dir", 2));
        tree.extend(raw_entry("0100755", b"x", 3));
        let parsed: Vec<_> = entries(&tree).collect::<Result<_, _>>().expect("parses");
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed[0].name, b"a.txt");
        assert_eq!(parsed[1].raw_mode, 0o40000);
        assert!(is_dir(parsed[1].mode()));
        assert_eq!(parsed[2].mode(), 0o100755);
        assert_eq!(parsed[2].id, Oid::from_bytes(&[3; 20]).expect("id"));
    }

    #[test]
    fn a_mode_wider_than_16_bits_is_truncated_as_git_does() {
        let tree = raw_entry("1100644", b"f", 1);
        let (entry, _) = decode(&tree).expect("git accepts it");
        assert_eq!(entry.raw_mode, 0o100644);
    }

    #[test]
    fn refuses_what_git_refuses() {
        assert_eq!(
            decode(&raw_entry("100644", b"", 1)),
            Err("empty filename in tree entry")
        );
        assert_eq!(
            decode(&raw_entry("1006a4", b"f", 1)),
            Err("malformed mode in tree entry")
        );
        assert_eq!(
            decode(&raw_entry(" 100644", b"f", 1)),
            Err("malformed mode in tree entry")
        );
        let mut short = raw_entry("100644", b"f", 1);
        short.pop();
        assert!(decode(&short).is_err());
        // Trailing junk: git checks the end of what remains, so the first entry fails.
        let mut tree = raw_entry("100644", b"f", 1);
        tree.extend_from_slice(b"100644 g");
        let parsed: Vec<_> = entries(&tree).collect();
        assert_eq!(parsed, vec![Err("too-short tree object")]);
        // A bad second entry: the first parses, then one error, then nothing.
        let mut tree = raw_entry("100644", b"f", 1);
        tree.extend(raw_entry("100644", b"", 2));
        let parsed: Vec<_> = entries(&tree).collect();
        assert!(parsed[0].is_ok());
        assert_eq!(parsed[1], Err("empty filename in tree entry"));
        assert_eq!(parsed.len(), 2);
    }
}
