//! Logical clusters: which exist, and the one internal path that creates one (with its default
//! namespaces). The Workspace controller will create clusters through [`Clusters::create`]; until
//! then tests do.
//!
//! Each logical cluster has a record at `/registry/core.nave.dev/logicalclusters/<name>/cluster`,
//! so the set of clusters is one prefix scan and every hub sharing a store sees the same set.

use std::collections::HashSet;
use std::sync::Arc;

use parking_lot::RwLock;
use serde_json::{Map, Value, json};
use storage::{ListRequest, StorageError, Store};

use crate::codec;
use crate::error::ApiError;
use crate::fanout::Fanout;
use crate::meta;
use crate::objects::{ObjectRef, Objects};
use crate::path::ROOT_CLUSTER;

/// The namespaces every logical cluster starts with.
pub const DEFAULT_NAMESPACES: [&str; 4] =
    ["default", "kube-system", "kube-public", "kube-node-lease"];
/// The namespaces that may not be deleted.
pub const PROTECTED_NAMESPACES: [&str; 3] = ["default", "kube-system", "kube-public"];

const RECORDS: &str = "/registry/core.nave.dev/logicalclusters/";

/// The set of logical clusters. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Clusters {
    known: Arc<RwLock<HashSet<String>>>,
    objects: Objects,
    namespaces: Arc<hub_api::registry::ResourceDef>,
}

impl Clusters {
    /// Loads every logical cluster, creating `root` on first start, and follows clusters created
    /// by other hubs sharing the store.
    pub async fn load(
        objects: Objects,
        registry: &hub_api::registry::Registry,
        fanout: &Fanout,
    ) -> Result<Self, ApiError> {
        let namespaces = Arc::clone(
            registry
                .lookup("", "v1", "namespaces")
                .ok_or_else(|| ApiError::Internal("no namespaces resource".into()))?,
        );
        let mut subscription = fanout
            .subscribe(RECORDS, fanout.position())
            .await
            .map_err(|error| ApiError::Internal(error.to_string()))?;
        let listed = objects.store().list(ListRequest::prefix(RECORDS)).await?;
        let known: HashSet<String> = listed
            .kvs
            .iter()
            .filter_map(|kv| cluster_of_record(&kv.key))
            .collect();
        let clusters = Clusters {
            known: Arc::new(RwLock::new(known)),
            objects,
            namespaces,
        };
        if !clusters.exists(ROOT_CLUSTER) {
            clusters.create(ROOT_CLUSTER).await?;
        }
        let follower = clusters.clone();
        tokio::spawn(async move {
            while let Some(Ok(change)) = subscription.next().await {
                if let Some(name) = cluster_of_record(&change.key) {
                    let mut known = follower.known.write();
                    if change.deleted {
                        known.remove(&name);
                    } else {
                        known.insert(name);
                    }
                }
            }
        });
        Ok(clusters)
    }

    /// Whether the logical cluster `name` exists.
    pub fn exists(&self, name: &str) -> bool {
        self.known.read().contains(name)
    }

    /// Every logical cluster.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.known.read().iter().cloned().collect();
        names.sort();
        names
    }

    /// Creates logical cluster `name` with its default namespaces. Idempotent: an existing
    /// cluster keeps what it has; missing default namespaces are created.
    pub async fn create(&self, name: &str) -> Result<(), ApiError> {
        if name.is_empty() || name.contains('/') || name == "*" {
            return Err(ApiError::BadRequest(format!(
                "invalid logical cluster name {name:?}"
            )));
        }
        let record = json!({"apiVersion": "core.nave.dev/v1alpha1", "kind": "LogicalCluster",
            "metadata": {"name": "cluster", "uid": uuid::Uuid::new_v4().to_string(), "creationTimestamp": meta::now()}});
        let record = record.as_object().cloned().unwrap_or_default();
        match self
            .objects
            .store()
            .create(&record_key(name), codec::encode(&record))
            .await
        {
            Ok(_) | Err(StorageError::AlreadyExists { .. }) => {}
            Err(error) => return Err(error.into()),
        }
        for namespace in DEFAULT_NAMESPACES {
            let object = new_namespace(namespace);
            let reference = ObjectRef {
                def: &self.namespaces,
                cluster: name,
                namespace: None,
                name: namespace,
            };
            match self.objects.create(reference, &object).await {
                Ok(_) | Err(ApiError::AlreadyExists(_)) => {}
                Err(error) => return Err(error),
            }
        }
        self.known.write().insert(name.to_owned());
        Ok(())
    }

    /// The store (for tests that scan keys).
    pub fn store(&self) -> &Arc<dyn Store> {
        self.objects.store()
    }
}

/// A namespace object as the server creates it: finalizer, phase, and the name label.
pub fn new_namespace(name: &str) -> Map<String, Value> {
    let object = json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": name,
            "uid": uuid::Uuid::new_v4().to_string(),
            "creationTimestamp": meta::now(),
            "labels": {"kubernetes.io/metadata.name": name},
        },
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    });
    object.as_object().cloned().unwrap_or_default()
}

fn record_key(cluster: &str) -> String {
    format!("{RECORDS}{cluster}/cluster")
}

fn cluster_of_record(key: &str) -> Option<String> {
    key.strip_prefix(RECORDS)?
        .strip_suffix("/cluster")
        .map(str::to_owned)
}
