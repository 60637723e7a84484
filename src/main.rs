//! The `agentfence` binary: parses arguments, calls one library command, and maps the
//! outcome to an exit code (0 clean, 1 rejected, 2 could not check). The verdict is fixed
//! before anything is written and no write error lowers it; every error is one
//! `agentfence: ...` line per problem on stderr.
//!
//! Options may come before or after positional arguments, as in git (`check A..B --format
//! json`), and `--` ends them: no positional takes values that start with `-`. A misspelt
//! option is an error (exit 2) that suggests the nearest real one. Every command's
//! `--help` ends with its exit status, the environment variables it reads and an example.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use agentfence::commands::brief::{BriefFormat, BriefOptions};
use agentfence::commands::install::Hook;
use agentfence::commands::{self, Outcome};
use agentfence::report::Format;
use agentfence::rules_source::RulesRequest;
use clap::{Args, CommandFactory, Parser, Subcommand};
use time::OffsetDateTime;

/// The exit status of the commands that judge (check and the hooks).
macro_rules! judge_exit {
    () => {
        "Exit status:\n  \
         0  nothing rejected (or --audit)\n  \
         1  rejected by the rules\n  \
         2  could not check: unreadable or invalid rules, bad input, repository error\n"
    };
}

/// The exit status of the commands that only read or write (no verdict).
macro_rules! plain_exit {
    () => {
        "Exit status:\n  \
         0  done\n  \
         2  could not do it (the error says what and where)\n"
    };
}

/// Where rules come from, for the commands that read them from a trusted revision.
macro_rules! env_rules {
    () => {
        "  AGENTFENCE_RULES     the rules file, when --rules is not given (then git config\n                       \
         agentfence.rules, then the committed .agentfence.yaml)\n"
    };
}

/// The acting agent, for the local hooks.
macro_rules! env_local {
    () => {
        "  AGENTFENCE_AGENT     the agent doing the work, when --agent is not given\n  \
         CLAUDECODE, CURSOR_AGENT, CODEX_SANDBOX, GEMINI_CLI, ...\n                       \
         the agents' env markers (see the rules' `match.env`)\n"
    };
}

