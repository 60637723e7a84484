//! A commit's signature and the bytes it signs, as `git verify-commit` hands them to
//! `ssh-keygen` or `gpg`: the `gpgsig` header's value (continuation lines unfolded), and the
//! commit object without that header.

use git2::ErrorCode;

use super::{GitError, Repo, to_oid};
use crate::model::ObjectId;

/// A signed commit's signature and the bytes it signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitSignature {
    /// The `gpgsig` header's value, continuation lines unfolded (an armored signature).
    pub signature: Vec<u8>,
    /// The commit object without the `gpgsig` header: what the signer signed.
    pub payload: Vec<u8>,
}

/// The header git signs commits under in a SHA-1 repository.
const SIGNATURE_HEADER: &str = "gpgsig";

impl Repo {
    /// The commit's signature and signed payload, or `None` when it is unsigned.
    ///
    /// Only a `gpgsig` line among the commit's headers is a signature: libgit2's extraction
    /// alone would also take a line of the message that starts with `gpgsig `, which git
    /// never reads as one.
    pub fn commit_signature(&self, id: &ObjectId) -> Result<Option<CommitSignature>, GitError> {
        let commit = self.find_commit(id)?;
        match commit.header_field_bytes(SIGNATURE_HEADER) {
            Ok(_) => {}
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
            Err(source) => {
                return Err(GitError::Git2 {
                    context: format!("reading the signature of commit {id}"),
                    source,
                });
            }
        }
        match self
            .git2()
            .extract_signature(&to_oid(id)?, Some(SIGNATURE_HEADER))
        {
            Ok((signature, payload)) => Ok(Some(CommitSignature {
                signature: signature.to_vec(),
                payload: payload.to_vec(),
            })),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
            Err(source) => Err(GitError::Git2 {
                context: format!("reading the signature of commit {id}"),
                source,
            }),
        }
    }
}
