//! Unit tests of loading: the embedded files, problems with positions, globs and case.

use proptest::prelude::*;

use super::*;

fn problems(text: &str) -> Vec<String> {
    match load_str(text, "r.yaml") {
        Ok(_) => Vec::new(),
        Err(e) => e.to_string().lines().map(str::to_string).collect(),
    }
}

#[test]
fn default_rules_load() {
    let rules = default_rules();
    assert_eq!(rules.agents.len(), presets::names().len());
    assert!(rules.default_policy.is_none());
    let p = rules.policy(rules.agents[0].policy);
    assert!(p.paths.deny.is_match(".github/workflows/ci.yml"));
    assert!(p.paths.deny.is_match("config/prod/server.PEM"));
    assert!(p.paths.deny.is_match(".agentfence.yaml"));
    assert!(!p.paths.deny.is_match("src/main.rs"));
    // Agents update branches only: no tags, replace refs or notes.
    let refs = p
        .refs
        .allow
        .as_ref()
        .expect("the default agents policy allows refs");
    assert!(refs.is_match("refs/heads/feature/x") && refs.is_match("refs/heads/main"));
    for other in [
        "refs/tags/v1",
        "refs/replace/0123456789012345678901234567890123456789",
        "refs/notes/commits",
        "refs/remotes/origin/main",
        "refs/heads",
    ] {
        assert!(!refs.is_match(other), "{other}");
    }
    assert!(!p.refs.deny.is_match("refs/heads/feature/x"));
    assert!(p.forbid.force_push && p.forbid.ref_deletion);
    assert_eq!(p.limits.file_size, Some(1 << 20));
    // bytes sits beside lines: 1500 lines at about 87 bytes each.
    assert_eq!(p.limits.commit.lines, Some(1500));
    assert_eq!(p.limits.commit.bytes, Some(128 << 10));
    assert!(p.limits.need_lines());
    // Every preset is an agent of the defaults, in the presets' order.
    let names: Vec<&str> = rules.agents.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, presets::names());
}

#[test]
fn byte_limits_and_approval_compile() {
    let r = load_str(
        "version: 1\npolicies:\n  p:\n    paths: {approve: ['db/**'], approvers: [Alice]}\n    limits:\n      commit: {bytes: 64KiB}\n      push: {bytes: 1000000}\n",
        "t",
    )
    .expect("loads");
    let p = &r.policies[0];
    assert_eq!(p.limits.commit.bytes, Some(65_536));
    assert_eq!(p.limits.push.bytes, Some(1_000_000));
    let approval = p.approval.as_ref().expect("approval");
    assert!(approval.lists("alice") && approval.lists("ALICE") && !approval.lists("bob"));
    assert!(approval.paths.is_match("DB/x") && approval.paths.is_match("db"));
}

#[test]
fn approval_and_byte_problems_are_each_reported_with_positions() {
    let text = "\
version: 1
policies:
  a:
    paths:
      approve: ['db/**']
  b:
    paths:
      approvers: [alice]
  c:
    paths: {approve: ['x/**'], approvers: [alice, ' bob', ALICE]}
    limits:
      commit: {bytes: 1.5MiB}
      push: {bytes: lots}
";
    assert_eq!(
        problems(text),
        vec![
            "r.yaml:5:16: policies.a.paths.approve: `approve` needs `approvers`: list the pushers who may land these paths (e.g. approvers: [alice])".to_string(),
            "r.yaml:8:18: policies.b.paths.approvers: `approvers` without `approve`: list the paths that need an approver's push (e.g. approve: ['migrations/**'])".to_string(),
            r#"r.yaml:10:51: policies.c.paths.approvers[1]: invalid approver name " bob": a pusher name without spaces around it"#.to_string(),
            r#"r.yaml:10:59: policies.c.paths.approvers[2]: duplicate approver "ALICE" (names compare case-insensitively)"#.to_string(),
            r#"r.yaml:12:23: policies.c.limits.commit.bytes: invalid size "1.5MiB": expected a whole number of bytes, or one with KiB, MiB, GiB (1024-based) or KB, MB, GB (1000-based), e.g. 512KiB"#.to_string(),
            r#"r.yaml:13:21: policies.c.limits.push.bytes: invalid size "lots": expected a whole number of bytes, or one with KiB, MiB, GiB (1024-based) or KB, MB, GB (1000-based), e.g. 512KiB"#.to_string(),
        ]
    );
    // `approve` is a path rule: refs have none.
    assert_eq!(
        problems("version: 1\npolicies:\n  p:\n    refs: {approve: ['x']}\n"),
        vec!["r.yaml:4:12: policies.p.refs.approve: unknown field `approve`, expected `allow` or `deny`".to_string()]
    );
}

