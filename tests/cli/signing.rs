//! Helpers for signed commits, so that signature tests read as scenarios: SSH keys and
//! certificates made with `ssh-keygen`, OpenPGP keys made with `gpg`, commits signed
//! through git itself, tampered copies, and git's own verdict (`git verify-commit` and
//! `%G?`) on a commit with given signers files. ssh-keygen and gpg are used here only, to
//! make keys and to sign; agentfence never runs them.

#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::support::{TestRepo, stderr, stdout};

/// A directory for keys, certificates and signers files (and a rules file beside them).
pub(crate) struct Keys {
    dir: tempfile::TempDir,
}

/// An SSH key pair on disk.
pub(crate) struct SshKey {
    /// The private key file (git's `user.signingkey`).
    pub(crate) private: PathBuf,
    /// The public key line, `keytype base64 comment`.
    pub(crate) public: String,
}

impl SshKey {
    /// The public key line without its comment: what an allowed-signers line ends with.
    pub(crate) fn line(&self) -> String {
        self.public.split(' ').take(2).collect::<Vec<_>>().join(" ")
    }
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.stdin(Stdio::null()).output().expect("run a key tool");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

impl Keys {
    /// An empty key directory.
    pub(crate) fn new() -> Self {
        Keys {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// The directory.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file in the directory and returns its path.
    pub(crate) fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(name);
        std::fs::write(&path, contents).expect("write a key file");
        path
    }

    /// A new SSH key: `kind` is a type (`ed25519`, `rsa`, `dsa`), or a type and a size
    /// (`ecdsa-384`, `rsa-1024`).
    pub(crate) fn ssh(&self, name: &str, kind: &str) -> SshKey {
        let private = self.path().join(name);
        let mut cmd = Command::new("ssh-keygen");
        cmd.args(["-q", "-N", "", "-C", name, "-f"]).arg(&private);
        match kind.split_once('-') {
            Some((kind, bits)) => cmd.args(["-t", kind, "-b", bits]),
            _ => cmd.args(["-t", kind]),
        };
        run(&mut cmd);
        let public = std::fs::read_to_string(private.with_extension("pub"))
            .expect("public key")
            .trim()
            .to_owned();
        SshKey { private, public }
    }

    /// Certifies `key` as a user certificate signed by `ca` for `principals`, with
    /// `ssh-keygen -V validity` when given (else valid forever, ssh-keygen's default);
    /// returns the certificate's path (git's `user.signingkey` to sign with it).
    pub(crate) fn certify(
        &self,
        ca: &SshKey,
        key: &SshKey,
        principals: &[&str],
        validity: Option<&str>,
    ) -> PathBuf {
        let public = self.path().join(format!(
            "{}.pub",
            key.private.file_name().expect("name").to_string_lossy()
        ));
        let mut cmd = Command::new("ssh-keygen");
        cmd.args(["-q", "-s"])
            .arg(&ca.private)
            .args(["-I", "test", "-n", &principals.join(",")]);
        if let Some(v) = validity {
            cmd.args(["-V", v]);
        }
        run(cmd.arg(&public));
        let cert = self.path().join(format!(
            "{}-cert.pub",
            key.private.file_name().expect("name").to_string_lossy()
        ));
        assert!(cert.exists(), "ssh-keygen wrote no certificate");
        cert
    }

    /// A `gpg.ssh.program` that signs in `namespace` whatever git asks for.
    pub(crate) fn ssh_program_signing_in(&self, namespace: &str) -> PathBuf {
        self.script(
            "ssh-keygen-namespace",
            &format!(
                "#!/bin/sh\nn=$#\nfor a in \"$@\"; do\n  if [ \"$a\" = git ]; then a={namespace}; fi\n  set -- \"$@\" \"$a\"\ndone\nshift $n\nexec ssh-keygen \"$@\"\n"
            ),
        )
    }

    /// An executable script in the directory.
    pub(crate) fn script(&self, name: &str, body: &str) -> PathBuf {
        let path = self.write(name, body);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    }

    /// A rules file in the directory (its signers files are named relative to it).
    pub(crate) fn rules(&self, yaml: &str) -> PathBuf {
        self.write("rules.yaml", yaml)
    }
}

/// A GnuPG home with its own agent, killed when dropped.
pub(crate) struct Gpg {
    home: tempfile::TempDir,
}

impl Gpg {
    /// An empty GnuPG home.
    pub(crate) fn new() -> Self {
        let home = tempfile::Builder::new()
            .prefix("g")
            .tempdir_in("/tmp")
            .expect("gnupg home");
        std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700))
            .expect("chmod gnupg home");
        Gpg { home }
    }

