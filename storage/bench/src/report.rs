//! The results of a run and their rendering as Markdown tables.

use std::fmt::Write as _;
use std::time::Duration;

use crate::backends::Backend;
use crate::layer::DiskUse;
use crate::stats::{self, Latency, Rate};
use crate::workload::Counts;

/// A measurement through the layer, and the same work on the raw engine where there is one.
#[derive(Clone, Debug)]
pub(crate) struct Pair<T> {
    pub(crate) layer: T,
    pub(crate) raw: Option<T>,
}

/// Everything measured for one backend.
#[derive(Clone, Debug)]
pub(crate) struct BackendResults {
    pub(crate) backend: Backend,
    pub(crate) sequential: Pair<Rate>,
    pub(crate) concurrent: Pair<Rate>,
    /// etcd only: the concurrent creates as raw create-if-absent transactions.
    pub(crate) concurrent_create_txn: Option<Rate>,
    pub(crate) cas: Pair<Rate>,
    pub(crate) list_full: Pair<Duration>,
    pub(crate) list_paged: Pair<Duration>,
    pub(crate) watch: Pair<Latency>,
    pub(crate) fanout: Option<Pair<Latency>>,
    pub(crate) disk: Option<(DiskUse, Option<u64>)>,
    pub(crate) elapsed: Duration,
}

/// What the raw baseline of each backend is.
fn raw_description(backend: Backend) -> &'static str {
    match backend {
        Backend::Memory => "none",
        Backend::Redb => {
            "redb 4.4 used directly: `begin_write` + insert + `commit` (durability `Immediate`, \
             fsync) per put; CAS = get + compare + insert in one write transaction; range scans \
             in read transactions"
        }
        Backend::Sled => {
            "sled 0.34.7 used directly: insert + `flush()` per put; CAS = `compare_and_swap` + \
             `flush()`; `range` scans"
        }
        Backend::Etcd => {
            "`etcd_client` used directly on its own fresh etcd: plain `put`; CAS = txn \
             `mod_revision == previous → put`; one `get --prefix` (list) or ranges with limit and \
             revision (pages); plain watches"
        }
    }
}

