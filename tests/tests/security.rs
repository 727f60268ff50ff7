//! The security suite, against a real `nave serve` over real TLS with raw HTTP/1.1 (exact status
//! codes): every API path refuses unauthenticated requests; untrusted, self-signed, expired and
//! tampered client certificates and bad, expired, revoked and foreign tokens do not
//! authenticate; a view user cannot write, read Secrets, escalate through a RoleBinding or
//! impersonate; an admin of one logical cluster is forbidden in another.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use openssl::pkey::PKey;
use openssl::ssl::{SslConnector, SslMethod};
use openssl::x509::X509;
use serde_json::{Value, json};
use tests::{EtcdProcess, Hub, Kubectl};

/// How a request authenticates.
#[derive(Clone, Debug, Default)]
struct Creds {
    /// A client certificate and its key (PEM), or a certificate given as DER (tampered).
    cert: Option<(Vec<u8>, String)>,
    /// A bearer token.
    token: Option<String>,
    /// Extra headers (impersonation).
    headers: Vec<(String, String)>,
}

impl Creds {
    fn anonymous() -> Creds {
        Creds::default()
    }

    fn cert(pair: &certs::KeyPair) -> Creds {
        Creds {
            cert: Some((pair.cert_pem.clone().into_bytes(), pair.key_pem.clone())),
            ..Creds::default()
        }
    }

    fn token(token: &str) -> Creds {
        Creds {
            token: Some(token.to_owned()),
            ..Creds::default()
        }
    }

    fn with_header(mut self, name: &str, value: &str) -> Creds {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// An answer: the status code and the (de-chunked) body.
#[derive(Debug)]
struct Reply {
    status: u16,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }
}

/// One hub reached over TLS, trusting its CA.
struct Endpoint {
    address: String,
    ca: PathBuf,
    pki: PathBuf,
}

impl Endpoint {
    fn new(hub: &Hub) -> Endpoint {
        let server = hub.server();
        let address = server
            .trim_start_matches("https://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let pki = hub.data.path().join("pki");
        Endpoint {
            address,
            ca: pki.join("ca.crt"),
            pki,
        }
    }

    fn hub_ca(&self) -> certs::Ca {
        certs::Ca::from_pem(
            &std::fs::read(self.pki.join("ca.crt")).unwrap(),
            &std::fs::read(self.pki.join("ca.key")).unwrap(),
        )
        .unwrap()
    }

    fn admin(&self) -> Creds {
        Creds {
            cert: Some((
                std::fs::read(self.pki.join("admin.crt")).unwrap(),
                std::fs::read_to_string(self.pki.join("admin.key")).unwrap(),
            )),
            ..Creds::default()
        }
    }

    /// One request on a fresh connection. `Err` when TLS or the connection fails (a refused
    /// client certificate may abort the handshake, or, in TLS 1.3, the first read).
    fn call(
        &self,
        creds: &Creds,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, String> {
        let mut builder = SslConnector::builder(SslMethod::tls_client()).unwrap();
        builder.set_ca_file(&self.ca).unwrap();
        if let Some((cert, key)) = &creds.cert {
            let cert = if cert.starts_with(b"-----") {
                X509::from_pem(cert).unwrap()
            } else {
                X509::from_der(cert).unwrap()
            };
            builder.set_certificate(&cert).unwrap();
            builder
                .set_private_key(&PKey::private_key_from_pem(key.as_bytes()).unwrap())
                .unwrap();
        }
        let connector = builder.build();
        let tcp = std::net::TcpStream::connect(&self.address).map_err(|e| e.to_string())?;
        tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut stream = connector
            .configure()
            .unwrap()
            .verify_hostname(false)
            .connect("127.0.0.1", tcp)
            .map_err(|error| format!("handshake: {error}"))?;
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: application/json\r\nUser-Agent: nave-security-test\r\n"
        );
        if let Some(token) = &creds.token {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        for (name, value) in &creds.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if method != "GET" {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        head.push_str(&body);
        stream
            .write_all(head.as_bytes())
            .map_err(|error| format!("write: {error}"))?;
        let mut raw = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => raw.extend_from_slice(&chunk[..n]),
                Err(error) if raw.is_empty() => return Err(format!("read: {error}")),
                // An unclean close after the whole answer.
                Err(_) => break,
            }
        }
        parse_response(&raw)
    }

    fn get(&self, creds: &Creds, path: &str) -> Result<Reply, String> {
        self.call(creds, "GET", path, None)
    }

    /// A request that must be answered (no TLS failure).
    fn answer(&self, creds: &Creds, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.call(creds, method, path, body)
            .unwrap_or_else(|error| panic!("{method} {path}: {error}"))
    }

    /// The username the hub sees for `creds` (a SelfSubjectReview), or the failing reply.
    fn whoami(&self, creds: &Creds, cluster: &str) -> Result<String, Reply> {
        let reply = self.answer(
            creds,
            "POST",
            &format!("/clusters/{cluster}/apis/authentication.k8s.io/v1/selfsubjectreviews"),
            Some(&json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})),
        );
        if reply.status == 201 || reply.status == 200 {
            Ok(reply.json()["status"]["userInfo"]["username"]
                .as_str()
                .unwrap()
                .to_owned())
        } else {
            Err(reply)
        }
    }
}

