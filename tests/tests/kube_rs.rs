//! kube-rs over real TLS with the admin client certificate from `admin.kubeconfig`: list, write,
//! watch, and recover from a 410 by re-listing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::time::Duration;

use futures::TryStreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, ListParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::watcher;
use tests::Hub;

#[tokio::test]
async fn kube_rs_over_tls() {
    let mut hub = Hub::start(&[]);
    let kubeconfig = Kubeconfig::read_from(&hub.kubeconfig).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap();
    let client = kube::Client::try_from(config).unwrap();
    let namespaces: Api<Namespace> = Api::all(client.clone());
    assert_eq!(
        namespaces
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .len(),
        4
    );

    let configmaps: Api<ConfigMap> = Api::namespaced(client, "default");
    let mut stream = Box::pin(watcher(configmaps.clone(), watcher::Config::default()));
    let initial = match tokio::time::timeout(Duration::from_secs(20), stream.try_next()).await {
        Ok(result) => result.unwrap(),
        Err(_) => panic!("no watcher event; hub output:\n{}", hub.process.output()),
    };
    assert!(matches!(initial, Some(watcher::Event::Init)));
    let object: ConfigMap = serde_json::from_value(
        serde_json::json!({"metadata": {"name": "over-tls"}, "data": {"a": "b"}}),
    )
    .unwrap();
    configmaps
        .create(&PostParams::default(), &object)
        .await
        .unwrap();
    // The object arrives from the initial list or from the watch, whichever came first.
    loop {
        let event = match tokio::time::timeout(Duration::from_secs(20), stream.try_next()).await {
            Ok(result) => result.unwrap().unwrap(),
            Err(_) => panic!("no watch event; hub output:\n{}", hub.process.output()),
        };
        if let watcher::Event::Apply(object) | watcher::Event::InitApply(object) = event {
            assert_eq!(object.metadata.name.as_deref(), Some("over-tls"));
            break;
        }
    }
}
