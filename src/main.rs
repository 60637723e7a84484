//! The `agentfence` binary: parses arguments, calls one library command, renders, and maps
//! the outcome to an exit code (0 clean, 1 rejected, 2 could not check).

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use agentfence::commands::{self, Outcome};
use clap::{Parser, Subcommand};

/// Authorization for AI coding agents at git's own gates.
#[derive(Parser, Debug)]
#[command(name = "agentfence", version, about)]
struct Cli {
    /// Run as if started in DIR, like `git -C`.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Per-commit diff stats, in git's numstat format.
    Stat {
        /// Worker threads (0: one per core).
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Revision ranges, as `git rev-list` takes them.
        #[arg(value_name = "RANGE", allow_hyphen_values = true)]
        ranges: Vec<String>,
    },
    /// Validate a rules file, or print the embedded default rules.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
}

#[derive(Subcommand, Debug)]
enum RulesCommand {
    /// Validate a rules file (default: .agentfence.yaml); exit 0 valid, 2 invalid.
    Check {
        /// The rules file.
        file: Option<PathBuf>,
    },
    /// Print the embedded default rules.
    Default,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let dir = cli.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = match cli.command {
        Command::Stat { threads, ranges } => {
            let opts = commands::stat::StatOptions {
                dir,
                ranges,
                threads,
            };
            commands::stat::run(&opts, &mut out).map(|()| Outcome::Clean)
        }
        Command::Rules { command } => match command {
            RulesCommand::Check { file } => {
                let file = file.unwrap_or_else(|| dir.join(".agentfence.yaml"));
                commands::rules::check(&file, &mut out).map(|()| Outcome::Clean)
            }
            RulesCommand::Default => {
                commands::rules::print_default(&mut out).map(|()| Outcome::Clean)
            }
        },
    };
    let _ = out.flush();
    exit_code(result)
}

/// Maps a command's result to the contract's exit status; a closed stdout is success.
fn exit_code(result: agentfence::Result<Outcome>) -> ExitCode {
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Rejected) => ExitCode::from(1),
        Err(agentfence::Error::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let mut err = io::stderr().lock();
            for line in e.to_string().lines() {
                let _ = writeln!(err, "agentfence: {line}");
            }
            ExitCode::from(2)
        }
    }
}
