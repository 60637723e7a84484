//! `agentfence check` on real repositories: every rule id failing at limit + 1 and passing
//! at the limit, evasion tricks, ordering, audit and warn modes, report formats.

use serde_json::Value;

use crate::support::{TestRepo, code, stderr, stdout};

/// A rules file with one agent `bot` (trailer `Agent: bot`, or pusher `svc-bot`) under
/// policy `agents` whose body is `policy`, plus `extra` top-level YAML.
fn rules_yaml(policy: &str, extra: &str) -> String {
    let mut policy_lines = String::new();
    for line in policy.lines() {
        policy_lines.push_str("    ");
        policy_lines.push_str(line);
        policy_lines.push('\n');
    }
    format!(
        "version: 1\nagents:\n  - name: bot\n    match:\n      trailer: {{Agent: '^bot$'}}\n      pusher: [svc-bot]\n    policy: agents\n  - name: other\n    match:\n      trailer: {{Agent: '^other$'}}\n    policy: agents\npolicies:\n  agents:\n{policy_lines}{extra}"
    )
}

/// A repository whose `main` holds the rules, checked out on a new branch `topic`.
fn setup(policy: &str, extra: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.write(".agentfence.yaml", rules_yaml(policy, extra));
    repo.write("README.md", "base\n");
    repo.write("src/existing.rs", "fn a() {}\n");
    repo.commit("Base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo
}

/// Commits everything as the agent `bot`.
fn bot_commit(repo: &TestRepo, subject: &str) -> String {
    repo.commit(&format!("{subject}\n\nAgent: bot"))
}

/// Runs `check main..topic --format json` plus `args`; returns exit code and the JSON. The
/// rules bind `bot` by pusher, so the series names one: `dev`, a person, unless `args` do.
fn check(repo: &TestRepo, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    if !args.contains(&"--pusher") {
        all.extend(["--pusher", "dev"]);
    }
    all.extend_from_slice(args);
    if !args.iter().any(|a| a.contains("..")) {
        all.push("main..topic");
    }
    let out = repo.run(&all);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}); exit {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            stdout(&out),
            stderr(&out)
        )
    });
    (code(&out), json)
}

/// The rule ids of the report's violations, in order.
fn rule_ids(json: &Value) -> Vec<String> {
    json["violations"]
        .as_array()
        .expect("violations array")
        .iter()
        .map(|v| v["rule"].as_str().expect("rule").to_owned())
        .collect()
}

/// Asserts the check is rejected with exactly these rule ids.
fn assert_rejected(repo: &TestRepo, args: &[&str], want: &[&str]) -> Value {
    let (code, json) = check(repo, args);
    assert_eq!(rule_ids(&json), want, "{json:#}");
    assert_eq!(code, 1, "{json:#}");
    assert_eq!(json["verdict"], "rejected");
    json
}

/// Asserts the check passes with no violation.
fn assert_clean(repo: &TestRepo, args: &[&str]) {
    let (code, json) = check(repo, args);
    assert_eq!(rule_ids(&json), Vec::<String>::new(), "{json:#}");
    assert_eq!(code, 0);
    assert_eq!(json["verdict"], "accepted");
}

fn lines(n: usize) -> String {
    (0..n).map(|i| format!("line {i}\n")).collect()
}

#[test]
fn path_scope_allows_inside_and_rejects_outside() {
    let repo = setup("paths: {allow: ['src/**']}", "");
    repo.write("src/deep/a.rs", "x\n");
    bot_commit(&repo, "Inside");
    assert_clean(&repo, &[]);
    repo.write("lib/b.rs", "x\n");
    bot_commit(&repo, "Outside");
    let json = assert_rejected(&repo, &[], &["path-scope"]);
    let v = &json["violations"][0];
    assert_eq!(v["path"], "lib/b.rs");
    assert_eq!(v["agent"], "bot");
    assert_eq!(v["severity"], "error");
    assert_eq!(v["commit"].as_str().map(str::len), Some(40));
}

#[test]
fn allow_globs_are_case_sensitive_and_star_does_not_cross_slash() {
    let repo = setup("paths: {allow: ['src/*.rs']}", "");
    repo.write("SRC/a.rs", "x\n");
    repo.write("src/nested/b.rs", "x\n");
    bot_commit(&repo, "Case and depth");
    let json = assert_rejected(&repo, &[], &["path-scope", "path-scope"]);
    assert_eq!(json["violations"][0]["path"], "SRC/a.rs");
    assert_eq!(json["violations"][1]["path"], "src/nested/b.rs");
}

