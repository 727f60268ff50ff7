//! End-to-end proof that the issued material works for real TLS with client-certificate
//! authentication: an OpenSSL acceptor on a loopback thread serving the hub's certificate and
//! requiring client certificates from the CA, and OpenSSL connectors presenting them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use certs::{
    Ca, Identity, KeyPair, LEAF_VALIDITY, San, Usage, generate_csr, issue_client, issue_serving,
    sign_csr,
};
use openssl::pkey::PKey;
use openssl::ssl::{SslAcceptor, SslConnector, SslMethod, SslVerifyMode};
use openssl::x509::X509;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts one TLS connection that must present a client certificate from `ca`; on success
/// answers the peer's user name and returns its identity, otherwise returns the handshake error.
fn serve_once(ca: &Ca, serving: &KeyPair) -> (SocketAddr, JoinHandle<Result<Identity, String>>) {
    let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).unwrap();
    let cert = X509::from_pem(serving.cert_pem.as_bytes()).unwrap();
    let key = PKey::private_key_from_pem(serving.key_pem.as_bytes()).unwrap();
    acceptor.set_certificate(&cert).unwrap();
    acceptor.set_private_key(&key).unwrap();
    acceptor.check_private_key().unwrap();
    let trusted = X509::from_pem(ca.cert_pem().as_bytes()).unwrap();
    acceptor.cert_store_mut().add_cert(trusted).unwrap();
    acceptor.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    acceptor.set_session_id_context(b"nave-certs-test").unwrap();
    let acceptor = acceptor.build();

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(TIMEOUT)).unwrap();
        let mut tls = acceptor.accept(stream).map_err(|e| e.to_string())?;
        let peer = tls.ssl().peer_certificate().ok_or("no peer certificate")?;
        let who = Identity::from_certificate(&peer).map_err(|e| e.to_string())?;
        writeln!(tls, "hello {}", who.user).map_err(|e| e.to_string())?;
        tls.flush().map_err(|e| e.to_string())?;
        let _ = tls.shutdown();
        Ok(who)
    });
    (addr, handle)
}

/// Connects to `addr` as `host` (checked against the server's SANs), trusting `ca`, presenting
/// `client` if given, and returns the server's greeting line.
fn connect(
    addr: SocketAddr,
    host: &str,
    ca: &Ca,
    client: Option<&KeyPair>,
) -> Result<String, String> {
    let mut connector = SslConnector::builder(SslMethod::tls_client()).unwrap();
    let trusted = X509::from_pem(ca.cert_pem().as_bytes()).unwrap();
    connector.cert_store_mut().add_cert(trusted).unwrap();
    if let Some(client) = client {
        let cert = X509::from_pem(client.cert_pem.as_bytes()).unwrap();
        let key = PKey::private_key_from_pem(client.key_pem.as_bytes()).unwrap();
        connector.set_certificate(&cert).unwrap();
        connector.set_private_key(&key).unwrap();
    }
    let connector = connector.build();
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    let tls = connector.connect(host, stream).map_err(|e| e.to_string())?;
    // With TLS 1.3 the client's handshake ends before the server has judged the client
    // certificate: a refusal shows up on the first read.
    let mut line = String::new();
    BufReader::new(tls)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    if line.is_empty() {
        return Err("connection closed without a greeting".to_owned());
    }
    Ok(line.trim_end().to_owned())
}

fn hub(ca: &Ca) -> KeyPair {
    let sans = [San::dns("localhost"), San::parse("127.0.0.1")];
    issue_serving(ca, "nave-hub", &sans, LEAF_VALIDITY).unwrap()
}

#[test]
fn a_client_certificate_from_the_ca_is_accepted_with_its_identity() {
    let ca = Ca::generate("nave-ca").unwrap();
    let serving = hub(&ca);
    let alice = issue_client(&ca, "alice", &["system:masters", "dev-team"], LEAF_VALIDITY).unwrap();
    for host in ["localhost", "127.0.0.1"] {
        let (addr, server) = serve_once(&ca, &serving);
        let greeting = connect(addr, host, &ca, Some(&alice));
        let who = server.join().unwrap();
        assert_eq!(greeting, Ok("hello alice".to_owned()), "via {host}");
        let who = who.unwrap();
        assert_eq!(who.user, "alice");
        assert_eq!(who.groups, ["system:masters", "dev-team"]);
    }
}

