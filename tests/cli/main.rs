//! End-to-end tests: real repositories built with the `git` CLI in temp dirs, the real
//! `agentfence` binary, git as the oracle.

mod action;
mod attribution;
mod brief;
mod bytes;
mod check;
mod ci;
mod completions;
mod demo;
mod encoding;
mod fsck;
mod holes;
mod init;
mod install;
mod layers;
mod local_hooks;
mod merges;
mod options;
mod ownership;
mod paths;
mod pre_receive;
mod report;
mod report_html;
mod report_oracle;
mod revert;
mod rules;
mod schema;
mod signatures;
mod signing;
mod stat;
mod support;
mod trailers;
