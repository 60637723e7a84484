//! Key paths into the rules file (`policies.agents.paths.allow[1]`): how problems are named,
//! and how `super::yaml` finds a problem's line and column.

use std::fmt;

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    /// A mapping key.
    Key(String),
    /// A list index.
    Index(usize),
}

/// A path from the document's root to one node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KeyPath(pub(crate) Vec<Seg>);

impl KeyPath {
    /// The root.
    pub(crate) fn root() -> Self {
        KeyPath(Vec::new())
    }

    /// This path with a key appended.
    pub(crate) fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }

    /// This path with an index appended.
    pub(crate) fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => f.write_str(k)?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_serde_yaml() {
        let p = KeyPath::root()
            .key("policies")
            .key("agents")
            .key("paths")
            .key("allow")
            .index(1);
        assert_eq!(p.to_string(), "policies.agents.paths.allow[1]");
        assert_eq!(
            KeyPath::root().key("agents").index(0).to_string(),
            "agents[0]"
        );
    }
}
