//! The rules file: raw YAML, validation, compilation, presets and the embedded default.
//!
//! `raw` mirrors the YAML; `compile` turns it into the immutable [`Rules`] the checks use,
//! reporting every problem at once with file, line, column and key path; `yaml` is the only
//! place that knows the YAML library.

mod compile;
mod error;
mod keypath;
mod model;
pub mod presets;
mod raw;
pub mod schema;
mod yaml;

use std::io::Read;
use std::path::Path;

pub use error::{Problem, RulesError};
pub use model::*;

/// The largest rules file accepted, in bytes.
pub const MAX_RULES_SIZE: u64 = 1024 * 1024;

/// The embedded default rules (`agentfence rules default`), used when no rules are found.
pub const DEFAULT_RULES: &str = include_str!("../../rules/default.yaml");

/// Parses, validates and compiles the rules in `text`; `origin` names the file in messages.
pub fn load_str(text: &str, origin: &str) -> Result<Rules, RulesError> {
    let invalid = |problems| RulesError::Invalid {
        origin: origin.to_string(),
        problems,
    };
    let raw = yaml::parse(text).map_err(|p| invalid(vec![p]))?;
    compile::compile(raw).map_err(|found| {
        let mut problems: Vec<Problem> = found
            .into_iter()
            .map(|(path, message)| Problem {
                location: yaml::locate(text, &path.0),
                path: path.to_string(),
                message,
            })
            .collect();
        // File order: by line and column; unlocated problems keep their order, last.
        problems.sort_by_key(|p| p.location.unwrap_or((usize::MAX, usize::MAX)));
        invalid(problems)
    })
}

/// Reads and loads the rules file at `path`. Rejects files over [`MAX_RULES_SIZE`] and
/// files that are not UTF-8 text.
pub fn load_file(path: &Path) -> Result<Rules, RulesError> {
    let read_err = |source| RulesError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_err)?;
    let mut bytes = Vec::new();
    // Read one byte past the limit, to tell "at the limit" from "over it" without trusting
    // metadata (the path may be a pipe).
    file.take(MAX_RULES_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > MAX_RULES_SIZE {
        let size = std::fs::metadata(path).map_or(bytes.len() as u64, |m| m.len());
        return Err(RulesError::TooLarge {
            path: path.to_path_buf(),
            size,
            limit: MAX_RULES_SIZE,
        });
    }
    load_bytes(bytes, &path.display().to_string())
}

/// Loads rules from raw bytes (a file's or a committed blob's) labelled `origin` in
/// errors: binary or non-UTF-8 content is refused before any YAML is parsed.
pub fn load_bytes(bytes: Vec<u8>, origin: &str) -> Result<Rules, RulesError> {
    if bytes.contains(&0) {
        return Err(RulesError::NotText {
            path: origin.into(),
            reason: "it contains NUL bytes (binary data)".to_string(),
        });
    }
    let text = String::from_utf8(bytes).map_err(|e| RulesError::NotText {
        path: origin.into(),
        reason: format!(
            "it is not valid UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        ),
    })?;
    load_str(&text, origin)
}

/// The embedded default rules, compiled.
pub fn default_rules() -> Rules {
    load_str(DEFAULT_RULES, "<default rules>")
        .expect("the embedded default rules are tested to load")
}

#[cfg(test)]
mod tests;
