//! `agentfence report`: every figure checked against an oracle that reads `git log` (see
//! `report_oracle.rs`), on generated histories with three kinds of owner, tasks, weeks
//! across an ISO week-year boundary, real and fake reverts (a revert of a revert, a
//! squashed revert, a partial one, a sentence on an unrelated commit, a clean and an evil
//! merge reverted), percentiles at small counts, and `--since`/`--until`.

use std::path::Path;

use serde_json::Value;

use crate::report_oracle::{self, Rules};
use crate::support::{TestRepo, code, stderr, stdout};

/// Who makes a commit.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Who {
    Claude,
    Aider,
    Human,
}

/// Commits everything staged-or-not as `who` at `date` (RFC 3339), with `task` as a trailer.
pub(crate) fn commit_as(
    repo: &TestRepo,
    who: Who,
    date: &str,
    message: &str,
    task: Option<&str>,
) -> String {
    repo.git(&["add", "-A"]);
    let mut msg = message.to_owned();
    let mut trailers = Vec::new();
    if let Some(task) = task {
        trailers.push(format!("Task: {task}"));
    }
    if who == Who::Claude {
        trailers.push("Co-Authored-By: Claude <noreply@anthropic.com>".to_owned());
    }
    if !trailers.is_empty() {
        msg.push_str("\n\n");
        msg.push_str(&trailers.join("\n"));
    }
    run_as(
        repo,
        who,
        date,
        &["commit", "-q", "--allow-empty", "-m", &msg],
    );
    repo.rev("HEAD")
}

/// Runs a git command that commits, as `who` at `date`.
pub(crate) fn run_as(repo: &TestRepo, who: Who, date: &str, args: &[&str]) {
    let author = match who {
        Who::Aider => "Dev (aider)",
        _ => "Dev Human",
    };
    let out = repo
        .git_cmd()
        .env("GIT_AUTHOR_NAME", author)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .args(args)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `n` lines of text, different for each `seed`.
fn lines(n: usize, seed: u64) -> String {
    (0..n).map(|i| format!("line {i} of {seed}\n")).collect()
}

/// A small deterministic generator (a 64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below
    }
}

/// `2026-12-21T00:00:00Z` plus `hours`.
fn at(hours: u64) -> String {
    let start = 1_797_811_200u64; // 2026-12-21T00:00:00Z, a Monday (2026-W52)
    let t = time::OffsetDateTime::from_unix_timestamp((start + hours * 3600) as i64).expect("time");
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("format")
}

/// The commits the generated history's story is about.
#[derive(Debug, Default)]
pub(crate) struct Story {
    pub(crate) x1: String,
    pub(crate) r1: String,
    pub(crate) x2: String,
    pub(crate) r2: String,
    pub(crate) r3: String,
    pub(crate) bad: String,
    pub(crate) fake: String,
    pub(crate) h: String,
    pub(crate) partial: String,
    pub(crate) y1: String,
    pub(crate) y2: String,
    pub(crate) squash: String,
    pub(crate) clean_merge: String,
    pub(crate) evil_merge: String,
    pub(crate) renamed: String,
    pub(crate) hostile: String,
    pub(crate) overreached: String,
}

/// The generator's state: its random numbers and the hours since the start.
struct Gen {
    rng: Lcg,
    hour: u64,
}

impl Gen {
    /// The next commit's time, 3 to 16 hours after the last.
    fn step(&mut self) -> u64 {
        self.hour += 3 + self.rng.next(14);
        self.hour
    }

