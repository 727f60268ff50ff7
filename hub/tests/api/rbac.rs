//! RBAC enforcement on every request: kube's `403 Forbidden` for what no binding allows,
//! discovery for every authenticated user, bindings scoped to their namespace and logical
//! cluster, escalation checks on writes of RBAC objects, ServiceAccount tokens.

use axum::body::{Body, to_bytes};
use http::{Method, Request};
use hub::auth::Identity;
use hub::testing::TestHub;
use serde_json::{Value, json};
use tower::ServiceExt;

/// A request as `identity` (or, with `token`, through the real authentication).
async fn send(
    hub: &TestHub,
    identity: Option<Identity>,
    token: Option<&str>,
    method: Method,
    uri: &str,
    body: &str,
) -> (u16, Value) {
    let content_type = if method == Method::PATCH {
        "application/merge-patch+json"
    } else {
        "application/json"
    };
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", content_type);
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    let response = hub
        .router_as(identity)
        .oneshot(builder.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn as_user(hub: &TestHub, user: &str, method: Method, uri: &str, body: &str) -> (u16, Value) {
    send(
        hub,
        Some(Identity::user(user, &[])),
        None,
        method,
        uri,
        body,
    )
    .await
}

/// Creates an object as `admin`, asserting success.
async fn admin_create(hub: &TestHub, uri: &str, body: Value) {
    let response = hub.request(Method::POST, uri, &[], body.to_string()).await;
    assert_eq!(response.status, 201, "{uri}: {}", response.json());
}

fn forbidden(message: &str, details: Value) -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": message, "reason": "Forbidden", "details": details, "code": 403})
}

fn role_binding(name: &str, role_kind: &str, role: &str, subject: Value) -> Value {
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
           "metadata": {"name": name},
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
           "subjects": [subject]})
}

fn user_subject(name: &str) -> Value {
    json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": name})
}

const CONFIGMAP: &str = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}"#;
const BINDINGS: &str = "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings";

