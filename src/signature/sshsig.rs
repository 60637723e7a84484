//! The `sshsig` format (OpenSSH's PROTOCOL.sshsig) as `ssh-keygen -Y verify` reads it: the
//! armor, the envelope, the signing key or certificate, and the signature check itself.
//!
//! The cryptography is the `ssh-key` crate's (its `Verifier` implementations for each key
//! type, and `SshSig::signed_data` for the signed message); this module only reads the wire
//! format around it. It does so itself, rather than through `ssh_key::SshSig`, for two
//! things that type cannot hold: an envelope whose key is a certificate, and a certificate
//! valid "forever" (`valid_before` = 2^64-1, `ssh-keygen -s` without `-V`), which
//! `ssh_key::Certificate` refuses to decode.

use signature::Verifier;
use ssh_encoding::Decode;
use ssh_key::public::KeyData;
use ssh_key::{Algorithm, HashAlg, Signature, SshSig};

/// The armor's first line.
const BEGIN: &str = "-----BEGIN SSH SIGNATURE-----";
/// The armor's last line.
const END: &str = "-----END SSH SIGNATURE-----";
/// The envelope's magic.
const MAGIC: &[u8] = b"SSHSIG";
/// The namespace git signs commits in.
pub(crate) const GIT_NAMESPACE: &str = "git";
/// A security key's user-presence flag.
pub(crate) const SK_USER_PRESENCE: u8 = 0x01;
/// A security key's user-verification flag.
pub(crate) const SK_USER_VERIFIED: u8 = 0x04;

/// A parsed SSH signature.
#[derive(Debug, Clone)]
pub(crate) struct SshSignature {
    /// The key or certificate that signed.
    pub(crate) signer: Signer,
    /// The namespace it was made in (git's is `git`).
    pub(crate) namespace: String,
    /// The hash the message was digested with.
    hash: HashAlg,
    /// The signature proper.
    signature: Signature,
}

/// Who signed: a plain key, or a certificate.
#[derive(Debug, Clone)]
pub(crate) enum Signer {
    /// A plain public key.
    Key(KeyData),
    /// An OpenSSH certificate.
    Cert(Box<Certificate>),
}

/// The parts of an OpenSSH certificate that signature checks read. Its CA signature has
/// been verified when it is parsed, as OpenSSH does.
#[derive(Debug, Clone)]
pub(crate) struct Certificate {
    /// The certified key.
    pub(crate) key: KeyData,
    /// The CA key that signed the certificate.
    pub(crate) ca: KeyData,
    /// True for a user certificate (type 1), false for a host certificate.
    pub(crate) user: bool,
    /// The principals it is valid for.
    pub(crate) principals: Vec<String>,
    /// Valid from (Unix seconds).
    pub(crate) valid_after: u64,
    /// Valid before (Unix seconds, exclusive; 2^64-1 is forever).
    pub(crate) valid_before: u64,
}

impl Certificate {
    /// Why the certificate does not authorize `principal` (any principal when `None`) at
    /// `time`, as OpenSSH's `sshkey_cert_check_authority` judges a user certificate.
    pub(crate) fn refuses(&self, time: u64, principal: Option<&str>) -> Option<&'static str> {
        if !self.user {
            return Some("not a user certificate");
        }
        if time < self.valid_after {
            return Some("certificate not yet valid");
        }
        if time >= self.valid_before {
            return Some("certificate expired");
        }
        if self.principals.is_empty() {
            return Some("certificate lacks a principal list");
        }
        if let Some(name) = principal
            && !self.principals.iter().any(|p| p == name)
        {
            return Some("name is not a listed principal of the certificate");
        }
        None
    }
}

impl SshSignature {
    /// The key whose signature this is (a certificate's certified key).
    pub(crate) fn key(&self) -> &KeyData {
        match &self.signer {
            Signer::Key(key) => key,
            Signer::Cert(cert) => &cert.key,
        }
    }

