//! The bare side: the same work on the `Store` trait in-process, no HTTP, no TLS, no Kubernetes
//! objects. The values are the JSON the hub would store, under keys shaped like the hub's.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, bail, ensure};
use futures::StreamExt;
use storage::{ListRequest, Store};

use crate::api::{Progress, deliveries, listed};
use crate::figures::Figures;
use crate::stats::{Latency, Rate, median};
use crate::watch::Pacer;
use crate::workload::{
    Counts, NS_LIST, NS_SEQ, NS_WARM, NS_WATCH, index_of, key, name, payload, prefix, stored_value,
};

/// Runs every phase against `store`; `progress` is told each phase as it ends, with the same
/// names and operation counts as the hub side's.
pub(crate) async fn run(
    store: Arc<dyn Store>,
    counts: &Counts,
    progress: Progress<'_>,
) -> Result<Figures> {
    let payload = payload(counts.value_bytes);
    let mut figures = Figures::default();
    for i in 0..counts.warmup {
        create(&*store, NS_WARM, i, &payload).await?;
    }
    progress("start-up", 0, "");

    let mut latency = Latency::new();
    let started = Instant::now();
    for i in 0..counts.seq_ops {
        let begun = Instant::now();
        create(&*store, NS_SEQ, i, &payload).await?;
        latency.since(begun);
    }
    figures.seq = Some(Rate::new(counts.seq_ops, started.elapsed(), latency));
    progress("sequential creates", counts.seq_ops as u64, "create");

    let started = Instant::now();
    let mut tasks = Vec::with_capacity(counts.clients);
    for client in 0..counts.clients {
        let (store, objects, clients) = (Arc::clone(&store), counts.objects, counts.clients);
        let payload = payload.clone();
        tasks.push(tokio::spawn(async move {
            let mut latency = Latency::new();
            for i in (client..objects).step_by(clients) {
                let begun = Instant::now();
                create(&*store, NS_LIST, i, &payload).await?;
                latency.since(begun);
            }
            anyhow::Ok(latency)
        }));
    }
    let mut latency = Latency::new();
    for task in tasks {
        latency.merge(&task.await??);
    }
    figures.concurrent = Some(Rate::new(counts.objects, started.elapsed(), latency));
    progress("concurrent creates", counts.objects as u64, "create");

    let object = key(NS_SEQ, &name(0));
    let mut get = Latency::new();
    for _ in 0..counts.gets {
        let begun = Instant::now();
        store.get(&object, 0).await?;
        get.since(begun);
    }
    figures.get = Some(get);
    progress("GETs", counts.gets as u64, "GET");

    figures.list_small = Some((
        counts.seq_ops,
        full_list(&*store, NS_SEQ, counts.seq_ops, counts.list_runs).await?,
    ));
    figures.list_full = Some((
        counts.objects,
        full_list(&*store, NS_LIST, counts.objects, counts.list_runs).await?,
    ));
    let seen = walk(&*store, counts.page_size).await?;
    ensure!(seen == counts.objects, "the paginated list saw {seen} keys");
    let mut times = Vec::with_capacity(counts.paged_runs);
    for _ in 0..counts.paged_runs {
        let begun = Instant::now();
        walk(&*store, counts.page_size).await?;
        times.push(begun.elapsed());
    }
    figures.list_paged = Some(median(times));
    progress("lists", listed(counts), "listed object");

    figures.watch = Some(watch(&store, counts, &payload).await?);
    progress("watch", deliveries(counts), "delivery");
    Ok(figures)
}

async fn create(store: &dyn Store, namespace: &str, i: usize, payload: &str) -> Result<()> {
    let name = name(i);
    store
        .create(
            &key(namespace, &name),
            stored_value(namespace, &name, payload),
        )
        .await?;
    Ok(())
}

async fn full_list(
    store: &dyn Store,
    namespace: &str,
    expected: usize,
    runs: usize,
) -> Result<Duration> {
    let prefix = prefix(namespace);
    let listed = store.list(ListRequest::prefix(&prefix)).await?;
    ensure!(
        listed.kvs.len() == expected,
        "{namespace} lists {} keys, not {expected}",
        listed.kvs.len()
    );
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let begun = Instant::now();
        store.list(ListRequest::prefix(&prefix)).await?;
        times.push(begun.elapsed());
    }
    Ok(median(times))
}

/// Lists the big namespace `limit` keys at a time, at the first page's revision, as the hub's
/// continue tokens do; returns the keys seen.
async fn walk(store: &dyn Store, limit: usize) -> Result<usize> {
    let prefix = prefix(NS_LIST);
    let first = store
        .list(ListRequest::prefix(&prefix).limit(limit))
        .await?;
    let revision = first.revision;
    let mut seen = first.kvs.len();
    let mut more = first.more;
    let mut last = first.kvs.last().map(|kv| kv.key.clone());
    while more {
        let Some(after) = last else {
            bail!("a page said more but was empty");
        };
        let page = store
            .list(
                ListRequest::prefix(&prefix)
                    .limit(limit)
                    .after(&after)
                    .at(revision),
            )
            .await?;
        seen += page.kvs.len();
        more = page.more;
        last = page.kvs.last().map(|kv| kv.key.clone());
    }
    Ok(seen)
}

async fn watch(store: &Arc<dyn Store>, counts: &Counts, payload: &str) -> Result<Latency> {
    let revision = store.current_revision().await?;
    let pacer = Arc::new(Pacer::new(counts.watchers, counts.watch_events));
    let prefix = prefix(NS_WATCH);
    let mut tasks = Vec::with_capacity(counts.watchers);
    for _ in 0..counts.watchers {
        let mut stream = store.watch(&prefix, revision).await?;
        let pacer = Arc::clone(&pacer);
        tasks.push(tokio::spawn(async move {
            while let Some(Ok(event)) = stream.next().await {
                if let Some(index) = index_of(event.kv.key.as_bytes()) {
                    pacer.deliver(index);
                }
            }
        }));
    }
    let result = async {
        for index in 0..pacer.events() {
            pacer.sending(index);
            create(&**store, NS_WATCH, index, payload).await?;
            pacer.delivered(index).await?;
        }
        pacer.latency()
    }
    .await;
    for task in &tasks {
        task.abort();
    }
    let latency = result?;
    let expected = (counts.watchers * counts.watch_events) as u64;
    ensure!(
        latency.count() == expected,
        "{} watch deliveries timed, expected {expected}",
        latency.count()
    );
    Ok(latency)
}
