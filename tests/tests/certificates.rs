//! Client certificates end to end, with the real kubectl against a real `nave serve`: a
//! CertificateSigningRequest created, approved with `kubectl certificate approve`, signed by the
//! hub's signer and used to authenticate; a denied one never signed; and `nave kubeconfig
//! create` minting a kubeconfig whose user is authenticated but not authorized.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::time::{Duration, Instant};

use tests::{Hub, Kubectl, csr_manifest, openssl_csr, run_nave};

fn manifest(name: &str, request_pem: &str, signer: &str) -> String {
    csr_manifest(name, request_pem, signer, &["client auth"], Some(86400))
}

fn base64_decode(text: &str) -> Vec<u8> {
    openssl::base64::decode_block(text.trim()).expect("base64")
}

/// Polls `kubectl get csr NAME -o jsonpath={.status.certificate}` until it is not empty.
fn issued(kubectl: &Kubectl, name: &str, wait: Duration) -> Option<String> {
    let deadline = Instant::now() + wait;
    loop {
        let certificate = kubectl
            .run(
                &["get", "csr", name, "-o", "jsonpath={.status.certificate}"],
                None,
            )
            .ok();
        if !certificate.trim().is_empty() {
            return Some(certificate);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn kubectl_certificate_approve_issues_a_working_client_certificate() {
    let hub = Hub::start(&[]);
    let Some(kubectl) = Kubectl::new(&hub) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();

    let request = openssl_csr(dir.path(), "jane", "/CN=jane/O=qa");
    let created = kubectl
        .run(
            &["create", "-f", "-"],
            Some(&manifest(
                "jane",
                &request,
                "kubernetes.io/kube-apiserver-client",
            )),
        )
        .ok();
    assert!(
        created.contains("certificatesigningrequest.certificates.k8s.io/jane created"),
        "{created}"
    );
    let pending = kubectl.run(&["get", "csr", "jane"], None).ok();
    assert!(pending.contains("Pending"), "{pending}");

    let approved = kubectl.run(&["certificate", "approve", "jane"], None).ok();
    assert!(
        approved.contains("certificatesigningrequest.certificates.k8s.io/jane approved"),
        "{approved}"
    );
    let certificate =
        issued(&kubectl, "jane", Duration::from_secs(20)).expect("the approved CSR was signed");
    let pem = base64_decode(&certificate);
    assert!(pem.starts_with(b"-----BEGIN CERTIFICATE-----"));
    let cert_file = dir.path().join("jane.crt");
    std::fs::write(&cert_file, &pem).unwrap();
    let listed = kubectl.run(&["get", "csr", "jane"], None).ok();
    assert!(listed.contains("Approved,Issued"), "{listed}");

    // The issued certificate authenticates as jane in qa (a kubeconfig without credentials,
    // so the flags are the only ones).
    let bare = dir.path().join("bare.kubeconfig");
    std::fs::write(
        &bare,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: nave\n  cluster:\n    server: {}\n    certificate-authority: {}\nusers:\n- name: jane\n  user: {{}}\ncontexts:\n- name: jane\n  context: {{cluster: nave, user: jane}}\ncurrent-context: jane\n",
            hub.server(),
            hub.data.path().join("pki/ca.crt").display()
        ),
    )
    .unwrap();
    let whoami = kubectl
        .run(
            &[
                "--kubeconfig",
                bare.to_str().unwrap(),
                "auth",
                "whoami",
                "--client-certificate",
                cert_file.to_str().unwrap(),
                "--client-key",
                dir.path().join("jane.key").to_str().unwrap(),
            ],
            None,
        )
        .ok();
    assert!(
        whoami
            .lines()
            .any(|line| line.starts_with("Username") && line.contains("jane")),
        "{whoami}"
    );
    assert!(whoami.contains("qa"), "{whoami}");

    // A denied request is never signed.
    let request = openssl_csr(dir.path(), "mallory", "/CN=mallory");
    kubectl
        .run(
            &["create", "-f", "-"],
            Some(&manifest(
                "mallory",
                &request,
                "kubernetes.io/kube-apiserver-client",
            )),
        )
        .ok();
    let denied = kubectl.run(&["certificate", "deny", "mallory"], None).ok();
    assert!(denied.contains("denied"), "{denied}");
    // A later approved request being signed shows the signer has passed the denied one.
    let request = openssl_csr(dir.path(), "later", "/CN=later");
    kubectl
        .run(
            &["create", "-f", "-"],
            Some(&manifest("later", &request, "nave.dev/worker-client")),
        )
        .ok();
    kubectl.run(&["certificate", "approve", "later"], None).ok();
    assert!(issued(&kubectl, "later", Duration::from_secs(20)).is_some());
    assert_eq!(issued(&kubectl, "mallory", Duration::ZERO), None);
    let listed = kubectl.run(&["get", "csr", "mallory"], None).ok();
    assert!(listed.contains("Denied"), "{listed}");
}

#[test]
fn nave_kubeconfig_create_mints_an_authenticated_unprivileged_user() {
    let hub = Hub::start(&[]);
    let Some(kubectl) = Kubectl::new(&hub) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("alice.kubeconfig");
    let data_dir = hub.data.path().to_str().unwrap();
    let (code, output) = run_nave(&[
        "kubeconfig",
        "create",
        "--data-dir",
        data_dir,
        "--cluster",
        "root",
        "--user",
        "alice",
        "--group",
        "devs",
        "--expiration",
        "24h",
        "-o",
        kubeconfig.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{output}");
    let text = std::fs::read_to_string(&kubeconfig).unwrap();
    assert!(text.contains(&hub.server()), "{text}");

    let whoami = kubectl
        .run(
            &[
                "--kubeconfig",
                kubeconfig.to_str().unwrap(),
                "auth",
                "whoami",
            ],
            None,
        )
        .ok();
    assert!(
        whoami
            .lines()
            .any(|line| line.starts_with("Username") && line.contains("alice")),
        "{whoami}"
    );
    assert!(whoami.contains("devs"), "{whoami}");
    let forbidden = kubectl
        .run(
            &["--kubeconfig", kubeconfig.to_str().unwrap(), "get", "pods"],
            None,
        )
        .fails();
    assert!(forbidden.contains("Forbidden"), "{forbidden}");
    assert!(forbidden.contains("\"alice\""), "{forbidden}");

    // To standard output, for another logical cluster.
    let (code, printed) = run_nave(&[
        "kubeconfig",
        "create",
        "--data-dir",
        data_dir,
        "--cluster",
        "team-a",
        "--user",
        "bob",
    ]);
    assert_eq!(code, Some(0), "{printed}");
    let server = hub.server().replace("/clusters/root", "/clusters/team-a");
    assert!(printed.contains(&server), "{printed}");

    // Bad input: one line, non-zero.
    for args in [
        &[
            "kubeconfig",
            "create",
            "--data-dir",
            "/nonexistent/nave",
            "--user",
            "x",
        ][..],
        &[
            "kubeconfig",
            "create",
            "--data-dir",
            data_dir,
            "--user",
            "x",
            "--expiration",
            "soon",
        ][..],
    ] {
        let (code, output) = run_nave(args);
        assert_ne!(code, Some(0), "{output}");
        assert_eq!(output.trim().lines().count(), 1, "{output}");
        assert!(output.starts_with("error: "), "{output}");
    }
}
