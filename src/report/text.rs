//! The text report: for a person at a terminal, and for git hooks whose stderr reaches
//! the pusher as `remote:` lines.
//!
//! ```text
//! agentfence: rejected: 2 errors, 1 warning in 12 commits, 1 ref
//!   3f2a9c1b0d       path-denied           claude-code  .github/ci.yml matches deny pattern ...
//!   refs/heads/main  ref-scope             claude-code  refs/heads/main matches deny pattern ...
//!   push             push-lines (warning)  claude-code  the push changes 1800 lines; the limit ...
//! How to get back inside the boundary:
//!   path-denied: drop the change to that path from the commit ...
//! ```
//!
//! A path opens the rest of its line, and the message follows it, less the path it opens
//! with, so a line reads as one sentence and is not longer than it needs to be. Hook mode
//! changes nothing but colour (never); git relays every line as is.
//!
//! Columns are aligned with spaces (never tabs), padding is capped so that one long ref name
//! does not push every line right, and nothing is ever truncated. Text that comes from the
//! repository (paths, messages, task ids) has its control and bidi-override characters
//! escaped, so a crafted path cannot forge a line or drive the pusher's terminal.

use std::borrow::Cow;
use std::io::{self, Write};

use crate::check::Report;
use crate::violation::{RuleId, Severity, Violation};

use super::{RenderOptions, location, summary_line};

const RED: &str = "\x1b[31m";
const BOLD_RED: &str = "\x1b[1;31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// Widest the "where" column is padded to: a ref name longer than this still prints in
/// full, it only stops the next columns lining up.
const WHERE_CAP: usize = 24;
/// Widest the agent column is padded to.
const AGENT_CAP: usize = 20;

/// One violation's cells, as plain text (before colour).
struct Row<'a> {
    severity: Severity,
    place: Cow<'a, str>,
    rule: String,
    agent: Cow<'a, str>,
    path: Option<Cow<'a, str>>,
    /// The message, without the path when it opens with it (the path column then starts
    /// the sentence: `src/x.rs is outside ...`).
    message: Cow<'a, str>,
}

impl<'a> Row<'a> {
    fn new(v: &'a Violation) -> Self {
        let mut rule = match v.severity {
            Severity::Error => v.rule.as_str().to_owned(),
            Severity::Warning => format!("{} (warning)", v.rule),
        };
        if let Some(layer) = v.layer {
            rule.push_str(&format!(" [{}]", layer.as_str()));
        }
        Row {
            severity: v.severity,
            place: escape(location(v)),
            rule,
            agent: v.agent.as_deref().map_or(Cow::Borrowed("-"), escape),
            path: v.path.as_deref().map(quote_path),
            message: escape(message_after_path(v)),
        }
    }
}

/// Renders the text report.
pub(super) fn render(report: &Report, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let color = opts.color && !opts.hook;
    let paint = |code: &'static str, text: &str| -> String {
        if color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_owned()
        }
    };

    let summary = summary_line(report);
    if color {
        let (verdict, code) = if report.rejected() {
            ("rejected", BOLD_RED)
        } else {
            ("accepted", GREEN)
        };
        let painted = summary.replacen(verdict, &paint(code, verdict), 1);
        writeln!(out, "{painted}")?;
    } else {
        writeln!(out, "{summary}")?;
    }
    if report.violations.is_empty() {
        return Ok(());
    }

    let rows: Vec<Row<'_>> = report.violations.iter().map(Row::new).collect();
    let place_width = column_width(rows.iter().map(|r| r.place.as_ref()), WHERE_CAP);
    let rule_width = column_width(rows.iter().map(|r| r.rule.as_str()), usize::MAX);
    let agent_width = column_width(rows.iter().map(|r| r.agent.as_ref()), AGENT_CAP);

    for row in &rows {
        let severity_code = match row.severity {
            Severity::Error => RED,
            Severity::Warning => YELLOW,
        };
        let mut line = String::from("  ");
        line.push_str(&pad(&paint(DIM, &row.place), &row.place, place_width));
        line.push_str("  ");
        line.push_str(&pad(
            &paint(severity_code, &row.rule),
            &row.rule,
            rule_width,
        ));
        line.push_str("  ");
        line.push_str(&pad(&row.agent, &row.agent, agent_width));
        line.push_str("  ");
        if let Some(path) = &row.path {
            line.push_str(path);
            line.push(' ');
        }
        line.push_str(&row.message);
        writeln!(out, "{}", line.trim_end())?;
    }

    writeln!(out, "How to get back inside the boundary:")?;
    for rule in rules_in_order(report) {
        writeln!(out, "  {}: {}", paint(DIM, rule.as_str()), rule.help())?;
    }
    Ok(())
}

