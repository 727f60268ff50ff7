//! Namespaces: the defaults, deletion through Terminating, creation refused while terminating,
//! protected namespaces, and missing namespaces.

use std::time::Duration;

use hub::testing::TestHub;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use serde_json::json;

#[tokio::test]
async fn every_cluster_starts_with_the_default_namespaces() {
    let hub = TestHub::memory().await;
    let api: Api<Namespace> = Api::all(hub.client());
    let names: Vec<String> = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|ns| ns.metadata.name.unwrap())
        .collect();
    assert_eq!(
        names,
        ["default", "kube-node-lease", "kube-public", "kube-system"]
    );
    let default = api.get("default").await.unwrap();
    assert_eq!(default.status.unwrap().phase.as_deref(), Some("Active"));
    assert_eq!(default.spec.unwrap().finalizers.unwrap(), ["kubernetes"]);
    assert_eq!(
        default.metadata.labels.unwrap()["kubernetes.io/metadata.name"],
        "default"
    );
}

#[tokio::test]
async fn deleting_a_namespace_deletes_its_contents_then_itself() {
    let hub = TestHub::memory().await;
    let namespaces: Api<Namespace> = Api::all(hub.client());
    let namespace: Namespace =
        serde_json::from_value(json!({"metadata": {"name": "doomed"}})).unwrap();
    namespaces
        .create(&PostParams::default(), &namespace)
        .await
        .unwrap();
    let configmaps: Api<ConfigMap> = Api::namespaced(hub.client(), "doomed");
    let mut held: ConfigMap = serde_json::from_value(
        json!({"metadata": {"name": "held", "finalizers": ["example.com/x"]}}),
    )
    .unwrap();
    configmaps
        .create(&PostParams::default(), &held)
        .await
        .unwrap();
    for i in 0..5 {
        let object: ConfigMap =
            serde_json::from_value(json!({"metadata": {"name": format!("cm-{i}")}})).unwrap();
        configmaps
            .create(&PostParams::default(), &object)
            .await
            .unwrap();
    }
    namespaces
        .delete("doomed", &DeleteParams::default())
        .await
        .unwrap();
    let terminating = namespaces.get("doomed").await.unwrap();
    assert_eq!(
        terminating.status.unwrap().phase.as_deref(),
        Some("Terminating")
    );
    assert!(terminating.metadata.deletion_timestamp.is_some());

    // Creating in it is forbidden, with the NamespaceTerminating cause.
    let fresh: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "fresh"}})).unwrap();
    let error = configmaps
        .create(&PostParams::default(), &fresh)
        .await
        .unwrap_err();
    let kube::Error::Api(status) = error else {
        panic!("{error:?}")
    };
    assert_eq!(status.code, 403);
    assert_eq!(
        status.message,
        "configmaps \"fresh\" is forbidden: unable to create new content in namespace doomed because it is being terminated"
    );

    // The controller deletes what it can; the finalized object waits.
    wait_until(|| async {
        configmaps
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .len()
            == 1
    })
    .await;
    assert!(namespaces.get_opt("doomed").await.unwrap().is_some());
    held = configmaps.get("held").await.unwrap();
    assert!(held.metadata.deletion_timestamp.is_some());
    held.metadata.finalizers = None;
    configmaps
        .replace("held", &PostParams::default(), &held)
        .await
        .unwrap();
    wait_until(|| async { namespaces.get_opt("doomed").await.unwrap().is_none() }).await;
}

#[tokio::test]
async fn protected_and_missing_namespaces() {
    let hub = TestHub::memory().await;
    let namespaces: Api<Namespace> = Api::all(hub.client());
    for name in ["default", "kube-system", "kube-public"] {
        let error = namespaces
            .delete(name, &DeleteParams::default())
            .await
            .unwrap_err();
        let kube::Error::Api(status) = error else {
            panic!("{error:?}")
        };
        assert_eq!(status.code, 403);
        assert_eq!(
            status.message,
            format!("namespaces \"{name}\" is forbidden: this namespace may not be deleted")
        );
    }
    let configmaps: Api<ConfigMap> = Api::namespaced(hub.client(), "nowhere");
    let object: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "x"}})).unwrap();
    let error = configmaps
        .create(&PostParams::default(), &object)
        .await
        .unwrap_err();
    let kube::Error::Api(status) = error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (status.code, status.message.as_str()),
        (404, "namespaces \"nowhere\" not found")
    );
}

async fn wait_until<F, Fut>(mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if condition().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("condition not reached within 5 s");
}
