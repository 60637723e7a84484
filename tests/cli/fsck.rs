//! Trees git's fsck refuses are `bad-path`: hostile trees are written byte by byte with
//! `git hash-object -t tree --literally`, committed, and read back through
//! `pipeline::read_changes` (both scopes). git is the oracle: `git fsck --strict` (its
//! warnings made errors) reports an error in each tree called bad, and none in each tree
//! called good. A real push of a hostile tree is refused by the hook.

use std::io::Write;
use std::process::Stdio;

use agentfence::git::{ChangeScope, Repo};
use agentfence::model::{BadPath, ObjectId};

use crate::support::{Server, TestRepo, code, stderr};

/// One raw tree entry: `<mode> <name>\0<20-byte id>`.
fn entry(mode: &str, name: &[u8], id: &str) -> Vec<u8> {
    let mut out = format!("{mode} ").into_bytes();
    out.extend_from_slice(name);
    out.push(0);
    out.extend((0..20).map(|i| u8::from_str_radix(&id[2 * i..2 * i + 2], 16).expect("hex")));
    out
}

/// Writes `bytes` as a tree object, as is.
fn write_tree(repo: &TestRepo, bytes: &[u8]) -> String {
    let mut child = repo
        .git_cmd()
        .args(["hash-object", "-t", "tree", "--literally", "-w", "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run git hash-object");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(bytes)
        .expect("write the tree");
    let out = child.wait_with_output().expect("hash-object");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("hex")
        .trim()
        .to_owned()
}

fn write_blob(repo: &TestRepo, text: &str) -> String {
    let mut child = repo
        .git_cmd()
        .args(["hash-object", "-w", "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run git hash-object");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write the blob");
    let out = child.wait_with_output().expect("hash-object");
    String::from_utf8(out.stdout)
        .expect("hex")
        .trim()
        .to_owned()
}

/// A repository whose `main` has one commit with `README.md` and `src/lib.rs`.
fn repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("README.md", "r\n");
    repo.write("src/lib.rs", "fn a() {}\n");
    repo.commit("Base");
    repo
}

/// Commits `tree` on top of `main` and points `main` at it; returns the commit.
fn commit_tree(repo: &TestRepo, tree: &str) -> String {
    let commit = repo
        .git(&["commit-tree", tree, "-p", "main", "-m", "Hostile tree"])
        .trim()
        .to_owned();
    repo.git(&["update-ref", "refs/heads/main", &commit]);
    commit
}

fn bad_paths(repo: &TestRepo, commit: &str, scope: ChangeScope) -> Vec<BadPath> {
    let opened = Repo::discover(repo.path()).expect("open");
    let id = ObjectId::from_hex(commit).expect("id");
    agentfence::pipeline::read_changes(&opened, &id, scope)
        .expect("read the commit")
        .bad_paths
}

/// A root tree holding `extra`, then a file `~base` (which sorts after every name used
/// here): the entries' order is the caller's, so a case is bad only in the way it means.
fn root_with(repo: &TestRepo, extra: &[Vec<u8>]) -> String {
    let base = write_blob(repo, "r\n");
    let mut bytes: Vec<u8> = extra.concat();
    bytes.extend(entry("100644", b"~base", &base));
    write_tree(repo, &bytes)
}

/// The blob every hostile entry names ("hello world\n"), written to `repo`.
fn hello(repo: &TestRepo) -> String {
    let id = write_blob(repo, "hello world\n");
    assert_eq!(id, HELLO);
    id
}

const HELLO: &str = "3b18e512dba79e4c8300dd08aeb37f8e728b8dad";

#[test]
fn hostile_trees_are_bad_paths_as_git_fsck_says() {
    let blob_id = HELLO;
    let cases: Vec<(&str, Vec<Vec<u8>>, &str)> = vec![
        (".git", vec![entry("100644", b".git", blob_id)], ".git"),
        (".GIT", vec![entry("100644", b".GIT", blob_id)], ".GIT"),
        ("git~1", vec![entry("100644", b"git~1", blob_id)], "git~1"),
        (".git.", vec![entry("100644", b".git.", blob_id)], ".git."),
        (
            ".git space",
            vec![entry("100644", b".git ", blob_id)],
            ".git ",
        ),
        (
            "NTFS stream",
            vec![entry("100644", b".git::$INDEX_ALLOCATION", blob_id)],
            ".git::$INDEX_ALLOCATION",
        ),
        (
            "HFS ignorable",
            vec![entry("100644", ".g\u{200c}it".as_bytes(), blob_id)],
            ".g\u{200c}it",
        ),
        (
            "backslash",
            vec![entry("100644", b"foo\\.git", blob_id)],
            "foo\\.git",
        ),
        ("..", vec![entry("100644", b"..", blob_id)], ".."),
        (".", vec![entry("100644", b".", blob_id)], "."),
        ("slash", vec![entry("100644", b"x/y", blob_id)], "x/y"),
        (
            "unsorted",
            vec![
                entry("100644", b"zz", blob_id),
                entry("100644", b"aa", blob_id),
            ],
            "aa",
        ),
        (
            "duplicate",
            vec![
                entry("100644", b"dup", blob_id),
                entry("100644", b"dup", blob_id),
            ],
            "dup",
        ),
        (
            ".gitmodules symlink",
            vec![entry("120000", b".gitmodules", blob_id)],
            ".gitmodules",
        ),
        (
            "short name symlink",
            vec![entry("120000", b"GITMOD~1", blob_id)],
            "GITMOD~1",
        ),
    ];
    for (label, extra, path) in cases {
        let repo = repo();
        hello(&repo);
        let tree = root_with(&repo, &extra);
        let commit = commit_tree(&repo, &tree);
        let fsck = repo.git_output(&["fsck", "--strict", "--no-dangling"]);
        let report = String::from_utf8_lossy(&fsck.stderr).into_owned();
        assert!(
            !fsck.status.success() && report.contains(&format!("error in tree {tree}")),
            "{label}: git fsck --strict has no error for the tree:\n{report}"
        );
        for scope in [ChangeScope::Full, ChangeScope::TreesOnly] {
            let bad = bad_paths(&repo, &commit, scope);
            assert_eq!(bad.len(), 1, "{label} ({scope:?}): {bad:?}");
            assert!(
                bad[0].path == path && !bad[0].non_utf8_only,
                "{label} ({scope:?}): {bad:?}"
            );
        }
    }
}

#[test]
fn a_tree_git_cannot_parse_is_a_bad_path_not_a_crash() {
    let blob_id = HELLO;
    for (label, bytes) in [
        ("empty name", entry("100644", b"", blob_id)),
        ("bad mode", entry("1006x4", b"f", blob_id)),
        ("truncated", entry("100644", b"f", blob_id)[..20].to_vec()),
    ] {
        let repo = repo();
        hello(&repo);
        let readme = write_blob(&repo, "r\n");
        let mut sub = entry("100644", b"ok", &readme);
        sub.extend_from_slice(&bytes);
        let sub = write_tree(&repo, &sub);
        let mut root = entry("100644", b"README.md", &readme);
        root.extend(entry("40000", b"dir", &sub));
        let tree = write_tree(&repo, &root);
        let commit = commit_tree(&repo, &tree);
        let fsck = repo.git_output(&["fsck", "--strict", "--no-dangling"]);
        let report = String::from_utf8_lossy(&fsck.stderr).into_owned();
        assert!(
            !fsck.status.success() && report.contains(&sub),
            "{label}: git fsck does not refuse the tree:\n{report}"
        );
        for scope in [ChangeScope::Full, ChangeScope::TreesOnly] {
            let bad = bad_paths(&repo, &commit, scope);
            assert!(
                bad.iter()
                    .any(|b| b.path == "dir" && b.problem.contains("cannot be parsed")),
                "{label} ({scope:?}): {bad:?}"
            );
        }
    }
}

#[test]
fn a_bad_entry_deep_in_a_new_subtree_is_named_by_its_path() {
    let repo = repo();
    let readme = write_blob(&repo, "r\n");
    let inner = write_tree(&repo, &entry("100644", b".GiT", &readme));
    let mid = write_tree(&repo, &entry("40000", b"b", &inner));
    let mut root = entry("100644", b"README.md", &readme);
    root.extend(entry("40000", b"a", &mid));
    let commit = commit_tree(&repo, &write_tree(&repo, &root));
    let bad = bad_paths(&repo, &commit, ChangeScope::TreesOnly);
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].path, "a/b/.GiT");
    // A later commit that leaves that subtree alone does not introduce it again.
    let readme2 = write_blob(&repo, "r2\n");
    let mut root = entry("100644", b"README.md", &readme2);
    root.extend(entry("40000", b"a", &mid));
    let later = commit_tree(&repo, &write_tree(&repo, &root));
    assert_eq!(bad_paths(&repo, &later, ChangeScope::Full), vec![]);
    assert_eq!(bad_paths(&repo, &later, ChangeScope::TreesOnly), vec![]);
}

