//! Impersonation (`kubectl --as`, `--as-group`, `--as-uid`, `Impersonate-Extra-*`): the caller
//! needs RBAC's `impersonate` on each requested user, group, uid, extra value or service account
//! in the request's logical cluster (`system:masters` may impersonate anyone); the request is
//! then authorized and answered as the impersonated identity.

use axum::body::{Body, to_bytes};
use http::{Method, Request};
use hub::auth::Identity;
use hub::testing::TestHub;
use serde_json::{Value, json};
use tower::ServiceExt;

/// Request headers.
type Headers<'a> = &'a [(&'a str, &'a str)];

/// A request as `identity` with the headers `headers`.
async fn send(
    hub: &TestHub,
    identity: Identity,
    headers: Headers<'_>,
    method: Method,
    uri: &str,
    body: &str,
) -> (u16, Value) {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let response = hub
        .router_as(Some(identity))
        .oneshot(builder.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// Creates an object as `admin`, asserting success.
async fn admin_create(hub: &TestHub, uri: &str, body: Value) {
    let response = hub.request(Method::POST, uri, &[], body.to_string()).await;
    assert_eq!(response.status, 201, "{uri}: {}", response.json());
}

fn status(code: u16, reason: &str, message: &str, details: Option<Value>) -> Value {
    let mut status = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                            "message": message, "reason": reason, "code": code});
    if let Some(details) = details {
        status["details"] = details;
    }
    status
}

fn binding(kind: &str, name: &str, role: &str, subject: Value) -> Value {
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
           "metadata": {"name": name},
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
           "subjects": [subject]})
}

fn user(name: &str) -> Value {
    json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": name})
}

fn group(name: &str) -> Value {
    json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": name})
}

const ROLE_BINDINGS: &str = "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings";
const CLUSTER_ROLES: &str = "/apis/rbac.authorization.k8s.io/v1/clusterroles";
const CLUSTER_ROLE_BINDINGS: &str = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings";
const CONFIGMAPS: &str = "/api/v1/namespaces/default/configmaps";
const CONFIGMAP: &str = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}"#;
const WHOAMI: &str = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
const WHOAMI_BODY: &str = r#"{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"#;

/// Gives `alice` a ClusterRole with `rules`, bound cluster-wide.
async fn allow_alice(hub: &TestHub, rules: Value) {
    admin_create(
        hub,
        CLUSTER_ROLES,
        json!({"metadata": {"name": "impersonator"}, "rules": rules}),
    )
    .await;
    admin_create(
        hub,
        CLUSTER_ROLE_BINDINGS,
        binding(
            "ClusterRoleBinding",
            "impersonator",
            "impersonator",
            user("alice"),
        ),
    )
    .await;
}

#[tokio::test]
async fn an_admin_acting_as_a_user_gets_that_users_answers() {
    let hub = TestHub::memory().await;
    admin_create(
        &hub,
        ROLE_BINDINGS,
        binding("RoleBinding", "alice-view", "view", user("alice")),
    )
    .await;
    let as_alice = [("Impersonate-User", "alice")];
    let (code, list) = send(
        &hub,
        Identity::admin(),
        &as_alice,
        Method::GET,
        CONFIGMAPS,
        "",
    )
    .await;
    assert_eq!(code, 200, "{list}");
    let (code, refused) = send(
        &hub,
        Identity::admin(),
        &as_alice,
        Method::POST,
        CONFIGMAPS,
        CONFIGMAP,
    )
    .await;
    assert_eq!(
        (code, refused),
        (
            403,
            status(
                403,
                "Forbidden",
                r#"configmaps is forbidden: User "alice" cannot create resource "configmaps" in API group "" in the namespace "default""#,
                Some(json!({"kind": "configmaps"}))
            )
        )
    );
    // Without the header the admin is itself again.
    let (code, created) = send(
        &hub,
        Identity::admin(),
        &[],
        Method::POST,
        CONFIGMAPS,
        CONFIGMAP,
    )
    .await;
    assert_eq!(code, 201, "{created}");
}

