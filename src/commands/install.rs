//! `agentfence install`: puts the local hooks (`pre-commit`, `commit-msg`, `pre-push`)
//! into the repository's hooks folder (`core.hooksPath`, else `.git/hooks`), and optionally
//! the agent's brief into an instructions file (CLAUDE.md, AGENTS.md).
//!
//! The scripts are `hooks/*` of this repository, embedded in the binary. Each finds the
//! binary through `AGENTFENCE_BIN`, else the absolute path of the binary that installed it
//! (written in at install time, so a fresh hook works without PATH setup), else
//! `agentfence` on PATH. A hook file that is not agentfence's (no marker line) is never
//! replaced silently: install refuses, says how to chain, and writes nothing, unless
//! `--force` (the old hook is then kept beside it). `--uninstall` removes only
//! agentfence's own hooks.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::Outcome;
use super::brief::{BriefOptions, build};
use crate::Result;
use crate::git::Repo;

/// The line every agentfence hook script carries, by which its own hooks are recognised.
pub const MARKER: &str = "# agentfence-managed hook";

/// The begin marker of the brief block in an instructions file.
pub const BRIEF_BEGIN: &str = "<!-- agentfence brief: begin (written by `agentfence install --brief`; edits are replaced) -->";
/// The end marker of the brief block.
pub const BRIEF_END: &str = "<!-- agentfence brief: end -->";

/// Suffix of a foreign hook kept aside by `--force`.
pub const BACKUP_SUFFIX: &str = ".pre-agentfence";

/// A local hook agentfence installs.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub enum Hook {
    /// Checks the staged change.
    PreCommit,
    /// Checks the message (tasks, trailer markers).
    CommitMsg,
    /// Checks a push.
    PrePush,
}

impl Hook {
    /// Every hook, in the order git runs them.
    pub const ALL: [Hook; 3] = [Hook::PreCommit, Hook::CommitMsg, Hook::PrePush];

    /// The hook's file name (and subcommand).
    pub fn name(self) -> &'static str {
        match self {
            Hook::PreCommit => "pre-commit",
            Hook::CommitMsg => "commit-msg",
            Hook::PrePush => "pre-push",
        }
    }

    /// The script, as embedded.
    pub fn script(self) -> &'static str {
        match self {
            Hook::PreCommit => include_str!("../../hooks/pre-commit"),
            Hook::CommitMsg => include_str!("../../hooks/commit-msg"),
            Hook::PrePush => include_str!("../../hooks/pre-push"),
        }
    }

    /// The arguments git passes, as a shell snippet.
    fn args(self) -> &'static str {
        match self {
            Hook::PreCommit => "",
            Hook::CommitMsg => " \"$1\"",
            Hook::PrePush => " \"$1\" \"$2\"",
        }
    }
}

impl fmt::Display for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Install could not do what was asked; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// Hook files exist that are not agentfence's.
    #[error("{}", foreign_message(.0))]
    Foreign(Vec<(Hook, PathBuf)>),
    /// A file could not be read or written.
    #[error("{what} {}: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn foreign_message(found: &[(Hook, PathBuf)]) -> String {
    let mut lines = Vec::new();
    for (hook, path) in found {
        lines.push(format!(
            "{} exists and is not agentfence's hook; nothing was installed",
            path.display()
        ));
        lines.push(format!(
            "to run both, add this line to it: agentfence {hook}{} || exit $?",
            hook.args()
        ));
    }
    if found.iter().any(|(h, _)| *h == Hook::PrePush) {
        lines.push(
            "(a chained pre-push must hand agentfence git's stdin: save it first, e.g. input=$(cat), then printf '%s\\n' \"$input\" | agentfence pre-push \"$1\" \"$2\")"
                .to_owned(),
        );
    }
    lines.push(format!(
        "or replace it with --force (the old hook is kept as <hook>{BACKUP_SUFFIX})"
    ));
    lines.join("\n")
}

/// Options of `agentfence install`.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// The repository.
    pub dir: PathBuf,
    /// The hooks to install (empty: all three).
    pub hooks: Vec<Hook>,
    /// Replace foreign hooks (keeping them aside).
    pub force: bool,
    /// Remove agentfence's hooks (and the brief block) instead.
    pub uninstall: bool,
    /// An instructions file to write the brief into.
    pub brief: Option<PathBuf>,
    /// How the brief is built (rules, agent, environment, time).
    pub brief_options: BriefOptions,
    /// The binary the hooks call by default (the running one); `None`: PATH only.
    pub binary: Option<PathBuf>,
}

