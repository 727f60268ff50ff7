//! The hub side: the workload over real TLS against a running `nave serve`, with the lean
//! client of [`crate::client`] (and `kube::Client` once, for comparison).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use bytes::BytesMut;
use http::{Method, StatusCode};
use http_body_util::BodyExt;

use crate::client::{Conn, Endpoint, Protocol};
use crate::figures::Figures;
use crate::stats::{Latency, Rate, median};
use crate::watch::Pacer;
use crate::workload::{
    Counts, NAMESPACES, NS_KUBE, NS_LIST, NS_SEQ, NS_WARM, NS_WATCH, WATCH_WARMUP_EVENTS,
    create_body, find, index_of, name, payload,
};

/// Told at the end of each phase: its name, how many operations it made, and what one is.
pub(crate) type Progress<'a> = &'a mut dyn FnMut(&'static str, u64, &'static str);

/// Runs every phase against the hub whose admin kubeconfig is `kubeconfig`. `progress` is told
/// each phase as it ends (for sampling memory and CPU, and printing progress).
pub(crate) async fn run(
    kubeconfig: &Path,
    counts: &Counts,
    protocol: Protocol,
    progress: Progress<'_>,
) -> Result<Figures> {
    let endpoint = Arc::new(Endpoint::from_kubeconfig(kubeconfig)?);
    let payload = payload(counts.value_bytes);
    let mut figures = Figures::default();
    let mut conn = endpoint.connect(protocol).await?;
    for namespace in NAMESPACES {
        let body = serde_json::json!({
            "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace},
        });
        conn.expect(
            Method::POST,
            "/api/v1/namespaces",
            Some(body.to_string().into()),
            StatusCode::CREATED,
        )
        .await?;
    }
    for i in 0..counts.warmup {
        create(&mut conn, NS_WARM, i, &payload).await?;
    }
    progress("start-up", 0, "");

    figures.seq = Some(sequential_creates(&mut conn, NS_SEQ, counts.seq_ops, &payload).await?);
    progress("sequential creates", counts.seq_ops as u64, "create");
    figures.concurrent = Some(concurrent_creates(&endpoint, protocol, counts, &payload).await?);
    progress("concurrent creates", counts.objects as u64, "create");

    let object = format!("{}/{}", collection(NS_SEQ), name(0));
    let mut get = Latency::new();
    for _ in 0..counts.gets {
        let started = Instant::now();
        conn.expect(Method::GET, &object, None, StatusCode::OK)
            .await?;
        get.since(started);
    }
    figures.get = Some(get);
    progress("GETs", counts.gets as u64, "GET");

    figures.list_small = Some((
        counts.seq_ops,
        full_list(&mut conn, NS_SEQ, counts.seq_ops, counts.list_runs).await?,
    ));
    figures.list_full = Some((
        counts.objects,
        full_list(&mut conn, NS_LIST, counts.objects, counts.list_runs).await?,
    ));
    figures.list_paged = Some(paged_list(&mut conn, counts).await?);
    progress("lists", listed(counts), "listed object");

    figures.watch = Some(watch(&endpoint, &mut conn, counts, &payload).await?);
    progress("watch", deliveries(counts), "delivery");

    if counts.kube_ops > 0 {
        figures.kube_seq = Some(kube_creates(kubeconfig, counts.kube_ops, &payload).await?);
        progress("kube::Client creates", counts.kube_ops as u64 + 1, "create");
    }
    Ok(figures)
}

/// Objects the list phase reads: the untimed checks (each full list once, one paginated walk)
/// and the timed runs.
pub(crate) fn listed(counts: &Counts) -> u64 {
    let checks = counts.seq_ops + 2 * counts.objects;
    let timed =
        counts.list_runs * (counts.seq_ops + counts.objects) + counts.paged_runs * counts.objects;
    (checks + timed) as u64
}

/// Events the watch phase delivers: every watcher gets every event, warm-up ones included.
pub(crate) fn deliveries(counts: &Counts) -> u64 {
    (counts.watchers * (counts.watch_events + WATCH_WARMUP_EVENTS)) as u64
}

/// `/api/v1/namespaces/<namespace>/configmaps`.
fn collection(namespace: &str) -> String {
    format!("/api/v1/namespaces/{namespace}/configmaps")
}

async fn create(conn: &mut Conn, namespace: &str, i: usize, payload: &str) -> Result<()> {
    let body = create_body(namespace, &name(i), payload);
    conn.expect(
        Method::POST,
        &collection(namespace),
        Some(body),
        StatusCode::CREATED,
    )
    .await?;
    Ok(())
}

