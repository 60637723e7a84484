//! Unit tests of SSH verification with keys and signatures made by the `ssh-key` crate's
//! own signing API: the git + ssh-keygen semantics case by case, security-key flags (which
//! no test can make with `ssh-keygen` without hardware), certificates, and loading.
//! `tests/cli/signatures.rs` checks the same statuses against `git verify-commit`.

#![allow(clippy::unwrap_used)]

use ssh_encoding::Encode;
use ssh_key::certificate::{Builder, CertType};
use ssh_key::private::Ed25519Keypair;
use ssh_key::public::{KeyData, SkEd25519};
use ssh_key::sha2::{Digest, Sha256};
use ssh_key::{Algorithm, HashAlg, LineEnding, PrivateKey, Signature, SshSig};

use super::*;

/// 2026-01-01T00:00:00Z, the committer time of [`payload`].
const COMMIT_TIME: i64 = 1_767_225_600;
/// A year later.
const LATER: i64 = COMMIT_TIME + 365 * 86_400;

fn payload(message: &str) -> Vec<u8> {
    format!(
        "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
         author A U Thor <author@example.com> {COMMIT_TIME} +0000\n\
         committer C O Mitter <committer@example.com> {COMMIT_TIME} +0100\n\n{message}\n"
    )
    .into_bytes()
}

fn key(seed: u8) -> PrivateKey {
    PrivateKey::from(Ed25519Keypair::from_seed(&[seed; 32]))
}

/// `keytype base64` of a key.
fn public(key: &KeyData) -> String {
    ssh_key::PublicKey::from(key.clone()).to_openssh().unwrap()
}

fn sign_ns(key: &PrivateKey, namespace: &str, payload: &[u8]) -> Vec<u8> {
    key.sign(namespace, HashAlg::Sha512, payload)
        .unwrap()
        .to_pem(LineEnding::LF)
        .unwrap()
        .into_bytes()
}

fn sign(key: &PrivateKey, payload: &[u8]) -> Vec<u8> {
    sign_ns(key, "git", payload)
}

fn signers(allowed: &str, revoked: Option<&str>) -> Signers {
    let allowed = allowed.to_owned();
    let revoked = revoked.map(str::to_owned);
    Signers::load(
        SignerPaths {
            allowed_signers: Some("allowed"),
            revoked: revoked.as_ref().map(|_| "revoked"),
            openpgp_keys: None,
        },
        |path| {
            Ok(Some(match path {
                "allowed" => allowed.clone().into_bytes(),
                _ => revoked.clone().unwrap_or_default().into_bytes(),
            }))
        },
    )
    .unwrap()
}

fn at(now: i64) -> VerifyTime {
    VerifyTime {
        now,
        ssh_windows_at_now: false,
    }
}

fn gate(now: i64) -> VerifyTime {
    VerifyTime {
        now,
        ssh_windows_at_now: true,
    }
}

fn check(s: &Signers, sig: &[u8], payload: &[u8]) -> SignatureCheck {
    s.verify(sig, payload, at(LATER))
}

#[test]
fn good_signature_names_the_principal() {
    let k = key(1);
    let p = payload("hello");
    let s = signers(
        &format!("alice@example.com {}\n", public(k.public_key().key_data())),
        None,
    );
    let c = check(&s, &sign(&k, &p), &p);
    assert_eq!(c.status, Status::Good, "{c:?}");
    assert_eq!(c.format, Some(Format::Ssh));
    assert_eq!(c.principal.as_deref(), Some("alice@example.com"));
    assert_eq!(c.principals, ["alice@example.com"]);
    assert!(!c.presence);
    assert_eq!(c.detail, None);
}

#[test]
fn altered_commit_is_bad_and_unknown_key_depends_on_the_signature() {
    let k = key(1);
    let p = payload("hello");
    let sig = sign(&k, &p);
    let listed = signers(
        &format!("a@x {}\n", public(k.public_key().key_data())),
        None,
    );
    let other = signers(
        &format!("a@x {}\n", public(key(2).public_key().key_data())),
        None,
    );
    let altered = payload("hellO");
    assert_eq!(check(&listed, &sig, &altered).status, Status::Bad);
    // An unlisted key: unknown when the signature holds (git's %G? U), bad when not (B).
    let c = check(&other, &sig, &p);
    assert_eq!(c.status, Status::UnknownKey);
    assert!(c.detail.unwrap().contains("SHA256:"));
    assert_eq!(check(&other, &sig, &altered).status, Status::Bad);
    assert_eq!(
        check(&Signers::default(), &sig, &p).status,
        Status::UnknownKey
    );
}

