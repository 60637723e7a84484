//! OpenPGP: an ASCII-armored keyring (`signatures.openpgp_keys`) and commit signatures
//! checked against it, as `gpg --verify` with only those keys imported judges them.
//!
//! Parsing and every cryptographic check are rPGP's (the `pgp` crate): the keyring's
//! self-signatures (user IDs, subkey bindings and their back-signatures, revocations) are
//! verified once, when the file is read, and a commit's signature is verified against the
//! key its issuer names. What gpg decides on top of the cryptography is decided here, at
//! the time of the check as gpg does: a revoked key or subkey never verifies (`bad`), an
//! expired key or an expired signature is `expired`, a signing subkey needs the signing
//! flag and a valid back-signature. A key's principal is the e-mail address of the user ID
//! gpg prints: its primary one (see [`cert`]).

use pgp::composed::{Deserializable, DetachedSignature, SignedPublicKey, SignedPublicSubKey};
use pgp::packet::{PublicKey, PublicSubkey, Signature, SignatureType};
use pgp::types::{KeyDetails, Tag};

/// The armor line that opens a public key block.
const BEGIN_KEYS: &str = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
/// The armor line that closes it.
const END_KEYS: &str = "-----END PGP PUBLIC KEY BLOCK-----";

/// A parsed keyring: every certificate, with its self-signatures already judged.
#[derive(Debug, Clone, Default)]
pub(crate) struct OpenPgpKeys {
    certs: Vec<Cert>,
}

/// One certificate (a primary key with its user IDs and subkeys).
#[derive(Debug, Clone)]
struct Cert {
    primary: PublicKey,
    /// E-mail addresses of the user IDs with a valid, unrevoked self-signature: the
    /// primary user ID's first, then the others in file order.
    emails: Vec<String>,
    /// A valid key revocation signature exists.
    revoked: bool,
    /// When the primary key expires (Unix seconds), per its latest self-signature.
    expires: Option<u64>,
    subkeys: Vec<Subkey>,
}

/// A subkey bound to its certificate by a valid binding signature.
#[derive(Debug, Clone)]
struct Subkey {
    key: PublicSubkey,
    revoked: bool,
    expires: Option<u64>,
    /// The latest binding has the signing flag and a valid back-signature.
    can_sign: bool,
}

/// What checking one signature found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A listed, valid key made it.
    Good {
        /// The certificate's e-mail addresses, the primary user ID's first.
        emails: Vec<String>,
    },
    /// No key in the file made it.
    UnknownKey(String),
    /// The key (or the signature) expired before the time of the check.
    Expired(String),
    /// Anything else: it does not verify, the key is revoked, the data is malformed.
    Bad(String),
}

impl OpenPgpKeys {
    /// Checks an armored signature over `payload` at time `now` (Unix seconds).
    pub(crate) fn verify(&self, armored: &[u8], payload: &[u8], now: u64) -> Outcome {
        let sig = match parse_signature(armored) {
            Ok(sig) => sig,
            Err(e) => return Outcome::Bad(e),
        };
        let issuers = issuer_text(&sig);
        let mut found_key = false;
        for cert in &self.certs {
            if issued_by(&sig, &cert.primary) {
                found_key = true;
                if sig.verify(&cert.primary, payload).is_ok() {
                    return judge(cert, None, &sig, &cert.primary, now);
                }
            }
            for sub in &cert.subkeys {
                if issued_by(&sig, &sub.key) {
                    found_key = true;
                    if sig.verify(&sub.key, payload).is_ok() {
                        return judge(cert, Some(sub), &sig, &sub.key, now);
                    }
                }
            }
        }
        if found_key {
            Outcome::Bad(format!(
                "the signature by {issuers} does not verify: the commit or the signature was altered"
            ))
        } else {
            Outcome::UnknownKey(format!("no key in the keyring is {issuers}"))
        }
    }
}

