//! A throwaway etcd server for tests: a real `etcd` process on free loopback ports with a
//! temporary data directory, killed when dropped.
//!
//! Without an `etcd` binary, [`EtcdProcess::start`] returns [`Missing`]: tests may skip locally,
//! but [`EtcdProcess::start_or_skip`] panics when `CI=true`, so CI can never pass by skipping.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{EtcdOptions, EtcdStore};

/// A running etcd server.
#[derive(Debug)]
pub struct EtcdProcess {
    child: Child,
    /// The client URL, `http://127.0.0.1:PORT`.
    pub endpoint: String,
    _data: tempfile::TempDir,
}

/// etcd is not installed (or not runnable).
#[derive(Debug)]
pub struct Missing(pub String);

/// The etcd binary: `$ETCD_BIN` or `etcd` on the `PATH`.
pub fn etcd_binary() -> PathBuf {
    std::env::var_os("ETCD_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("etcd"))
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl EtcdProcess {
    /// Starts etcd and waits until it answers.
    pub async fn start() -> Result<EtcdProcess, Missing> {
        let binary = etcd_binary();
        let mut last_error = String::new();
        // A free port can be taken by someone else before etcd binds it: retry a few times.
        for _ in 0..5 {
            let data = tempfile::tempdir()
                .map_err(|error| Missing(format!("temporary directory: {error}")))?;
            let (client, peer) = match (free_port(), free_port()) {
                (Ok(client), Ok(peer)) if client != peer => (client, peer),
                _ => continue,
            };
            let endpoint = format!("http://127.0.0.1:{client}");
            let peer_url = format!("http://127.0.0.1:{peer}");
            let child = Command::new(&binary)
                .arg("--name=test")
                .arg(format!("--data-dir={}", data.path().display()))
                .arg(format!("--listen-client-urls={endpoint}"))
                .arg(format!("--advertise-client-urls={endpoint}"))
                .arg(format!("--listen-peer-urls={peer_url}"))
                .arg(format!("--initial-advertise-peer-urls={peer_url}"))
                .arg(format!("--initial-cluster=test={peer_url}"))
                .arg("--log-level=error")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let child = match child {
                Ok(child) => child,
                Err(error) => {
                    return Err(Missing(format!("cannot run {}: {error}", binary.display())));
                }
            };
            let mut process = EtcdProcess {
                child,
                endpoint,
                _data: data,
            };
            match process.wait_ready().await {
                Ok(()) => return Ok(process),
                Err(error) => last_error = error,
            }
        }
        Err(Missing(format!("etcd did not start: {last_error}")))
    }

    /// Starts etcd; without it, returns `None` after printing why, except under `CI=true`,
    /// where a missing etcd is a failure.
    pub async fn start_or_skip() -> Option<EtcdProcess> {
        match EtcdProcess::start().await {
            Ok(process) => Some(process),
            Err(Missing(reason)) if std::env::var("CI").as_deref() != Ok("true") => {
                eprintln!(
                    "skipping: etcd is not available ({reason}); install etcd-server to run this test"
                );
                None
            }
            Err(Missing(reason)) => panic!("etcd is required when CI=true: {reason}"),
        }
    }

    /// The server's data directory (removed when this is dropped).
    pub fn data_dir(&self) -> &Path {
        self._data.path()
    }

    /// Connects a store to this server.
    pub async fn store(&self) -> EtcdStore {
        EtcdStore::connect(EtcdOptions::new(vec![self.endpoint.clone()]))
            .await
            .expect("connect to the test etcd")
    }

    async fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("etcd exited with {status}"));
            }
            let mut options = EtcdOptions::new(vec![self.endpoint.clone()]);
            options.connect_timeout = Duration::from_millis(500);
            options.request_timeout = Duration::from_secs(2);
            if let Ok(store) = EtcdStore::connect(options).await
                && storage::Store::current_revision(&store).await.is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err("no answer within 20 s".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for EtcdProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
