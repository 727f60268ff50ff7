//! Running `nave serve` as a real process on a fresh data directory: started as a user would
//! (default log level unless asked otherwise, logs to a file), stopped when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// A running hub.
#[derive(Debug)]
pub(crate) struct HubProcess {
    child: Child,
    /// Its `admin.kubeconfig`.
    pub(crate) kubeconfig: PathBuf,
    /// Where its stderr (the request log) goes.
    pub(crate) log: PathBuf,
    _data: tempfile::TempDir,
}

/// The `nave` binary: `explicit`, else `nave` beside this benchmark's own binary
/// (`target/release/`).
pub(crate) fn nave_binary(explicit: Option<&Path>) -> Result<PathBuf> {
    let binary = match explicit {
        Some(path) => path.to_path_buf(),
        None => std::env::current_exe()?
            .parent()
            .context("the benchmark binary has no directory")?
            .join("nave"),
    };
    if !binary.exists() {
        bail!(
            "{} does not exist: build it with `cargo build --release -p hub --bin nave` \
             (`just bench-api` does)",
            binary.display()
        );
    }
    Ok(binary)
}

impl HubProcess {
    /// Starts `binary serve` on a free loopback port with `extra` flags; `rust_log` overrides the
    /// log filter (unset: the hub's default, `info`, one line per request). Waits until it serves.
    pub(crate) fn start(binary: &Path, extra: &[String], rust_log: Option<&str>) -> Result<Self> {
        let data = tempfile::Builder::new().prefix("nave-bench-").tempdir()?;
        let log = data.path().join("hub.log");
        let mut command = Command::new(binary);
        command
            .arg("serve")
            .arg("--data-dir")
            .arg(data.path().join("data"))
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .env_remove("RUST_LOG")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log)?);
        if let Some(filter) = rust_log {
            command.env("RUST_LOG", filter);
        }
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdout = child.stdout.take().context("no stdout pipe")?;
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut process = HubProcess {
            child,
            kubeconfig: PathBuf::new(),
            log,
            _data: data,
        };
        loop {
            match lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    if let Some(path) = line.trim().strip_prefix("export KUBECONFIG=") {
                        process.kubeconfig = PathBuf::from(path);
                        return Ok(process);
                    }
                }
                Err(_) => {
                    let log = std::fs::read_to_string(&process.log).unwrap_or_default();
                    bail!("nave serve did not print its kubeconfig within 60 s:\n{log}");
                }
            }
        }
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Bytes and lines written to the log so far.
    pub(crate) fn log_size(&self) -> (u64, u64) {
        let log = std::fs::read(&self.log).unwrap_or_default();
        let lines = log.iter().filter(|byte| **byte == b'\n').count();
        (log.len() as u64, lines as u64)
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