#[test]
fn namespaces() {
    let k = key(1);
    let p = payload("x");
    let line = public(k.public_key().key_data());
    let s = signers(&format!("a@x {line}\n"), None);
    // Signed for another namespace: bad whether the key is known or not.
    assert_eq!(check(&s, &sign_ns(&k, "file", &p), &p).status, Status::Bad);
    let unknown = signers(
        &format!("a@x {}\n", public(key(3).public_key().key_data())),
        None,
    );
    assert_eq!(
        check(&unknown, &sign_ns(&k, "file", &p), &p).status,
        Status::Bad
    );
    // A line limited to other namespaces refuses a git signature.
    let s = signers(&format!("a@x namespaces=\"file\" {line}\n"), None);
    assert_eq!(check(&s, &sign(&k, &p), &p).status, Status::Bad);
    let s = signers(&format!("a@x namespaces=\"file,g*\" {line}\n"), None);
    assert_eq!(check(&s, &sign(&k, &p), &p).status, Status::Good);
}

#[test]
fn validity_windows_at_the_committer_time_and_at_the_gate() {
    let k = key(1);
    let p = payload("x");
    let sig = sign(&k, &p);
    let line = public(k.public_key().key_data());
    let window = |opts: &str| signers(&format!("a@x {opts} {line}\n"), None);
    // Valid through 2026: good at the commit's time; a year later only git's way passes.
    let s = window("valid-after=\"20250101Z\",valid-before=\"20261231Z\"");
    assert_eq!(s.verify(&sig, &p, at(LATER)).status, Status::Good);
    let c = s.verify(&sig, &p, gate(LATER));
    assert_eq!(c.status, Status::UnknownKey);
    assert!(c.detail.unwrap().contains("and now"));
    assert_eq!(
        s.verify(&sig, &p, gate(COMMIT_TIME + 60)).status,
        Status::Good
    );
    // A window that closed before the commit: unknown key, as git's find-principals.
    let s = window("valid-before=\"20251231235959Z\"");
    assert_eq!(check(&s, &sig, &p).status, Status::UnknownKey);
    let s = window("valid-after=\"20260101000001Z\"");
    assert_eq!(check(&s, &sig, &p).status, Status::UnknownKey);
    // The bounds themselves are inside, as in OpenSSH.
    let s = window("valid-after=\"20260101000000Z\"");
    assert_eq!(check(&s, &sig, &p).status, Status::Good);
    let s = window("valid-before=\"20260101000000Z\"");
    assert_eq!(check(&s, &sig, &p).status, Status::Good);
}

#[test]
fn revoked_keys_never_verify() {
    let k = key(1);
    let p = payload("x");
    let line = public(k.public_key().key_data());
    let s = signers(
        &format!("a@x {line}\n"),
        Some(&format!("# retired\n{line}\n")),
    );
    let c = check(&s, &sign(&k, &p), &p);
    assert_eq!(c.status, Status::Bad);
    assert!(c.detail.unwrap().contains("revoked"));
    let other = public(key(2).public_key().key_data());
    let s = signers(&format!("a@x {line}\n"), Some(&format!("{other}\n")));
    assert_eq!(check(&s, &sign(&k, &p), &p).status, Status::Good);
}

#[test]
fn patterns_and_several_principals() {
    let k = key(1);
    let p = payload("x");
    let sig = sign(&k, &p);
    let line = public(k.public_key().key_data());
    let s = signers(&format!("*@example.com {line}\n"), None);
    let c = check(&s, &sig, &p);
    assert_eq!(c.principal.as_deref(), Some("*@example.com"));
    // One key under several principals, on one line and on two.
    let s = signers(
        &format!("claude-bot@agents.example.com,ci@example.com {line}\nbot@other.org {line}\n"),
        None,
    );
    let c = check(&s, &sig, &p);
    assert_eq!(
        c.principal.as_deref(),
        Some("claude-bot@agents.example.com")
    );
    assert_eq!(
        c.principals,
        [
            "claude-bot@agents.example.com",
            "ci@example.com",
            "bot@other.org"
        ]
    );
    // Quoted principals with spaces.
    let s = signers(&format!("\"Dev Human\" {line}\n"), None);
    assert_eq!(check(&s, &sig, &p).principal.as_deref(), Some("Dev Human"));
}

