//! Create, get, list, update, patch and delete with kube-apiserver's semantics, through kube-rs.

use std::collections::BTreeMap;

use hub::testing::TestHub;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use serde_json::json;

fn configmap(name: &str, data: &[(&str, &str)]) -> ConfigMap {
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {"app": "web", "tier": name}},
        "data": data.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>(),
    }))
    .unwrap()
}

#[tokio::test]
async fn create_get_update_delete_a_configmap() {
    let hub = TestHub::memory().await;
    let api: Api<ConfigMap> = Api::namespaced(hub.client(), "default");
    let created = api
        .create(&PostParams::default(), &configmap("one", &[("a", "1")]))
        .await
        .unwrap();
    let meta = &created.metadata;
    assert!(meta.uid.as_deref().is_some_and(|uid| uid.len() == 36));
    assert!(meta.creation_timestamp.is_some());
    assert_eq!(meta.namespace.as_deref(), Some("default"));
    let revision = meta.resource_version.clone().unwrap();
    assert!(revision.parse::<i64>().unwrap() > 0);
    assert_eq!(meta.generation, None, "configmaps have no generation");

    let fetched = api.get("one").await.unwrap();
    assert_eq!(fetched.data.unwrap()["a"], "1");

    // AlreadyExists, with kube's message.
    let error = api
        .create(&PostParams::default(), &configmap("one", &[]))
        .await
        .unwrap_err();
    let kube::Error::Api(status) = error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (status.code, status.reason.as_str()),
        (409, "AlreadyExists")
    );
    assert_eq!(status.message, "configmaps \"one\" already exists");

    // Update with the current resourceVersion, then a stale one: 409 Conflict.
    let mut changed = created.clone();
    changed.data = Some(BTreeMap::from([("a".to_owned(), "2".to_owned())]));
    let updated = api
        .replace("one", &PostParams::default(), &changed)
        .await
        .unwrap();
    assert_ne!(
        updated.metadata.resource_version,
        created.metadata.resource_version
    );
    assert_eq!(updated.metadata.uid, created.metadata.uid);
    assert_eq!(
        updated.metadata.creation_timestamp,
        created.metadata.creation_timestamp
    );
    let error = api
        .replace("one", &PostParams::default(), &changed)
        .await
        .unwrap_err();
    let kube::Error::Api(status) = error else {
        panic!("{error:?}")
    };
    assert_eq!(status.code, 409);
    assert_eq!(
        status.message,
        "Operation cannot be fulfilled on configmaps \"one\": the object has been modified; please apply your changes to the latest version and try again"
    );

    // An update without resourceVersion is unconditional for built-ins.
    changed.metadata.resource_version = None;
    api.replace("one", &PostParams::default(), &changed)
        .await
        .unwrap();

    // Delete answers Success; the object is gone.
    api.delete("one", &DeleteParams::default()).await.unwrap();
    let error = api.get("one").await.unwrap_err();
    let kube::Error::Api(status) = error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (status.code, status.message.as_str()),
        (404, "configmaps \"one\" not found")
    );
}

#[tokio::test]
async fn generate_name_and_generation() {
    let hub = TestHub::memory().await;
    let api: Api<ConfigMap> = Api::namespaced(hub.client(), "default");
    let mut object = configmap("", &[]);
    object.metadata.name = None;
    object.metadata.generate_name = Some("gen-".into());
    let created = api.create(&PostParams::default(), &object).await.unwrap();
    let name = created.metadata.name.unwrap();
    assert!(name.starts_with("gen-") && name.len() == 9, "{name}");

    let deployments: Api<Deployment> = Api::namespaced(hub.client(), "default");
    let deployment: Deployment = serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
        "status": {"replicas": 7}
    }))
    .unwrap();
    let created = deployments
        .create(&PostParams::default(), &deployment)
        .await
        .unwrap();
    assert_eq!(created.metadata.generation, Some(1));
    assert!(created.status.is_none(), "status is reset on create");
    // A metadata-only change keeps the generation; a spec change bumps it.
    let labelled = deployments
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"x": "y"}}})),
        )
        .await
        .unwrap();
    assert_eq!(labelled.metadata.generation, Some(1));
    let scaled = deployments
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 3}})),
        )
        .await
        .unwrap();
    assert_eq!(scaled.metadata.generation, Some(2));
}

