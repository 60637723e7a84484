//! agentfence: authorization for AI coding agents at git's own gates.
//!
//! Data flows one way, and the modules follow it:
//!
//! 1. **input** — a range (`check`, `stat`, `explain`), git's hook stdin (`pre-receive`,
//!    `pre-push`), the index (`pre-commit`) or a message file (`commit-msg`);
//! 2. **rules** ([`rules`]) — read from a trusted place, validated and compiled once;
//! 3. **git facts** ([`git`]) — commits, their changes and ref updates, as plain values
//!    ([`model`]); the only module that touches `git2`;
//! 4. **attribution** ([`trailers`], [`attribution`]) — which agent owns each commit;
//! 5. **checks** ([`check`]) — pure functions from facts and rules to [`violation`]s;
//! 6. **report** ([`report`]) — text, JSON, SARIF or GitHub workflow commands; or, for a
//!    whole history, [`measure`]: figures per owner, task and week (`agentfence report`);
//! 7. **exit code** — 0 nothing rejected, 1 rejected, 2 could not check ([`commands`]).
//!
//! The library never prints; the binary (`src/main.rs`) parses arguments, calls one command
//! and maps its outcome to an exit code.

pub mod commands;
pub mod git;
pub mod input;
// Links zlib-rs in place of the system zlib for libgit2 (see Cargo.toml).
use libz_rs_sys as _;

pub mod model;
pub mod rules;
pub mod trailers;
pub mod violation;

mod error;
pub use error::{Error, Result};
pub mod attribution;
pub mod brief;
pub mod check;
pub mod decision_log;
pub mod gate;
pub mod measure;
pub mod pipeline;
pub mod report;
pub mod revert;
pub mod rules_source;
pub mod signature;