/// The message, less a leading copy of the path: the checks' messages open with the path
/// they are about, and the text report already shows it in its own column.
fn message_after_path(v: &Violation) -> &str {
    v.path
        .as_deref()
        .and_then(|path| v.message.strip_prefix(path))
        .and_then(|rest| rest.strip_prefix(' '))
        .unwrap_or(&v.message)
}

/// Every rule id the report crosses, once each, in order of first appearance.
fn rules_in_order(report: &Report) -> Vec<RuleId> {
    let mut seen = Vec::new();
    for v in &report.violations {
        if !seen.contains(&v.rule) {
            seen.push(v.rule);
        }
    }
    seen
}

/// The width to pad a column to: its widest cell, but no wider than `cap`.
fn column_width<'a>(cells: impl Iterator<Item = &'a str>, cap: usize) -> usize {
    cells.map(width_of).max().unwrap_or(0).min(cap)
}

/// `shown` (possibly coloured) followed by the spaces that pad `plain` to `width`.
fn pad(shown: &str, plain: &str, width: usize) -> String {
    let fill = width.saturating_sub(width_of(plain));
    format!("{shown}{}", " ".repeat(fill))
}

/// Display width, counted in chars (good enough for ids, rule names and agent names, which
/// are what gets padded).
fn width_of(s: &str) -> usize {
    s.chars().count()
}

/// True for characters that must not reach a terminal raw: C0/C1 controls and DEL, and the
/// Unicode bidi controls that can make a line read differently from its bytes.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// Writes `c` as an escape: `\n`, `\r`, `\t`, else `\u{XXXX}`.
fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        _ => out.push_str(&format!("\\u{{{:04x}}}", u32::from(c))),
    }
}

/// `s` with unsafe characters escaped; borrowed when there are none.
pub(super) fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path much as git shows it with `core.quotePath=false`: raw when it is plain (inner
/// spaces and non-ASCII included), else in double quotes with `"`, `\` and unsafe characters
/// escaped. A leading or trailing space also quotes it, so that it stays visible.
fn quote_path(path: &str) -> Cow<'_, str> {
    let edge_space = path.starts_with(' ') || path.ends_with(' ');
    if !edge_space && !path.chars().any(|c| is_unsafe(c) || c == '"' || c == '\\') {
        return Cow::Borrowed(path);
    }
    let mut out = String::with_capacity(path.len() + 8);
    out.push('"');
    for c in path.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_unsafe(c) => push_escaped(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('"');
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_stay_raw() {
        assert_eq!(
            quote_path("docs/my notes, v2: ä.md"),
            "docs/my notes, v2: ä.md"
        );
        assert_eq!(quote_path(" notes "), "\" notes \"");
    }

    #[test]
    fn control_characters_are_quoted_and_escaped() {
        assert_eq!(quote_path("a\nb\"c\\d\te"), r#""a\nb\"c\\d\te""#);
        assert_eq!(escape("x\u{1b}[31my"), "x\\u{001b}[31my");
        assert_eq!(escape("evil\u{202e}txt.rs"), "evil\\u{202e}txt.rs");
    }
}
