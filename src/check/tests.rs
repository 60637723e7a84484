//! The engine on literal values: no repository, no I/O.

use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::*;
use crate::model::{ChangeKind, FileMode, Identity, LineStats};
use crate::rules::load_str;
use crate::signature::SignatureCheck;
use crate::trailers::Trailer;
use crate::violation::RuleId;

const NOW: OffsetDateTime = datetime!(2026-06-15 12:00:00 UTC);

fn rules(policy: &str, extra: &str) -> Rules {
    let text = format!(
        "version: 1\nagents:\n  - {{name: bot, match: {{trailer: {{Agent: '^bot$'}}}}, policy: p}}\n  - {{name: someone-else, match: {{trailer: {{Agent: '^else$'}}}}, policy: p}}\npolicies:\n  p:\n{}\n{extra}",
        policy
            .lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    load_str(&text, "test.yaml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn id(n: u8) -> ObjectId {
    ObjectId::from_hex(&format!("{n:02x}").repeat(20)).expect("hex")
}

fn facts(parents: usize) -> CommitFacts {
    facts_of(1, parents)
}

fn facts_of(n: u8, parents: usize) -> CommitFacts {
    CommitFacts {
        id: id(n),
        parents: (0..parents).map(|p| id(10 + p as u8)).collect(),
        author: Identity {
            name: "A".into(),
            email: "a@x".into(),
        },
        committer: Identity {
            name: "A".into(),
            email: "a@x".into(),
        },
        message: "m".into(),
    }
}

fn bot(extra: &[(&str, &str)]) -> Vec<Trailer> {
    let mut t = vec![Trailer {
        key: "Agent".into(),
        value: "bot".into(),
    }];
    t.extend(extra.iter().map(|(k, v)| Trailer {
        key: (*k).into(),
        value: (*v).into(),
    }));
    t
}

fn added(path: &str, lines: u64) -> FileChange {
    FileChange {
        old_path: None,
        new_path: Some(path.into()),
        kind: ChangeKind::Added,
        old_mode: None,
        new_mode: Some(FileMode::FILE),
        lines: Some(LineStats {
            added: lines,
            deleted: 0,
        }),
        binary: false,
        new_size: Some(lines * 10),
        bytes: lines * 10,
    }
}

/// Changes for the engine from a list of files.
fn files(list: &[FileChange]) -> CommitChanges {
    CommitChanges {
        files: list.to_vec(),
        ..CommitChanges::default()
    }
}

fn judge(
    rules: &Rules,
    trailers: &[Trailer],
    parents: usize,
    changes: &[FileChange],
) -> Vec<RuleId> {
    judge_at(rules, trailers, parents, changes, NOW)
}

fn judge_at(
    rules: &Rules,
    trailers: &[Trailer],
    parents: usize,
    changes: &[FileChange],
    now: OffsetDateTime,
) -> Vec<RuleId> {
    let engine = Engine::new(rules, Actor::default(), now, false);
    let facts = facts(parents);
    let attribution = engine.attribute(&facts, trailers, true, &SignatureCheck::none());
    engine
        .check_commit(&facts, trailers, attribution, &files(changes))
        .violations
        .into_iter()
        .map(|v| v.rule)
        .collect()
}

#[test]
fn deny_beats_allow_and_the_rules_file_is_always_denied() {
    let r = rules("paths: {allow: ['**'], deny: ['secret/**']}", "");
    assert_eq!(judge(&r, &bot(&[]), 1, &[added("a.rs", 1)]), []);
    assert_eq!(
        judge(&r, &bot(&[]), 1, &[added("Secret/k", 1)]),
        [RuleId::PathDenied]
    );
    assert_eq!(
        judge(&r, &bot(&[]), 1, &[added(".agentfence.yaml", 1)]),
        [RuleId::PathDenied]
    );
    // A commit no agent owns, with no default policy, is unchecked.
    assert_eq!(judge(&r, &[], 1, &[added(".agentfence.yaml", 1)]), []);
}

#[test]
fn a_rename_must_pass_at_both_paths() {
    let r = rules("paths: {allow: ['src/**']}", "");
    let rename = FileChange {
        old_path: Some("src/a.rs".into()),
        new_path: Some("lib/a.rs".into()),
        kind: ChangeKind::Renamed,
        old_mode: Some(FileMode::FILE),
        new_mode: Some(FileMode::FILE),
        lines: Some(LineStats::default()),
        binary: false,
        new_size: Some(3),
        bytes: 3,
    };
    assert_eq!(
        judge(&r, &bot(&[]), 1, std::slice::from_ref(&rename)),
        [RuleId::PathScope]
    );
    let mut back = rename;
    std::mem::swap(&mut back.old_path, &mut back.new_path);
    assert_eq!(judge(&r, &bot(&[]), 1, &[back]), [RuleId::PathScope]);
}

#[test]
fn limits_are_inclusive() {
    let r = rules(
        "limits: {commit: {files: 2, lines: 10}, file_size: 100}",
        "",
    );
    let at = [added("a", 5), added("b", 5)];
    assert_eq!(judge(&r, &bot(&[]), 1, &at), []);
    let over = [added("a", 5), added("b", 6)];
    assert_eq!(judge(&r, &bot(&[]), 1, &over), [RuleId::CommitLines]);
    let three = [added("a", 1), added("b", 1), added("c", 1)];
    assert_eq!(judge(&r, &bot(&[]), 1, &three), [RuleId::CommitFiles]);
    let mut big = added("big", 1);
    big.new_size = Some(101);
    assert_eq!(judge(&r, &bot(&[]), 1, &[big.clone()]), [RuleId::FileSize]);
    big.new_size = Some(100);
    assert_eq!(judge(&r, &bot(&[]), 1, &[big]), []);
}

#[test]
fn forbidden_changes_are_classified_as_git_records_them() {
    let r = rules(
        "forbid: [merge, binary, symlink, submodule, mode-change]",
        "",
    );
    assert_eq!(judge(&r, &bot(&[]), 2, &[]), [RuleId::Merge]);
    let mut exe = added("run.sh", 1);
    exe.new_mode = Some(FileMode::EXECUTABLE);
    assert_eq!(judge(&r, &bot(&[]), 1, &[exe]), [RuleId::ModeChange]);
    let chmod = FileChange {
        old_path: Some("a".into()),
        new_path: Some("a".into()),
        kind: ChangeKind::Modified,
        old_mode: Some(FileMode::FILE),
        new_mode: Some(FileMode::EXECUTABLE),
        lines: Some(LineStats::default()),
        binary: false,
        new_size: Some(1),
        bytes: 1,
    };
    assert_eq!(judge(&r, &bot(&[]), 1, &[chmod]), [RuleId::ModeChange]);
    let mut link = added("l", 1);
    link.new_mode = Some(FileMode::SYMLINK);
    assert_eq!(judge(&r, &bot(&[]), 1, &[link]), [RuleId::Symlink]);
    let mut sub = added("vendor/x", 1);
    sub.new_mode = Some(FileMode::GITLINK);
    sub.new_size = None;
    assert_eq!(judge(&r, &bot(&[]), 1, &[sub]), [RuleId::Submodule]);
    let mut bin = added("x.bin", 0);
    bin.binary = true;
    bin.lines = None;
    assert_eq!(judge(&r, &bot(&[]), 1, &[bin]), [RuleId::Binary]);
    // Deleting a binary file, a link or a submodule is no violation.
    let gone = FileChange {
        old_path: Some("x.bin".into()),
        new_path: None,
        kind: ChangeKind::Deleted,
        old_mode: Some(FileMode::SYMLINK),
        new_mode: None,
        lines: None,
        binary: true,
        new_size: None,
        bytes: 0,
    };
    assert_eq!(judge(&r, &bot(&[]), 1, &[gone]), []);
}

#[test]
fn task_expiry_is_judged_one_second_either_side_of_now() {
    let r = rules(
        "task: {registry: true}",
        "tasks:\n  T-1: {expires: '2026-06-15T12:00:00Z'}\n",
    );
    let t = bot(&[("Task", "T-1")]);
    let change = [added("a", 1)];
    let expires = datetime!(2026-06-15 12:00:00 UTC);
    assert_eq!(
        judge_at(&r, &t, 1, &change, expires - Duration::seconds(1)),
        []
    );
    assert_eq!(judge_at(&r, &t, 1, &change, expires), []);
    assert_eq!(
        judge_at(&r, &t, 1, &change, expires + Duration::seconds(1)),
        [RuleId::TaskExpired]
    );
}

#[test]
fn a_date_expiry_lasts_to_the_end_of_that_day() {
    let r = rules(
        "task: {registry: true}",
        "tasks:\n  T-1: {expires: 2026-06-15}\n",
    );
    let t = bot(&[("Task", "T-1")]);
    let change = [added("a", 1)];
    assert_eq!(
        judge_at(&r, &t, 1, &change, datetime!(2026-06-15 23:59:59 UTC)),
        []
    );
    assert_eq!(
        judge_at(&r, &t, 1, &change, datetime!(2026-06-16 00:00:00 UTC)),
        [RuleId::TaskExpired]
    );
}

#[test]
fn task_rules_in_order() {
    let r = rules(
        "task: {pattern: '^[A-Z]+-[0-9]+$', registry: true}",
        "tasks:\n  A-1: {agents: [bot], paths: ['ui/**']}\n  B-1: {agents: [someone-else]}\n",
    );
    let ui = [added("ui/x", 1)];
    assert_eq!(judge(&r, &bot(&[]), 1, &ui), [RuleId::TaskMissing]);
    assert_eq!(
        judge(&r, &bot(&[("Task", "a-1")]), 1, &ui),
        [RuleId::TaskMalformed]
    );
    assert_eq!(
        judge(&r, &bot(&[("Task", "")]), 1, &ui),
        [RuleId::TaskMalformed]
    );
    assert_eq!(
        judge(&r, &bot(&[("Task", "C-1")]), 1, &ui),
        [RuleId::TaskUnknown]
    );
    assert_eq!(
        judge(&r, &bot(&[("Task", "B-1")]), 1, &ui),
        [RuleId::TaskAgent]
    );
    assert_eq!(judge(&r, &bot(&[("Task", "A-1")]), 1, &ui), []);
    assert_eq!(
        judge(&r, &bot(&[("task", "A-1"), ("TASK", "A-1")]), 1, &ui),
        []
    );
    assert_eq!(
        judge(&r, &bot(&[("Task", "A-1"), ("Task", "B-1")]), 1, &ui),
        [RuleId::TaskMalformed]
    );
    assert_eq!(
        judge(&r, &bot(&[("Task", "A-1")]), 1, &[added("api/x", 1)]),
        [RuleId::TaskScope]
    );
}

#[test]
fn push_limits_are_per_agent_and_refs_bind_pusher_and_owners() {
    let r = rules(
        "refs: {allow: ['refs/heads/agent/**']}\nlimits: {push: {commits: 1}}\nforbid: [force-push, ref-deletion]",
        "",
    );
    let actor = Actor {
        pushers: Vec::new(),
        pushing: true,
        ..Actor::default()
    };
    let engine = Engine::new(&r, actor, NOW, false);
    let t = bot(&[]);
    let (f1, f2, f3) = (facts_of(1, 1), facts_of(2, 1), facts_of(3, 1));
    let one = engine.check_commit(
        &f1,
        &t,
        engine.attribute(&f1, &t, true, &SignatureCheck::none()),
        &files(&[added("a", 1)]),
    );
    let two = engine.check_commit(
        &f2,
        &t,
        engine.attribute(&f2, &t, true, &SignatureCheck::none()),
        &files(&[added("b", 1)]),
    );
    let human = engine.check_commit(
        &f3,
        &[],
        engine.attribute(&f3, &[], true, &SignatureCheck::none()),
        &files(&[added("c", 1)]),
    );
    let outcomes = [one, two, human];
    let updates = [
        RefUpdate {
            name: "refs/heads/main".into(),
            old: Some(id(9)),
            new: Some(id(1)),
            forced: true,
            brought: vec![id(1)],
            target_is_commit: true,
        },
        RefUpdate {
            name: "refs/heads/agent/x".into(),
            old: Some(id(9)),
            new: None,
            forced: false,
            brought: vec![],
            target_is_commit: true,
        },
    ];
    let report = engine
        .report(&updates, &outcomes, Default::default())
        .expect("every brought commit is judged");
    let rules: Vec<RuleId> = report.violations.iter().map(|v| v.rule).collect();
    // main: the bot owns a new commit (ref-scope, force-push); agent/x: no owner, no
    // pusher identity and no default policy, so nothing binds the deletion; then the
    // bot's two commits exceed its push limit of one.
    assert_eq!(
        rules,
        [RuleId::RefScope, RuleId::ForcePush, RuleId::PushCommits]
    );
    assert!(report.rejected());
    assert_eq!(report.commits, 3);
    assert_eq!(report.refs, 2);
}

#[test]
fn audit_and_warn_make_every_violation_a_warning() {
    let r = rules("paths: {allow: ['src/**']}", "");
    let engine = Engine::new(&r, Actor::default(), NOW, true);
    let f = facts(1);
    let t = bot(&[]);
    let out = engine.check_commit(
        &f,
        &t,
        engine.attribute(&f, &t, true, &SignatureCheck::none()),
        &files(&[added("x", 1)]),
    );
    assert_eq!(out.violations[0].severity, Severity::Warning);
    let r = rules("paths: {allow: ['src/**']}\nenforcement: warn", "");
    let engine = Engine::new(&r, Actor::default(), NOW, false);
    let out = engine.check_commit(
        &f,
        &t,
        engine.attribute(&f, &t, true, &SignatureCheck::none()),
        &files(&[added("x", 1)]),
    );
    assert_eq!(out.violations[0].severity, Severity::Warning);
    let report = Report {
        violations: out.violations,
        commits: 1,
        refs: 0,
        ..Report::default()
    };
    assert!(!report.rejected());
}
