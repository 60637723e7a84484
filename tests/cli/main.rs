//! End-to-end tests: real repositories built with the `git` CLI in temp dirs, the real
//! `agentfence` binary, git as the oracle.

mod attribution;
mod brief;
mod bytes;
mod check;
mod ci;
mod encoding;
mod fsck;
mod holes;
mod install;
mod layers;
mod local_hooks;
mod merges;
mod paths;
mod pre_receive;
mod report;
mod report_html;
mod report_oracle;
mod rules;
mod stat;
mod support;
mod trailers;
