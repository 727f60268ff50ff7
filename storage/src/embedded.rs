//! The MVCC layer shared by the embedded backends: revisions, history, compaction, group commit
//! and watch fan-out over any ordered key/value [`Engine`] with atomic, durable batches.
//!
//! An engine only stores bytes in four tables (see `codec` for the layouts) and commits batches.
//! Everything Kubernetes-shaped lives here, once:
//!
//! - **One writer.** Every write goes through a single writer thread that drains up to
//!   [`EmbeddedOptions::max_batch`] queued requests, applies them in order (each seeing the
//!   previous ones), commits them in one durable engine batch, and only then acknowledges them.
//!   So durability costs one fsync per batch, not per write, and revisions are assigned without
//!   locks.
//! - **Readers never block the writer.** They read an engine snapshot at a revision taken from
//!   the committed counter; changes newer than that revision are resolved through the history
//!   table, so lists are consistent even on an engine without snapshot isolation.
//! - **Watches** replay history from disk, then follow the writer's in-memory broadcast; a watcher
//!   that falls behind the broadcast goes back to disk to catch up, and one whose position has
//!   been compacted away gets [`StorageError::Compacted`].
//! - **Retention.** History older than [`EmbeddedOptions::retain_revisions`] is compacted in
//!   small chunks between write batches, so disk use stays bounded under a steady update load.

mod codec;
mod read;
#[cfg(test)]
mod tests;
mod watch;
mod writer;

use std::fmt;
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use bytes::Bytes;
use tokio::sync::{broadcast, oneshot};

use crate::{
    Deleted, Event, KeyValue, ListRequest, ListResult, Result, Revision, StorageError, Store,
    WatchStream, validate_key, validate_prefix, validate_value,
};

/// The four tables an engine keeps (see the layouts in the `codec` module).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Table {
    /// The latest version of every live key.
    Kv,
    /// Every retained version of every key, keyed by key and revision.
    History,
    /// Which key each retained revision wrote.
    Log,
    /// The current and compacted revisions.
    Meta,
}

impl Table {
    /// Every table.
    pub const ALL: [Table; 4] = [Table::Kv, Table::History, Table::Log, Table::Meta];

    /// A stable name, usable as an engine's table or tree name.
    pub fn name(self) -> &'static str {
        match self {
            Table::Kv => "kv",
            Table::History => "history",
            Table::Log => "log",
            Table::Meta => "meta",
        }
    }
}

/// Writes to apply atomically, in order.
#[derive(Debug, Default)]
pub struct WriteBatch {
    ops: Vec<(Table, Vec<u8>, Option<Vec<u8>>)>,
}

impl WriteBatch {
    /// Adds an insert (or overwrite) of `key` in `table`.
    pub fn put(&mut self, table: Table, key: Vec<u8>, value: Vec<u8>) {
        self.ops.push((table, key, Some(value)));
    }

    /// Adds a removal of `key` from `table`.
    pub fn remove(&mut self, table: Table, key: Vec<u8>) {
        self.ops.push((table, key, None));
    }

    /// The writes, in the order they were added (`None` = remove).
    pub fn ops(&self) -> impl Iterator<Item = (Table, &[u8], Option<&[u8]>)> {
        self.ops
            .iter()
            .map(|(table, key, value)| (*table, key.as_slice(), value.as_deref()))
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// An ordered key/value engine with atomic, durable batches.
pub trait Engine: Send + Sync + 'static {
    /// A read view. Engines with snapshot isolation should return a true snapshot; others may
    /// return a live view, provided that [`Engine::commit`] makes a batch's `History` and `Log`
    /// writes visible before its `Kv` and `Meta` writes.
    type Snapshot: Snapshot;

    /// Opens a read view.
    fn snapshot(&self) -> Result<Self::Snapshot>;

    /// Applies `batch` atomically and durably: when this returns `Ok`, the batch survives a crash
    /// of the process (and, for engines that fsync, of the machine).
    fn commit(&self, batch: WriteBatch) -> Result<()>;
}

/// What [`Snapshot::scan`] calls for each entry: return `Ok(false)` to stop.
pub type Visitor<'a> = dyn FnMut(&[u8], &[u8]) -> Result<bool> + 'a;

/// A read view of an [`Engine`].
pub trait Snapshot: 'static {
    /// The value of `key` in `table`.
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>>;

