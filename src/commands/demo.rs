//! `agentfence demo`: agentfence at work in a minute, with nothing to configure.
//!
//! It builds a scratch "server" (a bare repository whose `pre-receive` hook is this
//! repository's `hooks/pre-receive`, running this very binary) and a clone, then pushes:
//! a person's first commit to `main`; Claude Code's commit inside the boundary; Claude
//! Code's edit to the CI workflow; the same edit by a person. Each step prints the git
//! commands it runs and the `remote:` lines the hook sends back, so the reader sees the
//! real gate, under the embedded default rules. The outcomes are checked: if the agent's
//! CI edit were accepted, or a person's push rejected, the demo fails (exit 2) instead of
//! showing something false.
//!
//! git runs with no system or global configuration (no signing prompts, no hooks path,
//! no default branch of the user's), with fixed names and dates, and without the
//! variables that name a pusher or rules, so the demo shows the same thing everywhere.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::setup::SetupError;
use crate::Result;

/// The hook script installed into the demo's server.
const PRE_RECEIVE: &str = include_str!("../../hooks/pre-receive");

/// The trailer Claude Code adds to its commits.
const CLAUDE_TRAILER: &str = "Co-Authored-By: Claude <noreply@anthropic.com>";

/// Options of `agentfence demo`.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// The agentfence binary the hook runs (the running one).
    pub binary: PathBuf,
    /// Build the demo here and keep it (new or empty); `None`: a temporary directory,
    /// removed afterwards.
    pub dir: Option<PathBuf>,
}

/// How a push must end.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Expect {
    Accepted,
    Rejected,
}

/// Runs the demo, writing what it does to `out`.
pub fn run(opts: &DemoOptions, out: &mut dyn Write) -> Result<()> {
    let temp;
    let root = match &opts.dir {
        Some(dir) => {
            prepare_dir(dir)?;
            dir.canonicalize().map_err(|source| SetupError::Write {
                path: dir.clone(),
                source,
            })?
        }
        None => {
            temp = tempfile::Builder::new()
                .prefix("agentfence-demo-")
                .tempdir()
                .map_err(|source| SetupError::Write {
                    path: std::env::temp_dir(),
                    source,
                })?;
            temp.path().to_path_buf()
        }
    };
    let demo = Demo {
        root: root.clone(),
        binary: opts.binary.clone(),
    };
    writeln!(
        out,
        "agentfence demo: a scratch git server with agentfence's pre-receive hook, and pushes by\n\
         an AI agent (Claude Code) and by a person. Nothing is configured: the hook judges with\n\
         the embedded default rules (`agentfence rules default`)."
    )?;
    match &opts.dir {
        Some(_) => writeln!(out, "Working in {} (kept).", root.display())?,
        None => writeln!(
            out,
            "Working in {} (removed at the end; keep it with --dir DIR).",
            root.display()
        )?,
    }
    demo.story(out)
}

/// A directory for `--dir`: created if missing, else it must be empty.
fn prepare_dir(dir: &Path) -> Result<()> {
    let write_err = |source| SetupError::Write {
        path: dir.to_path_buf(),
        source,
    };
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(write_err)?;
        if entries.next().is_some() {
            return Err(SetupError::NotEmpty {
                path: dir.to_path_buf(),
            }
            .into());
        }
        Ok(())
    } else {
        std::fs::create_dir_all(dir).map_err(write_err)?;
        Ok(())
    }
}

struct Demo {
    root: PathBuf,
    binary: PathBuf,
}

impl Demo {
    fn server(&self) -> PathBuf {
        self.root.join("server.git")
    }

    fn work(&self) -> PathBuf {
        self.root.join("work")
    }

