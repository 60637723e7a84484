//! `agentfence pre-receive` behind real `git push`es: a bare repository with the shipped
//! `hooks/pre-receive` installed, clients pushing over `file://`. Every rejected push is
//! checked to have moved no ref and left none of its objects behind; every accepted push to
//! have put each ref where it was pushed. Bad input is fed to the command by hand.

use std::process::Output;

use crate::support::{Server, TestRepo, code, stderr};

/// Rules with one agent `bot` (trailer `Agent: bot`, or pusher `svc-bot`) under policy
/// `agents` whose body is `policy`, and no policy for humans; `extra` is more top-level YAML.
pub(crate) fn rules_yaml(policy: &str, extra: &str) -> String {
    let body: String = policy.lines().map(|l| format!("    {l}\n")).collect();
    format!(
        "version: 1\nagents:\n  - name: bot\n    match:\n      trailer: {{Agent: '^bot$'}}\n      pusher: [svc-bot]\n    policy: agents\npolicies:\n  agents:\n{body}{extra}"
    )
}

/// A server whose `main` holds `rules` (pushed before the hook was installed), and a client
/// cloned from it, on `main`.
pub(crate) fn setup_with(rules: &str) -> (Server, TestRepo) {
    let server = Server::new();
    let client = TestRepo::new();
    client.remote(&server);
    client.write(".agentfence.yaml", rules);
    client.write("README.md", "base\n");
    client.write("src/existing.rs", "fn a() {}\n");
    client.commit("Base");
    client.git(&["push", "-q", "origin", "main"]);
    server.install_hook();
    (server, client)
}

pub(crate) fn setup(policy: &str) -> (Server, TestRepo) {
    setup_with(&rules_yaml(policy, ""))
}

/// Commits everything as the agent `bot`.
pub(crate) fn bot_commit(client: &TestRepo, subject: &str) -> String {
    client.commit(&format!("{subject}\n\nAgent: bot"))
}

fn lines(n: usize) -> String {
    (0..n).map(|i| format!("line {i}\n")).collect()
}