async fn sequential_creates(
    conn: &mut Conn,
    namespace: &str,
    ops: usize,
    payload: &str,
) -> Result<Rate> {
    let mut latency = Latency::new();
    let started = Instant::now();
    for i in 0..ops {
        let begun = Instant::now();
        create(conn, namespace, i, payload).await?;
        latency.since(begun);
    }
    Ok(Rate::new(ops, started.elapsed(), latency))
}

/// `counts.objects` creates in the big namespace from `counts.clients` clients, each on its
/// own connection.
async fn concurrent_creates(
    endpoint: &Arc<Endpoint>,
    protocol: Protocol,
    counts: &Counts,
    payload: &str,
) -> Result<Rate> {
    let mut conns = Vec::with_capacity(counts.clients);
    for _ in 0..counts.clients {
        conns.push(endpoint.connect(protocol).await?);
    }
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(counts.clients);
    for (client, mut conn) in conns.into_iter().enumerate() {
        let (objects, clients, payload) = (counts.objects, counts.clients, payload.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut latency = Latency::new();
            for i in (client..objects).step_by(clients) {
                let begun = Instant::now();
                create(&mut conn, NS_LIST, i, &payload).await?;
                latency.since(begun);
            }
            anyhow::Ok(latency)
        }));
    }
    let mut latency = Latency::new();
    for task in tasks {
        latency.merge(&task.await??);
    }
    Ok(Rate::new(counts.objects, started.elapsed(), latency))
}

/// The median time of `runs` full lists of `namespace`, after one untimed run that checks it
/// holds `expected` objects.
async fn full_list(
    conn: &mut Conn,
    namespace: &str,
    expected: usize,
    runs: usize,
) -> Result<Duration> {
    let path = collection(namespace);
    let body = conn
        .expect(Method::GET, &path, None, StatusCode::OK)
        .await?;
    let items = items(&body)?;
    ensure!(
        items == expected,
        "{namespace} lists {items} objects, not {expected}"
    );
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        conn.expect(Method::GET, &path, None, StatusCode::OK)
            .await?;
        times.push(started.elapsed());
    }
    Ok(median(times))
}

/// The median time to walk the big namespace `page_size` objects at a time.
async fn paged_list(conn: &mut Conn, counts: &Counts) -> Result<Duration> {
    let (pages, seen) = walk(conn, counts.page_size, true).await?;
    ensure!(
        seen == counts.objects,
        "the paginated list saw {seen} objects in {pages} pages, not {}",
        counts.objects
    );
    let mut times = Vec::with_capacity(counts.paged_runs);
    for _ in 0..counts.paged_runs {
        let started = Instant::now();
        walk(conn, counts.page_size, false).await?;
        times.push(started.elapsed());
    }
    Ok(median(times))
}

/// Lists the big namespace page by page; returns the pages and (when `count`) the objects.
async fn walk(conn: &mut Conn, limit: usize, count: bool) -> Result<(usize, usize)> {
    let (mut pages, mut seen) = (0, 0);
    let mut token: Option<String> = None;
    loop {
        let mut path = format!("{}?limit={limit}", collection(NS_LIST));
        if let Some(token) = &token {
            path.push_str("&continue=");
            path.push_str(&token.replace('=', "%3D"));
        }
        let body = conn
            .expect(Method::GET, &path, None, StatusCode::OK)
            .await?;
        pages += 1;
        if count {
            seen += items(&body)?;
        }
        token = continue_token(&body);
        if token.is_none() {
            return Ok((pages, seen));
        }
        ensure!(pages < 100_000, "the paginated list does not end");
    }
}

/// The continue token of a list body, found without parsing the items (it sits in the list's
/// `metadata`, before or after them).
fn continue_token(body: &[u8]) -> Option<String> {
    const KEY: &[u8] = b"\"continue\":\"";
    let head = &body[..body.len().min(1024)];
    let tail_start = body.len().saturating_sub(1024);
    let at = find(head, KEY)
        .or_else(|| find(&body[tail_start..], KEY).map(|at| at + tail_start))
        .or_else(|| find(body, KEY))?;
    let rest = &body[at + KEY.len()..];
    let end = rest.iter().position(|byte| *byte == b'"')?;
    let token = std::str::from_utf8(&rest[..end]).ok()?;
    (!token.is_empty()).then(|| token.to_owned())
}

