//! The storage benchmark: every `Store` backend (memory, redb, sled, etcd) through nave's layer,
//! next to the raw engine doing the same work, printed as Markdown.
//!
//! Run it as `cargo run --release -p storage-bench` (add `-- --quick` for a smoke run, `-- --help`
//! for the knobs). Progress goes to stderr, the report to stdout.

mod backends;
mod layer;
mod raw;
mod report;
mod stats;
mod watch;
mod workload;

use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;

use crate::backends::Backend;
use crate::raw::{RawEtcd, RawFixture};
use crate::report::{BackendResults, Pair};
use crate::stats::Latency;
use crate::workload::{Counts, Values};

/// Benchmarks nave's storage backends against their raw engines and prints a Markdown report.
#[derive(Debug, Parser)]
#[command(name = "storage-bench")]
struct Args {
    /// Shrink every count about ten times (page size 50, 5 list runs), for a smoke run. The
    /// defaults shown below are the full run's; counts given explicitly still apply.
    #[arg(long)]
    quick: bool,
    /// Backends to run, comma-separated (default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    backends: Vec<Backend>,
    /// Skip the raw-engine baselines.
    #[arg(long)]
    no_raw: bool,
    /// Sequential creates [default: 3000].
    #[arg(long)]
    seq_ops: Option<usize>,
    /// Creates spread over the concurrent clients [default: 20000].
    #[arg(long)]
    concurrent_ops: Option<usize>,
    /// Concurrent clients (tasks; threads for raw embedded engines) [default: 32].
    #[arg(long)]
    clients: Option<usize>,
    /// Sequential CAS updates [default: 3000].
    #[arg(long)]
    cas_ops: Option<usize>,
    /// Keys under the listed prefix [default: 10000].
    #[arg(long)]
    list_keys: Option<usize>,
    /// Keys under other prefixes in the list phase [default: 4000].
    #[arg(long)]
    list_other_keys: Option<usize>,
    /// Timed runs of each list; the median is reported [default: 10].
    #[arg(long)]
    list_runs: Option<usize>,
    /// Page size of the paginated list [default: 500].
    #[arg(long)]
    page_size: Option<usize>,
    /// Creates observed by a single watcher [default: 2000].
    #[arg(long)]
    watch_events: Option<usize>,
    /// Watchers of the fan-out run; 0 skips it [default: 100].
    #[arg(long)]
    fanout_watchers: Option<usize>,
    /// Creates observed by the fan-out watchers [default: 500].
    #[arg(long)]
    fanout_events: Option<usize>,
    /// Keys of the disk phase [default: 1000].
    #[arg(long)]
    disk_keys: Option<usize>,
    /// Updates of each key in the disk phase [default: 100].
    #[arg(long)]
    disk_updates: Option<usize>,
    /// Bytes per value [default: 1024].
    #[arg(long)]
    value_size: Option<usize>,
}