/// Pushes with `args` and `env`; returns the output. The rules bind `bot` by pusher, so
/// every push names one: `dev`, a person, unless `env` names another.
pub(crate) fn push(client: &TestRepo, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = client.push_cmd(args);
    if !env.iter().any(|(k, _)| PUSHER_VARIABLES.contains(k)) {
        cmd.env("AGENTFENCE_PUSHER", "dev");
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run git push")
}

/// The variables that name the pusher on a server.
const PUSHER_VARIABLES: &[&str] = &[
    "AGENTFENCE_PUSHER",
    "GL_USERNAME",
    "GITEA_PUSHER_NAME",
    "GL_USER",
    "REMOTE_USER",
];

/// The violation rows of the report the pusher saw: (place, rule, rest of the line).
fn rows(err: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in err.lines() {
        let Some(text) = line.strip_prefix("remote: ") else {
            continue;
        };
        let text = text.trim_end();
        if text.starts_with("agentfence: rejected:") || text.starts_with("agentfence: accepted:") {
            inside = true;
            continue;
        }
        if text.starts_with("How to get back inside the boundary:") {
            inside = false;
            continue;
        }
        if inside && text.starts_with("  ") {
            let mut fields = text.split_whitespace();
            let place = fields.next().unwrap_or_default().to_owned();
            let rule = fields.next().unwrap_or_default().to_owned();
            let rest = fields.collect::<Vec<_>>().join(" ");
            out.push((place, rule, rest));
        }
    }
    out
}

pub(crate) fn rule_ids(err: &str) -> Vec<String> {
    rows(err).into_iter().map(|(_, rule, _)| rule).collect()
}

/// Pushes and asserts git refused the push because the hook rejected it with exactly the
/// rules `want` (in report order); no ref on the server moved and none of `absent` is
/// there. Each of `needles` must appear on some `remote:` line. Returns stderr.
pub(crate) fn assert_rejected(
    server: &Server,
    client: &TestRepo,
    args: &[&str],
    env: &[(&str, &str)],
    want: &[&str],
    absent: &[&str],
    needles: &[&str],
) -> String {
    let before = server.refs();
    let out = push(client, args, env);
    let err = stderr(&out);
    assert_ne!(code(&out), 0, "push accepted:\n{err}");
    assert!(err.contains("pre-receive hook declined"), "{err}");
    assert_eq!(rule_ids(&err), want, "{err}");
    for rule in want {
        // The way back for each rule, as the pusher sees it.
        assert!(
            err.lines()
                .any(|l| l.starts_with("remote:   ") && l.contains(&format!("  {rule}: "))),
            "no way back for {rule}:\n{err}"
        );
    }
    for needle in needles {
        assert!(
            err.lines()
                .any(|l| l.starts_with("remote:") && l.contains(needle)),
            "no remote: line with {needle:?}:\n{err}"
        );
    }
    assert_eq!(server.refs(), before, "a rejected push moved a ref\n{err}");
    for id in absent {
        assert!(
            !server.has_object(id),
            "rejected object {id} is on the server"
        );
    }
    err
}

/// Pushes and asserts the push was accepted and every ref in `moved` is at the given id
/// on the server (`None`: deleted). Returns stderr.
pub(crate) fn assert_accepted(
    server: &Server,
    client: &TestRepo,
    args: &[&str],
    env: &[(&str, &str)],
    moved: &[(&str, Option<&str>)],
) -> String {
    let out = push(client, args, env);
    let err = stderr(&out);
    assert_eq!(code(&out), 0, "push rejected:\n{err}");
    assert!(err.contains("remote: agentfence: accepted:"), "{err}");
    for (name, id) in moved {
        assert_eq!(server.ref_id(name).as_deref(), *id, "{name}\n{err}");
    }
    err
}

/// A rejected-push assertion for the common case: one ref, the rule ids, the commit absent.
fn reject(
    server: &Server,
    client: &TestRepo,
    refspec: &str,
    want: &[&str],
    commit: &str,
    needles: &[&str],
) -> String {
    assert_rejected(
        server,
        client,
        &["origin", refspec],
        &[],
        want,
        &[commit],
        needles,
    )
}

#[test]
fn path_scope_rejects_outside_allow_and_accepts_inside() {
    let (server, client) = setup("paths: {allow: ['src/**']}");
    client.git(&["checkout", "-q", "-b", "work"]);
    client.write("src/deep/a.rs", "x\n");
    let inside = bot_commit(&client, "Inside");
    assert_accepted(
        &server,
        &client,
        &["origin", "work:refs/heads/agent/x"],
        &[],
        &[("refs/heads/agent/x", Some(&inside))],
    );
    client.write("lib/b.rs", "x\n");
    let outside = bot_commit(&client, "Outside");
    let err = reject(
        &server,
        &client,
        "work:refs/heads/agent/x",
        &["path-scope"],
        &outside,
        &["lib/b.rs", "bot", &outside[..10]],
    );
    assert!(
        err.contains("remote: agentfence: rejected: 1 error in 1 commit (bot 1), 1 ref"),
        "{err}"
    );
}

#[test]
fn path_denied_and_the_rules_file_itself() {
    let (server, client) = setup("paths: {deny: ['.github/**']}");
    client.write(".github/workflows/ci.yml", "on: push\n");
    let ci = bot_commit(&client, "Touch CI");
    reject(
        &server,
        &client,
        "HEAD:refs/heads/agent/x",
        &["path-denied"],
        &ci,
        &[".github/workflows/ci.yml"],
    );
    client.git(&["reset", "-q", "--hard", "HEAD~"]);
    client.write(".agentfence.yaml", "version: 1\n");
    let rules = bot_commit(&client, "Loosen the rules");
    reject(
        &server,
        &client,
        "HEAD:refs/heads/agent/x",
        &["path-denied"],
        &rules,
        &[".agentfence.yaml"],
    );
}

#[test]
fn ref_scope_binds_the_commits_owner_and_the_pusher() {
    let (server, client) = setup("refs: {allow: ['refs/heads/agent/**']}");
    client.write("src/a.rs", "x\n");
    let c = bot_commit(&client, "Work");
    reject(
        &server,
        &client,
        "HEAD:refs/heads/main",
        &["ref-scope"],
        &c,
        &["refs/heads/main"],
    );
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/ok"],
        &[],
        &[("refs/heads/agent/ok", Some(&c))],
    );
    // No new commit at all, but the pusher is the agent: still bound by its refs.
    assert_rejected(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/elsewhere"],
        &[("AGENTFENCE_PUSHER", "svc-bot")],
        &["ref-scope"],
        &[],
        &["refs/heads/elsewhere"],
    );
    assert!(server.ref_id("refs/heads/elsewhere").is_none());
}

#[test]
fn force_push_is_rejected_and_a_fast_forward_is_not() {
    let (server, client) = setup("forbid: [force-push]");
    client.write("src/a.rs", "one\n");
    let first = bot_commit(&client, "One");
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[],
        &[("refs/heads/agent/x", Some(&first))],
    );
    client.write("src/a.rs", "two\n");
    client.git(&["add", "-A"]);
    client.git(&[
        "commit",
        "-q",
        "--amend",
        "-m",
        "One, rewritten\n\nAgent: bot",
    ]);
    let amended = client.rev("HEAD");
    let err = assert_rejected(
        &server,
        &client,
        &["--force", "origin", "HEAD:refs/heads/agent/x"],
        &[],
        &["force-push"],
        &[&amended],
        &["refs/heads/agent/x is force-pushed"],
    );
    assert!(err.contains("rebase onto the current tip"), "{err}");
    assert_eq!(
        server.ref_id("refs/heads/agent/x").as_deref(),
        Some(first.as_str())
    );
}

#[test]
fn ref_deletion_without_quarantine_binds_the_pushing_agent() {
    let (server, client) = setup("forbid: [ref-deletion]");
    client.write("src/a.rs", "x\n");
    let c = bot_commit(&client, "Work");
    assert_accepted(
        &server,
        &client,
        &[
            "origin",
            "HEAD:refs/heads/agent/x",
            "HEAD:refs/heads/agent/y",
        ],
        &[],
        &[("refs/heads/agent/x", Some(&c))],
    );
    // A delete-only push: git unpacks nothing, so there is no quarantine environment.
    assert_rejected(
        &server,
        &client,
        &["origin", ":refs/heads/agent/x"],
        &[("AGENTFENCE_PUSHER", "svc-bot")],
        &["ref-deletion"],
        &[],
        &["refs/heads/agent/x is deleted"],
    );
    // A human pusher has no policy here: the same deletion goes through.
    assert_accepted(
        &server,
        &client,
        &["origin", ":refs/heads/agent/y"],
        &[],
        &[("refs/heads/agent/y", None)],
    );
}

