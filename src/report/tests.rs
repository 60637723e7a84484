//! Every format on literal reports: snapshots of what users see, the JSON parsed back field
//! by field, and the SARIF validated against the official SARIF 2.1.0 schema (offline, from
//! the `serde-sarif` crate's copy).

use serde_json::Value;

use super::*;
use crate::model::ObjectId;
use crate::violation::RuleId;

const SHA1: &str = "3f2a9c1b0d4e5f60718293a4b5c6d7e8f9012345";
const SHA256: &str = "9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e";
const TRICKY_PATH: &str = "docs/my notes, v2: résumé\nä.md";

fn id(hex: &str) -> ObjectId {
    ObjectId::from_hex(hex).expect("test ids are valid hex")
}

fn accepted() -> Report {
    Report {
        violations: Vec::new(),
        commits: 12,
        refs: 1,
        owners: vec![("claude-code".to_owned(), 9), ("unchecked".to_owned(), 3)],
        rules: "embedded default".to_owned(),
        ..Report::default()
    }
}

/// A commit-level error, a ref-level error and a push-level warning.
fn rejected() -> Report {
    let mut on_commit = Violation::new(
        RuleId::PathDenied,
        ".github/workflows/ci.yml matches deny pattern '.github/**' of policy agents",
    )
    .with_path(".github/workflows/ci.yml");
    on_commit.commit = Some(id(SHA1));
    on_commit.ref_name = Some("refs/heads/agent/x".into());
    on_commit.agent = Some("claude-code".into());
    on_commit.task = Some("PROJ-1".into());

    let mut on_ref = Violation::new(
        RuleId::RefScope,
        "refs/heads/main matches deny pattern 'refs/heads/main' of policy agents",
    );
    on_ref.ref_name = Some("refs/heads/main".into());
    on_ref.agent = Some("claude-code".into());

    let mut on_push = Violation::new(
        RuleId::PushLines,
        "the push changes 1800 lines; the limit is 1500",
    )
    .with_limit(1500, 1800);
    on_push.severity = Severity::Warning;
    on_push.agent = Some("claude-code".into());

    Report {
        violations: vec![on_commit, on_ref, on_push],
        commits: 12,
        refs: 1,
        ..Report::default()
    }
}

/// Only warnings: accepted, but every violation still reported.
fn warnings_only() -> Report {
    let mut lines = Violation::new(
        RuleId::CommitLines,
        "the commit changes 420 lines; the limit is 300",
    )
    .with_limit(300, 420);
    lines.severity = Severity::Warning;
    lines.commit = Some(id(SHA1));
    lines.agent = Some("aider".into());
    let mut task = Violation::new(RuleId::TaskMissing, "the commit names no Task trailer");
    task.severity = Severity::Warning;
    task.commit = Some(id(SHA1));
    task.agent = Some("aider".into());
    Report {
        violations: vec![lines, task],
        commits: 1,
        refs: 0,
        ..Report::default()
    }
}

/// A path with spaces, a comma, a colon, a newline and non-ASCII, in a SHA-256 repository.
fn tricky() -> Report {
    let mut v = Violation::new(
        RuleId::PathScope,
        format!("{TRICKY_PATH} is outside the paths policy agents allows (src/**)"),
    )
    .with_path(TRICKY_PATH);
    v.commit = Some(id(SHA256));
    v.ref_name = Some("refs/heads/agent/x".into());
    v.agent = Some("codex".into());
    Report {
        violations: vec![v],
        commits: 1,
        refs: 1,
        ..Report::default()
    }
}

