//! `bytes` (CONTRACT.md): what a reviewer must read. For a text file, the bytes of the
//! added and deleted lines of the same diff that counts `lines`; git's own `git diff` is
//! the oracle (the `+`/`-` lines it prints, without their markers and without the newline
//! git adds before `\ No newline at end of file`). A binary file counts its old plus new
//! size; a Git LFS pointer counts as a binary file of the size it names. CR-only line
//! endings (one "line" to git) and a NUL byte (binary to git) hide nothing.

use std::collections::BTreeMap;

use agentfence::git::{ChangeScope, Repo};
use agentfence::model::{FileChange, ObjectId};

use crate::support::TestRepo;

fn changes(repo: &TestRepo, rev: &str) -> BTreeMap<String, FileChange> {
    let opened = Repo::discover(repo.path()).expect("open");
    let id = ObjectId::from_hex(&repo.rev(rev)).expect("id");
    agentfence::pipeline::read_changes(&opened, &id, ChangeScope::Full)
        .expect("read the commit")
        .files
        .into_iter()
        .map(|c| (c.path().to_owned(), c))
        .collect()
}

/// The bytes of the `+`/`-` lines `git diff` prints for `path` between two revisions
/// (`None` when git prints "Binary files ... differ").
fn git_diff_bytes(repo: &TestRepo, from: &str, to: &str, path: &str) -> Option<u64> {
    let out = repo
        .git_cmd()
        .args([
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--no-renames",
        ])
        .args(["-U0", from, to, "--", path])
        .output()
        .expect("git diff");
    assert!(out.status.success());
    let text = out.stdout;
    if text
        .split(|&b| b == b'\n')
        .any(|l| l.starts_with(b"Binary files "))
    {
        return None;
    }
    let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
    let mut total = 0u64;
    let mut in_hunk = false;
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with(b"@@") {
            in_hunk = true;
            continue;
        }
        if !in_hunk || !(line.starts_with(b"+") || line.starts_with(b"-")) {
            continue;
        }
        let mut len = line.len() as u64 - 1;
        let unterminated = lines
            .get(i + 1)
            .is_some_and(|next| next.starts_with(b"\\ No newline at end of file"));
        if unterminated {
            len -= 1;
        }
        total += len;
    }
    Some(total)
}

fn lfs_pointer(size: u64) -> String {
    format!(
        "version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize {size}\n",
        "ab".repeat(32)
    )
}

#[test]
fn bytes_are_the_bytes_of_the_lines_git_diff_prints() {
    let cases: Vec<(&str, Vec<u8>, Vec<u8>)> = vec![
        (
            "plain.txt",
            b"a\nb\nc\n".to_vec(),
            b"a\nB changed\nc\nd\n".to_vec(),
        ),
        (
            "crlf.txt",
            b"one\r\ntwo\r\nthree\r\n".to_vec(),
            b"one\r\n2\r\nthree\r\nfour\r\n".to_vec(),
        ),
        (
            "cr-only.py",
            b"print(1)\r".to_vec(),
            (0..500)
                .flat_map(|i| format!("print({i})\r").into_bytes())
                .collect(),
        ),
        (
            "no-final-newline.txt",
            b"x\ny".to_vec(),
            b"x\ny\nz".to_vec(),
        ),
        ("newline-added.txt", b"x\ny".to_vec(), b"x\ny\n".to_vec()),
        (
            "emptied.txt",
            b"gone\nwith\nthe wind\n".to_vec(),
            Vec::new(),
        ),
        (
            "mixed.txt",
            b"a\r\nb\nc\rd\n".to_vec(),
            b"a\nb\r\nc\rD\n".to_vec(),
        ),
    ];
    let repo = TestRepo::new();
    for (path, old, _) in &cases {
        repo.write(path, old);
    }
    repo.write("deleted.txt", "one\ntwo\n");
    let before = repo.commit("Before");
    for (path, _, new) in &cases {
        repo.write(path, new);
    }
    repo.remove("deleted.txt");
    repo.write("added.txt", "fresh\nlines\n");
    repo.commit("After");
    let got = changes(&repo, "HEAD");
    let mut paths: Vec<&str> = cases.iter().map(|c| c.0).collect();
    paths.extend(["deleted.txt", "added.txt"]);
    for path in paths {
        let want = git_diff_bytes(&repo, &before, "HEAD", path).expect("text");
        let change = &got[path];
        assert!(!change.binary, "{path}");
        assert_eq!(change.bytes, want, "{path}: {change:?}");
    }
    // CR-only: one line to git, every byte to a reviewer.
    let cr = &got["cr-only.py"];
    assert_eq!(cr.line_total(), 2);
    assert!(cr.bytes > 5000, "{cr:?}");
}

#[test]
fn binary_files_and_lfs_pointers_count_their_sizes() {
    let repo = TestRepo::new();
    let mut nul = vec![b'x'; 30_000];
    nul[10] = 0;
    repo.write("hidden.py", &nul[..100]);
    repo.write("asset.psd", lfs_pointer(1_000_000));
    repo.write("model.bin", lfs_pointer(5_000));
    repo.write("renamed.bin", b"\0binary\0".repeat(100));
    repo.write("mode.bin", b"\0same\0".repeat(50));
    let before = repo.commit("Before");
    repo.write("hidden.py", &nul);
    repo.write("asset.psd", lfs_pointer(3_000_000));
    repo.write("model.bin", "now plain text\n");
    repo.write("fresh.bin", lfs_pointer(42));
    repo.git(&["mv", "renamed.bin", "moved.bin"]);
    {
        use std::os::unix::fs::PermissionsExt;
        let file = repo.path().join("mode.bin");
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    repo.commit("After");
    let got = changes(&repo, "HEAD");
    // One NUL byte: binary to git, still 30,100 bytes to read.
    assert_eq!(git_diff_bytes(&repo, &before, "HEAD", "hidden.py"), None);
    assert!(got["hidden.py"].binary);
    assert_eq!(got["hidden.py"].bytes, 100 + 30_000);
    // A pointer is a binary file of the size it names, on either side.
    let psd = &got["asset.psd"];
    assert!(psd.binary && psd.lines.is_none(), "{psd:?}");
    assert_eq!(psd.bytes, 1_000_000 + 3_000_000);
    assert_eq!(psd.new_size, Some(3_000_000));
    let model = &got["model.bin"];
    assert!(model.binary, "{model:?}");
    assert_eq!(model.bytes, 5_000 + 15);
    assert_eq!(got["fresh.bin"].bytes, 42);
    assert_eq!(got["fresh.bin"].new_size, Some(42));
    // An identical rename and a mode change read nothing new.
    assert_eq!(got["moved.bin"].bytes, 0);
    assert_eq!(got["mode.bin"].bytes, 0);
}

#[test]
fn staged_changes_count_bytes_too() {
    let repo = TestRepo::new();
    repo.write("a.txt", "keep\nold\n");
    repo.commit("Base");
    repo.write("a.txt", "keep\nnew line\n");
    repo.write("big.bin", lfs_pointer(7_777));
    repo.git(&["add", "-A"]);
    let opened = Repo::discover(repo.path()).expect("open");
    let staged: BTreeMap<String, FileChange> = opened
        .staged_changes(None)
        .expect("read the index")
        .files
        .into_iter()
        .map(|c| (c.path().to_owned(), c))
        .collect();
    assert_eq!(staged["a.txt"].bytes, 4 + 9);
    assert_eq!(staged["big.bin"].bytes, 7_777);
    assert!(staged["big.bin"].binary);
}