#[test]
fn commit_limits_reject_one_over() {
    let (server, client) = setup("limits: {commit: {files: 3, lines: 10, added: 8, deleted: 4}}");
    client.write("big.txt", lines(8));
    let human = client.commit("Human base");
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:main"],
        &[],
        &[("refs/heads/main", Some(&human))],
    );
    // Limits pass exactly at the limit.
    for i in 0..3 {
        client.write(&format!("f{i}.txt"), "x\n");
    }
    let at = bot_commit(&client, "Three files");
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[],
        &[("refs/heads/agent/x", Some(&at))],
    );
    let base = client.rev("HEAD");
    type Make = fn(&TestRepo);
    let cases: [(&str, Make); 4] = [
        ("commit-files", |c| {
            for i in 0..4 {
                c.write(&format!("g{i}.txt"), "x\n");
            }
        }),
        ("commit-added", |c| {
            c.write("nine.txt", lines(9));
        }),
        ("commit-deleted", |c| {
            c.write("big.txt", lines(3));
        }),
        ("commit-lines", |c| {
            c.write("big.txt", lines(2));
            c.write("six.txt", lines(5));
        }),
    ];
    for (rule, make) in cases {
        client.git(&["reset", "-q", "--hard", &base]);
        make(&client);
        let c = bot_commit(&client, rule);
        let want: Vec<&str> = if rule == "commit-lines" {
            // 6 deleted + 5 added: over `deleted` and over `lines`.
            vec!["commit-lines", "commit-deleted"]
        } else {
            vec![rule]
        };
        let mut want = want;
        want.sort();
        let before = server.refs();
        let out = push(&client, &["origin", "HEAD:refs/heads/agent/x"], &[]);
        let err = stderr(&out);
        let mut got = rule_ids(&err);
        got.sort();
        assert_eq!(got, want, "{err}");
        assert_ne!(code(&out), 0);
        assert_eq!(server.refs(), before);
        assert!(!server.has_object(&c));
    }
}

#[test]
fn push_limits_count_the_agents_new_commits() {
    let (server, client) = setup("limits: {push: {commits: 2, files: 2, lines: 6}}");
    client.write("src/a.rs", "1\n");
    bot_commit(&client, "One");
    client.write("src/b.rs", "1\n");
    let two = bot_commit(&client, "Two");
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[],
        &[("refs/heads/agent/x", Some(&two))],
    );
    // Already on the server: not charged again, so three more commits are one over.
    for i in 0..3 {
        client.write("src/a.rs", format!("{i}\n"));
        bot_commit(&client, "More");
    }
    let tip = client.rev("HEAD");
    reject(
        &server,
        &client,
        "HEAD:refs/heads/agent/x",
        &["push-commits"],
        &tip,
        &["push"],
    );
    client.git(&["reset", "-q", "--hard", &two]);
    client.write("src/c.rs", "1\n");
    client.write("src/d.rs", "1\n");
    client.write("src/e.rs", "1\n");
    let files = bot_commit(&client, "Three files");
    reject(
        &server,
        &client,
        "HEAD:refs/heads/agent/x",
        &["push-files"],
        &files,
        &[],
    );
    client.git(&["reset", "-q", "--hard", &two]);
    client.write("src/a.rs", lines(7));
    let many = bot_commit(&client, "Eight lines");
    reject(
        &server,
        &client,
        "HEAD:refs/heads/agent/x",
        &["push-lines"],
        &many,
        &[],
    );
}

#[test]
fn file_size_limit() {
    let (server, client) = setup("limits: {file_size: 100}");
    client.write("src/ok.txt", "x".repeat(100));
    let ok = bot_commit(&client, "At the limit");
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[],
        &[("refs/heads/agent/x", Some(&ok))],
    );
    client.write("src/big.txt", "x".repeat(101));
    let big = bot_commit(&client, "One over");
    reject(
        &server,
        &client,
        "HEAD:refs/heads/agent/x",
        &["file-size"],
        &big,
        &["src/big.txt"],
    );
}

