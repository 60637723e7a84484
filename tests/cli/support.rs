//! A small builder for real git repositories in temp dirs, and a runner for the binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A real repository in a temp dir, driven through the `git` CLI.
pub(crate) struct TestRepo {
    dir: tempfile::TempDir,
}

/// The variables a test keeps from the environment that runs it: enough to find programs
/// and a temp dir. Everything else is cleared, so that no agent marker of the developer's
/// own session (`CLAUDECODE`, `CODEX_SANDBOX`, `CURSOR_AGENT`, `GEMINI_CLI`,
/// `PRE_COMMIT_*`, `AGENTFENCE_*`, a forge's pusher variables...) can change an outcome.
const KEPT_VARIABLES: &[&str] = &["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "USER"];

/// Environment that makes git deterministic and blind to the user's config.
pub(crate) fn git_env(cmd: &mut Command) -> &mut Command {
    cmd.env_clear();
    for var in KEPT_VARIABLES {
        if let Some(value) = std::env::var_os(var) {
            cmd.env(var, value);
        }
    }
    cmd.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Dev Human")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "Dev Human")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
        .env_remove("AGENTFENCE_RULES")
        .env_remove("AGENTFENCE_PUSHER")
        .env_remove("AGENTFENCE_AGENT")
        .env_remove("CLAUDECODE")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
}

impl TestRepo {
    /// An empty repository with `main` as its initial branch.
    pub(crate) fn new() -> Self {
        let repo = TestRepo {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// An empty bare repository with `main` as its initial branch.
    pub(crate) fn bare() -> Self {
        let repo = TestRepo {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        repo.git(&["init", "-q", "--bare", "-b", "main"]);
        repo
    }

    /// The repository's directory.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (creating parent dirs).
    pub(crate) fn write(&self, path: &str, contents: impl AsRef<[u8]>) -> &Self {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, contents).expect("write");
        self
    }

    /// Removes a file.
    pub(crate) fn remove(&self, path: &str) -> &Self {
        std::fs::remove_file(self.path().join(path)).expect("remove");
        self
    }

    /// Stages everything and commits with `message`; returns the new commit id.
    pub(crate) fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.rev("HEAD")
    }

    /// Runs git and returns stdout; panics with stderr on failure.
    pub(crate) fn git(&self, args: &[&str]) -> String {
        let out = self.git_output(args);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 git output")
    }

    /// Runs git and returns its whole output, success or not.
    pub(crate) fn git_output(&self, args: &[&str]) -> Output {
        git_env(&mut Command::new("git"))
            .current_dir(self.path())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run git")
    }

    /// A `git` command in this repository with the test environment, to adjust and run.
    pub(crate) fn git_cmd(&self) -> Command {
        let mut cmd = Command::new("git");
        git_env(&mut cmd)
            .current_dir(self.path())
            .stdin(Stdio::null());
        cmd
    }

    /// The full id a revision names.
    pub(crate) fn rev(&self, rev: &str) -> String {
        self.git(&["rev-parse", rev]).trim().to_string()
    }

    /// A command for the agentfence binary, run in this repository.
    pub(crate) fn agentfence(&self) -> Command {
        let mut cmd = Command::new(bin());
        git_env(&mut cmd).current_dir(self.path());
        cmd
    }

    /// Runs agentfence with `args` and returns its output.
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.agentfence()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run agentfence")
    }
}

/// The path of the binary under test.
pub(crate) fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_agentfence"))
}

/// Stdout as text.
pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Stderr as text.
pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The exit code (panics when killed by a signal, which a test must notice).
pub(crate) fn code(out: &Output) -> i32 {
    out.status.code().expect("exited, not killed by a signal")
}

/// A bare repository standing in for a git server, with agentfence's `hooks/pre-receive`
/// installed (the script from this crate's `hooks/`), reached over `file://`.
pub(crate) struct Server {
    repo: TestRepo,
}

