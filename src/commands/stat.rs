//! `agentfence stat`: per-commit numstat, byte-identical to git's (placeholder: issue 3).

use std::io::Write;
use std::path::PathBuf;

use crate::Result;

/// Options of `agentfence stat`.
#[derive(Debug, Clone, Default)]
pub struct StatOptions {
    /// The repository (working directory or git dir) to read.
    pub dir: PathBuf,
    /// Revision ranges, as `git rev-list` takes them.
    pub ranges: Vec<String>,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
}

/// Prints numstat for every commit of the ranges.
pub fn run(_opts: &StatOptions, _out: &mut dyn Write) -> Result<()> {
    Ok(())
}