    /// Visits the entries of `table` between `from` and `to` in ascending order (descending when
    /// `reverse`), until `visit` returns `Ok(false)` or fails.
    fn scan(
        &self,
        table: Table,
        from: Bound<&[u8]>,
        to: Bound<&[u8]>,
        reverse: bool,
        visit: &mut Visitor<'_>,
    ) -> Result<()>;
}

/// Whether the range between two bounds is empty. Ordered maps (`BTreeMap`, redb, sled) must not
/// be asked for an inverted range, so engines check this first.
pub fn bounds_empty(from: Bound<&[u8]>, to: Bound<&[u8]>) -> bool {
    match (from, to) {
        (Bound::Included(from), Bound::Included(to)) => from > to,
        (Bound::Included(from) | Bound::Excluded(from), Bound::Excluded(to))
        | (Bound::Excluded(from), Bound::Included(to)) => from >= to,
        _ => false,
    }
}

/// Tuning of an [`EmbeddedStore`].
#[derive(Clone, Debug)]
pub struct EmbeddedOptions {
    /// The most writes committed in one engine batch.
    pub max_batch: usize,
    /// How many revisions of history to keep for get-at-revision, paginated lists and watch
    /// resume; older history is compacted automatically. 0 disables automatic compaction.
    pub retain_revisions: i64,
    /// Batches of events the in-memory broadcast holds before a slow watcher must go back to disk.
    pub broadcast_capacity: usize,
}

impl Default for EmbeddedOptions {
    fn default() -> Self {
        EmbeddedOptions {
            max_batch: 1024,
            retain_revisions: 100_000,
            broadcast_capacity: 256,
        }
    }
}

/// A [`Store`] over an embedded [`Engine`].
pub struct EmbeddedStore<E: Engine> {
    shared: Arc<Shared<E>>,
    requests: std::sync::mpsc::Sender<writer::Request>,
    writer: Option<std::thread::JoinHandle<()>>,
}

impl<E: Engine> Drop for EmbeddedStore<E> {
    /// Stops the writer after it has answered every queued request, so that once the store and
    /// its watchers are gone the engine is closed (and its files unlocked) before this returns.
    fn drop(&mut self) {
        let (closed, _) = std::sync::mpsc::channel();
        drop(std::mem::replace(&mut self.requests, closed));
        if let Some(writer) = self.writer.take()
            && writer.join().is_err()
        {
            tracing::error!(backend = self.shared.name, "the writer thread panicked");
        }
    }
}

impl<E: Engine> fmt::Debug for EmbeddedStore<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmbeddedStore")
            .field("backend", &self.shared.name)
            .field("revision", &self.shared.committed.load(Ordering::Acquire))
            .finish()
    }
}

/// State shared by the store handle, the writer thread and watchers.
struct Shared<E> {
    name: &'static str,
    engine: E,
    /// The revision of the last acknowledged (committed) write.
    committed: AtomicI64,
    /// The compacted revision.
    compacted: AtomicI64,
    /// Committed events, one message per engine batch, in revision order.
    events: broadcast::Sender<Arc<[Event]>>,
}

impl<E: Engine> EmbeddedStore<E> {
    /// Opens a store over `engine`, recovering its revisions, and starts its writer thread.
    /// `name` is what [`Store::backend`] reports.
    pub fn open(name: &'static str, engine: E, options: EmbeddedOptions) -> Result<Self> {
        let snapshot = engine.snapshot()?;
        let current = read::meta(&snapshot, codec::META_CURRENT)?;
        let compacted = read::meta(&snapshot, codec::META_COMPACTED)?;
        drop(snapshot);
        let (events, _) = broadcast::channel(options.broadcast_capacity.max(16));
        let shared = Arc::new(Shared {
            name,
            engine,
            committed: AtomicI64::new(current),
            compacted: AtomicI64::new(compacted),
            events,
        });
        let (requests, writer) = writer::spawn(Arc::clone(&shared), options)?;
        Ok(EmbeddedStore {
            shared,
            requests,
            writer: Some(writer),
        })
    }