/// Installs or uninstalls; says what it did on `out`.
pub fn run(opts: &InstallOptions, out: &mut dyn Write) -> Result<Outcome> {
    let repo = Repo::discover(&opts.dir)?;
    let dir = repo.hooks_dir()?;
    let hooks: Vec<Hook> = if opts.hooks.is_empty() {
        Hook::ALL.to_vec()
    } else {
        let mut hooks = opts.hooks.clone();
        hooks.dedup();
        hooks
    };
    if opts.uninstall {
        for hook in hooks {
            let path = dir.join(hook.name());
            match read_optional(&path)? {
                Some(text) if is_ours(&text) => {
                    std::fs::remove_file(&path).map_err(io_err("removing", &path))?;
                    writeln!(out, "removed {}", path.display())?;
                }
                Some(_) => writeln!(out, "left {} alone: not agentfence's", path.display())?,
                None => {}
            }
        }
        if let Some(file) = &opts.brief {
            let file = opts.dir.join(file);
            if let Some(text) = read_optional(&file)? {
                let (kept, found) = without_brief(&text);
                if found {
                    std::fs::write(&file, kept).map_err(io_err("writing", &file))?;
                    writeln!(out, "removed the brief from {}", file.display())?;
                }
            }
        }
        return Ok(Outcome::Clean);
    }

    let mut foreign = Vec::new();
    for hook in &hooks {
        let path = dir.join(hook.name());
        if let Some(text) = read_optional(&path)?
            && !is_ours(&text)
        {
            foreign.push((*hook, path));
        }
    }
    if !foreign.is_empty() && !opts.force {
        return Err(InstallError::Foreign(foreign).into());
    }
    // Build the brief before touching anything, so a rules error writes nothing.
    let brief = match &opts.brief {
        Some(_) => {
            let mut text = Vec::new();
            build(&opts.brief_options)?.write_text(&mut text)?;
            Some(String::from_utf8_lossy(&text).into_owned())
        }
        None => None,
    };
    std::fs::create_dir_all(&dir).map_err(io_err("creating", &dir))?;
    for (hook, path) in &foreign {
        let mut backup = path.clone().into_os_string();
        backup.push(BACKUP_SUFFIX);
        std::fs::rename(path, &backup).map_err(io_err("moving aside", path))?;
        writeln!(
            out,
            "kept the old {hook} hook as {}",
            Path::new(&backup).display()
        )?;
    }
    for hook in &hooks {
        let path = dir.join(hook.name());
        write_executable(&path, &script(*hook, opts.binary.as_deref()))?;
        writeln!(out, "installed {}", path.display())?;
    }
    if let (Some(file), Some(brief)) = (&opts.brief, brief) {
        let file = opts.dir.join(file);
        let old = read_optional(&file)?.unwrap_or_default();
        std::fs::write(&file, with_brief(&old, &brief)).map_err(io_err("writing", &file))?;
        writeln!(out, "wrote the brief into {}", file.display())?;
    }
    Ok(Outcome::Clean)
}

/// True when a hook script is agentfence's own.
pub fn is_ours(script: &str) -> bool {
    script.lines().any(|l| l.starts_with(MARKER))
}

/// The script of `hook` with `binary` as the default binary (shell-quoted).
pub fn script(hook: Hook, binary: Option<&Path>) -> String {
    let template = hook.script();
    match binary.and_then(Path::to_str) {
        Some(path) => template.replacen(
            "\ninstalled=agentfence\n",
            &format!("\ninstalled={}\n", shell_quote(path)),
            1,
        ),
        None => template.to_owned(),
    }
}

/// `'...'`, with `'` written as `'\''`.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// `old` with the brief block replaced, or appended after a blank line.
pub fn with_brief(old: &str, brief: &str) -> String {
    let block = format!("{BRIEF_BEGIN}\n{}{BRIEF_END}\n", ensure_newline(brief));
    if let (Some(start), Some(end)) = (old.find(BRIEF_BEGIN), old.find(BRIEF_END))
        && start < end
    {
        let after = &old[end + BRIEF_END.len()..];
        let after = after.strip_prefix('\n').unwrap_or(after);
        return format!("{}{block}{after}", &old[..start]);
    }
    if old.is_empty() {
        block
    } else {
        format!("{}\n{block}", ensure_newline(old))
    }
}

/// `text` without the brief block; true when there was one.
pub fn without_brief(text: &str) -> (String, bool) {
    match (text.find(BRIEF_BEGIN), text.find(BRIEF_END)) {
        (Some(start), Some(end)) if start < end => {
            let after = &text[end + BRIEF_END.len()..];
            let after = after.strip_prefix('\n').unwrap_or(after);
            let before = text[..start]
                .strip_suffix("\n\n")
                .map_or(&text[..start], |b| {
                    // Drop the blank line `with_brief` put before the block.
                    &text[..b.len() + 1]
                });
            (format!("{before}{after}"), true)
        }
        _ => (text.to_owned(), false),
    }
}

fn ensure_newline(s: &str) -> String {
    if s.is_empty() || s.ends_with('\n') {
        s.to_owned()
    } else {
        format!("{s}\n")
    }
}

fn read_optional(path: &Path) -> Result<Option<String>, InstallError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(InstallError::Io {
            what: "reading",
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn io_err(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> InstallError {
    let path = path.to_path_buf();
    move |source| InstallError::Io { what, path, source }
}

fn write_executable(path: &Path, text: &str) -> Result<(), InstallError> {
    std::fs::write(path, text).map_err(io_err("writing", path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .map_err(io_err("making executable", path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_installed_script_names_the_binary_quoted() {
        let s = script(Hook::PreCommit, Some(Path::new("/opt/it's/agentfence")));
        assert!(
            s.contains("\ninstalled='/opt/it'\\''s/agentfence'\n"),
            "{s}"
        );
        assert!(is_ours(&s));
        assert!(!is_ours("#!/bin/sh\nexec lint\n"));
        for hook in Hook::ALL {
            assert!(hook.script().contains("\ninstalled=agentfence\n"), "{hook}");
        }
    }

    #[test]
    fn the_brief_block_is_appended_then_replaced_then_removed() {
        let once = with_brief("# Notes\n", "old brief\n");
        assert_eq!(
            once,
            format!("# Notes\n\n{BRIEF_BEGIN}\nold brief\n{BRIEF_END}\n")
        );
        let twice = with_brief(&format!("{once}after\n"), "new brief");
        assert_eq!(
            twice,
            format!("# Notes\n\n{BRIEF_BEGIN}\nnew brief\n{BRIEF_END}\nafter\n")
        );
        assert_eq!(without_brief(&twice), ("# Notes\nafter\n".to_owned(), true));
        assert_eq!(without_brief("x\n"), ("x\n".to_owned(), false));
    }
}
