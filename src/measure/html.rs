//! The HTML report: one self-contained page, the same figures as the JSON as tables and
//! inline SVG charts (weekly commits by owner, commit-size distribution per owner,
//! violations by rule, time to revert).
//!
//! Nothing is loaded from anywhere: the CSS is inline, the charts are inline SVG, there is
//! no script, and a Content-Security-Policy (`default-src 'none'`) tells the browser to
//! fetch nothing even if a string slipped through. Every string from the repository
//! (owner and task names, subjects, the range, the rules' path) is escaped with [`escape`].
//! The page follows the reader's colour scheme (`prefers-color-scheme`), and prints on
//! white with the charts kept whole.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::aggregate::{HOUR_BUCKETS, Measures, Owner, SIZE_BUCKETS};
use super::window;

/// Escapes text for HTML content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "&#x{:x};", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --grid: #d1d9e0; --card: #f6f8fa;
  --o0: #0969da; --o1: #bf3989; --o2: #1a7f37; --o3: #9a6700; --o4: #8250df; --o5: #cf222e;
  --o6: #116329; --o7: #953800; --humans: #57606a; --unchecked: #afb8c1;
  --b0: #dbeafe; --b1: #bfdbfe; --b2: #93c5fd; --b3: #60a5fa; --b4: #3b82f6; --b5: #1d4ed8; --b6: #1e3a8a;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --grid: #3d444d; --card: #151b23;
    --o0: #4493f8; --o1: #f778ba; --o2: #3fb950; --o3: #d29922; --o4: #ab7df8; --o5: #ff7b72;
    --o6: #56d364; --o7: #ffa657; --humans: #9198a1; --unchecked: #656c76;
    --b0: #1e3a8a; --b1: #1d4ed8; --b2: #2563eb; --b3: #3b82f6; --b4: #60a5fa; --b5: #93c5fd; --b6: #dbeafe;
  }
}
* { box-sizing: border-box; }
body { background: var(--bg); color: var(--fg); margin: 2rem auto; max-width: 72rem; padding: 0 1rem;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--grid); padding-bottom: .25rem; }
p.meta, .note { color: var(--muted); margin: .2rem 0; }
code, .id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .92em; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: .75rem; margin: 1rem 0; }
.card { background: var(--card); border: 1px solid var(--grid); border-radius: 6px; padding: .75rem 1rem; overflow-x: auto; }
.card th, .card td { padding: .15rem .4rem; }
.card h3 { font-size: .95rem; margin: 0 0 .4rem; }
.card table { width: 100%; }
table { border-collapse: collapse; margin: .5rem 0; font-variant-numeric: tabular-nums; }
th, td { padding: .2rem .6rem; border-bottom: 1px solid var(--grid); text-align: left; vertical-align: top; }
th { font-weight: 600; color: var(--muted); }
td.n, th.n { text-align: right; }
.who, .id { white-space: nowrap; }
.scroll { overflow-x: auto; }
figure { margin: .5rem 0 1.5rem; }
figcaption { color: var(--muted); font-size: .9rem; margin-bottom: .25rem; }
svg { display: block; width: 100%; height: auto; }
svg text { fill: var(--fg); font: 11px system-ui, sans-serif; }
svg .axis { stroke: var(--grid); stroke-width: 1; }
svg .muted { fill: var(--muted); }
.legend { display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: .25rem 0; font-size: .9rem; }
.swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px; margin-right: .3em; vertical-align: -.05em; }
.o0 { fill: var(--o0); background: var(--o0); } .o1 { fill: var(--o1); background: var(--o1); }
.o2 { fill: var(--o2); background: var(--o2); } .o3 { fill: var(--o3); background: var(--o3); }
.o4 { fill: var(--o4); background: var(--o4); } .o5 { fill: var(--o5); background: var(--o5); }
.o6 { fill: var(--o6); background: var(--o6); } .o7 { fill: var(--o7); background: var(--o7); }
.humans { fill: var(--humans); background: var(--humans); }
.unchecked { fill: var(--unchecked); background: var(--unchecked); }
.b0 { fill: var(--b0); background: var(--b0); } .b1 { fill: var(--b1); background: var(--b1); }
.b2 { fill: var(--b2); background: var(--b2); } .b3 { fill: var(--b3); background: var(--b3); }
.b4 { fill: var(--b4); background: var(--b4); } .b5 { fill: var(--b5); background: var(--b5); }
.b6 { fill: var(--b6); background: var(--b6); }
@media print {
  :root {
    --bg: #ffffff; --fg: #000000; --muted: #444444; --grid: #bbbbbb; --card: #ffffff;
    --o0: #0969da; --o1: #bf3989; --o2: #1a7f37; --o3: #9a6700; --o4: #8250df; --o5: #cf222e;
    --o6: #116329; --o7: #953800; --humans: #57606a; --unchecked: #afb8c1;
    --b0: #dbeafe; --b1: #bfdbfe; --b2: #93c5fd; --b3: #60a5fa; --b4: #3b82f6; --b5: #1d4ed8; --b6: #1e3a8a;
  }
  body { font-size: 9pt; margin: 0; max-width: none; }
  section, figure, table { break-inside: avoid; }
  h2 { break-after: avoid; }
  .scroll { overflow: visible; }
  table { font-size: 7.5pt; }
  th, td { padding: .1rem .3rem; }
  details > *:not(summary) { display: block; }
}
"#;

