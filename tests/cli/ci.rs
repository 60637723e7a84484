//! The CI and framework integration files: `action.yml` and the workflows use only pinned
//! actions and scripts that exist (the Action itself runs in `action.rs`), the release
//! builds what the Action and cargo-binstall download, and `.pre-commit-hooks.yaml` names
//! real subcommands for the right stages.

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

/// `owner/repo@ref` (or `owner/repo/path@ref`) pinned to a release tag (`v4`, `v4.1.0`) or a
/// full commit id: never a branch, never unpinned.
fn pinned(uses: &str) -> bool {
    let Some((name, at)) = uses.split_once('@') else {
        return false;
    };
    let tag = at.strip_prefix('v').is_some_and(|v| {
        !v.is_empty()
            && v.split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    });
    let sha = at.len() == 40 && at.chars().all(|c| c.is_ascii_hexdigit());
    name.split('/').count() >= 2 && (tag || sha)
}

/// The repository's own scripts a `run:` block names (`scripts/x`, `.ci/run`, also as
/// `$ACTION_PATH/scripts/x`).
fn local_scripts(run: &str) -> Vec<String> {
    run.split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        .filter_map(|word| {
            let word = word.trim_start_matches("$ACTION_PATH/");
            (word.starts_with("scripts/") || word.starts_with(".ci/")).then(|| word.to_owned())
        })
        .collect()
}

/// Checks every step of a workflow job list or a composite action: `uses:` pinned, `run:`
/// scripts present, executable and parsed by bash. Returns the scripts named.
fn check_steps(file: &str, steps: &[Value]) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut scripts = Vec::new();
    for step in steps {
        match (step["uses"].as_str(), step["run"].as_str()) {
            (Some(uses), None) => {
                assert!(pinned(uses), "{file}: {uses} is not pinned to a version")
            }
            (None, Some(run)) => {
                for script in local_scripts(run) {
                    let path = root.join(&script);
                    let meta = std::fs::metadata(&path)
                        .unwrap_or_else(|e| panic!("{file}: {script} is missing: {e}"));
                    assert!(
                        meta.permissions().mode() & 0o111 != 0,
                        "{script} is not executable"
                    );
                    let out = Command::new("bash")
                        .arg("-n")
                        .arg(&path)
                        .output()
                        .expect("bash");
                    assert!(out.status.success(), "{script} does not parse");
                    scripts.push(script);
                }
            }
            _ => panic!("{file}: a step must have exactly one of uses: and run:: {step:?}"),
        }
    }
    scripts
}

#[test]
fn the_action_and_the_workflows_reference_only_pinned_actions_and_scripts_that_exist() {
    let action = load("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    for (name, input) in action["inputs"].as_mapping().expect("inputs") {
        assert!(
            input["description"].as_str().is_some(),
            "{name:?} has a description"
        );
        assert_eq!(input["required"], Value::Bool(false), "{name:?}");
    }
    let steps = action["runs"]["steps"].as_sequence().expect("steps");
    let scripts = check_steps("action.yml", steps);
    assert_eq!(
        scripts,
        [
            "scripts/action-version",
            "scripts/action-install",
            "scripts/action-check"
        ]
    );

    let mut found = Vec::new();
    for workflow in ["ci.yml", "release.yml"] {
        let doc = load(&format!(".github/workflows/{workflow}"));
        for (job, body) in doc["jobs"].as_mapping().expect("jobs") {
            let steps = body["steps"]
                .as_sequence()
                .unwrap_or_else(|| panic!("{job:?} steps"));
            found.extend(check_steps(workflow, steps));
        }
    }
    assert_eq!(found, [".ci/run", "scripts/dist", "scripts/release-notes"]);
    assert!(pinned("actions/cache@v4") && pinned("github/codeql-action/upload-sarif@v3"));
    assert!(!pinned("actions/cache@main") && !pinned("actions/cache") && !pinned("./"));
}

#[test]
fn the_release_builds_every_promised_target_and_names_archives_as_the_action_downloads_them() {
    let doc = load(".github/workflows/release.yml");
    assert_eq!(doc["on"]["push"]["tags"][0], "v*");
    let targets: Vec<&str> = doc["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .expect("a matrix")
        .iter()
        .map(|t| t["target"].as_str().expect("a target"))
        .collect();
    assert_eq!(
        targets,
        [
            "x86_64-unknown-linux-musl",
            "aarch64-unknown-linux-musl",
            "x86_64-apple-darwin",
            "aarch64-apple-darwin",
            "x86_64-pc-windows-msvc",
        ]
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |f: &str| std::fs::read_to_string(root.join(f)).expect("read");
    // Every target the Action maps a runner to is built.
    let version_script = read("scripts/action-version");
    for target in &targets {
        assert!(
            version_script.contains(target),
            "action-version lacks {target}"
        );
    }
    // One archive name, three places: the packager, the Action and cargo-binstall.
    let name = "agentfence-v$version-$target";
    assert!(read("scripts/dist").contains(&format!("name=\"{name}\"")));
    assert!(read("scripts/action-install").contains("name=\"agentfence-v$VERSION-$TARGET\""));
    let manifest = read("Cargo.toml");
    assert!(manifest.contains(
        "pkg-url = \"{ repo }/releases/download/v{ version }/{ name }-v{ version }-{ target }{ archive-suffix }\""
    ));
    assert!(
        manifest.contains("\n[profile.dist]\n"),
        "the dist profile exists"
    );
    // The release notes of this very version exist.
    let out = Command::new("bash")
        .arg(root.join("scripts/release-notes"))
        .arg(format!("v{}", env!("CARGO_PKG_VERSION")))
        .output()
        .expect("run release-notes");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let missing = Command::new("bash")
        .arg(root.join("scripts/release-notes"))
        .arg("v999.0.0")
        .output()
        .expect("run release-notes");
    assert_eq!(code(&missing), 2);
}

#[test]
fn the_pre_commit_framework_hooks_name_real_subcommands_for_their_stages() {
    let hooks = load(".pre-commit-hooks.yaml");
    let hooks = hooks.as_sequence().expect("a list");
    let mut stages = Vec::new();
    for hook in hooks {
        assert_eq!(hook["language"], "rust");
        assert_eq!(hook["always_run"], Value::Bool(true));
        // The stage names used here exist from pre-commit 3.2.0 on.
        assert_eq!(hook["minimum_pre_commit_version"], "3.2.0");
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
