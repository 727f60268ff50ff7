//! The raw-engine baselines: the same work done directly on redb, sled and etcd, without nave's
//! layer — one durable commit per write, one key/value per entry, no history, no revisions.

use std::ops::Bound;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, ensure};
use bytes::Bytes;
use etcd_client::{Client, Compare, CompareOp, GetOptions, Txn, TxnOp, WatchOptions};
use futures::StreamExt;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use storage_etcd::testing::EtcdProcess;

use crate::backends::{Backend, start_etcd};
use crate::stats::{Latency, Rate, median};
use crate::watch::{self, KeyStream};
use crate::workload::{self, Counts, LIST_OTHERS, LIST_TARGET, Values};

/// An embedded engine used directly: every method is one durable commit (or one read view).
pub(crate) trait RawEngine: Send + Sync + 'static {
    /// Writes one key and commits durably.
    fn put(&self, key: &[u8], value: &[u8]) -> Result<()>;
    /// Writes several keys in one durable commit.
    fn put_many(&self, items: &[(Vec<u8>, Bytes)]) -> Result<()>;
    /// Replaces `key`'s value if it is still `expected`, and commits durably.
    fn cas(&self, key: &[u8], expected: &[u8], value: &[u8]) -> Result<()>;
    /// Copies out up to `limit` (0 = all) entries from `from` to `to` (exclusive).
    fn scan(&self, from: Bound<&[u8]>, to: &[u8], limit: usize) -> Result<Vec<(Vec<u8>, Vec<u8>)>>;
}

/// A raw engine in a fresh temporary directory.
pub(crate) struct RawFixture {
    pub(crate) engine: Arc<dyn RawEngine>,
    pub(crate) dir: tempfile::TempDir,
}

impl RawFixture {
    pub(crate) fn fresh(backend: Backend) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let engine: Arc<dyn RawEngine> = match backend {
            Backend::Redb => Arc::new(RawRedb::open(dir.path())?),
            Backend::Sled => Arc::new(RawSled::open(dir.path())?),
            other => return Err(anyhow!("no raw embedded engine for {}", other.name())),
        };
        Ok(RawFixture { engine, dir })
    }
}

const TABLE: TableDefinition<&[u8], &[u8]> = TableDefinition::new("raw");

/// redb with its defaults (durability `Immediate`: every commit is fsynced), and the same
/// 64 MiB cache as the redb backend.
struct RawRedb {
    database: redb::Database,
}

impl RawRedb {
    fn open(dir: &std::path::Path) -> Result<Self> {
        let database = redb::Database::builder()
            .set_cache_size(64 << 20)
            .create(dir.join("raw.redb"))?;
        let transaction = database.begin_write()?;
        transaction.open_table(TABLE)?;
        transaction.commit()?;
        Ok(RawRedb { database })
    }
}

impl RawEngine for RawRedb {
    fn put(&self, key: &[u8], value: &[u8]) -> Result<()> {
        let transaction = self.database.begin_write()?;
        transaction.open_table(TABLE)?.insert(key, value)?;
        transaction.commit()?;
        Ok(())
    }

    fn put_many(&self, items: &[(Vec<u8>, Bytes)]) -> Result<()> {
        let transaction = self.database.begin_write()?;
        {
            let mut table = transaction.open_table(TABLE)?;
            for (key, value) in items {
                table.insert(key.as_slice(), value.as_ref())?;
            }
        }
        transaction.commit()?;
        Ok(())
    }

    fn cas(&self, key: &[u8], expected: &[u8], value: &[u8]) -> Result<()> {
        let transaction = self.database.begin_write()?;
        {
            let mut table = transaction.open_table(TABLE)?;
            let matches = table
                .get(key)?
                .is_some_and(|current| current.value() == expected);
            ensure!(matches, "raw redb CAS: the value changed");
            table.insert(key, value)?;
        }
        transaction.commit()?;
        Ok(())
    }

    fn scan(&self, from: Bound<&[u8]>, to: &[u8], limit: usize) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let transaction = self.database.begin_read()?;
        let table = transaction.open_table(TABLE)?;
        let mut out = Vec::new();
        for entry in table.range::<&[u8]>((from, Bound::Excluded(to)))? {
            let (key, value) = entry?;
            out.push((key.value().to_vec(), value.value().to_vec()));
            if out.len() == limit {
                break;
            }
        }
        Ok(out)
    }
}