/// The CSS class (colour) of each owner, by position: agents cycle through eight colours,
/// `humans` and `unchecked` have their own.
fn owner_classes(owners: &[Owner]) -> Vec<String> {
    let mut agent = 0;
    owners
        .iter()
        .map(|o| match o.kind {
            super::OwnerKind::Human => "humans".to_owned(),
            super::OwnerKind::Unchecked => "unchecked".to_owned(),
            super::OwnerKind::Agent => {
                let class = format!("o{}", agent % 8);
                agent += 1;
                class
            }
        })
        .collect()
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

fn hours_text(h: f64) -> String {
    format!("{h:.1}")
}

/// Labels of the commit-size buckets.
fn size_labels() -> Vec<String> {
    let mut labels = Vec::new();
    let mut low = 0;
    for (i, &high) in SIZE_BUCKETS.iter().enumerate() {
        labels.push(if i == 0 {
            format!("{high}")
        } else if low == high {
            format!("{low}")
        } else {
            format!("{low}–{high}")
        });
        low = high + 1;
    }
    labels.push(format!("{low}+"));
    labels
}

/// Labels of the time-to-revert buckets.
fn hour_labels() -> Vec<String> {
    let name = |h: f64| match h as u64 {
        24 => "1 day".to_owned(),
        72 => "3 days".to_owned(),
        168 => "1 week".to_owned(),
        1 => "1 hour".to_owned(),
        n => format!("{n} hours"),
    };
    let mut labels = vec![format!("≤ {}", name(HOUR_BUCKETS[0]))];
    for &b in &HOUR_BUCKETS[1..] {
        labels.push(format!("≤ {}", name(b)));
    }
    labels.push(format!("> {}", name(HOUR_BUCKETS[HOUR_BUCKETS.len() - 1])));
    labels
}

fn legend(items: &[(String, String)], html: &mut String) {
    html.push_str("<div class=\"legend\">");
    for (class, label) in items {
        let _ = write!(
            html,
            "<span><span class=\"swatch {class}\"></span>{}</span>",
            escape(label)
        );
    }
    html.push_str("</div>\n");
}

/// One labelled row of a horizontal stacked bar chart: segments of (class, value, title).
struct BarRow {
    label: String,
    segments: Vec<(String, f64, String)>,
    total_label: String,
}

/// Horizontal stacked bars, one per row, scaled to the largest row (or to 1.0 when
/// `normalized`, each row then a 100% bar).
fn stacked_rows(rows: &[BarRow], normalized: bool, html: &mut String) {
    let label_w = 150.0;
    let bar_w = 640.0;
    let row_h = 22.0;
    let width = label_w + bar_w + 120.0;
    let height = row_h * rows.len() as f64 + 8.0;
    let scale = if normalized {
        1.0
    } else {
        rows.iter()
            .map(|r| r.segments.iter().map(|s| s.1).sum::<f64>())
            .fold(0.0, f64::max)
            .max(1.0)
    };
    let _ = write!(
        html,
        "<svg viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for (i, row) in rows.iter().enumerate() {
        let y = 4.0 + i as f64 * row_h;
        let _ = write!(
            html,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            label_w - 8.0,
            y + 15.0,
            escape(&row.label)
        );
        let mut x = label_w;
        for (class, value, title) in &row.segments {
            let w = value / scale * bar_w;
            if w <= 0.0 {
                continue;
            }
            let _ = write!(
                html,
                "<rect class=\"{class}\" x=\"{x:.2}\" y=\"{:.1}\" width=\"{w:.2}\" height=\"{:.1}\"><title>{}</title></rect>",
                y + 3.0,
                row_h - 6.0,
                escape(title)
            );
            x += w;
        }
        let _ = write!(
            html,
            "<text class=\"muted\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            x + 6.0,
            y + 15.0,
            escape(&row.total_label)
        );
    }
    html.push_str("</svg>\n");
}

/// Days since the epoch of the Monday of the ISO week holding `time`.
fn monday(time: i64) -> i64 {
    let day = time.div_euclid(86_400);
    day - (day + 3).rem_euclid(7)
}

/// Weekly commits by owner: stacked columns over every week from the first measured
/// commit to the last (weeks with no commit stay empty).
fn weekly_chart(m: &Measures, classes: &[String], html: &mut String) {
    let Some((first, last)) = m.span else {
        return;
    };
    let by_week: BTreeMap<&str, &BTreeMap<String, u64>> = m
        .weeks
        .iter()
        .map(|w| (w.week.as_str(), &w.commits))
        .collect();
    let mut weeks: Vec<String> = Vec::new();
    let mut day = monday(first);
    while day <= monday(last) {
        weeks.push(window::iso_week(day * 86_400));
        day += 7;
    }
    let max = m
        .weeks
        .iter()
        .map(|w| w.commits.values().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let (left, top, plot_w, plot_h) = (44.0, 10.0, 820.0, 200.0);
    let width = left + plot_w + 16.0;
    let height = top + plot_h + 34.0;
    let step = plot_w / weeks.len().max(1) as f64;
    let bar = (step * 0.85).max(0.5);
    let _ = write!(
        html,
        "<svg viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for frac in [0.0, 0.5, 1.0] {
        let y = top + plot_h - frac * plot_h;
        let _ = write!(
            html,
            "<line class=\"axis\" x1=\"{left}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text class=\"muted\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left + plot_w,
            left - 6.0,
            y + 4.0,
            (frac * max as f64).round() as u64
        );
    }
    for (i, week) in weeks.iter().enumerate() {
        let x = left + i as f64 * step;
        let mut y = top + plot_h;
        if let Some(counts) = by_week.get(week.as_str()) {
            let total: u64 = counts.values().sum();
            for (o, class) in m.owners.iter().zip(classes) {
                let n = counts.get(&o.name).copied().unwrap_or(0);
                if n == 0 {
                    continue;
                }
                let h = n as f64 / max as f64 * plot_h;
                y -= h;
                let _ = write!(
                    html,
                    "<rect class=\"{class}\" x=\"{x:.2}\" y=\"{y:.2}\" width=\"{bar:.2}\" height=\"{h:.2}\"><title>{week}: {} {n} of {total}</title></rect>",
                    escape(&o.name)
                );
            }
        }
    }
    // Label about eight weeks along the axis.
    let every = weeks.len().div_ceil(8).max(1);
    for (i, week) in weeks.iter().enumerate().step_by(every) {
        let x = left + i as f64 * step + bar / 2.0;
        let _ = write!(
            html,
            "<text class=\"muted\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{week}</text>",
            top + plot_h + 16.0
        );
    }
    html.push_str("</svg>\n");
}

fn th(html: &mut String, cells: &[&str], numeric_from: usize) {
    html.push_str("<tr>");
    for (i, cell) in cells.iter().enumerate() {
        let class = if i >= numeric_from {
            " class=\"n\""
        } else {
            ""
        };
        let _ = write!(html, "<th{class}>{}</th>", escape(cell));
    }
    html.push_str("</tr>\n");
}

/// A table row; cells are already-escaped HTML, and cells from `numeric_from` on align right.
fn tr(html: &mut String, cells: &[String], numeric_from: usize) {
    html.push_str("<tr>");
    for (i, cell) in cells.iter().enumerate() {
        let class = if i >= numeric_from {
            " class=\"n\""
        } else {
            ""
        };
        let _ = write!(html, "<td{class}>{cell}</td>");
    }
    html.push_str("</tr>\n");
}

fn short(id: &str) -> String {
    format!(
        "<span class=\"id\" title=\"{}\">{}</span>",
        escape(id),
        escape(&id[..10.min(id.len())])
    )
}

fn owner_cell(name: &str, class: &str) -> String {
    format!(
        "<span class=\"who\"><span class=\"swatch {class}\"></span>{}</span>",
        escape(name)
    )
}

fn class_of<'a>(m: &Measures, classes: &'a [String], owner: &str) -> &'a str {
    m.owners
        .iter()
        .position(|o| o.name == owner)
        .map_or("unchecked", |i| classes[i].as_str())
}

