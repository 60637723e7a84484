//! The tree checks of git's fsck (`fsck.c`), ported: what makes a tree entry `bad-path`.
//!
//! Without `receive.fsckObjects` (off by default) a server stores any tree a client sends,
//! and some trees turn into something else on checkout: an entry named `..` or `.git`
//! (or `GIT~1`, `.git.`, `.g\u{200c}it`, the spellings NTFS and HFS+ read as `.git`), a
//! `.gitmodules` that is a symlink, unsorted or duplicate entries (which of two entries
//! named `a` a checkout keeps is up to the tool). [`check_tree`] runs on every tree a
//! commit introduces and reports each problem once per tree, naming the first entry that
//! shows it. It reports what git's fsck calls an *error*, plus the warnings the contract
//! names (`.`, `..`, `.git` and its spellings, an empty name, a name with `/`); not the
//! other warnings (a zero-padded or non-standard mode is judged canonicalized instead).
//! `.gitattributes` blobs are checked as fsck checks them (at most 100 MiB, no line of
//! 2,048 bytes or more), and `.gitmodules` blobs for the submodule names, URLs, paths and
//! update commands fsck refuses ([`super::gitmodules`]), reading only the ones a commit
//! introduces.
//!
//! The name checks (`is_ntfs_dotgit`, `is_hfs_dotgit` and their `.gitmodules`,
//! `.gitattributes` variants) follow git's `path.c` and `utf8.c` byte for byte, including
//! their treatment of malformed UTF-8.

use git2::Oid;

use super::diff::BIG_FILE_THRESHOLD;
use super::tree::{self, S_IFDIR, S_IFLNK, S_IFMT, Side};
use super::{GitError, gitmodules};
use crate::model::BadPath;

/// git's `ATTR_MAX_FILE_SIZE`: a larger `.gitattributes` is an fsck error.
const ATTR_MAX_FILE_SIZE: usize = 100 * 1024 * 1024;
/// git's `ATTR_MAX_LINE_LENGTH`: a `.gitattributes` line this long or longer is an error.
const ATTR_MAX_LINE_LENGTH: usize = 2048;

/// What the fsck checks found in the trees of one commit.
#[derive(Debug, Default)]
pub(crate) struct Fsck {
    /// The problems, in the order found.
    pub(crate) bad: Vec<BadPath>,
    /// `.gitmodules` and `.gitattributes` entries the commit introduces, to read after
    /// the walk.
    special: Vec<(Vec<u8>, Oid, Special)>,
}

/// The files whose blobs fsck reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Special {
    Gitmodules,
    Gitattributes,
}

/// The kinds of problem, each reported once per tree.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Problem {
    BadTree,
    Dot,
    DotDot,
    DotGit,
    FullPathname,
    NotSorted,
    Duplicate,
    GitmodulesSymlink,
    GitmodulesNotBlob,
    GitattributesNotBlob,
}

