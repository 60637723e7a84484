//! The GitHub Action, run as the runner runs it: `action.yml` is parsed, each step's `env`
//! and `with` expressions are evaluated against a pull_request or push event context
//! written here as JSON, `uses:` steps are skipped (the one thing they supply, a cached
//! binary, is stubbed where a test needs it), and the `run:` scripts run with bash, as the
//! runner does, in a real clone of a real "server" repository. The installed agentfence is
//! a wrapper that logs its argv and then runs the real binary, so each test asserts both
//! the command the Action built and the verdict it got.
//!
//! What they prove (issue 10, class 4): every identity involved is passed as `--pusher`,
//! so a pusher-bound agent whose PR drops its trailer is rejected; the head ref is passed
//! as `--ref`; the base is the target branch's tip fetched when the check runs, not the
//! event's stale `base.sha`, and on a branch push the default branch's tip, not
//! `github.event.before`. And the install step: a release archive is used only when its
//! checksum matches, else the Action builds from source.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::support::{Server, TestRepo, bin, stdout};

// ---- the runner -----------------------------------------------------------------------

/// The crate's root: the action's own checkout (`github.action_path`).
fn action_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn action() -> serde_yaml::Value {
    let text = std::fs::read_to_string(action_path().join("action.yml")).expect("read action.yml");
    serde_yaml::from_str(&text).expect("action.yml is YAML")
}

/// JavaScript-like truthiness, as GitHub's expressions use for `||`.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// Evaluates one expression: context paths and string literals joined by `||`. Anything
/// else (functions, comparisons, parentheses) is refused, so the Action keeps its logic in
/// bash, where these tests run it.
fn eval_expr(expr: &str, ctx: &Value) -> Value {
    let mut last = Value::Null;
    for operand in expr.split("||").map(str::trim) {
        let value = if let Some(lit) = operand
            .strip_prefix('\'')
            .and_then(|s| s.strip_suffix('\''))
        {
            Value::String(lit.to_owned())
        } else {
            assert!(
                operand
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')),
                "unsupported expression {expr:?}: keep the Action's expressions to context lookups"
            );
            operand.split('.').fold(ctx.clone(), |v, key| {
                v.get(key).cloned().unwrap_or(Value::Null)
            })
        };
        if truthy(&value) {
            return value;
        }
        last = value;
    }
    last
}

/// A value as the runner puts it into a string (`null` is empty).
fn to_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Substitutes every `${{ ... }}` in `template`.
fn eval(template: &str, ctx: &Value) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("an expression is closed") + start;
        out.push_str(&to_text(&eval_expr(&rest[start + 3..end], ctx)));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// One run of the Action: its workspace, runner temp dir and what it logged.
struct Run {
    /// Exit code of the step that ended the run (0 when every step passed).
    code: i32,
    /// Stdout and stderr of every step, in order.
    output: String,
    /// The argv of every `agentfence check` the Action ran, in order.
    checks: Vec<Vec<String>>,
    /// The argv of every `cargo` call (a stub: the runner's toolchain is not exercised).
    cargo: Vec<Vec<String>>,
    /// The key the cache step was given, evaluated.
    cache_key: Option<String>,
}

/// The runner: a workspace (the checkout), a temp dir, and a log directory where the
/// wrapper and the `cargo` stub record their argv.
struct Runner {
    workspace: PathBuf,
    temp: tempfile::TempDir,
    log: PathBuf,
}

impl Runner {
    fn new(workspace: &Path) -> Self {
        let temp = tempfile::tempdir().expect("temp dir");
        let log = temp.path().join("log");
        std::fs::create_dir_all(&log).expect("mkdir log");
        std::fs::create_dir_all(temp.path().join("runner")).expect("mkdir runner temp");
        let stubs = temp.path().join("stubs");
        std::fs::create_dir_all(&stubs).expect("mkdir stubs");
        let runner = Runner {
            workspace: workspace.to_path_buf(),
            temp,
            log,
        };
        // The runner's cargo, stubbed: it "builds" by installing the wrapper.
        let cargo = format!(
            "#!/bin/sh\n{}\nroot=\nwhile [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\n\
             mkdir -p \"$root/bin\" && cp '{}' \"$root/bin/agentfence\"\n",
            runner.logger("cargo"),
            runner.wrapper_path().display()
        );
        write_executable(&stubs.join("cargo"), &cargo);
        write_executable(
            &runner.wrapper_path(),
            &format!(
                "#!/bin/sh\n{}\nexec '{}' \"$@\"\n",
                runner.logger("agentfence"),
                bin().display()
            ),
        );
        runner
    }