#[test]
fn warns_when_ref_rules_bind_agents_known_only_by_markers() {
    let text = "\
version: 1
agents:
  - {name: a, preset: claude-code, policy: marked}
  - {name: b, match: {pusher: [svc-b]}, policy: pushed}
  - {name: c, preset: codex, policy: pushed}
default_policy: humans
policies:
  marked:
    refs: {allow: ['refs/heads/agent/**']}
  pushed:
    refs: {deny: ['refs/heads/main']}
  humans:
    refs: {deny: ['refs/heads/release/**']}
  free: {}
";
    let (_, warnings) = load_str_with_warnings(text, "r.yaml").expect("loads");
    let lines: Vec<String> = warnings.iter().map(|w| w.render("r.yaml")).collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("r.yaml:9:11: policies.marked.refs: restricts refs, but no agent that uses it (a) has a `pusher` match"),
        "{}",
        lines[0]
    );
    let (_, defaults) = load_str_with_warnings(DEFAULT_RULES, "d").expect("loads");
    assert_eq!(defaults.len(), 1);
}

#[test]
fn shipped_examples_load() {
    for (name, text) in [
        ("strict", include_str!("../../rules/strict.yaml")),
        ("team", include_str!("../../rules/team.yaml")),
        (
            "contract",
            include_str!("../../fixtures/rules/contract-example.yaml"),
        ),
    ] {
        if let Err(e) = load_str(text, name) {
            panic!("{name}: {e}");
        }
    }
}

#[test]
fn contract_example_compiles_as_documented() {
    let r = load_str(
        include_str!("../../fixtures/rules/contract-example.yaml"),
        "c",
    )
    .expect("loads");
    let a = r.agent("claude-code").expect("agent");
    // Preset markers plus the explicit ones.
    assert!(a.matcher.env.contains(&EnvMarker {
        var: "CLAUDECODE".into(),
        value: Some("1".into())
    }));
    assert_eq!(a.matcher.pusher, vec!["svc-claude".to_string()]);
    let p = r.policy(a.policy);
    assert_eq!(p.task.as_ref().map(|t| t.trailer.as_str()), Some("Task"));
    assert_eq!(p.limits.commit.lines, Some(300));
    assert_eq!(
        r.default_policy.map(|id| r.policy(id).name.as_str()),
        Some("humans")
    );
    let t = &r.tasks["PROJ-142"];
    assert_eq!(
        t.expires,
        Some(time::macros::datetime!(2026-12-31 23:59:59.999_999_999 UTC))
    );
}