impl Problem {
    /// This problem's bit in a tree's set of problems already reported.
    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// Checks one tree a commit introduces; `dir` is its path (empty for the root tree).
pub(crate) fn check_tree(data: &[u8], dir: &[u8], fsck: &mut Fsck) {
    let mut seen: u16 = 0;
    let mut report = |problem: Problem, path: Vec<u8>, text: String, bad: &mut Vec<BadPath>| {
        if seen & problem.bit() == 0 {
            seen |= problem.bit();
            bad.push(BadPath {
                path: String::from_utf8_lossy(&path).into_owned(),
                problem: text,
                non_utf8_only: false,
            });
        }
    };
    let join = |name: &[u8]| -> Vec<u8> {
        let mut path = dir.to_vec();
        if !path.is_empty() {
            path.push(b'/');
        }
        path.extend_from_slice(name);
        path
    };
    let mut previous: Option<(&[u8], u32)> = None;
    let mut candidates: Vec<&[u8]> = Vec::new();
    for item in tree::entries(data) {
        let entry = match item {
            Ok(entry) => entry,
            Err(reason) => {
                let text = format!("cannot be parsed as a tree: {reason} (fsck: badTree)");
                report(Problem::BadTree, dir.to_vec(), text, &mut fsck.bad);
                break;
            }
        };
        let (name, mode) = (entry.name, entry.raw_mode);
        let shown = String::from_utf8_lossy(name);
        if name.contains(&b'/') {
            let text = format!("an entry named '{shown}', with a '/' in it (fsck: fullPathname)");
            report(Problem::FullPathname, join(name), text, &mut fsck.bad);
        }
        if name == b"." {
            let text = "an entry named '.' (fsck: hasDot)".to_owned();
            report(Problem::Dot, join(name), text, &mut fsck.bad);
        }
        if name == b".." {
            let text = "an entry named '..' (fsck: hasDotdot)".to_owned();
            report(Problem::DotDot, join(name), text, &mut fsck.bad);
        }
        let mut dotgit = is_hfs_dotgit(name) || is_ntfs_dotgit(name);
        let mut gitmodules = is_hfs_dotgitmodules(name) || is_ntfs_dotgitmodules(name);
        // git's fsck also reads a backslash as a directory separator (as Windows does).
        for (i, _) in name.iter().enumerate().filter(|(_, b)| **b == b'\\') {
            let rest = &name[i + 1..];
            dotgit |= is_ntfs_dotgit(rest);
            gitmodules |= is_ntfs_dotgitmodules(rest);
        }
        if dotgit {
            let text = if name == b".git" {
                "an entry named '.git' (fsck: hasDotgit)".to_owned()
            } else {
                format!(
                    "an entry named '{shown}', which a Windows or macOS checkout reads as '.git' (fsck: hasDotgit)"
                )
            };
            report(Problem::DotGit, join(name), text, &mut fsck.bad);
        }
        if gitmodules && mode & S_IFMT == S_IFLNK {
            let text = format!("'{shown}' is a symbolic link (fsck: gitmodulesSymlink)");
            report(Problem::GitmodulesSymlink, join(name), text, &mut fsck.bad);
        }
        // A directory by that name names a tree, never the blob fsck expects; other
        // entries are read after the walk (`Fsck::check_blobs`).
        if gitmodules && mode & S_IFMT == S_IFDIR {
            let text = format!("'{shown}' is not a file (fsck: gitmodulesBlob)");
            report(Problem::GitmodulesNotBlob, join(name), text, &mut fsck.bad);
        }
        if (is_hfs_dotgitattributes(name) || is_ntfs_dotgitattributes(name))
            && mode & S_IFMT == S_IFDIR
        {
            let text = format!("'{shown}' is not a file (fsck: gitattributesBlob)");
            report(
                Problem::GitattributesNotBlob,
                join(name),
                text,
                &mut fsck.bad,
            );
        }
        if let Some((previous_name, previous_mode)) = previous {
            match verify_ordered(previous_mode, previous_name, mode, name, &mut candidates) {
                Order::Sorted => {}
                Order::Unordered => {
                    let text = format!(
                        "entries out of order: '{shown}' after '{}' (fsck: treeNotSorted)",
                        String::from_utf8_lossy(previous_name)
                    );
                    report(Problem::NotSorted, join(name), text, &mut fsck.bad);
                }
                Order::Duplicate => {
                    let text = format!("two entries named '{shown}' (fsck: duplicateEntries)");
                    report(Problem::Duplicate, join(name), text, &mut fsck.bad);
                }
            }
        }
        previous = Some((name, mode));
    }
}

impl Fsck {
    /// A non-directory path of a tree the commit introduces, with its entry and each
    /// parent's: a `.gitmodules` or `.gitattributes` entry (other than a symlink) that the
    /// commit introduces is read after the walk, as fsck reads it.
    pub(crate) fn leaf(&mut self, path: &[u8], result: Option<Side>, parents: &[Option<Side>]) {
        let Some(side) = result else { return };
        if side.mode == S_IFLNK || parents.contains(&result) {
            return;
        }
        let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
        let backslashed = |check: fn(&[u8]) -> bool| {
            name.iter()
                .enumerate()
                .any(|(i, &b)| b == b'\\' && check(&name[i + 1..]))
        };
        if is_hfs_dotgitmodules(name)
            || is_ntfs_dotgitmodules(name)
            || backslashed(is_ntfs_dotgitmodules)
        {
            self.special
                .push((path.to_vec(), side.id, Special::Gitmodules));
        } else if is_hfs_dotgitattributes(name) || is_ntfs_dotgitattributes(name) {
            self.special
                .push((path.to_vec(), side.id, Special::Gitattributes));
        }
    }