fn all_reports() -> [(&'static str, Report); 4] {
    [
        ("accepted", accepted()),
        ("rejected", rejected()),
        ("warnings_only", warnings_only()),
        ("tricky", tricky()),
    ]
}

fn rendered(report: &Report, format: Format, opts: RenderOptions) -> String {
    let mut out = Vec::new();
    render(report, format, &opts, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("reports are UTF-8")
}

fn plain(report: &Report, format: Format) -> String {
    rendered(report, format, RenderOptions::default())
}

/// SARIF with the crate version masked, so that a release does not churn snapshots.
fn sarif_snapshot_text(report: &Report) -> String {
    plain(report, Format::Sarif).replace(
        &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
        "\"version\": \"[version]\"",
    )
}

// ---- formats -------------------------------------------------------------------------

#[test]
fn formats_parse_from_their_names() {
    for &format in Format::ALL {
        assert_eq!(format.as_str().parse::<Format>(), Ok(format));
        assert_eq!(format.to_string(), format.as_str());
    }
    let err = "xml".parse::<Format>().expect_err("xml is no format");
    assert_eq!(
        err.to_string(),
        "unknown report format 'xml' (expected text, json, sarif, github, junit or gitlab)"
    );
    assert!("JSON".parse::<Format>().is_err());
}

#[test]
fn formats_parse_with_clap_as_well() {
    use clap::ValueEnum;
    for &format in Format::ALL {
        assert_eq!(
            <Format as ValueEnum>::from_str(format.as_str(), false),
            Ok(format)
        );
    }
}

// ---- text ----------------------------------------------------------------------------

#[test]
fn text_snapshots() {
    for (name, report) in all_reports() {
        insta::assert_snapshot!(format!("text_{name}"), plain(&report, Format::Text));
    }
}

#[test]
fn text_hook_mode_snapshot() {
    let opts = RenderOptions {
        color: true,
        hook: true,
    };
    let text = rendered(&rejected(), Format::Text, opts);
    assert!(!text.contains('\x1b'), "hook mode never colours");
    insta::assert_snapshot!("text_rejected_hook", text);
}

#[test]
fn text_colour_snapshot() {
    let opts = RenderOptions {
        color: true,
        hook: false,
    };
    let text = rendered(&rejected(), Format::Text, opts);
    assert!(text.contains("\x1b[31mpath-denied"));
    assert!(text.contains("\x1b[33mpush-lines (warning)"));
    assert!(text.contains(&format!("\x1b[2m{}", &SHA1[..10])));
    insta::assert_snapshot!("text_rejected_colour", text.replace('\x1b', "<ESC>"));
}

#[test]
fn text_summary_lines() {
    let first = |r: &Report| plain(r, Format::Text).lines().next().map(str::to_owned);
    assert_eq!(
        first(&accepted()).as_deref(),
        Some(
            "agentfence: accepted: 12 commits (claude-code 9, unchecked 3), 1 ref, no violations; rules: embedded default"
        )
    );
    assert_eq!(
        first(&rejected()).as_deref(),
        Some("agentfence: rejected: 2 errors, 1 warning in 12 commits, 1 ref")
    );
    assert_eq!(
        first(&warnings_only()).as_deref(),
        Some("agentfence: accepted: 2 warnings in 1 commit, 0 refs")
    );
}

#[test]
fn text_lines_are_safe_as_remote_lines() {
    for (name, report) in all_reports() {
        let text = plain(&report, Format::Text);
        assert!(!text.contains('\t'), "{name}: no tabs");
        assert!(text.ends_with('\n'), "{name}: ends with a newline");
        // One summary line, one line per violation, and the help block when needed.
        let helps = if report.violations.is_empty() {
            0
        } else {
            1 + report
                .violations
                .iter()
                .map(|v| v.rule)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        };
        assert_eq!(
            text.lines().count(),
            1 + report.violations.len() + helps,
            "{name}: a newline in a path must not start a line"
        );
    }
}

#[test]
fn text_path_column_opens_the_sentence() {
    let text = plain(&rejected(), Format::Text);
    assert!(text.contains(
        "claude-code  .github/workflows/ci.yml matches deny pattern '.github/**' of policy agents\n"
    ));
    // A message that does not open with its path keeps it whole.
    let mut report = rejected();
    report.violations[0].message = "denied".into();
    assert!(plain(&report, Format::Text).contains(".github/workflows/ci.yml denied\n"));
}

#[test]
fn text_help_lists_each_rule_once() {
    let mut report = rejected();
    report.violations.push(report.violations[0].clone());
    let text = plain(&report, Format::Text);
    let help = format!("  path-denied: {}", RuleId::PathDenied.help());
    assert_eq!(text.matches(&help).count(), 1);
}

// ---- json ----------------------------------------------------------------------------

#[test]
fn json_snapshots() {
    for (name, report) in all_reports() {
        insta::assert_snapshot!(format!("json_{name}"), plain(&report, Format::Json));
    }
}

#[test]
fn json_parses_back_to_the_contract_shape() {
    const KEYS: [&str; 10] = [
        "rule", "severity", "commit", "ref", "agent", "task", "path", "limit", "actual", "message",
    ];
    for (name, report) in all_reports() {
        let text = plain(&report, Format::Json);
        assert!(text.ends_with('\n'), "{name}: ends with a newline");
        let doc: Value = serde_json::from_str(&text).expect("the JSON report parses");
        let top: Vec<&str> = doc
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected_top = vec!["checked", "verdict", "violations"];
        expected_top.sort_unstable();
        let mut top_sorted = top.clone();
        top_sorted.sort_unstable();
        assert_eq!(top_sorted, expected_top, "{name}");
        assert_eq!(
            doc["verdict"],
            if report.rejected() {
                "rejected"
            } else {
                "accepted"
            }
        );
        assert_eq!(doc["checked"]["commits"], report.commits);
        assert_eq!(doc["checked"]["refs"], report.refs);
        let list = doc["violations"].as_array().expect("an array");
        assert_eq!(list.len(), report.violations.len(), "{name}");
        for (json, v) in list.iter().zip(&report.violations) {
            let obj = json.as_object().expect("an object");
            assert_eq!(obj.len(), KEYS.len(), "{name}: every key, no other");
            for key in KEYS {
                assert!(obj.contains_key(key), "{name}: {key} present");
            }
            assert_eq!(json["rule"], v.rule.as_str());
            assert_eq!(json["severity"], v.severity.as_str());
            assert_eq!(
                json["commit"].as_str(),
                v.commit.as_ref().map(|c| c.as_str())
            );
            assert_eq!(json["ref"].as_str(), v.ref_name.as_deref());
            assert_eq!(json["agent"].as_str(), v.agent.as_deref());
            assert_eq!(json["task"].as_str(), v.task.as_deref());
            assert_eq!(json["path"].as_str(), v.path.as_deref());
            assert_eq!(json["limit"].as_u64(), v.limit);
            assert_eq!(json["actual"].as_u64(), v.actual);
            assert_eq!(json["message"], v.message.as_str());
            for key in KEYS {
                if key != "message" && key != "rule" && key != "severity" {
                    let value = &json[key];
                    assert!(
                        value.is_null() || value.is_string() || value.is_u64(),
                        "{name}: {key} is null where it does not apply"
                    );
                }
            }
        }
    }
}

#[test]
fn json_keeps_the_contract_key_order() {
    let text = plain(&rejected(), Format::Json);
    let order = [
        "\"verdict\"",
        "\"checked\"",
        "\"violations\"",
        "\"rule\"",
        "\"severity\"",
        "\"commit\"",
        "\"ref\"",
        "\"agent\"",
        "\"task\"",
        "\"path\"",
        "\"limit\"",
        "\"actual\"",
        "\"message\"",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|key| text.find(key).expect("every key is present"))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
}

#[test]
fn json_nulls_where_nothing_applies() {
    let doc: Value =
        serde_json::from_str(&plain(&rejected(), Format::Json)).expect("the JSON report parses");
    let push = &doc["violations"][2];
    assert!(push["commit"].is_null() && push["ref"].is_null() && push["path"].is_null());
    assert_eq!(push["limit"], 1500);
    assert_eq!(push["actual"], 1800);
    assert_eq!(push["severity"], "warning");
    let tricky: Value =
        serde_json::from_str(&plain(&tricky(), Format::Json)).expect("the JSON report parses");
    assert_eq!(tricky["violations"][0]["commit"], SHA256);
    assert_eq!(tricky["violations"][0]["path"], TRICKY_PATH);
}

// ---- sarif ---------------------------------------------------------------------------

#[test]
fn sarif_snapshots() {
    for (name, report) in all_reports() {
        insta::assert_snapshot!(format!("sarif_{name}"), sarif_snapshot_text(&report));
    }
}

/// The SARIF 2.1.0 JSON schema as the `serde-sarif` crate ships it (`src/schema.json`,
/// the OASIS schema in its draft-07 form), found through `cargo metadata` so that it comes
/// from the crates.io registry like every other dependency and no copy is kept here.
///
/// serde-sarif is declared for a target that never exists (`cfg(any())` in Cargo.toml):
/// it is resolved, locked and fetched by `cargo metadata`, but never compiled, which saved
/// its code generator (schemafy, typed-builder) from every fresh `cargo test`.
fn sarif_schema() -> Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--manifest-path",
        ])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata is JSON");
    let manifest = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == "serde-sarif")
        .and_then(|p| p["manifest_path"].as_str())
        .expect("serde-sarif is a (never compiled) dev-dependency");
    let path = std::path::Path::new(manifest)
        .with_file_name("src")
        .join("schema.json");
    let text = std::fs::read_to_string(&path).expect("serde-sarif ships src/schema.json");
    // This copy predates OASIS errata01, which fixed the `language` pattern (a stray `]`
    // makes it an invalid regex, so the schema would not compile); apply that erratum.
    let text = text.replace(
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
        r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#,
    );
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema = sarif_schema();
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    // Draft-07 (as the schema declares), with formats checked: artifact URIs must be
    // valid URI references.
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    for (name, report) in all_reports() {
        let log: Value =
            serde_json::from_str(&plain(&report, Format::Sarif)).expect("the SARIF parses");
        assert_eq!(
            schema_errors(&validator, &log),
            Vec::<String>::new(),
            "{name}"
        );
    }
}

