//! `agentfence completions SHELL` and `agentfence man`: shell completions and man pages,
//! generated from the very command-line definition the binary parses (clap_complete,
//! clap_mangen), so they never drift from the real options.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::setup::SetupError;
use crate::Result;

/// Writes the completion script for `shell` of the command line `cli`.
pub fn completions(
    cli: &mut clap::Command,
    shell: clap_complete::Shell,
    out: &mut dyn Write,
) -> Result<()> {
    let name = cli.get_name().to_owned();
    clap_complete::generate(shell, cli, name, out);
    Ok(())
}

/// Writes the top-level man page (section 1, roff) of `cli`.
pub fn man_page(cli: &clap::Command, out: &mut dyn Write) -> Result<()> {
    clap_mangen::Man::new(cli.clone()).render(out)?;
    Ok(())
}

/// Writes one man page per command into `dir` (created if missing): `agentfence.1`,
/// `agentfence-check.1`, `agentfence-rules-check.1`, ...; lists each file written on `out`.
pub fn man_pages(cli: &clap::Command, dir: &Path, out: &mut dyn Write) -> Result<()> {
    let write_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SetupError::Write { path, source }
    };
    std::fs::create_dir_all(dir).map_err(write_err(dir))?;
    let mut cli = cli.clone().disable_help_subcommand(true);
    cli.build();
    let mut written = Vec::new();
    write_pages(&cli, dir, &mut written)?;
    for path in written {
        writeln!(out, "{}", path.display())?;
    }
    Ok(())
}

/// Writes `cmd`'s page and its subcommands' (depth first, the parent first).
fn write_pages(cmd: &clap::Command, dir: &Path, written: &mut Vec<PathBuf>) -> Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    let path = dir.join(man.get_filename());
    let mut page = Vec::new();
    man.render(&mut page)?;
    std::fs::write(&path, page).map_err(|source| SetupError::Write {
        path: path.clone(),
        source,
    })?;
    written.push(path);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir, written)?;
    }
    Ok(())
}
