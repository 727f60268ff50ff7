//! The `status` and `scale` subresources.

use hub::testing::TestHub;
use k8s_openapi::api::apps::v1::Deployment;
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::json;

fn deployment() -> Deployment {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}
    }))
    .unwrap()
}

#[tokio::test]
async fn status_is_written_only_through_its_subresource() {
    let hub = TestHub::memory().await;
    let api: Api<Deployment> = Api::namespaced(hub.client(), "default");
    api.create(&PostParams::default(), &deployment())
        .await
        .unwrap();
    // The main resource ignores status.
    let ignored = api
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"replicas": 9}})),
        )
        .await
        .unwrap();
    assert!(ignored.status.is_none());
    // The status subresource writes status only.
    let written = api
        .patch_status(
            "web",
            &PatchParams::default(),
            &Patch::Merge(
                json!({"status": {"replicas": 2, "readyReplicas": 1}, "spec": {"replicas": 99}}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(written.status.as_ref().unwrap().ready_replicas, Some(1));
    assert_eq!(written.spec.as_ref().unwrap().replicas, Some(2));
    assert_eq!(
        written.metadata.generation,
        Some(1),
        "a status write does not bump generation"
    );
    let fetched = api.get_status("web").await.unwrap();
    assert_eq!(fetched.status.unwrap().replicas, Some(2));
}

#[tokio::test]
async fn scale_reads_and_writes_replicas() {
    let hub = TestHub::memory().await;
    let api: Api<Deployment> = Api::namespaced(hub.client(), "default");
    api.create(&PostParams::default(), &deployment())
        .await
        .unwrap();
    let scale = api.get_scale("web").await.unwrap();
    assert_eq!(scale.spec.unwrap().replicas, Some(2));
    assert_eq!(scale.status.unwrap().selector.as_deref(), Some("app=web"));
    let scaled = api
        .patch_scale(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 5}})),
        )
        .await
        .unwrap();
    assert_eq!(scaled.spec.unwrap().replicas, Some(5));
    let deployment = api.get("web").await.unwrap();
    assert_eq!(deployment.spec.unwrap().replicas, Some(5));
    assert_eq!(deployment.metadata.generation, Some(2));
    let error = api
        .patch_scale(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": -1}})),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, kube::Error::Api(status) if status.code == 422));
}
