//! OpenSSH's principal patterns, as `match_pattern` and `match_pattern_list` in OpenSSH's
//! `match.c` read them: `*` matches any run of characters (none included), `?` exactly one,
//! everything else itself; a list is comma-separated, and a `!`-prefixed entry that matches
//! vetoes the whole list. Matching is case-sensitive, as it is for signers' principals.

/// The longest list entry OpenSSH considers; a longer one matches nothing.
pub(crate) const MAX_ENTRY: usize = 1023;

/// True when `text` matches the single pattern `pattern` (no list, no negation).
pub(crate) fn matches(text: &str, pattern: &str) -> bool {
    matches_bytes(text.as_bytes(), pattern.as_bytes())
}

/// Iterative glob match with one backtracking point, so that no pattern can make it take
/// more than `text.len() * pattern.len()` steps.
fn matches_bytes(text: &[u8], pattern: &[u8]) -> bool {
    let (mut t, mut p) = (0, 0);
    // After the last `*`: where the pattern resumes, and where the text resumes on a retry.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p + 1, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                t += 1;
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// How a comma-separated pattern list judges a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListMatch {
    /// Some positive entry matches and no negated one does.
    Yes,
    /// Nothing matches.
    No,
    /// A `!` entry matches: the list refuses the text, whatever else matches.
    Negated,
}

/// Judges `text` against a comma-separated list such as `*@example.com,!eve@example.com`.
pub(crate) fn match_list(text: &str, list: &str) -> ListMatch {
    let mut positive = false;
    for entry in list.split(',') {
        let (negated, pattern) = match entry.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, entry),
        };
        if pattern.len() >= MAX_ENTRY {
            // OpenSSH gives up on the whole list here.
            return ListMatch::No;
        }
        if matches(text, pattern) {
            if negated {
                return ListMatch::Negated;
            }
            positive = true;
        }
    }
    if positive {
        ListMatch::Yes
    } else {
        ListMatch::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn single_patterns() {
        assert!(matches("alice@example.com", "alice@example.com"));
        assert!(matches("alice@example.com", "*@example.com"));
        assert!(matches("alice@example.com", "*"));
        assert!(matches("", "*"));
        assert!(matches("", ""));
        assert!(!matches("a", ""));
        assert!(matches("abc", "a?c"));
        assert!(!matches("ac", "a?c"));
        assert!(matches("aXbXc", "a*b*c"));
        assert!(matches("abcbc", "*bc"));
        assert!(!matches("alice@example.org", "*@example.com"));
        // Case matters, as in OpenSSH for principals.
        assert!(!matches("Alice@example.com", "alice@*"));
        // A literal star in the text is matched by a star or by itself.
        assert!(matches("*@example.com", "*@example.com"));
    }

    #[test]
    fn lists_and_negation() {
        let list = "*@example.com,!eve@example.com";
        assert_eq!(match_list("alice@example.com", list), ListMatch::Yes);
        assert_eq!(match_list("eve@example.com", list), ListMatch::Negated);
        assert_eq!(match_list("bob@other.org", list), ListMatch::No);
        // Negation wins wherever it stands.
        assert_eq!(
            match_list("eve@example.com", "!eve@example.com,*"),
            ListMatch::Negated
        );
        // A negated entry alone admits nothing.
        assert_eq!(match_list("bob@x", "!eve@x"), ListMatch::No);
        // A `!` principal asked for by name is not the entry `!x`.
        assert_eq!(match_list("!eve@x", "a@x,!eve@x"), ListMatch::No);
    }

    #[test]
    fn overlong_entries_match_nothing() {
        let long = "a".repeat(MAX_ENTRY);
        assert_eq!(match_list(&long, &long), ListMatch::No);
        let ok = "a".repeat(MAX_ENTRY - 1);
        assert_eq!(match_list(&ok, &ok), ListMatch::Yes);
    }

    /// A plain recursive matcher, the definition the iterative one must agree with.
    fn reference(t: &[u8], p: &[u8]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some((b'*', rest)) => (0..=t.len()).any(|i| reference(&t[i..], rest)),
            Some((&c, rest)) => {
                !t.is_empty() && (c == b'?' || c == t[0]) && reference(&t[1..], rest)
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_the_definition(t in "[ab*?]{0,8}", p in "[ab*?]{0,6}") {
            prop_assert_eq!(matches(&t, &p), reference(t.as_bytes(), p.as_bytes()));
        }
    }
}
