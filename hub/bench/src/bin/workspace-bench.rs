//! The workspace benchmark: what many workspaces cost a real `nave serve` (redb, loopback TLS,
//! HTTP/2 keep-alive). For each N it starts a fresh hub and measures:
//!
//! - reads in one workspace (`root:probe`): GET of one ConfigMap and LIST of 100, p50/p99, at
//!   N = 0 and again with N workspaces beside it (the ratio should stay ≤ 1.10);
//! - creating N workspaces in `root` from concurrent clients: creations/s counted until every one
//!   is `Ready` (seen on a watch), the POST latency, and the latency from POST to `Ready`;
//! - the hub's RSS right after and after idling, per workspace, and the redb file's growth per
//!   workspace;
//! - deleting them all: time until the watch has seen every one go, and deletions/s.
//!
//! Run it as `just bench-workspaces` (which builds `target/release/nave` first), or
//! `cargo run --release -p api-bench --bin workspace-bench -- --quick` (N = 200); `-- --help`
//! lists the knobs. Progress goes to stderr, the Markdown report to stdout.

#[allow(dead_code)]
#[path = "../client.rs"]
mod client;
#[allow(dead_code)]
#[path = "../process.rs"]
mod process;
#[allow(dead_code)]
#[path = "../procfs.rs"]
mod procfs;
#[allow(dead_code)]
#[path = "../stats.rs"]
mod stats;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use bytes::{Bytes, BytesMut};
use clap::Parser;
use http::{Method, StatusCode};
use http_body_util::BodyExt;
use serde::Deserialize;

use crate::client::{Conn, Endpoint, Protocol};
use crate::process::HubProcess;
use crate::stats::{Latency, Rate, ms, thousands};

const WORKSPACES: &str = "/apis/tenancy.nave.dev/v1alpha1/workspaces";
const CONFIGMAPS: &str = "/api/v1/namespaces/default/configmaps";
const PROBE_CONFIGMAPS: usize = 100;
const READ_WARMUP: usize = 200;

/// Measures what N workspaces cost a real hub and prints a Markdown report.
#[derive(Debug, Parser)]
#[command(name = "workspace-bench")]
struct Args {
    /// Workspaces to create [default: 10000; 200 with --quick]. 0 measures the noise of the
    /// read ratios (both read phases with no workspaces).
    #[arg(long)]
    workspaces: Option<usize>,
    /// Further runs with these N, each on a fresh hub (e.g. `--also 100000`).
    #[arg(long, value_delimiter = ',')]
    also: Vec<usize>,
    /// A smoke run: N = 200, 300 read samples, 2 s of idling.
    #[arg(long)]
    quick: bool,
    /// Concurrent clients creating and deleting, one HTTP/2 connection each.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Timed GETs and LISTs in `root:probe`, each, from one client, one after the other
    /// [default: 2000; 300 with --quick].
    #[arg(long)]
    samples: Option<usize>,
    /// Seconds to let the hub idle before reading its RSS [default: 10; 2 with --quick].
    #[arg(long)]
    idle_secs: Option<u64>,
    /// `RUST_LOG` for the hub, e.g. `warn` [default: unset, so the hub logs every request at
    /// info, as a user runs it].
    #[arg(long)]
    hub_log: Option<String>,
    /// The `nave` binary [default: `nave` beside this benchmark, i.e. target/release/nave].
    #[arg(long)]
    nave: Option<PathBuf>,
}

