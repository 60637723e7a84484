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

/// Renders a run's report and concludes: rejected when some violation is an error.
///
/// The verdict is fixed before anything is written, and no write error lowers it: a
/// rejected run whose report cannot be written (a closed stderr, `check | head -1` under
/// `pipefail`) is still rejected. A clean run whose report cannot be written could not do
/// its job and is an error (exit 2), which also rejects.
pub(crate) fn conclude(
    report: &crate::check::Report,
    format: crate::report::Format,
    render: &crate::report::RenderOptions,
    out: &mut dyn std::io::Write,
) -> crate::Result<Outcome> {
    let verdict = if report.rejected() {
        Outcome::Rejected
    } else {
        Outcome::Clean
    };
    match crate::report::render(report, format, render, out) {
        Err(_) if verdict == Outcome::Rejected => Ok(verdict),
        Err(e) => Err(crate::Error::Output(e)),
        Ok(()) => Ok(verdict),
    }
}
