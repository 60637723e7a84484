//! `agentfence stat` against `git log --numstat`: git is the oracle, on a generated history
//! with every kind of change, on this project's own history, over range forms, and on bad
//! input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::support::{TestRepo, code, git_env, stderr, stdout};

/// Per commit: its numstat lines, in the order printed.
type Numstat = BTreeMap<String, Vec<String>>;

fn parse_numstat(text: &str) -> Numstat {
    let mut map = Numstat::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if !line.contains('\t') {
            assert!(
                map.insert(line.to_string(), Vec::new()).is_none(),
                "commit {line} printed twice"
            );
            current = Some(line.to_string());
        } else {
            let commit = current
                .as_ref()
                .expect("a numstat line follows a commit line");
            map.get_mut(commit)
                .expect("inserted above")
                .push(line.to_string());
        }
    }
    map
}

fn git_in(dir: &Path, args: &[&str]) -> String {
    let out = git_env(&mut Command::new("git"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("git output is UTF-8 here")
}

fn git_numstat(dir: &Path, range: &[&str]) -> String {
    let mut args = vec![
        "-c",
        "core.quotePath=false",
        "log",
        "--numstat",
        "--no-renames",
        "--diff-merges=first-parent",
        "--format=%H",
    ];
    args.extend_from_slice(range);
    git_in(dir, &args)
}

fn agentfence_stat(dir: &Path, args: &[&str]) -> std::process::Output {
    git_env(&mut Command::new(crate::support::bin()))
        .current_dir(dir)
        .arg("stat")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run agentfence")
}

/// Asserts zero differences, naming the first few that differ.
fn assert_same(git: &str, ours: &str) {
    let (git, ours) = (parse_numstat(git), parse_numstat(ours));
    let mut diffs = Vec::new();
    for commit in git.keys().chain(ours.keys()) {
        if git.get(commit) != ours.get(commit) {
            diffs.push(format!(
                "{commit}:\n  git:  {:?}\n  ours: {:?}",
                git.get(commit),
                ours.get(commit)
            ));
        }
    }
    diffs.dedup();
    assert!(
        diffs.is_empty(),
        "{} commits differ from git, e.g.\n{}",
        diffs.len(),
        diffs[..diffs.len().min(5)].join("\n")
    );
    assert!(!git.is_empty(), "the range holds commits");
}

/// A 320-commit history from fixtures/gen-history.sh, generated once per test run.
fn history() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("stat-history-320");
        let _ = std::fs::remove_dir_all(&dir);
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/gen-history.sh");
        let status = git_env(&mut Command::new(script))
            .arg(&dir)
            .arg("320")
            .status()
            .expect("run fixtures/gen-history.sh");
        assert!(status.success(), "gen-history.sh failed");
        dir
    })
}

