//! The SARIF report: SARIF 2.1.0, one run, one result per violation, for GitHub code
//! scanning and other SARIF viewers.
//!
//! - `tool.driver.rules` lists every rule id ([`RuleId::ALL`]), so `ruleIndex` is stable
//!   across runs whatever was found.
//! - A result's location is its path, as a relative URI reference (`%`-encoded where a
//!   path has spaces, non-ASCII or other characters a URI may not hold raw), resolved
//!   against the repository root (`uriBaseId: %SRCROOT%`).
//! - **A violation without a path** (ref scope, force push, push limits, task rules, ...)
//!   is located at `.agentfence.yaml`, the rules file at the repository root: GitHub code
//!   scanning refuses a result without a location ("locationFromSarifResult: expected at
//!   least one location", github/codeql-action#2459), and the rules file is where the
//!   boundary that was crossed is drawn. The message and `properties` still say which
//!   commit or ref it is about.
//! - `partialFingerprints["agentfence/v1"]` is a stable hash of (rule, commit, path), plus
//!   the ref and agent when there is no commit, so code scanning matches the same finding across runs.
//! - `properties` carry `commit`, `ref`, `agent`, `task`, `limit`, `actual` where known.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;

use crate::check::Report;
use crate::violation::{RuleId, Severity, Violation};

use super::context_words;

/// The schema URI the log names: the OASIS errata01 schema (its own `id`).
const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The rules file at the repository root: where path-less violations are located.
const RULES_FILE: &str = ".agentfence.yaml";
/// The `partialFingerprints` key; bump the version if the hashed fields ever change.
const FINGERPRINT_KEY: &str = "agentfence/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: String,
    short_description: Text,
    help: Text,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    partial_fingerprints: BTreeMap<&'static str, String>,
    properties: Properties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
struct Properties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a str>,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    ref_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    task: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual: Option<u64>,
}

/// Renders the SARIF log, pretty-printed, with a final newline.
pub(super) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool { driver: driver() },
            results: report.violations.iter().map(result).collect(),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn driver() -> Driver {
    let information_uri = [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|uri| !uri.is_empty());
    Driver {
        name: "agentfence",
        version: env!("CARGO_PKG_VERSION"),
        information_uri,
        rules: RuleId::ALL
            .iter()
            .map(|&rule| Rule {
                id: rule.as_str(),
                name: camel_case(rule.as_str()),
                short_description: Text {
                    text: rule.summary().to_owned(),
                },
                help: Text {
                    text: rule.help().to_owned(),
                },
                default_configuration: Configuration { level: "error" },
            })
            .collect(),
    }
}

fn result(v: &Violation) -> SarifResult<'_> {
    let rule_index = RuleId::ALL
        .iter()
        .position(|&r| r == v.rule)
        .expect("RuleId::ALL lists every rule id");
    let level = match v.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let text = format!(
        "{} ({}). How to get back inside: {}",
        v.message,
        context_words(v),
        v.rule.help()
    );
    let path = v.path.as_deref().unwrap_or(RULES_FILE);
    SarifResult {
        rule_id: v.rule.as_str(),
        rule_index,
        level,
        message: Text { text },
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: uri_reference(path),
                    uri_base_id: "%SRCROOT%",
                },
            },
        }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint(v))]),
        properties: Properties {
            commit: v.commit.as_ref().map(|c| c.as_str()),
            ref_name: v.ref_name.as_deref(),
            agent: v.agent.as_deref(),
            task: v.task.as_deref(),
            limit: v.limit,
            actual: v.actual,
        },
    }
}

/// `path-scope` → `PathScope`: the SARIF rule's friendly name.
fn camel_case(id: &str) -> String {
    id.split('-')
        .flat_map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
        })
        .collect()
}

/// A repository-relative, `/`-separated path as a relative URI reference: every byte but
/// RFC 3986's unreserved characters and `/` is `%`-encoded (UTF-8, uppercase hex). Encoding
/// `:` also keeps a first segment like `a:b` from reading as a URI scheme.
fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A stable 64-bit FNV-1a hash, as 16 hex digits, of the rule, the commit and the path
/// (and the ref and agent when there is no commit). Fields are separated by NUL, which none of them
/// can contain. FNV is fixed by its definition, unlike std's `DefaultHasher`, so the
/// fingerprint survives compiler upgrades.
pub(super) fn fingerprint(v: &Violation) -> String {
    let commit = v.commit.as_ref().map(|c| c.as_str());
    // A commit names its finding; without one (ref and push-wide rules), the ref and the
    // agent do, so that two agents' push limits in one run stay two alerts.
    let (ref_name, agent) = match commit {
        Some(_) => (None, None),
        None => (v.ref_name.as_deref(), v.agent.as_deref()),
    };
    let fields = [
        Some(v.rule.as_str()),
        commit,
        v.path.as_deref(),
        ref_name,
        agent,
    ];
    let bytes = fields
        .iter()
        .flat_map(|field| field.unwrap_or("").bytes().chain([0]));
    format!("{:016x}", fnv1a(bytes))
}

/// 64-bit FNV-1a.
fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.into_iter().fold(OFFSET, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_camel_case() {
        assert_eq!(camel_case("path-scope"), "PathScope");
        assert_eq!(camel_case("binary"), "Binary");
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri_reference("src/main.rs"), "src/main.rs");
        assert_eq!(
            uri_reference("docs/my notes, v2: ä.md"),
            "docs/my%20notes%2C%20v2%3A%20%C3%A4.md"
        );
        assert_eq!(uri_reference("a:b/100%"), "a%3Ab/100%25");
    }

    #[test]
    fn fingerprint_is_fnv1a_of_the_fields() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a(*b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(*b"a"), 0xaf63_dc4c_8601_ec8c);
        // Pinned: changing what is hashed must be a deliberate, versioned choice.
        assert_eq!(
            fingerprint(&Violation::new(RuleId::Merge, "m")),
            "7065217953bc5bd5"
        );
    }
}
