//! The rules file: raw YAML, validation, compilation, presets and the embedded default.
//!
//! `raw` mirrors the YAML; `compile` turns it into the immutable [`Rules`] the checks use,
//! reporting every problem at once with file, line, column and key path.

mod model;

pub use model::*;

/// A rules file that cannot be used (placeholder until issue 2 lands).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RulesError(String);
