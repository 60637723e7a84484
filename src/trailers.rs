//! Commit-message trailers, read exactly as git reads them.
//!
//! Agents are attributed by trailers (`Co-authored-by: …`, `Task: PROJ-142`), so this parser
//! must agree with `git log --format='%(trailers:only,unfold)'` on every message: a trailer
//! git does not see must not count here, and one git sees must not be missed. [`parse`] is a
//! port of git 2.47's `trailer.c` (`parse_trailers`), `commit.c:ignored_log_message_bytes` and
//! `pretty.c:skip_blank_lines`; the test suite checks it against the real `git` binary.
//!
//! **Git config is deliberately not consulted.** git's own parse changes with
//! `trailer.separators`, `trailer.<alias>.key` (which counts towards the 25 % rule and renames
//! keys) and `core.commentChar`. A hook that shelled out to git would inherit the server's
//! system, global and repository config, so the same commit could be attributed differently
//! on two servers, or after someone edits a config file. The defaults are fixed here instead:
//! separator `:`, comment character `#`, no aliases (see `notes/git-trailers.md` §1.4).
//!
//! The input is text: a caller holding a non-UTF-8 message decodes it lossily first. Every
//! cut below falls next to an ASCII byte, so this gives what git prints, decoded the same way.
//!
//! The rules, in the order git applies them (bytes are ASCII-classified: whitespace is only
//! SP, HT, LF and CR, and alphanumerics only `[A-Za-z0-9]`, as in git's `sane_ctype`):
//!
//! 1. **C string.** git treats the message as NUL-terminated; everything from the first NUL
//!    byte on is ignored.
//! 2. **Leading blank lines** (whitespace-only) are skipped (`pretty.c:skip_blank_lines`).
//! 3. **Ignored tail** (`ignored_log_message_bytes`): the message ends at the scissors line
//!    `# ------------------------ >8 ------------------------` (`wt_status_locate_end`); then
//!    a trailing run of `#` comment lines and empty lines, and a legacy `Conflicts:` line with
//!    its TAB-indented paths, are cut. A `---` line is *not* a divider (`%(trailers)` sets
//!    `no_divider`).
//! 4. **Title** (`find_trailer_block_start`): the first paragraph, up to the first blank line
//!    (comment lines skipped), is never trailers. No blank line means no trailers.
//! 5. **Last paragraph only**: scanning up from the end (trailing blank lines skipped) to the
//!    next blank line gives the candidate block. Each line is a comment (ignored), a
//!    git-generated line (`Signed-off-by: ` or `(cherry picked from commit `, counted as a
//!    trailer and "recognised"), a `<token>:` line (trailer), an indented line (possible
//!    continuation; counted as a non-trailer unless a trailer line, not a comment, sits above
//!    it) or anything else (non-trailer).
//! 6. **Acceptance**: the block is taken if it has trailers and no non-trailers, or if it has
//!    a recognised line and `trailers * 3 >= non_trailers`. Otherwise there are no trailers.
//! 7. **Token** (`find_separator`): `^[A-Za-z0-9-]+[ \t]*:`; a `:` in column 0 is not a
//!    trailer. `https://x` is a trailer (key `https`).
//! 8. **Continuations** (`trailer_block_get`): a line starting with whitespace is joined to
//!    the line above if that logical line is a `<token>:` line.
//! 9. **Output** (`parse_trailers`, `parse_trailer`, `unfold_value`): comment lines and
//!    non-trailer lines (prose, the cherry-pick line) are dropped. The key is the text before
//!    the first `:`, the value the text after it, both trimmed; in the value each LF plus the
//!    whitespace after it becomes one space, then it is trimmed again. Keys keep their case;
//!    empty values and duplicates are kept, in order.

/// One trailer: key as written, unfolded and trimmed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailer {
    /// The key, case preserved, trimmed (e.g. `Co-Authored-By`).
    pub key: String,
    /// The value, unfolded and trimmed; may be empty.
    pub value: String,
}

/// The comment character git uses by default (`core.commentChar`).
const COMMENT: u8 = b'#';

/// The separator git uses by default (`trailer.separators`).
const SEPARATOR: u8 = b':';

/// Line prefixes git writes itself (`trailer.c:git_generated_prefixes`).
const GIT_GENERATED_PREFIXES: [&[u8]; 2] = [b"Signed-off-by: ", b"(cherry picked from commit "];

/// The scissors line, with the newline before it (`wt-status.c:wt_status_locate_end`).
const SCISSORS: &[u8] = b"\n# ------------------------ >8 ------------------------\n";