    /// `n` commits by random owners, of random sizes, some touching denied paths, with
    /// known, unknown, malformed or no tasks.
    fn random_commits(&mut self, repo: &TestRepo, n: usize, tag: &str) {
        let tasks = [
            None,
            Some("PROJ-1"),
            Some("PROJ-2"),
            Some("PROJ-9"),
            Some("not a task"),
        ];
        for i in 0..n {
            let who = match self.rng.next(10) {
                0..=3 => Who::Claude,
                4..=5 => Who::Aider,
                _ => Who::Human,
            };
            let files = 1 + self.rng.next(5);
            for f in 0..files {
                let dir = if who != Who::Human && self.rng.next(12) == 0 {
                    "secrets"
                } else {
                    "src"
                };
                let path = format!("{dir}/{tag}{}.txt", self.rng.next(8) + f);
                let big = who == Who::Human && self.rng.next(6) == 0;
                let n = if big {
                    150 + self.rng.next(120)
                } else {
                    1 + self.rng.next(25)
                };
                repo.write(&path, lines(n as usize, self.rng.next(1_000_000)));
            }
            let task = tasks[self.rng.next(tasks.len() as u64) as usize];
            let task = if who == Who::Human && self.rng.next(2) == 0 {
                None
            } else {
                task
            };
            let date = at(self.step());
            commit_as(repo, who, &date, &format!("Change {tag}{i}"), task);
        }
    }
}

