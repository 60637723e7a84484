//! Commit signatures, verified as `git verify-commit` verifies them, without running
//! `ssh-keygen` or `gpg`.
//!
//! [`Signers`] holds the files the rules name (`signatures.allowed_signers`,
//! `signatures.revoked`, `signatures.openpgp_keys`), parsed once by [`Signers::load`] from
//! bytes a caller-supplied reader returns; a file that is missing, unreadable or has one bad
//! line or key block fails the load, with one line per problem naming file and line.
//! [`Signers::verify`] judges one commit's signature (the `gpgsig` header, and the commit
//! without it as the signed payload: see `crate::git`'s `Repo::commit_signature`) and returns
//! a [`SignatureCheck`]; a malformed or oversized signature is a `bad` status, never an
//! error, since it is the commit's problem and not agentfence's.
//!
//! The module does no I/O beyond calling the reader it is given. SSH signatures follow
//! git + `ssh-keygen` ([`ssh`], [`allowed_signers`], [`revoked`], [`sshsig`]); OpenPGP ones
//! follow git + gpg ([`openpgp`]). The cryptography is the RustCrypto `ssh-key` crate's and
//! rPGP's (`pgp`); nothing here implements a cipher or a hash.

mod allowed_signers;
mod openpgp;
mod pattern;
mod revoked;
mod ssh;
mod sshsig;

use std::fmt;
use std::io;

use allowed_signers::AllowedSigners;
use openpgp::OpenPgpKeys;
use revoked::RevokedKeys;

/// The largest signature agentfence reads; a larger one is `bad` (an RSA-16384 SSH
/// signature with its certificate is under 8 KiB).
pub const MAX_SIGNATURE_SIZE: usize = 64 * 1024;

/// The largest signers file agentfence reads.
pub const MAX_SIGNERS_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// A commit signature's status (CONTRACT.md, "Signatures").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// `git verify-commit` would exit 0 with these files.
    Good,
    /// Altered, wrong namespace, revoked key, malformed, or refused for any other reason.
    Bad,
    /// No allowed-signers line (at the times that count) or OpenPGP key matches.
    UnknownKey,
    /// An OpenPGP key (or signature) expired at the time of the check.
    Expired,
    /// The commit is not signed.
    None,
}

impl Status {
    /// The contract's spelling: `good`, `bad`, `unknown-key`, `expired`, `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Good => "good",
            Status::Bad => "bad",
            Status::UnknownKey => "unknown-key",
            Status::Expired => "expired",
            Status::None => "none",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A signature's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `-----BEGIN SSH SIGNATURE-----` (`gpg.format=ssh`).
    Ssh,
    /// `-----BEGIN PGP SIGNATURE-----` (`gpg.format=openpgp`).
    OpenPgp,
}

impl Format {
    /// The contract's spelling: `ssh` or `openpgp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Ssh => "ssh",
            Format::OpenPgp => "openpgp",
        }
    }

    /// The format of a signature, by its armor line, as git tells formats apart.
    fn of(signature: &[u8]) -> Option<Format> {
        if signature.starts_with(b"-----BEGIN SSH SIGNATURE-----") {
            Some(Format::Ssh)
        } else if signature.starts_with(b"-----BEGIN PGP SIGNATURE-----")
            || signature.starts_with(b"-----BEGIN PGP MESSAGE-----")
        {
            Some(Format::OpenPgp)
        } else {
            None
        }
    }
}

/// What verifying one commit's signature found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureCheck {
    /// The status.
    pub status: Status,
    /// The signature's format; `None` when unsigned or of a format git has no verifier
    /// for here (x509).
    pub format: Option<Format>,
    /// What `git verify-commit` prints after `Good "git" signature for` (SSH: the
    /// principal as written on the line, or the certificate's principal), or the e-mail
    /// address of the user ID gpg prints (OpenPGP: the key's primary user ID, which is its
    /// first when it has one). `None` unless `good`.
    pub principal: Option<String>,
    /// Every principal the key is listed under (SSH), or every address of the key
    /// (OpenPGP), `principal` first: what `signer` and `humans` globs match. Empty unless
    /// `good`.
    pub principals: Vec<String>,
    /// A security key (`sk-`) made the signature with its user-presence flag set.
    pub presence: bool,
    /// Why the status is not `good`, in one line (for `explain`).
    pub detail: Option<String>,
}

impl SignatureCheck {
    /// An unsigned commit.
    pub fn none() -> Self {
        SignatureCheck {
            status: Status::None,
            format: None,
            principal: None,
            principals: Vec::new(),
            presence: false,
            detail: None,
        }
    }

    fn failed(status: Status, format: Option<Format>, detail: String) -> Self {
        SignatureCheck {
            status,
            format,
            detail: Some(detail),
            ..SignatureCheck::none()
        }
    }

    /// True for a `good` signature.
    pub fn is_good(&self) -> bool {
        self.status == Status::Good
    }
}

