//! fsck's checks of a `.gitmodules` blob (`fsck_gitmodules_fn`), ported: a submodule name
//! with a `..` component (which once let a clone write into `.git/`), a `url` or `path`
//! that a command line would read as an option, an `update = !command`, and a URL that
//! smuggles a newline to a credential helper or escapes its host with `../`.
//!
//! The blob is read with git's config parser (`config.c`: sections, quoted subsections,
//! escapes, comments, continuation lines); as in git, a parse error ends the reading (it
//! is only an info-level finding, `gitmodulesParse`), and what was read before it is
//! still checked. URLs are checked as `check_submodule_url` does, including
//! `url_normalize` for http(s) and ftp(s) URLs.

/// git's `isspace` (its own ctype table): space, tab, LF, CR.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// git's `iskeychar`.
fn is_key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-'
}

/// One `name = value` of a config blob: the full lowercased variable name (section,
/// subsection as written for `[s "sub"]`, key) and the value (`None`: a bare key).
type Entry = (Vec<u8>, Option<Vec<u8>>);

/// git's config reader over a blob (`get_next_char` and friends).
struct Source<'a> {
    data: &'a [u8],
    pos: usize,
    eof: bool,
}

impl Source<'_> {
    fn next(&mut self) -> u8 {
        let Some(&c) = self.data.get(self.pos) else {
            self.eof = true;
            return b'\n';
        };
        self.pos += 1;
        if c == b'\r' {
            match self.data.get(self.pos) {
                Some(b'\n') => {
                    self.pos += 1;
                    return b'\n';
                }
                _ => return b'\r',
            }
        }
        c
    }

    /// git's `parse_value`.
    fn value(&mut self) -> Option<Vec<u8>> {
        let (mut quote, mut comment) = (false, false);
        let mut trim_len = 0;
        let mut value = Vec::new();
        loop {
            let mut c = self.next();
            if c == b'\n' {
                if quote {
                    return None;
                }
                if trim_len > 0 {
                    value.truncate(trim_len);
                }
                return Some(value);
            }
            if comment {
                continue;
            }
            if is_space(c) && !quote {
                if trim_len == 0 {
                    trim_len = value.len();
                }
                if !value.is_empty() {
                    value.push(c);
                }
                continue;
            }
            if !quote && (c == b';' || c == b'#') {
                comment = true;
                continue;
            }
            trim_len = 0;
            if c == b'\\' {
                c = match self.next() {
                    b'\n' => continue,
                    b't' => b'\t',
                    b'b' => 8,
                    b'n' => b'\n',
                    c @ (b'\\' | b'"') => c,
                    _ => return None,
                };
                value.push(c);
                continue;
            }
            if c == b'"' {
                quote = !quote;
                continue;
            }
            value.push(c);
        }
    }

    /// git's `get_base_var` (after the `[`): the section name, `.subsection` appended.
    fn section(&mut self) -> Option<Vec<u8>> {
        let mut name = Vec::new();
        loop {
            let c = self.next();
            if self.eof {
                return None;
            }
            if c == b']' {
                return Some(name);
            }
            if is_space(c) {
                return self.extended_section(name, c);
            }
            if !is_key_char(c) && c != b'.' {
                return None;
            }
            name.push(c.to_ascii_lowercase());
        }
    }

    /// git's `get_extended_base_var`: `[section "subsection"]`.
    fn extended_section(&mut self, mut name: Vec<u8>, mut c: u8) -> Option<Vec<u8>> {
        loop {
            if c == b'\n' {
                return None;
            }
            c = self.next();
            if !is_space(c) {
                break;
            }
        }
        if c != b'"' {
            return None;
        }
        name.push(b'.');
        loop {
            let mut c = self.next();
            if c == b'\n' {
                return None;
            }
            if c == b'"' {
                break;
            }
            if c == b'\\' {
                c = self.next();
                if c == b'\n' {
                    return None;
                }
            }
            name.push(c);
        }
        (self.next() == b']').then_some(name)
    }
}