#[test]
fn only_the_first_matching_line_gives_candidates_as_in_git() {
    // git asks find-principals (first line holding the key, namespaces not consulted),
    // then verifies each of that line's principals; a later line for another principal
    // does not rescue it.
    let k = key(1);
    let p = payload("x");
    let line = public(k.public_key().key_data());
    let s = signers(
        &format!("a@x namespaces=\"file\" {line}\nb@x {line}\n"),
        None,
    );
    assert_eq!(check(&s, &sign(&k, &p), &p).status, Status::Bad);
    // The same principal on a later, unrestricted line does verify.
    let s = signers(
        &format!("a@x namespaces=\"file\" {line}\na@x {line}\n"),
        None,
    );
    let c = check(&s, &sign(&k, &p), &p);
    assert_eq!(c.status, Status::Good);
    assert_eq!(c.principal.as_deref(), Some("a@x"));
}

#[test]
fn negated_principals() {
    let k = key(1);
    let p = payload("x");
    let line = public(k.public_key().key_data());
    // `*@x,!eve@x`: the key signs as `*@x`; eve's own key, on its own line, as eve.
    let s = signers(
        &format!(
            "eve@x {line}\n*@x,!eve@x {}\n",
            public(key(2).public_key().key_data())
        ),
        None,
    );
    assert_eq!(
        check(&s, &sign(&key(2), &p), &p).principal.as_deref(),
        Some("*@x")
    );
    assert_eq!(
        check(&s, &sign(&k, &p), &p).principal.as_deref(),
        Some("eve@x")
    );
}

/// An sk-ssh-ed25519 signature with `flags`, made as a FIDO authenticator makes one: it
/// signs SHA-256(application) ‖ flags ‖ counter ‖ SHA-256(message) with its Ed25519 key.
fn sk_sign(seed: u8, flags: u8, payload: &[u8]) -> (KeyData, Vec<u8>) {
    let pair = Ed25519Keypair::from_seed(&[seed; 32]);
    let public = KeyData::SkEd25519(SkEd25519::new(pair.public, "ssh:"));
    let signed = SshSig::signed_data("git", HashAlg::Sha512, payload).unwrap();
    let counter = 7u32.to_be_bytes();
    let mut message = Sha256::digest(b"ssh:").to_vec();
    message.push(flags);
    message.extend_from_slice(&counter);
    message.extend_from_slice(&Sha256::digest(&signed));
    let raw = signature::Signer::<Signature>::try_sign(&pair, &message).unwrap();
    let mut data = raw.as_bytes().to_vec();
    data.push(flags);
    data.extend_from_slice(&counter);
    let sig = Signature::new(Algorithm::SkEd25519, data).unwrap();
    let pem = SshSig::new(public.clone(), "git", HashAlg::Sha512, sig)
        .unwrap()
        .to_pem(LineEnding::LF)
        .unwrap();
    (public, pem.into_bytes())
}

#[test]
fn security_keys_and_their_flags() {
    let p = payload("x");
    let (key, touched) = sk_sign(9, 0x01, &p);
    let (_, untouched) = sk_sign(9, 0x00, &p);
    let (_, verified) = sk_sign(9, 0x05, &p);
    let line = public(&key);
    let plain = signers(&format!("h@x {line}\n"), None);
    let c = check(&plain, &touched, &p);
    assert_eq!(c.status, Status::Good, "{c:?}");
    assert!(c.presence);
    // No touch: refused unless the line says no-touch-required, and never "present".
    assert_eq!(check(&plain, &untouched, &p).status, Status::Bad);
    let no_touch = signers(&format!("h@x no-touch-required {line}\n"), None);
    let c = check(&no_touch, &untouched, &p);
    assert_eq!(c.status, Status::Good);
    assert!(!c.presence);
    // verify-required needs the user-verification flag.
    let verify = signers(&format!("h@x verify-required {line}\n"), None);
    assert_eq!(check(&verify, &touched, &p).status, Status::Bad);
    let c = check(&verify, &verified, &p);
    assert_eq!(c.status, Status::Good);
    assert!(c.presence);
    // Flags are signed: flipping the presence bit breaks the signature.
    let forged = String::from_utf8(untouched.clone()).unwrap();
    let parsed = SshSig::from_pem(&forged).unwrap();
    let mut data = parsed.signature_bytes().to_vec();
    let at = data.len() - 5;
    data[at] |= 0x01;
    let forged = SshSig::new(
        parsed.public_key().clone(),
        "git",
        HashAlg::Sha512,
        Signature::new(Algorithm::SkEd25519, data).unwrap(),
    )
    .unwrap()
    .to_pem(LineEnding::LF)
    .unwrap();
    assert_eq!(check(&plain, forged.as_bytes(), &p).status, Status::Bad);
    // A plain key cannot satisfy verify-required.
    let k = self::key(1);
    let s = signers(
        &format!(
            "a@x verify-required {}\n",
            public(k.public_key().key_data())
        ),
        None,
    );
    assert_eq!(check(&s, &sign(&k, &p), &p).status, Status::Bad);
}