#[tokio::test]
async fn a_user_without_bindings_is_forbidden_with_kubes_status() {
    let hub = TestHub::memory().await;
    let cases = [
        (
            Method::GET,
            "/api/v1/namespaces/default/pods/web",
            "",
            forbidden(
                r#"pods "web" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "default""#,
                json!({"name": "web", "kind": "pods"}),
            ),
        ),
        (
            Method::GET,
            "/api/v1/namespaces/default/pods",
            "",
            forbidden(
                r#"pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default""#,
                json!({"kind": "pods"}),
            ),
        ),
        (
            Method::GET,
            "/api/v1/namespaces/default/pods?watch=true&fieldSelector=metadata.name%3Dweb",
            "",
            forbidden(
                r#"pods "web" is forbidden: User "alice" cannot watch resource "pods" in API group "" in the namespace "default""#,
                json!({"name": "web", "kind": "pods"}),
            ),
        ),
        (
            Method::GET,
            "/api/v1/namespaces",
            "",
            forbidden(
                r#"namespaces is forbidden: User "alice" cannot list resource "namespaces" in API group "" at the cluster scope"#,
                json!({"kind": "namespaces"}),
            ),
        ),
        (
            Method::POST,
            "/apis/apps/v1/namespaces/default/deployments",
            r#"{"metadata":{"name":"d"}}"#,
            forbidden(
                r#"deployments.apps is forbidden: User "alice" cannot create resource "deployments" in API group "apps" in the namespace "default""#,
                json!({"group": "apps", "kind": "deployments"}),
            ),
        ),
        (
            Method::POST,
            "/api/v1/namespaces/default/configmaps",
            CONFIGMAP,
            forbidden(
                r#"configmaps is forbidden: User "alice" cannot create resource "configmaps" in API group "" in the namespace "default""#,
                json!({"kind": "configmaps"}),
            ),
        ),
        (
            Method::GET,
            "/metrics",
            "",
            forbidden(
                r#"forbidden: User "alice" cannot get path "/metrics""#,
                json!({}),
            ),
        ),
    ];
    for (method, uri, body, expected) in cases {
        let (code, status) = as_user(&hub, "alice", method, uri, body).await;
        assert_eq!(code, 403, "{uri}: {status}");
        let mut expected = expected;
        if expected["details"] == json!({}) {
            expected.as_object_mut().unwrap().remove("details");
        }
        assert_eq!(status, expected, "{uri}");
    }
    // Nothing was created.
    let (code, _) = send(
        &hub,
        Some(Identity::admin()),
        None,
        Method::GET,
        "/api/v1/namespaces/default/configmaps/c",
        "",
    )
    .await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn discovery_and_self_reviews_are_open_to_every_authenticated_user() {
    let hub = TestHub::memory().await;
    for uri in [
        "/api",
        "/apis",
        "/api/v1",
        "/apis/apps/v1",
        "/apis/apps",
        "/openapi/v3",
        "/version",
        "/healthz",
    ] {
        let (code, body) = as_user(&hub, "alice", Method::GET, uri, "").await;
        assert_eq!(code, 200, "{uri}: {body}");
    }
    let (code, review) = as_user(
        &hub,
        "alice",
        Method::POST,
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        r#"{"spec":{"resourceAttributes":{"verb":"list","resource":"pods","namespace":"default"}}}"#,
    )
    .await;
    assert_eq!(code, 201, "{review}");
    assert_eq!(review["status"]["allowed"], false);
    // Anonymous requests still get 401, not 403.
    let (code, _) = send(&hub, None, None, Method::GET, "/api", "").await;
    assert_eq!(code, 401);
}

#[tokio::test]
async fn a_view_binding_grants_reading_in_its_namespace_only() {
    let hub = TestHub::memory().await;
    admin_create(
        &hub,
        BINDINGS,
        role_binding("alice-view", "ClusterRole", "view", user_subject("alice")),
    )
    .await;
    let (code, list) = as_user(
        &hub,
        "alice",
        Method::GET,
        "/api/v1/namespaces/default/pods",
        "",
    )
    .await;
    assert_eq!(code, 200, "{list}");
    assert_eq!(list["kind"], "PodList");
    let (code, _) = as_user(
        &hub,
        "alice",
        Method::GET,
        "/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=1",
        "",
    )
    .await;
    assert_eq!(code, 200);
    let (code, status) = as_user(
        &hub,
        "alice",
        Method::POST,
        "/api/v1/namespaces/default/configmaps",
        CONFIGMAP,
    )
    .await;
    assert_eq!(code, 403, "{status}");
    let (code, status) = as_user(
        &hub,
        "alice",
        Method::GET,
        "/api/v1/namespaces/default/secrets",
        "",
    )
    .await;
    assert_eq!(code, 403);
    assert_eq!(
        status["message"],
        r#"secrets is forbidden: User "alice" cannot list resource "secrets" in API group "" in the namespace "default""#
    );
    let (code, status) = as_user(
        &hub,
        "alice",
        Method::GET,
        "/api/v1/namespaces/kube-system/pods",
        "",
    )
    .await;
    assert_eq!(code, 403, "{status}");
    // Another user gains nothing from alice's binding.
    let (code, _) = as_user(
        &hub,
        "bob",
        Method::GET,
        "/api/v1/namespaces/default/pods",
        "",
    )
    .await;
    assert_eq!(code, 403);
    // Deleting the binding takes the access away at once.
    let deleted = hub
        .request(Method::DELETE, &format!("{BINDINGS}/alice-view"), &[], "")
        .await;
    assert_eq!(deleted.status, 200);
    let (code, _) = as_user(
        &hub,
        "alice",
        Method::GET,
        "/api/v1/namespaces/default/pods",
        "",
    )
    .await;
    assert_eq!(code, 403);
}

#[tokio::test]
async fn bindings_grant_nothing_in_other_logical_clusters() {
    let hub = TestHub::memory().await;
    hub.state.clusters.create("root:a").await.unwrap();
    hub.state.clusters.create("root:b").await.unwrap();
    admin_create(
        &hub,
        &format!("/clusters/root:a{BINDINGS}"),
        role_binding("alice-view", "ClusterRole", "view", user_subject("alice")),
    )
    .await;
    let pods = |cluster: &str| format!("/clusters/{cluster}/api/v1/namespaces/default/pods");
    let (code, body) = as_user(&hub, "alice", Method::GET, &pods("root:a"), "").await;
    assert_eq!(code, 200, "{body}");
    for cluster in ["root:b", "root"] {
        let (code, _) = as_user(&hub, "alice", Method::GET, &pods(cluster), "").await;
        assert_eq!(code, 403, "{cluster}");
    }
    // A workspace that does not exist: everything is forbidden, discovery included, so that
    // alice cannot tell it from one she may not enter (workspaces.rs has the details).
    let (code, _) = as_user(&hub, "alice", Method::GET, &pods("root:nope"), "").await;
    assert_eq!(code, 403);
    let (code, _) = as_user(&hub, "alice", Method::GET, "/clusters/root:nope/api", "").await;
    assert_eq!(code, 403);
}

#[tokio::test]
async fn escalation_through_rbac_writes_is_refused() {
    let hub = TestHub::memory().await;
    admin_create(
        &hub,
        BINDINGS,
        role_binding("bob-edit", "ClusterRole", "edit", user_subject("bob")),
    )
    .await;
    // With only `edit`, bob may not write RoleBindings at all.
    let to_admin =
        role_binding("bob-admin", "ClusterRole", "admin", user_subject("bob")).to_string();
    let (code, status) = as_user(&hub, "bob", Method::POST, BINDINGS, &to_admin).await;
    assert_eq!(code, 403, "{status}");
    assert_eq!(
        status["message"],
        r#"rolebindings.rbac.authorization.k8s.io is forbidden: User "bob" cannot create resource "rolebindings" in API group "rbac.authorization.k8s.io" in the namespace "default""#
    );
    // Allowed to write RoleBindings and Roles, bob still may not grant what he does not hold.
    admin_create(
        &hub,
        "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
        json!({"metadata": {"name": "rbac-writer"}, "rules": [{"apiGroups": ["rbac.authorization.k8s.io"],
               "resources": ["rolebindings", "roles"], "verbs": ["create", "update", "patch", "get", "list"]}]}),
    )
    .await;
    admin_create(
        &hub,
        BINDINGS,
        role_binding("bob-rbac", "Role", "rbac-writer", user_subject("bob")),
    )
    .await;
    let (code, status) = as_user(&hub, "bob", Method::POST, BINDINGS, &to_admin).await;
    assert_eq!(code, 403, "{status}");
    assert_eq!(status["reason"], "Forbidden");
    assert_eq!(
        status["details"],
        json!({"name": "bob-admin", "group": "rbac.authorization.k8s.io", "kind": "rolebindings"})
    );
    let message = status["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            r#"rolebindings.rbac.authorization.k8s.io "bob-admin" is forbidden: user "bob""#
        ) && message.contains("is attempting to grant RBAC permissions not currently held"),
        "{message}"
    );
    // A role with more than bob holds is refused too.
    let (code, status) = as_user(
        &hub,
        "bob",
        Method::POST,
        "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
        r#"{"metadata":{"name":"all"},"rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]}"#,
    )
    .await;
    assert_eq!(code, 403, "{status}");
    // What bob holds, he may grant.
    let to_view =
        role_binding("carol-view", "ClusterRole", "view", user_subject("carol")).to_string();
    let (code, status) = as_user(&hub, "bob", Method::POST, BINDINGS, &to_view).await;
    assert_eq!(code, 201, "{status}");
    // Adding a subject to a binding of a role bob holds is fine.
    let (code, status) = send(
        &hub,
        Some(Identity::user("bob", &[])),
        None,
        Method::PATCH,
        &format!("{BINDINGS}/carol-view"),
        r#"{"subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"carol"},{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"dave"}]}"#,
    )
    .await;
    assert_eq!(code, 200, "{status}");
    // Patching a role to grant more than bob holds goes through the same check.
    let (code, status) = send(
        &hub,
        Some(Identity::user("bob", &[])),
        None,
        Method::PATCH,
        "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/rbac-writer",
        r#"{"rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]}"#,
    )
    .await;
    assert_eq!(code, 403, "{status}");
    assert!(
        status["message"].as_str().unwrap().starts_with(
            r#"roles.rbac.authorization.k8s.io "rbac-writer" is forbidden: user "bob""#
        ),
        "{status}"
    );
    // system:masters bind anything.
    let (code, status) = send(
        &hub,
        Some(Identity::admin()),
        None,
        Method::POST,
        BINDINGS,
        &to_admin,
    )
    .await;
    assert_eq!(code, 201, "{status}");
}

