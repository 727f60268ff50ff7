//! Limits: a Workspace's `spec.maxObjects` (create up to it, 403 past it, room again after a
//! delete or a raise, other workspaces unaffected, no overshoot under concurrent creates) and
//! ResourceQuota object counts (`count/<resource>`, `count/<resource>.<group>`, the legacy
//! names; kube's message, `status.hard`/`status.used`, isolation across namespaces and
//! workspaces, no overshoot under concurrent creates, compute quotas ignored).

use std::sync::Arc;
use std::time::Duration;

use http::{Method, StatusCode};
use hub::testing::{RawResponse, TestHub};
use serde_json::{Value, json};
use storage::ListRequest;

const WORKSPACES: &str = "/clusters/root/apis/tenancy.nave.dev/v1alpha1/workspaces";
const MERGE: (&str, &str) = ("content-type", "application/merge-patch+json");

fn configmap(name: &str) -> String {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}).to_string()
}

fn deployment(name: &str) -> String {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"selector": {"matchLabels": {"app": name}}, "template": {"metadata": {"labels": {"app": name}},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
    .to_string()
}

async fn create_configmap(
    hub: &TestHub,
    cluster: &str,
    namespace: &str,
    name: &str,
) -> RawResponse {
    hub.request(
        Method::POST,
        &format!("/clusters/{cluster}/api/v1/namespaces/{namespace}/configmaps"),
        &[],
        configmap(name),
    )
    .await
}

async fn create_namespace(hub: &TestHub, cluster: &str, name: &str) {
    let body = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
    let created = hub
        .request(
            Method::POST,
            &format!("/clusters/{cluster}/api/v1/namespaces"),
            &[],
            body.to_string(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
}

async fn create_quota(hub: &TestHub, cluster: &str, namespace: &str, name: &str, hard: Value) {
    let body = json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": name}, "spec": {"hard": hard}});
    let created = hub
        .request(
            Method::POST,
            &format!("/clusters/{cluster}/api/v1/namespaces/{namespace}/resourcequotas"),
            &[],
            body.to_string(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
}

async fn set_max_objects(hub: &TestHub, workspace: &str, max: u64) {
    let patched = hub
        .request(
            Method::PATCH,
            &format!("{WORKSPACES}/{workspace}"),
            &[MERGE],
            json!({"spec": {"maxObjects": max}}).to_string(),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{:?}", patched.json());
    assert_eq!(patched.json()["spec"]["maxObjects"], max);
}

/// The objects of logical cluster `id` in the store (its cluster record is not an object).
async fn objects_of(hub: &TestHub, id: &str) -> u64 {
    let listed = hub
        .store
        .list(ListRequest::prefix("/registry/"))
        .await
        .unwrap();
    listed
        .kvs
        .iter()
        .filter(|kv| !kv.key.starts_with("/registry/core.nave.dev/"))
        .filter(|kv| kv.key.split('/').nth(4) == Some(id))
        .count() as u64
}

fn assert_forbidden(response: &RawResponse, message: &str) {
    assert_eq!(
        response.status,
        StatusCode::FORBIDDEN,
        "{:?}",
        response.json()
    );
    let status = response.json();
    assert_eq!(status["kind"], "Status");
    assert_eq!(status["reason"], "Forbidden");
    assert_eq!(status["code"], 403);
    assert_eq!(status["message"], message);
}

/// Waits until the quota's status has `used` and `hard` as expected.
async fn wait_for_status(
    hub: &TestHub,
    cluster: &str,
    namespace: &str,
    name: &str,
    used: Value,
    hard: Value,
) {
    let uri = format!("/clusters/{cluster}/api/v1/namespaces/{namespace}/resourcequotas/{name}");
    let mut last = Value::Null;
    for _ in 0..500 {
        last = hub.request(Method::GET, &uri, &[], "").await.json();
        if last["status"]["used"] == used && last["status"]["hard"] == hard {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("quota {namespace}/{name} status never became used={used} hard={hard}: {last}");
}

#[tokio::test]
async fn max_objects_caps_a_workspace() {
    let hub = TestHub::memory().await;
    let acme = hub.workspace("root", "acme").await;
    let other = hub.workspace("root", "other").await;
    // The default namespaces and the admin binding count.
    let base = objects_of(&hub, &acme).await;
    assert!(base >= 5, "{base}");
    let limit = base + 3;
    set_max_objects(&hub, "acme", limit).await;

    for name in ["c0", "c1", "c2"] {
        let created = create_configmap(&hub, "root:acme", "default", name).await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
    }
    let refused = create_configmap(&hub, "root:acme", "default", "c3").await;
    assert_forbidden(
        &refused,
        &format!(
            "configmaps \"c3\" is forbidden: exceeded the object limit of workspace \"root:acme\": limit {limit}, used {limit}"
        ),
    );
    // Every resource counts, cluster-scoped ones and other groups too.
    let refused = hub
        .request(
            Method::POST,
            "/clusters/root:acme/apis/apps/v1/namespaces/default/deployments",
            &[],
            deployment("web"),
        )
        .await;
    assert_forbidden(
        &refused,
        &format!(
            "deployments.apps \"web\" is forbidden: exceeded the object limit of workspace \"root:acme\": limit {limit}, used {limit}"
        ),
    );
    let refused = hub
        .request(
            Method::POST,
            "/clusters/root:acme/api/v1/namespaces",
            &[],
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "more"}})
                .to_string(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // A dry run stores nothing and is not limited.
    let dry = hub
        .request(
            Method::POST,
            "/clusters/root:acme/api/v1/namespaces/default/configmaps?dryRun=All",
            &[],
            configmap("dry"),
        )
        .await;
    assert_eq!(dry.status, StatusCode::CREATED, "{:?}", dry.json());

    // A delete makes room.
    let deleted = hub
        .request(
            Method::DELETE,
            "/clusters/root:acme/api/v1/namespaces/default/configmaps/c0",
            &[],
            "",
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    let created = create_configmap(&hub, "root:acme", "default", "c3").await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
    assert_eq!(
        create_configmap(&hub, "root:acme", "default", "c4")
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Raising the limit takes effect at once.
    set_max_objects(&hub, "acme", limit + 2).await;
    for name in ["c4", "c5"] {
        let created = create_configmap(&hub, "root:acme", "default", name).await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
    }
    let refused = create_configmap(&hub, "root:acme", "default", "c6").await;
    assert_forbidden(
        &refused,
        &format!(
            "configmaps \"c6\" is forbidden: exceeded the object limit of workspace \"root:acme\": limit {}, used {}",
            limit + 2,
            limit + 2
        ),
    );
    assert_eq!(objects_of(&hub, &acme).await, limit + 2);

    // Lowering it below the count refuses creates and deletes nothing.
    set_max_objects(&hub, "acme", 1).await;
    let refused = create_configmap(&hub, "root:acme", "default", "c7").await;
    assert_forbidden(
        &refused,
        &format!(
            "configmaps \"c7\" is forbidden: exceeded the object limit of workspace \"root:acme\": limit 1, used {}",
            limit + 2
        ),
    );
    assert_eq!(objects_of(&hub, &acme).await, limit + 2);

    // Removing it lifts it.
    let patched = hub
        .request(
            Method::PATCH,
            &format!("{WORKSPACES}/acme"),
            &[MERGE],
            json!({"spec": {"maxObjects": null}}).to_string(),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{:?}", patched.json());
    let created = create_configmap(&hub, "root:acme", "default", "c7").await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());

    // Another workspace is unaffected.
    for i in 0..20 {
        let created = create_configmap(&hub, "root:other", "default", &format!("o{i}")).await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
    }
    assert!(objects_of(&hub, &other).await >= 25);
}

#[tokio::test]
async fn a_limit_set_at_creation_applies_and_a_negative_one_is_invalid() {
    let hub = TestHub::memory().await;
    let invalid = hub
        .request(
            Method::POST,
            WORKSPACES,
            &[],
            json!({"apiVersion": "tenancy.nave.dev/v1alpha1", "kind": "Workspace", "metadata": {"name": "neg"}, "spec": {"maxObjects": -1}}).to_string(),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let created = hub
        .request(
            Method::POST,
            WORKSPACES,
            &[],
            json!({"apiVersion": "tenancy.nave.dev/v1alpha1", "kind": "Workspace", "metadata": {"name": "tight"}, "spec": {"maxObjects": 6}}).to_string(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
    let id = created.json()["status"]["cluster"]
        .as_str()
        .unwrap()
        .to_owned();
    // Wait until Ready (its default namespaces and admin binding exist).
    for _ in 0..500 {
        let got = hub
            .request(Method::GET, &format!("{WORKSPACES}/tight"), &[], "")
            .await;
        if got.json()["status"]["phase"] == "Ready" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let base = objects_of(&hub, &id).await;
    assert_eq!(base, 5);
    assert_eq!(
        create_configmap(&hub, "root:tight", "default", "a")
            .await
            .status,
        StatusCode::CREATED
    );
    let refused = create_configmap(&hub, "root:tight", "default", "b").await;
    assert_forbidden(
        &refused,
        "configmaps \"b\" is forbidden: exceeded the object limit of workspace \"root:tight\": limit 6, used 6",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_never_overshoot_a_workspace_limit() {
    let hub = Arc::new(TestHub::memory().await);
    let id = hub.workspace("root", "busy").await;
    let base = objects_of(&hub, &id).await;
    set_max_objects(&hub, "busy", base + 5).await;
    let creates = (0..20).map(|i| {
        let hub = Arc::clone(&hub);
        tokio::spawn(async move {
            create_configmap(&hub, "root:busy", "default", &format!("c{i}"))
                .await
                .status
        })
    });
    let statuses: Vec<StatusCode> = futures::future::join_all(creates)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let created = statuses
        .iter()
        .filter(|status| **status == StatusCode::CREATED)
        .count();
    let refused = statuses
        .iter()
        .filter(|status| **status == StatusCode::FORBIDDEN)
        .count();
    assert_eq!((created, refused), (5, 15), "{statuses:?}");
    assert_eq!(objects_of(&hub, &id).await, base + 5);
}

#[tokio::test]
async fn count_quotas_limit_creates_in_their_namespace() {
    let hub = TestHub::memory().await;
    create_namespace(&hub, "root", "team").await;
    create_namespace(&hub, "root", "free").await;
    create_quota(
        &hub,
        "root",
        "team",
        "objects",
        json!({"count/configmaps": "2", "count/deployments.apps": "1", "cpu": "1", "requests.memory": "1Gi"}),
    )
    .await;
    wait_for_status(
        &hub,
        "root",
        "team",
        "objects",
        json!({"count/configmaps": "0", "count/deployments.apps": "0"}),
        json!({"count/configmaps": "2", "count/deployments.apps": "1", "cpu": "1", "requests.memory": "1Gi"}),
    )
    .await;

    for name in ["c1", "c2"] {
        let created = create_configmap(&hub, "root", "team", name).await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
    }
    let refused = create_configmap(&hub, "root", "team", "c3").await;
    assert_forbidden(
        &refused,
        "configmaps \"c3\" is forbidden: exceeded quota: objects, requested: count/configmaps=1, used: count/configmaps=2, limited: count/configmaps=2",
    );
    assert_eq!(refused.json()["details"]["name"], "c3");
    assert_eq!(refused.json()["details"]["kind"], "configmaps");

    let deployments = "/clusters/root/apis/apps/v1/namespaces/team/deployments";
    let created = hub
        .request(Method::POST, deployments, &[], deployment("d1"))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
    let refused = hub
        .request(Method::POST, deployments, &[], deployment("d2"))
        .await;
    assert_forbidden(
        &refused,
        "deployments.apps \"d2\" is forbidden: exceeded quota: objects, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1",
    );
    // Compute quotas are not enforced: pods and secrets are not limited.
    let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}});
    let created = hub
        .request(
            Method::POST,
            "/clusters/root/api/v1/namespaces/team/secrets",
            &[],
            secret.to_string(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());

    wait_for_status(
        &hub,
        "root",
        "team",
        "objects",
        json!({"count/configmaps": "2", "count/deployments.apps": "1"}),
        json!({"count/configmaps": "2", "count/deployments.apps": "1", "cpu": "1", "requests.memory": "1Gi"}),
    )
    .await;

    // Another namespace is unaffected.
    for name in ["c1", "c2", "c3", "c4"] {
        let created = create_configmap(&hub, "root", "free", name).await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
    }

    // A delete makes room; the status follows.
    let deleted = hub
        .request(
            Method::DELETE,
            "/clusters/root/api/v1/namespaces/team/configmaps/c1",
            &[],
            "",
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    wait_for_status(
        &hub,
        "root",
        "team",
        "objects",
        json!({"count/configmaps": "1", "count/deployments.apps": "1"}),
        json!({"count/configmaps": "2", "count/deployments.apps": "1", "cpu": "1", "requests.memory": "1Gi"}),
    )
    .await;
    let created = create_configmap(&hub, "root", "team", "c3").await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());

    // Raising the quota takes effect; status.hard follows the spec.
    let patched = hub
        .request(
            Method::PATCH,
            "/clusters/root/api/v1/namespaces/team/resourcequotas/objects",
            &[MERGE],
            json!({"spec": {"hard": {"count/configmaps": "3"}}}).to_string(),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{:?}", patched.json());
    let created = create_configmap(&hub, "root", "team", "c4").await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
    wait_for_status(
        &hub,
        "root",
        "team",
        "objects",
        json!({"count/configmaps": "3", "count/deployments.apps": "1"}),
        json!({"count/configmaps": "3", "count/deployments.apps": "1", "cpu": "1", "requests.memory": "1Gi"}),
    )
    .await;

    // Deleting the quota lifts it.
    let deleted = hub
        .request(
            Method::DELETE,
            "/clusters/root/api/v1/namespaces/team/resourcequotas/objects",
            &[],
            "",
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK);
    let created = create_configmap(&hub, "root", "team", "c5").await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
}

#[tokio::test]
async fn legacy_quota_names_count_too() {
    let hub = TestHub::memory().await;
    create_namespace(&hub, "root", "legacy").await;
    create_quota(
        &hub,
        "root",
        "legacy",
        "old",
        json!({"configmaps": "1", "count/configmaps": "5"}),
    )
    .await;
    create_quota(&hub, "root", "legacy", "other", json!({"secrets": "3"})).await;
    let created = create_configmap(&hub, "root", "legacy", "a").await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
    let refused = create_configmap(&hub, "root", "legacy", "b").await;
    assert_forbidden(
        &refused,
        "configmaps \"b\" is forbidden: exceeded quota: old, requested: configmaps=1, used: configmaps=1, limited: configmaps=1",
    );
    wait_for_status(
        &hub,
        "root",
        "legacy",
        "old",
        json!({"configmaps": "1", "count/configmaps": "1"}),
        json!({"configmaps": "1", "count/configmaps": "5"}),
    )
    .await;
    wait_for_status(
        &hub,
        "root",
        "legacy",
        "other",
        json!({"secrets": "0"}),
        json!({"secrets": "3"}),
    )
    .await;
}

#[tokio::test]
async fn quotas_are_isolated_across_two_workspaces() {
    let hub = TestHub::memory().await;
    hub.workspace("root", "a").await;
    hub.workspace("root", "b").await;
    for cluster in ["root:a", "root:b"] {
        create_namespace(&hub, cluster, "team").await;
    }
    create_quota(
        &hub,
        "root:a",
        "team",
        "q",
        json!({"count/configmaps": "1"}),
    )
    .await;
    create_quota(
        &hub,
        "root:b",
        "team",
        "q",
        json!({"count/configmaps": "3"}),
    )
    .await;
    assert_eq!(
        create_configmap(&hub, "root:a", "team", "x").await.status,
        StatusCode::CREATED
    );
    let refused = create_configmap(&hub, "root:a", "team", "y").await;
    assert_forbidden(
        &refused,
        "configmaps \"y\" is forbidden: exceeded quota: q, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1",
    );
    for name in ["x", "y", "z"] {
        let created = create_configmap(&hub, "root:b", "team", name).await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
    }
    let refused = create_configmap(&hub, "root:b", "team", "w").await;
    assert_forbidden(
        &refused,
        "configmaps \"w\" is forbidden: exceeded quota: q, requested: count/configmaps=1, used: count/configmaps=3, limited: count/configmaps=3",
    );
    wait_for_status(
        &hub,
        "root:a",
        "team",
        "q",
        json!({"count/configmaps": "1"}),
        json!({"count/configmaps": "1"}),
    )
    .await;
    wait_for_status(
        &hub,
        "root:b",
        "team",
        "q",
        json!({"count/configmaps": "3"}),
        json!({"count/configmaps": "3"}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_never_overshoot_a_quota() {
    let hub = Arc::new(TestHub::memory().await);
    create_namespace(&hub, "root", "race").await;
    create_quota(&hub, "root", "race", "q", json!({"count/configmaps": "5"})).await;
    let creates = (0..20).map(|i| {
        let hub = Arc::clone(&hub);
        tokio::spawn(async move {
            create_configmap(&hub, "root", "race", &format!("c{i}"))
                .await
                .status
        })
    });
    let statuses: Vec<StatusCode> = futures::future::join_all(creates)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let created = statuses
        .iter()
        .filter(|status| **status == StatusCode::CREATED)
        .count();
    let refused = statuses
        .iter()
        .filter(|status| **status == StatusCode::FORBIDDEN)
        .count();
    assert_eq!((created, refused), (5, 15), "{statuses:?}");
    wait_for_status(
        &hub,
        "root",
        "race",
        "q",
        json!({"count/configmaps": "5"}),
        json!({"count/configmaps": "5"}),
    )
    .await;
}

#[tokio::test]
async fn count_quotas_limit_custom_resources() {
    let hub = TestHub::memory().await;
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]
        }
    });
    let created = hub
        .request(
            Method::POST,
            "/clusters/root/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            &[],
            crd.to_string(),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
    let widgets = "/clusters/root/apis/example.com/v1/namespaces/default/widgets";
    let widget = |name: &str| {
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": name}})
            .to_string()
    };
    let mut served = false;
    for _ in 0..200 {
        if hub.request(Method::GET, widgets, &[], "").await.status == StatusCode::OK {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(served);
    create_quota(
        &hub,
        "root",
        "default",
        "crs",
        json!({"count/widgets.example.com": "1"}),
    )
    .await;
    let created = hub.request(Method::POST, widgets, &[], widget("w1")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.json());
    let refused = hub.request(Method::POST, widgets, &[], widget("w2")).await;
    assert_forbidden(
        &refused,
        "widgets.example.com \"w2\" is forbidden: exceeded quota: crs, requested: count/widgets.example.com=1, used: count/widgets.example.com=1, limited: count/widgets.example.com=1",
    );
    wait_for_status(
        &hub,
        "root",
        "default",
        "crs",
        json!({"count/widgets.example.com": "1"}),
        json!({"count/widgets.example.com": "1"}),
    )
    .await;
}