/// What one run (one N, one fresh hub) measured.
#[derive(Debug)]
struct Figures {
    n: usize,
    /// RSS (KiB) idle at N = 0, with `root:probe` and its ConfigMaps.
    rss_base: u64,
    /// RSS right after the last workspace was Ready.
    rss_created: u64,
    /// RSS after idling with N workspaces.
    rss_idle: u64,
    /// The most the hub was ever resident (VmHWM).
    rss_peak: u64,
    /// The redb file's length before and after creating.
    store_base: u64,
    store_after: u64,
    /// How many ConfigMaps the LIST returns.
    listed: usize,
    get_base: Latency,
    list_base: Latency,
    get_at_n: Latency,
    list_at_n: Latency,
    /// POSTs: latency, and the time until the last one returned.
    create_posts: Rate,
    /// Until every workspace was Ready.
    all_ready: Duration,
    /// POST sent → Ready seen on the watch.
    to_ready: Latency,
    /// DELETEs: latency, and the time until the last one returned.
    delete_posts: Rate,
    /// Until every workspace was gone.
    all_deleted: Duration,
    /// Times a watch ended early and was started again (after a re-list if it failed).
    restarts: u32,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let binary = process::nave_binary(args.nave.as_deref())?;
    let first = args
        .workspaces
        .unwrap_or(if args.quick { 200 } else { 10_000 });
    let settings = Settings {
        clients: args.clients.max(1),
        samples: args
            .samples
            .unwrap_or(if args.quick { 300 } else { 2_000 })
            .max(1),
        idle: Duration::from_secs(args.idle_secs.unwrap_or(if args.quick { 2 } else { 10 })),
        hub_log: args.hub_log.clone(),
    };
    let load_before = procfs::load_average();
    let started = Instant::now();
    let mut runs = Vec::new();
    for n in std::iter::once(first).chain(args.also.iter().copied()) {
        eprintln!("N = {n}: starting {}", binary.display());
        runs.push(run(&binary, n, &settings).await?);
    }
    let flags: Vec<String> = std::env::args().skip(1).collect();
    println!(
        "`just bench-workspaces{}{}`: `nave serve` on redb, loopback TLS, HTTP/2; {} clients \
         creating and deleting; reads from one client, {} samples each after {READ_WARMUP} \
         warm-up; RSS after {} s idle. Took {:.0} s, load average {} → {}.",
        if flags.is_empty() { "" } else { " " },
        flags.join(" "),
        settings.clients,
        thousands(settings.samples as u64),
        settings.idle.as_secs(),
        started.elapsed().as_secs_f64(),
        load(load_before),
        load(procfs::load_average()),
    );
    println!();
    print!("{}", render(&runs));
    Ok(())
}

/// What every run shares.
#[derive(Debug)]
struct Settings {
    clients: usize,
    samples: usize,
    idle: Duration,
    hub_log: Option<String>,
}

async fn run(binary: &Path, n: usize, settings: &Settings) -> Result<Figures> {
    let hub = HubProcess::start(binary, &[], settings.hub_log.as_deref())?;
    let result = measure(&hub, n, settings).await;
    if result.is_err() {
        let log = std::fs::read_to_string(&hub.log).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        eprintln!(
            "hub log, last lines:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    result
}

async fn measure(hub: &HubProcess, n: usize, settings: &Settings) -> Result<Figures> {
    let pid = hub.pid();
    let data_dir = hub
        .kubeconfig
        .parent()
        .context("the kubeconfig has no directory")?
        .to_path_buf();
    let root = Arc::new(Endpoint::from_kubeconfig(&hub.kubeconfig)?);
    let mut conn = root.connect(Protocol::Http2).await?;

    // root:probe, with its ConfigMaps, and the reads at N = 0.
    eprintln!("N = {n}: root:probe and {PROBE_CONFIGMAPS} ConfigMaps");
    create_workspace(&mut conn, "probe").await?;
    wait_ready(&mut conn, "probe").await?;
    let probe_dir = tempfile::tempdir()?;
    let probe = Arc::new(Endpoint::from_kubeconfig(&workspace_kubeconfig(
        &hub.kubeconfig,
        "root:probe",
        probe_dir.path(),
    )?)?);
    let mut probe_conn = probe.connect(Protocol::Http2).await?;
    for i in 0..PROBE_CONFIGMAPS {
        let body = format!(
            r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"cm-{i:03}"}},"data":{{"key":"{}"}}}}"#,
            "v".repeat(256)
        );
        probe_conn
            .expect(
                Method::POST,
                CONFIGMAPS,
                Some(Bytes::from(body)),
                StatusCode::CREATED,
            )
            .await?;
    }
    let listed = items(
        &probe_conn
            .expect(Method::GET, CONFIGMAPS, None, StatusCode::OK)
            .await?,
    )?;
    eprintln!("N = {n}: reads at N = 0");
    let (get_base, list_base) = reads(&mut probe_conn, settings.samples).await?;
    tokio::time::sleep(settings.idle).await;
    let rss_base = rss(pid)?.rss_kib;
    let store_base = store_bytes(&data_dir);

    // Create N workspaces; a watch counts them Ready.
    eprintln!(
        "N = {n}: creating {n} workspaces from {} clients",
        settings.clients
    );
    let base = Instant::now();
    let sent: Arc<Vec<AtomicU64>> = Arc::new((0..n).map(|_| AtomicU64::new(0)).collect());
    let revision = list_revision(&mut conn).await?;
    let follower = tokio::spawn(follow(
        Arc::clone(&root),
        Until::Ready,
        n,
        revision,
        Arc::clone(&sent),
        base,
    ));
    let start = Instant::now();
    let create_posts = concurrent(&root, settings.clients, n, &sent, base, Op::Create).await?;
    let followed = finish(follower, n).await?;
    let all_ready = followed.done_at.duration_since(start);
    let rss_created = rss(pid)?.rss_kib;
    eprintln!(
        "N = {n}: all Ready after {} ({:.0}/s); idling {} s",
        ms(all_ready),
        n as f64 / all_ready.as_secs_f64(),
        settings.idle.as_secs()
    );
    tokio::time::sleep(settings.idle).await;
    let memory = rss(pid)?;
    let store_after = store_bytes(&data_dir);

    eprintln!("N = {n}: reads at N = {n}");
    let (get_at_n, list_at_n) = reads(&mut probe_conn, settings.samples).await?;

    // Delete them all; the watch counts them gone.
    eprintln!("N = {n}: deleting");
    let revision = list_revision(&mut conn).await?;
    let follower = tokio::spawn(follow(
        Arc::clone(&root),
        Until::Deleted,
        n,
        revision,
        Arc::clone(&sent),
        base,
    ));
    let start = Instant::now();
    let delete_posts = concurrent(&root, settings.clients, n, &sent, base, Op::Delete).await?;
    let deleted = finish(follower, n).await?;
    let all_deleted = deleted.done_at.duration_since(start);
    let left = names(
        &conn
            .expect(Method::GET, WORKSPACES, None, StatusCode::OK)
            .await?,
    )?;
    ensure!(
        left == ["probe"],
        "after deleting, root still lists {} workspaces: {:?}…",
        left.len(),
        &left[..left.len().min(5)]
    );
    eprintln!("N = {n}: all deleted after {}", ms(all_deleted));

    Ok(Figures {
        n,
        rss_base,
        rss_created,
        rss_idle: memory.rss_kib,
        rss_peak: memory.peak_kib,
        store_base,
        store_after,
        listed,
        get_base,
        list_base,
        get_at_n,
        list_at_n,
        create_posts,
        all_ready,
        to_ready: followed.latency,
        delete_posts,
        all_deleted,
        restarts: followed.restarts + deleted.restarts,
    })
}

