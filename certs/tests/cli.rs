//! Cross-checks against independent tools: the `openssl` command line (CA hash, chain
//! verification, a CA and a CSR it made) and `kubectl` (reading a rendered kubeconfig).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use certs::{
    Ca, Credentials, Csr, Kubeconfig, LEAF_VALIDITY, San, Usage, ca_hash, identity, issue_client,
    issue_serving, sign_csr,
};

/// Runs `program args…` with `stdin`, returning (success, stdout, stderr).
fn run(program: &str, args: &[&str], stdin: &[u8]) -> (bool, String, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program} (it is part of the machine image): {e}"));
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The pin as the kubeadm documentation computes it by hand.
fn openssl_pin(cert_pem: &str) -> String {
    let pipeline = "openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | sha256sum";
    let (ok, stdout, stderr) = run("sh", &["-c", pipeline], cert_pem.as_bytes());
    assert!(ok, "{stderr}");
    let hex = stdout.split_whitespace().next().unwrap();
    assert_eq!(hex.len(), 64, "{stdout}");
    format!("sha256:{hex}")
}

fn write(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_str().unwrap().to_owned()
}

/// `openssl verify` of `cert` against the root `ca` for `purpose` (sslserver, sslclient).
fn openssl_verify(ca: &str, cert: &str, purpose: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let ca = write(dir.path(), "ca.pem", ca);
    let cert = write(dir.path(), "cert.pem", cert);
    let (ok, stdout, stderr) = run(
        "openssl",
        &[
            "verify",
            "-x509_strict",
            "-purpose",
            purpose,
            "-CAfile",
            &ca,
            &cert,
        ],
        b"",
    );
    (ok, stdout + &stderr)
}

#[test]
fn ca_hash_matches_the_openssl_pipeline() {
    for _ in 0..3 {
        let ca = Ca::generate("nave-ca").unwrap();
        let expected = openssl_pin(ca.cert_pem());
        assert_eq!(ca_hash(ca.cert_pem().as_bytes()).unwrap(), expected);
        assert_eq!(ca.hash(), expected);
    }
}

#[test]
fn openssl_verify_accepts_the_chains_for_their_purpose_only() {
    let ca = Ca::generate("nave-ca").unwrap();
    let serving = issue_serving(&ca, "hub", &[San::dns("localhost")], LEAF_VALIDITY).unwrap();
    let client = issue_client(&ca, "alice", &["dev"], LEAF_VALIDITY).unwrap();

    let (ok, out) = openssl_verify(ca.cert_pem(), &serving.cert_pem, "sslserver");
    assert!(ok, "{out}");
    let (ok, out) = openssl_verify(ca.cert_pem(), &client.cert_pem, "sslclient");
    assert!(ok, "{out}");
    let (ok, out) = openssl_verify(ca.cert_pem(), &client.cert_pem, "sslserver");
    assert!(
        !ok && out.contains("unsuitable certificate purpose"),
        "{out}"
    );

    let rogue = Ca::generate("nave-ca").unwrap();
    let (ok, out) = openssl_verify(rogue.cert_pem(), &client.cert_pem, "sslclient");
    assert!(
        !ok && out.contains("unable to get local issuer certificate"),
        "{out}"
    );
}

#[test]
fn an_rsa_ca_made_by_openssl_loads_signs_and_pins() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("ca.key");
    let cert = dir.path().join("ca.crt");
    let (ok, _, stderr) = run(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=ext-ca",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout",
            key.to_str().unwrap(),
            "-out",
            cert.to_str().unwrap(),
        ],
        b"",
    );
    assert!(ok, "{stderr}");
    let cert_pem = std::fs::read_to_string(&cert).unwrap();
    let pkcs8 = std::fs::read_to_string(&key).unwrap();
    let (ok, traditional, stderr) = run("openssl", &["pkey", "-traditional"], pkcs8.as_bytes());
    assert!(
        ok && traditional.starts_with("-----BEGIN RSA PRIVATE KEY-----"),
        "{stderr}"
    );

    for key_pem in [&pkcs8, &traditional] {
        let ca = Ca::from_pem(cert_pem.as_bytes(), key_pem.as_bytes()).unwrap();
        assert_eq!(ca.hash(), openssl_pin(&cert_pem));
        let client = issue_client(&ca, "alice", &["dev"], LEAF_VALIDITY).unwrap();
        let (ok, out) = openssl_verify(&cert_pem, &client.cert_pem, "sslclient");
        assert!(ok, "{out}");
        // Capped at the 30-day CA, not the requested year.
        let leaf = certs::validity(client.cert_pem.as_bytes()).unwrap();
        assert_eq!(leaf.not_after, ca.validity().not_after);
    }
}

