//! The ways an adversarial review got changes through the fence (issue 10), each written
//! as the agent would try it, with real pushes into a bare repository with the hook, real
//! `check` runs and real local hooks; and variants of each.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::pre_receive::{
    assert_accepted, assert_rejected, bot_commit, push, rules_yaml, setup, setup_with,
};
use crate::support::{TestRepo, bin, code, git_env, stderr, stdout};

/// Rules where `bot` (trailer `Agent: bot`, pusher `svc-bot`) may only push `agent/**` and
/// `src/**`, and `loose` (trailer `Agent: loose`, pusher `svc-loose`) may push anything
/// anywhere; `merge-bot` (pusher `svc-merge`) may push anything too.
fn two_agents() -> String {
    "version: 1
agents:
  - name: loose
    match:
      trailer: {Agent: '^loose$'}
      pusher: [svc-loose]
    policy: loose
  - name: bot
    match:
      trailer: {Agent: '^bot$'}
      pusher: [svc-bot]
    policy: agents
  - name: merge-bot
    match:
      pusher: [svc-merge]
    policy: loose
policies:
  agents:
    refs: {allow: ['refs/heads/agent/**']}
    paths: {allow: ['src/**']}
  loose: {}
"
    .to_owned()
}

// ---- Class 5: authenticated identity outranks the commit's claims; ref rules look at
// every commit brought onto a ref.

#[test]
fn a_pusher_bound_agent_writing_a_looser_agents_trailer_is_still_held_to_its_own_policy() {
    let (server, client) = setup_with(&two_agents());
    client.write("lib/outside.rs", "x\n");
    let c = client.commit("Work\n\nAgent: loose");
    let err = assert_rejected(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[("AGENTFENCE_PUSHER", "svc-bot")],
        &["path-scope"],
        &[&c],
        &["lib/outside.rs"],
    );
    assert!(
        err.contains("(bot 1)"),
        "the pusher's agent is the owner:\n{err}"
    );
    // Upper-case spelling of the pusher name changes nothing.
    assert_rejected(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[("AGENTFENCE_PUSHER", "SVC-BOT")],
        &["path-scope"],
        &[&c],
        &[],
    );
}

#[test]
fn an_agents_commit_pushed_by_a_broad_merge_bot_is_still_held_to_the_agents_policy() {
    let (server, client) = setup_with(&two_agents());
    client.write("lib/outside.rs", "x\n");
    let c = bot_commit(&client, "Work");
    // The merge bot may push anywhere; the commit is bot's by its trailer, so bot's
    // policy binds the commit (paths) and the ref (main is outside agent/**).
    let err = assert_rejected(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/main"],
        &[("AGENTFENCE_PUSHER", "svc-merge")],
        &["ref-scope", "path-scope"],
        &[&c],
        &["refs/heads/main"],
    );
    assert!(err.contains("(merge-bot 1)"), "{err}");
}

#[test]
fn a_commit_first_pushed_to_the_agents_branch_cannot_then_reach_main_as_nothing_new() {
    let (server, client) = setup_with(&two_agents());
    client.write("src/a.rs", "a\n");
    let c = bot_commit(&client, "Work");
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[],
        &[("refs/heads/agent/x", Some(&c))],
    );
    // Now the same commit onto main: no new commit, but bot owns a commit the update
    // brings onto main, so bot's ref rules bind main.
    let err = assert_rejected(
        &server,
        &client,
        &["origin", &format!("{c}:refs/heads/main")],
        &[],
        &["ref-scope"],
        &[],
        &["refs/heads/main"],
    );
    assert!(err.contains("0 commits"), "{err}");
    // A new branch created at it brings it too (it is not on the default branch).
    assert_rejected(
        &server,
        &client,
        &["origin", &format!("{c}:refs/heads/release")],
        &[],
        &["ref-scope"],
        &[],
        &["refs/heads/release"],
    );
    // A new branch at the default branch's tip brings nothing: only the pusher binds.
    let main = server.ref_id("refs/heads/main").expect("main");
    assert_accepted(
        &server,
        &client,
        &["origin", &format!("{main}:refs/heads/release")],
        &[],
        &[("refs/heads/release", Some(&main))],
    );
}

