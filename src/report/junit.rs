//! The JUnit XML report, for CI dashboards that show test results (GitLab's
//! `artifacts: reports: junit:`, Jenkins, Azure Pipelines, CircleCI): each violation is a
//! test case, failed for an error and passed (with the warning as its output) for a
//! warning, so the dashboard's red matches agentfence's verdict.
//!
//! ```xml
//! <?xml version="1.0" encoding="UTF-8"?>
//! <testsuites name="agentfence" tests="2" failures="1" errors="0">
//!   <testsuite name="agentfence" tests="2" failures="1" errors="0" skipped="0">
//!     <testcase classname="agentfence.path-denied" name="3f2a9c1b0d .github/ci.yml" file=".github/ci.yml">
//!       <failure type="path-denied" message="...">... How to get back inside: ...</failure>
//!     </testcase>
//!     ...
//! ```
//!
//! A run with no violations is one passed test case, `checked`, whose output is the
//! summary line: a dashboard then shows that agentfence ran, not an empty suite.
//!
//! Everything from the repository (paths, messages, refs, agents, task ids) is escaped:
//! `&`, `<`, `>`, `"` and `'` as entities, tab, LF and CR in attributes as character
//! references (so attribute normalization cannot fold them), and the characters XML 1.0
//! cannot carry at all (other C0 controls, lone surrogates cannot occur in `str`, U+FFFE and
//! U+FFFF) as U+FFFD. No path can close an element or open another.

use std::io::{self, Write};

use crate::check::Report;
use crate::violation::{Severity, Violation};

use super::{context_words, location, summary_line};

/// Renders the JUnit XML document.
pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let tests = report.violations.len().max(1);
    let failures = report.count(Severity::Error);
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="agentfence" tests="{tests}" failures="{failures}" errors="0">"#
    )?;
    writeln!(
        out,
        r#"  <testsuite name="agentfence" tests="{tests}" failures="{failures}" errors="0" skipped="0">"#
    )?;
    if report.violations.is_empty() {
        writeln!(
            out,
            r#"    <testcase classname="agentfence" name="checked">"#
        )?;
        writeln!(
            out,
            "      <system-out>{}</system-out>",
            text(&summary_line(report))
        )?;
        writeln!(out, "    </testcase>")?;
    }
    for v in &report.violations {
        test_case(v, out)?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

/// One violation as a test case.
fn test_case(v: &Violation, out: &mut dyn Write) -> io::Result<()> {
    let name = match &v.path {
        Some(path) => format!("{} {path}", location(v)),
        None => location(v).to_owned(),
    };
    let file = v
        .path
        .as_deref()
        .map(|p| format!(r#" file="{}""#, attr(p)))
        .unwrap_or_default();
    writeln!(
        out,
        r#"    <testcase classname="agentfence.{}" name="{}"{file}>"#,
        v.rule,
        attr(&name)
    )?;
    let body = format!(
        "{} ({})\nHow to get back inside: {}",
        v.message,
        context_words(v),
        v.rule.help()
    );
    match v.severity {
        Severity::Error => writeln!(
            out,
            r#"      <failure type="{}" message="{}">{}</failure>"#,
            v.rule,
            attr(&v.message),
            text(&body)
        )?,
        Severity::Warning => writeln!(
            out,
            "      <system-out>warning: {}</system-out>",
            text(&body)
        )?,
    }
    writeln!(out, "    </testcase>")
}

/// Escapes character data (element content).
fn text(s: &str) -> String {
    escape(s, false)
}

/// Escapes an attribute value (in double quotes).
fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, in_attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' if in_attribute => out.push_str(&format!("&#{};", u32::from(c))),
            '\t' | '\n' | '\r' => out.push(c),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// True for the characters XML 1.0 documents may contain (its `Char` production), less
/// tab, LF and CR, which are handled above.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_unrepresentable_characters_are_escaped() {
        assert_eq!(
            text(r#"a<b>&"c" 'd'"#),
            "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;"
        );
        assert_eq!(text("x\ny\tz\r"), "x\ny\tz\r");
        assert_eq!(attr("x\ny\tz\r"), "x&#10;y&#9;z&#13;");
        assert_eq!(
            text("a\u{0}b\u{1b}c\u{FFFE}d"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}d"
        );
        assert_eq!(text("résumé ä 😀"), "résumé ä 😀");
        // An entity in the input is escaped, not passed through.
        assert_eq!(text("&lt;"), "&amp;lt;");
    }
}