/// Authorization for AI coding agents at git's own gates.
#[derive(Parser, Debug)]
#[command(
    name = "agentfence",
    version,
    about,
    max_term_width = 100,
    after_help = concat!(
        "Exit status (every command): 0 nothing rejected, 1 rejected by the rules, 2 could not\n\
         check. Every hook treats 1 and 2 alike: nothing gets through on an error.\n\n",
        "Environment:\n",
        env_rules!(),
        "  AGENTFENCE_PUSHER    the authenticated pusher (check, pre-receive)\n  \
         NO_COLOR             no colour in the text report\n\n",
        "Examples:\n  \
         agentfence demo                        see it judge agents' pushes, nothing to set up\n  \
         agentfence check origin/main..HEAD     check a branch's commits\n  \
         agentfence init                        write a starter .agentfence.yaml\n  \
         agentfence help check                  one command's options"
    )
)]
struct Cli {
    /// Run as if started in DIR, like `git -C`.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

/// Options shared by the commands that judge commits.
#[derive(Args, Debug, Clone)]
struct JudgeArgs {
    /// The rules file (else AGENTFENCE_RULES, git config agentfence.rules, the committed
    /// .agentfence.yaml at a trusted revision, the embedded default).
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// A baseline rules file layered under the repository's (else AGENTFENCE_BASELINE,
    /// git config agentfence.baseline); a change must pass both.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Report every violation as a warning, and exit 0.
    #[arg(long)]
    audit: bool,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    threads: usize,
}

impl JudgeArgs {
    fn rules_request(&self) -> RulesRequest {
        RulesRequest::from_env(self.rules.clone()).with_baseline(self.baseline.clone())
    }
}

/// Options shared by the local hooks.
#[derive(Args, Debug, Clone)]
struct LocalArgs {
    /// The rules file (else AGENTFENCE_RULES, git config agentfence.rules,
    /// HEAD:.agentfence.yaml, the embedded default; never the working tree).
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// A baseline rules file layered under the repository's (else AGENTFENCE_BASELINE,
    /// git config agentfence.baseline).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// The agent doing the work (else AGENTFENCE_AGENT, else the agents' env markers).
    #[arg(long, value_name = "NAME")]
    agent: Option<String>,
    /// Report format (written to stderr).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Report every violation as a warning, and exit 0.
    #[arg(long)]
    audit: bool,
}

impl LocalArgs {
    fn options(self, dir: PathBuf) -> commands::local::LocalOptions {
        commands::local::LocalOptions {
            dir,
            rules: RulesRequest::from_env(self.rules).with_baseline(self.baseline),
            agent: self.agent,
            env: process_env(),
            index_file: std::env::var_os("GIT_INDEX_FILE")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            format: self.format,
            audit: self.audit,
        }
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Lint a commit series (CI, pull requests); default range @{upstream}..HEAD.
    #[command(after_help = concat!(
        judge_exit!(),
        "\nEnvironment:\n",
        env_rules!(),
        "  AGENTFENCE_PUSHER    the authenticated pusher, when no --pusher is given\n  \
         NO_COLOR             no colour in the text report\n",
        "\nExamples:\n  \
         agentfence check origin/main..HEAD\n  \
         agentfence check origin/main..HEAD --format json\n  \
         agentfence check --base origin/main --ref refs/heads/topic --pusher alice origin/main..topic\n  \
         agentfence check -- -odd-revision"
    ))]
    Check {
        #[command(flatten)]
        judge: JudgeArgs,
        /// The revision whose committed rules are trusted (default: the range's base).
        #[arg(long, value_name = "REV")]
        base: Option<String>,
        /// The branch the series is meant for, checked against the policies' `refs`.
        #[arg(long = "ref", value_name = "REF")]
        target_ref: Option<String>,
        /// An authenticated identity involved in the series, e.g. a pull request's author
        /// and the run's actors (repeatable; else AGENTFENCE_PUSHER).
        #[arg(long, value_name = "NAME")]
        pusher: Vec<String>,
        /// Also every commit reachable from any ref, as `git rev-list --all`.
        #[arg(long)]
        all: bool,
        /// Revision ranges, as `git rev-list` takes them (after `--`, even one starting
        /// with `-`).
        #[arg(value_name = "RANGE")]
        ranges: Vec<String>,
    },
    /// Server hook: judge a push from git's "<old> <new> <ref>" stdin lines.
    #[command(after_help = concat!(
        judge_exit!(),
        "git treats 1 and 2 alike: the push does not happen.\n",
        "\nEnvironment:\n",
        env_rules!(),
        "  AGENTFENCE_PUSHER, GL_USERNAME, GITEA_PUSHER_NAME, GL_USER, REMOTE_USER\n                       \
         the authenticated pusher, the first one set, when no --pusher is given\n  \
         GIT_DIR, GIT_OBJECT_DIRECTORY, GIT_ALTERNATE_OBJECT_DIRECTORIES\n                       \
         set by git: the repository and the push's quarantine\n",
        "\nExample (hooks/pre-receive in a bare repository):\n  \
         exec agentfence pre-receive"
    ))]
    PreReceive {
        #[command(flatten)]
        judge: JudgeArgs,
        /// The authenticated pusher (else AGENTFENCE_PUSHER, GL_USERNAME,
        /// GITEA_PUSHER_NAME, GL_USER, REMOTE_USER).
        #[arg(long, value_name = "NAME")]
        pusher: Option<String>,
        /// Append one JSON line per run to this decision log (else AGENTFENCE_LOG, git
        /// config agentfence.log); a log that cannot be written rejects the push.
        #[arg(long, value_name = "FILE")]
        log: Option<PathBuf>,
    },
    /// Local hook: check the staged change (index vs HEAD) for the acting agent.
    #[command(after_help = concat!(
        judge_exit!(),
        "git treats 1 and 2 alike: the commit is not made.\n",
        "\nEnvironment:\n",
        env_rules!(),
        env_local!(),
        "  GIT_INDEX_FILE       the index to check (set by git)\n",
        "\nExample (.git/hooks/pre-commit; `agentfence install` writes it):\n  \
         exec agentfence pre-commit"
    ))]
    PreCommit {
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Local hook: check the commit about to be made, with its message in FILE.
    #[command(after_help = concat!(
        judge_exit!(),
        "git treats 1 and 2 alike: the commit is not made.\n",
        "\nEnvironment:\n",
        env_rules!(),
        env_local!(),
        "\nExample (.git/hooks/commit-msg; `agentfence install` writes it):\n  \
         exec agentfence commit-msg \"$1\""
    ))]
    CommitMsg {
        #[command(flatten)]
        local: LocalArgs,
        /// The message file git passes to the hook.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Local hook: check a push from git's "<lref> <loid> <rref> <roid>" stdin lines.
    #[command(after_help = concat!(
        judge_exit!(),
        "git treats 1 and 2 alike: the push does not happen.\n",
        "\nEnvironment:\n",
        env_rules!(),
        env_local!(),
        "  PRE_COMMIT_FROM_REF, PRE_COMMIT_TO_REF, PRE_COMMIT_REMOTE_NAME, PRE_COMMIT_REMOTE_BRANCH\n                       \
         the push, as the pre-commit framework describes it (no REMOTE given)\n",
        "\nExample (.git/hooks/pre-push; `agentfence install` writes it):\n  \
         exec agentfence pre-push \"$1\" \"$2\""
    ))]
    PrePush {
        #[command(flatten)]
        local: LocalArgs,
        /// Worker threads (0: one per core).
        #[arg(long, default_value_t = 0, value_name = "N")]
        threads: usize,
        /// The remote's name (or URL). Without it, the pre-commit framework's
        /// PRE_COMMIT_* variables describe the push.
        #[arg(value_name = "REMOTE")]
        remote: Option<String>,
        /// The remote's URL.
        #[arg(value_name = "URL")]
        url: Option<String>,
    },
    /// An agent's boundary, in short sentences for CLAUDE.md or AGENTS.md (or as JSON).
    #[command(after_help = concat!(
        plain_exit!(),
        "\nEnvironment:\n",
        env_rules!(),
        env_local!(),
        "\nExamples:\n  \
         agentfence brief --agent claude-code\n  \
         agentfence brief --format json"
    ))]
    Brief {
        /// The agent (else the acting agent from AGENTFENCE_AGENT or env markers, else all).
        #[arg(long, value_name = "NAME")]
        agent: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = BriefFormat::Text)]
        format: BriefFormat,
        /// The rules file.
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
        /// Judge task expiry at this RFC 3339 time instead of now (for reproducible output).
        #[arg(long, hide = true, value_name = "TIME", value_parser = parse_time)]
        at: Option<OffsetDateTime>,
    },
    /// Install the local hooks (pre-commit, commit-msg, pre-push) into this repository.
    #[command(after_help = concat!(
        plain_exit!(),
        "\nEnvironment:\n",
        env_rules!(),
        "  AGENTFENCE_BIN       read by the installed hooks: the binary they run\n",
        "\nExamples:\n  \
         agentfence install\n  \
         agentfence install --hook pre-push --brief CLAUDE.md --agent claude-code"
    ))]
    Install {
        /// A hook to install (repeatable; default: all three).
        #[arg(long = "hook", value_enum, value_name = "NAME")]
        hooks: Vec<Hook>,
        /// Replace hooks that are not agentfence's (the old one is kept as HOOK.pre-agentfence).
        #[arg(long)]
        force: bool,
        /// Remove agentfence's own hooks (and, with --brief, the brief block) instead.
        #[arg(long)]
        uninstall: bool,
        /// Also write the agent's brief into FILE (e.g. CLAUDE.md, AGENTS.md), between
        /// marker comments, replacing an older copy.
        #[arg(long, value_name = "FILE")]
        brief: Option<PathBuf>,
        /// The agent whose brief is written (default: as `brief`).
        #[arg(long, value_name = "NAME")]
        agent: Option<String>,
        /// The rules file the brief is built from.
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
    },
    /// Write a starter .agentfence.yaml naming the agents seen in this repository's history.
    #[command(after_help = concat!(
        plain_exit!(),
        "An existing .agentfence.yaml is never replaced without --force (exit 2).\n",
        "\nEnvironment: none read.\n",
        "\nExamples:\n  \
         agentfence init\n  \
         agentfence init --commits 5000 --force"
    ))]
    Init {
        /// Replace an existing .agentfence.yaml.
        #[arg(long)]
        force: bool,
        /// How many of HEAD's most recent commits to look at for agents' markers.
        #[arg(long, default_value_t = commands::init::DEFAULT_COMMITS, value_name = "N")]
        commits: usize,
    },
    /// See the server hook reject an agent's push and accept a person's; nothing to set up.
    #[command(after_help = concat!(
        "Exit status:\n  \
         0  the demo ran: the agent's push was rejected and the person's accepted\n  \
         2  it could not run (git missing, an unwritable directory) or an outcome was not\n     \
         the expected one\n",
        "\nEnvironment: none read; git runs without your git config.\n",
        "\nExamples:\n  \
         agentfence demo\n  \
         agentfence demo --dir /tmp/agentfence-demo     keep the repositories to explore"
    ))]
    Demo {
        /// Build the demo in DIR (new or empty) and keep it, instead of a temporary
        /// directory that is removed afterwards.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Why each commit is owned, checked and judged as it is.
    #[command(after_help = concat!(
        plain_exit!(),
        "\nEnvironment:\n",
        env_rules!(),
        "\nExamples:\n  \
         agentfence explain HEAD\n  \
         agentfence explain HEAD~3..HEAD --format json"
    ))]
    Explain {
        /// The rules file.
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
        /// Report format: text or json.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// The revision whose committed rules are trusted (default: HEAD).
        #[arg(long, value_name = "REV")]
        base: Option<String>,
        /// An authenticated pusher to assume (repeatable).
        #[arg(long, value_name = "NAME")]
        pusher: Vec<String>,
        /// Commits (or ranges) to explain.
        #[arg(value_name = "REV", required = true)]
        revisions: Vec<String>,
    },
    /// Per-commit diff stats, in git's numstat format.
    #[command(after_help = concat!(
        plain_exit!(),
        "\nEnvironment: none read.\n",
        "\nExamples:\n  \
         agentfence stat HEAD~10..HEAD\n  \
         agentfence stat --threads 1 main"
    ))]
    Stat {
        /// Worker threads (0: one per core).
        #[arg(long, default_value_t = 0, value_name = "N")]
        threads: usize,
        /// Also every commit reachable from any ref, as `git log --all`.
        #[arg(long)]
        all: bool,
        /// Revision ranges, as `git rev-list` takes them.
        #[arg(value_name = "RANGE")]
        ranges: Vec<String>,
    },
    /// Measure control over a history: per owner, task and week (text, json or html).
    #[command(after_help = concat!(
        "Exit status:\n  \
         0  the report was written (every commit judged in audit mode)\n  \
         2  could not measure (bad range, rules, repository, or output file)\n",
        "\nEnvironment: AGENTFENCE_RULES, AGENTFENCE_BASELINE (rules, as for check).\n",
        "\nExamples:\n  \
         agentfence report\n  \
         agentfence report origin/main~500..origin/main --format html --output report.html"
    ))]
    Report(commands::report::ReportArgs),
    /// Undo a task's or an agent's commits on a new branch (in memory; works bare).
    #[command(after_help = concat!(
        "Exit status:\n  \
         0  the reverts were written (or, with --dry-run, all revert cleanly)\n  \
         1  a revert conflicts: nothing was written\n  \
         2  nothing to revert, the branch exists, no identity, or another error\n",
        "\nEnvironment: GIT_AUTHOR_NAME/EMAIL, GIT_COMMITTER_NAME/EMAIL, EMAIL (identity);\n  \
         AGENTFENCE_RULES, AGENTFENCE_BASELINE (rules, for --agent).\n",
        "\nExamples:\n  \
         agentfence revert --task PROJ-142 --dry-run\n  \
         agentfence revert --agent claude-code --onto main --branch revert/claude"
    ))]
    Revert(commands::revert::RevertArgs),
    /// Validate a rules file, print the embedded default rules or the rules' JSON Schema.
    #[command(after_help = concat!(
        "Exit status:\n  \
         0  valid (check), printed (default, schema)\n  \
         2  invalid or unreadable: one line per problem, with file, line and column\n",
        "\nEnvironment: none read.\n",
        "\nExamples:\n  \
         agentfence rules check .agentfence.yaml\n  \
         agentfence rules default > .agentfence.yaml"
    ))]
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    #[command(after_help = concat!(
        plain_exit!(),
        "\nEnvironment: none read.\n",
        "\nExamples:\n  \
         agentfence completions bash > ~/.local/share/bash-completion/completions/agentfence\n  \
         agentfence completions zsh > ~/.zfunc/_agentfence\n  \
         agentfence completions fish > ~/.config/fish/completions/agentfence.fish"
    ))]
    Completions {
        /// The shell.
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a directory.
    #[command(after_help = concat!(
        plain_exit!(),
        "\nEnvironment: none read.\n",
        "\nExamples:\n  \
         agentfence man | man -l -\n  \
         agentfence man --out-dir /usr/local/share/man/man1"
    ))]
    Man {
        /// Write agentfence.1 and agentfence-COMMAND.1 for every command into DIR.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum RulesCommand {
    /// Validate a rules file (default: .agentfence.yaml); exit 0 valid, 2 invalid.
    #[command(after_help = concat!(
        "Exit status:\n  \
         0  valid\n  \
         2  invalid or unreadable: one line per problem, with file, line and column\n",
        "\nEnvironment: none read.\n",
        "\nExample:\n  \
         agentfence rules check rules/team.yaml"
    ))]
    Check {
        /// The rules file.
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Print the embedded default rules.
    #[command(after_help = concat!(
        plain_exit!(),
        "\nEnvironment: none read.\n",
        "\nExample:\n  \
         agentfence rules default > .agentfence.yaml"
    ))]
    Default,
    /// Print the JSON Schema of the rules file (for editors and SchemaStore).
    #[command(after_help = concat!(
        plain_exit!(),
        "\nEnvironment: none read.\n",
        "\nExample:\n  \
         agentfence rules schema > agentfence.schema.json"
    ))]
    Schema,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let dir = cli.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let stdout = io::stdout();
    let color = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut out = stdout.lock();
    let result = run(cli.command, dir, color, &mut out);
    let flushed = out.flush();
    exit_code(match (result, flushed) {
        // A rejection stands whatever happened to its report.
        (Ok(Outcome::Rejected), _) => Ok(Outcome::Rejected),
        (Ok(outcome), Ok(())) => Ok(outcome),
        (Ok(_), Err(e)) => Err(e.into()),
        (Err(e), _) => Err(e),
    })
}

