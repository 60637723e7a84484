//! Who made a commit: every agent whose authenticated identity or markers hold.
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
//! - a principal of a good signature matching the agent's `signer` patterns.
//!
//! Authenticated identity (pusher, signer) outranks what the commit says and never
//! launders it: a commit's owners are a set ([`owners`]), and it must pass every owner's
//! policy.

use std::fmt;

use crate::model::CommitFacts;
use crate::rules::{Agent, EnvMarker, Matcher, Rules};
use crate::signature::SignatureCheck;
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
    /// True when some pusher is an agent's `pusher` name in any rules layer: such a push
    /// never approves `approve` paths (set by the gate, which sees every layer).
    pub pusher_is_agent: bool,
    /// True in the local commit hooks, where the commit is not signed yet (git signs it
    /// after them): a commit no agent owns is then judged by `default_policy`, not as
    /// `unverified`, since a person's signature cannot be seen yet. The server decides.
    pub signature_pending: bool,
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
    /// A principal of the commit's good signature.
    Signer(String),
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
            Marker::Signer(principal) => {
                write!(f, "a good signature by {principal}, which its signer names")
            }
        }
    }
}

/// An agent that owns a commit, and the marker that made it so.
#[derive(Debug, Clone)]
pub struct Ownership<'r> {
    /// The owning agent.
    pub agent: &'r Agent,
    /// The marker that matched.
    pub marker: Marker,
}

/// Every agent that owns a commit, in the contract's order (CONTRACT.md, "Authenticated
/// identity outranks what a commit says about itself"): (1) the agent whose `pusher` (or,
/// in a local hook, the declared agent) is acting, for a commit that is `new` in this push;
/// (2) the agent whose `signer` patterns match a principal of the commit's good signature;
/// (3) the first agent, in file order, whose trailer, author, committer or env markers
/// match. Each agent appears once. A commit must pass the policy of every owner, so a claim
/// can add a policy but never remove one.
pub fn owners<'r>(
    rules: &'r Rules,
    facts: &CommitFacts,
    trailers: &[Trailer],
    actor: &Actor,
    new: bool,
    signature: &SignatureCheck,
) -> Vec<Ownership<'r>> {
    let mut found: Vec<Ownership<'r>> = Vec::new();
    let mut add = |o: Ownership<'r>| {
        if !found.iter().any(|f| f.agent.name == o.agent.name) {
            found.push(o);
        }
    };
    if new && let Some(acting) = acting_agent(rules, actor) {
        add(acting);
    }
    if let Some(o) = rules.agents.iter().find_map(|agent| {
        agent
            .matcher
            .signer
            .matching_principal(signature)
            .map(|p| Ownership {
                agent,
                marker: Marker::Signer(p.to_owned()),
            })
    }) {
        add(o);
    }
    if let Some(o) = rules.agents.iter().find_map(|agent| {
        commit_marker(&agent.matcher, facts, trailers)
            .or_else(|| env_marker(agent, actor))
            .map(|marker| Ownership { agent, marker })
    }) {
        add(o);
    }
    found
}

/// Who is acting: the first agent, in file order, named by the actor's identity (the
/// declared agent of a local hook, or a pusher name, ASCII case-insensitively), else the
/// first whose env markers hold (local hooks only: a server sees no environment). The
/// acting agent owns every new commit of its push, and its policy binds every ref update.
pub fn acting_agent<'r>(rules: &'r Rules, actor: &Actor) -> Option<Ownership<'r>> {
    let by_identity = rules
        .agents
        .iter()
        .find_map(|agent| identity_marker(agent, actor).map(|marker| Ownership { agent, marker }));
    by_identity.or_else(|| {
        rules
            .agents
            .iter()
            .find_map(|agent| env_marker(agent, actor).map(|marker| Ownership { agent, marker }))
    })
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

fn identity_marker(agent: &Agent, actor: &Actor) -> Option<Marker> {
    if let Some(name) = &actor.declared_agent
        && *name == agent.name
    {
        return Some(Marker::Declared(name.clone()));
    }
    actor
        .pushers
        .iter()
        .find(|pusher| {
            agent
                .matcher
                .pusher
                .iter()
                .any(|p| p.eq_ignore_ascii_case(pusher))
        })
        .map(|pusher| Marker::Pusher(pusher.clone()))
}

fn env_marker(agent: &Agent, actor: &Actor) -> Option<Marker> {
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
