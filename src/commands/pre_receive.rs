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
use crate::decision_log::{self, Decision};
use crate::gate::{self, Gate};
use crate::git::{CreationBase, EXISTING_REFS, PushBase, Repo};
use crate::input::{self, InputError, PUSHER_VARIABLES};
use crate::report::{Format, RenderOptions};
use crate::rules_source::{self, Layers, RulesRequest};

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
    /// The decision log (`--log FILE`, else `AGENTFENCE_LOG`); git config `agentfence.log`
    /// is read from the repository.
    pub log: Option<PathBuf>,
}

/// Runs the hook: `stdin` is git's ref lines (read whole, however long: nothing is ever
/// judged in part), the report goes to `err`. When a decision log is configured, every
/// run appends one line to it, errors included, and a log that cannot be written rejects
/// the push.
pub fn run(opts: &PreReceiveOptions, stdin: &mut dyn Read, err: &mut dyn Write) -> Result<Outcome> {
    // All of stdin first: git must never see the hook stop reading early.
    let text = read_stdin(stdin);
    let repo = open(opts);
    let log = match &repo {
        Ok(repo) => log_path(opts, Some(repo))?,
        Err(_) => log_path(opts, None)?,
    };
    let pusher = opts.pusher.as_deref();
    let judged = match (text, repo) {
        (Ok(text), Ok(repo)) => judge(opts, &text, &repo, err).map(|j| (j, repo)),
        (Err(e), _) => Err(e.into()),
        (_, Err(e)) => Err(e),
    };
    let Some(log) = log else {
        return judged.map(|(j, _)| j.outcome);
    };
    let here = repository_path(opts);
    match judged {
        Ok((j, _)) => {
            let verdict = match j.outcome {
                Outcome::Clean => "accepted",
                Outcome::Rejected => "rejected",
            };
            let decision = Decision::judged(&here, pusher, &j.updates, &j.report, verdict);
            decision_log::append(&log, &decision)?;
            Ok(j.outcome)
        }
        Err(e) => {
            let decision = Decision::error(&here, pusher, e.to_string());
            // The run already fails; a log that cannot be written adds its own line.
            decision_log::append(&log, &decision)?;
            Err(e)
        }
    }
}

/// What one judged push concluded, for the report and the log.
struct Judgement {
    updates: Vec<crate::model::RefUpdate>,
    report: crate::check::Report,
    outcome: Outcome,
}

/// The decision log's path: `--log FILE`, else `AGENTFENCE_LOG`, else git config
/// `agentfence.log`; `None` when none is set.
fn log_path(opts: &PreReceiveOptions, repo: Option<&Repo>) -> Result<Option<PathBuf>> {
    if let Some(path) = &opts.log {
        return Ok(Some(path.clone()));
    }
    match repo {
        Some(repo) => Ok(repo.config_path("agentfence.log")?),
        None => Ok(None),
    }
}

/// The repository's absolute path, as the log names it.
fn repository_path(opts: &PreReceiveOptions) -> PathBuf {
    let dir = std::env::var_os("GIT_DIR").map_or_else(|| opts.dir.clone(), PathBuf::from);
    dir.canonicalize().unwrap_or(dir)
}

