//! The one file that names `serde_yaml`.
//!
//! serde_yaml is archived upstream (0.9.34+deprecated); keeping every use here means moving
//! to a maintained fork (serde_yaml_ng, serde_norway) touches this file only.
//!
//! Two jobs: [`parse`] reads the raw rules and turns a serde error into a [`Problem`] with
//! serde_yaml's own line, column and key path; [`locate`] finds the line and column of the
//! node at a key path, for problems found after parsing. serde_yaml offers no spans, but it
//! does stamp the position of the node being deserialized on any error raised there; so
//! `locate` re-reads the text with a seed that walks down the path and raises an error at
//! the node, and reads the position off that error. It runs only when there is a problem.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::error::Problem;
use super::keypath::Seg;
use super::raw::RawRules;

/// Parses the raw rules. Syntax and type errors stop at the first one (serde cannot go on).
pub(crate) fn parse(text: &str) -> Result<RawRules, Problem> {
    match serde_yaml::from_str::<RawRules>(text) {
        Ok(raw) => Ok(raw),
        Err(err) => {
            if let Ok(serde_yaml::Value::Null) = serde_yaml::from_str::<serde_yaml::Value>(text) {
                return Err(Problem {
                    location: None,
                    path: String::new(),
                    message: "empty rules file: expected a mapping that starts with `version: 1`"
                        .to_string(),
                });
            }
            Err(problem_from(&err))
        }
    }
}

/// Splits serde_yaml's message (`path: message at line L column C`) into a [`Problem`].
fn problem_from(err: &serde_yaml::Error) -> Problem {
    let location = err.location().map(|l| (l.line(), l.column()));
    let mut text = err.to_string();
    if let Some(l) = err.location() {
        let suffix = format!(" at line {} column {}", l.line(), l.column());
        if let Some(stripped) = text.strip_suffix(&suffix) {
            text = stripped.to_string();
        }
    }
    // serde_yaml prefixes the path (`agents[0].match: ...`) except at the root; its paths
    // contain no spaces unless a key does, which this split then leaves in the message.
    let (mut path, mut message) = match text.split_once(": ") {
        Some((p, m)) if !p.contains(char::is_whitespace) && !p.is_empty() => {
            (p.to_string(), m.to_string())
        }
        _ => (String::new(), text),
    };
    // Name the unknown key itself, not the mapping it sits in.
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((field, _)) = rest.split_once('`')
    {
        path = if path.is_empty() {
            field.to_string()
        } else {
            format!("{path}.{field}")
        };
    }
    if message.starts_with("missing field `version`") {
        message = "missing field `version`: start the file with `version: 1`".to_string();
    }
    // YAML syntax errors from libyaml carry their own position words; keep them short.
    if path.is_empty()
        && location.is_some()
        && let Some((before, _)) = message.split_once(" at line ")
    {
        message = before.to_string();
    }
    Problem {
        location,
        path,
        message,
    }
}

/// The 1-based line and column of the node at `path`, if there is one.
pub(crate) fn locate(text: &str, path: &[Seg]) -> Option<(usize, usize)> {
    let de = serde_yaml::Deserializer::from_str(text);
    match (Probe { path }).deserialize(de) {
        Ok(()) => None,
        Err(err) if err.to_string().contains(HERE) => {
            err.location().map(|l| (l.line(), l.column()))
        }
        Err(_) => None,
    }
}

/// The marker message of the error raised at the node sought.
const HERE: &str = "\u{1}agentfence-probe-here\u{1}";
/// The marker message when the path leads nowhere.
const NOWHERE: &str = "\u{1}agentfence-probe-nowhere\u{1}";

/// Walks down `path` and fails at the node it names.
struct Probe<'p> {
    path: &'p [Seg],
}

impl<'de> DeserializeSeed<'de> for Probe<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Probe<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.leaf()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.leaf()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.leaf()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.leaf()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.leaf()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.leaf()
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.leaf()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.path.split_first() else {
            return Err(de::Error::custom(HERE));
        };
        let Seg::Index(want) = first else {
            return Err(de::Error::custom(NOWHERE));
        };
        let mut i = 0;
        loop {
            if i == *want {
                return match seq.next_element_seed(Probe { path: rest })? {
                    Some(()) | None => Err(de::Error::custom(NOWHERE)),
                };
            }
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Err(de::Error::custom(NOWHERE));
            }
            i += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.path.split_first() else {
            return Err(de::Error::custom(HERE));
        };
        let Seg::Key(want) = first else {
            return Err(de::Error::custom(NOWHERE));
        };
        while let Some(key) = map.next_key::<String>()? {
            if key == *want {
                map.next_value_seed(Probe { path: rest })?;
                return Err(de::Error::custom(NOWHERE));
            }
            map.next_value::<IgnoredAny>()?;
        }
        Err(de::Error::custom(NOWHERE))
    }
}

impl Probe<'_> {
    fn leaf<E: de::Error>(self) -> Result<(), E> {
        Err(de::Error::custom(if self.path.is_empty() {
            HERE
        } else {
            NOWHERE
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Seg {
        Seg::Key(k.to_string())
    }

    #[test]
    fn locates_nodes() {
        let text = "version: 1\npolicies:\n  a:\n    paths:\n      allow: ['x', 'src/[']\n";
        let path = [
            key("policies"),
            key("a"),
            key("paths"),
            key("allow"),
            Seg::Index(1),
        ];
        assert_eq!(locate(text, &path), Some((5, 20)));
        assert_eq!(locate(text, &[key("version")]), Some((1, 10)));
        assert_eq!(locate(text, &[key("nope")]), None);
    }

    #[test]
    fn locates_block_list_items() {
        let text = "agents:\n  - name: a\n  - name: B\n";
        assert_eq!(
            locate(text, &[key("agents"), Seg::Index(1), key("name")]),
            Some((3, 11))
        );
    }
}
