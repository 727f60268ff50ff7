//! CertificateSigningRequests: create validation, the `approval` subresource as
//! `kubectl certificate approve|deny` uses it, and the signer writing `status.certificate`.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::Method;
use hub::testing::TestHub;
use serde_json::{Value, json};

const CSRS: &str = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
const JSON: (&str, &str) = ("content-type", "application/json");

fn csr(name: &str, user: &str, groups: &[&str], signer: &str, expiration: Option<i64>) -> Value {
    let generated = certs::generate_csr(user, groups).unwrap();
    let mut object = json!({
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": name},
        "spec": {
            "request": STANDARD.encode(generated.csr_pem),
            "signerName": signer,
            "usages": ["digital signature", "key encipherment", "client auth"],
        },
    });
    if let Some(seconds) = expiration {
        object["spec"]["expirationSeconds"] = json!(seconds);
    }
    object
}

async fn create(hub: &TestHub, object: &Value) -> Value {
    let created = hub
        .request(Method::POST, CSRS, &[JSON], object.to_string())
        .await;
    assert_eq!(created.status, 201, "{}", created.json());
    created.json()
}

/// What `kubectl certificate approve|deny` does: GET, add a condition, PUT `/approval`.
async fn decide(hub: &TestHub, name: &str, kind: &str) -> Value {
    let mut current = hub
        .request(Method::GET, &format!("{CSRS}/{name}"), &[], "")
        .await
        .json();
    let reason = if kind == "Approved" {
        "KubectlApprove"
    } else {
        "KubectlDeny"
    };
    let condition = json!({"type": kind, "status": "True", "reason": reason,
        "message": format!("This CSR was {} by kubectl certificate approve.", kind.to_lowercase()),
        "lastUpdateTime": "2026-01-01T00:00:00Z"});
    let status = current
        .as_object_mut()
        .unwrap()
        .entry("status")
        .or_insert_with(|| json!({}));
    let conditions = status
        .as_object_mut()
        .unwrap()
        .entry("conditions")
        .or_insert_with(|| json!([]));
    conditions.as_array_mut().unwrap().push(condition);
    let answer = hub
        .request(
            Method::PUT,
            &format!("{CSRS}/{name}/approval"),
            &[JSON],
            current.to_string(),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.json());
    answer.json()
}

async fn certificate(hub: &TestHub, name: &str, wait: Duration) -> Option<String> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let current = hub
            .request(Method::GET, &format!("{CSRS}/{name}"), &[], "")
            .await
            .json();
        if let Some(encoded) = current["status"]["certificate"].as_str() {
            let pem = STANDARD.decode(encoded).unwrap();
            return Some(String::from_utf8(pem).unwrap());
        }
        if tokio::time::Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_approved_request_is_signed_by_the_hub_ca() {
    let hub = TestHub::memory().await;
    let object = csr(
        "alice",
        "alice",
        &["devs", "ops"],
        "kubernetes.io/kube-apiserver-client",
        Some(3600),
    );
    create(&hub, &object).await;
    assert_eq!(
        certificate(&hub, "alice", Duration::from_millis(200)).await,
        None,
        "signed before approval"
    );
    let approved = decide(&hub, "alice", "Approved").await;
    assert_eq!(approved["status"]["conditions"][0]["type"], "Approved");
    let pem = certificate(&hub, "alice", Duration::from_secs(10))
        .await
        .expect("the approved request was signed");

    let cert = openssl::x509::X509::from_pem(pem.as_bytes()).unwrap();
    let ca = openssl::x509::X509::from_pem(hub.ca.cert_pem().as_bytes()).unwrap();
    assert!(cert.verify(&ca.public_key().unwrap()).unwrap());
    let identity = certs::identity(pem.as_bytes()).unwrap();
    assert_eq!(identity.user, "alice");
    assert_eq!(identity.groups, ["devs", "ops"]);
    let validity = certs::validity(pem.as_bytes()).unwrap();
    let left = validity.not_after.as_second() - jiff::Timestamp::now().as_second();
    assert!((3500..=3600).contains(&left), "{left} seconds left");

    // The conditions survive the signer's write.
    let current = hub
        .request(Method::GET, &format!("{CSRS}/alice"), &[], "")
        .await
        .json();
    assert_eq!(
        current["status"]["conditions"][0]["reason"],
        "KubectlApprove"
    );
}

#[tokio::test]
async fn the_default_lifetime_is_a_year_and_worker_clients_are_signed() {
    let hub = TestHub::memory().await;
    create(
        &hub,
        &csr("worker", "worker-1", &[], "nave.dev/worker-client", None),
    )
    .await;
    decide(&hub, "worker", "Approved").await;
    let pem = certificate(&hub, "worker", Duration::from_secs(10))
        .await
        .expect("signed");
    let validity = certs::validity(pem.as_bytes()).unwrap();
    let left = validity.not_after.as_second() - jiff::Timestamp::now().as_second();
    let year = 365 * 24 * 3600;
    assert!((year - 100..=year).contains(&left), "{left} seconds left");
}

