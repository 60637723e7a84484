//! Parsing what git and the user hand in: hook stdin lines, the pusher's identity.
//!
//! Parsers take `&str` and are tested with literals beside them; any malformed input is an
//! [`InputError`] naming the line and the fault, so a hook fails closed with one clear line.

use crate::model::ObjectId;

/// Malformed input; the message names what and where.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A line of hook stdin that does not have the form git gives.
    #[error("stdin line {line}: {problem}: {text:?}")]
    HookLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        problem: String,
        /// The line as read.
        text: String,
    },
    /// Hook stdin that names no ref at all.
    #[error("stdin is empty: expected one \"{expected}\" line per ref")]
    EmptyStdin {
        /// The form expected.
        expected: &'static str,
    },
    /// Stdin that is not UTF-8 text.
    #[error("stdin is not UTF-8 text")]
    StdinNotText,
    /// Reading a file or stream failed.
    #[error("reading {what}: {source}")]
    Read {
        /// What was being read.
        what: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// An argument that cannot be used.
    #[error("{0}")]
    Argument(String),
}

/// One ref update as a hook receives it: old and new tips (`None` for the all-zero id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefLine {
    /// The full ref name being updated (the remote ref, for pre-push).
    pub name: String,
    /// The old tip; `None` when the ref is created.
    pub old: Option<ObjectId>,
    /// The new tip; `None` when the ref is deleted.
    pub new: Option<ObjectId>,
}

const PRE_RECEIVE_FORM: &str = "<old-id> <new-id> <ref>";
const PRE_PUSH_FORM: &str = "<local-ref> <local-id> <remote-ref> <remote-id>";

/// Parses pre-receive stdin: one `<old> <new> <ref>` line per ref.
pub fn parse_pre_receive(stdin: &str) -> Result<Vec<RefLine>, InputError> {
    parse_lines(stdin, PRE_RECEIVE_FORM, |fields, bad| match fields {
        [old, new, name] => Ok(RefLine {
            name: ref_name(name, bad)?,
            old: object_id(old, "old id", bad)?,
            new: object_id(new, "new id", bad)?,
        }),
        _ => Err(bad(format!(
            "expected 3 fields ({PRE_RECEIVE_FORM}), found {}",
            fields.len()
        ))),
    })
}

/// Parses pre-push stdin: one `<local ref> <local id> <remote ref> <remote id>` line per
/// ref; a deletion has local ref `(delete)` and the all-zero local id.
pub fn parse_pre_push(stdin: &str) -> Result<Vec<RefLine>, InputError> {
    parse_lines(stdin, PRE_PUSH_FORM, |fields, bad| match fields {
        [_local_ref, local, remote_ref, remote] => Ok(RefLine {
            name: ref_name(remote_ref, bad)?,
            old: object_id(remote, "remote id", bad)?,
            new: object_id(local, "local id", bad)?,
        }),
        _ => Err(bad(format!(
            "expected 4 fields ({PRE_PUSH_FORM}), found {}",
            fields.len()
        ))),
    })
}

type Bad<'a> = &'a dyn Fn(String) -> InputError;