fn heading(m: &Measures, html: &mut String) {
    let range = m.range.join(" ");
    let _ = write!(
        html,
        "<header><h1>agentfence report</h1><p class=\"meta\">{} commit{} measured in <code>{}</code>",
        m.commits,
        if m.commits == 1 { "" } else { "s" },
        escape(&range)
    );
    if let Some((first, last)) = m.span {
        let _ = write!(
            html,
            ", committed {} to {}",
            window::utc_date(first),
            window::utc_date(last)
        );
    }
    if let Some(since) = m.window.since {
        let _ = write!(html, ", since {}", window::rfc3339_utc(since));
    }
    if let Some(until) = m.window.until {
        let _ = write!(html, ", until {}", window::rfc3339_utc(until));
    }
    let _ = writeln!(
        html,
        ". Rules: <code>{}</code>.</p><p class=\"meta\">Every commit is judged in audit mode. Owners are claimed by the commits themselves (trailers, author, committer): history does not record who pushed.</p></header>",
        escape(&m.rules)
    );
}

fn seed_cards(m: &Measures, classes: &[String], html: &mut String) {
    html.push_str("<section class=\"cards\">\n");
    // Small commits.
    html.push_str("<div class=\"card\"><h3>Small commits</h3><table>");
    th(html, &["owner", "within limits", "lines p50", "p90"], 1);
    for (o, class) in m.owners.iter().zip(classes) {
        tr(
            html,
            &[
                owner_cell(&o.name, class),
                percent(o.within_commit_limits),
                o.lines_per_commit.p50.to_string(),
                o.lines_per_commit.p90.to_string(),
            ],
            1,
        );
    }
    html.push_str("</table><p class=\"note\">Share of commits with no commit-size violation; lines per commit.</p></div>\n");
    // Time to revert.
    html.push_str("<div class=\"card\"><h3>Time to revert</h3><table>");
    th(html, &["owner", "reverted", "hours p50", "p90"], 1);
    for (o, class) in m.owners.iter().zip(classes) {
        let (p50, p90) = o
            .hours_to_revert
            .map_or(("–".to_owned(), "–".to_owned()), |h| {
                (hours_text(h.p50), hours_text(h.p90))
            });
        tr(
            html,
            &[owner_cell(&o.name, class), o.reverted.to_string(), p50, p90],
            1,
        );
    }
    html.push_str("</table><p class=\"note\">Commits really undone by a later commit, and how long that took.</p></div>\n");
    // Task coverage.
    html.push_str("<div class=\"card\"><h3>Task coverage</h3><table>");
    th(html, &["owner", "with task", "known task"], 1);
    for (o, class) in m.owners.iter().zip(classes) {
        tr(
            html,
            &[
                owner_cell(&o.name, class),
                percent(o.with_task),
                percent(o.with_known_task),
            ],
            1,
        );
    }
    html.push_str("</table><p class=\"note\">Share of commits naming a task, and a task the rules list.</p></div>\n");
    html.push_str("</section>\n");
}

