//! The rules file: raw YAML, validation, compilation, presets and the embedded default.
//!
//! `raw` mirrors the YAML; `compile` turns it into the immutable [`Rules`] the checks use,
//! reporting every problem at once with file, line, column and key path; `yaml` is the only
//! place that knows the YAML library. `fold` gives the spellings a checkout maps onto one
//! path, which deny-style glob lists ([`GlobCase::Folded`]) match; `lint` warns about
//! valid rules that may not bind as written.

mod compile;
mod error;
mod fold;
mod keypath;
mod lint;
mod model;
pub mod presets;
mod raw;
pub mod schema;
mod signatures;
mod yaml;

use std::io::Read;
use std::path::Path;

pub use error::{Problem, RulesError};
pub use model::*;
pub use signatures::{PrincipalGlobs, SignatureRules, disk_reader, read_capped};

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

/// Parses, validates and compiles the rules in `text`, and lists the warnings about
/// them: rules that load but may not bind as their author expects (each one line, with
/// the position and key path of what it is about; render with [`Problem::render`]).
pub fn load_str_with_warnings(
    text: &str,
    origin: &str,
) -> Result<(Rules, Vec<Problem>), RulesError> {
    let rules = load_str(text, origin)?;
    let warnings = lint::warnings(&rules)
        .into_iter()
        .map(|(path, message)| Problem {
            location: yaml::locate(text, &path.0),
            path: path.to_string(),
            message,
        })
        .collect();
    Ok((rules, warnings))
}

/// Reads and loads the rules file at `path`. Rejects files over [`MAX_RULES_SIZE`] and
/// files that are not UTF-8 text.
pub fn load_file(path: &Path) -> Result<Rules, RulesError> {
    let (text, origin) = read_file(path)?;
    load_str(&text, &origin)
}

/// [`load_file`], with the warnings of [`load_str_with_warnings`].
pub fn load_file_with_warnings(path: &Path) -> Result<(Rules, Vec<Problem>), RulesError> {
    let (text, origin) = read_file(path)?;
    load_str_with_warnings(&text, &origin)
}

/// The text of the rules file at `path`, and its name for messages.
fn read_file(path: &Path) -> Result<(String, String), RulesError> {
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
    let origin = path.display().to_string();
    Ok((text_of(bytes, &origin)?, origin))
}

/// Loads rules from raw bytes (a file's or a committed blob's) labelled `origin` in
/// errors: binary or non-UTF-8 content is refused before any YAML is parsed.
pub fn load_bytes(bytes: Vec<u8>, origin: &str) -> Result<Rules, RulesError> {
    load_str(&text_of(bytes, origin)?, origin)
}

/// The bytes as text, or why they are no rules file.
fn text_of(bytes: Vec<u8>, origin: &str) -> Result<String, RulesError> {
    if bytes.contains(&0) {
        return Err(RulesError::NotText {
            path: origin.into(),
            reason: "it contains NUL bytes (binary data)".to_string(),
        });
    }
    String::from_utf8(bytes).map_err(|e| RulesError::NotText {
        path: origin.into(),
        reason: format!(
            "it is not valid UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// The embedded default rules, compiled.
pub fn default_rules() -> Rules {
    load_str(DEFAULT_RULES, "<default rules>")
        .expect("the embedded default rules are tested to load")
}

#[cfg(test)]
mod tests;
