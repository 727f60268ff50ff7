//! The garbage collector: background, foreground and orphan propagation over ownerReferences.

use std::time::Duration;

use hub::testing::TestHub;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, PostParams, PropagationPolicy};
use serde_json::json;

async fn owner(api: &Api<ConfigMap>, name: &str) -> String {
    let object: ConfigMap = serde_json::from_value(json!({"metadata": {"name": name}})).unwrap();
    api.create(&PostParams::default(), &object)
        .await
        .unwrap()
        .metadata
        .uid
        .unwrap()
}

async fn dependent(
    api: &Api<ConfigMap>,
    name: &str,
    owners: &[(&str, &str)],
    block: bool,
    finalizer: bool,
) {
    let references: Vec<serde_json::Value> = owners
        .iter()
        .map(|(owner, uid)| json!({"apiVersion": "v1", "kind": "ConfigMap", "name": owner, "uid": uid, "blockOwnerDeletion": block}))
        .collect();
    let mut metadata = json!({"name": name, "ownerReferences": references});
    if finalizer {
        metadata["finalizers"] = json!(["example.com/hold"]);
    }
    let object: ConfigMap = serde_json::from_value(json!({"metadata": metadata})).unwrap();
    api.create(&PostParams::default(), &object).await.unwrap();
}

async fn eventually(api: &Api<ConfigMap>, name: &str, present: bool) {
    for _ in 0..200 {
        if api.get_opt(name).await.unwrap().is_some() == present {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "{name} should be {}",
        if present { "present" } else { "gone" }
    );
}

#[tokio::test]
async fn background_deletes_dependents_whose_owners_are_all_gone() {
    let hub = TestHub::memory().await;
    let api: Api<ConfigMap> = Api::namespaced(hub.client(), "default");
    let first = owner(&api, "first").await;
    let second = owner(&api, "second").await;
    dependent(&api, "only-first", &[("first", &first)], false, false).await;
    dependent(
        &api,
        "both",
        &[("first", &first), ("second", &second)],
        false,
        false,
    )
    .await;
    api.delete("first", &DeleteParams::background())
        .await
        .unwrap();
    eventually(&api, "only-first", false).await;
    // A dependent with a remaining owner stays, its dangling reference removed.
    for _ in 0..200 {
        let both = api.get("both").await.unwrap();
        if both
            .metadata
            .owner_references
            .as_ref()
            .is_some_and(|refs| refs.len() == 1)
        {
            assert_eq!(both.metadata.owner_references.unwrap()[0].name, "second");
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the dangling owner reference was not removed");
}

#[tokio::test]
async fn foreground_waits_for_blocking_dependents() {
    let hub = TestHub::memory().await;
    let api: Api<ConfigMap> = Api::namespaced(hub.client(), "default");
    let uid = owner(&api, "parent").await;
    dependent(&api, "held-child", &[("parent", &uid)], true, true).await;
    dependent(&api, "free-child", &[("parent", &uid)], false, false).await;
    api.delete("parent", &DeleteParams::foreground())
        .await
        .unwrap();
    let parent = api.get("parent").await.unwrap();
    assert!(parent.metadata.deletion_timestamp.is_some());
    assert!(
        parent
            .metadata
            .finalizers
            .unwrap()
            .contains(&"foregroundDeletion".to_owned())
    );
    eventually(&api, "free-child", false).await;
    // The blocking child has its own finalizer: the parent waits for it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(api.get_opt("parent").await.unwrap().is_some());
    let child = api.get("held-child").await.unwrap();
    assert!(child.metadata.deletion_timestamp.is_some());
    // Release the child's own finalizer (keeping whatever the collector added).
    let mut child = api.get("held-child").await.unwrap();
    child.metadata.finalizers = child.metadata.finalizers.map(|finalizers| {
        finalizers
            .into_iter()
            .filter(|f| f != "example.com/hold")
            .collect()
    });
    api.replace("held-child", &PostParams::default(), &child)
        .await
        .unwrap();
    eventually(&api, "held-child", false).await;
    eventually(&api, "parent", false).await;
}

#[tokio::test]
async fn orphan_releases_dependents() {
    let hub = TestHub::memory().await;
    let api: Api<ConfigMap> = Api::namespaced(hub.client(), "default");
    let uid = owner(&api, "parent").await;
    dependent(&api, "child", &[("parent", &uid)], true, false).await;
    let params = DeleteParams {
        propagation_policy: Some(PropagationPolicy::Orphan),
        ..DeleteParams::default()
    };
    api.delete("parent", &params).await.unwrap();
    eventually(&api, "parent", false).await;
    let child = api.get("child").await.unwrap();
    assert!(
        child
            .metadata
            .owner_references
            .unwrap_or_default()
            .is_empty()
    );
    assert!(child.metadata.deletion_timestamp.is_none());
}