fn parse_response(raw: &[u8]) -> Result<Reply, String> {
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or_else(|| format!("no HTTP head in {:?}", String::from_utf8_lossy(raw)))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("bad status line: {head}"))?;
    let chunked = head.lines().any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    });
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(end) = rest.windows(2).position(|w| w == b"\r\n") {
            let size_text = String::from_utf8_lossy(&rest[..end]);
            let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16)
                .map_err(|_| format!("bad chunk size {size_text:?}"))?;
            if size == 0 {
                break;
            }
            let start = end + 2;
            out.extend_from_slice(&rest[start..start + size]);
            rest = &rest[start + size + 2..];
        }
        body = out;
    }
    Ok(Reply {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Asserts `reply` is kube's 401 Status.
fn assert_unauthorized(what: &str, reply: &Reply) {
    assert_eq!(reply.status, 401, "{what}: {}", reply.body);
    let status = reply.json();
    assert_eq!(status["kind"], "Status", "{what}: {status}");
    assert_eq!(status["apiVersion"], "v1", "{what}: {status}");
    assert_eq!(status["status"], "Failure", "{what}: {status}");
    assert_eq!(status["reason"], "Unauthorized", "{what}: {status}");
    assert_eq!(status["code"], 401, "{what}: {status}");
}

/// Asserts `reply` is kube's 403 Status.
fn assert_forbidden(what: &str, reply: &Reply) {
    assert_eq!(reply.status, 403, "{what}: {}", reply.body);
    let status = reply.json();
    assert_eq!(status["kind"], "Status", "{what}: {status}");
    assert_eq!(status["reason"], "Forbidden", "{what}: {status}");
    assert_eq!(status["code"], 403, "{what}: {status}");
}

/// A certificate that must not authenticate: the handshake (or first read) fails, or 401.
fn assert_not_authenticated(endpoint: &Endpoint, what: &str, creds: &Creds) {
    for path in [
        "/clusters/root/api/v1/namespaces/default/configmaps",
        "/clusters/root/apis/authentication.k8s.io/v1/selfsubjectreviews",
    ] {
        let method = if path.ends_with("selfsubjectreviews") {
            "POST"
        } else {
            "GET"
        };
        let body = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"});
        match endpoint.call(creds, method, path, (method == "POST").then_some(&body)) {
            Err(error) => eprintln!("{what}: {method} {path}: refused by TLS: {error}"),
            Ok(reply) => {
                eprintln!("{what}: {method} {path}: {}", reply.status);
                assert_unauthorized(&format!("{what}: {method} {path}"), &reply);
            }
        }
    }
}

fn base64(bytes: &[u8]) -> String {
    openssl::base64::encode_block(bytes)
}

fn base64url(text: &str) -> String {
    base64(text.as_bytes())
        .replace('+', "-")
        .replace('/', "_")
        .trim_end_matches('=')
        .to_owned()
}

const DAY: Duration = Duration::from_secs(86_400);

#[test]
fn every_api_path_refuses_unauthenticated_requests() {
    let hub = Hub::start(&[]);
    let endpoint = Endpoint::new(&hub);
    let admin = endpoint.admin();
    let anonymous = Creds::anonymous();

    // What the admin discovers: every group version and every resource.
    let mut group_versions = vec![];
    let core = endpoint.answer(&admin, "GET", "/clusters/root/api", None);
    assert_eq!(core.status, 200, "{}", core.body);
    for version in core.json()["versions"].as_array().unwrap() {
        group_versions.push(format!("/api/{}", version.as_str().unwrap()));
    }
    let groups = endpoint.answer(&admin, "GET", "/clusters/root/apis", None);
    assert_eq!(groups.status, 200, "{}", groups.body);
    for group in groups.json()["groups"].as_array().unwrap() {
        for version in group["versions"].as_array().unwrap() {
            group_versions.push(format!(
                "/apis/{}",
                version["groupVersion"].as_str().unwrap()
            ));
        }
    }
    assert!(group_versions.len() > 10, "{group_versions:?}");
    let mut paths = vec![
        "/api".to_owned(),
        "/apis".to_owned(),
        "/openapi/v3".to_owned(),
        "/openapi/v3/api/v1".to_owned(),
        "/metrics".to_owned(),
    ];
    let mut resources = 0;
    for group_version in &group_versions {
        paths.push(group_version.clone());
        let list = endpoint.answer(
            &admin,
            "GET",
            &format!("/clusters/root{group_version}"),
            None,
        );
        assert_eq!(list.status, 200, "{group_version}: {}", list.body);
        for resource in list.json()["resources"].as_array().unwrap() {
            let name = resource["name"].as_str().unwrap();
            if name.contains('/') {
                continue;
            }
            resources += 1;
            if resource["namespaced"] == true {
                paths.push(format!("{group_version}/namespaces/default/{name}"));
            } else {
                paths.push(format!("{group_version}/{name}"));
            }
            if name == "namespaces" {
                paths.push(format!("{group_version}/namespaces/default"));
            }
        }
    }
    assert!(resources > 40, "only {resources} resources discovered");
    eprintln!(
        "{resources} resources, {} paths, each bare and under /clusters/root",
        paths.len()
    );
    for path in &paths {
        for path in [path.clone(), format!("/clusters/root{path}")] {
            let reply = endpoint
                .get(&anonymous, &path)
                .unwrap_or_else(|error| panic!("GET {path}: {error}"));
            assert_unauthorized(&format!("anonymous GET {path}"), &reply);
        }
    }
    // Writes too, and a watch.
    for (method, path) in [
        ("POST", "/api/v1/namespaces/default/configmaps"),
        ("DELETE", "/api/v1/namespaces/default/configmaps/x"),
        ("GET", "/api/v1/namespaces/default/configmaps?watch=true"),
        ("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews"),
        (
            "POST",
            "/clusters/other/api/v1/namespaces/default/configmaps",
        ),
    ] {
        let body = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}});
        let reply = endpoint.answer(&anonymous, method, path, Some(&body));
        assert_unauthorized(&format!("anonymous {method} {path}"), &reply);
    }

    // Health and version answer without credentials.
    for path in ["/healthz", "/livez", "/readyz", "/version"] {
        for path in [path.to_owned(), format!("/clusters/root{path}")] {
            let reply = endpoint.answer(&anonymous, "GET", &path, None);
            assert_eq!(reply.status, 200, "anonymous GET {path}: {}", reply.body);
        }
    }
    let version = endpoint.answer(&anonymous, "GET", "/version", None).json();
    assert!(version["gitVersion"].is_string(), "{version}");
}