#[test]
fn deny_beats_allow_and_catches_case_variants() {
    let repo = setup(
        "paths: {allow: ['**'], deny: ['.github/workflows/**', '**/*.pem']}",
        "",
    );
    repo.write("ok.txt", "x\n");
    bot_commit(&repo, "Fine");
    assert_clean(&repo, &[]);
    repo.write(".GitHub/Workflows/ci.yml", "on: push\n");
    repo.write("keys/Server.PEM", "secret\n");
    bot_commit(&repo, "Sneaky case");
    let json = assert_rejected(&repo, &[], &["path-denied", "path-denied"]);
    assert_eq!(json["violations"][0]["path"], ".GitHub/Workflows/ci.yml");
    assert_eq!(json["violations"][1]["path"], "keys/Server.PEM");
}

#[test]
fn the_rules_file_is_denied_to_agents_whatever_the_policy_says() {
    let repo = setup("paths: {allow: ['**']}", "");
    repo.write(".agentfence.yaml", "version: 1\n");
    bot_commit(&repo, "Loosen the rules");
    let json = assert_rejected(&repo, &[], &["path-denied"]);
    assert_eq!(json["violations"][0]["path"], ".agentfence.yaml");
}

#[test]
fn the_rules_file_denial_survives_case_tricks() {
    let repo = setup("paths: {allow: ['**']}", "");
    repo.write(".AgentFence.YAML", "version: 1\n");
    bot_commit(&repo, "Case trick");
    assert_rejected(&repo, &[], &["path-denied"]);
}

#[test]
fn rules_edited_in_the_series_do_not_apply_to_it() {
    let repo = setup("paths: {allow: ['src/**']}", "");
    // A human loosens the rules inside the series; the bot then goes out of scope.
    repo.write(".agentfence.yaml", rules_yaml("paths: {allow: ['**']}", ""));
    repo.commit("Loosen rules (human)");
    repo.write("lib/out.rs", "x\n");
    bot_commit(&repo, "Out of scope");
    assert_rejected(&repo, &[], &["path-scope"]);
}

#[test]
fn a_rename_is_judged_at_both_paths() {
    let repo = setup("paths: {allow: ['src/**'], deny: ['src/secret/**']}", "");
    repo.write("src/secret/key.txt", "k\n");
    repo.commit("Human adds a secret");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--ff-only", "topic"]);
    repo.git(&["checkout", "-q", "topic"]);
    // Move the secret out of the denied folder: the old path is denied.
    repo.git(&["mv", "src/secret/key.txt", "src/key.txt"]);
    bot_commit(&repo, "Move it out");
    let json = assert_rejected(&repo, &[], &["path-denied"]);
    assert_eq!(json["violations"][0]["path"], "src/secret/key.txt");
    // Move an allowed file into the denied folder: the new path is denied.
    repo.git(&["mv", "src/existing.rs", "src/secret/existing.rs"]);
    bot_commit(&repo, "Move it in");
    let json = assert_rejected(&repo, &[], &["path-denied", "path-denied"]);
    assert_eq!(json["violations"][0]["path"], "src/secret/existing.rs");
}

#[test]
fn a_rename_out_of_scope_is_one_file_and_zero_lines() {
    let repo = setup(
        "paths: {allow: ['src/**']}\nlimits: {commit: {files: 1, lines: 0}}",
        "",
    );
    repo.git(&["mv", "src/existing.rs", "src/renamed.rs"]);
    bot_commit(&repo, "Pure rename");
    assert_clean(&repo, &[]);
    repo.git(&["mv", "src/renamed.rs", "elsewhere.rs"]);
    bot_commit(&repo, "Rename out of scope");
    let json = assert_rejected(&repo, &[], &["path-scope"]);
    assert_eq!(json["violations"][0]["path"], "elsewhere.rs");
}

