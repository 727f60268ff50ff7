//! Joining end to end, with the real kubectl and openssl against a real `nave serve`: `nave
//! token create` makes a bootstrap token; a worker's CSR created with it (`kubectl --token`) is
//! auto-approved and signed, and the issued certificate authenticates as the worker. A token
//! made without auto-approval leaves its CSR pending; bad flags fail with one line.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::time::{Duration, Instant};

use tests::{Hub, Kubectl, Output, csr_manifest, openssl_csr, run_nave};

fn manifest(name: &str, request_pem: &str) -> String {
    csr_manifest(
        name,
        request_pem,
        "nave.dev/worker-client",
        &["digital signature", "client auth"],
        None,
    )
}

/// `nave token create` against `hub` with `extra` flags: the token and the CA hash.
fn token_create(hub: &Hub, extra: &[&str]) -> (String, String) {
    let data_dir = hub.data.path().to_str().unwrap();
    let mut args = vec!["token", "create", "--data-dir", data_dir];
    args.extend_from_slice(extra);
    let (code, output) = run_nave(&args);
    assert_eq!(code, Some(0), "{output}");
    let mut lines = output.lines();
    let token = lines.next().unwrap().to_owned();
    let hash = lines.next().unwrap().to_owned();
    (token, hash)
}

/// kubectl with no kubeconfig: only the server, the CA and `credentials` flags.
fn bare(
    kubectl: &Kubectl,
    hub: &Hub,
    credentials: &[&str],
    args: &[&str],
    stdin: Option<&str>,
) -> Output {
    let server = hub.server();
    let ca = hub.data.path().join("pki/ca.crt");
    let mut all = vec![
        "--kubeconfig",
        "/dev/null",
        "--server",
        &server,
        "--certificate-authority",
        ca.to_str().unwrap(),
    ];
    all.extend_from_slice(credentials);
    all.extend_from_slice(args);
    kubectl.run(&all, stdin)
}

#[test]
fn a_worker_joins_with_an_auto_approved_bootstrap_token() {
    let hub = Hub::start(&[]);
    let Some(kubectl) = Kubectl::new(&hub) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();

    let (token, hash) = token_create(&hub, &["--ttl", "1h", "--description", "edge"]);
    assert!(certs::BootstrapToken::parse(&token).is_ok(), "{token}");
    let ca = std::fs::read(hub.data.path().join("pki/ca.crt")).unwrap();
    assert_eq!(hash, certs::ca_hash(&ca).unwrap());
    let with_token = ["--token", token.as_str()];

    let request = openssl_csr(
        dir.path(),
        "edge-1",
        "/O=system:nave:workers/CN=system:nave:worker:edge-1",
    );
    let created = bare(
        &kubectl,
        &hub,
        &with_token,
        &["create", "-f", "-"],
        Some(&manifest("edge-1", &request)),
    )
    .ok();
    assert!(created.contains("edge-1 created"), "{created}");

    let deadline = Instant::now() + Duration::from_secs(20);
    let certificate = loop {
        let certificate = bare(
            &kubectl,
            &hub,
            &with_token,
            &[
                "get",
                "csr",
                "edge-1",
                "-o",
                "jsonpath={.status.certificate}",
            ],
            None,
        )
        .ok();
        if !certificate.trim().is_empty() {
            break certificate;
        }
        assert!(Instant::now() < deadline, "edge-1 was not signed");
        std::thread::sleep(Duration::from_millis(100));
    };
    let reason = kubectl
        .run(
            &[
                "get",
                "csr",
                "edge-1",
                "-o",
                "jsonpath={.status.conditions[0].reason}",
            ],
            None,
        )
        .ok();
    assert_eq!(reason, "AutoApproved");
    let pem = openssl::base64::decode_block(certificate.trim()).unwrap();
    let cert_file = dir.path().join("edge-1.crt");
    std::fs::write(&cert_file, &pem).unwrap();
    let key_file = dir.path().join("edge-1.key");

    let whoami = bare(
        &kubectl,
        &hub,
        &[
            "--client-certificate",
            cert_file.to_str().unwrap(),
            "--client-key",
            key_file.to_str().unwrap(),
        ],
        &["auth", "whoami"],
        None,
    )
    .ok();
    assert!(
        whoami
            .lines()
            .any(|line| line.starts_with("Username") && line.contains("system:nave:worker:edge-1")),
        "{whoami}"
    );
    assert!(whoami.contains("system:nave:workers"), "{whoami}");

    // A token made without auto-approval may ask, but its request waits for a human.
    let (manual, _) = token_create(&hub, &["--auto-approve=false", "--ttl", "0"]);
    let request = openssl_csr(
        dir.path(),
        "edge-2",
        "/O=system:nave:workers/CN=system:nave:worker:edge-2",
    );
    bare(
        &kubectl,
        &hub,
        &["--token", &manual],
        &["create", "-f", "-"],
        Some(&manifest("edge-2", &request)),
    )
    .ok();
    std::thread::sleep(Duration::from_secs(1));
    let listed = kubectl.run(&["get", "csr", "edge-2"], None).ok();
    assert!(listed.contains("Pending"), "{listed}");
}

#[test]
fn bad_flags_fail_with_one_line() {
    let hub = Hub::start(&[]);
    let data_dir = hub.data.path().to_str().unwrap();
    for extra in [
        &["--ttl", "soon"][..],
        &["--cluster", "a/b"][..],
        &["--cluster", "missing"][..],
    ] {
        let mut args = vec!["token", "create", "--data-dir", data_dir];
        args.extend_from_slice(extra);
        let (code, output) = run_nave(&args);
        assert_eq!(code, Some(1), "{extra:?}: {output}");
        assert_eq!(output.trim().lines().count(), 1, "{extra:?}: {output}");
        assert!(output.starts_with("error: "), "{extra:?}: {output}");
    }
    let missing = tempfile::tempdir().unwrap();
    let (code, output) = run_nave(&[
        "token",
        "create",
        "--data-dir",
        missing.path().to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{output}");
    assert!(output.contains("admin.kubeconfig"), "{output}");
}