#[test]
fn untrusted_self_signed_expired_and_tampered_certificates_do_not_authenticate() {
    let hub = Hub::start(&[]);
    let endpoint = Endpoint::new(&hub);
    let hub_ca = endpoint.hub_ca();

    // The control: a certificate from the hub CA authenticates.
    let good = certs::issue_client(&hub_ca, "alice", &["devs"], DAY).unwrap();
    assert_eq!(
        endpoint.whoami(&Creds::cert(&good), "root").unwrap(),
        "alice"
    );

    // Signed by another CA, claiming to be an admin.
    let other_ca = certs::Ca::generate("nave-ca").unwrap();
    let untrusted = certs::issue_client(&other_ca, "admin", &["system:masters"], DAY).unwrap();
    assert_not_authenticated(&endpoint, "untrusted CA", &Creds::cert(&untrusted));

    // Self-signed.
    let self_signed = certs::Ca::generate("admin").unwrap();
    let self_signed = certs::KeyPair {
        cert_pem: self_signed.cert_pem().to_owned(),
        key_pem: self_signed.key_pem().to_owned(),
    };
    assert_not_authenticated(&endpoint, "self-signed", &Creds::cert(&self_signed));

    // Tampered: a hub-CA certificate with the last byte of its signature flipped.
    let mut der = X509::from_pem(good.cert_pem.as_bytes())
        .unwrap()
        .to_der()
        .unwrap();
    *der.last_mut().unwrap() ^= 0x01;
    let tampered = Creds {
        cert: Some((der, good.key_pem.clone())),
        ..Creds::default()
    };
    assert_not_authenticated(&endpoint, "tampered signature", &tampered);

    // Expired: issued by the hub CA for one second, used after it ran out.
    let expired = certs::issue_client(
        &hub_ca,
        "admin",
        &["system:masters"],
        Duration::from_secs(1),
    )
    .unwrap();
    let validity = certs::validity(expired.cert_pem.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    assert!(validity.not_after.as_second() < now(), "{validity:?}");
    assert_not_authenticated(&endpoint, "expired", &Creds::cert(&expired));

    // The control still works: the hub did not stop accepting good certificates.
    assert_eq!(
        endpoint.whoami(&Creds::cert(&good), "root").unwrap(),
        "alice"
    );
}

/// Seconds since the epoch.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Claims as the hub writes them into ServiceAccount tokens (hub/src/authn.rs `issue`).
fn service_account_claims(cluster: &str, name: &str, uid: &str, iat: i64, exp: i64) -> Value {
    json!({
        "iss": "https://nave.dev",
        "aud": ["https://kubernetes.default.svc.cluster.local", "https://nave.dev"],
        "sub": format!("system:serviceaccount:default:{name}"),
        "iat": iat,
        "nbf": iat,
        "exp": exp,
        "nave.dev/cluster": cluster,
        "kubernetes.io": {"namespace": "default", "serviceaccount": {"name": name, "uid": uid}},
    })
}

/// A bootstrap token Secret, `expiration` RFC 3339.
fn bootstrap_secret(id: &str, secret: &str, expiration: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": format!("bootstrap-token-{id}"), "namespace": "kube-system"},
        "type": "bootstrap.kubernetes.io/token",
        "data": {
            "token-id": base64(id.as_bytes()),
            "token-secret": base64(secret.as_bytes()),
            "expiration": base64(expiration.as_bytes()),
            "usage-bootstrap-authentication": base64(b"true"),
        },
    })
}