#[test]
fn commit_limits_pass_at_the_limit_and_fail_one_over() {
    type Make = fn(&TestRepo, usize);
    let cases: [(&str, &str, Make); 4] = [
        ("files: 3", "commit-files", |r, n| {
            for i in 0..n {
                r.write(&format!("src/f{i}.rs"), "x\n");
            }
        }),
        ("lines: 10", "commit-lines", |r, n| {
            r.write("src/a.rs", lines(n));
        }),
        ("added: 10", "commit-added", |r, n| {
            r.write("src/a.rs", lines(n));
        }),
        ("deleted: 10", "commit-deleted", |r, n| {
            r.write("src/big.rs", "");
            let _ = n;
        }),
    ];
    for (limit, rule, make) in cases {
        let at = if rule == "commit-files" { 3 } else { 10 };
        // deleted: prepare a file with `at` (then `at + 1`) lines on main, then empty it.
        let repo = setup(&format!("limits: {{commit: {{{limit}}}}}"), "");
        if rule == "commit-deleted" {
            repo.write("src/big.rs", lines(at));
            repo.commit("Human adds big file");
        }
        make(&repo, at);
        bot_commit(&repo, "At the limit");
        assert_clean(&repo, &["topic~1..topic"]);

        let repo = setup(&format!("limits: {{commit: {{{limit}}}}}"), "");
        if rule == "commit-deleted" {
            repo.write("src/big.rs", lines(at + 1));
            repo.commit("Human adds big file");
        }
        make(&repo, at + 1);
        bot_commit(&repo, "One over");
        let json = assert_rejected(&repo, &["topic~1..topic"], &[rule]);
        assert_eq!(json["violations"][0]["limit"], at as u64, "{rule}");
        assert_eq!(json["violations"][0]["actual"], at as u64 + 1, "{rule}");
    }
}

#[test]
fn binary_files_count_as_files_with_zero_lines() {
    let repo = setup("limits: {commit: {files: 1, lines: 0}}", "");
    repo.write("src/blob.bin", b"\0\x01\x02binary\nmore\nlines\n");
    bot_commit(&repo, "Binary only");
    assert_clean(&repo, &[]);
}

#[test]
fn push_limits_count_one_agents_commits_over_the_series() {
    // commits
    let repo = setup("limits: {push: {commits: 2}}", "");
    for i in 0..2 {
        repo.write(&format!("src/{i}.rs"), "x\n");
        bot_commit(&repo, "c");
    }
    repo.write("human.txt", "x\n");
    repo.commit("Human commits do not count toward the bot's");
    assert_clean(&repo, &[]);
    repo.write("src/3.rs", "x\n");
    bot_commit(&repo, "third");
    let json = assert_rejected(&repo, &[], &["push-commits"]);
    assert_eq!(json["violations"][0]["actual"], 3);
    assert_eq!(json["violations"][0]["commit"], Value::Null);

    // distinct files: the same path twice counts once
    let repo = setup("limits: {push: {files: 2}}", "");
    repo.write("src/a.rs", "1\n");
    bot_commit(&repo, "a");
    repo.write("src/a.rs", "2\n");
    repo.write("src/b.rs", "2\n");
    bot_commit(&repo, "a again and b");
    assert_clean(&repo, &[]);
    repo.write("src/c.rs", "3\n");
    bot_commit(&repo, "c");
    assert_rejected(&repo, &[], &["push-files"]);

    // lines
    let repo = setup("limits: {push: {lines: 10}}", "");
    repo.write("src/a.rs", lines(6));
    bot_commit(&repo, "6 lines");
    repo.write("src/b.rs", lines(4));
    bot_commit(&repo, "4 lines");
    assert_clean(&repo, &[]);
    repo.write("src/c.rs", lines(1));
    bot_commit(&repo, "1 more");
    assert_rejected(&repo, &[], &["push-lines"]);
}

#[test]
fn file_size_passes_at_the_limit_and_fails_one_byte_over() {
    let repo = setup("limits: {file_size: 100}", "");
    repo.write("src/a.txt", vec![b'a'; 100]);
    bot_commit(&repo, "100 bytes");
    assert_clean(&repo, &[]);
    repo.write("src/b.txt", vec![b'b'; 101]);
    bot_commit(&repo, "101 bytes");
    let json = assert_rejected(&repo, &[], &["file-size"]);
    assert_eq!(json["violations"][0]["path"], "src/b.txt");
    assert_eq!(json["violations"][0]["actual"], 101);
}

