//! The `signatures:` section and `match.signer`: raw YAML, validation and the compiled
//! [`SignatureRules`], plus loading the files the section names into [`Signers`].
//!
//! Kept apart from `raw` and `compile` so that the section reads as one piece: `raw` and
//! `compile` only call in here. File paths are checked when the rules compile (relative
//! paths are repository paths, normalized, never leaving the tree with `..`); the files
//! themselves are read by [`Rules::load_signature_files`], through a reader the caller gives,
//! because where they come from (a committed revision, a directory beside `--rules FILE`)
//! is the caller's knowledge.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use super::compile::Found;
use super::keypath::KeyPath;
use super::model::{PolicyId, Rules};
use super::raw::Checked;
use crate::signature::{MAX_SIGNERS_FILE_SIZE, SignatureCheck, SignerPaths, Signers, SignersError};

/// `signatures:` as written.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping (allowed_signers, openpgp_keys, revoked, humans, humans_presence, unverified_policy)"
)]
pub(crate) struct RawSignatures {
    /// git's allowed-signers file.
    #[serde(default)]
    pub(crate) allowed_signers: Option<Checked<FilePath>>,
    /// ASCII-armored OpenPGP public keys.
    #[serde(default)]
    pub(crate) openpgp_keys: Option<Checked<FilePath>>,
    /// Revoked SSH keys.
    #[serde(default)]
    pub(crate) revoked: Option<Checked<FilePath>>,
    /// Principal globs of people.
    #[serde(default)]
    pub(crate) humans: Vec<Checked<PrincipalGlob>>,
    /// People's signatures count only from security keys with user presence.
    #[serde(default)]
    pub(crate) humans_presence: bool,
    /// The policy of commits nobody owns and no person signed.
    #[serde(default)]
    pub(crate) unverified_policy: Option<String>,
}

/// A signers file path: absolute (on the server's disk), or relative (a repository path,
/// normalized: no `.` or empty components, no `..`).
#[derive(Debug, Clone)]
pub(crate) struct FilePath(pub(crate) String);

impl TryFrom<String> for FilePath {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.trim().is_empty() {
            return Err("empty path".to_owned());
        }
        if s.contains('\0') {
            return Err(format!("path {s:?} contains a NUL byte"));
        }
        if s.starts_with('/') {
            return Ok(FilePath(s));
        }
        let mut parts = Vec::new();
        for part in s.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    return Err(format!(
                        "path {s:?} leaves the repository with '..'; name a path inside it, \
                         or an absolute path"
                    ));
                }
                p => parts.push(p),
            }
        }
        if parts.is_empty() {
            return Err(format!("path {s:?} names no file"));
        }
        Ok(FilePath(parts.join("/")))
    }
}

/// A glob on signature principals (`*@example.com`), checked to compile.
#[derive(Debug, Clone)]
pub(crate) struct PrincipalGlob(pub(crate) String);

impl TryFrom<String> for PrincipalGlob {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.is_empty() {
            return Err("empty principal glob".to_owned());
        }
        principal_glob(&s).map(|_| PrincipalGlob(s))
    }
}

fn principal_glob(text: &str) -> Result<globset::Glob, String> {
    GlobBuilder::new(text)
        .literal_separator(false)
        .build()
        .map_err(|e| format!("invalid principal glob {text:?}: {}", e.kind()))
}

/// Compiled globs on signature principals: `*` matches any run of characters, `?` one;
/// case-sensitive, as principals are compared by ssh-keygen.
#[derive(Debug, Clone, Default)]
pub struct PrincipalGlobs {
    /// The globs as written.
    pub patterns: Vec<String>,
    set: GlobSet,
}

impl PrincipalGlobs {
    /// True when there is no glob.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// True when some glob matches `principal`.
    pub fn is_match(&self, principal: &str) -> bool {
        !self.patterns.is_empty() && self.set.is_match(principal)
    }

    /// The first principal of a `good` signature that some glob matches (every principal
    /// its key is listed under counts, CONTRACT.md "Signatures"); `None` for any other
    /// status.
    pub fn matching_principal<'c>(&self, check: &'c SignatureCheck) -> Option<&'c str> {
        if !check.is_good() {
            return None;
        }
        check
            .principals
            .iter()
            .map(String::as_str)
            .find(|p| self.is_match(p))
    }
}

