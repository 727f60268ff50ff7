//! kube-rs over real TLS with the admin client certificate from `admin.kubeconfig`: list, write,
//! watch, and recover from a 410 by re-listing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::time::Duration;

use futures::TryStreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, ListParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::{reflector, watcher};
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

/// A custom resource defined in Rust (`#[derive(CustomResource)]`).
#[derive(
    kube::CustomResource,
    serde::Serialize,
    serde::Deserialize,
    Clone,
    Debug,
    PartialEq,
    schemars::JsonSchema,
)]
#[kube(
    group = "acme.example.com",
    version = "v1",
    kind = "Gadget",
    namespaced,
    status = "GadgetStatus",
    shortname = "gd"
)]
pub struct GadgetSpec {
    /// How many.
    pub count: i32,
    /// A label.
    pub label: String,
}

/// The status of a [`Gadget`].
#[derive(
    serde::Serialize, serde::Deserialize, Clone, Debug, Default, PartialEq, schemars::JsonSchema,
)]
pub struct GadgetStatus {
    /// Whether it works.
    pub ready: bool,
}

async fn client_for(hub: &Hub) -> kube::Client {
    let kubeconfig = Kubeconfig::read_from(&hub.kubeconfig).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

/// Typed `Api<Deployment>` with `Patch::Apply` and `Patch::Strategic`, and a CRD from a
/// `CustomResource` derive round-tripping objects and status.
#[tokio::test]
async fn kube_rs_patches_and_derived_custom_resources() {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    use kube::CustomResourceExt;
    use kube::api::{Patch, PatchParams};

    let hub = Hub::start(&[]);
    let client = client_for(&hub).await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "default");
    let applied = serde_json::json!({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}
    });
    let params = PatchParams::apply("kube-rs-test");
    let created = deployments
        .patch("web", &params, &Patch::Apply(&applied))
        .await
        .unwrap();
    assert_eq!(created.spec.as_ref().unwrap().replicas, Some(2));
    assert!(
        created
            .metadata
            .managed_fields
            .unwrap()
            .iter()
            .any(|entry| entry.manager.as_deref() == Some("kube-rs-test"))
    );
    let strategic = serde_json::json!({"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "busybox"}]}}}});
    let patched = deployments
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Strategic(&strategic),
        )
        .await
        .unwrap();
    let names: Vec<String> = patched
        .spec
        .unwrap()
        .template
        .spec
        .unwrap()
        .containers
        .into_iter()
        .map(|container| container.name)
        .collect();
    // kube-apiserver's mergeSortedSlice puts items only the patch names before items only the
    // server has, so the sidecar comes first and nginx is kept.
    assert_eq!(
        names,
        ["sidecar", "nginx"],
        "strategic merge keeps the applied container"
    );

    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.create(&PostParams::default(), &Gadget::crd())
        .await
        .unwrap();
    let established = kube::runtime::wait::await_condition(
        crds.clone(),
        "gadgets.acme.example.com",
        kube::runtime::wait::conditions::is_crd_established(),
    );
    tokio::time::timeout(Duration::from_secs(20), established)
        .await
        .unwrap()
        .unwrap();
    // The hub serves the new resource right after it is Established; give discovery a moment.
    let gadgets: Api<Gadget> = Api::namespaced(client, "default");
    let gadget = Gadget::new(
        "g1",
        GadgetSpec {
            count: 3,
            label: "shiny".into(),
        },
    );
    let mut created = None;
    for _ in 0..100 {
        match gadgets.create(&PostParams::default(), &gadget).await {
            Ok(object) => {
                created = Some(object);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    let created = created.expect("the custom resource is served");
    assert_eq!(created.spec, gadget.spec);
    let status = serde_json::json!({"status": {"ready": true}});
    let with_status = gadgets
        .patch_status("g1", &PatchParams::default(), &Patch::Merge(&status))
        .await
        .unwrap();
    assert_eq!(with_status.status, Some(GadgetStatus { ready: true }));
    let listed = gadgets.list(&ListParams::default()).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].spec.label, "shiny");
}

/// A `kube::runtime` reflector stays in sync across a restart of the hub (same data, same port).
#[tokio::test]
async fn a_reflector_stays_in_sync_across_a_hub_restart() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let hub = Hub::start(&["--listen", &listen]);
    let client = client_for(&hub).await;
    let configmaps: Api<ConfigMap> = Api::namespaced(client, "default");
    let (reader, writer) = reflector::store();
    let stream = reflector(
        writer,
        watcher(configmaps.clone(), watcher::Config::default()),
    );
    let driver = tokio::spawn(async move {
        let mut stream = Box::pin(stream);
        // Errors (the hub restarting) are retried by the watcher's backoff in the next poll.
        while let Some(_event) = futures::StreamExt::next(&mut stream).await {}
    });
    let make = |name: &str| -> ConfigMap {
        serde_json::from_value(serde_json::json!({"metadata": {"name": name}})).unwrap()
    };
    configmaps
        .create(&PostParams::default(), &make("before"))
        .await
        .unwrap();
    wait_for(&reader, "before").await;

    let (code, data) = hub.stop("TERM");
    assert_eq!(code, Some(0));
    let hub = Hub::start_in(data, &["--listen", &listen]);
    let client = client_for(&hub).await;
    let configmaps: Api<ConfigMap> = Api::namespaced(client, "default");
    configmaps
        .create(&PostParams::default(), &make("after"))
        .await
        .unwrap();
    wait_for(&reader, "after").await;
    assert!(
        reader
            .state()
            .iter()
            .any(|cm| cm.metadata.name.as_deref() == Some("before"))
    );
    driver.abort();
}

async fn wait_for(reader: &kube::runtime::reflector::Store<ConfigMap>, name: &str) {
    for _ in 0..300 {
        if reader
            .state()
            .iter()
            .any(|cm| cm.metadata.name.as_deref() == Some(name))
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the reflector never saw {name}");
}