/// A history of about 60 commits over five weeks (2026-W52 to 2027-W03, across the ISO
/// week-year boundary), by claude-code, aider and humans, with the story's reverts.
pub(crate) fn generated_history() -> (TestRepo, Story) {
    let repo = TestRepo::new();
    let mut g = Gen {
        rng: Lcg(42),
        hour: 0,
    };
    let mut s = Story::default();
    repo.write("src/a.txt", lines(5, 0))
        .write("src/c.txt", lines(5, 1));
    repo.write("src/evil.txt", lines(3, 2))
        .write("src/moved-from.txt", lines(4, 3));
    repo.write("docs/readme.txt", lines(2, 4));
    commit_as(&repo, Who::Human, &at(0), "Start", None);

    g.random_commits(&repo, 10, "p");

    // 1. A real revert, five hours later.
    repo.write("src/a.txt", lines(9, 10));
    let t = g.step();
    s.x1 = commit_as(&repo, Who::Claude, &at(t), "Rework a", Some("PROJ-1"));
    run_as(
        &repo,
        Who::Human,
        &at(t + 5),
        &["revert", "--no-edit", &s.x1],
    );
    s.r1 = repo.rev("HEAD");

    // 2. A revert of a revert: the commit stands.
    repo.write("src/b.txt", lines(7, 11));
    let t = g.step();
    s.x2 = commit_as(&repo, Who::Claude, &at(t), "Add b", Some("PROJ-2"));
    run_as(
        &repo,
        Who::Human,
        &at(t + 2),
        &["revert", "--no-edit", &s.x2],
    );
    s.r2 = repo.rev("HEAD");
    run_as(
        &repo,
        Who::Human,
        &at(t + 30),
        &["revert", "--no-edit", &s.r2],
    );
    s.r3 = repo.rev("HEAD");

    g.random_commits(&repo, 10, "q");

    // 3. An agent's bad commit, and a fake revert of it that changes something else.
    repo.write("secrets/key.txt", "hunter2\n");
    let t = g.step();
    s.bad = commit_as(&repo, Who::Claude, &at(t), "Add key", Some("PROJ-9"));
    repo.write("docs/readme.txt", lines(3, 12));
    let msg = format!("Tidy the readme\n\nThis reverts commit {}.", s.bad);
    s.fake = commit_as(&repo, Who::Claude, &at(t + 1), &msg, Some("PROJ-1"));

    // 4. A partial revert: only one of two added files goes.
    repo.write("src/h1.txt", lines(3, 13))
        .write("src/h2.txt", lines(3, 14));
    let t = g.step();
    s.h = commit_as(&repo, Who::Human, &at(t), "Add h1 and h2", None);
    repo.remove("src/h1.txt");
    let msg = format!("Revert \"Add h1 and h2\"\n\nThis reverts commit {}.", s.h);
    s.partial = commit_as(&repo, Who::Aider, &at(t + 3), &msg, Some("PROJ-1"));

    g.random_commits(&repo, 10, "r");

    // 5. A squashed revert of two commits editing the same file in turn.
    repo.write("src/c.txt", lines(8, 15));
    let t = g.step();
    s.y1 = commit_as(&repo, Who::Aider, &at(t), "Grow c", Some("PROJ-1"));
    repo.write("src/c.txt", lines(12, 16));
    s.y2 = commit_as(
        &repo,
        Who::Claude,
        &at(t + 1),
        "Grow c more",
        Some("PROJ-2"),
    );
    run_as(
        &repo,
        Who::Human,
        &at(t + 40),
        &["revert", "--no-commit", &s.y2, &s.y1],
    );
    let msg = format!(
        "Revert c's growth\n\nThis reverts commit {}.\nThis reverts commit {}.",
        s.y2, s.y1
    );
    s.squash = commit_as(&repo, Who::Human, &at(t + 40), &msg, None);

    // 6. A clean merge, "reverted" with -m 1: it is charged nothing, so nothing is undone.
    let t = g.step();
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("src/side.txt", lines(6, 17));
    commit_as(&repo, Who::Human, &at(t), "Side work", None);
    repo.git(&["checkout", "-q", "main"]);
    repo.write("src/main-only.txt", lines(2, 18));
    commit_as(&repo, Who::Human, &at(t + 1), "Main work", None);
    run_as(
        &repo,
        Who::Human,
        &at(t + 2),
        &["merge", "--no-ff", "-q", "-m", "Merge side", "side"],
    );
    s.clean_merge = repo.rev("HEAD");
    run_as(
        &repo,
        Who::Human,
        &at(t + 3),
        &["revert", "--no-edit", "-m", "1", &s.clean_merge],
    );

    // 7. An evil merge by the agent (a change neither side made), reverted with -m 1.
    let t = g.step();
    repo.git(&["checkout", "-q", "-b", "side2"]);
    repo.write("src/side2.txt", lines(4, 19));
    commit_as(&repo, Who::Human, &at(t), "Side two", None);
    repo.git(&["checkout", "-q", "main"]);
    repo.write("src/main2.txt", lines(2, 20));
    commit_as(&repo, Who::Human, &at(t + 1), "Main two", None);
    run_as(
        &repo,
        Who::Human,
        &at(t + 2),
        &["merge", "--no-ff", "--no-commit", "-q", "side2"],
    );
    repo.write("src/evil.txt", lines(30, 21));
    s.evil_merge = commit_as(
        &repo,
        Who::Claude,
        &at(t + 2),
        "Merge side2",
        Some("PROJ-1"),
    );
    run_as(
        &repo,
        Who::Human,
        &at(t + 9),
        &["revert", "--no-edit", "-m", "1", &s.evil_merge],
    );

    // 8. An exact rename, reverted.
    repo.git(&["mv", "src/moved-from.txt", "src/moved-to.txt"]);
    let t = g.step();
    s.renamed = commit_as(&repo, Who::Claude, &at(t), "Rename r", Some("PROJ-1"));
    run_as(
        &repo,
        Who::Human,
        &at(t + 1),
        &["revert", "--no-edit", &s.renamed],
    );

    // 9. A hostile subject and task id (for the HTML test), reverted to be listed.
    repo.write("src/x.txt", lines(2, 22));
    let t = g.step();
    s.hostile = commit_as(
        &repo,
        Who::Claude,
        &at(t),
        "<script>alert(1)</script><img src=http://127.0.0.1:9/x.png>",
        Some("<b>PROJ-7</b>"),
    );
    run_as(
        &repo,
        Who::Human,
        &at(t + 4),
        &["revert", "--no-edit", &s.hostile],
    );

    // 10. A "revert" that also undoes a later commit on the same file: not X's changes
    // reversed, so X stands.
    repo.write("src/over.txt", lines(3, 24));
    let t = g.step();
    commit_as(&repo, Who::Human, &at(t), "Add over", None);
    repo.write("src/over.txt", lines(6, 25));
    s.overreached = commit_as(&repo, Who::Claude, &at(t + 1), "Grow over", Some("PROJ-1"));
    repo.write("src/over.txt", lines(9, 26));
    commit_as(&repo, Who::Human, &at(t + 2), "Grow over more", None);
    repo.write("src/over.txt", lines(3, 24));
    let msg = format!(
        "Revert \"Grow over\"\n\nThis reverts commit {}.",
        s.overreached
    );
    commit_as(&repo, Who::Human, &at(t + 3), &msg, None);

    g.random_commits(&repo, 8, "s");

    // A commit whose local date is a Monday of 2027-W01 but whose UTC time is Sunday, 2026-W53.
    repo.write("src/tz.txt", lines(2, 23));
    commit_as(
        &repo,
        Who::Human,
        "2027-01-04T02:00:00+05:00",
        "Late on Sunday in UTC",
        None,
    );
    (repo, s)
}