/// An armored sshsig envelope whose key is `cert` (bytes of an OpenSSH certificate),
/// signed by `key`: what `ssh-keygen -Y sign -f key` does when `key-cert.pub` exists.
fn cert_sign(cert: &[u8], key: &PrivateKey, payload: &[u8]) -> Vec<u8> {
    let signed = SshSig::signed_data("git", HashAlg::Sha512, payload).unwrap();
    let sig: Signature = signature::Signer::try_sign(key, &signed).unwrap();
    let mut blob = b"SSHSIG".to_vec();
    blob.extend_from_slice(&1u32.to_be_bytes());
    let put = |b: &mut Vec<u8>, s: &[u8]| {
        b.extend_from_slice(&u32::try_from(s.len()).unwrap().to_be_bytes());
        b.extend_from_slice(s);
    };
    put(&mut blob, cert);
    put(&mut blob, b"git");
    put(&mut blob, b"");
    put(&mut blob, b"sha512");
    let mut sig_bytes = Vec::new();
    sig.encode(&mut sig_bytes).unwrap();
    put(&mut blob, &sig_bytes);
    use ssh_encoding::base64::Encoding;
    let b64 = ssh_encoding::base64::Base64::encode_string(&blob);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(70)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN SSH SIGNATURE-----\n{}\n-----END SSH SIGNATURE-----\n",
        lines.join("\n")
    )
    .into_bytes()
}

fn certificate(
    ca: &PrivateKey,
    user: &PrivateKey,
    principals: &[&str],
    window: (i64, i64),
) -> Vec<u8> {
    let mut b = Builder::new(
        [7u8; 16].to_vec(),
        user.public_key().key_data().clone(),
        window.0 as u64,
        window.1 as u64,
    )
    .unwrap();
    b.cert_type(CertType::User).unwrap();
    for p in principals {
        b.valid_principal(*p).unwrap();
    }
    b.sign(ca).unwrap().to_bytes().unwrap()
}

#[test]
fn certificates_signed_by_a_cert_authority_line() {
    let ca = key(20);
    let user = key(21);
    let p = payload("x");
    let ca_line = format!(
        "*@example.com cert-authority {}\n",
        public(ca.public_key().key_data())
    );
    let s = signers(&ca_line, None);
    let year = (COMMIT_TIME - 86_400, COMMIT_TIME + 300 * 86_400);
    let cert = certificate(&ca, &user, &["alice@example.com", "ops"], year);
    let c = check(&s, &cert_sign(&cert, &user, &p), &p);
    assert_eq!(c.status, Status::Good, "{c:?}");
    assert_eq!(c.principal.as_deref(), Some("alice@example.com"));
    assert_eq!(c.principals, ["alice@example.com"]);
    // Altered commit.
    assert_eq!(
        check(&s, &cert_sign(&cert, &user, &p), &payload("y")).status,
        Status::Bad
    );
    // No certificate principal the line admits: unknown key.
    let cert2 = certificate(&ca, &user, &["ops"], year);
    assert_eq!(
        check(&s, &cert_sign(&cert2, &user, &p), &p).status,
        Status::UnknownKey
    );
    // Expired at the commit's time; valid then but not now at a gate.
    let old = certificate(&ca, &user, &["alice@example.com"], (1, COMMIT_TIME - 1));
    assert_eq!(
        check(&s, &cert_sign(&old, &user, &p), &p).status,
        Status::UnknownKey
    );
    let signed = cert_sign(&cert, &user, &p);
    assert_eq!(
        s.verify(&signed, &p, gate(LATER)).status,
        Status::UnknownKey
    );
    assert_eq!(
        s.verify(&signed, &p, gate(COMMIT_TIME + 10)).status,
        Status::Good
    );
    // The CA key as a plain line, or the user key as a CA line, does not take a
    // certificate signature; a CA line does not take a plain one.
    let plain_ca = signers(
        &format!("a@example.com {}\n", public(ca.public_key().key_data())),
        None,
    );
    assert_eq!(check(&plain_ca, &signed, &p).status, Status::UnknownKey);
    assert_eq!(check(&s, &sign(&user, &p), &p).status, Status::UnknownKey);
    // A certificate whose CA signature was tampered with is bad.
    let mut forged = cert.clone();
    let n = forged.len();
    forged[n - 3] ^= 1;
    assert_eq!(
        check(&s, &cert_sign(&forged, &user, &p), &p).status,
        Status::Bad
    );
    // A revoked CA revokes its certificates; a revoked user key too.
    let s = signers(&ca_line, Some(&public(ca.public_key().key_data())));
    assert_eq!(check(&s, &signed, &p).status, Status::Bad);
    let s = signers(&ca_line, Some(&public(user.public_key().key_data())));
    assert_eq!(check(&s, &signed, &p).status, Status::Bad);
}