#[test]
fn task_rules_each_have_their_rule_id() {
    let policy = "task: {pattern: '^[A-Z]+-[0-9]+$', registry: true}";
    let extra = "tasks:\n  OPEN-1: {}\n  OLD-1: {expires: 2020-01-01}\n  OTHER-1: {agents: [other]}\n  UI-1: {paths: ['src/ui/**']}\n";
    let cases = [
        ("Agent: bot", Some("task-missing")),
        ("Agent: bot\nTask: lower-1", Some("task-malformed")),
        (
            "Agent: bot\nTask: OPEN-1\nTask: UI-1",
            Some("task-malformed"),
        ),
        ("Agent: bot\nTask: NOPE-9", Some("task-unknown")),
        ("Agent: bot\nTask: OLD-1", Some("task-expired")),
        ("Agent: bot\nTask: OTHER-1", Some("task-agent")),
        ("Agent: bot\nTask: UI-1", Some("task-scope")),
        ("Agent: bot\nTask: OPEN-1", None),
        ("Agent: bot\ntask: OPEN-1\nTASK: OPEN-1", None),
    ];
    for (trailers, want) in cases {
        let repo = setup(policy, extra);
        repo.write("src/x.rs", "x\n");
        repo.commit(&format!("Work\n\n{trailers}"));
        match want {
            Some(rule) => {
                let json = assert_rejected(&repo, &[], &[rule]);
                assert_eq!(json["violations"][0]["agent"], "bot");
            }
            None => assert_clean(&repo, &[]),
        }
    }
}

#[test]
fn task_expiry_is_judged_at_the_time_of_the_check() {
    let now = time::OffsetDateTime::now_utc();
    let fmt = &time::format_description::well_known::Rfc3339;
    let later = (now + time::Duration::seconds(3600))
        .format(fmt)
        .expect("format");
    let earlier = (now - time::Duration::seconds(1))
        .format(fmt)
        .expect("format");
    for (expires, want) in [(later, None), (earlier, Some("task-expired"))] {
        let extra = format!("tasks:\n  T-1: {{expires: '{expires}'}}\n");
        let repo = setup("task: {registry: true}", &extra);
        repo.write("src/x.rs", "x\n");
        repo.commit("Work\n\nAgent: bot\nTask: T-1");
        match want {
            Some(rule) => {
                assert_rejected(&repo, &[], &[rule]);
            }
            None => assert_clean(&repo, &[]),
        }
    }
}

#[test]
fn forbidden_kinds_of_change() {
    let policy = "forbid: [binary, symlink, submodule, mode-change]";
    let repo = setup(policy, "");
    repo.write("src/plain.rs", "x\n");
    bot_commit(&repo, "Plain");
    assert_clean(&repo, &[]);

    let repo = setup(policy, "");
    repo.write("src/img.bin", b"\x89PNG\0\0data");
    bot_commit(&repo, "Binary");
    assert_rejected(&repo, &[], &["binary"]);

    let repo = setup(policy, "");
    std::os::unix::fs::symlink("/etc/passwd", repo.path().join("src/link")).expect("symlink");
    bot_commit(&repo, "Symlink");
    assert_rejected(&repo, &[], &["symlink"]);

    let repo = setup(policy, "");
    let base = repo.rev("HEAD");
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{base},vendor/sub"),
    ]);
    repo.git(&["commit", "-q", "-m", "Submodule\n\nAgent: bot"]);
    assert_rejected(&repo, &[], &["submodule"]);

    let repo = setup(policy, "");
    repo.git(&["update-index", "--chmod=+x", "src/existing.rs"]);
    repo.git(&["commit", "-q", "-m", "Make executable\n\nAgent: bot"]);
    assert_rejected(&repo, &[], &["mode-change"]);

    let repo = setup(policy, "");
    repo.write("src/run.sh", "#!/bin/sh\n");
    repo.git(&["add", "src/run.sh"]);
    repo.git(&["update-index", "--chmod=+x", "src/run.sh"]);
    repo.git(&["commit", "-q", "-m", "New executable\n\nAgent: bot"]);
    assert_rejected(&repo, &[], &["mode-change"]);
}

#[test]
fn merges_are_forbidden_when_the_policy_says_so() {
    let repo = setup("forbid: [merge]", "");
    repo.git(&["checkout", "-q", "-b", "side", "main"]);
    repo.write("side.txt", "x\n");
    repo.commit("Side work");
    repo.git(&["checkout", "-q", "topic"]);
    repo.write("src/t.rs", "x\n");
    bot_commit(&repo, "Topic work");
    repo.git(&[
        "merge",
        "-q",
        "--no-ff",
        "side",
        "-m",
        "Merge side\n\nAgent: bot",
    ]);
    assert_rejected(&repo, &[], &["merge"]);
}

