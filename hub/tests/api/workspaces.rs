//! Workspaces: creation (Initializing → Ready, id, URL, default namespaces, the creator as
//! admin), nested workspaces, `/clusters/<path>` and `/clusters/<id>`, deletion of a whole
//! subtree (verified by scanning every key of the store), recreation, kcp-style 403/404, the
//! wildcard `/clusters/*`, isolation of objects, CRDs, discovery, OpenAPI, watches and RBAC, and
//! a restart over the same store.

use std::collections::HashSet;
use std::time::Duration;

use http::{Method, StatusCode};
use hub::auth::Identity;
use hub::testing::{BASE_URL, TestHub};
use serde_json::{Value, json};
use storage::ListRequest;

const WORKSPACES: &str = "apis/tenancy.nave.dev/v1alpha1/workspaces";

fn configmap(name: &str, who: &str) -> String {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"who": who}})
        .to_string()
}

/// Creates a ClusterRole or ClusterRoleBinding in root as `admin`.
async fn create_in_root(hub: &TestHub, object: &Value) {
    let resource = if object["kind"] == "ClusterRole" {
        "clusterroles"
    } else {
        "clusterrolebindings"
    };
    let created = hub
        .request(
            Method::POST,
            &format!("/apis/rbac.authorization.k8s.io/v1/{resource}"),
            &[],
            object.to_string(),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.json());
}

/// Every key in the store.
async fn all_keys(hub: &TestHub) -> Vec<String> {
    hub.store
        .list(ListRequest::prefix("/"))
        .await
        .unwrap()
        .kvs
        .into_iter()
        .map(|kv| kv.key)
        .collect()
}

/// Keys naming logical cluster `id` as a path segment.
fn keys_of<'a>(keys: &'a [String], id: &str) -> Vec<&'a String> {
    keys.iter()
        .filter(|key| key.split('/').any(|segment| segment == id))
        .collect()
}

