//! The Markdown report: the command, one table with every backend's hub and bare figures side
//! by side, the ratio hub/bare, and the targets derived from the kube-apiserver reference.

use std::time::Duration;

use crate::cpu::PhaseCpu;
use crate::figures::Figures;
use crate::procfs::mb;
use crate::sides::Backend;
use crate::stats::{ms, thousands};
use crate::workload::Counts;

/// One backend's results: the hub over TLS, and the bare store (unless skipped).
#[derive(Debug)]
pub(crate) struct BackendResults {
    /// Which store.
    pub(crate) backend: Backend,
    /// The hub side.
    pub(crate) hub: Figures,
    /// The bare side.
    pub(crate) bare: Option<Figures>,
}

/// What the report says about how it was made.
#[derive(Debug)]
pub(crate) struct Context<'a> {
    /// The command line that produced it.
    pub(crate) command: String,
    /// The counts used.
    pub(crate) counts: &'a Counts,
    /// `http2` or `http1`.
    pub(crate) protocol: &'a str,
    /// The hub's `RUST_LOG`, if set.
    pub(crate) log_filter: Option<&'a str>,
    /// Wall time of the whole run.
    pub(crate) elapsed: Duration,
    /// The machine's 1-minute load average before and after the run.
    pub(crate) load: (Option<f64>, Option<f64>),
}

