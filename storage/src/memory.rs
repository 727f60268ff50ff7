//! The in-memory backend, for tests: the embedded MVCC layer over ordered maps.
//!
//! It shares every line of revision, history, compaction and watch logic with the on-disk
//! embedded backends, so the conformance suite exercises that logic without touching a disk.
//! Nothing survives the process.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use parking_lot::{RawRwLock, RwLock, lock_api::ArcRwLockReadGuard};

use crate::Result;
use crate::embedded::{
    EmbeddedOptions, EmbeddedStore, Engine, Snapshot, Table, Visitor, WriteBatch, bounds_empty,
};

/// The in-memory store.
pub type MemoryStore = EmbeddedStore<MemoryEngine>;

/// Opens an empty in-memory store with default options.
pub fn open() -> Result<MemoryStore> {
    open_with(EmbeddedOptions::default())
}

/// Opens an empty in-memory store.
pub fn open_with(options: EmbeddedOptions) -> Result<MemoryStore> {
    EmbeddedStore::open("memory", MemoryEngine::default(), options)
}

type Tables = [BTreeMap<Vec<u8>, Vec<u8>>; 4];

/// Four ordered maps behind one lock; a snapshot holds the read lock.
#[derive(Debug, Default)]
pub struct MemoryEngine {
    tables: Arc<RwLock<Tables>>,
}

/// A read-locked view of a [`MemoryEngine`].
#[derive(Debug)]
pub struct MemorySnapshot {
    tables: ArcRwLockReadGuard<RawRwLock, Tables>,
}

fn index(table: Table) -> usize {
    match table {
        Table::Kv => 0,
        Table::History => 1,
        Table::Log => 2,
        Table::Meta => 3,
    }
}

impl Engine for MemoryEngine {
    type Snapshot = MemorySnapshot;

    fn snapshot(&self) -> Result<MemorySnapshot> {
        Ok(MemorySnapshot {
            tables: self.tables.read_arc(),
        })
    }

    fn commit(&self, batch: WriteBatch) -> Result<()> {
        let mut tables = self.tables.write();
        for (table, key, value) in batch.ops() {
            let map = &mut tables[index(table)];
            match value {
                Some(value) => map.insert(key.to_vec(), value.to_vec()),
                None => map.remove(key),
            };
        }
        Ok(())
    }
}

impl Snapshot for MemorySnapshot {
    fn get(&self, table: Table, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.tables[index(table)].get(key).cloned())
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
        let range = self.tables[index(table)].range::<[u8], _>((from, to));
        if reverse {
            for (key, value) in range.rev() {
                if !visit(key, value)? {
                    break;
                }
            }
        } else {
            for (key, value) in range {
                if !visit(key, value)? {
                    break;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod conformance {
    async fn fixture() -> Option<crate::conformance::Fixture> {
        let store = super::open().expect("open memory store");
        Some(crate::conformance::Fixture {
            store: std::sync::Arc::new(store),
            guard: Box::new(()),
        })
    }

    crate::conformance_tests!(fixture);
}
