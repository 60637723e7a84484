//! `agentfence init` on real repositories: it names the agents whose markers are in the
//! history (Claude Code by its trailer, aider by its author name), writes a valid file with
//! a schema line at the working tree's root, never replaces one without `--force`, and the
//! file it writes, once committed, is the rules `check` enforces.

use crate::support::{TestRepo, code, stderr, stdout};

/// Two Claude Code commits, three aider commits and a person's, newest last.
fn history() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n");
    repo.commit("Start");
    for i in 0..2 {
        repo.write(&format!("src/c{i}.rs"), "fn c() {}\n");
        repo.commit("Add c\n\nCo-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>");
    }
    for i in 0..3 {
        repo.write(&format!("src/a{i}.rs"), "fn a() {}\n");
        repo.git(&["add", "-A"]);
        repo.git_cmd()
            .args(["commit", "-q", "-m", "Add a"])
            .env("GIT_AUTHOR_NAME", "Dev Human (aider)")
            .env("GIT_COMMITTER_NAME", "Dev Human (aider)")
            .status()
            .expect("git commit");
    }
    repo
}

fn read(repo: &TestRepo) -> String {
    std::fs::read_to_string(repo.path().join(".agentfence.yaml")).expect("the file was written")
}

#[test]
fn init_names_the_agents_in_the_history_and_writes_a_valid_file() {
    let repo = history();
    let out = repo.run(&["init"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "read the last 6 commits of HEAD: aider 3, claude-code 2 (1 by no known agent)"
        ),
        "{}",
        stdout(&out)
    );
    let text = read(&repo);
    assert!(
        text.starts_with("# yaml-language-server: $schema=https://"),
        "{text}"
    );
    assert!(text.contains("#   aider        3 commits\n"), "{text}");
    assert!(text.contains("#   claude-code  2 commits\n"), "{text}");
    // The agents seen come first, most commits first; every other preset follows.
    let agents: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- {name: "))
        .filter_map(|l| l.split(',').next())
        .collect();
    assert_eq!(&agents[..2], ["aider", "claude-code"], "{text}");
    assert!(
        agents.contains(&"copilot") && agents.contains(&"codex"),
        "{agents:?}"
    );
    let check = repo.run(&["rules", "check", ".agentfence.yaml"]);
    assert_eq!(code(&check), 0, "{}", stderr(&check));
}

#[test]
fn init_reads_only_the_commits_asked_for() {
    let repo = history();
    let out = repo.run(&["init", "--commits", "2"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("read the last 2 commits of HEAD: aider 2 (0 by no known agent)"),
        "{}",
        stdout(&out)
    );
    assert!(!read(&repo).contains("#   claude-code"));
}

#[test]
fn init_never_replaces_a_file_without_force() {
    let repo = history();
    repo.write(".agentfence.yaml", "version: 1\n# mine\n");
    let out = repo.run(&["init"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(read(&repo), "version: 1\n# mine\n");
    let out = repo.run(&["init", "--force"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(read(&repo).contains("agents:"));
}

#[test]
fn init_writes_at_the_root_from_a_subdirectory_and_refuses_a_bare_repository() {
    let repo = history();
    let sub = repo.path().join("src");
    let out = repo.run(&["-C", sub.to_str().expect("UTF-8"), "init"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(repo.path().join(".agentfence.yaml").is_file());
    assert!(!sub.join(".agentfence.yaml").exists());

    let bare = TestRepo::bare();
    let out = bare.run(&["init"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("bare repository"), "{}", stderr(&out));
}

#[test]
fn init_in_an_empty_repository_lists_every_agent() {
    let repo = TestRepo::new();
    let out = repo.run(&["init"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("no commits yet"), "{}", stdout(&out));
    assert!(read(&repo).contains("{name: claude-code, preset: claude-code"));
}

#[test]
fn the_committed_starter_is_what_check_enforces() {
    let repo = history();
    assert_eq!(code(&repo.run(&["init"])), 0);
    // Tighten the starter: agents may touch src/** only. Committed, it is the base's rules.
    let text = read(&repo).replace(
        "    paths:\n      deny:\n",
        "    paths:\n      allow: ['src/**']\n      deny:\n",
    );
    repo.write(".agentfence.yaml", text);
    repo.commit("Add agentfence rules");
    repo.write("docs/guide.md", "x\n");
    repo.git(&["add", "-A"]);
    repo.git_cmd()
        .args(["commit", "-q", "-m", "Docs"])
        .env("GIT_AUTHOR_NAME", "Dev Human (aider)")
        .status()
        .expect("git commit");
    let out = repo.run(&["check", "HEAD~1..HEAD"]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert!(stdout(&out).contains("path-scope"), "{}", stdout(&out));
    assert!(stdout(&out).contains("aider"), "{}", stdout(&out));
}
