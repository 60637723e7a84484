//! Commit signatures through `agentfence explain`, git as the oracle: every status and
//! principal agentfence gives here is first what `git verify-commit` (with `%G?` telling
//! the failures apart) says of the same commit with the same files.

use std::path::Path;

use serde_json::Value;

use crate::signing::{GitFiles, Gpg, Keys, git_verdict};
use crate::support::{TestRepo, code, stderr, stdout};

/// `explain --format json`'s signature objects for `ids`, in order.
fn explain_signatures(repo: &TestRepo, rules: &Path, ids: &[&str]) -> Vec<Value> {
    let mut args = vec!["explain", "--format", "json", "--rules"];
    let rules = rules.to_str().expect("utf-8 path");
    args.push(rules);
    args.extend_from_slice(ids);
    let out = repo.run(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: Value = serde_json::from_str(&stdout(&out)).expect("explain JSON");
    json["commits"]
        .as_array()
        .expect("commits")
        .iter()
        .map(|c| c["signature"].clone())
        .collect()
}

/// For each `(name, commit, expected status)`: git's verdict is the expected one, and
/// agentfence's status and principal are git's.
fn assert_as_git(repo: &TestRepo, rules: &Path, files: GitFiles<'_>, cases: &[(&str, &str, &str)]) {
    let ids: Vec<&str> = cases.iter().map(|c| c.1).collect();
    let ours = explain_signatures(repo, rules, &ids);
    for ((name, id, want), ours) in cases.iter().zip(ours) {
        let git = git_verdict(repo, id, files);
        assert_eq!(git.status, *want, "{name}: git's own verdict");
        assert_eq!(ours["status"], git.status.as_str(), "{name}: {ours}");
        assert_eq!(
            ours["principal"].as_str(),
            git.principal.as_deref(),
            "{name}: the principal git prints"
        );
        if git.status == "none" {
            assert_eq!(ours["format"], Value::Null, "{name}");
        }
    }
}

const SIGNERS_RULES: &str = "version: 1
policies: {humans: {}}
signatures:
  allowed_signers: allowed_signers
  revoked: revoked
  openpgp_keys: keys.asc
";

#[test]
fn ssh_statuses_are_git_verify_commits() {
    let keys = Keys::new();
    let repo = TestRepo::new();
    let alice = keys.ssh("alice", "ed25519");
    let rsa = keys.ssh("rsa", "rsa");
    let ec256 = keys.ssh("ec256", "ecdsa-256");
    let ec384 = keys.ssh("ec384", "ecdsa-384");
    let ec521 = keys.ssh("ec521", "ecdsa-521");
    let mallory = keys.ssh("mallory", "ed25519");
    let old = keys.ssh("old", "ed25519");
    let soon = keys.ssh("soon", "ed25519");
    let filer = keys.ssh("filer", "ed25519");
    let gone = keys.ssh("gone", "ed25519");
    let pattern = keys.ssh("pattern", "ed25519");
    let multi = keys.ssh("multi", "ed25519");
    let negated = keys.ssh("negated", "ed25519");
    let ca = keys.ssh("ca", "ed25519");
    let carol = keys.ssh("carol", "ed25519");
    let dan = keys.ssh("dan", "ed25519");
    let carol_cert = keys.certify(&ca, &carol, &["carol@example.com", "ops"], None);
    let dan_cert = keys.certify(&ca, &dan, &["dan@example.com"], Some("20250101:20251231"));
    let allowed = keys.write(
        "allowed_signers",
        format!(
            "# people\nalice@example.com {}\nrsa@example.com {}\nec256@example.com {}\n\
             ec384@example.com {}\nec521@example.com {}\n\
             *@example.com cert-authority {}\n\
             old@example.com valid-before=\"20251231\" {}\n\
             soon@example.com valid-after=\"20260102000000Z\" {}\n\
             filer@example.com namespaces=\"file\" {}\n\
             gone@example.com {}\n\"*@pattern.example\" {}\n\
             first@example.com,second@example.com {}\n\
             !eve@neg.example,*@neg.example {}\n",
            alice.line(),
            rsa.line(),
            ec256.line(),
            ec384.line(),
            ec521.line(),
            ca.line(),
            old.line(),
            soon.line(),
            filer.line(),
            gone.line(),
            pattern.line(),
            multi.line(),
            negated.line(),
        ),
    );
    let revoked = keys.write("revoked", format!("{}\n", gone.public));
    keys.write("keys.asc", "");
    let rules = keys.rules(SIGNERS_RULES);

    let none: &[String] = &[];
    let sign = |key: &Path, msg: &str| repo.commit_ssh_signed(key, msg, none);
    let good = sign(&alice.private, "alice's change");
    let tampered = repo.tamper(&good);
    let file_ns = repo.commit_ssh_signed(
        &alice.private,
        "signed for files",
        &[format!(
            "gpg.ssh.program={}",
            keys.ssh_program_signing_in("file").display()
        )],
    );
    let cases = [
        ("ed25519", good.clone(), "good"),
        ("rsa", sign(&rsa.private, "rsa change"), "good"),
        ("ecdsa p256", sign(&ec256.private, "ec change"), "good"),
        ("ecdsa p384", sign(&ec384.private, "ec change"), "good"),
        ("ecdsa p521", sign(&ec521.private, "ec change"), "good"),
        ("tampered", tampered, "bad"),
        (
            "unknown key",
            sign(&mallory.private, "mallory's change"),
            "unknown-key",
        ),
        ("wrong namespace in the signature", file_ns, "bad"),
        (
            "line for another namespace",
            sign(&filer.private, "filer change"),
            "bad",
        ),
        (
            "window closed before the commit",
            sign(&old.private, "old change"),
            "unknown-key",
        ),
        (
            "window opens after the commit",
            sign(&soon.private, "soon change"),
            "unknown-key",
        ),
        ("revoked", sign(&gone.private, "gone change"), "bad"),
        (
            "pattern principal",
            sign(&pattern.private, "pattern change"),
            "good",
        ),
        (
            "several principals",
            sign(&multi.private, "multi change"),
            "good",
        ),
        (
            "negated entry first",
            sign(&negated.private, "negated change"),
            "good",
        ),
        (
            "certificate by a CA line",
            sign(&carol_cert, "cert change"),
            "good",
        ),
        (
            "expired certificate",
            sign(&dan_cert, "dan change"),
            "unknown-key",
        ),
        ("unsigned", repo.commit("plain change"), "none"),
    ];
    let cases: Vec<(&str, &str, &str)> =
        cases.iter().map(|(n, i, w)| (*n, i.as_str(), *w)).collect();
    let files = GitFiles {
        allowed_signers: Some(&allowed),
        revoked: Some(&revoked),
        gnupghome: None,
    };
    assert_as_git(&repo, &rules, files, &cases);

    // The principals git prints, which agentfence must print too.
    let ours = explain_signatures(
        &repo,
        &rules,
        &[cases[12].1, cases[13].1, cases[14].1, cases[15].1],
    );
    assert_eq!(ours[0]["principal"], "*@pattern.example");
    assert_eq!(ours[1]["principal"], "first@example.com");
    // ssh-keygen's quirk, kept: the negated entry is a candidate, and `*@neg.example`
    // admits the text "!eve@neg.example", so git prints that.
    assert_eq!(ours[2]["principal"], "!eve@neg.example");
    assert_eq!(ours[3]["principal"], "carol@example.com");
    assert_eq!(ours[3]["format"], "ssh");
}

#[test]
fn openpgp_statuses_are_git_verify_commits() {
    let keys = Keys::new();
    let repo = TestRepo::new();
    let gpg = Gpg::new();
    let alice = gpg.key("Alice <alice@example.com>", "0", None);
    let sub = gpg.signing_subkey(&alice);
    let bob = gpg.key("Bob <bob@example.com>", "0", None);
    let carol = gpg.key("Carol <carol@example.com>", "1d", Some("20250101T000000"));
    let dave = gpg.key("Dave <dave@example.com>", "0", None);
    let erin = gpg.key("Erin <erin@example.com>", "0", None);
    gpg.add_uid(&erin, "Erin at work <erin@work.example>");
    let now = gpg.program(&keys, None);
    let then = gpg.program(&keys, Some("20250101T120000"));

    let good = repo.commit_gpg_signed(&now, &alice, "alice's change");
    let cases_made = [
        ("primary key", good.clone(), "good"),
        (
            "signing subkey",
            repo.commit_gpg_signed(&now, &format!("{sub}!"), "sub change"),
            "good",
        ),
        ("tampered", repo.tamper(&good), "bad"),
        (
            "unknown key",
            repo.commit_gpg_signed(&now, &bob, "bob's change"),
            "unknown-key",
        ),
        (
            "expired key",
            repo.commit_gpg_signed(&then, &carol, "carol's change"),
            "expired",
        ),
        (
            "revoked key",
            repo.commit_gpg_signed(&now, &dave, "dave's change"),
            "bad",
        ),
        (
            "primary user ID",
            repo.commit_gpg_signed(&now, &erin, "erin's change"),
            "good",
        ),
        ("unsigned", repo.commit("plain change"), "none"),
    ];
    gpg.revoke(&dave);
    let keyring = keys.write("keys.asc", gpg.export(&[&alice, &carol, &dave, &erin]));
    keys.write("allowed_signers", "");
    keys.write("revoked", "");
    let rules = keys.rules(SIGNERS_RULES);
    let oracle = Gpg::with_keyring(&keyring);
    let files = GitFiles {
        gnupghome: Some(oracle.home()),
        ..GitFiles::default()
    };
    let cases: Vec<(&str, &str, &str)> = cases_made
        .iter()
        .map(|(n, i, w)| (*n, i.as_str(), *w))
        .collect();
    assert_as_git(&repo, &rules, files, &cases);
    // gpg prints the primary user ID: none is flagged, so the one with the newest
    // self-signature (on a tie within the second, the longer): the address added last.
    let ours = explain_signatures(&repo, &rules, &[cases[6].1]);
    assert_eq!(ours[0]["principal"], "erin@work.example");
    assert_eq!(ours[0]["format"], "openpgp");
}

/// A copy of HEAD's commit with `header` (a `gpgsig` value, continuation lines indented)
/// added after the committer line.
fn with_signature_header(repo: &TestRepo, value: &str) -> String {
    let raw = repo.git(&["cat-file", "commit", "HEAD"]);
    let (head, message) = raw.split_once("\n\n").expect("message");
    let folded = value.replace('\n', "\n ");
    repo.write_commit(&format!("{head}\ngpgsig {folded}\n\n{message}"))
}

#[test]
fn garbage_and_huge_signatures_are_bad_not_errors() {
    let keys = Keys::new();
    keys.write("allowed_signers", "");
    keys.write("revoked", "");
    keys.write("keys.asc", "");
    let rules = keys.rules(SIGNERS_RULES);
    let repo = TestRepo::new();
    repo.commit("base change");
    let huge = format!(
        "-----BEGIN SSH SIGNATURE-----\n{}\n-----END SSH SIGNATURE-----",
        "QUFB\n".repeat(40_000)
    );
    let cases = [
        with_signature_header(
            &repo,
            "-----BEGIN SSH SIGNATURE-----\nnot base64!\n-----END SSH SIGNATURE-----",
        ),
        with_signature_header(
            &repo,
            "-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAQ==\n-----END SSH SIGNATURE-----",
        ),
        with_signature_header(
            &repo,
            "-----BEGIN PGP SIGNATURE-----\n\nZ2FyYmFnZQ==\n-----END PGP SIGNATURE-----",
        ),
        with_signature_header(&repo, &huge),
    ];
    let ids: Vec<&str> = cases.iter().map(String::as_str).collect();
    for sig in explain_signatures(&repo, &rules, &ids) {
        assert_eq!(sig["status"], "bad", "{sig}");
    }
    for id in &ids {
        let verify = repo.git_output(&["verify-commit", id]);
        assert!(!verify.status.success(), "git must refuse {id} too");
    }
    // A message line that looks like a signature header is no signature, to git or to us.
    let raw = repo.git(&["cat-file", "commit", "HEAD"]);
    let fake = repo.write_commit(&format!(
        "{raw}gpgsig -----BEGIN SSH SIGNATURE-----\n U1NIU0lH\n -----END SSH SIGNATURE-----\n"
    ));
    let git = git_verdict(&repo, &fake, GitFiles::default());
    assert_eq!(git.status, "none");
    assert_eq!(
        explain_signatures(&repo, &rules, &[&fake])[0]["status"],
        "none"
    );
}

#[test]
fn broken_signers_files_fail_closed_with_one_line_each() {
    let repo = TestRepo::new();
    let unsigned = repo.commit("plain change");
    let keys = Keys::new();
    let alice = keys.ssh("alice", "ed25519");
    let run = |allowed: Option<&str>, keyring: Option<&str>| {
        let dir = Keys::new();
        let mut rules = "version: 1\nsignatures:\n".to_owned();
        if let Some(a) = allowed {
            dir.write("allowed_signers", a);
            rules.push_str("  allowed_signers: allowed_signers\n");
        }
        if let Some(k) = keyring {
            dir.write("keys.asc", k);
            rules.push_str("  openpgp_keys: keys.asc\n");
        }
        let rules_path = dir.rules(&rules);
        let out = repo.run(&[
            "explain",
            "--rules",
            rules_path.to_str().expect("utf-8"),
            &unsigned,
        ]);
        (code(&out), stderr(&out), stdout(&out), dir)
    };
    let (code_, err, out, _dir) = run(
        Some(&format!(
            "alice@example.com {}\n\nbob@example.com\n",
            alice.line()
        )),
        None,
    );
    assert_eq!(code_, 2, "{err}");
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.trim_end()
            .ends_with("allowed_signers:3: missing key: the line has only a principals field"),
        "{err}"
    );
    let (code_, err, _, _dir) = run(
        Some(&format!(
            "a@x namespaces=git {}\nb@x cert-authority,restrict {}\n",
            alice.line(),
            alice.line()
        )),
        None,
    );
    assert_eq!(code_, 2, "{err}");
    assert_eq!(err.lines().count(), 2, "every bad line, one each: {err}");
    // Keys no signature of which could verify here are refused, not silently useless.
    let weak = keys.ssh("weak", "rsa-1024");
    let dsa = keys.ssh("dsa", "dsa");
    let (code_, err, _, _dir) = run(
        Some(&format!("w@x {}\nd@x {}\n", weak.line(), dsa.line())),
        None,
    );
    assert_eq!(code_, 2, "{err}");
    assert!(
        err.contains("allowed_signers:1: an RSA key of 1024 bits"),
        "{err}"
    );
    assert!(
        err.contains("allowed_signers:2: DSA keys cannot sign commits"),
        "{err}"
    );
    let (code_, err, _, _dir) = run(None, Some(&alice.public));
    assert_eq!(code_, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("keys.asc:1: not part of an ASCII-armored OpenPGP public key block"),
        "{err}"
    );
    let (code_, err, _, _dir) = run(
        None,
        Some(
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nbm90IGEga2V5\n-----END PGP PUBLIC KEY BLOCK-----\n",
        ),
    );
    assert_eq!(code_, 2, "{err}");
    assert!(
        err.contains("keys.asc:1: the key block does not parse"),
        "{err}"
    );

    // `rules check` validates the named files too, read beside the rules file.
    let dir = Keys::new();
    dir.write("signers", "alice@example.com\n");
    let rules = dir.rules("version: 1\nsignatures: {allowed_signers: signers}\n");
    let out = repo.run(&["rules", "check", rules.to_str().expect("utf-8")]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out).trim_end(),
        "agentfence: signers:1: missing key: the line has only a principals field"
    );
    dir.write("signers", format!("alice@example.com {}\n", alice.line()));
    let out = repo.run(&["rules", "check", rules.to_str().expect("utf-8")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // A named file that does not exist.
    let dir = Keys::new();
    let rules =
        dir.rules("version: 1\nsignatures: {allowed_signers: /nonexistent/agentfence/signers}\n");
    let out = repo.run(&[
        "explain",
        "--rules",
        rules.to_str().expect("utf-8"),
        &unsigned,
    ]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out).trim_end(),
        "agentfence: /nonexistent/agentfence/signers: signatures.allowed_signers names this file, which does not exist"
    );
}

