//! The rules file exactly as written: serde types that mirror the YAML of version 1.
//!
//! Every struct denies unknown keys, so a misspelt key is an error rather than a silently
//! ignored rule. Values that need validation (globs, regexes, sizes, dates, names) are read
//! as text into [`Checked`], which validates them while deserializing but *keeps* a bad
//! value's message instead of failing: a failing `try_from` would stop serde at the first bad
//! value, and the file's every problem must be reported at once. `super::compile` collects
//! those messages with their key paths, and `super::yaml` finds each one's line and column.
//!
//! Syntax and type errors (bad YAML, an unknown key, a list where a map belongs) do stop the
//! parse: serde cannot go on past them. They carry serde_yaml's own position.

use std::fmt;
use std::marker::PhantomData;

use regex::Regex;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// The versions of the rules schema this build reads.
pub(crate) const SUPPORTED_VERSIONS: &[u64] = &[1];

/// A whole rules file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping that starts with `version: 1`"
)]
pub(crate) struct RawRules {
    /// The schema version, validated while reading; only 1 exists, so nothing reads it yet.
    #[allow(dead_code)]
    pub(crate) version: Version,
    /// Agents, in order.
    #[serde(default)]
    pub(crate) agents: Vec<RawAgent>,
    /// The policy of commits no agent owns.
    #[serde(default)]
    pub(crate) default_policy: Option<String>,
    /// Policies by name.
    #[serde(default)]
    pub(crate) policies: OrderedMap<RawPolicy>,
    /// Task grants by ID.
    #[serde(default)]
    pub(crate) tasks: OrderedMap<RawTask>,
    /// Cryptographic identity (`signatures:`, see `super::signatures`).
    #[serde(default)]
    pub(crate) signatures: Option<super::signatures::RawSignatures>,
}

/// The `version:` value; anything but a supported version fails the parse, since the rest of
/// the file might then mean something else.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Version(#[allow(dead_code)] pub(crate) u64);

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // The check runs inside the visitor, not after `deserialize` returns: serde_yaml
        // stamps an error with the position of the node being read when it is raised, so
        // an error raised afterwards (as `try_from` does) would point at the enclosing
        // mapping instead of the value.
        struct V;
        impl Visitor<'_> for V {
            type Value = Version;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a version number")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Version, E> {
                let supported = SUPPORTED_VERSIONS
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                match text.trim().parse::<u64>() {
                    Ok(v) if SUPPORTED_VERSIONS.contains(&v) => Ok(Version(v)),
                    _ => Err(E::custom(format!(
                        "unsupported version {text:?}; this agentfence reads version {supported}"
                    ))),
                }
            }
        }
        d.deserialize_str(V)
    }
}

/// One entry of `agents:`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "an agent: a mapping with `name`, `policy` and `preset` or `match`"
)]
#[schemars(extend("anyOf" = [{"required": ["preset"]}, {"required": ["match"]}]))]
pub(crate) struct RawAgent {
    /// Unique name.
    pub(crate) name: Checked<AgentName>,
    /// A built-in marker set to add.
    #[serde(default)]
    #[schemars(schema_with = "super::schema::preset")]
    pub(crate) preset: Option<String>,
    /// Explicit markers.
    #[serde(default, rename = "match")]
    pub(crate) matcher: Option<RawMatch>,
    /// The policy's key.
    pub(crate) policy: String,
}

/// An agent's `match:` conditions.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping of match conditions (trailer, author, committer, pusher, env, signer)"
)]
pub(crate) struct RawMatch {
    /// Trailer key -> regex on its value.
    #[serde(default)]
    pub(crate) trailer: OrderedMap<Checked<Pattern>>,
    /// Regex (or regexes) on the author's `Name <email>`.
    #[serde(default)]
    pub(crate) author: OneOrMany<Checked<Pattern>>,
    /// Regex (or regexes) on the committer's `Name <email>`.
    #[serde(default)]
    pub(crate) committer: OneOrMany<Checked<Pattern>>,
    /// Authenticated pusher names.
    #[serde(default)]
    pub(crate) pusher: Vec<String>,
    /// `VAR` or `VAR=VALUE`.
    #[serde(default)]
    pub(crate) env: Vec<Checked<EnvSpec>>,
    /// Principal globs of a good commit signature.
    #[serde(default)]
    pub(crate) signer: OneOrMany<Checked<super::signatures::PrincipalGlob>>,
}