#[test]
fn special_files_are_checked_as_fsck_reads_them() {
    let repo = repo();
    let readme = write_blob(&repo, "r\n");
    // A .gitmodules that is a directory, and a .gitattributes with a 3,000-byte line.
    let sub = write_tree(&repo, &entry("100644", b"x", &readme));
    let long = write_blob(&repo, &format!("{} text\n", "a".repeat(3000)));
    let mut root = entry("100644", b".gitattributes", &long);
    root.extend(entry("40000", b".gitmodules", &sub));
    root.extend(entry("100644", b"README.md", &readme));
    let tree = write_tree(&repo, &root);
    let commit = commit_tree(&repo, &tree);
    let fsck = repo.git_output(&["fsck", "--no-dangling"]);
    let report = String::from_utf8_lossy(&fsck.stderr).into_owned();
    assert!(!fsck.status.success(), "{report}");
    assert!(report.contains("gitmodulesBlob"), "{report}");
    assert!(report.contains("gitattributesLineLength"), "{report}");
    let bad = bad_paths(&repo, &commit, ChangeScope::TreesOnly);
    let paths: Vec<&str> = bad.iter().map(|b| b.path.as_str()).collect();
    assert_eq!(paths, vec![".gitmodules", ".gitattributes"], "{bad:?}");
}