/// When a signature is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyTime {
    /// The time of the check (Unix seconds). OpenPGP key and signature expiry are judged at
    /// it, as gpg does.
    pub now: i64,
    /// Also judge SSH validity windows (`valid-after`, `valid-before`, certificates) at
    /// `now`, not only at the commit's committer time as git does: the gates set this, so
    /// that a retired key cannot sign a backdated commit.
    pub ssh_windows_at_now: bool,
}

/// The files the rules name, parsed.
#[derive(Debug, Clone, Default)]
pub struct Signers {
    allowed: Option<AllowedSigners>,
    revoked: Option<RevokedKeys>,
    openpgp: Option<OpenPgpKeys>,
}

/// The paths of the files to load, as the rules write them; `None` where not named.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignerPaths<'a> {
    /// `signatures.allowed_signers`.
    pub allowed_signers: Option<&'a str>,
    /// `signatures.revoked`.
    pub revoked: Option<&'a str>,
    /// `signatures.openpgp_keys`.
    pub openpgp_keys: Option<&'a str>,
}

impl Signers {
    /// Reads and parses every named file through `read`, which returns a file's bytes, or
    /// `None` when it does not exist. Fails closed: a missing, unreadable, oversized or
    /// malformed file is an error listing every problem found, one line each.
    pub fn load(
        paths: SignerPaths<'_>,
        mut read: impl FnMut(&str) -> io::Result<Option<Vec<u8>>>,
    ) -> Result<Signers, SignersError> {
        let mut problems = Vec::new();
        let mut signers = Signers::default();
        let mut fetch = |setting: &'static str, path: &str| -> Option<Vec<u8>> {
            let problem = |kind| FileProblem {
                file: path.to_owned(),
                setting,
                line: None,
                kind,
            };
            match read(path) {
                Ok(Some(bytes)) if bytes.len() as u64 > MAX_SIGNERS_FILE_SIZE => {
                    problems.push(problem(ProblemKind::TooLarge {
                        size: bytes.len() as u64,
                    }));
                    None
                }
                Ok(Some(bytes)) => Some(bytes),
                Ok(None) => {
                    problems.push(problem(ProblemKind::Missing));
                    None
                }
                Err(e) => {
                    problems.push(problem(ProblemKind::Unreadable(e)));
                    None
                }
            }
        };
        let allowed = paths
            .allowed_signers
            .map(|p| (p, fetch("allowed_signers", p)));
        let revoked = paths.revoked.map(|p| (p, fetch("revoked", p)));
        let openpgp = paths.openpgp_keys.map(|p| (p, fetch("openpgp_keys", p)));
        let mut malformed = |setting: &'static str, path: &str, found: Vec<(usize, String)>| {
            problems.extend(found.into_iter().map(|(line, message)| FileProblem {
                file: path.to_owned(),
                setting,
                line: (line > 0).then_some(line),
                kind: ProblemKind::Malformed(message),
            }));
        };
        if let Some((path, Some(bytes))) = allowed {
            match allowed_signers::parse(&bytes) {
                Ok(parsed) => signers.allowed = Some(parsed),
                Err(found) => malformed("allowed_signers", path, found),
            }
        }
        if let Some((path, Some(bytes))) = revoked {
            match revoked::parse(&bytes) {
                Ok(parsed) => signers.revoked = Some(parsed),
                Err(found) => malformed("revoked", path, found),
            }
        }
        if let Some((path, Some(bytes))) = openpgp {
            match openpgp::parse(&bytes) {
                Ok(parsed) => signers.openpgp = Some(parsed),
                Err(found) => malformed("openpgp_keys", path, found),
            }
        }
        if problems.is_empty() {
            Ok(signers)
        } else {
            Err(SignersError { problems })
        }
    }

    /// Judges one commit's signature: `signature` is its `gpgsig` header's value, `payload`
    /// the commit object without that header (what the signer signed).
    pub fn verify(&self, signature: &[u8], payload: &[u8], at: VerifyTime) -> SignatureCheck {
        let format = Format::of(signature);
        if signature.len() > MAX_SIGNATURE_SIZE {
            return SignatureCheck::failed(
                Status::Bad,
                format,
                format!(
                    "the signature is {} bytes; agentfence reads signatures of at most {MAX_SIGNATURE_SIZE}",
                    signature.len()
                ),
            );
        }
        match format {
            Some(Format::Ssh) => self.verify_ssh(signature, payload, at),
            Some(Format::OpenPgp) => self.verify_openpgp(signature, payload, at),
            None => SignatureCheck::failed(
                Status::Bad,
                None,
                "not an SSH or OpenPGP signature (git's x509 signatures are not verified)"
                    .to_owned(),
            ),
        }
    }

    fn verify_ssh(&self, signature: &[u8], payload: &[u8], at: VerifyTime) -> SignatureCheck {
        let now = u64::try_from(at.now).unwrap_or(0);
        // git verifies at the committer time; without one (a commit git cannot date), at
        // the time of the check, as ssh-keygen then does.
        let committer = committer_time(payload).unwrap_or(now);
        let mut times = vec![committer];
        if at.ssh_windows_at_now && now != committer {
            times.push(now);
        }
        let format = Some(Format::Ssh);
        match ssh::verify(
            signature,
            payload,
            self.allowed.as_ref(),
            self.revoked.as_ref(),
            &times,
        ) {
            ssh::Outcome::Good {
                principal,
                principals,
                presence,
            } => SignatureCheck {
                status: Status::Good,
                format,
                principal: Some(principal),
                principals,
                presence,
                detail: None,
            },
            ssh::Outcome::UnknownKey(why) => {
                SignatureCheck::failed(Status::UnknownKey, format, why)
            }
            ssh::Outcome::Bad(why) => SignatureCheck::failed(Status::Bad, format, why),
        }
    }

    fn verify_openpgp(&self, signature: &[u8], payload: &[u8], at: VerifyTime) -> SignatureCheck {
        let format = Some(Format::OpenPgp);
        let empty = OpenPgpKeys::default();
        let keys = self.openpgp.as_ref().unwrap_or(&empty);
        let now = u64::try_from(at.now).unwrap_or(0);
        match keys.verify(signature, payload, now) {
            openpgp::Outcome::Good { emails } => SignatureCheck {
                status: Status::Good,
                format,
                principal: emails.first().cloned(),
                principals: emails,
                presence: false,
                detail: None,
            },
            openpgp::Outcome::UnknownKey(why) => {
                let why = if self.openpgp.is_none() {
                    format!("{why}: no openpgp_keys file is named")
                } else {
                    why
                };
                SignatureCheck::failed(Status::UnknownKey, format, why)
            }
            openpgp::Outcome::Expired(why) => SignatureCheck::failed(Status::Expired, format, why),
            openpgp::Outcome::Bad(why) => SignatureCheck::failed(Status::Bad, format, why),
        }
    }
}

