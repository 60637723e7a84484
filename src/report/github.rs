//! The GitHub Actions report: one workflow command per violation, which the runner turns
//! into an annotation on the pull request, then the plain summary line.
//!
//! ```text
//! ::error file=src/x.rs,title=agentfence path-scope::src/x.rs is outside ... (commit 3f2a9c1b0d, agent claude-code)%0AHow to get back inside: move the change ...
//! ::warning title=agentfence push-lines::the push changes 1800 lines; the limit is 1500 (push, agent claude-code)%0A...
//! agentfence: rejected: 1 error, 1 warning in 12 commits, 1 ref
//! ```
//!
//! Escaping follows the runner's rules (actions/toolkit, `command.ts`): in the message `%`,
//! CR and LF become `%25`, `%0D`, `%0A`; in property values `:` and `,` become `%3A` and
//! `%2C` as well. So no path or message can end the command early or start another.

use std::io::{self, Write};

use crate::check::Report;
use crate::violation::{Severity, Violation};

use super::{context_words, summary_line};

/// Renders the workflow commands and the summary line.
pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for v in &report.violations {
        writeln!(out, "{}", command(v))?;
    }
    writeln!(out, "{}", summary_line(report))
}

/// The workflow command for one violation.
fn command(v: &Violation) -> String {
    let name = match v.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut props = Vec::new();
    if let Some(path) = &v.path {
        props.push(format!("file={}", escape_property(path)));
    }
    props.push(format!(
        "title={}",
        escape_property(&format!("agentfence {}", v.rule))
    ));
    let message = format!(
        "{} ({})\nHow to get back inside: {}",
        v.message,
        context_words(v),
        v.rule.help()
    );
    format!("::{name} {}::{}", props.join(","), escape_data(&message))
}

/// Escapes a command's message: `%`, CR, LF.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as the message, plus `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(
            escape_property("100% a\r\nb: c, d"),
            "100%25 a%0D%0Ab%3A c%2C d"
        );
        // `%` first, so that escapes are not escaped twice.
        assert_eq!(escape_property("%3A"), "%253A");
    }
}