#[test]
fn a_merge_is_charged_only_for_what_differs_from_every_parent() {
    let repo = setup("paths: {allow: ['src/**']}", "");
    // A human's out-of-scope change on another branch, merged by the bot: not charged.
    repo.git(&["checkout", "-q", "-b", "side", "main"]);
    repo.write("docs/human.md", "by a human\n");
    repo.commit("Human docs");
    repo.git(&["checkout", "-q", "topic"]);
    repo.write("src/t.rs", "x\n");
    bot_commit(&repo, "Topic work");
    repo.git(&[
        "merge",
        "-q",
        "--no-ff",
        "side",
        "-m",
        "Merge side\n\nAgent: bot",
    ]);
    assert_clean(&repo, &["side..topic"]);

    // An evil merge that smuggles an out-of-scope change into the merge itself.
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", "side"]);
    repo.write("deploy/prod.yaml", "replicas: 0\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "Merge side\n\nAgent: bot"]);
    let json = assert_rejected(&repo, &["side..topic"], &["path-scope"]);
    assert_eq!(json["violations"][0]["path"], "deploy/prod.yaml");
    assert_eq!(json["violations"][0]["commit"], repo.rev("HEAD"));
}

#[test]
fn ref_scope_binds_the_target_ref_of_the_series() {
    let repo = setup(
        "refs: {allow: ['refs/heads/agent/**'], deny: ['refs/heads/main']}",
        "",
    );
    repo.write("src/a.rs", "x\n");
    bot_commit(&repo, "Work");
    assert_clean(&repo, &["--ref", "agent/feature"]);
    let json = assert_rejected(&repo, &["--ref", "main"], &["ref-scope"]);
    assert_eq!(json["violations"][0]["ref"], "refs/heads/main");
    assert_rejected(&repo, &["--ref", "refs/heads/feature"], &["ref-scope"]);
}

#[test]
fn a_pusher_owns_trailerless_commits() {
    let repo = setup("paths: {allow: ['src/**']}", "");
    repo.write("lib/sneaky.rs", "x\n");
    repo.commit("No trailer at all");
    assert_clean(&repo, &[]);
    let json = assert_rejected(&repo, &["--pusher", "svc-bot"], &["path-scope"]);
    assert_eq!(json["violations"][0]["agent"], "bot");
    let out = repo
        .agentfence()
        .env("AGENTFENCE_PUSHER", "svc-bot")
        .args(["check", "--format", "json", "main..topic"])
        .output()
        .expect("run");
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    // Any one of several identities (the PR's author and the run's actors) binds, and a
    // forge's user names compare without case.
    assert_rejected(
        &repo,
        &["--pusher", "dev", "--pusher", "SVC-BOT"],
        &["path-scope"],
    );
}

#[test]
fn agents_are_tried_in_order_and_the_first_match_owns_the_commit() {
    let extra = "  loose:\n    paths: {allow: ['**']}\n";
    let repo = TestRepo::new();
    repo.write(
        ".agentfence.yaml",
        format!(
            "version: 1\nagents:\n  - name: first\n    match: {{author: 'Dev Human'}}\n    policy: strict\n  - name: second\n    match: {{author: 'Dev'}}\n    policy: loose\npolicies:\n  strict:\n    paths: {{allow: ['src/**']}}\n{extra}"
        ),
    );
    repo.commit("Base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("out.txt", "x\n");
    repo.commit("Owned by first");
    let json = assert_rejected(&repo, &[], &["path-scope"]);
    assert_eq!(json["violations"][0]["agent"], "first");
}

#[test]
fn humans_are_unchecked_without_a_default_policy_and_checked_with_one() {
    let repo = setup("paths: {allow: ['src/**']}", "");
    repo.write("anything/at/all.txt", "x\n");
    repo.commit("Human work");
    assert_clean(&repo, &[]);
    let repo = setup(
        "paths: {allow: ['src/**']}",
        "  humans:\n    paths: {deny: ['vendor/**']}\ndefault_policy: humans\n",
    );
    repo.write("vendor/lib.c", "x\n");
    repo.commit("Human vendors something");
    let json = assert_rejected(&repo, &[], &["path-denied"]);
    assert_eq!(json["violations"][0]["agent"], Value::Null);
}

#[test]
fn violations_come_in_a_deterministic_order() {
    let repo = setup(
        "paths: {allow: ['src/**']}\nlimits: {commit: {files: 1}, push: {commits: 1}}",
        "",
    );
    repo.write("a.txt", "x\n");
    repo.write("b.txt", "x\n");
    bot_commit(&repo, "First");
    repo.write("c.txt", "x\n");
    bot_commit(&repo, "Second");
    let (_, first) = check(&repo, &["--ref", "x"]);
    let (_, second) = check(&repo, &["--ref", "x"]);
    assert_eq!(first, second);
    let ids = rule_ids(&first);
    // Commits in rev-list order (newest first), then the push-wide limit.
    assert_eq!(
        ids,
        [
            "path-scope",
            "path-scope",
            "path-scope",
            "commit-files",
            "push-commits"
        ]
    );
    assert_eq!(first["violations"][0]["path"], "c.txt");
    assert_eq!(first["checked"]["commits"], 2);
    assert_eq!(first["checked"]["refs"], 1);
}

#[test]
fn audit_reports_warnings_and_exits_zero() {
    let repo = setup("paths: {allow: ['src/**']}", "");
    repo.write("out.txt", "x\n");
    bot_commit(&repo, "Out");
    let (code, json) = check(&repo, &["--audit"]);
    assert_eq!(code, 0);
    assert_eq!(json["verdict"], "accepted");
    assert_eq!(rule_ids(&json), ["path-scope"]);
    assert_eq!(json["violations"][0]["severity"], "warning");
}

#[test]
fn warn_enforcement_reports_warnings_and_exits_zero() {
    let repo = setup("paths: {allow: ['src/**']}\nenforcement: warn", "");
    repo.write("out.txt", "x\n");
    bot_commit(&repo, "Out");
    let (code, json) = check(&repo, &[]);
    assert_eq!(code, 0);
    assert_eq!(json["violations"][0]["severity"], "warning");
    let out = repo.run(&["check", "--pusher", "dev", "main..topic"]);
    assert_eq!(code_of(&out), 0);
    assert!(stdout(&out).contains("1 warning"), "{}", stdout(&out));
}

fn code_of(out: &std::process::Output) -> i32 {
    code(out)
}

#[test]
fn text_report_names_commit_rule_agent_path_and_the_way_back() {
    let repo = setup("paths: {allow: ['src/**']}", "");
    repo.write("out.txt", "x\n");
    let id = bot_commit(&repo, "Out");
    let out = repo.run(&["check", "--pusher", "dev", "main..topic"]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.contains("path-scope"))
        .unwrap_or_else(|| panic!("no violation line in\n{text}"));
    assert!(line.contains(&id[..10]), "{line}");
    assert!(line.contains("bot") && line.contains("out.txt"), "{line}");
    assert!(text.contains("rejected"), "{text}");
    assert!(
        text.contains(agentfence::violation::RuleId::PathScope.help()),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "no colour when not a terminal");
}

#[test]
fn github_format_annotates_paths() {
    let repo = setup("paths: {allow: ['src/**']}", "");
    repo.write("out.txt", "x\n");
    bot_commit(&repo, "Out");
    let out = repo.run(&[
        "check",
        "--pusher",
        "dev",
        "--format",
        "github",
        "main..topic",
    ]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("::error file=out.txt,title=agentfence path-scope::")),
        "{text}"
    );
}

#[test]
fn sarif_format_has_one_result_per_violation() {
    let repo = setup("paths: {allow: ['src/**']}", "");
    repo.write("out.txt", "x\n");
    repo.write("out2.txt", "x\n");
    bot_commit(&repo, "Out");
    let out = repo.run(&[
        "check",
        "--pusher",
        "dev",
        "--format",
        "sarif",
        "main..topic",
    ]);
    assert_eq!(code(&out), 1);
    let sarif: Value = serde_json::from_str(&stdout(&out)).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["ruleId"], "path-scope");
}

