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

    /// Everything the process has printed so far.
    pub fn output(&mut self) -> String {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        self.seen.join("\n")
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

/// A `nave serve` process on a free loopback port with a fresh data directory, ready for
/// kubectl: [`Hub::kubeconfig`] is the admin kubeconfig it wrote.
#[derive(Debug)]
pub struct Hub {
    /// The process.
    pub process: NaveProcess,
    /// The data directory.
    pub data: tempfile::TempDir,
    /// `admin.kubeconfig`.
    pub kubeconfig: PathBuf,
}

impl Hub {
    /// Starts `nave serve` with `extra` flags and waits until it serves.
    pub fn start(extra: &[&str]) -> Hub {
        Hub::start_in(tempfile::tempdir().expect("data directory"), extra)
    }

    /// Starts `nave serve` on an existing data directory (a restart). Listens on a free
    /// loopback port unless `extra` carries its own `--listen`.
    pub fn start_in(data: tempfile::TempDir, extra: &[&str]) -> Hub {
        let data_dir = data.path().to_str().expect("utf-8 path").to_owned();
        let mut args = vec!["serve", "--data-dir", &data_dir];
        if !extra.contains(&"--listen") {
            args.extend_from_slice(&["--listen", "127.0.0.1:0"]);
        }
        args.extend_from_slice(extra);
        let mut process = NaveProcess::start(&args);
        let line = process.wait_for_line("export KUBECONFIG=", Duration::from_secs(60));
        let kubeconfig = PathBuf::from(line.trim().trim_start_matches("export KUBECONFIG="));
        assert!(
            kubeconfig.exists(),
            "{} was not written",
            kubeconfig.display()
        );
        Hub {
            process,
            data,
            kubeconfig,
        }
    }

    /// Stops the hub with `signal`; returns its exit code and its data directory (for a restart).
    pub fn stop(self, signal: &str) -> (Option<i32>, tempfile::TempDir) {
        let code = self
            .process
            .signal_and_wait(signal, Duration::from_secs(15));
        (code, self.data)
    }

    /// The server URL from the kubeconfig (`https://127.0.0.1:PORT/clusters/root`).
    pub fn server(&self) -> String {
        let text = std::fs::read_to_string(&self.kubeconfig).expect("kubeconfig");
        text.lines()
            .find_map(|line| line.trim().strip_prefix("server: "))
            .map(|server| server.trim_matches('"').to_owned())
            .expect("server in kubeconfig")
    }
}

/// The kubectl to drive: 1.32 where the machine has several (Google's dispatcher ships
/// `kubectl.1.32` beside it), else `kubectl` on the PATH. `None` if there is none, except under
/// `CI=true`, where a missing kubectl is a failure.
pub fn kubectl_binary() -> Option<PathBuf> {
    let pinned = PathBuf::from("/usr/lib/google-cloud-sdk/bin/kubectl.1.32");
    if pinned.exists() {
        return Some(pinned);
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("kubectl"))
            .find(|candidate| candidate.exists())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "kubectl is required when CI=true"
        );
        eprintln!("skipping: kubectl is not installed");
    }
    found
}

/// kubectl bound to one hub, with its own discovery cache.
#[derive(Debug)]
pub struct Kubectl {
    binary: PathBuf,
    kubeconfig: PathBuf,
    cache: tempfile::TempDir,
}

/// What a kubectl run printed.
#[derive(Debug)]
pub struct Output {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    /// Asserts success and returns stdout.
    pub fn ok(self) -> String {
        assert_eq!(
            self.code, 0,
            "kubectl failed: {}{}",
            self.stdout, self.stderr
        );
        self.stdout
    }

    /// Asserts failure and returns stderr.
    pub fn fails(self) -> String {
        assert_ne!(
            self.code, 0,
            "kubectl unexpectedly succeeded: {}",
            self.stdout
        );
        self.stderr
    }
}

impl Kubectl {
    /// kubectl for `hub`, or `None` when kubectl is missing (outside CI).
    pub fn new(hub: &Hub) -> Option<Kubectl> {
        let binary = kubectl_binary()?;
        Some(Kubectl {
            binary,
            kubeconfig: hub.kubeconfig.clone(),
            cache: tempfile::tempdir().expect("cache dir"),
        })
    }

    /// Runs kubectl with `args` (and `stdin`).
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        self.run_with_env(args, stdin, &[])
    }

    /// Runs kubectl with `args`, `stdin` and extra environment variables (e.g. `EDITOR`).
    pub fn run_with_env(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
        use std::io::Write;
        let mut child = Command::new(&self.binary)
            .args(args)
            .envs(env.iter().copied())
            .env("KUBECONFIG", &self.kubeconfig)
            .env("KUBECACHEDIR", self.cache.path())
            .env("HOME", self.cache.path())
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run kubectl");
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes()).expect("kubectl stdin");
        }
        let output = child.wait_with_output().expect("kubectl output");
        Output {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs kubectl in the background (for `get -w`), killed when dropped.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        Command::new(&self.binary)
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("KUBECACHEDIR", self.cache.path())
            .env("HOME", self.cache.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run kubectl")
    }
}

/// A P-256 key (`dir/<name>.key`) and a PEM CSR for `subject` (`/O=group/CN=user`), made by the
/// openssl command line as an operator would.
pub fn openssl_csr(dir: &Path, name: &str, subject: &str) -> String {
    let key = dir.join(format!("{name}.key"));
    let csr = dir.join(format!("{name}.csr"));
    let output = Command::new("openssl")
        .args(["req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt"])
        .arg("ec_paramgen_curve:prime256v1")
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&csr)
        .args(["-subj", subject])
        .output()
        .expect("the openssl command line is required (.ci/setup installs it)");
    assert!(output.status.success(), "{output:?}");
    std::fs::read_to_string(csr).expect("the CSR openssl wrote")
}

/// A CertificateSigningRequest manifest (YAML) for `request_pem`.
pub fn csr_manifest(
    name: &str,
    request_pem: &str,
    signer: &str,
    usages: &[&str],
    expiration: Option<u32>,
) -> String {
    let expiration = expiration.map_or(String::new(), |seconds| {
        format!("  expirationSeconds: {seconds}\n")
    });
    let usages: String = usages
        .iter()
        .map(|usage| format!("  - {usage}\n"))
        .collect();
    format!(
        "apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata:\n  name: {name}\nspec:\n  request: {}\n  signerName: {signer}\n{expiration}  usages:\n{usages}",
        openssl::base64::encode_block(request_pem.as_bytes())
    )
}