/// The compiled `signatures:` section.
#[derive(Debug, Clone)]
pub struct SignatureRules {
    /// `allowed_signers`, normalized (see [`SignatureRules::repo_paths`]).
    pub allowed_signers: Option<String>,
    /// `openpgp_keys`, normalized.
    pub openpgp_keys: Option<String>,
    /// `revoked`, normalized.
    pub revoked: Option<String>,
    /// `humans`: principals whose good signature makes an unowned commit a person's.
    pub humans: PrincipalGlobs,
    /// `humans_presence`: a person's signature counts only from a security key that
    /// signed with its user-presence flag.
    pub humans_presence: bool,
    /// `unverified_policy`: the policy of commits no agent owns and no person signed.
    pub unverified_policy: Option<PolicyId>,
    /// The files, once [`Rules::load_signature_files`] has read them.
    signers: Option<Arc<Signers>>,
}

impl SignatureRules {
    /// The loaded files; `None` until [`Rules::load_signature_files`] ran.
    pub fn signers(&self) -> Option<&Signers> {
        self.signers.as_deref()
    }

    /// True when the section names a file to verify signatures with.
    pub fn names_keys(&self) -> bool {
        self.allowed_signers.is_some() || self.openpgp_keys.is_some()
    }

    /// The named files: `(setting, path)`.
    pub fn files(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("allowed_signers", &self.allowed_signers),
            ("openpgp_keys", &self.openpgp_keys),
            ("revoked", &self.revoked),
        ]
        .into_iter()
        .filter_map(|(setting, path)| path.as_deref().map(|p| (setting, p)))
    }

    /// The repository paths of the named files (the relative ones), which every agent
    /// policy must be denied, as the rules file is.
    pub fn repo_paths(&self) -> impl Iterator<Item = &str> {
        self.files().map(|(_, p)| p).filter(|p| !p.starts_with('/'))
    }

    /// The principal by which `check` makes a commit a person's: a `good` signature with
    /// a principal `humans` matches, from a security key with user presence when
    /// `humans_presence` is set.
    pub fn human_principal<'c>(&self, check: &'c SignatureCheck) -> Option<&'c str> {
        if self.humans_presence && !check.presence {
            return None;
        }
        self.humans.matching_principal(check)
    }
}

impl Rules {
    /// Reads and parses the files `signatures:` names, through `read` (a file's bytes, or
    /// `None` when it does not exist), and keeps them for verification. A no-op without a
    /// `signatures:` section. Fails closed on any missing, unreadable or malformed file.
    ///
    /// `read` gets each path as [`SignatureRules::files`] gives it: an absolute path is
    /// read from disk; a relative one from the same place as the rules (the trusted
    /// revision, or the directory of a rules file given by path): see [`disk_reader`].
    pub fn load_signature_files(
        &mut self,
        read: impl FnMut(&str) -> io::Result<Option<Vec<u8>>>,
    ) -> Result<(), SignersError> {
        let Some(sig) = &mut self.signatures else {
            return Ok(());
        };
        let paths = SignerPaths {
            allowed_signers: sig.allowed_signers.as_deref(),
            revoked: sig.revoked.as_deref(),
            openpgp_keys: sig.openpgp_keys.as_deref(),
        };
        sig.signers = Some(Arc::new(Signers::load(paths, read)?));
        Ok(())
    }
}

/// A reader for [`Rules::load_signature_files`] that reads absolute paths as they are and
/// relative ones under `dir` (the directory of a rules file given by path), at most
/// [`MAX_SIGNERS_FILE_SIZE`] bytes and one more, so that an oversized file is reported as
/// such. A committed revision's reader reads relative paths from the revision instead.
pub fn disk_reader(dir: &Path) -> impl FnMut(&str) -> io::Result<Option<Vec<u8>>> + use<> {
    let dir = dir.to_path_buf();
    move |path: &str| {
        let full: PathBuf = if Path::new(path).is_absolute() {
            PathBuf::from(path)
        } else {
            dir.join(path)
        };
        read_capped(&full)
    }
}

