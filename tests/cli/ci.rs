//! The CI and framework integration files: `action.yml` calls real subcommands with real
//! flags, and `.pre-commit-hooks.yaml` names real subcommands for the right stages.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_yaml::Value;

use crate::support::{bin, code, stdout};

fn load(file: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    serde_yaml::from_str(&text).expect("valid YAML")
}

/// `agentfence SUB --help`, which must succeed.
fn help(sub: &str) -> String {
    let out = Command::new(bin())
        .args([sub, "--help"])
        .output()
        .expect("run");
    assert_eq!(code(&out), 0, "agentfence {sub} --help");
    stdout(&out)
}

/// Every `agentfence SUB --flag ...` in a shell script, as (SUB, flags).
fn invocations(script: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    for line in script.lines() {
        let mut rest = line;
        while let Some(at) = rest.find("agentfence ") {
            let after = &rest[at + "agentfence ".len()..];
            let words: Vec<&str> = after.split_whitespace().collect();
            if let Some(sub) = words
                .first()
                .filter(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
            {
                let flags = words[1..]
                    .iter()
                    .take_while(|w| !w.starts_with('"') && !w.starts_with('>') && **w != "||")
                    .filter(|w| w.starts_with("--"))
                    .map(|w| (*w).to_owned())
                    .collect();
                found.push(((*sub).to_owned(), flags));
            }
            rest = after;
        }
    }
    found
}

#[test]
fn the_action_checks_the_pull_requests_range_with_real_subcommands_and_flags() {
    let action = load("action.yml");
    let inputs = action["inputs"].as_mapping().expect("inputs");
    let names: Vec<&str> = inputs.keys().filter_map(Value::as_str).collect();
    assert_eq!(names, ["range", "rules", "sarif", "audit", "cache"]);
    for (name, input) in inputs {
        assert!(
            input["description"].as_str().is_some(),
            "{name:?} has a description"
        );
        assert_eq!(input["required"], Value::Bool(false), "{name:?}");
    }
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_sequence().expect("steps");
    let mut calls: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut env_text = String::new();
    for step in steps {
        if let Some(run) = step["run"].as_str() {
            assert_eq!(step["shell"], "bash", "composite run steps need a shell");
            for (sub, flags) in invocations(run) {
                calls.entry(sub).or_default().extend(flags);
            }
        }
        env_text.push_str(&serde_yaml::to_string(&step["env"]).expect("yaml"));
    }
    assert!(
        env_text.contains("github.event.pull_request.base.sha")
            && env_text.contains("github.event.pull_request.head.sha"),
        "{env_text}"
    );
    assert!(calls.contains_key("check"), "{calls:?}");
    for (sub, flags) in &calls {
        let text = help(sub);
        for flag in flags {
            assert!(
                text.contains(flag.as_str()),
                "agentfence {sub} has no {flag}"
            );
        }
    }
    assert!(calls["check"].contains(&"--format".to_owned()));
    let install = steps
        .iter()
        .filter_map(|s| s["run"].as_str())
        .find(|r| r.contains("cargo install"))
        .expect("an install step");
    assert!(
        install.contains("--path \"$GITHUB_ACTION_PATH\""),
        "{install}"
    );
}

#[test]
fn the_pre_commit_framework_hooks_name_real_subcommands_for_their_stages() {
    let hooks = load(".pre-commit-hooks.yaml");
    let hooks = hooks.as_sequence().expect("a list");
    let mut stages = Vec::new();
    for hook in hooks {
        assert_eq!(hook["language"], "rust");
        assert_eq!(hook["always_run"], Value::Bool(true));
        let entry = hook["entry"].as_str().expect("entry");
        let sub = entry.strip_prefix("agentfence ").expect("runs agentfence");
        help(sub);
        let stage = hook["stages"][0].as_str().expect("a stage");
        assert_eq!(stage, sub, "the hook runs the subcommand of its stage");
        // Only commit-msg takes a filename: the message file.
        assert_eq!(hook["pass_filenames"], Value::Bool(stage == "commit-msg"));
        stages.push(stage.to_owned());
    }
    assert_eq!(stages, ["pre-commit", "commit-msg", "pre-push"]);
}