#[test]
fn a_csr_signed_client_certificate_is_accepted() {
    let ca = Ca::generate("nave-ca").unwrap();
    let serving = hub(&ca);
    let request = generate_csr("system:node:worker-1", &["system:nodes"]).unwrap();
    let csr = certs::Csr::from_pem(request.csr_pem.as_bytes()).unwrap();
    let worker = KeyPair {
        cert_pem: sign_csr(&ca, &csr, Usage::CLIENT, Duration::from_secs(3600)).unwrap(),
        key_pem: request.key_pem,
    };
    let (addr, server) = serve_once(&ca, &serving);
    let greeting = connect(addr, "localhost", &ca, Some(&worker));
    let who = server.join().unwrap().unwrap();
    assert_eq!(greeting, Ok("hello system:node:worker-1".to_owned()));
    assert_eq!(who.groups, ["system:nodes"]);
}

#[test]
fn a_client_certificate_from_another_ca_is_refused() {
    let ca = Ca::generate("nave-ca").unwrap();
    let rogue = Ca::generate("nave-ca").unwrap();
    let serving = hub(&ca);
    let mallory = issue_client(&rogue, "mallory", &["system:masters"], LEAF_VALIDITY).unwrap();
    let (addr, server) = serve_once(&ca, &serving);
    let greeting = connect(addr, "localhost", &ca, Some(&mallory));
    let refused = server.join().unwrap().unwrap_err();
    assert!(
        refused.contains("unable to get local issuer certificate"),
        "{refused}"
    );
    assert!(greeting.unwrap_err().contains("alert unknown ca"));
}

#[test]
fn no_client_certificate_is_refused() {
    let ca = Ca::generate("nave-ca").unwrap();
    let serving = hub(&ca);
    let (addr, server) = serve_once(&ca, &serving);
    let greeting = connect(addr, "localhost", &ca, None);
    let refused = server.join().unwrap().unwrap_err();
    assert!(
        refused.contains("peer did not return a certificate"),
        "{refused}"
    );
    assert!(greeting.unwrap_err().contains("alert certificate required"));
}

#[test]
fn a_serving_certificate_is_not_a_client_certificate() {
    let ca = Ca::generate("nave-ca").unwrap();
    let serving = hub(&ca);
    let impostor = issue_serving(&ca, "alice", &[San::dns("alice")], LEAF_VALIDITY).unwrap();
    let (addr, server) = serve_once(&ca, &serving);
    let greeting = connect(addr, "localhost", &ca, Some(&impostor));
    let refused = server.join().unwrap().unwrap_err();
    assert!(
        refused.contains("unsuitable certificate purpose"),
        "{refused}"
    );
    assert!(
        greeting
            .unwrap_err()
            .contains("alert unsupported certificate")
    );
}

#[test]
fn the_client_checks_the_server_name_and_issuer() {
    let ca = Ca::generate("nave-ca").unwrap();
    let alice = issue_client(&ca, "alice", &[], LEAF_VALIDITY).unwrap();

    // A name the serving certificate does not list.
    let (addr, server) = serve_once(&ca, &hub(&ca));
    let wrong_name = connect(addr, "nave.example", &ca, Some(&alice)).unwrap_err();
    assert!(wrong_name.contains("hostname mismatch"), "{wrong_name}");
    assert!(server.join().unwrap().is_err());
    let (addr, server) = serve_once(&ca, &hub(&ca));
    let wrong_ip = connect(addr, "127.0.0.2", &ca, Some(&alice)).unwrap_err();
    assert!(wrong_ip.contains("IP address mismatch"), "{wrong_ip}");
    assert!(server.join().unwrap().is_err());

    // A server whose certificate comes from another CA.
    let rogue = Ca::generate("nave-ca").unwrap();
    let (addr, server) = serve_once(&ca, &hub(&rogue));
    let wrong_ca = connect(addr, "localhost", &ca, Some(&alice)).unwrap_err();
    assert!(
        wrong_ca.contains("unable to get local issuer certificate"),
        "{wrong_ca}"
    );
    assert!(server.join().unwrap().is_err());
}
