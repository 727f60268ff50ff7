//! The authorization benchmark: RBAC decisions through the hub's own authorizer with 10,000
//! RoleBindings spread over 1,000 logical clusters, and request throughput of a user RBAC must
//! check against `system:masters` (which bypasses it), as a ratio. In-process (the hub's router
//! over the memory store), so the figures isolate authorization from TLS and the disk.
//!
//! Run it as `just bench-rbac` (`cargo run --release -p api-bench --bin rbac-bench`).

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use axum::body::{Body, to_bytes};
use hdrhistogram::Histogram;
use http::{Method, Request};
use hub::auth::Identity;
use hub::testing::TestHub;
use serde_json::json;
use tower::ServiceExt;

const CLUSTERS: usize = 1_000;
const BINDINGS_PER_CLUSTER: usize = 10;
const DECISIONS: usize = 200_000;
const REQUESTS: usize = 20_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let hub = TestHub::memory().await;
    let started = Instant::now();
    for cluster in 0..CLUSTERS {
        let name = cluster_name(cluster);
        hub.state
            .clusters
            .create(&name)
            .await
            .context("create a logical cluster")?;
        for user in 0..BINDINGS_PER_CLUSTER {
            let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": format!("view-u{user}")},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": format!("u{user}")}]});
            let uri = format!(
                "/clusters/{name}/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings"
            );
            let (status, body) = send(
                &hub,
                Identity::admin(),
                Method::POST,
                &uri,
                binding.to_string(),
            )
            .await?;
            ensure!(status == 201, "creating {uri}: {status} {body}");
        }
        let configmap = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}});
        let uri = format!("/clusters/{name}/api/v1/namespaces/default/configmaps");
        let (status, body) = send(
            &hub,
            Identity::admin(),
            Method::POST,
            &uri,
            configmap.to_string(),
        )
        .await?;
        ensure!(status == 201, "creating {uri}: {status} {body}");
    }
    let setup = started.elapsed();
    eprintln!("set up {CLUSTERS} clusters × {BINDINGS_PER_CLUSTER} RoleBindings in {setup:.1?}");

    // First decision per cluster builds (and caches) its index.
    let rss_before = rss_kib();
    let mut builds = Histogram::<u64>::new(3)?;
    for cluster in 0..CLUSTERS {
        let began = Instant::now();
        decide(&hub, cluster, 0, true).await?;
        builds.record(began.elapsed().as_nanos() as u64)?;
    }
    let rss_after = rss_kib();

    let mut allowed = Histogram::<u64>::new(3)?;
    let mut denied = Histogram::<u64>::new(3)?;
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for i in 0..DECISIONS {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let cluster = (seed % CLUSTERS as u64) as usize;
        let user = ((seed >> 20) % BINDINGS_PER_CLUSTER as u64) as usize;
        let allow = i % 2 == 0;
        let began = Instant::now();
        decide(&hub, cluster, user, allow).await?;
        let elapsed = began.elapsed().as_nanos() as u64;
        if allow {
            allowed.record(elapsed)?
        } else {
            denied.record(elapsed)?
        }
    }

    // Request throughput: the same GET as a viewer (RBAC checked) and as admin (bypass).
    let uri = format!(
        "/clusters/{}/api/v1/namespaces/default/configmaps/c",
        cluster_name(7)
    );
    let mut rates = Vec::new();
    for round in 0..3 {
        for (label, identity) in [
            ("viewer", Identity::user("u3", &[])),
            ("system:masters", Identity::admin()),
        ] {
            let began = Instant::now();
            for _ in 0..REQUESTS {
                let (status, _) =
                    send(&hub, identity.clone(), Method::GET, &uri, String::new()).await?;
                ensure!(status == 200, "GET {uri} as {label}: {status}");
            }
            let rate = REQUESTS as f64 / began.elapsed().as_secs_f64();
            if round > 0 {
                rates.push((label, rate));
            }
        }
    }
    let rate = |who: &str| {
        let list: Vec<f64> = rates
            .iter()
            .filter(|(label, _)| *label == who)
            .map(|(_, rate)| *rate)
            .collect();
        list.iter().sum::<f64>() / list.len() as f64
    };
    let viewer = rate("viewer");
    let admin = rate("system:masters");

    println!("Command: `just bench-rbac`\n");
    println!(
        "{CLUSTERS} logical clusters, {BINDINGS_PER_CLUSTER} RoleBindings each ({} in all) plus the default policy; decisions through `hub::authz::authorize` (request attributes parsed from the path, the cluster's cached index, the decision), {DECISIONS} of them at random clusters and users, half allowed (`list pods` in `default`, granted by `view`), half denied (`create configmaps`).\n",
        CLUSTERS * BINDINGS_PER_CLUSTER
    );
    println!("| measurement | p50 | p99 | max |");
    println!("|---|--:|--:|--:|");
    for (label, histogram) in [
        ("allowed decision", &allowed),
        ("denied decision (403 Status built)", &denied),
        ("first decision of a cluster (index build)", &builds),
    ] {
        println!(
            "| {label} | {} | {} | {} |",
            show(histogram.value_at_quantile(0.5)),
            show(histogram.value_at_quantile(0.99)),
            show(histogram.max())
        );
    }
    println!();
    println!("| requests | GET/s (in-process router) |");
    println!("|---|--:|");
    println!("| as a `view` user (RBAC checked) | {viewer:.0} |");
    println!("| as `system:masters` (bypass) | {admin:.0} |");
    println!("| ratio RBAC ÷ bypass | {:.2}× |", viewer / admin);
    println!();
    println!(
        "RSS of the {CLUSTERS} cached indexes: {} KiB in all, {:.1} KiB per logical cluster (VmRSS before and after the first decisions). Set-up (clusters, bindings): {setup:.1?}.",
        rss_after.saturating_sub(rss_before),
        rss_after.saturating_sub(rss_before) as f64 / CLUSTERS as f64
    );
    hub.shut_down();
    Ok(())
}

fn cluster_name(index: usize) -> String {
    format!("t{index:04}")
}

/// One authorization decision as user `u<user>` in cluster `cluster`.
async fn decide(hub: &TestHub, cluster: usize, user: usize, allow: bool) -> Result<()> {
    let identity = Identity::user(&format!("u{user}"), &[]);
    let (method, path) = if allow {
        (Method::GET, "/api/v1/namespaces/default/pods")
    } else {
        (Method::POST, "/api/v1/namespaces/default/configmaps")
    };
    let decision = hub::authz::authorize(
        &hub.state,
        &cluster_name(cluster),
        &identity,
        &method,
        path,
        None,
    )
    .await;
    ensure!(
        decision.is_ok() == allow,
        "cluster {cluster} user {user}: expected allowed={allow}, got {decision:?}"
    );
    Ok(())
}

async fn send(
    hub: &TestHub,
    identity: Identity,
    method: Method,
    uri: &str,
    body: String,
) -> Result<(u16, String)> {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body))?;
    let response = hub.router_as(Some(identity)).oneshot(request).await?;
    let status = response.status().as_u16();
    let body = to_bytes(response.into_body(), usize::MAX).await?;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

fn show(nanos: u64) -> String {
    let duration = Duration::from_nanos(nanos);
    if duration < Duration::from_micros(10) {
        format!("{:.2} µs", nanos as f64 / 1_000.0)
    } else if duration < Duration::from_millis(1) {
        format!("{:.0} µs", nanos as f64 / 1_000.0)
    } else {
        format!("{:.2} ms", nanos as f64 / 1_000_000.0)
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|value| value.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}
