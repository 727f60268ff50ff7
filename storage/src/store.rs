//! The [`Store`] trait and the values it speaks in.

use std::fmt;
use std::pin::Pin;

use bytes::Bytes;
use futures::Stream;

use crate::Result;

/// A store revision: the store's global, strictly increasing write counter. Every write gets the
/// next revision; it is what Kubernetes calls `resourceVersion`. `0` means "none" (no revision
/// yet, or "latest" where a request takes an optional revision).
pub type Revision = i64;

/// One key at one revision.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyValue {
    /// The full key, e.g. `/registry/configmaps/root/default/a`.
    pub key: String,
    /// The stored bytes. Empty only in the `kv` of a [`EventKind::Delete`] event.
    pub value: Bytes,
    /// The revision that created this incarnation of the key.
    pub create_revision: Revision,
    /// The revision of the last write to the key (the deletion's revision in a delete event).
    pub mod_revision: Revision,
}

impl fmt::Debug for KeyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyValue")
            .field("key", &self.key)
            .field("value_len", &self.value.len())
            .field("create_revision", &self.create_revision)
            .field("mod_revision", &self.mod_revision)
            .finish()
    }
}

/// What a list returns: a page of keys in key order, consistent at `revision`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListResult {
    /// The keys, in ascending byte order.
    pub kvs: Vec<KeyValue>,
    /// The revision at which the page was read: pass it back with the continue key to read the
    /// next page at the same revision.
    pub revision: Revision,
    /// Whether keys remain after the last one returned.
    pub more: bool,
}

/// A list request: the keys starting with `prefix`, strictly after `after` (the continue key),
/// at most `limit` of them (0 = no limit), at `revision` (0 = latest).
#[derive(Clone, Copy, Debug, Default)]
pub struct ListRequest<'a> {
    /// The key prefix; empty lists everything.
    pub prefix: &'a str,
    /// Start strictly after this key (the last key of the previous page).
    pub after: Option<&'a str>,
    /// The page size; 0 means unlimited.
    pub limit: usize,
    /// Read at this revision; 0 means the latest.
    pub revision: Revision,
}

impl<'a> ListRequest<'a> {
    /// All keys under `prefix`, latest, unpaginated.
    pub fn prefix(prefix: &'a str) -> Self {
        ListRequest {
            prefix,
            ..Default::default()
        }
    }

    /// Sets the page size.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// Continues after `key`.
    pub fn after(mut self, key: &'a str) -> Self {
        self.after = Some(key);
        self
    }

    /// Reads at `revision` (0 = latest).
    pub fn at(mut self, revision: Revision) -> Self {
        self.revision = revision;
        self
    }
}

/// The outcome of a delete: the deletion's revision and the value the key held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deleted {
    /// The revision of the deletion.
    pub revision: Revision,
    /// The key as it was just before the deletion.
    pub last: KeyValue,
}

/// Whether a change wrote or removed its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A create or an update. It is a create when `kv.create_revision == kv.mod_revision`.
    Put,
    /// A delete.
    Delete,
}

/// One change, as seen by a watcher.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Put or delete.
    pub kind: EventKind,
    /// The key after the change. For a delete: empty value, `mod_revision` = the deletion's
    /// revision, `create_revision` = that of the incarnation deleted.
    pub kv: KeyValue,
    /// The key before the change: `None` for a create, the last value for updates and deletes.
    pub prev: Option<KeyValue>,
}

impl Event {
    /// The revision of the change.
    pub fn revision(&self) -> Revision {
        self.kv.mod_revision
    }

    /// Whether this put created the key.
    pub fn is_create(&self) -> bool {
        self.kind == EventKind::Put && self.kv.create_revision == self.kv.mod_revision
    }
}

/// The changes under a prefix, in revision order, without gaps. The stream ends after yielding an
/// error ([`crate::StorageError::Compacted`] when the watcher fell behind the retained history and
/// must re-list).
pub type WatchStream = Pin<Box<dyn Stream<Item = Result<Event>> + Send>>;

/// A revisioned key/value store, in etcd's vocabulary, shaped around what a Kubernetes API server
/// needs. Handlers reach every backend only through this trait.
#[async_trait::async_trait]
pub trait Store: Send + Sync + fmt::Debug + 'static {
    /// The backend's name (`memory`, `redb`, `sled`, `etcd`), for logs and metrics.
    fn backend(&self) -> &'static str;

    /// Creates `key` if it is absent; returns the new revision.
    /// Errors: [`AlreadyExists`](crate::StorageError::AlreadyExists).
    async fn create(&self, key: &str, value: Bytes) -> Result<Revision>;

    /// Reads `key` at the latest revision, or at `revision` (non-zero) while history is kept.
    /// Errors: `NotFound`, `Compacted`, `FutureRevision`.
    async fn get(&self, key: &str, revision: Revision) -> Result<KeyValue>;

    /// Lists a page of keys under a prefix, consistent at one revision.
    /// Errors: `Compacted`, `FutureRevision`.
    async fn list(&self, request: ListRequest<'_>) -> Result<ListResult>;

    /// Replaces `key`'s value if its mod revision is still `expected`; returns the new revision.
    /// Errors: `NotFound`, `Conflict`.
    async fn update(&self, key: &str, value: Bytes, expected: Revision) -> Result<Revision>;

    /// Deletes `key`, if its mod revision is `expected` when that is given.
    /// Errors: `NotFound`, `Conflict`.
    async fn delete(&self, key: &str, expected: Option<Revision>) -> Result<Deleted>;

    /// Every change under `prefix` with a revision greater than `after`, in order, with no gaps:
    /// first those already made (replayed from history), then live ones.
    /// Errors (at once or in the stream): `Compacted` when `after` is older than the history kept.
    async fn watch(&self, prefix: &str, after: Revision) -> Result<WatchStream>;

    /// The store's current revision: that of the last write.
    async fn current_revision(&self) -> Result<Revision>;

    /// The revision history was last compacted at (0 if never): reads at revisions below it and
    /// watches starting below it answer `Compacted`.
    async fn compacted_revision(&self) -> Result<Revision>;

    /// Discards history at and before `revision`: reads and watches of older revisions answer
    /// `Compacted` from then on. Errors: `Compacted` if already compacted past it, `FutureRevision`.
    async fn compact(&self, revision: Revision) -> Result<()>;
}