/// Workspace `i` of the run.
fn name(i: usize) -> String {
    format!("ws-{i:06}")
}

fn index(name: &str) -> Option<usize> {
    name.strip_prefix("ws-")?.parse().ok()
}

async fn create_workspace(conn: &mut Conn, name: &str) -> Result<()> {
    let body = format!(
        r#"{{"apiVersion":"tenancy.nave.dev/v1alpha1","kind":"Workspace","metadata":{{"name":"{name}"}},"spec":{{}}}}"#
    );
    conn.expect(
        Method::POST,
        WORKSPACES,
        Some(Bytes::from(body)),
        StatusCode::CREATED,
    )
    .await?;
    Ok(())
}

async fn wait_ready(conn: &mut Conn, name: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body = conn
            .expect(
                Method::GET,
                &format!("{WORKSPACES}/{name}"),
                None,
                StatusCode::OK,
            )
            .await?;
        let object: Object = serde_json::from_slice(&body)?;
        if object.phase() == Some("Ready") {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "workspace {name} not Ready within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The admin kubeconfig pointed at workspace `path`, written to `dir`.
fn workspace_kubeconfig(admin: &Path, path: &str, dir: &Path) -> Result<PathBuf> {
    let mut config = certs::Kubeconfig::parse(&std::fs::read_to_string(admin)?)?;
    let (base, _) = config
        .server
        .rsplit_once("/clusters/")
        .with_context(|| format!("server {} has no /clusters/ path", config.server))?;
    config.server = format!("{base}/clusters/{path}");
    let file = dir.join(format!("{path}.kubeconfig"));
    std::fs::write(&file, config.to_yaml()?)?;
    Ok(file)
}

/// Sequential timed GETs of one ConfigMap, then LISTs of all of them, after a warm-up.
async fn reads(conn: &mut Conn, samples: usize) -> Result<(Latency, Latency)> {
    let mut get = Latency::new();
    let mut list = Latency::new();
    let one = format!("{CONFIGMAPS}/cm-042");
    for (path, latency) in [(one.as_str(), &mut get), (CONFIGMAPS, &mut list)] {
        for i in 0..READ_WARMUP + samples {
            let start = Instant::now();
            conn.expect(Method::GET, path, None, StatusCode::OK).await?;
            if i >= READ_WARMUP {
                latency.since(start);
            }
        }
    }
    Ok((get, list))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Create,
    Delete,
}

/// `clients` connections working through workspaces 0..n, `op` on each.
async fn concurrent(
    endpoint: &Arc<Endpoint>,
    clients: usize,
    n: usize,
    sent: &Arc<Vec<AtomicU64>>,
    base: Instant,
    op: Op,
) -> Result<Rate> {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let mut conn = endpoint.connect(Protocol::Http2).await?;
        let (next, sent) = (Arc::clone(&next), Arc::clone(sent));
        tasks.push(tokio::spawn(async move {
            let mut latency = Latency::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let started = Instant::now();
                sent[i].store(nanos_since(base), Ordering::SeqCst);
                match op {
                    Op::Create => create_workspace(&mut conn, &name(i)).await?,
                    Op::Delete => {
                        let path = format!("{WORKSPACES}/{}", name(i));
                        let (status, body) = conn.call(Method::DELETE, &path, None).await?;
                        if !status.is_success() {
                            bail!(
                                "DELETE {path}: {status}: {}",
                                String::from_utf8_lossy(&body[..body.len().min(300)])
                            );
                        }
                    }
                }
                latency.since(started);
            }
            Ok::<_, anyhow::Error>(latency)
        }));
    }
    let mut latency = Latency::new();
    for task in tasks {
        latency.merge(&task.await??);
    }
    Ok(Rate::new(n, start.elapsed(), latency))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Until {
    /// Every workspace is `Ready`.
    Ready,
    /// Every workspace is gone.
    Deleted,
}

/// What a follower saw.
#[derive(Debug)]
struct Followed {
    done_at: Instant,
    latency: Latency,
    restarts: u32,
}

/// Waits for a follower, at most a generous bound for `n` workspaces.
async fn finish(follower: tokio::task::JoinHandle<Result<Followed>>, n: usize) -> Result<Followed> {
    let limit = Duration::from_secs(120 + n as u64 / 50);
    match tokio::time::timeout(limit, follower).await {
        Ok(joined) => joined?,
        Err(_) => bail!("the workspaces did not all get there within {limit:?}"),
    }
}

/// Watches the workspaces of root from `revision` until all `n` reached `until`; each one's
/// latency runs from its request (`sent`) to the watch event. If the watch ends early, watches
/// again from the last revision seen; if it fails (the hub drops slow watchers, or the revision
/// was compacted), re-lists first.
async fn follow(
    endpoint: Arc<Endpoint>,
    until: Until,
    n: usize,
    mut revision: String,
    sent: Arc<Vec<AtomicU64>>,
    base: Instant,
) -> Result<Followed> {
    if n == 0 {
        return Ok(Followed {
            done_at: Instant::now(),
            latency: Latency::new(),
            restarts: 0,
        });
    }
    let mut conn = endpoint.connect(Protocol::Http2).await?;
    let mut done = vec![false; n];
    let mut count = 0;
    let mut latency = Latency::new();
    let mut restarts = 0;
    let mut mark = |i: usize, done: &mut Vec<bool>, count: &mut usize| {
        if i < n && !done[i] {
            done[i] = true;
            *count += 1;
            let at = nanos_since(base);
            latency.record(Duration::from_nanos(
                at.saturating_sub(sent[i].load(Ordering::SeqCst)),
            ));
        }
    };
    loop {
        let path = format!(
            "{WORKSPACES}?watch=true&resourceVersion={revision}&allowWatchBookmarks=true&timeoutSeconds=3600"
        );
        let response = conn.send(Method::GET, &path, None).await?;
        let mut relist = response.status() != StatusCode::OK;
        if !relist {
            let mut body = response.into_body();
            let mut buffer = BytesMut::new();
            'stream: while let Some(Ok(frame)) = body.frame().await {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                buffer.extend_from_slice(&data);
                while let Some(newline) = buffer.iter().position(|byte| *byte == b'\n') {
                    let line = buffer.split_to(newline + 1);
                    let event: Event = serde_json::from_slice(&line).with_context(|| {
                        format!("watch event {:?}", String::from_utf8_lossy(&line))
                    })?;
                    if event.kind == "ERROR" {
                        relist = true;
                        break 'stream;
                    }
                    if let Some(version) = event.object.metadata.resource_version.clone() {
                        revision = version;
                    }
                    let Some(i) = event.object.metadata.name.as_deref().and_then(index) else {
                        continue;
                    };
                    let reached = match until {
                        Until::Ready => {
                            matches!(event.kind.as_str(), "ADDED" | "MODIFIED")
                                && event.object.phase() == Some("Ready")
                        }
                        Until::Deleted => event.kind == "DELETED",
                    };
                    if reached {
                        mark(i, &mut done, &mut count);
                        if count == n {
                            return Ok(Followed {
                                done_at: Instant::now(),
                                latency,
                                restarts,
                            });
                        }
                    }
                }
            }
        }
        // The watch ended: watch again from the last revision seen; or, if the watch was
        // refused or failed (e.g. 410 Gone), read the list, then watch from its revision.
        restarts += 1;
        if !relist {
            continue;
        }
        let (listed, at) = list_all(&mut conn).await?;
        revision = at;
        let present: HashSet<usize> = listed
            .iter()
            .filter_map(|object| object.metadata.name.as_deref().and_then(index))
            .collect();
        for object in &listed {
            if until == Until::Ready
                && object.phase() == Some("Ready")
                && let Some(i) = object.metadata.name.as_deref().and_then(index)
            {
                mark(i, &mut done, &mut count);
            }
        }
        if until == Until::Deleted {
            for i in (0..n).filter(|i| !present.contains(i)) {
                mark(i, &mut done, &mut count);
            }
        }
        if count == n {
            return Ok(Followed {
                done_at: Instant::now(),
                latency,
                restarts,
            });
        }
    }
}

