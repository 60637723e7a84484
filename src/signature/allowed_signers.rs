//! git's `gpg.ssh.allowedSignersFile`: the "ALLOWED SIGNERS" format of `ssh-keygen(1)`.
//!
//! One signer per line: `principals [options] keytype base64 [comment]`. `principals` is a
//! comma-separated list of patterns (`*`, `?`, `!` negation; see [`super::pattern`]) and may
//! be double-quoted to hold spaces; options are comma-separated: `cert-authority`,
//! `namespaces="git,file"`, `valid-after="20240101"`, `valid-before="20251231235959Z"`, and
//! the security-key options `no-touch-required` and `verify-required` (agentfence's
//! addition, read as `authorized_keys` reads them; `ssh-keygen` 9.x refuses them here).
//! Option names are case-insensitive and their values must be quoted, as in OpenSSH. Blank
//! lines and `#` comments are skipped.
//!
//! Where `ssh-keygen` logs a bad line and skips it, this parser refuses the whole file, one
//! message per bad line: a signer who silently does not count is a surprise nobody should
//! discover at push time.

use ssh_key::PublicKey;
use ssh_key::public::KeyData;
use time::{Date, Month, PrimitiveDateTime, Time};

use super::pattern::MAX_ENTRY;

/// One signer line.
#[derive(Debug, Clone)]
pub(crate) struct SignerLine {
    /// 1-based line number in the file.
    pub(crate) line: usize,
    /// The principals pattern list as written (unquoted).
    pub(crate) principals: String,
    /// The key (a CA key when `cert_authority`).
    pub(crate) key: KeyData,
    /// `cert-authority`: the key signs certificates rather than commits.
    pub(crate) cert_authority: bool,
    /// `namespaces="..."`: the signature namespaces the key may sign in (a pattern list).
    pub(crate) namespaces: Option<String>,
    /// `valid-after`: Unix seconds; the key is valid from then on.
    pub(crate) valid_after: Option<u64>,
    /// `valid-before`: Unix seconds; the key is valid until then (inclusive, as OpenSSH).
    pub(crate) valid_before: Option<u64>,
    /// `no-touch-required`: a security-key signature needs no user-presence flag.
    pub(crate) no_touch_required: bool,
    /// `verify-required`: a security-key signature needs the user-verification flag.
    pub(crate) verify_required: bool,
}

impl SignerLine {
    /// True when the line's validity window holds at `time` (Unix seconds).
    pub(crate) fn valid_at(&self, time: u64) -> bool {
        self.valid_after.is_none_or(|after| time >= after)
            && self.valid_before.is_none_or(|before| time <= before)
    }

    /// The line's principal entries, in order (negated ones included, as written).
    pub(crate) fn principal_entries(&self) -> impl Iterator<Item = &str> {
        self.principals.split(',')
    }
}

/// A parsed allowed-signers file.
#[derive(Debug, Clone, Default)]
pub(crate) struct AllowedSigners {
    /// Signer lines, in file order.
    pub(crate) lines: Vec<SignerLine>,
}

/// Parses a whole file; on failure, every bad line as `(line number, message)`.
pub(crate) fn parse(bytes: &[u8]) -> Result<AllowedSigners, Vec<(usize, String)>> {
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let number = i + 1;
        match parse_line(raw) {
            Ok(Some(mut line)) => {
                line.line = number;
                lines.push(line);
            }
            Ok(None) => {}
            Err(message) => problems.push((number, message)),
        }
    }
    if problems.is_empty() {
        Ok(AllowedSigners { lines })
    } else {
        Err(problems)
    }
}

/// OpenSSH's whitespace between fields.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r')
}

