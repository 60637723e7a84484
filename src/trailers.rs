//! Commit-message trailers, read exactly as git reads them (placeholder: see issue 4).

/// One trailer: key as written, unfolded and trimmed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailer {
    /// The key, case preserved.
    pub key: String,
    /// The value, unfolded and trimmed.
    pub value: String,
}

/// Parses the trailers of a raw commit message as `git log --format=%(trailers:only,unfold)`.
pub fn parse(_message: &str) -> Vec<Trailer> {
    Vec::new()
}

/// Values of the trailers whose key equals `key` (ASCII case-insensitively), in order.
pub fn values<'a>(trailers: &'a [Trailer], key: &'a str) -> impl Iterator<Item = &'a str> {
    trailers
        .iter()
        .filter(move |t| t.key.eq_ignore_ascii_case(key))
        .map(|t| t.value.as_str())
}