#[test]
fn stat_matches_git_on_generated_history() {
    let dir = history();
    let git = git_numstat(dir, &["--all"]);
    for threads in ["1", "2"] {
        let out = agentfence_stat(dir, &["--threads", threads, "--all"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_same(&git, &stdout(&out));
    }
    // The history really holds what the test claims to cover.
    for needle in [
        "-\t-\tbin/",
        "\"q\\\"uote.txt\"",
        "\"tab\\there.txt\"",
        "\"new\\nline.txt\"",
        "vendor/sub",
        "dír/ünïcödé.txt",
        "\tflip\n",
        "crlf.txt",
        "nonl.txt",
        "\tlink\n",
    ] {
        assert!(git.contains(needle), "generated history lacks {needle:?}");
    }
    assert!(
        git_in(dir, &["rev-list", "--merges", "--all"])
            .lines()
            .count()
            >= 10
    );
}

#[test]
fn stat_output_is_byte_identical_on_a_linear_range() {
    let dir = history();
    let git = git_numstat(dir, &["main~40..main~2"]);
    let out = agentfence_stat(dir, &["main~40..main~2"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), git);
}

#[test]
#[allow(clippy::print_stderr)] // the skip must be visible in the test log
fn stat_matches_git_on_this_projects_history() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let probe = git_env(&mut Command::new("git"))
        .current_dir(dir)
        .args(["rev-parse", "--verify", "HEAD"])
        .output()
        .expect("run git");
    if !probe.status.success() {
        eprintln!(
            "note: {} is not a git repository with commits; skipped",
            dir.display()
        );
        return;
    }
    let git = git_numstat(dir, &["HEAD"]);
    let out = agentfence_stat(dir, &["HEAD"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_same(&git, &stdout(&out));
}

#[test]
fn stat_selects_the_commits_git_rev_list_selects() {
    let dir = history();
    let forms: &[&[&str]] = &[
        &["main~30..main"],
        &["^main~30", "main"],
        &["side3...main"],
        &["main~5"],
        &["--all"],
        &["main", "^side2", "^side5"],
        &["HEAD~3.."],
        &["v1"],
        &["side4"],
        &["side1..side6"],
        &["main..side2"],
    ];
    for form in forms {
        let mut want: Vec<String> = git_in(dir, &[&["rev-list"], *form].concat())
            .lines()
            .map(str::to_string)
            .collect();
        let out = agentfence_stat(dir, form);
        assert_eq!(code(&out), 0, "{form:?}: {}", stderr(&out));
        let mut got: Vec<String> = parse_numstat(&stdout(&out)).into_keys().collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "commit set of {form:?}");
        assert!(
            !want.is_empty() || form == &["main..side2"],
            "{form:?} selects commits"
        );
    }
}

#[test]
fn unknown_revision_is_exit_2_naming_the_spec() {
    let repo = TestRepo::new();
    repo.write("a.txt", "a\n");
    repo.commit("one");
    let out = repo.run(&["stat", "main..no-such-branch"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("main..no-such-branch"), "{err}");
    assert!(stdout(&out).is_empty());
}

#[test]
fn empty_range_prints_nothing_like_git() {
    let repo = TestRepo::new();
    repo.write("a.txt", "a\n");
    repo.commit("one");
    let out = repo.run(&["stat", "HEAD..HEAD"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), git_numstat(repo.path(), &["HEAD..HEAD"]));
    assert!(stdout(&out).is_empty());
}

#[test]
fn missing_object_is_exit_2_not_a_panic() {
    let repo = TestRepo::new();
    repo.write("a.txt", "a\n");
    repo.commit("one");
    repo.write("a.txt", "a\nb\n");
    repo.commit("two");
    let blob = repo.rev("HEAD:a.txt");
    let object = repo
        .path()
        .join(".git/objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    std::fs::remove_file(&object).expect("remove a loose object");
    let out = repo.run(&["stat", "HEAD"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&blob), "names the object: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}

#[test]
fn a_30_mb_text_blob_is_counted_like_git() {
    let repo = TestRepo::new();
    let mut big = Vec::with_capacity(30 << 20);
    let mut i = 0u64;
    while big.len() < 30 << 20 {
        big.extend_from_slice(format!("line {i} of a large generated file\n").as_bytes());
        i += 1;
    }
    repo.write("big.txt", &big);
    repo.commit("add big");
    big.truncate(big.len() / 2);
    big.extend_from_slice(b"changed tail\n");
    repo.write("big.txt", &big);
    repo.commit("halve big");
    let out = repo.run(&["stat", "HEAD"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), git_numstat(repo.path(), &["HEAD"]));
}

#[test]
fn a_blob_over_gits_big_file_threshold_is_binary_and_never_read() {
    use std::io::Write;
    let repo = TestRepo::new();
    repo.write("small.txt", "a\n");
    repo.commit("base");
    // 513 MiB of text with no NUL: git's numstat calls it binary (core.bigFileThreshold).
    let mut file = std::fs::File::create(repo.path().join("huge.txt")).expect("create");
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..513 {
        file.write_all(&chunk).expect("write");
    }
    drop(file);
    repo.commit("huge");
    std::fs::remove_file(repo.path().join("huge.txt")).expect("free the disk early");
    let out = repo.run(&["stat", "HEAD~1..HEAD"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), git_numstat(repo.path(), &["HEAD~1..HEAD"]));
    assert!(stdout(&out).contains("-\t-\thuge.txt"), "{}", stdout(&out));
    // The checks still know its size.
    let rules = repo.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "version: 1\nagents: []\ndefault_policy: all\npolicies:\n  all:\n    limits: {file_size: 1GiB}\n    forbid: [binary]\n",
    )
    .expect("rules");
    let rules = rules.to_str().expect("utf-8 temp path");
    let out = repo.run(&[
        "check",
        "--format",
        "json",
        "--rules",
        rules,
        "HEAD~1..HEAD",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(json["violations"][0]["rule"], "binary", "{json:#}");
    assert_eq!(
        json["violations"].as_array().map(Vec::len),
        Some(1),
        "{json:#}"
    );
}

/// A small deterministic generator (an LCG), so each torture history is reproducible.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// A history built by `git fast-import` from `seed`: `n` commits with clock skew (a
/// child often committed before its parent, many equal dates), several roots, two- and
/// three-parent merges, and branches `t0`..`t5` at chosen commits (`t0` the last one).
fn torture_history(seed: u64, n: usize) -> tempfile::TempDir {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("temp dir");
    git_in(dir.path(), &["init", "-q", "-b", "main"]);
    let mut rng = Lcg(seed);
    let mut script = String::new();
    for i in 1..=n {
        let date = 1_700_000_000 + 100 * i as i64 + rng.below(6_000) as i64 - 3_000;
        let date = match rng.below(12) {
            0..=2 => date / 1_000 * 1_000,
            // Far in the past: what git's "slop" (its early stop) is for.
            3 => date - 40_000,
            _ => date,
        };
        let root = i == 1 || rng.below(12) == 0;
        if root {
            script.push_str("reset refs/heads/tmp\n");
        }
        script.push_str(&format!(
            "commit refs/heads/tmp\nmark :{i}\ncommitter C <c@example.com> {date} +0000\ndata 4\nc{i:02}\n"
        ));
        if !root {
            let recent = (i as u64 - 1).min(8);
            let parent = i as u64 - 1 - rng.below(recent);
            script.push_str(&format!("from :{parent}\n"));
            for _ in 0..[0, 0, 0, 1, 2][rng.below(5) as usize] {
                let other = 1 + rng.below(i as u64 - 1);
                if other != parent {
                    script.push_str(&format!("merge :{other}\n"));
                }
            }
        }
        let file = rng.below(5);
        script.push_str(&format!(
            "M 100644 inline f{file}.txt\ndata <<END\nline {i}\nline {}\nEND\n",
            rng.below(3)
        ));
    }
    script.push_str(&format!("reset refs/heads/t0\nfrom :{n}\n"));
    for t in 1..=5 {
        let at = 1 + rng.below(n as u64);
        script.push_str(&format!("reset refs/heads/t{t}\nfrom :{at}\n"));
    }
    script.push_str(&format!("reset refs/heads/main\nfrom :{n}\n"));
    let mut child = git_env(&mut Command::new("git"))
        .current_dir(dir.path())
        .args(["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("run git fast-import");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(script.as_bytes())
        .expect("feed fast-import");
    assert!(child.wait().expect("fast-import").success());
    dir
}

#[test]
fn stat_lists_commits_in_gits_order_on_histories_with_clock_skew() {
    let forms: &[&[&str]] = &[
        &["t0"],
        &["t1"],
        &["t1..t0"],
        &["t2..t0"],
        &["t3...t4"],
        &["t0...t5"],
        &["--all"],
        &["t0", "^t1", "^t2"],
        &["t3", "t4", "^t5"],
        &["t0..t3"],
    ];
    let mut skewed = 0;
    for seed in 1..=6 {
        let repo = torture_history(seed, 150);
        let dir = repo.path();
        // The history really is skewed: some child is dated before its parent.
        skewed += git_in(dir, &["log", "--format=%ct %p", "--all"])
            .lines()
            .filter(|line| {
                let mut parts = line.split(' ');
                let date: i64 = parts.next().and_then(|d| d.parse().ok()).expect("%ct");
                parts.filter(|p| !p.is_empty()).any(|p| {
                    let parent: i64 = git_in(dir, &["log", "-1", "--format=%ct", p])
                        .trim()
                        .parse()
                        .expect("%ct");
                    parent > date
                })
            })
            .count();
        for form in forms {
            let git = git_numstat(dir, form);
            for threads in ["1", "2"] {
                let out = agentfence_stat(dir, &[&["--threads", threads], *form].concat());
                assert_eq!(code(&out), 0, "{form:?}: {}", stderr(&out));
                assert_eq!(
                    stdout(&out),
                    git,
                    "seed {seed}, {form:?}, {threads} threads"
                );
            }
        }
        let roots = git_in(dir, &["rev-list", "--max-parents=0", "--all"]);
        assert!(roots.lines().count() >= 2, "seed {seed}: several roots");
        let merges = git_in(dir, &["rev-list", "--min-parents=2", "--all"]);
        assert!(merges.lines().count() >= 5, "seed {seed}: merges");
    }
    assert!(skewed >= 50, "only {skewed} skewed commits");
}
