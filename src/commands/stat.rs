//! `agentfence stat`: per-commit numstat, byte-identical to
//! `git -c core.quotePath=false log --numstat --no-renames --diff-merges=first-parent --format=%H`.

use std::io::Write;
use std::path::PathBuf;

use crate::Result;
use crate::git::{self, DiffOptions, MergeDiff, Repo};

/// Options of `agentfence stat`.
#[derive(Debug, Clone, Default)]
pub struct StatOptions {
    /// The repository (working directory or git dir) to read.
    pub dir: PathBuf,
    /// Revision ranges, as `git rev-list` takes them; empty means `HEAD`, as `git log`.
    pub ranges: Vec<String>,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
}

/// What `stat` diffs: git's first-parent numstat, no rename detection.
const STAT_DIFF: DiffOptions = DiffOptions {
    merges: MergeDiff::FirstParent,
    renames: false,
    line_stats: true,
};

/// Prints numstat for every commit of the ranges, in `git rev-list` order, writing as it
/// goes (memory is bounded by the commits in flight, not by the range).
pub fn run(opts: &StatOptions, out: &mut dyn Write) -> Result<()> {
    let repo = Repo::discover(&opts.dir)?;
    let ids = if opts.ranges.is_empty() {
        repo.resolve_range(&["HEAD".to_owned()])?
    } else {
        repo.resolve_range(&opts.ranges)?
    };
    let location = repo.location();
    drop(repo);
    git::par_for_each_commit(
        &location,
        &ids,
        opts.threads,
        |repo, id| -> Result<Vec<u8>> {
            let changes = repo.changes(id, &STAT_DIFF)?;
            let mut text = Vec::with_capacity(64 + 48 * changes.len());
            git::write_numstat(id.as_str(), &changes, &mut text);
            Ok(text)
        },
        |text| Ok(out.write_all(&text)?),
    )
}
