//! `agentfence demo`, the quick start's first command: it must show a real rejection of an
//! agent's push and a real acceptance of a person's, through the real hook, and leave the
//! server in the state those outcomes imply.

use std::process::Stdio;

use crate::support::{TestRepo, bin, code, git_env, stderr, stdout};

fn demo(args: &[&str]) -> std::process::Output {
    git_env(&mut std::process::Command::new(bin()))
        .arg("demo")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run agentfence demo")
}

#[test]
fn the_demo_rejects_the_agents_ci_edit_and_accepts_the_persons() {
    let keep = tempfile::tempdir().expect("temp dir");
    let dir = keep.path().join("demo");
    let out = demo(&["--dir", dir.to_str().expect("UTF-8 temp path")]);
    let text = stdout(&out);
    assert_eq!(code(&out), 0, "{text}\n{}", stderr(&out));
    // Every push shows the hook's own verdict line, as the pusher sees it.
    assert_eq!(
        text.matches("remote: agentfence: accepted").count(),
        3,
        "{text}"
    );
    assert_eq!(
        text.matches("remote: agentfence: rejected").count(),
        1,
        "{text}"
    );
    assert!(
        text.contains("path-denied  claude-code  .github/workflows/ci.yml"),
        "{text}"
    );
    assert!(text.contains("[remote rejected] agent/ci"), "{text}");
    // No line ends with the padding git adds to sideband lines.
    assert!(text.lines().all(|l| l == l.trim_end()), "{text}");

    // The server holds exactly what was accepted, and its HEAD names main.
    let server = dir.join("server.git");
    let refs = git_env(&mut std::process::Command::new("git"))
        .args(["for-each-ref", "--format=%(refname)"])
        .current_dir(&server)
        .output()
        .expect("git for-each-ref");
    assert_eq!(
        stdout(&refs),
        "refs/heads/agent/greeting\nrefs/heads/main\nrefs/heads/person/ci\n"
    );
    let head = git_env(&mut std::process::Command::new("git"))
        .args(["symbolic-ref", "HEAD"])
        .current_dir(&server)
        .output()
        .expect("git symbolic-ref");
    assert_eq!(stdout(&head), "refs/heads/main\n");
}

#[test]
fn the_demo_cleans_up_after_itself_and_refuses_a_non_empty_dir() {
    // Without --dir it says where it works, and that directory is gone afterwards.
    let out = demo(&[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let dir = text
        .lines()
        .find_map(|l| l.strip_prefix("Working in "))
        .and_then(|l| l.split(" (").next())
        .expect("the demo names its directory");
    assert!(!std::path::Path::new(dir).exists(), "{dir} was left behind");

    let repo = TestRepo::new();
    repo.write("keep.txt", "mine\n");
    let out = demo(&["--dir", repo.path().to_str().expect("UTF-8 temp path")]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("is not empty"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(repo.path().join("keep.txt")).expect("untouched"),
        "mine\n"
    );
}
