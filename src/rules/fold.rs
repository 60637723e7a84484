//! The spellings of a path that a checkout on another file system opens as the same file.
//!
//! A deny glob must catch every name that macOS, Windows or a case-insensitive Linux
//! volume maps onto a denied path, or an agent writes `src/ſecret/key` and a Mac checks
//! it out as `src/secret/key`. This module turns one path into the spellings worth
//! testing:
//!
//! - **case and normalization**: the canonical caseless key `NFC(casefold(NFD(s)))`,
//!   Unicode's full default case folding (`ſ` is `s`, Kelvin `K` is `k`, `ß` is `ss`)
//!   between canonical decompositions, so NFC and NFD spellings of a name (HFS+ stores
//!   NFD) are one key. Two strings are canonical caseless matches (Unicode §3.13, D145)
//!   exactly when their keys are equal; NFC rather than NFD keeps `?` and `[...]` meaning
//!   one character for precomposed letters;
//! - **HFS+ ignorables**: the code points HFS+ drops from names (U+200C–U+200F,
//!   U+202A–U+202E, U+206A–U+206F, U+FEFF; git's `utf8.c`, `is_hfs_dotgit`);
//! - **NTFS**: a component's trailing dots and spaces (`deploy.` and `deploy ` open
//!   `deploy`), an alternate data stream suffix (`secret.pem::$DATA` is `secret.pem`'s
//!   data; `secret.pem:x` is a stream of it), and `\` as a separator.
//!
//! A plain ASCII path without NTFS specials has no spelling but itself (its case is
//! handled by the glob sets, which match ASCII case-insensitively), so the common case
//! allocates nothing.

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

/// The canonical caseless key of `s`: `NFC(casefold(NFD(s)))`.
pub(crate) fn key(s: &str) -> String {
    s.nfd().default_case_fold().nfc().collect()
}

/// True for the code points HFS+ ignores in names (git's `next_hfs_char`).
pub(crate) fn is_hfs_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{200C}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{206A}'..='\u{206F}' | '\u{FEFF}'
    )
}

/// True when some component of the ASCII `path` is spelled differently on NTFS: a
/// trailing dot or space, a `:` (alternate data stream), or a `\` (a separator there).
fn has_ntfs_specials(path: &str) -> bool {
    path.bytes().any(|b| b == b':' || b == b'\\')
        || path
            .split('/')
            .any(|c| c.ends_with('.') || c.ends_with(' '))
}

