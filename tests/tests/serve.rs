//! `nave serve` as a real process: it opens each kind of store, keeps what it stored across
//! restarts, stops cleanly on SIGTERM and SIGINT, refuses bad flags with one clear line, and
//! serves a replaced serving certificate without a restart.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::time::Duration;

use tests::{EtcdProcess, Hub, NaveProcess, run_nave};

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

#[test]
fn a_replaced_serving_certificate_is_served_without_a_restart() {
    let hub = Hub::start(&[]);
    let pki = hub.data.path().join("pki");
    let address = hub
        .server()
        .trim_start_matches("https://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let before = served_certificate(&pki, &address);

    // Replace the pair as an operator (or cert-manager) would: key first, then certificate.
    let ca = certs::Ca::from_pem(
        &std::fs::read(pki.join("ca.crt")).unwrap(),
        &std::fs::read(pki.join("ca.key")).unwrap(),
    )
    .unwrap();
    let sans = [
        certs::San::parse("127.0.0.1"),
        certs::San::parse("reloaded.example"),
    ];
    let fresh = certs::issue_serving(&ca, "nave-hub", &sans, Duration::from_secs(3600)).unwrap();
    std::fs::write(pki.join("serving.key"), &fresh.key_pem).unwrap();
    std::fs::write(pki.join("serving.crt"), &fresh.cert_pem).unwrap();

    let expected = openssl::x509::X509::from_pem(fresh.cert_pem.as_bytes())
        .unwrap()
        .digest(openssl::hash::MessageDigest::sha256())
        .unwrap()
        .to_vec();
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let served = served_certificate(&pki, &address);
        if served == expected {
            break;
        }
        assert_eq!(served, before, "neither the old nor the new certificate");
        assert!(
            std::time::Instant::now() < deadline,
            "the hub still serves the old certificate after {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // The process kept running and still answers over the new certificate.
    let (code, _) = hub.stop("TERM");
    assert_eq!(code, Some(0));
}

/// The SHA-256 fingerprint of the certificate the hub at `address` serves, verified against the
/// hub CA in `pki`.
fn served_certificate(pki: &std::path::Path, address: &str) -> Vec<u8> {
    use openssl::ssl::{SslConnector, SslMethod};
    let mut connector = SslConnector::builder(SslMethod::tls_client()).unwrap();
    connector.set_ca_file(pki.join("ca.crt")).unwrap();
    let connector = connector.build();
    let tcp = std::net::TcpStream::connect(address).unwrap();
    let stream = connector
        .configure()
        .unwrap()
        .verify_hostname(false)
        .connect("127.0.0.1", tcp)
        .unwrap();
    stream
        .ssl()
        .peer_certificate()
        .unwrap()
        .digest(openssl::hash::MessageDigest::sha256())
        .unwrap()
        .to_vec()
}