    /// `$RUNNER_TEMP`.
    fn runner_temp(&self) -> PathBuf {
        self.temp.path().join("runner")
    }

    /// The wrapper that stands in for an installed agentfence.
    fn wrapper_path(&self) -> PathBuf {
        self.temp.path().join("agentfence-wrapper")
    }

    /// Shell lines that append the script's argv to the log as one NUL-separated file.
    fn logger(&self, name: &str) -> String {
        let dir = self.log.display();
        format!(
            "n=$(ls '{dir}' | wc -l); printf '%s\\0' \"$@\" > '{dir}/'$(printf '%04d' $n)-{name}"
        )
    }

    /// Stubs a cache hit: actions/cache restored a binary of the right version.
    fn restore_cache(&self) {
        let dir = self.runner_temp().join("agentfence/bin");
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::copy(self.wrapper_path(), dir.join("agentfence")).expect("copy the wrapper");
    }

    /// Runs the Action's steps for `event` (the `github` context less what is filled in
    /// here) with the workflow's `with:` inputs.
    fn run(&self, github: Value, with: &[(&str, &str)]) -> Run {
        let action = action();
        let mut inputs = serde_json::Map::new();
        let mut ctx = json!({
            "github": github,
            "runner": {"os": "Linux", "arch": "X64", "temp": self.runner_temp()},
            "steps": {},
        });
        ctx["github"]["action_path"] = json!(action_path());
        ctx["github"]["workspace"] = json!(self.workspace);
        for (name, input) in action["inputs"].as_mapping().expect("inputs") {
            let name = name.as_str().expect("input name");
            let default = input["default"].as_str().unwrap_or("");
            let given = with.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
            inputs.insert(
                name.to_owned(),
                json!(given.map_or_else(|| eval(default, &ctx), str::to_owned)),
            );
        }
        ctx["inputs"] = Value::Object(inputs);

        let mut path: Vec<PathBuf> = vec![self.temp.path().join("stubs")];
        let github_path = self.temp.path().join("github_path");
        std::fs::write(&github_path, "").expect("write GITHUB_PATH");
        let mut output = String::new();
        let mut code = 0;
        let mut cache_key = None;
        for (i, step) in action["runs"]["steps"]
            .as_sequence()
            .expect("steps")
            .iter()
            .enumerate()
        {
            if step.get("uses").is_some() {
                // Evaluated as the runner would (so they are valid), then skipped.
                for (k, v) in step["with"].as_mapping().into_iter().flatten() {
                    let v = eval(v.as_str().expect("with: values are strings"), &ctx);
                    if k == "key" {
                        cache_key = Some(v);
                    }
                }
                continue;
            }
            assert!(
                step.get("if").is_none(),
                "run steps keep their conditions in bash"
            );
            assert_eq!(step["shell"], "bash");
            let script = step["run"].as_str().expect("a run step");
            let file = self.temp.path().join(format!("step-{i}.sh"));
            std::fs::write(&file, script).expect("write the step");
            let outputs = self.temp.path().join(format!("output-{i}"));
            std::fs::write(&outputs, "").expect("write GITHUB_OUTPUT");
            let system_path = std::env::var("PATH").unwrap_or_default();
            let full_path = path
                .iter()
                .map(|p| p.display().to_string())
                .chain([system_path])
                .collect::<Vec<_>>()
                .join(":");
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&file)
                .current_dir(&self.workspace)
                .env_clear()
                .env("PATH", full_path)
                .env("HOME", self.temp.path())
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GITHUB_ACTION_PATH", action_path())
                .env("GITHUB_WORKSPACE", &self.workspace)
                .env("RUNNER_TEMP", self.runner_temp())
                .env("GITHUB_OUTPUT", &outputs)
                .env("GITHUB_PATH", &github_path)
                .stdin(Stdio::null());
            for (k, v) in step["env"].as_mapping().into_iter().flatten() {
                let v = v
                    .as_str()
                    .map_or_else(|| to_text(&json!(null)), |s| eval(s, &ctx));
                cmd.env(k.as_str().expect("env names are strings"), v);
            }
            let out = cmd.output().expect("run bash");
            output.push_str(&String::from_utf8_lossy(&out.stdout));
            output.push_str(&String::from_utf8_lossy(&out.stderr));
            // Outputs and PATH additions, as the runner reads them after the step.
            if let Some(id) = step["id"].as_str() {
                let mut map = serde_json::Map::new();
                for line in std::fs::read_to_string(&outputs).expect("read").lines() {
                    let (k, v) = line.split_once('=').expect("name=value outputs");
                    map.insert(k.to_owned(), json!(v));
                }
                ctx["steps"][id] = json!({ "outputs": map });
            }
            let mut added: Vec<PathBuf> = std::fs::read_to_string(&github_path)
                .expect("read")
                .lines()
                .map(PathBuf::from)
                .collect();
            added.reverse();
            for p in added {
                if !path.contains(&p) {
                    path.insert(0, p);
                }
            }
            code = out.status.code().expect("bash exited");
            if code != 0 {
                break;
            }
        }
        let mut calls: Vec<(String, Vec<String>)> = std::fs::read_dir(&self.log)
            .expect("read log")
            .map(|e| {
                let e = e.expect("entry");
                let name = e.file_name().to_string_lossy().into_owned();
                let bytes = std::fs::read(e.path()).expect("read call");
                let argv = bytes
                    .split(|b| *b == 0)
                    .filter(|a| !a.is_empty())
                    .map(|a| String::from_utf8_lossy(a).into_owned())
                    .collect();
                (name, argv)
            })
            .collect();
        calls.sort();
        let of = |who: &str, calls: &[(String, Vec<String>)]| -> Vec<Vec<String>> {
            calls
                .iter()
                .filter(|(name, _)| name.ends_with(who))
                .map(|(_, argv)| argv.clone())
                .collect()
        };
        let checks = of("agentfence", &calls)
            .into_iter()
            .filter(|argv| argv.first().is_some_and(|a| a == "check"))
            .collect();
        Run {
            code,
            output,
            checks,
            cargo: of("cargo", &calls),
            cache_key,
        }
    }
}

