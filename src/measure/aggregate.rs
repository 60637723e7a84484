//! The figures of a report (CONTRACT.md "report"), from measured commits and reverts.
//!
//! Pure: no git, no I/O. Percentiles are nearest-rank (the smallest value with at least p%
//! of the values at or below it), shares are rounded to 2 decimals and hours to 1 (half
//! away from zero). Owners are listed agents first, in the rules' order, then `humans`, then
//! `unchecked`; tasks by id; weeks in order.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::reverts::Revert;
use super::window::{self, Window};
use super::{MeasuredCommit, OwnerKind};

/// Upper bounds (inclusive) of the commit-size buckets of the HTML chart, in lines; the
/// last bucket is everything larger.
pub const SIZE_BUCKETS: [u64; 6] = [0, 9, 49, 199, 499, 1999];
/// Upper bounds (inclusive) of the time-to-revert buckets, in hours; the last bucket is
/// everything later.
pub const HOUR_BUCKETS: [f64; 5] = [1.0, 6.0, 24.0, 72.0, 168.0];

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Measures {
    /// The RANGE arguments as given (`["HEAD"]` with none).
    pub range: Vec<String>,
    /// The rules in force: `embedded default`, `.agentfence.yaml at a1b2c3d`, or a path.
    pub rules: String,
    /// Commits measured.
    pub commits: usize,
    /// One entry per owner with at least one measured commit.
    pub owners: Vec<Owner>,
    /// One entry per task a measured commit names.
    pub tasks: Vec<TaskEntry>,
    /// One entry per ISO week with a measured commit.
    pub weeks: Vec<Week>,
    /// One entry per measured commit that was reverted.
    pub reverts: Vec<RevertEntry>,
    /// The window measured (for the renderers; not in the JSON).
    #[serde(skip)]
    pub window: Window,
    /// Committer times of the first and last measured commit.
    #[serde(skip)]
    pub span: Option<(i64, i64)>,
    /// The largest measured commits by lines, largest first (at most [`LARGEST`]).
    #[serde(skip)]
    pub largest: Vec<CommitRow>,
}

/// How many of the largest commits the text and HTML reports list.
pub const LARGEST: usize = 10;

/// A nearest-rank summary of whole numbers.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
pub struct Spread {
    /// The median (nearest rank).
    pub p50: u64,
    /// The 90th percentile (nearest rank).
    pub p90: u64,
    /// The largest value.
    pub max: u64,
}

/// A nearest-rank summary of hours, rounded to 1 decimal.
#[derive(Clone, Copy, PartialEq, Debug, Serialize)]
pub struct HourSpread {
    /// The median (nearest rank).
    pub p50: f64,
    /// The 90th percentile (nearest rank).
    pub p90: f64,
}

/// Where an owner's commits came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ownership {
    /// From the commits themselves (their trailers and identities): history does not
    /// record who pushed, and the decision log (if one was read) did not have them.
    Claimed,
    /// From the decision log: the owner the gate saw when each commit was pushed.
    Logged,
}

/// One owner's figures.
#[derive(Clone, Debug, Serialize)]
pub struct Owner {
    /// The agent's name, `humans` or `unchecked`.
    pub name: String,
    /// `agent`, `human` or `unchecked`.
    #[serde(serialize_with = "kind_str")]
    pub kind: OwnerKind,
    /// Where the attribution came from.
    pub ownership: Ownership,
    /// With `--log`: the pushes the gate rejected that brought a commit of this owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected_pushes: Option<u64>,
    /// Commits measured.
    pub commits: u64,
    /// Lines charged, added up.
    pub lines: u64,
    /// Lines per commit.
    pub lines_per_commit: Spread,
    /// Files per commit.
    pub files_per_commit: Spread,
    /// Share of commits with no `commit-*` violation.
    pub within_commit_limits: f64,
    /// Share of commits naming a task (well-formed or not).
    pub with_task: f64,
    /// Share of commits naming a task listed in the rules' `tasks`.
    pub with_known_task: f64,
    /// Violations by rule id.
    pub violations: BTreeMap<String, u64>,
    /// Commits reverted.
    pub reverted: u64,
    /// Hours from commit to revert; `None` when nothing was reverted.
    pub hours_to_revert: Option<HourSpread>,
    /// Commits per size bucket ([`SIZE_BUCKETS`]), for the HTML chart.
    #[serde(skip)]
    pub size_histogram: Vec<u64>,
    /// Reverts per time bucket ([`HOUR_BUCKETS`]), for the HTML chart.
    #[serde(skip)]
    pub revert_histogram: Vec<u64>,
}

