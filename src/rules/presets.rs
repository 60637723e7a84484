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
    // Amp (Sourcegraph) rewrites `git commit` to add `Co-authored-by: Amp <amp@ampcode.com>`
    // and `Amp-Thread-ID: https://ampcode.com/threads/T-...` unless its settings
    // (`amp.git.commit.coauthor.enabled`) or AMP_DISABLE_AMP_COAUTHOR_TRAILER /
    // AMP_DISABLE_AMP_THREAD_TRAILER turn them off (Amp's settings reference; both trailers
    // in real public commits, e.g. ghostty-org/ghostty 3ee8ef4).
    Preset {
        name: "amp",
        trailers: &[
            ("Co-authored-by", r"(?i)^amp <amp@ampcode\.com>\s*$"),
            ("Amp-Thread-ID", r"\S"),
        ],
        author: &[],
        committer: &[],
        env: &[],
    },
    // opencode's default commit instructions end with `Co-Authored-By: opencode
    // <noreply@opencode.ai>` under "Generated with [opencode]" (quoted as "the opencode
    // default" in public AGENTS.md files); its GitHub agent commits and co-authors as the
    // `opencode-agent[bot]` app (github.com/apps/opencode-agent; anomalyco/opencode's
    // release commits and changelog script).
    Preset {
        name: "opencode",
        trailers: &[(
            "Co-authored-by",
            r"(?i)^opencode(?:-agent(?:\[bot\])?)? <(?:noreply@opencode\.ai|(?:[0-9]+\+)?opencode-agent\[bot\]@users\.noreply\.github\.com)>\s*$",
        )],
        author: &[r"(?i)^opencode-agent\[bot\] <[^<>]*>$"],
        committer: &[],
        env: &[],
    },
    // OpenHands' system prompt: "add Co-authored-by: openhands <openhands@all-hands.dev>
    // to any commits", and with no git identity configured it commits as `openhands
    // <openhands@all-hands.dev>` (its CodeAct prompt; SWE-bench harness git config).
    Preset {
        name: "openhands",
        trailers: &[(
            "Co-authored-by",
            r"(?i)^openhands <openhands@all-hands\.dev>\s*$",
        )],
        author: &[r"(?i)^openhands <openhands@all-hands\.dev>$"],
        committer: &[r"(?i)^openhands <openhands@all-hands\.dev>$"],
        env: &[],
    },
    // Factory's Droid co-authors as its GitHub app, `factory-droid[bot]
    // <138933559+factory-droid[bot]@users.noreply.github.com>` (many public commits and
    // AGENTS.md files); `Droid <droid@factory.ai>` appears in Factory users' instructions
    // (weaker evidence: not seen in Factory's own material).
    Preset {
        name: "droid",
        trailers: &[(
            "Co-authored-by",
            r"(?i)^(?:factory-droid\[bot\] <(?:[0-9]+\+)?factory-droid\[bot\]@users\.noreply\.github\.com>|(?:factory )?droid <droid@factory\.ai>)\s*$",
        )],
        author: &[r"(?i)^factory-droid\[bot\] <[^<>]*>$"],
        committer: &[],
        env: &[],
    },
    // JetBrains Junie: `Co-authored-by: Junie <junie@jetbrains.com>`, as public projects
    // ask Junie to sign its commits (weak evidence: seen only in users' guidelines, never
    // as a built-in default; Junie itself leaves no marker by default).
    Preset {
        name: "junie",
        trailers: &[("Co-authored-by", r"(?i)^junie <junie@jetbrains\.com>\s*$")],
        author: &[],
        committer: &[],
        env: &[],
    },
    // Kiro (AWS): a co-author at kiro.dev. Weak evidence: public commits use several
    // spellings (`Kiro <noreply@kiro.dev>`, `Kiro AI (...) <kiro@kiro.dev>`, `AI Assistant
    // <ai@kiro.dev>`), none documented by Kiro; any address at kiro.dev counts.
    Preset {
        name: "kiro",
        trailers: &[("Co-authored-by", r"(?i)^[^<>]*<[^<>@\s]+@kiro\.dev>\s*$")],
        author: &[],
        committer: &[],
        env: &[],
    },
    // Windsurf (Codeium) Cascade: `Co-authored-by: Windsurf <windsurf@codeium.com>` and
    // `Cascade <cascade@windsurf.com>`. Weak evidence: from third-party agent detectors'
    // tables and tests, not from Windsurf's own documentation.
    Preset {
        name: "windsurf",
        trailers: &[(
            "Co-authored-by",
            r"(?i)^(?:windsurf|cascade)(?: agent)? <(?:windsurf@codeium\.com|cascade@windsurf\.com)>\s*$",
        )],
        author: &[],
        committer: &[],
        env: &[],
    },
    // Cline's bash tool instructions (CO_AUTHORED_COMMIT_MSG): "Generated with
    // [Cline](https://docs.cline.bot)" and `Co-Authored-By: Cline <noreply@cline.bot>`.
    Preset {
        name: "cline",
        trailers: &[("Co-authored-by", r"(?i)^cline <noreply@cline\.bot>\s*$")],
        author: &[],
        committer: &[],
        env: &[],
    },
    // Goose (Block, now aaif-goose): no built-in trailer found. Public commits and team
    // instructions use `goose <goose@block.xyz>`, `Goose <goose-agent@block.xyz>` and the
    // app identity `goose <NNN+aaif-goose@users.noreply.github.com>`. Weak evidence.
    Preset {
        name: "goose",
        trailers: &[(
            "Co-authored-by",
            r"(?i)^goose\b[^<>]*<(?:[^<>@\s]+@block\.xyz|(?:[0-9]+\+)?aaif-goose@users\.noreply\.github\.com)>\s*$",
        )],
        author: &[],
        committer: &[],
        env: &[],
    },
    // Qwen Code's git co-author setting defaults to `Qwen-Coder <qwen-coder@alibabacloud.com>`
    // (QwenLM/qwen-code `getGitCoAuthor`; the trailer is in many public commits).
    Preset {
        name: "qwen-code",
        trailers: &[(
            "Co-authored-by",
            r"(?i)^qwen-coder <qwen-coder@alibabacloud\.com>\s*$",
        )],
        author: &[],
        committer: &[],
        env: &[],
    },
    // Charm's Crush: `attribution.trailer_style` co-authored-by gives `Co-Authored-By:
    // Crush <crush@charm.land>`, assisted-by gives `Assisted-by: MODEL via Crush
    // <crush@charm.land>` or `Assisted-by: Crush:MODEL` (charmbracelet/crush
    // internal/agent/tools/bash.md.tpl and its README).
    Preset {
        name: "crush",
        trailers: &[
            ("Co-authored-by", r"(?i)^crush <crush@charm\.land>\s*$"),
            (
                "Assisted-by",
                r"(?i)(?:^crush:\S|\bvia crush <crush@charm\.land>\s*$)",
            ),
        ],
        author: &[],
        committer: &[],
        env: &[],
    },
    // Warp's agent (Oz): `Co-Authored-By: Warp <agent@warp.dev>`, newer `Oz
    // <oz-agent@warp.dev>` (public commits and warpdotdev projects' instructions).
    Preset {
        name: "warp",
        trailers: &[(
            "Co-authored-by",
            r"(?i)^(?:warp <agent@warp\.dev>|oz <oz-agent@warp\.dev>)\s*$",
        )],
        author: &[],
        committer: &[],
        env: &[],
    },
    // Last, as the catch-all: any agent that declares itself the conventional way.
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
        assert_eq!(names().len(), 21);
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

    /// Every preset added for v1.1: (preset, markers it owns, look-alikes it must not).
    /// A marker is `Key: value` (a trailer) or `author=Name <email>`.
    const CASES: &[(&str, &[&str], &[&str])] = &[
        (
            "amp",
            &[
                "Co-authored-by: Amp <amp@ampcode.com>",
                "co-authored-by: amp <AMP@ampcode.com>",
                "Amp-Thread-ID: https://ampcode.com/threads/T-019cb9fe-b11b-753f-99e7-8ecc52b73ec4",
            ],
            &[
                "Co-authored-by: Amp <amp@amp.ai>",
                "Co-authored-by: Ampere <amp@ampcode.com>",
                "Co-authored-by: Amp <amp@ampcode.com.evil.example>",
                "Amp-Thread-ID:   ",
                "Thread-ID: T-1",
            ],
        ),
        (
            "opencode",
            &[
                "Co-Authored-By: opencode <noreply@opencode.ai>",
                "Co-Authored-By: OpenCode <noreply@opencode.ai>",
                "Co-authored-by: opencode-agent[bot] <opencode-agent[bot]@users.noreply.github.com>",
                "Co-authored-by: opencode <219766164+opencode-agent[bot]@users.noreply.github.com>",
                "author=opencode-agent[bot] <219766164+opencode-agent[bot]@users.noreply.github.com>",
            ],
            &[
                "Co-authored-by: opencoder <noreply@opencode.ai>",
                "Co-authored-by: opencode <me@opencode.ai>",
                "Co-authored-by: opencode <opencode-agent@users.noreply.github.com>",
                "author=opencode-agent <dev@example.com>",
            ],
        ),
        (
            "openhands",
            &[
                "Co-authored-by: openhands <openhands@all-hands.dev>",
                "Co-authored-by: OpenHands <openhands@all-hands.dev>",
                "author=openhands <openhands@all-hands.dev>",
            ],
            &[
                "Co-authored-by: openhands <graham@all-hands.dev>",
                "Co-authored-by: openhandsome <openhands@all-hands.dev>",
                "author=Jane Dev <openhands@all-hands.dev.example>",
            ],
        ),
        (
            "droid",
            &[
                "Co-authored-by: factory-droid[bot] <138933559+factory-droid[bot]@users.noreply.github.com>",
                "Co-authored-by: Droid <droid@factory.ai>",
                "Co-Authored-By: Factory Droid <droid@factory.ai>",
                "author=factory-droid[bot] <138933559+factory-droid[bot]@users.noreply.github.com>",
            ],
            &[
                "Co-authored-by: Android <droid@factory.ai>",
                "Co-authored-by: factory-droid[bot] <me@example.com>",
                "Co-authored-by: Droid <droid@factory.ai.example>",
                "author=factory-droid <dev@example.com>",
            ],
        ),
        (
            "junie",
            &["Co-authored-by: Junie <junie@jetbrains.com>"],
            &[
                "Co-authored-by: Junie Smith <junie@example.com>",
                "Co-authored-by: Junie <junie.smith@jetbrains.com>",
            ],
        ),
        (
            "kiro",
            &[
                "Co-authored-by: Kiro <noreply@kiro.dev>",
                "Co-authored-by: Kiro AI (Claude Opus 4.6) <kiro@kiro.dev>",
                "Co-authored-by: AI Assistant <ai@kiro.dev>",
            ],
            &[
                "Co-authored-by: Kiro <kiro@kiro.dev.example>",
                "Co-authored-by: Kiro <kiro@notkiro.dev>",
                "Co-authored-by: Kiro Tanaka <kiro@example.jp>",
            ],
        ),
        (
            "windsurf",
            &[
                "Co-authored-by: Windsurf <windsurf@codeium.com>",
                "Co-authored-by: Windsurf Agent <windsurf@codeium.com>",
                "Co-Authored-By: Cascade Agent <cascade@windsurf.com>",
            ],
            &[
                "Co-authored-by: Jane <jane@codeium.com>",
                "Co-authored-by: Windsurfer <windsurf@codeium.com>",
                "Co-authored-by: Windsurf <windsurf@codeium.com.example>",
            ],
        ),
        (
            "cline",
            &[
                "Co-Authored-By: Cline <noreply@cline.bot>",
                "co-authored-by: cline <noreply@cline.bot>",
            ],
            &[
                "Co-authored-by: Cline <cline@example.com>",
                "Co-authored-by: Clinedinst <noreply@cline.bot>",
            ],
        ),
        (
            "goose",
            &[
                "Co-Authored-By: goose <goose@block.xyz>",
                "Co-Authored-By: Goose <goose-agent@block.xyz>",
                "Co-authored-by: goose <271095942+aaif-goose@users.noreply.github.com>",
            ],
            &[
                "Co-authored-by: goosewobbler <goosewobbler@example.com>",
                "Co-authored-by: goosewobbler <me@block.xyz>",
                "Co-authored-by: Goose <goose@block.xyz.example>",
            ],
        ),
        (
            "qwen-code",
            &[
                "Co-authored-by: Qwen-Coder <qwen-coder@alibabacloud.com>",
                "Co-authored-by: Qwen-coder <qwen-coder@alibabacloud.com>",
            ],
            &[
                "Co-authored-by: Qwen <qwen@alibaba.com>",
                "Co-authored-by: Qwen-Coder <someone@alibabacloud.com>",
            ],
        ),
        (
            "crush",
            &[
                "Co-Authored-By: Crush <crush@charm.land>",
                "Assisted-by: Claude Sonnet 4.5 via Crush <crush@charm.land>",
                "Assisted-by: Crush:claude-sonnet-4-5",
            ],
            &[
                "Co-authored-by: Crusher <crush@charm.land>",
                "Assisted-by: Jane",
                "Assisted-by: Crush:",
            ],
        ),
        (
            "warp",
            &[
                "Co-Authored-By: Warp <agent@warp.dev>",
                "Co-Authored-By: Oz <oz-agent@warp.dev>",
            ],
            &[
                "Co-authored-by: Warp <zach@warp.dev>",
                "Co-authored-by: Ozzy <oz-agent@warp.dev>",
            ],
        ),
    ];

    /// True when the preset owns the marker `Key: value` or `author=Name <email>`.
    fn owns(preset: &str, marker: &str) -> bool {
        match marker.strip_prefix("author=") {
            Some(ident) => author_hits(preset, ident),
            None => {
                let (key, value) = marker.split_once(':').expect("Key: value");
                trailer_hits(preset, key, value.trim_start())
            }
        }
    }

    #[test]
    fn new_presets_match_their_markers_and_no_look_alikes() {
        for (preset, hits, misses) in CASES {
            for marker in *hits {
                assert!(owns(preset, marker), "{preset} should own {marker:?}");
            }
            for marker in *misses {
                assert!(!owns(preset, marker), "{preset} must not own {marker:?}");
            }
        }
    }

    #[test]
    fn no_preset_owns_another_presets_marker() {
        for (preset, _, _) in CASES {
            for (other, hits, _) in CASES {
                if other == preset || (*preset == "crush" && *other == "assisted-by") {
                    continue;
                }
                for marker in *hits {
                    assert!(!owns(preset, marker), "{preset} owns {other}'s {marker:?}");
                }
            }
        }
        let every: Vec<&str> = CASES.iter().map(|(p, _, _)| *p).collect();
        let named = names();
        assert!(every.iter().all(|p| named.contains(p)));
    }
}