/// Renders the whole report.
pub(crate) fn render(
    command: &str,
    machine: &[String],
    counts: &Counts,
    results: &[BackendResults],
    failures: &[(Backend, String)],
    total: Duration,
) -> String {
    let mut out = String::new();
    let n = |count: usize| stats::thousands(count as u64);
    let _ = writeln!(out, "# nave storage benchmark\n");
    let _ = writeln!(out, "Command: `{command}`\n");
    for line in machine {
        let _ = writeln!(out, "- {line}");
    }
    let _ = writeln!(
        out,
        "- Values: {} B, pseudo-random (incompressible). Every phase runs on a fresh store (a new \
         temporary directory, or a new etcd server); raw baselines on their own fresh engine.",
        counts.value_size
    );
    let with_raw: Vec<Backend> = results
        .iter()
        .filter(|result| result.sequential.raw.is_some())
        .map(|result| result.backend)
        .collect();
    if !with_raw.is_empty() {
        let _ = writeln!(out, "- Raw baselines:");
        for backend in with_raw {
            let _ = writeln!(out, "  - {}: {}", backend.name(), raw_description(backend));
        }
    }
    let _ = writeln!(out);

    let _ = writeln!(out, "## Writes\n");
    let _ = writeln!(
        out,
        "Sequential: {} creates by one client, each awaited. Concurrent: {} creates of distinct \
         keys by {} clients (raw embedded: {} threads, each with its own commit per put). CAS: {} \
         updates of one key, each with the revision the previous write returned. \
         **layer ÷ raw** = the layer's time per write ÷ the raw engine's (= raw ops/s ÷ layer \
         ops/s): above 1 the layer costs more, below 1 it is faster. Each embedded layer write \
         stores the value twice (history and latest) and touches four tables; an etcd \
         `Store::create` is a create-if-absent transaction, so etcd's 32-client create is also \
         compared with raw transactions.\n",
        n(counts.seq_ops),
        n(counts.concurrent_ops),
        counts.clients,
        counts.clients,
        n(counts.cas_ops),
    );
    let _ = writeln!(
        out,
        "| backend | workload | ops/s | p50 | p99 | raw ops/s | raw p50 | raw p99 | layer ÷ raw |"
    );
    let _ = writeln!(out, "|---|---|--:|--:|--:|--:|--:|--:|--:|");
    for result in results {
        let concurrent = format!("{} clients create", counts.clients);
        let mut rows = vec![
            ("sequential create".to_owned(), result.sequential.clone()),
            (concurrent.clone(), result.concurrent.clone()),
        ];
        if let Some(txn) = &result.concurrent_create_txn {
            rows.push((
                format!("{concurrent} (raw: create txn)"),
                Pair {
                    layer: result.concurrent.layer.clone(),
                    raw: Some(txn.clone()),
                },
            ));
        }
        rows.push(("sequential CAS update".to_owned(), result.cas.clone()));
        for (workload, pair) in rows {
            let layer = &pair.layer;
            let (raw_rate, raw_p50, raw_p99, vs) = match &pair.raw {
                Some(raw) => (
                    stats::rate(raw.ops_per_sec()),
                    stats::duration(raw.latency.p50()),
                    stats::duration(raw.latency.p99()),
                    stats::ratio(raw.ops_per_sec() / layer.ops_per_sec()),
                ),
                None => dashes4(),
            };
            let _ = writeln!(
                out,
                "| {} | {workload} | {} | {} | {} | {raw_rate} | {raw_p50} | {raw_p99} | {vs} |",
                result.backend.name(),
                stats::rate(layer.ops_per_sec()),
                stats::duration(layer.latency.p50()),
                stats::duration(layer.latency.p99()),
            );
        }
    }
    let _ = writeln!(out);

    let pages = counts.list_keys.div_ceil(counts.page_size.max(1));
    let _ = writeln!(out, "## Lists\n");
    let _ = writeln!(
        out,
        "{} keys under the listed prefix, {} more under prefixes sorting before and after it. \
         Median of {} runs (after one warm-up). Paginated: {pages} pages of {}, all at the first \
         page's revision. **layer ÷ raw** = time ratio.\n",
        n(counts.list_keys),
        n(counts.list_other_keys),
        counts.list_runs,
        counts.page_size,
    );
    let _ = writeln!(out, "| backend | list | layer | raw | layer ÷ raw |");
    let _ = writeln!(out, "|---|---|--:|--:|--:|");
    for result in results {
        let rows = [
            ("unpaginated", &result.list_full),
            (
                &*format!("{pages} pages of {}", counts.page_size),
                &result.list_paged,
            ),
        ];
        for (list, pair) in rows {
            let (raw, vs) = match pair.raw {
                Some(raw) => (
                    stats::duration(raw),
                    stats::ratio(pair.layer.as_secs_f64() / raw.as_secs_f64().max(1e-12)),
                ),
                None => ("—".to_owned(), "—".to_owned()),
            };
            let _ = writeln!(
                out,
                "| {} | {list} | {} | {raw} | {vs} |",
                result.backend.name(),
                stats::duration(pair.layer),
            );
        }
    }
    let _ = writeln!(out);

    let _ = writeln!(out, "## Watch delivery\n");
    let _ = writeln!(
        out,
        "Watchers of one prefix, one writer creating keys under it one after the other; latency \
         from just before the create call to the watcher receiving the event (all watchers' \
         receipts counted), so it includes the create's durable commit. Raw: `etcd_client` \
         watch + put.\n"
    );
    let _ = writeln!(
        out,
        "| backend | watchers | creates | p50 | p99 | raw p50 | raw p99 |"
    );
    let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|--:|");
    for result in results {
        let mut rows = vec![(1, counts.watch_events, &result.watch)];
        if let Some(fanout) = &result.fanout {
            rows.push((counts.fanout_watchers, counts.fanout_events, fanout));
        }
        for (watchers, events, pair) in rows {
            let (raw_p50, raw_p99) = match &pair.raw {
                Some(raw) => (stats::duration(raw.p50()), stats::duration(raw.p99())),
                None => ("—".to_owned(), "—".to_owned()),
            };
            let _ = writeln!(
                out,
                "| {} | {watchers} | {} | {} | {} | {raw_p50} | {raw_p99} |",
                result.backend.name(),
                n(events),
                stats::duration(pair.layer.p50()),
                stats::duration(pair.layer.p99()),
            );
        }
    }
    let _ = writeln!(out);

    let updates = counts.disk_keys * counts.disk_updates;
    let any_disk = results.iter().any(|result| result.disk.is_some());
    if any_disk {
        render_disk(&mut out, counts, results, updates);
    }

    for (backend, error) in failures {
        let _ = writeln!(out, "**{} failed:** {error}\n", backend.name());
    }
    let times: Vec<String> = results
        .iter()
        .map(|result| {
            format!(
                "{} {:.0} s",
                result.backend.name(),
                result.elapsed.as_secs_f64()
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "Run time: {:.0} s ({}).",
        total.as_secs_f64(),
        times.join(", ")
    );
    out
}

fn render_disk(out: &mut String, counts: &Counts, results: &[BackendResults], updates: usize) {
    let n = |count: usize| stats::thousands(count as u64);
    let _ = writeln!(out, "## Disk use per live object\n");
    let _ = writeln!(
        out,
        "{} keys created, then updated {} times each ({} CAS updates) by {} clients; then \
         `compact(current revision)`. Bytes allocated under the data directory (`du`) ÷ {} \
         keys. Raw: the same {} puts straight into the engine, {} per commit. Nothing is \
         defragmented or vacuumed: freed pages stay in the files.\n",
        n(counts.disk_keys),
        counts.disk_updates,
        n(updates),
        counts.clients,
        n(counts.disk_keys),
        n(counts.disk_keys * (1 + counts.disk_updates)),
        counts.clients,
    );
    let _ = writeln!(
        out,
        "| backend | fill ops/s | fill p99 | before compaction | after compaction | raw engine | notes |"
    );
    let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|---|");
    let keys = counts.disk_keys.max(1) as f64;
    for result in results {
        let Some((disk, raw)) = &result.disk else {
            continue;
        };
        let raw = raw.map_or("—".to_owned(), |raw| stats::bytes(raw as f64 / keys));
        let notes = match (result.backend, disk.db_file) {
            (Backend::Etcd, Some(db)) => format!(
                "whole data dir incl. WAL; bbolt `db` file alone: {}/object; etcd does not \
                 shrink without defrag",
                stats::bytes(db as f64 / keys)
            ),
            (Backend::Redb, _) => {
                "redb reuses freed pages but does not shrink its file (no `Database::compact`)"
                    .to_owned()
            }
            (Backend::Sled, _) => {
                "sled reclaims log segments lazily; flush = sync_file_range, not fsync".to_owned()
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {raw} | {notes} |",
            result.backend.name(),
            stats::rate(disk.fill.ops_per_sec()),
            stats::duration(disk.fill.latency.p99()),
            stats::bytes(disk.before as f64 / keys),
            stats::bytes(disk.after as f64 / keys),
        );
    }
    let _ = writeln!(out);
}

fn dashes4() -> (String, String, String, String) {
    let dash = || "—".to_owned();
    (dash(), dash(), dash(), dash())
}