    fn story(&self, out: &mut dyn Write) -> Result<()> {
        writeln!(
            out,
            "\n1. The server: a bare repository whose HEAD names main, with the hook.\n   \
             $ git init --bare -b main server.git\n   \
             $ cp hooks/pre-receive server.git/hooks/pre-receive   # runs {}",
            self.binary.display()
        )?;
        self.git(
            &self.root,
            &["init", "-q", "--bare", "-b", "main", "server.git"],
        )?;
        self.install_hook()?;

        writeln!(
            out,
            "\n2. A person's first commit: an app and its CI workflow, pushed to main."
        )?;
        writeln!(
            out,
            "   $ git init -b main work && cd work && git remote add origin ../server.git"
        )?;
        self.git(&self.root, &["init", "-q", "-b", "main", "work"])?;
        let work = self.work();
        self.git(&work, &["remote", "add", "origin", "../server.git"])?;
        self.write("README.md", "# hello\n\nA tiny app.\n")?;
        self.write("src/hello.py", "print('hello')\n")?;
        self.write(".github/workflows/ci.yml", CI_WORKFLOW)?;
        self.commit(out, PERSON, "Add the app and its CI", None)?;
        self.push(out, "main", Expect::Accepted)?;

        writeln!(
            out,
            "\n3. Claude Code changes the app on a branch: its commit carries Claude's trailer,\n   \
             so the hook judges it under the agents' policy, and it is inside the boundary."
        )?;
        writeln!(out, "   $ git checkout -b agent/greeting main")?;
        self.git(&work, &["checkout", "-q", "-b", "agent/greeting", "main"])?;
        self.write("src/hello.py", "print('hello, world')\n")?;
        self.commit(out, AGENT, "Greet the world", Some(CLAUDE_TRAILER))?;
        self.push(out, "agent/greeting", Expect::Accepted)?;

        writeln!(
            out,
            "\n4. Claude Code edits the CI workflow, where code runs with the repository's secrets:\n   \
             the default rules deny agents .github/workflows/**, so the server rejects the push."
        )?;
        writeln!(out, "   $ git checkout -b agent/ci main")?;
        self.git(&work, &["checkout", "-q", "-b", "agent/ci", "main"])?;
        self.write(".github/workflows/ci.yml", CI_WORKFLOW_SKIPPED)?;
        self.commit(out, AGENT, "Skip the flaky tests", Some(CLAUDE_TRAILER))?;
        self.push(out, "agent/ci", Expect::Rejected)?;

        writeln!(
            out,
            "\n5. A person makes the very same change: no policy binds a person by default, so\n   \
             the server accepts it."
        )?;
        writeln!(out, "   $ git checkout -b person/ci main")?;
        self.git(&work, &["checkout", "-q", "-b", "person/ci", "main"])?;
        self.write(".github/workflows/ci.yml", CI_WORKFLOW_SKIPPED)?;
        self.commit(out, PERSON, "Skip the flaky tests", None)?;
        self.push(out, "person/ci", Expect::Accepted)?;

        writeln!(
            out,
            "\nThe agent's change to CI was rejected at the server, the same change by a person\n\
             was accepted, and the agent's ordinary work went through.\n\n\
             An agent that leaves its trailer out is bound by the account it pushes with\n\
             (`match: {{pusher: [...]}}`): see docs/server.md. Next, in your repository:\n  \
             agentfence init                      a starter .agentfence.yaml naming the agents in its history\n  \
             agentfence check origin/main..HEAD   judge a branch's commits, as CI does"
        )?;
        Ok(())
    }

    /// Installs the hook script, executable, pointing at this binary.
    fn install_hook(&self) -> Result<()> {
        let hook = self.server().join("hooks").join("pre-receive");
        std::fs::write(&hook, PRE_RECEIVE).map_err(|source| SetupError::Write {
            path: hook.clone(),
            source,
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).map_err(
                |source| SetupError::Write {
                    path: hook.clone(),
                    source,
                },
            )?;
        }
        Ok(())
    }