/// The entries of a config blob as git's parser reads them, up to its first error.
fn entries(data: &[u8]) -> Vec<Entry> {
    let mut source = Source {
        data,
        pos: 0,
        eof: false,
    };
    let mut out = Vec::new();
    let mut section: Vec<u8> = Vec::new();
    let mut comment = false;
    // A UTF-8 byte order mark is skipped; a partial one is an error.
    const BOM: &[u8] = b"\xef\xbb\xbf";
    let mut bom = 0;
    loop {
        let c = source.next();
        if bom < BOM.len() {
            if c == BOM[bom] && !source.eof {
                bom += 1;
                continue;
            }
            if bom > 0 {
                break;
            }
            bom = BOM.len();
        }
        if c == b'\n' {
            if source.eof {
                break;
            }
            comment = false;
            continue;
        }
        if comment || is_space(c) {
            continue;
        }
        if c == b'#' || c == b';' {
            comment = true;
            continue;
        }
        if c == b'[' {
            match source.section() {
                Some(name) if !name.is_empty() => section = name,
                _ => break,
            }
            continue;
        }
        if !c.is_ascii_alphabetic() {
            break;
        }
        // git's `get_value`.
        let mut var = section.clone();
        var.push(b'.');
        var.push(c.to_ascii_lowercase());
        let mut c;
        loop {
            c = source.next();
            if source.eof || !is_key_char(c) {
                break;
            }
            var.push(c.to_ascii_lowercase());
        }
        while c == b' ' || c == b'\t' {
            c = source.next();
        }
        let value = if c == b'\n' {
            None
        } else if c != b'=' {
            break;
        } else {
            match source.value() {
                Some(value) => Some(value),
                None => break,
            }
        };
        out.push((var, value));
    }
    out
}

/// A value as C code sees it: up to its first NUL byte.
fn c_str(value: &[u8]) -> &[u8] {
    let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
    &value[..end]
}

/// The fsck errors of a `.gitmodules` blob, as `(message id, description)`.
pub(crate) fn problems(data: &[u8]) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (var, value) in entries(data) {
        // parse_config_key(var, "submodule", &subsection, &key): "submodule.<sub>.<key>".
        let Some(rest) = var.strip_prefix(b"submodule.") else {
            continue;
        };
        let Some(dot) = rest.iter().rposition(|&b| b == b'.') else {
            continue;
        };
        let (name, key) = (c_str(&rest[..dot]), &rest[dot + 1..]);
        let shown = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
        if !submodule_name_ok(name) {
            out.push((
                "gitmodulesName",
                format!("disallowed submodule name '{}'", shown(name)),
            ));
        }
        let Some(value) = value.as_deref().map(c_str) else {
            continue;
        };
        match key {
            b"url" if !submodule_url_ok(value) => {
                out.push((
                    "gitmodulesUrl",
                    format!("disallowed submodule url '{}'", shown(value)),
                ));
            }
            b"path" if value.first() == Some(&b'-') => {
                out.push((
                    "gitmodulesPath",
                    format!("disallowed submodule path '{}'", shown(value)),
                ));
            }
            b"update"
                if value.first() == Some(&b'!')
                    && !matches!(value, b"none" | b"checkout" | b"rebase" | b"merge") =>
            {
                out.push((
                    "gitmodulesUpdate",
                    format!("disallowed submodule update setting '{}'", shown(value)),
                ));
            }
            _ => {}
        }
    }
    out.dedup();
    out
}

fn is_dir_sep(c: u8) -> bool {
    c == b'/' || c == b'\\'
}

/// git's `check_submodule_name`: not empty, no `..` component (`/` or `\` separated).
fn submodule_name_ok(name: &[u8]) -> bool {
    if name.is_empty() {
        return false;
    }
    let dotdot_at = |i: usize| {
        name.get(i) == Some(&b'.')
            && name.get(i + 1) == Some(&b'.')
            && name.get(i + 2).is_none_or(|&c| is_dir_sep(c))
    };
    if dotdot_at(0) {
        return false;
    }
    !(0..name.len()).any(|i| is_dir_sep(name[i]) && dotdot_at(i + 1))
}

/// `./` or `../` at the start of a URL (`\` counts as `/`, as git's cross-platform match).
fn starts_with_dots_slash(url: &[u8], dots: usize) -> bool {
    url.len() > dots && url[..dots].iter().all(|&c| c == b'.') && is_dir_sep(url[dots])
}