    /// A home holding exactly the keys of an armored keyring, as git's oracle needs.
    pub(crate) fn with_keyring(keyring: &Path) -> Self {
        let gpg = Gpg::new();
        gpg.run(&["--import"], Some(keyring));
        gpg
    }

    /// The home directory (`GNUPGHOME`).
    pub(crate) fn home(&self) -> &Path {
        self.home.path()
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new("gpg");
        cmd.arg("--homedir").arg(self.home()).args([
            "--batch",
            "--no-tty",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            "",
        ]);
        cmd
    }

    fn run(&self, args: &[&str], file: Option<&Path>) -> String {
        let mut cmd = self.command();
        cmd.args(args);
        if let Some(f) = file {
            cmd.arg(f);
        }
        run(&mut cmd)
    }

    /// A new ed25519 signing key for `uid` expiring after `expire` (`0`: never), created
    /// at `at` (gpg's `--faked-system-time`, e.g. `20250101T000000`) when given; returns
    /// its fingerprint.
    pub(crate) fn key(&self, uid: &str, expire: &str, at: Option<&str>) -> String {
        let mut args = vec![];
        if let Some(t) = at {
            args.extend(["--faked-system-time", t]);
        }
        args.extend(["--quick-gen-key", uid, "ed25519", "sign", expire]);
        self.run(&args, None);
        self.fingerprints(uid)[0].clone()
    }

    /// Adds a user ID to a key.
    pub(crate) fn add_uid(&self, fpr: &str, uid: &str) {
        self.run(&["--quick-add-uid", fpr, uid], None);
    }

    /// Adds a signing subkey to a key; returns the subkey's fingerprint.
    pub(crate) fn signing_subkey(&self, fpr: &str) -> String {
        self.run(&["--quick-add-key", fpr, "ed25519", "sign", "0"], None);
        let prints = self.fingerprints(fpr);
        prints.last().expect("a subkey fingerprint").clone()
    }

    /// Revokes a key with the revocation certificate gpg made when it made the key.
    pub(crate) fn revoke(&self, fpr: &str) {
        let rev = self.home().join(format!("openpgp-revocs.d/{fpr}.rev"));
        let text = std::fs::read_to_string(&rev).expect("revocation certificate");
        // gpg guards the certificate's armor line with a ':' against accidental import.
        let cert = text.replace(
            ":-----BEGIN PGP PUBLIC KEY BLOCK-----",
            "-----BEGIN PGP PUBLIC KEY BLOCK-----",
        );
        let path = self.home().join("revoke.asc");
        std::fs::write(&path, cert).expect("write the revocation");
        self.run(&["--import"], Some(&path));
    }

    /// The fingerprints (primary first, then subkeys) of the key `id` names.
    pub(crate) fn fingerprints(&self, id: &str) -> Vec<String> {
        self.run(&["--with-colons", "--list-keys", id], None)
            .lines()
            .filter_map(|l| l.strip_prefix("fpr:"))
            .map(|l| l.trim_matches(':').to_owned())
            .collect()
    }

    /// The armored public keys of `fprs`.
    pub(crate) fn export(&self, fprs: &[&str]) -> String {
        let mut args = vec!["--armor", "--export"];
        args.extend_from_slice(fprs);
        self.run(&args, None)
    }

