//! End-to-end tests: real repositories built with the `git` CLI in temp dirs, the real
//! `agentfence` binary, git as the oracle.

mod attribution;
mod brief;
mod bytes;
mod check;
mod ci;
mod fsck;
mod install;
mod local_hooks;
mod merges;
mod pre_receive;
mod rules;
mod stat;
mod support;
mod trailers;
