//! `agentfence brief`: every agent of every shipped rules file, as text and JSON,
//! snapshot-tested; the JSON deserializes back into the same value; the acting agent is
//! found by its env marker.

use agentfence::brief::Brief;

use crate::support::{TestRepo, code, stderr, stdout};

/// A fixed time, so that task expiry in the snapshots never drifts.
const AT: &str = "2026-06-01T00:00:00Z";

fn rules_path(name: &str) -> String {
    format!("{}/rules/{name}.yaml", env!("CARGO_MANIFEST_DIR"))
}

fn brief(repo: &TestRepo, rules: &str, extra: &[&str]) -> String {
    let path = rules_path(rules);
    let mut args = vec!["brief", "--rules", path.as_str(), "--at", AT];
    args.extend_from_slice(extra);
    let out = repo.run(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn every_agent_of_every_shipped_rules_file() {
    let repo = TestRepo::new();
    for rules in ["default", "strict", "team"] {
        let json = brief(&repo, rules, &["--format", "json"]);
        let all: Brief = serde_json::from_str(&json).expect("the JSON is a Brief");
        assert_eq!(
            serde_json::to_string_pretty(&all).expect("serializes") + "\n",
            json,
            "round trip"
        );
        assert!(!all.agents.is_empty());
        for agent in &all.agents {
            let name = agent.agent.as_str();
            let text = brief(&repo, rules, &["--agent", name]);
            insta::assert_snapshot!(format!("{rules}-{name}"), text);
            let one: Brief =
                serde_json::from_str(&brief(&repo, rules, &["--agent", name, "--format", "json"]))
                    .expect("a Brief");
            assert_eq!(
                one.agents,
                vec![agent.clone()],
                "--agent {name} picks its entry"
            );
        }
    }
}

#[test]
fn the_acting_agent_is_found_by_its_env_marker_else_every_agent_is_briefed() {
    let repo = TestRepo::new();
    let path = rules_path("team");
    let out = repo
        .agentfence()
        .args(["brief", "--rules", &path, "--format", "json"])
        .env("CLAUDECODE", "1")
        .output()
        .expect("run");
    let acting: Brief = serde_json::from_str(&stdout(&out)).expect("a Brief");
    let names: Vec<&str> = acting.agents.iter().map(|a| a.agent.as_str()).collect();
    assert_eq!(names, ["claude-code"]);
    let all: Brief =
        serde_json::from_str(&brief(&repo, "team", &["--format", "json"])).expect("a Brief");
    assert_eq!(all.agents.len(), 5);
    let out = repo.run(&["brief", "--agent", "nobody"]);
    assert_eq!(code(&out), 2);
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}

#[test]
fn expired_tasks_and_tasks_of_other_agents_are_left_out() {
    let repo = TestRepo::new();
    let json = |at: &str, agent: &str| -> Brief {
        let path = rules_path("strict");
        let out = repo.run(&[
            "brief", "--rules", &path, "--at", at, "--agent", agent, "--format", "json",
        ]);
        serde_json::from_str(&stdout(&out)).expect("a Brief")
    };
    let ids =
        |b: &Brief| -> Vec<String> { b.agents[0].tasks.iter().map(|t| t.id.clone()).collect() };
    assert_eq!(
        ids(&json(AT, "claude-code")),
        ["API-8", "WEB-101", "WEB-102"]
    );
    assert_eq!(
        ids(&json("2026-10-01T00:00:00Z", "claude-code")),
        ["API-8", "WEB-101"]
    );
    assert_eq!(ids(&json(AT, "ci-agent")), ["API-7", "API-8"]);
}

#[test]
fn the_brief_says_how_signatures_decide_ownership() {
    let repo = TestRepo::new();
    std::fs::create_dir_all(repo.path().join(".agentfence")).expect("mkdir");
    repo.write(".agentfence/allowed_signers", "# none yet\n");
    repo.write(
        ".agentfence.yaml",
        "version: 1
agents:
  - name: bot
    match: {signer: ['bot@agents.example.com']}
    policy: agents
signatures:
  allowed_signers: .agentfence/allowed_signers
  unverified_policy: agents
policies:
  agents:
    forbid: [unsigned]
",
    );
    repo.commit("Rules");
    let out = repo.run(&["brief", "--agent", "bot", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let agent = &json["agents"][0];
    assert_eq!(agent["signing"]["signer"][0], "bot@agents.example.com");
    assert_eq!(agent["signing"]["unverified_policy"], "agents");
    assert_eq!(agent["signing"]["must_sign"], true);
    let denied: Vec<&str> = agent["paths"]["deny"]
        .as_array()
        .expect("deny")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        denied.contains(&".agentfence/allowed_signers"),
        "{denied:?}"
    );
    let text = stdout(&repo.run(&["brief", "--agent", "bot"]));
    assert!(text.contains("judged as agents' work"), "{text}");
}
