//! Watches through kube-rs and raw HTTP: events in order, resume without gaps, 410 on a
//! compacted resourceVersion (and kube-rs re-listing after it), selectors, bookmarks,
//! sendInitialEvents, timeouts.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use http::Method;
use hub::testing::TestHub;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use kube::runtime::watcher;
use serde_json::json;

fn configmap(name: &str, color: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name, "labels": {"color": color}}})).unwrap()
}

async fn next_event(
    stream: &mut (impl futures::Stream<Item = kube::Result<WatchEvent<ConfigMap>>> + Unpin),
) -> WatchEvent<ConfigMap> {
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("an event in time")
        .expect("stream open")
        .expect("event")
}

fn describe(event: &WatchEvent<ConfigMap>) -> (String, String) {
    match event {
        WatchEvent::Added(object) => ("ADDED".into(), object.metadata.name.clone().unwrap()),
        WatchEvent::Modified(object) => ("MODIFIED".into(), object.metadata.name.clone().unwrap()),
        WatchEvent::Deleted(object) => ("DELETED".into(), object.metadata.name.clone().unwrap()),
        WatchEvent::Bookmark(bookmark) => (
            "BOOKMARK".into(),
            bookmark.metadata.resource_version.clone(),
        ),
        WatchEvent::Error(error) => ("ERROR".into(), error.code.to_string()),
    }
}

#[tokio::test]
async fn watch_from_a_resource_version_sees_every_change_in_order() {
    let hub = TestHub::memory().await;
    let api: Api<ConfigMap> = Api::namespaced(hub.client(), "default");
    let start = api
        .create(&PostParams::default(), &configmap("a", "red"))
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    api.create(&PostParams::default(), &configmap("b", "red"))
        .await
        .unwrap();
    let mut stream = api
        .watch(&WatchParams::default(), &start)
        .await
        .unwrap()
        .boxed();
    api.patch(
        "a",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"x": "1"}})),
    )
    .await
    .unwrap();
    api.delete("b", &DeleteParams::default()).await.unwrap();
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(describe(&next_event(&mut stream).await));
    }
    assert_eq!(
        seen,
        [
            ("ADDED".into(), "b".into()),
            ("MODIFIED".into(), "a".into()),
            ("DELETED".into(), "b".into())
        ]
    );
}

#[tokio::test]
async fn selectors_turn_changes_into_added_and_deleted() {
    let hub = TestHub::memory().await;
    let api: Api<ConfigMap> = Api::namespaced(hub.client(), "default");
    let start = api
        .create(&PostParams::default(), &configmap("c", "blue"))
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let mut stream = api
        .watch(&WatchParams::default().labels("color=red"), &start)
        .await
        .unwrap()
        .boxed();
    api.patch(
        "c",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"labels": {"color": "red"}}})),
    )
    .await
    .unwrap();
    api.patch(
        "c",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"k": "v"}})),
    )
    .await
    .unwrap();
    api.patch(
        "c",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"labels": {"color": "green"}}})),
    )
    .await
    .unwrap();
    let seen: Vec<String> = [
        next_event(&mut stream).await,
        next_event(&mut stream).await,
        next_event(&mut stream).await,
    ]
    .iter()
    .map(|event| describe(event).0)
    .collect();
    assert_eq!(seen, ["ADDED", "MODIFIED", "DELETED"]);
}

#[tokio::test]
async fn a_compacted_resource_version_is_expired_and_kube_rs_relists() {
    let hub = TestHub::memory().await;
    let api: Api<ConfigMap> = Api::namespaced(hub.client(), "default");
    let old = api
        .create(&PostParams::default(), &configmap("old", "x"))
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    for i in 0..5 {
        api.create(&PostParams::default(), &configmap(&format!("n{i}"), "x"))
            .await
            .unwrap();
    }
    let current = hub.store.current_revision().await.unwrap();
    hub.store.compact(current - 1).await.unwrap();
    // Raw: a 200 whose stream carries a 410 Expired ERROR event.
    let raw = hub.request(Method::GET, &format!("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={old}&timeoutSeconds=1"), &[], "").await;
    assert_eq!(raw.status, 200);
    let line: serde_json::Value =
        serde_json::from_slice(raw.body.split(|byte| *byte == b'\n').next().unwrap()).unwrap();
    assert_eq!(line["type"], "ERROR");
    assert_eq!(line["object"]["code"], 410);
    assert_eq!(line["object"]["reason"], "Expired");
    // kube-rs: the watch errors with 410; a watcher re-lists and carries on.
    let mut stream = api
        .watch(&WatchParams::default(), &old)
        .await
        .unwrap()
        .boxed();
    assert_eq!(
        describe(&next_event(&mut stream).await),
        ("ERROR".into(), "410".into())
    );
    let mut watcher = watcher(api.clone(), watcher::Config::default()).boxed();
    let mut listed = 0;
    while let Some(event) = tokio::time::timeout(Duration::from_secs(10), watcher.try_next())
        .await
        .unwrap()
        .unwrap()
    {
        match event {
            watcher::Event::InitApply(_) => listed += 1,
            watcher::Event::InitDone => break,
            _ => {}
        }
    }
    assert_eq!(listed, 6);
    api.create(&PostParams::default(), &configmap("after", "x"))
        .await
        .unwrap();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), watcher.try_next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let watcher::Event::Apply(object) = event {
            assert_eq!(object.metadata.name.as_deref(), Some("after"));
            break;
        }
    }
}

#[tokio::test]
async fn initial_events_bookmark_and_timeout() {
    let hub = TestHub::memory().await;
    let api: Api<ConfigMap> = Api::namespaced(hub.client(), "default");
    api.create(&PostParams::default(), &configmap("one", "x"))
        .await
        .unwrap();
    api.create(&PostParams::default(), &configmap("two", "x"))
        .await
        .unwrap();
    let raw = hub
        .request(
            Method::GET,
            "/api/v1/namespaces/default/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1",
            &[],
            "",
        )
        .await;
    let lines: Vec<serde_json::Value> = raw
        .body
        .split(|byte| *byte == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).unwrap())
        .collect();
    let types: Vec<&str> = lines
        .iter()
        .map(|line| line["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["ADDED", "ADDED", "BOOKMARK"]);
    assert_eq!(
        lines[2]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
    // Legacy form: no resourceVersion means initial ADDED events, then changes.
    let legacy = hub
        .request(
            Method::GET,
            "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1",
            &[],
            "",
        )
        .await;
    assert_eq!(
        legacy
            .body
            .split(|byte| *byte == b'\n')
            .filter(|line| !line.is_empty())
            .count(),
        2
    );
    let bad = hub
        .request(
            Method::GET,
            "/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true",
            &[],
            "",
        )
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn dry_runs_emit_no_watch_event() {
    let hub = TestHub::memory().await;
    let api: Api<ConfigMap> = Api::namespaced(hub.client(), "default");
    let start = api
        .create(&PostParams::default(), &configmap("base", "x"))
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let mut stream = api
        .watch(&WatchParams::default(), &start)
        .await
        .unwrap()
        .boxed();
    let dry = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    api.create(&dry, &configmap("ghost", "x")).await.unwrap();
    api.create(&PostParams::default(), &configmap("real", "x"))
        .await
        .unwrap();
    assert_eq!(
        describe(&next_event(&mut stream).await),
        ("ADDED".into(), "real".into())
    );
}
