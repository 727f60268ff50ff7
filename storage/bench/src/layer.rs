//! The phases run through nave's storage layer: only the `storage::Store` trait, as the hub
//! would use it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use futures::StreamExt;
use storage::{ListRequest, Store};

use crate::stats::{Latency, Rate, median};
use crate::watch::{self, KeyStream};
use crate::workload::{self, Counts, LIST_OTHERS, LIST_TARGET, Values};

/// Creates `n` keys one after the other, awaiting each.
pub(crate) async fn sequential_creates(
    store: &dyn Store,
    n: usize,
    values: &Values,
) -> Result<Rate> {
    let keys: Vec<String> = (0..n)
        .map(|i| workload::key("/registry/bench/seq/", i))
        .collect();
    let mut latency = Latency::new();
    let start = Instant::now();
    for (i, key) in keys.iter().enumerate() {
        let value = values.get(i);
        let op = Instant::now();
        store.create(key, value).await?;
        latency.since(op);
    }
    Ok(Rate::new(n, start.elapsed(), latency))
}

/// Creates `total` distinct keys under `prefix` from `clients` concurrent tasks, each awaiting
/// its own creates one after the other.
pub(crate) async fn concurrent_creates(
    store: &Arc<dyn Store>,
    prefix: &str,
    total: usize,
    clients: usize,
    values: &Values,
) -> Result<Rate> {
    let mut tasks = Vec::with_capacity(clients);
    let start = Instant::now();
    for client in 0..clients {
        let store = Arc::clone(store);
        let values = values.clone();
        let prefix = format!("{prefix}{client:03}/");
        let n = workload::share(total, clients, client);
        tasks.push(tokio::spawn(async move {
            let mut latency = Latency::new();
            for i in 0..n {
                let key = workload::key(&prefix, i);
                let value = values.get(client * 131 + i);
                let op = Instant::now();
                store.create(&key, value).await?;
                latency.since(op);
            }
            anyhow::Ok(latency)
        }));
    }
    let mut latency = Latency::new();
    for task in tasks {
        latency.merge(&task.await??);
    }
    Ok(Rate::new(total, start.elapsed(), latency))
}

/// Updates one key `n` times, each with the revision the previous write returned (no gets).
pub(crate) async fn cas_updates(store: &dyn Store, n: usize, values: &Values) -> Result<Rate> {
    let key = "/registry/bench/cas/00000000";
    let mut revision = store.create(key, values.get(0)).await?;
    let mut latency = Latency::new();
    let start = Instant::now();
    for i in 1..=n {
        let value = values.get(i);
        let op = Instant::now();
        revision = store.update(key, value, revision).await?;
        latency.since(op);
    }
    Ok(Rate::new(n, start.elapsed(), latency))
}

/// Writes the keys of the list phase: `list_keys` under the listed prefix, `list_other_keys`
/// under prefixes sorting before and after it.
pub(crate) async fn populate_list(
    store: &Arc<dyn Store>,
    counts: &Counts,
    values: &Values,
) -> Result<()> {
    let clients = counts.clients;
    concurrent_creates(store, LIST_TARGET, counts.list_keys, clients, values).await?;
    for prefix in LIST_OTHERS {
        concurrent_creates(store, prefix, counts.list_other_keys / 2, clients, values).await?;
    }
    Ok(())
}

/// The median time of one unpaginated list of the listed prefix.
pub(crate) async fn list_full(store: &dyn Store, counts: &Counts) -> Result<Duration> {
    let mut times = Vec::with_capacity(counts.list_runs);
    // One untimed run warms caches.
    for run in 0..=counts.list_runs {
        let start = Instant::now();
        let result = store.list(ListRequest::prefix(LIST_TARGET)).await?;
        let elapsed = start.elapsed();
        ensure!(
            result.kvs.len() == counts.list_keys && !result.more,
            "list returned {} keys, expected {}",
            result.kvs.len(),
            counts.list_keys
        );
        if run > 0 {
            times.push(elapsed);
        }
    }
    Ok(median(times))
}

