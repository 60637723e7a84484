//! `agentfence revert`, with git as the oracle: the branch it writes must hold the tree
//! and the messages `git revert --no-edit` of the same commits (newest first) gives in a
//! worktree clone; a merge is compared with the reverse of `git show --remerge-diff`.
//! Every run that must write nothing is checked against the repository's refs, HEAD,
//! index, working tree, reflogs and commit objects before and after.

use serde_json::Value;

use crate::support::{TestRepo, code, stderr, stdout};

/// Everything a run that writes nothing must leave as it was: refs, HEAD, index, working
/// tree, every reflog and the set of commit objects (trees and blobs may be written).
fn state(repo: &TestRepo) -> String {
    let bare = repo.git(&["rev-parse", "--is-bare-repository"]).trim() == "true";
    let mut s = String::new();
    s += &repo.git(&["for-each-ref"]);
    s += &repo.git(&["symbolic-ref", "-q", "HEAD"]);
    s += &repo.git(&["rev-parse", "HEAD"]);
    s += &repo.git(&["reflog", "show", "--all", "--format=%H %gs"]);
    s += &repo
        .git(&[
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objecttype) %(objectname)",
        ])
        .lines()
        .filter(|l| l.starts_with("commit "))
        .collect::<Vec<_>>()
        .join("\n");
    if !bare {
        s += &repo.git(&["status", "--porcelain", "--ignored"]);
        s += &repo.git(&["ls-files", "-s"]);
        s += &repo.git(&["diff", "--cached", "--name-status"]);
    }
    s
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_str(&stdout(out))
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", stdout(out), stderr(out)))
}