/// Parses one line: `None` for a blank or comment line.
fn parse_line(raw: &[u8]) -> Result<Option<SignerLine>, String> {
    if raw.contains(&0) {
        return Err("the line contains a NUL byte".to_owned());
    }
    let text = std::str::from_utf8(raw).map_err(|_| "the line is not UTF-8 text".to_owned())?;
    let text = text.trim_start_matches(is_space);
    if text.is_empty() || text.starts_with('#') {
        return Ok(None);
    }
    let (principals, rest) = split_principals(text)?;
    check_principals(&principals)?;
    let rest = rest.trim_start_matches(is_space);
    if rest.is_empty() {
        return Err("missing key: expected `principals [options] keytype base64`".to_owned());
    }
    let first = rest.split(is_space).next().unwrap_or_default();
    let (options, key_text) = if is_key_type(first) {
        (Options::default(), rest)
    } else {
        let end = options_end(rest)?;
        let (opts, after) = rest.split_at(end);
        (parse_options(opts)?, after.trim_start_matches(is_space))
    };
    if key_text.is_empty() {
        return Err("missing key after the options".to_owned());
    }
    let key = parse_key(key_text)?;
    check_verifiable(&key)?;
    Ok(Some(SignerLine {
        line: 0,
        principals,
        key,
        cert_authority: options.cert_authority,
        namespaces: options.namespaces,
        valid_after: options.valid_after,
        valid_before: options.valid_before,
        no_touch_required: options.no_touch_required,
        verify_required: options.verify_required,
    }))
}

/// The principals field and what follows it. A double quote starts a quoted run that may
/// hold spaces (OpenSSH's `strdelimw`); the quotes themselves are not part of the value.
fn split_principals(text: &str) -> Result<(String, &str), String> {
    let Some(at) = text.find(|c: char| is_space(c) || c == '"') else {
        return Err("missing key: the line has only a principals field".to_owned());
    };
    if text[at..].starts_with('"') {
        let after_quote = &text[at + 1..];
        let Some(close) = after_quote.find('"') else {
            return Err("unterminated quote in the principals field".to_owned());
        };
        let value = format!("{}{}", &text[..at], &after_quote[..close]);
        return Ok((value, &after_quote[close + 1..]));
    }
    Ok((text[..at].to_owned(), &text[at..]))
}

/// Refuses principal lists OpenSSH would read differently from how they look.
fn check_principals(list: &str) -> Result<(), String> {
    if list.is_empty() {
        return Err("empty principals field".to_owned());
    }
    for entry in list.split(',') {
        let pattern = entry.strip_prefix('!').unwrap_or(entry);
        if pattern.is_empty() {
            // ssh-keygen stops reading the list at an empty entry.
            return Err(format!("empty entry in the principals list {list:?}"));
        }
        if pattern.len() >= MAX_ENTRY {
            return Err(format!(
                "a principal is {} bytes long; OpenSSH matches none over {} bytes",
                pattern.len(),
                MAX_ENTRY - 1
            ));
        }
    }
    if list.split(',').all(|e| e.starts_with('!')) {
        return Err(format!(
            "the principals list {list:?} has only negated entries, so it names nobody"
        ));
    }
    Ok(())
}

/// The key type names OpenSSH reads in a public key line.
fn is_key_type(word: &str) -> bool {
    const TYPES: &[&str] = &[
        "ssh-ed25519",
        "ssh-rsa",
        "ssh-dss",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    ];
    TYPES.contains(&word) || word.ends_with("-cert-v01@openssh.com")
}

/// Parses `keytype base64 [comment]` into a public key.
pub(crate) fn parse_key(text: &str) -> Result<KeyData, String> {
    let mut words = text.split(is_space).filter(|w| !w.is_empty());
    let (Some(kind), Some(data)) = (words.next(), words.next()) else {
        return Err("invalid key: expected `keytype base64`".to_owned());
    };
    if kind.ends_with("-cert-v01@openssh.com") {
        return Err(format!(
            "a certificate ({kind}) cannot be listed: list its CA's key with cert-authority"
        ));
    }
    if !is_key_type(kind) {
        return Err(format!("invalid key: unknown key type {kind:?}"));
    }
    let key = PublicKey::from_openssh(&format!("{kind} {data}"))
        .map_err(|e| format!("invalid {kind} key: {e}"))?;
    Ok(key.key_data().clone())
}

/// Refuses a signer key no signature of which could verify here, rather than letting its
/// owner's commits quietly count as unsigned: DSA keys, and RSA keys outside the 2048 to
/// 4096 bits the RSA implementation accepts.
fn check_verifiable(key: &KeyData) -> Result<(), String> {
    match key {
        KeyData::Dsa(_) => {
            Err("DSA keys cannot sign commits (OpenSSH dropped them); use ed25519".to_owned())
        }
        KeyData::Rsa(rsa) => {
            let n = rsa.n.as_positive_bytes().unwrap_or_default();
            let bits = n
                .first()
                .map_or(0, |&b| (n.len() - 1) * 8 + (8 - b.leading_zeros() as usize));
            if (2048..=4096).contains(&bits) {
                Ok(())
            } else {
                Err(format!(
                    "an RSA key of {bits} bits: agentfence verifies RSA keys of 2048 to 4096 bits"
                ))
            }
        }
        _ => Ok(()),
    }
}

