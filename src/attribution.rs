//! Who made a commit: the first agent of the rules whose markers hold.
//!
//! Markers, any one of which is enough (CONTRACT.md, `match`):
//! - a trailer whose key equals the agent's key (ASCII case-insensitively, as git's
//!   `%(trailers:key=…)` compares) and whose unfolded value matches its regex;
//! - the author's or committer's `Name <email>` matching a regex;
//! - the authenticated pusher being one of the agent's `pusher` names: then every new commit
//!   of that push is the agent's, trailer or not, so leaving a trailer out escapes nothing;
//! - an environment marker (`VAR` or `VAR=VALUE`), for local hooks only, where the agent's
//!   own shell runs git.
//!
//! Agents are tried in file order; the first whose match holds owns the commit.

use std::fmt;

use crate::model::CommitFacts;
use crate::rules::{Agent, EnvMarker, Matcher, Rules};
use crate::trailers::Trailer;

/// What is known about who is acting, beyond the commit itself.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// The authenticated pushers (server: one; CI: the pull request's author and the run's
    /// actors); empty where unknown. Compared with agents' `pusher` names ASCII
    /// case-insensitively, as forges treat user names.
    pub pushers: Vec<String>,
    /// Environment variables visible to a local hook; empty on a server.
    pub env: Vec<(String, String)>,
    /// An agent named explicitly (`--agent`, `AGENTFENCE_AGENT`); local hooks only.
    pub declared_agent: Option<String>,
    /// True when this actor performs the ref updates (a push), so that its own policy binds
    /// them even when it is no agent (`default_policy`); false for `check --ref`.
    pub pushing: bool,
}

/// Which marker made an agent the owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marker {
    /// A trailer `key: value`.
    Trailer {
        /// The key as written in the commit.
        key: String,
        /// The value.
        value: String,
    },
    /// The author identity.
    Author(String),
    /// The committer identity.
    Committer(String),
    /// The authenticated pusher.
    Pusher(String),
    /// An environment variable of the local hook.
    Env(String),
    /// Named explicitly with `--agent` or `AGENTFENCE_AGENT`.
    Declared(String),
}

impl fmt::Display for Marker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Marker::Trailer { key, value } => write!(f, "trailer \"{key}: {value}\""),
            Marker::Author(id) => write!(f, "author {id}"),
            Marker::Committer(id) => write!(f, "committer {id}"),
            Marker::Pusher(name) => write!(f, "pusher {name}"),
            Marker::Env(var) => write!(f, "environment {var}"),
            Marker::Declared(name) => write!(f, "declared agent {name}"),
        }
    }
}

/// The owner of a commit and the marker that made it so.
#[derive(Debug, Clone)]
pub struct Ownership<'r> {
    /// The owning agent.
    pub agent: &'r Agent,
    /// The marker that matched.
    pub marker: Marker,
}

/// The first agent, in file order, whose markers hold for this commit and actor.
pub fn owner<'r>(
    rules: &'r Rules,
    facts: &CommitFacts,
    trailers: &[Trailer],
    actor: &Actor,
) -> Option<Ownership<'r>> {
    rules.agents.iter().find_map(|agent| {
        commit_marker(&agent.matcher, facts, trailers)
            .or_else(|| actor_marker(agent, actor))
            .map(|marker| Ownership { agent, marker })
    })
}

/// The first agent whose actor markers (pusher, environment, declaration) hold, if any:
/// who is acting when there is no commit yet (pre-commit) or for ref rules.
pub fn acting_agent<'r>(rules: &'r Rules, actor: &Actor) -> Option<Ownership<'r>> {
    rules
        .agents
        .iter()
        .find_map(|agent| actor_marker(agent, actor).map(|marker| Ownership { agent, marker }))
}

/// The agents whose markers appear in a commit message alone (commit-msg hook): trailers.
pub fn message_marker(matcher: &Matcher, trailers: &[Trailer]) -> Option<Marker> {
    trailer_marker(matcher, trailers)
}

fn commit_marker(matcher: &Matcher, facts: &CommitFacts, trailers: &[Trailer]) -> Option<Marker> {
    if let Some(marker) = trailer_marker(matcher, trailers) {
        return Some(marker);
    }
    let author = facts.author.to_string();
    if matcher.author.iter().any(|re| re.is_match(&author)) {
        return Some(Marker::Author(author));
    }
    let committer = facts.committer.to_string();
    if matcher.committer.iter().any(|re| re.is_match(&committer)) {
        return Some(Marker::Committer(committer));
    }
    None
}

fn trailer_marker(matcher: &Matcher, trailers: &[Trailer]) -> Option<Marker> {
    matcher.trailers.iter().find_map(|want| {
        trailers
            .iter()
            .find(|t| t.key.eq_ignore_ascii_case(&want.key) && want.value.is_match(&t.value))
            .map(|t| Marker::Trailer {
                key: t.key.clone(),
                value: t.value.clone(),
            })
    })
}

fn actor_marker(agent: &Agent, actor: &Actor) -> Option<Marker> {
    if let Some(name) = &actor.declared_agent
        && *name == agent.name
    {
        return Some(Marker::Declared(name.clone()));
    }
    if let Some(pusher) = actor.pushers.iter().find(|pusher| {
        agent
            .matcher
            .pusher
            .iter()
            .any(|p| p.eq_ignore_ascii_case(pusher))
    }) {
        return Some(Marker::Pusher(pusher.clone()));
    }
    agent
        .matcher
        .env
        .iter()
        .find(|m| env_holds(m, &actor.env))
        .map(|m| Marker::Env(m.var.clone()))
}

fn env_holds(marker: &EnvMarker, env: &[(String, String)]) -> bool {
    env.iter().any(|(var, value)| {
        *var == marker.var && marker.value.as_ref().is_none_or(|want| want == value)
    })
}
