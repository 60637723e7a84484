//! Git LFS pointers: a small text blob that stands for a large file stored elsewhere.
//!
//! A checkout with git-lfs installed replaces the pointer by the file it names, so the
//! measurement counts a pointer as a binary file of the size it names (CONTRACT.md). The
//! parser accepts what git-lfs's own decoder (`lfs/pointer.go`, `DecodeFrom`) accepts, so
//! no pointer that git-lfs would download passes as 130 bytes of text: a blob under 1,024
//! bytes that, with surrounding whitespace trimmed, holds `version <url>` (one of the three
//! spec URLs), optional `ext-<digit>-<name> sha256:<hex>` lines, `oid sha256:<64 hex>` and
//! `size <n>`, in that order, one per line (empty lines and a trailing CR ignored).

/// git-lfs's `blobSizeCutoff`: a blob this large or larger is never a pointer.
const POINTER_MAX: usize = 1024;

/// The spec versions git-lfs accepts.
const VERSIONS: [&[u8]; 3] = [
    b"http://git-media.io/v/2",
    b"https://hawser.github.com/spec/v1",
    b"https://git-lfs.github.com/spec/v1",
];

/// The size a Git LFS pointer names, or `None` when `data` is not a pointer.
pub(crate) fn pointer_size(data: &[u8]) -> Option<u64> {
    if data.len() >= POINTER_MAX {
        return None;
    }
    let data = trim_space(data);
    let mentions = |needle: &[u8]| data.windows(needle.len()).any(|w| w == needle);
    if !(mentions(b"git-media") || mentions(b"hawser") || mentions(b"git-lfs")) {
        return None;
    }
    const KEYS: [&[u8]; 3] = [b"version", b"oid", b"size"];
    let mut values: [Option<&[u8]>; 3] = [None; 3];
    // Extension lines by key, the last one winning (git-lfs keeps them in a map).
    let mut extensions: Vec<(&[u8], &[u8])> = Vec::new();
    let mut line_no = 0;
    for line in data.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let space = line.iter().position(|&b| b == b' ')?;
        let (key, value) = (&line[..space], &line[space + 1..]);
        if line_no >= KEYS.len() {
            return None;
        }
        if key != KEYS[line_no] {
            if !is_extension_key(key) {
                return None;
            }
            extensions.retain(|(k, _)| *k != key);
            extensions.push((key, value));
            continue;
        }
        values[line_no] = Some(value);
        line_no += 1;
    }
    let mut priorities = extensions
        .iter()
        .map(|(key, value)| extension(key, value))
        .collect::<Option<Vec<u64>>>()?;
    let count = priorities.len();
    priorities.sort_unstable();
    priorities.dedup();
    if priorities.len() != count {
        return None;
    }
    if !VERSIONS.contains(&values[0]?) {
        return None;
    }
    sha256_oid(values[1]?)?;
    parse_go_int(values[2]?)
}

/// git-lfs's `extRE` (`\Aext-\d{1}-\w+`), which matches a prefix of the key.
fn is_extension_key(key: &[u8]) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    key.len() >= 7
        && key.starts_with(b"ext-")
        && key[4].is_ascii_digit()
        && key[5] == b'-'
        && word(key[6])
}

/// An extension line (`ext-<digit>-<name> sha256:<hex>`): its priority.
fn extension(key: &[u8], value: &[u8]) -> Option<u64> {
    // SplitN(key, "-", 3): "ext", the priority, the name.
    let mut parts = key.splitn(3, |&b| b == b'-');
    let (_, priority) = (parts.next()?, parts.next()?);
    parts.next()?;
    sha256_oid(value)?;
    parse_go_int(priority)
}

/// `sha256:` followed by exactly 64 lowercase hex digits.
fn sha256_oid(value: &[u8]) -> Option<()> {
    let hex = value.strip_prefix(b"sha256:")?;
    let ok = hex.len() == 64
        && hex
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b));
    ok.then_some(())
}