#[tokio::test]
async fn lists_select_and_paginate() {
    let hub = TestHub::memory().await;
    let api: Api<ConfigMap> = Api::namespaced(hub.client(), "default");
    for i in 0..25 {
        let mut object = configmap(&format!("cm-{i:02}"), &[]);
        object.metadata.labels = Some(BTreeMap::from([
            ("app".to_owned(), "web".to_owned()),
            (
                "parity".to_owned(),
                if i % 2 == 0 { "even" } else { "odd" }.to_owned(),
            ),
        ]));
        api.create(&PostParams::default(), &object).await.unwrap();
    }
    let all = api.list(&ListParams::default()).await.unwrap();
    assert_eq!(all.items.len(), 25);
    assert!(all.metadata.resource_version.is_some());

    let even = api
        .list(&ListParams::default().labels("parity=even"))
        .await
        .unwrap();
    assert_eq!(even.items.len(), 13);
    let set = api
        .list(&ListParams::default().labels("parity in (odd),app"))
        .await
        .unwrap();
    assert_eq!(set.items.len(), 12);
    let none = api
        .list(&ListParams::default().labels("!app"))
        .await
        .unwrap();
    assert!(none.items.is_empty());
    let by_name = api
        .list(&ListParams::default().fields("metadata.name=cm-07"))
        .await
        .unwrap();
    assert_eq!(by_name.items.len(), 1);
    let not_name = api
        .list(&ListParams::default().fields("metadata.name!=cm-07"))
        .await
        .unwrap();
    assert_eq!(not_name.items.len(), 24);

    // Pages of 10 at the first page's revision, even with writes in between.
    let mut names = Vec::new();
    let mut params = ListParams::default().limit(10).labels("app=web");
    let mut pages = 0;
    loop {
        let page = api.list(&params).await.unwrap();
        pages += 1;
        names.extend(page.items.into_iter().map(|cm| cm.metadata.name.unwrap()));
        api.create(
            &PostParams::default(),
            &configmap(&format!("late-{pages}"), &[]),
        )
        .await
        .unwrap();
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        names.len(),
        25,
        "later creations are not in a list paginated at an earlier revision"
    );

    let error = api
        .list(&ListParams::default().fields("data.a=1"))
        .await
        .unwrap_err();
    let kube::Error::Api(status) = error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (status.code, status.message.as_str()),
        (
            400,
            "\"data.a\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        )
    );
}

#[tokio::test]
async fn patches_merge_and_json() {
    let hub = TestHub::memory().await;
    let api: Api<ConfigMap> = Api::namespaced(hub.client(), "default");
    api.create(
        &PostParams::default(),
        &configmap("p", &[("a", "1"), ("b", "2")]),
    )
    .await
    .unwrap();
    let merged = api
        .patch(
            "p",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"a": null, "c": "3"}})),
        )
        .await
        .unwrap();
    let data = merged.data.unwrap();
    assert_eq!(
        (data.get("a"), data.get("c").map(String::as_str)),
        (None, Some("3"))
    );
    let operations: json_patch::Patch = serde_json::from_value(json!([
        {"op": "test", "path": "/data/b", "value": "2"},
        {"op": "replace", "path": "/data/b", "value": "two"}
    ]))
    .unwrap();
    let patched = api
        .patch("p", &PatchParams::default(), &Patch::Json::<()>(operations))
        .await
        .unwrap();
    assert_eq!(patched.data.unwrap()["b"], "two");
    let failing: json_patch::Patch =
        serde_json::from_value(json!([{"op": "test", "path": "/data/b", "value": "2"}])).unwrap();
    let error = api
        .patch("p", &PatchParams::default(), &Patch::Json::<()>(failing))
        .await
        .unwrap_err();
    let kube::Error::Api(status) = error else {
        panic!("{error:?}")
    };
    assert_eq!(status.code, 422);
    let error = api
        .patch("missing", &PatchParams::default(), &Patch::Merge(json!({})))
        .await
        .unwrap_err();
    assert!(matches!(error, kube::Error::Api(status) if status.code == 404));
}

