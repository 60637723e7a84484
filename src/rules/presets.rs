//! Built-in marker sets of known agents (`preset: NAME`), as CONTRACT.md's table lists them.
//!
//! Each preset is the markers the tool really leaves, with the source they were taken from.
//! Every regex is anchored so that it does not over-match (a `Co-authored-by: Claudette`
//! is nobody's agent), and is case-insensitive where git identities vary in case. Trailer
//! keys are always compared case-insensitively by the checks.

use regex::Regex;

use super::model::{EnvMarker, Matcher, TrailerMatch};

/// A preset: its name and its markers, as text (compiled by [`matcher`]).
struct Preset {
    name: &'static str,
    /// (trailer key, value regex).
    trailers: &'static [(&'static str, &'static str)],
    author: &'static [&'static str],
    committer: &'static [&'static str],
    /// (variable, required value).
    env: &'static [(&'static str, Option<&'static str>)],
}

const PRESETS: &[Preset] = &[
    // Claude Code appends `Co-Authored-By: Claude <noreply@anthropic.com>` (newer versions:
    // `Claude Opus 4.5 <noreply@anthropic.com>`) by default: anthropics/claude-code#29999,
    // #14241 (the `includeCoAuthoredBy` setting), #53571. `CLAUDECODE=1` is set in its shells
    // since v0.2.47 (maintainer in anthropics/claude-code#531; notes/pre-receive.md §5).
    // `Claude-Session:` as CONTRACT.md's table gives it.
    Preset {
        name: "claude-code",
        trailers: &[
            (
                "Co-authored-by",
                r"(?i)^claude\b[^<>]*<noreply@anthropic\.com>\s*$",
            ),
            ("Claude-Session", r"\S"),
        ],
        author: &[],
        committer: &[],
        env: &[("CLAUDECODE", Some("1"))],
    },
    // aider appends " (aider)" to the author and committer names (aider/repo.py, linked from
    // openai/codex#938) and adds `Co-authored-by: aider (<model>) <noreply@aider.chat>`
    // (same file; quoted in umputun/ralphex#240). No environment marker (notes §5).
    Preset {
        name: "aider",
        trailers: &[(
            "Co-authored-by",
            r"(?i)^aider \([^()<>]*\) <noreply@aider\.chat>\s*$",
        )],
        author: &[r"\(aider\) <[^<>]*>$"],
        committer: &[r"\(aider\) <[^<>]*>$"],
        env: &[],
    },
    // GitHub's Copilot coding agent commits as `Copilot <198982749+Copilot@users.noreply
    // .github.com>` (copilot-coding-agent/user-feedback#76; chaoss/ai-detection-action
    // utils.go) and its PRs come from `copilot-swe-agent[bot]`
    // (atvirokodosprendimai/wgmesh#473). VS Code adds `Co-authored-by: Copilot <...>`
    // (microsoft/vscode#313064).
    Preset {
        name: "copilot",
        trailers: &[(
            "Co-authored-by",
            r"(?i)^copilot <(?:[0-9]+\+copilot@users\.noreply\.github\.com|copilot@github\.com)>\s*$",
        )],
        author: &[
            r"(?i)^copilot-swe-agent\[bot\] <[^<>]*>$",
            r"(?i)^copilot <[0-9]+\+copilot@users\.noreply\.github\.com>$",
        ],
        committer: &[],
        env: &[],
    },
    // Cursor adds `Co-authored-by: Cursor <cursoragent@cursor.com>` (doldecomp/melee#2644,
    // fitchmultz/pi-cursor-sdk#143, block/aittributor#15) and `Made with [Cursor]` /
    // `Made-with: Cursor` (getsentry/sentry-docs#16597). `CURSOR_AGENT` in the Cursor CLI's
    // shells (third-party detectors; notes §5).
    Preset {
        name: "cursor",
        trailers: &[
            (
                "Co-authored-by",
                r"(?i)^cursor(?: agent)? <cursoragent@cursor\.com>\s*$",
            ),
            ("Made-with", r"(?i)^cursor\b"),
        ],
        author: &[],
        committer: &[],
        env: &[("CURSOR_AGENT", None)],
    },
    // Codex's co-author trailer is configurable (openai/codex#19799); the forms seen are
    // `Codex <noreply@openai.com>` (CONTRACT.md) and `Codex <codex@openai.com>`
    // (s-morgan-jeffries/apple-mail-fast-mcp#455). `CODEX_SANDBOX` only when sandboxed
    // (openai/codex codex-rs/core/src/spawn.rs; notes §5).
    Preset {
        name: "codex",
        trailers: &[(
            "Co-authored-by",
            r"(?i)^codex\b[^<>]*<(?:noreply|codex)@openai\.com>\s*$",
        )],
        author: &[],
        committer: &[],
        env: &[("CODEX_SANDBOX", None)],
    },
    // Devin's GitHub app identity: `158243242+devin-ai-integration[bot]@users.noreply
    // .github.com` (chaoss/ai-detection-action utils.go).
    Preset {
        name: "devin",
        trailers: &[(
            "Co-authored-by",
            r"(?i)^devin-ai-integration\[bot\] <[^<>]*>\s*$",
        )],
        author: &[r"(?i)^devin-ai-integration\[bot\] <[^<>]*>$"],
        committer: &[],
        env: &[],
    },
    // Jules commits as its GitHub app `google-labs-jules[bot]` (CONTRACT.md's table; I found
    // no primary source in the search index: verify before relying on it).
    Preset {
        name: "jules",
        trailers: &[(
            "Co-authored-by",
            r"(?i)^google-labs-jules\[bot\] <[^<>]*>\s*$",
        )],
        author: &[r"(?i)^google-labs-jules\[bot\] <[^<>]*>$"],
        committer: &[],
        env: &[],
    },
    // Gemini CLI sets `GEMINI_CLI=1` in the shells it spawns (google-gemini/gemini-cli
    // packages/core/src/services/shellExecutionService.ts; notes §5). It leaves no commit
    // marker: add one with `match:`.
    Preset {
        name: "gemini-cli",
        trailers: &[],
        author: &[],
        committer: &[],
        env: &[("GEMINI_CLI", Some("1"))],
    },
    // The Linux kernel's `Assisted-by:` (docs.kernel.org/process/coding-assistants.html),
    // Apache's `Generated-by:` (apache/airflow#63469), and `AI-assisted-by:`.
    Preset {
        name: "assisted-by",
        trailers: &[
            ("Assisted-by", r"\S"),
            ("Generated-by", r"\S"),
            ("AI-assisted-by", r"\S"),
        ],
        author: &[],
        committer: &[],
        env: &[],
    },
];

