//! The nave hub: one process that will serve the Kubernetes API for many logical clusters over
//! one shared [`storage::Store`].
//!
//! Today it opens the configured store ([`store_url::StoreUrl`], [`open_store`]) and holds it
//! until told to stop; the API server is built on top of this in its own issue.

pub mod store_url;

use std::sync::Arc;

use storage::Store;

pub use store_url::{StoreUrl, StoreUrlError};

/// Why the hub could not open its store.
#[derive(Debug, thiserror::Error)]
pub enum OpenStoreError {
    /// An embedded engine failed to open its files.
    #[error("cannot open the {backend} store at {path}")]
    Embedded {
        /// `redb` or `sled`.
        backend: &'static str,
        /// The data directory.
        path: String,
        /// The engine's error.
        #[source]
        source: storage::StorageError,
    },
    /// etcd could not be reached.
    #[error(transparent)]
    Etcd(#[from] storage_etcd::ConnectError),
    /// The in-memory store could not start.
    #[error("cannot start the in-memory store")]
    Memory(#[source] storage::StorageError),
}

/// Opens the store `url` names.
pub async fn open_store(url: &StoreUrl) -> Result<Arc<dyn Store>, OpenStoreError> {
    Ok(match url {
        StoreUrl::Redb(path) => Arc::new(
            storage_redb::open(path, storage_redb::RedbOptions::default()).map_err(|source| {
                OpenStoreError::Embedded {
                    backend: "redb",
                    path: path.display().to_string(),
                    source,
                }
            })?,
        ),
        StoreUrl::Sled(path) => Arc::new(
            storage_sled::open(path, storage_sled::SledOptions::default()).map_err(|source| {
                OpenStoreError::Embedded {
                    backend: "sled",
                    path: path.display().to_string(),
                    source,
                }
            })?,
        ),
        StoreUrl::Etcd(endpoints) => Arc::new(
            storage_etcd::EtcdStore::connect(storage_etcd::EtcdOptions::new(endpoints.clone()))
                .await?,
        ),
        StoreUrl::Memory => Arc::new(storage::memory::open().map_err(OpenStoreError::Memory)?),
    })
}
