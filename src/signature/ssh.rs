//! SSH signatures judged as `git verify-commit` judges them with `gpg.format=ssh`.
//!
//! git first runs `ssh-keygen -Y find-principals`: the first allowed-signers line whose key
//! is the signing key (or, with `cert-authority`, the signing certificate's CA), valid at the
//! commit's committer time, gives the candidate principals; none means an unknown key
//! (`ssh-keygen -Y check-novalidate` then only tells a good signature from a bad one). Then,
//! for each candidate in turn, `ssh-keygen -Y verify -n git -I principal [-r revoked]`: the
//! signature must verify in namespace `git`, its key must not be revoked, and some line must
//! list the principal, hold the key, allow namespace `git` and be valid at that time. The
//! first candidate that passes is the principal git prints. This module does exactly that,
//! with one difference at the gates: every time check is made at each of the times given
//! (the committer time, and the time of the check), and one extension: a security-key
//! signature needs its user-presence flag unless its line says `no-touch-required`, and the
//! user-verification flag when it says `verify-required` (OpenSSH's `authorized_keys`
//! meaning of those options; `ssh-keygen -Y verify` ignores the flags).

use ssh_key::HashAlg;

use super::allowed_signers::{AllowedSigners, SignerLine};
use super::pattern::{self, ListMatch};
use super::revoked::RevokedKeys;
use super::sshsig::{GIT_NAMESPACE, SK_USER_PRESENCE, SK_USER_VERIFIED, Signer, SshSignature};

/// What checking one SSH signature found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// git would print `Good "git" signature for <principal>`.
    Good {
        /// The principal git prints.
        principal: String,
        /// Every principal the key is listed under that would verify, `principal` first.
        principals: Vec<String>,
        /// A security key signed with its user-presence flag set.
        presence: bool,
    },
    /// No line lists the key at those times, and the signature itself verifies.
    UnknownKey(String),
    /// Anything else: malformed, altered, wrong namespace, revoked, refused by every line.
    Bad(String),
}

/// Judges an armored SSH signature over `payload`; `times` are the Unix times every
/// validity window must hold at (never empty).
pub(crate) fn verify(
    armored: &[u8],
    payload: &[u8],
    allowed: Option<&AllowedSigners>,
    revoked: Option<&RevokedKeys>,
    times: &[u64],
) -> Outcome {
    let sig = match SshSignature::parse(armored) {
        Ok(sig) => sig,
        Err(e) => return Outcome::Bad(e),
    };
    let crypto = sig.verify(payload);
    let fingerprint = sig.key().fingerprint(HashAlg::Sha256);
    let listed = allowed.and_then(|a| {
        a.lines
            .iter()
            .find_map(|l| line_principals(l, &sig, times))
            .map(|candidates| (a, candidates))
    });
    let Some((allowed, candidates)) = listed else {
        return match crypto {
            Ok(()) => Outcome::UnknownKey(match allowed {
                Some(_) => format!(
                    "key {fingerprint} is on no allowed-signers line valid at the commit's time{}",
                    if times.len() > 1 { " and now" } else { "" }
                ),
                None => format!("key {fingerprint}: no allowed_signers file is named"),
            }),
            Err(e) => Outcome::Bad(e),
        };
    };
    if let Err(e) = crypto {
        return Outcome::Bad(e);
    }
    if let Some(revoked) = revoked {
        let ca = sig.certificate().map(|c| &c.ca);
        if revoked.contains(sig.key()) || ca.is_some_and(|ca| revoked.contains(ca)) {
            return Outcome::Bad(format!("key {fingerprint} is revoked"));
        }
    }
    let Some(principal) = candidates
        .into_iter()
        .find(|p| principal_verifies(allowed, p, &sig, times))
    else {
        return Outcome::Bad(format!(
            "key {fingerprint} is listed, but no line lets it sign for its principal in \
             namespace \"git\"{}",
            if sig.sk_flags().is_some() {
                " with these security-key flags"
            } else {
                ""
            }
        ));
    };
    let mut principals = vec![principal.clone()];
    for line in &allowed.lines {
        for p in line_principals(line, &sig, times).unwrap_or_default() {
            if !p.starts_with('!')
                && !principals.contains(&p)
                && principal_verifies(allowed, &p, &sig, times)
            {
                principals.push(p);
            }
        }
    }
    Outcome::Good {
        principal,
        principals,
        presence: sig.sk_flags().is_some_and(|f| f & SK_USER_PRESENCE != 0),
    }
}

/// `find-principals` on one line: the principals it gives for this signature, or `None`
/// when the line does not hold the key (or the certificate's CA), or is not valid then.
fn line_principals(line: &SignerLine, sig: &SshSignature, times: &[u64]) -> Option<Vec<String>> {
    let found = match (&sig.signer, line.cert_authority) {
        (Signer::Key(key), false) if *key == line.key => line
            .principal_entries()
            .map(str::to_owned)
            .collect::<Vec<_>>(),
        (Signer::Cert(cert), true) if cert.ca == line.key => {
            if times.iter().any(|&t| cert.refuses(t, None).is_some()) {
                return None;
            }
            // Each certificate principal that some entry of the line matches, as a plain
            // pattern (a `!` is literal here, as in OpenSSH's `cert_filter_principals`).
            let mut found = Vec::new();
            for entry in line.principal_entries() {
                for p in &cert.principals {
                    if pattern::matches(p, entry) {
                        found.push(p.clone());
                    }
                }
            }
            if found.is_empty() {
                return None;
            }
            found
        }
        _ => return None,
    };
    times.iter().all(|&t| line.valid_at(t)).then_some(found)
}

/// `verify -I principal`: true when some line lists `principal`, holds the key (or its
/// certificate's CA, the certificate naming `principal`), allows namespace `git`, is valid
/// at every time, and accepts the security-key flags.
fn principal_verifies(
    allowed: &AllowedSigners,
    principal: &str,
    sig: &SshSignature,
    times: &[u64],
) -> bool {
    allowed.lines.iter().any(|line| {
        if pattern::match_list(principal, &line.principals) != ListMatch::Yes {
            return false;
        }
        let key_ok = match (&sig.signer, line.cert_authority) {
            (Signer::Key(key), false) => *key == line.key,
            (Signer::Cert(cert), true) => {
                cert.ca == line.key
                    && times
                        .iter()
                        .all(|&t| cert.refuses(t, Some(principal)).is_none())
            }
            _ => false,
        };
        let namespace_ok = line
            .namespaces
            .as_deref()
            .is_none_or(|ns| pattern::match_list(GIT_NAMESPACE, ns) == ListMatch::Yes);
        key_ok
            && namespace_ok
            && times.iter().all(|&t| line.valid_at(t))
            && flags_ok(line, sig.sk_flags())
    })
}

/// A line's security-key requirements: user presence unless `no-touch-required`, user
/// verification with `verify-required` (which no other key can show).
fn flags_ok(line: &SignerLine, flags: Option<u8>) -> bool {
    match flags {
        Some(f) => {
            (line.no_touch_required || f & SK_USER_PRESENCE != 0)
                && (!line.verify_required || f & SK_USER_VERIFIED != 0)
        }
        None => !line.verify_required,
    }
}