/// The committer time of a commit object (its `committer` header's timestamp), as git
/// reads it to date a signature.
fn committer_time(payload: &[u8]) -> Option<u64> {
    for line in payload.split(|&b| b == b'\n') {
        if line.is_empty() {
            break; // end of the headers
        }
        if let Some(ident) = line.strip_prefix(b"committer ") {
            let close = ident.iter().rposition(|&b| b == b'>')?;
            let date = std::str::from_utf8(&ident[close + 1..]).ok()?;
            return date.split_whitespace().next()?.parse().ok();
        }
    }
    None
}

/// One signers file could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct SignersError {
    /// Every problem found, one line each.
    pub problems: Vec<FileProblem>,
}

impl SignersError {
    /// The error of rules used before [`Signers::load`] read their files: a bug in the
    /// caller, reported rather than judged as if no key were listed.
    pub fn not_loaded<'a>(files: impl Iterator<Item = (&'static str, &'a str)>) -> Self {
        SignersError {
            problems: files
                .map(|(setting, file)| FileProblem {
                    file: file.to_owned(),
                    setting,
                    line: None,
                    kind: ProblemKind::NotLoaded,
                })
                .collect(),
        }
    }
}

/// One problem with one signers file.
#[derive(Debug)]
pub struct FileProblem {
    /// The file, as the rules name it.
    pub file: String,
    /// The setting that names it (`allowed_signers`, `revoked`, `openpgp_keys`).
    pub setting: &'static str,
    /// The 1-based line, where one is at fault.
    pub line: Option<usize>,
    /// What is wrong.
    pub kind: ProblemKind,
}

/// What is wrong with a signers file.
#[derive(Debug)]
pub enum ProblemKind {
    /// It does not exist.
    Missing,
    /// It could not be read.
    Unreadable(io::Error),
    /// It is larger than [`MAX_SIGNERS_FILE_SIZE`].
    TooLarge {
        /// Its size in bytes.
        size: u64,
    },
    /// A line or key block does not parse.
    Malformed(String),
    /// The rules were used before the file was read (an internal error).
    NotLoaded,
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (file, setting) = (&self.file, self.setting);
        match &self.kind {
            ProblemKind::Missing => write!(
                f,
                "{file}: signatures.{setting} names this file, which does not exist"
            ),
            ProblemKind::Unreadable(e) => {
                write!(f, "{file}: cannot read signatures.{setting}: {e}")
            }
            ProblemKind::TooLarge { size } => write!(
                f,
                "{file}: signatures.{setting} is {size} bytes; the limit is {MAX_SIGNERS_FILE_SIZE} bytes"
            ),
            ProblemKind::NotLoaded => write!(
                f,
                "{file}: signatures.{setting} was never read (internal error: the rules were used before their signature files were loaded)"
            ),
            ProblemKind::Malformed(message) => {
                let message = message.replace('\n', " ");
                match self.line {
                    Some(line) => write!(f, "{file}:{line}: {message}"),
                    None => write!(f, "{file}: {message}"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
