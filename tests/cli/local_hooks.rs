//! The local hooks through real `git commit` and `git push`, after `agentfence install`:
//! the staged change, the message, the push, the acting agent found by an env marker, a
//! trailer marker or `--agent`, and bad input that must fail closed without a panic.

use std::process::{Output, Stdio};

use crate::support::{TestRepo, code, stderr};

/// claude-code (preset: CLAUDECODE=1, its Co-Authored-By trailer) may change `src/**` on
/// `agent/**` branches, under a granted task.
const RULES: &str = "version: 1
agents:
  - name: claude-code
    preset: claude-code
    policy: agents
policies:
  agents:
    refs: {allow: ['refs/heads/agent/**']}
    paths: {allow: ['src/**']}
    task: {registry: true}
    forbid: [ref-deletion, force-push]
tasks:
  T-1: {paths: ['src/**']}
  T-2: {paths: ['src/ui/**']}
";

/// A repository whose HEAD commit holds the rules, with the hooks installed.
fn setup() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(".agentfence.yaml", RULES);
    repo.write("src/lib.rs", "fn a() {}\n");
    repo.commit("Base");
    let out = repo.run(&["install"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    repo
}

/// `git commit -m message` of everything, with extra environment.
fn git_commit(repo: &TestRepo, message: &str, env: &[(&str, &str)]) -> Output {
    repo.git(&["add", "-A"]);
    let mut cmd = repo.git_cmd();
    cmd.args(["commit", "-q", "-m", message]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run git commit")
}

const CLAUDE: &[(&str, &str)] = &[("CLAUDECODE", "1")];

#[test]
fn an_out_of_scope_staged_file_blocks_the_agents_commit_and_no_commit_is_made() {
    let repo = setup();
    let before = repo.rev("HEAD");
    repo.write("docs/notes.md", "x\n");
    let out = git_commit(&repo, "Notes\n\nTask: T-1", CLAUDE);
    assert_ne!(code(&out), 0);
    let err = stderr(&out);
    assert!(err.contains("path-scope"), "{err}");
    assert!(err.contains("docs/notes.md"), "{err}");
    assert!(err.contains("staged"), "{err}");
    assert_eq!(repo.rev("HEAD"), before, "no commit is made");

    // Without the marker the same commit is a human's: unchecked.
    let out = git_commit(&repo, "Notes\n\nTask: T-1", &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_ne!(repo.rev("HEAD"), before);
}

#[test]
fn a_missing_task_blocks_at_commit_msg_and_a_granted_one_passes() {
    let repo = setup();
    let before = repo.rev("HEAD");
    repo.write("src/x.rs", "fn x() {}\n");
    let out = git_commit(&repo, "Add x", CLAUDE);
    assert_ne!(code(&out), 0);
    let err = stderr(&out);
    assert!(err.contains("task-missing"), "{err}");
    assert_eq!(repo.rev("HEAD"), before);

    // task-scope needs the staged paths: T-2 covers only src/ui/**.
    let out = git_commit(&repo, "Add x\n\nTask: T-2", CLAUDE);
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains("task-scope"), "{}", stderr(&out));

    let out = git_commit(&repo, "Add x\n\nTask: T-1", CLAUDE);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_ne!(repo.rev("HEAD"), before);
}

#[test]
fn a_trailer_marker_attributes_the_commit_without_any_env_marker() {
    let repo = setup();
    let before = repo.rev("HEAD");
    repo.write("docs/notes.md", "x\n");
    let message = "Notes\n\nTask: T-1\nCo-Authored-By: Claude <noreply@anthropic.com>";
    let out = git_commit(&repo, message, &[]);
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains("path-scope"), "{}", stderr(&out));
    assert_eq!(repo.rev("HEAD"), before);
}

#[test]
fn agentfence_agent_names_the_agent_and_an_unknown_name_fails_closed() {
    let repo = setup();
    repo.write("docs/notes.md", "x\n");
    let out = git_commit(
        &repo,
        "N\n\nTask: T-1",
        &[("AGENTFENCE_AGENT", "claude-code")],
    );
    assert!(stderr(&out).contains("path-scope"), "{}", stderr(&out));
    let out = git_commit(&repo, "N\n\nTask: T-1", &[("AGENTFENCE_AGENT", "claude")]);
    assert_ne!(code(&out), 0);
    assert!(
        stderr(&out).contains("\"claude\" is not defined"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn rules_come_from_head_never_from_the_working_tree_or_the_index() {
    let repo = setup();
    // The agent loosens the rules in the same commit: the committed rules still apply,
    // and changing the rules file is itself denied.
    repo.write(
        ".agentfence.yaml",
        RULES.replace("['src/**']}\n    task", "['**']}\n    task"),
    );
    repo.write("docs/notes.md", "x\n");
    let out = git_commit(&repo, "Loosen\n\nTask: T-1", CLAUDE);
    assert_ne!(code(&out), 0);
    let err = stderr(&out);
    assert!(
        err.contains("path-denied") && err.contains(".agentfence.yaml"),
        "{err}"
    );
    assert!(err.contains("docs/notes.md"), "{err}");
}

#[test]
fn a_hook_that_errors_blocks_the_commit() {
    let repo = setup();
    let before = repo.rev("HEAD");
    repo.write("src/x.rs", "fn x() {}\n");
    let out = git_commit(
        &repo,
        "x\n\nTask: T-1",
        &[("AGENTFENCE_RULES", "/nonexistent/rules.yaml")],
    );
    assert_ne!(code(&out), 0);
    let err = stderr(&out);
    assert!(
        err.contains("agentfence:") && err.contains("/nonexistent/rules.yaml"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(repo.rev("HEAD"), before);
}

#[test]
fn commit_all_uses_the_temporary_index_git_hands_the_hook() {
    let repo = setup();
    repo.write("README.md", "x\n");
    repo.commit("Readme (human)");
    let before = repo.rev("HEAD");
    repo.write("README.md", "changed\n");
    // Nothing staged in .git/index; `git commit -a` stages into a temporary index.
    let mut cmd = repo.git_cmd();
    let out = cmd
        .args(["commit", "-q", "-a", "-m", "x\n\nTask: T-1"])
        .env("CLAUDECODE", "1")
        .output()
        .expect("git commit -a");
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains("README.md"), "{}", stderr(&out));
    assert_eq!(repo.rev("HEAD"), before);
}

/// A bare remote `origin` holding `main` (pushed by a human, before the hooks exist).
fn with_remote(repo: &TestRepo) -> TestRepo {
    let remote = TestRepo::bare();
    let path = remote.path().to_str().expect("utf-8 temp path").to_owned();
    repo.git(&["remote", "add", "origin", &path]);
    let mut cmd = repo.git_cmd();
    let out = cmd
        .args(["push", "-q", "--no-verify", "origin", "main"])
        .output()
        .expect("push");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    remote
}

fn git_push(repo: &TestRepo, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = repo.git_cmd();
    cmd.arg("push").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run git push")
}

#[test]
fn pre_push_blocks_the_agents_push_to_main_and_the_remote_is_unchanged() {
    let repo = setup();
    let remote = with_remote(&repo);
    let remote_main = remote.rev("refs/heads/main");
    repo.write("src/x.rs", "fn x() {}\n");
    let out = git_commit(&repo, "x\n\nTask: T-1", CLAUDE);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    let out = git_push(&repo, &["origin", "main"], CLAUDE);
    assert_ne!(code(&out), 0);
    let err = stderr(&out);
    assert!(
        err.contains("ref-scope") && err.contains("refs/heads/main"),
        "{err}"
    );
    assert_eq!(
        remote.rev("refs/heads/main"),
        remote_main,
        "remote unchanged"
    );

    // The same commit to an agent branch passes.
    let out = git_push(&repo, &["origin", "main:refs/heads/agent/x"], CLAUDE);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(remote.rev("refs/heads/agent/x"), repo.rev("HEAD"));
}

#[test]
fn pre_push_judges_only_the_commits_the_remote_lacks() {
    let repo = setup();
    let remote = with_remote(&repo);
    // A human commit outside src/ already on the remote, then the agent's commit.
    repo.write("docs/human.md", "x\n");
    repo.commit("Human docs");
    let out = git_push(&repo, &["-q", "origin", "main:refs/heads/agent/y"], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    repo.git(&["fetch", "-q", "origin"]);
    repo.write("src/y.rs", "fn y() {}\n");
    let out = git_commit(&repo, "y\n\nTask: T-1", CLAUDE);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = git_push(&repo, &["origin", "main:refs/heads/agent/y"], CLAUDE);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(remote.rev("refs/heads/agent/y"), repo.rev("HEAD"));

    // The human's commit, unpushed, would be the agent's in its push: blocked.
    repo.write("docs/more.md", "x\n");
    repo.commit("More docs");
    let out = git_push(&repo, &["origin", "main:refs/heads/agent/y"], CLAUDE);
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains("docs/more.md"), "{}", stderr(&out));
}

/// Runs `agentfence pre-push origin URL` by hand with `stdin`.
fn pre_push(repo: &TestRepo, stdin: &str, env: &[(&str, &str)]) -> Output {
    use std::io::Write;
    let mut cmd = repo.agentfence();
    cmd.args(["pre-push", "origin", "/nowhere"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

#[test]
fn pre_push_of_a_deleted_remote_branch_checks_ref_rules_only() {
    let repo = setup();
    let head = repo.rev("HEAD");
    let zero = "0".repeat(40);
    let line = format!("(delete) {zero} refs/heads/agent/old {head}\n");
    let out = pre_push(&repo, &line, CLAUDE);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("ref-deletion") && err.contains("0 commits"),
        "{err}"
    );
    // A remote tip this repository has never seen cannot be an ancestor: a force push.
    let unknown = "1234567890123456789012345678901234567890";
    let line = format!("refs/heads/main {head} refs/heads/agent/z {unknown}\n");
    let out = pre_push(&repo, &line, CLAUDE);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("force-push"), "{}", stderr(&out));
    // Nothing to push, and garbage.
    assert_eq!(code(&pre_push(&repo, "", CLAUDE)), 0);
    let out = pre_push(&repo, "not a line\n", CLAUDE);
    assert_eq!(code(&out), 2);
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}

#[test]
fn bad_input_gives_one_clear_line_or_the_right_answer() {
    // A missing message file.
    let repo = setup();
    let out = repo.run(&["commit-msg", "/nonexistent/COMMIT_EDITMSG"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/COMMIT_EDITMSG"), "{err}");

    // A repository with no commits yet: the staged change against the empty tree, under
    // the embedded default rules.
    let empty = TestRepo::new();
    empty.write(".github/workflows/ci.yml", "x\n");
    empty.git(&["add", "-A"]);
    let out = empty
        .agentfence()
        .arg("pre-commit")
        .env("CLAUDECODE", "1")
        .output()
        .expect("run");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains(".github/workflows/ci.yml"),
        "{}",
        stderr(&out)
    );
    let out = empty.run(&["pre-commit"]);
    assert_eq!(code(&out), 0, "a human is unchecked: {}", stderr(&out));

    // A detached HEAD.
    repo.git(&["checkout", "-q", "--detach"]);
    repo.write("docs/x.md", "x\n");
    repo.git(&["add", "-A"]);
    let out = repo
        .agentfence()
        .arg("pre-commit")
        .env("CLAUDECODE", "1")
        .output()
        .expect("run");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("docs/x.md"), "{}", stderr(&out));

    // Outside any repository.
    let dir = tempfile::tempdir().expect("tmp");
    let out = crate::support::git_env(&mut std::process::Command::new(crate::support::bin()))
        .current_dir(dir.path())
        .arg("pre-commit")
        .output()
        .expect("run");
    assert_eq!(code(&out), 2);
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}

#[test]
fn commit_msg_reads_the_message_as_git_will_store_it() {
    let repo = setup();
    repo.write("src/x.rs", "fn x() {}\n");
    repo.git(&["add", "-A"]);
    let run = |message: &str| {
        repo.write(".git/MSG", message);
        repo.agentfence()
            .args(["commit-msg", ".git/MSG"])
            .env("CLAUDECODE", "1")
            .output()
            .expect("run")
    };
    // A Task trailer after the scissors line (git commit -v) is cut away with the diff.
    let verbose = "x\n\n# Please enter the commit message\n# ------------------------ >8 ------------------------\n# Do not modify or remove the line above.\ndiff --git a/src/x.rs b/src/x.rs\n\nTask: T-1\n";
    assert_eq!(code(&run(verbose)), 1);
    // Comment lines between trailers are dropped as git's cleanup drops them.
    assert_eq!(code(&run("x\n\n# a comment\nTask: T-1\n# another\n")), 0);
    // With core.commentChar=';' the ';' lines are comments.
    repo.git(&["config", "core.commentChar", ";"]);
    assert_eq!(
        code(&run("x\n\nTask: T-1\n; Please enter the commit message\n")),
        0
    );
}

#[test]
fn pre_push_under_the_pre_commit_framework_reads_its_variables() {
    let repo = setup();
    let head = repo.rev("HEAD");
    let run = |env: &[(&str, &str)]| {
        let mut cmd = repo.agentfence();
        cmd.arg("pre-push").stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run")
    };
    let out = run(&[
        ("CLAUDECODE", "1"),
        ("PRE_COMMIT_REMOTE_NAME", "origin"),
        ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/main"),
        ("PRE_COMMIT_TO_REF", &head),
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("ref-scope"), "{}", stderr(&out));
    let out = run(&[]);
    assert_eq!(code(&out), 2);
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}

#[test]
fn a_local_commit_is_not_judged_unverified_before_git_signs_it_but_the_server_side_check_is() {
    let repo = TestRepo::new();
    std::fs::create_dir_all(repo.path().join(".agentfence")).expect("mkdir");
    repo.write(".agentfence/allowed_signers", "# no keys yet\n");
    repo.write(
        ".agentfence.yaml",
        "version: 1
agents:
  - {name: bot, match: {trailer: {Agent: '^bot$'}}, policy: agents}
signatures:
  allowed_signers: .agentfence/allowed_signers
  unverified_policy: agents
policies:
  agents:
    paths: {deny: ['.github/**']}
",
    );
    repo.write("README.md", "x\n");
    repo.commit("Base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write(".github/workflows/ci.yml", "on: push\n");
    repo.git(&["add", "-A"]);
    // A person's staged change: the commit is not signed yet, so it is not "unverified".
    let out = repo.run(&["pre-commit"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // Committed unsigned, it is judged as the agents' work where signatures are seen.
    repo.git(&["commit", "-q", "-m", "CI change, unsigned"]);
    let out = repo.run(&["check", "--format", "json", "main..topic"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["violations"][0]["rule"], "path-denied", "{json:#}");
}
