//! Joining with a bootstrap token: a worker's CertificateSigningRequest asked with a token made
//! for auto-approval is approved (`AutoApproved`) and signed; other requests stay pending; an
//! expired token cannot ask at all.

use std::time::Duration;

use axum::body::{Body, to_bytes};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{Method, Request};
use hub::csr::{
    AUTO_APPROVE_GROUP, WORKER_GROUP, WORKER_SIGNER, bootstrap_rbac, bootstrap_token_secret,
};
use hub::testing::TestHub;
use serde_json::{Value, json};
use tower::ServiceExt;

const CSRS: &str = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
const JSON: (&str, &str) = ("content-type", "application/json");

/// A hub with the bootstrap RBAC `nave token create` writes, and a token (`auto_approve` or not,
/// expiring at `expiration`).
async fn hub_with_token(
    auto_approve: bool,
    expiration: Option<jiff::Timestamp>,
) -> (TestHub, String) {
    let hub = TestHub::memory().await;
    let [role, binding] = bootstrap_rbac();
    for (path, object) in [
        ("/apis/rbac.authorization.k8s.io/v1/clusterroles", role),
        (
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            binding,
        ),
    ] {
        let created = hub
            .request(Method::POST, path, &[JSON], object.to_string())
            .await;
        assert_eq!(created.status, 201, "{}", created.json());
    }
    let token = certs::BootstrapToken::generate().unwrap();
    let secret = bootstrap_token_secret(&token, expiration, auto_approve, Some("test"));
    let created = hub
        .request(
            Method::POST,
            "/api/v1/namespaces/kube-system/secrets",
            &[JSON],
            secret.to_string(),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.json());
    (hub, token.to_string())
}

/// Sends a request with `token` as its bearer token.
async fn as_token(
    hub: &TestHub,
    method: Method,
    uri: &str,
    token: &str,
    body: String,
) -> (u16, Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let response = hub.router_as(None).oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn worker_csr(name: &str, user: &str, groups: &[&str]) -> String {
    let generated = certs::generate_csr(user, groups).unwrap();
    json!({
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": name},
        "spec": {
            "request": STANDARD.encode(generated.csr_pem),
            "signerName": WORKER_SIGNER,
            "usages": ["digital signature", "key encipherment", "client auth"],
        },
    })
    .to_string()
}

async fn get(hub: &TestHub, name: &str) -> Value {
    hub.request(Method::GET, &format!("{CSRS}/{name}"), &[], "")
        .await
        .json()
}

/// Waits up to `wait` for `name` to be signed; the request as it is then.
async fn wait_signed(hub: &TestHub, name: &str, wait: Duration) -> Value {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let current = get(hub, name).await;
        if current["status"]["certificate"].as_str().is_some()
            || tokio::time::Instant::now() > deadline
        {
            return current;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_marked_token_gets_its_worker_certificate_approved_and_signed() {
    let (hub, token) = hub_with_token(
        true,
        Some(jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1)),
    )
    .await;
    let (code, created) = as_token(
        &hub,
        Method::POST,
        CSRS,
        &token,
        worker_csr("edge-1", "system:nave:worker:edge-1", &[WORKER_GROUP]),
    )
    .await;
    assert_eq!(code, 201, "{created}");
    assert!(
        created["spec"]["groups"]
            .as_array()
            .unwrap()
            .contains(&json!(AUTO_APPROVE_GROUP)),
        "{created}"
    );
    // The bootstrap identity may read its own request back.
    let (code, _) = as_token(
        &hub,
        Method::GET,
        &format!("{CSRS}/edge-1"),
        &token,
        String::new(),
    )
    .await;
    assert_eq!(code, 200);

    let signed = wait_signed(&hub, "edge-1", Duration::from_secs(10)).await;
    let conditions = signed["status"]["conditions"].as_array().unwrap();
    assert_eq!(conditions.len(), 1, "{signed}");
    assert_eq!(conditions[0]["type"], "Approved");
    assert_eq!(conditions[0]["status"], "True");
    assert_eq!(conditions[0]["reason"], "AutoApproved");
    assert_eq!(
        conditions[0]["message"],
        "Auto approving worker client certificate after bootstrap-token authentication"
    );
    let pem = STANDARD
        .decode(signed["status"]["certificate"].as_str().expect("signed"))
        .unwrap();
    let identity = certs::identity(&pem).unwrap();
    assert_eq!(identity.user, "system:nave:worker:edge-1");
    assert_eq!(identity.groups, [WORKER_GROUP]);
    let cert = openssl::x509::X509::from_pem(&pem).unwrap();
    let ca = openssl::x509::X509::from_pem(hub.ca.cert_pem().as_bytes()).unwrap();
    assert!(cert.verify(&ca.public_key().unwrap()).unwrap());
}

#[tokio::test]
async fn unmarked_tokens_and_wrong_subjects_stay_pending() {
    let (hub, plain) = hub_with_token(false, None).await;
    let (code, created) = as_token(
        &hub,
        Method::POST,
        CSRS,
        &plain,
        worker_csr("unmarked", "system:nave:worker:edge-2", &[WORKER_GROUP]),
    )
    .await;
    assert_eq!(code, 201, "{created}");

    let marked = certs::BootstrapToken::generate().unwrap();
    let secret = bootstrap_token_secret(&marked, None, true, None);
    let answer = hub
        .request(
            Method::POST,
            "/api/v1/namespaces/kube-system/secrets",
            &[JSON],
            secret.to_string(),
        )
        .await;
    assert_eq!(answer.status, 201);
    let marked = marked.to_string();
    for (name, user, groups) in [
        ("wrong-cn", "system:node:edge-3", &[WORKER_GROUP][..]),
        ("no-group", "system:nave:worker:edge-4", &["devs"][..]),
    ] {
        let (code, created) = as_token(
            &hub,
            Method::POST,
            CSRS,
            &marked,
            worker_csr(name, user, groups),
        )
        .await;
        assert_eq!(code, 201, "{created}");
    }
    // A request the approver does approve, made after the others, proves it has seen them.
    let (code, _) = as_token(
        &hub,
        Method::POST,
        CSRS,
        &marked,
        worker_csr("later", "system:nave:worker:edge-5", &[WORKER_GROUP]),
    )
    .await;
    assert_eq!(code, 201);
    let later = wait_signed(&hub, "later", Duration::from_secs(10)).await;
    assert!(later["status"]["certificate"].is_string(), "{later}");
    for name in ["unmarked", "wrong-cn", "no-group"] {
        let current = get(&hub, name).await;
        assert!(
            current
                .get("status")
                .is_none_or(|status| status.get("conditions").is_none()
                    && status.get("certificate").is_none()),
            "{name}: {current}"
        );
    }
}

#[tokio::test]
async fn an_expired_token_cannot_ask() {
    let (hub, token) = hub_with_token(
        true,
        Some(jiff::Timestamp::now() - jiff::SignedDuration::from_secs(60)),
    )
    .await;
    let (code, answer) = as_token(
        &hub,
        Method::POST,
        CSRS,
        &token,
        worker_csr("late", "system:nave:worker:edge-1", &[WORKER_GROUP]),
    )
    .await;
    assert_eq!(code, 401, "{answer}");
    assert_eq!(get(&hub, "late").await["code"], 404);
}
