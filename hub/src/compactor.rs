//! Keeps a store's history bounded when the store does not do it itself (etcd): every
//! [`INTERVAL`] it compacts away all but the newest `retain` revisions, as kube-apiserver's
//! compactor does for etcd. The embedded stores compact on their own as they write.
//!
//! Several hubs sharing one etcd may all run it; a compaction another hub already made is
//! not an error.

use std::sync::Arc;
use std::time::Duration;

use storage::{StorageError, Store};
use tokio::sync::watch;

/// How often the compactor looks at the store.
pub const INTERVAL: Duration = Duration::from_secs(30);

/// Compacts `store` to `retain` revisions every `interval` until `shutdown` turns true.
pub async fn run(
    store: Arc<dyn Store>,
    retain: i64,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
        match compact_once(store.as_ref(), retain).await {
            Ok(Some(revision)) => tracing::debug!(revision, "compacted the store's history"),
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "cannot compact the store's history"),
        }
    }
}

/// Compacts `store` to its current revision minus `retain`, if that is past what is already
/// compacted; returns the revision compacted to.
pub async fn compact_once(store: &dyn Store, retain: i64) -> Result<Option<i64>, StorageError> {
    let target = store.current_revision().await? - retain;
    if target <= store.compacted_revision().await? {
        return Ok(None);
    }
    match store.compact(target).await {
        Ok(()) => Ok(Some(target)),
        // Another hub sharing the store got there first.
        Err(StorageError::Compacted { .. }) => Ok(None),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use storage::memory;

    #[tokio::test]
    async fn compacts_all_but_the_newest_revisions() {
        let options = storage::embedded::EmbeddedOptions {
            retain_revisions: 0,
            ..Default::default()
        };
        let store = memory::open_with(options).unwrap();
        for i in 0..10 {
            store
                .create(&format!("/k/{i}"), bytes::Bytes::from_static(b"v"))
                .await
                .unwrap();
        }
        let current = store.current_revision().await.unwrap();
        assert_eq!(compact_once(&store, 3).await.unwrap(), Some(current - 3));
        assert_eq!(store.compacted_revision().await.unwrap(), current - 3);
        // Nothing new to compact.
        assert_eq!(compact_once(&store, 3).await.unwrap(), None);
    }
}
