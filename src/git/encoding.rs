//! A commit's `encoding` header honoured as `git log` honours it: the commit's text is
//! re-encoded to UTF-8 (git's default `i18n.logOutputEncoding`) before anything reads it.
//!
//! ISO-8859-1 (Latin-1) is decoded exactly, byte for code point, as git's iconv does (the
//! WHATWG tables of `encoding_rs` map that label to windows-1252, which differs in
//! 0x80-0x9F); every other label goes through `encoding_rs`. As git keeps the original
//! bytes when iconv does not know the encoding or the text is not valid in it, so do we:
//! those bytes are then read as UTF-8, lossily.

use std::borrow::Cow;

/// The labels iconv reads as ISO-8859-1, lowercased.
const LATIN1: &[&str] = &[
    "iso-8859-1",
    "iso8859-1",
    "iso_8859-1",
    "iso88591",
    "latin1",
    "latin-1",
    "l1",
    "cp819",
    "ibm819",
    "iso-ir-100",
    "csisolatin1",
];

/// `text` (from a commit whose `encoding` header says `encoding`, if any) as UTF-8.
pub(crate) fn decode(text: &[u8], encoding: Option<&str>) -> String {
    let label = match encoding.map(|e| e.trim().to_ascii_lowercase()) {
        None => return String::from_utf8_lossy(text).into_owned(),
        Some(label) => label,
    };
    if label == "utf-8" || label == "utf8" {
        return String::from_utf8_lossy(text).into_owned();
    }
    if LATIN1.contains(&label.as_str()) {
        return text.iter().map(|&b| char::from(b)).collect();
    }
    let decoded = encoding_rs::Encoding::for_label(label.as_bytes())
        .and_then(|enc| enc.decode_without_bom_handling_and_without_replacement(text));
    match decoded {
        Some(Cow::Borrowed(s)) => s.to_owned(),
        Some(Cow::Owned(s)) => s,
        None => String::from_utf8_lossy(text).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn latin1_is_byte_for_code_point() {
        assert_eq!(
            decode(b"caf\xe9 \x80", Some("ISO-8859-1")),
            "caf\u{e9} \u{80}"
        );
        assert_eq!(decode(b"caf\xe9", Some("latin1")), "caf\u{e9}");
    }

    #[test]
    fn other_labels_and_fallbacks() {
        assert_eq!(
            decode(b"caf\xe9 \x80", Some("windows-1252")),
            "caf\u{e9} \u{20ac}"
        );
        assert_eq!(decode("é".as_bytes(), Some("UTF-8")), "é");
        assert_eq!(decode("é".as_bytes(), None), "é");
        // Unknown encoding: git keeps the bytes; they are read as UTF-8.
        assert_eq!(decode("é".as_bytes(), Some("no-such-charset")), "é");
        // Shift_JIS, as encoding_rs decodes it.
        assert_eq!(decode(b"\x82\xa0", Some("Shift_JIS")), "\u{3042}");
    }
}
