//! `agentfence rules check|default` against the fixtures and the shipped examples.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::{bin, code, git_env, stderr, stdout};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `agentfence rules check FILE` in `dir`.
fn rules_check(dir: &Path, file: &str) -> std::process::Output {
    let mut cmd = Command::new(bin());
    git_env(&mut cmd)
        .current_dir(dir)
        .args(["rules", "check", file])
        .stdin(Stdio::null())
        .output()
        .expect("run agentfence")
}

#[test]
fn invalid_fixtures_report_exactly_their_expected_lines() {
    let dir = root().join("fixtures/rules/invalid");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("fixtures dir")
        .filter_map(|e| {
            let name = e.expect("entry").file_name().into_string().expect("utf-8");
            name.strip_suffix(".yaml").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 25, "only {} invalid fixtures", names.len());
    let mut failures = Vec::new();
    for name in &names {
        let file = format!("{name}.yaml");
        let expected = std::fs::read_to_string(dir.join(format!("{name}.expected")))
            .unwrap_or_else(|_| panic!("{name}.expected is missing"));
        let out = rules_check(&dir, &file);
        let err = stderr(&out);
        if code(&out) != 2 || err != expected || !stdout(&out).is_empty() {
            failures.push(format!(
                "{name}: exit {}\n--- expected\n{expected}--- got\n{err}",
                code(&out)
            ));
            continue;
        }
        for line in err.lines() {
            let rest = line
                .strip_prefix(&format!("agentfence: {file}"))
                .unwrap_or_else(|| panic!("{name}: line does not name the file: {line}"));
            // Every problem in a file that parsed as YAML text names line and column.
            if !matches!(name.as_str(), "empty" | "comments-only" | "binary") {
                let mut parts = rest.splitn(4, ':');
                assert_eq!(parts.next(), Some(""), "{line}");
                let l: usize = parts.next().and_then(|p| p.parse().ok()).expect(line);
                let c: usize = parts.next().and_then(|p| p.parse().ok()).expect(line);
                assert!(l >= 1 && c >= 1, "{line}");
            }
            assert!(
                !line.contains("panicked") && !line.contains("RUST_BACKTRACE"),
                "{line}"
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_file_with_several_problems_reports_each() {
    let dir = root().join("fixtures/rules/invalid");
    let out = rules_check(&dir, "several-problems.yaml");
    assert_eq!(code(&out), 2);
    assert_eq!(stderr(&out).lines().count(), 8, "{}", stderr(&out));
}

#[test]
fn shipped_examples_and_contract_example_are_valid() {
    let r = root();
    // Warnings: ref rules that bind agents known only by their commits' markers.
    for (dir, file, summary, warnings) in [
        (
            "rules",
            "default.yaml",
            "default.yaml: valid (21 agents, 1 policy, 0 tasks)\n",
            1,
        ),
        (
            "rules",
            "strict.yaml",
            "strict.yaml: valid (4 agents, 1 policy, 4 tasks)\n",
            0,
        ),
        (
            "rules",
            "team.yaml",
            "team.yaml: valid (5 agents, 3 policies, 0 tasks)\n",
            2,
        ),
        (
            "fixtures/rules",
            "contract-example.yaml",
            "contract-example.yaml: valid (1 agent, 2 policies, 1 task)\n",
            0,
        ),
    ] {
        let out = rules_check(&r.join(dir), file);
        assert_eq!(code(&out), 0, "{file}: {}", stderr(&out));
        assert_eq!(stdout(&out), summary);
        let err = stderr(&out);
        assert_eq!(err.lines().count(), warnings, "{file}: {err}");
        assert!(
            err.lines().all(|l| l.starts_with("agentfence: warning: ")),
            "{err}"
        );
    }
}

#[test]
fn contract_example_is_the_contracts_own() {
    let ours = std::fs::read_to_string(root().join("fixtures/rules/contract-example.yaml"))
        .expect("fixture");
    assert!(ours.starts_with("version: 1\n\nagents:"));
    assert!(ours.contains("expires: 2026-12-31      # optional: a date or an RFC 3339 time"));
}

#[test]
fn rules_default_prints_the_embedded_rules_which_check_clean() {
    let out = Command::new(bin())
        .args(["rules", "default"])
        .output()
        .expect("run");
    assert_eq!(code(&out), 0);
    let printed = stdout(&out);
    let on_disk = std::fs::read_to_string(root().join("rules/default.yaml")).expect("file");
    assert_eq!(printed, on_disk);
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::write(tmp.path().join(".agentfence.yaml"), printed).expect("write");
    // No FILE: .agentfence.yaml in the working directory (or -C DIR).
    let out = Command::new(bin())
        .args(["-C"])
        .arg(tmp.path())
        .args(["rules", "check"])
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).ends_with(".agentfence.yaml: valid (21 agents, 1 policy, 0 tasks)\n"));
}

#[test]
fn unreadable_and_oversized_files_fail_closed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = rules_check(tmp.path(), "missing.yaml");
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).starts_with("agentfence: missing.yaml: cannot read rules file: "),
        "{}",
        stderr(&out)
    );

    let mut big = String::from("version: 1\n");
    while big.len() <= 1024 * 1024 {
        big.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(tmp.path().join("big.yaml"), &big).expect("write");
    let out = rules_check(tmp.path(), "big.yaml");
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        format!(
            "agentfence: big.yaml: rules file is {} bytes; the limit is 1048576 bytes\n",
            big.len()
        )
    );

    std::fs::write(tmp.path().join("latin1.yaml"), b"version: 1\n# caf\xe9\n").expect("write");
    let out = rules_check(tmp.path(), "latin1.yaml");
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        "agentfence: latin1.yaml: not a rules file: it is not valid UTF-8 (byte 16)\n"
    );
}

#[test]
fn every_rule_id_has_a_heading_in_the_docs() {
    let docs = std::fs::read_to_string(root().join("docs/rules.md")).expect("docs/rules.md");
    for id in agentfence::violation::RuleId::ALL {
        let heading = format!("### `{}`", id.as_str());
        assert!(
            docs.lines().any(|l| l.trim_end() == heading),
            "docs/rules.md has no heading {heading}"
        );
    }
}

#[test]
fn rules_check_warns_when_ref_rules_bind_agents_only_by_their_commits() {
    let r = root();
    let out = rules_check(&r.join("rules"), "default.yaml");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("agentfence: warning: default.yaml:")
            && err.contains("policies.agents.refs: restricts refs, but no agent that uses it"),
        "{err}"
    );
    // strict.yaml's agents policy has a pusher-bound agent: nothing to warn about.
    let out = rules_check(&r.join("rules"), "strict.yaml");
    assert_eq!((code(&out), stderr(&out)), (0, String::new()));
}