/// Go's `strconv.ParseInt(s, 10, 64)` (an optional sign, ASCII digits, no overflow),
/// refusing negative values.
fn parse_go_int(s: &[u8]) -> Option<u64> {
    let digits = match s.first()? {
        b'+' => &s[1..],
        b'-' => {
            let rest = &s[1..];
            let zero = !rest.is_empty() && rest.iter().all(|&b| b == b'0');
            return zero.then_some(0);
        }
        _ => s,
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value: u64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    (value <= i64::MAX as u64).then_some(value)
}

/// Go's `bytes.TrimSpace`: Unicode white space trimmed from both ends (ASCII only where the
/// data is not UTF-8, where Go would stop at the first invalid byte anyway).
fn trim_space(data: &[u8]) -> &[u8] {
    match std::str::from_utf8(data) {
        Ok(text) => text.trim_matches(char::is_whitespace).as_bytes(),
        Err(_) => data.trim_ascii(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OID: &str = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";

    fn pointer(size: &str) -> String {
        format!("version https://git-lfs.github.com/spec/v1\noid sha256:{OID}\nsize {size}\n")
    }

    #[test]
    fn reads_the_size_a_pointer_names() {
        assert_eq!(pointer_size(pointer("12345").as_bytes()), Some(12345));
        assert_eq!(pointer_size(pointer("0").as_bytes()), Some(0));
        assert_eq!(pointer_size(pointer("+7").as_bytes()), Some(7));
        let crlf = pointer("9").replace('\n', "\r\n");
        assert_eq!(pointer_size(crlf.as_bytes()), Some(9));
        let padded = format!("\n\n  {}  \n", pointer("9").trim_end());
        assert_eq!(pointer_size(padded.as_bytes()), Some(9));
        let old = pointer("5").replace("git-lfs.github.com", "hawser.github.com");
        assert_eq!(pointer_size(old.as_bytes()), Some(5));
        let ext = format!(
            "version https://git-lfs.github.com/spec/v1\next-0-foo sha256:{OID}\noid sha256:{OID}\nsize 3\n"
        );
        assert_eq!(pointer_size(ext.as_bytes()), Some(3));
        let no_final_newline = pointer("3").trim_end().to_owned();
        assert_eq!(pointer_size(no_final_newline.as_bytes()), Some(3));
    }

    #[test]
    fn refuses_what_git_lfs_refuses() {
        assert_eq!(pointer_size(pointer("-1").as_bytes()), None);
        assert_eq!(pointer_size(pointer("1 2").as_bytes()), None);
        assert_eq!(pointer_size(pointer("1e3").as_bytes()), None);
        assert_eq!(
            pointer_size(pointer("99999999999999999999").as_bytes()),
            None
        );
        let upper = pointer("1").replace(OID, &OID.to_uppercase());
        assert_eq!(pointer_size(upper.as_bytes()), None);
        let reordered =
            format!("version https://git-lfs.github.com/spec/v1\nsize 1\noid sha256:{OID}\n");
        assert_eq!(pointer_size(reordered.as_bytes()), None);
        let extra = format!("{}x y\n", pointer("1"));
        assert_eq!(pointer_size(extra.as_bytes()), None);
        let other_version = pointer("1").replace("spec/v1", "spec/v2");
        assert_eq!(pointer_size(other_version.as_bytes()), None);
        let mut big = pointer("1").into_bytes();
        big.resize(POINTER_MAX, b'\n');
        assert_eq!(pointer_size(&big), None);
        assert_eq!(pointer_size(b"hello\n"), None);
        let dup_ext = format!(
            "version https://git-lfs.github.com/spec/v1\next-0-a sha256:{OID}\next-0-b sha256:{OID}\noid sha256:{OID}\nsize 3\n"
        );
        assert_eq!(pointer_size(dup_ext.as_bytes()), None);
    }
}
