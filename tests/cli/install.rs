//! `agentfence install`: where hooks go (`core.hooksPath`, `.git/hooks`), that a foreign
//! hook is never overwritten unasked, `--force`, `--uninstall`, and `--brief`.

use std::path::Path;

use crate::support::{TestRepo, code, stderr, stdout};

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o111 == 0o111)
        .unwrap_or(false)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn installs_all_three_hooks_executable_naming_this_binary() {
    let repo = TestRepo::new();
    let out = repo.run(&["install"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for hook in ["pre-commit", "commit-msg", "pre-push"] {
        let path = repo.path().join(".git/hooks").join(hook);
        assert!(is_executable(&path), "{hook}");
        let script = read(&path);
        assert!(script.contains("# agentfence-managed hook"), "{script}");
        let bin = crate::support::bin();
        assert!(
            script.contains(&format!("installed='{}'", bin.display())),
            "{script}"
        );
        assert!(stdout(&out).contains(&path.display().to_string()));
    }
    // Installing again updates agentfence's own hooks without --force.
    let out = repo.run(&["install", "--hook", "pre-commit"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn honours_a_relative_core_hooks_path_from_a_subdirectory() {
    let repo = TestRepo::new();
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    repo.write("sub/dir/file", "x");
    let out = repo
        .agentfence()
        .args(["-C", "sub/dir", "install", "--hook", "commit-msg"])
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let hook = repo.path().join(".githooks/commit-msg");
    assert!(is_executable(&hook));
    assert!(!repo.path().join(".githooks/pre-commit").exists());
    assert!(!repo.path().join(".git/hooks/commit-msg").exists());
    // git really runs it from there: a message for an agent without its task is refused.
    repo.write(".agentfence.yaml", "version: 1\nagents:\n  - {name: bot, match: {env: [BOT]}, policy: p}\npolicies:\n  p: {task: {}}\n");
    repo.commit("Rules");
    repo.write("a.txt", "x");
    repo.git(&["add", "-A"]);
    let out = repo
        .git_cmd()
        .args(["commit", "-q", "-m", "no task"])
        .env("BOT", "1")
        .output()
        .expect("commit");
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains("task-missing"), "{}", stderr(&out));
}

#[test]
fn refuses_a_foreign_hook_then_force_keeps_it_aside_and_uninstall_leaves_foreign_hooks() {
    let repo = TestRepo::new();
    let hooks = repo.path().join(".git/hooks");
    let foreign = "#!/bin/sh\necho lint\n";
    repo.write(".git/hooks/pre-commit", foreign);

    let out = repo.run(&["install"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("not agentfence's"), "{err}");
    assert!(err.contains("agentfence pre-commit"), "how to chain: {err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(read(&hooks.join("pre-commit")), foreign, "untouched");
    assert!(!hooks.join("commit-msg").exists(), "nothing installed");

    let out = repo.run(&["install", "--force"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(read(&hooks.join("pre-commit")).contains("# agentfence-managed hook"));
    assert_eq!(read(&hooks.join("pre-commit.pre-agentfence")), foreign);

    // A foreign pre-push appears later; uninstall removes only agentfence's hooks.
    std::fs::write(hooks.join("pre-push"), foreign).expect("write");
    let out = repo.run(&["install", "--uninstall"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!hooks.join("pre-commit").exists());
    assert!(!hooks.join("commit-msg").exists());
    assert_eq!(read(&hooks.join("pre-push")), foreign);
    assert!(stdout(&out).contains("left"), "{}", stdout(&out));
}

#[test]
fn writes_the_brief_between_markers_and_replaces_an_older_copy() {
    let repo = TestRepo::new();
    repo.write("CLAUDE.md", "# Project notes\n\nBe kind.\n");
    let args = ["install", "--brief", "CLAUDE.md", "--agent", "claude-code"];
    assert_eq!(code(&repo.run(&args)), 0);
    assert_eq!(code(&repo.run(&args)), 0);
    let text = read(&repo.path().join("CLAUDE.md"));
    assert!(text.starts_with("# Project notes\n\nBe kind.\n\n<!-- agentfence brief: begin"));
    assert_eq!(text.matches("agentfence brief: begin").count(), 1, "{text}");
    assert!(text.contains("the boundary of agent claude-code"), "{text}");
    let out = repo.run(&["install", "--uninstall", "--brief", "CLAUDE.md"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        read(&repo.path().join("CLAUDE.md")),
        "# Project notes\n\nBe kind.\n"
    );
}