/// The message part of a commit object (everything after its headers).
fn body(repo: &TestRepo, id: &str) -> String {
    let raw = repo.git(&["cat-file", "commit", id]);
    raw.split_once("\n\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}

/// A worktree clone of `repo` checked out (detached) at `rev`.
fn clone_at(repo: &TestRepo, rev: &str) -> TestRepo {
    let clone = TestRepo::new();
    clone.git(&[
        "fetch",
        "-q",
        &repo.path().display().to_string(),
        "+refs/heads/*:refs/remotes/o/*",
    ]);
    clone.git(&["checkout", "-q", "--detach", rev]);
    clone
}

/// `git revert --no-edit` of `ids` in order in a clone at `onto`: the final tree and
/// each revert's message, oldest revert first.
fn git_reverts(repo: &TestRepo, onto: &str, ids: &[String]) -> (String, Vec<String>) {
    let clone = clone_at(repo, onto);
    let mut messages = Vec::new();
    for id in ids {
        clone.git(&["revert", "--no-edit", id]);
        messages.push(body(&clone, "HEAD"));
    }
    (clone.rev("HEAD^{tree}"), messages)
}

/// A tiny deterministic generator (no crate needed for a test's choices).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn file_lines(n: usize, tag: &str) -> String {
    (0..n).map(|i| format!("{tag} line {i}\n")).collect()
}

/// Replaces line `at` of the file at `path` with `text`.
fn edit_line(repo: &TestRepo, path: &str, at: usize, text: &str) {
    let full = repo.path().join(path);
    let old = std::fs::read_to_string(&full).expect("read");
    let new: String = old
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == at {
                format!("{text}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(full, new).expect("write");
}

/// What a generated history expects: the commit ids of the task, and which of them are
/// already reverted at the tip.
struct Generated {
    task: Vec<String>,
    reverted: Vec<String>,
    reverted_by: std::collections::HashMap<String, String>,
}

/// Task commits interleaved with others: line edits (every commit its own line, so only
/// renames and reverts meet), renames, new files, a task commit reverted by a person, one
/// reverted and reapplied (a revert of a revert), and a fake revert message naming one.
fn generate(repo: &TestRepo, seed: u64) -> Generated {
    let mut rng = Lcg(seed);
    let mut files: Vec<String> = (0..4).map(|i| format!("src/f{i}.txt")).collect();
    for f in &files {
        repo.write(f, file_lines(200, f));
    }
    repo.commit("base");
    let mut task: Vec<String> = Vec::new();
    let mut reverted: Vec<String> = Vec::new();
    let mut reverted_by = std::collections::HashMap::new();
    for i in 0..28usize {
        let in_task = rng.next(2) == 0;
        let trailer = if in_task { "\n\nTask: T-7" } else { "" };
        match (i, rng.next(10)) {
            (8, _) | (16, _) if !task.is_empty() => {
                // A person reverts a task commit (git's own revert: no task trailer).
                let victim = task[task.len() - 1].clone();
                repo.git(&["revert", "--no-edit", &victim]);
                if i == 16 {
                    // ... and reverts the revert: the commit is in effect again.
                    let r = repo.rev("HEAD");
                    repo.git(&["revert", "--no-edit", &r]);
                } else {
                    reverted_by.insert(victim.clone(), repo.rev("HEAD"));
                    reverted.push(victim);
                }
                continue;
            }
            (20, _) if !task.is_empty() => {
                // A message that claims a revert and undoes nothing of it.
                let named = task[0].clone();
                edit_line(repo, &files[0], 199, "fake");
                repo.commit(&format!("Revert \"x\"\n\nThis reverts commit {named}."));
                continue;
            }
            (_, 0) => {
                let k = rng.next(files.len() as u64) as usize;
                let to = format!("moved/r{i}-{}", files[k].rsplit('/').next().unwrap_or("f"));
                std::fs::create_dir_all(repo.path().join("moved")).expect("mkdir");
                repo.git(&["mv", &files[k], &to]);
                files[k] = to;
            }
            (_, 1) if in_task => {
                repo.write(&format!("new/n{i}.txt"), format!("new {i}\n"));
            }
            _ => {
                let k = rng.next(files.len() as u64) as usize;
                edit_line(repo, &files[k], 2 + 3 * i, &format!("commit {i}"));
            }
        }
        let id = repo.commit(&format!("change {i}{trailer}"));
        if in_task {
            task.push(id);
        }
    }
    Generated {
        task,
        reverted,
        reverted_by,
    }
}

#[test]
fn a_task_reverts_as_git_reverts_it_on_generated_histories() {
    for seed in [1u64, 2, 3, 4, 5] {
        let repo = TestRepo::new();
        let generated = generate(&repo, seed);
        let onto = repo.rev("HEAD");
        let out = repo.run(&["revert", "--task", "T-7", "--format", "json"]);
        assert_eq!(
            code(&out),
            0,
            "seed {seed}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        let report = json(&out);
        let commits = report["commits"].as_array().expect("commits");
        // Every task commit is listed, newest first, as git rev-list lists them.
        let listed: Vec<&str> = commits
            .iter()
            .map(|c| c["commit"].as_str().expect("id"))
            .collect();
        let mut task = generated.task.clone();
        task.reverse();
        assert_eq!(listed, task, "seed {seed}");
        // Exactly the commits a person reverted (and did not reapply) are skipped.
        let skipped: Vec<&str> = commits
            .iter()
            .filter(|c| c["status"] == "skipped")
            .map(|c| c["commit"].as_str().expect("id"))
            .collect();
        let mut want: Vec<&str> = generated.reverted.iter().map(String::as_str).collect();
        want.sort_unstable();
        let mut got = skipped.clone();
        got.sort_unstable();
        assert_eq!(
            got,
            want,
            "seed {seed}: {}",
            repo.git(&["log", "--stat", "--format=%H %s"])
        );
        // The revert that undid it is named when report recognises it (not when the file
        // moved in between: report compares paths); never another commit.
        for c in commits.iter().filter(|c| c["status"] == "skipped") {
            let id = c["commit"].as_str().expect("id");
            let by = &generated.reverted_by[&id.to_owned()];
            assert!(
                c["reverted_by"].is_null() || c["reverted_by"] == by.as_str(),
                "seed {seed}: {c}"
            );
        }
        let reverted: Vec<String> = commits
            .iter()
            .filter(|c| c["status"] == "reverted")
            .map(|c| c["commit"].as_str().expect("id").to_owned())
            .collect();
        let (tree, messages) = git_reverts(&repo, &onto, &reverted);
        let tip = report["tip"].as_str().expect("tip");
        assert_eq!(repo.rev("revert/T-7"), tip);
        assert_eq!(repo.rev(&format!("{tip}^{{tree}}")), tree, "seed {seed}");
        // Each revert commit: git's message byte for byte, then the task trailer.
        for (c, message) in commits
            .iter()
            .filter(|c| c["status"] == "reverted")
            .zip(&messages)
        {
            let ours = body(&repo, c["revert"].as_str().expect("revert"));
            assert_eq!(ours, format!("{message}\nTask: T-7\n"), "seed {seed}");
        }
        // The chain: one commit per revert, on --onto, in order.
        let chain = repo.git(&["rev-list", &format!("{onto}..{tip}")]);
        assert_eq!(chain.lines().count(), reverted.len());
        // Nothing but the new branch moved.
        assert_eq!(repo.rev("HEAD"), onto);
        assert_eq!(repo.git(&["status", "--porcelain"]), "");
    }
}

#[test]
fn git_subjects_reapply_and_odd_messages_match_git() {
    let repo = TestRepo::new();
    repo.write("a", "1\n");
    repo.commit("base");
    let mut ids = Vec::new();
    for (i, msg) in [
        "plain subject",
        "\n\nleading blank lines\n\nbody",
        "Revert \"something\"",
        "Revert \"Revert \"deep\"\"",
        "quotes \"inside\" and trailing space ",
        "multi\nline subject",
    ]
    .iter()
    .enumerate()
    {
        repo.write(&format!("f{i}"), format!("{i}\n"));
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "--cleanup=verbatim", "-m", msg]);
        ids.push(repo.rev("HEAD"));
    }
    let onto = repo.rev("HEAD");
    let range = format!("{}^..HEAD", ids[0]);
    let out = repo.run(&["revert", &range, "--branch", "undo", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let report = json(&out);
    let commits = report["commits"].as_array().expect("commits");
    let reverted: Vec<String> = commits
        .iter()
        .map(|c| c["commit"].as_str().expect("id").to_owned())
        .collect();
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(reverted, newest_first);
    let (tree, messages) = git_reverts(&repo, &onto, &reverted);
    assert_eq!(repo.rev("undo^{tree}"), tree);
    for (c, message) in commits.iter().zip(&messages) {
        // A RANGE adds no task trailer.
        assert_eq!(&body(&repo, c["revert"].as_str().expect("revert")), message);
    }
}

/// A history with a merge of `agent` into `main` that resolves a conflict by hand and
/// slips in an extra change; the merge carries the task trailer.
fn evil_merge(repo: &TestRepo) -> String {
    repo.write("conf.txt", "a\nb\nc\n");
    repo.write("other.txt", "x\n");
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "agent"]);
    repo.write("conf.txt", "a\nB-agent\nc\n");
    repo.write("agent-only.txt", "agent work\n");
    repo.commit("agent side");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("conf.txt", "a\nB-main\nc\n");
    repo.write("main-only.txt", "main work\n");
    repo.commit("main side");
    let _ = repo.git_output(&["merge", "-q", "--no-edit", "agent"]);
    repo.write("conf.txt", "a\nresolved\nc\n");
    repo.write("other.txt", "x\nslipped in\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "merge agent\n\nTask: M-1"]);
    repo.rev("HEAD")
}

#[test]
fn a_merge_is_reverted_by_the_reverse_of_its_remerge_diff() {
    let repo = TestRepo::new();
    let merge = evil_merge(&repo);
    repo.write("later.txt", "later\n");
    repo.commit("later");
    let onto = repo.rev("HEAD");
    let out = repo.run(&["revert", "--task", "M-1", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let report = json(&out);
    assert_eq!(report["commits"][0]["commit"], merge.as_str());
    assert_eq!(report["commits"][0]["status"], "reverted");
    // The oracle: reverse-apply git's remerge diff in a clone at --onto.
    let clone = clone_at(&repo, &onto);
    let diff = clone.git(&["show", "--remerge-diff", "--format=", "--binary", &merge]);
    assert!(
        !diff.is_empty(),
        "the merge differs from the automatic merge"
    );
    std::fs::write(clone.path().join("../remerge.patch"), &diff).expect("write patch");
    let patch = clone.path().join("../remerge.patch").display().to_string();
    clone.git(&["apply", "-R", "--index", &patch]);
    let want = clone.git(&["write-tree"]).trim().to_owned();
    assert_eq!(repo.rev("revert/M-1^{tree}"), want);
    // Both sides' own work stays: -m 1 would have deleted agent-only.txt.
    let files = repo.git(&["ls-tree", "--name-only", "revert/M-1"]);
    assert!(files.contains("agent-only.txt") && files.contains("main-only.txt"));
    // The message names the commit as report reads a revert, and says how.
    let message = body(&repo, "revert/M-1");
    assert!(
        message.starts_with(&format!(
            "Revert \"merge agent\"\n\nThis reverts commit {merge}, undoing only what it changed\n"
        )),
        "{message}"
    );
    assert!(message.ends_with("\nTask: M-1\n"));
}

#[test]
fn a_clean_merge_has_nothing_to_revert() {
    let repo = TestRepo::new();
    repo.write("a", "1\n");
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("b", "2\n");
    repo.commit("side");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("c", "3\n");
    repo.commit("main");
    repo.git(&[
        "merge",
        "-q",
        "--no-edit",
        "-m",
        "clean merge\n\nTask: C-1",
        "side",
    ]);
    let before = state(&repo);
    let out = repo.run(&["revert", "--task", "C-1", "--format", "json"]);
    assert_eq!(code(&out), 2, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(json(&out)["commits"][0]["status"], "skipped");
    assert!(
        stderr(&out).contains("nothing to revert"),
        "{}",
        stderr(&out)
    );
    assert_eq!(state(&repo), before);
}

/// A task commit a later commit builds on: its revert conflicts.
fn conflicting(repo: &TestRepo) -> (String, String) {
    repo.write("a.txt", "one\n");
    repo.write("b.txt", "b\n");
    repo.commit("base");
    repo.write("b.txt", "b task\n");
    let clean = repo.commit("task clean\n\nTask: K-1");
    repo.write("a.txt", "two\n");
    let bad = repo.commit("task edit\n\nTask: K-1");
    repo.write("a.txt", "three\n");
    let later = repo.commit("someone builds on it");
    let _ = clean;
    (bad, later)
}

#[test]
fn a_conflict_writes_nothing_and_names_paths_and_later_commits() {
    let repo = TestRepo::new();
    let (bad, later) = conflicting(&repo);
    // git agrees that this revert conflicts.
    let clone = clone_at(&repo, &repo.rev("HEAD"));
    assert!(
        !clone
            .git_output(&["revert", "--no-edit", &bad])
            .status
            .success()
    );
    for dry in [false, true] {
        let before = state(&repo);
        let mut args = vec!["revert", "--task", "K-1", "--format", "json"];
        if dry {
            args.push("--dry-run");
        }
        let out = repo.run(&args);
        assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
        let report = json(&out);
        assert!(report["tip"].is_null());
        let c = &report["commits"][0];
        assert_eq!(c["commit"], bad.as_str());
        assert_eq!(c["status"], "conflict");
        assert_eq!(c["paths"], serde_json::json!(["a.txt"]));
        assert_eq!(report["commits"][1]["status"], "clean");
        assert_eq!(state(&repo), before, "dry run {dry}");
    }
    let text = repo.run(&["revert", "--task", "K-1", "--dry-run"]);
    assert_eq!(code(&text), 1);
    let text = stdout(&text);
    assert!(text.contains("CONFLICT in a.txt"), "{text}");
    assert!(
        text.contains(&later[..12]),
        "names the later commit: {text}"
    );
}

#[test]
fn a_dry_run_writes_nothing_and_says_what_would_happen() {
    let repo = TestRepo::new();
    repo.write("a", "1\n");
    repo.commit("base");
    repo.write("a", "2\n");
    let t = repo.commit("task\n\nTask: D-1");
    let before = state(&repo);
    let out = repo.run(&["revert", "--task", "D-1", "--dry-run", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["commits"][0]["commit"], t.as_str());
    assert_eq!(report["commits"][0]["status"], "clean");
    assert!(report["tip"].is_null() && report["commits"][0]["revert"].is_null());
    assert_eq!(state(&repo), before);
    let text = stdout(&repo.run(&["revert", "--task", "D-1", "--dry-run"]));
    assert!(text.contains("without --dry-run"), "{text}");
}

#[test]
fn works_in_a_bare_repository_with_onto_and_squash() {
    let work = TestRepo::new();
    work.write("a", "1\n");
    work.commit("base");
    work.write("a", "2\n");
    let t1 = work.commit("task one\n\nTask: B-1");
    work.write("b", "b\n");
    let t2 = work.commit("task two\n\nTask: B-1");
    let mid = work.rev("HEAD");
    work.write("c", "c\n");
    let t3 = work.commit("task three, after --onto\n\nTask: B-1");
    let _ = t3;
    let bare = TestRepo::bare();
    bare.git(&[
        "fetch",
        "-q",
        &work.path().display().to_string(),
        "main:main",
    ]);
    let out = bare.run(&[
        "revert", "--task", "B-1", "--onto", &mid, "--squash", "--format", "json",
    ]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let report = json(&out);
    let ids: Vec<&str> = report["commits"]
        .as_array()
        .expect("commits")
        .iter()
        .map(|c| c["commit"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        vec![t2.as_str(), t1.as_str()],
        "only commits reachable from --onto"
    );
    let tip = bare.rev("revert/B-1");
    assert_eq!(bare.rev(&format!("{tip}^")), mid, "one commit, on --onto");
    assert_eq!(
        body(&bare, &tip),
        format!(
            "Revert task B-1\n\nThis reverts commit {t2}.\nThis reverts commit {t1}.\n\nTask: B-1\n"
        )
    );
    let (tree, _) = git_reverts(&bare, &mid, &[t2.clone(), t1.clone()]);
    assert_eq!(bare.rev(&format!("{tip}^{{tree}}")), tree);
    assert_eq!(bare.rev("main"), work.rev("main"), "main did not move");
}

#[test]
fn an_existing_branch_no_match_and_bad_input_write_nothing() {
    let repo = TestRepo::new();
    repo.write("a", "1\n");
    repo.commit("base");
    repo.write("a", "2\n");
    repo.commit("task\n\nTask: E-1");
    repo.git(&["branch", "revert/E-1"]);
    repo.git(&["branch", "taken"]);
    let before = state(&repo);
    let cases: &[(&[&str], &str)] = &[
        (&["revert", "--task", "E-1"], "'revert/E-1' already exists"),
        (
            &["revert", "--task", "E-1", "--branch", "taken/sub"],
            "'refs/heads/taken'",
        ),
        (
            &["revert", "--task", "E-1", "--branch", "bad..name"],
            "not a valid branch name",
        ),
        (
            &["revert", "--task", "E-1", "--branch", "HEAD"],
            "not a valid branch name",
        ),
        (&["revert", "--task", "nope"], "nothing to revert"),
        (
            &["revert", "--agent", "ghost", "--branch", "x"],
            "nothing to revert",
        ),
        (&["revert", "HEAD~1..HEAD"], "needs --branch"),
        (
            &["revert", "--task", "E-1", "--branch", "y", "--onto", "nope"],
            "nope",
        ),
    ];
    for (args, says) in cases {
        let out = repo.run(args);
        assert_eq!(code(&out), 2, "{args:?}: {}{}", stdout(&out), stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert_eq!(state(&repo), before, "{args:?}");
    }
}

#[test]
fn no_identity_is_an_error_as_in_git() {
    let repo = TestRepo::new();
    repo.write("a", "1\n");
    repo.commit("base");
    repo.write("a", "2\n");
    repo.commit("task\n\nTask: I-1");
    let before = state(&repo);
    let out = repo
        .agentfence()
        .args(["revert", "--task", "I-1"])
        .env("HOME", repo.path().join("no-home"))
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_NAME")
        .env_remove("GIT_COMMITTER_EMAIL")
        .output()
        .expect("run");
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(stderr(&out).contains("user.name"), "{}", stderr(&out));
    assert_eq!(state(&repo), before);
    // The repository's config is enough.
    repo.git(&["config", "user.name", "Config Person"]);
    repo.git(&["config", "user.email", "config@example.com"]);
    let out = repo
        .agentfence()
        .args(["revert", "--task", "I-1"])
        .env("HOME", repo.path().join("no-home"))
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_NAME")
        .env_remove("GIT_COMMITTER_EMAIL")
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("git push origin revert/I-1"));
    let who = repo.git(&["log", "-1", "--format=%an <%ae>|%cn <%ce>", "revert/I-1"]);
    assert_eq!(
        who.trim(),
        "Config Person <config@example.com>|Config Person <config@example.com>"
    );
}

#[test]
fn a_revert_of_a_reverted_task_commit_is_not_undone_again() {
    // Our own revert carries the task trailer; reverting the task again must not bring
    // the reverted commit back by reverting that revert.
    let repo = TestRepo::new();
    repo.write("a", "1\n");
    repo.commit("base");
    repo.write("a", "2\n");
    let t = repo.commit("task\n\nTask: R-1");
    let out = repo.run(&["revert", "--task", "R-1"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    repo.git(&["merge", "-q", "--ff-only", "revert/R-1"]);
    let r = repo.rev("HEAD");
    let before = state(&repo);
    let out = repo.run(&[
        "revert", "--task", "R-1", "--branch", "again", "--format", "json",
    ]);
    assert_eq!(code(&out), 2, "{}{}", stdout(&out), stderr(&out));
    let report = json(&out);
    assert_eq!(report["commits"][0]["commit"], r.as_str());
    assert_eq!(report["commits"][0]["status"], "skipped");
    assert_eq!(report["commits"][1]["commit"], t.as_str());
    assert_eq!(report["commits"][1]["reverted_by"], r.as_str());
    assert_eq!(state(&repo), before);
}

#[test]
fn report_recognises_a_merge_revert_by_its_remerge_diff() {
    // report charges a merge against git's automatic merge of its parents; the revert
    // `revert` writes undoes exactly that, so report counts the merge as reverted.
    let repo = TestRepo::new();
    let merge = evil_merge(&repo);
    let out = repo.run(&["revert", "--task", "M-1"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let revert = repo.rev("revert/M-1");
    let out = repo.run(&["report", "revert/M-1", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let reverts = json(&out)["reverts"].clone();
    let found: Vec<(&str, &str)> = reverts
        .as_array()
        .expect("reverts")
        .iter()
        .map(|r| {
            (
                r["commit"].as_str().expect("commit"),
                r["reverted_by"].as_str().expect("reverted_by"),
            )
        })
        .collect();
    assert_eq!(found, vec![(merge.as_str(), revert.as_str())]);
}

#[test]
fn commits_are_listed_and_reverted_in_git_rev_list_topo_order() {
    // Two branches whose commits interleave in time, merged twice: git's --topo-order
    // shows one line of history at a time, the merged branch first.
    let repo = TestRepo::new();
    repo.write("base", "0\n");
    repo.commit("base");
    let root = repo.rev("HEAD");
    repo.git(&["checkout", "-q", "-b", "side"]);
    for round in 0..2 {
        for i in 0..3 {
            repo.git(&["checkout", "-q", "side"]);
            repo.write(&format!("side{round}{i}"), "s\n");
            repo.commit(&format!("side {round} {i}"));
            repo.git(&["checkout", "-q", "main"]);
            repo.write(&format!("main{round}{i}"), "m\n");
            repo.commit(&format!("main {round} {i}"));
        }
        repo.git(&["merge", "-q", "--no-edit", "side"]);
    }
    let range = format!("{root}..HEAD");
    let out = repo.run(&[
        "revert",
        &range,
        "--branch",
        "undo",
        "--dry-run",
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let listed: Vec<String> = json(&out)["commits"]
        .as_array()
        .expect("commits")
        .iter()
        .map(|c| format!("{}\n", c["commit"].as_str().expect("id")))
        .collect();
    assert_eq!(
        listed.concat(),
        repo.git(&["rev-list", "--topo-order", &range])
    );
}

#[test]
fn an_agent_is_selected_as_any_of_a_commits_owners() {
    // Under the embedded rules: claude-code owns commits with its co-author trailer, aider
    // those with its trailer; with both, the first agent in file order owns it (markers
    // give one owner), so aider's selection must not take it.
    let repo = TestRepo::new();
    repo.write("a", "1\n");
    repo.commit("base");
    let claude = "Co-authored-by: Claude <noreply@anthropic.com>";
    let aider = "Co-authored-by: aider (gpt) <noreply@aider.chat>";
    repo.write("b", "claude\n");
    let only_claude = repo.commit(&format!("claude alone\n\n{claude}"));
    repo.write("c", "both\n");
    let both = repo.commit(&format!("both\n\n{claude}\n{aider}"));
    repo.write("d", "human\n");
    repo.commit("a person's commit");
    repo.write("e", "aider\n");
    let only_aider = repo.commit(&format!("aider alone\n\n{aider}"));
    let pick = |agent: &str| -> Vec<String> {
        let out = repo.run(&["revert", "--agent", agent, "--dry-run", "--format", "json"]);
        assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
        json(&out)["commits"]
            .as_array()
            .expect("commits")
            .iter()
            .map(|c| c["commit"].as_str().expect("id").to_owned())
            .collect()
    };
    assert_eq!(pick("aider"), vec![only_aider]);
    assert_eq!(pick("claude-code"), vec![both, only_claude]);
    // The default branch name and the squash subject name the agent.
    let out = repo.run(&["revert", "--agent", "aider", "--squash"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let message = body(&repo, "revert/aider");
    assert!(
        message.starts_with("Revert aider's commits\n\nThis reverts commit "),
        "{message}"
    );
    assert!(!message.contains("Task:"));
    assert_eq!(
        repo.git(&["ls-tree", "--name-only", "revert/aider"]),
        "a\nb\nc\nd\n"
    );
}

#[test]
fn a_deleted_file_conflicts_as_in_git_and_an_octopus_is_refused() {
    let repo = TestRepo::new();
    repo.write("a.txt", "1\n");
    repo.write("keep.txt", "k\n");
    repo.commit("base");
    repo.write("a.txt", "2\n");
    let edit = repo.commit("task edits a\n\nTask: X-1");
    repo.remove("a.txt");
    repo.commit("a person deletes a");
    let clone = clone_at(&repo, &repo.rev("HEAD"));
    assert!(
        !clone
            .git_output(&["revert", "--no-edit", &edit])
            .status
            .success()
    );
    let before = state(&repo);
    let out = repo.run(&["revert", "--task", "X-1", "--format", "json"]);
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(
        json(&out)["commits"][0]["paths"],
        serde_json::json!(["a.txt"])
    );
    assert_eq!(state(&repo), before);

    // An octopus merge has no one automatic merge to revert to: an error, nothing written.
    for b in ["o1", "o2"] {
        repo.git(&["checkout", "-q", "-b", b, "main"]);
        repo.write(&format!("{b}.txt"), "o\n");
        repo.commit(b);
    }
    repo.git(&["checkout", "-q", "main"]);
    repo.write("m.txt", "main moves on\n");
    repo.commit("main moves on");
    repo.git(&["merge", "-q", "-m", "octopus\n\nTask: O-1", "o1", "o2"]);
    assert_eq!(
        repo.git(&["log", "-1", "--format=%p"]).split(' ').count(),
        3
    );
    let before = state(&repo);
    let out = repo.run(&["revert", "--task", "O-1"]);
    assert_eq!(code(&out), 2, "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("octopus"), "{}", stderr(&out));
    assert_eq!(state(&repo), before);
}
