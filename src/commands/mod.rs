//! One entry point per subcommand: each takes plain options and a writer, returns an
//! [`Outcome`] or an [`Error`](crate::Error). The binary maps the outcome to an exit code.

pub mod brief;
pub mod check;
pub mod commit_msg;
pub mod completions;
pub mod demo;
pub mod explain;
pub mod init;
pub mod install;
pub mod local;
pub mod pre_commit;
pub mod pre_push;
pub mod pre_receive;
pub mod report;
pub mod revert;
pub mod rules;
pub mod setup;
pub mod stat;

/// What a command concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing rejected (exit 0).
    Clean,
    /// Something was rejected by the rules (exit 1).
    Rejected,
}
