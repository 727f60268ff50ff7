//! The API benchmark: real `nave serve` processes (on the embedded redb default and on a real
//! etcd) driven over loopback TLS, next to the bare store doing the same work in-process, with
//! the kube-apiserver reference targets beside them, printed as one Markdown table.
//!
//! Run it as `just bench-api` (which builds `target/release/nave` first), or
//! `cargo run --release -p api-bench -- --quick` for a smoke run; `-- --help` lists the knobs.
//! Progress goes to stderr, the report to stdout.

mod api;
mod bare;
mod client;
mod cpu;
mod figures;
mod process;
mod procfs;
mod report;
mod sides;
mod stats;
mod watch;
mod workload;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Parser;

use crate::client::Protocol;
use crate::report::{BackendResults, Context};
use crate::sides::{Backend, HubOptions};
use crate::workload::Counts;

/// Benchmarks the nave API server against its bare store and prints a Markdown report.
#[derive(Debug, Parser)]
#[command(name = "api-bench")]
struct Args {
    /// A smoke run: about a tenth of the work (100 watchers, 1,000 listed objects). Counts
    /// given explicitly still apply.
    #[arg(long)]
    quick: bool,
    /// Backends, comma-separated [default: redb,etcd].
    #[arg(long, value_enum, value_delimiter = ',')]
    backends: Vec<Backend>,
    /// Skip the bare-store baselines.
    #[arg(long)]
    no_bare: bool,
    /// HTTP version of the request phases (watches always use HTTP/2).
    #[arg(long, value_enum, default_value = "http2")]
    protocol: Protocol,
    /// `RUST_LOG` for the hub, e.g. `warn` [default: unset, so the hub logs every request at
    /// info, as a user runs it].
    #[arg(long)]
    hub_log: Option<String>,
    /// The `nave` binary [default: `nave` beside this benchmark, i.e. target/release/nave].
    #[arg(long)]
    nave: Option<PathBuf>,
    /// Sequential creates from one client; also the small list [default: 2000].
    #[arg(long)]
    seq_ops: Option<usize>,
    /// Creates by the concurrent clients, all in one namespace: the big list [default: 10000].
    #[arg(long)]
    objects: Option<usize>,
    /// Concurrent clients, one connection each [default: 32].
    #[arg(long)]
    clients: Option<usize>,
    /// Sequential GETs of one object [default: 3000].
    #[arg(long)]
    gets: Option<usize>,
    /// Timed runs of each full list; the median is reported [default: 9].
    #[arg(long)]
    list_runs: Option<usize>,
    /// Timed walks of the paginated list [default: 5].
    #[arg(long)]
    paged_runs: Option<usize>,
    /// Page size of the paginated list [default: 500].
    #[arg(long)]
    page_size: Option<usize>,
    /// Concurrent watchers [default: 1000].
    #[arg(long)]
    watchers: Option<usize>,
    /// HTTP/2 connections the watchers share [default: 8].
    #[arg(long)]
    watch_connections: Option<usize>,
    /// Timed creates the watchers receive [default: 200].
    #[arg(long)]
    watch_events: Option<usize>,
    /// Sequential creates through kube::Client; 0 skips them [default: 1000].
    #[arg(long)]
    kube_ops: Option<usize>,
    /// Bytes of data per ConfigMap [default: 1024].
    #[arg(long)]
    value_bytes: Option<usize>,
}

impl Args {
    fn counts(&self) -> Counts {
        let mut counts = if self.quick {
            Counts::quick()
        } else {
            Counts::full()
        };
        let set = |field: &mut usize, value: Option<usize>| {
            if let Some(value) = value {
                *field = value;
            }
        };
        set(&mut counts.seq_ops, self.seq_ops);
        set(&mut counts.objects, self.objects);
        set(
            &mut counts.clients,
            self.clients.map(|clients| clients.max(1)),
        );
        set(&mut counts.gets, self.gets);
        set(&mut counts.list_runs, self.list_runs);
        set(&mut counts.paged_runs, self.paged_runs);
        set(
            &mut counts.page_size,
            self.page_size.map(|size| size.max(1)),
        );
        set(
            &mut counts.watchers,
            self.watchers.map(|watchers| watchers.max(1)),
        );
        set(
            &mut counts.watch_connections,
            self.watch_connections.map(|conns| conns.max(1)),
        );
        set(&mut counts.watch_events, self.watch_events);
        set(&mut counts.kube_ops, self.kube_ops);
        set(&mut counts.value_bytes, self.value_bytes);
        counts.seq_ops = counts.seq_ops.max(1);
        counts
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let counts = args.counts();
    let backends = if args.backends.is_empty() {
        vec![Backend::Redb, Backend::Etcd]
    } else {
        args.backends.clone()
    };
    let binary = process::nave_binary(args.nave.as_deref())?;
    let options = HubOptions {
        binary: &binary,
        log_filter: args.hub_log.as_deref(),
        protocol: args.protocol,
    };
    let load_before = procfs::load_average();
    let started = Instant::now();
    let mut results = Vec::new();
    for backend in backends {
        eprintln!("{}: hub ({})…", backend.name(), binary.display());
        let hub = sides::hub(backend, &counts, &options).await?;
        let bare = if args.no_bare {
            None
        } else {
            eprintln!("{}: bare store…", backend.name());
            Some(sides::bare(backend, &counts).await?)
        };
        results.push(BackendResults { backend, hub, bare });
    }
    let flags: Vec<String> = std::env::args().skip(1).collect();
    let command = if flags.is_empty() {
        "just bench-api".to_owned()
    } else {
        format!("just bench-api {}", flags.join(" "))
    };
    let context = Context {
        command,
        counts: &counts,
        protocol: match args.protocol {
            Protocol::Http2 => "http2",
            Protocol::Http1 => "http1",
        },
        log_filter: args.hub_log.as_deref(),
        elapsed: started.elapsed(),
        load: (load_before, procfs::load_average()),
    };
    print!("{}", report::render(&context, &results));
    Ok(())
}
