//! CustomResourceDefinitions: establishment, serving in discovery, OpenAPI and the API,
//! schema validation, pruning and defaults, subresources, printer columns, per-cluster schemas,
//! and deletion with their objects.

use std::time::Duration;

use http::Method;
use hub::testing::{RawResponse, TestHub};
use serde_json::{Value, json};

fn crd(size_type: &str) -> String {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.acme.example.com"},
        "spec": {
            "group": "acme.example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"], "categories": ["all"]},
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {
                        "size": {"type": size_type, "maximum": 10},
                        "color": {"type": "string", "enum": ["red", "blue"], "default": "red"},
                        "replicas": {"type": "integer"}
                    }},
                    "status": {"type": "object", "properties": {"ready": {"type": "boolean"}, "replicas": {"type": "integer"}}}
                }}},
                "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}},
                "additionalPrinterColumns": [
                    {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
                ]
            }]
        }
    })
    .to_string()
}

async fn establish(hub: &TestHub, prefix: &str, size_type: &str) {
    let created = hub
        .request(
            Method::POST,
            &format!("{prefix}/apis/apiextensions.k8s.io/v1/customresourcedefinitions"),
            &[],
            crd(size_type),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.json());
    for _ in 0..200 {
        let crd = hub.request(Method::GET, &format!("{prefix}/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.acme.example.com"), &[], "").await.json();
        let established = crd["status"]["conditions"]
            .as_array()
            .is_some_and(|conditions| {
                conditions.iter().any(|condition| {
                    condition["type"] == "Established" && condition["status"] == "True"
                })
            });
        let served = hub
            .request(
                Method::GET,
                &format!("{prefix}/apis/acme.example.com/v1"),
                &[],
                "",
            )
            .await
            .status
            == 200;
        if established && served {
            assert_eq!(crd["status"]["acceptedNames"]["kind"], "Widget");
            assert_eq!(crd["status"]["storedVersions"], json!(["v1"]));
            assert!(
                crd["metadata"]["finalizers"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("customresourcecleanup.apiextensions.k8s.io"))
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the CRD was not established and served");
}

async fn create_widget(hub: &TestHub, prefix: &str, body: Value, query: &str) -> RawResponse {
    hub.request(
        Method::POST,
        &format!("{prefix}/apis/acme.example.com/v1/namespaces/default/widgets{query}"),
        &[],
        body.to_string(),
    )
    .await
}

#[tokio::test]
async fn a_crd_is_established_and_served() {
    let hub = TestHub::memory().await;
    establish(&hub, "", "integer").await;

    // Discovery, both forms.
    let resources = hub
        .request(Method::GET, "/apis/acme.example.com/v1", &[], "")
        .await
        .json();
    let widgets = resources["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "widgets")
        .unwrap()
        .clone();
    assert_eq!(
        (widgets["kind"].as_str(), widgets["shortNames"][0].as_str()),
        (Some("Widget"), Some("wd"))
    );
    assert!(
        resources["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "widgets/scale")
    );
    let aggregated = hub
        .request(
            Method::GET,
            "/apis",
            &[(
                "accept",
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
            )],
            "",
        )
        .await
        .json();
    assert!(
        aggregated["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|group| group["metadata"]["name"] == "acme.example.com")
    );
    let openapi = hub
        .request(Method::GET, "/openapi/v3", &[], "")
        .await
        .json();
    let url = openapi["paths"]["apis/acme.example.com/v1"]["serverRelativeURL"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(hub.request(Method::GET, &url, &[], "").await.status, 200);

    // Defaults and validation with kube's messages.
    let created = create_widget(&hub, "", json!({"apiVersion": "acme.example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 3}}), "").await;
    assert_eq!(created.status, 201, "{}", created.json());
    assert_eq!(created.json()["spec"]["color"], "red", "default applied");
    let wrong_type = create_widget(&hub, "", json!({"apiVersion": "acme.example.com/v1", "kind": "Widget", "metadata": {"name": "bad"}, "spec": {"size": "big"}}), "").await;
    assert_eq!(wrong_type.status, 422);
    assert_eq!(
        wrong_type.json()["message"],
        "Widget.acme.example.com \"bad\" is invalid: spec.size: Invalid value: \"string\": spec.size in body must be of type integer: \"string\""
    );
    let too_big = create_widget(&hub, "", json!({"apiVersion": "acme.example.com/v1", "kind": "Widget", "metadata": {"name": "big"}, "spec": {"size": 12}}), "").await;
    assert_eq!(too_big.status, 422, "{}", too_big.json());
    let color = create_widget(&hub, "", json!({"apiVersion": "acme.example.com/v1", "kind": "Widget", "metadata": {"name": "pink"}, "spec": {"color": "pink"}}), "").await;
    assert!(
        color.json()["message"]
            .as_str()
            .unwrap()
            .contains("Unsupported value: \"pink\": supported values: \"red\", \"blue\""),
        "{}",
        color.json()
    );

    // Unknown fields: pruned with a warning, or refused under Strict.
    let extra = json!({"apiVersion": "acme.example.com/v1", "kind": "Widget", "metadata": {"name": "extra"}, "spec": {"size": 1, "extra": true}});
    let strict = create_widget(&hub, "", extra.clone(), "?fieldValidation=Strict").await;
    assert_eq!(strict.status, 400);
    assert!(
        strict.json()["message"]
            .as_str()
            .unwrap()
            .contains("unknown field \"spec.extra\"")
    );
    let warned = create_widget(&hub, "", extra, "").await;
    assert_eq!(warned.status, 201);
    assert!(warned.json()["spec"].get("extra").is_none());
    assert!(
        warned.headers["warning"]
            .to_str()
            .unwrap()
            .contains("spec.extra")
    );

    // Printer columns in Tables.
    let table = hub
        .request(
            Method::GET,
            "/apis/acme.example.com/v1/namespaces/default/widgets",
            &[("accept", "application/json;as=Table;v=v1;g=meta.k8s.io")],
            "",
        )
        .await
        .json();
    let columns: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["Name", "Size", "Age"]);
    let w1 = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["cells"][0] == "w1")
        .unwrap();
    assert_eq!(w1["cells"][1], 3);

    // Updates need a resourceVersion; strategic merge patch is refused; merge patch works.
    let path = "/apis/acme.example.com/v1/namespaces/default/widgets/w1";
    let no_version = hub.request(Method::PUT, path, &[], json!({"apiVersion": "acme.example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 4}}).to_string()).await;
    assert_eq!(no_version.status, 422);
    assert!(
        no_version.json()["message"]
            .as_str()
            .unwrap()
            .contains("must be specified for an update")
    );
    let smp = hub
        .request(
            Method::PATCH,
            path,
            &[("content-type", "application/strategic-merge-patch+json")],
            r#"{"spec":{"size":5}}"#,
        )
        .await;
    assert_eq!(smp.status, 415);
    let merged = hub
        .request(
            Method::PATCH,
            path,
            &[("content-type", "application/merge-patch+json")],
            r#"{"spec":{"size":5}}"#,
        )
        .await;
    assert_eq!(merged.json()["spec"]["size"], 5);
    let invalid_patch = hub
        .request(
            Method::PATCH,
            path,
            &[("content-type", "application/merge-patch+json")],
            r#"{"spec":{"size":50}}"#,
        )
        .await;
    assert_eq!(invalid_patch.status, 422);

    // Status and scale subresources.
    let status = hub
        .request(
            Method::PATCH,
            &format!("{path}/status"),
            &[("content-type", "application/merge-patch+json")],
            r#"{"status":{"ready":true,"replicas":1},"spec":{"size":1}}"#,
        )
        .await
        .json();
    assert_eq!(
        (
            status["status"]["ready"].as_bool(),
            status["spec"]["size"].as_i64()
        ),
        (Some(true), Some(5))
    );
    let scale = hub
        .request(
            Method::PATCH,
            &format!("{path}/scale"),
            &[("content-type", "application/merge-patch+json")],
            r#"{"spec":{"replicas":3}}"#,
        )
        .await
        .json();
    assert_eq!(scale["spec"]["replicas"], 3);
    assert_eq!(
        hub.request(Method::GET, path, &[], "").await.json()["spec"]["replicas"],
        3
    );
}

#[tokio::test]
async fn the_same_crd_name_may_have_different_schemas_per_cluster() {
    let hub = TestHub::memory().await;
    hub.state.clusters.create("root:other").await.unwrap();
    establish(&hub, "", "integer").await;
    establish(&hub, "/clusters/root:other", "string").await;
    let as_integer = json!({"apiVersion": "acme.example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 3}});
    let as_string = json!({"apiVersion": "acme.example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": "3"}});
    assert_eq!(
        create_widget(&hub, "", as_integer.clone(), "").await.status,
        201
    );
    assert_eq!(
        create_widget(&hub, "", as_string.clone(), "").await.status,
        422
    );
    assert_eq!(
        create_widget(&hub, "/clusters/root:other", as_integer, "")
            .await
            .status,
        422
    );
    assert_eq!(
        create_widget(&hub, "/clusters/root:other", as_string, "")
            .await
            .status,
        201
    );
    // A third cluster without the CRD does not serve it.
    hub.state.clusters.create("root:none").await.unwrap();
    assert_eq!(
        hub.request(
            Method::GET,
            "/clusters/root:none/apis/acme.example.com/v1/widgets",
            &[],
            ""
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn deleting_a_crd_deletes_its_objects_and_stops_serving_it() {
    let hub = TestHub::memory().await;
    establish(&hub, "", "integer").await;
    for i in 0..3 {
        let body = json!({"apiVersion": "acme.example.com/v1", "kind": "Widget", "metadata": {"name": format!("w{i}")}, "spec": {"size": i}});
        assert_eq!(create_widget(&hub, "", body, "").await.status, 201);
    }
    let deleted = hub
        .request(
            Method::DELETE,
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.acme.example.com",
            &[],
            "",
        )
        .await;
    assert_eq!(deleted.status, 200);
    for _ in 0..200 {
        let crd = hub
            .request(
                Method::GET,
                "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.acme.example.com",
                &[],
                "",
            )
            .await;
        let served = hub
            .request(Method::GET, "/apis/acme.example.com/v1", &[], "")
            .await
            .status;
        if crd.status == 404 && served == 404 {
            let left = hub
                .store
                .list(storage::ListRequest::prefix("/registry/acme.example.com/"))
                .await
                .unwrap();
            assert!(left.kvs.is_empty(), "objects left: {:?}", left.kvs);
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the CRD and its objects were not deleted");
}

#[tokio::test]
async fn invalid_crds_are_refused() {
    let hub = TestHub::memory().await;
    let mut bad: Value = serde_json::from_str(&crd("integer")).unwrap();
    bad["metadata"]["name"] = json!("wrong.name");
    let response = hub
        .request(
            Method::POST,
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            &[],
            bad.to_string(),
        )
        .await;
    assert_eq!(response.status, 422);
    assert!(
        response.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("CustomResourceDefinition.apiextensions.k8s.io \"wrong.name\" is invalid"),
        "{}",
        response.json()
    );
}

#[tokio::test]
async fn versions_share_storage_without_conversion() {
    let hub = TestHub::memory().await;
    let mut crd: Value = serde_json::from_str(&crd("integer")).unwrap();
    let mut beta = crd["spec"]["versions"][0].clone();
    beta["name"] = json!("v1beta1");
    beta["storage"] = json!(false);
    crd["spec"]["versions"].as_array_mut().unwrap().push(beta);
    let created = hub
        .request(
            Method::POST,
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            &[],
            crd.to_string(),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.json());
    for _ in 0..200 {
        if hub
            .request(Method::GET, "/apis/acme.example.com/v1beta1", &[], "")
            .await
            .status
            == 200
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let body = json!({"apiVersion": "acme.example.com/v1beta1", "kind": "Widget", "metadata": {"name": "b"}, "spec": {"size": 2}});
    let written = hub
        .request(
            Method::POST,
            "/apis/acme.example.com/v1beta1/namespaces/default/widgets",
            &[],
            body.to_string(),
        )
        .await;
    assert_eq!(written.status, 201, "{}", written.json());
    let as_v1 = hub
        .request(
            Method::GET,
            "/apis/acme.example.com/v1/namespaces/default/widgets/b",
            &[],
            "",
        )
        .await
        .json();
    assert_eq!(as_v1["apiVersion"], "acme.example.com/v1");
    assert_eq!(as_v1["spec"]["size"], 2);
    let listed = hub
        .request(
            Method::GET,
            "/apis/acme.example.com/v1beta1/widgets",
            &[],
            "",
        )
        .await
        .json();
    assert_eq!(listed["items"][0]["apiVersion"], "acme.example.com/v1beta1");
    let groups = hub
        .request(Method::GET, "/apis/acme.example.com", &[], "")
        .await
        .json();
    assert_eq!(groups["preferredVersion"]["version"], "v1");
}
