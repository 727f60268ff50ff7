//! [`StorageError`]: the typed errors every backend returns.

use crate::Revision;

/// Why a storage operation failed. Every backend maps its failures onto these variants, so the
/// hub can turn each into the right Kubernetes `Status` without knowing the backend.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The key does not exist (at the requested revision).
    #[error("key {key:?} not found")]
    NotFound {
        /// The key that was looked up.
        key: String,
    },
    /// A create found the key already present.
    #[error("key {key:?} already exists")]
    AlreadyExists {
        /// The key that was to be created.
        key: String,
    },
    /// A compare-and-swap precondition on the key's mod revision failed.
    #[error("key {key:?} was modified: expected mod revision {expected}, found {actual}")]
    Conflict {
        /// The key written.
        key: String,
        /// The mod revision the caller expected.
        expected: Revision,
        /// The key's current mod revision.
        actual: Revision,
    },
    /// The requested revision is older than the oldest one the store still keeps.
    #[error("revision {requested} has been compacted (compacted revision {compacted})")]
    Compacted {
        /// The revision asked for.
        requested: Revision,
        /// The store's compacted revision: history at or before it is gone.
        compacted: Revision,
    },
    /// The requested revision is newer than the store's current revision.
    #[error("revision {requested} is in the future (current revision {current})")]
    FutureRevision {
        /// The revision asked for.
        requested: Revision,
        /// The store's current revision.
        current: Revision,
    },
    /// The key is not acceptable (empty, too long, or containing bytes the store reserves).
    #[error("invalid key {key:?}: {reason}")]
    InvalidKey {
        /// The offending key, truncated for display.
        key: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The value is not acceptable (empty or too large).
    #[error("invalid value: {reason}")]
    InvalidValue {
        /// Why it was refused.
        reason: String,
    },
    /// The backend cannot serve the request now (I/O failure, lost connection, shut down).
    #[error("storage unavailable: {message}")]
    Unavailable {
        /// What went wrong, for logs.
        message: String,
        /// The underlying cause, when there is one.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// Stored data could not be decoded: a bug or on-disk corruption.
    #[error("corrupt data: {0}")]
    Corrupt(String),
}

impl StorageError {
    /// An [`StorageError::Unavailable`] wrapping `source`.
    pub fn unavailable(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        StorageError::Unavailable {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// An [`StorageError::Unavailable`] with only a message.
    pub fn unavailable_msg(message: impl Into<String>) -> Self {
        StorageError::Unavailable {
            message: message.into(),
            source: None,
        }
    }

    /// Whether the error means "the key is not there".
    pub fn is_not_found(&self) -> bool {
        matches!(self, StorageError::NotFound { .. })
    }
}