/// gpg's verdict on a signature that verifies under `key` (the primary or `sub`).
fn judge(
    cert: &Cert,
    sub: Option<&Subkey>,
    sig: &Signature,
    key: &impl KeyDetails,
    now: u64,
) -> Outcome {
    let fpr = hex(cert.primary.fingerprint().as_bytes());
    if cert.revoked || sub.is_some_and(|s| s.revoked) {
        return Outcome::Bad(format!("key {fpr} is revoked"));
    }
    let created = sig.created().map_or(0, |t| u64::from(t.as_secs()));
    let key_created = u64::from(key.created_at().as_secs());
    if created < key_created {
        return Outcome::Bad(format!(
            "the signature is older than key {fpr} that made it"
        ));
    }
    if sub.is_some_and(|s| !s.can_sign) {
        return Outcome::Bad(format!(
            "the subkey that signed is not bound to {fpr} as a signing key"
        ));
    }
    let expired_at = |at: Option<u64>| at.is_some_and(|t| now >= t);
    if expired_at(cert.expires) || sub.is_some_and(|s| expired_at(s.expires)) {
        return Outcome::Expired(format!("key {fpr} has expired"));
    }
    let sig_expires = sig
        .signature_expiration_time()
        .map(|d| u64::from(d.as_secs()))
        .filter(|&d| d > 0)
        .map(|d| created.saturating_add(d));
    if expired_at(sig_expires) {
        return Outcome::Expired("the signature itself has expired".to_owned());
    }
    Outcome::Good {
        emails: cert.emails.clone(),
    }
}

/// True when the signature names `key` as its issuer (fingerprint, else key ID).
fn issued_by(sig: &Signature, key: &impl KeyDetails) -> bool {
    let fprs = sig.issuer_fingerprint();
    if !fprs.is_empty() {
        let own = key.fingerprint();
        return fprs.iter().any(|f| **f == own);
    }
    let id = key.legacy_key_id();
    sig.issuer_key_id().iter().any(|k| **k == id)
}

/// How a signature names its issuer, for messages.
fn issuer_text(sig: &Signature) -> String {
    if let Some(f) = sig.issuer_fingerprint().first() {
        return format!("key {}", hex(f.as_bytes()));
    }
    match sig.issuer_key_id().first() {
        Some(id) => format!("key ID {}", hex(id.as_ref())),
        None => "an unnamed key".to_owned(),
    }
}

/// Upper-case hex, as gpg prints fingerprints.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The one signature packet of an armored detached signature.
fn parse_signature(armored: &[u8]) -> Result<Signature, String> {
    let text = std::str::from_utf8(armored).map_err(|_| "the signature is not text".to_owned())?;
    if !text.starts_with("-----BEGIN PGP SIGNATURE-----") {
        return Err("not an ASCII-armored OpenPGP signature".to_owned());
    }
    let (mut sigs, _) = DetachedSignature::from_armor_many(text.as_bytes())
        .map_err(|e| format!("the OpenPGP signature does not parse: {}", one_line(&e)))?;
    let first = sigs
        .next()
        .ok_or_else(|| "the OpenPGP armor holds no signature".to_owned())?
        .map_err(|e| format!("the OpenPGP signature does not parse: {}", one_line(&e)))?;
    if sigs.next().is_some() {
        return Err("the OpenPGP armor holds more than one signature".to_owned());
    }
    let sig = first.signature;
    if !matches!(sig.typ(), Some(SignatureType::Binary | SignatureType::Text)) {
        return Err(format!(
            "an OpenPGP signature of type {:?} cannot sign a commit",
            sig.typ()
        ));
    }
    Ok(sig)
}

/// An error's message, on one line.
fn one_line(e: &impl std::fmt::Display) -> String {
    e.to_string().replace('\n', " ")
}

/// Parses a keyring file: ASCII-armored public key blocks, with blank lines and `#`
/// comments between them. On failure, every problem as `(line number, message)`.
pub(crate) fn parse(bytes: &[u8]) -> Result<OpenPgpKeys, Vec<(usize, String)>> {
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(vec![(
            0,
            "binary OpenPGP data: export the keys ASCII-armored (gpg --export --armor)".to_owned(),
        )]);
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(vec![(0, "the file is not UTF-8 text".to_owned())]);
    };
    let mut problems = Vec::new();
    let mut certs = Vec::new();
    let mut block: Option<(usize, String)> = None;
    for (i, line) in text.split('\n').enumerate() {
        let number = i + 1;
        let trimmed = line.trim_matches([' ', '\t', '\r']);
        match &mut block {
            Some((start, body)) => {
                body.push_str(line);
                body.push('\n');
                if trimmed == END_KEYS {
                    match parse_block(body) {
                        Ok(found) => certs.extend(found),
                        Err(e) => problems.push((*start, e)),
                    }
                    block = None;
                }
            }
            None if trimmed == BEGIN_KEYS => block = Some((number, format!("{line}\n"))),
            None if trimmed.is_empty() || trimmed.starts_with('#') => {}
            None if trimmed.starts_with("-----BEGIN PGP ") => problems.push((
                number,
                format!(
                    "{}: only public key blocks belong in this file",
                    trimmed.trim_matches('-')
                ),
            )),
            None => problems.push((
                number,
                "not part of an ASCII-armored OpenPGP public key block".to_owned(),
            )),
        }
    }
    if let Some((start, _)) = block {
        problems.push((start, format!("the key block has no {END_KEYS} line")));
    }
    if problems.is_empty() {
        Ok(OpenPgpKeys { certs })
    } else {
        Err(problems)
    }
}

