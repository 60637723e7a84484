//! `agentfence pre-receive`: the server gate. Reads git's `<old> <new> <ref>` lines,
//! judges every commit the push brings into the repository and every ref update, and
//! decides for the whole push.
//!
//! It runs inside git's quarantine: the repository is opened from git's environment
//! (GIT_DIR, GIT_OBJECT_DIRECTORY, GIT_ALTERNATE_OBJECT_DIRECTORIES) so objects that exist
//! only in the incoming pack are read. It writes nothing to the repository.

use std::io::{Read, Write};
use std::path::PathBuf;

use time::OffsetDateTime;

use super::Outcome;
use crate::Result;
use crate::attribution::Actor;
use crate::check::Engine;
use crate::gate::{self, Gate};
use crate::git::{CreationBase, EXISTING_REFS, PushBase, Repo};
use crate::input::{self, InputError, PUSHER_VARIABLES};
use crate::report::{Format, RenderOptions};
use crate::rules_source::{self, RulesRequest};

/// Options of `agentfence pre-receive`.
#[derive(Debug, Clone)]
pub struct PreReceiveOptions {
    /// The repository, when not run by git (GIT_DIR unset).
    pub dir: PathBuf,
    /// Where the rules come from, before the repository is consulted.
    pub rules: RulesRequest,
    /// The authenticated pusher (flag and server variables already resolved).
    pub pusher: Option<String>,
    /// Report format (written to stderr, which git relays as `remote:` lines).
    pub format: Format,
    /// Report every violation as a warning and accept.
    pub audit: bool,
    /// Worker threads (0: one per core).
    pub threads: usize,
}

/// Runs the hook: `stdin` is git's ref lines (read whole, however long: nothing is ever
/// judged in part), the report goes to `err`.
pub fn run(opts: &PreReceiveOptions, stdin: &mut dyn Read, err: &mut dyn Write) -> Result<Outcome> {
    let lines = input::parse_pre_receive(&read_stdin(stdin)?)?;
    let repo = open(opts)?;
    // The default branch's tip before the push, resolved once: the trusted rules come from
    // it, and a created ref brings the commits not reachable from it.
    // A default branch that cannot be resolved is an error only when the rules must come
    // from it; otherwise a created ref has no base and brings every commit it reaches,
    // which binds more, not less.
    let default_tip = rules_source::default_branch_tip(&repo);
    let (in_force, tip) = match (
        rules_source::load_outside(&opts.rules, Some(&repo))?,
        default_tip,
    ) {
        (Some(in_force), tip) => (in_force, tip.ok().flatten()),
        (None, Err(e)) => return Err(e),
        (None, Ok(tip)) => (rules_source::load_committed(&repo, tip.clone())?, tip),
    };
    let tip = tip.map(|(_, id)| id);
    let actor = Actor {
        pushers: opts.pusher.iter().cloned().collect(),
        pushing: true,
        ..Actor::default()
    };
    let mut read = vec!["--pusher"];
    read.extend(PUSHER_VARIABLES);
    gate::require_pusher(&in_force.rules, &actor, &read)?;
    let facts = repo.push_facts(
        &lines,
        &PushBase {
            existing_globs: EXISTING_REFS,
            existing_ids: &[],
            creation_base: CreationBase::DefaultTip(tip.as_ref()),
            old_may_be_missing: false,
        },
    )?;
    let gate = Gate {
        repo: &repo,
        in_force: &in_force,
        engine: Engine::new(
            &in_force.rules,
            actor,
            OffsetDateTime::now_utc(),
            opts.audit,
        ),
        threads: opts.threads,
    };
    let report = gate.judge_push(&facts.updates, &facts.new_commits)?;
    let render = RenderOptions {
        color: false,
        hook: true,
    };
    gate::conclude(&report, opts.format, &render, err)
}

/// Reads hook stdin whole, as UTF-8 text. There is no size limit: a push of any number of
/// refs is read and judged entirely, never in part.
pub fn read_stdin(stdin: &mut dyn Read) -> Result<String, InputError> {
    let mut bytes = Vec::new();
    stdin
        .read_to_end(&mut bytes)
        .map_err(|source| InputError::Read {
            what: "stdin".to_owned(),
            source,
        })?;
    String::from_utf8(bytes).map_err(|_| InputError::StdinNotText)
}

/// Opens the repository as git hands it to a hook, or `dir` when run by hand.
fn open(opts: &PreReceiveOptions) -> Result<Repo> {
    if std::env::var_os("GIT_DIR").is_some() {
        Ok(Repo::open_from_env()?)
    } else {
        Ok(Repo::discover(&opts.dir)?)
    }
}