/// Parses the trailers of a raw commit message (what follows the commit header's blank line)
/// as `git log --format='%(trailers:only,unfold)'` does, with git's default configuration.
///
/// Never panics, whatever the input.
pub fn parse(message: &str) -> Vec<Trailer> {
    let bytes = message.as_bytes();
    let bytes = match bytes.iter().position(|&b| b == 0) {
        Some(nul) => &bytes[..nul],
        None => bytes,
    };
    let buf = skip_blank_lines(bytes);
    let end = end_of_log_message(buf);
    let start = find_trailer_block_start(&buf[..end]);
    logical_lines(&buf[start..end])
        .into_iter()
        .filter(|line| line.first() != Some(&COMMENT))
        .filter_map(|line| {
            let sep = find_separator(&line)?;
            let key = trim(&line[..sep]);
            let value = unfold(trim(&line[sep + 1..]));
            Some(Trailer {
                key: text(key.to_vec()),
                value: text(value),
            })
        })
        .collect()
}

/// The values of the trailers whose key equals `key`, ASCII case-insensitively over the full
/// length, in message order. Like git's `%(trailers:key=…)`, one trailing `:` in `key` is
/// ignored, so `Task`, `task` and `Task:` all match `TASK: x` but not `Task-Id: x`.
pub fn values<'a>(trailers: &'a [Trailer], key: &str) -> impl Iterator<Item = &'a str> {
    let key = key.strip_suffix(':').unwrap_or(key).to_owned();
    trailers
        .iter()
        .filter(move |t| t.key.eq_ignore_ascii_case(&key))
        .map(|t| t.value.as_str())
}

/// git's `isspace` (`sane_ctype`): SP, HT, LF and CR only.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// The line starting at `at`, including its `\n` if it has one.
fn line_at(buf: &[u8], at: usize) -> &[u8] {
    let rest = buf.get(at..).unwrap_or_default();
    match rest.iter().position(|&b| b == b'\n') {
        Some(nl) => &rest[..=nl],
        None => rest,
    }
}

/// `trailer.c:is_blank_line`: only whitespace up to the end of the line.
fn is_blank_line(line: &[u8]) -> bool {
    line.iter()
        .take_while(|&&b| b != b'\n')
        .all(|&b| is_space(b))
}

/// `pretty.c:skip_blank_lines`: drops leading whitespace-only lines.
fn skip_blank_lines(mut buf: &[u8]) -> &[u8] {
    loop {
        let line = line_at(buf, 0);
        if line.is_empty() || !line.iter().all(|&b| is_space(b)) {
            return buf;
        }
        buf = &buf[line.len()..];
    }
}

/// `trailer.c:find_end_of_log_message` with `no_divider`: the length of `buf` without the
/// part `commit.c:ignored_log_message_bytes` ignores.
fn end_of_log_message(buf: &[u8]) -> usize {
    let cutoff = if buf.starts_with(&SCISSORS[1..]) {
        0
    } else {
        find(buf, SCISSORS).map_or(buf.len(), |p| p + 1)
    };
    // `boc` is the start of the trailing run of comments; like git, 0 means "no run yet", so a
    // run that starts on the first line only counts from its second line.
    let mut boc = 0;
    let mut bol = 0;
    let mut in_old_conflicts_block = false;
    while bol < cutoff {
        let next = bol + line_at(buf, bol).len();
        if buf[bol] == COMMENT || buf[bol] == b'\n' {
            if boc == 0 {
                boc = bol;
            }
        } else if buf[bol..].starts_with(b"Conflicts:\n") {
            in_old_conflicts_block = true;
            if boc == 0 {
                boc = bol;
            }
        } else if in_old_conflicts_block && buf[bol] == b'\t' {
            // A path in the conflicts block.
        } else if boc != 0 {
            boc = 0;
            in_old_conflicts_block = false;
        }
        bol = next;
    }
    if boc != 0 { boc } else { cutoff }
}

/// The first position of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `trailer.c:last_line`: the start of the line before position `len`, or `None`.
fn last_line(buf: &[u8], len: usize) -> Option<usize> {
    match len {
        0 => None,
        1 => Some(0),
        _ => Some(
            buf[..len - 1]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1),
        ),
    }
}

