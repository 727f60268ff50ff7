//! The harness of nave's end-to-end tests: finding the `nave` binary, running it as a real
//! process, and waiting for what it prints.
//!
//! The tests themselves are in `tests/tests/*.rs`. They need the `nave` binary built
//! (`just test` builds it first; so does `cargo build --workspace --bins`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub use storage_etcd::testing::EtcdProcess;

/// The `nave` binary next to the running test binary (`target/<profile>/nave`).
pub fn nave_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("path of the test binary");
    // target/<profile>/deps/<test> → target/<profile>/nave
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile> directory");
    let binary = profile_dir.join("nave");
    assert!(
        binary.exists(),
        "{} does not exist: build it first with `cargo build --workspace --bins` (`just test` does)",
        binary.display()
    );
    binary
}

/// The workspace root (for tests that read the source tree).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// A `nave` process with its output collected line by line.
#[derive(Debug)]
pub struct NaveProcess {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl NaveProcess {
    /// Starts `nave` with `args`.
    pub fn start(args: &[&str]) -> NaveProcess {
        let mut child = Command::new(nave_binary())
            .args(args)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nave");
        let (sender, lines) = mpsc::channel();
        for pipe in [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let sender = sender.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if sender.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        NaveProcess {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits until a line of output contains `needle`; returns that line.
    pub fn wait_for_line(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(line) = self.seen.iter().find(|line| line.contains(needle)) {
                return line.clone();
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!(
                    "no line containing {needle:?} within {timeout:?}; output so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Sends `signal` (e.g. `TERM`) and waits for the exit; returns the exit code.
    pub fn signal_and_wait(mut self, signal: &str, timeout: Duration) -> Option<i32> {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for nave") {
                return status.code();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "nave did not exit within {timeout:?} of SIG{signal}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for NaveProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `nave` with `args` to completion; returns the exit code and everything it printed.
pub fn run_nave(args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(nave_binary())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run nave");
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.code(), text)
}
