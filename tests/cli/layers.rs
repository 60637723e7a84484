//! The baseline layer and the decision log (issue 14), through real pushes into a bare
//! repository with the hook installed.

use serde_json::Value;

use crate::pre_receive::{assert_accepted, assert_rejected, bot_commit, push, setup};
use crate::support::{Server, TestRepo, code, stderr};

/// A baseline that denies `secrets/**` to the agent `bot` and limits its commits to 3
/// files.
const BASELINE: &str = "version: 1
agents:
  - name: bot
    match:
      trailer: {Agent: '^bot$'}
      pusher: [svc-bot]
    policy: fleet
policies:
  fleet:
    paths: {deny: ['secrets/**']}
    limits: {commit: {files: 3}}
";

/// A server whose repository rules allow `bot` everything, with `BASELINE` configured
/// for it through git config; returns the server, a client and the baseline's path.
fn fleet() -> (Server, TestRepo, tempfile::TempDir) {
    let (server, client) = setup("{}");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("baseline.yaml");
    std::fs::write(&path, BASELINE).expect("write baseline");
    server.git(&["config", "agentfence.baseline", &path.display().to_string()]);
    (server, client, dir)
}

#[test]
fn a_repository_cannot_widen_the_baseline_and_violations_name_their_layer() {
    let (server, client, _dir) = fleet();
    client.write("secrets/key.txt", "k\n");
    let c = bot_commit(&client, "Add a secret");
    let err = assert_rejected(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[],
        &["path-denied"],
        &[&c],
        &["secrets/key.txt", "[baseline]", "baseline: "],
    );
    assert!(err.contains("rules: .agentfence.yaml at"), "{err}");
    // The limit too: 4 files in one commit.
    client.git(&["reset", "-q", "--hard", "HEAD~"]);
    for i in 0..4 {
        client.write(&format!("src/f{i}.rs"), "x\n");
    }
    let c = bot_commit(&client, "Four files");
    assert_rejected(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[],
        &["commit-files"],
        &[&c],
        &[],
    );
    // Inside both layers: accepted.
    client.git(&["reset", "-q", "--hard", "HEAD~"]);
    client.write("src/one.rs", "x\n");
    let ok = bot_commit(&client, "One file");
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[],
        &[("refs/heads/agent/x", Some(&ok))],
    );
}

#[test]
fn a_repository_can_narrow_the_baseline_and_both_layers_report() {
    let (server, client) = setup("paths: {deny: ['docs/**']}");
    let dir = tempfile::tempdir().expect("temp dir");
    let baseline = dir.path().join("baseline.yaml");
    std::fs::write(&baseline, BASELINE).expect("write");
    client.write("docs/a.md", "a\n");
    client.write("secrets/b", "b\n");
    let c = bot_commit(&client, "Both");
    // The baseline from the environment this time (a local push passes it to the hook).
    let out = push(
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[("AGENTFENCE_BASELINE", &baseline.display().to_string())],
    );
    let err = stderr(&out);
    assert_ne!(code(&out), 0, "{err}");
    assert!(
        err.contains("[baseline]") && err.contains("[repository]"),
        "{err}"
    );
    assert!(
        err.contains("secrets/b") && err.contains("docs/a.md"),
        "{err}"
    );
    assert!(!server.has_object(&c));
    // JSON: every violation carries its layer.
    let out = client
        .agentfence()
        .args(["check", "--pusher", "dev", "--format", "json", "--baseline"])
        .arg(&baseline)
        .arg("origin/main..HEAD")
        .output()
        .expect("run");
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    let layers: Vec<&str> = json["violations"]
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v["layer"].as_str().expect("layer"))
        .collect();
    assert_eq!(layers, ["baseline", "repository"], "{json:#}");
}

#[test]
fn a_broken_baseline_rejects_every_push() {
    let (server, client, dir) = fleet();
    std::fs::write(
        dir.path().join("baseline.yaml"),
        "version: 1\nagents: [oops\n",
    )
    .expect("write");
    client.write("src/a.rs", "a\n");
    client.commit("A person's harmless commit");
    let before = server.refs();
    let out = push(&client, &["origin", "HEAD:refs/heads/main"], &[]);
    let err = stderr(&out);
    assert_ne!(code(&out), 0, "{err}");
    assert!(err.contains("baseline.yaml"), "{err}");
    assert_eq!(server.refs(), before);
    // And a missing one.
    std::fs::remove_file(dir.path().join("baseline.yaml")).expect("remove");
    let out = push(&client, &["origin", "HEAD:refs/heads/main"], &[]);
    assert_ne!(code(&out), 0, "{}", stderr(&out));
}

/// Reads the log's lines as JSON, failing on any line that is not whole JSON.
fn log_lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("read log")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l:?}: {e}")))
        .collect()
}

