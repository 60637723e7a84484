//! Who owns a commit once signatures are in play (issue 11), through real pushes into a
//! bare repository with the hook: authenticated identity (the pusher's account, a good
//! signature) outranks what a commit says about itself, and never launders it.

use crate::pre_receive::{assert_accepted, assert_rejected};
use crate::signing::{Keys, SshKey};
use crate::support::{Server, TestRepo};

/// Rules: `bot` (trailer `Agent: bot`, pusher `svc-bot`, signer `bot@agents`), people
/// `*@example.com` by signature, and unsigned work judged by the agents' policy, which
/// keeps agents out of `ci/` and must not touch `db/` without approval.
const RULES: &str = "version: 1
agents:
  - name: bot
    match:
      trailer: {Agent: '^bot$'}
      pusher: [svc-bot]
      signer: ['bot@agents']
    policy: agents
default_policy: humans
signatures:
  allowed_signers: .agentfence/allowed_signers
  humans: ['*@example.com']
  unverified_policy: agents
policies:
  agents:
    paths:
      deny: ['ci/**']
      approve: ['db/**']
      approvers: [alice]
  humans: {}
";

/// A server whose main holds `RULES` and an allowed-signers file naming alice's and the
/// bot's keys, and a client on main.
fn setup() -> (Server, TestRepo, Keys, SshKey, SshKey) {
    let keys = Keys::new();
    let alice = keys.ssh("alice", "ed25519");
    let bot = keys.ssh("bot", "ed25519");
    let server = Server::new();
    let client = TestRepo::new();
    client.remote(&server);
    client.write(".agentfence.yaml", RULES);
    client.write(
        ".agentfence/allowed_signers",
        format!(
            "alice@example.com namespaces=\"git\" {}\nbot@agents namespaces=\"git\" {}\n",
            alice.line(),
            bot.line()
        ),
    );
    client.write("README.md", "base\n");
    client.commit("Base");
    client.git(&["push", "-q", "origin", "main"]);
    server.install_hook();
    (server, client, keys, alice, bot)
}

/// Stages `path` with `contents` and commits it signed with `key`; returns the id.
fn signed(client: &TestRepo, key: &SshKey, path: &str, message: &str) -> String {
    client.write(path, "x\n");
    client.git(&["add", "-A"]);
    client.commit_ssh_signed(&key.private, message, &[])
}

#[test]
fn an_unsigned_commit_with_a_persons_name_is_judged_as_agents_work() {
    let (server, client, _keys, alice, _bot) = setup();
    client.write("ci/deploy.sh", "x\n");
    let unsigned = client.commit("A person's name, no signature");
    assert_rejected(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/topic"],
        &[],
        &["path-denied"],
        &[&unsigned],
        &["ci/deploy.sh", "(unverified 1)"],
    );
    // The same change signed by alice's key is a person's, and lands.
    client.git(&["reset", "-q", "--hard", "HEAD~"]);
    let by_alice = signed(&client, &alice, "ci/deploy.sh", "Alice's change");
    let err = assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/topic"],
        &[],
        &[("refs/heads/topic", Some(&by_alice))],
    );
    assert!(err.contains("(humans 1)"), "{err}");
}

#[test]
fn a_trailer_still_makes_a_person_signed_commit_an_agents() {
    let (server, client, _keys, alice, _bot) = setup();
    let c = signed(&client, &alice, "ci/x.sh", "Signed by alice\n\nAgent: bot");
    assert_rejected(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/topic"],
        &[],
        &["path-denied"],
        &[&c],
        &["(bot 1)"],
    );
}

#[test]
fn a_pusher_bound_agents_commit_stays_the_agents_whatever_key_signed_it() {
    let (server, client, _keys, alice, _bot) = setup();
    let c = signed(&client, &alice, "ci/x.sh", "Looks like alice's");
    assert_rejected(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/topic"],
        &[("AGENTFENCE_PUSHER", "svc-bot")],
        &["path-denied"],
        &[&c],
        &["(bot 1)"],
    );
}

#[test]
fn the_signers_file_is_denied_to_agents_and_editing_it_in_the_push_changes_nothing() {
    let (server, client, _keys, _alice, bot) = setup();
    // The agent adds its own key as a person's, and signs with it in the same push.
    let path = client.path().join(".agentfence/allowed_signers");
    let mut text = std::fs::read_to_string(&path).expect("read");
    text.push_str(&format!(
        "mallory@example.com namespaces=\"git\" {}\n",
        bot.line()
    ));
    std::fs::write(&path, text).expect("write");
    client.write("ci/x.sh", "x\n");
    client.git(&["add", "-A"]);
    let c = client.commit_ssh_signed(&bot.private, "Make myself a person", &[]);
    let err = assert_rejected(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/topic"],
        &[],
        &["path-denied", "path-denied"],
        &[&c],
        &[".agentfence/allowed_signers", "(bot 1)"],
    );
    assert!(err.contains("no agent may change it"), "{err}");
}

#[test]
fn approve_paths_land_only_when_a_listed_person_pushes() {
    let (server, client, _keys, _alice, _bot) = setup();
    client.write("db/migrate.sql", "x\n");
    let c = client.commit("Migration\n\nAgent: bot");
    // Pushed by the agent's account: approval required.
    assert_rejected(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/topic"],
        &[("AGENTFENCE_PUSHER", "svc-bot")],
        &["approval-required"],
        &[&c],
        &["db/migrate.sql"],
    );
    // Pushed by someone not listed: still required.
    assert_rejected(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/topic"],
        &[("AGENTFENCE_PUSHER", "mallory")],
        &["approval-required"],
        &[&c],
        &[],
    );
    // Pushed by alice, a listed approver who is no agent (names compare without case).
    assert_accepted(
        &server,
        &client,
        &["origin", "HEAD:refs/heads/topic"],
        &[("AGENTFENCE_PUSHER", "Alice")],
        &[("refs/heads/topic", Some(&c))],
    );
}
