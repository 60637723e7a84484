//! Attribution through `agentfence explain --format json`: each match kind, each preset,
//! first-match ordering, the pusher rule, and markers that must not count.

use serde_json::Value;

use crate::support::{TestRepo, code, stderr, stdout};

/// One agent per preset, in a fixed order, each with its own policy name.
const PRESET_RULES: &str = "version: 1
agents:
  - {name: claude-code, preset: claude-code, policy: p}
  - {name: aider, preset: aider, policy: p}
  - {name: copilot, preset: copilot, policy: p}
  - {name: cursor, preset: cursor, policy: p}
  - {name: codex, preset: codex, policy: p}
  - {name: devin, preset: devin, policy: p}
  - {name: jules, preset: jules, policy: p}
  - {name: gemini-cli, preset: gemini-cli, policy: p}
  - {name: assisted, preset: assisted-by, policy: p}
policies:
  p: {}
";

/// Commits with this author and message (via commit-tree, so the message is kept as is)
/// and returns the owner `explain` reports.
fn owner_of(repo: &TestRepo, author: (&str, &str), message: &str, extra: &[&str]) -> Value {
    let tree = repo.git(&["write-tree"]);
    let out = repo
        .git_cmd()
        .env("GIT_AUTHOR_NAME", author.0)
        .env("GIT_AUTHOR_EMAIL", author.1)
        .args(["commit-tree", tree.trim(), "-m", message])
        .output()
        .expect("git commit-tree");
    assert!(out.status.success(), "{}", stderr(&out));
    let id = stdout(&out).trim().to_owned();
    let mut args = vec!["explain", "--format", "json"];
    args.extend_from_slice(extra);
    args.push(&id);
    let out = repo.run(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).expect("explain JSON");
    let commit = &json["commits"][0];
    assert_eq!(commit["commit"], id.as_str());
    commit["agent"].clone()
}

fn preset_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write(".agentfence.yaml", PRESET_RULES);
    repo.commit("Rules");
    repo
}

const HUMAN: (&str, &str) = ("Dev Human", "dev@example.com");

#[test]
fn each_preset_recognises_the_markers_its_agent_really_leaves() {
    let repo = preset_repo();
    let cases: &[((&str, &str), &str, Option<&str>)] = &[
        (
            HUMAN,
            "Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
            Some("claude-code"),
        ),
        (
            HUMAN,
            "Fix\n\nCo-authored-by: Claude Opus 4.5 <noreply@anthropic.com>",
            Some("claude-code"),
        ),
        (
            HUMAN,
            "Fix\n\nco-authored-by: Claude <noreply@anthropic.com>",
            Some("claude-code"),
        ),
        (("Ann (aider)", "ann@example.com"), "Fix", Some("aider")),
        (
            HUMAN,
            "Fix\n\nCo-authored-by: aider (gpt-4o) <noreply@aider.chat>",
            Some("aider"),
        ),
        (
            (
                "copilot-swe-agent[bot]",
                "198982749+Copilot@users.noreply.github.com",
            ),
            "Fix",
            Some("copilot"),
        ),
        (
            HUMAN,
            "Fix\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
            Some("copilot"),
        ),
        (
            HUMAN,
            "Fix\n\nCo-authored-by: Cursor <cursoragent@cursor.com>",
            Some("cursor"),
        ),
        (
            HUMAN,
            "Fix\n\nCo-authored-by: Codex <noreply@openai.com>",
            Some("codex"),
        ),
        (
            (
                "devin-ai-integration[bot]",
                "158243242+devin-ai-integration[bot]@users.noreply.github.com",
            ),
            "Fix",
            Some("devin"),
        ),
        (
            (
                "google-labs-jules[bot]",
                "161369871+google-labs-jules[bot]@users.noreply.github.com",
            ),
            "Fix",
            Some("jules"),
        ),
        (HUMAN, "Fix\n\nAssisted-by: some model", Some("assisted")),
        (HUMAN, "Fix\n\nGenerated-by: some tool", Some("assisted")),
        // Look-alikes and misplaced markers are nobody's.
        (
            HUMAN,
            "Fix\n\nCo-authored-by: Claudette <claudette@example.com>",
            None,
        ),
        (
            HUMAN,
            "Fix\n\nCo-authored-by: Jane <jane@example.com>",
            None,
        ),
        (
            HUMAN,
            "Co-Authored-By: Claude <noreply@anthropic.com>",
            None,
        ),
        (
            HUMAN,
            "Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nand then some prose",
            None,
        ),
        (
            HUMAN,
            "Fix\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n\nA closing paragraph.",
            None,
        ),
        (("Ann", "ann@aider.example"), "Fix", None),
    ];
    for (author, message, want) in cases {
        let got = owner_of(&repo, *author, message, &[]);
        let want = want.map_or(Value::Null, |w| Value::String(w.to_owned()));
        assert_eq!(got, want, "author {author:?}, message {message:?}");
    }
}