#[tokio::test]
async fn a_user_impersonates_only_whom_rbac_allows() {
    let hub = TestHub::memory().await;
    allow_alice(
        &hub,
        json!([{"apiGroups": [""], "resources": ["users"], "verbs": ["impersonate"],
                "resourceNames": ["bob"]}]),
    )
    .await;
    admin_create(
        &hub,
        ROLE_BINDINGS,
        binding("RoleBinding", "bob-view", "view", user("bob")),
    )
    .await;
    let alice = || Identity::user("alice", &[]);
    // alice alone cannot read configmaps; as bob she can, as bob she cannot write.
    let (code, _) = send(&hub, alice(), &[], Method::GET, CONFIGMAPS, "").await;
    assert_eq!(code, 403);
    let as_bob = [("Impersonate-User", "bob")];
    let (code, list) = send(&hub, alice(), &as_bob, Method::GET, CONFIGMAPS, "").await;
    assert_eq!(code, 200, "{list}");
    let (code, refused) = send(&hub, alice(), &as_bob, Method::POST, CONFIGMAPS, CONFIGMAP).await;
    assert_eq!(code, 403);
    assert_eq!(
        refused["message"],
        r#"configmaps is forbidden: User "bob" cannot create resource "configmaps" in API group "" in the namespace "default""#
    );
    let (code, refused) = send(
        &hub,
        alice(),
        &[("Impersonate-User", "carol")],
        Method::GET,
        CONFIGMAPS,
        "",
    )
    .await;
    assert_eq!(
        (code, refused),
        (
            403,
            status(
                403,
                "Forbidden",
                r#"users "carol" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope"#,
                Some(json!({"name": "carol", "kind": "users"}))
            )
        )
    );
    // Every other thing requested needs its own permission.
    let cases: [(Headers, &str, Value); 3] = [
        (
            &[("Impersonate-User", "bob"), ("Impersonate-Group", "devs")],
            r#"groups "devs" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope"#,
            json!({"name": "devs", "kind": "groups"}),
        ),
        (
            &[("Impersonate-User", "bob"), ("Impersonate-Uid", "u-1")],
            r#"uids.authentication.k8s.io "u-1" is forbidden: User "alice" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope"#,
            json!({"name": "u-1", "group": "authentication.k8s.io", "kind": "uids"}),
        ),
        (
            &[
                ("Impersonate-User", "bob"),
                ("Impersonate-Extra-Scopes", "view"),
            ],
            r#"userextras.authentication.k8s.io "view" is forbidden: User "alice" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope"#,
            json!({"name": "view", "group": "authentication.k8s.io", "kind": "userextras"}),
        ),
    ];
    for (headers, message, details) in cases {
        let (code, refused) = send(&hub, alice(), headers, Method::GET, CONFIGMAPS, "").await;
        assert_eq!(
            (code, refused),
            (403, status(403, "Forbidden", message, Some(details)))
        );
    }
    // The permission is the logical cluster's: elsewhere alice may impersonate no one.
    hub.state.clusters.create("root:other").await.unwrap();
    let (code, refused) = send(
        &hub,
        alice(),
        &as_bob,
        Method::GET,
        &format!("/clusters/root:other{CONFIGMAPS}"),
        "",
    )
    .await;
    assert_eq!(code, 403);
    assert_eq!(
        refused["message"],
        r#"users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope"#
    );
}

#[tokio::test]
async fn groups_uids_and_extras_need_a_user() {
    let hub = TestHub::memory().await;
    let cases: [(Headers, &str); 3] = [
        (
            &[("Impersonate-Group", "devs")],
            "requested [{Group  devs    }] without impersonating a user",
        ),
        (
            &[("Impersonate-Uid", "u-1")],
            "requested [{UID  u-1  authentication.k8s.io/v1  }] without impersonating a user",
        ),
        (
            &[
                ("Impersonate-Group", "devs"),
                ("Impersonate-Group", "ops"),
                ("Impersonate-Extra-Scopes", "view"),
            ],
            "requested [{Group  devs    } {Group  ops    } {UserExtra  view  authentication.k8s.io/v1  scopes}] without impersonating a user",
        ),
    ];
    for (headers, message) in cases {
        let (code, refused) = send(
            &hub,
            Identity::admin(),
            headers,
            Method::GET,
            CONFIGMAPS,
            "",
        )
        .await;
        assert_eq!(
            (code, refused),
            (400, status(400, "BadRequest", message, None))
        );
    }
}