/// One entry of `policies:`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a policy: a mapping (refs, paths, limits, task, forbid, enforcement)"
)]
pub(crate) struct RawPolicy {
    /// Ref globs.
    #[serde(default)]
    pub(crate) refs: Option<RawScope>,
    /// Path globs.
    #[serde(default)]
    pub(crate) paths: Option<RawPaths>,
    /// Size limits.
    #[serde(default)]
    pub(crate) limits: Option<RawLimits>,
    /// Task rules.
    #[serde(default)]
    pub(crate) task: Option<RawTaskRule>,
    /// Forbidden kinds of change.
    #[serde(default)]
    pub(crate) forbid: Vec<Checked<ForbidItem>>,
    /// `enforce` (default) or `warn`.
    #[serde(default)]
    pub(crate) enforcement: Option<RawEnforcement>,
}

/// `allow:` and `deny:` glob lists.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `allow` and/or `deny` lists"
)]
pub(crate) struct RawScope {
    /// Present: everything must match one.
    #[serde(default)]
    pub(crate) allow: Option<Vec<Checked<Glob>>>,
    /// Nothing may match one.
    #[serde(default)]
    pub(crate) deny: Vec<Checked<Glob>>,
}

/// A policy's `paths:`: `allow` and `deny` like refs, plus the two-person rule.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `allow`, `deny`, `approve` and/or `approvers` lists"
)]
pub(crate) struct RawPaths {
    /// Present: every changed path must match one.
    #[serde(default)]
    pub(crate) allow: Option<Vec<Checked<Glob>>>,
    /// No changed path may match one.
    #[serde(default)]
    pub(crate) deny: Vec<Checked<Glob>>,
    /// An agent's change to one of these needs an approver's push.
    #[serde(default)]
    pub(crate) approve: Option<Vec<Checked<Glob>>>,
    /// The pushers who may land `approve` paths.
    #[serde(default)]
    pub(crate) approvers: Option<Vec<String>>,
}

/// `limits:`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping of limits (commit, push, file_size)"
)]
pub(crate) struct RawLimits {
    /// Per commit.
    #[serde(default)]
    pub(crate) commit: Option<RawCommitLimits>,
    /// Per push.
    #[serde(default)]
    pub(crate) push: Option<RawPushLimits>,
    /// Largest blob.
    #[serde(default)]
    pub(crate) file_size: Option<Checked<ByteSize>>,
}

/// `limits.commit:`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping of limits (files, lines, added, deleted, bytes)"
)]
pub(crate) struct RawCommitLimits {
    /// Changed paths.
    pub(crate) files: Option<u64>,
    /// Added plus deleted lines.
    pub(crate) lines: Option<u64>,
    /// Added lines.
    pub(crate) added: Option<u64>,
    /// Deleted lines.
    pub(crate) deleted: Option<u64>,
    /// Bytes a reviewer must read: a size.
    #[serde(default)]
    pub(crate) bytes: Option<Checked<ByteSize>>,
}

/// `limits.push:`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping of limits (commits, files, lines, bytes)"
)]
pub(crate) struct RawPushLimits {
    /// New commits.
    pub(crate) commits: Option<u64>,
    /// Distinct paths.
    pub(crate) files: Option<u64>,
    /// Added plus deleted lines.
    pub(crate) lines: Option<u64>,
    /// Bytes a reviewer must read, over all commits: a size.
    #[serde(default)]
    pub(crate) bytes: Option<Checked<ByteSize>>,
}

/// A policy's `task:`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping (trailer, pattern, registry)"
)]
pub(crate) struct RawTaskRule {
    /// The trailer key; default `Task`.
    #[serde(default)]
    pub(crate) trailer: Option<Checked<TrailerKey>>,
    /// Regex the ID must match.
    #[serde(default)]
    pub(crate) pattern: Option<Checked<Pattern>>,
    /// The ID must be listed under `tasks`.
    #[serde(default)]
    pub(crate) registry: bool,
}

/// One entry of `tasks:`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a task: a mapping (agents, paths, expires)"
)]
pub(crate) struct RawTask {
    /// Agents that may work under it.
    #[serde(default)]
    pub(crate) agents: Option<Vec<String>>,
    /// Paths it covers.
    #[serde(default)]
    pub(crate) paths: Option<Vec<Checked<Glob>>>,
    /// When it ends.
    #[serde(default)]
    pub(crate) expires: Option<Checked<Expiry>>,
}

/// `enforcement:`.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum RawEnforcement {
    /// Violations reject.
    Enforce,
    /// Violations only warn.
    Warn,
}