impl Args {
    fn counts(&self) -> Counts {
        let base = if self.quick {
            Counts::quick()
        } else {
            Counts::full()
        };
        let clients = self.clients.unwrap_or(base.clients).max(1);
        Counts {
            seq_ops: self.seq_ops.unwrap_or(base.seq_ops),
            concurrent_ops: self.concurrent_ops.unwrap_or(base.concurrent_ops),
            clients,
            cas_ops: self.cas_ops.unwrap_or(base.cas_ops),
            list_keys: self.list_keys.unwrap_or(base.list_keys),
            list_other_keys: self.list_other_keys.unwrap_or(base.list_other_keys),
            list_runs: self.list_runs.unwrap_or(base.list_runs).max(1),
            page_size: self.page_size.unwrap_or(base.page_size).max(1),
            watch_events: self.watch_events.unwrap_or(base.watch_events).max(1),
            fanout_watchers: self.fanout_watchers.unwrap_or(base.fanout_watchers),
            fanout_events: self.fanout_events.unwrap_or(base.fanout_events).max(1),
            disk_keys: self.disk_keys.unwrap_or(base.disk_keys).max(1),
            disk_updates: self.disk_updates.unwrap_or(base.disk_updates),
            value_size: self.value_size.unwrap_or(base.value_size).max(1),
        }
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let counts = args.counts();
    let backends = if args.backends.is_empty() {
        Backend::ALL.to_vec()
    } else {
        args.backends.clone()
    };
    let values = Values::new(counts.value_size);
    let load_before = load_average();
    let start = Instant::now();
    let mut results = Vec::new();
    let mut failures = Vec::new();
    for backend in backends {
        let with_raw = backend.has_raw() && !args.no_raw;
        match run_backend(backend, &counts, &values, with_raw).await {
            Ok(result) => results.push(result),
            Err(error) => {
                eprintln!("{}: FAILED: {error:#}", backend.name());
                failures.push((backend, format!("{error:#}")));
            }
        }
    }
    let mut machine = machine();
    machine.push(format!(
        "Load average (1, 5, 15 min) before the run: {load_before}; after: {} — anything else \
         running skews these numbers",
        load_average()
    ));
    let report = report::render(
        &command_line(),
        &machine,
        &counts,
        &results,
        &failures,
        start.elapsed(),
    );
    print!("{report}");
    if failures.is_empty() {
        Ok(())
    } else {
        anyhow::bail!("{} backend(s) failed", failures.len())
    }
}

/// How to run this again: the cargo invocation with this run's arguments.
fn command_line() -> String {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .map(|arg| {
            if arg.is_empty() || arg.contains(|c: char| c.is_whitespace() || "'\"$`\\".contains(c))
            {
                format!("'{}'", arg.replace('\'', r"'\''"))
            } else {
                arg
            }
        })
        .collect();
    if args.is_empty() {
        "cargo run --release -p storage-bench".to_owned()
    } else {
        format!("cargo run --release -p storage-bench -- {}", args.join(" "))
    }
}

/// A few facts about the machine and the tools.
fn machine() -> Vec<String> {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|model| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").map_or_else(
        |_| "unknown".to_owned(),
        |release| release.trim().to_owned(),
    );
    let etcd = std::process::Command::new(storage_etcd::testing::etcd_binary())
        .arg("--version")
        .output()
        .ok()
        .and_then(|output| {
            String::from_utf8(output.stdout)
                .ok()?
                .lines()
                .next()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "etcd not found".to_owned());
    vec![
        format!("Machine: {cores} cores, {cpu}, Linux {kernel}"),
        format!(
            "Temporary directories under {}; {etcd}",
            std::env::temp_dir().display()
        ),
    ]
}

/// The first three fields of `/proc/loadavg`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".to_owned(),
        |load| {
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        },
    )
}

/// Logs progress to stderr.
fn progress(backend: Backend, start: Instant, what: &str) {
    eprintln!(
        "[{:>6.1} s] {}: {what}",
        start.elapsed().as_secs_f64(),
        backend.name()
    );
}

/// A fresh raw baseline: an embedded engine or an etcd server.
enum Raw {
    Embedded(RawFixture),
    Etcd(Box<RawEtcd>),
}

impl Raw {
    async fn fresh(backend: Backend) -> Result<Self> {
        Ok(match backend {
            Backend::Etcd => Raw::Etcd(Box::new(RawEtcd::fresh().await?)),
            other => Raw::Embedded(RawFixture::fresh(other)?),
        })
    }
}