    /// The certificate, when a certificate signed.
    pub(crate) fn certificate(&self) -> Option<&Certificate> {
        match &self.signer {
            Signer::Key(_) => None,
            Signer::Cert(cert) => Some(cert),
        }
    }

    /// A security-key signature's flags byte; `None` for other keys.
    pub(crate) fn sk_flags(&self) -> Option<u8> {
        let sk = matches!(
            self.signature.algorithm(),
            Algorithm::SkEd25519 | Algorithm::SkEcdsaSha2NistP256
        );
        let bytes = self.signature.as_bytes();
        // flags (1 byte) then counter (4 bytes) end an sk signature.
        sk.then(|| bytes.len().checked_sub(5).map(|i| bytes[i]))
            .flatten()
    }

    /// Parses an armored signature. Fails on anything `ssh-keygen` would not read.
    pub(crate) fn parse(armored: &[u8]) -> Result<SshSignature, String> {
        let blob = dearmor(armored)?;
        if !blob.starts_with(MAGIC) {
            return Err("not an sshsig envelope (no SSHSIG magic)".to_owned());
        }
        let mut r = Cursor::new(&blob);
        r.take(MAGIC.len())?;
        let version = r.u32()?;
        if version > 1 {
            return Err(format!("sshsig version {version} is newer than version 1"));
        }
        let key_blob = r.string()?;
        let namespace = r.utf8()?.to_owned();
        let _reserved = r.string()?;
        let hash = match r.utf8()? {
            "sha256" => HashAlg::Sha256,
            "sha512" => HashAlg::Sha512,
            other => return Err(format!("unsupported hash algorithm {other:?}")),
        };
        let signature = decode_all::<Signature>(r.string()?)
            .map_err(|e| format!("malformed signature: {e}"))?;
        if !r.finished() {
            return Err("the signature has trailing data".to_owned());
        }
        let signer = parse_signer(key_blob)?;
        Ok(SshSignature {
            signer,
            namespace,
            hash,
            signature,
        })
    }

    /// Checks the signature over `message` in git's namespace, as `ssh-keygen -Y
    /// check-novalidate -n git` does: no allowed-signers file, only the cryptography.
    pub(crate) fn verify(&self, message: &[u8]) -> Result<(), String> {
        if self.namespace != GIT_NAMESPACE {
            return Err(format!(
                "the signature is for namespace {:?}, not {GIT_NAMESPACE:?}",
                self.namespace
            ));
        }
        let key = self.key();
        let key_alg = key.algorithm();
        let sig_alg = self.signature.algorithm();
        let matching = match (&key_alg, &sig_alg) {
            // RSA: only rsa-sha2-256 and rsa-sha2-512, never SHA-1.
            (Algorithm::Rsa { .. }, Algorithm::Rsa { hash }) => hash.is_some(),
            (a, b) => a == b,
        };
        if !matching {
            return Err(format!(
                "a {} signature cannot come from a {} key",
                sig_alg.as_str(),
                key_alg.as_str()
            ));
        }
        let signed = SshSig::signed_data(GIT_NAMESPACE, self.hash, message)
            .map_err(|e| format!("cannot assemble the signed data: {e}"))?;
        key.verify(&signed, &self.signature)
            .map_err(|_| "the signature does not verify: the commit or the signature was altered, or the key cannot be checked".to_owned())
    }
}

/// The base64 body between the armor lines, decoded (OpenSSH's `sshsig_dearmor`: any line
/// width, text after the end line ignored).
fn dearmor(armored: &[u8]) -> Result<Vec<u8>, String> {
    let text = std::str::from_utf8(armored).map_err(|_| "the signature is not text".to_owned())?;
    let Some(body) = text
        .strip_prefix(BEGIN)
        .and_then(|b| b.strip_prefix("\r\n").or_else(|| b.strip_prefix('\n')))
    else {
        return Err("missing the -----BEGIN SSH SIGNATURE----- line".to_owned());
    };
    let Some(end) = body.find(&format!("\n{END}")) else {
        return Err("missing the -----END SSH SIGNATURE----- line".to_owned());
    };
    let b64: String = body[..end]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    use ssh_encoding::base64::Encoding;
    ssh_encoding::base64::Base64::decode_vec(&b64)
        .map_err(|_| "the signature's base64 does not decode".to_owned())
}