fn owners_table(m: &Measures, classes: &[String], html: &mut String) {
    html.push_str("<h2>Owners</h2><div class=\"scroll\"><table id=\"owners\">");
    th(
        html,
        &[
            "owner",
            "kind",
            "commits",
            "lines",
            "lines p50",
            "p90",
            "max",
            "files p50",
            "p90",
            "max",
            "within limits",
            "with task",
            "known task",
            "violations",
            "reverted",
            "hours p50",
            "p90",
        ],
        2,
    );
    for (o, class) in m.owners.iter().zip(classes) {
        let (p50, p90) = o
            .hours_to_revert
            .map_or(("–".to_owned(), "–".to_owned()), |h| {
                (hours_text(h.p50), hours_text(h.p90))
            });
        tr(
            html,
            &[
                owner_cell(&o.name, class),
                o.kind.as_str().to_owned(),
                o.commits.to_string(),
                o.lines.to_string(),
                o.lines_per_commit.p50.to_string(),
                o.lines_per_commit.p90.to_string(),
                o.lines_per_commit.max.to_string(),
                o.files_per_commit.p50.to_string(),
                o.files_per_commit.p90.to_string(),
                o.files_per_commit.max.to_string(),
                percent(o.within_commit_limits),
                percent(o.with_task),
                percent(o.with_known_task),
                o.violations.values().sum::<u64>().to_string(),
                o.reverted.to_string(),
                p50,
                p90,
            ],
            2,
        );
    }
    html.push_str("</table></div>\n");
}

