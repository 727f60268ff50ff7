//! Logical clusters are isolated: same names, separate objects, separate namespaces, and
//! `/clusters/<name>` routing.

use http::Method;
use hub::testing::TestHub;

#[tokio::test]
async fn logical_clusters_are_isolated() {
    let hub = TestHub::memory().await;
    hub.state.clusters.create("root:acme").await.unwrap();
    let body = r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"same"},"data":{"who":"root"}}"#;
    let created = hub
        .request(
            Method::POST,
            "/api/v1/namespaces/default/configmaps",
            &[],
            body,
        )
        .await;
    assert_eq!(created.status, 201);
    let acme_body = body.replace("\"root\"", "\"acme\"");
    let created = hub
        .request(
            Method::POST,
            "/clusters/root:acme/api/v1/namespaces/default/configmaps",
            &[],
            acme_body,
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.json());

    let root = hub
        .request(
            Method::GET,
            "/clusters/root/api/v1/namespaces/default/configmaps/same",
            &[],
            "",
        )
        .await;
    assert_eq!(root.json()["data"]["who"], "root");
    let acme = hub
        .request(
            Method::GET,
            "/clusters/root:acme/api/v1/namespaces/default/configmaps/same",
            &[],
            "",
        )
        .await;
    assert_eq!(acme.json()["data"]["who"], "acme");

    // Deleting in one leaves the other.
    let deleted = hub
        .request(
            Method::DELETE,
            "/clusters/root:acme/api/v1/namespaces/default/configmaps/same",
            &[],
            "",
        )
        .await;
    assert_eq!(deleted.status, 200);
    let root = hub
        .request(
            Method::GET,
            "/api/v1/namespaces/default/configmaps/same",
            &[],
            "",
        )
        .await;
    assert_eq!(root.status, 200);
    let list = hub
        .request(
            Method::GET,
            "/clusters/root:acme/api/v1/configmaps",
            &[],
            "",
        )
        .await;
    assert_eq!(list.json()["items"].as_array().unwrap().len(), 0);

    // Each cluster has its own namespaces, and its keys sit after the resource.
    let namespace = r#"{"metadata":{"name":"only-in-acme"}}"#;
    assert_eq!(
        hub.request(
            Method::POST,
            "/clusters/root:acme/api/v1/namespaces",
            &[],
            namespace
        )
        .await
        .status,
        201
    );
    assert_eq!(
        hub.request(Method::GET, "/api/v1/namespaces/only-in-acme", &[], "")
            .await
            .status,
        404
    );
    assert!(
        hub.store
            .get("/registry/core/namespaces/root:acme/only-in-acme", 0)
            .await
            .is_ok()
    );

    // An unknown cluster is not served.
    let unknown = hub
        .request(Method::GET, "/clusters/nope/api/v1/namespaces", &[], "")
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["kind"], "Status");
}
