//! The sled backend: nave's embedded MVCC layer ([`storage::embedded`]) over sled 0.34.
//!
//! The four tables share one sled tree, each under a one-byte prefix, so that a batch is one
//! `apply_batch`: atomic across tables, even through a crash. Batches are then `flush`ed before
//! they are acknowledged.
//!
//! Know its limits before choosing it (see `docs/benchmarks.md`): sled 0.34.7 is from 2021; its
//! `flush` issues `sync_file_range`, not `fsync`, so an acknowledged write survives the process
//! being killed but not necessarily the machine losing power (sled issue #1452); and its
//! iterators are not snapshots, which the MVCC layer compensates for by resolving newer keys
//! through history. The embedded default is redb.

use std::ops::Bound;
use std::path::Path;

use storage::embedded::{
    EmbeddedOptions, EmbeddedStore, Engine, Snapshot, Table, Visitor, WriteBatch, bounds_empty,
};
use storage::{Result, StorageError};

/// A store over sled.
pub type SledStore = EmbeddedStore<SledEngine>;

/// The directory of the database inside a data directory.
pub const DIR_NAME: &str = "nave.sled";

/// Options of the sled backend.
#[derive(Clone, Debug)]
pub struct SledOptions {
    /// Options of the MVCC layer.
    pub embedded: EmbeddedOptions,
    /// Bytes of sled's page cache.
    pub cache_bytes: u64,
}

impl Default for SledOptions {
    fn default() -> Self {
        SledOptions {
            embedded: EmbeddedOptions::default(),
            cache_bytes: 64 << 20,
        }
    }
}

/// Opens (creating if needed) the store in directory `dir`.
pub fn open(dir: &Path, options: SledOptions) -> Result<SledStore> {
    let engine = SledEngine::open(dir, options.cache_bytes)?;
    EmbeddedStore::open("sled", engine, options.embedded)
}

fn engine_error(what: &'static str) -> impl FnOnce(sled::Error) -> StorageError {
    move |error| StorageError::unavailable(format!("sled: {what}"), error)
}

fn prefix(table: Table) -> u8 {
    match table {
        Table::Kv => b'k',
        Table::History => b'h',
        Table::Log => b'l',
        Table::Meta => b'm',
    }
}

fn prefixed(table: Table, key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + 1);
    out.push(prefix(table));
    out.extend_from_slice(key);
    out
}

/// A sled database; the tables are prefixes of its default tree.
#[derive(Debug)]
pub struct SledEngine {
    database: sled::Db,
}

impl SledEngine {
    /// Opens or creates `dir/nave.sled`.
    pub fn open(dir: &Path, cache_bytes: u64) -> Result<Self> {
        let database = sled::Config::new()
            .path(dir.join(DIR_NAME))
            .cache_capacity(cache_bytes)
            .open()
            .map_err(engine_error("open"))?;
        Ok(SledEngine { database })
    }
}

impl Engine for SledEngine {
    type Snapshot = SledView;

    fn snapshot(&self) -> Result<SledView> {
        Ok(SledView {
            tree: (*self.database).clone(),
        })
    }

    fn commit(&self, batch: WriteBatch) -> Result<()> {
        let mut sled_batch = sled::Batch::default();
        for (table, key, value) in batch.ops() {
            match value {
                Some(value) => sled_batch.insert(prefixed(table, key), value),
                None => sled_batch.remove(prefixed(table, key)),
            }
        }
        self.database
            .apply_batch(sled_batch)
            .map_err(engine_error("apply batch"))?;
        self.database.flush().map_err(engine_error("flush"))?;
        Ok(())
    }
}

/// A live view of the sled tree (sled has no read snapshots).
#[derive(Debug)]
pub struct SledView {
    tree: sled::Tree,
}

impl Snapshot for SledView {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self
            .tree
            .get(prefixed(table, key))
            .map_err(engine_error("get"))?
            .map(|value| value.to_vec()))
    }

    fn scan(
        &self,
        table: Table,
        from: Bound<&[u8]>,
        to: Bound<&[u8]>,
        reverse: bool,
        visit: &mut Visitor<'_>,
    ) -> Result<()> {
        if bounds_empty(from, to) {
            return Ok(());
        }
        let tag = prefix(table);
        let lower = match from {
            Bound::Included(key) => Bound::Included(prefixed(table, key)),
            Bound::Excluded(key) => Bound::Excluded(prefixed(table, key)),
            Bound::Unbounded => Bound::Included(vec![tag]),
        };
        let upper = match to {
            Bound::Included(key) => Bound::Included(prefixed(table, key)),
            Bound::Excluded(key) => Bound::Excluded(prefixed(table, key)),
            Bound::Unbounded => Bound::Excluded(vec![tag + 1]),
        };
        let range = self.tree.range::<Vec<u8>, _>((lower, upper));
        let mut step = |entry: sled::Result<(sled::IVec, sled::IVec)>| {
            let (key, value) = entry.map_err(engine_error("scan"))?;
            visit(&key[1..], &value)
        };
        if reverse {
            for entry in range.rev() {
                if !step(entry)? {
                    break;
                }
            }
        } else {
            for entry in range {
                if !step(entry)? {
                    break;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod conformance {
    struct Guard(#[allow(dead_code)] tempfile::TempDir);

    async fn fixture() -> Option<storage::conformance::Fixture> {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store =
            super::open(dir.path(), super::SledOptions::default()).expect("open sled store");
        Some(storage::conformance::Fixture {
            store: std::sync::Arc::new(store),
            guard: Box::new(Guard(dir)),
        })
    }

    storage::conformance_tests!(fixture);
}

#[cfg(test)]
mod crash {
    use std::sync::Arc;

    fn open(dir: &std::path::Path) -> Arc<dyn storage::Store> {
        Arc::new(super::open(dir, super::SledOptions::default()).expect("open sled store"))
    }

    #[test]
    #[ignore = "child process of acknowledged_writes_survive_sigkill"]
    fn crash_child() {
        storage::conformance::crash::child(open);
    }

    #[test]
    fn acknowledged_writes_survive_sigkill() {
        storage::conformance::crash::parent("crash::crash_child", 25, open);
    }
}