/// The certificates of one armored block.
fn parse_block(body: &str) -> Result<Vec<Cert>, String> {
    let (keys, _) = SignedPublicKey::from_armor_many(body.as_bytes())
        .map_err(|e| format!("the key block does not parse: {}", one_line(&e)))?;
    let mut certs = Vec::new();
    for key in keys {
        let key = key.map_err(|e| format!("the key block does not parse: {}", one_line(&e)))?;
        certs.push(cert(&key)?);
    }
    if certs.is_empty() {
        return Err("the key block holds no key".to_owned());
    }
    Ok(certs)
}

/// Judges a certificate's self-signatures.
fn cert(key: &SignedPublicKey) -> Result<Cert, String> {
    let primary = &key.primary_key;
    let fpr = hex(primary.fingerprint().as_bytes());
    let is_self = |sig: &Signature| issued_by(sig, primary);
    let created = |sig: &Signature| sig.created().map_or(0, |t| t.as_secs());

    // Each user ID's latest valid self-signature decides whether it counts.
    let mut users = Vec::new();
    let mut latest_self: Option<&Signature> = None;
    for user in &key.details.users {
        let valid = user
            .signatures
            .iter()
            .filter(|s| is_self(s))
            .filter(|s| {
                s.verify_certification(primary, Tag::UserId, &user.id)
                    .is_ok()
            })
            .max_by_key(|s| created(s));
        let Some(sig) = valid else { continue };
        if sig.typ() == Some(SignatureType::CertRevocation) {
            continue;
        }
        if latest_self.is_none_or(|l| created(sig) > created(l)) {
            latest_self = Some(sig);
        }
        users.push((user.id.id(), sig.is_primary(), created(sig)));
    }
    // gpg's primary user ID, the one it prints: among those whose self-signature flags
    // them primary (else among all), the newest self-signature; on equal times the longer
    // user ID, then the greater bytes (gpg's `cmp_user_ids`).
    if let Some(i) = users
        .iter()
        .enumerate()
        .max_by_key(|(_, (id, flagged, at))| (*flagged, *at, id.len(), *id))
        .map(|(i, _)| i)
    {
        let first = users.remove(i);
        users.insert(0, first);
    }
    let emails: Vec<String> = users.iter().filter_map(|(id, _, _)| email_of(id)).collect();
    if latest_self.is_none() {
        return Err(format!(
            "key {fpr} has no user ID with a valid self-signature"
        ));
    }
    for sig in &key.details.direct_signatures {
        if is_self(sig)
            && sig.verify_key(primary).is_ok()
            && latest_self.is_none_or(|l| created(sig) > created(l))
        {
            latest_self = Some(sig);
        }
    }
    let revoked = key.details.revocation_signatures.iter().any(|s| {
        s.typ() == Some(SignatureType::KeyRevocation) && is_self(s) && s.verify_key(primary).is_ok()
    });
    let expires = latest_self.and_then(|s| expiry(s, primary.created_at().as_secs()));
    let subkeys = key
        .public_subkeys
        .iter()
        .filter_map(|sub| subkey(primary, sub))
        .collect();
    Ok(Cert {
        primary: primary.clone(),
        emails,
        revoked,
        expires,
        subkeys,
    })
}

