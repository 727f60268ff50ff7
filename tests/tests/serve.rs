//! `nave serve` as a real process: it opens each kind of store, keeps what it stored across
//! restarts, stops cleanly on SIGTERM and SIGINT, and refuses bad flags with one clear line.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::time::Duration;

use tests::{EtcdProcess, NaveProcess, run_nave};

const PATIENCE: Duration = Duration::from_secs(30);

#[test]
fn serves_the_embedded_default_and_stops_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap();
    let mut hub = NaveProcess::start(&["serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0"]);
    let line = hub.wait_for_line("serving the Kubernetes API", PATIENCE);
    assert!(line.contains(&format!("redb://{data_dir}")), "{line}");
    assert!(
        data.path().join("nave.redb").exists(),
        "the default store is redb in the data dir"
    );
    assert_eq!(hub.signal_and_wait("TERM", PATIENCE), Some(0));

    // Restart on the same directory: the store opens again (the lock was released).
    let mut hub = NaveProcess::start(&["serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0"]);
    hub.wait_for_line("serving the Kubernetes API", PATIENCE);
    assert_eq!(hub.signal_and_wait("INT", PATIENCE), Some(0));
}

#[test]
fn serves_sled_when_asked() {
    let data = tempfile::tempdir().unwrap();
    let mut hub = NaveProcess::start(&[
        "serve",
        "--data-dir",
        data.path().to_str().unwrap(),
        "--store",
        "sled",
    ]);
    hub.wait_for_line("serving the Kubernetes API", PATIENCE);
    assert!(data.path().join("nave.sled").exists());
    assert_eq!(hub.signal_and_wait("TERM", PATIENCE), Some(0));
}

#[tokio::test]
async fn serves_etcd() {
    let Some(etcd) = EtcdProcess::start_or_skip().await else {
        return;
    };
    let store = format!("etcd://{}", etcd.endpoint.trim_start_matches("http://"));
    let data = tempfile::tempdir().unwrap();
    let mut hub = NaveProcess::start(&[
        "serve",
        "--store",
        &store,
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        data.path().to_str().unwrap(),
    ]);
    let line = hub.wait_for_line("serving the Kubernetes API", PATIENCE);
    assert!(line.contains(&store), "{line}");
    assert_eq!(hub.signal_and_wait("TERM", PATIENCE), Some(0));
}

#[test]
fn bad_flags_get_one_line_and_a_failure_code() {
    let (code, output) = run_nave(&["serve", "--store", "postgres://db"]);
    assert_eq!(code, Some(1));
    assert_eq!(output.trim().lines().count(), 1, "{output}");
    assert!(
        output.starts_with("error: unknown store \"postgres://db\""),
        "{output}"
    );

    let (code, output) = run_nave(&["serve", "--store", "etcd://127.0.0.1:1"]);
    assert_eq!(code, Some(1));
    assert!(output.contains("error: cannot connect to etcd"), "{output}");

    let (code, _) = run_nave(&["serve", "--no-such-flag"]);
    assert_eq!(code, Some(2), "clap's usage error");
}
