//! Errors of the etcd backend: connecting, and etcd's errors mapped onto [`StorageError`].

use storage::StorageError;

/// Why connecting to etcd failed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// No endpoint was given.
    #[error("no etcd endpoints given")]
    NoEndpoints,
    /// The client could not connect.
    #[error("cannot connect to etcd at {endpoints}")]
    Connect {
        /// The endpoints tried.
        endpoints: String,
        /// The client's error.
        #[source]
        source: etcd_client::Error,
    },
    /// The client was created, but etcd did not answer its first request.
    #[error("cannot connect to etcd at {endpoints}")]
    Unreachable {
        /// The endpoints tried.
        endpoints: String,
        /// What the first request got.
        #[source]
        source: StorageError,
    },
}

/// Maps an etcd client error onto a storage error. Revision numbers in `Compacted` and
/// `FutureRevision` are not known here; callers fill them in.
pub(crate) fn map(error: etcd_client::Error) -> StorageError {
    if let etcd_client::Error::GRpcStatus(status) = &error {
        let message = status.message();
        if message.contains("required revision has been compacted") {
            return StorageError::Compacted {
                requested: 0,
                compacted: 0,
            };
        }
        if message.contains("required revision is a future revision") {
            return StorageError::FutureRevision {
                requested: 0,
                current: 0,
            };
        }
        if message.contains("request is too large") {
            return StorageError::InvalidValue {
                reason: "etcd refused the request as too large".into(),
            };
        }
    }
    StorageError::unavailable("etcd request failed", error)
}