impl Server {
    /// An empty bare repository, no hook yet (seed it first, then [`Server::install_hook`]).
    pub(crate) fn new() -> Self {
        Server {
            repo: TestRepo::bare(),
        }
    }

    /// Installs `hooks/pre-receive` from the crate, executable.
    pub(crate) fn install_hook(&self) -> &Self {
        use std::os::unix::fs::PermissionsExt;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/pre-receive");
        let hook = self.path().join("hooks/pre-receive");
        std::fs::create_dir_all(hook.parent().expect("hooks dir")).expect("mkdir hooks");
        std::fs::copy(&script, &hook).expect("copy the hook script");
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        self
    }

    /// The bare repository's directory.
    pub(crate) fn path(&self) -> &Path {
        self.repo.path()
    }

    /// A command for the agentfence binary, run in the bare repository (not as a hook).
    pub(crate) fn agentfence(&self) -> Command {
        self.repo.agentfence()
    }

    /// The `file://` URL a client pushes to.
    pub(crate) fn url(&self) -> String {
        format!("file://{}", self.path().display())
    }

    /// Runs git in the bare repository; panics on failure.
    pub(crate) fn git(&self, args: &[&str]) -> String {
        self.repo.git(args)
    }

    /// Runs git in the bare repository, success or not.
    pub(crate) fn git_output(&self, args: &[&str]) -> Output {
        self.repo.git_output(args)
    }

    /// Every ref with the object it points at (`git for-each-ref`), plus where HEAD points.
    pub(crate) fn refs(&self) -> String {
        let refs = self.git(&["for-each-ref", "--format=%(objectname) %(refname)"]);
        let head = self.git_output(&["symbolic-ref", "HEAD"]);
        format!("{refs}HEAD -> {}", stdout(&head).trim())
    }

    /// The id a ref points at on the server, if it exists.
    pub(crate) fn ref_id(&self, name: &str) -> Option<String> {
        let out = self.git_output(&["rev-parse", "--verify", "-q", name]);
        out.status.success().then(|| stdout(&out).trim().to_owned())
    }

    /// True when the object exists in the server's object store.
    pub(crate) fn has_object(&self, id: &str) -> bool {
        self.git_output(&["cat-file", "-e", id]).status.success()
    }

    /// `agentfence pre-receive` run by hand as git would run it (GIT_DIR set), fed `stdin`
    /// (from a thread, so a large input never deadlocks against the hook's output).
    pub(crate) fn pre_receive(&self, args: &[&str], stdin: impl AsRef<[u8]>) -> Output {
        use std::io::Write;
        let mut cmd = Command::new(bin());
        git_env(&mut cmd)
            .current_dir(self.path())
            .env("GIT_DIR", ".")
            .arg("pre-receive")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("run agentfence pre-receive");
        let mut input = child.stdin.take().expect("stdin");
        let stdin = stdin.as_ref().to_vec();
        // The hook may fail before reading all of stdin; a broken pipe is no test failure.
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&stdin);
        });
        let out = child.wait_with_output().expect("wait for agentfence");
        writer.join().expect("the stdin writer does not panic");
        out
    }
}

impl TestRepo {
    /// A `git push` to `server` (remote `origin` must point at it, see [`TestRepo::remote`]),
    /// with the hook's binary named in the environment, as a local push hands it to the hook.
    pub(crate) fn push_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.git_cmd();
        cmd.env("AGENTFENCE_BIN", bin())
            .env_remove("GL_USERNAME")
            .env_remove("GITEA_PUSHER_NAME")
            .env_remove("GL_USER")
            .env_remove("REMOTE_USER")
            .arg("push")
            .args(args);
        cmd
    }

    /// Adds `server` as the remote `origin`.
    pub(crate) fn remote(&self, server: &Server) -> &Self {
        self.git(&["remote", "add", "origin", &server.url()]);
        self
    }
}
