//! The command line as git and ripgrep users expect it: options before or after positional
//! arguments, `--` to end options, suggestions for misspelt options and commands, and a
//! `--help` for every command that lists its exit status, environment and an example.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::support::{TestRepo, bin, code, git_env, stderr, stdout};

/// A repository with an agent's commit that crosses the default rules (path-denied), on
/// top of a person's commit, plus a message file for commit-msg.
fn repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("README.md", "hello\n");
    repo.commit("Base");
    repo.write(".github/workflows/ci.yml", "on: push\n");
    repo.commit("Edit CI\n\nCo-Authored-By: Claude <noreply@anthropic.com>");
    repo.write(
        "msg.txt",
        "Edit CI\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
    );
    repo
}

/// Runs agentfence in `repo` with `stdin`.
fn run_with(repo: &TestRepo, args: &[&str], stdin: &str) -> Output {
    let mut child = repo
        .agentfence()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run agentfence");
    let mut input = child.stdin.take().expect("stdin");
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    child.wait_with_output().expect("wait")
}

/// Runs both spellings and asserts they behave identically; returns the output.
fn same(repo: &TestRepo, before: &[&str], after: &[&str], stdin: &str) -> Output {
    let a = run_with(repo, before, stdin);
    let b = run_with(repo, after, stdin);
    assert_eq!(
        (code(&a), stdout(&a), stderr(&a)),
        (code(&b), stdout(&b), stderr(&b)),
        "{before:?} vs {after:?}"
    );
    a
}

#[test]
fn check_takes_options_after_its_ranges() {
    let repo = repo();
    let out = same(
        &repo,
        &["check", "--format", "json", "--audit", "HEAD~1..HEAD"],
        &["check", "HEAD~1..HEAD", "--format", "json", "--audit"],
        "",
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON report");
    assert_eq!(json["violations"][0]["rule"], "path-denied");
    // Options between two ranges, and the verdict without --audit.
    let out = same(
        &repo,
        &["check", "--format", "json", "^HEAD~1", "HEAD"],
        &["check", "^HEAD~1", "--format", "json", "HEAD"],
        "",
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
}

#[test]
fn double_dash_ends_options() {
    let repo = repo();
    // After `--`, `--format` is a revision (which does not exist): exit 2, named.
    let out = repo.run(&["check", "HEAD~1..HEAD", "--", "--format"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("'--format'"), "{}", stderr(&out));
    // And a real range after `--` is checked as usual, with options before it.
    let out = repo.run(&["check", "--format", "json", "--", "HEAD~1..HEAD"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stdout(&out).starts_with('{'));
}

#[test]
fn stat_takes_options_after_its_ranges_and_still_matches_git() {
    let repo = repo();
    let out = same(
        &repo,
        &["stat", "--threads", "1", "HEAD"],
        &["stat", "HEAD", "--threads", "1"],
        "",
    );
    let git = repo.git(&[
        "-c",
        "core.quotePath=false",
        "log",
        "--numstat",
        "--no-renames",
        "--diff-merges=first-parent",
        "--format=%H",
        "HEAD",
    ]);
    assert_eq!(stdout(&out), git);
    // --all as an option, anywhere.
    let all = repo.run(&["stat", "--all"]);
    assert_eq!(stdout(&all), git);
}

#[test]
fn explain_takes_options_after_its_revisions() {
    let repo = repo();
    let out = same(
        &repo,
        &["explain", "--format", "json", "HEAD"],
        &["explain", "HEAD", "--format", "json"],
        "",
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(json["commits"][0]["agent"], "claude-code");
}

#[test]
fn commit_msg_takes_options_after_its_file() {
    let repo = repo();
    repo.write(".github/workflows/ci.yml", "on: [push]\n");
    repo.git(&["add", "-A"]);
    let out = same(
        &repo,
        &["commit-msg", "--format", "json", "msg.txt"],
        &["commit-msg", "msg.txt", "--format", "json"],
        "",
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).trim_start().starts_with('{'),
        "{}",
        stderr(&out)
    );
}

#[test]
fn pre_push_takes_options_after_remote_and_url() {
    let repo = repo();
    let head = repo.rev("HEAD");
    let zero = "0".repeat(40);
    let stdin = format!("refs/heads/main {head} refs/heads/main {zero}\n");
    let out = same(
        &repo,
        &["pre-push", "--format", "json", "origin", "file:///nowhere"],
        &["pre-push", "origin", "--format", "json", "file:///nowhere"],
        &stdin,
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("\"path-denied\""), "{}", stderr(&out));
}

#[test]
fn rules_check_and_completions_take_global_options_after_positionals() {
    let repo = repo();
    repo.write(".agentfence.yaml", "version: 1\n");
    let file = repo.path().join(".agentfence.yaml");
    let file = file.to_str().expect("UTF-8 temp path");
    let dir = repo.path().to_str().expect("UTF-8 temp path");
    let out = same(
        &repo,
        &["-C", dir, "rules", "check", file],
        &["rules", "check", file, "-C", dir],
        "",
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = same(
        &repo,
        &["-C", dir, "completions", "bash"],
        &["completions", "bash", "-C", dir],
        "",
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn a_misspelt_option_or_command_is_an_error_that_suggests_the_real_one() {
    let repo = repo();
    let out = repo.run(&["check", "HEAD~1..HEAD", "--fromat", "json"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("unexpected argument '--fromat'"), "{err}");
    assert!(err.contains("'--format'"), "{err}");
    let out = repo.run(&["chekc", "HEAD"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("'check'"), "{}", stderr(&out));
    let out = repo.run(&["pre-receive", "--pushr", "x"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("'--pusher'"), "{}", stderr(&out));
}

/// The command names a `--help` page lists under "Commands:".
fn commands_of(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

fn help(args: &[&str]) -> String {
    let out = git_env(&mut Command::new(bin()))
        .args(args)
        .arg("--help")
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "{args:?} --help");
    stdout(&out)
}

#[test]
fn every_commands_help_lists_exit_status_environment_and_an_example() {
    let top = help(&[]);
    let mut pages = vec![(Vec::<String>::new(), top.clone())];
    let commands = commands_of(&top);
    for required in [
        "check",
        "pre-receive",
        "pre-commit",
        "commit-msg",
        "pre-push",
        "init",
        "demo",
        "rules",
        "completions",
        "man",
    ] {
        assert!(
            commands.iter().any(|c| c == required),
            "{required}: {commands:?}"
        );
    }
    for command in commands {
        let page = help(&[&command]);
        for sub in commands_of(&page) {
            let sub_page = help(&[&command, &sub]);
            pages.push((vec![command.clone(), sub], sub_page));
        }
        pages.push((vec![command], page));
    }
    for (path, page) in &pages {
        assert!(page.contains("Exit status"), "{path:?}:\n{page}");
        assert!(page.contains("Environment"), "{path:?}:\n{page}");
        assert!(page.contains("Example"), "{path:?}:\n{page}");
        // The example runs agentfence itself.
        let example = page
            .lines()
            .skip_while(|l| !l.starts_with("Example"))
            .nth(1)
            .unwrap_or("");
        assert!(example.contains("agentfence"), "{path:?}: {example}");
    }
    // Every judging command documents all three exit codes.
    for (path, page) in &pages {
        if let Some(name) = path.first()
            && [
                "check",
                "pre-receive",
                "pre-commit",
                "commit-msg",
                "pre-push",
            ]
            .contains(&name.as_str())
        {
            for code in ["0  ", "1  ", "2  "] {
                assert!(page.contains(code), "{path:?} lacks exit code {code}");
            }
        }
    }
}