fn charts(m: &Measures, classes: &[String], html: &mut String) {
    let owner_legend: Vec<(String, String)> = m
        .owners
        .iter()
        .zip(classes)
        .map(|(o, c)| (c.clone(), o.name.clone()))
        .collect();

    html.push_str("<h2>Weekly commits by owner</h2><figure><figcaption>Commits per ISO week (UTC committer time), stacked by owner.</figcaption>");
    legend(&owner_legend, html);
    weekly_chart(m, classes, html);
    html.push_str("</figure>\n");

    html.push_str("<h2>Commit size by owner</h2><figure><figcaption>Each owner's commits by lines changed (100% per owner).</figcaption>");
    let size_labels = size_labels();
    let size_legend: Vec<(String, String)> = size_labels
        .iter()
        .enumerate()
        .map(|(i, l)| (format!("b{i}"), format!("{l} lines")))
        .collect();
    legend(&size_legend, html);
    let rows: Vec<BarRow> = m
        .owners
        .iter()
        .map(|o| BarRow {
            label: o.name.clone(),
            segments: o
                .size_histogram
                .iter()
                .enumerate()
                .map(|(i, &n)| {
                    (
                        format!("b{i}"),
                        n as f64 / o.commits.max(1) as f64,
                        format!("{}: {n} commits of {} lines", o.name, size_labels[i]),
                    )
                })
                .collect(),
            total_label: format!("{} commits", o.commits),
        })
        .collect();
    stacked_rows(&rows, true, html);
    html.push_str("</figure>\n");

    html.push_str("<h2>Violations by rule</h2>");
    let mut rules: BTreeMap<&str, u64> = BTreeMap::new();
    for o in &m.owners {
        for (rule, n) in &o.violations {
            *rules.entry(rule).or_default() += n;
        }
    }
    if rules.is_empty() {
        html.push_str("<p>No violations.</p>\n");
    } else {
        let mut order: Vec<(&str, u64)> = rules.into_iter().collect();
        order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        html.push_str(
            "<figure><figcaption>Violations found in audit mode, stacked by owner.</figcaption>",
        );
        legend(&owner_legend, html);
        let rows: Vec<BarRow> = order
            .iter()
            .map(|(rule, total)| BarRow {
                label: (*rule).to_owned(),
                segments: m
                    .owners
                    .iter()
                    .zip(classes)
                    .map(|(o, c)| {
                        let n = o.violations.get(*rule).copied().unwrap_or(0);
                        (c.clone(), n as f64, format!("{rule}: {} {n}", o.name))
                    })
                    .collect(),
                total_label: total.to_string(),
            })
            .collect();
        stacked_rows(&rows, false, html);
        html.push_str("</figure><div class=\"scroll\"><table id=\"violations\">");
        let mut header = vec!["rule"];
        header.extend(m.owners.iter().map(|o| o.name.as_str()));
        header.push("total");
        th(html, &header, 1);
        for (rule, total) in &order {
            let mut cells = vec![escape(rule)];
            cells.extend(
                m.owners
                    .iter()
                    .map(|o| o.violations.get(*rule).copied().unwrap_or(0).to_string()),
            );
            cells.push(total.to_string());
            tr(html, &cells, 1);
        }
        html.push_str("</table></div>\n");
    }

    html.push_str("<h2>Time to revert</h2>");
    if m.reverts.is_empty() {
        html.push_str("<p>No commit was reverted.</p>\n");
    } else {
        html.push_str("<figure><figcaption>Reverted commits by the time their revert took, stacked by owner.</figcaption>");
        legend(&owner_legend, html);
        let rows: Vec<BarRow> = hour_labels()
            .into_iter()
            .enumerate()
            .map(|(i, label)| {
                let total: u64 = m.owners.iter().map(|o| o.revert_histogram[i]).sum();
                BarRow {
                    segments: m
                        .owners
                        .iter()
                        .zip(classes)
                        .map(|(o, c)| {
                            let n = o.revert_histogram[i];
                            (c.clone(), n as f64, format!("{label}: {} {n}", o.name))
                        })
                        .collect(),
                    label,
                    total_label: total.to_string(),
                }
            })
            .collect();
        stacked_rows(&rows, false, html);
        html.push_str("</figure>\n");
    }
}