#[test]
fn a_csr_made_by_openssl_is_signed_with_its_groups() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("bob.key");
    let (ok, csr_pem, stderr) = run(
        "openssl",
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            "/O=system:masters/O=dev-team/CN=bob",
            "-keyout",
            key.to_str().unwrap(),
        ],
        b"",
    );
    assert!(ok, "{stderr}");
    let ca = Ca::generate("nave-ca").unwrap();
    let csr = Csr::from_pem(csr_pem.as_bytes()).unwrap();
    let cert_pem = sign_csr(&ca, &csr, Usage::CLIENT, LEAF_VALIDITY).unwrap();
    let who = identity(cert_pem.as_bytes()).unwrap();
    assert_eq!(who.user, "bob");
    assert_eq!(who.groups, ["system:masters", "dev-team"]);
    let (ok, out) = openssl_verify(ca.cert_pem(), &cert_pem, "sslclient");
    assert!(ok, "{out}");
    // The certificate is for the key openssl generated.
    let (ok, public_from_key, _) = run(
        "openssl",
        &["pkey", "-pubout"],
        &std::fs::read(&key).unwrap(),
    );
    let (ok2, public_from_cert, _) = run(
        "openssl",
        &["x509", "-pubkey", "-noout"],
        cert_pem.as_bytes(),
    );
    assert!(ok && ok2);
    assert_eq!(public_from_key, public_from_cert);
}

#[test]
fn kubectl_reads_the_rendered_kubeconfig() {
    let ca = Ca::generate("nave-ca").unwrap();
    let admin = issue_client(&ca, "admin", &["system:masters"], LEAF_VALIDITY).unwrap();
    let config = Kubeconfig {
        cluster_name: "nave".to_owned(),
        server: "https://127.0.0.1:6443".to_owned(),
        ca_pem: ca.cert_pem().to_owned(),
        context_name: "admin@nave".to_owned(),
        namespace: Some("kube-system".to_owned()),
        user_name: "admin".to_owned(),
        credentials: Credentials::ClientCertificate {
            cert_pem: admin.cert_pem.clone(),
            key_pem: admin.key_pem.clone(),
        },
    };
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "config", &config.to_yaml().unwrap());
    let view = |jsonpath: &str| {
        let (ok, stdout, stderr) = run(
            "kubectl",
            &[
                "config",
                "view",
                "--raw",
                "--kubeconfig",
                &path,
                "-o",
                &format!("jsonpath={jsonpath}"),
            ],
            b"",
        );
        assert!(ok, "{stderr}");
        stdout
    };
    assert_eq!(view("{.current-context}"), "admin@nave");
    assert_eq!(
        view("{.clusters[0].cluster.server}"),
        "https://127.0.0.1:6443"
    );
    assert_eq!(view("{.contexts[0].context.namespace}"), "kube-system");
    assert_eq!(view("{.contexts[0].context.user}"), "admin");
    let decode = |b64: String| {
        use base64::Engine;
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap(),
        )
        .unwrap()
    };
    assert_eq!(
        decode(view("{.clusters[0].cluster.certificate-authority-data}")),
        ca.cert_pem()
    );
    assert_eq!(
        decode(view("{.users[0].user.client-certificate-data}")),
        admin.cert_pem
    );
    assert_eq!(
        decode(view("{.users[0].user.client-key-data}")),
        admin.key_pem
    );
}