// ---------------------------------------------------------------------------------------
// Containers that keep order and never lose a value's problem.

/// A value read from a YAML scalar and validated; a bad value keeps its message (and its
/// text) so that every problem of the file can be reported, not only the first.
#[derive(Debug, Clone)]
pub(crate) struct Checked<T> {
    /// The scalar as written.
    pub(crate) text: String,
    /// The validated value, or why it is invalid.
    pub(crate) value: Result<T, String>,
}

impl<'de, T: TryFrom<String, Error = String>> Deserialize<'de> for Checked<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // serde_yaml's `deserialize_str` yields any scalar's text (`1MiB`, `1048576` and
        // `2026-12-31` alike); maps and lists are type errors.
        let text = String::deserialize(d)?;
        Ok(Checked {
            value: T::try_from(text.clone()),
            text,
        })
    }
}

/// A map that keeps the file's order and rejects duplicate keys.
#[derive(Debug)]
pub(crate) struct OrderedMap<V>(pub(crate) Vec<(String, V)>);

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V_<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V_<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(OrderedMap::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out: Vec<(String, V)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.iter().any(|(k, _)| *k == key) {
                        return Err(de::Error::custom(format!("duplicate key `{key}`")));
                    }
                    let value = map.next_value()?;
                    out.push((key, value));
                }
                Ok(OrderedMap(out))
            }
        }
        d.deserialize_any(V_(PhantomData))
    }
}

/// One value or a list of them (`author: 're'` or `author: ['a', 'b']`).
#[derive(Debug)]
pub(crate) struct OneOrMany<T>(pub(crate) Vec<T>);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new())
    }
}

impl<'de, T: TryFrom<String, Error = String>> Deserialize<'de> for OneOrMany<Checked<T>> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V_<T>(PhantomData<T>);
        impl<'de, T: TryFrom<String, Error = String>> Visitor<'de> for V_<T> {
            type Value = OneOrMany<Checked<T>>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(OneOrMany(vec![Checked {
                    text: v.to_string(),
                    value: T::try_from(v.to_string()),
                }]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                }
                Ok(OneOrMany(out))
            }
        }
        d.deserialize_any(V_(PhantomData))
    }
}

// ---------------------------------------------------------------------------------------
// Validated values. Each `TryFrom<String>` returns a one-line message.

/// A glob, checked to compile (case does not matter for validity).
#[derive(Debug, Clone)]
pub(crate) struct Glob(pub(crate) String);

impl TryFrom<String> for Glob {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.is_empty() {
            return Err("empty glob".to_string());
        }
        globset::GlobBuilder::new(&s)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("invalid glob {s:?}: {}", e.kind()))?;
        Ok(Glob(s))
    }
}

/// A compiled regex.
#[derive(Debug, Clone)]
pub(crate) struct Pattern(pub(crate) Regex);

impl TryFrom<String> for Pattern {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Regex::new(&s)
            .map(Pattern)
            .map_err(|e| format!("invalid regex {s:?}: {}", regex_message(&e)))
    }
}

/// The last line of a regex error (`error: unclosed group`), without the drawing above it.
fn regex_message(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(text) => text
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("error: "))
            .unwrap_or("syntax error")
            .to_string(),
        regex::Error::CompiledTooBig(limit) => {
            format!("compiled regex exceeds the size limit of {limit} bytes")
        }
        other => other
            .to_string()
            .lines()
            .last()
            .unwrap_or("error")
            .to_string(),
    }
}

/// A number of bytes: `1048576`, `512KiB`, `1MiB`, `2GiB`, `10KB`, `10MB`, `1GB`.
///
/// Whole numbers only: `1.5MiB` is an error (write `1536KiB`), so that a limit always
/// means one exact byte count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ByteSize(pub(crate) u64);

impl TryFrom<String> for ByteSize {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        const UNITS: &[(&str, u64)] = &[
            ("KiB", 1 << 10),
            ("MiB", 1 << 20),
            ("GiB", 1 << 30),
            ("KB", 1_000),
            ("MB", 1_000_000),
            ("GB", 1_000_000_000),
            ("B", 1),
        ];
        let bad = || {
            format!(
                "invalid size {s:?}: expected a whole number of bytes, or one with \
                 KiB, MiB, GiB (1024-based) or KB, MB, GB (1000-based), e.g. 512KiB"
            )
        };
        let t = s.trim();
        let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(digits_end);
        let unit = unit.trim_start();
        if num.is_empty() {
            return Err(bad());
        }
        let mult = if unit.is_empty() {
            1
        } else {
            UNITS
                .iter()
                .find(|(u, _)| *u == unit)
                .map(|(_, m)| *m)
                .ok_or_else(bad)?
        };
        let n: u64 = num
            .parse()
            .map_err(|_| format!("invalid size {s:?}: too large"))?;
        n.checked_mul(mult)
            .map(ByteSize)
            .ok_or_else(|| format!("invalid size {s:?}: too large"))
    }
}