/// The options of a line.
#[derive(Debug, Default)]
struct Options {
    cert_authority: bool,
    namespaces: Option<String>,
    valid_after: Option<u64>,
    valid_before: Option<u64>,
    no_touch_required: bool,
    verify_required: bool,
}

/// Where the options field ends: the first space outside quotes (`sshkey_advance_past_options`).
fn options_end(text: &str) -> Result<usize, String> {
    let mut quoted = false;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(|&(_, n)| n == '"') => {
                chars.next();
            }
            '"' => quoted = !quoted,
            c if is_space(c) && !quoted => return Ok(i),
            _ => {}
        }
    }
    if quoted {
        Err("unterminated quote in the options".to_owned())
    } else {
        Ok(text.len())
    }
}

/// Parses the comma-separated options (`sshsigopt_parse`, plus the security-key options).
fn parse_options(text: &str) -> Result<Options, String> {
    let mut opts = Options::default();
    let mut rest = text;
    loop {
        if let Some(after) = strip_flag(rest, "cert-authority") {
            opts.cert_authority = true;
            rest = after;
        } else if let Some(after) = strip_flag(rest, "no-touch-required") {
            opts.no_touch_required = true;
            rest = after;
        } else if let Some(after) = strip_flag(rest, "verify-required") {
            opts.verify_required = true;
            rest = after;
        } else if let Some(after) = strip_name(rest, "namespaces") {
            if opts.namespaces.is_some() {
                return Err("bad options: multiple \"namespaces\" clauses".to_owned());
            }
            let (value, after) = dequote(after)?;
            opts.namespaces = Some(value);
            rest = after;
        } else if let Some(after) = strip_name(rest, "valid-after") {
            if opts.valid_after.is_some() {
                return Err("bad options: multiple \"valid-after\" clauses".to_owned());
            }
            let (value, after) = dequote(after)?;
            opts.valid_after = Some(parse_time(&value).ok_or_else(|| {
                format!("bad options: invalid \"valid-after\" time {value:?}{TIME_HELP}")
            })?);
            rest = after;
        } else if let Some(after) = strip_name(rest, "valid-before") {
            if opts.valid_before.is_some() {
                return Err("bad options: multiple \"valid-before\" clauses".to_owned());
            }
            let (value, after) = dequote(after)?;
            opts.valid_before = Some(parse_time(&value).ok_or_else(|| {
                format!("bad options: invalid \"valid-before\" time {value:?}{TIME_HELP}")
            })?);
            rest = after;
        } else {
            let name = rest.split([',', '=']).next().unwrap_or(rest);
            // A lone word where options or a key type may stand is likelier a key type.
            let what = if name == text {
                "unknown key type or option"
            } else {
                "unknown option"
            };
            return Err(format!(
                "bad options: {what} {name:?} (key types: ssh-ed25519, ecdsa-sha2-nistp256, \
                 ...; options: cert-authority, namespaces, valid-after, valid-before, \
                 no-touch-required, verify-required)"
            ));
        }
        match rest.strip_prefix(',') {
            None if rest.is_empty() => break,
            None => {
                return Err(format!(
                    "bad options: unexpected {rest:?} after an option; separate options with ','"
                ));
            }
            Some("") => return Err("bad options: unexpected end of options".to_owned()),
            Some(next) => rest = next,
        }
    }
    if let (Some(after), Some(before)) = (opts.valid_after, opts.valid_before)
        && before <= after
    {
        return Err("bad options: \"valid-before\" time is before \"valid-after\"".to_owned());
    }
    Ok(opts)
}

const TIME_HELP: &str =
    ": expected YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, optionally ending in Z";

/// Strips a flag option (`cert-authority`), case-insensitively, as OpenSSH's `opt_flag`.
fn strip_flag<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let head = text.get(..name.len())?;
    head.eq_ignore_ascii_case(name).then(|| &text[name.len()..])
}

/// Strips `name=`, case-insensitively, as OpenSSH's `opt_match`.
fn strip_name<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    strip_flag(text, name)?.strip_prefix('=')
}

