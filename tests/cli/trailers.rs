//! The trailer parser against git itself: hand-written and generated messages are written as
//! raw commit objects (so leading blank lines, CR and NUL survive) and read back with one
//! `git log --format=%(trailers:only,unfold,…)`; this project's history is compared the same
//! way. Every message must give exactly git's answer.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use agentfence::trailers::{self, Trailer};
use proptest::prelude::*;

use crate::support::{TestRepo, git_env};

/// Between trailers and between key and value in git's output; neither is in any key.
const FORMAT: &str =
    "--format=%H%x00%(trailers:only,unfold,separator=%x1e,key_value_separator=%x1f)%x00";

/// A message that gave a different answer from git's.
#[derive(Debug)]
#[allow(dead_code, reason = "read through Debug, in failure messages")]
struct Difference {
    message: String,
    git: String,
    ours: String,
}

/// Runs git in `dir` with `stdin`, returns stdout; panics with stderr on failure.
fn git_with_input(dir: &Path, args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let mut child = git_env(&mut Command::new("git"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run git");
    let mut input = child.stdin.take().expect("stdin");
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&stdin).expect("write stdin"));
    let out = child.wait_with_output().expect("git output");
    writer.join().expect("stdin writer");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Our parse, rendered as git renders it with [`FORMAT`].
fn render(trailers: &[Trailer]) -> String {
    trailers
        .iter()
        .map(|t| format!("{}\u{1f}{}", t.key, t.value))
        .collect::<Vec<_>>()
        .join("\u{1e}")
}

/// git's output for `format` (`%H%x00…%x00`) for each commit id, from one `git log` run.
fn git_formatted(dir: &Path, ids: &[String], format: &str) -> HashMap<String, Vec<u8>> {
    let stdin = ids.join("\n") + "\n";
    let out = git_with_input(
        dir,
        &["log", "--no-walk=unsorted", "--stdin", format],
        stdin.as_bytes(),
    );
    // Records are `id NUL trailers NUL LF`; trailers never hold a NUL (git stops at one).
    let mut fields = out.split(|&b| b == 0);
    let mut map = HashMap::new();
    while let (Some(id), Some(value)) = (fields.next(), fields.next()) {
        let id = String::from_utf8_lossy(id).trim().to_string();
        map.insert(id, value.to_vec());
    }
    map
}

/// Compares parse() with git on raw `(id, message)` pairs; git output is looked up by id.
fn differences(dir: &Path, commits: &[(String, Vec<u8>)]) -> Vec<Difference> {
    let ids: Vec<String> = commits.iter().map(|(id, _)| id.clone()).collect();
    let git = git_formatted(dir, &ids, FORMAT);
    assert_eq!(git.len(), {
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        unique.len()
    });
    commits
        .iter()
        .filter_map(|(id, raw)| {
            let message = String::from_utf8_lossy(raw).into_owned();
            let git = String::from_utf8_lossy(&git[id]).into_owned();
            let ours = render(&trailers::parse(&message));
            (git != ours).then_some(Difference { message, git, ours })
        })
        .collect()
}

/// Writes each message as the message of a root commit object, in one `git hash-object`
/// run (`--literally`, so that NUL bytes and any other bytes are kept as given).
fn write_commits(repo: &TestRepo, messages: &[String]) -> Vec<(String, Vec<u8>)> {
    let raw: Vec<Vec<u8>> = messages.iter().map(|m| m.clone().into_bytes()).collect();
    write_raw_commits(repo, &raw)
}

/// [`write_commits`] for messages that need not be UTF-8.
fn write_raw_commits(repo: &TestRepo, messages: &[Vec<u8>]) -> Vec<(String, Vec<u8>)> {
    let tree = repo.git(&["hash-object", "-t", "tree", "-w", "--stdin"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut paths = String::new();
    for (i, message) in messages.iter().enumerate() {
        let path = dir.path().join(format!("{i}"));
        let mut object = format!(
            "tree {}\nauthor A <a@example.com> 0 +0000\ncommitter A <a@example.com> 0 +0000\n\n",
            tree.trim()
        )
        .into_bytes();
        object.extend_from_slice(message);
        std::fs::write(&path, object).expect("write object");
        paths.push_str(path.to_str().expect("utf-8 temp path"));
        paths.push('\n');
    }
    let out = git_with_input(
        repo.path(),
        &[
            "hash-object",
            "-t",
            "commit",
            "-w",
            "--literally",
            "--stdin-paths",
        ],
        paths.as_bytes(),
    );
    let ids = String::from_utf8(out).expect("hex ids");
    let ids: Vec<&str> = ids.lines().collect();
    assert_eq!(ids.len(), messages.len());
    ids.iter()
        .zip(messages)
        .map(|(id, m)| (id.to_string(), m.clone()))
        .collect()
}

/// Raw messages of `ids` in the repository at `dir`, read with one `git cat-file --batch`.
fn raw_messages(dir: &Path, ids: &[String]) -> Vec<(String, Vec<u8>)> {
    let stdin = ids.join("\n") + "\n";
    let out = git_with_input(dir, &["cat-file", "--batch"], stdin.as_bytes());
    let mut rest = &out[..];
    let mut commits = Vec::new();
    for id in ids {
        let nl = rest.iter().position(|&b| b == b'\n').expect("batch header");
        let header = String::from_utf8_lossy(&rest[..nl]).into_owned();
        let size: usize = header
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .expect("object size");
        let object = &rest[nl + 1..nl + 1 + size];
        rest = &rest[nl + 1 + size + 1..];
        let body = object
            .windows(2)
            .position(|w| w == b"\n\n")
            .map_or(&[][..], |p| &object[p + 2..]);
        commits.push((id.clone(), body.to_vec()));
    }
    commits
}

/// Fails with the first differences, shown in full.
fn assert_no_differences(what: &str, total: usize, diffs: &[Difference]) {
    assert!(
        diffs.is_empty(),
        "{what}: {} of {total} messages differ from git; first ones:\n{:#?}",
        diffs.len(),
        &diffs[..diffs.len().min(5)]
    );
}

// ---------------------------------------------------------------------------------------
// Hand-written corpus: one message per rule of src/trailers.rs and of the notes' examples.
// ---------------------------------------------------------------------------------------

const HAND_WRITTEN: &[&str] = &[
    // Basics and the title.
    "",
    "\n",
    "Title only",
    "Title only\n",
    "Task: X\n",
    "Task: X",
    "Subject\nSigned-off-by: x\n",
    "Subject\nTask: X\n\nTask: Y\n",
    "T\n\nTask: PROJ-142\nCo-authored-by: Claude <noreply@anthropic.com>\n",
    "T\n\nBody text.\n\nTask: PROJ-142\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
    "T\n\nTask: X",
    "T\n\nTask: X\n\n",
    "T\n\nTask: X\n\n\n\n",
    "T\n\nTask: X\n \n\t\n",
    "T\n\nTask: X\n  \n",
    "T\n\nprose\n  \n",
    "T\n\n\n\nTask: X\n",
    "# comment first\nT\n\nTask: X\n",
    "# c1\n# c2\nT\n\nTask: X\n",
    "#only comments\n",
    "#c\n\nTask: X\n",
    "T\n#c\n\nTask: X\n",
    "T\n \nTask: X\n",
    "T\n\t\nTask: X\n",
    "T\n\r\nTask: X\n",
    "T\r\n\r\nTask: X\r\n",
    "T\n\u{a0}\nTask: X\n",
    "T\n\u{b}\nTask: X\n",
    "T\n\u{c}\nTask: X\n",
    // Leading blank lines (dropped by %(trailers)).
    "\n\nTask: X\n",
    "\n\nT\n\nTask: X\n",
    " \n\t\n\r\nT\n\nTask: X\n",
    "\r\n\r\nT\r\n\r\nTask: X\r\n",
    "  \n",
    "\n\n\n",
    "\u{a0}\nT\n\nTask: X\n",
    // Only the last paragraph.
    "T\n\nTask: X\n\nProse after.\n",
    "T\n\nTask: X\n\nRefs: Y\n",
    "T\n\nA: 1\n\nB: 2\n\nC: 3\n",
    "T\n\nprose\nTask: X\n",
    "T\n\nTask: X\nprose\n",
    // The 25 % rule and the notes' worked examples.
    "T\n\nSigned-off-by: A <a@x>\none\ntwo\nthree\n",
    "T\n\nSigned-off-by: A <a@x>\none\ntwo\nthree\nfour\n",
    "T\n\nA: 1\nB: 2\nC: 3\nprose\n",
    "T\n\n(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)\n",
    "T\n\nTask: X\n(cherry picked from commit 0123456789abcdef)\nprose\n",
    "T\n\n(cherry picked from commit abc)\nprose\nprose\nprose\n",
    "T\n\n(cherry picked from commit abc)\nprose\nprose\nprose\nprose\n",
    "T\n\nSigned-off-by: A\nSigned-off-by: B\nsix\nlines\nof\nprose\nhere\nok\n",
    "T\n\nSigned-off-by: A\nSigned-off-by: B\nseven\nlines\nof\nprose\nhere\nok\nno\n",
    "T\n\nsigned-off-by: A\nprose\n",
    "T\n\nSigned-off-by:A\nprose\n",
    "T\n\nSigned-off-by:  A\nprose\n",
    "T\n\nSigned-off-by: \nprose\n",
    "T\n\n(cherry picked from commit\nprose\n",
    "T\n\n(Cherry picked from commit abc)\nTask: X\n",
    "T\n\nprose\nSigned-off-by: A\n  cont\n  cont\n  cont\n",
    "T\n\nSigned-off-by: A\nprose\n  indented\n  indented\n",
    "T\n\nSigned-off-by: A\n#c\n  orphan\n  orphan\n  orphan\n  orphan\n",
    // `---` is not a divider.
    "T\n\nBody\n---\nTask: X\n",
    "T\n\n---\n\nTask: X\n",
    "T\n\nTask: X\n---\n",
    "T\n\nTask: X\n--- \nfoo\n",
    "T\n\n---------\nTask: X\n",
    "T\n\nTask: X\n\n---\n file | 1 +\n",
    "T\n\nBody\n\n---\nSigned-off-by: A\n",
    // Comment lines.
    "T\n\nTask: X\n# comment\nB: y\n",
    "T\n\n# comment\nTask: X\n",
    "T\n\nTask: X\n# trailing comment\n",
    "T\n\nTask: X\n# c\n\n# c\n\n",
    "T\n\nTask: X\n#\n",
    "T\n\n#Task: X\n",
    "T\n\nTask: X\n #notcomment\n",
    "T\n\nTask: X\n#c\n  orphan\n",
    "T\n\nprose\n# c\n",
    "T\n\n# only a comment\n",
    "T\n\nTask: X\n\n# c\n#c\n",
    // The scissors line and the legacy conflicts tail.
    "T\n\nTask: X\n# ------------------------ >8 ------------------------\nA: b\n",
    "T\n\nTask: X\n# ------------------------ >8 ------------------------\n",
    "T\n\nTask: X\n# ------------------------ >8 ------------------------",
    "T\n\nTask: X\nprose\n# ------------------------ >8 ------------------------\nmore\n",
    "# ------------------------ >8 ------------------------\nT\n\nTask: X\n",
    "T\n\nTask: X\n#  ------------------------ >8 ------------------------\nA: b\n",
    "T\n\nTask: X\n # ------------------------ >8 ------------------------\n",
    "T\n\nTask: X\r\n# ------------------------ >8 ------------------------\r\nA: b\r\n",
    "T\n\nTask: X\nConflicts:\n\tsrc/a.rs\n\tsrc/b.rs\n",
    "T\n\nTask: X\nConflicts:\n\tsrc/a.rs\n# c\n",
    "T\n\nTask: X\nConflicts:\n  src/a.rs\n",
    "T\n\nTask: X\nConflicts:\n\tsrc/a.rs\nprose\n",
    "T\n\nTask: X\nConflicts: src/a.rs\n",
    "T\n\nTask: X\nConflicts:\r\n\tsrc/a.rs\n",
    "T\n\nTask: X\n\nConflicts:\n\tsrc/a.rs\n",
    "Conflicts:\n\ta\n",
    "#c\n#d\n",
    "T\n#c\n#d\n",
    "T\n\n#c\nTask: X\n#d\n#e\n",
    // Continuations.
    "T\n\nTask: A\n  more\n\tand more\nB: c\n",
    "T\n\nTask: A\r\n  more\r\n",
    "T\n\nprose\n  indented\nTask: X\n",
    "T\n\n  indented\nTask: X\n",
    "T\n\nTask: X\n  \n  y\n",
    "T\n\nTask:\n  value on next line\n",
    "T\n\nTask: X\n\r\n",
    "T\n\nTask: X\n\rcr-led\n",
    "T\n\nTask: X\n\u{a0}nbsp-led\n",
    "T\n\nTask: a\n   b  \n \t c\t\n",
    "T\n\nhttps://example.com\n  continued\n",
    "T\n\n(cherry picked from commit abc)\n  cont\nTask: X\n",
    // find_separator.
    "T\n\n12:30 standup\n",
    "T\n\n-: x\n",
    "T\n\n--: x\n",
    "T\n\n: x\n",
    "T\n\n:\n",
    "T\n\n :x\n",
    "T\n\nKey : v\n",
    "T\n\nKey\t:v\n",
    "T\n\nKey \t :v\n",
    "T\n\nKey a: v\n",
    "T\n\nTask Id: x\n",
    "T\n\nTask_Id: x\n",
    "T\n\nTask.Id: x\n",
    "T\n\nGröße: x\n",
    "T\n\nTask=X\n",
    "T\n\nBug #42\n",
    "T\n\nhttps://example.com\n",
    "T\n\nhttps://a.example\nhttp://b.example\n",
    "T\n\nRefs: a:b:c\n",
    "T\n\nKey:\n",
    "T\n\nKey:   \n",
    "T\n\nKey:\t\r\n",
    "T\n\nKey\n",
    "T\n\nKey:\u{b}v\u{c}\n",
    "T\n\nKey:\u{a0}v\u{a0}\n",
    "T\n\nKéy: v\n",
    "T\n\nKey\u{a0}: v\n",
    "T\n\nTask: 日本語 ✓\n",
    "T\n\nTask: X\nTask: X\ntask: y\nTASK : z\n",
    "T\n\nA:B:C\n",
    "T\n\nA::\n",
    "T\n\nA\r: v\n",
    "T\n\n\tTask: X\n",
    "T\n\n Task: X\n",
    // CRLF messages.
    "T\r\n\r\nBody\r\n\r\nTask: X\r\nB: y\r\n",
    "T\r\n\r\nTask: X\r\n\r\n",
    "T\r\n\r\nTask: X\r\n# c\r\n",
    "T\r\n\r\nSigned-off-by: A\r\nprose\r\nprose\r\nprose\r\n",
    "T\r\nTask: X\r\n",
    "T\r\rTask: X\r",
    // NUL ends the message.
    "T\n\nTask: X\0\nprose\n",
    "T\n\0\nTask: X\n",
    "\0T\n\nTask: X\n",
    "T\n\nTask: X\0Y\n",
    // A few realistic ones.
    "Fix the parser (#123)\n\nThe old parser read trailers from every paragraph.\n\nFixes: #120\nReviewed-by: Jane Doe <jane@example.com>\nSigned-off-by: John Roe <john@example.com>\n",
    "Merge pull request #42 from a/b\n\nAdd a thing\n",
    "Squash\n\n* first\n\n* second\n\n---------\n\nCo-authored-by: A <a@x>\nCo-authored-by: B <b@x>\n",
    "Revert \"x\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.\n",
    "wip\n\nSee https://example.com/issue/1 for the plan\n",
    "feat: add x\n\nBREAKING CHANGE: y is gone\n",
    "feat: add x\n\nBREAKING-CHANGE: y is gone\n",
    "T\n\nBody\n\nTask: PROJ-1\n\n\n# Please enter the commit message for your changes.\n#\n# On branch main\n",
];

#[test]
fn trailers_parity_hand_written() {
    let repo = TestRepo::new();
    assert!(HAND_WRITTEN.len() >= 150, "{} messages", HAND_WRITTEN.len());
    // Each message as written, with CRLF line ends, and after leading blank lines.
    let messages: Vec<String> = HAND_WRITTEN
        .iter()
        .flat_map(|m| {
            [
                m.to_string(),
                m.replace('\n', "\r\n"),
                format!("\n \n\t\r\n{m}"),
            ]
        })
        .collect();
    let commits = write_commits(&repo, &messages);
    assert_no_differences(
        "hand-written",
        commits.len(),
        &differences(repo.path(), &commits),
    );
}

/// Messages that are not UTF-8: git's output and ours, both decoded lossily, agree.
#[test]
fn trailers_parity_non_utf8() {
    let repo = TestRepo::new();
    let messages: Vec<Vec<u8>> = [
        &b"T\n\nTask: \xff\xfe\n"[..],
        b"T\n\nGr\xf6\xdfe: x\nTask: y\n",
        b"T\n\nTask: caf\xe9\n  \xc3\n",
        b"T\xc3\n\nTask: \xc3\n",
        b"\xa0\nT\n\nTask: x \xe2\x80\n",
        b"T\n\nTask: \xe2\x80\xa8x\n\xe2\x80\xa8\n",
        b"T\n\n\xff: x\nTask: y\n",
        b"T\n\nSigned-off-by: \xff\n\xff\n\xff\n\xff\n",
    ]
    .iter()
    .map(|m| m.to_vec())
    .collect();
    let commits = write_raw_commits(&repo, &messages);
    assert_no_differences(
        "non-UTF-8",
        commits.len(),
        &differences(repo.path(), &commits),
    );
}

/// `values()` against `%(trailers:key=…,valueonly,unfold)`, on the hand-written corpus.
#[test]
fn trailers_values_match_git_key_option() {
    let repo = TestRepo::new();
    let messages: Vec<String> = HAND_WRITTEN.iter().map(|m| m.to_string()).collect();
    let commits = write_commits(&repo, &messages);
    let ids: Vec<String> = commits.iter().map(|(id, _)| id.clone()).collect();
    let mut compared = 0;
    for key in [
        "task",
        "Task:",
        "TASK",
        "co-authored-by",
        "Key",
        "https",
        "12",
        "-",
    ] {
        let format =
            format!("--format=%H%x00%(trailers:key={key},valueonly,unfold,separator=%x1e)%x00");
        let git = git_formatted(repo.path(), &ids, &format);
        for (id, raw) in &commits {
            let message = String::from_utf8_lossy(raw);
            // git writes the separator only once something has been written.
            let mut ours = String::new();
            for value in trailers::values(&trailers::parse(&message), key) {
                if !ours.is_empty() {
                    ours.push('\u{1e}');
                }
                ours.push_str(value);
            }
            assert_eq!(
                String::from_utf8_lossy(&git[id]),
                ours,
                "key={key} on {message:?}"
            );
            compared += 1;
        }
    }
    assert!(compared >= 8 * 150);
}

// ---------------------------------------------------------------------------------------
// Generated corpus: a seeded grammar of trailer-ish lines.
// ---------------------------------------------------------------------------------------

/// A small deterministic generator (SplitMix64), so that every run tests the same messages.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const KEYS: &[&str] = &[
    "Task",
    "task",
    "TASK",
    "Co-authored-by",
    "Co-Authored-By",
    "Signed-off-by",
    "Reviewed-by",
    "Refs",
    "Fixes",
    "Change-Id",
    "12",
    "-",
    "X-Agent",
    "Task Id",
    "Task_Id",
    "Größe",
    "https",
    "Bug #42",
];
const SEPARATORS: &[&str] = &[": ", ":", " : ", "\t:", ":  ", ":\t", "=", " #"];
const VALUES: &[&str] = &[
    "PROJ-142",
    "Claude <noreply@anthropic.com>",
    "",
    "  padded  ",
    "a:b:c",
    "//example.com/x",
    "日本語",
    "x\u{b}",
    "\u{a0}nbsp",
    "trailing\t",
    "#42",
];
const PROSE: &[&str] = &[
    "This fixes the bug.",
    "prose line",
    "Task Id is gone",
    "see the docs",
    "- bullet",
    "* star: bullet",
    "é accented",
    "(parenthesised)",
    "Signed-off-by:no-space",
    "signed-off-by: lower",
];
const SPECIALS: &[&str] = &[
    "Signed-off-by: A U Thor <a@example.com>",
    "(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)",
    "https://example.com/issue/1",
    "# a comment",
    "#",
    " #notcomment",
    "  continuation",
    "\tcontinuation",
    "---",
    "--- ",
    "---------",
    "# ------------------------ >8 ------------------------",
    "Conflicts:",
    "\tsrc/conflicted.rs",
    "\u{a0}nbsp-led",
    "\r",
    " ",
    "\t",
    "",
];
const TITLES: &[&str] = &[
    "Fix the parser",
    "Task: PROJ-1",
    "# comment title",
    "feat: thing",
    "",
    " ",
];

/// A line; `trailerish` (0–100) is the percentage of `<key><sep><value>` lines.
fn generated_line(rng: &mut Rng, trailerish: usize) -> String {
    if !rng.chance(trailerish) {
        return match rng.below(3) {
            0 => rng.pick(SPECIALS).to_string(),
            _ => rng.pick(PROSE).to_string(),
        };
    }
    match rng.below(10) {
        0..=7 => {
            // Mostly valid keys and separators (the lists start with those).
            let key = match rng.chance(85) {
                true => rng.pick(&KEYS[..13]),
                false => rng.pick(KEYS),
            };
            let sep = match rng.chance(85) {
                true => rng.pick(&SEPARATORS[..6]),
                false => rng.pick(SEPARATORS),
            };
            format!("{key}{sep}{}", rng.pick(VALUES))
        }
        8 => rng.pick(&SPECIALS[..3]).to_string(),
        _ => rng.pick(&SPECIALS[5..8]).to_string(),
    }
}

/// One message: optional leading blank lines, a title, up to three paragraphs of mixed
/// lines, an optional tail; lines end in LF, CRLF or (last line) nothing.
fn generated_message(rng: &mut Rng) -> String {
    let mut lines: Vec<String> = Vec::new();
    for _ in 0..[0, 0, 0, 1, 2][rng.below(5)] {
        lines.push(rng.pick(&["", " ", "\r", "\t"]).to_string());
    }
    lines.push(rng.pick(TITLES).to_string());
    if rng.chance(20) {
        lines.push(generated_line(rng, 50));
    }
    let paragraphs = rng.below(4);
    for p in 0..paragraphs {
        lines.push(rng.pick(&["", "", "", " ", "\r", "\u{a0}"]).to_string());
        let trailerish = if p + 1 == paragraphs { 85 } else { 40 };
        for _ in 0..1 + rng.below(5) {
            lines.push(generated_line(rng, trailerish));
        }
    }
    if rng.chance(25) {
        for _ in 0..1 + rng.below(3) {
            lines.push(rng.pick(&SPECIALS[3..]).to_string());
        }
    }
    let crlf = rng.chance(15);
    let mut message = String::new();
    for line in &lines {
        message.push_str(line);
        message.push_str(if crlf || rng.chance(3) { "\r\n" } else { "\n" });
    }
    if rng.chance(15) {
        message.pop();
    }
    message
}

fn generated_corpus(seed: u64, count: usize) -> Vec<String> {
    let mut rng = Rng(seed);
    (0..count).map(|_| generated_message(&mut rng)).collect()
}

#[test]
fn trailers_parity_generated() {
    let repo = TestRepo::new();
    let messages = generated_corpus(0x007a_11e5, 1500);
    let commits = write_commits(&repo, &messages);
    let diffs = differences(repo.path(), &commits);
    assert_no_differences("generated", commits.len(), &diffs);
    // The corpus must exercise both outcomes, not only "no trailers".
    let with_trailers = messages
        .iter()
        .filter(|m| !trailers::parse(m).is_empty())
        .count();
    assert!(
        with_trailers > messages.len() / 4,
        "{with_trailers} with trailers"
    );
}

// ---------------------------------------------------------------------------------------
// Real histories.
// ---------------------------------------------------------------------------------------

/// Parity over the newest `max` commits reachable from any ref of the repository at `dir`:
/// how many messages, how many of them have trailers, and the differences.
fn history_differences(dir: &Path, max: usize) -> (usize, usize, Vec<Difference>) {
    let max = format!("--max-count={max}");
    let ids = git_with_input(dir, &["rev-list", "--all", &max], b"");
    let ids: Vec<String> = String::from_utf8(ids)
        .expect("hex ids")
        .lines()
        .map(str::to_string)
        .collect();
    let commits = raw_messages(dir, &ids);
    let with_trailers = commits
        .iter()
        .filter(|(_, raw)| !trailers::parse(&String::from_utf8_lossy(raw)).is_empty())
        .count();
    (commits.len(), with_trailers, differences(dir, &commits))
}

#[test]
fn trailers_parity_own_history() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (total, _, diffs) = history_differences(dir, 100_000);
    assert!(total > 0);
    assert_no_differences("own history", total, &diffs);
}

/// Parity over another repository's history, by hand:
/// `AGENTFENCE_PARITY_REPO=/path/to/repo.git cargo test --test cli trailers_parity_external -- --ignored --nocapture`
#[test]
#[ignore = "needs AGENTFENCE_PARITY_REPO; run by hand"]
#[allow(clippy::print_stderr)]
fn trailers_parity_external() {
    let dir = std::env::var("AGENTFENCE_PARITY_REPO").expect("AGENTFENCE_PARITY_REPO");
    let max = std::env::var("AGENTFENCE_PARITY_MAX")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(5000);
    let (total, with_trailers, diffs) = history_differences(Path::new(&dir), max);
    eprintln!(
        "{dir}: {total} messages, {with_trailers} with trailers, {} differences",
        diffs.len()
    );
    assert_no_differences(&dir, total, &diffs);
}

// ---------------------------------------------------------------------------------------
// Properties: never panic, and what comes out looks like what git can print.
// ---------------------------------------------------------------------------------------

fn check_output(message: &str) {
    for t in trailers::parse(message) {
        assert!(!t.key.is_empty());
        assert!(
            t.key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        );
        let ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
        assert!(!t.value.starts_with(ws) && !t.value.ends_with(ws));
        assert!(!t.value.contains('\n'));
        assert!(!t.value.contains('\0'));
    }
}

proptest! {
    #[test]
    fn trailers_never_panic_on_strings(message in any::<String>()) {
        check_output(&message);
    }

    #[test]
    fn trailers_never_panic_on_lossy_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_output(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn trailers_never_panic_on_trailerish_text(
        message in "[a-zA-Z0-9:# \t\r\n()>8é\u{a0}\u{b}-]{0,300}"
    ) {
        check_output(&message);
    }

    #[test]
    fn trailers_never_panic_on_generated_messages(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        check_output(&generated_message(&mut rng));
    }
}
