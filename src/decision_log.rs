//! The decision log: one JSON line per `pre-receive` run, appended to a file the server
//! keeps (`--log FILE`, `AGENTFENCE_LOG`, git config `agentfence.log`), so what the gate
//! decided, including the pushes it rejected (which never enter any history), and who
//! owned each new commit (which history does not record) can be read later.
//!
//! Each line is written whole: under an exclusive lock on the file (taken within 10 s or
//! the push is rejected), with one `write` of the complete line, synced before the hook
//! exits. A writer that was killed mid-line leaves a partial last line; the next writer,
//! under the lock, cuts it off before appending, so readers only ever see whole lines.
//! A log that cannot be written rejects the push: evidence is part of the gate.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::check::Report;
use crate::model::RefUpdate;
use crate::report::JsonViolation;

/// The most violations one line holds; the rest are counted in `violations_omitted`.
pub const MAX_VIOLATIONS: usize = 1000;

/// How long a writer waits for the lock before it gives up (and the push is rejected).
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// The log could not be written.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// Opening, locking, reading, writing or syncing the file failed.
    #[error("decision log {}: {what}: {source}", path.display())]
    Io {
        /// The log file.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Another writer held the lock for longer than [`LOCK_TIMEOUT`].
    #[error("decision log {}: the lock was not free within {} s; push rejected", path.display(), LOCK_TIMEOUT.as_secs())]
    LockTimeout {
        /// The log file.
        path: PathBuf,
    },
}

/// What one `pre-receive` run decided, as one log line.
#[derive(Serialize, Debug)]
pub struct Decision<'a> {
    /// When the run ended, RFC 3339 UTC.
    pub time: String,
    /// The repository's absolute path.
    pub repository: String,
    /// The authenticated pusher, if known.
    pub pusher: Option<&'a str>,
    /// Every ref update of the push.
    pub updates: Vec<LoggedUpdate<'a>>,
    /// New commits examined (the report's `checked.commits`).
    pub commits: usize,
    /// `accepted`, `rejected` or `error`.
    pub verdict: &'static str,
    /// Up to [`MAX_VIOLATIONS`] violations, as the JSON report has them.
    pub violations: Vec<JsonViolation<'a>>,
    /// How many violations did not fit on the line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub violations_omitted: Option<usize>,
    /// Each new commit's id and owners, per rules layer.
    pub new_commits: Vec<LoggedCommit<'a>>,
    /// Where the rules in force came from; for an error, what went wrong.
    pub rules: String,
    /// Why the run could not judge, for `verdict: error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The version of agentfence that decided.
    pub agentfence: &'static str,
}

/// One ref update of a logged push.
#[derive(Serialize, Debug)]
pub struct LoggedUpdate<'a> {
    /// The full ref name.
    #[serde(rename = "ref")]
    pub name: &'a str,
    /// The old tip (all zeros for a creation).
    pub old: String,
    /// The new tip (all zeros for a deletion).
    pub new: String,
}

/// One new commit of a logged push and who owned it.
#[derive(Serialize, Debug)]
pub struct LoggedCommit<'a> {
    /// The full commit id.
    pub commit: &'a str,
    /// Per layer (`repository`, and `baseline` when one is in force): its owners' names
    /// (`humans`, `unverified` or `unchecked` when no agent owns it).
    pub owners: std::collections::BTreeMap<&'static str, &'a [String]>,
}

impl<'a> Decision<'a> {
    /// The line for a run that judged: its ref updates, report and verdict.
    pub fn judged(
        repository: &Path,
        pusher: Option<&'a str>,
        updates: &'a [RefUpdate],
        report: &'a Report,
        verdict: &'static str,
    ) -> Self {
        let violations: Vec<JsonViolation<'a>> = report
            .violations
            .iter()
            .take(MAX_VIOLATIONS)
            .map(JsonViolation::from)
            .collect();
        let omitted = report.violations.len().saturating_sub(MAX_VIOLATIONS);
        Decision {
            time: now_rfc3339(),
            repository: repository.display().to_string(),
            pusher,
            updates: updates.iter().map(LoggedUpdate::from).collect(),
            commits: report.commits,
            verdict,
            violations,
            violations_omitted: (omitted > 0).then_some(omitted),
            new_commits: report
                .commit_owners
                .iter()
                .map(|c| LoggedCommit {
                    commit: c.commit.as_str(),
                    owners: c
                        .layers
                        .iter()
                        .map(|(layer, names)| {
                            (
                                layer.map_or("repository", crate::violation::Layer::as_str),
                                names.as_slice(),
                            )
                        })
                        .collect(),
                })
                .collect(),
            rules: report.rules.clone(),
            error: None,
            agentfence: env!("CARGO_PKG_VERSION"),
        }
    }

