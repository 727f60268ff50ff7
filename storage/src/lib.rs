//! The storage layer of nave: a revisioned key/value [`Store`] shaped around what a Kubernetes API
//! server needs, in etcd's vocabulary.
//!
//! - One global, strictly increasing [`Revision`] per store; it becomes `resourceVersion`.
//! - Create-if-absent, get (latest or at a past revision), list by prefix with a limit and a
//!   continue key at one consistent revision, compare-and-swap update on the key's mod revision,
//!   delete (optionally preconditioned) returning the last value, watch a prefix from a revision,
//!   compaction.
//! - Typed errors: [`StorageError`].
//!
//! This crate knows nothing about HTTP or Kubernetes objects: values are opaque bytes under
//! `/registry/...` keys. It holds the engine-independent MVCC layer ([`embedded`]) that the
//! embedded backends (`storage-redb`, `storage-sled`) plug a key/value [`embedded::Engine`] into,
//! and the in-memory backend ([`memory`]) used by tests. The etcd backend (`storage-etcd`) maps
//! the same trait onto etcd's own revisions.
//!
//! With the `conformance` feature, [`conformance_tests!`] expands the shared conformance suite
//! against any backend.

mod error;
mod key;
mod store;

pub mod embedded;
pub mod memory;

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;

pub use error::StorageError;
pub use key::{
    MAX_KEY_LEN, MAX_VALUE_LEN, prefix_range_end, validate_key, validate_prefix, validate_value,
};
pub use store::{
    Deleted, Event, EventKind, KeyValue, ListRequest, ListResult, Revision, Store, WatchStream,
};

/// The result type of every storage operation.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;