    /// Reads the `.gitmodules` and `.gitattributes` objects the commit introduces and
    /// checks them as fsck does: each must be a readable blob; a `.gitattributes` must be
    /// at most 100 MiB with no line of 2,048 bytes or more.
    pub(crate) fn check_blobs(&mut self, odb: &git2::Odb<'_>, commit: Oid) -> Result<(), GitError> {
        for (path, id, special) in std::mem::take(&mut self.special) {
            let shown = String::from_utf8_lossy(&path).into_owned();
            let unreadable = |source| GitError::MissingObject {
                id: id.to_string(),
                context: format!("'{shown}' of commit {commit}"),
                source,
            };
            let (ids, label) = match special {
                Special::Gitmodules => (["gitmodulesMissing", "gitmodulesBlob"], ".gitmodules"),
                Special::Gitattributes => (
                    ["gitattributesMissing", "gitattributesBlob"],
                    ".gitattributes",
                ),
            };
            let problem = match odb.read_header(id) {
                Err(e) if e.code() == git2::ErrorCode::NotFound => {
                    Some(format!("is a {label} whose object is missing (fsck: {})", ids[0]))
                }
                Err(source) => return Err(unreadable(source)),
                Ok((_, kind)) if kind != git2::ObjectType::Blob => {
                    Some(format!("is a {label} that is not a file (fsck: {})", ids[1]))
                }
                Ok((size, _)) if special == Special::Gitmodules => {
                    if size as u64 > BIG_FILE_THRESHOLD {
                        Some("is a .gitmodules too large to parse (fsck: gitmodulesLarge)".to_owned())
                    } else {
                        let blob = odb.read(id).map_err(unreadable)?;
                        for (fsck_id, what) in gitmodules::problems(blob.data()) {
                            self.bad.push(BadPath {
                                problem: format!("'{shown}' is a .gitmodules with a {what} (fsck: {fsck_id})"),
                                path: shown.clone(),
                                non_utf8_only: false,
                            });
                        }
                        None
                    }
                }
                Ok((size, _)) if size > ATTR_MAX_FILE_SIZE => Some(
                    "is a .gitattributes larger than 100 MiB (fsck: gitattributesLarge)".to_owned(),
                ),
                Ok(_) if has_long_line(odb.read(id).map_err(unreadable)?.data()) => Some(
                    "is a .gitattributes with a line of 2048 bytes or more (fsck: gitattributesLineLength)"
                        .to_owned(),
                ),
                Ok(_) => None,
            };
            if let Some(problem) = problem {
                self.bad.push(BadPath {
                    problem: format!("'{shown}' {problem}"),
                    path: shown,
                    non_utf8_only: false,
                });
            }
        }
        Ok(())
    }
}

/// fsck's `.gitattributes` line check: lines up to the first NUL byte, none as long as
/// [`ATTR_MAX_LINE_LENGTH`].
fn has_long_line(data: &[u8]) -> bool {
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    data[..end]
        .split(|&b| b == b'\n')
        .any(|line| line.len() >= ATTR_MAX_LINE_LENGTH)
}

/// The outcome of fsck's `verify_ordered` for two consecutive entries.
#[derive(Debug, PartialEq, Eq)]
enum Order {
    Sorted,
    Unordered,
    Duplicate,
}

fn is_less_than_slash(c: u8) -> bool {
    c != 0 && c < b'/'
}

/// fsck's `verify_ordered`, with its stack of file names that a later directory of the
/// same name would duplicate (`foo`, `foo.bar`, `foo/` is a duplicate of `foo`).
fn verify_ordered<'a>(
    mode1: u32,
    name1: &'a [u8],
    mode2: u32,
    name2: &'a [u8],
    candidates: &mut Vec<&'a [u8]>,
) -> Order {
    let len = name1.len().min(name2.len());
    match name1[..len].cmp(&name2[..len]) {
        std::cmp::Ordering::Less => return Order::Sorted,
        std::cmp::Ordering::Greater => return Order::Unordered,
        std::cmp::Ordering::Equal => {}
    }
    let mut c1 = name1.get(len).copied().unwrap_or(0);
    let mut c2 = name2.get(len).copied().unwrap_or(0);
    if c1 == 0 && c2 == 0 {
        return Order::Duplicate;
    }
    if c1 == 0 && tree::is_dir(mode1) {
        c1 = b'/';
    }
    if c2 == 0 && tree::is_dir(mode2) {
        c2 = b'/';
    }
    if c1 == 0 && is_less_than_slash(c2) {
        candidates.push(name1);
    } else if c2 == b'/' && is_less_than_slash(c1) {
        while let Some(file) = candidates.pop() {
            let Some(rest) = name2.strip_prefix(file) else {
                continue;
            };
            match rest.first() {
                None => return Order::Duplicate,
                Some(&c) if is_less_than_slash(c) => {
                    candidates.push(file);
                    break;
                }
                Some(_) => {}
            }
        }
    }
    if c1 < c2 {
        Order::Sorted
    } else {
        Order::Unordered
    }
}