#[tokio::test]
async fn service_account_tokens_are_authorized_by_their_bindings() {
    let hub = TestHub::memory().await;
    admin_create(
        &hub,
        "/api/v1/namespaces/default/serviceaccounts",
        json!({"metadata": {"name": "robot"}}),
    )
    .await;
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
    let pods = "/api/v1/namespaces/default/pods";
    let (code, status) = send(&hub, None, Some(&token), Method::GET, pods, "").await;
    assert_eq!(code, 403, "{status}");
    assert_eq!(
        status["message"],
        r#"pods is forbidden: User "system:serviceaccount:default:robot" cannot list resource "pods" in API group "" in the namespace "default""#
    );
    admin_create(
        &hub,
        BINDINGS,
        role_binding(
            "robot-view",
            "ClusterRole",
            "view",
            json!({"kind": "ServiceAccount", "name": "robot", "namespace": "default"}),
        ),
    )
    .await;
    let (code, list) = send(&hub, None, Some(&token), Method::GET, pods, "").await;
    assert_eq!(code, 200, "{list}");
    // A binding to the group of all service accounts of a namespace works as well.
    let configmaps = "/api/v1/namespaces/default/configmaps";
    let (code, _) = send(
        &hub,
        None,
        Some(&token),
        Method::POST,
        configmaps,
        CONFIGMAP,
    )
    .await;
    assert_eq!(code, 403);
    admin_create(
        &hub,
        BINDINGS,
        role_binding(
            "sa-edit",
            "ClusterRole",
            "edit",
            json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:serviceaccounts:default"}),
        ),
    )
    .await;
    let (code, created) = send(
        &hub,
        None,
        Some(&token),
        Method::POST,
        configmaps,
        CONFIGMAP,
    )
    .await;
    assert_eq!(code, 201, "{created}");
}
