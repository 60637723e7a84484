//! The JSON Schema of the rules file, generated from the very types that parse it
//! ([`super::raw`], which derive `schemars::JsonSchema`), so the schema cannot drift from
//! the parser: a key the parser reads is a property here, `deny_unknown_fields` becomes
//! `additionalProperties: false`, and a required key is required.
//!
//! The containers and validated scalars of `raw` deserialize by hand, so their schemas are
//! written here: each validated scalar ([`Checked`]) says what its `TryFrom<String>` accepts
//! as far as a JSON Schema can say it (a pattern for names, sizes and dates; an enum for
//! `forbid`). What only the parser can judge (a regex or glob that does not compile, a date
//! that does not exist, an undefined policy, a duplicate agent) is left to
//! `agentfence rules check`.
//!
//! Draft-07, the draft editors' YAML language servers and SchemaStore read best. The
//! generated document is published as `schema/agentfence.schema.json`; a test keeps that
//! file equal to [`json`]'s output.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use super::raw::{
    AgentName, ByteSize, Checked, EnvSpec, Expiry, ForbidItem, Glob, OneOrMany, OrderedMap,
    Pattern, RawRules, SUPPORTED_VERSIONS, TrailerKey, Version,
};

/// Where the schema of this version is published (its `$id`, and the `$schema` line
/// `agentfence init` writes).
pub const SCHEMA_URL: &str = concat!(
    "https://raw.githubusercontent.com/agentfence/agentfence/v",
    env!("CARGO_PKG_VERSION"),
    "/schema/agentfence.schema.json"
);

/// The JSON Schema of the rules file, pretty-printed, with a final newline.
pub fn json() -> String {
    let generator = SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<RawRules>();
    schema.insert("$id".to_owned(), SCHEMA_URL.into());
    schema.insert(
        "title".to_owned(),
        "agentfence rules (.agentfence.yaml)".into(),
    );
    schema.insert(
        "description".to_owned(),
        "What AI coding agents may change in a git repository: agents, their policies and \
         task grants. Reference: https://github.com/agentfence/agentfence/blob/main/docs/rules.md"
            .into(),
    );
    let mut text =
        serde_json::to_string_pretty(&schema).expect("a schema is plain JSON and serializes");
    text.push('\n');
    text
}

/// A validated scalar of the rules file: its name among the schema's definitions and what
/// a JSON Schema can say about its text.
pub(crate) trait Scalar {
    /// The definition's name.
    const NAME: &'static str;
    /// The schema of the scalar.
    fn schema() -> Schema;
}

/// The schema of an agent's `preset`: one of the built-in presets' names.
pub(crate) fn preset(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "description": "A built-in marker set of a known agent.",
        "enum": super::presets::names()
    })
}

impl<T: Scalar> JsonSchema for Checked<T> {
    fn schema_name() -> Cow<'static, str> {
        T::NAME.into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        T::schema()
    }
}

impl<T: Scalar> JsonSchema for OneOrMany<Checked<T>> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("OneOrMany_{}", T::NAME).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let one = generator.subschema_for::<Checked<T>>();
        json_schema!({
            "anyOf": [one, {"type": "array", "items": one}, {"type": "null"}]
        })
    }
}

impl<V: JsonSchema> JsonSchema for OrderedMap<V> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Map_of_{}", V::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let value = generator.subschema_for::<V>();
        json_schema!({
            "type": ["object", "null"],
            "additionalProperties": value
        })
    }
}

impl JsonSchema for Version {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Version".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut versions: Vec<serde_json::Value> = Vec::new();
        for v in SUPPORTED_VERSIONS {
            versions.push((*v).into());
            versions.push(v.to_string().into());
        }
        json_schema!({
            "description": "The rules file's schema version.",
            "enum": versions
        })
    }
}

impl Scalar for Glob {
    const NAME: &'static str = "Glob";
    fn schema() -> Schema {
        json_schema!({
            "description": "A glob on full paths or ref names: `*` and `?` never cross `/`, `**` does.",
            "type": "string",
            "minLength": 1
        })
    }
}

impl Scalar for Pattern {
    const NAME: &'static str = "Regex";
    fn schema() -> Schema {
        json_schema!({
            "description": "A regular expression in Rust's `regex` syntax (e.g. `(?i)` for case-insensitive).",
            "type": "string"
        })
    }
}

impl Scalar for ByteSize {
    const NAME: &'static str = "ByteSize";
    fn schema() -> Schema {
        json_schema!({
            "description": "A whole number of bytes, or one with KiB, MiB, GiB (1024-based) or KB, MB, GB (1000-based), e.g. 512KiB.",
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": "^\\s*[0-9]+\\s*(KiB|MiB|GiB|KB|MB|GB|B)?\\s*$"}
            ]
        })
    }
}

impl Scalar for Expiry {
    const NAME: &'static str = "Expiry";
    fn schema() -> Schema {
        json_schema!({
            "description": "When a task grant ends: a date (the end of that day, UTC) or an RFC 3339 time.",
            "type": "string",
            "pattern": "^\\s*[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?\\s*$"
        })
    }
}

impl Scalar for AgentName {
    const NAME: &'static str = "AgentName";
    fn schema() -> Schema {
        json_schema!({
            "description": "An agent's name: lowercase letters, digits, '.', '_' and '-', starting with a letter or digit.",
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9._-]*$"
        })
    }
}

impl Scalar for TrailerKey {
    const NAME: &'static str = "TrailerKey";
    fn schema() -> Schema {
        json_schema!({
            "description": "A commit trailer's key (compared case-insensitively), e.g. Task.",
            "type": "string",
            "pattern": "^[A-Za-z0-9-]+$"
        })
    }
}

impl Scalar for EnvSpec {
    const NAME: &'static str = "EnvMarker";
    fn schema() -> Schema {
        json_schema!({
            "description": "An environment marker for local hooks: VAR, or VAR=VALUE.",
            "type": "string",
            "pattern": "^[A-Za-z_][A-Za-z0-9_]*(=[\\s\\S]*)?$"
        })
    }
}

impl Scalar for ForbidItem {
    const NAME: &'static str = "ForbidItem";
    fn schema() -> Schema {
        let names: Vec<&str> = ForbidItem::ALL.iter().map(|(name, _)| *name).collect();
        json_schema!({
            "description": "A kind of change the policy forbids.",
            "type": "string",
            "enum": names
        })
    }
}

impl Scalar for super::signatures::PrincipalGlob {
    const NAME: &'static str = "PrincipalGlob";
    fn schema() -> Schema {
        json_schema!({
            "description": "A glob on signature principals (`*` matches any characters), e.g. `*@example.com`.",
            "type": "string",
            "minLength": 1
        })
    }
}

impl Scalar for super::signatures::FilePath {
    const NAME: &'static str = "FilePath";
    fn schema() -> Schema {
        json_schema!({
            "description": "A file: relative to the rules (the same revision, or the rules file's directory), or absolute on the server's disk.",
            "type": "string",
            "minLength": 1
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_is_draft_07_and_closed() {
        let schema: serde_json::Value = serde_json::from_str(&json()).expect("JSON");
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(schema["required"], serde_json::json!(["version"]));
        let agent = &schema["definitions"]["RawAgent"];
        assert_eq!(agent["additionalProperties"], false, "{agent}");
        assert!(agent["properties"]["match"].is_object(), "{agent}");
        let mut required: Vec<&str> = agent["required"]
            .as_array()
            .expect("required")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        required.sort_unstable();
        assert_eq!(required, ["name", "policy"]);
    }
}