/// `trailer.c:find_trailer_block_start`: where the trailer block of `buf` starts, or
/// `buf.len()` if there is none.
fn find_trailer_block_start(buf: &[u8]) -> usize {
    let len = buf.len();
    // The first paragraph is the title and cannot be trailers.
    let mut end_of_title = 0;
    while end_of_title < len {
        let line = line_at(buf, end_of_title);
        if line[0] != COMMENT && is_blank_line(line) {
            break;
        }
        end_of_title += line.len();
    }

    let mut only_spaces = true;
    let mut recognized_prefix = false;
    let mut trailer_lines = 0usize;
    let mut non_trailer_lines = 0usize;
    let mut possible_continuation_lines = 0usize;
    let mut l = last_line(buf, len);
    while let Some(bol) = l.filter(|&l| l >= end_of_title) {
        l = last_line(buf, bol);
        let line = line_at(buf, bol);
        if line.first() == Some(&COMMENT) {
            non_trailer_lines += possible_continuation_lines;
            possible_continuation_lines = 0;
            continue;
        }
        if is_blank_line(line) {
            if only_spaces {
                continue;
            }
            non_trailer_lines += possible_continuation_lines;
            if (recognized_prefix && trailer_lines * 3 >= non_trailer_lines)
                || (trailer_lines > 0 && non_trailer_lines == 0)
            {
                return bol + line.len();
            }
            return len;
        }
        only_spaces = false;

        if GIT_GENERATED_PREFIXES.iter().any(|p| line.starts_with(p)) {
            trailer_lines += 1;
            possible_continuation_lines = 0;
            recognized_prefix = true;
        } else if find_separator(line).is_some() {
            // With no `trailer.<alias>` configured, no token is recognised.
            trailer_lines += 1;
            possible_continuation_lines = 0;
        } else if is_space(line[0]) {
            possible_continuation_lines += 1;
        } else {
            non_trailer_lines += 1 + possible_continuation_lines;
            possible_continuation_lines = 0;
        }
    }
    len
}

/// `trailer.c:find_separator` with separators `":"`: the position of the separator if `line`
/// is `<token>[ \t]*:…` with a non-empty token of `[A-Za-z0-9-]`.
fn find_separator(line: &[u8]) -> Option<usize> {
    let mut whitespace_found = false;
    for (i, &c) in line.iter().enumerate() {
        if c == SEPARATOR {
            return (i >= 1).then_some(i);
        }
        if !whitespace_found && (c.is_ascii_alphanumeric() || c == b'-') {
            continue;
        }
        if i != 0 && (c == b' ' || c == b'\t') {
            whitespace_found = true;
            continue;
        }
        break;
    }
    None
}

/// `trailer.c:trailer_block_get`: the block's lines, with each whitespace-led line joined to
/// the `<token>:` line above it.
fn logical_lines(block: &[u8]) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut last_is_trailer = false;
    let mut at = 0;
    while at < block.len() {
        let line = line_at(block, at);
        at += line.len();
        if last_is_trailer && is_space(line[0]) {
            if let Some(last) = lines.last_mut() {
                last.extend_from_slice(line);
            }
            continue;
        }
        last_is_trailer = find_separator(line).is_some();
        lines.push(line.to_vec());
    }
    lines
}

/// `strbuf_trim`: drops git-whitespace at both ends.
fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_space(b)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |i| i + 1);
    &s[start..end]
}

/// `trailer.c:unfold_value`: each LF and the whitespace after it become one space; trimmed.
fn unfold(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        let c = value[i];
        i += 1;
        if c == b'\n' {
            while i < value.len() && is_space(value[i]) {
                i += 1;
            }
            out.push(b' ');
        } else {
            out.push(c);
        }
    }
    trim(&out).to_vec()
}