#[test]
fn task_rules() {
    let (server, client) = setup_with(&rules_yaml(
        "paths: {allow: ['src/**']}\ntask: {pattern: '^[A-Z]+-[0-9]+$', registry: true}",
        "tasks:\n  PROJ-1: {agents: [bot], paths: ['src/ui/**']}\n  PROJ-2: {agents: [bot], expires: 2020-01-01}\n  PROJ-3: {agents: [other]}\n  PROJ-4: {agents: [bot]}\n",
    ).replace("agents:\n  - name: bot", "agents:\n  - name: other\n    match: {trailer: {Agent: '^other$'}}\n    policy: agents\n  - name: bot"));
    let base = client.rev("HEAD");
    let cases = [
        ("", "task-missing"),
        ("Task: proj 1\n", "task-malformed"),
        ("Task: PROJ-99\n", "task-unknown"),
        ("Task: PROJ-2\n", "task-expired"),
        ("Task: PROJ-3\n", "task-agent"),
        ("Task: PROJ-1\n", "task-scope"),
    ];
    for (trailer, rule) in cases {
        client.git(&["reset", "-q", "--hard", &base]);
        client.write("src/x.rs", rule);
        let c = client.commit(&format!("Work\n\nAgent: bot\n{trailer}"));
        reject(
            &server,
            &client,
            "HEAD:refs/heads/agent/x",
            &[rule],
            &c,
            &[],
        );
    }
    client.git(&["reset", "-q", "--hard", &base]);
    client.write("src/x.rs", "ok");
    let ok = client.commit("Work\n\nAgent: bot\nTask: PROJ-4\n");
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[],
        &[("refs/heads/agent/x", Some(&ok))],
    );
}

#[test]
fn forbidden_kinds_of_change() {
    let (server, client) = setup("forbid: [merge, binary, symlink, submodule, mode-change]");
    let base = client.rev("HEAD");
    let sub = client.rev("HEAD");
    type Make = Box<dyn Fn(&TestRepo)>;
    let cases: Vec<(&str, Make)> = vec![
        (
            "binary",
            Box::new(|c: &TestRepo| {
                c.write("src/blob.bin", b"a\0b");
            }),
        ),
        (
            "symlink",
            Box::new(|c: &TestRepo| {
                std::os::unix::fs::symlink("existing.rs", c.path().join("src/link"))
                    .expect("symlink");
            }),
        ),
        (
            "submodule",
            Box::new(move |c: &TestRepo| {
                c.git(&[
                    "update-index",
                    "--add",
                    "--cacheinfo",
                    &format!("160000,{sub},vendor/sub"),
                ]);
            }),
        ),
        (
            "mode-change",
            Box::new(|c: &TestRepo| {
                c.git(&["update-index", "--chmod=+x", "src/existing.rs"]);
            }),
        ),
    ];
    for (rule, make) in cases {
        client.git(&["reset", "-q", "--hard", &base]);
        make(&client);
        let c = if rule == "submodule" || rule == "mode-change" {
            client.git(&["commit", "-q", "-m", "Change\n\nAgent: bot"]);
            client.rev("HEAD")
        } else {
            bot_commit(&client, rule)
        };
        reject(
            &server,
            &client,
            "HEAD:refs/heads/agent/x",
            &[rule],
            &c,
            &[],
        );
    }
    // A merge of two new agent branches.
    client.git(&["reset", "-q", "--hard", &base]);
    client.git(&["checkout", "-q", "-b", "side"]);
    client.write("src/side.rs", "s\n");
    bot_commit(&client, "Side");
    client.git(&["checkout", "-q", "main"]);
    client.git(&["reset", "-q", "--hard", &base]);
    client.write("src/main.rs", "m\n");
    bot_commit(&client, "Main");
    client.git(&[
        "merge",
        "-q",
        "--no-ff",
        "side",
        "-m",
        "Merge side\n\nAgent: bot",
    ]);
    let merge = client.rev("HEAD");
    reject(
        &server,
        &client,
        "HEAD:refs/heads/agent/x",
        &["merge"],
        &merge,
        &[],
    );
}

#[test]
fn commits_already_on_the_server_are_not_charged_again() {
    let (server, client) = setup("paths: {allow: ['src/**']}");
    // A human's commit out of the agent's scope, then the agent's work on top.
    client.write("lib/human.rs", "h\n");
    let human = client.commit("Human work");
    client.write("src/a.rs", "a\n");
    let bot = bot_commit(&client, "Agent work");
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/deep/x"],
        &[],
        &[("refs/heads/agent/deep/x", Some(&bot))],
    );
    // Packed refs and nested names still count as "already there".
    server.git(&["pack-refs", "--all"]);
    // The same commits under new names, pushed by the agent itself: nothing new to judge.
    let err = assert_accepted(
        &server,
        &client,
        &[
            "origin",
            &format!("{human}:refs/heads/agent/copy"),
            &format!("{bot}:refs/tags/t1"),
        ],
        &[("AGENTFENCE_PUSHER", "svc-bot")],
        &[
            ("refs/heads/agent/copy", Some(&human)),
            ("refs/tags/t1", Some(&bot)),
        ],
    );
    assert!(
        err.contains("remote: agentfence: accepted: 0 commits, 2 refs, no violations"),
        "{err}"
    );
}

