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
use crate::git::{EXISTING_REFS, Repo};
use crate::input::{self, InputError, RefLine};
use crate::model::{ObjectId, RefUpdate};
use crate::pipeline;
use crate::report::{Format, RenderOptions};
use crate::rules_source::{self, RulesRequest, Trusted};

/// The most stdin a hook reads: far more than any real push's ref lines.
const MAX_STDIN: u64 = 64 * 1024 * 1024;

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

/// Runs the hook: `stdin` is git's ref lines, the report goes to `err`.
pub fn run(opts: &PreReceiveOptions, stdin: &mut dyn Read, err: &mut dyn Write) -> Result<Outcome> {
    let lines = input::parse_pre_receive(&read_stdin(stdin)?)?;
    let repo = open(opts)?;
    let in_force = rules_source::load(&opts.rules, Some(&repo), &Trusted::DefaultBranchTip)?;
    let updates = ref_updates(&repo, &lines)?;
    let tips: Vec<ObjectId> = lines.iter().filter_map(|l| l.new.clone()).collect();
    let commits = repo.new_commits(&tips)?;
    let actor = Actor {
        pushers: opts.pusher.iter().cloned().collect(),
        pushing: true,
        ..Actor::default()
    };
    let engine = Engine::new(
        &in_force.rules,
        actor,
        OffsetDateTime::now_utc(),
        opts.audit,
    );
    let outcomes = pipeline::judge_all(&repo, &engine, &commits, opts.threads)?;
    let render = RenderOptions {
        color: false,
        hook: true,
    };
    super::conclude(
        &engine.report(&updates, &outcomes),
        opts.format,
        &render,
        err,
    )
}

/// Reads hook stdin as UTF-8 text, bounded.
pub fn read_stdin(stdin: &mut dyn Read) -> Result<String, InputError> {
    let mut bytes = Vec::new();
    stdin
        .take(MAX_STDIN)
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

/// Turns ref lines into ref updates: force detection and each update's new commits.
pub fn ref_updates(repo: &Repo, lines: &[RefLine]) -> Result<Vec<RefUpdate>> {
    lines
        .iter()
        .map(|l| {
            repo.ref_update(
                &l.name,
                l.old.as_ref(),
                l.new.as_ref(),
                EXISTING_REFS,
                &[],
                false,
            )
        })
        .map(|u| u.map_err(Into::into))
        .collect()
}
