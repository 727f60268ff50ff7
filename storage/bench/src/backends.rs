//! The four backends under test, each opened fresh (a new temporary directory, or a new etcd
//! server) for every phase, and the size of what they leave on disk.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use storage::Store;
use storage_etcd::testing::{EtcdProcess, Missing};
use storage_etcd::{EtcdOptions, EtcdStore};

/// A backend of the `Store` trait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Backend {
    Memory,
    Redb,
    Sled,
    Etcd,
}

impl Backend {
    pub(crate) const ALL: [Backend; 4] =
        [Backend::Memory, Backend::Redb, Backend::Sled, Backend::Etcd];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Backend::Memory => "memory",
            Backend::Redb => "redb",
            Backend::Sled => "sled",
            Backend::Etcd => "etcd",
        }
    }

    /// Whether the benchmark has a raw-engine baseline for this backend.
    pub(crate) fn has_raw(self) -> bool {
        self != Backend::Memory
    }

    /// Opens a fresh, empty store.
    pub(crate) async fn fresh(self) -> Result<Fixture> {
        Ok(match self {
            Backend::Memory => Fixture {
                store: Arc::new(storage::memory::open()?),
                holder: Holder::None,
            },
            Backend::Redb => {
                let dir = tempfile::tempdir()?;
                let store = storage_redb::open(dir.path(), storage_redb::RedbOptions::default())?;
                Fixture {
                    store: Arc::new(store),
                    holder: Holder::Dir(dir),
                }
            }
            Backend::Sled => {
                let dir = tempfile::tempdir()?;
                let store = storage_sled::open(dir.path(), storage_sled::SledOptions::default())?;
                Fixture {
                    store: Arc::new(store),
                    holder: Holder::Dir(dir),
                }
            }
            Backend::Etcd => {
                let process = start_etcd().await?;
                let store = connect_etcd(&process).await?;
                Fixture {
                    store: Arc::new(store),
                    holder: Holder::Etcd(process),
                }
            }
        })
    }
}

/// Starts a throwaway etcd server.
pub(crate) async fn start_etcd() -> Result<EtcdProcess> {
    EtcdProcess::start()
        .await
        .map_err(|Missing(reason)| anyhow!("cannot start etcd: {reason}"))
}

async fn connect_etcd(process: &EtcdProcess) -> Result<EtcdStore> {
    EtcdStore::connect(EtcdOptions::new(vec![process.endpoint.clone()]))
        .await
        .with_context(|| format!("connect to etcd at {}", process.endpoint))
}

/// A fresh store and what must outlive it. Fields drop in order: the store (which joins its
/// writer and closes its engine) before its directory or server.
#[derive(Debug)]
pub(crate) struct Fixture {
    pub(crate) store: Arc<dyn Store>,
    holder: Holder,
}

#[derive(Debug)]
enum Holder {
    None,
    Dir(tempfile::TempDir),
    Etcd(EtcdProcess),
}

impl Fixture {
    /// The store's data directory, if it has one.
    pub(crate) fn data_dir(&self) -> Option<PathBuf> {
        match &self.holder {
            Holder::None => None,
            Holder::Dir(dir) => Some(dir.path().to_owned()),
            Holder::Etcd(process) => Some(process.data_dir().to_owned()),
        }
    }
}

/// Bytes allocated on disk under `path` (like `du`: blocks, not apparent lengths).
pub(crate) fn disk_usage(path: &Path) -> Result<u64> {
    let metadata =
        std::fs::symlink_metadata(path).with_context(|| format!("stat {}", path.display()))?;
    let mut total = metadata.blocks() * 512;
    if metadata.is_dir() {
        for entry in std::fs::read_dir(path)? {
            total += disk_usage(&entry?.path())?;
        }
    }
    Ok(total)
}