#[test]
fn tags_carrying_new_commits_are_judged_lightweight_and_annotated() {
    let (server, client) = setup("paths: {allow: ['src/**']}");
    client.write("lib/out.rs", "x\n");
    let c = bot_commit(&client, "Outside");
    client.git(&["tag", "light"]);
    client.git(&["tag", "-a", "-m", "Release", "annotated"]);
    let tag = client.rev("refs/tags/annotated");
    assert_ne!(tag, c, "an annotated tag is its own object");
    reject(
        &server,
        &client,
        "refs/tags/light",
        &["path-scope"],
        &c,
        &["lib/out.rs"],
    );
    assert_rejected(
        &server,
        &client,
        &["origin", "refs/tags/annotated"],
        &[],
        &["path-scope"],
        &[&c, &tag],
        &["lib/out.rs"],
    );
    // A tag of a tag of a commit peels all the way.
    client.git(&["tag", "-a", "-m", "Outer", "outer", "annotated"]);
    assert_rejected(
        &server,
        &client,
        &["origin", "refs/tags/outer"],
        &[],
        &["path-scope"],
        &[&c, &tag],
        &[],
    );
    // In scope, the annotated tag object itself lands on the server.
    client.git(&["reset", "-q", "--hard", "HEAD~"]);
    client.write("src/in.rs", "x\n");
    bot_commit(&client, "Inside");
    client.git(&["tag", "-a", "-m", "Good", "good"]);
    let good = client.rev("refs/tags/good");
    assert_accepted(
        &server,
        &client,
        &["origin", "refs/tags/good"],
        &[],
        &[("refs/tags/good", Some(&good))],
    );
}

#[test]
fn a_ref_an_agent_points_at_a_tree_or_blob_is_ref_target_and_a_persons_is_not() {
    let (server, client) = setup("refs: {allow: ['refs/tags/**']}\nforbid: [force-push]");
    let tree = client.rev("HEAD^{tree}");
    let blob = client.rev("HEAD:README.md");
    // The agent: a tag straight at a tree, and an annotated tag of a blob, each carry
    // content no path rule sees.
    assert_rejected(
        &server,
        &client,
        &["origin", &format!("{tree}:refs/tags/tree")],
        &[("AGENTFENCE_PUSHER", "svc-bot")],
        &["ref-target"],
        &[],
        &["refs/tags/tree", "not a commit"],
    );
    client.git(&["tag", "-a", "-m", "A tag of a blob", "blobtag", &blob]);
    let blobtag = client.rev("refs/tags/blobtag");
    assert_rejected(
        &server,
        &client,
        &["origin", "refs/tags/blobtag"],
        &[("AGENTFENCE_PUSHER", "svc-bot")],
        &["ref-target"],
        &[],
        &["refs/tags/blobtag"],
    );
    // Also when the agent's pusher name differs in case.
    assert_rejected(
        &server,
        &client,
        &["origin", "refs/tags/blobtag"],
        &[("AGENTFENCE_PUSHER", "SVC-Bot")],
        &["ref-target"],
        &[],
        &["refs/tags/blobtag"],
    );
    // A person may (ref-target binds agents only).
    assert_accepted(
        &server,
        &client,
        &[
            "origin",
            &format!("{tree}:refs/tags/tree"),
            "refs/tags/blobtag",
        ],
        &[],
        &[
            ("refs/tags/tree", Some(&tree)),
            ("refs/tags/blobtag", Some(&blobtag)),
        ],
    );
    // Moving a non-commit tag to another object drops what it pointed at: forced.
    assert_rejected(
        &server,
        &client,
        &["--force", "origin", &format!("{blob}:refs/tags/tree")],
        &[("AGENTFENCE_PUSHER", "svc-bot")],
        &["force-push", "ref-target"],
        &[],
        &["refs/tags/tree"],
    );
}

#[test]
fn a_commit_shared_by_two_refs_is_judged_once() {
    let (server, client) = setup("paths: {allow: ['src/**']}\nlimits: {push: {commits: 1}}");
    client.write("lib/out.rs", "x\n");
    let c = bot_commit(&client, "Outside");
    let err = assert_rejected(
        &server,
        &client,
        &[
            "origin",
            "HEAD:refs/heads/agent/a",
            "HEAD:refs/heads/agent/b",
        ],
        &[],
        &["path-scope"],
        &[&c],
        &["lib/out.rs"],
    );
    assert!(
        err.contains("remote: agentfence: rejected: 1 error in 1 commit (bot 1), 2 refs"),
        "{err}"
    );
    client.git(&["reset", "-q", "--hard", "HEAD~"]);
    client.write("src/in.rs", "x\n");
    let ok = bot_commit(&client, "Inside");
    // One commit through two refs is one commit against push.commits: 1.
    assert_accepted(
        &server,
        &client,
        &[
            "origin",
            "HEAD:refs/heads/agent/a",
            "HEAD:refs/heads/agent/b",
        ],
        &[],
        &[
            ("refs/heads/agent/a", Some(&ok)),
            ("refs/heads/agent/b", Some(&ok)),
        ],
    );
}

#[test]
fn atomic_and_plain_multi_ref_pushes_move_nothing_when_one_ref_is_bad() {
    let (server, client) = setup("paths: {allow: ['src/**']}");
    client.write("src/in.rs", "x\n");
    let good = bot_commit(&client, "Inside");
    client.git(&["checkout", "-q", "-b", "bad"]);
    client.write("lib/out.rs", "x\n");
    let bad = bot_commit(&client, "Outside");
    for atomic in [true, false] {
        let mut args = vec![
            "origin",
            "main:refs/heads/agent/good",
            "bad:refs/heads/agent/bad",
        ];
        if atomic {
            args.insert(0, "--atomic");
        }
        let err = assert_rejected(
            &server,
            &client,
            &args,
            &[],
            &["path-scope"],
            &[&bad, &good],
            &[],
        );
        assert!(server.ref_id("refs/heads/agent/good").is_none(), "{err}");
    }
}

