//! `agentfence rules check|default`.

use std::io::Write;
use std::path::Path;

use crate::Result;

/// Validates the rules file at `path` (placeholder until issue 2 lands).
pub fn check(_path: &Path) -> Result<()> {
    Ok(())
}

/// Prints the embedded default rules.
pub fn print_default(_out: &mut dyn Write) -> Result<()> {
    Ok(())
}
