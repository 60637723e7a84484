//! The text report: aligned tables for a terminal, the article's three measures of control
//! first — small commits, time to revert, task coverage — then violations by rule, tasks,
//! recent weeks, reverts and the largest commits.
//!
//! ```text
//! agentfence report: 1798 commits from 2024-01-03 to 2026-11-30; range HEAD; rules: embedded default
//! Owners are claimed by the commits themselves (no decision log was read).
//!
//! Small commits: how much work stays within the commit limits
//!   owner        kind   commits  within limits  lines p50  p90    max  files p50  p90  max
//!   claude-code  agent      401            93%         42  610  33976          2   14  241
//! ```
//!
//! Long lists are cut to their most telling rows with a line saying how many more the
//! JSON and HTML reports hold. Text from the repository (subjects, task ids) has its
//! control and bidi characters escaped, so a crafted subject cannot forge a line or drive
//! the terminal.

use std::io::{self, Write};

use super::aggregate::{Measures, Owner};
use super::window;

/// Rows shown of a long list (tasks, reverts).
const MAX_ROWS: usize = 20;
/// Weeks shown (the most recent).
const MAX_WEEKS: usize = 12;

/// Column alignment.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// A table: a header and rows of cells, printed with two-space indent and gaps.
struct Table {
    aligns: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(header: &[(&str, Align)]) -> Self {
        Table {
            aligns: header.iter().map(|(_, a)| *a).collect(),
            rows: vec![header.iter().map(|(h, _)| (*h).to_owned()).collect()],
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        let cols = self.aligns.len();
        let mut widths = vec![0; cols];
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for row in &self.rows {
            let mut line = String::from(" ");
            for (i, cell) in row.iter().enumerate() {
                let pad = widths[i].saturating_sub(cell.chars().count());
                line.push(' ');
                if i > 0 {
                    line.push(' ');
                }
                let last = i + 1 == row.len();
                match self.aligns[i] {
                    Align::Right => {
                        line.extend(std::iter::repeat_n(' ', pad));
                        line.push_str(cell);
                    }
                    Align::Left => {
                        line.push_str(cell);
                        if !last {
                            line.extend(std::iter::repeat_n(' ', pad));
                        }
                    }
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// Text from the repository, safe for a terminal: control and bidi characters escaped.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if c.is_control() || bidi {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// A share as a whole percentage (`0.93` → `93%`).
fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

fn short(id: &str) -> &str {
    &id[..10.min(id.len())]
}

/// The report's opening lines: what was measured, under which rules.
fn heading(m: &Measures, out: &mut dyn Write) -> io::Result<()> {
    let span = match m.span {
        Some((first, last)) => format!(
            " from {} to {}",
            window::utc_date(first),
            window::utc_date(last)
        ),
        None => String::new(),
    };
    let mut window_note = String::new();
    if let Some(since) = m.window.since {
        window_note.push_str(&format!(" since {}", window::rfc3339_utc(since)));
    }
    if let Some(until) = m.window.until {
        window_note.push_str(&format!(" until {}", window::rfc3339_utc(until)));
    }
    let range: Vec<String> = m.range.iter().map(|r| sanitize(r)).collect();
    writeln!(
        out,
        "agentfence report: {} commit{}{span}{window_note}; range {}; rules: {}",
        m.commits,
        if m.commits == 1 { "" } else { "s" },
        range.join(" "),
        sanitize(&m.rules),
    )?;
    let owners: Vec<String> = m
        .owners
        .iter()
        .map(|o| format!("{} {}", o.name, o.commits))
        .collect();
    if !owners.is_empty() {
        writeln!(out, "Owners: {}.", owners.join(", "))?;
        let logged = m
            .owners
            .iter()
            .any(|o| o.ownership == super::aggregate::Ownership::Logged);
        writeln!(
            out,
            "{}",
            if logged {
                "Owners come from the decision log where it has the commit (who pushed, as the gate saw it), else from what the commit claims."
            } else {
                "Owners are claimed by the commits themselves (trailers, author, committer): history does not record who pushed."
            }
        )?;
    }
    Ok(())
}

fn small_commits(owners: &[Owner], out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "\nSmall commits: how much work stays within the commit limits"
    )?;
    let mut t = Table::new(&[
        ("owner", Align::Left),
        ("kind", Align::Left),
        ("commits", Align::Right),
        ("within limits", Align::Right),
        ("lines p50", Align::Right),
        ("p90", Align::Right),
        ("max", Align::Right),
        ("files p50", Align::Right),
        ("p90", Align::Right),
        ("max", Align::Right),
    ]);
    for o in owners {
        t.row(vec![
            o.name.clone(),
            o.kind.as_str().to_owned(),
            o.commits.to_string(),
            percent(o.within_commit_limits),
            o.lines_per_commit.p50.to_string(),
            o.lines_per_commit.p90.to_string(),
            o.lines_per_commit.max.to_string(),
            o.files_per_commit.p50.to_string(),
            o.files_per_commit.p90.to_string(),
            o.files_per_commit.max.to_string(),
        ]);
    }
    t.write(out)
}

fn time_to_revert(owners: &[Owner], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "\nTime to revert: how quickly bad changes were undone")?;
    let mut t = Table::new(&[
        ("owner", Align::Left),
        ("commits", Align::Right),
        ("reverted", Align::Right),
        ("hours p50", Align::Right),
        ("p90", Align::Right),
    ]);
    for o in owners {
        let (p50, p90) = match o.hours_to_revert {
            Some(h) => (format!("{:.1}", h.p50), format!("{:.1}", h.p90)),
            None => ("-".to_owned(), "-".to_owned()),
        };
        t.row(vec![
            o.name.clone(),
            o.commits.to_string(),
            o.reverted.to_string(),
            p50,
            p90,
        ]);
    }
    t.write(out)
}

fn task_coverage(owners: &[Owner], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "\nTask coverage: how much work names a task")?;
    let mut t = Table::new(&[
        ("owner", Align::Left),
        ("commits", Align::Right),
        ("with task", Align::Right),
        ("with known task", Align::Right),
    ]);
    for o in owners {
        t.row(vec![
            o.name.clone(),
            o.commits.to_string(),
            percent(o.with_task),
            percent(o.with_known_task),
        ]);
    }
    t.write(out)
}

fn violations(owners: &[Owner], out: &mut dyn Write) -> io::Result<()> {
    let mut rules: Vec<(&str, u64)> = Vec::new();
    for o in owners {
        for (rule, n) in &o.violations {
            match rules.iter_mut().find(|(r, _)| r == rule) {
                Some(entry) => entry.1 += n,
                None => rules.push((rule, *n)),
            }
        }
    }
    writeln!(
        out,
        "\nViolations by rule (every commit judged in audit mode)"
    )?;
    if rules.is_empty() {
        writeln!(out, "  none")?;
        return Ok(());
    }
    rules.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut header = vec![("rule", Align::Left)];
    header.extend(owners.iter().map(|o| (o.name.as_str(), Align::Right)));
    header.push(("total", Align::Right));
    let mut t = Table::new(&header);
    for (rule, total) in rules {
        let mut row = vec![rule.to_owned()];
        row.extend(
            owners
                .iter()
                .map(|o| o.violations.get(rule).copied().unwrap_or(0).to_string()),
        );
        row.push(total.to_string());
        t.row(row);
    }
    t.write(out)
}

fn tasks(m: &Measures, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "\nTasks")?;
    if m.tasks.is_empty() {
        writeln!(out, "  no commit names a task")?;
        return Ok(());
    }
    let mut shown: Vec<_> = m.tasks.iter().collect();
    shown.sort_by(|a, b| b.commits.cmp(&a.commits).then(a.id.cmp(&b.id)));
    let mut t = Table::new(&[
        ("task", Align::Left),
        ("known", Align::Left),
        ("commits", Align::Right),
        ("lines", Align::Right),
        ("reverted", Align::Right),
        ("first", Align::Left),
        ("last", Align::Left),
        ("agents", Align::Left),
    ]);
    for task in shown.iter().take(MAX_ROWS) {
        t.row(vec![
            sanitize(&task.id),
            if task.known { "yes" } else { "no" }.to_owned(),
            task.commits.to_string(),
            task.lines.to_string(),
            task.reverted.to_string(),
            task.first.get(..10).unwrap_or(&task.first).to_owned(),
            task.last.get(..10).unwrap_or(&task.last).to_owned(),
            task.agents.join(", "),
        ]);
    }
    t.write(out)?;
    more(shown.len(), "tasks", out)
}

fn weeks(m: &Measures, out: &mut dyn Write) -> io::Result<()> {
    let skip = m.weeks.len().saturating_sub(MAX_WEEKS);
    writeln!(
        out,
        "\nWeeks{}",
        if skip > 0 { " (the most recent)" } else { "" }
    )?;
    let mut header = vec![("week", Align::Left), ("commits", Align::Right)];
    header.extend(m.owners.iter().map(|o| (o.name.as_str(), Align::Right)));
    header.push(("violations", Align::Right));
    header.push(("reverts", Align::Right));
    let mut t = Table::new(&header);
    for w in &m.weeks[skip..] {
        let mut row = vec![w.week.clone(), w.commits.values().sum::<u64>().to_string()];
        row.extend(
            m.owners
                .iter()
                .map(|o| w.commits.get(&o.name).copied().unwrap_or(0).to_string()),
        );
        row.push(w.violations.to_string());
        row.push(w.reverts.to_string());
        t.row(row);
    }
    t.write(out)?;
    if skip > 0 {
        writeln!(
            out,
            "  ... {skip} earlier weeks (--format json or html lists every week)"
        )?;
    }
    Ok(())
}

fn reverts(m: &Measures, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "\nReverts")?;
    if m.reverts.is_empty() {
        writeln!(out, "  no commit was reverted")?;
        return Ok(());
    }
    let skip = m.reverts.len().saturating_sub(MAX_ROWS);
    let mut t = Table::new(&[
        ("commit", Align::Left),
        ("owner", Align::Left),
        ("hours", Align::Right),
        ("reverted by", Align::Left),
        ("subject", Align::Left),
    ]);
    for r in &m.reverts[skip..] {
        t.row(vec![
            short(&r.commit).to_owned(),
            r.owner.clone(),
            format!("{:.1}", r.hours),
            short(&r.reverted_by).to_owned(),
            sanitize(&r.subject),
        ]);
    }
    t.write(out)?;
    if skip > 0 {
        writeln!(
            out,
            "  ... {skip} earlier reverts (--format json or html lists them all)"
        )?;
    }
    Ok(())
}

fn largest(m: &Measures, out: &mut dyn Write) -> io::Result<()> {
    if m.largest.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nLargest commits")?;
    let mut t = Table::new(&[
        ("commit", Align::Left),
        ("owner", Align::Left),
        ("lines", Align::Right),
        ("files", Align::Right),
        ("date", Align::Left),
        ("subject", Align::Left),
    ]);
    for c in &m.largest {
        t.row(vec![
            short(&c.id).to_owned(),
            c.owner.clone(),
            c.lines.to_string(),
            c.files.to_string(),
            window::utc_date(c.time),
            sanitize(&c.subject),
        ]);
    }
    t.write(out)
}

fn more(total: usize, what: &str, out: &mut dyn Write) -> io::Result<()> {
    if total > MAX_ROWS {
        writeln!(
            out,
            "  ... {} more {what} (--format json or html lists them all)",
            total - MAX_ROWS
        )?;
    }
    Ok(())
}

/// Writes the text report.
pub fn render(m: &Measures, out: &mut dyn Write) -> io::Result<()> {
    heading(m, out)?;
    if m.commits == 0 {
        return writeln!(
            out,
            "Nothing to measure: no commit in the range and window."
        );
    }
    small_commits(&m.owners, out)?;
    time_to_revert(&m.owners, out)?;
    task_coverage(&m.owners, out)?;
    violations(&m.owners, out)?;
    tasks(m, out)?;
    weeks(m, out)?;
    reverts(m, out)?;
    largest(m, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_escapes_control_and_bidi_characters() {
        assert_eq!(sanitize("fix\x1b[2Jx\u{202e}y"), "fix\\u{1b}[2Jx\\u{202e}y");
        assert_eq!(sanitize("plain ünïcode"), "plain ünïcode");
    }

    #[test]
    fn tables_align_columns() {
        let mut t = Table::new(&[("a", Align::Left), ("n", Align::Right), ("s", Align::Left)]);
        t.row(vec!["long name".into(), "7".into(), "x".into()]);
        t.row(vec!["b".into(), "1234".into(), "".into()]);
        let mut out = Vec::new();
        t.write(&mut out).expect("write");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "  a             n  s\n  long name     7  x\n  b          1234\n"
        );
    }
}
