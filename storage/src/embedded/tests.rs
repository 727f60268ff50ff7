//! Tests of the MVCC layer's own behaviour beyond the conformance suite: automatic retention.

use bytes::Bytes;
use futures::StreamExt;

use crate::embedded::EmbeddedOptions;
use crate::{ListRequest, StorageError, Store};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_compacts_old_history_automatically() {
    let options = EmbeddedOptions {
        retain_revisions: 100,
        ..EmbeddedOptions::default()
    };
    let store = crate::memory::open_with(options).unwrap();
    let mut revision = store.create("/hot", Bytes::from("0")).await.unwrap();
    let first = revision;
    for i in 1..1000 {
        revision = store
            .update("/hot", Bytes::from(i.to_string()), revision)
            .await
            .unwrap();
    }
    // The writer compacts between batches; give it a moment to finish the last chunk.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let compacted = store.compacted_revision().await.unwrap();
    let current = store.current_revision().await.unwrap();
    assert!(compacted > first, "nothing was compacted");
    assert!(
        current - compacted <= 100 + 100 / 8 + 1,
        "kept {} revisions",
        current - compacted
    );
    assert!(matches!(
        store.get("/hot", first).await,
        Err(StorageError::Compacted { .. })
    ));
    assert_eq!(
        store.get("/hot", 0).await.unwrap().value,
        Bytes::from("999")
    );
    assert_eq!(
        store.get("/hot", compacted).await.unwrap().mod_revision,
        compacted
    );
    let mut watch = store.watch("/", compacted).await.unwrap();
    assert_eq!(
        watch.next().await.unwrap().unwrap().revision(),
        compacted + 1
    );
    assert_eq!(
        store
            .list(ListRequest::prefix("/"))
            .await
            .unwrap()
            .kvs
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_zero_keeps_everything() {
    let options = EmbeddedOptions {
        retain_revisions: 0,
        ..EmbeddedOptions::default()
    };
    let store = crate::memory::open_with(options).unwrap();
    let first = store.create("/k", Bytes::from("0")).await.unwrap();
    let mut revision = first;
    for i in 1..300 {
        revision = store
            .update("/k", Bytes::from(i.to_string()), revision)
            .await
            .unwrap();
    }
    assert_eq!(store.compacted_revision().await.unwrap(), 0);
    assert_eq!(
        store.get("/k", first).await.unwrap().value,
        Bytes::from("0")
    );
}
