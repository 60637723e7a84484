//! What the local hooks (`pre-commit`, `commit-msg`, `pre-push`) share: their options, who
//! is acting (`--agent`, `AGENTFENCE_AGENT`, the agents' `env` markers), the facts of the
//! commit being made, and how a hook reports.
//!
//! The process environment is passed in as data ([`LocalOptions::env`]): the library never
//! reads it itself, so every decision here can be tested with literal values.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::Outcome;
use crate::Result;
use crate::attribution::Actor;
use crate::check::{CommitOutcome, Report};
use crate::gate::{self, Gate};
use crate::git::Repo;
use crate::input::InputError;
use crate::model::{CommitFacts, ObjectId};
use crate::report::{Format, RenderOptions};
use crate::rules_source::{self, Layers, RulesInForce, Trusted};

/// The variable that names the acting agent when `--agent` is not given.
pub const AGENT_VARIABLE: &str = "AGENTFENCE_AGENT";

/// Options every local hook takes.
#[derive(Debug, Clone)]
pub struct LocalOptions {
    /// The repository (the hook's working directory).
    pub dir: PathBuf,
    /// Where the rules come from, before `HEAD:.agentfence.yaml` and the default.
    pub rules: crate::rules_source::RulesRequest,
    /// `--agent NAME`: the agent doing the work.
    pub agent: Option<String>,
    /// The process environment, as `(name, value)` pairs.
    pub env: Vec<(String, String)>,
    /// `GIT_INDEX_FILE` as git set it (raw: a path need not be UTF-8), when set and not
    /// empty: the index git hands its hooks (e.g. a temporary index for `git commit -a`).
    pub index_file: Option<PathBuf>,
    /// Report format (written to stderr, where git shows a hook's output).
    pub format: Format,
    /// Report every violation as a warning and let the commit or push through.
    pub audit: bool,
}

impl LocalOptions {
    /// The value of an environment variable, if set.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The agent named explicitly: `--agent`, else a non-empty `AGENTFENCE_AGENT`.
    pub fn declared_agent(&self) -> Option<String> {
        self.agent.clone().or_else(|| {
            self.var(AGENT_VARIABLE)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        })
    }

    /// The index git hands its hooks (`GIT_INDEX_FILE`), relative to the hook's working
    /// directory.
    pub fn index_file(&self) -> Option<&Path> {
        self.index_file.as_deref()
    }
}

/// What every local hook starts from: the repository, the rules committed at `HEAD` (never
/// the working tree; else the embedded default), and the acting agent.
pub fn open(opts: &LocalOptions, pushing: bool) -> Result<(Repo, Layers, Actor)> {
    let repo = Repo::discover(&opts.dir)?;
    let layers = rules_source::load_layers(&opts.rules, Some(&repo), &Trusted::Head)?;
    let actor = actor(opts, &layers, pushing)?;
    Ok((repo, layers, actor))
}

/// The local actor: the declared agent (which must be defined in the rules: a typo must
/// not turn checks off) and the environment. `pushing` for `pre-push`.
pub fn actor(opts: &LocalOptions, layers: &Layers, pushing: bool) -> Result<Actor> {
    let declared = opts.declared_agent();
    let defined = |name: &str| {
        layers
            .each()
            .iter()
            .any(|(_, in_force)| in_force.rules.agent(name).is_some())
    };
    if let Some(name) = &declared
        && !defined(name)
    {
        let known: Vec<&str> = layers
            .each()
            .into_iter()
            .flat_map(|(_, in_force)| in_force.rules.agents.iter())
            .map(|a| a.name.as_str())
            .collect();
        return Err(InputError::Argument(format!(
            "agent {name:?} is not defined in the rules in force (agents: {})",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        ))
        .into());
    }
    Ok(Actor {
        pushers: Vec::new(),
        env: opts.env.clone(),
        declared_agent: declared,
        pushing,
        pusher_is_agent: false,
        // pre-commit and commit-msg run before git signs the commit; pre-push sees
        // signed commits.
        signature_pending: !pushing,
    })
}

/// The id the commit being made stands under in reports: git's all-zero "no object yet"
/// (the text report shows it as `staged`).
pub fn pending_id() -> ObjectId {
    ObjectId::from_hex(&"0".repeat(40)).expect("forty zeros are an object id")
}

