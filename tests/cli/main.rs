//! End-to-end tests: real repositories built with the `git` CLI in temp dirs, the real
//! `agentfence` binary, git as the oracle.

mod action;
mod attribution;
mod brief;
mod check;
mod ci;
mod completions;
mod demo;
mod init;
mod install;
mod local_hooks;
mod options;
mod pre_receive;
mod rules;
mod schema;
mod stat;
mod support;
mod trailers;
