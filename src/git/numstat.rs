//! git's numstat text: `ADDED<TAB>DELETED<TAB>PATH` lines (`-<TAB>-` for binary files),
//! with paths C-quoted exactly as `git -c core.quotePath=false` quotes them.

use super::RawChange;

/// Appends `path` as git prints it with `core.quotePath=false`: as is, unless it holds a
/// `"`, a `\`, a control character or DEL; then in double quotes with C escapes (`\t`,
/// `\n`, `\"`, `\\`, others as three octal digits). Bytes from 0x80 up are kept raw.
pub fn quote_path(path: &[u8], out: &mut Vec<u8>) {
    let must_quote = |b: u8| b < 0x20 || b == b'"' || b == b'\\' || b == 0x7f;
    if !path.iter().copied().any(must_quote) {
        out.extend_from_slice(path);
        return;
    }
    out.push(b'"');
    for &b in path {
        let escape = match b {
            0x07 => Some(b'a'),
            0x08 => Some(b'b'),
            b'\t' => Some(b't'),
            b'\n' => Some(b'n'),
            0x0b => Some(b'v'),
            0x0c => Some(b'f'),
            b'\r' => Some(b'r'),
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            _ => None,
        };
        match escape {
            Some(letter) => out.extend_from_slice(&[b'\\', letter]),
            None if must_quote(b) => out.extend_from_slice(&[
                b'\\',
                b'0' + (b >> 6),
                b'0' + ((b >> 3) & 7),
                b'0' + (b & 7),
            ]),
            None => out.push(b),
        }
    }
    out.push(b'"');
}

/// Appends one commit as `git log --numstat --format=%H` prints it: the id line, then,
/// when anything changed, a blank line and one numstat line per change.
pub fn write_numstat(commit: &str, changes: &[RawChange], out: &mut Vec<u8>) {
    out.extend_from_slice(commit.as_bytes());
    out.push(b'\n');
    if changes.is_empty() {
        return;
    }
    out.push(b'\n');
    for change in changes {
        match change.lines {
            Some(lines) if !change.binary => {
                out.extend_from_slice(format!("{}\t{}\t", lines.added, lines.deleted).as_bytes())
            }
            _ => out.extend_from_slice(b"-\t-\t"),
        }
        quote_path(change.path(), out);
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(path: &[u8]) -> String {
        let mut out = Vec::new();
        quote_path(path, &mut out);
        String::from_utf8(out).expect("test paths are UTF-8")
    }

    #[test]
    fn quotes_like_git_with_quote_path_false() {
        assert_eq!(quoted(b"src/a b.rs"), "src/a b.rs");
        assert_eq!(
            quoted("dir/\u{e9}t\u{e9}.txt".as_bytes()),
            "dir/\u{e9}t\u{e9}.txt"
        );
        assert_eq!(quoted(b"tab\there"), "\"tab\\there\"");
        assert_eq!(quoted(b"say \"hi\""), "\"say \\\"hi\\\"\"");
        assert_eq!(quoted(b"back\\slash"), "\"back\\\\slash\"");
        assert_eq!(quoted(b"nl\nx"), "\"nl\\nx\"");
        assert_eq!(quoted(b"esc\x1b"), "\"esc\\033\"");
        assert_eq!(quoted(b"del\x7f"), "\"del\\177\"");
    }
}