/// sled with the same 64 MiB cache as the sled backend; "durable" means `flush()`, which is
/// `sync_file_range`, not `fsync` (sled issue #1452).
struct RawSled {
    database: sled::Db,
}

impl RawSled {
    fn open(dir: &std::path::Path) -> Result<Self> {
        let database = sled::Config::new()
            .path(dir.join("raw.sled"))
            .cache_capacity(64 << 20)
            .open()?;
        Ok(RawSled { database })
    }
}

impl RawEngine for RawSled {
    fn put(&self, key: &[u8], value: &[u8]) -> Result<()> {
        self.database.insert(key, value)?;
        self.database.flush()?;
        Ok(())
    }

    fn put_many(&self, items: &[(Vec<u8>, Bytes)]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for (key, value) in items {
            batch.insert(key.as_slice(), value.as_ref());
        }
        self.database.apply_batch(batch)?;
        self.database.flush()?;
        Ok(())
    }

    fn cas(&self, key: &[u8], expected: &[u8], value: &[u8]) -> Result<()> {
        self.database
            .compare_and_swap(key, Some(expected), Some(value))?
            .map_err(|error| anyhow!("raw sled CAS: {error}"))?;
        self.database.flush()?;
        Ok(())
    }

    fn scan(&self, from: Bound<&[u8]>, to: &[u8], limit: usize) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let from = match from {
            Bound::Included(key) => Bound::Included(key.to_vec()),
            Bound::Excluded(key) => Bound::Excluded(key.to_vec()),
            Bound::Unbounded => Bound::Unbounded,
        };
        let mut out = Vec::new();
        for entry in self
            .database
            .range::<Vec<u8>, _>((from, Bound::Excluded(to.to_vec())))
        {
            let (key, value) = entry?;
            out.push((key.to_vec(), value.to_vec()));
            if out.len() == limit {
                break;
            }
        }
        Ok(out)
    }
}

/// Runs blocking engine work off the async runtime's workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work).await?
}

/// One put per durable commit, one after the other.
pub(crate) async fn sequential_puts(
    engine: &Arc<dyn RawEngine>,
    n: usize,
    values: &Values,
) -> Result<Rate> {
    let engine = Arc::clone(engine);
    let values = values.clone();
    blocking(move || {
        let keys: Vec<String> = (0..n)
            .map(|i| workload::key("/registry/bench/seq/", i))
            .collect();
        let mut latency = Latency::new();
        let start = Instant::now();
        for (i, key) in keys.iter().enumerate() {
            let value = values.get(i);
            let op = Instant::now();
            engine.put(key.as_bytes(), &value)?;
            latency.since(op);
        }
        Ok(Rate::new(n, start.elapsed(), latency))
    })
    .await
}

/// `clients` threads, each putting its share of `total` distinct keys, one commit per put.
pub(crate) async fn concurrent_puts(
    engine: &Arc<dyn RawEngine>,
    total: usize,
    clients: usize,
    values: &Values,
) -> Result<Rate> {
    let engine = Arc::clone(engine);
    let values = values.clone();
    blocking(move || {
        let start = Instant::now();
        let latencies = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..clients)
                .map(|client| {
                    let engine = &engine;
                    let values = &values;
                    scope.spawn(move || {
                        let prefix = format!("/registry/bench/concurrent/{client:03}/");
                        let mut latency = Latency::new();
                        for i in 0..workload::share(total, clients, client) {
                            let key = workload::key(&prefix, i);
                            let value = values.get(client * 131 + i);
                            let op = Instant::now();
                            engine.put(key.as_bytes(), &value)?;
                            latency.since(op);
                        }
                        anyhow::Ok(latency)
                    })
                })
                .collect();
            threads
                .into_iter()
                .map(|thread| {
                    thread
                        .join()
                        .map_err(|_| anyhow!("a writer thread panicked"))?
                })
                .collect::<Result<Vec<_>>>()
        })?;
        let elapsed = start.elapsed();
        let mut latency = Latency::new();
        for one in &latencies {
            latency.merge(one);
        }
        Ok(Rate::new(total, elapsed, latency))
    })
    .await
}