    /// The line for a run that could not judge (exit 2): the error, and whatever of the
    /// push was known.
    pub fn error(repository: &Path, pusher: Option<&'a str>, error: String) -> Self {
        Decision {
            time: now_rfc3339(),
            repository: repository.display().to_string(),
            pusher,
            updates: Vec::new(),
            commits: 0,
            verdict: "error",
            violations: Vec::new(),
            violations_omitted: None,
            new_commits: Vec::new(),
            rules: String::new(),
            error: Some(error),
            agentfence: env!("CARGO_PKG_VERSION"),
        }
    }
}

impl<'a> From<&'a RefUpdate> for LoggedUpdate<'a> {
    fn from(u: &'a RefUpdate) -> Self {
        let hex = |id: Option<&crate::model::ObjectId>| {
            id.map_or_else(|| "0".repeat(40), |i| i.as_str().to_owned())
        };
        LoggedUpdate {
            name: &u.name,
            old: hex(u.old.as_ref()),
            new: hex(u.new.as_ref()),
        }
    }
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("the current time formats as RFC 3339")
}

/// Appends `decision` as one line to the log at `path`, whole or not at all.
pub fn append(path: &Path, decision: &Decision<'_>) -> Result<(), LogError> {
    let mut line = serde_json::to_vec(decision).map_err(|e| LogError::Io {
        path: path.to_path_buf(),
        what: "encoding the line",
        source: std::io::Error::other(e),
    })?;
    line.push(b'\n');
    append_line(path, &line)
}

/// Appends one complete line (ending in `\n`) under the lock, cutting off a partial last
/// line a killed writer left, and syncs.
pub fn append_line(path: &Path, line: &[u8]) -> Result<(), LogError> {
    let io = |what: &'static str| {
        move |source| LogError::Io {
            path: path.to_path_buf(),
            what,
            source,
        }
    };
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(io("opening"))?;
    lock(&file, path)?;
    let result = (|| {
        cut_partial_line(&mut file).map_err(io("repairing a partial last line"))?;
        file.write_all(line).map_err(io("writing"))?;
        file.sync_data().map_err(io("syncing"))
    })();
    let unlocked = file.unlock().map_err(io("unlocking"));
    result.and(unlocked)
}

/// Takes the exclusive lock, waiting up to [`LOCK_TIMEOUT`].
fn lock(file: &File, path: &Path) -> Result<(), LogError> {
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < LOCK_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(LogError::LockTimeout {
                    path: path.to_path_buf(),
                });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(LogError::Io {
                    path: path.to_path_buf(),
                    what: "locking",
                    source,
                });
            }
        }
    }
}

/// Truncates the file after its last `\n` when it does not end with one (what a writer
/// killed mid-line leaves behind).
fn cut_partial_line(file: &mut File) -> std::io::Result<()> {
    let len = file.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(());
    }
    let mut last = [0u8; 1];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut last)?;
    if last[0] == b'\n' {
        return Ok(());
    }
    // Scan backwards for the last newline, a block at a time.
    let mut end = len;
    let mut block = vec![0u8; 64 * 1024];
    let keep = loop {
        let start = end.saturating_sub(block.len() as u64);
        let chunk = &mut block[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(i) = chunk.iter().rposition(|&b| b == b'\n') {
            break start + i as u64 + 1;
        }
        if start == 0 {
            break 0;
        }
        end = start;
    };
    file.set_len(keep)?;
    file.seek(SeekFrom::End(0))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_last_line_is_cut_before_the_next_line() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("log.jsonl");
        std::fs::write(&path, "{\"a\":1}\n{\"b\":").expect("write");
        append_line(&path, b"{\"c\":3}\n").expect("append");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "{\"a\":1}\n{\"c\":3}\n"
        );
        std::fs::write(&path, "no newline at all").expect("write");
        append_line(&path, b"{\"d\":4}\n").expect("append");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "{\"d\":4}\n");
    }

    #[test]
    fn a_held_lock_times_out_as_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("log.jsonl");
        let holder = File::create(&path).expect("create");
        holder.lock().expect("lock");
        let start = Instant::now();
        let err = append_line(&path, b"x\n").expect_err("times out");
        assert!(start.elapsed() >= LOCK_TIMEOUT);
        assert!(err.to_string().contains("not free within 10 s"), "{err}");
    }
}