/// The facts of the commit being made: parent `HEAD` (none when unborn), the author and
/// committer git will record, and `message`.
pub fn pending_facts(
    repo: &Repo,
    env: &[(String, String)],
    message: String,
) -> Result<CommitFacts> {
    let ids = repo.pending_identities(env)?;
    let parents = repo.ref_commit("HEAD")?.into_iter().collect();
    Ok(CommitFacts {
        id: pending_id(),
        parents,
        author: ids.author,
        committer: ids.committer,
        message,
    })
}

/// Renders a hook's report to `err` and concludes. A clean text report prints nothing, so
/// a passing hook stays quiet; the other formats always print.
pub fn finish(report: &Report, format: Format, err: &mut dyn Write) -> Result<Outcome> {
    if format == Format::Text && report.violations.is_empty() {
        return Ok(Outcome::Clean);
    }
    let render = RenderOptions {
        color: false,
        hook: true,
    };
    gate::conclude(report, format, &render, err)
}

/// Judges the commit being made (pre-commit, commit-msg) under every rules layer, and
/// reports. `facts`, `trailers` and `changes` describe it; `keep` filters the violations
/// (pre-commit drops the task rules, which need a message). Nothing is checked when no
/// layer covers the commit.
#[allow(clippy::too_many_arguments)]
pub fn judge_pending(
    repo: &Repo,
    layers: &Layers,
    actor: &Actor,
    facts: &CommitFacts,
    trailers: &[crate::trailers::Trailer],
    changes: impl FnOnce() -> Result<crate::model::CommitChanges>,
    keep: impl Fn(&crate::violation::Violation) -> bool,
    opts: &LocalOptions,
    err: &mut dyn Write,
) -> Result<Outcome> {
    let gate = Gate::new(
        repo,
        layers,
        actor,
        time::OffsetDateTime::now_utc(),
        opts.audit,
        1,
    );
    let attributions: Vec<_> = gate
        .engines
        .iter()
        // The commit does not exist yet, so it carries no signature (git signs it later):
        // the server, which sees the signature, is where signatures decide ownership.
        .map(|(_, engine)| {
            engine.attribute(
                facts,
                trailers,
                true,
                &crate::signature::SignatureCheck::none(),
            )
        })
        .collect();
    if !attributions.iter().any(|a| a.is_covered()) {
        return Ok(Outcome::Clean);
    }
    let changes = changes()?;
    let outcomes: Vec<CommitOutcome> = gate
        .engines
        .iter()
        .zip(attributions)
        .map(|((_, engine), attribution)| {
            let mut outcome = engine.check_commit(facts, trailers, attribution, &changes);
            outcome.violations.retain(&keep);
            outcome
        })
        .collect();
    let report = gate.judge_pending(outcomes)?;
    finish(&report, opts.format, err)
}

/// Warns on `err` (one line) when the working tree's `.agentfence.yaml` differs from the
/// rules in force; a warning that cannot be worked out or written changes nothing.
pub fn warn_worktree(repo: &Repo, in_force: &RulesInForce, err: &mut dyn Write) {
    if let Ok(Some(warning)) = rules_source::worktree_warning(repo, in_force) {
        let _ = writeln!(err, "agentfence: {warning}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(agent: Option<&str>, env: &[(&str, &str)]) -> LocalOptions {
        LocalOptions {
            dir: PathBuf::from("."),
            rules: Default::default(),
            agent: agent.map(str::to_owned),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            format: Format::Text,
            audit: false,
            index_file: None,
        }
    }

    #[test]
    fn the_flag_beats_the_variable_and_an_empty_variable_names_no_one() {
        let o = opts(Some("a"), &[(AGENT_VARIABLE, "b")]);
        assert_eq!(o.declared_agent().as_deref(), Some("a"));
        let o = opts(None, &[(AGENT_VARIABLE, "b")]);
        assert_eq!(o.declared_agent().as_deref(), Some("b"));
        let o = opts(None, &[(AGENT_VARIABLE, "")]);
        assert_eq!(o.declared_agent(), None);
    }

    #[test]
    fn an_undefined_agent_is_an_error_not_a_free_pass() {
        let rules = Layers {
            baseline: None,
            repository: RulesInForce {
                rules: crate::rules::default_rules(),
                origin: crate::rules_source::RulesOrigin::Embedded,
            },
        };
        let err = actor(&opts(Some("nobody"), &[]), &rules, false).expect_err("undefined");
        assert!(
            err.to_string().contains("\"nobody\" is not defined"),
            "{err}"
        );
        let actor = actor(&opts(Some("aider"), &[]), &rules, false).expect("defined");
        assert_eq!(actor.declared_agent.as_deref(), Some("aider"));
    }
}