/// When a task grant ends: a date (the end of that day, UTC) or an exact RFC 3339 time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Expiry(pub(crate) OffsetDateTime);

impl TryFrom<String> for Expiry {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let t = s.trim();
        let date_format = format_description!("[year]-[month]-[day]");
        if t.len() == 10 && !t.contains('T') {
            let date = time::Date::parse(t, &date_format).map_err(|e| {
                format!("invalid date {s:?}: expected a calendar date as YYYY-MM-DD ({e})")
            })?;
            let end = time::Time::from_hms_nano(23, 59, 59, 999_999_999)
                .map_err(|e| format!("invalid date {s:?}: {e}"))?;
            return Ok(Expiry(date.with_time(end).assume_utc()));
        }
        OffsetDateTime::parse(t, &Rfc3339).map(Expiry).map_err(|e| {
            format!(
                "invalid expiry {s:?}: expected a date (2026-12-31) or an RFC 3339 time \
                     (2026-12-31T18:00:00Z): {e}"
            )
        })
    }
}

/// An agent name: `[a-z0-9][a-z0-9._-]*`.
#[derive(Debug, Clone)]
pub(crate) struct AgentName(pub(crate) String);

impl TryFrom<String> for AgentName {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let mut chars = s.chars();
        let first_ok = chars
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let rest_ok = chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        if first_ok && rest_ok {
            Ok(AgentName(s))
        } else {
            Err(format!(
                "invalid agent name {s:?}: use lowercase letters, digits, '.', '_' and '-', \
                 starting with a letter or digit"
            ))
        }
    }
}

/// A trailer key: a non-empty token without spaces or `:`.
#[derive(Debug, Clone)]
pub(crate) struct TrailerKey(pub(crate) String);

impl TryFrom<String> for TrailerKey {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            Ok(TrailerKey(s))
        } else {
            Err(format!(
                "invalid trailer key {s:?}: use letters, digits and '-' (e.g. Task)"
            ))
        }
    }
}

/// An environment marker: `VAR` or `VAR=VALUE`.
#[derive(Debug, Clone)]
pub(crate) struct EnvSpec {
    /// The variable.
    pub(crate) var: String,
    /// The value it must have, if any.
    pub(crate) value: Option<String>,
}

impl TryFrom<String> for EnvSpec {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let (var, value) = match s.split_once('=') {
            Some((v, val)) => (v, Some(val.to_string())),
            None => (s.as_str(), None),
        };
        let ok = var
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if ok {
            Ok(EnvSpec {
                var: var.to_string(),
                value,
            })
        } else {
            Err(format!(
                "invalid environment marker {s:?}: expected VAR or VAR=VALUE"
            ))
        }
    }
}

/// One item of `forbid:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ForbidItem {
    /// `force-push`
    ForcePush,
    /// `ref-deletion`
    RefDeletion,
    /// `merge`
    Merge,
    /// `binary`
    Binary,
    /// `symlink`
    Symlink,
    /// `submodule`
    Submodule,
    /// `mode-change`
    ModeChange,
    /// `unsigned`
    Unsigned,
}

impl ForbidItem {
    /// Every item with its spelling.
    pub(crate) const ALL: &'static [(&'static str, ForbidItem)] = &[
        ("force-push", ForbidItem::ForcePush),
        ("ref-deletion", ForbidItem::RefDeletion),
        ("merge", ForbidItem::Merge),
        ("binary", ForbidItem::Binary),
        ("symlink", ForbidItem::Symlink),
        ("submodule", ForbidItem::Submodule),
        ("mode-change", ForbidItem::ModeChange),
        ("unsigned", ForbidItem::Unsigned),
    ];
}