#[test]
fn every_problem_is_reported_with_its_position() {
    let text = "\
version: 1
agents:
  - name: Bad
    preset: nope
    policy: missing
policies:
  p:
    paths:
      allow: ['src/**', 'src/[']
    limits:
      file_size: 1.5MiB
";
    assert_eq!(
        problems(text),
        vec![
            r#"r.yaml:3:11: agents[0].name: invalid agent name "Bad": use lowercase letters, digits, '.', '_' and '-', starting with a letter or digit"#.to_string(),
            format!(r#"r.yaml:4:13: agents[0].preset: unknown preset "nope"; known presets: {}"#, presets::names().join(", ")),
            r#"r.yaml:5:13: agents[0].policy: undefined policy "missing"; defined policies: p"#.to_string(),
            r#"r.yaml:9:25: policies.p.paths.allow[1]: invalid glob "src/[": unclosed character class; missing ']'"#.to_string(),
            r#"r.yaml:11:18: policies.p.limits.file_size: invalid size "1.5MiB": expected a whole number of bytes, or one with KiB, MiB, GiB (1024-based) or KB, MB, GB (1000-based), e.g. 512KiB"#.to_string(),
        ]
    );
}

#[test]
fn unknown_key_names_the_key() {
    assert_eq!(
        problems("version: 1\npolicies:\n  p:\n    pathz: {}\n"),
        vec!["r.yaml:4:5: policies.p.pathz: unknown field `pathz`, expected one of `refs`, `paths`, `limits`, `task`, `forbid`, `enforcement`".to_string()]
    );
}

#[test]
fn versions() {
    assert_eq!(
        problems("version: 2\n"),
        vec![
            r#"r.yaml:1:10: version: unsupported version "2"; this agentfence reads version 1"#
                .to_string()
        ]
    );
    assert_eq!(problems("version: 1\n"), Vec::<String>::new());
    assert_eq!(
        problems("# nothing\n"),
        vec![
            "r.yaml: empty rules file: expected a mapping that starts with `version: 1`"
                .to_string()
        ]
    );
}

fn list(patterns: &[&str], ci: bool) -> GlobList {
    let yaml_list = patterns
        .iter()
        .map(|p| format!("'{p}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let key = if ci { "deny" } else { "allow" };
    let text = format!("version: 1\npolicies:\n  p:\n    paths: {{{key}: [{yaml_list}]}}\n");
    let rules = load_str(&text, "t").expect("loads");
    let scope = &rules.policies[0].paths;
    if ci {
        scope.deny.clone()
    } else {
        scope.allow.clone().expect("allow")
    }
}

#[test]
fn globs_whole_path_and_separators() {
    let allow = list(&["src/*.rs", "**/*.pem", "docs/**"], false);
    assert!(allow.is_match("src/main.rs"));
    assert!(!allow.is_match("src/a/main.rs"), "* must not cross /");
    assert!(!allow.is_match("x/src/main.rs"), "whole-path match");
    assert!(allow.is_match("key.pem") && allow.is_match("a/b/key.pem"));
    assert!(allow.is_match("docs/a/b.md"));
    assert_eq!(allow.first_match("docs/x.pem"), Some("**/*.pem"));
    assert!(!list(&["src/?"], false).is_match("src//"));
    assert!(!list(&["a?b"], false).is_match("a/b"));
}

#[test]
fn deny_is_case_insensitive_allow_is_not() {
    let deny = list(&[".github/workflows/**"], true);
    assert!(deny.case_insensitive);
    assert!(deny.is_match(".GitHub/Workflows/ci.yml"));
    let allow = list(&["src/**"], false);
    assert!(!allow.case_insensitive);
    assert!(!allow.is_match("SRC/main.rs"));
}

fn flip_case(s: &str, mask: &[bool]) -> String {
    s.chars()
        .zip(mask.iter().cycle())
        .map(|(c, &up)| {
            if up {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn deny_catches_case_variants(
        dir in "[a-z]{1,6}(/[a-z]{1,6}){0,2}",
        file in "[a-z]{1,8}\\.[a-z]{1,3}",
        mask in prop::collection::vec(any::<bool>(), 1..16),
    ) {
        let path = format!("{dir}/{file}");
        let deny = list(&[&format!("{dir}/**")], true);
        prop_assert!(deny.is_match(&path));
        prop_assert!(deny.is_match(&flip_case(&path, &mask)));
        let workflows = list(&[".github/workflows/**"], true);
        let ci = format!(".github/workflows/{file}");
        prop_assert!(workflows.is_match(&flip_case(&ci, &mask)));
    }

    #[test]
    fn allow_does_not_widen_by_case(
        dir in "[a-z]{1,6}",
        file in "[a-z]{1,8}\\.rs",
        mask in prop::collection::vec(any::<bool>(), 1..16),
    ) {
        let allow = list(&[&format!("{dir}/**")], false);
        let path = format!("{dir}/{file}");
        let flipped = flip_case(&path, &mask);
        prop_assert!(allow.is_match(&path));
        prop_assert_eq!(allow.is_match(&flipped), flipped.starts_with(&format!("{dir}/")));
    }

    #[test]
    fn star_never_crosses_slash(
        a in "[a-z]{1,5}",
        mids in prop::collection::vec("[a-z]{1,5}", 1..4),
        ext in "[a-z]{1,3}",
    ) {
        let single = list(&[&format!("{a}/*.{ext}")], true);
        let deep = format!("{a}/{}.{ext}", mids.join("/"));
        prop_assert_eq!(single.is_match(&deep), mids.len() == 1);
        let double = list(&[&format!("{a}/**/*.{ext}")], true);
        prop_assert!(double.is_match(&deep));
    }
}