/// The byte at `i`, or 0 (C's terminating NUL) past the end.
fn at(name: &[u8], i: usize) -> u8 {
    name.get(i).copied().unwrap_or(0)
}

/// git's `is_ntfs_dotgit`: `.git` or `git~1` in any case, followed only by spaces and
/// periods, up to the end, a directory separator (`/` or `\`) or a `:` (an NTFS stream).
pub(crate) fn is_ntfs_dotgit(name: &[u8]) -> bool {
    let c = at(name, 0);
    let mut i;
    if c == b'.' {
        if !at(name, 1).eq_ignore_ascii_case(&b'g')
            || !at(name, 2).eq_ignore_ascii_case(&b'i')
            || !at(name, 3).eq_ignore_ascii_case(&b't')
        {
            return false;
        }
        i = 4;
    } else if c == b'g' || c == b'G' {
        if !at(name, 1).eq_ignore_ascii_case(&b'i')
            || !at(name, 2).eq_ignore_ascii_case(&b't')
            || at(name, 3) != b'~'
            || at(name, 4) != b'1'
        {
            return false;
        }
        i = 5;
    } else {
        return false;
    }
    loop {
        let c = at(name, i);
        i += 1;
        if c == 0 || c == b'/' || c == b'\\' || c == b':' {
            return true;
        }
        if c != b'.' && c != b' ' {
            return false;
        }
    }
}

/// git's `is_ntfs_dot_generic`: `.<name>` in any case, its 6-character short name with
/// `~1`..`~4`, or its fall-back short name (`<prefix>~<digits>`), followed only by spaces
/// and periods, up to the end or a `:`.
fn is_ntfs_dot_generic(name: &[u8], dotgit_name: &[u8], shortname_prefix: &[u8]) -> bool {
    let only_spaces_and_periods = |mut i: usize| loop {
        let c = at(name, i);
        i += 1;
        if c == 0 || c == b':' {
            return true;
        }
        if c != b' ' && c != b'.' {
            return false;
        }
    };
    let len = dotgit_name.len();
    // strncasecmp(name + 1, dotgit_name, len), stopping at the name's end.
    let matches_at = |offset: usize, n: usize| {
        (0..n).all(|j| at(name, offset + j).eq_ignore_ascii_case(&dotgit_name[j]))
    };
    if at(name, 0) == b'.' && matches_at(1, len) {
        return only_spaces_and_periods(len + 1);
    }
    if matches_at(0, 6) && at(name, 6) == b'~' && (b'1'..=b'4').contains(&at(name, 7)) {
        return only_spaces_and_periods(8);
    }
    let mut saw_tilde = false;
    let mut i = 0;
    while i < 8 {
        let c = at(name, i);
        if c == 0 {
            return false;
        } else if saw_tilde {
            if !c.is_ascii_digit() {
                return false;
            }
        } else if c == b'~' {
            i += 1;
            if !(b'1'..=b'9').contains(&at(name, i)) {
                return false;
            }
            saw_tilde = true;
        } else if i >= 6 || c & 0x80 != 0 || c.to_ascii_lowercase() != shortname_prefix[i] {
            return false;
        }
        i += 1;
    }
    only_spaces_and_periods(i)
}

