//! The JSON report: the keys CONTRACT.md "report" fixes, in its order (serde writes struct
//! fields in declaration order, see [`super::aggregate::Measures`]), plus `ownership` on
//! every owner (`"claimed"`: read from the commits, no decision log).
//!
//! ```json
//! {"range": ["main"], "rules": "embedded default", "commits": 1798,
//!  "owners": [{"name": "claude-code", "kind": "agent", "ownership": "claimed", ...}],
//!  "tasks": [...], "weeks": [...], "reverts": [...]}
//! ```

use std::io::{self, Write};

use super::aggregate::Measures;

/// Writes the report as pretty-printed JSON, with a final newline.
pub fn render(measures: &Measures, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, measures).map_err(io::Error::other)?;
    out.write_all(b"\n")
}