#[test]
fn every_run_is_logged_with_its_verdict_and_new_commits_owners() {
    let (server, client) = setup("paths: {allow: ['src/**']}");
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("decisions.jsonl");
    server.git(&["config", "agentfence.log", &log.display().to_string()]);
    client.write("src/a.rs", "a\n");
    let ok = bot_commit(&client, "Inside");
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[],
        &[("refs/heads/agent/x", Some(&ok))],
    );
    client.write("lib/b.rs", "b\n");
    let bad = bot_commit(&client, "Outside");
    assert_rejected(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[("AGENTFENCE_PUSHER", "svc-bot")],
        &["path-scope"],
        &[&bad],
        &[],
    );
    // An error: a pusher the rules need is missing (empty variable).
    let out = push(
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[("AGENTFENCE_PUSHER", "")],
    );
    assert_ne!(code(&out), 0);
    let lines = log_lines(&log);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert_eq!(lines[0]["verdict"], "accepted");
    assert_eq!(lines[0]["pusher"], "dev");
    assert_eq!(lines[0]["commits"], 1);
    assert_eq!(lines[0]["new_commits"][0]["commit"], ok.as_str());
    assert_eq!(lines[0]["new_commits"][0]["owners"]["repository"][0], "bot");
    assert_eq!(lines[0]["updates"][0]["ref"], "refs/heads/agent/x");
    assert_eq!(lines[1]["verdict"], "rejected");
    assert_eq!(lines[1]["pusher"], "svc-bot");
    assert_eq!(lines[1]["violations"][0]["rule"], "path-scope");
    assert_eq!(lines[2]["verdict"], "error");
    assert!(
        lines[2]["error"]
            .as_str()
            .expect("error")
            .contains("pusher")
    );
    let repo = server.path().canonicalize().expect("canonical");
    for line in &lines {
        assert_eq!(line["repository"], repo.display().to_string());
        assert_eq!(line["agentfence"], env!("CARGO_PKG_VERSION"));
        assert!(line["time"].as_str().expect("time").ends_with('Z'));
    }
}

#[test]
fn a_log_that_cannot_be_written_rejects_the_push() {
    let (server, client) = setup("{}");
    server.git(&[
        "config",
        "agentfence.log",
        "/nonexistent-dir/decisions.jsonl",
    ]);
    client.write("src/a.rs", "a\n");
    client.commit("A person's commit");
    let before = server.refs();
    let out = push(&client, &["origin", "HEAD:refs/heads/main"], &[]);
    let err = stderr(&out);
    assert_ne!(code(&out), 0, "{err}");
    assert!(err.contains("decision log"), "{err}");
    assert_eq!(server.refs(), before);
}

#[test]
fn a_partial_line_left_by_a_killed_hook_never_breaks_the_next_reader() {
    let (server, client) = setup("{}");
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("decisions.jsonl");
    std::fs::write(&log, "{\"verdict\":\"accepted\"}\n{\"verdict\":\"rej").expect("write");
    server.git(&["config", "agentfence.log", &log.display().to_string()]);
    client.write("src/a.rs", "a\n");
    client.commit("A person's commit");
    let out = push(&client, &["origin", "HEAD:refs/heads/main"], &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let lines = log_lines(&log);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["verdict"], "accepted");
}

#[test]
fn fifty_concurrent_pushes_into_two_repositories_give_fifty_whole_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("shared.jsonl");
    let mut pairs = Vec::new();
    for _ in 0..2 {
        let (server, client) = setup("{}");
        server.git(&["config", "agentfence.log", &log.display().to_string()]);
        pairs.push((server, client));
    }
    let mut children = Vec::new();
    for i in 0..50 {
        let (_, client) = &pairs[i % 2];
        let child = client
            .push_cmd(&["origin", &format!("HEAD:refs/heads/b{i}")])
            .env("AGENTFENCE_PUSHER", "dev")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn git push");
        children.push(child);
    }
    for mut child in children {
        assert!(child.wait().expect("wait").success());
    }
    let lines = log_lines(&log);
    assert_eq!(lines.len(), 50);
    let mut refs: Vec<String> = lines
        .iter()
        .map(|l| l["updates"][0]["ref"].as_str().expect("ref").to_owned())
        .collect();
    refs.sort();
    refs.dedup();
    assert_eq!(refs.len(), 50, "every push logged once");
}

#[test]
fn report_takes_owners_from_the_log_and_counts_rejected_pushes() {
    let (server, client) = setup("paths: {allow: ['src/**']}");
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("decisions.jsonl");
    server.git(&["config", "agentfence.log", &log.display().to_string()]);
    // The agent pushes through its own account a commit that claims nothing.
    client.write("src/a.rs", "a\n");
    let quiet = client.commit("No trailer, a person's name");
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[("AGENTFENCE_PUSHER", "svc-bot")],
        &[("refs/heads/agent/x", Some(&quiet))],
    );
    // Then a push the gate rejects: it never enters history, only the log.
    client.write("lib/b.rs", "b\n");
    let bad = bot_commit(&client, "Outside");
    assert_rejected(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[],
        &["path-scope"],
        &[&bad],
        &[],
    );
    let report = |extra: &[&str]| -> Value {
        let out = server
            .agentfence()
            .args(["report", "--format", "json"])
            .args(extra)
            .arg("refs/heads/agent/x")
            .output()
            .expect("run report");
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let owner = |json: &Value, name: &str| {
        json["owners"]
            .as_array()
            .expect("owners")
            .iter()
            .find(|o| o["name"] == name)
            .cloned()
    };
    // Without the log the commit is whatever it claims (no agent): not bot's.
    let claimed = report(&[]);
    assert!(owner(&claimed, "bot").is_none(), "{claimed:#}");
    // With it, the gate's view: bot's, logged, with one rejected push.
    let logged = report(&["--log", &log.display().to_string()]);
    let bot = owner(&logged, "bot").unwrap_or_else(|| panic!("{logged:#}"));
    assert_eq!(bot["commits"], 1);
    assert_eq!(bot["ownership"], "logged");
    assert_eq!(bot["rejected_pushes"], 1);
}