/// Reads a double-quoted value (`\"` is a quote inside it), as OpenSSH's `opt_dequote`.
fn dequote(text: &str) -> Result<(String, &str), String> {
    let Some(body) = text.strip_prefix('"') else {
        return Err("bad options: missing start quote: option values must be quoted".to_owned());
    };
    let mut value = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(|&(_, n)| n == '"') => {
                value.push('"');
                chars.next();
            }
            '"' => return Ok((value, &body[i + 1..])),
            c => value.push(c),
        }
    }
    Err("bad options: missing end quote".to_owned())
}

/// Parses OpenSSH's absolute time (`parse_absolute_time`): `YYYYMMDD`, `YYYYMMDDHHMM` or
/// `YYYYMMDDHHMMSS`, optionally followed by `Z` or `UTC`.
///
/// OpenSSH reads a time without `Z` in the local time zone of the machine that verifies;
/// agentfence reads every time as UTC, so that a server's zone cannot move a key's window.
/// Write the `Z` to mean the same instant to both.
pub(crate) fn parse_time(text: &str) -> Option<u64> {
    let digits = text
        .strip_suffix(['Z', 'z'])
        .or_else(|| {
            let cut = text.len().checked_sub(3)?;
            text.get(cut..)
                .filter(|s| s.eq_ignore_ascii_case("UTC"))
                .map(|_| &text[..cut])
        })
        .unwrap_or(text);
    if !matches!(digits.len(), 8 | 12 | 14) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |range: std::ops::Range<usize>| digits.get(range)?.parse::<u32>().ok();
    let year = i32::try_from(num(0..4)?).ok()?;
    let month = Month::try_from(u8::try_from(num(4..6)?).ok()?).ok()?;
    let day = u8::try_from(num(6..8)?).ok()?;
    let hour = if digits.len() >= 12 { num(8..10)? } else { 0 };
    let minute = if digits.len() >= 12 { num(10..12)? } else { 0 };
    let second = if digits.len() == 14 { num(12..14)? } else { 0 };
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
    )
    .ok()?;
    let secs = PrimitiveDateTime::new(date, time)
        .assume_utc()
        .unix_timestamp();
    // OpenSSH refuses times before the epoch, and 0 means "no limit" to it.
    u64::try_from(secs).ok().filter(|&s| s > 0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDO0VQD9TIdICZLWFWwtf7s8/aENve8twGTEmNV0myh5";

    fn one(line: &str) -> Result<SignerLine, String> {
        match parse(line.as_bytes()) {
            Ok(mut s) => {
                assert_eq!(s.lines.len(), 1, "{line}");
                Ok(s.lines.remove(0))
            }
            Err(mut p) => Err(p.remove(0).1),
        }
    }

    #[test]
    fn plain_lines() {
        let l = one(&format!("alice@example.com {ED} alice's laptop")).unwrap();
        assert_eq!(l.principals, "alice@example.com");
        assert!(!l.cert_authority && l.namespaces.is_none());
        let l = one(&format!("a@x,*@y,!eve@y\t{ED}")).unwrap();
        assert_eq!(
            l.principal_entries().collect::<Vec<_>>(),
            ["a@x", "*@y", "!eve@y"]
        );
    }

    #[test]
    fn quoted_principals() {
        let l = one(&format!("\"Alice Smith,bob\" {ED}")).unwrap();
        assert_eq!(l.principals, "Alice Smith,bob");
        assert!(one(&format!("\"unterminated {ED}")).is_err());
    }

    #[test]
    fn options() {
        let l = one(&format!(
            "a@x cert-authority,namespaces=\"git,file\",valid-after=\"20240101\",valid-before=\"20250101000000Z\" {ED}"
        ))
        .unwrap();
        assert!(l.cert_authority);
        assert_eq!(l.namespaces.as_deref(), Some("git,file"));
        assert_eq!(l.valid_after, Some(1_704_067_200));
        assert_eq!(l.valid_before, Some(1_735_689_600));
        assert!(l.valid_at(1_704_067_200));
        assert!(l.valid_at(1_735_689_600));
        assert!(!l.valid_at(1_704_067_199));
        assert!(!l.valid_at(1_735_689_601));
        let l = one(&format!("a@x NO-TOUCH-REQUIRED,Verify-Required {ED}")).unwrap();
        assert!(l.no_touch_required && l.verify_required);
    }

    #[test]
    fn skips_blank_and_comment_lines() {
        let text = format!("\n   \n\r\n# comment\n  # indented\na@x {ED}\n");
        let s = parse(text.as_bytes()).unwrap();
        assert_eq!(s.lines.len(), 1);
        assert_eq!(s.lines[0].line, 6);
    }

    #[test]
    fn crlf_lines_parse() {
        let s = parse(format!("a@x {ED}\r\nb@x {ED} c\r\n").as_bytes()).unwrap();
        assert_eq!(s.lines.len(), 2);
    }

    #[test]
    fn every_bad_line_is_reported() {
        let text = format!("a@x\nb@x {ED}\nc@x bogus=\"1\" {ED}\nd@x ssh-ed25519 !!!!\n");
        let problems = parse(text.as_bytes()).unwrap_err();
        let lines: Vec<usize> = problems.iter().map(|p| p.0).collect();
        assert_eq!(lines, [1, 3, 4], "{problems:?}");
    }

    #[test]
    fn bad_lines() {
        for (line, want) in [
            ("a@x", "missing key"),
            (&format!("a@x namespaces=git {ED}"), "missing start quote"),
            (&format!("a@x namespaces=\"git {ED}"), "unterminated quote"),
            (
                &format!("a@x namespaces=\"a\",namespaces=\"b\" {ED}"),
                "multiple",
            ),
            (
                &format!("a@x valid-after=\"2024\" {ED}"),
                "invalid \"valid-after\"",
            ),
            (
                &format!("a@x valid-after=\"20240230\" {ED}"),
                "invalid \"valid-after\"",
            ),
            (
                &format!("a@x valid-after=\"20250101\",valid-before=\"20240101\" {ED}"),
                "before \"valid-after\"",
            ),
            (&format!("a@x cert-authority, {ED}"), "unexpected end"),
            (&format!("a@x cert-authorityX {ED}"), "unexpected"),
            (
                &format!("a@x restrict,cert-authority {ED}"),
                "unknown option \"restrict\"",
            ),
            (
                &format!("a@x restrict {ED}"),
                "unknown key type or option \"restrict\"",
            ),
            ("a@x ssh-ed25519", "invalid key"),
            ("a@x ssh-ed25519 AAAAnotbase64!", "invalid ssh-ed25519 key"),
            ("a@x ssh-foo AAAA", "unknown key type or option \"ssh-foo\""),
            (&format!("a@x,,b@x {ED}"), "empty entry"),
            (&format!("!a@x {ED}"), "only negated"),
            (
                "a@x ssh-ed25519-cert-v01@openssh.com AAAA",
                "cannot be listed",
            ),
        ] {
            let err = one(line).unwrap_err();
            assert!(err.contains(want), "{line}: {err}");
        }
        // A key whose blob says another type than its label.
        let rsa_label = ED.replace("ssh-ed25519", "ssh-rsa");
        assert!(one(&format!("a@x {rsa_label}")).is_err());
        assert!(parse(b"a@x \xff\n").is_err());
        assert!(parse(b"a@x \0 ssh-ed25519\n").is_err());
    }

    #[test]
    fn times() {
        assert_eq!(parse_time("19700102"), Some(86_400));
        assert_eq!(parse_time("19700102Z"), Some(86_400));
        assert_eq!(parse_time("19700102utc"), Some(86_400));
        assert_eq!(parse_time("197001020001"), Some(86_460));
        assert_eq!(parse_time("19700102000001"), Some(86_401));
        for bad in [
            "",
            "1970010",
            "19700101",
            "2024123",
            "20241301",
            "20240230",
            "2024010125",
            "202401012460",
            "+0240101",
            "20240101ZZ",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn never_panics_on_near_lines(
            principals in "[a-z@*!,\" ]{0,12}",
            opts in "(cert-authority|namespaces=\"[a-z,]{0,6}\"?|valid-(after|before)=\"[0-9Z]{0,15}\"|[a-z=\",\\\\]{0,8}){0,3}",
            tail in "[A-Za-z0-9+/= ]{0,80}",
        ) {
            let line = format!("{principals} {opts} ssh-ed25519 {tail}");
            let _ = parse(line.as_bytes());
            let line = format!("{principals} {opts} {ED}");
            let _ = parse(line.as_bytes());
        }
    }
}