#[test]
fn sarif_schema_check_is_not_vacuous() {
    let schema = sarif_schema();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    let mut log: Value =
        serde_json::from_str(&plain(&rejected(), Format::Sarif)).expect("the SARIF parses");
    log["runs"][0]["results"][0]["level"] = "fatal".into();
    log["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "a b".into();
    let errors = schema_errors(&validator, &log);
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

#[test]
fn sarif_results_carry_rule_level_location_and_fingerprint() {
    let log: Value =
        serde_json::from_str(&plain(&rejected(), Format::Sarif)).expect("the SARIF parses");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "agentfence");
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), RuleId::ALL.len());
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), 3);
    for (result, v) in results.iter().zip(&rejected().violations) {
        let index = result["ruleIndex"].as_u64().expect("an index") as usize;
        assert_eq!(rules[index]["id"], v.rule.as_str());
        assert_eq!(result["ruleId"], v.rule.as_str());
        assert_eq!(result["level"], v.severity.as_str());
        let text = result["message"]["text"].as_str().expect("text");
        assert!(text.starts_with(&v.message) && text.ends_with(v.rule.help()));
        let uri = &result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert_eq!(uri, v.path.as_deref().unwrap_or(".agentfence.yaml"));
        let fingerprint = result["partialFingerprints"]["agentfence/v1"]
            .as_str()
            .expect("a fingerprint");
        assert_eq!(fingerprint.len(), 16);
    }
    assert_eq!(results[0]["properties"]["commit"], SHA1);
    assert_eq!(results[0]["properties"]["task"], "PROJ-1");
    assert_eq!(results[2]["properties"]["limit"], 1500);
    let tricky: Value =
        serde_json::from_str(&plain(&tricky(), Format::Sarif)).expect("the SARIF parses");
    assert_eq!(
        tricky["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "docs/my%20notes%2C%20v2%3A%20r%C3%A9sum%C3%A9%0A%C3%A4.md"
    );
}