/// Renders the report.
pub(crate) fn render(context: &Context<'_>, results: &[BackendResults]) -> String {
    let counts = context.counts;
    let mut out = String::new();
    out.push_str(&format!("Command: `{}`\n\n", context.command));
    let mut header = "| Measurement | Target (reference) |".to_owned();
    let mut rule = "|---|---|".to_owned();
    for result in results {
        let name = result.backend.name();
        header.push_str(&format!(" {name}: hub | {name}: bare | hub/bare |"));
        rule.push_str("--:|--:|--:|");
    }
    out.push_str(&header);
    out.push('\n');
    out.push_str(&rule);
    out.push('\n');
    for row in rows(counts) {
        let measured = results.iter().any(|result| {
            (row.cell)(&result.hub, result.backend).is_some()
                || result
                    .bare
                    .as_ref()
                    .is_some_and(|bare| (row.cell)(bare, result.backend).is_some())
        });
        if !measured {
            continue;
        }
        let mut line = format!("| {} | {} |", row.label, row.target);
        for result in results {
            let hub = (row.cell)(&result.hub, result.backend);
            let bare = result
                .bare
                .as_ref()
                .and_then(|bare| (row.cell)(bare, result.backend));
            let hub_text = match (&hub, row.check) {
                (Some(cell), Some(check)) => {
                    format!("{} {}", cell.text(), if check(cell) { "✓" } else { "✗" })
                }
                (Some(cell), None) => cell.text(),
                (None, _) => "—".to_owned(),
            };
            let bare_text = bare.as_ref().map_or("—".to_owned(), Cell::text);
            let ratio = match (&hub, &bare) {
                (Some(hub), Some(bare)) => hub.ratio(bare),
                _ => "—".to_owned(),
            };
            line.push_str(&format!(" {hub_text} | {bare_text} | {ratio} |"));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&cpu_table(results));
    out.push('\n');
    out.push_str(&notes(context, results));
    out
}

/// CPU time per operation of each phase, in each process: where the time goes, and a figure
/// that other load on the machine moves less than wall time.
fn cpu_table(results: &[BackendResults]) -> String {
    type Pick = fn(&BackendResults, &str) -> Option<Duration>;
    let mut columns: Vec<(&BackendResults, String, Pick)> = Vec::new();
    for result in results {
        let name = result.backend.name();
        let with_etcd = result.hub.cpu.iter().any(|phase| phase.etcd.is_some());
        columns.push((result, format!("{name}: hub"), |result, phase| {
            per_op(&result.hub, phase, |cpu| Some(cpu.server))
        }));
        if with_etcd {
            columns.push((result, format!("{name}: its etcd"), |result, phase| {
                per_op(&result.hub, phase, |cpu| cpu.etcd)
            }));
        }
        columns.push((result, format!("{name}: client"), |result, phase| {
            per_op(&result.hub, phase, |cpu| cpu.client)
        }));
        columns.push((result, format!("{name}: bare"), |result, phase| {
            per_op(result.bare.as_ref()?, phase, |cpu| Some(cpu.server))
        }));
        if with_etcd {
            columns.push((result, format!("{name}: bare's etcd"), |result, phase| {
                per_op(result.bare.as_ref()?, phase, |cpu| cpu.etcd)
            }));
        }
    }
    let mut out = "| CPU time per operation |".to_owned();
    let mut rule = "|---|".to_owned();
    for (_, header, _) in &columns {
        out.push_str(&format!(" {header} |"));
        rule.push_str("--:|");
    }
    out.push('\n');
    out.push_str(&rule);
    out.push('\n');
    let Some(first) = results.first() else {
        return out;
    };
    for phase in &first.hub.cpu {
        out.push_str(&format!("| {} (per {}) |", phase.phase, phase.unit));
        for (result, _, pick) in &columns {
            let text = pick(result, phase.phase).map_or("—".to_owned(), ms);
            out.push_str(&format!(" {text} |"));
        }
        out.push('\n');
    }
    out
}

/// The CPU time per operation of `phase` in `figures`, of the process `pick` selects.
fn per_op(
    figures: &Figures,
    phase: &str,
    pick: impl Fn(&PhaseCpu) -> Option<Duration>,
) -> Option<Duration> {
    let cpu = figures.cpu.iter().find(|cpu| cpu.phase == phase)?;
    let ops = u32::try_from(cpu.ops.max(1)).unwrap_or(u32::MAX);
    Some(pick(cpu)? / ops)
}

/// kube-apiserver 1.36 + etcd 3.6 on this kind of machine: creates/s from one keep-alive client.
const REF_CREATES: f64 = 418.0;
/// … their p99 latency.
const REF_CREATE_P99: Duration = Duration::from_micros(7_600);
/// … a list of 2,000 ConfigMaps.
const REF_LIST_2000: Duration = Duration::from_micros(15_500);
/// … watch delivery p99.
const REF_WATCH_P99: Duration = Duration::from_micros(8_600);
/// … resident memory, in MB.
const REF_RSS_MB: f64 = 340.0;

/// One table cell's value.
#[derive(Clone, Debug)]
enum Cell {
    /// Operations per second.
    Rate(f64),
    /// A single duration.
    One(Duration),
    /// p50 and p99.
    Pair(Duration, Duration),
    /// Idle and peak KiB.
    Memory(u64, u64),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Rate(rate) => format!("{}/s", thousands(rate.round() as u64)),
            Cell::One(duration) => ms(*duration),
            Cell::Pair(p50, p99) => format!("{} / {}", ms(*p50), ms(*p99)),
            Cell::Memory(idle, peak) => {
                format!("{} / {}", mb(*idle).trim_end_matches(" MB"), mb(*peak))
            }
        }
    }

    /// hub ÷ bare: below 1× the hub does less per second, above 1× it takes longer.
    fn ratio(&self, bare: &Cell) -> String {
        let ratio = |hub: f64, bare: f64| {
            if bare > 0.0 {
                let ratio = hub / bare;
                if ratio >= 10.0 {
                    format!("{ratio:.0}×")
                } else if ratio >= 1.0 {
                    format!("{ratio:.1}×")
                } else {
                    format!("{ratio:.2}×")
                }
            } else {
                "—".to_owned()
            }
        };
        match (self, bare) {
            (Cell::Rate(hub), Cell::Rate(bare)) => ratio(*hub, *bare),
            (Cell::One(hub), Cell::One(bare)) => ratio(hub.as_secs_f64(), bare.as_secs_f64()),
            (Cell::Pair(h50, h99), Cell::Pair(b50, b99)) => format!(
                "{} / {}",
                ratio(h50.as_secs_f64(), b50.as_secs_f64()),
                ratio(h99.as_secs_f64(), b99.as_secs_f64())
            ),
            _ => "—".to_owned(),
        }
    }
}

