//! The watch delivery harness, shared by the layer and raw etcd: watchers of one prefix, a
//! sequential writer, and the time from just before each create call to each watcher's receipt
//! of its event.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;

use crate::stats::Latency;
use crate::workload::{self, Values};

/// The keys a watcher receives, in order.
pub(crate) type KeyStream = BoxStream<'static, Result<Vec<u8>>>;

/// Untimed creates that every watcher must have received before the timed ones start, so that
/// no timed event is held up by a watch still being set up.
const WARMUP: usize = 10;

/// Opens `watchers` streams with `open`, then creates `WARMUP + events` keys under `prefix`
/// with `write`, one after the other; returns the delivery latency of every timed event to every
/// watcher.
pub(crate) async fn measure<O, OF, W, WF>(
    mut open: O,
    mut write: W,
    prefix: &str,
    watchers: usize,
    events: usize,
    values: &Values,
) -> Result<Latency>
where
    O: FnMut() -> OF,
    OF: Future<Output = Result<KeyStream>>,
    W: FnMut(String, Bytes) -> WF,
    WF: Future<Output = Result<()>>,
{
    let total = WARMUP + events;
    let base = Instant::now();
    // When each create was called, in nanoseconds after `base`.
    let started: Arc<Vec<AtomicU64>> = Arc::new((0..total).map(|_| AtomicU64::new(0)).collect());
    let warmed = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(watchers);
    for _ in 0..watchers {
        let mut stream = open().await?;
        let started = Arc::clone(&started);
        let warmed = Arc::clone(&warmed);
        tasks.push(tokio::spawn(async move {
            let mut latency = Latency::new();
            for _ in 0..total {
                let key = stream.next().await.context("the watch ended early")??;
                let received = base.elapsed();
                let index = workload::index_of(&key).context("unexpected key in watch")?;
                if index < WARMUP {
                    if index == WARMUP - 1 {
                        warmed.fetch_add(1, Ordering::AcqRel);
                    }
                    continue;
                }
                let sent = Duration::from_nanos(started[index].load(Ordering::Acquire));
                latency.record(received.saturating_sub(sent));
            }
            anyhow::Ok(latency)
        }));
    }

    for i in 0..WARMUP {
        write(workload::key(prefix, i), values.get(i)).await?;
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while warmed.load(Ordering::Acquire) < watchers {
        if Instant::now() > deadline {
            bail!("watchers did not receive the warm-up events within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }

    for (i, slot) in started.iter().enumerate().skip(WARMUP) {
        let key = workload::key(prefix, i);
        let value = values.get(i);
        slot.store(base.elapsed().as_nanos() as u64, Ordering::Release);
        write(key, value).await?;
    }

    let mut latency = Latency::new();
    for task in tasks {
        let one = tokio::time::timeout(Duration::from_secs(120), task)
            .await
            .context("a watcher did not receive every event within 120 s")???;
        latency.merge(&one);
    }
    let expected = (watchers * events) as u64;
    anyhow::ensure!(
        latency.count() == expected,
        "recorded {} deliveries, expected {expected}",
        latency.count()
    );
    Ok(latency)
}