/// Judges the push whose ref lines are `text`.
fn judge(
    opts: &PreReceiveOptions,
    text: &str,
    repo: &Repo,
    err: &mut dyn Write,
) -> Result<Judgement> {
    let lines = input::parse_pre_receive(text)?;
    // The default branch's tip before the push, resolved once: the trusted rules come from
    // it, and a created ref brings the commits not reachable from it.
    // A default branch that cannot be resolved is an error only when the rules must come
    // from it; otherwise a created ref has no base and brings every commit it reaches,
    // which binds more, not less.
    let default_tip = rules_source::default_branch_tip(repo);
    let baseline = rules_source::load_baseline(&opts.rules, Some(repo))?;
    let (repository, tip) = match (
        rules_source::load_outside(&opts.rules, Some(repo))?,
        default_tip,
    ) {
        (Some(in_force), tip) => (in_force, tip.ok().flatten()),
        (None, Err(e)) => return Err(e),
        (None, Ok(tip)) => (rules_source::load_committed(repo, tip.clone())?, tip),
    };
    let layers = Layers {
        baseline,
        repository,
    };
    let tip = tip.map(|(_, id)| id);
    let actor = Actor {
        pushers: opts.pusher.iter().cloned().collect(),
        pushing: true,
        ..Actor::default()
    };
    let mut read = vec!["--pusher"];
    read.extend(PUSHER_VARIABLES);
    gate::require_pusher(&layers, &actor, &read)?;
    let facts = repo.push_facts(
        &lines,
        &PushBase {
            existing_globs: EXISTING_REFS,
            existing_ids: &[],
            creation_base: CreationBase::DefaultTip(tip.as_ref()),
            old_may_be_missing: false,
        },
    )?;
    let gate = Gate::new(
        repo,
        &layers,
        &actor,
        OffsetDateTime::now_utc(),
        opts.audit,
        opts.threads,
    );
    let report = gate.judge_push(&facts.updates, &facts.new_commits)?;
    let render = RenderOptions {
        color: false,
        hook: true,
    };
    let outcome = gate::conclude(&report, opts.format, &render, err)?;
    Ok(Judgement {
        updates: facts.updates,
        report,
        outcome,
    })
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

/// How the pusher sees an error of the hook (git relays stderr as `remote:` lines): a
/// headline saying the push was rejected and why, then the error, with every absolute path
/// outside the repository cut to its file name, so no server layout leaks (the decision
/// log keeps the full text).
pub fn pusher_view(error: &crate::Error, repository: &std::path::Path) -> Vec<String> {
    let mut lines = vec![
        "push rejected: agentfence could not check it (nothing was judged, so nothing is let through)".to_owned(),
    ];
    let repository = repository.display().to_string();
    for line in error.to_string().lines() {
        lines.push(redact_paths(line, &repository));
    }
    lines
}

/// Replaces each absolute path in `text` that is not inside `repository` with `.../NAME`.
fn redact_paths(text: &str, repository: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('/') {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        // A path starts at a '/' that opens a word.
        let opens = before.is_empty() || before.ends_with([' ', '\'', '"', '(', '=']);
        let end = from
            .find(|c: char| c.is_whitespace() || matches!(c, ':' | '\'' | '"' | ')' | ','))
            .unwrap_or(from.len());
        let path = &from[..end];
        let inside = path == repository
            || path
                .strip_prefix(repository)
                .is_some_and(|rest| rest.starts_with('/'));
        if opens && path.len() > 1 && !inside {
            let name = path.rsplit('/').find(|p| !p.is_empty()).unwrap_or("");
            out.push_str(".../");
            out.push_str(name);
        } else {
            out.push_str(path);
        }
        rest = &from[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_paths_outside_the_repository_are_cut_to_their_names() {
        let repo = "/srv/git/p.git";
        assert_eq!(
            redact_paths(
                "decision log /var/log/agentfence/d.jsonl: opening: Permission denied",
                repo
            ),
            "decision log .../d.jsonl: opening: Permission denied"
        );
        assert_eq!(
            redact_paths("/etc/agentfence/base.yaml:3:5: agents[0]: bad", repo),
            ".../base.yaml:3:5: agents[0]: bad"
        );
        assert_eq!(
            redact_paths("cannot open /srv/git/p.git/objects/x", repo),
            "cannot open /srv/git/p.git/objects/x"
        );
        assert_eq!(
            redact_paths("refs/heads/main and a/b", repo),
            "refs/heads/main and a/b"
        );
        // A sibling whose name merely starts like the repository's is outside it.
        assert_eq!(
            redact_paths("/srv/git/p.git2/secret/config", repo),
            ".../config"
        );
    }
}