/// The names of every preset, in documentation order.
pub fn names() -> Vec<&'static str> {
    PRESETS.iter().map(|p| p.name).collect()
}

/// The markers of preset `name`, or `None` for an unknown name.
pub fn matcher(name: &str) -> Option<Matcher> {
    let p = PRESETS.iter().find(|p| p.name == name)?;
    let re = |s: &str| Regex::new(s).expect("preset regexes are tested to compile");
    Some(Matcher {
        trailers: p
            .trailers
            .iter()
            .map(|(key, value)| TrailerMatch {
                key: (*key).to_string(),
                value: re(value),
            })
            .collect(),
        author: p.author.iter().map(|s| re(s)).collect(),
        committer: p.committer.iter().map(|s| re(s)).collect(),
        pusher: Vec::new(),
        signer: Default::default(),
        env: p
            .env
            .iter()
            .map(|(var, value)| EnvMarker {
                var: (*var).to_string(),
                value: value.map(str::to_string),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trailer_hits(preset: &str, key: &str, value: &str) -> bool {
        matcher(preset)
            .expect("preset")
            .trailers
            .iter()
            .any(|t| t.key.eq_ignore_ascii_case(key) && t.value.is_match(value))
    }

    fn author_hits(preset: &str, ident: &str) -> bool {
        matcher(preset)
            .expect("preset")
            .author
            .iter()
            .any(|r| r.is_match(ident))
    }

    #[test]
    fn every_preset_compiles() {
        for name in names() {
            assert!(matcher(name).is_some(), "{name}");
        }
        assert!(matcher("nope").is_none());
        assert_eq!(names().len(), 9);
    }

    #[test]
    fn claude_code() {
        let hit = |v| trailer_hits("claude-code", "Co-Authored-By", v);
        assert!(hit("Claude <noreply@anthropic.com>"));
        assert!(hit("Claude Opus 4.5 <noreply@anthropic.com>"));
        assert!(hit("claude <NOREPLY@anthropic.com>"));
        assert!(trailer_hits(
            "claude-code",
            "co-authored-by",
            "Claude <noreply@anthropic.com>"
        ));
        assert!(!hit("Claudette <x@y>"));
        assert!(!hit("Claudette <noreply@anthropic.com>"));
        assert!(!hit("Claude <noreply@anthropic.com.evil.example>"));
        assert!(!hit("Jane <jane@example.com>"));
        assert!(trailer_hits("claude-code", "Claude-Session", "abc123"));
    }

    #[test]
    fn aider() {
        assert!(author_hits("aider", "Jane Dev (aider) <jane@example.com>"));
        assert!(!author_hits("aider", "Jane Dev <jane@example.com>"));
        assert!(!author_hits("aider", "Jane (aider) fan <jane@example.com>"));
        assert!(trailer_hits(
            "aider",
            "Co-authored-by",
            "aider (openai/gpt-4o) <noreply@aider.chat>"
        ));
        assert!(!trailer_hits(
            "aider",
            "Co-authored-by",
            "aider <noreply@aider.chat>"
        ));
    }

    #[test]
    fn copilot() {
        assert!(author_hits(
            "copilot",
            "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>"
        ));
        assert!(author_hits(
            "copilot",
            "Copilot <198982749+Copilot@users.noreply.github.com>"
        ));
        assert!(!author_hits("copilot", "Copilotfan <me@example.com>"));
        assert!(trailer_hits(
            "copilot",
            "Co-authored-by",
            "Copilot <175728472+Copilot@users.noreply.github.com>"
        ));
        assert!(trailer_hits(
            "copilot",
            "Co-authored-by",
            "Copilot <copilot@github.com>"
        ));
        assert!(!trailer_hits(
            "copilot",
            "Co-authored-by",
            "Copilot <me@example.com>"
        ));
    }

    #[test]
    fn cursor_codex_devin_jules() {
        assert!(trailer_hits(
            "cursor",
            "Co-authored-by",
            "Cursor <cursoragent@cursor.com>"
        ));
        assert!(trailer_hits("cursor", "Made-with", "Cursor"));
        assert!(!trailer_hits("cursor", "Made-with", "Cursors and love"));
        assert!(trailer_hits(
            "codex",
            "Co-authored-by",
            "Codex <noreply@openai.com>"
        ));
        assert!(trailer_hits(
            "codex",
            "Co-authored-by",
            "Codex <codex@openai.com>"
        ));
        assert!(!trailer_hits(
            "codex",
            "Co-authored-by",
            "Codexa <noreply@openai.com>"
        ));
        assert!(author_hits(
            "devin",
            "devin-ai-integration[bot] <158243242+devin-ai-integration[bot]@users.noreply.github.com>"
        ));
        assert!(!author_hits("devin", "devin <devin@example.com>"));
        assert!(author_hits(
            "jules",
            "google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>"
        ));
    }

    #[test]
    fn assisted_by_and_env() {
        assert!(trailer_hits(
            "assisted-by",
            "Assisted-by",
            "Claude:claude-4.6-sonnet"
        ));
        assert!(trailer_hits("assisted-by", "generated-by", "Claude Code"));
        assert!(trailer_hits("assisted-by", "AI-Assisted-By", "x"));
        assert!(!trailer_hits("assisted-by", "Assisted-by", "   "));
        let g = matcher("gemini-cli").expect("preset");
        assert_eq!(
            g.env,
            vec![EnvMarker {
                var: "GEMINI_CLI".into(),
                value: Some("1".into())
            }]
        );
    }
}
