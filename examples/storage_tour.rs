//! A tour of nave's `Store` on the embedded redb backend.
//!
//! Run: `cargo run -p examples --example storage_tour`

use bytes::Bytes;
use futures::StreamExt;
use storage::{ListRequest, StorageError, Store};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = storage_redb::open(dir.path(), storage_redb::RedbOptions::default())?;

    // Every write gets the next global revision: Kubernetes' resourceVersion.
    let created = store
        .create(
            "/registry/configmaps/root/default/settings",
            Bytes::from("v1"),
        )
        .await?;
    println!("created at revision {created}");

    // Updates are compare-and-swap on the key's last revision.
    let updated = store
        .update(
            "/registry/configmaps/root/default/settings",
            Bytes::from("v2"),
            created,
        )
        .await?;
    match store
        .update(
            "/registry/configmaps/root/default/settings",
            Bytes::from("v3"),
            created,
        )
        .await
    {
        Err(StorageError::Conflict {
            expected, actual, ..
        }) => {
            println!("stale write refused: expected {expected}, the key is at {actual}");
        }
        other => anyhow::bail!("expected a conflict, got {other:?}"),
    }

    // A paginated list reads every page at the first page's revision.
    for i in 0..5 {
        store
            .create(
                &format!("/registry/configmaps/root/default/cm-{i}"),
                Bytes::from("x"),
            )
            .await?;
    }
    let first = store
        .list(ListRequest::prefix("/registry/configmaps/root/").limit(3))
        .await?;
    let last_key = first
        .kvs
        .last()
        .map(|kv| kv.key.clone())
        .unwrap_or_default();
    let second = store
        .list(
            ListRequest::prefix("/registry/configmaps/root/")
                .limit(3)
                .after(&last_key)
                .at(first.revision),
        )
        .await?;
    println!(
        "listed {} + {} keys at revision {}",
        first.kvs.len(),
        second.kvs.len(),
        first.revision
    );

    // A watch from an old revision replays history, then follows live writes.
    let mut watch = store.watch("/registry/configmaps/", updated).await?;
    store
        .delete("/registry/configmaps/root/default/settings", None)
        .await?;
    for _ in 0..6 {
        if let Some(event) = watch.next().await {
            let event = event?;
            println!("{:?} {} at {}", event.kind, event.kv.key, event.revision());
        }
    }
    Ok(())
}