#[test]
fn the_embedded_default_rules_apply_with_no_configuration() {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n");
    repo.commit("Base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write(".github/workflows/ci.yml", "on: push\n");
    repo.commit("Edit CI\n\nCo-Authored-By: Claude <noreply@anthropic.com>");
    let json = assert_rejected(&repo, &[], &["path-denied"]);
    assert_eq!(json["violations"][0]["agent"], "claude-code");
    repo.write("src/lib.rs", "x\n");
    repo.commit("Human work, unchecked by default");
    assert_rejected(&repo, &[], &["path-denied"]);
}

#[test]
fn check_fails_closed_on_bad_input() {
    let repo = setup("paths: {allow: ['src/**']}", "");
    let out = repo.run(&["check", "no-such-rev..topic"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("no-such-rev"), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));

    // No upstream configured and no range: a clear error, not an empty accept.
    let out = repo.run(&["check"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("no upstream"), "{}", stderr(&out));

    // A broken rules file at the base fails closed.
    let repo = TestRepo::new();
    repo.write(".agentfence.yaml", "version: 1\nagents: [\n");
    repo.commit("Broken rules");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("x", "x\n");
    repo.commit("x");
    let out = repo.run(&["check", "--pusher", "dev", "main..topic"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains(".agentfence.yaml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn rules_flag_and_environment_take_precedence() {
    let repo = setup("paths: {allow: ['**']}", "");
    repo.write("out.txt", "x\n");
    bot_commit(&repo, "Out");
    assert_clean(&repo, &[]);
    let strict = repo.path().join("strict.yaml");
    std::fs::write(&strict, rules_yaml("paths: {allow: ['src/**']}", "")).expect("write");
    let strict = strict.to_str().expect("utf-8 temp path");
    assert_rejected(&repo, &["--rules", strict], &["path-scope"]);
    let out = repo
        .agentfence()
        .env("AGENTFENCE_RULES", strict)
        .args([
            "check",
            "--pusher",
            "dev",
            "--format",
            "json",
            "main..topic",
        ])
        .output()
        .expect("run");
    assert_eq!(code(&out), 1);
}

#[test]
fn with_no_range_check_lints_what_the_upstream_does_not_have() {
    let origin = setup("paths: {allow: ['src/**']}", "");
    origin.git(&["checkout", "-q", "main"]);
    let clone = TestRepo::new();
    clone.git(&[
        "remote",
        "add",
        "origin",
        origin.path().to_str().expect("utf-8"),
    ]);
    clone.git(&["fetch", "-q", "origin"]);
    clone.git(&["reset", "-q", "--hard", "origin/main"]);
    clone.git(&["branch", "-q", "--set-upstream-to=origin/main"]);
    let out = clone.run(&["check", "--pusher", "dev", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    clone.write("out.txt", "x\n");
    clone.commit("Out of scope\n\nAgent: bot");
    let out = clone.run(&["check", "--pusher", "dev", "--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(rule_ids(&json), ["path-scope"]);
    assert_eq!(json["checked"]["commits"], 1);
}

#[test]
fn a_path_that_is_not_utf8_is_a_bad_path_in_a_checked_commit() {
    use std::os::unix::ffi::OsStrExt;
    let repo = setup("paths: {allow: ['src/**']}", "");
    let blob = {
        let mut cmd = repo.git_cmd();
        let out = cmd
            .args(["hash-object", "-w", "--stdin"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().expect("stdin").write_all(b"x\n")?;
                child.wait_with_output()
            })
            .expect("hash-object");
        String::from_utf8(out.stdout)
            .expect("hex")
            .trim()
            .to_owned()
    };
    let mut arg = format!("100644,{blob},src/").into_bytes();
    arg.extend_from_slice(b"caf\xe9.rs");
    let status = repo
        .git_cmd()
        .args(["update-index", "--add", "--cacheinfo"])
        .arg(std::ffi::OsStr::from_bytes(&arg))
        .status()
        .expect("update-index");
    assert!(status.success());
    repo.git(&["commit", "-q", "-m", "Latin-1 name\n\nAgent: bot"]);
    let id = repo.rev("HEAD");
    // No rule can judge such a path faithfully: it is bad-path (a rejection), never
    // decoded and passed.
    let json = assert_rejected(&repo, &[], &["bad-path"]);
    let v = &json["violations"][0];
    assert_eq!(v["commit"], id.as_str());
    assert!(
        v["message"]
            .as_str()
            .expect("message")
            .contains("not valid UTF-8"),
        "{json:#}"
    );
    assert!(
        v["path"].as_str().expect("path").starts_with("src/caf"),
        "{json:#}"
    );
}