/// Compare-and-swap updates of one key, one after the other, each a durable commit that reads
/// the current value, compares it and writes the new one.
pub(crate) async fn cas_updates(
    engine: &Arc<dyn RawEngine>,
    n: usize,
    values: &Values,
) -> Result<Rate> {
    let engine = Arc::clone(engine);
    let values = values.clone();
    blocking(move || {
        let key = b"/registry/bench/cas/00000000";
        let mut previous = values.get(0);
        engine.put(key, &previous)?;
        let mut latency = Latency::new();
        let start = Instant::now();
        for i in 1..=n {
            let value = values.get(i);
            let op = Instant::now();
            engine.cas(key, &previous, &value)?;
            latency.since(op);
            previous = value;
        }
        Ok(Rate::new(n, start.elapsed(), latency))
    })
    .await
}

/// The keys and values of the list phase, named and ordered as the layer writes them: the same
/// per-client sub-prefixes, one key of each client after the other (the order in which the
/// layer's group commit receives its clients' creates).
fn list_items(counts: &Counts, values: &Values) -> Vec<(Vec<u8>, Bytes)> {
    let clients = counts.clients;
    let mut items = Vec::new();
    let mut add = |prefix: &str, total: usize| {
        let longest = workload::share(total, clients, 0);
        for i in 0..longest {
            for client in 0..clients {
                if i < workload::share(total, clients, client) {
                    let key = workload::key(&format!("{prefix}{client:03}/"), i).into_bytes();
                    items.push((key, values.get(client * 131 + i)));
                }
            }
        }
    };
    add(LIST_TARGET, counts.list_keys);
    for prefix in LIST_OTHERS {
        add(prefix, counts.list_other_keys / 2);
    }
    items
}

fn target_end() -> Vec<u8> {
    storage::prefix_range_end(LIST_TARGET.as_bytes()).unwrap_or_default()
}

/// Writes the list phase's keys, `clients` per commit like a full group commit (loading speed is
/// not measured, but an engine's page layout depends on how it was written).
pub(crate) async fn populate_list(
    engine: &Arc<dyn RawEngine>,
    counts: &Counts,
    values: &Values,
) -> Result<()> {
    let engine = Arc::clone(engine);
    let items = list_items(counts, values);
    let per_commit = counts.clients;
    blocking(move || {
        for chunk in items.chunks(per_commit) {
            engine.put_many(chunk)?;
        }
        Ok(())
    })
    .await
}

/// One scan on a blocking thread, its entries handed back to the caller: the same hop, and the
/// same cross-thread allocation pattern, as the layer's `list`.
async fn scan_once(
    engine: &Arc<dyn RawEngine>,
    after: Option<Vec<u8>>,
    limit: usize,
) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let engine = Arc::clone(engine);
    blocking(move || {
        let from = match &after {
            Some(after) => Bound::Excluded(after.as_slice()),
            None => Bound::Included(LIST_TARGET.as_bytes()),
        };
        engine.scan(from, &target_end(), limit)
    })
    .await
}

/// The median time of one scan of the listed prefix, copying out every entry.
pub(crate) async fn list_full(engine: &Arc<dyn RawEngine>, counts: &Counts) -> Result<Duration> {
    let mut times = Vec::new();
    for run in 0..=counts.list_runs {
        let start = Instant::now();
        let entries = scan_once(engine, None, 0).await?;
        let elapsed = start.elapsed();
        ensure!(
            entries.len() == counts.list_keys,
            "raw scan returned {} entries",
            entries.len()
        );
        if run > 0 {
            times.push(elapsed);
        }
    }
    Ok(median(times))
}

/// The median time of scanning the listed prefix `page_size` entries at a time, each page in
/// its own read view, continuing after the previous page's last key.
pub(crate) async fn list_paged(engine: &Arc<dyn RawEngine>, counts: &Counts) -> Result<Duration> {
    let mut times = Vec::new();
    for run in 0..=counts.list_runs {
        let start = Instant::now();
        let mut seen = 0;
        let mut last: Option<Vec<u8>> = None;
        loop {
            let page = scan_once(engine, last.take(), counts.page_size).await?;
            seen += page.len();
            let full = page.len() == counts.page_size;
            last = page.last().map(|(key, _)| key.clone());
            if !full {
                break;
            }
        }
        let elapsed = start.elapsed();
        ensure!(
            seen == counts.list_keys,
            "raw paged scan returned {seen} entries"
        );
        if run > 0 {
            times.push(elapsed);
        }
    }
    Ok(median(times))
}