#[test]
fn rules_that_name_a_pusher_reject_a_push_nobody_identified() {
    let (server, client) = setup("paths: {allow: ['src/**']}");
    client.write("lib/x.rs", "x\n");
    let c = client.commit("No trailer");
    let before = server.refs();
    // An empty variable counts as unset.
    let out = push(
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[("AGENTFENCE_PUSHER", ""), ("REMOTE_USER", "")],
    );
    let err = stderr(&out);
    assert_ne!(code(&out), 0, "{err}");
    assert!(err.contains("no pusher identity"), "{err}");
    for var in [
        "--pusher",
        "AGENTFENCE_PUSHER",
        "GL_USERNAME",
        "GITEA_PUSHER_NAME",
        "GL_USER",
        "REMOTE_USER",
    ] {
        assert!(err.contains(var), "{var} not named:\n{err}");
    }
    assert_eq!(server.refs(), before);
    assert!(!server.has_object(&c));
    // check in CI: the same.
    client.git(&["branch", "-f", "topic"]);
    let out = client.run(&["check", "origin/main..topic"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no pusher identity"),
        "{}",
        stderr(&out)
    );
}

// ---- Class 1: stdin is read whole, however long.

#[test]
fn a_bad_ref_after_64_mib_of_stdin_is_still_judged() {
    let (server, client) = setup("refs: {allow: ['refs/heads/agent/**']}");
    let head = client.rev("HEAD");
    let zero = "0".repeat(40);
    let long = "n".repeat(4000);
    let mut stdin = Vec::new();
    let mut i = 0;
    while stdin.len() <= 64 * 1024 * 1024 + 4096 {
        writeln!(stdin, "{zero} {head} refs/heads/agent/{i}/{long}").expect("write");
        i += 1;
    }
    writeln!(stdin, "{zero} {head} refs/heads/main2").expect("write");
    let out = server.pre_receive(&["--pusher", "svc-bot"], &stdin);
    let err = stderr(&out);
    assert_eq!(code(&out), 1, "{}", &err[..err.len().min(2000)]);
    assert!(
        err.contains("refs/heads/main2"),
        "{}",
        &err[..err.len().min(2000)]
    );
    assert!(
        err.contains(&format!("{} refs", i + 1)),
        "every ref counted"
    );
}

#[test]
fn the_same_ref_twice_far_apart_is_refused() {
    let (server, client) = setup("");
    let head = client.rev("HEAD");
    let zero = "0".repeat(40);
    let mut stdin = String::new();
    for i in 0..20_000 {
        stdin.push_str(&format!("{zero} {head} refs/heads/r{i}\n"));
    }
    stdin.push_str(&format!("{zero} {head} refs/heads/r7\n"));
    let out = server.pre_receive(&["--pusher", "dev"], stdin.as_bytes());
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("stdin line 20001"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("refs/heads/r7 appears twice"),
        "{}",
        stderr(&out)
    );
}

// ---- Class 8: no I/O failure lowers the verdict.

#[test]
fn a_rejection_stays_a_rejection_when_its_report_cannot_be_written() {
    let (server, client) = setup("refs: {allow: ['refs/heads/agent/**']}");
    client.write("src/x.rs", "x\n");
    let c = bot_commit(&client, "Work");
    // The commit reaches the server's object store without the hook (a fetch runs none).
    let from = client.path().display().to_string();
    server.git(&["fetch", "-q", &from, "HEAD:refs/heads/agent/staging"]);
    let base = server.ref_id("refs/heads/main").expect("main");
    // stderr closed: the hook cannot say anything, and still rejects.
    for _ in 0..10 {
        let mut shell = Command::new("sh");
        git_env(&mut shell)
            .current_dir(server.path())
            .env("GIT_DIR", ".")
            .arg("-c")
            .arg("exec \"$0\" pre-receive --pusher dev 2>&-")
            .arg(bin())
            .stdin(Stdio::piped())
            .stdout(Stdio::null());
        let mut child = shell.spawn().expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{base} {c} refs/heads/main\n").as_bytes())
            .expect("write");
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(1));
    }
    // check piped into `head -1` under pipefail: the pipeline fails.
    let out = Command::new("bash")
        .current_dir(client.path())
        .env("AGENTFENCE", bin())
        .args([
            "-c",
            "set -o pipefail; \"$AGENTFENCE\" check --pusher dev --ref main origin/main..HEAD | head -c 1 >/dev/null",
        ])
        .output()
        .expect("bash");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

// ---- Class 3: check never takes its rules from the commits it checks.

/// A repository whose main holds strict rules, and a branch `pr` that loosens them and
/// then does what they forbid.
fn loosening_pr() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(
        ".agentfence.yaml",
        rules_yaml("paths: {allow: ['src/**']}", ""),
    );
    repo.write("src/a.rs", "a\n");
    repo.commit("Base");
    repo.git(&["checkout", "-q", "-b", "pr"]);
    repo.write(".agentfence.yaml", rules_yaml("{}", ""));
    repo.commit("Loosen the rules (a human's commit)");
    repo.write("lib/out.rs", "x\n");
    bot_commit(&repo, "Outside");
    repo
}