#[test]
fn committed_signers_files_come_from_the_rules_revision() {
    let keys = Keys::new();
    let alice = keys.ssh("alice", "ed25519");
    let mallory = keys.ssh("mallory", "ed25519");
    let repo = TestRepo::new();
    repo.write(
        ".agentfence.yaml",
        "version: 1\nsignatures: {allowed_signers: .agentfence/allowed_signers, humans: ['*@example.com']}\n",
    );
    repo.write(
        ".agentfence/allowed_signers",
        format!("alice@example.com {}\n", alice.line()),
    );
    let base = repo.commit("rules and signers");
    let none: &[String] = &[];
    let by_alice = repo.commit_ssh_signed(&alice.private, "alice's change", none);
    // The next commit lists mallory and is signed by mallory: judged by the base's file,
    // it is unknown; only rules read from that very commit would trust it.
    repo.write(
        ".agentfence/allowed_signers",
        format!(
            "alice@example.com {}\nmallory@example.com {}\n",
            alice.line(),
            mallory.line()
        ),
    );
    repo.git(&["add", "-A"]);
    let by_mallory = repo.commit_ssh_signed(&mallory.private, "mallory lists herself", none);
    let status = |base: &str, id: &str| {
        let out = repo.run(&["explain", "--format", "json", "--base", base, id]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let json: Value = serde_json::from_str(&stdout(&out)).expect("json");
        json["commits"][0]["signature"]["status"]
            .as_str()
            .expect("status")
            .to_owned()
    };
    assert_eq!(status(&base, &by_alice), "good");
    assert_eq!(status(&base, &by_mallory), "unknown-key");
    assert_eq!(status(&by_mallory, &by_mallory), "good");

    // The text explanation says the same in a line.
    let out = repo.run(&["explain", "--base", &base, &by_alice]);
    assert!(
        stdout(&out).contains("  signature  good (ssh), signed by alice@example.com\n"),
        "{}",
        stdout(&out)
    );
    let out = repo.run(&["explain", "--base", &base, &by_mallory]);
    assert!(
        stdout(&out).contains("  signature  unknown-key (ssh): key SHA256:"),
        "{}",
        stdout(&out)
    );

    // A missing committed file fails closed, naming it.
    repo.git(&["rm", "-q", ".agentfence/allowed_signers"]);
    let gone = repo.commit("drop the signers");
    let out = repo.run(&["explain", "--base", &gone, &gone]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains(".agentfence/allowed_signers: signatures.allowed_signers names this file, which does not exist"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn check_loads_the_base_revisions_signers_and_fails_closed_on_a_broken_one() {
    let keys = Keys::new();
    let alice = keys.ssh("alice", "ed25519");
    let repo = TestRepo::new();
    repo.write(
        ".agentfence.yaml",
        "version: 1\ndefault_policy: humans\npolicies: {humans: {}}\n\
         signatures: {allowed_signers: .agentfence/allowed_signers, humans: ['*@example.com']}\n",
    );
    repo.write(
        ".agentfence/allowed_signers",
        format!("alice@example.com {}\n", alice.line()),
    );
    let base = repo.commit("rules and signers");
    let none: &[String] = &[];
    repo.write("src/lib.rs", "pub fn f() {}\n");
    repo.git(&["add", "-A"]);
    let tip = repo.commit_ssh_signed(&alice.private, "a signed change", none);
    let out = repo.run(&["check", &format!("{base}..{tip}")]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));

    // The same range with a base whose signers file is broken: exit 2, the file named,
    // though the commit is signed by a listed key in the file it replaces.
    repo.write(
        ".agentfence/allowed_signers",
        "alice@example.com not-a-key-type AAAA\n",
    );
    let broken = repo.commit("break the signers");
    let unsigned = repo.commit("an unsigned change");
    let out = repo.run(&["check", &format!("{broken}..{unsigned}")]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            ".agentfence/allowed_signers:1: bad options: unknown key type or option \"not-a-key-type\""
        ),
        "{}",
        stderr(&out)
    );
}