#[test]
fn sarif_fingerprints_are_stable_and_distinct() {
    let fingerprints = |r: &Report| -> Vec<String> {
        let log: Value = serde_json::from_str(&plain(r, Format::Sarif)).expect("the SARIF parses");
        log["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["partialFingerprints"]["agentfence/v1"].to_string())
            .collect()
    };
    let first = fingerprints(&rejected());
    assert_eq!(first, fingerprints(&rejected()));
    let mut unique = first.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), first.len());
    // The message and agent are not part of the identity.
    let mut reworded = rejected();
    reworded.violations[0].message = "reworded".into();
    reworded.violations[0].agent = None;
    assert_eq!(fingerprints(&reworded)[0], first[0]);
    // Without a commit, the agent tells two push-wide findings apart.
    let mut two_agents = rejected();
    let mut other = two_agents.violations[2].clone();
    other.agent = Some("aider".into());
    two_agents.violations.push(other);
    let both = fingerprints(&two_agents);
    assert_ne!(both[2], both[3]);
}

// ---- github --------------------------------------------------------------------------

#[test]
fn github_snapshots() {
    for (name, report) in all_reports() {
        insta::assert_snapshot!(format!("github_{name}"), plain(&report, Format::Github));
    }
}

#[test]
fn github_commands_one_line_each() {
    for (name, report) in all_reports() {
        let text = plain(&report, Format::Github);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), report.violations.len() + 1, "{name}");
        for (line, v) in lines.iter().zip(&report.violations) {
            let prefix = match v.severity {
                Severity::Error => "::error ",
                Severity::Warning => "::warning ",
            };
            assert!(line.starts_with(prefix), "{name}: {line}");
            assert_eq!(line.contains("file="), v.path.is_some(), "{name}: {line}");
            assert!(
                line.contains(&format!("title=agentfence {}::", v.rule)),
                "{name}: {line}"
            );
        }
    }
    let tricky = plain(&tricky(), Format::Github);
    assert!(tricky.starts_with(
        "::error file=docs/my notes%2C v2%3A résumé%0Aä.md,title=agentfence path-scope::docs/my notes, v2: résumé%0Aä.md is outside"
    ));
}