/// A subkey with a valid binding, or `None` when nothing binds it (gpg ignores it then).
fn subkey(primary: &PublicKey, sub: &SignedPublicSubKey) -> Option<Subkey> {
    let valid: Vec<&Signature> = sub
        .signatures
        .iter()
        .filter(|s| issued_by(s, primary) && s.verify_subkey_binding(primary, &sub.key).is_ok())
        .collect();
    let revoked = valid
        .iter()
        .any(|s| s.typ() == Some(SignatureType::SubkeyRevocation));
    let binding = valid
        .iter()
        .filter(|s| s.typ() == Some(SignatureType::SubkeyBinding))
        .max_by_key(|s| s.created().map_or(0, |t| t.as_secs()))?;
    let can_sign = binding.key_flags().sign()
        && binding
            .embedded_signature()
            .is_some_and(|back| back.verify_primary_key_binding(&sub.key, primary).is_ok());
    Some(Subkey {
        key: sub.key.clone(),
        revoked,
        expires: expiry(binding, sub.key.created_at().as_secs()),
        can_sign,
    })
}

/// When a self-signature says its key expires (Unix seconds); `None` for never.
fn expiry(sig: &Signature, key_created: u32) -> Option<u64> {
    let after = sig.key_expiration_time()?.as_secs();
    (after > 0).then(|| u64::from(key_created) + u64::from(after))
}

/// The e-mail address of a user ID: the text in its last `<...>`, or the whole ID when
/// it is a bare address.
fn email_of(id: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(id);
    let text = text.trim();
    if let Some(open) = text.rfind('<')
        && let Some(len) = text[open + 1..].find('>')
    {
        let email = &text[open + 1..open + 1 + len];
        return (!email.is_empty()).then(|| email.to_owned());
    }
    (text.contains('@') && !text.contains(char::is_whitespace)).then(|| text.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_of_user_ids() {
        assert_eq!(
            email_of(b"Alice <alice@example.com>").as_deref(),
            Some("alice@example.com")
        );
        assert_eq!(
            email_of(b"bob@example.com").as_deref(),
            Some("bob@example.com")
        );
        assert_eq!(email_of(b"Carol (work) <>").as_deref(), None);
        assert_eq!(email_of(b"Just A Name").as_deref(), None);
    }

    #[test]
    fn keyring_shape_errors_name_lines() {
        let err = parse(b"hello\n").unwrap_err();
        assert_eq!(err[0].0, 1);
        assert!(err[0].1.contains("not part of"));
        let err = parse(b"\n-----BEGIN PGP PRIVATE KEY BLOCK-----\n").unwrap_err();
        assert_eq!(err[0].0, 2);
        assert!(err[0].1.contains("only public key blocks"), "{err:?}");
        let err = parse(format!("# keys\n{BEGIN_KEYS}\nAAAA\n").as_bytes()).unwrap_err();
        assert_eq!(err[0].0, 2);
        assert!(err[0].1.contains("no -----END"), "{err:?}");
        let err =
            parse(format!("{BEGIN_KEYS}\n\nnot base64!\n{END_KEYS}\n").as_bytes()).unwrap_err();
        assert!(err[0].1.contains("does not parse"), "{err:?}");
        let err = parse(&[0x99, 0x01, 0x0d]).unwrap_err();
        assert!(err[0].1.contains("binary"), "{err:?}");
        // Blank and comment lines alone are an empty keyring.
        assert!(parse(b"\n# nobody yet\n").is_ok());
    }

    #[test]
    fn signature_garbage_is_bad() {
        let keys = OpenPgpKeys::default();
        for input in [
            &b"-----BEGIN PGP SIGNATURE-----\n\n!!!\n-----END PGP SIGNATURE-----\n"[..],
            b"-----BEGIN PGP SIGNATURE-----\n",
            b"garbage",
            b"\xff",
        ] {
            assert!(
                matches!(keys.verify(input, b"x", 0), Outcome::Bad(_)),
                "{input:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn never_panics_on_keyrings(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&body);
            use ssh_encoding::base64::Encoding;
            let b64 = ssh_encoding::base64::Base64::encode_string(&body);
            let text = format!("{BEGIN_KEYS}\n\n{b64}\n{END_KEYS}\n");
            let _ = parse(text.as_bytes());
        }

        #[test]
        fn never_panics_on_signatures(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            use ssh_encoding::base64::Encoding;
            let b64 = ssh_encoding::base64::Base64::encode_string(&body);
            let text = format!("-----BEGIN PGP SIGNATURE-----\n\n{b64}\n-----END PGP SIGNATURE-----\n");
            let _ = OpenPgpKeys::default().verify(text.as_bytes(), b"payload", 0);
        }
    }
}