/// Writes the oracle's rules to a file beside the repository and returns its path.
pub(crate) fn rules_file(dir: &Path, rules: Rules) -> String {
    let path = dir.join(if rules.humans {
        "humans.yaml"
    } else {
        "agents.yaml"
    });
    std::fs::write(&path, rules.yaml()).expect("write rules");
    path.display().to_string()
}

pub(crate) fn report_json(repo: &TestRepo, args: &[&str]) -> Value {
    let out = repo.run(&[&["report", "--format", "json"], args].concat());
    assert_eq!(code(&out), 0, "report failed: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("report JSON")
}

/// Compares key by key, so a failure names the part that differs.
fn assert_report(got: &Value, want: &Value) {
    for key in [
        "range", "rules", "commits", "owners", "tasks", "weeks", "reverts",
    ] {
        assert_eq!(
            got[key], want[key],
            "report key {key:?} differs from the oracle\n got: {:#}\nwant: {:#}",
            got[key], want[key]
        );
    }
}

/// The top-level keys of a pretty-printed JSON object, in the order written.
fn top_level_keys(raw: &str) -> Vec<&str> {
    raw.lines()
        .filter_map(|l| l.strip_prefix("  \""))
        .filter_map(|l| l.split_once('"').map(|(key, _)| key))
        .collect()
}

#[test]
fn json_keys_come_in_the_contracts_order() {
    let (repo, _) = generated_history();
    let out = repo.run(&["report", "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let raw = stdout(&out);
    assert_eq!(
        top_level_keys(&raw),
        [
            "range", "rules", "commits", "owners", "tasks", "weeks", "reverts"
        ]
    );
    let owner_keys: Vec<&str> = raw
        .lines()
        .skip_while(|l| !l.starts_with("  \"owners\""))
        .skip(2)
        .take_while(|l| !l.starts_with("    }"))
        .filter_map(|l| l.strip_prefix("      \""))
        .filter_map(|l| l.split_once('"').map(|(key, _)| key))
        .collect();
    assert_eq!(
        owner_keys,
        [
            "name",
            "kind",
            "ownership",
            "commits",
            "lines",
            "lines_per_commit",
            "files_per_commit",
            "within_commit_limits",
            "with_task",
            "with_known_task",
            "violations",
            "reverted",
            "hours_to_revert"
        ]
    );
}

fn reverted_ids(report: &Value) -> Vec<&str> {
    report["reverts"]
        .as_array()
        .expect("reverts")
        .iter()
        .map(|r| r["commit"].as_str().expect("id"))
        .collect()
}

#[test]
fn every_figure_matches_git_log() {
    let (repo, s) = generated_history();
    let dir = tempfile::tempdir().expect("temp dir");
    let log = report_oracle::read_log(&repo, "main");
    assert!(log.len() > 50, "the history has {} commits", log.len());
    for rules in [Rules { humans: true }, Rules { humans: false }] {
        let file = rules_file(dir.path(), rules);
        let got = report_json(&repo, &["--rules", &file, "main"]);
        let want = report_oracle::expected(&repo, &log, rules, &["main"], &file, None, None);
        assert_report(&got, &want);
        // The oracle's figures cover every kind of owner and the story.
        let names: Vec<&str> = got["owners"]
            .as_array()
            .expect("owners")
            .iter()
            .map(|o| o["name"].as_str().expect("name"))
            .collect();
        let others = if rules.humans { "humans" } else { "unchecked" };
        assert_eq!(names, ["claude-code", "aider", others]);
    }

    // The story, stated plainly (the oracle could share a blind spot with the code).
    let file = rules_file(dir.path(), Rules { humans: true });
    let got = report_json(&repo, &["--rules", &file, "main"]);
    let reverted = reverted_ids(&got);
    for yes in [
        &s.x1,
        &s.r2,
        &s.y1,
        &s.y2,
        &s.evil_merge,
        &s.renamed,
        &s.hostile,
    ] {
        assert!(
            reverted.contains(&yes.as_str()),
            "{yes} is reverted: {reverted:?}"
        );
    }
    for no in [
        &s.x2,
        &s.r1,
        &s.r3,
        &s.bad,
        &s.fake,
        &s.h,
        &s.partial,
        &s.clean_merge,
        &s.overreached,
    ] {
        assert!(
            !reverted.contains(&no.as_str()),
            "{no} is not reverted: {reverted:?}"
        );
    }
    let x1 = got["reverts"]
        .as_array()
        .expect("reverts")
        .iter()
        .find(|r| r["commit"] == s.x1.as_str())
        .expect("x1 reverted");
    assert_eq!(x1["reverted_by"], s.r1.as_str());
    assert_eq!(x1["hours"], 5.0);
    assert_eq!(x1["owner"], "claude-code");
    let weeks: Vec<&str> = got["weeks"]
        .as_array()
        .expect("weeks")
        .iter()
        .map(|w| w["week"].as_str().expect("week"))
        .collect();
    assert!(
        weeks.contains(&"2026-W53") && weeks.contains(&"2027-W01"),
        "{weeks:?}"
    );
}

#[test]
fn since_and_until_choose_what_is_measured_and_reverts_come_from_the_whole_range() {
    let (repo, s) = generated_history();
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = Rules { humans: true };
    let file = rules_file(dir.path(), rules);
    let log = report_oracle::read_log(&repo, "main");
    let time_of = |id: &str| log.iter().find(|c| c.id == id).expect("in the log").time;
    // A window that ends between x1 and its revert, five hours later.
    let since = time_of(&s.x1) - 3 * 86_400;
    let until = time_of(&s.x1) + 3600;
    let rfc = |t: i64| {
        time::OffsetDateTime::from_unix_timestamp(t)
            .expect("time")
            .format(&time::format_description::well_known::Rfc3339)
            .expect("format")
    };
    let got = report_json(
        &repo,
        &[
            "--rules",
            &file,
            "--since",
            &rfc(since),
            "--until",
            &rfc(until),
            "main",
        ],
    );
    let want = report_oracle::expected(
        &repo,
        &log,
        rules,
        &["main"],
        &file,
        Some(since),
        Some(until),
    );
    assert_report(&got, &want);
    assert!(
        reverted_ids(&got).contains(&s.x1.as_str()),
        "x1's revert lies outside the window but counts"
    );
    assert!(got["commits"].as_u64().expect("commits") < log.len() as u64);

    // Dates: whole days in UTC, both ends inclusive.
    let got = report_json(
        &repo,
        &[
            "--rules",
            &file,
            "--since",
            "2027-01-01",
            "--until",
            "2027-01-03",
            "main",
        ],
    );
    let first = 1_798_761_600; // 2027-01-01T00:00:00Z
    let want = report_oracle::expected(
        &repo,
        &log,
        rules,
        &["main"],
        &file,
        Some(first),
        Some(first + 3 * 86_400 - 1),
    );
    assert_report(&got, &want);

    // An empty window measures nothing and says so.
    let out = repo.run(&["report", "--rules", &file, "--since", "2030-01-01", "main"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Nothing to measure"),
        "{}",
        stdout(&out)
    );
    let got = report_json(&repo, &["--rules", &file, "--since", "2030-01-01", "main"]);
    assert_eq!(got["commits"], 0);
    assert_eq!(got["owners"], serde_json::json!([]));
}

#[test]
fn percentiles_at_small_counts() {
    let repo = TestRepo::new();
    let dir = tempfile::tempdir().expect("temp dir");
    repo.write("base.txt", "x\n");
    commit_as(&repo, Who::Human, &at(0), "Start", None);
    // aider: one commit; claude-code: two; humans: three (with the start); sizes chosen so
    // that nearest rank and interpolation disagree.
    let plan: [(Who, usize); 5] = [
        (Who::Aider, 7),
        (Who::Claude, 3),
        (Who::Claude, 30),
        (Who::Human, 10),
        (Who::Human, 100),
    ];
    for (i, (who, n)) in plan.into_iter().enumerate() {
        repo.write(&format!("f{i}.txt"), lines(n, i as u64));
        commit_as(
            &repo,
            who,
            &at(10 * (i as u64 + 1)),
            &format!("c{i}"),
            Some("PROJ-1"),
        );
    }
    let rules = Rules { humans: true };
    let file = rules_file(dir.path(), rules);
    let got = report_json(&repo, &["--rules", &file, "main"]);
    let log = report_oracle::read_log(&repo, "main");
    let want = report_oracle::expected(&repo, &log, rules, &["main"], &file, None, None);
    assert_report(&got, &want);
    let spread = |i: usize| {
        let o = &got["owners"][i]["lines_per_commit"];
        (o["p50"].as_u64(), o["p90"].as_u64(), o["max"].as_u64())
    };
    assert_eq!(
        spread(0),
        (Some(3), Some(30), Some(30)),
        "claude-code: two commits"
    );
    assert_eq!(spread(1), (Some(7), Some(7), Some(7)), "aider: one commit");
    assert_eq!(
        spread(2),
        (Some(10), Some(100), Some(100)),
        "humans: 1, 10 and 100 lines"
    );
}

#[test]
fn the_text_report_leads_with_the_three_measures() {
    let (repo, _) = generated_history();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = rules_file(dir.path(), Rules { humans: true });
    let out = repo.run(&["report", "--rules", &file]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let json = report_json(&repo, &["--rules", &file]);
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} in:\n{text}"))
    };
    assert!(at("Small commits") < at("Time to revert"));
    assert!(at("Time to revert") < at("Task coverage"));
    assert!(at("Task coverage") < at("Violations by rule"));
    assert!(text.starts_with(&format!("agentfence report: {} commits", json["commits"])));
    // Each owner's row of the first table carries its commit count and its share.
    for owner in json["owners"].as_array().expect("owners") {
        let row = [
            owner["name"].as_str().expect("name"),
            owner["kind"].as_str().expect("kind"),
        ];
        let line = text
            .lines()
            .find(|l| l.split_whitespace().take(2).eq(row))
            .unwrap_or_else(|| panic!("a row for {row:?} in:\n{text}"));
        let percent = format!(
            "{:.0}%",
            owner["within_commit_limits"].as_f64().expect("share") * 100.0
        );
        assert!(
            line.contains(&format!(" {} ", owner["commits"])) && line.contains(&percent),
            "{line}"
        );
    }
    // The hostile subject cannot drive the terminal, and no range means HEAD.
    assert_eq!(json["range"], serde_json::json!(["HEAD"]));
    assert!(!text.contains('\x1b'));
}

#[test]
fn rules_come_from_the_trusted_revision() {
    let repo = TestRepo::new();
    repo.write("a.txt", "a\n");
    commit_as(&repo, Who::Human, &at(0), "Start", None);
    // Committed rules that put humans under a policy.
    repo.write(".agentfence.yaml", Rules { humans: true }.yaml());
    let base = commit_as(&repo, Who::Human, &at(1), "Rules", None);
    // The agent loosens nothing by committing other rules after the base.
    repo.write(".agentfence.yaml", Rules { humans: false }.yaml());
    repo.write("b.txt", lines(3, 1));
    let head = commit_as(&repo, Who::Claude, &at(2), "Swap rules", Some("PROJ-1"));

    // A single revision (here: none, so HEAD) measures under its own committed rules.
    let got = report_json(&repo, &[]);
    assert_eq!(got["rules"], format!(".agentfence.yaml at {}", &head[..7]));
    assert_eq!(got["owners"][1]["name"], "unchecked");
    // A range trusts its base.
    let got = report_json(&repo, &[&format!("{base}..HEAD")]);
    assert_eq!(got["rules"], format!(".agentfence.yaml at {}", &base[..7]));
    assert_eq!(got["commits"], 1);
    assert_eq!(
        got["owners"][0]["violations"]["path-denied"], 1,
        "the rules file is denied to agents"
    );
    let got = report_json(&repo, &["--base", &base, "HEAD"]);
    assert_eq!(got["rules"], format!(".agentfence.yaml at {}", &base[..7]));
    assert_eq!(got["owners"][1]["name"], "humans");
    // Two revisions have no one trusted base: exit 2, unless --rules says which rules.
    let out = repo.run(&["report", "HEAD", "HEAD~1"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--base"), "{}", stderr(&out));
    let out = repo.run(&["report", "--rules", "/nonexistent/rules.yaml"]);
    assert_eq!(code(&out), 2, "a missing rules file fails closed");
    let got = report_json(&repo, &["HEAD", "HEAD~1", "--base", "HEAD"]);
    assert_eq!(got["commits"], 3);
}

#[test]
fn bad_arguments_fail_closed_and_output_goes_where_asked() {
    let (repo, _) = generated_history();
    for bad in [
        vec!["report", "--since", "yesterday"],
        vec!["report", "--until", "2026-13-01"],
        vec!["report", "--since", "2027-01-02", "--until", "2027-01-01"],
        vec!["report", "--format", "sarif"],
        vec!["report", "no-such-branch"],
    ] {
        let out = repo.run(&bad);
        assert_eq!(code(&out), 2, "{bad:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{bad:?} printed a report");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("report.json");
    let out = repo.run(&[
        "report",
        "--format",
        "json",
        "--output",
        file.to_str().expect("utf-8"),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    assert!(
        stderr(&out).is_empty(),
        "no progress when stderr is not a terminal"
    );
    let written: Value =
        serde_json::from_slice(&std::fs::read(&file).expect("written")).expect("JSON");
    assert_eq!(written, report_json(&repo, &[]));
    let out = repo.run(&["report", "--output", "/nonexistent/dir/report.txt"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("/nonexistent/dir/report.txt"),
        "{}",
        stderr(&out)
    );
}

/// A small fixed history (fixed dates, so fixed ids) whose text and JSON reports are
/// snapshots: what a person and a script see, reviewed when it changes.
#[test]
fn text_and_json_reports_snapshot() {
    let repo = TestRepo::new();
    repo.write(".agentfence.yaml", Rules { humans: true }.yaml());
    repo.write("src/a.txt", lines(4, 0));
    commit_as(&repo, Who::Human, "2026-11-02T09:00:00Z", "Start", None);
    repo.write("src/a.txt", lines(12, 1));
    let x = commit_as(
        &repo,
        Who::Claude,
        "2026-11-02T10:00:00Z",
        "Grow a",
        Some("PROJ-1"),
    );
    repo.write("secrets/token.txt", "t\n");
    commit_as(
        &repo,
        Who::Aider,
        "2026-11-03T11:00:00Z",
        "Add a token",
        Some("PROJ-9"),
    );
    run_as(
        &repo,
        Who::Human,
        "2026-11-03T15:30:00Z",
        &["revert", "--no-edit", &x],
    );
    repo.write("src/b.txt", lines(60, 2));
    commit_as(
        &repo,
        Who::Claude,
        "2026-11-10T08:00:00Z",
        "Add b\u{1b}[31m",
        None,
    );
    let text = stdout(&repo.run(&["report"]));
    insta::assert_snapshot!("report_text", text);
    let json = stdout(&repo.run(&["report", "--format", "json"]));
    insta::assert_snapshot!("report_json", json);
}