fn reverts_table(m: &Measures, classes: &[String], html: &mut String) {
    if m.reverts.is_empty() {
        return;
    }
    html.push_str("<h2>Reverts</h2><div class=\"scroll\"><table id=\"reverts\">");
    th(
        html,
        &["commit", "owner", "subject", "reverted by", "hours"],
        4,
    );
    for r in &m.reverts {
        tr(
            html,
            &[
                short(&r.commit),
                owner_cell(&r.owner, class_of(m, classes, &r.owner)),
                escape(&r.subject),
                short(&r.reverted_by),
                hours_text(r.hours),
            ],
            4,
        );
    }
    html.push_str("</table></div>\n");
}

fn tasks_table(m: &Measures, html: &mut String) {
    html.push_str("<h2>Tasks</h2>");
    if m.tasks.is_empty() {
        html.push_str("<p>No commit names a task.</p>\n");
        return;
    }
    html.push_str("<div class=\"scroll\"><table id=\"tasks\">");
    th(
        html,
        &[
            "task", "known", "agents", "first", "last", "commits", "lines", "reverted",
        ],
        5,
    );
    for t in &m.tasks {
        tr(
            html,
            &[
                format!("<code>{}</code>", escape(&t.id)),
                if t.known { "yes" } else { "no" }.to_owned(),
                escape(&t.agents.join(", ")),
                escape(&t.first),
                escape(&t.last),
                t.commits.to_string(),
                t.lines.to_string(),
                t.reverted.to_string(),
            ],
            5,
        );
    }
    html.push_str("</table></div>\n");
}

