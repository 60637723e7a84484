//! What `report --log FILE` takes from the decision log (`pre-receive`'s JSON lines): each
//! logged commit's owner as the gate saw it when the commit was pushed (history does not
//! record who pushed, so the log outranks what a commit says about itself), and the pushes
//! it rejected, which never enter any history.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use crate::input::InputError;

/// One logged run, as far as the report reads it.
#[derive(Deserialize)]
struct Line {
    verdict: String,
    #[serde(default)]
    new_commits: Vec<LoggedCommit>,
}

#[derive(Deserialize)]
struct LoggedCommit {
    commit: String,
    #[serde(default)]
    owners: BTreeMap<String, Vec<String>>,
}

/// What the log says.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Log {
    /// Each commit of an accepted push: its owner in reports, as the repository layer saw it
    /// (the first owner).
    pub owners: HashMap<String, String>,
    /// Per owner name: the rejected pushes that brought a commit it owned.
    pub rejected_pushes: BTreeMap<String, u64>,
}

/// Reads the decision log at `path`. A line that is not one of the log's JSON lines is an
/// error naming the file and line: a report never silently skips evidence.
pub fn read(path: &Path) -> Result<Log, InputError> {
    let text = std::fs::read_to_string(path).map_err(|source| InputError::Read {
        what: format!("the decision log {}", path.display()),
        source,
    })?;
    parse(&text, &path.display().to_string())
}

/// Parses the log's text; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<Log, InputError> {
    let mut log = Log::default();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let line: Line = serde_json::from_str(raw).map_err(|e| {
            InputError::Argument(format!("{origin}:{}: not a decision-log line: {e}", i + 1))
        })?;
        let first_owner = |c: &LoggedCommit| {
            c.owners
                .get("repository")
                .and_then(|names| names.first())
                .cloned()
        };
        match line.verdict.as_str() {
            "accepted" => {
                for c in &line.new_commits {
                    if let Some(owner) = first_owner(c) {
                        log.owners.insert(c.commit.clone(), owner);
                    }
                }
            }
            "rejected" => {
                let mut owners: Vec<String> =
                    line.new_commits.iter().filter_map(first_owner).collect();
                owners.sort();
                owners.dedup();
                for owner in owners {
                    *log.rejected_pushes.entry(owner).or_default() += 1;
                }
            }
            _ => {}
        }
    }
    Ok(log)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_lines_give_owners_and_rejected_ones_count_per_owner() {
        let text = r#"{"verdict":"accepted","new_commits":[{"commit":"a","owners":{"repository":["bot","other"]}}]}
{"verdict":"rejected","new_commits":[{"commit":"b","owners":{"repository":["bot"]}},{"commit":"c","owners":{"repository":["bot"]}}]}
{"verdict":"rejected","new_commits":[{"commit":"d","owners":{"repository":["humans"]}}]}
{"verdict":"error","error":"x"}
"#;
        let log = parse(text, "log").expect("parses");
        assert_eq!(log.owners.get("a").map(String::as_str), Some("bot"));
        assert!(
            !log.owners.contains_key("b"),
            "rejected commits never landed"
        );
        assert_eq!(log.rejected_pushes.get("bot"), Some(&1));
        assert_eq!(log.rejected_pushes.get("humans"), Some(&1));
        let err = parse("{\"verdict\":\n", "log.jsonl").expect_err("bad line");
        assert!(err.to_string().starts_with("log.jsonl:1: "), "{err}");
    }
}