/// One task's figures.
#[derive(Clone, Debug, Serialize)]
pub struct TaskEntry {
    /// The task ID.
    pub id: String,
    /// True when the rules list it under `tasks`.
    pub known: bool,
    /// Commits naming it.
    pub commits: u64,
    /// Agent owners of those commits, sorted.
    pub agents: Vec<String>,
    /// Lines charged to those commits.
    pub lines: u64,
    /// Committer time of the first of them (RFC 3339, UTC).
    pub first: String,
    /// Committer time of the last of them.
    pub last: String,
    /// How many of them were reverted.
    pub reverted: u64,
}

/// One ISO week's figures.
#[derive(Clone, Debug, Serialize)]
pub struct Week {
    /// `YYYY-Www`.
    pub week: String,
    /// Commits per owner (owners with at least one that week).
    pub commits: BTreeMap<String, u64>,
    /// Violations of the week's commits.
    pub violations: u64,
    /// Reverts whose reverting commit falls in this week.
    pub reverts: u64,
}

/// One reverted commit.
#[derive(Clone, Debug, Serialize)]
pub struct RevertEntry {
    /// The reverted commit.
    pub commit: String,
    /// The commit that reverted it.
    pub reverted_by: String,
    /// The reverted commit's owner.
    pub owner: String,
    /// Hours from commit to revert (committer times), 1 decimal.
    pub hours: f64,
    /// The reverted commit's subject (for text and HTML).
    #[serde(skip)]
    pub subject: String,
}

/// A commit listed by the renderers.
#[derive(Clone, Debug)]
pub struct CommitRow {
    /// Its full id.
    pub id: String,
    /// Its owner.
    pub owner: String,
    /// Lines charged.
    pub lines: u64,
    /// Files charged.
    pub files: u64,
    /// Committer time.
    pub time: i64,
    /// Its subject.
    pub subject: String,
}

fn kind_str<S: serde::Serializer>(kind: &OwnerKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.as_str())
}

/// Nearest-rank percentile `p` (1–100) of sorted, non-empty `values`.
pub fn nearest_rank<T: Copy>(sorted: &[T], p: usize) -> T {
    let n = sorted.len();
    let rank = (p * n).div_ceil(100).clamp(1, n);
    sorted[rank - 1]
}

/// Rounds to `decimals` places, half away from zero.
pub fn round_to(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        round_to(part as f64 / whole as f64, 2)
    }
}

fn spread(mut values: Vec<u64>) -> Spread {
    values.sort_unstable();
    Spread {
        p50: nearest_rank(&values, 50),
        p90: nearest_rank(&values, 90),
        max: values.last().copied().unwrap_or(0),
    }
}

/// The bucket of `value` among inclusive upper `bounds` (the last bucket is open).
pub fn bucket<T: PartialOrd>(value: T, bounds: &[T]) -> usize {
    bounds
        .iter()
        .position(|b| value <= *b)
        .unwrap_or(bounds.len())
}

/// Hours from seconds, unrounded.
fn hours(seconds: i64) -> f64 {
    seconds as f64 / 3600.0
}

/// What the aggregation needs besides the commits.
#[derive(Clone, Debug, Default)]
pub struct Context<'a> {
    /// The RANGE arguments as given.
    pub range: Vec<String>,
    /// The rules label.
    pub rules: String,
    /// Agent names in the rules' order (the owners' order in reports).
    pub agents: Vec<String>,
    /// Task IDs the rules list.
    pub known_tasks: BTreeSet<&'a str>,
    /// The window measured.
    pub window: Window,
    /// With `--log`: rejected pushes per owner name.
    pub rejected_pushes: Option<BTreeMap<String, u64>>,
}

