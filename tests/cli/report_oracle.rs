//! The oracle for `report`: every figure of CONTRACT.md "report" computed from `git log`,
//! `git diff-tree` and `git ls-tree` output, never from agentfence's code.
//!
//! The rules of the tests are simple enough to judge by hand (see [`Rules`]); owners come
//! from the trailers and author names git prints, sizes from `--numstat` (merges:
//! `--diff-merges=remerge`, exact renames `-M100%`), weeks from git's own `%G-W%V` in UTC,
//! reverts from the messages and the tree entries git lists.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::support::{TestRepo, git_env};

/// One commit as git prints it.
#[derive(Debug, Clone)]
pub(crate) struct LogCommit {
    pub(crate) id: String,
    pub(crate) parents: Vec<String>,
    pub(crate) author_name: String,
    pub(crate) time: i64,
    pub(crate) week: String,
    pub(crate) iso_time: String,
    pub(crate) coauthors: Vec<String>,
    pub(crate) tasks: Vec<String>,
    pub(crate) message: String,
    /// (lines, path) per numstat line; a rename is one line of 0.
    pub(crate) files: Vec<(u64, String)>,
}

impl LogCommit {
    pub(crate) fn lines(&self) -> u64 {
        self.files.iter().map(|f| f.0).sum()
    }
}