impl TryFrom<String> for ForbidItem {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        ForbidItem::ALL
            .iter()
            .find(|(name, _)| *name == s)
            .map(|(_, item)| *item)
            .ok_or_else(|| {
                let known: Vec<&str> = ForbidItem::ALL.iter().map(|(n, _)| *n).collect();
                format!("unknown forbid item {s:?}; known: {}", known.join(", "))
            })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn size(s: &str) -> Result<u64, String> {
        ByteSize::try_from(s.to_string()).map(|b| b.0)
    }

    #[test]
    fn byte_size_units() {
        assert_eq!(size("0"), Ok(0));
        assert_eq!(size("1048576"), Ok(1_048_576));
        assert_eq!(size("1B"), Ok(1));
        assert_eq!(size("512KiB"), Ok(512 * 1024));
        assert_eq!(size("1MiB"), Ok(1_048_576));
        assert_eq!(size("2GiB"), Ok(2 * 1024 * 1024 * 1024));
        assert_eq!(size("10KB"), Ok(10_000));
        assert_eq!(size("10MB"), Ok(10_000_000));
        assert_eq!(size("1GB"), Ok(1_000_000_000));
        assert_eq!(size("1 MiB"), Ok(1_048_576));
    }

    #[test]
    fn byte_size_boundaries_and_overflow() {
        assert_eq!(size("18446744073709551615"), Ok(u64::MAX));
        assert!(
            size("18446744073709551616")
                .unwrap_err()
                .contains("too large")
        );
        // 2^34 GiB = 2^64 bytes: one past u64.
        assert!(size("17179869184GiB").unwrap_err().contains("too large"));
        assert_eq!(size("17179869183GiB"), Ok(17_179_869_183 << 30));
    }

    #[test]
    fn byte_size_rejects() {
        for bad in [
            "", "MiB", "1.5MiB", "-1", "1 mib", "1mb", "1TiB", "1 M", "ten", "0x10",
        ] {
            let err = size(bad).unwrap_err();
            assert!(err.starts_with("invalid size"), "{bad}: {err}");
        }
    }

    #[test]
    fn expiry_date_is_end_of_day_utc() {
        let e = Expiry::try_from("2026-12-31".to_string()).unwrap().0;
        assert_eq!(e, datetime!(2026-12-31 23:59:59.999_999_999 UTC));
        assert!(datetime!(2026-12-31 23:59:59 UTC) <= e);
        assert!(datetime!(2027-01-01 00:00:00 UTC) > e);
    }

    #[test]
    fn expiry_rfc3339_is_exact() {
        let e = Expiry::try_from("2026-06-01T12:00:00+02:00".to_string())
            .unwrap()
            .0;
        assert_eq!(e, datetime!(2026-06-01 10:00:00 UTC));
        let z = Expiry::try_from("2026-06-01T12:00:00.5Z".to_string())
            .unwrap()
            .0;
        assert_eq!(z, datetime!(2026-06-01 12:00:00.5 UTC));
    }

    #[test]
    fn expiry_rejects() {
        for bad in [
            "2026-13-01",
            "2026-02-30",
            "tomorrow",
            "2026-06-01T12:00:00",
            "31/12/2026",
        ] {
            assert!(Expiry::try_from(bad.to_string()).is_err(), "{bad}");
        }
    }

    #[test]
    fn agent_names() {
        for ok in ["claude-code", "a", "0", "gpt-4.1_x"] {
            assert!(AgentName::try_from(ok.to_string()).is_ok(), "{ok}");
        }
        for bad in ["", "Claude", "-x", ".x", "a b", "é"] {
            assert!(AgentName::try_from(bad.to_string()).is_err(), "{bad}");
        }
    }

    #[test]
    fn regex_errors_are_one_line() {
        let err = Pattern::try_from("(".to_string()).unwrap_err();
        assert_eq!(err, r#"invalid regex "(": unclosed group"#);
    }

    #[test]
    fn glob_errors_name_the_glob() {
        let err = Glob::try_from("src/[".to_string()).unwrap_err();
        assert!(
            err.starts_with(r#"invalid glob "src/[": unclosed character class"#),
            "{err}"
        );
    }

    #[test]
    fn env_specs() {
        let e = EnvSpec::try_from("CLAUDECODE=1".to_string()).unwrap();
        assert_eq!(
            (e.var.as_str(), e.value.as_deref()),
            ("CLAUDECODE", Some("1"))
        );
        let e = EnvSpec::try_from("CURSOR_AGENT".to_string()).unwrap();
        assert_eq!(e.value, None);
        assert!(EnvSpec::try_from("=1".to_string()).is_err());
        assert!(EnvSpec::try_from("1X".to_string()).is_err());
    }
}