/// The number of items in a list body (parses it; only for untimed checks).
fn items(body: &[u8]) -> Result<usize> {
    let list: serde_json::Value = serde_json::from_slice(body).context("list body")?;
    list["items"]
        .as_array()
        .map(Vec::len)
        .context("list body without items")
}

/// `counts.watchers` watches of one namespace spread over `counts.watch_connections` HTTP/2
/// connections, timed over `counts.watch_events` creates.
async fn watch(
    endpoint: &Arc<Endpoint>,
    conn: &mut Conn,
    counts: &Counts,
    payload: &str,
) -> Result<Latency> {
    let start = conn
        .expect(
            Method::GET,
            &format!("{}?limit=1", collection(NS_WATCH)),
            None,
            StatusCode::OK,
        )
        .await?;
    let start: serde_json::Value = serde_json::from_slice(&start)?;
    let revision = start["metadata"]["resourceVersion"]
        .as_str()
        .context("list without resourceVersion")?
        .to_owned();
    let mut conns = Vec::with_capacity(counts.watch_connections);
    for _ in 0..counts.watch_connections.max(1) {
        conns.push(endpoint.connect(Protocol::Http2).await?);
    }
    let pacer = Arc::new(Pacer::new(counts.watchers, counts.watch_events));
    let (ready, mut readiness) = tokio::sync::mpsc::channel::<Result<()>>(counts.watchers);
    let path = format!(
        "{}?watch=true&resourceVersion={revision}",
        collection(NS_WATCH)
    );
    let mut tasks = Vec::with_capacity(counts.watchers);
    for watcher in 0..counts.watchers {
        let mut conn = conns[watcher % conns.len()]
            .share()
            .context("watch connections are HTTP/2")?;
        let (pacer, ready, path) = (Arc::clone(&pacer), ready.clone(), path.clone());
        tasks.push(tokio::spawn(async move {
            let response = match conn.send(Method::GET, &path, None).await {
                Ok(response) if response.status() == StatusCode::OK => response,
                Ok(response) => {
                    let status = response.status();
                    let _ = ready.send(Err(anyhow::anyhow!("watch: {status}"))).await;
                    return;
                }
                Err(error) => {
                    let _ = ready.send(Err(error)).await;
                    return;
                }
            };
            let _ = ready.send(Ok(())).await;
            drop(ready);
            let mut body = response.into_body();
            let mut buffer = BytesMut::new();
            while let Some(Ok(frame)) = body.frame().await {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                buffer.extend_from_slice(&data);
                while let Some(newline) = buffer.iter().position(|byte| *byte == b'\n') {
                    let line = buffer.split_to(newline + 1);
                    if let Some(at) = find(&line, b"\"name\":\"")
                        && let Some(index) = index_of(&line[at..])
                    {
                        pacer.deliver(index);
                    }
                }
            }
        }));
    }
    drop(ready);
    for _ in 0..counts.watchers {
        match tokio::time::timeout(Duration::from_secs(60), readiness.recv()).await {
            Ok(Some(Ok(()))) => {}
            Ok(Some(Err(error))) => bail!("a watch did not start: {error:#}"),
            Ok(None) | Err(_) => bail!("the watches did not all start within 60 s"),
        }
    }
    let result = async {
        for index in 0..pacer.events() {
            pacer.sending(index);
            create(conn, NS_WATCH, index, payload).await?;
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

/// Sequential creates through `kube::Client` (HTTP/1.1, typed objects), as an operator would.
async fn kube_creates(kubeconfig: &Path, ops: usize, payload: &str) -> Result<Rate> {
    use k8s_openapi::api::core::v1::ConfigMap;
    use kube::api::{Api, ObjectMeta, PostParams};

    let config = kube::config::Kubeconfig::read_from(kubeconfig)?;
    let config =
        kube::Config::from_custom_kubeconfig(config, &kube::config::KubeConfigOptions::default())
            .await?;
    let client = kube::Client::try_from(config)?;
    let api: Api<ConfigMap> = Api::namespaced(client, NS_KUBE);
    let object = |i: usize| ConfigMap {
        metadata: ObjectMeta {
            name: Some(name(i)),
            ..ObjectMeta::default()
        },
        data: Some([("payload".to_owned(), payload.to_owned())].into()),
        ..ConfigMap::default()
    };
    api.create(&PostParams::default(), &object(ops)).await?; // warm-up: connection, TLS
    let mut latency = Latency::new();
    let started = Instant::now();
    for i in 0..ops {
        let begun = Instant::now();
        api.create(&PostParams::default(), &object(i)).await?;
        latency.since(begun);
    }
    Ok(Rate::new(ops, started.elapsed(), latency))
}