#[tokio::test]
async fn denied_and_foreign_requests_are_never_signed() {
    let hub = TestHub::memory().await;
    create(
        &hub,
        &csr(
            "denied",
            "bob",
            &[],
            "kubernetes.io/kube-apiserver-client",
            None,
        ),
    )
    .await;
    decide(&hub, "denied", "Denied").await;
    create(
        &hub,
        &csr("foreign", "carol", &[], "example.com/other-signer", None),
    )
    .await;
    decide(&hub, "foreign", "Approved").await;
    // A signed request afterwards proves the signer has seen the earlier ones.
    create(
        &hub,
        &csr(
            "later",
            "dave",
            &[],
            "kubernetes.io/kube-apiserver-client",
            None,
        ),
    )
    .await;
    decide(&hub, "later", "Approved").await;
    assert!(
        certificate(&hub, "later", Duration::from_secs(10))
            .await
            .is_some()
    );
    assert_eq!(certificate(&hub, "denied", Duration::ZERO).await, None);
    assert_eq!(certificate(&hub, "foreign", Duration::ZERO).await, None);
}

#[tokio::test]
async fn node_identities_are_refused_by_the_client_signer() {
    let hub = TestHub::memory().await;
    create(
        &hub,
        &csr(
            "node",
            "system:node:n1",
            &["system:nodes"],
            "kubernetes.io/kube-apiserver-client",
            None,
        ),
    )
    .await;
    decide(&hub, "node", "Approved").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let current = hub
            .request(Method::GET, &format!("{CSRS}/node"), &[], "")
            .await
            .json();
        let failed = current["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|condition| condition["type"] == "Failed");
        if let Some(failed) = failed {
            assert_eq!(failed["reason"], "SignerValidationFailure");
            assert!(current["status"]["certificate"].is_null());
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no Failed condition"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn create_is_validated() {
    let hub = TestHub::memory().await;
    let check = |mutate: fn(&mut Value), needle: &'static str| {
        let hub = &hub;
        async move {
            let mut object = csr(
                "bad",
                "eve",
                &[],
                "kubernetes.io/kube-apiserver-client",
                None,
            );
            mutate(&mut object);
            let answer = hub
                .request(Method::POST, CSRS, &[JSON], object.to_string())
                .await;
            assert_eq!(answer.status, 422, "{}", answer.json());
            let message = answer.json()["message"].as_str().unwrap().to_owned();
            assert!(message.contains(needle), "{message}");
        }
    };
    check(
        |object| object["spec"]["request"] = json!(STANDARD.encode("not a request")),
        "spec.request",
    )
    .await;
    check(
        |object| object["spec"]["signerName"] = json!(""),
        "spec.signerName: Required value",
    )
    .await;
    check(
        |object| object["spec"]["usages"] = json!(["client auth", "flying"]),
        "spec.usages[1]: Unsupported value",
    )
    .await;
    check(
        |object| object["spec"]["expirationSeconds"] = json!(599),
        "may not specify a duration less than 600 seconds",
    )
    .await;
}

/// A request as a user who is not `system:masters`.
async fn as_user(
    hub: &TestHub,
    user: &str,
    method: Method,
    uri: &str,
    body: &Value,
) -> (u16, Value) {
    use axum::body::{Body, to_bytes};
    use tower::ServiceExt;
    let request = http::Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = hub
        .router_as(Some(hub::auth::Identity::user(user, &[])))
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_requester_is_recorded_and_subresources_change_only_their_part() {
    let hub = TestHub::memory().await;
    let mut object = csr("parts", "worker-1", &[], "example.com/custom", None);
    object["spec"]["username"] = json!("someone-else");
    object["status"] = json!({"certificate": STANDARD.encode("forged")});
    let created = create(&hub, &object).await;
    assert_eq!(created["spec"]["username"], "admin", "{created}");
    assert!(
        created["spec"]["groups"]
            .as_array()
            .unwrap()
            .contains(&json!("system:masters"))
    );
    assert!(
        created
            .get("status")
            .is_none_or(|status| status.get("certificate").is_none())
    );

    // A status write may not approve.
    let mut with_approval = created.clone();
    with_approval["status"] =
        json!({"conditions": [{"type": "Approved", "status": "True", "reason": "Sneaky"}]});
    let answer = hub
        .request(
            Method::PUT,
            &format!("{CSRS}/parts/status"),
            &[JSON],
            with_approval.to_string(),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.json());
    assert!(
        answer.json()["status"].get("conditions").is_none(),
        "{}",
        answer.json()
    );

    // An approval write changes only conditions (and stamps them).
    let approved = decide(&hub, "parts", "Approved").await;
    let mut with_certificate = approved.clone();
    with_certificate["status"]["certificate"] = json!(STANDARD.encode("forged"));
    let answer = hub
        .request(
            Method::PUT,
            &format!("{CSRS}/parts/approval"),
            &[JSON],
            with_certificate.to_string(),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.json());
    let stored = answer.json();
    assert!(stored["status"].get("certificate").is_none(), "{stored}");
    let condition = &stored["status"]["conditions"][0];
    assert_eq!(condition["type"], "Approved");
    assert!(condition["lastTransitionTime"].is_string(), "{condition}");

    // A status write keeps the approval.
    let mut dropped = stored.clone();
    dropped["status"] = json!({"certificate": STANDARD.encode("-----BEGIN CERTIFICATE-----")});
    let answer = hub
        .request(
            Method::PUT,
            &format!("{CSRS}/parts/status"),
            &[JSON],
            dropped.to_string(),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.json());
    assert_eq!(answer.json()["status"]["conditions"][0]["type"], "Approved");
}

#[tokio::test]
async fn approving_and_signing_need_the_signer_verbs() {
    let hub = TestHub::memory().await;
    // carol may create CSRs and write their approval and status, but holds no signer verbs.
    let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "csr-writer"},
        "rules": [{"apiGroups": ["certificates.k8s.io"],
                   "resources": ["certificatesigningrequests", "certificatesigningrequests/approval", "certificatesigningrequests/status"],
                   "verbs": ["get", "create", "update"]}]});
    let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "carol-csr-writer"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "csr-writer"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "carol"}]});
    for (uri, body) in [
        ("/apis/rbac.authorization.k8s.io/v1/clusterroles", role),
        (
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            binding,
        ),
    ] {
        let answer = hub
            .request(Method::POST, uri, &[JSON], body.to_string())
            .await;
        assert_eq!(answer.status, 201, "{}", answer.json());
    }
    let (code, created) = as_user(
        &hub,
        "carol",
        Method::POST,
        CSRS,
        &csr("mine", "carol", &[], "example.com/custom", None),
    )
    .await;
    assert_eq!(code, 201, "{created}");
    assert_eq!(created["spec"]["username"], "carol");

    let mut approval = created.clone();
    approval["status"] =
        json!({"conditions": [{"type": "Approved", "status": "True", "reason": "Self"}]});
    let (code, refused) = as_user(
        &hub,
        "carol",
        Method::PUT,
        &format!("{CSRS}/mine/approval"),
        &approval,
    )
    .await;
    assert_eq!(code, 403, "{refused}");
    assert_eq!(
        refused["message"],
        "certificatesigningrequests.certificates.k8s.io \"mine\" is forbidden: user not permitted to approve requests with signerName \"example.com/custom\""
    );
    let mut signed = created.clone();
    signed["status"] = json!({"certificate": STANDARD.encode("-----BEGIN CERTIFICATE-----")});
    let (code, refused) = as_user(
        &hub,
        "carol",
        Method::PUT,
        &format!("{CSRS}/mine/status"),
        &signed,
    )
    .await;
    assert_eq!(code, 403, "{refused}");
    assert!(
        refused["message"].as_str().unwrap().ends_with(
            "user not permitted to sign requests with signerName \"example.com/custom\""
        )
    );

    // `approve` on the signer's domain wildcard is enough.
    let approver = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "custom-approver"},
        "rules": [{"apiGroups": ["certificates.k8s.io"], "resources": ["signers"],
                   "resourceNames": ["example.com/*"], "verbs": ["approve"]}]});
    let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "carol-approver"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "custom-approver"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "carol"}]});
    for (uri, body) in [
        ("/apis/rbac.authorization.k8s.io/v1/clusterroles", approver),
        (
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            binding,
        ),
    ] {
        let answer = hub
            .request(Method::POST, uri, &[JSON], body.to_string())
            .await;
        assert_eq!(answer.status, 201, "{}", answer.json());
    }
    let (code, approved) = as_user(
        &hub,
        "carol",
        Method::PUT,
        &format!("{CSRS}/mine/approval"),
        &approval,
    )
    .await;
    assert_eq!(code, 200, "{approved}");
    assert_eq!(approved["status"]["conditions"][0]["type"], "Approved");
}

#[tokio::test]
async fn the_client_signer_refuses_system_masters() {
    let hub = TestHub::memory().await;
    let object = csr(
        "root-me",
        "mallory",
        &["system:masters"],
        "kubernetes.io/kube-apiserver-client",
        None,
    );
    let answer = hub
        .request(Method::POST, CSRS, &[JSON], object.to_string())
        .await;
    assert_eq!(answer.status, 403, "{}", answer.json());
    assert_eq!(
        answer.json()["message"],
        "certificatesigningrequests.certificates.k8s.io \"root-me\" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed"
    );
}
