//! Strategic merge patch and server-side apply through the API, with managedFields.

use http::Method;
use hub::testing::TestHub;
use serde_json::{Value, json};

const CMS: &str = "/api/v1/namespaces/default/configmaps";
const APPLY: (&str, &str) = ("content-type", "application/apply-patch+yaml");

fn managers(object: &Value) -> Vec<(String, String)> {
    object["metadata"]["managedFields"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|entry| {
                    (
                        entry["manager"].as_str().unwrap().to_owned(),
                        entry["operation"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn server_side_apply_owns_fields_and_reports_conflicts() {
    let hub = TestHub::memory().await;
    let path = format!("{CMS}/ssa");
    let config = |value: &str| {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"k": value, "mine": "x"}}).to_string()
    };

    let missing = hub
        .request(Method::PATCH, &path, &[APPLY], config("1"))
        .await;
    assert_eq!(missing.status, 422);
    assert_eq!(
        missing.json()["message"],
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
    );

    let created = hub
        .request(
            Method::PATCH,
            &format!("{path}?fieldManager=alice"),
            &[APPLY],
            config("1"),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.json());
    assert_eq!(
        managers(&created.json()),
        [("alice".to_owned(), "Apply".to_owned())]
    );
    assert_eq!(
        created.json()["metadata"]["managedFields"][0]["fieldsV1"]["f:data"]["f:k"],
        json!({})
    );

    let bob = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {"k": "2"}}).to_string();
    let conflict = hub
        .request(
            Method::PATCH,
            &format!("{path}?fieldManager=bob"),
            &[APPLY],
            bob.clone(),
        )
        .await;
    assert_eq!(conflict.status, 409);
    let status = conflict.json();
    assert_eq!(status["reason"], "Conflict");
    assert_eq!(
        status["message"],
        "Apply failed with 1 conflict: conflict with \"alice\": .data.k"
    );
    assert_eq!(
        status["details"]["causes"][0]["reason"],
        "FieldManagerConflict"
    );
    assert_eq!(status["details"]["causes"][0]["field"], ".data.k");

    let forced = hub
        .request(
            Method::PATCH,
            &format!("{path}?fieldManager=bob&force=true"),
            &[APPLY],
            bob,
        )
        .await;
    assert_eq!(forced.status, 200, "{}", forced.json());
    assert_eq!(forced.json()["data"]["k"], "2");

    // alice stops applying "mine", which only she owned: it goes.
    let alice =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa"}, "data": {}})
            .to_string();
    let pruned = hub
        .request(
            Method::PATCH,
            &format!("{path}?fieldManager=alice"),
            &[APPLY],
            alice,
        )
        .await
        .json();
    assert!(pruned["data"].get("mine").is_none(), "{pruned}");
    assert_eq!(pruned["data"]["k"], "2", "bob's field stays");
}

#[tokio::test]
async fn updates_are_recorded_in_managed_fields() {
    let hub = TestHub::memory().await;
    let created = hub
        .request(
            Method::POST,
            &format!("{CMS}?fieldManager=kubectl-create"),
            &[],
            r#"{"metadata":{"name":"u"},"data":{"a":"1"}}"#,
        )
        .await
        .json();
    assert_eq!(
        managers(&created),
        [("kubectl-create".to_owned(), "Update".to_owned())]
    );
    let patched = hub
        .request(
            Method::PATCH,
            &format!("{CMS}/u?fieldManager=kubectl-label"),
            &[("content-type", "application/merge-patch+json")],
            r#"{"metadata":{"labels":{"x":"y"}}}"#,
        )
        .await
        .json();
    let names: Vec<String> = managers(&patched)
        .into_iter()
        .map(|(manager, _)| manager)
        .collect();
    assert!(
        names.contains(&"kubectl-create".to_owned()) && names.contains(&"kubectl-label".to_owned()),
        "{names:?}"
    );
}

#[tokio::test]
async fn strategic_merge_patch_merges_lists_by_key() {
    let hub = TestHub::memory().await;
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "a", "image": "a:1", "env": [{"name": "X", "value": "1"}]}, {"name": "b", "image": "b:1"}]}}}});
    let created = hub
        .request(
            Method::POST,
            "/apis/apps/v1/namespaces/default/deployments",
            &[],
            deployment.to_string(),
        )
        .await;
    assert_eq!(created.status, 201);
    let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "b:2"}, {"name": "a", "env": [{"name": "Y", "value": "2"}]}]}}}});
    let patched = hub
        .request(
            Method::PATCH,
            "/apis/apps/v1/namespaces/default/deployments/web",
            &[("content-type", "application/strategic-merge-patch+json")],
            patch.to_string(),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.json());
    let containers = patched.json()["spec"]["template"]["spec"]["containers"].clone();
    let by_name = |name: &str| {
        containers
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("a")["image"], "a:1", "merged, not replaced");
    assert_eq!(
        by_name("a")["env"].as_array().unwrap().len(),
        2,
        "env merged by name"
    );
    assert_eq!(by_name("b")["image"], "b:2");
    let delete = json!({"spec": {"template": {"spec": {"containers": [{"name": "b", "$patch": "delete"}]}}}});
    let deleted = hub
        .request(
            Method::PATCH,
            "/apis/apps/v1/namespaces/default/deployments/web",
            &[("content-type", "application/strategic-merge-patch+json")],
            delete.to_string(),
        )
        .await
        .json();
    assert_eq!(
        deleted["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(deleted["metadata"]["generation"], 3);
}
