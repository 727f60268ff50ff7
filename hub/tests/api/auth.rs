//! Authentication by tokens (ServiceAccount TokenRequest tokens, bootstrap tokens), the
//! TokenReview and SelfSubjectReview APIs, and the authorization reviews.

use axum::body::{Body, to_bytes};
use http::{Method, Request};
use hub::testing::TestHub;
use serde_json::{Value, json};
use tower::ServiceExt;

/// A request with a bearer token (or none), through the real authentication.
async fn with_token(
    hub: &TestHub,
    method: Method,
    uri: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, Value) {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    let response = hub
        .router_as(None)
        .oneshot(builder.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

const WHOAMI: &str = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
const WHOAMI_BODY: &str = r#"{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"#;

#[tokio::test]
async fn service_account_tokens_authenticate_in_their_cluster_only() {
    let hub = TestHub::memory().await;
    hub.state.clusters.create("root:other").await.unwrap();
    let created = hub
        .request(
            Method::POST,
            "/api/v1/namespaces/default/serviceaccounts",
            &[],
            r#"{"metadata":{"name":"robot"}}"#,
        )
        .await;
    assert_eq!(created.status, 201);
    let short = hub
        .request(
            Method::POST,
            "/api/v1/namespaces/default/serviceaccounts/robot/token",
            &[],
            r#"{"spec":{"expirationSeconds":300}}"#,
        )
        .await;
    assert_eq!(short.status, 422);
    assert!(
        short.json()["message"]
            .as_str()
            .unwrap()
            .contains("may not specify a duration less than 10 minutes")
    );
    let issued = hub
        .request(
            Method::POST,
            "/api/v1/namespaces/default/serviceaccounts/robot/token",
            &[],
            "{}",
        )
        .await;
    assert_eq!(issued.status, 201, "{}", issued.json());
    let token = issued.json()["status"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let (code, review) = with_token(&hub, Method::POST, WHOAMI, Some(&token), WHOAMI_BODY).await;
    assert_eq!(code, 201, "{review}");
    assert_eq!(
        review["status"]["userInfo"]["username"],
        "system:serviceaccount:default:robot"
    );
    assert!(
        review["status"]["userInfo"]["groups"]
            .as_array()
            .unwrap()
            .contains(&json!("system:serviceaccounts:default"))
    );
    // Not valid in another logical cluster.
    let (code, status) = with_token(
        &hub,
        Method::GET,
        "/clusters/root:other/api/v1/namespaces",
        Some(&token),
        "",
    )
    .await;
    assert_eq!(code, 401);
    assert_eq!(
        status,
        json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401})
    );
    // TokenReview agrees.
    let body = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}}).to_string();
    let reviewed = hub
        .request(
            Method::POST,
            "/apis/authentication.k8s.io/v1/tokenreviews",
            &[],
            body,
        )
        .await
        .json();
    assert_eq!(reviewed["status"]["authenticated"], true);
    assert_eq!(
        reviewed["status"]["user"]["username"],
        "system:serviceaccount:default:robot"
    );
    let garbage = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": "not-a-token"}}).to_string();
    let refused = hub
        .request(
            Method::POST,
            "/apis/authentication.k8s.io/v1/tokenreviews",
            &[],
            garbage,
        )
        .await
        .json();
    assert!(
        refused["status"].get("authenticated").is_none()
            || refused["status"]["authenticated"] == false
    );
    // Deleting the ServiceAccount revokes its tokens.
    hub.request(
        Method::DELETE,
        "/api/v1/namespaces/default/serviceaccounts/robot",
        &[],
        "",
    )
    .await;
    let (code, _) = with_token(&hub, Method::POST, WHOAMI, Some(&token), WHOAMI_BODY).await;
    assert_eq!(code, 401);
}

#[tokio::test]
async fn bootstrap_tokens_authenticate_until_they_expire() {
    let hub = TestHub::memory().await;
    let secret = |id: &str, expiration: &str| {
        use base64::Engine;
        let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
        json!({"metadata": {"name": format!("bootstrap-token-{id}")}, "type": "bootstrap.kubernetes.io/token",
            "data": {"token-id": b64(id), "token-secret": b64("0123456789abcdef"), "expiration": b64(expiration),
                     "usage-bootstrap-authentication": b64("true"), "auth-extra-groups": b64("system:bootstrappers:nave:workers")}})
        .to_string()
    };
    hub.request(
        Method::POST,
        "/api/v1/namespaces/kube-system/secrets",
        &[],
        secret("abcdef", "2999-01-01T00:00:00Z"),
    )
    .await;
    hub.request(
        Method::POST,
        "/api/v1/namespaces/kube-system/secrets",
        &[],
        secret("zzzzzz", "2000-01-01T00:00:00Z"),
    )
    .await;
    let (code, review) = with_token(
        &hub,
        Method::POST,
        WHOAMI,
        Some("abcdef.0123456789abcdef"),
        WHOAMI_BODY,
    )
    .await;
    assert_eq!(code, 201, "{review}");
    assert_eq!(
        review["status"]["userInfo"]["username"],
        "system:bootstrap:abcdef"
    );
    let groups = review["status"]["userInfo"]["groups"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        groups.contains(&json!("system:bootstrappers"))
            && groups.contains(&json!("system:bootstrappers:nave:workers"))
    );
    assert_eq!(
        with_token(
            &hub,
            Method::POST,
            WHOAMI,
            Some("abcdef.0123456789abcdeX"),
            WHOAMI_BODY
        )
        .await
        .0,
        401,
        "wrong secret"
    );
    assert_eq!(
        with_token(
            &hub,
            Method::POST,
            WHOAMI,
            Some("zzzzzz.0123456789abcdef"),
            WHOAMI_BODY
        )
        .await
        .0,
        401,
        "expired"
    );
    assert_eq!(
        with_token(&hub, Method::GET, "/api/v1/namespaces", None, "")
            .await
            .0,
        401,
        "anonymous"
    );
    assert_eq!(
        with_token(&hub, Method::GET, "/version", None, "").await.0,
        200
    );
}

#[tokio::test]
async fn access_reviews_follow_rbac() {
    let hub = TestHub::memory().await;
    let ssar = |user: &str, verb: &str, resource: &str| {
        json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "spec": {"user": user, "groups": ["system:authenticated"], "resourceAttributes": {"namespace": "default", "verb": verb, "resource": resource}}})
        .to_string()
    };
    let path = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
    let before = hub
        .request(Method::POST, path, &[], ssar("alice", "get", "pods"))
        .await
        .json();
    assert_eq!(before["status"]["allowed"], false);
    let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "alice-view"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"}]});
    assert_eq!(
        hub.request(
            Method::POST,
            "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
            &[],
            binding.to_string()
        )
        .await
        .status,
        201
    );
    let read = hub
        .request(Method::POST, path, &[], ssar("alice", "get", "pods"))
        .await
        .json();
    assert_eq!(read["status"]["allowed"], true, "{read}");
    let write = hub
        .request(Method::POST, path, &[], ssar("alice", "create", "pods"))
        .await
        .json();
    assert_eq!(write["status"]["allowed"], false);
    let secrets = hub
        .request(Method::POST, path, &[], ssar("alice", "get", "secrets"))
        .await
        .json();
    assert_eq!(
        secrets["status"]["allowed"], false,
        "view does not read secrets"
    );
    // The admin (system:masters) may do anything.
    let self_review = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"verb": "delete", "resource": "nodes"}}});
    let own = hub
        .request(
            Method::POST,
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            &[],
            self_review.to_string(),
        )
        .await
        .json();
    assert_eq!(own["status"]["allowed"], true);
}