/// Picks a row's value out of one side's figures.
type CellFn = Box<dyn Fn(&Figures, Backend) -> Option<Cell>>;

struct Row {
    label: String,
    target: String,
    cell: CellFn,
    /// Whether the hub meets the target (rows with a target only).
    check: Option<fn(&Cell) -> bool>,
}

fn rows(counts: &Counts) -> Vec<Row> {
    let pair = |latency: &crate::stats::Latency| Cell::Pair(latency.p50(), latency.p99());
    vec![
        Row {
            label: format!(
                "Creates, 1 keep-alive client ({} × ~1 KiB)",
                thousands(counts.seq_ops as u64)
            ),
            target: format!(
                "≥ {}/s (4 × {REF_CREATES:.0}/s)",
                thousands((4.0 * REF_CREATES) as u64)
            ),
            cell: Box::new(|figures, _| {
                figures.seq.as_ref().map(|rate| Cell::Rate(rate.per_sec()))
            }),
            check: Some(|cell| matches!(cell, Cell::Rate(rate) if *rate >= 4.0 * REF_CREATES)),
        },
        Row {
            label: "… create latency p50 / p99".to_owned(),
            target: format!("(p99 {})", ms(REF_CREATE_P99)),
            cell: Box::new(move |figures, _| figures.seq.as_ref().map(|rate| pair(&rate.latency))),
            check: None,
        },
        Row {
            label: format!(
                "Creates, {} concurrent clients ({})",
                counts.clients,
                thousands(counts.objects as u64)
            ),
            target: String::new(),
            cell: Box::new(|figures, _| {
                figures
                    .concurrent
                    .as_ref()
                    .map(|rate| Cell::Rate(rate.per_sec()))
            }),
            check: None,
        },
        Row {
            label: "… create latency p50 / p99".to_owned(),
            target: String::new(),
            cell: Box::new(move |figures, _| {
                figures.concurrent.as_ref().map(|rate| pair(&rate.latency))
            }),
            check: None,
        },
        Row {
            label: "GET one object p50 / p99".to_owned(),
            target: String::new(),
            cell: Box::new(move |figures, _| figures.get.as_ref().map(pair)),
            check: None,
        },
        Row {
            label: format!(
                "LIST {} ConfigMaps, full (median)",
                thousands(counts.seq_ops as u64)
            ),
            target: if counts.seq_ops == 2_000 {
                format!("≤ {} (½ × {})", ms(REF_LIST_2000 / 2), ms(REF_LIST_2000))
            } else {
                format!("(reference is for 2,000: {})", ms(REF_LIST_2000))
            },
            cell: Box::new(|figures, _| figures.list_small.map(|(_, time)| Cell::One(time))),
            check: (counts.seq_ops == 2_000).then_some(
                |cell: &Cell| matches!(cell, Cell::One(time) if *time <= REF_LIST_2000 / 2),
            ),
        },
        Row {
            label: format!(
                "LIST {} ConfigMaps, full (median)",
                thousands(counts.objects as u64)
            ),
            target: String::new(),
            cell: Box::new(|figures, _| figures.list_full.map(|(_, time)| Cell::One(time))),
            check: None,
        },
        Row {
            label: format!(
                "LIST {} ConfigMaps, limit={}, all pages (median)",
                thousands(counts.objects as u64),
                counts.page_size
            ),
            target: String::new(),
            cell: Box::new(|figures, _| figures.list_paged.map(Cell::One)),
            check: None,
        },
        Row {
            label: format!(
                "Watch delivery p50 / p99, {} watchers ({} HTTP/2 conns), {} creates",
                thousands(counts.watchers as u64),
                counts.watch_connections,
                counts.watch_events
            ),
            target: format!(
                "p99 ≤ {} (½ × {})",
                ms(REF_WATCH_P99 / 2),
                ms(REF_WATCH_P99)
            ),
            cell: Box::new(move |figures, _| figures.watch.as_ref().map(pair)),
            check: Some(|cell| matches!(cell, Cell::Pair(_, p99) if *p99 <= REF_WATCH_P99 / 2)),
        },
        Row {
            label: "Hub RSS idle / peak (VmRSS / VmHWM)".to_owned(),
            target: format!("≤ {:.0} MB (⅕ × {REF_RSS_MB:.0} MB)", REF_RSS_MB / 5.0),
            cell: Box::new(|figures, _| {
                figures
                    .hub_memory
                    .map(|(idle, end)| Cell::Memory(idle.rss_kib, end.peak_kib))
            }),
            check: Some(
                |cell| matches!(cell, Cell::Memory(_, peak) if (*peak as f64) * 1024.0 / 1e6 <= REF_RSS_MB / 5.0),
            ),
        },
        Row {
            label: "etcd RSS idle / peak (under the hub)".to_owned(),
            target: String::new(),
            cell: Box::new(|figures, backend| {
                (backend == Backend::Etcd)
                    .then_some(figures.etcd_memory)
                    .flatten()
                    .map(|(idle, end)| Cell::Memory(idle.rss_kib, end.peak_kib))
            }),
            check: None,
        },
        Row {
            label: format!(
                "Creates via kube::Client, 1 client ({}), rate",
                thousands(counts.kube_ops as u64)
            ),
            target: String::new(),
            cell: Box::new(|figures, _| {
                figures
                    .kube_seq
                    .as_ref()
                    .map(|rate| Cell::Rate(rate.per_sec()))
            }),
            check: None,
        },
        Row {
            label: "… kube::Client create latency p50 / p99".to_owned(),
            target: String::new(),
            cell: Box::new(move |figures, _| {
                figures.kube_seq.as_ref().map(|rate| pair(&rate.latency))
            }),
            check: None,
        },
    ]
}