#[test]
fn each_match_kind_attributes_and_the_first_match_wins() {
    let repo = TestRepo::new();
    repo.write(
        ".agentfence.yaml",
        "version: 1
agents:
  - name: by-trailer
    match: {trailer: {X-Agent: '^one$'}}
    policy: p
  - name: by-author
    match: {author: '^Robo '}
    policy: p
  - name: by-committer
    match: {committer: '@bots\\.example>$'}
    policy: p
  - name: by-pusher
    match: {pusher: [svc-robot]}
    policy: p
  - name: catch-all
    match: {author: '.'}
    policy: p
policies:
  p: {}
",
    );
    repo.commit("Rules");
    assert_eq!(
        owner_of(&repo, HUMAN, "a\n\nx-agent: one", &[]),
        "by-trailer"
    );
    assert_eq!(
        owner_of(&repo, ("Robo One", "r@x"), "a\n\nX-Agent: one", &[]),
        "by-trailer"
    );
    assert_eq!(owner_of(&repo, ("Robo One", "r@x"), "a", &[]), "by-author");
    assert_eq!(owner_of(&repo, HUMAN, "a", &[]), "catch-all");
    assert_eq!(
        owner_of(&repo, HUMAN, "a", &["--pusher", "svc-robot"]),
        "by-pusher"
    );
    // Authenticated identity comes first: the pusher's agent is the owner in reports (the
    // author's agent is an owner too, and its policy must pass as well).
    assert_eq!(
        owner_of(&repo, ("Robo One", "r@x"), "a", &["--pusher", "svc-robot"]),
        "by-pusher",
        "the pusher's agent is the first owner, whatever the commit says"
    );
    let out = repo
        .git_cmd()
        .env("GIT_COMMITTER_EMAIL", "ci@bots.example")
        .args(["commit", "-q", "--allow-empty", "-m", "by committer"])
        .output()
        .expect("commit");
    assert!(out.status.success());
    let out = repo.run(&["explain", "--format", "json", "HEAD"]);
    let json: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(
        json["commits"][0]["agent"], "by-committer",
        "an earlier agent's committer marker beats a later agent's author marker"
    );
}

#[test]
fn explain_reports_trailers_policy_task_and_files() {
    let repo = TestRepo::new();
    repo.write(
        ".agentfence.yaml",
        "version: 1
agents:
  - {name: bot, match: {trailer: {Agent: '^bot$'}}, policy: agents}
policies:
  agents:
    paths: {allow: ['src/**']}
    task: {pattern: '^T-[0-9]+$'}
",
    );
    repo.write("src/a.rs", "one\ntwo\n");
    repo.commit("Base");
    repo.write("src/a.rs", "one\n2\nthree\n");
    repo.write("out.txt", "x\n");
    repo.git(&["mv", "src/a.rs", "src/b.rs"]);
    let id = repo.commit("Work\n\nAgent: bot\nTask: T-7");
    let out = repo.run(&["explain", "--format", "json", &id]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let c = &json["commits"][0];
    assert_eq!(
        c["trailers"],
        serde_json::json!([["Agent", "bot"], ["Task", "T-7"]])
    );
    assert_eq!(c["agent"], "bot");
    assert_eq!(c["policy"], "agents");
    assert_eq!(c["task"], "T-7");
    let files = c["files"].as_array().expect("files");
    let numstat = repo.git(&["show", "--numstat", "--format=", "--no-renames", &id]);
    // Not an exact rename (content changed): git's numstat, path by path.
    for line in numstat.lines() {
        let mut parts = line.split('\t');
        let (added, deleted, path) = (parts.next(), parts.next(), parts.next());
        let file = files
            .iter()
            .find(|f| f["path"].as_str() == path)
            .unwrap_or_else(|| panic!("{path:?} missing from {files:?}"));
        assert_eq!(file["added"].to_string(), added.expect("added"), "{path:?}");
        assert_eq!(
            file["deleted"].to_string(),
            deleted.expect("deleted"),
            "{path:?}"
        );
    }
    let rules: Vec<&str> = c["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .map(|v| v["rule"].as_str().expect("rule"))
        .collect();
    assert_eq!(rules, ["path-scope"]);

    let text = repo.run(&["explain", &id]);
    assert_eq!(code(&text), 0);
    let text = stdout(&text);
    assert!(
        text.contains("bot") && text.contains("T-7") && text.contains("path-scope"),
        "{text}"
    );
}

#[test]
fn explain_fails_closed_on_an_unknown_revision() {
    let repo = preset_repo();
    let out = repo.run(&["explain", "no-such-rev"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("no-such-rev"), "{}", stderr(&out));
    let out = repo.run(&["explain", "--format", "sarif", "HEAD"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("text or json"), "{}", stderr(&out));
}
