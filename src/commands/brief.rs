//! `agentfence brief`: an agent's boundary in short sentences to paste into CLAUDE.md or
//! AGENTS.md, or as JSON. Without `--agent`: the acting agent (`AGENTFENCE_AGENT`, the
//! agents' `env` markers), else every agent. Rules come from where the local hooks read
//! them (`HEAD:.agentfence.yaml`), so the brief says what the hooks will enforce.

use std::io::Write;
use std::path::PathBuf;

use time::OffsetDateTime;

use super::Outcome;
use super::local::AGENT_VARIABLE;
use crate::Result;
use crate::attribution::{self, Actor};
use crate::brief::Brief;
use crate::git::Repo;
use crate::input::InputError;
use crate::rules::Rules;
use crate::rules_source::{self, RulesRequest, Trusted};

/// The formats `brief` writes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, clap::ValueEnum)]
pub enum BriefFormat {
    /// Short sentences (Markdown), for an agent's instructions file.
    #[default]
    Text,
    /// The same as data (the [`Brief`] struct).
    Json,
}

/// Options of `agentfence brief`.
#[derive(Debug, Clone)]
pub struct BriefOptions {
    /// The repository (optional: outside one, only `--rules`, the environment and the
    /// default apply).
    pub dir: PathBuf,
    /// Where the rules come from.
    pub rules: RulesRequest,
    /// `--agent NAME`.
    pub agent: Option<String>,
    /// The process environment, to find the acting agent.
    pub env: Vec<(String, String)>,
    /// Output format.
    pub format: BriefFormat,
    /// The time at which tasks count as open.
    pub now: OffsetDateTime,
}

/// Writes the brief to `out`.
pub fn run(opts: &BriefOptions, out: &mut dyn Write) -> Result<Outcome> {
    let brief = build(opts)?;
    match opts.format {
        BriefFormat::Text => brief.write_text(out)?,
        BriefFormat::Json => brief.write_json(out)?,
    }
    Ok(Outcome::Clean)
}

/// The brief `opts` asks for: the named agent, else the acting one, else every agent.
pub fn build(opts: &BriefOptions) -> Result<Brief> {
    // Outside a repository the brief is built from --rules, the environment or the
    // default; a repository that exists but cannot be read is an error, never a silent
    // fall-back to the embedded rules (which `install --brief` would write into CLAUDE.md).
    let repo = Repo::discover_if_any(&opts.dir)?;
    let layers = rules_source::load_layers(&opts.rules, repo.as_ref(), &Trusted::Head)?;
    let rules = &layers.repository.rules;
    let agents = select(rules, opts)?;
    let mut brief = Brief::new(rules, agents.iter().copied(), opts.now);
    if let Some(baseline) = &layers.baseline {
        // The same agents, by name, as the baseline defines them; else whom the baseline
        // would take to be acting.
        let named: Vec<&crate::rules::Agent> = agents
            .iter()
            .filter_map(|a| baseline.rules.agent(&a.name))
            .collect();
        let chosen = if named.is_empty() && opts.agent.is_none() {
            select(&baseline.rules, opts)?
        } else {
            named
        };
        brief.baseline = Some(Box::new(Brief::new(&baseline.rules, chosen, opts.now)));
    }
    Ok(brief)
}

fn select<'r>(rules: &'r Rules, opts: &BriefOptions) -> Result<Vec<&'r crate::rules::Agent>> {
    if let Some(name) = &opts.agent {
        return match rules.agent(name) {
            Some(agent) => Ok(vec![agent]),
            None => Err(InputError::Argument(format!(
                "agent {name:?} is not defined in the rules in force"
            ))
            .into()),
        };
    }
    let declared = opts
        .env
        .iter()
        .find(|(k, v)| k == AGENT_VARIABLE && !v.is_empty())
        .map(|(_, v)| v.clone());
    let actor = Actor {
        env: opts.env.clone(),
        declared_agent: declared,
        ..Actor::default()
    };
    Ok(match attribution::acting_agent(rules, &actor) {
        Some(owner) => vec![owner.agent],
        None => rules.agents.iter().collect(),
    })
}