#[test]
fn rules_come_from_the_default_branch_before_the_push() {
    let (server, client) = setup("paths: {allow: ['src/**']}");
    // A human loosens the rules and the agent uses the loosened rules in the same push.
    client.write(".agentfence.yaml", rules_yaml("paths: {allow: ['**']}", ""));
    let loosen = client.commit("Loosen the rules");
    client.write("lib/out.rs", "x\n");
    let out = bot_commit(&client, "Outside");
    assert_rejected(
        &server,
        &client,
        &["origin", "HEAD:main"],
        &[],
        &["path-scope"],
        &[&loosen, &out],
        &["lib/out.rs"],
    );
    // Rules pushed to another branch are not the default branch's.
    client.git(&["checkout", "-q", "-b", "other", &loosen]);
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/other"],
        &[],
        &[("refs/heads/other", Some(&loosen))],
    );
    client.git(&["checkout", "-q", "main"]);
    reject(
        &server,
        &client,
        "HEAD:refs/heads/agent/x",
        &["path-scope"],
        &out,
        &[],
    );
    // Once the change has landed on main, it is in force.
    assert_accepted(
        &server,
        &client,
        &["origin", &format!("{loosen}:main")],
        &[],
        &[("refs/heads/main", Some(&loosen))],
    );
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[],
        &[("refs/heads/agent/x", Some(&out))],
    );
}

#[test]
fn an_invalid_rules_file_on_the_default_branch_rejects_every_push() {
    let (server, client) =
        setup_with("version: 1\npolicies:\n  agents:\n    paths: {allow: ['src/[']}\n");
    // Even a human's harmless push, even one that would fix the rules.
    client.write(".agentfence.yaml", rules_yaml("", ""));
    let fix = client.commit("Fix the rules");
    let before = server.refs();
    let out = push(&client, &["origin", "HEAD:main"], &[]);
    let err = stderr(&out);
    assert_ne!(code(&out), 0, "{err}");
    assert!(
        err.contains("remote: agentfence: .agentfence.yaml at refs/heads/main ("),
        "{err}"
    );
    assert!(
        err.contains(":4:21: policies.agents.paths.allow[0]: "),
        "{err}"
    );
    assert!(err.contains("pre-receive hook declined"), "{err}");
    assert_eq!(server.refs(), before);
    assert!(!server.has_object(&fix));
}

#[test]
fn the_pusher_binding_claims_trailer_less_commits() {
    let (server, client) = setup("paths: {allow: ['src/**']}");
    client.write("lib/out.rs", "x\n");
    let c = client.commit("No trailer at all");
    for var in [
        "AGENTFENCE_PUSHER",
        "GL_USERNAME",
        "GITEA_PUSHER_NAME",
        "GL_USER",
        "REMOTE_USER",
    ] {
        let err = assert_rejected(
            &server,
            &client,
            &["origin", "HEAD:refs/heads/agent/x"],
            &[(var, "svc-bot")],
            &["path-scope"],
            &[&c],
            &["lib/out.rs"],
        );
        let agent = &rows(&err)[0].2;
        assert!(agent.starts_with("bot "), "{var}: {err}");
    }
    // The order of the variables: the first set one names the pusher.
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/human"],
        &[("GL_USERNAME", "alice"), ("GL_USER", "svc-bot")],
        &[("refs/heads/human", Some(&c))],
    );
}

#[test]
fn push_options_never_weaken_a_check() {
    let (server, client) = setup("paths: {allow: ['src/**']}");
    server.git(&["config", "receive.advertisePushOptions", "true"]);
    client.write("lib/out.rs", "x\n");
    let c = bot_commit(&client, "Outside");
    assert_rejected(
        &server,
        &client,
        &[
            "-o",
            "audit",
            "-o",
            "agentfence.audit",
            "-o",
            "skip",
            "-o",
            "ci.skip",
            "-o",
            "--audit",
            "origin",
            "HEAD:refs/heads/agent/x",
        ],
        &[
            ("GIT_PUSH_OPTION_COUNT", "1"),
            ("GIT_PUSH_OPTION_0", "audit"),
        ],
        &["path-scope"],
        &[&c],
        &[],
    );
}

#[test]
fn a_commit_known_only_to_a_pull_request_ref_is_still_checked() {
    let (server, client) = setup("paths: {allow: ['src/**']}");
    client.write("lib/out.rs", "x\n");
    let c = bot_commit(&client, "Outside");
    // The server already has the commit, reachable from refs/pull/1/head only.
    server.git(&[
        "fetch",
        "-q",
        client.path().to_str().expect("utf-8 path"),
        &format!("{c}:refs/pull/1/head"),
    ]);
    let err = assert_rejected(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[],
        &["path-scope"],
        &[],
        &[&c[..10]],
    );
    assert!(err.contains("in 1 commit"), "{err}");
}