fn parse_lines(
    stdin: &str,
    expected: &'static str,
    parse: impl Fn(&[&str], Bad<'_>) -> Result<RefLine, InputError>,
) -> Result<Vec<RefLine>, InputError> {
    let mut lines = Vec::new();
    // Names seen so far: one set lookup per line, so 50,000 refs cost 50,000 lookups.
    let mut names: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for (i, text) in stdin.lines().enumerate() {
        let bad = |problem: String| InputError::HookLine {
            line: i + 1,
            problem,
            text: text.to_owned(),
        };
        let fields: Vec<&str> = text.split(' ').collect();
        let line = parse(&fields, &bad)?;
        if let (Some(old), Some(new)) = (&line.old, &line.new)
            && old.as_str().len() != new.as_str().len()
        {
            return Err(bad("the two ids have different lengths".to_owned()));
        }
        let name = text.rsplit(' ').next().unwrap_or_default();
        if !names.insert(name) {
            return Err(bad(format!("ref {} appears twice", line.name)));
        }
        if line.old.is_none() && line.new.is_none() {
            return Err(bad("both ids are zero".to_owned()));
        }
        lines.push(line);
    }
    if lines.is_empty() {
        return Err(InputError::EmptyStdin { expected });
    }
    Ok(lines)
}

fn object_id(hex: &str, what: &str, bad: Bad<'_>) -> Result<Option<ObjectId>, InputError> {
    let id = ObjectId::from_hex(hex)
        .ok_or_else(|| bad(format!("{what} is not a 40- or 64-digit hex object id")))?;
    Ok((!id.is_zero()).then_some(id))
}

fn ref_name(name: &str, bad: Bad<'_>) -> Result<String, InputError> {
    let ok = name.starts_with("refs/")
        && name.len() > "refs/".len()
        && !name.bytes().any(|b| b.is_ascii_control() || b == b' ');
    if ok {
        Ok(name.to_owned())
    } else {
        Err(bad(format!("{name:?} is not a full ref name (refs/...)")))
    }
}

/// The variables, in order, that name the authenticated pusher on common git servers:
/// agentfence's own, GitLab, Gitea and Forgejo, gitolite, git-http-backend.
pub const PUSHER_VARIABLES: &[&str] = &[
    "AGENTFENCE_PUSHER",
    "GL_USERNAME",
    "GITEA_PUSHER_NAME",
    "GL_USER",
    "REMOTE_USER",
];

/// The authenticated pusher: `flag`, else the first non-empty of [`PUSHER_VARIABLES`]
/// as `lookup` reads them.
pub fn pusher(flag: Option<&str>, lookup: impl Fn(&str) -> Option<String>) -> Option<String> {
    flag.map(str::to_owned).or_else(|| {
        PUSHER_VARIABLES
            .iter()
            .find_map(|var| lookup(var).filter(|v| !v.is_empty()))
    })
}

/// The scissors line's text after the comment prefix and a space (`wt-status.c`).
const CUT_LINE: &str = "------------------------ >8 ------------------------";

/// The message a `commit-msg` hook reads, as git will store it under its default `strip`
/// cleanup: everything from the scissors line (`<prefix> ------------------------ >8 ---…`,
/// written by `git commit --verbose`) on is cut, and every line that starts with the
/// comment prefix (`core.commentChar`, `#` by default) is dropped. What is left is parsed
/// for trailers exactly like a stored commit message.
pub fn clean_commit_message(text: &str, comment_prefix: &str) -> String {
    let prefix = if comment_prefix.is_empty() {
        "#"
    } else {
        comment_prefix
    };
    let scissors = format!("{prefix} {CUT_LINE}");
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if bare == scissors {
            break;
        }
        if bare.starts_with(prefix) {
            continue;
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_message_loses_comments_and_everything_after_the_scissors() {
        let text = "Subject\n\nBody\n# Please enter the commit message\n\nTask: WEB-1\n# comment\n# ------------------------ >8 ------------------------\ndiff --git a/x b/x\nTask: NOT-1\n";
        assert_eq!(
            clean_commit_message(text, "#"),
            "Subject\n\nBody\n\nTask: WEB-1\n"
        );
        let text = "Subject\n\n; note\nTask: WEB-1\n# kept: not the comment char\n; ------------------------ >8 ------------------------\nx\n";
        assert_eq!(
            clean_commit_message(text, ";"),
            "Subject\n\nTask: WEB-1\n# kept: not the comment char\n"
        );
        assert_eq!(clean_commit_message("", "#"), "");
    }

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const Z: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn pre_receive_lines_parse_creation_update_and_deletion() {
        let input =
            format!("{Z} {A} refs/heads/new\n{A} {B} refs/heads/main\n{B} {Z} refs/tags/v1\n");
        let lines = parse_pre_receive(&input).expect("valid");
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].old, None);
        assert_eq!(lines[0].new.as_ref().map(ObjectId::as_str), Some(A));
        assert_eq!(lines[1].name, "refs/heads/main");
        assert_eq!(lines[2].new, None);
    }

    #[test]
    fn sha256_ids_are_accepted() {
        let z = "0".repeat(64);
        let a = "a".repeat(64);
        let lines = parse_pre_receive(&format!("{z} {a} refs/heads/x\n")).expect("valid");
        assert_eq!(lines[0].new.as_ref().map(|i| i.as_str().len()), Some(64));
    }

    #[test]
    fn malformed_pre_receive_lines_name_the_fault() {
        let cases = [
            (format!("{A} refs/heads/main"), "expected 3 fields"),
            (format!("{A} {B}x refs/heads/main"), "new id is not"),
            (format!("{A} {} refs/heads/main", &B[..39]), "new id is not"),
            (format!("{A} {B} main"), "not a full ref name"),
            (format!("{A}  {B} refs/heads/main"), "expected 3 fields"),
            (
                format!("{A} {} refs/heads/main", "b".repeat(64)),
                "different lengths",
            ),
            (format!("{Z} {Z} refs/heads/main"), "both ids are zero"),
            (
                format!("{A} {B} refs/heads/x\n{A} {B} refs/heads/x"),
                "appears twice",
            ),
            (format!("{A} {B} refs/heads/ma in"), "expected 3 fields"),
        ];
        for (input, want) in cases {
            let err = parse_pre_receive(&input).expect_err(&input).to_string();
            assert!(err.contains(want), "{input:?}: {err}");
            assert!(err.starts_with("stdin line "), "{err}");
        }
        let err = parse_pre_receive("").expect_err("empty").to_string();
        assert!(err.contains("stdin is empty"), "{err}");
    }

    #[test]
    fn pre_push_lines_take_the_remote_side_as_old() {
        let input =
            format!("refs/heads/x {A} refs/heads/y {B}\n(delete) {Z} refs/heads/gone {A}\n");
        let lines = parse_pre_push(&input).expect("valid");
        assert_eq!(lines[0].name, "refs/heads/y");
        assert_eq!(lines[0].old.as_ref().map(ObjectId::as_str), Some(B));
        assert_eq!(lines[0].new.as_ref().map(ObjectId::as_str), Some(A));
        assert_eq!(lines[1].new, None);
    }

    #[test]
    fn pusher_prefers_the_flag_then_the_variables_in_order() {
        let env = |var: &str| match var {
            "GL_USER" => Some("gitolite-user".to_owned()),
            "REMOTE_USER" => Some("http-user".to_owned()),
            "GL_USERNAME" => Some(String::new()),
            _ => None,
        };
        assert_eq!(pusher(Some("flag"), env).as_deref(), Some("flag"));
        assert_eq!(pusher(None, env).as_deref(), Some("gitolite-user"));
        assert_eq!(pusher(None, |_| None), None);
    }
}