/// Decodes a value that must fill `bytes` exactly.
fn decode_all<T: Decode<Error = ssh_key::Error>>(mut bytes: &[u8]) -> Result<T, String> {
    let value = T::decode(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.is_empty() {
        Ok(value)
    } else {
        Err("trailing data".to_owned())
    }
}

/// A plain key or a certificate, from its wire encoding.
fn parse_signer(blob: &[u8]) -> Result<Signer, String> {
    let kind = Cursor::new(blob).utf8()?.to_owned();
    if kind.ends_with("-cert-v01@openssh.com") {
        return parse_certificate(blob, &kind).map(|c| Signer::Cert(Box::new(c)));
    }
    decode_all::<KeyData>(blob)
        .map(Signer::Key)
        .map_err(|e| format!("malformed {kind} key in the signature: {e}"))
}

/// The plain key type of a certificate type, and how many wire strings its key takes.
fn certified_key_type(cert_type: &str) -> Option<(&'static str, usize)> {
    Some(match cert_type {
        "ssh-ed25519-cert-v01@openssh.com" => ("ssh-ed25519", 1),
        "ssh-rsa-cert-v01@openssh.com" => ("ssh-rsa", 2),
        "ssh-dss-cert-v01@openssh.com" => ("ssh-dss", 4),
        "ecdsa-sha2-nistp256-cert-v01@openssh.com" => ("ecdsa-sha2-nistp256", 2),
        "ecdsa-sha2-nistp384-cert-v01@openssh.com" => ("ecdsa-sha2-nistp384", 2),
        "ecdsa-sha2-nistp521-cert-v01@openssh.com" => ("ecdsa-sha2-nistp521", 2),
        "sk-ssh-ed25519-cert-v01@openssh.com" => ("sk-ssh-ed25519@openssh.com", 2),
        "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com" => ("sk-ecdsa-sha2-nistp256@openssh.com", 3),
        _ => return None,
    })
}

/// Parses an OpenSSH certificate (PROTOCOL.certkeys) and verifies its CA signature over
/// the exact bytes that precede it, as OpenSSH does when it reads one.
fn parse_certificate(blob: &[u8], kind: &str) -> Result<Certificate, String> {
    let Some((plain, fields)) = certified_key_type(kind) else {
        return Err(format!("unsupported certificate type {kind:?}"));
    };
    let mut r = Cursor::new(blob);
    r.string()?; // the type, read above
    r.string()?; // nonce
    let key_start = r.pos;
    for _ in 0..fields {
        r.string()?;
    }
    let mut key_blob = Vec::new();
    key_blob.extend_from_slice(&u32::try_from(plain.len()).unwrap_or(u32::MAX).to_be_bytes());
    key_blob.extend_from_slice(plain.as_bytes());
    key_blob.extend_from_slice(&blob[key_start..r.pos]);
    let key = decode_all::<KeyData>(&key_blob)
        .map_err(|e| format!("malformed key in the certificate: {e}"))?;
    let _serial = r.u64()?;
    let cert_type = r.u32()?;
    let _key_id = r.string()?;
    let mut principals = Vec::new();
    let mut list = Cursor::new(r.string()?);
    while !list.finished() {
        principals.push(list.utf8()?.to_owned());
    }
    let valid_after = r.u64()?;
    let valid_before = r.u64()?;
    let _critical = r.string()?;
    let _extensions = r.string()?;
    let _reserved = r.string()?;
    let ca = decode_all::<KeyData>(r.string()?)
        .map_err(|e| format!("malformed CA key in the certificate: {e}"))?;
    let signed_len = r.pos;
    let ca_signature = decode_all::<Signature>(r.string()?)
        .map_err(|e| format!("malformed CA signature in the certificate: {e}"))?;
    if !r.finished() {
        return Err("the certificate has trailing data".to_owned());
    }
    if !matches!(cert_type, 1 | 2) {
        return Err(format!("unknown certificate type {cert_type}"));
    }
    ca.verify(&blob[..signed_len], &ca_signature)
        .map_err(|_| "the certificate's CA signature does not verify".to_owned())?;
    Ok(Certificate {
        key,
        ca,
        user: cert_type == 1,
        principals,
        valid_after,
        valid_before,
    })
}

/// A bounds-checked reader of SSH wire data (RFC 4251 `uint32`, `uint64`, `string`).
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Cursor { buf, pos: 0 }
    }

    fn finished(&self) -> bool {
        self.pos == self.buf.len()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.buf.len())
            .ok_or_else(|| "truncated signature data".to_owned())?;
        let out = &self.buf[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, String> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_be_bytes(a))
    }

    fn string(&mut self) -> Result<&'a [u8], String> {
        let len = self.u32()?;
        self.take(usize::try_from(len).map_err(|_| "length overflow".to_owned())?)
    }

    fn utf8(&mut self) -> Result<&'a str, String> {
        let s = self.string()?;
        if s.contains(&0) {
            return Err("a text field holds a NUL byte".to_owned());
        }
        std::str::from_utf8(s).map_err(|_| "a text field is not UTF-8".to_owned())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn refuses_garbage() {
        for (input, want) in [
            (&b""[..], "BEGIN"),
            (b"hello", "BEGIN"),
            (b"-----BEGIN SSH SIGNATURE-----\nAAAA\n", "END"),
            (
                b"-----BEGIN SSH SIGNATURE-----\n!!!!\n-----END SSH SIGNATURE-----\n",
                "base64",
            ),
            (
                b"-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n",
                "magic",
            ),
            (b"\xff\xfe", "not text"),
        ] {
            let err = SshSignature::parse(input).unwrap_err();
            assert!(err.contains(want), "{input:?}: {err}");
        }
    }

    #[test]
    fn cursor_never_reads_past_the_end() {
        let mut c = Cursor::new(&[0, 0, 0, 9, 1, 2]);
        assert!(c.string().is_err());
        let mut c = Cursor::new(&[0xff, 0xff, 0xff, 0xff]);
        assert!(c.string().is_err());
        let mut c = Cursor::new(&[0, 0]);
        assert!(c.u32().is_err());
    }

    fn armor(blob: &[u8]) -> Vec<u8> {
        use ssh_encoding::base64::Encoding;
        let b64 = ssh_encoding::base64::Base64::encode_string(blob);
        format!("{BEGIN}\n{b64}\n{END}\n").into_bytes()
    }

    proptest! {
        #[test]
        fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = SshSignature::parse(&bytes);
            let _ = SshSignature::parse(&armor(&bytes));
        }

        #[test]
        fn never_panics_on_envelopes(
            version in 0u32..3,
            key in proptest::collection::vec(any::<u8>(), 0..120),
            ns in "[a-z]{0,5}",
            hash in "(sha256|sha512|md5)",
            sig in proptest::collection::vec(any::<u8>(), 0..120),
            cert in any::<bool>(),
        ) {
            let mut blob = MAGIC.to_vec();
            let put = |b: &mut Vec<u8>, s: &[u8]| {
                b.extend_from_slice(&(s.len() as u32).to_be_bytes());
                b.extend_from_slice(s);
            };
            blob.extend_from_slice(&version.to_be_bytes());
            let mut key_blob = Vec::new();
            put(&mut key_blob, if cert { b"ssh-ed25519-cert-v01@openssh.com" } else { b"ssh-ed25519" });
            key_blob.extend_from_slice(&key);
            put(&mut blob, &key_blob);
            put(&mut blob, ns.as_bytes());
            put(&mut blob, b"");
            put(&mut blob, hash.as_bytes());
            put(&mut blob, &sig);
            if let Ok(parsed) = SshSignature::parse(&armor(&blob)) {
                let _ = parsed.verify(b"message");
                let _ = parsed.sk_flags();
            }
        }
    }
}