/// Reads a file from disk, `None` when it does not exist.
pub fn read_capped(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if file.metadata()?.is_dir() {
        return Err(io::Error::other("it is a directory"));
    }
    let mut bytes = Vec::new();
    file.take(MAX_SIGNERS_FILE_SIZE + 1)
        .read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// Compiles `signatures:`; problems are pushed to `problems`.
pub(crate) fn compile(
    raw: &RawSignatures,
    policies: &BTreeMap<String, PolicyId>,
    problems: &mut Vec<Found>,
) -> SignatureRules {
    let root = KeyPath::root().key("signatures");
    let mut path = |key: &str, value: &Option<Checked<FilePath>>| -> Option<String> {
        let v = value.as_ref()?;
        match &v.value {
            Ok(p) => Some(p.0.clone()),
            Err(msg) => {
                problems.push((root.key(key), msg.clone()));
                None
            }
        }
    };
    let allowed_signers = path("allowed_signers", &raw.allowed_signers);
    let openpgp_keys = path("openpgp_keys", &raw.openpgp_keys);
    let revoked = path("revoked", &raw.revoked);
    let humans = principal_globs(&root.key("humans"), &raw.humans, problems);
    let keys_named = raw.allowed_signers.is_some() || raw.openpgp_keys.is_some();
    if !keys_named && !humans.is_empty() {
        problems.push((
            root.key("humans"),
            "no signature can be verified: name signatures.allowed_signers or \
             signatures.openpgp_keys"
                .to_owned(),
        ));
    }
    if raw.revoked.is_some() && raw.allowed_signers.is_none() {
        problems.push((
            root.key("revoked"),
            "revoked lists SSH keys, but no signatures.allowed_signers is named".to_owned(),
        ));
    }
    if raw.humans_presence && raw.humans.is_empty() {
        problems.push((
            root.key("humans_presence"),
            "humans_presence applies to signatures.humans, which is empty".to_owned(),
        ));
    }
    let unverified_policy = raw.unverified_policy.as_ref().and_then(|name| {
        let found = policies.get(name).copied();
        if found.is_none() {
            let known: Vec<&str> = policies.keys().map(String::as_str).collect();
            problems.push((
                root.key("unverified_policy"),
                format!(
                    "undefined policy {name:?}; defined policies: {}",
                    if known.is_empty() {
                        "(none)".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        }
        found
    });
    SignatureRules {
        allowed_signers,
        openpgp_keys,
        revoked,
        humans,
        humans_presence: raw.humans_presence,
        unverified_policy,
        signers: None,
    }
}

/// Compiles a list of principal globs (`humans`, `match.signer`).
pub(crate) fn principal_globs(
    path: &KeyPath,
    globs: &[Checked<PrincipalGlob>],
    problems: &mut Vec<Found>,
) -> PrincipalGlobs {
    let mut patterns = Vec::new();
    let mut set = GlobSetBuilder::new();
    for (i, g) in globs.iter().enumerate() {
        match &g.value {
            Ok(PrincipalGlob(text)) => match principal_glob(text) {
                Ok(glob) => {
                    set.add(glob);
                    patterns.push(text.clone());
                }
                Err(msg) => problems.push((path.index(i), msg)),
            },
            Err(msg) => problems.push((path.index(i), msg.clone())),
        }
    }
    match set.build() {
        Ok(set) => PrincipalGlobs { patterns, set },
        Err(e) => {
            problems.push((path.clone(), format!("invalid glob list: {e}")));
            PrincipalGlobs::default()
        }
    }
}

/// Checks that a `match.signer` can ever hold: it needs a file of keys.
pub(crate) fn check_signer_needs_keys(
    path: &KeyPath,
    signatures: Option<&SignatureRules>,
    problems: &mut Vec<Found>,
) {
    if !signatures.is_some_and(SignatureRules::names_keys) {
        problems.push((
            path.clone(),
            "no signature can be verified: name signatures.allowed_signers or \
             signatures.openpgp_keys"
                .to_owned(),
        ));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::rules::load_str;
    use crate::signature::{Format, Status};

    fn problems(text: &str) -> Vec<String> {
        match load_str(text, "r.yaml") {
            Ok(_) => Vec::new(),
            Err(e) => e.to_string().lines().map(str::to_string).collect(),
        }
    }

    const BASE: &str = "version: 1\npolicies:\n  agents: {}\n  humans: {}\n";

    #[test]
    fn full_section_compiles() {
        let rules = load_str(
            &format!(
                "{BASE}agents:\n  - name: bot\n    match: {{signer: ['bot@agents.example.com']}}\n    policy: agents\n\
                 signatures:\n  allowed_signers: ./.agentfence//allowed_signers\n  openpgp_keys: /etc/agentfence/keys.asc\n  \
                 revoked: .agentfence/revoked\n  humans: ['*@example.com']\n  humans_presence: true\n  unverified_policy: agents\n"
            ),
            "r.yaml",
        )
        .unwrap();
        let s = rules.signatures.as_ref().unwrap();
        assert_eq!(
            s.allowed_signers.as_deref(),
            Some(".agentfence/allowed_signers")
        );
        assert_eq!(
            s.repo_paths().collect::<Vec<_>>(),
            [".agentfence/allowed_signers", ".agentfence/revoked"]
        );
        assert!(s.humans_presence);
        assert_eq!(rules.policy(s.unverified_policy.unwrap()).name, "agents");
        assert!(s.signers().is_none());
        let bot = rules.agent("bot").unwrap();
        assert!(bot.matcher.signer.is_match("bot@agents.example.com"));
        assert!(!bot.matcher.signer.is_match("Bot@agents.example.com"));
    }

    #[test]
    fn problems_name_keys_and_lines() {
        let p = problems(&format!(
            "{BASE}signatures:\n  allowed_signers: ../outside\n  revoked: ''\n  humans: ['[']\n  unverified_policy: nope\n  colour: red\n"
        ));
        // An unknown key stops serde before the rest is judged.
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("signatures.colour"), "{p:?}");
        let p = problems(&format!(
            "{BASE}signatures:\n  allowed_signers: ../outside\n  revoked: ''\n  humans: ['[']\n  unverified_policy: nope\n"
        ));
        assert_eq!(p.len(), 4, "{p:?}");
        assert!(
            p[0].starts_with("r.yaml:6:20: signatures.allowed_signers: path \"../outside\" leaves"),
            "{p:?}"
        );
        assert!(
            p[1].starts_with("r.yaml:7:12: signatures.revoked: empty path"),
            "{p:?}"
        );
        assert!(
            p[2].starts_with("r.yaml:8:12: signatures.humans[0]: invalid principal glob"),
            "{p:?}"
        );
        assert!(
            p[3].contains("signatures.unverified_policy: undefined policy \"nope\""),
            "{p:?}"
        );
    }

    #[test]
    fn signer_and_humans_need_keys() {
        let p = problems(&format!(
            "{BASE}agents:\n  - name: bot\n    match: {{signer: 'bot@x'}}\n    policy: agents\n"
        ));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].contains("agents[0].match.signer: no signature can be verified"),
            "{p:?}"
        );
        let p = problems(&format!(
            "{BASE}signatures:\n  humans: ['*']\n  revoked: r\n"
        ));
        assert_eq!(p.len(), 2, "{p:?}");
        // An agent with only a signer match owns commits.
        assert!(problems(&format!(
            "{BASE}agents:\n  - name: bot\n    match: {{signer: ['bot@x']}}\n    policy: agents\nsignatures: {{allowed_signers: a}}\n"
        ))
        .is_empty());
        // unverified_policy alone is meaningful: every unowned commit is unverified.
        assert!(
            problems(&format!(
                "{BASE}signatures: {{unverified_policy: agents}}\n"
            ))
            .is_empty()
        );
    }

    #[test]
    fn loading_through_a_reader() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("signers"), "# nobody yet\n").unwrap();
        let mut rules = load_str(
            &format!("{BASE}signatures: {{allowed_signers: signers, humans: ['*@x']}}\n"),
            "r",
        )
        .unwrap();
        rules.load_signature_files(disk_reader(dir.path())).unwrap();
        assert!(rules.signatures.as_ref().unwrap().signers().is_some());
        let mut missing = load_str(
            &format!("{BASE}signatures: {{allowed_signers: nope}}\n"),
            "r",
        )
        .unwrap();
        let err = missing
            .load_signature_files(disk_reader(dir.path()))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "nope: signatures.allowed_signers names this file, which does not exist"
        );
        let err = missing.load_signature_files(|_| Ok(None)).unwrap_err();
        assert_eq!(err.problems.len(), 1);
        assert!(read_capped(dir.path()).is_err());
    }

    #[test]
    fn human_principals_and_presence() {
        let rules = load_str(
            &format!("{BASE}signatures: {{allowed_signers: a, humans: ['*@example.com'], humans_presence: true}}\n"),
            "r",
        )
        .unwrap();
        let s = rules.signatures.unwrap();
        let mut check = SignatureCheck {
            status: Status::Good,
            format: Some(Format::Ssh),
            principal: Some("laptop".into()),
            principals: vec!["laptop".into(), "alice@example.com".into()],
            presence: true,
            detail: None,
        };
        assert_eq!(s.human_principal(&check), Some("alice@example.com"));
        check.presence = false;
        assert_eq!(s.human_principal(&check), None);
        check.presence = true;
        check.status = Status::Expired;
        assert_eq!(s.human_principal(&check), None);
    }
}
