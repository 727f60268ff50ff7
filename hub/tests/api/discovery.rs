//! Discovery, version, OpenAPI, Tables and metrics, as kubectl asks for them.

use http::Method;
use hub::testing::TestHub;

const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

#[tokio::test]
async fn version_and_legacy_discovery() {
    let hub = TestHub::memory().await;
    let version = hub.request(Method::GET, "/version", &[], "").await.json();
    assert_eq!(
        (version["major"].as_str(), version["minor"].as_str()),
        (Some("1"), Some("32"))
    );
    assert!(
        version["gitVersion"]
            .as_str()
            .unwrap()
            .starts_with("v1.32.")
    );
    let api = hub
        .request(Method::GET, "/api", &[("accept", "application/json")], "")
        .await
        .json();
    assert_eq!(api["kind"], "APIVersions");
    let apis = hub.request(Method::GET, "/apis", &[], "").await.json();
    assert!(
        apis["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|group| group["name"] == "apps")
    );
    let core = hub.request(Method::GET, "/api/v1", &[], "").await.json();
    let resources = core["resources"].as_array().unwrap();
    let configmaps = resources
        .iter()
        .find(|resource| resource["name"] == "configmaps")
        .unwrap();
    assert_eq!(configmaps["shortNames"][0], "cm");
    assert!(
        resources
            .iter()
            .any(|resource| resource["name"] == "namespaces/finalize")
    );
    let apps = hub
        .request(Method::GET, "/apis/apps/v1", &[], "")
        .await
        .json();
    let scale = apps["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|resource| resource["name"] == "deployments/scale")
        .unwrap();
    assert_eq!(
        (scale["group"].as_str(), scale["kind"].as_str()),
        (Some("autoscaling"), Some("Scale"))
    );
    assert_eq!(
        hub.request(Method::GET, "/apis/nope/v1", &[], "")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn aggregated_discovery() {
    let hub = TestHub::memory().await;
    let response = hub
        .request(Method::GET, "/apis", &[("accept", AGGREGATED)], "")
        .await;
    let content_type = response.headers["content-type"].to_str().unwrap();
    assert!(
        content_type.contains("as=APIGroupDiscoveryList") && content_type.contains("v=v2"),
        "{content_type}"
    );
    let body = response.json();
    let apps = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|group| group["metadata"]["name"] == "apps")
        .unwrap();
    let deployments = apps["versions"][0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == "deployments")
        .unwrap();
    assert_eq!(deployments["scope"], "Namespaced");
    assert_eq!(deployments["responseKind"]["kind"], "Deployment");
    assert_eq!(deployments["categories"][0], "all");
    let core = hub
        .request(Method::GET, "/api", &[("accept", AGGREGATED)], "")
        .await
        .json();
    assert_eq!(core["items"][0]["metadata"]["name"], "");
}

#[tokio::test]
async fn openapi_has_a_patch_with_field_validation_for_every_kind() {
    let hub = TestHub::memory().await;
    let index = hub
        .request(Method::GET, "/openapi/v3", &[], "")
        .await
        .json();
    let url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.starts_with("/openapi/v3/apis/apps/v1?hash="));
    let document = hub.request(Method::GET, &url, &[], "").await.json();
    let patch =
        &document["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
    assert_eq!(
        patch["x-kubernetes-group-version-kind"]["kind"],
        "Deployment"
    );
    assert!(
        patch["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|parameter| parameter["name"] == "fieldValidation")
    );
}

#[tokio::test]
async fn tables_for_get_and_list() {
    let hub = TestHub::memory().await;
    let body = r#"{"metadata":{"name":"t","labels":{"a":"b"}},"data":{"x":"1","y":"2"}}"#;
    hub.request(
        Method::POST,
        "/api/v1/namespaces/default/configmaps",
        &[],
        body,
    )
    .await;
    let list = hub
        .request(
            Method::GET,
            "/api/v1/namespaces/default/configmaps?limit=500",
            &[("accept", TABLE)],
            "",
        )
        .await;
    assert!(
        list.headers["content-type"]
            .to_str()
            .unwrap()
            .contains("as=Table")
    );
    let table = list.json();
    assert_eq!(table["kind"], "Table");
    let columns: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["Name", "Data", "Age"]);
    assert_eq!(table["rows"][0]["cells"][0], "t");
    assert_eq!(table["rows"][0]["cells"][1], 2);
    assert_eq!(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    assert!(table["metadata"]["resourceVersion"].is_string());
    let namespaces = hub
        .request(
            Method::GET,
            "/api/v1/namespaces/default",
            &[("accept", TABLE)],
            "",
        )
        .await
        .json();
    assert_eq!(namespaces["rows"][0]["cells"][1], "Active");
    let bad = hub
        .request(
            Method::GET,
            "/api/v1/namespaces?includeObject=Bogus",
            &[("accept", TABLE)],
            "",
        )
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn metrics_count_requests_without_cluster_names() {
    let hub = TestHub::memory().await;
    hub.state
        .clusters
        .create("tenant-secret-name")
        .await
        .unwrap();
    hub.request(
        Method::GET,
        "/clusters/tenant-secret-name/api/v1/namespaces",
        &[],
        "",
    )
    .await;
    let metrics = String::from_utf8(
        hub.request(Method::GET, "/metrics", &[], "")
            .await
            .body
            .to_vec(),
    )
    .unwrap();
    assert!(
        metrics.contains(
            "apiserver_request_total{verb=\"list\",group=\"\",resource=\"namespaces\",code=\"200\"}"
        ),
        "{metrics}"
    );
    assert!(metrics.contains("nave_store_operation_duration_seconds"));
    assert!(!metrics.contains("tenant-secret-name"));
}