/// Every workspace in root, page by page, and the list's revision.
async fn list_all(conn: &mut Conn) -> Result<(Vec<Object>, String)> {
    let mut objects = Vec::new();
    let mut token = String::new();
    loop {
        let path = if token.is_empty() {
            format!("{WORKSPACES}?limit=1000")
        } else {
            format!("{WORKSPACES}?limit=1000&continue={token}")
        };
        let body = conn
            .expect(Method::GET, &path, None, StatusCode::OK)
            .await?;
        let list: List = serde_json::from_slice(&body)?;
        objects.extend(list.items);
        match list
            .metadata
            .continue_token
            .filter(|token| !token.is_empty())
        {
            Some(next) => token = next,
            None => {
                let revision = list
                    .metadata
                    .resource_version
                    .context("list without resourceVersion")?;
                return Ok((objects, revision));
            }
        }
    }
}

async fn list_revision(conn: &mut Conn) -> Result<String> {
    let body = conn
        .expect(
            Method::GET,
            &format!("{WORKSPACES}?limit=1"),
            None,
            StatusCode::OK,
        )
        .await?;
    let list: List = serde_json::from_slice(&body)?;
    list.metadata
        .resource_version
        .context("list without resourceVersion")
}

fn items(body: &[u8]) -> Result<usize> {
    let list: List = serde_json::from_slice(body)?;
    Ok(list.items.len())
}