/// git's `is_ntfs_dotgitmodules`.
pub(crate) fn is_ntfs_dotgitmodules(name: &[u8]) -> bool {
    is_ntfs_dot_generic(name, b"gitmodules", b"gi7eba")
}

/// git's `is_ntfs_dotgitattributes`.
pub(crate) fn is_ntfs_dotgitattributes(name: &[u8]) -> bool {
    is_ntfs_dot_generic(name, b"gitattributes", b"gi7d29")
}

/// git's `pick_one_utf8_char`: the code point at `*pos` and the position after it, or
/// `None` for malformed UTF-8. The end of the name reads as NUL (code point 0).
fn pick_one_utf8_char(s: &[u8], pos: usize) -> Option<(u32, usize)> {
    let b = |i: usize| u32::from(at(s, pos + i));
    let s0 = b(0);
    if s0 < 0x80 {
        Some((s0, pos + 1))
    } else if s0 & 0xe0 == 0xc0 {
        if b(1) & 0xc0 != 0x80 || s0 & 0xfe == 0xc0 {
            return None;
        }
        Some((((s0 & 0x1f) << 6) | (b(1) & 0x3f), pos + 2))
    } else if s0 & 0xf0 == 0xe0 {
        if b(1) & 0xc0 != 0x80
            || b(2) & 0xc0 != 0x80
            || (s0 == 0xe0 && b(1) & 0xe0 == 0x80)
            || (s0 == 0xed && b(1) & 0xe0 == 0xa0)
            || (s0 == 0xef && b(1) == 0xbf && b(2) & 0xfe == 0xbe)
        {
            return None;
        }
        Some((
            ((s0 & 0x0f) << 12) | ((b(1) & 0x3f) << 6) | (b(2) & 0x3f),
            pos + 3,
        ))
    } else if s0 & 0xf8 == 0xf0 {
        if b(1) & 0xc0 != 0x80
            || b(2) & 0xc0 != 0x80
            || b(3) & 0xc0 != 0x80
            || (s0 == 0xf0 && b(1) & 0xf0 == 0x80)
            || (s0 == 0xf4 && b(1) > 0x8f)
            || s0 > 0xf4
        {
            return None;
        }
        Some((
            ((s0 & 0x07) << 18) | ((b(1) & 0x3f) << 12) | ((b(2) & 0x3f) << 6) | (b(3) & 0x3f),
            pos + 4,
        ))
    } else {
        None
    }
}

/// git's `next_hfs_char`: the next code point HFS+ does not ignore; 0 at the end, and 0
/// for malformed UTF-8 (which git then treats like the end).
fn next_hfs_char(s: &[u8], pos: &mut usize) -> u32 {
    loop {
        let Some((c, next)) = pick_one_utf8_char(s, *pos) else {
            *pos = s.len() + 1;
            return 0;
        };
        *pos = next;
        match c {
            0x200c..=0x200f | 0x202a..=0x202e | 0x206a..=0x206f | 0xfeff => continue,
            _ => return c,
        }
    }
}

/// git's `is_hfs_dot_generic`: `.<needle>` once HFS+ drops its ignored code points
/// (zero-width joiners, direction marks, ...) and folds ASCII case.
fn is_hfs_dot_generic(name: &[u8], needle: &[u8]) -> bool {
    let mut pos = 0;
    if next_hfs_char(name, &mut pos) != u32::from(b'.') {
        return false;
    }
    for &n in needle {
        let c = next_hfs_char(name, &mut pos);
        if c > 127 || (c as u8).to_ascii_lowercase() != n {
            return false;
        }
    }
    let c = next_hfs_char(name, &mut pos);
    c == 0 || c == u32::from(b'/')
}

/// git's `is_hfs_dotgit`.
pub(crate) fn is_hfs_dotgit(name: &[u8]) -> bool {
    is_hfs_dot_generic(name, b"git")
}

/// git's `is_hfs_dotgitmodules`.
pub(crate) fn is_hfs_dotgitmodules(name: &[u8]) -> bool {
    is_hfs_dot_generic(name, b"gitmodules")
}

