//! The rules file's JSON Schema (`agentfence rules schema`, published as
//! `schema/agentfence.schema.json`): the published file is what the binary prints; it
//! accepts every rules file in the repository (examples, the embedded default, `init`'s
//! starter, the YAML examples in the docs); and it rejects every invalid fixture except
//! those only the parser can judge, listed here with the reason.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{TestRepo, code, stderr, stdout};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn published() -> String {
    std::fs::read_to_string(root().join("schema/agentfence.schema.json"))
        .expect("schema/agentfence.schema.json is published")
}

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&published()).expect("the schema is JSON");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .expect("the schema compiles")
}

/// The schema's errors for a YAML text; `None` when the text is not YAML at all (which an
/// editor flags before any schema applies).
fn errors(validator: &jsonschema::Validator, yaml: &str) -> Option<Vec<String>> {
    let value: Value = serde_yaml::from_str(yaml).ok()?;
    Some(
        validator
            .iter_errors(&value)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect(),
    )
}

#[test]
fn the_published_schema_is_what_the_binary_prints() {
    let repo = TestRepo::new();
    let out = repo.run(&["rules", "schema"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out) == published(),
        "schema/agentfence.schema.json is stale: regenerate it with \
         `cargo run -- rules schema > schema/agentfence.schema.json`"
    );
    let schema: Value = serde_json::from_str(&published()).expect("JSON");
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(
        schema["$id"],
        format!(
            "https://raw.githubusercontent.com/agentfence/agentfence/v{}/schema/agentfence.schema.json",
            env!("CARGO_PKG_VERSION")
        )
    );
}

/// The YAML code blocks of a Markdown file that are whole rules files.
fn rules_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```yaml") => current = Some(String::new()),
            (Some(block), "```") => {
                if block.starts_with("version: 1") {
                    blocks.push(block.clone());
                }
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn every_rules_file_in_the_repository_validates() {
    let validator = validator();
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["rules", "fixtures/rules"] {
        for entry in std::fs::read_dir(root().join(dir)).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    let mut texts: Vec<(String, String)> = files
        .iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(p).expect("read"),
            )
        })
        .collect();
    for doc in ["README.md", "docs/rules.md", "docs/server.md", "docs/ci.md"] {
        let text = std::fs::read_to_string(root().join(doc)).expect("read doc");
        for (i, block) in rules_blocks(&text).into_iter().enumerate() {
            texts.push((format!("{doc}, example {}", i + 1), block));
        }
    }
    // init's starter, with agents detected and without.
    let repo = TestRepo::new();
    repo.write("a.txt", "a\n");
    repo.commit("Add a\n\nCo-Authored-By: Claude <noreply@anthropic.com>");
    assert_eq!(code(&repo.run(&["init"])), 0);
    texts.push((
        "init's starter".to_owned(),
        std::fs::read_to_string(repo.path().join(".agentfence.yaml")).expect("written"),
    ));
    for (name, text) in &texts {
        // The parser accepts each (the docs' examples too).
        let errs = errors(&validator, text).unwrap_or_else(|| panic!("{name} is not YAML"));
        assert_eq!(errs, Vec::<String>::new(), "{name}");
    }
    assert!(texts.iter().any(|(n, _)| n.starts_with("README.md")));
}

/// Invalid fixtures that are valid as far as a JSON Schema can tell: only the parser can
/// judge them.
const ONLY_THE_PARSER_CAN_TELL: &[(&str, &str)] = &[
    (
        "approve-without-approvers.yaml",
        "one key requiring another beside it",
    ),
    (
        "approvers-without-approve.yaml",
        "one key requiring another beside it",
    ),
    (
        "bad-date.yaml",
        "2026-02-30 has a date's shape; the calendar says no",
    ),
    ("bad-glob.yaml", "whether a glob compiles"),
    ("bad-regex.yaml", "whether a regex compiles"),
    (
        "duplicate-agent.yaml",
        "uniqueness of a field across list items",
    ),
    (
        "duplicate-task.yaml",
        "duplicate keys: the JSON a schema sees keeps one (editors flag them)",
    ),
    (
        "ref-glob-short-name.yaml",
        "whether a ref glob can ever match a full ref name",
    ),
    ("size-overflow.yaml", "whether a size fits in 64 bits"),
    ("undefined-default-policy.yaml", "references between keys"),
    ("undefined-task-agent.yaml", "references between keys"),
    ("unknown-policy.yaml", "references between keys"),
];

#[test]
fn the_schema_rejects_the_invalid_fixtures_it_can_tell_apart() {
    let validator = validator();
    let dir = root().join("fixtures/rules/invalid");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(names.len() >= 30, "{names:?}");
    for name in &names {
        let bytes = std::fs::read(dir.join(name)).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        let verdict = if text.contains('\0') {
            None
        } else {
            errors(&validator, &text)
        };
        let parser_only = ONLY_THE_PARSER_CAN_TELL.iter().any(|(n, _)| n == name);
        match verdict {
            // Not YAML at all, or refused by the schema.
            None => assert!(!parser_only, "{name} is listed but is not even YAML"),
            Some(errs) if parser_only => {
                assert_eq!(errs, Vec::<String>::new(), "{name}: listed as parser-only");
            }
            Some(errs) => assert!(!errs.is_empty(), "{name} passes the schema"),
        }
    }
    for (name, _) in ONLY_THE_PARSER_CAN_TELL {
        assert!(names.iter().any(|n| n == name), "{name} is no fixture");
    }
}

#[test]
fn the_schema_check_is_not_vacuous() {
    let validator = validator();
    let good = "version: 1\nagents:\n  - {name: a, preset: aider, policy: p}\npolicies:\n  p: {}\n";
    assert_eq!(errors(&validator, good), Some(Vec::new()));
    for bad in [
        good.replace("preset: aider", "preset: aidr"),
        good.replace("policies:", "policys:"),
        good.replace("p: {}", "p: {limits: {file_size: 1.5MiB}}"),
        good.replace("p: {}", "p: {forbid: [rebase]}"),
        good.replace("name: a,", "name: A,"),
        good.replace("preset: aider, ", ""),
        good.replace("version: 1", "version: 2"),
    ] {
        let errs = errors(&validator, &bad).expect("YAML");
        assert!(!errs.is_empty(), "{bad}");
    }
}
