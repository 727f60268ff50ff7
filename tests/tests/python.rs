//! The real Python `kubernetes` client (PyPI `kubernetes` 37.x) against a real `nave serve` over
//! TLS with the admin client certificate: runs `tests/python/client_scenario.py` (typed CRUD,
//! every patch type the client sends, scale, errors, pagination, watches, the DynamicClient,
//! CRDs with CustomObjectsApi) and asserts that every step passed.
//!
//! The client is installed by `.ci/setup`. Without it the test is skipped with a reason, except
//! under `CI=true`, where it fails: CI must not pass by skipping.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tests::Hub;

/// The whole scenario takes about 15 s; this only bounds a hang.
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(300);

/// `python3` on the PATH with the `kubernetes` package importable; `None` (a skip) if either is
/// missing, except under `CI=true`, where that is a failure.
fn python_with_client() -> Option<PathBuf> {
    let in_ci = std::env::var("CI").as_deref() == Ok("true");
    let python = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("python3"))
            .find(|candidate| candidate.is_file())
    });
    let Some(python) = python else {
        assert!(!in_ci, "python3 is required when CI=true (.ci/setup)");
        eprintln!("skipping: python3 is not on the PATH");
        return None;
    };
    let probe = Command::new(&python)
        .args(["-c", "import kubernetes; print(kubernetes.__version__)"])
        .output()
        .expect("run python3");
    if !probe.status.success() {
        let why = String::from_utf8_lossy(&probe.stderr);
        assert!(
            !in_ci,
            "the Python kubernetes client is required when CI=true (.ci/setup installs it): {why}"
        );
        eprintln!(
            "skipping: `import kubernetes` failed with {} (pip install 'kubernetes==37.0.2')",
            python.display()
        );
        return None;
    }
    eprintln!(
        "python kubernetes client {}",
        String::from_utf8_lossy(&probe.stdout).trim()
    );
    Some(python)
}

#[test]
fn python_client_scenario() {
    let Some(python) = python_with_client() else {
        return;
    };
    // A short history, so that the scenario's watch from an old resourceVersion gets 410.
    let mut hub = Hub::start(&["--retain-revisions", "50"]);
    let script = tests::workspace_root().join("tests/python/client_scenario.py");
    assert!(script.exists(), "{} is missing", script.display());

    // The client writes the kubeconfig's certificates and its discovery cache to temporary
    // files: keep them in a directory of this test's own.
    let scratch = tempfile::tempdir().expect("scratch directory");
    let log_path = scratch.path().join("scenario.log");
    let log = std::fs::File::create(&log_path).expect("scenario log");
    let mut child = Command::new(&python)
        .arg(&script)
        .arg(&hub.kubeconfig)
        .env("TMPDIR", scratch.path())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log handle"))
        .stderr(log)
        .spawn()
        .expect("run the Python scenario");

    let deadline = Instant::now() + SCENARIO_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for python3") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = std::fs::read_to_string(&log_path).unwrap_or_default();
    match status {
        Some(status) if status.success() => {
            // Shown with --nocapture: one line per step.
            println!("{output}");
        }
        Some(status) => panic!(
            "the Python client scenario failed ({status}):\n{output}\n--- hub output ---\n{}",
            hub.process.output()
        ),
        None => panic!(
            "the Python client scenario did not finish within {SCENARIO_TIMEOUT:?}:\n{output}\n--- hub output ---\n{}",
            hub.process.output()
        ),
    }
}