// ---- junit ---------------------------------------------------------------------------

/// A path and a message that try to close the XML element they sit in and open another,
/// with a control character XML 1.0 cannot carry.
fn hostile() -> Report {
    let path = "x\"/><testcase name=\"forged\"/><y a=\"&amp;\u{1}";
    let mut v = Violation::new(
        RuleId::PathDenied,
        format!("{path} matches deny pattern ']]></failure><testcase name=\"forged\">'"),
    )
    .with_path(path);
    v.commit = Some(id(SHA1));
    v.agent = Some("cl<aude>".into());
    Report {
        violations: vec![v],
        commits: 1,
        refs: 0,
        ..Report::default()
    }
}

/// One test case of a JUnit document, read back with an XML parser.
#[derive(Debug, Default)]
struct Case {
    classname: String,
    name: String,
    file: Option<String>,
    failure_message: Option<String>,
    body: String,
}

/// Parses a JUnit document strictly (well-formed or panic) into its suite counts and cases.
fn junit_cases(xml: &str) -> (Vec<(String, String)>, Vec<Case>) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut suites = Vec::new();
    let mut cases: Vec<Case> = Vec::new();
    let attrs = |e: &quick_xml::events::BytesStart<'_>| -> Vec<(String, String)> {
        e.attributes()
            .map(|a| {
                let a = a.expect("a well-formed attribute");
                (
                    a.key.as_ref().to_owned(),
                    a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                        .expect("a valid escape")
                        .into_owned(),
                )
            })
            .collect()
    };
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let a = attrs(&e);
                let get = |k: &str| a.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
                match e.name().as_ref() {
                    "testsuite" => suites.extend(a.clone()),
                    "testcase" => cases.push(Case {
                        classname: get("classname").expect("classname"),
                        name: get("name").expect("name"),
                        file: get("file"),
                        ..Case::default()
                    }),
                    "failure" => {
                        cases.last_mut().expect("in a case").failure_message = get("message");
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                if let Some(case) = cases.last_mut() {
                    case.body.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().expect("a valid character reference") {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.xml10_content();
                        quick_xml::escape::resolve_xml_entity(&name)
                            .expect("a predefined entity")
                            .to_owned()
                    }
                };
                if let Some(case) = cases.last_mut() {
                    case.body.push_str(&c);
                }
            }
            _ => {}
        }
    }
    (suites, cases)
}

#[test]
fn junit_snapshots() {
    for (name, report) in all_reports() {
        insta::assert_snapshot!(format!("junit_{name}"), plain(&report, Format::Junit));
    }
}