#[tokio::test]
async fn dry_run_persists_nothing() {
    let hub = TestHub::memory().await;
    let api: Api<ConfigMap> = Api::namespaced(hub.client(), "default");
    let before = hub.store.current_revision().await.unwrap();
    let params = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    let preview = api
        .create(&params, &configmap("dry", &[("a", "1")]))
        .await
        .unwrap();
    assert_eq!(preview.metadata.name.as_deref(), Some("dry"));
    assert!(api.get_opt("dry").await.unwrap().is_none());
    api.create(&PostParams::default(), &configmap("real", &[]))
        .await
        .unwrap();
    let after_create = hub.store.current_revision().await.unwrap();
    assert_eq!(after_create, before + 1, "only the real create wrote");
    let dry_delete = DeleteParams {
        dry_run: true,
        ..DeleteParams::default()
    };
    api.delete("real", &dry_delete).await.unwrap();
    assert!(api.get_opt("real").await.unwrap().is_some());
    assert_eq!(hub.store.current_revision().await.unwrap(), after_create);
}

#[tokio::test]
async fn delete_preconditions_and_collections() {
    let hub = TestHub::memory().await;
    let api: Api<ConfigMap> = Api::namespaced(hub.client(), "default");
    for name in ["a", "b", "c"] {
        api.create(&PostParams::default(), &configmap(name, &[]))
            .await
            .unwrap();
    }
    let params = DeleteParams {
        preconditions: Some(kube::api::Preconditions {
            uid: Some("wrong".into()),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    let error = api.delete("a", &params).await.unwrap_err();
    let kube::Error::Api(status) = error else {
        panic!("{error:?}")
    };
    assert_eq!(status.code, 409);
    assert!(
        status
            .message
            .contains("Precondition failed: UID in precondition: wrong"),
        "{}",
        status.message
    );
    let deleted = api
        .delete_collection(
            &DeleteParams::default(),
            &ListParams::default().labels("tier in (a,b)"),
        )
        .await
        .unwrap();
    let names: Vec<String> = deleted
        .left()
        .unwrap()
        .items
        .into_iter()
        .map(|cm| cm.metadata.name.unwrap())
        .collect();
    assert_eq!(names, ["a", "b"]);
    let left: Vec<String> = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|cm| cm.metadata.name.unwrap())
        .collect();
    assert_eq!(left, ["c"]);
}

#[tokio::test]
async fn finalizers_hold_an_object_until_removed() {
    let hub = TestHub::memory().await;
    let api: Api<ConfigMap> = Api::namespaced(hub.client(), "default");
    let mut object = configmap("held", &[]);
    object.metadata.finalizers = Some(vec!["example.com/hold".into()]);
    api.create(&PostParams::default(), &object).await.unwrap();
    api.delete("held", &DeleteParams::default()).await.unwrap();
    let marked = api.get("held").await.unwrap();
    assert!(marked.metadata.deletion_timestamp.is_some());
    api.patch(
        "held",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .unwrap();
    assert!(
        api.get_opt("held").await.unwrap().is_none(),
        "removing the last finalizer deletes the object"
    );
}

#[tokio::test]
async fn events_are_one_set_under_both_apis() {
    use http::Method;
    let hub = TestHub::memory().await;
    let body = r#"{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e1"},
        "eventTime":"2026-01-01T00:00:00.000000Z","reportingController":"kubelet","reportingInstance":"node-1",
        "action":"Pull","reason":"Pulled","regarding":{"kind":"Pod","name":"p","namespace":"default"},"note":"image pulled","type":"Normal"}"#;
    let created = hub
        .request(
            Method::POST,
            "/apis/events.k8s.io/v1/namespaces/default/events",
            &[],
            body,
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.json());
    assert_eq!(created.json()["note"], "image pulled");
    let core = hub
        .request(Method::GET, "/api/v1/namespaces/default/events/e1", &[], "")
        .await
        .json();
    assert_eq!(core["apiVersion"], "v1");
    assert_eq!(core["message"], "image pulled");
    assert_eq!(core["involvedObject"]["name"], "p");
    let listed = hub
        .request(
            Method::GET,
            "/apis/events.k8s.io/v1/namespaces/default/events",
            &[],
            "",
        )
        .await
        .json();
    assert_eq!(listed["items"][0]["regarding"]["name"], "p");
    assert_eq!(listed["items"][0]["apiVersion"], "events.k8s.io/v1");
    let by_field = hub
        .request(
            Method::GET,
            "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dp",
            &[],
            "",
        )
        .await
        .json();
    assert_eq!(by_field["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_continue_token_older_than_history_is_expired() {
    use http::Method;
    let hub = TestHub::memory().await;
    for i in 0..4 {
        let body = format!(r#"{{"metadata":{{"name":"c{i}"}}}}"#);
        hub.request(
            Method::POST,
            "/api/v1/namespaces/default/configmaps",
            &[],
            body,
        )
        .await;
    }
    let first = hub
        .request(
            Method::GET,
            "/api/v1/namespaces/default/configmaps?limit=2",
            &[],
            "",
        )
        .await
        .json();
    let token = first["metadata"]["continue"].as_str().unwrap().to_owned();
    let second = hub
        .request(
            Method::GET,
            &format!("/api/v1/namespaces/default/configmaps?limit=2&continue={token}"),
            &[],
            "",
        )
        .await
        .json();
    assert_eq!(second["items"].as_array().unwrap().len(), 2);
    hub.request(
        Method::POST,
        "/api/v1/namespaces/default/configmaps",
        &[],
        r#"{"metadata":{"name":"later"}}"#,
    )
    .await;
    hub.store
        .compact(hub.store.current_revision().await.unwrap())
        .await
        .unwrap();
    let expired = hub
        .request(
            Method::GET,
            &format!("/api/v1/namespaces/default/configmaps?limit=2&continue={token}"),
            &[],
            "",
        )
        .await;
    assert_eq!(expired.status, 410);
    let status = expired.json();
    assert_eq!(status["reason"], "Expired");
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .starts_with("The provided continue parameter is too old")
    );
}

#[tokio::test]
async fn pods_on_a_node_are_deleted_gracefully() {
    use k8s_openapi::api::core::v1::Pod;
    let hub = TestHub::memory().await;
    let api: Api<Pod> = Api::namespaced(hub.client(), "default");
    for (name, node) in [("bound", Some("node-1")), ("unbound", None)] {
        let mut spec = json!({"containers": [{"name": "c", "image": "busybox"}]});
        if let Some(node) = node {
            spec["nodeName"] = json!(node);
        }
        let pod: Pod =
            serde_json::from_value(json!({"metadata": {"name": name}, "spec": spec})).unwrap();
        api.create(&PostParams::default(), &pod).await.unwrap();
    }
    api.delete("unbound", &DeleteParams::default())
        .await
        .unwrap();
    assert!(
        api.get_opt("unbound").await.unwrap().is_none(),
        "an unscheduled pod goes at once"
    );
    api.delete("bound", &DeleteParams::default()).await.unwrap();
    let marked = api.get("bound").await.unwrap();
    assert_eq!(marked.metadata.deletion_grace_period_seconds, Some(30));
    assert!(marked.metadata.deletion_timestamp.is_some());
    api.delete(
        "bound",
        &DeleteParams {
            grace_period_seconds: Some(0),
            ..DeleteParams::default()
        },
    )
    .await
    .unwrap();
    assert!(
        api.get_opt("bound").await.unwrap().is_none(),
        "gracePeriodSeconds=0 forces it"
    );
}

#[tokio::test]
async fn secret_string_data_is_folded_into_data() {
    use http::Method;
    let hub = TestHub::memory().await;
    let body = r#"{"metadata":{"name":"creds"},"data":{"keep":"a2VlcA=="},"stringData":{"password":"s3cret"}}"#;
    let created = hub
        .request(
            Method::POST,
            "/api/v1/namespaces/default/secrets",
            &[],
            body,
        )
        .await
        .json();
    assert_eq!(created["data"]["password"], "czNjcmV0");
    assert_eq!(created["data"]["keep"], "a2VlcA==");
    assert!(created.get("stringData").is_none());
}

#[tokio::test]
async fn built_in_kinds_are_defaulted_and_validated() {
    use http::Method;
    let hub = TestHub::memory().await;
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}});
    let created = hub
        .request(
            Method::POST,
            "/apis/apps/v1/namespaces/default/deployments",
            &[],
            deployment.to_string(),
        )
        .await
        .json();
    assert_eq!(created["spec"]["replicas"], 1);
    assert_eq!(created["spec"]["strategy"]["type"], "RollingUpdate");
    assert_eq!(created["spec"]["revisionHistoryLimit"], 10);
    let container = &created["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        container["imagePullPolicy"], "Always",
        "no tag means :latest"
    );
    assert_eq!(container["terminationMessagePath"], "/dev/termination-log");
    assert_eq!(
        created["spec"]["template"]["spec"]["restartPolicy"],
        "Always"
    );

    let mut mismatched = deployment.clone();
    mismatched["metadata"]["name"] = json!("bad");
    mismatched["spec"]["selector"]["matchLabels"]["app"] = json!("other");
    let refused = hub
        .request(
            Method::POST,
            "/apis/apps/v1/namespaces/default/deployments",
            &[],
            mismatched.to_string(),
        )
        .await;
    assert_eq!(refused.status, 422);
    let message = refused.json()["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("`selector` does not match template `labels`"),
        "{message}"
    );

    let selector_change = json!({"spec": {"selector": {"matchLabels": {"app": "web", "tier": "x"}}, "template": {"metadata": {"labels": {"app": "web", "tier": "x"}}}}});
    let immutable = hub
        .request(
            Method::PATCH,
            "/apis/apps/v1/namespaces/default/deployments/web",
            &[("content-type", "application/merge-patch+json")],
            selector_change.to_string(),
        )
        .await;
    assert_eq!(immutable.status, 422);
    assert!(
        immutable.json()["message"]
            .as_str()
            .unwrap()
            .contains("field is immutable"),
        "{}",
        immutable.json()
    );

    let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}});
    let created = hub
        .request(
            Method::POST,
            "/api/v1/namespaces/default/services",
            &[],
            service.to_string(),
        )
        .await
        .json();
    assert_eq!(created["spec"]["type"], "ClusterIP");
    assert!(
        created["spec"]["clusterIP"]
            .as_str()
            .unwrap()
            .starts_with("10."),
        "{created}"
    );
    assert_eq!(created["spec"]["ports"][0]["targetPort"], 80);

    let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}});
    let created = hub
        .request(
            Method::POST,
            "/apis/batch/v1/namespaces/default/jobs",
            &[],
            job.to_string(),
        )
        .await
        .json();
    assert_eq!(created["spec"]["backoffLimit"], 6);
    let uid = created["metadata"]["uid"].as_str().unwrap();
    assert_eq!(
        created["spec"]["selector"]["matchLabels"]["batch.kubernetes.io/controller-uid"],
        uid
    );
}
