//! git's `gpg.ssh.revocationFile`: public keys that never verify, one per line
//! (`keytype base64 [comment]`), as `ssh-keygen -Y verify -r` reads a plain key list.
//!
//! A revoked key revokes its signatures and every certificate of that key; a revoked CA key
//! revokes every certificate it signed (OpenSSH's `sshkey_in_file` with `check_ca`). A
//! binary KRL (`ssh-keygen -k`) is refused with a clear error rather than half-read.

use ssh_key::public::KeyData;

use super::allowed_signers::parse_key;

/// The magic that opens an OpenSSH key revocation list.
const KRL_MAGIC: &[u8] = b"SSHKRL\n\0";

/// A parsed revocation file.
#[derive(Debug, Clone, Default)]
pub(crate) struct RevokedKeys {
    keys: Vec<KeyData>,
}

impl RevokedKeys {
    /// True when `key` is listed.
    pub(crate) fn contains(&self, key: &KeyData) -> bool {
        self.keys.iter().any(|k| k == key)
    }
}

/// Parses a whole file; on failure, every bad line as `(line number, message)` (line 0 for
/// the file as a whole).
pub(crate) fn parse(bytes: &[u8]) -> Result<RevokedKeys, Vec<(usize, String)>> {
    if bytes.starts_with(KRL_MAGIC) {
        return Err(vec![(
            0,
            "this is a binary KRL, which agentfence does not read; list the revoked public \
             keys one per line instead"
                .to_owned(),
        )]);
    }
    let mut keys = Vec::new();
    let mut problems = Vec::new();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let Ok(text) = std::str::from_utf8(raw) else {
            problems.push((i + 1, "the line is not UTF-8 text".to_owned()));
            continue;
        };
        let text = text.trim_matches([' ', '\t', '\r']);
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        if text.contains('\0') {
            problems.push((i + 1, "the line contains a NUL byte".to_owned()));
            continue;
        }
        match parse_key(text) {
            Ok(key) => keys.push(key),
            Err(message) => problems.push((i + 1, message)),
        }
    }
    if problems.is_empty() {
        Ok(RevokedKeys { keys })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDO0VQD9TIdICZLWFWwtf7s8/aENve8twGTEmNV0myh5";

    #[test]
    fn lists_keys() {
        let r = parse(format!("# retired\n\n{ED} old laptop\r\n").as_bytes()).unwrap();
        let key = parse_key(ED).unwrap();
        assert!(r.contains(&key));
        assert!(!RevokedKeys::default().contains(&key));
    }

    #[test]
    fn refuses_krl_and_bad_lines() {
        let err = parse(b"SSHKRL\n\0\x00\x00\x00\x01").unwrap_err();
        assert!(err[0].1.contains("binary KRL"));
        let err = parse(format!("{ED}\nnot a key\na@x {ED}\n").as_bytes()).unwrap_err();
        assert_eq!(err.iter().map(|e| e.0).collect::<Vec<_>>(), [2, 3]);
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&bytes);
        }
    }
}