/// The path as NTFS opens it: `\` is a separator, each component loses an alternate data
/// stream suffix (from its first `:`) and its trailing dots and spaces. A component that
/// would become empty (`.`, `..`) is kept as written: no file has an empty name.
fn ntfs(path: &str) -> String {
    let unified = path.replace('\\', "/");
    unified
        .split('/')
        .map(|component| {
            let stream_free = component.split(':').next().unwrap_or(component);
            let trimmed = stream_free.trim_end_matches(['.', ' ']);
            if trimmed.is_empty() {
                component
            } else {
                trimmed
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every spelling of `path` other than `path` itself that deny globs must also test;
/// empty for a plain ASCII path without NTFS specials (the common case: no allocation).
pub(crate) fn spellings(path: &str) -> Vec<String> {
    let ascii = path.is_ascii();
    if ascii && !has_ntfs_specials(path) {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::with_capacity(2);
    let mut push = |s: String| {
        if s != path && !out.contains(&s) {
            out.push(s);
        }
    };
    if ascii {
        // ASCII folds to ASCII lower case, which the glob sets already ignore.
        push(ntfs(path));
    } else {
        push(key(path));
        let stripped: String = path.chars().filter(|&c| !is_hfs_ignorable(c)).collect();
        push(key(&ntfs(&stripped)));
    }
    out
}

/// The glob without its top-level `/**` tail (`deploy/**` → `deploy`), if it has one.
pub(crate) fn strip_recursive_tail(glob: &str) -> Option<&str> {
    glob.strip_suffix("/**").filter(|base| !base.is_empty())
}

/// The proper directory prefixes of a glob, split at top-level `/` (not inside `[...]`,
/// `{...}` or after `\`), leaving out those made only of `**` (a symlink there would
/// only re-expose paths the glob already matches at their real place). For
/// `.github/workflows/**`: `.github`, `.github/workflows`.
pub(crate) fn directory_prefixes(glob: &str) -> Vec<&str> {
    let mut cuts = Vec::new();
    let (mut class, mut braces, mut escaped) = (false, 0usize, false);
    for (i, c) in glob.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' if !class => class = true,
            ']' if class => class = false,
            '{' if !class => braces += 1,
            '}' if !class => braces = braces.saturating_sub(1),
            '/' if !class && braces == 0 => cuts.push(i),
            _ => {}
        }
    }
    cuts.into_iter()
        .map(|i| &glob[..i])
        .filter(|prefix| !prefix.is_empty() && !prefix.split('/').all(|c| c == "**"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_case_fully_and_ignore_normalization() {
        assert_eq!(key("src/ſecret"), "src/secret");
        assert_eq!(key("\u{212A}ey"), "key"); // Kelvin sign
        assert_eq!(key("Straße"), "strasse");
        assert_eq!(key("café"), key("cafe\u{301}"));
        assert_eq!(key("CAFÉ"), key("cafe\u{301}"));
        assert_eq!(key("Å"), key("\u{212B}")); // Angstrom sign
        assert_eq!(key("plain/ascii.TXT"), "plain/ascii.txt");
    }

    #[test]
    fn plain_ascii_paths_have_no_other_spelling() {
        assert!(spellings("src/main.rs").is_empty());
        assert!(spellings("SRC/Main.RS").is_empty());
        assert!(spellings(".github/workflows/ci.yml").is_empty());
    }

    #[test]
    fn ntfs_spellings() {
        assert_eq!(spellings("deploy./run.sh"), ["deploy/run.sh"]);
        assert_eq!(spellings("Deploy. ./run.sh"), ["Deploy/run.sh"]);
        assert_eq!(spellings("secret.pem::$DATA"), ["secret.pem"]);
        assert_eq!(spellings("keys/secret.pem:stream"), ["keys/secret.pem"]);
        assert_eq!(spellings("deploy\\run.sh"), ["deploy/run.sh"]);
        assert_eq!(spellings("a/../b"), Vec::<String>::new());
    }

    #[test]
    fn hfs_ignorables_and_unicode() {
        let zwj = "dep\u{200D}loy/run.sh";
        assert!(spellings(zwj).contains(&"deploy/run.sh".to_string()));
        let bom = "\u{FEFF}.github/workflows/x.yml";
        assert!(spellings(bom).contains(&".github/workflows/x.yml".to_string()));
        assert_eq!(spellings("src/ſecret/x"), ["src/secret/x"]);
        // Several tricks at once: a Kelvin sign, a joiner and a trailing dot.
        assert!(spellings("\u{212A}e\u{200C}ys./a").contains(&"keys/a".to_string()));
    }

    #[test]
    fn recursive_tails_and_prefixes() {
        assert_eq!(strip_recursive_tail("deploy/**"), Some("deploy"));
        assert_eq!(strip_recursive_tail("**/.ssh/**"), Some("**/.ssh"));
        assert_eq!(strip_recursive_tail("**"), None);
        assert_eq!(strip_recursive_tail("/**"), None);
        assert_eq!(strip_recursive_tail("a/*.pem"), None);
        assert_eq!(
            directory_prefixes(".github/workflows/**"),
            [".github", ".github/workflows"]
        );
        assert!(directory_prefixes("**/*.pem").is_empty());
        assert_eq!(directory_prefixes("**/.ssh/**"), ["**/.ssh"]);
        assert_eq!(directory_prefixes("{a/b,c}/d"), ["{a/b,c}"]);
        assert_eq!(directory_prefixes("x[/]y/z"), ["x[/]y"]);
        assert!(directory_prefixes("Jenkinsfile").is_empty());
    }
}