#[test]
fn bad_expired_foreign_and_revoked_tokens_do_not_authenticate() {
    let hub = Hub::start(&[]);
    let Some(kubectl) = Kubectl::new(&hub) else {
        return;
    };
    let endpoint = Endpoint::new(&hub);
    let admin = endpoint.admin();
    let whoami_fails = |what: &str, token: &str, cluster: &str| match endpoint
        .whoami(&Creds::token(token), cluster)
    {
        Ok(user) => panic!("{what}: authenticated as {user}"),
        Err(reply) => assert_unauthorized(what, &reply),
    };
    let list_fails = |what: &str, token: &str| {
        let reply = endpoint.answer(
            &Creds::token(token),
            "GET",
            "/clusters/root/api/v1/namespaces/default/pods",
            None,
        );
        assert_unauthorized(what, &reply);
    };

    // Garbage.
    for garbage in ["garbage", "a.b.c", "abcdef.0123456789abcdef"] {
        whoami_fails(&format!("garbage token {garbage}"), garbage, "root");
        list_fails(&format!("garbage token {garbage}"), garbage);
    }

    // A real ServiceAccount token works, in its own cluster only.
    kubectl
        .run(&["create", "serviceaccount", "robot"], None)
        .ok();
    let token = kubectl.run(&["create", "token", "robot"], None).ok();
    let token = token.trim().to_owned();
    assert_eq!(
        endpoint.whoami(&Creds::token(&token), "root").unwrap(),
        "system:serviceaccount:default:robot"
    );
    whoami_fails("root's token in cluster other", &token, "other");

    // Its signature tampered with: one character of the signature changed.
    let mut bytes = token.clone().into_bytes();
    let at = bytes.len() - 10;
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    whoami_fails("flipped signature", &tampered, "root");
    list_fails("flipped signature", &tampered);

    // Minted with the hub's own key: valid now (the control), then expired.
    let key =
        certs::SigningKey::from_pem(&std::fs::read(hub.data.path().join("pki/sa.key")).unwrap())
            .unwrap();
    let uid = kubectl
        .run(
            &[
                "get",
                "serviceaccount",
                "robot",
                "-o",
                "jsonpath={.metadata.uid}",
            ],
            None,
        )
        .ok();
    let now = now();
    let minted = key
        .sign(&service_account_claims(
            "root",
            "robot",
            &uid,
            now,
            now + 600,
        ))
        .unwrap();
    assert_eq!(
        endpoint.whoami(&Creds::token(&minted), "root").unwrap(),
        "system:serviceaccount:default:robot"
    );
    let expired = key
        .sign(&service_account_claims(
            "root",
            "robot",
            &uid,
            now - 7200,
            now - 3600,
        ))
        .unwrap();
    whoami_fails("expired ServiceAccount token", &expired, "root");
    list_fails("expired ServiceAccount token", &expired);
    // The right key, another ServiceAccount uid (a recreated account): refused.
    let stale_uid = key
        .sign(&service_account_claims(
            "root",
            "robot",
            "00000000-0000-0000-0000-000000000000",
            now,
            now + 600,
        ))
        .unwrap();
    whoami_fails("token of a previous uid", &stale_uid, "root");
    // Signed by another key.
    let foreign = certs::SigningKey::generate()
        .unwrap()
        .sign(&service_account_claims(
            "root",
            "robot",
            &uid,
            now,
            now + 600,
        ))
        .unwrap();
    whoami_fails("token signed by another key", &foreign, "root");
    // Unsigned (`alg: none`), with the right key id.
    let unsigned = format!(
        "{}.{}.",
        base64url(&json!({"alg": "none", "typ": "JWT", "kid": key.kid()}).to_string()),
        base64url(&service_account_claims("root", "robot", &uid, now, now + 600).to_string())
    );
    whoami_fails("unsigned token", &unsigned, "root");

    // Deleting the ServiceAccount revokes its tokens.
    kubectl
        .run(&["delete", "serviceaccount", "robot"], None)
        .ok();
    whoami_fails("deleted ServiceAccount's token", &token, "root");
    list_fails("deleted ServiceAccount's token", &token);
    whoami_fails("deleted ServiceAccount's minted token", &minted, "root");

    // Bootstrap tokens: past their expiration refused, before it accepted.
    let create = |secret: &Value| {
        let reply = endpoint.answer(
            &admin,
            "POST",
            "/clusters/root/api/v1/namespaces/kube-system/secrets",
            Some(secret),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
    };
    create(&bootstrap_secret(
        "abcdef",
        "0123456789abcdef",
        "2020-01-01T00:00:00Z",
    ));
    whoami_fails("expired bootstrap token", "abcdef.0123456789abcdef", "root");
    list_fails("expired bootstrap token", "abcdef.0123456789abcdef");
    create(&bootstrap_secret(
        "ghijkl",
        "0123456789abcdef",
        "2099-01-01T00:00:00Z",
    ));
    assert_eq!(
        endpoint
            .whoami(&Creds::token("ghijkl.0123456789abcdef"), "root")
            .unwrap(),
        "system:bootstrap:ghijkl"
    );
    // The wrong secret for a valid id.
    whoami_fails("wrong bootstrap secret", "ghijkl.0123456789abcdee", "root");
    // A bootstrap token of root is not one of another cluster.
    whoami_fails(
        "root's bootstrap token in cluster other",
        "ghijkl.0123456789abcdef",
        "other",
    );
}

#[test]
fn a_viewer_cannot_write_read_secrets_escalate_or_impersonate() {
    let hub = Hub::start(&[]);
    let endpoint = Endpoint::new(&hub);
    let admin = endpoint.admin();
    let viewer = Creds::cert(&certs::issue_client(&endpoint.hub_ca(), "viewer", &[], DAY).unwrap());
    let created = |reply: Reply| assert_eq!(reply.status, 201, "{}", reply.body);
    created(endpoint.answer(
        &admin,
        "POST",
        "/clusters/root/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
        Some(&json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "viewer-view", "namespace": "default"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "viewer"}],
        })),
    ));
    created(endpoint.answer(
        &admin,
        "POST",
        "/clusters/root/api/v1/namespaces/default/secrets",
        Some(
            &json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "stringData": {"password": "hunter2"}}),
        ),
    ));
    let base = "/clusters/root/api/v1/namespaces/default";

    // It can read what view grants.
    for path in [format!("{base}/pods"), format!("{base}/configmaps")] {
        let reply = endpoint.answer(&viewer, "GET", &path, None);
        assert_eq!(reply.status, 200, "viewer GET {path}: {}", reply.body);
    }

    // It cannot write.
    let reply = endpoint.answer(
        &viewer,
        "POST",
        &format!("{base}/configmaps"),
        Some(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})),
    );
    assert_forbidden("viewer creates a configmap", &reply);
    assert!(
        reply
            .body
            .contains("User \\\"viewer\\\" cannot create resource \\\"configmaps\\\""),
        "{}",
        reply.body
    );
    let reply = endpoint.answer(&viewer, "DELETE", &format!("{base}/secrets/s"), None);
    assert_forbidden("viewer deletes a secret", &reply);

    // It cannot read Secrets.
    for path in [
        format!("{base}/secrets"),
        format!("{base}/secrets/s"),
        format!("{base}/secrets?watch=true"),
        "/clusters/root/api/v1/secrets".to_owned(),
    ] {
        let reply = endpoint.answer(&viewer, "GET", &path, None);
        assert_forbidden(&format!("viewer GET {path}"), &reply);
        assert!(!reply.body.contains("hunter2"), "{}", reply.body);
    }

    // It cannot bind itself admin (or cluster-admin).
    for (role, kind) in [("admin", "ClusterRole"), ("cluster-admin", "ClusterRole")] {
        let reply = endpoint.answer(
            &viewer,
            "POST",
            "/clusters/root/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
            Some(&json!({
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {"name": format!("escalate-{role}"), "namespace": "default"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "viewer"}],
            })),
        );
        assert_forbidden(&format!("viewer binds itself {role}"), &reply);
    }
    let reply = endpoint.answer(
        &viewer,
        "POST",
        "/clusters/root/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        Some(&json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "escalate"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "viewer"}],
        })),
    );
    assert_forbidden("viewer creates a ClusterRoleBinding", &reply);

    // Even allowed to create RoleBindings, it can bind only what it holds: the escalation check.
    created(endpoint.answer(
        &admin,
        "POST",
        "/clusters/root/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
        Some(&json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": "binder", "namespace": "default"},
            "rules": [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["rolebindings"],
                "verbs": ["create", "get", "list"]}],
        })),
    ));
    created(endpoint.answer(
        &admin,
        "POST",
        "/clusters/root/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
        Some(&json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "viewer-binder", "namespace": "default"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "binder"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "viewer"}],
        })),
    ));
    let binding = |name: &str, role: &str| {
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": name, "namespace": "default"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "viewer"}],
        })
    };
    let rolebindings =
        "/clusters/root/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings";
    let mut escalated = None;
    for attempt in 0..50 {
        let reply = endpoint.answer(
            &viewer,
            "POST",
            rolebindings,
            Some(&binding("escalate-admin", "admin")),
        );
        // The RBAC index follows the new binding; until then plain RBAC refuses.
        if reply.body.contains("not currently held") || attempt == 49 {
            escalated = Some(reply);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let escalated = escalated.unwrap();
    assert_forbidden("viewer (a binder) binds itself admin", &escalated);
    assert!(
        escalated
            .body
            .contains("attempting to grant RBAC permissions not currently held"),
        "{}",
        escalated.body
    );
    // What it holds, it may bind.
    let reply = endpoint.answer(
        &viewer,
        "POST",
        rolebindings,
        Some(&binding("view-again", "view")),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);

    // It cannot impersonate: a user (with or without groups) or a ServiceAccount.
    for (headers, resource) in [
        (&[("Impersonate-User", "admin")][..], "users"),
        (
            &[
                ("Impersonate-User", "admin"),
                ("Impersonate-Group", "system:masters"),
            ][..],
            "users",
        ),
        (
            &[(
                "Impersonate-User",
                "system:serviceaccount:kube-system:default",
            )][..],
            "serviceaccounts",
        ),
    ] {
        let creds = headers.iter().fold(viewer.clone(), |creds, (name, value)| {
            creds.with_header(name, value)
        });
        let reply = endpoint.answer(&creds, "GET", &format!("{base}/secrets"), None);
        assert_forbidden(&format!("viewer impersonates {headers:?}"), &reply);
        assert!(
            reply
                .body
                .contains(&format!("cannot impersonate resource \\\"{resource}\\\"")),
            "{}",
            reply.body
        );
    }

    // Nothing was written.
    let reply = endpoint.answer(&admin, "GET", &format!("{base}/configmaps/x"), None);
    assert_eq!(reply.status, 404, "{}", reply.body);
    let reply = endpoint.answer(
        &admin,
        "GET",
        "/clusters/root/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
        None,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let bindings = reply.json();
    let names: Vec<&str> = bindings["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["view-again", "viewer-binder", "viewer-view"]);
}

/// Creates logical cluster `name` the way another hub sharing the store would: its record,
/// written straight into etcd (through etcd's JSON gateway; there is no API that creates one).
fn create_logical_cluster(etcd: &str, name: &str) {
    let prefix = r#"{"apiVersion":"core.nave.dev/v1alpha1","kind":"LogicalCluster","metadata":{"#;
    let json = format!(
        r#"{prefix}"name":"cluster","uid":"5f0c2a52-4b1e-4f0e-9d55-2f4a3f0e{name:0>4}","creationTimestamp":"2026-01-01T00:00:00Z"}}}}"#
    );
    let mut value = vec![b'J'];
    value.extend_from_slice(&u32::try_from(5 + prefix.len()).unwrap().to_be_bytes());
    value.extend_from_slice(json.as_bytes());
    let body = json!({
        "key": base64(format!("/registry/core.nave.dev/logicalclusters/{name}/cluster").as_bytes()),
        "value": base64(&value),
    })
    .to_string();
    let address = etcd.trim_start_matches("http://");
    let mut tcp = std::net::TcpStream::connect(address).unwrap();
    write!(
        tcp,
        "POST /v3/kv/put HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_of_one_logical_cluster_is_forbidden_in_another() {
    let Some(etcd) = EtcdProcess::start_or_skip().await else {
        return;
    };
    let store = format!("etcd://{}", etcd.endpoint.trim_start_matches("http://"));
    let hub = Hub::start(&["--store", &store]);
    let endpoint = Endpoint::new(&hub);
    let admin = endpoint.admin();
    create_logical_cluster(&etcd.endpoint, "other");
    // The hub follows the new cluster: the admin (system:masters) can use it.
    let mut tries = 0;
    loop {
        let reply = endpoint.answer(&admin, "GET", "/clusters/other/api/v1/namespaces", None);
        if reply.status == 200 {
            break;
        }
        tries += 1;
        assert!(tries < 100, "cluster other never served: {}", reply.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Its default namespace (the record alone is the cluster; another hub would create it).
    let reply = endpoint.answer(
        &admin,
        "POST",
        "/clusters/other/api/v1/namespaces",
        Some(&json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})),
    );
    assert!(matches!(reply.status, 201 | 409), "{}", reply.body);

    // root-admin is cluster-admin in root.
    let root_admin =
        Creds::cert(&certs::issue_client(&endpoint.hub_ca(), "root-admin", &[], DAY).unwrap());
    let reply = endpoint.answer(
        &admin,
        "POST",
        "/clusters/root/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        Some(&json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "root-admin"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "root-admin"}],
        })),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let configmap = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}});
    for cluster in ["root", "other"] {
        let base = format!("/clusters/{cluster}/api/v1/namespaces/default");
        let list = endpoint.answer(&root_admin, "GET", &format!("{base}/configmaps"), None);
        let create = endpoint.answer(
            &root_admin,
            "POST",
            &format!("{base}/configmaps"),
            Some(&configmap),
        );
        let secrets = endpoint.answer(&root_admin, "GET", &format!("{base}/secrets"), None);
        let namespaces = endpoint.answer(
            &root_admin,
            "GET",
            &format!("/clusters/{cluster}/api/v1/namespaces"),
            None,
        );
        if cluster == "root" {
            assert_eq!(list.status, 200, "{}", list.body);
            assert_eq!(create.status, 201, "{}", create.body);
            assert_eq!(secrets.status, 200, "{}", secrets.body);
            assert_eq!(namespaces.status, 200, "{}", namespaces.body);
        } else {
            assert_forbidden("root's admin lists configmaps in other", &list);
            assert_forbidden("root's admin creates a configmap in other", &create);
            assert_forbidden("root's admin lists secrets in other", &secrets);
            assert_forbidden("root's admin lists namespaces in other", &namespaces);
        }
    }
    // The admin of other sees that nothing was created there.
    let reply = endpoint.answer(
        &admin,
        "GET",
        "/clusters/other/api/v1/namespaces/default/configmaps/x",
        None,
    );
    assert_eq!(reply.status, 404, "{}", reply.body);

    // A ServiceAccount token of root is not one of other, even for the same namespace and name.
    let account =
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "robot"}});
    for cluster in ["root", "other"] {
        let reply = endpoint.answer(
            &admin,
            "POST",
            &format!("/clusters/{cluster}/api/v1/namespaces/default/serviceaccounts"),
            Some(&account),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
    }
    let reply = endpoint.answer(
        &admin,
        "POST",
        "/clusters/root/api/v1/namespaces/default/serviceaccounts/robot/token",
        Some(
            &json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}}),
        ),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let token = reply.json()["status"]["token"].as_str().unwrap().to_owned();
    assert_eq!(
        endpoint.whoami(&Creds::token(&token), "root").unwrap(),
        "system:serviceaccount:default:robot"
    );
    match endpoint.whoami(&Creds::token(&token), "other") {
        Ok(user) => panic!("root's token authenticated in other as {user}"),
        Err(reply) => assert_unauthorized("root's token in other", &reply),
    }
    drop(hub);
    drop(etcd);
}