    fn write(&self, path: &str, contents: &str) -> Result<()> {
        let full = self.work().join(path);
        let write_err = |source| SetupError::Write {
            path: full.clone(),
            source,
        };
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(write_err)?;
        }
        std::fs::write(&full, contents).map_err(write_err)?;
        Ok(())
    }

    /// Commits everything as `who`, with `trailer` after a blank line.
    fn commit(
        &self,
        out: &mut dyn Write,
        who: (&str, &str),
        subject: &str,
        trailer: Option<&str>,
    ) -> Result<()> {
        let message = match trailer {
            Some(t) => format!("{subject}\n\n{t}\n"),
            None => format!("{subject}\n"),
        };
        match trailer {
            Some(t) => writeln!(
                out,
                "   $ git commit -m \"{subject}\" -m \"{t}\"   # as {} <{}>",
                who.0, who.1
            )?,
            None => writeln!(
                out,
                "   $ git commit -m \"{subject}\"   # as {} <{}>",
                who.0, who.1
            )?,
        }
        let work = self.work();
        self.git(&work, &["add", "-A"])?;
        let mut cmd = self.git_command(&work);
        cmd.args(["commit", "-q", "-m", &message])
            .env("GIT_AUTHOR_NAME", who.0)
            .env("GIT_AUTHOR_EMAIL", who.1)
            .env("GIT_COMMITTER_NAME", who.0)
            .env("GIT_COMMITTER_EMAIL", who.1);
        let output = run_git(cmd, "commit")?;
        succeeded(&output, "commit")
    }

    /// Pushes `branch` and shows what the server said; fails unless it ended as `expect`.
    fn push(&self, out: &mut dyn Write, branch: &str, expect: Expect) -> Result<()> {
        writeln!(out, "   $ git push origin {branch}")?;
        let mut cmd = self.git_command(&self.work());
        cmd.args(["push", "-q", "origin", branch]);
        let output = run_git(cmd, "push")?;
        let said = String::from_utf8_lossy(&output.stderr);
        for line in said.lines() {
            // git pads the hook's sideband lines with spaces: drop them.
            writeln!(out, "   {}", line.trim_end())?;
        }
        let got = match (output.status.success(), said.contains("agentfence: ")) {
            (true, true) => Expect::Accepted,
            (false, true) => Expect::Rejected,
            (_, false) => {
                return Err(SetupError::Demo {
                    what: format!("the push of {branch}"),
                    expected: "a line from agentfence's hook",
                    got: "none: the hook did not run".to_owned(),
                }
                .into());
            }
        };
        if got != expect {
            return Err(SetupError::Demo {
                what: format!("the push of {branch}"),
                expected: name(expect),
                got: name(got).to_owned(),
            }
            .into());
        }
        writeln!(out, "   => {}", name(got))?;
        Ok(())
    }

    /// Runs a git command that must succeed.
    fn git(&self, dir: &Path, args: &[&str]) -> Result<()> {
        let mut cmd = self.git_command(dir);
        cmd.args(args);
        let output = run_git(cmd, &args.join(" "))?;
        succeeded(&output, &args.join(" "))
    }

    /// `git` in `dir`, blind to the user's configuration and to variables that would
    /// change what the hook sees; the hook runs this binary.
    fn git_command(&self, dir: &Path) -> Command {
        let mut cmd = Command::new("git");
        cmd.current_dir(dir)
            .env_clear()
            .stdin(Stdio::null())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", self.root.join("empty.gitconfig"))
            .env("GIT_AUTHOR_DATE", "2026-01-01T12:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-01-01T12:00:00Z")
            .env("GIT_AUTHOR_NAME", PERSON.0)
            .env("GIT_AUTHOR_EMAIL", PERSON.1)
            .env("GIT_COMMITTER_NAME", PERSON.0)
            .env("GIT_COMMITTER_EMAIL", PERSON.1)
            .env("LC_ALL", "C")
            .env("AGENTFENCE_BIN", &self.binary);
        // What git and the hook script need from the system, nothing else.
        for var in ["PATH", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP"] {
            if let Some(value) = std::env::var_os(var) {
                cmd.env(var, value);
            }
        }
        cmd
    }
}

fn run_git(mut cmd: Command, what: &str) -> Result<Output> {
    cmd.output().map_err(|e| {
        SetupError::Git {
            args: what.to_owned(),
            detail: format!("could not run git ({e}); is git installed and on PATH?"),
        }
        .into()
    })
}

fn succeeded(output: &Output, what: &str) -> Result<()> {
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(SetupError::Git {
        args: what.to_owned(),
        detail: stderr
            .lines()
            .rfind(|l| !l.trim().is_empty())
            .unwrap_or("no message")
            .to_owned(),
    }
    .into())
}

fn name(expect: Expect) -> &'static str {
    match expect {
        Expect::Accepted => "accepted",
        Expect::Rejected => "rejected",
    }
}

/// The person in the demo.
const PERSON: (&str, &str) = ("Dana Developer", "dana@example.com");
/// Claude Code, committing under the person's identity as it does (the trailer marks it).
const AGENT: (&str, &str) = ("Dana Developer", "dana@example.com");

const CI_WORKFLOW: &str = "name: ci\n\
on: [push, pull_request]\n\
jobs:\n  \
  test:\n    \
    runs-on: ubuntu-latest\n    \
    steps:\n      \
      - uses: actions/checkout@v4\n      \
      - run: python -m unittest\n";

const CI_WORKFLOW_SKIPPED: &str = "name: ci\n\
on: [push, pull_request]\n\
jobs:\n  \
  test:\n    \
    runs-on: ubuntu-latest\n    \
    steps:\n      \
      - uses: actions/checkout@v4\n      \
      - run: echo skipping the tests\n";