fn write_executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

// ---- the repositories -----------------------------------------------------------------

/// Rules that know Claude Code by its trailer only.
const RULES_OLD: &str = "version: 1
agents:
  - {name: claude-code, preset: claude-code, policy: agents}
policies:
  agents:
    paths: {deny: ['.github/**']}
";

/// The same, plus an agent bound by its account: whatever it pushes is its own.
const RULES_BOUND: &str = "version: 1
agents:
  - {name: claude-code, preset: claude-code, policy: agents}
  - {name: bot, match: {pusher: [svc-bot]}, policy: agents}
policies:
  agents:
    paths: {deny: ['.github/**']}
";

/// A server whose `main` holds `RULES_OLD`, and a developer clone pushing to it.
fn server_and_dev() -> (Server, TestRepo) {
    let server = Server::new();
    let dev = TestRepo::new();
    dev.remote(&server);
    dev.write(".agentfence.yaml", RULES_OLD);
    dev.write("src/app.rs", "fn main() {}\n");
    dev.commit("Start");
    dev.git(&["push", "-q", "origin", "main"]);
    (server, dev)
}

/// The bot's commit: no trailer, a person's name, an edit to CI. Returns its id.
fn bot_commit(dev: &TestRepo) -> String {
    dev.write(".github/workflows/ci.yml", "on: push\njobs: {}\n");
    dev.commit("Tidy the workflow")
}