fn run(
    command: Command,
    dir: PathBuf,
    color: bool,
    out: &mut dyn Write,
) -> agentfence::Result<Outcome> {
    let env_pusher = |flag: Option<String>| {
        agentfence::input::pusher(flag.as_deref(), |var| std::env::var(var).ok())
    };
    match command {
        Command::Check {
            judge,
            base,
            target_ref,
            pusher,
            all,
            mut ranges,
        } => {
            let pushers = if pusher.is_empty() {
                std::env::var("AGENTFENCE_PUSHER")
                    .ok()
                    .filter(|p| !p.is_empty())
                    .into_iter()
                    .collect()
            } else {
                pusher
            };
            if all {
                ranges.push("--all".to_owned());
            }
            let opts = commands::check::CheckOptions {
                dir,
                rules: judge.rules_request(),
                base,
                target_ref,
                ranges,
                format: judge.format,
                color,
                audit: judge.audit,
                pushers,
                threads: judge.threads,
            };
            let mut err = io::stderr().lock();
            commands::check::run(&opts, out, &mut err)
        }
        Command::PreReceive { judge, pusher, log } => {
            let opts = commands::pre_receive::PreReceiveOptions {
                dir: dir.clone(),
                rules: judge.rules_request(),
                pusher: env_pusher(pusher),
                format: judge.format,
                audit: judge.audit,
                threads: judge.threads,
                log: log.or_else(|| {
                    std::env::var_os("AGENTFENCE_LOG")
                        .filter(|v| !v.is_empty())
                        .map(PathBuf::from)
                }),
            };
            let mut err = io::stderr().lock();
            let result = commands::pre_receive::run(&opts, &mut io::stdin().lock(), &mut err);
            if let Err(e) = &result {
                // The pusher sees a headline and no server path beyond the repository.
                let here = std::env::var_os("GIT_DIR").map_or(dir.clone(), PathBuf::from);
                let here = here.canonicalize().unwrap_or(here);
                for line in commands::pre_receive::pusher_view(e, &here) {
                    let _ = writeln!(err, "agentfence: {line}");
                }
                return Err(agentfence::Error::Reported);
            }
            result
        }
        Command::PreCommit { local } => {
            let mut err = io::stderr().lock();
            commands::pre_commit::run(&local.options(dir), &mut err)
        }
        Command::CommitMsg { local, file } => {
            let mut err = io::stderr().lock();
            commands::commit_msg::run(&local.options(dir), &file, &mut err)
        }
        Command::PrePush {
            local,
            threads,
            remote,
            url,
        } => {
            let opts = commands::pre_push::PrePushOptions {
                local: local.options(dir),
                remote,
                url,
                threads,
            };
            let mut err = io::stderr().lock();
            commands::pre_push::run(&opts, &mut io::stdin().lock(), &mut err)
        }
        Command::Brief {
            agent,
            format,
            rules,
            at,
        } => {
            let opts = BriefOptions {
                dir,
                rules: RulesRequest::from_env(rules),
                agent,
                env: process_env(),
                format,
                now: at.unwrap_or_else(OffsetDateTime::now_utc),
            };
            commands::brief::run(&opts, out)
        }
        Command::Install {
            hooks,
            force,
            uninstall,
            brief,
            agent,
            rules,
        } => {
            let opts = commands::install::InstallOptions {
                dir: dir.clone(),
                hooks,
                force,
                uninstall,
                brief,
                brief_options: BriefOptions {
                    dir,
                    rules: RulesRequest::from_env(rules),
                    agent,
                    env: process_env(),
                    format: BriefFormat::Text,
                    now: OffsetDateTime::now_utc(),
                },
                // The hooks call this very binary unless AGENTFENCE_BIN says otherwise.
                binary: std::env::current_exe().ok(),
            };
            commands::install::run(&opts, out)
        }
        Command::Init { force, commits } => {
            let opts = commands::init::InitOptions {
                dir,
                force,
                commits,
            };
            commands::init::run(&opts, out).map(|()| Outcome::Clean)
        }
        Command::Demo { dir: keep } => {
            let binary =
                std::env::current_exe().map_err(|source| agentfence::input::InputError::Read {
                    what: "the path of this agentfence binary".to_owned(),
                    source,
                })?;
            let opts = commands::demo::DemoOptions { binary, dir: keep };
            commands::demo::run(&opts, out).map(|()| Outcome::Clean)
        }
        Command::Explain {
            rules,
            format,
            base,
            pusher,
            revisions,
        } => {
            let opts = commands::explain::ExplainOptions {
                dir,
                rules: RulesRequest::from_env(rules),
                base,
                pushers: pusher,
                revisions,
                format,
            };
            commands::explain::run(&opts, out)
        }
        Command::Stat {
            threads,
            all,
            mut ranges,
        } => {
            if all {
                ranges.push("--all".to_owned());
            }
            let opts = commands::stat::StatOptions {
                dir,
                ranges,
                threads,
            };
            commands::stat::run(&opts, out).map(|()| Outcome::Clean)
        }
        Command::Report(args) => {
            // Progress only for a person watching: stderr is a terminal and no hook runs us.
            let mut err = io::stderr();
            let hook = ["GIT_DIR", "GIT_INDEX_FILE", "GIT_QUARANTINE_PATH"]
                .iter()
                .any(|v| std::env::var_os(v).is_some());
            let progress = (err.is_terminal() && !hook).then_some(&mut err as &mut dyn Write);
            commands::report::run(&args.into_options(dir), out, progress)
        }
        Command::Revert(args) => {
            commands::revert::run(&args.into_options(dir, process_env())?, out)
        }
        Command::Rules { command } => match command {
            RulesCommand::Check { file } => {
                let file = file.unwrap_or_else(|| dir.join(".agentfence.yaml"));
                let mut err = io::stderr().lock();
                commands::rules::check_with_warnings(&file, out, &mut err).map(|()| Outcome::Clean)
            }
            RulesCommand::Default => commands::rules::print_default(out).map(|()| Outcome::Clean),
            RulesCommand::Schema => commands::rules::print_schema(out).map(|()| Outcome::Clean),
        },
        Command::Completions { shell } => {
            commands::completions::completions(&mut Cli::command(), shell, out)
                .map(|()| Outcome::Clean)
        }
        Command::Man { out_dir } => {
            let cli = Cli::command();
            match out_dir {
                Some(dir) => commands::completions::man_pages(&cli, &dir, out),
                None => commands::completions::man_page(&cli, out),
            }
            .map(|()| Outcome::Clean)
        }
    }
}

/// The process environment. Names and values that are not UTF-8 are kept, decoded lossily:
/// dropping them would let a marker like `CLAUDECODE=<invalid UTF-8>` go unseen. (Paths
/// taken from the environment, such as `GIT_INDEX_FILE`, are read as raw `OsString`s.)
fn process_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect()
}

/// Parses an RFC 3339 time.
fn parse_time(s: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("not an RFC 3339 time: {e}"))
}

/// Maps a command's result to the contract's exit status. The exit code is the verdict: a
/// write error (a closed pipe included) never lowers it, unlike a search tool's "a broken
/// pipe is success" — a gate whose report cannot be written still rejects.
fn exit_code(result: agentfence::Result<Outcome>) -> ExitCode {
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Rejected) => ExitCode::from(1),
        Err(agentfence::Error::Reported) => ExitCode::from(2),
        Err(e) => {
            let mut err = io::stderr().lock();
            for line in e.to_string().lines() {
                let _ = writeln!(err, "agentfence: {line}");
            }
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
