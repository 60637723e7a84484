//! A commit's `encoding` header honoured as git honours it: a Latin-1 (or Shift_JIS)
//! message is re-encoded to UTF-8 before its trailers are read, so `explain` reports what
//! `git log --format=%(trailers)` prints, not mojibake or replacement characters.

use serde_json::Value;

use crate::support::{TestRepo, code, stderr, stdout};

/// Commits `message` (raw bytes, in `encoding`) with `i18n.commitEncoding` set, as a
/// person whose editor writes that encoding would; returns the commit id.
fn commit_encoded(repo: &TestRepo, encoding: &str, message: &[u8]) -> String {
    let file = repo.path().join(".git/MSG");
    std::fs::write(&file, message).expect("write message");
    let file = file.to_str().expect("utf-8 temp path").to_owned();
    repo.git(&[
        "-c",
        &format!("i18n.commitEncoding={encoding}"),
        "commit",
        "-q",
        "--allow-empty",
        "-F",
        &file,
    ]);
    repo.rev("HEAD")
}

/// The trailers `explain --format json` reports for `id`, as "Key: value" lines.
fn explained_trailers(repo: &TestRepo, id: &str) -> Vec<String> {
    let out = repo.run(&["explain", "--format", "json", id]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).expect("json");
    json["commits"][0]["trailers"]
        .as_array()
        .expect("trailers")
        .iter()
        .map(|kv| {
            format!(
                "{}: {}",
                kv[0].as_str().expect("key"),
                kv[1].as_str().expect("value")
            )
        })
        .collect()
}

/// git's own reading, re-encoded to UTF-8 by git.
fn git_trailers(repo: &TestRepo, id: &str) -> Vec<String> {
    repo.git(&["log", "-1", "--format=%(trailers:only,unfold)", id])
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn latin1_message_trailers_are_read_as_git_prints_them() {
    let repo = TestRepo::new();
    repo.write("a.txt", "a\n");
    repo.commit("base");
    let id = commit_encoded(
        &repo,
        "ISO-8859-1",
        b"R\xe9sum\xe9\n\nTask: caf\xe9-1\nCo-authored-by: Zo\xeb \x80 <z@example.com>\n",
    );
    let raw = repo.git_output(&["cat-file", "commit", &id]).stdout;
    let raw = String::from_utf8_lossy(&raw);
    assert!(
        raw.contains("\nencoding ISO-8859-1\n"),
        "git wrote the header"
    );
    let git = git_trailers(&repo, &id);
    assert_eq!(
        git,
        [
            "Task: caf\u{e9}-1",
            "Co-authored-by: Zo\u{eb} \u{80} <z@example.com>"
        ]
    );
    assert_eq!(explained_trailers(&repo, &id), git);
}

#[test]
fn other_encodings_and_unknown_ones_match_git() {
    let repo = TestRepo::new();
    repo.write("a.txt", "a\n");
    repo.commit("base");
    // Shift_JIS: "あ" is 0x82 0xA0.
    let sjis = commit_encoded(&repo, "Shift_JIS", b"subject\n\nTask: \x82\xa0-2\n");
    assert_eq!(git_trailers(&repo, &sjis), ["Task: \u{3042}-2"]);
    assert_eq!(explained_trailers(&repo, &sjis), git_trailers(&repo, &sjis));
    // An encoding no one knows: git keeps the bytes, which here are UTF-8.
    let unknown = commit_encoded(
        &repo,
        "x-no-such-charset",
        "s\n\nTask: \u{e9}-3\n".as_bytes(),
    );
    assert_eq!(git_trailers(&repo, &unknown), ["Task: \u{e9}-3"]);
    assert_eq!(
        explained_trailers(&repo, &unknown),
        git_trailers(&repo, &unknown)
    );
    // Without the header, a UTF-8 message is read as is.
    let plain = repo.commit("s\n\nTask: \u{fc}-4");
    assert_eq!(
        explained_trailers(&repo, &plain),
        git_trailers(&repo, &plain)
    );
}
