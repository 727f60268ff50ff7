//! Setting up each side of one backend's comparison: the hub as a fresh `nave serve` process
//! (on a fresh etcd for the etcd backend), and the bare store opened in-process on a fresh
//! directory (or another fresh etcd).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use storage::Store;
use storage_etcd::testing::EtcdProcess;

use crate::client::Protocol;
use crate::cpu::CpuMeter;
use crate::figures::Figures;
use crate::process::HubProcess;
use crate::procfs::{self, mb};
use crate::workload::Counts;

/// The stores compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Backend {
    /// The embedded default (`nave serve` without `--store`).
    Redb,
    /// A real etcd process (`--store etcd://…`).
    Etcd,
}

impl Backend {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Backend::Redb => "redb",
            Backend::Etcd => "etcd",
        }
    }
}

/// How the hub side runs.
#[derive(Debug)]
pub(crate) struct HubOptions<'a> {
    /// The `nave` binary.
    pub(crate) binary: &'a Path,
    /// `RUST_LOG` for the hub (`None`: its default, `info`).
    pub(crate) log_filter: Option<&'a str>,
    /// HTTP version of the request phases.
    pub(crate) protocol: Protocol,
}

/// The hub on `backend`, driven over TLS.
pub(crate) async fn hub(
    backend: Backend,
    counts: &Counts,
    options: &HubOptions<'_>,
) -> Result<Figures> {
    let etcd = match backend {
        Backend::Redb => None,
        Backend::Etcd => Some(start_etcd().await?),
    };
    let mut extra = Vec::new();
    if let Some(etcd) = &etcd {
        extra.push("--store".to_owned());
        extra.push(format!(
            "etcd://{}",
            etcd.endpoint.trim_start_matches("http://")
        ));
    }
    let hub = HubProcess::start(options.binary, &extra, options.log_filter)?;
    let hub_pid = hub.pid();
    eprintln!("  hub pid {hub_pid}, log {}", hub.log.display());
    let etcd_pid = match &etcd {
        Some(etcd) => Some(
            procfs::find_pid(&format!("--listen-client-urls={}", etcd.endpoint))
                .context("cannot find the etcd process")?,
        ),
        None => None,
    };
    // Let start-up work (controllers, first compaction checks) settle before "idle".
    tokio::time::sleep(Duration::from_secs(2)).await;
    let hub_idle = procfs::memory(hub_pid).context("the hub exited")?;
    let etcd_idle = etcd_pid.and_then(procfs::memory);
    let log_before = hub.log_size();
    let name = backend.name();
    let mut cpu = CpuMeter::new(hub_pid, etcd_pid, Some(std::process::id()));
    let mut progress = |phase: &'static str, ops: u64, unit: &'static str| {
        cpu.phase(phase, ops, unit);
        let now = procfs::memory(hub_pid).unwrap_or_default();
        eprintln!(
            "  {name} hub: {phase} done (hub RSS {}, peak {})",
            mb(now.rss_kib),
            mb(now.peak_kib)
        );
    };
    let mut figures = crate::api::run(&hub.kubeconfig, counts, options.protocol, &mut progress)
        .await
        .with_context(|| {
            let log = std::fs::read_to_string(&hub.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            format!(
                "{name} hub run failed; last log lines (newest first):\n{}",
                tail.join("\n")
            )
        })?;
    figures.cpu = cpu.finish();
    let hub_end = procfs::memory(hub_pid).context("the hub exited")?;
    figures.hub_memory = Some((hub_idle, hub_end));
    figures.etcd_memory = etcd_idle.zip(etcd_pid.and_then(procfs::memory));
    let log_after = hub.log_size();
    figures.log = Some((
        log_after.0.saturating_sub(log_before.0),
        log_after.1.saturating_sub(log_before.1),
    ));
    drop(hub);
    drop(etcd);
    Ok(figures)
}

/// The bare store of `backend`, in-process.
pub(crate) async fn bare(backend: Backend, counts: &Counts) -> Result<Figures> {
    match backend {
        Backend::Redb => {
            let dir = tempfile::Builder::new()
                .prefix("nave-bench-redb-")
                .tempdir()?;
            let store: Arc<dyn Store> = Arc::new(storage_redb::open(
                dir.path(),
                storage_redb::RedbOptions::default(),
            )?);
            let figures = bare_run(&store, counts, None).await;
            drop(store);
            figures
        }
        Backend::Etcd => {
            let etcd = start_etcd().await?;
            let store: Arc<dyn Store> = Arc::new(etcd.store().await);
            let etcd_pid = procfs::find_pid(&format!("--listen-client-urls={}", etcd.endpoint))
                .context("cannot find the etcd process")?;
            let figures = bare_run(&store, counts, Some(etcd_pid)).await;
            drop(store);
            drop(etcd);
            figures
        }
    }
}

async fn bare_run(
    store: &Arc<dyn Store>,
    counts: &Counts,
    etcd_pid: Option<u32>,
) -> Result<Figures> {
    let mut cpu = CpuMeter::new(std::process::id(), etcd_pid, None);
    let mut progress = |phase: &'static str, ops: u64, unit: &'static str| {
        cpu.phase(phase, ops, unit);
    };
    let mut figures = crate::bare::run(Arc::clone(store), counts, &mut progress).await?;
    figures.cpu = cpu.finish();
    Ok(figures)
}

async fn start_etcd() -> Result<EtcdProcess> {
    EtcdProcess::start().await.map_err(|missing| {
        anyhow!(
            "etcd is not available: {} (install etcd-server, or pass --backends redb)",
            missing.0
        )
    })
}