#[test]
fn junit_reads_back_one_case_per_violation() {
    for (name, report) in all_reports().into_iter().chain([("hostile", hostile())]) {
        let (suite, cases) = junit_cases(&plain(&report, Format::Junit));
        let attr = |k: &str| {
            suite
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        let errors = report.count(Severity::Error).to_string();
        assert_eq!(attr("failures"), Some(errors.as_str()), "{name}");
        if report.violations.is_empty() {
            assert_eq!(cases.len(), 1, "{name}");
            assert_eq!(cases[0].name, "checked");
            assert!(cases[0].body.contains("accepted"), "{name}");
            continue;
        }
        assert_eq!(cases.len(), report.violations.len(), "{name}");
        for (case, v) in cases.iter().zip(&report.violations) {
            assert_eq!(case.classname, format!("agentfence.{}", v.rule), "{name}");
            let expected_path = v.path.as_deref().map(|p| p.replace('\u{1}', "\u{FFFD}"));
            assert_eq!(case.file, expected_path, "{name}");
            let message = v.message.replace('\u{1}', "\u{FFFD}");
            match v.severity {
                Severity::Error => {
                    assert_eq!(case.failure_message.as_deref(), Some(message.as_str()));
                }
                Severity::Warning => assert_eq!(case.failure_message, None, "{name}"),
            }
            assert!(case.body.contains(&message), "{name}: {case:?}");
            assert!(case.body.contains(v.rule.help()), "{name}: {case:?}");
        }
    }
}

#[test]
fn junit_escapes_what_comes_from_the_repository() {
    let xml = plain(&hostile(), Format::Junit);
    assert!(!xml.contains("<testcase name=\"forged\""), "{xml}");
    assert!(!xml.contains('\u{1}'));
    let (_, cases) = junit_cases(&xml);
    assert_eq!(cases.len(), 1, "{xml}");
    assert!(cases[0].body.contains("agent cl<aude>"), "{:?}", cases[0]);
}

// ---- gitlab --------------------------------------------------------------------------

#[test]
fn gitlab_snapshots() {
    for (name, report) in all_reports() {
        insta::assert_snapshot!(format!("gitlab_{name}"), plain(&report, Format::Gitlab));
    }
}

#[test]
fn gitlab_issues_have_the_fields_gitlab_reads() {
    for (name, report) in all_reports().into_iter().chain([("hostile", hostile())]) {
        let doc: Value =
            serde_json::from_str(&plain(&report, Format::Gitlab)).expect("the report is JSON");
        let issues = doc.as_array().expect("an array");
        assert_eq!(issues.len(), report.violations.len(), "{name}");
        for (issue, v) in issues.iter().zip(&report.violations) {
            let keys: Vec<&str> = issue
                .as_object()
                .expect("an object")
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(
                keys,
                [
                    "check_name",
                    "description",
                    "fingerprint",
                    "location",
                    "severity"
                ],
                "{name}"
            );
            assert_eq!(issue["check_name"], v.rule.as_str());
            let severity = match v.severity {
                Severity::Error => "critical",
                Severity::Warning => "minor",
            };
            assert_eq!(issue["severity"], severity);
            let description = issue["description"].as_str().expect("text");
            assert!(description.starts_with(&v.message), "{name}");
            assert!(description.ends_with(v.rule.help()), "{name}");
            assert_eq!(
                issue["location"]["path"],
                v.path.as_deref().unwrap_or(".agentfence.yaml")
            );
            assert_eq!(issue["location"]["lines"]["begin"], 1);
        }
    }
    assert_eq!(plain(&accepted(), Format::Gitlab), "[]\n");
}

#[test]
fn gitlab_fingerprints_are_stable_and_unique_within_a_report() {
    let fingerprints = |r: &Report| -> Vec<String> {
        let doc: Value = serde_json::from_str(&plain(r, Format::Gitlab)).expect("JSON");
        doc.as_array()
            .expect("an array")
            .iter()
            .map(|i| i["fingerprint"].as_str().expect("a fingerprint").to_owned())
            .collect()
    };
    let mut twice = rejected();
    let copy = twice.violations[0].clone();
    twice.violations.push(copy);
    let found = fingerprints(&twice);
    assert_eq!(found, fingerprints(&twice), "stable");
    let mut unique = found.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), found.len(), "{found:?}");
    assert_eq!(found[..3], fingerprints(&rejected())[..]);
}