/// Aggregates the measured commits of `all` (every commit of the range; the window picks
/// which are measured) and the reverts found among them.
pub fn aggregate(ctx: &Context<'_>, all: &[MeasuredCommit], reverts: &[Revert]) -> Measures {
    let measured: Vec<&MeasuredCommit> =
        all.iter().filter(|c| ctx.window.contains(c.time)).collect();
    let revert_of: HashMap<&str, &Revert> =
        reverts.iter().map(|r| (r.commit.as_str(), r)).collect();
    let is_known =
        |task: &Option<String>| task.as_deref().is_some_and(|t| ctx.known_tasks.contains(t));

    // Owners.
    let mut by_owner: BTreeMap<(usize, &str), Vec<&MeasuredCommit>> = BTreeMap::new();
    for c in &measured {
        let rank = match c.kind {
            OwnerKind::Agent => ctx
                .agents
                .iter()
                .position(|a| *a == c.owner)
                .unwrap_or(ctx.agents.len()),
            OwnerKind::Human => ctx.agents.len() + 1,
            OwnerKind::Unchecked => ctx.agents.len() + 2,
        };
        by_owner
            .entry((rank, c.owner.as_str()))
            .or_default()
            .push(c);
    }
    let owners = by_owner
        .into_values()
        .map(|commits| {
            let n = commits.len() as u64;
            let mut violations: BTreeMap<String, u64> = BTreeMap::new();
            for rule in commits.iter().flat_map(|c| &c.violations) {
                *violations.entry(rule.as_str().to_owned()).or_default() += 1;
            }
            let within = commits
                .iter()
                .filter(|c| {
                    !c.violations
                        .iter()
                        .any(|r| r.as_str().starts_with("commit-"))
                })
                .count() as u64;
            let mut revert_seconds: Vec<i64> = commits
                .iter()
                .filter_map(|c| revert_of.get(c.id.as_str()).map(|r| r.seconds))
                .collect();
            revert_seconds.sort_unstable();
            let hours_to_revert = (!revert_seconds.is_empty()).then(|| HourSpread {
                p50: round_to(hours(nearest_rank(&revert_seconds, 50)), 1),
                p90: round_to(hours(nearest_rank(&revert_seconds, 90)), 1),
            });
            let mut size_histogram = vec![0; SIZE_BUCKETS.len() + 1];
            for c in &commits {
                size_histogram[bucket(c.lines, &SIZE_BUCKETS)] += 1;
            }
            let mut revert_histogram = vec![0; HOUR_BUCKETS.len() + 1];
            for s in &revert_seconds {
                revert_histogram[bucket(hours(*s), &HOUR_BUCKETS)] += 1;
            }
            Owner {
                name: commits[0].owner.clone(),
                kind: commits[0].kind,
                ownership: if commits.iter().all(|c| c.logged) {
                    Ownership::Logged
                } else {
                    Ownership::Claimed
                },
                rejected_pushes: ctx
                    .rejected_pushes
                    .as_ref()
                    .map(|r| r.get(&commits[0].owner).copied().unwrap_or(0)),
                commits: n,
                lines: commits.iter().map(|c| c.lines).sum(),
                lines_per_commit: spread(commits.iter().map(|c| c.lines).collect()),
                files_per_commit: spread(commits.iter().map(|c| c.files).collect()),
                within_commit_limits: share(within, n),
                with_task: share(
                    commits.iter().filter(|c| c.task.is_some()).count() as u64,
                    n,
                ),
                with_known_task: share(
                    commits.iter().filter(|c| is_known(&c.task)).count() as u64,
                    n,
                ),
                violations,
                reverted: revert_seconds.len() as u64,
                hours_to_revert,
                size_histogram,
                revert_histogram,
            }
        })
        .collect();

    // Tasks.
    let mut by_task: BTreeMap<&str, Vec<&MeasuredCommit>> = BTreeMap::new();
    for c in &measured {
        if let Some(task) = c.task.as_deref().filter(|t| !t.is_empty()) {
            by_task.entry(task).or_default().push(c);
        }
    }
    let tasks = by_task
        .into_iter()
        .map(|(id, commits)| TaskEntry {
            id: id.to_owned(),
            known: ctx.known_tasks.contains(id),
            commits: commits.len() as u64,
            agents: commits
                .iter()
                .filter(|c| c.kind == OwnerKind::Agent)
                .map(|c| c.owner.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            lines: commits.iter().map(|c| c.lines).sum(),
            first: window::rfc3339_utc(commits.iter().map(|c| c.time).min().unwrap_or(0)),
            last: window::rfc3339_utc(commits.iter().map(|c| c.time).max().unwrap_or(0)),
            reverted: commits
                .iter()
                .filter(|c| revert_of.contains_key(c.id.as_str()))
                .count() as u64,
        })
        .collect();

    // Reverts of measured commits, oldest reverted commit first.
    let mut revert_rows: Vec<(&MeasuredCommit, &Revert)> = measured
        .iter()
        .filter_map(|c| revert_of.get(c.id.as_str()).map(|r| (*c, *r)))
        .collect();
    revert_rows.sort_by(|a, b| (a.0.time, &a.0.id).cmp(&(b.0.time, &b.0.id)));

    // Weeks.
    let mut weeks: BTreeMap<String, Week> = BTreeMap::new();
    for c in &measured {
        let week = weeks
            .entry(window::iso_week(c.time))
            .or_insert_with_key(|k| Week {
                week: k.clone(),
                commits: BTreeMap::new(),
                violations: 0,
                reverts: 0,
            });
        *week.commits.entry(c.owner.clone()).or_default() += 1;
        week.violations += c.violations.len() as u64;
    }
    for (_, r) in &revert_rows {
        if let Some(week) = weeks.get_mut(&window::iso_week(r.reverted_at)) {
            week.reverts += 1;
        }
    }

    let mut largest: Vec<&MeasuredCommit> = measured.clone();
    largest.sort_by(|a, b| b.lines.cmp(&a.lines).then(b.time.cmp(&a.time)));
    largest.truncate(LARGEST);

    let times = measured.iter().map(|c| c.time);
    let span = times.clone().min().zip(times.max());
    Measures {
        range: ctx.range.clone(),
        rules: ctx.rules.clone(),
        commits: measured.len(),
        owners,
        tasks,
        weeks: weeks.into_values().collect(),
        reverts: revert_rows
            .into_iter()
            .map(|(c, r)| RevertEntry {
                commit: c.id.to_string(),
                reverted_by: r.reverted_by.to_string(),
                owner: c.owner.clone(),
                hours: round_to(hours(r.seconds), 1),
                subject: c.subject.clone(),
            })
            .collect(),
        window: ctx.window,
        span,
        largest: largest
            .into_iter()
            .map(|c| CommitRow {
                id: c.id.to_string(),
                owner: c.owner.clone(),
                lines: c.lines,
                files: c.files,
                time: c.time,
                subject: c.subject.clone(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ObjectId;
    use crate::violation::RuleId;

    fn id(n: u32) -> ObjectId {
        ObjectId::from_hex(&format!("{n:040x}")).expect("hex")
    }

    fn commit(n: u32, owner: &str, kind: OwnerKind, lines: u64, time: i64) -> MeasuredCommit {
        MeasuredCommit {
            id: id(n),
            owner: owner.to_owned(),
            kind,
            lines,
            files: 1,
            violations: Vec::new(),
            task: None,
            time,
            subject: format!("commit {n}"),
            claims_to_revert: Vec::new(),
            logged: false,
        }
    }

    #[test]
    fn nearest_rank_at_small_counts() {
        assert_eq!(nearest_rank(&[7], 50), 7);
        assert_eq!(nearest_rank(&[7], 90), 7);
        assert_eq!(nearest_rank(&[1, 9], 50), 1);
        assert_eq!(nearest_rank(&[1, 9], 90), 9);
        assert_eq!(nearest_rank(&[1, 2, 3], 50), 2);
        assert_eq!(nearest_rank(&[1, 2, 3], 90), 3);
        let ten: Vec<u32> = (1..=10).collect();
        assert_eq!(nearest_rank(&ten, 50), 5);
        assert_eq!(nearest_rank(&ten, 90), 9);
        let eleven: Vec<u32> = (1..=11).collect();
        assert_eq!(nearest_rank(&eleven, 50), 6);
        assert_eq!(nearest_rank(&eleven, 90), 10);
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round_to(0.125, 2), 0.13);
        assert_eq!(round_to(2.0 / 3.0, 2), 0.67);
        assert_eq!(round_to(5.55, 1), 5.6);
        assert_eq!(round_to(0.04, 1), 0.0);
        assert_eq!(share(0, 0), 0.0);
    }

    #[test]
    fn owners_follow_the_rules_order_and_reverts_land_in_their_week() {
        let day = 86_400;
        let monday = 1_793_577_600; // 2026-11-02T00:00:00Z, a Monday (2026-W45)
        let mut bad = commit(1, "claude-code", OwnerKind::Agent, 400, monday);
        bad.violations = vec![RuleId::CommitLines, RuleId::PathDenied];
        bad.task = Some("PROJ-1".to_owned());
        let all = vec![
            commit(5, "unchecked", OwnerKind::Unchecked, 3, monday + 8 * day),
            commit(4, "humans", OwnerKind::Human, 10, monday + 7 * day),
            commit(3, "aider", OwnerKind::Agent, 2, monday + 2 * day),
            commit(2, "claude-code", OwnerKind::Agent, 20, monday + day),
            bad,
        ];
        let reverts = vec![Revert {
            commit: id(1),
            reverted_by: id(4),
            reverted_at: monday + 7 * day,
            seconds: 7 * day,
        }];
        let ctx = Context {
            agents: vec!["claude-code".into(), "aider".into()],
            known_tasks: ["PROJ-1"].into_iter().collect(),
            ..Context::default()
        };
        let m = aggregate(&ctx, &all, &reverts);
        let names: Vec<&str> = m.owners.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["claude-code", "aider", "humans", "unchecked"]);
        let claude = &m.owners[0];
        assert_eq!((claude.commits, claude.lines), (2, 420));
        assert_eq!(
            claude.lines_per_commit,
            Spread {
                p50: 20,
                p90: 400,
                max: 400
            }
        );
        assert_eq!(claude.within_commit_limits, 0.5);
        assert_eq!((claude.with_task, claude.with_known_task), (0.5, 0.5));
        assert_eq!(claude.reverted, 1);
        assert_eq!(
            claude.hours_to_revert,
            Some(HourSpread {
                p50: 168.0,
                p90: 168.0
            })
        );
        assert_eq!(m.owners[1].hours_to_revert, None);
        let weeks: Vec<(&str, u64, u64)> = m
            .weeks
            .iter()
            .map(|w| (w.week.as_str(), w.violations, w.reverts))
            .collect();
        assert_eq!(weeks, [("2026-W45", 2, 0), ("2026-W46", 0, 1)]);
        assert_eq!(m.tasks.len(), 1);
        assert_eq!(m.tasks[0].agents, ["claude-code"]);
        assert_eq!(m.tasks[0].first, "2026-11-02T00:00:00Z");

        // The window picks what is measured; the revert found outside it still counts.
        let ctx = Context {
            window: Window {
                since: None,
                until: Some(monday + 3 * day),
            },
            ..ctx
        };
        let m = aggregate(&ctx, &all, &reverts);
        assert_eq!(m.commits, 3);
        assert_eq!(m.reverts.len(), 1);
        assert_eq!(m.weeks.iter().map(|w| w.reverts).sum::<u64>(), 0);
    }
}