/// The bytes on disk per key after the disk phase's writes (every key written `1 + disk_updates`
/// times), committed `clients` puts at a time like a full group commit would.
pub(crate) async fn disk_use(
    fixture: &RawFixture,
    counts: &Counts,
    values: &Values,
) -> Result<u64> {
    let engine = Arc::clone(&fixture.engine);
    let counts = counts.clone();
    let values = values.clone();
    blocking(move || {
        let keys: Vec<Vec<u8>> = (0..counts.disk_keys)
            .map(|i| workload::key("/registry/bench/disk/", i).into_bytes())
            .collect();
        for round in 0..=counts.disk_updates {
            for (c, chunk) in keys.chunks(counts.clients.max(1)).enumerate() {
                let items: Vec<(Vec<u8>, Bytes)> = chunk
                    .iter()
                    .enumerate()
                    .map(|(i, key)| (key.clone(), values.get(round * 31 + c * 7 + i)))
                    .collect();
                engine.put_many(&items)?;
            }
        }
        Ok(())
    })
    .await?;
    crate::backends::disk_usage(fixture.dir.path())
}

/// A fresh etcd server and an `etcd_client` connection to it.
pub(crate) struct RawEtcd {
    client: Client,
    _process: EtcdProcess,
}

impl RawEtcd {
    pub(crate) async fn fresh() -> Result<Self> {
        let process = start_etcd().await?;
        let client = Client::connect([process.endpoint.as_str()], None)
            .await
            .context("connect etcd_client")?;
        Ok(RawEtcd {
            client,
            _process: process,
        })
    }

    fn kv(&self) -> etcd_client::KvClient {
        self.client.kv_client().max_decoding_message_size(512 << 20)
    }

    /// Plain puts, one after the other.
    pub(crate) async fn sequential_puts(&self, n: usize, values: &Values) -> Result<Rate> {
        let mut kv = self.kv();
        let keys: Vec<String> = (0..n)
            .map(|i| workload::key("/registry/bench/seq/", i))
            .collect();
        let mut latency = Latency::new();
        let start = Instant::now();
        for (i, key) in keys.iter().enumerate() {
            let value = values.get(i).to_vec();
            let op = Instant::now();
            kv.put(key.as_str(), value, None).await?;
            latency.since(op);
        }
        Ok(Rate::new(n, start.elapsed(), latency))
    }