#[tokio::test]
async fn a_workspace_is_created_initializing_then_ready_with_its_cluster() {
    let hub = TestHub::memory().await;
    let body = json!({"apiVersion": "tenancy.nave.dev/v1alpha1", "kind": "Workspace", "metadata": {"name": "acme"}});
    let created = hub
        .request(
            Method::POST,
            &format!("/clusters/root/{WORKSPACES}"),
            &[],
            body.to_string(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
    let created = created.json();
    assert_eq!(created["status"]["phase"], "Initializing");
    assert_eq!(created["spec"]["type"], "universal");
    let id = created["status"]["cluster"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 16);
    assert_eq!(
        created["status"]["url"],
        format!("{BASE_URL}/clusters/root:acme")
    );
    assert!(
        created["metadata"]["finalizers"]
            .as_array()
            .unwrap()
            .contains(&json!("tenancy.nave.dev/workspace"))
    );

    // Ready soon after, and served at both its path and its id.
    let mut phase = Value::Null;
    for _ in 0..200 {
        phase = hub
            .request(
                Method::GET,
                &format!("/clusters/root/{WORKSPACES}/acme"),
                &[],
                "",
            )
            .await
            .json()["status"]["phase"]
            .clone();
        if phase == "Ready" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(phase, "Ready");
    for reference in ["root:acme", id.as_str()] {
        let namespaces = hub
            .request(
                Method::GET,
                &format!("/clusters/{reference}/api/v1/namespaces"),
                &[],
                "",
            )
            .await;
        assert_eq!(namespaces.status, 200, "{reference}");
        let names: HashSet<String> = namespaces.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|ns| ns["metadata"]["name"].as_str().unwrap().to_owned())
            .collect();
        let expected: HashSet<String> =
            ["default", "kube-system", "kube-public", "kube-node-lease"]
                .iter()
                .map(|name| (*name).to_owned())
                .collect();
        assert_eq!(names, expected);
    }
    // The creator is its admin.
    let binding = hub
        .request(
            Method::GET,
            "/clusters/root:acme/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/workspace-admin",
            &[],
            "",
        )
        .await
        .json();
    assert_eq!(binding["roleRef"]["name"], "cluster-admin");
    assert_eq!(binding["subjects"][0]["name"], "admin");
    // The table has kube-style columns.
    let table = hub
        .request(
            Method::GET,
            &format!("/clusters/root/{WORKSPACES}"),
            &[("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")],
            "",
        )
        .await
        .json();
    let columns: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|column| column["name"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["Name", "Type", "Phase", "URL", "Age"]);
    assert_eq!(table["rows"][0]["cells"][2], "Ready");
    // OpenAPI describes it (`kubectl explain workspace`, client-side validation).
    let openapi = hub
        .request(
            Method::GET,
            "/openapi/v3/apis/tenancy.nave.dev/v1alpha1",
            &[],
            "",
        )
        .await;
    assert_eq!(openapi.status, 200);
    let openapi = openapi.json().to_string();
    assert!(openapi.contains("maxObjects") && openapi.contains("x-kubernetes-group-version-kind"));
    // Names are DNS labels.
    let bad = hub
        .request(
            Method::POST,
            &format!("/clusters/root/{WORKSPACES}"),
            &[],
            body.to_string().replace("acme", "Not.A.Label"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn deleting_a_workspace_removes_its_whole_subtree_and_recreation_is_fresh() {
    let hub = TestHub::memory().await;
    let a = hub.workspace("root", "a").await;
    let b = hub.workspace("root:a", "b").await;
    let c = hub.workspace("root:a:b", "c").await;
    let ids = [a.clone(), b.clone(), c.clone()];
    let nested = hub
        .request(
            Method::GET,
            &format!("/clusters/root:a:b/{WORKSPACES}/c"),
            &[],
            "",
        )
        .await
        .json();
    assert_eq!(
        nested["status"]["url"],
        format!("{BASE_URL}/clusters/root:a:b:c")
    );
    for (path, who) in [("root:a", "a"), ("root:a:b", "b"), ("root:a:b:c", "c")] {
        let created = hub
            .request(
                Method::POST,
                &format!("/clusters/{path}/api/v1/namespaces/default/configmaps"),
                &[],
                configmap("data", who),
            )
            .await;
        assert_eq!(created.status, 201);
    }
    // A CRD and one of its objects in the deepest one.
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}});
    let created = hub
        .request(
            Method::POST,
            "/clusters/root:a:b:c/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            &[],
            crd.to_string(),
        )
        .await;
    assert_eq!(created.status, 201);
    let widget =
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}});
    let mut status = StatusCode::NOT_FOUND;
    for _ in 0..200 {
        status = hub
            .request(
                Method::POST,
                "/clusters/root:a:b:c/apis/example.com/v1/namespaces/default/widgets",
                &[],
                widget.to_string(),
            )
            .await
            .status;
        if status == StatusCode::CREATED {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(status, StatusCode::CREATED);
    let before = all_keys(&hub).await;
    for id in &ids {
        assert!(!keys_of(&before, id).is_empty());
    }

    let deleted = hub
        .request(
            Method::DELETE,
            &format!("/clusters/root/{WORKSPACES}/a"),
            &[],
            "",
        )
        .await;
    assert_eq!(deleted.status, 200, "{:?}", deleted.json());
    let mut gone = false;
    for _ in 0..300 {
        let got = hub
            .request(
                Method::GET,
                &format!("/clusters/root/{WORKSPACES}/a"),
                &[],
                "",
            )
            .await;
        if got.status == StatusCode::NOT_FOUND {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(gone, "workspace a was not deleted");
    let after = all_keys(&hub).await;
    for id in &ids {
        assert_eq!(
            keys_of(&after, id),
            Vec::<&String>::new(),
            "keys of {id} remain"
        );
    }
    for reference in ["root:a", "root:a:b", "root:a:b:c", a.as_str(), c.as_str()] {
        let got = hub
            .request(
                Method::GET,
                &format!("/clusters/{reference}/api/v1/namespaces"),
                &[],
                "",
            )
            .await;
        assert_eq!(got.status, StatusCode::NOT_FOUND, "{reference}");
    }

    // The same name again: a fresh, empty logical cluster at once.
    let again = hub.workspace("root", "a").await;
    assert_ne!(again, a);
    let configmaps = hub
        .request(
            Method::GET,
            "/clusters/root:a/api/v1/namespaces/default/configmaps",
            &[],
            "",
        )
        .await;
    assert_eq!(configmaps.status, 200);
    assert_eq!(configmaps.json()["items"], json!([]));
    let children = hub
        .request(
            Method::GET,
            &format!("/clusters/root:a/{WORKSPACES}"),
            &[],
            "",
        )
        .await;
    assert_eq!(children.json()["items"], json!([]));
}

#[tokio::test]
async fn unknown_and_unauthorized_workspaces_answer_like_kcp() {
    let hub = TestHub::memory().await;
    hub.workspace("root", "secret").await;
    let alice = Some(Identity::user("alice", &[]));
    let existing = hub
        .request_as(
            alice.clone(),
            Method::GET,
            "/clusters/root:secret/api/v1/namespaces",
            &[],
            "",
        )
        .await;
    let missing = hub
        .request_as(
            alice.clone(),
            Method::GET,
            "/clusters/root:nothing/api/v1/namespaces",
            &[],
            "",
        )
        .await;
    assert_eq!(existing.status, StatusCode::FORBIDDEN);
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    // The same answer, whether or not the name exists.
    let message = |response: &hub::testing::RawResponse| {
        response.json()["message"]
            .as_str()
            .unwrap()
            .replace("root:secret", "X")
            .replace("root:nothing", "X")
    };
    assert_eq!(message(&existing), message(&missing));
    // Discovery is refused too (it would tell an existing workspace from a missing one).
    let discovery = hub
        .request_as(
            alice.clone(),
            Method::GET,
            "/clusters/root:secret/api",
            &[],
            "",
        )
        .await;
    assert_eq!(discovery.status, StatusCode::FORBIDDEN);
    // system:masters learns that it does not exist.
    let admin = hub
        .request(
            Method::GET,
            "/clusters/root:nothing/api/v1/namespaces",
            &[],
            "",
        )
        .await;
    assert_eq!(admin.status, StatusCode::NOT_FOUND);
    let by_id = hub
        .request(
            Method::GET,
            "/clusters/zzzzzzzzzzzzzzzz/api/v1/namespaces",
            &[],
            "",
        )
        .await;
    assert_eq!(by_id.status, StatusCode::NOT_FOUND);

    // Someone who may read workspaces in root learns it too.
    for object in [
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "workspace-reader"},
            "rules": [{"apiGroups": ["tenancy.nave.dev"], "resources": ["workspaces"], "verbs": ["get", "list", "create"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "alice-reads"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "workspace-reader"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}]}),
    ] {
        create_in_root(&hub, &object).await;
    }
    let missing = hub
        .request_as(
            alice.clone(),
            Method::GET,
            "/clusters/root:nothing/api/v1/namespaces",
            &[],
            "",
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // Seeing a workspace is not entering it.
    let existing = hub
        .request_as(
            alice.clone(),
            Method::GET,
            "/clusters/root:secret/api/v1/namespaces",
            &[],
            "",
        )
        .await;
    assert_eq!(existing.status, StatusCode::FORBIDDEN);

    // A workspace alice creates is hers: she is bound as its admin.
    let body = json!({"apiVersion": "tenancy.nave.dev/v1alpha1", "kind": "Workspace", "metadata": {"name": "alices"}});
    let created = hub
        .request_as(
            alice.clone(),
            Method::POST,
            &format!("/clusters/root/{WORKSPACES}"),
            &[],
            body.to_string(),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.json());
    let mut status = StatusCode::FORBIDDEN;
    for _ in 0..200 {
        status = hub
            .request_as(
                alice.clone(),
                Method::POST,
                "/clusters/root:alices/api/v1/namespaces/default/configmaps",
                &[],
                configmap("mine", "alice"),
            )
            .await
            .status;
        if status == StatusCode::CREATED {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(status, StatusCode::CREATED);
    // Bob is not.
    let bob = hub
        .request_as(
            Some(Identity::user("bob", &[])),
            Method::GET,
            "/clusters/root:alices/api/v1/namespaces/default/configmaps",
            &[],
            "",
        )
        .await;
    assert_eq!(bob.status, StatusCode::FORBIDDEN);

    // `access` on workspaces/content in the parent lets bob in (RBAC inside still decides).
    for object in [
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "enter-alices"},
            "rules": [{"apiGroups": ["tenancy.nave.dev"], "resources": ["workspaces/content"], "resourceNames": ["alices"], "verbs": ["access"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "bob-enters"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "enter-alices"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "bob"}]}),
    ] {
        create_in_root(&hub, &object).await;
    }
    let bob_discovery = hub
        .request_as(
            Some(Identity::user("bob", &[])),
            Method::GET,
            "/clusters/root:alices/api",
            &[],
            "",
        )
        .await;
    assert_eq!(bob_discovery.status, StatusCode::OK);
    let bob_list = hub
        .request_as(
            Some(Identity::user("bob", &[])),
            Method::GET,
            "/clusters/root:alices/api/v1/namespaces/default/configmaps",
            &[],
            "",
        )
        .await;
    assert_eq!(bob_list.status, StatusCode::FORBIDDEN);

    // A member (named by one of the workspace's own bindings) may enter; a binding to
    // `system:authenticated` makes nobody a member.
    for (name, subject) in [
        (
            "carol-view",
            json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "carol"}),
        ),
        (
            "everyone-view",
            json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:authenticated"}),
        ),
    ] {
        let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": name, "namespace": "default"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [subject]});
        let created = hub
            .request(
                Method::POST,
                "/clusters/root:secret/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
                &[],
                binding.to_string(),
            )
            .await;
        assert_eq!(created.status, 201);
    }
    let carol = hub
        .request_as(
            Some(Identity::user("carol", &[])),
            Method::GET,
            "/clusters/root:secret/api/v1/namespaces/default/configmaps",
            &[],
            "",
        )
        .await;
    assert_eq!(carol.status, StatusCode::OK);
    let dave = hub
        .request_as(
            Some(Identity::user("dave", &[])),
            Method::GET,
            "/clusters/root:secret/api/v1/namespaces/default/configmaps",
            &[],
            "",
        )
        .await;
    assert_eq!(dave.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn workspaces_are_isolated_and_the_wildcard_sees_them_all() {
    let hub = TestHub::memory().await;
    let one = hub.workspace("root", "one").await;
    let two = hub.workspace("root", "two").await;
    // A watch in `one` from before anything is written: it sees the live events of `one` only.
    let since = hub
        .request(
            Method::GET,
            "/clusters/root:one/api/v1/namespaces/default/configmaps",
            &[],
            "",
        )
        .await
        .json()["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_owned();
    let request = http::Request::builder()
        .uri(format!(
            "/clusters/root:one/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={since}&timeoutSeconds=2"
        ))
        .body(axum::body::Body::empty())
        .unwrap();
    let watch = tokio::spawn(tower::ServiceExt::oneshot(hub.router(), request));
    for (path, who) in [("root:one", "one"), ("root:two", "two")] {
        let created = hub
            .request(
                Method::POST,
                &format!("/clusters/{path}/api/v1/namespaces/default/configmaps"),
                &[],
                configmap("same", who),
            )
            .await;
        assert_eq!(created.status, 201);
    }
    for (path, who) in [("root:one", "one"), ("root:two", "two")] {
        let list = hub
            .request(
                Method::GET,
                &format!("/clusters/{path}/api/v1/namespaces/default/configmaps"),
                &[],
                "",
            )
            .await
            .json();
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["data"]["who"], who);
    }
    let events = watch.await.unwrap().unwrap().into_body();
    let events = axum::body::to_bytes(events, usize::MAX).await.unwrap();
    let events = String::from_utf8_lossy(&events).into_owned();
    assert_eq!(events.lines().count(), 1, "{events}");
    assert!(events.contains("\"type\":\"ADDED\""), "{events}");
    assert!(events.contains("\"one\""), "{events}");
    assert!(!events.contains("\"two\""), "{events}");

    // The wildcard: every cluster's objects, each annotated with its cluster.
    let all = hub
        .request(Method::GET, "/clusters/*/api/v1/configmaps", &[], "")
        .await;
    assert_eq!(all.status, 200, "{:?}", all.json());
    let clusters: HashSet<String> = all.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["metadata"]["name"] == "same")
        .map(|item| {
            item["metadata"]["annotations"]["nave.dev/cluster"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(clusters, HashSet::from([one.clone(), two.clone()]));
    let watched = hub
        .request(
            Method::GET,
            "/clusters/*/api/v1/configmaps?watch=true&timeoutSeconds=1",
            &[],
            "",
        )
        .await;
    let watched = String::from_utf8_lossy(&watched.body).into_owned();
    assert!(
        watched.contains(&format!("\"nave.dev/cluster\":\"{one}\"")),
        "{watched}"
    );
    assert!(
        watched.contains(&format!("\"nave.dev/cluster\":\"{two}\"")),
        "{watched}"
    );
    // Only for system:masters, and only list and watch.
    let refused = hub
        .request_as(
            Some(Identity::user("alice", &[])),
            Method::GET,
            "/clusters/*/api/v1/configmaps",
            &[],
            "",
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let write = hub
        .request(
            Method::POST,
            "/clusters/*/api/v1/namespaces/default/configmaps",
            &[],
            configmap("x", "x"),
        )
        .await;
    assert_eq!(write.status, StatusCode::NOT_FOUND);

    // CRDs: the same name with different schemas; discovery and OpenAPI per workspace.
    for (path, kind) in [("root:one", "string"), ("root:two", "integer")] {
        let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                "versions": [{"name": "v1", "served": true, "storage": true,
                    "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "object", "properties": {"size": {"type": kind}}}}}}}]}});
        let created = hub
            .request(
                Method::POST,
                &format!("/clusters/{path}/apis/apiextensions.k8s.io/v1/customresourcedefinitions"),
                &[],
                crd.to_string(),
            )
            .await;
        assert_eq!(created.status, 201);
    }
    let widget = |size: Value| {
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": size}})
            .to_string()
    };
    let mut answers = (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND);
    for _ in 0..200 {
        answers = (
            hub.request(
                Method::POST,
                "/clusters/root:one/apis/example.com/v1/namespaces/default/widgets?dryRun=All",
                &[],
                widget(json!(3)),
            )
            .await
            .status,
            hub.request(
                Method::POST,
                "/clusters/root:two/apis/example.com/v1/namespaces/default/widgets?dryRun=All",
                &[],
                widget(json!(3)),
            )
            .await
            .status,
        );
        if answers.0 != StatusCode::NOT_FOUND && answers.1 != StatusCode::NOT_FOUND {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        answers,
        (StatusCode::UNPROCESSABLE_ENTITY, StatusCode::CREATED)
    );
    // A third workspace has neither the group nor its OpenAPI document.
    hub.workspace("root", "three").await;
    let groups = hub
        .request(Method::GET, "/clusters/root:three/apis", &[], "")
        .await
        .json()
        .to_string();
    assert!(!groups.contains("example.com"));
    let openapi = hub
        .request(Method::GET, "/clusters/root:three/openapi/v3", &[], "")
        .await
        .json()
        .to_string();
    assert!(!openapi.contains("example.com"));
    let openapi = hub
        .request(Method::GET, "/clusters/root:one/openapi/v3", &[], "")
        .await
        .json()
        .to_string();
    assert!(openapi.contains("apis/example.com/v1"));
}

#[tokio::test]
async fn a_workspaces_cluster_cannot_be_repointed_and_a_restart_keeps_every_workspace() {
    let store: std::sync::Arc<dyn storage::Store> =
        std::sync::Arc::new(storage::memory::open().unwrap());
    let hub = TestHub::over(std::sync::Arc::clone(&store)).await;
    let victim = hub.workspace("root", "victim").await;
    let mine = hub.workspace("root", "mine").await;
    // A status write naming another workspace's cluster does not take.
    let current = hub
        .request(
            Method::GET,
            &format!("/clusters/root/{WORKSPACES}/mine"),
            &[],
            "",
        )
        .await
        .json();
    let mut changed = current.clone();
    changed["status"]["cluster"] = json!(victim);
    let updated = hub
        .request(
            Method::PUT,
            &format!("/clusters/root/{WORKSPACES}/mine/status"),
            &[],
            changed.to_string(),
        )
        .await;
    assert_eq!(updated.status, 200, "{:?}", updated.json());
    assert_eq!(updated.json()["status"]["cluster"], json!(mine));
    hub.shut_down();
    drop(hub);

    let hub = TestHub::over(store).await;
    let nested = hub.workspace("root:mine", "inner").await;
    for reference in [
        "root:victim",
        "root:mine",
        "root:mine:inner",
        nested.as_str(),
    ] {
        let got = hub
            .request(
                Method::GET,
                &format!("/clusters/{reference}/api/v1/namespaces/default"),
                &[],
                "",
            )
            .await;
        assert_eq!(got.status, 200, "{reference}");
    }
}

#[tokio::test]
async fn a_deleted_workspace_is_terminating_while_another_finalizer_holds_it() {
    let hub = TestHub::memory().await;
    let id = hub.workspace("root", "held").await;
    let uri = format!("/clusters/root/{WORKSPACES}/held");
    let patch =
        json!({"metadata": {"finalizers": ["tenancy.nave.dev/workspace", "example.com/hold"]}});
    let patched = hub
        .request(
            Method::PATCH,
            &uri,
            &[("Content-Type", "application/merge-patch+json")],
            patch.to_string(),
        )
        .await;
    assert_eq!(patched.status, 200, "{:?}", patched.json());
    let deleted = hub.request(Method::DELETE, &uri, &[], "").await;
    assert_eq!(deleted.status, 200);
    // The subtree goes; the Workspace stays, Terminating, until the other finalizer is removed.
    let mut workspace = Value::Null;
    for _ in 0..300 {
        workspace = hub.request(Method::GET, &uri, &[], "").await.json();
        if workspace["metadata"]["finalizers"] == json!(["example.com/hold"]) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(workspace["status"]["phase"], "Terminating", "{workspace}");
    assert_eq!(
        workspace["metadata"]["finalizers"],
        json!(["example.com/hold"])
    );
    assert!(keys_of(&all_keys(&hub).await, &id).is_empty());
    let gone = hub
        .request(
            Method::GET,
            "/clusters/root:held/api/v1/namespaces",
            &[],
            "",
        )
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let release = json!({"metadata": {"finalizers": null}});
    let released = hub
        .request(
            Method::PATCH,
            &uri,
            &[("Content-Type", "application/merge-patch+json")],
            release.to_string(),
        )
        .await;
    assert_eq!(released.status, 200, "{:?}", released.json());
    let got = hub.request(Method::GET, &uri, &[], "").await;
    assert_eq!(got.status, StatusCode::NOT_FOUND);
}
