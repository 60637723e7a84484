//! Shell completions and man pages, generated from the real command line: each script
//! parses in its shell (`bash -n`; `zsh -n` and `fish --no-execute` where those shells are
//! installed) and names the real commands and options; the man pages cover every command.

use std::process::{Command, Stdio};

use crate::support::{bin, code, git_env, stderr, stdout};

fn agentfence(args: &[&str]) -> std::process::Output {
    git_env(&mut Command::new(bin()))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run agentfence")
}

fn completions(shell: &str) -> String {
    let out = agentfence(&["completions", shell]);
    assert_eq!(code(&out), 0, "{shell}: {}", stderr(&out));
    let script = stdout(&out);
    for word in ["check", "pre-receive", "init", "format", "pusher"] {
        assert!(script.contains(word), "{shell} completions lack {word}");
    }
    script
}

/// Parses `script` with `shell ARGS FILE`; false when the shell is not installed.
fn parses(shell: &str, args: &[&str], script: &str) -> bool {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("completions");
    std::fs::write(&file, script).expect("write");
    let out = match Command::new(shell).args(args).arg(&file).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return false,
        Err(e) => panic!("running {shell}: {e}"),
    };
    assert!(
        out.status.success(),
        "{shell} cannot parse the completions: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

#[test]
fn bash_completions_parse_and_a_broken_script_would_not() {
    assert!(
        parses("bash", &["-n"], &completions("bash")),
        "bash is required"
    );
    // The check can fail: a truncated script does not parse.
    let script = completions("bash");
    let cut = &script[..script.len() / 2];
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("cut");
    std::fs::write(&file, cut).expect("write");
    let out = Command::new("bash")
        .arg("-n")
        .arg(&file)
        .output()
        .expect("bash");
    assert!(!out.status.success(), "a half script should not parse");
}

#[test]
// A check skipped for a missing shell says so in the test's output.
#[allow(clippy::print_stderr)]
fn zsh_and_fish_completions_parse_where_the_shells_are_installed() {
    let zsh = parses("zsh", &["-n"], &completions("zsh"));
    let fish = parses("fish", &["--no-execute"], &completions("fish"));
    // Elvish and PowerShell cannot be parsed here; they must at least be generated.
    completions("elvish");
    completions("powershell");
    if !zsh || !fish {
        eprintln!("note: zsh installed: {zsh}, fish installed: {fish}; only generated");
    }
}

#[test]
fn an_unknown_shell_is_an_error_listing_the_known_ones() {
    let out = agentfence(&["completions", "tcsh"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    for shell in ["bash", "zsh", "fish"] {
        assert!(err.contains(shell), "{err}");
    }
}

#[test]
fn man_pages_cover_every_command() {
    let out = agentfence(&["man"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let page = stdout(&out);
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq"),
        "{}",
        &page[..80.min(page.len())]
    );
    assert!(page.contains(".TH agentfence 1"), "{page}");
    assert!(page.contains("agentfence\\-check"), "{page}");

    let dir = tempfile::tempdir().expect("temp dir");
    let out = agentfence(&["man", "--out-dir", dir.path().to_str().expect("UTF-8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    for page in [
        "agentfence.1",
        "agentfence-check.1",
        "agentfence-pre-receive.1",
        "agentfence-init.1",
        "agentfence-rules.1",
        "agentfence-rules-check.1",
        "agentfence-completions.1",
    ] {
        assert!(files.iter().any(|f| f == page), "{page} missing: {files:?}");
    }
    assert_eq!(stdout(&out).lines().count(), files.len());
    let check = std::fs::read_to_string(dir.path().join("agentfence-check.1")).expect("read");
    assert!(check.contains("Exit status"), "{check}");
}