/// git's `is_hfs_dotgitattributes`.
pub(crate) fn is_hfs_dotgitattributes(name: &[u8]) -> bool {
    is_hfs_dot_generic(name, b"gitattributes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ntfs_spellings_of_dotgit() {
        for name in [
            ".git",
            ".GIT",
            ".Git",
            "git~1",
            "GIT~1",
            ".git.",
            ".git ",
            ".git. . .",
            ".git::$INDEX_ALLOCATION",
            ".git:foo",
            ".git\\x",
            "git~1 .",
        ] {
            assert!(is_ntfs_dotgit(name.as_bytes()), "{name}");
        }
        for name in [
            ".gitx",
            "git~2",
            ".gi",
            "git",
            "x.git",
            ".git~1",
            ".gitignore",
            "git~10",
        ] {
            assert!(!is_ntfs_dotgit(name.as_bytes()), "{name}");
        }
    }

    #[test]
    fn hfs_spellings_of_dotgit() {
        for name in [
            ".git",
            ".GIT",
            ".g\u{200c}it",
            "\u{200d}.git",
            ".git\u{feff}",
            ".g\u{206a}i\u{202e}t",
        ] {
            assert!(is_hfs_dotgit(name.as_bytes()), "{name:?}");
        }
        // Malformed UTF-8 after the needle reads as the end, as in git.
        assert!(is_hfs_dotgit(b".git\xff"));
        for name in [
            ".gitx",
            ".g\u{200b}it",
            "git",
            ".gi",
            ".git.",
            "\u{0130}git",
        ] {
            assert!(!is_hfs_dotgit(name.as_bytes()), "{name:?}");
        }
    }

    #[test]
    fn dotgitmodules_spellings() {
        for name in [
            ".gitmodules",
            ".GITMODULES",
            "gitmod~1",
            "GITMOD~4",
            "gi7eba~1",
            "gi7e~123",
            ".gitmodules ..",
        ] {
            assert!(
                is_ntfs_dotgitmodules(name.as_bytes()) || is_hfs_dotgitmodules(name.as_bytes()),
                "{name}"
            );
        }
        for name in [".gitmodulesx", "gitmod~5", "gi7eb~1", "gitmodules"] {
            assert!(!is_ntfs_dotgitmodules(name.as_bytes()), "{name}");
            assert!(!is_hfs_dotgitmodules(name.as_bytes()), "{name}");
        }
        assert!(is_hfs_dotgitmodules(".gitmodu\u{200c}les".as_bytes()));
        assert!(is_ntfs_dotgitattributes(b"gitatt~1"));
        assert!(is_ntfs_dotgitattributes(b"gi7d29~3"));
    }

    #[test]
    fn ordering_follows_fsck() {
        let mut stack = Vec::new();
        let dir = 0o40000;
        let file = 0o100644;
        assert_eq!(
            verify_ordered(file, b"a", file, b"b", &mut stack),
            Order::Sorted
        );
        assert_eq!(
            verify_ordered(file, b"b", file, b"a", &mut stack),
            Order::Unordered
        );
        assert_eq!(
            verify_ordered(file, b"a", file, b"a", &mut stack),
            Order::Duplicate
        );
        assert_eq!(
            verify_ordered(file, b"a", dir, b"a", &mut stack),
            Order::Duplicate
        );
        assert_eq!(
            verify_ordered(file, b"a.c", dir, b"a", &mut stack),
            Order::Sorted
        );
        assert_eq!(
            verify_ordered(dir, b"a", file, b"a.c", &mut stack),
            Order::Unordered
        );
        // foo, foo.bar, foo/ : the directory duplicates the file two entries back.
        let mut stack = Vec::new();
        assert_eq!(
            verify_ordered(file, b"foo", file, b"foo.bar", &mut stack),
            Order::Sorted
        );
        assert_eq!(
            verify_ordered(file, b"foo.bar", dir, b"foo", &mut stack),
            Order::Duplicate
        );
    }

    #[test]
    fn long_attribute_lines() {
        assert!(!has_long_line(b"*.rs text\n"));
        assert!(has_long_line(&vec![b'x'; 2048]));
        assert!(!has_long_line(&vec![b'x'; 2047]));
        let mut hidden = b"a\0".to_vec();
        hidden.extend(vec![b'x'; 4000]);
        assert!(!has_long_line(&hidden));
    }
}