#[tokio::test]
async fn impersonated_groups_grant_what_their_bindings_grant() {
    let hub = TestHub::memory().await;
    admin_create(
        &hub,
        ROLE_BINDINGS,
        binding("RoleBinding", "devs-edit", "edit", group("devs")),
    )
    .await;
    let (code, refused) = send(
        &hub,
        Identity::admin(),
        &[("Impersonate-User", "bob")],
        Method::POST,
        CONFIGMAPS,
        CONFIGMAP,
    )
    .await;
    assert_eq!(code, 403, "{refused}");
    let (code, created) = send(
        &hub,
        Identity::admin(),
        &[("Impersonate-User", "bob"), ("Impersonate-Group", "devs")],
        Method::POST,
        CONFIGMAPS,
        CONFIGMAP,
    )
    .await;
    assert_eq!(code, 201, "{created}");
    // A user allowed to impersonate the group (and the user) gets the same.
    allow_alice(
        &hub,
        json!([{"apiGroups": [""], "resources": ["users", "groups"], "verbs": ["impersonate"]}]),
    )
    .await;
    let (code, list) = send(
        &hub,
        Identity::user("alice", &[]),
        &[("Impersonate-User", "bob"), ("Impersonate-Group", "devs")],
        Method::GET,
        CONFIGMAPS,
        "",
    )
    .await;
    assert_eq!(code, 200, "{list}");
}

#[tokio::test]
async fn service_accounts_are_impersonated_per_namespace() {
    let hub = TestHub::memory().await;
    admin_create(
        &hub,
        CLUSTER_ROLES,
        json!({"metadata": {"name": "sa-impersonator"},
               "rules": [{"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]}]}),
    )
    .await;
    admin_create(
        &hub,
        ROLE_BINDINGS,
        binding(
            "RoleBinding",
            "alice-sa-impersonator",
            "sa-impersonator",
            user("alice"),
        ),
    )
    .await;
    let (code, review) = send(
        &hub,
        Identity::user("alice", &[]),
        &[("Impersonate-User", "system:serviceaccount:default:robot")],
        Method::POST,
        WHOAMI,
        WHOAMI_BODY,
    )
    .await;
    assert_eq!(code, 201, "{review}");
    assert_eq!(
        review["status"]["userInfo"],
        json!({"username": "system:serviceaccount:default:robot",
               "groups": ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"]})
    );
    let (code, refused) = send(
        &hub,
        Identity::user("alice", &[]),
        &[(
            "Impersonate-User",
            "system:serviceaccount:kube-system:robot",
        )],
        Method::POST,
        WHOAMI,
        WHOAMI_BODY,
    )
    .await;
    assert_eq!(
        (code, refused),
        (
            403,
            status(
                403,
                "Forbidden",
                r#"serviceaccounts "robot" is forbidden: User "alice" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "kube-system""#,
                Some(json!({"name": "robot", "kind": "serviceaccounts"}))
            )
        )
    );
}

#[tokio::test]
async fn self_subject_review_answers_the_impersonated_user() {
    let hub = TestHub::memory().await;
    let (code, review) = send(
        &hub,
        Identity::admin(),
        &[
            ("Impersonate-User", "bob"),
            ("Impersonate-Group", "devs"),
            ("Impersonate-Group", "ops"),
            ("Impersonate-Uid", "u-1"),
            ("Impersonate-Extra-Scopes", "view"),
        ],
        Method::POST,
        WHOAMI,
        WHOAMI_BODY,
    )
    .await;
    assert_eq!(code, 201, "{review}");
    assert_eq!(review["status"]["userInfo"]["username"], "bob");
    assert_eq!(review["status"]["userInfo"]["uid"], "u-1");
    assert_eq!(
        review["status"]["userInfo"]["groups"],
        json!(["devs", "ops", "system:authenticated"])
    );
    // Impersonating system:anonymous: system:unauthenticated instead of system:authenticated,
    // which the default policy does not let ask who it is.
    let (code, refused) = send(
        &hub,
        Identity::admin(),
        &[("Impersonate-User", "system:anonymous")],
        Method::POST,
        WHOAMI,
        WHOAMI_BODY,
    )
    .await;
    assert_eq!(code, 403);
    assert_eq!(
        refused["message"],
        r#"selfsubjectreviews.authentication.k8s.io is forbidden: User "system:anonymous" cannot create resource "selfsubjectreviews" in API group "authentication.k8s.io" at the cluster scope"#
    );
}