    /// A `gpg.program` for git that uses this home, at a faked time when given.
    pub(crate) fn program(&self, dir: &Keys, at: Option<&str>) -> PathBuf {
        let faked = at.map_or(String::new(), |t| format!("--faked-system-time {t} "));
        dir.script(
            &format!(
                "gpg-{}-{}",
                self.home().file_name().expect("name").to_string_lossy(),
                at.unwrap_or("now")
            ),
            &format!(
                "#!/bin/sh\nexec gpg --homedir {} {faked}\"$@\"\n",
                self.home().display()
            ),
        )
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .arg("--homedir")
            .arg(self.home())
            .args(["--kill", "gpg-agent"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl TestRepo {
    /// An empty commit signed with the SSH key (or certificate) at `signing_key`, through
    /// `git commit -S`; `config` adds `-c` settings. Returns its id.
    pub(crate) fn commit_ssh_signed(
        &self,
        signing_key: &Path,
        message: &str,
        config: &[String],
    ) -> String {
        let mut cmd = self.git_cmd();
        cmd.args(["-c", "gpg.format=ssh", "-c"])
            .arg(format!("user.signingkey={}", signing_key.display()));
        for c in config {
            cmd.args(["-c", c]);
        }
        run(cmd.args(["commit", "-q", "-S", "--allow-empty", "-m", message]));
        self.rev("HEAD")
    }

    /// An empty commit signed by gpg with `key` (a fingerprint; `FPR!` for a subkey)
    /// through `program` (see [`Gpg::program`]). Returns its id.
    pub(crate) fn commit_gpg_signed(&self, program: &Path, key: &str, message: &str) -> String {
        let mut cmd = self.git_cmd();
        cmd.args(["-c", "gpg.format=openpgp", "-c"])
            .arg(format!("gpg.program={}", program.display()))
            .args(["-c", &format!("user.signingkey={key}")]);
        run(cmd.args(["commit", "-q", "-S", "--allow-empty", "-m", message]));
        self.rev("HEAD")
    }

    /// A copy of commit `id` whose message has one byte changed but whose signature is
    /// kept: a tampered commit, written as git would never write it.
    pub(crate) fn tamper(&self, id: &str) -> String {
        let raw = self.git(&["cat-file", "commit", id]);
        let (head, message) = raw.split_once("\n\n").expect("a commit has a message");
        let altered = format!("{head}\n\n{}", message.replacen('e', "3", 1));
        assert_ne!(altered, raw, "the message must change");
        self.write_commit(&altered)
    }

    /// Writes raw commit bytes as an object (`hash-object --literally`); returns its id.
    pub(crate) fn write_commit(&self, raw: &str) -> String {
        let path = self.path().join(".git/raw-commit");
        std::fs::write(&path, raw).expect("write raw commit");
        let out = self.git(&[
            "hash-object",
            "-t",
            "commit",
            "-w",
            "--literally",
            path.to_str().expect("utf-8 path"),
        ]);
        out.trim().to_owned()
    }
}

/// What git says of a commit's signature with the given files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GitVerdict {
    /// The contract's status, from `git verify-commit`'s exit code and `%G?`.
    pub(crate) status: String,
    /// SSH: what follows `Good "git" signature for`; OpenPGP: the e-mail address of the
    /// user ID `Good signature from` names.
    pub(crate) principal: Option<String>,
}

/// The signers files git is configured with.
#[derive(Default, Clone, Copy)]
pub(crate) struct GitFiles<'a> {
    /// `gpg.ssh.allowedSignersFile`.
    pub(crate) allowed_signers: Option<&'a Path>,
    /// `gpg.ssh.revocationFile`.
    pub(crate) revoked: Option<&'a Path>,
    /// `GNUPGHOME` holding the OpenPGP keys.
    pub(crate) gnupghome: Option<&'a Path>,
}

/// git's verdict on commit `id`: `verify-commit` exiting 0 is `good`; otherwise `%G?`
/// tells the rest (U: a good signature by an unknown key; E: gpg has no such key; X, Y:
/// an expired signature or key; B, R: bad, revoked; N: unsigned).
pub(crate) fn git_verdict(repo: &TestRepo, id: &str, files: GitFiles<'_>) -> GitVerdict {
    let git = |args: &[&str]| {
        let mut cmd = repo.git_cmd();
        // ssh-keygen reads times without a zone in the local zone: pin it.
        cmd.env("TZ", "UTC");
        // An empty GNUPGHOME when none is given, so the user's keys never count.
        let empty = Gpg::new();
        cmd.env("GNUPGHOME", files.gnupghome.unwrap_or(empty.home()));
        if let Some(f) = files.allowed_signers {
            cmd.arg("-c")
                .arg(format!("gpg.ssh.allowedSignersFile={}", f.display()));
        }
        if let Some(f) = files.revoked {
            cmd.arg("-c")
                .arg(format!("gpg.ssh.revocationFile={}", f.display()));
        }
        cmd.args(args).output().expect("run git")
    };
    let verify = git(&["verify-commit", id]);
    let letter = stdout(&git(&["log", "-1", "--format=%G?", id]))
        .trim()
        .to_owned();
    let said = stderr(&verify);
    let status = if verify.status.success() {
        "good"
    } else {
        match letter.as_str() {
            "U" | "E" => "unknown-key",
            "X" | "Y" => "expired",
            "B" | "R" => "bad",
            "N" => "none",
            other => panic!("unexpected %G? {other:?} for {id}: {said}"),
        }
    };
    let principal = if let Some(rest) = said
        .lines()
        .find_map(|l| l.strip_prefix("Good \"git\" signature for "))
    {
        rest.rfind(" with ").map(|i| rest[..i].to_owned())
    } else {
        said.lines()
            .find_map(|l| l.split_once("Good signature from \""))
            .and_then(|(_, rest)| rest.split_once('<'))
            .and_then(|(_, rest)| rest.split_once('>'))
            .map(|(email, _)| email.to_owned())
    };
    GitVerdict {
        status: status.to_owned(),
        principal: if verify.status.success() {
            principal
        } else {
            None
        },
    }
}