/// A full clone of the server, as actions/checkout with fetch-depth: 0 makes it, at `rev`.
fn checkout(server: &Server, rev: &str) -> TestRepo {
    let ws = TestRepo::new();
    ws.git(&["remote", "add", "origin", &server.url()]);
    ws.git(&[
        "fetch",
        "-q",
        "origin",
        "+refs/heads/*:refs/remotes/origin/*",
    ]);
    ws.git(&["checkout", "-q", "--detach", rev]);
    ws
}

fn pull_request_event(base_sha: &str, head_sha: &str) -> Value {
    json!({
        "event_name": "pull_request_target",
        "actor": "svc-bot",
        "triggering_actor": "alice",
        "ref": "refs/heads/main",
        "sha": base_sha,
        "server_url": "https://github.com",
        "token": "",
        "event": {
            "pull_request": {
                "user": {"login": "Svc-Bot"},
                "base": {"ref": "main", "sha": base_sha},
                "head": {"ref": "agent/tidy", "sha": head_sha},
            },
            "repository": {"default_branch": "main"},
        },
    })
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

// ---- the tests ------------------------------------------------------------------------

#[test]
fn a_pusher_bound_agent_whose_pr_drops_its_trailer_is_rejected_against_the_current_target() {
    let (server, dev) = server_and_dev();
    let stale_base = dev.rev("main");
    dev.git(&["checkout", "-q", "-b", "agent/tidy"]);
    let head = bot_commit(&dev);
    dev.git(&["push", "-q", "origin", "agent/tidy"]);
    // The workflow's checkout happens, then main moves on: the account is now bound.
    let ws = checkout(&server, &head);
    dev.git(&["checkout", "-q", "main"]);
    dev.write(".agentfence.yaml", RULES_BOUND);
    let current_base = dev.commit("Bind svc-bot");
    dev.git(&["push", "-q", "origin", "main"]);

    let runner = Runner::new(ws.path());
    runner.restore_cache();
    let run = runner.run(pull_request_event(&stale_base, &head), &[]);
    assert_eq!(run.code, 1, "{}", run.output);
    assert_eq!(
        run.checks,
        [strings(&[
            "check",
            "--base",
            &current_base,
            "--ref",
            "refs/heads/agent/tidy",
            "--pusher",
            "Svc-Bot",
            "--pusher",
            "alice",
            "--format",
            "github",
            "--",
            &format!("{current_base}..{head}"),
        ])],
        "{}",
        run.output
    );
    assert!(
        run.output
            .contains("::error file=.github/workflows/ci.yml,title=agentfence path-denied::"),
        "{}",
        run.output
    );
    assert!(run.output.contains("agent bot"), "{}", run.output);
    assert!(run.cargo.is_empty(), "a cached binary is not rebuilt");

    // The same PR judged from the stale base.sha would have passed: the base matters.
    let stale = ws.run(&[
        "check",
        "--base",
        &stale_base,
        "--pusher",
        "Svc-Bot",
        &format!("{stale_base}..{head}"),
    ]);
    assert_eq!(stale.status.code(), Some(0), "{}", stdout(&stale));
}

#[test]
fn the_action_writes_sarif_and_junit_beside_the_annotations() {
    let (server, dev) = server_and_dev();
    dev.write(".agentfence.yaml", RULES_BOUND);
    let base = dev.commit("Bind svc-bot");
    dev.git(&["push", "-q", "origin", "main"]);
    dev.git(&["checkout", "-q", "-b", "agent/tidy"]);
    let head = bot_commit(&dev);
    dev.git(&["push", "-q", "origin", "agent/tidy"]);
    let ws = checkout(&server, &head);
    let runner = Runner::new(ws.path());
    runner.restore_cache();
    let sarif = runner.temp.path().join("out.sarif");
    let junit = runner.temp.path().join("out.xml");
    let run = runner.run(
        pull_request_event(&base, &head),
        &[
            ("sarif", sarif.to_str().expect("UTF-8")),
            ("junit", junit.to_str().expect("UTF-8")),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.output);
    let formats: Vec<&str> = run
        .checks
        .iter()
        .map(|argv| {
            let at = argv.iter().position(|a| a == "--format").expect("--format");
            argv[at + 1].as_str()
        })
        .collect();
    assert_eq!(formats, ["sarif", "junit", "github"]);
    let log: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).expect("SARIF written"))
        .expect("JSON");
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "path-denied");
    let xml = std::fs::read_to_string(&junit).expect("JUnit written");
    assert!(xml.contains(r#"<failure type="path-denied""#), "{xml}");

    // audit: everything reported, nothing fails.
    let run = runner.run(pull_request_event(&base, &head), &[("audit", "true")]);
    assert_eq!(run.code, 0, "{}", run.output);
    assert!(
        run.output
            .contains("::warning file=.github/workflows/ci.yml"),
        "{}",
        run.output
    );
}

#[test]
fn on_a_branch_push_the_base_is_the_default_branchs_tip_never_the_event_before() {
    let (server, dev) = server_and_dev();
    dev.write(".agentfence.yaml", RULES_BOUND);
    let main = dev.commit("Bind svc-bot");
    dev.git(&["push", "-q", "origin", "main"]);
    // The bot first loosens the rules on its branch (that push is `before`), then edits CI.
    dev.git(&["checkout", "-q", "-b", "agent/tidy"]);
    dev.write(".agentfence.yaml", RULES_OLD);
    let loosened = dev.commit("Loosen the rules");
    let head = bot_commit(&dev);
    dev.git(&["push", "-q", "origin", "agent/tidy"]);
    let ws = checkout(&server, &head);
    let runner = Runner::new(ws.path());
    runner.restore_cache();
    let event = json!({
        "event_name": "push",
        "actor": "svc-bot",
        "triggering_actor": "svc-bot",
        "ref": "refs/heads/agent/tidy",
        "sha": head,
        "server_url": "https://github.com",
        "token": "",
        "event": {
            "before": loosened,
            "after": head,
            "repository": {"default_branch": "main"},
        },
    });
    let run = runner.run(event, &[]);
    assert_eq!(run.code, 1, "{}", run.output);
    assert_eq!(
        run.checks,
        [strings(&[
            "check",
            "--base",
            &main,
            "--ref",
            "refs/heads/agent/tidy",
            "--pusher",
            "svc-bot",
            "--format",
            "github",
            "--",
            &format!("{main}..{head}"),
        ])],
        "{}",
        run.output
    );
    // Both of the bot's commits are judged, the rules edit included.
    assert!(
        run.output.contains("file=.agentfence.yaml"),
        "{}",
        run.output
    );
    assert!(
        run.output.contains("file=.github/workflows/ci.yml"),
        "{}",
        run.output
    );
}

#[test]
fn on_a_push_to_the_default_branch_the_base_is_its_tip_before_the_push() {
    let (server, dev) = server_and_dev();
    dev.write(".agentfence.yaml", RULES_BOUND);
    let before = dev.commit("Bind svc-bot");
    let head = bot_commit(&dev);
    dev.git(&["push", "-q", "origin", "main"]);
    let ws = checkout(&server, &head);
    let runner = Runner::new(ws.path());
    runner.restore_cache();
    let event = json!({
        "event_name": "push", "actor": "svc-bot", "triggering_actor": "svc-bot",
        "ref": "refs/heads/main", "sha": head, "server_url": "https://github.com", "token": "",
        "event": {"before": before, "after": head, "repository": {"default_branch": "main"}},
    });
    let run = runner.run(event, &[]);
    assert_eq!(run.code, 1, "{}", run.output);
    assert_eq!(run.checks.len(), 1);
    assert_eq!(run.checks[0][1..3], strings(&["--base", &before]));
    assert_eq!(run.checks[0].last(), Some(&format!("{before}..{head}")));
    // A push that creates the default branch has no trusted base: exit 2, said.
    let zero = "0".repeat(40);
    let event = json!({
        "event_name": "push", "actor": "svc-bot", "triggering_actor": "svc-bot",
        "ref": "refs/heads/main", "sha": head, "server_url": "https://github.com", "token": "",
        "event": {"before": zero, "after": head, "repository": {"default_branch": "main"}},
    });
    let run = runner.run(event, &[]);
    assert_eq!(run.code, 2, "{}", run.output);
    assert!(run.output.contains("no trusted base"), "{}", run.output);
}

#[test]
fn the_action_fails_closed_on_a_shallow_checkout_and_an_unknown_event() {
    let (server, dev) = server_and_dev();
    let base = dev.rev("main");
    dev.git(&["checkout", "-q", "-b", "agent/tidy"]);
    let head = bot_commit(&dev);
    dev.git(&["push", "-q", "origin", "agent/tidy"]);
    let shallow = TestRepo::new();
    shallow.git(&["remote", "add", "origin", &server.url()]);
    shallow.git(&["fetch", "-q", "--depth", "1", "origin", "agent/tidy"]);
    shallow.git(&["checkout", "-q", "--detach", "FETCH_HEAD"]);
    let runner = Runner::new(shallow.path());
    runner.restore_cache();
    let run = runner.run(pull_request_event(&base, &head), &[]);
    assert_eq!(run.code, 2, "{}", run.output);
    assert!(run.output.contains("fetch-depth: 0"), "{}", run.output);
    assert!(run.checks.is_empty());

    let ws = checkout(&server, &head);
    let runner = Runner::new(ws.path());
    runner.restore_cache();
    // A target branch that cannot be fetched: exit 2, and the reason is shown, not swallowed.
    let mut event = pull_request_event(&base, &head);
    event["event"]["pull_request"]["base"]["ref"] = json!("gone");
    let run = runner.run(event, &[]);
    assert_eq!(run.code, 2, "{}", run.output);
    assert!(
        run.output
            .contains("::error title=agentfence::could not fetch the target branch 'gone'"),
        "{}",
        run.output
    );
    assert!(run.checks.is_empty());

    let mut event = pull_request_event(&base, &head);
    event["event_name"] = json!("workflow_dispatch");
    let run = runner.run(event, &[]);
    assert_eq!(run.code, 2, "{}", run.output);
    assert!(
        run.output
            .contains("set both the range and the base inputs"),
        "{}",
        run.output
    ); // With both inputs, any event is checked as told.
    let mut event = pull_request_event(&base, &head);
    event["event_name"] = json!("workflow_dispatch");
    let range = format!("{base}..{head}");
    let run = runner.run(event, &[("range", &range), ("base", "origin/main")]);
    // (These rules bind no pusher, and the commit carries no trailer: nobody's to judge.)
    assert_eq!(run.code, 0, "{}", run.output);
    assert_eq!(run.checks.len(), 1);
    assert_eq!(run.checks[0][1..3], strings(&["--base", &base]));
    assert_eq!(run.checks[0].last(), Some(&range));
}

/// A release directory as the Action downloads from: `v<version>/<name>.tar.gz` and its
/// `.sha256`, holding `agentfence` (the wrapper). `corrupt` publishes a wrong checksum.
fn publish_release(runner: &Runner, corrupt: bool) -> PathBuf {
    let version = env!("CARGO_PKG_VERSION");
    let name = format!("agentfence-v{version}-x86_64-unknown-linux-musl");
    let releases = runner.temp.path().join("releases");
    let stage = runner.temp.path().join("stage").join(&name);
    std::fs::create_dir_all(&stage).expect("mkdir");
    std::fs::copy(runner.wrapper_path(), stage.join("agentfence")).expect("copy");
    let dir = releases.join(format!("v{version}"));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let archive = dir.join(format!("{name}.tar.gz"));
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(stage.parent().expect("parent"))
        .arg(&name)
        .status()
        .expect("tar");
    assert!(status.success());
    let sum = Command::new("sha256sum")
        .arg(&archive)
        .output()
        .expect("sha256sum");
    let mut hash = stdout(&sum)
        .split_whitespace()
        .next()
        .expect("a hash")
        .to_owned();
    if corrupt {
        hash = hash.replace(|c: char| c != '0', "0");
    }
    std::fs::write(
        dir.join(format!("{name}.tar.gz.sha256")),
        format!("{hash}  {name}.tar.gz\n"),
    )
    .expect("write the checksum");
    releases
}

fn accepted_pr() -> (Server, TestRepo, String, String) {
    let (server, dev) = server_and_dev();
    let base = dev.rev("main");
    dev.git(&["checkout", "-q", "-b", "agent/tidy"]);
    dev.write("src/app.rs", "fn main() { println!(\"hi\"); }\n");
    let head = dev.commit("Say hi");
    dev.git(&["push", "-q", "origin", "agent/tidy"]);
    let ws = checkout(&server, &head);
    (server, ws, base, head)
}

#[test]
fn the_action_installs_the_release_binary_only_when_its_checksum_matches() {
    let (_server, ws, base, head) = accepted_pr();
    let runner = Runner::new(ws.path());
    let releases = publish_release(&runner, false);
    let url = format!("file://{}", releases.display());
    let run = runner.run(pull_request_event(&base, &head), &[("release-url", &url)]);
    assert_eq!(run.code, 0, "{}", run.output);
    assert!(
        run.output.contains("release binary, checksum verified"),
        "{}",
        run.output
    );
    assert!(run.cargo.is_empty(), "no build: {:?}", run.cargo);
    assert_eq!(run.checks.len(), 1, "{}", run.output);

    // A wrong checksum: the archive is not used, the Action builds from its own source.
    let runner = Runner::new(ws.path());
    let releases = publish_release(&runner, true);
    let url = format!("file://{}", releases.display());
    let run = runner.run(pull_request_event(&base, &head), &[("release-url", &url)]);
    assert_eq!(run.code, 0, "{}", run.output);
    assert!(run.output.contains("checksum mismatch"), "{}", run.output);
    assert_eq!(run.cargo.len(), 1, "{}", run.output);
    let cargo = &run.cargo[0];
    assert_eq!(cargo[..3], strings(&["install", "--locked", "--force"]));
    assert!(
        cargo.contains(&action_path().display().to_string()),
        "{cargo:?}"
    );
    assert_eq!(run.checks.len(), 1, "{}", run.output);

    // install: release never builds: the bad archive is an error.
    let runner = Runner::new(ws.path());
    let releases = publish_release(&runner, true);
    let url = format!("file://{}", releases.display());
    let run = runner.run(
        pull_request_event(&base, &head),
        &[("release-url", &url), ("install", "release")],
    );
    assert_eq!(run.code, 2, "{}", run.output);
    assert!(
        run.cargo.is_empty() && run.checks.is_empty(),
        "{}",
        run.output
    );
}

#[test]
fn the_cache_key_follows_the_actions_source_not_an_empty_action_ref() {
    let (_server, ws, base, head) = accepted_pr();
    let runner = Runner::new(ws.path());
    runner.restore_cache();
    let run = runner.run(pull_request_event(&base, &head), &[]);
    assert_eq!(run.code, 0, "{}", run.output);
    let key = run.cache_key.expect("the cache step got a key");
    let prefix = format!("agentfence-Linux-X64-{}-", env!("CARGO_PKG_VERSION"));
    let hash = key.strip_prefix(&prefix).unwrap_or_else(|| panic!("{key}"));
    assert!(
        hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{key}"
    );

    // The hash is the source's: the same tree gives the same key, one changed file another.
    let tree = tempfile::tempdir().expect("temp dir");
    for file in ["Cargo.toml", "Cargo.lock", "src/main.rs"] {
        let to = tree.path().join(file);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(action_path().join(file), to).expect("copy");
    }
    let key_of = || {
        let outputs = tree.path().join("outputs");
        let out = Command::new("bash")
            .arg(action_path().join("scripts/action-version"))
            .env("ACTION_PATH", tree.path())
            .env("RUNNER_OS_NAME", "macOS")
            .env("RUNNER_ARCH_NAME", "ARM64")
            .env("GITHUB_OUTPUT", &outputs)
            .output()
            .expect("run action-version");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&outputs).expect("outputs");
        std::fs::remove_file(&outputs).expect("reset");
        assert!(text.contains("target=aarch64-apple-darwin\n"), "{text}");
        text.lines()
            .find_map(|l| l.strip_prefix("key="))
            .expect("a key")
            .to_owned()
    };
    let first = key_of();
    assert_eq!(first, key_of());
    std::fs::write(tree.path().join("src/main.rs"), "fn main() {}\n").expect("edit");
    assert_ne!(first, key_of());
}