fn notes(context: &Context<'_>, results: &[BackendResults]) -> String {
    let counts = context.counts;
    let mut out = String::new();
    out.push_str(&format!(
        "- Hub: a real `nave serve` process per backend on a fresh data directory, driven over \
         loopback TLS with client-certificate auth by a lean hyper client ({}, one connection \
         per client, JSON bodies sent and received as bytes). Bare: the same work on the `Store` \
         trait in-process. hub/bare below 1× = fewer per second; above 1× = slower.\n",
        if context.protocol == "http2" {
            "HTTP/2"
        } else {
            "HTTP/1.1 keep-alive"
        },
    ));
    out.push_str(&format!(
        "- Watch: {} watch streams multiplexed over {} HTTP/2 connections (the hub keeps \
         hyper's default of 200 streams per connection), one create at a time; latency from just before each create \
         to each watcher reading its ADDED event.\n",
        thousands(counts.watchers as u64),
        counts.watch_connections
    ));
    out.push_str(&format!(
        "- Hub log level: {}.",
        match context.log_filter {
            Some(filter) => format!("`RUST_LOG={filter}`"),
            None => "the default (`info`, one line per request, to a file)".to_owned(),
        }
    ));
    for result in results {
        if let Some((bytes, lines)) = result.hub.log {
            out.push_str(&format!(
                " {}: {} lines, {} of log (~{} bytes a line).",
                result.backend.name(),
                thousands(lines),
                mb(bytes / 1024),
                bytes / lines.max(1)
            ));
        }
    }
    out.push('\n');
    out.push_str(&format!(
        "- `kube::Client` rows: kube-rs 5 with openssl, HTTP/1.1 (no ALPN), typed `ConfigMap`s. \
         Run time {:.0} s; 1-minute load average {} before, {} after (2 cores: above ~0.5 \
         before, something else was running).\n",
        context.elapsed.as_secs_f64(),
        context
            .load
            .0
            .map_or("?".to_owned(), |load| format!("{load:.2}")),
        context
            .load
            .1
            .map_or("?".to_owned(), |load| format!("{load:.2}")),
    ));
    out.push_str(
        "- CPU table: /proc utime+stime deltas per phase (10 ms ticks) divided by the phase's \
         operations. \"client\": this benchmark while it drives the hub; \"bare\": this \
         benchmark running the store in-process. The list phase counts every object listed \
         (full, paged and untimed check runs); the watch phase includes opening the watches.\n",
    );
    out
}