fn git_utc(repo: &TestRepo, args: &[&str]) -> String {
    let out = git_env(&mut Command::new("git"))
        .current_dir(repo.path())
        .env("TZ", "UTC")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Every commit of `range`, newest first, with its numstat.
pub(crate) fn read_log(repo: &TestRepo, range: &str) -> Vec<LogCommit> {
    let meta = git_utc(
        repo,
        &[
            "log",
            "-M100%",
            "--diff-merges=remerge",
            "--numstat",
            "--date=format-local:%G-W%V",
            "--format=%x1e%H%x1f%P%x1f%an%x1f%ct%x1f%cd%x1f%(trailers:key=Co-authored-by,valueonly,separator=%x1d)%x1f%(trailers:key=Task,valueonly,separator=%x1d)%x1f%x1f",
            range,
        ],
    );
    let iso = git_utc(
        repo,
        &[
            "log",
            "--date=format-local:%Y-%m-%dT%H:%M:%SZ",
            "--format=%H %cd",
            range,
        ],
    );
    let iso: HashMap<&str, &str> = iso.lines().filter_map(|l| l.split_once(' ')).collect();
    let bodies = git_utc(repo, &["log", "--format=%x1e%H%x1f%B", range]);
    let bodies: HashMap<&str, &str> = bodies
        .split('\x1e')
        .filter(|r| !r.is_empty())
        .filter_map(|r| r.split_once('\x1f'))
        .collect();
    let mut out = Vec::new();
    for record in meta.split('\x1e').filter(|r| !r.is_empty()) {
        let fields: Vec<&str> = record.splitn(9, '\x1f').collect();
        assert_eq!(fields.len(), 9, "log record: {record:?}");
        let list = |s: &str| -> Vec<String> {
            s.split('\x1d')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let mut files = Vec::new();
        for line in fields[8].lines().filter(|l| !l.trim().is_empty()) {
            let mut parts = line.splitn(3, '\t');
            let (a, d, path) = (
                parts.next().expect("added"),
                parts.next().expect("deleted"),
                parts.next().expect("path"),
            );
            let n = |s: &str| s.parse::<u64>().unwrap_or(0);
            files.push((n(a) + n(d), path.to_owned()));
        }
        let id = fields[0].to_owned();
        out.push(LogCommit {
            parents: fields[1].split_whitespace().map(str::to_owned).collect(),
            author_name: fields[2].to_owned(),
            time: fields[3].parse().expect("%ct"),
            week: fields[4].to_owned(),
            iso_time: iso[id.as_str()].to_owned(),
            coauthors: list(fields[5]),
            tasks: list(fields[6]),
            message: bodies[id.as_str()].to_owned(),
            files,
            id,
        });
    }
    out
}

/// The rules the oracle judges by (written to the rules file by [`Rules::yaml`]):
/// claude-code by its trailer, aider by its author name, both under `agents` (deny
/// `secrets/**`, at most 3 files and 40 lines, a task `^[A-Z]+-[0-9]+$` listed in the
/// registry); with `humans`, every other commit under `humans` (at most 200 lines, no task
/// rule), else unchecked.
#[derive(Clone, Copy)]
pub(crate) struct Rules {
    pub(crate) humans: bool,
}

pub(crate) const KNOWN_TASKS: [&str; 2] = ["PROJ-1", "PROJ-2"];

impl Rules {
    pub(crate) fn yaml(self) -> String {
        let mut yaml = String::from(
            "version: 1
agents:
  - {name: claude-code, preset: claude-code, policy: agents}
  - {name: aider, match: {author: '\\(aider\\) <'}, policy: agents}
policies:
  agents:
    paths: {deny: ['secrets/**']}
    limits: {commit: {files: 3, lines: 40}}
    task: {pattern: '^[A-Z]+-[0-9]+$', registry: true}
  humans:
    limits: {commit: {lines: 200}}
tasks:
  PROJ-1: {}
  PROJ-2: {agents: [claude-code]}
",
        );
        if self.humans {
            yaml.push_str("default_policy: humans\n");
        }
        yaml
    }

    /// (owner, kind) of a commit.
    pub(crate) fn owner(self, c: &LogCommit) -> (&'static str, &'static str) {
        let claude = c.coauthors.iter().any(|v| {
            let lower = v.to_ascii_lowercase();
            lower.starts_with("claude") && lower.ends_with("<noreply@anthropic.com>")
        });
        if claude {
            ("claude-code", "agent")
        } else if c.author_name.ends_with("(aider)") {
            ("aider", "agent")
        } else if self.humans {
            ("humans", "human")
        } else {
            ("unchecked", "unchecked")
        }
    }

    /// The rule ids of a commit's violations.
    pub(crate) fn violations(self, c: &LogCommit) -> Vec<&'static str> {
        let (owner, kind) = self.owner(c);
        let mut found = Vec::new();
        match kind {
            "agent" => {
                match c.tasks.first() {
                    None => found.push("task-missing"),
                    Some(t) => {
                        let well_formed = t.split_once('-').is_some_and(|(a, n)| {
                            !a.is_empty()
                                && a.chars().all(|ch| ch.is_ascii_uppercase())
                                && !n.is_empty()
                                && n.chars().all(|ch| ch.is_ascii_digit())
                        });
                        if !well_formed {
                            found.push("task-malformed");
                        } else if !KNOWN_TASKS.contains(&t.as_str()) {
                            found.push("task-unknown");
                        } else if t == "PROJ-2" && owner != "claude-code" {
                            found.push("task-agent");
                        }
                    }
                }
                for (_, path) in &c.files {
                    if path.starts_with("secrets/") {
                        found.push("path-denied");
                    }
                }
                if c.files.len() > 3 {
                    found.push("commit-files");
                }
                if c.lines() > 40 {
                    found.push("commit-lines");
                }
            }
            "human" if c.lines() > 200 => found.push("commit-lines"),
            _ => {}
        }
        found
    }
}

/// Nearest-rank percentile of sorted values.
fn rank<T: Copy>(sorted: &[T], p: f64) -> T {
    let n = sorted.len() as f64;
    let r = ((p / 100.0) * n).ceil().max(1.0) as usize;
    sorted[r - 1]
}

fn share(k: usize, n: usize) -> f64 {
    ((k as f64 / n as f64) * 100.0).round() / 100.0
}

fn hours(seconds: i64) -> f64 {
    ((seconds as f64 / 3600.0) * 10.0).round() / 10.0
}

/// One tree entry as `git ls-tree` or `git diff-tree --raw` prints it: (mode, id); `None`
/// for no file (or a directory).
type Entry = Option<(String, String)>;

/// A commit's changes: path -> (entry before, entry after).
type Changes = BTreeMap<String, (Entry, Entry)>;

fn ls_entry(repo: &TestRepo, commit: Option<&str>, path: &str) -> Entry {
    let commit = commit?;
    let out = repo.git(&["ls-tree", "--full-tree", commit, "--", path]);
    let line = out.lines().next()?;
    let (meta, _) = line.split_once('\t')?;
    let parts: Vec<&str> = meta.split_whitespace().collect();
    (parts[1] != "tree").then(|| (canon(parts[0]), parts[2].to_owned()))
}

fn canon(mode: &str) -> String {
    if mode.starts_with("100") {
        if u32::from_str_radix(mode, 8).expect("octal mode") & 0o100 != 0 {
            "100755".into()
        } else {
            "100644".into()
        }
    } else {
        mode.to_owned()
    }
}

/// What a commit is charged for, path by path: `git diff-tree --raw` against its parent
/// (a root: the empty tree), or for a merge the remerge diff.
fn charged(repo: &TestRepo, c: &LogCommit) -> Changes {
    let raw = if c.parents.len() > 1 {
        repo.git(&[
            "show",
            "--format=",
            "--raw",
            "--no-abbrev",
            "--no-renames",
            "--remerge-diff",
            &c.id,
        ])
    } else {
        repo.git(&[
            "diff-tree",
            "-r",
            "--root",
            "--raw",
            "--no-abbrev",
            "--no-renames",
            "--no-commit-id",
            &c.id,
        ])
    };
    let zero = |id: &str| id.bytes().all(|b| b == b'0');
    let mut out = BTreeMap::new();
    for line in raw.lines().filter(|l| l.starts_with(':')) {
        let (meta, path) = line.split_once('\t').expect("raw line");
        let p: Vec<&str> = meta[1..].split_whitespace().collect();
        let side = |mode: &str, id: &str| -> Entry {
            (!zero(id) && mode != "000000" && mode != "040000")
                .then(|| (canon(mode), id.to_owned()))
        };
        out.insert(path.to_owned(), (side(p[0], p[2]), side(p[1], p[3])));
    }
    out
}

/// The ids a message claims to revert.
fn claims(message: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for (at, _) in message.match_indices("This reverts commit ") {
        let rest = &message[at + "This reverts commit ".len()..];
        let hex: String = rest.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
        let next = rest[hex.len()..].chars().next();
        if hex.len() == 40 && matches!(next, Some('.') | Some(',')) && !ids.contains(&hex) {
            ids.push(hex.to_ascii_lowercase());
        }
    }
    ids
}

/// Reverts of the range: reverted id -> (reverting id, seconds).
pub(crate) fn reverts(repo: &TestRepo, log: &[LogCommit]) -> BTreeMap<String, (String, i64)> {
    let pos: HashMap<&str, usize> = log
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    // undoers[x] = commits whose changes undo x.
    let mut undoers: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (r, rc) in log.iter().enumerate() {
        let mut named: Vec<usize> = claims(&rc.message)
            .iter()
            .filter_map(|id| pos.get(id.as_str()).copied())
            .collect();
        // Oldest first: git log lists newest first.
        named.sort_unstable_by(|a, b| b.cmp(a));
        let changes: Vec<(usize, Changes)> =
            named.iter().map(|&x| (x, charged(repo, &log[x]))).collect();
        let mut expect: Changes = BTreeMap::new();
        for (_, ch) in &changes {
            for (path, (before, after)) in ch {
                match expect.get_mut(path) {
                    Some(e) => e.1 = after.clone(),
                    None => {
                        expect.insert(path.clone(), (before.clone(), after.clone()));
                    }
                }
            }
        }
        let parent = rc.parents.first().map(String::as_str);
        for (x, ch) in &changes {
            let undone = !ch.is_empty()
                && ch.keys().all(|path| {
                    let (before, after) = &expect[path];
                    ls_entry(repo, parent, path) == *after
                        && ls_entry(repo, Some(&rc.id), path) == *before
                });
            if undone {
                undoers.entry(*x).or_default().push(r);
            }
        }
    }
    // A commit is reverted when an undoer of it is not itself reverted (recursively).
    fn is_reverted(c: usize, undoers: &BTreeMap<usize, Vec<usize>>) -> bool {
        undoers
            .get(&c)
            .is_some_and(|rs| rs.iter().any(|&r| !is_reverted(r, undoers)))
    }
    let mut out = BTreeMap::new();
    for (&x, rs) in &undoers {
        if !is_reverted(x, &undoers) {
            continue;
        }
        let by = rs
            .iter()
            .copied()
            .filter(|&r| !is_reverted(r, &undoers))
            .min_by_key(|&r| (log[r].time, std::cmp::Reverse(r)))
            .expect("a standing undoer");
        out.insert(
            log[x].id.clone(),
            (log[by].id.clone(), log[by].time - log[x].time),
        );
    }
    out
}

/// The whole expected JSON report for `log` (every commit of the range), measuring the
/// commits whose committer time is within `[since, until]`.
pub(crate) fn expected(
    repo: &TestRepo,
    log: &[LogCommit],
    rules: Rules,
    range: &[&str],
    rules_label: &str,
    since: Option<i64>,
    until: Option<i64>,
) -> Value {
    let all_reverts = reverts(repo, log);
    let measured: Vec<&LogCommit> = log
        .iter()
        .filter(|c| since.is_none_or(|s| c.time >= s) && until.is_none_or(|u| c.time <= u))
        .collect();
    let week_of: HashMap<&str, &str> = log
        .iter()
        .map(|c| (c.id.as_str(), c.week.as_str()))
        .collect();

    // Owners, in the rules' order.
    let order = ["claude-code", "aider", "humans", "unchecked"];
    let mut owners = Vec::new();
    for name in order {
        let cs: Vec<&&LogCommit> = measured
            .iter()
            .filter(|c| rules.owner(c).0 == name)
            .collect();
        if cs.is_empty() {
            continue;
        }
        let n = cs.len();
        let mut lines: Vec<u64> = cs.iter().map(|c| c.lines()).collect();
        lines.sort_unstable();
        let mut files: Vec<u64> = cs.iter().map(|c| c.files.len() as u64).collect();
        files.sort_unstable();
        let mut violations: BTreeMap<&str, u64> = BTreeMap::new();
        for c in &cs {
            for v in rules.violations(c) {
                *violations.entry(v).or_default() += 1;
            }
        }
        let within = cs
            .iter()
            .filter(|c| !rules.violations(c).iter().any(|v| v.starts_with("commit-")))
            .count();
        let with_task = cs.iter().filter(|c| !c.tasks.is_empty()).count();
        let known = cs
            .iter()
            .filter(|c| {
                c.tasks
                    .first()
                    .is_some_and(|t| KNOWN_TASKS.contains(&t.as_str()))
            })
            .count();
        let mut secs: Vec<i64> = cs
            .iter()
            .filter_map(|c| all_reverts.get(&c.id).map(|r| r.1))
            .collect();
        secs.sort_unstable();
        owners.push(json!({
            "name": name,
            "kind": rules.owner(cs[0]).1,
            "ownership": "claimed",
            "commits": n,
            "lines": lines.iter().sum::<u64>(),
            "lines_per_commit": {"p50": rank(&lines, 50.0), "p90": rank(&lines, 90.0), "max": lines[n - 1]},
            "files_per_commit": {"p50": rank(&files, 50.0), "p90": rank(&files, 90.0), "max": files[n - 1]},
            "within_commit_limits": share(within, n),
            "with_task": share(with_task, n),
            "with_known_task": share(known, n),
            "violations": violations,
            "reverted": secs.len(),
            "hours_to_revert": if secs.is_empty() { Value::Null } else {
                json!({"p50": hours(rank(&secs, 50.0)), "p90": hours(rank(&secs, 90.0))})
            },
        }));
    }

    // Tasks.
    let mut by_task: BTreeMap<&str, Vec<&LogCommit>> = BTreeMap::new();
    for c in &measured {
        if let Some(t) = c.tasks.first() {
            by_task.entry(t.as_str()).or_default().push(c);
        }
    }
    let tasks: Vec<Value> = by_task
        .iter()
        .map(|(id, cs)| {
            let agents: BTreeSet<&str> = cs
                .iter()
                .map(|c| rules.owner(c))
                .filter(|o| o.1 == "agent")
                .map(|o| o.0)
                .collect();
            let first = cs.iter().min_by_key(|c| c.time).expect("a commit");
            let last = cs.iter().max_by_key(|c| c.time).expect("a commit");
            json!({
                "id": id,
                "known": KNOWN_TASKS.contains(id),
                "commits": cs.len(),
                "agents": agents,
                "lines": cs.iter().map(|c| c.lines()).sum::<u64>(),
                "first": first.iso_time,
                "last": last.iso_time,
                "reverted": cs.iter().filter(|c| all_reverts.contains_key(&c.id)).count(),
            })
        })
        .collect();

    // Reverts of measured commits, oldest first.
    let mut reverted: Vec<&&LogCommit> = measured
        .iter()
        .filter(|c| all_reverts.contains_key(&c.id))
        .collect();
    reverted.sort_by(|a, b| (a.time, &a.id).cmp(&(b.time, &b.id)));
    let rows: Vec<Value> = reverted
        .iter()
        .map(|c| {
            let (by, secs) = &all_reverts[&c.id];
            json!({"commit": c.id, "reverted_by": by, "owner": rules.owner(c).0, "hours": hours(*secs)})
        })
        .collect();

    // Weeks.
    let mut weeks: BTreeMap<&str, (BTreeMap<&str, u64>, u64, u64)> = BTreeMap::new();
    for c in &measured {
        let w = weeks.entry(c.week.as_str()).or_default();
        *w.0.entry(rules.owner(c).0).or_default() += 1;
        w.1 += rules.violations(c).len() as u64;
    }
    for c in &reverted {
        let by = &all_reverts[&c.id].0;
        if let Some(w) = weeks.get_mut(week_of[by.as_str()]) {
            w.2 += 1;
        }
    }
    let weeks: Vec<Value> = weeks
        .into_iter()
        .map(|(week, (commits, violations, reverts))| {
            json!({"week": week, "commits": commits, "violations": violations, "reverts": reverts})
        })
        .collect();

    json!({
        "range": range,
        "rules": rules_label,
        "commits": measured.len(),
        "owners": owners,
        "tasks": tasks,
        "weeks": weeks,
        "reverts": rows,
    })
}