async fn run_backend(
    backend: Backend,
    counts: &Counts,
    values: &Values,
    with_raw: bool,
) -> Result<BackendResults> {
    let start = Instant::now();
    let clients = counts.clients;

    progress(backend, start, "sequential creates");
    let sequential = {
        let fixture = backend.fresh().await?;
        layer::sequential_creates(&*fixture.store, counts.seq_ops, values).await?
    };
    let sequential_raw = optional(with_raw, || async {
        match Raw::fresh(backend).await? {
            Raw::Embedded(raw) => raw::sequential_puts(&raw.engine, counts.seq_ops, values).await,
            Raw::Etcd(raw) => raw.sequential_puts(counts.seq_ops, values).await,
        }
    })
    .await
    .context("raw sequential puts")?;

    progress(backend, start, "concurrent creates");
    let concurrent = {
        let fixture = backend.fresh().await?;
        let prefix = "/registry/bench/concurrent/";
        layer::concurrent_creates(
            &fixture.store,
            prefix,
            counts.concurrent_ops,
            clients,
            values,
        )
        .await?
    };
    let concurrent_raw = optional(with_raw, || async {
        match Raw::fresh(backend).await? {
            Raw::Embedded(raw) => {
                raw::concurrent_puts(&raw.engine, counts.concurrent_ops, clients, values).await
            }
            Raw::Etcd(raw) => {
                let prefix = "/registry/bench/concurrent/";
                raw.concurrent_puts(prefix, counts.concurrent_ops, clients, values, false)
                    .await
            }
        }
    })
    .await
    .context("raw concurrent puts")?;
    let concurrent_create_txn = if with_raw && backend == Backend::Etcd {
        let raw = RawEtcd::fresh().await?;
        let prefix = "/registry/bench/concurrent/";
        Some(
            raw.concurrent_puts(prefix, counts.concurrent_ops, clients, values, true)
                .await
                .context("raw concurrent create transactions")?,
        )
    } else {
        None
    };

    progress(backend, start, "CAS updates");
    let cas = {
        let fixture = backend.fresh().await?;
        layer::cas_updates(&*fixture.store, counts.cas_ops, values).await?
    };
    let cas_raw = optional(with_raw, || async {
        match Raw::fresh(backend).await? {
            Raw::Embedded(raw) => raw::cas_updates(&raw.engine, counts.cas_ops, values).await,
            Raw::Etcd(raw) => raw.cas_updates(counts.cas_ops, values).await,
        }
    })
    .await
    .context("raw CAS updates")?;

    progress(backend, start, "lists");
    let (list_full, list_paged) = {
        let fixture = backend.fresh().await?;
        layer::populate_list(&fixture.store, counts, values).await?;
        (
            layer::list_full(&*fixture.store, counts).await?,
            layer::list_paged(&*fixture.store, counts).await?,
        )
    };
    let lists_raw = optional(with_raw, || async {
        match Raw::fresh(backend).await? {
            Raw::Embedded(raw) => {
                raw::populate_list(&raw.engine, counts, values).await?;
                Ok((
                    raw::list_full(&raw.engine, counts).await?,
                    raw::list_paged(&raw.engine, counts).await?,
                ))
            }
            Raw::Etcd(raw) => {
                raw.populate_list(counts, values).await?;
                Ok((raw.list_full(counts).await?, raw.list_paged(counts).await?))
            }
        }
    })
    .await
    .context("raw lists")?;

    progress(backend, start, "watch delivery");
    let watch = watch_pair(backend, 1, counts.watch_events, values, with_raw).await?;
    let fanout = if counts.fanout_watchers > 0 {
        progress(
            backend,
            start,
            &format!("watch delivery to {} watchers", counts.fanout_watchers),
        );
        Some(
            watch_pair(
                backend,
                counts.fanout_watchers,
                counts.fanout_events,
                values,
                with_raw,
            )
            .await?,
        )
    } else {
        None
    };

    let disk = if backend == Backend::Memory {
        None
    } else {
        progress(backend, start, "disk use");
        let fixture = backend.fresh().await?;
        let dir = fixture
            .data_dir()
            .context("an on-disk backend without a directory")?;
        let disk = layer::disk_use(&fixture.store, &dir, counts, values).await?;
        drop(fixture);
        let raw = if with_raw && backend != Backend::Etcd {
            let raw = RawFixture::fresh(backend)?;
            Some(raw::disk_use(&raw, counts, values).await?)
        } else {
            None
        };
        Some((disk, raw))
    };
    progress(backend, start, "done");

    Ok(BackendResults {
        backend,
        sequential: Pair {
            layer: sequential,
            raw: sequential_raw,
        },
        concurrent: Pair {
            layer: concurrent,
            raw: concurrent_raw,
        },
        concurrent_create_txn,
        cas: Pair {
            layer: cas,
            raw: cas_raw,
        },
        list_full: Pair {
            layer: list_full,
            raw: lists_raw.map(|(full, _)| full),
        },
        list_paged: Pair {
            layer: list_paged,
            raw: lists_raw.map(|(_, paged)| paged),
        },
        watch,
        fanout,
        disk,
        elapsed: start.elapsed(),
    })
}

/// Watch latency through the layer and, for etcd, through `etcd_client` directly.
async fn watch_pair(
    backend: Backend,
    watchers: usize,
    events: usize,
    values: &Values,
    with_raw: bool,
) -> Result<Pair<Latency>> {
    let layer = {
        let fixture = backend.fresh().await?;
        layer::watch_latency(&fixture.store, watchers, events, values).await?
    };
    let raw = if with_raw && backend == Backend::Etcd {
        let raw = RawEtcd::fresh().await?;
        Some(raw.watch_latency(watchers, events, values).await?)
    } else {
        None
    };
    Ok(Pair { layer, raw })
}

/// Runs `measure` only when `enabled`.
async fn optional<T, F, Fut>(enabled: bool, measure: F) -> Result<Option<T>>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    if enabled {
        Ok(Some(measure().await?))
    } else {
        Ok(None)
    }
}