    /// Writes of distinct keys from `clients` concurrent tasks: plain puts, or (`create_txn`)
    /// the create-if-absent transaction `create_revision(key) == 0 → put` that a `Store::create`
    /// has to send.
    pub(crate) async fn concurrent_puts(
        &self,
        prefix: &str,
        total: usize,
        clients: usize,
        values: &Values,
        create_txn: bool,
    ) -> Result<Rate> {
        let start = Instant::now();
        let mut tasks = Vec::with_capacity(clients);
        for client in 0..clients {
            let mut kv = self.kv();
            let values = values.clone();
            let prefix = format!("{prefix}{client:03}/");
            let n = workload::share(total, clients, client);
            tasks.push(tokio::spawn(async move {
                let mut latency = Latency::new();
                for i in 0..n {
                    let key = workload::key(&prefix, i);
                    let value = values.get(client * 131 + i).to_vec();
                    let op = Instant::now();
                    if create_txn {
                        let txn = Txn::new()
                            .when([Compare::create_revision(key.as_str(), CompareOp::Equal, 0)])
                            .and_then([TxnOp::put(key.as_str(), value, None)]);
                        ensure!(
                            kv.txn(txn).await?.succeeded(),
                            "raw etcd create: {key} exists"
                        );
                    } else {
                        kv.put(key, value, None).await?;
                    }
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

    /// Transactions `mod_revision(key) == previous → put`, one after the other.
    pub(crate) async fn cas_updates(&self, n: usize, values: &Values) -> Result<Rate> {
        let mut kv = self.kv();
        let key = "/registry/bench/cas/00000000";
        let mut revision = kv
            .put(key, values.get(0).to_vec(), None)
            .await?
            .header()
            .map(|header| header.revision())
            .context("put without a header")?;
        let mut latency = Latency::new();
        let start = Instant::now();
        for i in 1..=n {
            let value = values.get(i).to_vec();
            let op = Instant::now();
            let txn = Txn::new()
                .when([Compare::mod_revision(key, CompareOp::Equal, revision)])
                .and_then([TxnOp::put(key, value, None)]);
            let response = kv.txn(txn).await?;
            latency.since(op);
            ensure!(response.succeeded(), "raw etcd CAS failed");
            revision = response
                .header()
                .map(|header| header.revision())
                .context("txn without a header")?;
        }
        Ok(Rate::new(n, start.elapsed(), latency))
    }

    pub(crate) async fn populate_list(&self, counts: &Counts, values: &Values) -> Result<()> {
        self.concurrent_puts(LIST_TARGET, counts.list_keys, counts.clients, values, false)
            .await?;
        for prefix in LIST_OTHERS {
            self.concurrent_puts(
                prefix,
                counts.list_other_keys / 2,
                counts.clients,
                values,
                false,
            )
            .await?;
        }
        Ok(())
    }

    /// The median time of one range request for the whole prefix.
    pub(crate) async fn list_full(&self, counts: &Counts) -> Result<Duration> {
        let mut kv = self.kv();
        let mut times = Vec::new();
        for run in 0..=counts.list_runs {
            let start = Instant::now();
            let response = kv
                .get(LIST_TARGET, Some(GetOptions::new().with_prefix()))
                .await?;
            let entries: Vec<(Vec<u8>, Vec<u8>)> = response
                .kvs()
                .iter()
                .map(|kv| (kv.key().to_vec(), kv.value().to_vec()))
                .collect();
            let elapsed = start.elapsed();
            ensure!(
                entries.len() == counts.list_keys,
                "raw etcd range returned {}",
                entries.len()
            );
            if run > 0 {
                times.push(elapsed);
            }
        }
        Ok(median(times))
    }

    /// The median time of ranging over the prefix `page_size` keys at a time, at one revision.
    pub(crate) async fn list_paged(&self, counts: &Counts) -> Result<Duration> {
        let mut kv = self.kv();
        let end = target_end();
        let mut times = Vec::new();
        for run in 0..=counts.list_runs {
            let start = Instant::now();
            let mut seen = 0;
            let mut revision = 0;
            let mut from = LIST_TARGET.as_bytes().to_vec();
            loop {
                let mut options = GetOptions::new()
                    .with_range(end.clone())
                    .with_limit(counts.page_size as i64);
                if revision > 0 {
                    options = options.with_revision(revision);
                }
                let response = kv.get(from.clone(), Some(options)).await?;
                if revision == 0 {
                    revision = response.header().map_or(0, |header| header.revision());
                }
                let entries: Vec<(Vec<u8>, Vec<u8>)> = response
                    .kvs()
                    .iter()
                    .map(|kv| (kv.key().to_vec(), kv.value().to_vec()))
                    .collect();
                seen += entries.len();
                match entries.last() {
                    Some((last, _)) if response.more() => {
                        from = last.clone();
                        from.push(0);
                    }
                    _ => break,
                }
            }
            let elapsed = start.elapsed();
            ensure!(
                seen == counts.list_keys,
                "raw etcd paged range returned {seen}"
            );
            if run > 0 {
                times.push(elapsed);
            }
        }
        Ok(median(times))
    }

    /// Watch delivery latency with `etcd_client` watches and puts.
    pub(crate) async fn watch_latency(
        &self,
        watchers: usize,
        events: usize,
        values: &Values,
    ) -> Result<Latency> {
        let prefix = "/registry/bench/watch/";
        let open = || {
            let mut watch = self.client.watch_client();
            async move {
                let stream = watch
                    .watch(prefix, Some(WatchOptions::new().with_prefix()))
                    .await?;
                let keys = futures::stream::unfold(stream, |mut stream| async move {
                    let item = match stream.message().await {
                        Ok(Some(response)) => Ok(response
                            .events()
                            .iter()
                            .filter_map(|event| event.kv().map(|kv| Ok(kv.key().to_vec())))
                            .collect::<Vec<Result<Vec<u8>>>>()),
                        Ok(None) => Err(anyhow!("etcd closed the watch")),
                        Err(error) => Err(error.into()),
                    };
                    Some((item, stream))
                })
                .flat_map(|item| match item {
                    Ok(keys) => futures::stream::iter(keys),
                    Err(error) => futures::stream::iter(vec![Err(error)]),
                });
                let keys: KeyStream = keys.boxed();
                Ok(keys)
            }
        };
        let kv = self.kv();
        let write = |key: String, value: Bytes| {
            let mut kv = kv.clone();
            async move {
                kv.put(key, value.to_vec(), None).await?;
                Ok(())
            }
        };
        watch::measure(open, write, prefix, watchers, events, values).await
    }
}