/// The median time of listing the listed prefix page by page (`page_size` keys a page, every
/// page at the first page's revision).
pub(crate) async fn list_paged(store: &dyn Store, counts: &Counts) -> Result<Duration> {
    let mut times = Vec::with_capacity(counts.list_runs);
    for run in 0..=counts.list_runs {
        let start = Instant::now();
        let mut seen = 0;
        let mut revision = 0;
        let mut last: Option<String> = None;
        loop {
            let mut request = ListRequest::prefix(LIST_TARGET)
                .limit(counts.page_size)
                .at(revision);
            if let Some(last) = &last {
                request = request.after(last);
            }
            let page = store.list(request).await?;
            revision = page.revision;
            seen += page.kvs.len();
            last = page.kvs.last().map(|kv| kv.key.clone());
            if !page.more {
                break;
            }
        }
        let elapsed = start.elapsed();
        ensure!(
            seen == counts.list_keys,
            "paginated list returned {seen} keys, expected {}",
            counts.list_keys
        );
        if run > 0 {
            times.push(elapsed);
        }
    }
    Ok(median(times))
}

/// Watch delivery latency with `watchers` watchers of one prefix and a sequential writer.
pub(crate) async fn watch_latency(
    store: &Arc<dyn Store>,
    watchers: usize,
    events: usize,
    values: &Values,
) -> Result<Latency> {
    let prefix = "/registry/bench/watch/";
    let after = store.current_revision().await?;
    let open = || {
        let store = Arc::clone(store);
        async move {
            let stream = store.watch(prefix, after).await?;
            let keys: KeyStream = stream.map(|event| Ok(event?.kv.key.into_bytes())).boxed();
            Ok(keys)
        }
    };
    let write = |key: String, value| {
        let store = Arc::clone(store);
        async move {
            store.create(&key, value).await?;
            Ok(())
        }
    };
    watch::measure(open, write, prefix, watchers, events, values).await
}

/// What the disk phase measured.
#[derive(Clone, Debug)]
pub(crate) struct DiskUse {
    /// The 32-client fill: creates, then CAS updates.
    pub(crate) fill: Rate,
    /// Bytes on disk before the compaction.
    pub(crate) before: u64,
    /// Bytes on disk after it.
    pub(crate) after: u64,
    /// For etcd: the size of its bbolt database file alone, after the compaction.
    pub(crate) db_file: Option<u64>,
}

/// Creates `disk_keys` keys, updates each `disk_updates` times (from `clients` concurrent
/// clients, each owning a share of the keys), compacts to the current revision, and measures the
/// data directory before and after.
pub(crate) async fn disk_use(
    store: &Arc<dyn Store>,
    dir: &std::path::Path,
    counts: &Counts,
    values: &Values,
) -> Result<DiskUse> {
    let clients = counts.clients.min(counts.disk_keys).max(1);
    let mut tasks = Vec::with_capacity(clients);
    let start = Instant::now();
    for client in 0..clients {
        let store = Arc::clone(store);
        let values = values.clone();
        let keys: Vec<String> = (client..counts.disk_keys)
            .step_by(clients)
            .map(|i| workload::key("/registry/bench/disk/", i))
            .collect();
        let updates = counts.disk_updates;
        tasks.push(tokio::spawn(async move {
            let mut latency = Latency::new();
            let mut revisions = Vec::with_capacity(keys.len());
            for (i, key) in keys.iter().enumerate() {
                let op = Instant::now();
                revisions.push(store.create(key, values.get(client + i)).await?);
                latency.since(op);
            }
            for round in 0..updates {
                for (i, key) in keys.iter().enumerate() {
                    let value = values.get(client * 7 + round * 31 + i);
                    let op = Instant::now();
                    revisions[i] = store.update(key, value, revisions[i]).await?;
                    latency.since(op);
                }
            }
            anyhow::Ok(latency)
        }));
    }
    let mut latency = Latency::new();
    for task in tasks {
        latency.merge(&task.await??);
    }
    let ops = counts.disk_keys * (1 + counts.disk_updates);
    let fill = Rate::new(ops, start.elapsed(), latency);

    let before = crate::backends::disk_usage(dir)?;
    let current = store.current_revision().await?;
    store
        .compact(current)
        .await
        .with_context(|| format!("compact to {current}"))?;
    if store.backend() == "etcd" {
        // etcd applies a compaction to its database in the background: give it a moment.
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let after = crate::backends::disk_usage(dir)?;
    let db_file = if store.backend() == "etcd" {
        let db = dir.join("member/snap/db");
        match std::fs::metadata(&db) {
            Ok(_) => Some(crate::backends::disk_usage(&db)?),
            Err(error) => bail!("no etcd database at {}: {error}", db.display()),
        }
    } else {
        None
    };
    Ok(DiskUse {
        fill,
        before,
        after,
        db_file,
    })
}