#[test]
fn unsigned_oversized_and_foreign_signatures() {
    let s = Signers::default();
    let p = payload("x");
    assert_eq!(SignatureCheck::none().status, Status::None);
    let mut huge = b"-----BEGIN SSH SIGNATURE-----\n".to_vec();
    huge.resize(MAX_SIGNATURE_SIZE + 1, b'A');
    let c = check(&s, &huge, &p);
    assert_eq!((c.status, c.format), (Status::Bad, Some(Format::Ssh)));
    assert!(c.detail.unwrap().contains("bytes"));
    let c = check(&s, b"-----BEGIN SIGNED MESSAGE-----\nx\n", &p);
    assert_eq!((c.status, c.format), (Status::Bad, None));
    let c = check(
        &s,
        b"-----BEGIN SSH SIGNATURE-----\ngarbage\n-----END SSH SIGNATURE-----\n",
        &p,
    );
    assert_eq!((c.status, c.format), (Status::Bad, Some(Format::Ssh)));
    let c = check(
        &s,
        b"-----BEGIN PGP SIGNATURE-----\n\ngarbage\n-----END PGP SIGNATURE-----\n",
        &p,
    );
    assert_eq!((c.status, c.format), (Status::Bad, Some(Format::OpenPgp)));
}

#[test]
fn committer_times() {
    assert_eq!(committer_time(&payload("x")), Some(COMMIT_TIME as u64));
    assert_eq!(
        committer_time(b"tree x\n\ncommitter in the message 5 +0000\n"),
        None
    );
    assert_eq!(committer_time(b"committer A <a> junk\n"), None);
    assert_eq!(committer_time(b"committer A <a> -5 +0000\n"), None);
    assert_eq!(committer_time(b"committer A <a@x> 12 +0000\n"), Some(12));
    // Without a usable committer time, the time of the check stands in.
    let k = key(1);
    let bare = b"tree x\n\nno committer\n".to_vec();
    let s = signers(
        &format!(
            "a@x valid-before=\"20200101Z\" {}\n",
            public(k.public_key().key_data())
        ),
        None,
    );
    assert_eq!(
        check(&s, &sign(&k, &bare), &bare).status,
        Status::UnknownKey
    );
}

#[test]
fn loading_fails_closed_with_every_problem() {
    let err = Signers::load(
        SignerPaths {
            allowed_signers: Some(".agentfence/allowed_signers"),
            revoked: Some("gone"),
            openpgp_keys: Some("keys.asc"),
        },
        |path| match path {
            ".agentfence/allowed_signers" => {
                Ok(Some(b"ok@x\n# fine\nbad@x ssh-ed25519 !!\n".to_vec()))
            }
            "keys.asc" => Err(std::io::Error::other("permission denied")),
            _ => Ok(None),
        },
    )
    .unwrap_err();
    let text = err.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines.contains(&"gone: signatures.revoked names this file, which does not exist"),
        "{text}"
    );
    assert!(
        lines.contains(&"keys.asc: cannot read signatures.openpgp_keys: permission denied"),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(".agentfence/allowed_signers:1: missing key")),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(".agentfence/allowed_signers:3: invalid ssh-ed25519 key")),
        "{text}"
    );

    let err = Signers::load(
        SignerPaths {
            openpgp_keys: Some("k"),
            ..SignerPaths::default()
        },
        |_| Ok(Some(vec![b'#'; MAX_SIGNERS_FILE_SIZE as usize + 1])),
    )
    .unwrap_err();
    assert!(err.to_string().contains("the limit is"), "{err}");

    let err = Signers::load(
        SignerPaths {
            openpgp_keys: Some("k.asc"),
            ..SignerPaths::default()
        },
        |_| Ok(Some(b"this is no keyring\n".to_vec())),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "k.asc:1: not part of an ASCII-armored OpenPGP public key block"
    );
}