#[test]
fn check_of_a_symmetric_range_trusts_the_target_not_the_pull_request() {
    let repo = loosening_pr();
    let out = repo.run(&["check", "--pusher", "dev", "--format", "json", "main...pr"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(json["violations"][0]["rule"], "path-scope");
    // A branch forked from an old commit with looser rules still gets the target's rules.
    repo.git(&["checkout", "-q", "main"]);
    repo.write(
        ".agentfence.yaml",
        rules_yaml("paths: {allow: ['src/only/**']}", ""),
    );
    repo.commit("Tighten");
    let out = repo.run(&["check", "--pusher", "dev", "--format", "json", "main...pr"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert!(
        json["violations"]
            .as_array()
            .expect("array")
            .iter()
            .any(|v| v["message"]
                .as_str()
                .is_some_and(|m| m.contains("src/only/**"))),
        "{json:#}"
    );
}

#[test]
fn check_without_a_trusted_base_refuses_to_guess() {
    let repo = loosening_pr();
    for range in [vec!["pr"], vec!["^main", "^pr~2", "pr"], vec!["--all"]] {
        let mut args = vec!["check", "--pusher", "dev"];
        args.extend(range.iter());
        let out = repo.run(&args);
        assert_eq!(code(&out), 2, "{range:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("--base") && err.contains("--rules"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    // With a base it judges (and rejects).
    let out = repo.run(&["check", "--pusher", "dev", "--base", "main", "pr"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
}

// ---- Class 8: plumbing that failed open.

#[test]
fn a_marker_whose_value_is_not_utf8_still_marks_the_agent() {
    use std::os::unix::ffi::OsStrExt;
    let repo = TestRepo::new();
    repo.write("README.md", "x\n");
    repo.commit("Base");
    let outside = tempfile::tempdir().expect("temp dir");
    let rules = outside.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "version: 1\nagents:\n  - name: bot\n    match: {env: [CLAUDECODE]}\n    policy: agents\npolicies:\n  agents:\n    paths: {deny: ['.github/**']}\n",
    )
    .expect("rules");
    repo.write(".github/workflows/ci.yml", "on: push\n");
    repo.git(&["add", "-A"]);
    let out = repo
        .agentfence()
        .arg("pre-commit")
        .arg("--rules")
        .arg(&rules)
        .env("CLAUDECODE", std::ffi::OsStr::from_bytes(b"\xff1"))
        .output()
        .expect("run");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("path-denied"), "{}", stderr(&out));
}

#[test]
fn check_all_fails_on_a_ref_it_cannot_resolve() {
    let repo = TestRepo::new();
    repo.write("a", "a\n");
    repo.commit("Base");
    let missing = "1234567".repeat(6)[..40].to_owned();
    std::fs::write(
        repo.path().join(".git/refs/heads/broken"),
        format!("{missing}\n"),
    )
    .expect("write ref");
    let out = repo.run(&["stat", "--all"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refs/heads/broken"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn brief_in_an_unreadable_repository_is_an_error_not_the_default_rules() {
    let repo = TestRepo::new();
    std::fs::write(repo.path().join(".git/HEAD"), "garbage\n").expect("break HEAD");
    let out = repo.run(&["brief"]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(stdout(&out).is_empty());
}

#[test]
fn pre_push_under_the_framework_never_invents_the_pushed_ref() {
    let (_server, client) = setup("refs: {allow: ['refs/heads/agent/**']}\nforbid: [force-push]");
    client.write("src/a.rs", "a\n");
    let head = bot_commit(&client, "Work");
    let out = push(&client, &["origin", "HEAD:refs/heads/agent/x"], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    client.git(&["fetch", "-q", "origin"]);
    let framework = |vars: &[(&str, &str)]| {
        let mut cmd = client.agentfence();
        cmd.arg("pre-push").env("AGENTFENCE_AGENT", "bot");
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd.output().expect("run")
    };
    // No remote branch named: fail closed, don't judge refs/heads/HEAD.
    let out = framework(&[
        ("PRE_COMMIT_REMOTE_NAME", "origin"),
        ("PRE_COMMIT_TO_REF", &head),
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("PRE_COMMIT_REMOTE_BRANCH"),
        "{}",
        stderr(&out)
    );
    // The real target is judged: main is outside the agent's refs.
    let out = framework(&[
        ("PRE_COMMIT_REMOTE_NAME", "origin"),
        ("PRE_COMMIT_TO_REF", &head),
        ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/main"),
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("ref-scope"), "{}", stderr(&out));
    // Without FROM_REF a rewrite is still a force push (from the remote-tracking ref).
    client.git(&["reset", "-q", "--hard", "HEAD~"]);
    client.write("src/b.rs", "b\n");
    let rewritten = bot_commit(&client, "Rewritten");
    let out = framework(&[
        ("PRE_COMMIT_REMOTE_NAME", "origin"),
        ("PRE_COMMIT_TO_REF", &rewritten),
        ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/agent/x"),
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("force-push"), "{}", stderr(&out));
}