fn names(body: &[u8]) -> Result<Vec<String>> {
    let list: List = serde_json::from_slice(body)?;
    Ok(list
        .items
        .into_iter()
        .filter_map(|object| object.metadata.name)
        .collect())
}

#[derive(Debug, Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    object: Object,
}

#[derive(Debug, Deserialize)]
struct List {
    #[serde(default)]
    metadata: ListMeta,
    #[serde(default)]
    items: Vec<Object>,
}

#[derive(Debug, Default, Deserialize)]
struct ListMeta {
    #[serde(rename = "resourceVersion")]
    resource_version: Option<String>,
    #[serde(rename = "continue")]
    continue_token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Object {
    #[serde(default)]
    metadata: ObjectMeta,
    #[serde(default)]
    status: Option<Status>,
}

impl Object {
    fn phase(&self) -> Option<&str> {
        self.status.as_ref()?.phase.as_deref()
    }
}

#[derive(Debug, Default, Deserialize)]
struct ObjectMeta {
    name: Option<String>,
    #[serde(rename = "resourceVersion")]
    resource_version: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Status {
    phase: Option<String>,
}

fn nanos_since(base: Instant) -> u64 {
    u64::try_from(base.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

fn rss(pid: u32) -> Result<procfs::Memory> {
    procfs::memory(pid).context("the hub exited")
}

/// The redb file's length (0 if there is none, e.g. another store).
fn store_bytes(data_dir: &Path) -> u64 {
    std::fs::metadata(data_dir.join("nave.redb")).map_or(0, |metadata| metadata.len())
}

/// `n` per second over `elapsed`, with thousands separators.
fn rate(n: usize, elapsed: Duration) -> String {
    if n == 0 {
        return "—".to_owned();
    }
    thousands((n as f64 / elapsed.as_secs_f64().max(1e-9)).round() as u64)
}

fn load(load: Option<f64>) -> String {
    load.map_or("?".to_owned(), |load| format!("{load:.2}"))
}

/// The report: one row per figure, one column per N.
fn render(runs: &[Figures]) -> String {
    let mut out = String::from("| figure |");
    let mut rule = String::from("|---|");
    for run in runs {
        out.push_str(&format!(" N = {} |", thousands(run.n as u64)));
        rule.push_str("--:|");
    }
    out.push_str(" target |\n");
    rule.push_str("---|\n");
    out.push_str(&rule);
    let mut row = |figure: &str, value: &dyn Fn(&Figures) -> String, target: &str| {
        out.push_str(&format!("| {figure} |"));
        for run in runs {
            out.push_str(&format!(" {} |", value(run)));
        }
        out.push_str(&format!(" {target} |\n"));
    };
    let pair = |latency: &Latency| format!("{} / {}", ms(latency.p50()), ms(latency.p99()));
    let ratio = |at_n: &Latency, base: &Latency| {
        format!(
            "{:.2}×",
            at_n.p99().as_secs_f64() / base.p99().as_secs_f64().max(1e-9)
        )
    };
    let per = |bytes: f64, n: usize| {
        if n == 0 {
            "—".to_owned()
        } else {
            format!("{:.1} KiB", bytes / 1024.0 / n as f64)
        }
    };
    row(
        "hub RSS, idle, N = 0 (root:probe)",
        &|f| procfs::mb(f.rss_base),
        "",
    );
    row(
        "GET one ConfigMap p50 / p99, N = 0",
        &|f| pair(&f.get_base),
        "",
    );
    row(
        "LIST ConfigMaps p50 / p99, N = 0",
        &|f| format!("{} ({} items)", pair(&f.list_base), f.listed),
        "",
    );
    row(
        "**creations/s** (until all Ready)",
        &|f| rate(f.n, f.all_ready),
        "> 500 (aim 1,000)",
    );
    row("all created and Ready", &|f| ms(f.all_ready), "");
    row(
        "create POST p50 / p99",
        &|f| pair(&f.create_posts.latency),
        "",
    );
    row("create POST → Ready p50 / p99", &|f| pair(&f.to_ready), "");
    row("hub RSS after creating", &|f| procfs::mb(f.rss_created), "");
    row("hub RSS after idling", &|f| procfs::mb(f.rss_idle), "");
    row("hub peak RSS (VmHWM)", &|f| procfs::mb(f.rss_peak), "");
    row(
        "**RSS per idle workspace**",
        &|f| per(f.rss_idle.saturating_sub(f.rss_base) as f64 * 1024.0, f.n),
        "< 100 KiB (aim 50)",
    );
    row(
        "store (nave.redb) per workspace",
        &|f| per(f.store_after.saturating_sub(f.store_base) as f64, f.n),
        "",
    );
    row("GET p50 / p99 at N", &|f| pair(&f.get_at_n), "");
    row(
        "**GET p99 at N ÷ at 0**",
        &|f| ratio(&f.get_at_n, &f.get_base),
        "≤ 1.10×",
    );
    row("LIST p50 / p99 at N", &|f| pair(&f.list_at_n), "");
    row(
        "**LIST p99 at N ÷ at 0**",
        &|f| ratio(&f.list_at_n, &f.list_base),
        "≤ 1.10×",
    );
    row(
        "all deleted (gone from the list)",
        &|f| ms(f.all_deleted),
        "",
    );
    row("deletions/s", &|f| rate(f.n, f.all_deleted), "");
    row("DELETE p50 / p99", &|f| pair(&f.delete_posts.latency), "");
    row("watch restarts", &|f| f.restarts.to_string(), "0");
    out
}