    async fn submit<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T>>) -> writer::Request,
    ) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(make(reply))
            .map_err(|_| StorageError::unavailable_msg("the store's writer has stopped"))?;
        answer.await.map_err(|_| {
            StorageError::unavailable_msg("the store's writer stopped before answering")
        })?
    }

    /// Checks that `revision` can be read: not newer than the current one, not compacted away.
    fn check_readable(&self, revision: Revision) -> Result<()> {
        let current = self.shared.committed.load(Ordering::Acquire);
        if revision > current {
            return Err(StorageError::FutureRevision {
                requested: revision,
                current,
            });
        }
        let compacted = self.shared.compacted.load(Ordering::Acquire);
        if revision < compacted {
            return Err(StorageError::Compacted {
                requested: revision,
                compacted,
            });
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl<E: Engine> Store for EmbeddedStore<E> {
    fn backend(&self) -> &'static str {
        self.shared.name
    }

    async fn create(&self, key: &str, value: Bytes) -> Result<Revision> {
        validate_key(key)?;
        validate_value(&value)?;
        let key = key.to_owned();
        self.submit(|reply| writer::Request::Create { key, value, reply })
            .await
    }

    async fn get(&self, key: &str, revision: Revision) -> Result<KeyValue> {
        validate_key(key)?;
        if revision < 0 {
            return Err(StorageError::Compacted {
                requested: revision,
                compacted: 0,
            });
        }
        if revision > 0 {
            self.check_readable(revision)?;
        }
        let snapshot = self.shared.engine.snapshot()?;
        let found = if revision == 0 {
            read::latest(&snapshot, key.as_bytes())?.map(|latest| latest.into_kv(key.to_owned()))
        } else {
            read::version_at(&snapshot, key, revision)?
        };
        found.ok_or_else(|| StorageError::NotFound {
            key: key.to_owned(),
        })
    }

    async fn list(&self, request: ListRequest<'_>) -> Result<ListResult> {
        validate_prefix(request.prefix)?;
        if let Some(after) = request.after {
            validate_prefix(after)?;
        }
        if request.revision < 0 {
            return Err(StorageError::Compacted {
                requested: request.revision,
                compacted: 0,
            });
        }
        let revision = if request.revision == 0 {
            self.shared.committed.load(Ordering::Acquire)
        } else {
            self.check_readable(request.revision)?;
            request.revision
        };
        let shared = Arc::clone(&self.shared);
        let prefix = request.prefix.to_owned();
        let after = request.after.map(str::to_owned);
        let limit = request.limit;
        let (kvs, more) = tokio::task::spawn_blocking(move || {
            let snapshot = shared.engine.snapshot()?;
            read::list(&snapshot, &prefix, after.as_deref(), limit, revision)
        })
        .await
        .map_err(|error| StorageError::unavailable("list task failed", error))??;
        Ok(ListResult {
            kvs,
            revision,
            more,
        })
    }

    async fn update(&self, key: &str, value: Bytes, expected: Revision) -> Result<Revision> {
        validate_key(key)?;
        validate_value(&value)?;
        let key = key.to_owned();
        self.submit(|reply| writer::Request::Update {
            key,
            value,
            expected,
            reply,
        })
        .await
    }

    async fn delete(&self, key: &str, expected: Option<Revision>) -> Result<Deleted> {
        validate_key(key)?;
        let key = key.to_owned();
        self.submit(|reply| writer::Request::Delete {
            key,
            expected,
            reply,
        })
        .await
    }

    async fn watch(&self, prefix: &str, after: Revision) -> Result<WatchStream> {
        validate_prefix(prefix)?;
        let compacted = self.shared.compacted.load(Ordering::Acquire);
        if after < compacted {
            return Err(StorageError::Compacted {
                requested: after,
                compacted,
            });
        }
        Ok(watch::start(
            Arc::clone(&self.shared),
            prefix.to_owned(),
            after,
        ))
    }

    async fn current_revision(&self) -> Result<Revision> {
        Ok(self.shared.committed.load(Ordering::Acquire))
    }

    async fn compacted_revision(&self) -> Result<Revision> {
        Ok(self.shared.compacted.load(Ordering::Acquire))
    }

    async fn compact(&self, revision: Revision) -> Result<()> {
        let current = self.shared.committed.load(Ordering::Acquire);
        if revision > current {
            return Err(StorageError::FutureRevision {
                requested: revision,
                current,
            });
        }
        let compacted = self.shared.compacted.load(Ordering::Acquire);
        if revision <= compacted {
            return Err(StorageError::Compacted {
                requested: revision,
                compacted,
            });
        }
        self.submit(|reply| writer::Request::Compact { revision, reply })
            .await
    }
}
