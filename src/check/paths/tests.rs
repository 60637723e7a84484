//! Path rules on literal values: every spelling trick an agent could try on a checkout.

use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

use super::*;
use crate::model::{ChangeKind, FileMode, LineStats};
use crate::rules::{Rules, load_str};

fn rules(paths: &str) -> Rules {
    let text = format!("version: 1\npolicies:\n  p:\n    paths: {paths}\n");
    load_str(&text, "t.yaml").unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn judge(r: &Rules, path: &str) -> Option<RuleId> {
    judge_as(r, path, true, false)
}

fn judge_as(r: &Rules, path: &str, is_agent: bool, approved: bool) -> Option<RuleId> {
    let rules = PathRules {
        policy: &r.policies[0],
        is_agent,
        grant: None,
        approved,
        protected: None,
    };
    check_path(&rules, path).map(|v| v.rule)
}

fn change(
    path: &str,
    kind: ChangeKind,
    old: Option<FileMode>,
    new: Option<FileMode>,
) -> FileChange {
    FileChange {
        old_path: old.map(|_| path.to_owned()),
        new_path: new.map(|_| path.to_owned()),
        kind,
        old_mode: old,
        new_mode: new,
        lines: Some(LineStats::default()),
        binary: false,
        new_size: Some(1),
        bytes: 1,
    }
}

fn judge_changes(r: &Rules, changes: &[FileChange]) -> Vec<(RuleId, String)> {
    let rules = PathRules {
        policy: &r.policies[0],
        is_agent: true,
        grant: None,
        approved: false,
        protected: None,
    };
    check(&rules, changes)
        .into_iter()
        .map(|v| (v.rule, v.path.unwrap_or_default()))
        .collect()
}

const DENIED: Option<RuleId> = Some(RuleId::PathDenied);

#[test]
fn unicode_case_folding_catches_long_s_kelvin_and_sharp_s() {
    let r = rules("{deny: ['src/secret/**', 'keys/**', 'strasse/**']}");
    assert_eq!(judge(&r, "src/secret/x"), DENIED);
    assert_eq!(judge(&r, "src/ſecret/x"), DENIED, "ſ (U+017F) folds to s");
    assert_eq!(judge(&r, "SRC/ſECRET/x"), DENIED);
    assert_eq!(
        judge(&r, "\u{212A}eys/id"),
        DENIED,
        "Kelvin sign folds to k"
    );
    assert_eq!(judge(&r, "STRASSE/a"), DENIED);
    assert_eq!(judge(&r, "Straße/a"), DENIED, "ß folds to ss");
    assert_eq!(judge(&r, "src/secrets/x"), None);
}

#[test]
fn nfc_and_nfd_spellings_are_one_path() {
    let nfc = "café";
    let nfd: String = nfc.nfd().collect();
    assert_ne!(nfc, nfd);
    for pattern in [nfc, nfd.as_str()] {
        let r = rules(&format!("{{deny: ['{pattern}/**']}}"));
        for path in [nfc, nfd.as_str(), "CAFÉ", "Cafe\u{301}"] {
            assert_eq!(
                judge(&r, &format!("{path}/menu.txt")),
                DENIED,
                "{pattern:?} vs {path:?}"
            );
        }
        // `*` takes any spelling of the accent.
        let star = rules("{deny: ['caf*/**']}");
        assert_eq!(judge(&star, &format!("{nfd}/x")), DENIED);
    }
}

#[test]
fn ntfs_and_hfs_spellings_are_caught() {
    let r = rules("{deny: ['deploy/**', '**/*.pem', '.github/workflows/**']}");
    for path in [
        "Deploy./run.sh",
        "deploy /run.sh",
        "deploy. . ./run.sh",
        "deploy\\run.sh",
        "dep\u{200C}loy/run.sh",
        "\u{FEFF}deploy/run.sh",
        "secret.pem::$DATA",
        "keys/secret.PEM:stream",
        "keys/secret.pem.",
        ".git\u{200D}hub/workflows/ci.yml",
        ".github/workflows./ci.yml",
    ] {
        assert_eq!(judge(&r, path), DENIED, "{path:?}");
    }
    assert_eq!(judge(&r, "src/deploy.rs"), None);
    assert_eq!(judge(&r, "deployment/x"), None);
}

#[test]
fn a_recursive_deny_denies_the_directory_itself() {
    let r = rules("{deny: ['deploy/**', '**/.ssh/**']}");
    assert_eq!(judge(&r, "deploy"), DENIED);
    assert_eq!(judge(&r, "DEPLOY."), DENIED);
    assert_eq!(judge(&r, "home/.ssh"), DENIED);
    assert_eq!(judge(&r, "deploy2"), None);
}

#[test]
fn links_and_submodules_at_a_denied_directory_or_above_are_denied() {
    let r = rules("{deny: ['.github/workflows/**', 'deploy/**/*.sh', '**/*.pem']}");
    let link = |p: &str| change(p, ChangeKind::Added, None, Some(FileMode::SYMLINK));
    let sub = |p: &str| change(p, ChangeKind::Added, None, Some(FileMode::GITLINK));
    let file = |p: &str| change(p, ChangeKind::Added, None, Some(FileMode::FILE));
    let denied = |c: FileChange| judge_changes(&r, &[c]).first().map(|v| v.0);
    assert_eq!(denied(link(".github")), DENIED);
    assert_eq!(denied(link(".GitHub")), DENIED);
    assert_eq!(denied(sub(".github/workflows")), DENIED);
    assert_eq!(denied(link("deploy")), DENIED);
    assert_eq!(denied(link("deploy/tools")), DENIED);
    // A regular file named .github holds no workflow; a link anywhere else reaches nothing
    // denied (`**/*.pem` matches a pem wherever a link would re-expose it).
    assert_eq!(denied(file(".github")), None);
    assert_eq!(denied(link("src/certs")), None);
    // Replacing the link by a file, or deleting it, is judged too.
    let retyped = change(
        "deploy/tools",
        ChangeKind::TypeChanged,
        Some(FileMode::SYMLINK),
        Some(FileMode::FILE),
    );
    assert_eq!(denied(retyped), DENIED);
}

#[test]
fn allow_stays_exact() {
    let nfd: String = "café".nfd().collect();
    let r = rules("{allow: ['src/**', 'café/**']}");
    assert_eq!(judge(&r, "src/x.rs"), None);
    assert_eq!(judge(&r, "SRC/x.rs"), Some(RuleId::PathScope));
    assert_eq!(judge(&r, "ſrc/x.rs"), Some(RuleId::PathScope));
    assert_eq!(judge(&r, "src./x.rs"), Some(RuleId::PathScope));
    assert_eq!(judge(&r, "src"), Some(RuleId::PathScope));
    assert_eq!(judge(&r, &format!("{nfd}/x")), Some(RuleId::PathScope));
}

#[test]
fn the_rules_file_in_any_spelling_is_denied_to_agents() {
    let r = rules("{allow: ['**']}");
    for path in [
        ".agentfence.yaml",
        ".AgentFence.YAML",
        ".agentfence.yaml.",
        ".agentfence.yaml::$DATA",
        ".agent\u{200C}fence.yaml",
        ".agentfence.yaml/x",
    ] {
        assert_eq!(judge(&r, path), DENIED, "{path:?}");
        assert_eq!(
            judge_as(&r, path, false, false),
            None,
            "a human may: {path:?}"
        );
    }
    assert_eq!(judge(&r, "docs/.agentfence.yaml"), None);
}

#[test]
fn approve_needs_an_approver_and_deny_still_wins() {
    let r =
        rules("{deny: ['migrations/secret/**'], approve: ['migrations/**'], approvers: [alice]}");
    let required = Some(RuleId::ApprovalRequired);
    assert_eq!(judge(&r, "migrations/001.sql"), required);
    assert_eq!(
        judge(&r, "Migrations./001.sql"),
        required,
        "approve matches folded"
    );
    assert_eq!(judge(&r, "migrations"), required, "X/** covers X");
    assert_eq!(judge_as(&r, "migrations/001.sql", true, true), None);
    assert_eq!(
        judge_as(&r, "migrations/001.sql", false, false),
        None,
        "humans need none"
    );
    assert_eq!(judge_as(&r, "migrations/secret/k", true, true), DENIED);
    assert_eq!(judge(&r, "src/a.rs"), None);
    let link = change("db", ChangeKind::Added, None, Some(FileMode::SYMLINK));
    let nested = rules("{approve: ['db/migrations/**'], approvers: [alice]}");
    assert_eq!(
        judge_changes(&nested, &[link]),
        [(RuleId::ApprovalRequired, "db".to_owned())]
    );
}

#[test]
fn approval_needs_known_listed_non_agent_pushers() {
    let r = rules("{approve: ['m/**'], approvers: [Alice, bob]}");
    let approval = r.policies[0].approval.as_ref();
    assert!(approved_by(approval, &["alice"], false));
    assert!(approved_by(approval, &["ALICE", "Bob"], false));
    assert!(
        !approved_by(approval, &[], false),
        "an unknown pusher approves nothing"
    );
    assert!(
        !approved_by(approval, &["alice"], true),
        "an agent never approves"
    );
    assert!(!approved_by(approval, &["alice", "mallory"], false));
    assert!(!approved_by(approval, &["alicex"], false));
    assert!(approved_by(None, &[], false), "nothing to approve");
}

#[test]
fn also_checked_paths_pass_every_path_rule_without_repeats() {
    let r =
        rules("{allow: ['src/**'], deny: ['.github/**'], approve: ['src/db/**'], approvers: [a]}");
    let rules = PathRules {
        policy: &r.policies[0],
        is_agent: true,
        grant: None,
        approved: false,
        protected: None,
    };
    let charged = [change(
        "src/ok.rs",
        ChangeKind::Modified,
        Some(FileMode::FILE),
        Some(FileMode::FILE),
    )];
    let extra: Vec<String> = [
        ".github/workflows/ci.yml",
        "docs/x.md",
        "src/db/m.sql",
        "src/ok.rs",
    ]
    .map(str::to_owned)
    .to_vec();
    let found: Vec<(RuleId, String)> = check_also_checked(&rules, &extra, &charged)
        .into_iter()
        .map(|v| (v.rule, v.path.unwrap_or_default()))
        .collect();
    assert_eq!(
        found,
        [
            (RuleId::PathDenied, ".github/workflows/ci.yml".to_owned()),
            (RuleId::PathScope, "docs/x.md".to_owned()),
            (RuleId::ApprovalRequired, "src/db/m.sql".to_owned()),
        ]
    );
}

/// Flips the case of the characters `mask` selects, Unicode-wide (`ß` → `SS`).
fn flip(s: &str, mask: &[bool]) -> String {
    s.chars()
        .zip(mask.iter().cycle())
        .flat_map(|(c, &up)| {
            let v: Vec<char> = if up {
                c.to_uppercase().collect()
            } else {
                c.to_lowercase().collect()
            };
            v
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn a_denied_path_stays_denied_in_every_spelling(
        dir in "[a-zßéøåçſ]{1,6}",
        sub in "[a-zéü]{1,6}",
        file in "[a-zé]{1,6}\\.[a-z]{1,3}",
        mask in prop::collection::vec(any::<bool>(), 1..16),
        nfd in any::<bool>(),
        dots in 0usize..3,
    ) {
        let r = rules(&format!("{{deny: ['{dir}/**']}}"));
        let path = format!("{dir}/{sub}/{file}");
        prop_assert_eq!(judge(&r, &path), DENIED);
        let mut spelled = flip(&path, &mask);
        if nfd {
            spelled = spelled.nfd().collect();
        }
        let (first, rest) = spelled.split_once('/').expect("a slash");
        let spelled = format!("{first}{}/{rest}", ".".repeat(dots));
        prop_assert_eq!(judge(&r, &spelled), DENIED, "{:?}", spelled);
    }

    #[test]
    fn allow_never_widens(
        dir in "[a-zéß]{1,6}",
        file in "[a-z]{1,8}\\.rs",
        mask in prop::collection::vec(any::<bool>(), 1..16),
        nfd in any::<bool>(),
    ) {
        let r = rules(&format!("{{allow: ['{dir}/**']}}"));
        let path = format!("{dir}/{file}");
        prop_assert_eq!(judge(&r, &path), None);
        let mut spelled = flip(&path, &mask);
        if nfd {
            spelled = spelled.nfd().collect();
        }
        let allowed = judge(&r, &spelled).is_none();
        prop_assert_eq!(allowed, spelled.starts_with(&format!("{dir}/")), "{:?}", spelled);
    }
}