fn weeks_table(m: &Measures, html: &mut String) {
    let _ = write!(
        html,
        "<h2>Weeks</h2><details><summary>{} weeks with commits</summary><div class=\"scroll\"><table id=\"weeks\">",
        m.weeks.len()
    );
    let mut header = vec!["week", "commits"];
    header.extend(m.owners.iter().map(|o| o.name.as_str()));
    header.extend(["violations", "reverts"]);
    th(html, &header, 1);
    for w in &m.weeks {
        let mut cells = vec![escape(&w.week), w.commits.values().sum::<u64>().to_string()];
        cells.extend(
            m.owners
                .iter()
                .map(|o| w.commits.get(&o.name).copied().unwrap_or(0).to_string()),
        );
        cells.push(w.violations.to_string());
        cells.push(w.reverts.to_string());
        tr(html, &cells, 1);
    }
    html.push_str("</table></div></details>\n");
}

fn largest_table(m: &Measures, classes: &[String], html: &mut String) {
    if m.largest.is_empty() {
        return;
    }
    html.push_str("<h2>Largest commits</h2><div class=\"scroll\"><table id=\"largest\">");
    th(
        html,
        &["commit", "owner", "date", "subject", "files", "lines"],
        4,
    );
    for c in &m.largest {
        tr(
            html,
            &[
                short(&c.id),
                owner_cell(&c.owner, class_of(m, classes, &c.owner)),
                window::utc_date(c.time),
                escape(&c.subject),
                c.files.to_string(),
                c.lines.to_string(),
            ],
            4,
        );
    }
    html.push_str("</table></div>\n");
}

/// Writes the page.
pub fn render(m: &Measures, out: &mut dyn Write) -> io::Result<()> {
    let classes = owner_classes(&m.owners);
    let mut html = String::with_capacity(64 * 1024);
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light dark\">\n");
    let _ = write!(
        html,
        "<title>agentfence report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&m.range.join(" "))
    );
    heading(m, &mut html);
    if m.commits == 0 {
        html.push_str("<p>Nothing to measure: no commit in the range and window.</p>\n");
    } else {
        seed_cards(m, &classes, &mut html);
        owners_table(m, &classes, &mut html);
        charts(m, &classes, &mut html);
        reverts_table(m, &classes, &mut html);
        tasks_table(m, &mut html);
        weeks_table(m, &mut html);
        largest_table(m, &classes, &mut html);
    }
    html.push_str("</body>\n</html>\n");
    out.write_all(html.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_leaves_no_markup() {
        assert_eq!(
            escape("<script>alert(1)</script> & \"x\" 'y'"),
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; &#39;y&#39;"
        );
        assert_eq!(escape("a\u{0}b"), "a&#x0;b");
    }

    #[test]
    fn bucket_labels_cover_every_size() {
        assert_eq!(
            size_labels(),
            [
                "0",
                "1–9",
                "10–49",
                "50–199",
                "200–499",
                "500–1999",
                "2000+"
            ]
        );
        assert_eq!(hour_labels().len(), HOUR_BUCKETS.len() + 1);
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2026-11-04 (a Wednesday) lies in the week of Monday 2026-11-02.
        assert_eq!(
            monday(1_793_577_600 + 2 * 86_400 + 3600) * 86_400,
            1_793_577_600
        );
        assert_eq!(monday(1_793_577_600), 1_793_577_600 / 86_400);
    }
}