/// git's `check_submodule_url`.
fn submodule_url_ok(url: &[u8]) -> bool {
    if url.first() == Some(&b'-') {
        return false;
    }
    let relative = starts_with_dots_slash(url, 1) || starts_with_dots_slash(url, 2);
    if relative || url.starts_with(b"git://") {
        if c_str(&url_decode(url)).contains(&b'\n') {
            return false;
        }
        // URLs that escape their root via "../" can overwrite the host.
        let mut rest = url;
        let mut dotdots = 0;
        loop {
            if starts_with_dots_slash(rest, 2) {
                dotdots += 1;
                rest = &rest[3..];
            } else if starts_with_dots_slash(rest, 1) {
                rest = &rest[2..];
            } else {
                break;
            }
        }
        return !(dotdots > 0 && matches!(rest.first(), Some(b':') | Some(b'/')));
    }
    let curl = [b"http::".as_slice(), b"https::", b"ftp::", b"ftps::"]
        .iter()
        .find_map(|p| url.strip_prefix(*p))
        .or_else(|| {
            [b"http://".as_slice(), b"https://", b"ftp://", b"ftps://"]
                .iter()
                .any(|p| url.starts_with(p))
                .then_some(url)
        });
    match curl {
        Some(curl) => match url_normalize(curl) {
            Some(normalized) => !c_str(&url_decode(&normalized)).contains(&b'\n'),
            None => false,
        },
        None => true,
    }
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// git's `hex2chr` at `s`: two hex digits, or `None`.
fn hex2(s: &[u8]) -> Option<u8> {
    Some(hex(*s.first()?)? << 4 | hex(*s.get(1)?)?)
}

/// git's `url_decode`: `%XX` decoded after the scheme (up to the first `:`), stopping at a
/// NUL byte.
fn url_decode(url: &[u8]) -> Vec<u8> {
    let url = c_str(url);
    let (mut out, rest) = match url.iter().position(|&b| b == b':') {
        Some(colon) if colon > 0 => (url[..colon].to_vec(), &url[colon..]),
        _ => (Vec::new(), url),
    };
    let mut i = 0;
    while i < rest.len() {
        if rest[i] == b'%'
            && let Some(v) = hex2(&rest[i + 1..])
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(rest[i]);
        i += 1;
    }
    out
}

const URL_UNSAFE: &[u8] = b" <>\"%{}|\\^`";
const URL_RESERVED: &[u8] = b":/?#[]@!$&'()*+,;=";

/// git's `append_normalized_escapes` (`esc_extra` empty, `esc_ok` the reserved set);
/// `false` on a `%` not followed by two hex digits.
fn append_normalized(out: &mut Vec<u8>, from: &[u8]) -> bool {
    let mut i = 0;
    while i < from.len() {
        let mut ch = from[i];
        i += 1;
        let mut was_escaped = false;
        if ch == b'%' {
            let Some(v) = from.get(i..i + 2).and_then(hex2) else {
                return false;
            };
            ch = v;
            i += 2;
            was_escaped = true;
        }
        if ch <= 0x1f
            || ch >= 0x7f
            || URL_UNSAFE.contains(&ch)
            || (was_escaped && (ch == 0 || URL_RESERVED.contains(&ch)))
        {
            out.extend_from_slice(format!("%{ch:02X}").as_bytes());
        } else {
            out.push(ch);
        }
    }
    true
}

/// git's `url_normalize` (without globs): the normalized URL, or `None` where git refuses
/// it (bad scheme, missing host, bad host characters or port, bad `%` escape, a `..` above
/// the root).
fn url_normalize(url: &[u8]) -> Option<Vec<u8>> {
    let url = c_str(url);
    let scheme_char = |c: &u8| c.is_ascii_alphanumeric() || b"+.-".contains(c);
    let spanned = url.iter().take_while(|c| scheme_char(c)).count();
    if spanned == 0
        || !url[0].is_ascii_alphabetic()
        || spanned + 3 > url.len()
        || &url[spanned..spanned + 3] != b"://"
    {
        return None;
    }
    let mut norm: Vec<u8> = url[..spanned + 3].to_ascii_lowercase();
    let mut url = &url[spanned + 3..];
    let slash = |u: &[u8]| u.iter().position(|c| b"/?#".contains(c)).unwrap_or(u.len());
    let slash_at = slash(url);
    if let Some(at) = url.iter().position(|&c| c == b'@')
        && at < slash_at
    {
        if at > 0 && !append_normalized(&mut norm, &url[..at]) {
            return None;
        }
        norm.push(b'@');
        url = &url[at + 1..];
    }
    let slash_at = slash(url);
    let host_present = !(url.is_empty() || b":/?#".contains(&url[0]));
    if !host_present && !norm.starts_with(b"file:") {
        return None;
    }
    // The port's colon: the last ':' before the path that follows any ']' (IPv6).
    let mut colon_at = slash_at.saturating_sub(1);
    while colon_at > 0 && url[colon_at] != b':' && url[colon_at] != b']' {
        colon_at -= 1;
    }
    if url.get(colon_at) != Some(&b':') {
        colon_at = slash_at;
    } else if !host_present && colon_at < slash_at && colon_at + 1 != slash_at {
        return None;
    }
    let host_char = |c: &u8| c.is_ascii_alphanumeric() || b".-_[:]".contains(c);
    if url.iter().take_while(|c| host_char(c)).count() < colon_at {
        return None;
    }
    norm.extend(url[..colon_at].iter().map(u8::to_ascii_lowercase));
    if colon_at < slash_at {
        let mut port = &url[colon_at + 1..slash_at];
        let zeros = port.iter().take_while(|&&c| c == b'0').count();
        port = &port[zeros..];
        if port.is_empty() && zeros > 0 {
            port = b"0";
        }
        let default = port.is_empty()
            || (port == b"80" && norm.starts_with(b"http:"))
            || (port == b"443" && norm.starts_with(b"https:"));
        if !default {
            if !port.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let number: u64 = if port.len() <= 5 {
                std::str::from_utf8(port).ok()?.parse().ok()?
            } else {
                0
            };
            if number == 0 || number > 65535 {
                return None;
            }
            norm.push(b':');
            norm.extend_from_slice(port);
        }
    }
    url = &url[slash_at..];
    // The path, dot segments resolved.
    let path_start = norm.len();
    norm.push(b'/');
    if url.first() == Some(&b'/') {
        url = &url[1..];
    }
    loop {
        let seg_start = norm.len();
        let next = slash(url);
        if !append_normalized(&mut norm, &url[..next]) {
            return None;
        }
        let mut skip_slash = false;
        if &norm[seg_start..] == b"." {
            if seg_start == path_start + 1 {
                norm.truncate(norm.len() - 1);
                skip_slash = true;
            } else {
                norm.truncate(norm.len() - 2);
            }
        } else if &norm[seg_start..] == b".." {
            let mut prev = norm.len() - 3;
            if prev == path_start {
                return None;
            }
            prev -= 1;
            while norm[prev] != b'/' {
                prev -= 1;
            }
            if prev == path_start {
                norm.truncate(prev + 1);
                skip_slash = true;
            } else {
                norm.truncate(prev);
            }
        }
        url = &url[next..];
        if url.first() != Some(&b'/') {
            break;
        }
        url = &url[1..];
        if !skip_slash {
            norm.push(b'/');
        }
    }
    if !url.is_empty() && !append_normalized(&mut norm, url) {
        return None;
    }
    Some(norm)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(blob: &str) -> Vec<&'static str> {
        problems(blob.as_bytes())
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    }

    #[test]
    fn reads_config_as_git_does() {
        let parsed = entries(
            b"\xef\xbb\xbf# comment\n[submodule \"a \\\"b\"]\n\tpath = x ; trailing\n\turl = \"q u\"\\\n rest\n[core]\n\tbare\n",
        );
        assert_eq!(
            parsed,
            vec![
                (b"submodule.a \"b.path".to_vec(), Some(b"x".to_vec())),
                (b"submodule.a \"b.url".to_vec(), Some(b"q u rest".to_vec())),
                (b"core.bare".to_vec(), None),
            ]
        );
        // An old-style section is lowercased; a parse error ends the reading.
        assert_eq!(
            entries(b"[Submodule.FOO]\nurl=x\n[bad\nurl=y\n"),
            vec![(b"submodule.foo.url".to_vec(), Some(b"x".to_vec()))]
        );
    }

    #[test]
    fn names_with_dotdot_components() {
        assert_eq!(
            ids("[submodule \"../../.git/hooks\"]\n\tpath = a\n"),
            vec!["gitmodulesName"]
        );
        assert_eq!(
            ids("[submodule \"a/..\"]\n\tpath = a\n"),
            vec!["gitmodulesName"]
        );
        assert_eq!(
            ids("[submodule \"a\\\\..\\\\b\"]\n\tpath = a\n"),
            vec!["gitmodulesName"]
        );
        assert!(ids("[submodule \"a..b\"]\n\tpath = a\n").is_empty());
        assert!(ids("[submodule \"...\"]\n\tpath = a\n").is_empty());
    }

    #[test]
    fn options_commands_and_urls() {
        assert_eq!(
            ids("[submodule \"x\"]\n\tpath = -x\n"),
            vec!["gitmodulesPath"]
        );
        assert_eq!(
            ids("[submodule \"x\"]\n\turl = --upload-pack=evil\n"),
            vec!["gitmodulesUrl"]
        );
        assert_eq!(
            ids("[submodule \"x\"]\n\tupdate = !rm -rf /\n"),
            vec!["gitmodulesUpdate"]
        );
        assert!(ids("[submodule \"x\"]\n\tupdate = rebase\n").is_empty());
        for bad in [
            "https://example.com/%0a/x",
            "https://example.com:0/x",
            "https://example.com:65536/x",
            "https:///x",
            "http::https:///x",
            "https://exa mple.com/x",
            "https://example.com/../x",
            "https://example.com/%zz",
            "../../../:x",
            "./..//x",
            "git://example.com/%0Ax",
        ] {
            assert!(!submodule_url_ok(bad.as_bytes()), "{bad}");
        }
        for good in [
            "https://example.com/a.git",
            "https://user:pw@example.com:8443/a/./b/../c.git",
            "http://[::1]:80/x",
            "../sibling.git",
            "./x",
            "git@example.com:a/b.git",
            "git://example.com/a.git",
            "file:///srv/a.git",
        ] {
            assert!(submodule_url_ok(good.as_bytes()), "{good}");
        }
    }
}