#[test]
fn quarantined_objects_are_read_and_a_rejection_leaves_no_trace() {
    let (server, client) = setup("paths: {allow: ['src/**']}");
    // Over receive.unpackLimit (100): git keeps the push as a pack inside the quarantine.
    for i in 0..120 {
        client.write(&format!("src/many/f{i}.rs"), format!("{i}\n"));
    }
    client.write("lib/out.rs", "x\n");
    let c = bot_commit(&client, "Many files, one outside");
    let count_before = server.git(&["count-objects", "-v"]);
    let err = reject(
        &server,
        &client,
        "HEAD:refs/heads/agent/x",
        &["path-scope"],
        &c,
        &[&c[..10], "lib/out.rs"],
    );
    assert!(!err.contains("unpack-objects"), "{err}");
    let blob = client.rev("HEAD:src/many/f7.rs");
    assert!(!server.has_object(&blob));
    assert_eq!(server.git(&["count-objects", "-v"]), count_before);
    let fsck = server.git_output(&["fsck", "--strict", "--no-dangling"]);
    assert!(fsck.status.success(), "{}", stderr(&fsck));
    let leftovers: Vec<_> = std::fs::read_dir(server.path().join("objects"))
        .expect("objects dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("tmp_objdir"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // The same in scope: a pack of more than 100 objects, read from quarantine, accepted.
    client.git(&["rm", "-q", "lib/out.rs"]);
    client.git(&["commit", "-q", "--amend", "-m", "Many files\n\nAgent: bot"]);
    let ok = client.rev("HEAD");
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[],
        &[("refs/heads/agent/x", Some(&ok))],
    );
    assert!(server.has_object(&blob));
    // It arrived as a pack (kept, then migrated out of quarantine), not as loose objects.
    let packs = std::fs::read_dir(server.path().join("objects/pack"))
        .expect("pack dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".pack"))
        .count();
    assert_eq!(packs, 1);
    // With loose objects (receive.unpackLimit above the push) too.
    server.git(&["config", "receive.unpackLimit", "100000"]);
    client.write("lib/out2.rs", "x\n");
    let loose = bot_commit(&client, "Loose and outside");
    reject(
        &server,
        &client,
        "HEAD:refs/heads/agent/x",
        &["path-scope"],
        &loose,
        &["lib/out2.rs"],
    );
}

/// Runs `agentfence pre-receive` by hand in `server` and asserts it could not check:
/// exit 2, the headline the pusher sees, then one `agentfence:` line containing `want`,
/// no panic.
fn assert_bad_input(server: &Server, stdin: &str, want: &str) {
    let out = server.pre_receive(&["--pusher", "dev"], stdin);
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{stdin:?}: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{stdin:?}: {err}");
    assert!(
        lines[0].starts_with("agentfence: push rejected: "),
        "no headline: {err}"
    );
    assert!(lines[1].starts_with("agentfence: "), "{err}");
    assert!(lines[1].contains(want), "{stdin:?}: want {want:?} in {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_stdin_is_one_line_naming_the_fault() {
    let (server, client) = setup("");
    let head = client.rev("HEAD");
    let zero = "0".repeat(40);
    let missing = "1234567".repeat(6)[..40].to_owned();
    assert_bad_input(
        &server,
        &format!("{head} refs/heads/x\n"),
        "stdin line 1: expected 3 fields",
    );
    assert_bad_input(
        &server,
        &format!("{zero} {}zz refs/heads/x\n", &head[..38]),
        "stdin line 1: new id is not a 40- or 64-digit hex object id",
    );
    assert_bad_input(
        &server,
        &format!("{zero} {} refs/heads/x\n", &head[..39]),
        "new id is not a 40- or 64-digit hex",
    );
    assert_bad_input(
        &server,
        &format!("{zero} {head} refs/heads/ok\n{zero} {head}0 refs/heads/x\n"),
        "stdin line 2: new id is not",
    );
    assert_bad_input(&server, "", "stdin is empty");
    assert_bad_input(&server, "\n", "expected 3 fields");
    assert_bad_input(
        &server,
        &format!("{zero} {missing} refs/heads/x\n"),
        &missing,
    );
    assert_bad_input(
        &server,
        &format!("{missing} {head} refs/heads/main\n"),
        &missing,
    );
    // Well-formed input is judged (and nothing was written by the bad runs).
    let out = server.pre_receive(
        &["--pusher", "dev"],
        format!("{zero} {head} refs/heads/x\n"),
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn a_head_that_names_no_branch_rejects_every_push() {
    let (server, client) = setup("");
    let head = client.rev("HEAD");
    server.git(&["update-ref", "--no-deref", "HEAD", &head]);
    let zero = "0".repeat(40);
    assert_bad_input(
        &server,
        &format!("{zero} {head} refs/heads/x\n"),
        "HEAD names no branch",
    );
    client.write("src/a.rs", "x\n");
    let c = client.commit("Human work");
    let out = push(&client, &["origin", "HEAD:refs/heads/x"], &[]);
    let err = stderr(&out);
    assert_ne!(code(&out), 0, "{err}");
    assert!(
        err.contains("remote: agentfence: the repository's HEAD names no branch"),
        "{err}"
    );
    assert!(!server.has_object(&c));
    // A server that names its rules in config needs no default branch.
    std::fs::write(server.path().join("rules.yaml"), rules_yaml("", "")).expect("write rules");
    server.git(&["config", "agentfence.rules", "rules.yaml"]);
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/x"],
        &[],
        &[("refs/heads/x", Some(&c))],
    );
}

#[test]
fn a_head_that_names_a_missing_branch_rejects_when_other_branches_exist() {
    // HEAD names refs/heads/trunk, which does not exist; main holds the real rules. The
    // embedded defaults must not silently stand in for them.
    let (server, client) = setup("");
    server.git(&["symbolic-ref", "HEAD", "refs/heads/trunk"]);
    client.write("src/a.rs", "x\n");
    let c = client.commit("Human work");
    let out = push(&client, &["origin", "HEAD:refs/heads/x"], &[]);
    let err = stderr(&out);
    assert_ne!(code(&out), 0, "{err}");
    assert!(
        err.contains(
            "remote: agentfence: the repository's HEAD names refs/heads/trunk, which does not exist"
        ),
        "{err}"
    );
    assert!(!server.has_object(&c));
}

#[test]
fn a_rules_blob_that_is_binary_huge_or_a_symlink_rejects_every_push() {
    let zero = "0".repeat(40);
    let huge = format!("version: 1\n#{}\n", "x".repeat(1024 * 1024));
    let cases: [(&str, &str); 2] = [
        (
            "version: 1\n\0\n",
            "not a rules file: it contains NUL bytes",
        ),
        (&huge, "the limit is 1048576 bytes"),
    ];
    for (content, want) in cases {
        let (server, client) = setup_with(content);
        let head = client.rev("HEAD");
        assert_bad_input(&server, &format!("{zero} {head} refs/heads/x\n"), want);
    }
    let server = Server::new();
    let client = TestRepo::new();
    client.remote(&server);
    std::fs::write(client.path().join("real.yaml"), rules_yaml("", "")).expect("write");
    std::os::unix::fs::symlink("real.yaml", client.path().join(".agentfence.yaml"))
        .expect("symlink");
    let head = client.commit("Rules through a symlink");
    client.git(&["push", "-q", "origin", "main"]);
    server.install_hook();
    assert_bad_input(
        &server,
        &format!("{zero} {head} refs/heads/x\n"),
        "is not a regular file (mode 120000)",
    );
}

#[test]
fn a_broken_symbolic_ref_on_the_server_hides_nothing_and_breaks_nothing() {
    let (server, client) = setup("paths: {allow: ['src/**']}");
    server.git(&["symbolic-ref", "refs/heads/dangling", "refs/heads/unborn"]);
    server.git(&["symbolic-ref", "refs/heads/loop-a", "refs/heads/loop-b"]);
    server.git(&["symbolic-ref", "refs/heads/loop-b", "refs/heads/loop-a"]);
    client.write("src/in.rs", "x\n");
    let ok = bot_commit(&client, "Inside");
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/agent/x"],
        &[],
        &[("refs/heads/agent/x", Some(&ok))],
    );
    client.write("lib/out.rs", "x\n");
    let out = bot_commit(&client, "Outside");
    reject(
        &server,
        &client,
        "HEAD:refs/heads/agent/x",
        &["path-scope"],
        &out,
        &["lib/out.rs"],
    );
}

#[test]
fn the_first_push_into_an_empty_repository_is_judged_by_the_embedded_rules() {
    let server = Server::new();
    server.install_hook();
    let client = TestRepo::new();
    client.remote(&server);
    client.write(".github/workflows/ci.yml", "on: push\n");
    let c = client.commit("Add CI\n\nCo-Authored-By: Claude <noreply@anthropic.com>");
    assert_rejected(
        &server,
        &client,
        &["origin", "main"],
        &[],
        &["path-denied"],
        &[&c],
        &[".github/workflows/ci.yml", "claude-code"],
    );
    client.git(&["rm", "-q", ".github/workflows/ci.yml"]);
    client.write("src/lib.rs", "x\n");
    client.git(&["add", "-A"]);
    client.git(&[
        "commit",
        "-q",
        "--amend",
        "-m",
        "Start\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
    ]);
    let ok = client.rev("HEAD");
    assert_accepted(
        &server,
        &client,
        &["origin", "main"],
        &[],
        &[("refs/heads/main", Some(&ok))],
    );
}

#[test]
fn a_sha256_repository_is_refused_with_one_clear_line() {
    let server = TestRepo::new();
    let out = server.git_output(&["init", "-q", "--bare", "--object-format=sha256", "s256.git"]);
    if !out.status.success() {
        // A git without SHA-256 support cannot make the repository; nothing to test.
        return;
    }
    let bare = server.path().join("s256.git");
    let zero = "0".repeat(64);
    let id = "a".repeat(64);
    let mut cmd = std::process::Command::new(crate::support::bin());
    crate::support::git_env(&mut cmd)
        .current_dir(&bare)
        .env("GIT_DIR", ".")
        .arg("pre-receive")
        .stdin(std::process::Stdio::piped());
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run agentfence");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(format!("{zero} {id} refs/heads/main\n").as_bytes())
            .expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait");
    let err = stderr(&out);
    assert_eq!(code(&out), 2, "{err}");
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(err.starts_with("agentfence: push rejected: "), "{err}");
    assert!(err.contains("uses SHA-256 object ids"), "{err}");
}
