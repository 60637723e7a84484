//! Parsing what git and the user hand in: hook stdin lines, message files, arguments.

/// Malformed input; the message names what and where.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A line of hook stdin that is not `<old> <new> <ref>` (or the pre-push form).
    #[error("stdin line {line}: {problem}: {text:?}")]
    HookLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        problem: String,
        /// The line as read.
        text: String,
    },
}