/// Bytes back to text. Every cut above is next to an ASCII byte, so the bytes are still
/// UTF-8; the lossy path is only a guard that never runs.
fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(message: &str) -> Vec<(String, String)> {
        parse(message)
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn last_paragraph_of_trailers() {
        assert_eq!(
            kv(
                "Fix it\n\nBody.\n\nTask: PROJ-142\nCo-authored-by: Claude <noreply@anthropic.com>\n"
            ),
            pairs(&[
                ("Task", "PROJ-142"),
                ("Co-authored-by", "Claude <noreply@anthropic.com>")
            ])
        );
    }

    #[test]
    fn title_is_never_trailers() {
        assert_eq!(kv("Task: X\n"), pairs(&[]));
        assert_eq!(kv("Subject\nSigned-off-by: x\n"), pairs(&[]));
        assert_eq!(kv("# c\nTitle\n\nTask: X\n"), pairs(&[("Task", "X")]));
    }

    #[test]
    fn leading_blank_lines_are_skipped() {
        assert_eq!(kv("\n\nTask: X\n"), pairs(&[]));
        assert_eq!(kv(" \n\r\nT\n\nTask: X"), pairs(&[("Task", "X")]));
    }

    #[test]
    fn only_the_last_paragraph() {
        assert_eq!(kv("T\n\nTask: X\n\nProse after.\n"), pairs(&[]));
        assert_eq!(kv("T\n\nTask: X\n\nRefs: Y\n\n\n"), pairs(&[("Refs", "Y")]));
    }

    #[test]
    fn twenty_five_percent_rule() {
        assert_eq!(
            kv("T\n\nSigned-off-by: A\na\nb\nc\n"),
            pairs(&[("Signed-off-by", "A")])
        );
        assert_eq!(kv("T\n\nSigned-off-by: A\na\nb\nc\nd\n"), pairs(&[]));
        assert_eq!(kv("T\n\nA: 1\nB: 2\nC: 3\nprose\n"), pairs(&[]));
        assert_eq!(kv("T\n\nsigned-off-by: A\nprose\n"), pairs(&[]));
        assert_eq!(
            kv("T\n\n(cherry picked from commit abc)\nTask: X\nprose\n"),
            pairs(&[("Task", "X")])
        );
    }

    #[test]
    fn dashes_are_not_a_divider() {
        assert_eq!(kv("T\n\nBody\n---\nTask: X\n"), pairs(&[]));
        assert_eq!(kv("T\n\n---\n\nTask: X\n"), pairs(&[("Task", "X")]));
    }

    #[test]
    fn ignored_tail() {
        assert_eq!(
            kv("T\n\nTask: X\n# comment\n\n# more\n"),
            pairs(&[("Task", "X")])
        );
        assert_eq!(
            kv("T\n\nTask: X\n# ------------------------ >8 ------------------------\nA: b\n"),
            pairs(&[("Task", "X")])
        );
        assert_eq!(
            kv("T\n\nTask: X\nConflicts:\n\tsrc/a.rs\n"),
            pairs(&[("Task", "X")])
        );
        // A scissors line without its newline is not one.
        assert_eq!(
            kv("T\n\nTask: X\n# ------------------------ >8 ------------------------"),
            pairs(&[("Task", "X")])
        );
    }

    #[test]
    fn continuations_are_unfolded() {
        assert_eq!(
            kv("T\n\nTask: A\n  more\n\tand more\nB: c\n"),
            pairs(&[("Task", "A more and more"), ("B", "c")])
        );
        assert_eq!(
            kv("T\n\nTask: A\r\n  more\r\n"),
            pairs(&[("Task", "A\r more")])
        );
        assert_eq!(kv("T\n\nprose\n  indented\nTask: X\n"), pairs(&[]));
        assert_eq!(
            kv("T\n\nTask: X\n #notcomment\n"),
            pairs(&[("Task", "X #notcomment")])
        );
    }

    #[test]
    fn separator_rules() {
        assert_eq!(kv("T\n\n12:30 standup\n"), pairs(&[("12", "30 standup")]));
        assert_eq!(kv("T\n\n-: x\n"), pairs(&[("-", "x")]));
        assert_eq!(
            kv("T\n\nKey : v\nK2\t:v\n"),
            pairs(&[("Key", "v"), ("K2", "v")])
        );
        assert_eq!(
            kv("T\n\nhttps://example.com\n"),
            pairs(&[("https", "//example.com")])
        );
        assert_eq!(kv("T\n\nRefs: a:b:c\n"), pairs(&[("Refs", "a:b:c")]));
        for not in [
            ": x",
            "Task Id: x",
            "Task_Id: x",
            "Größe: x",
            "Task=X",
            "Bug #42",
        ] {
            assert_eq!(kv(&format!("T\n\n{not}\n")), pairs(&[]), "{not:?}");
        }
    }

    #[test]
    fn values_are_trimmed_empty_and_duplicated() {
        assert_eq!(
            kv("T\n\nTask:    PROJ-12 \t \nTask:\ntask: x\u{b}\n"),
            pairs(&[("Task", "PROJ-12"), ("Task", ""), ("task", "x\u{b}")])
        );
    }

    #[test]
    fn crlf_messages() {
        assert_eq!(
            kv("T\r\n\r\nBody\r\n\r\nTask: X\r\nB: y\r\n"),
            pairs(&[("Task", "X"), ("B", "y")])
        );
    }

    #[test]
    fn nul_ends_the_message() {
        assert_eq!(kv("T\n\nTask: X\0\nprose\n"), pairs(&[("Task", "X")]));
    }

    #[test]
    fn values_matches_keys_case_insensitively() {
        let t = parse("T\n\nTask: a\nTASK : b\nTask-Id: c\nCo-Authored-By: d\n");
        assert_eq!(values(&t, "task").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(values(&t, "Task:").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(values(&t, "co-authored-by").collect::<Vec<_>>(), ["d"]);
        assert_eq!(values(&t, "Tas").count(), 0);
    }
}