#[test]
fn good_trees_are_not_bad_paths_and_git_fsck_agrees() {
    let empty_tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("plain", vec![("100644", "a.txt")]),
        (
            "near misses",
            vec![
                ("100644", ".git-blame-ignore-revs"),
                ("100644", ".gitx"),
                ("100644", "..."),
                ("100644", "git~2"),
                ("100644", "x.git"),
                ("100644", ".gitmodulesx"),
                ("100644", "gitmod~5"),
            ],
        ),
        (
            "non-standard modes",
            vec![("100664", "group-writable"), ("100775", "run.sh")],
        ),
        (
            "symlinked attribute and ignore files",
            vec![("120000", ".gitattributes"), ("120000", ".gitignore")],
        ),
        (
            "a file and a directory sharing a prefix",
            vec![("100644", "a.c"), ("040000", "a")],
        ),
    ];
    for (label, entries) in cases {
        let repo = repo();
        hello(&repo);
        assert_eq!(write_tree(&repo, b""), empty_tree);
        // git mktree writes the entries in tree order itself.
        let listing: String = entries
            .iter()
            .map(|(mode, name)| {
                let (kind, id) = if *mode == "040000" {
                    ("tree", empty_tree)
                } else {
                    ("blob", HELLO)
                };
                format!("{mode} {kind} {id}\t{name}\n")
            })
            .collect();
        let mut child = repo
            .git_cmd()
            .args(["mktree", "--missing"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("run git mktree");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(listing.as_bytes())
            .expect("write the listing");
        let out = child.wait_with_output().expect("mktree");
        assert!(
            out.status.success(),
            "{label}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let tree = String::from_utf8(out.stdout)
            .expect("hex")
            .trim()
            .to_owned();
        let commit = commit_tree(&repo, &tree);
        // Even with its warnings made errors (--strict), git's fsck finds no error: what
        // it still prints (a mode like 100775, a symlinked .gitignore) is info-level.
        let fsck = repo.git_output(&["fsck", "--strict", "--no-dangling"]);
        let report = String::from_utf8_lossy(&fsck.stderr).into_owned();
        assert!(
            fsck.status.success() && !report.contains("error"),
            "{label}: git fsck --strict reports an error:\n{report}"
        );
        for scope in [ChangeScope::Full, ChangeScope::TreesOnly] {
            assert_eq!(
                bad_paths(&repo, &commit, scope),
                vec![],
                "{label} ({scope:?})"
            );
        }
    }
}

#[test]
fn a_path_that_is_not_utf8_is_a_bad_path_only_where_a_policy_covers_the_commit() {
    let repo = repo();
    let readme = write_blob(&repo, "r\n");
    let mut root = entry("100644", b"README.md", &readme);
    root.extend(entry("100644", b"caf\xe9.rs", &readme));
    let commit = commit_tree(&repo, &write_tree(&repo, &root));
    let opened = Repo::discover(repo.path()).expect("open");
    let id = ObjectId::from_hex(&commit).expect("id");
    let full = agentfence::pipeline::read_changes(&opened, &id, ChangeScope::Full).expect("read");
    assert_eq!(full.bad_paths.len(), 1, "{:?}", full.bad_paths);
    assert!(full.bad_paths[0].non_utf8_only);
    assert_eq!(full.bad_paths[0].path, "caf\u{fffd}.rs");
    // The change itself is still counted, under its lossy name.
    assert!(
        full.files
            .iter()
            .any(|f| f.path() == "caf\u{fffd}.rs" && f.line_total() == 1)
    );
    assert_eq!(bad_paths(&repo, &commit, ChangeScope::TreesOnly), vec![]);
}

#[test]
fn a_pushed_tree_named_dotgit_is_refused_by_the_hook() {
    let server = Server::new();
    let client = repo();
    client.remote(&server);
    client.git(&["push", "-q", "origin", "main"]);
    server.install_hook();
    let blob = write_blob(&client, "[core]\n\thooksPath = /tmp/evil\n");
    let config = write_tree(&client, &entry("100644", b"config", &blob));
    let readme = write_blob(&client, "r\n");
    let mut root = entry("40000", b".GIT", &config);
    root.extend(entry("100644", b"README.md", &readme));
    let commit = commit_tree(&client, &write_tree(&client, &root));
    let out = client.push_cmd(&["origin", "main"]).output().expect("push");
    let err = stderr(&out);
    assert_ne!(code(&out), 0, "accepted:\n{err}");
    assert!(err.contains(".GIT"), "{err}");
    assert_ne!(server.ref_id("refs/heads/main"), Some(commit));
    assert!(
        !server.has_object(&config),
        "the hostile tree stayed on the server"
    );
}

#[test]
fn gitmodules_blobs_are_checked_as_git_fsck_checks_them() {
    let cases: Vec<(&str, Option<&str>)> = vec![
        (
            "[submodule \"../../.git/hooks\"]\n\tpath = a\n\turl = https://example.com/a\n",
            Some("gitmodulesName"),
        ),
        (
            "[submodule \"x\"]\n\tpath = a\n\turl = --upload-pack=touch${IFS}pwned\n",
            Some("gitmodulesUrl"),
        ),
        (
            "[submodule \"x\"]\n\tpath = a\n\turl = https://example.com/%0ahost=evil\n",
            Some("gitmodulesUrl"),
        ),
        (
            "[submodule \"x\"]\n\tpath = a\n\turl = ../../../:evil.com/x\n",
            Some("gitmodulesUrl"),
        ),
        (
            "[submodule \"x\"]\n\tpath = -a\n\turl = https://example.com/a\n",
            Some("gitmodulesPath"),
        ),
        (
            "[submodule \"x\"]\n\tpath = a\n\tupdate = !sh -c evil\n",
            Some("gitmodulesUpdate"),
        ),
        (
            "[submodule \"x\"]\n\tpath = a\n\turl = https://example.com:99999/a\n",
            Some("gitmodulesUrl"),
        ),
        (
            "[submodule \"vendor/lib\"]\n\tpath = vendor/lib\n\turl = https://example.com/lib.git\n\tupdate = rebase\n",
            None,
        ),
        (
            "[submodule \"x\"]\n\tpath = a\n\turl = ../sibling.git\n",
            None,
        ),
        (
            "[submodule \"x\"]\n\tpath = a\n\turl = git@example.com:a/b.git\n",
            None,
        ),
    ];
    for (text, want) in cases {
        let repo = repo();
        let modules = write_blob(&repo, text);
        let readme = write_blob(&repo, "r\n");
        let mut root = entry("100644", b".gitmodules", &modules);
        root.extend(entry("100644", b"README.md", &readme));
        let commit = commit_tree(&repo, &write_tree(&repo, &root));
        let fsck = repo.git_output(&["fsck", "--no-dangling"]);
        let report = String::from_utf8_lossy(&fsck.stderr).into_owned();
        for scope in [ChangeScope::Full, ChangeScope::TreesOnly] {
            let bad = bad_paths(&repo, &commit, scope);
            match want {
                Some(id) => {
                    assert!(
                        !fsck.status.success() && report.contains(id),
                        "{text:?}: git fsck has no {id}:\n{report}"
                    );
                    assert_eq!(bad.len(), 1, "{text:?} ({scope:?}): {bad:?}");
                    assert!(bad[0].problem.contains(id), "{text:?}: {bad:?}");
                    assert_eq!(bad[0].path, ".gitmodules");
                }
                None => {
                    assert!(
                        fsck.status.success(),
                        "{text:?}: git fsck refuses it:\n{report}"
                    );
                    assert_eq!(bad, vec![], "{text:?} ({scope:?})");
                }
            }
        }
    }
}
