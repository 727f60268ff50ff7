//! Logical clusters: which exist, where each sits in the workspace tree, how a `/clusters/<…>`
//! reference (a path such as `root:acme` or an opaque id) resolves to one, and the internal paths
//! that create a cluster (with its default namespaces and admin binding) and delete a cluster
//! with everything below it.
//!
//! Each logical cluster has a record at `/registry/core.nave.dev/logicalclusters/<id>/cluster`
//! naming its parent and its workspace name, so the whole tree is one prefix scan and every hub
//! sharing a store follows the same tree. Objects are keyed by id, never by path: a recreated
//! workspace gets a fresh id, so it starts empty however far the old one's deletion has come.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use futures::future::try_join_all;
use hub_api::registry::ResourceDef;
use hub_api::tenancy;
use parking_lot::RwLock;
use serde_json::{Map, Value, json};
use storage::{ListRequest, StorageError, Store};

use crate::catalog::Catalog;
use crate::codec;
use crate::error::ApiError;
use crate::fanout::Fanout;
use crate::keys;
use crate::meta;
use crate::objects::{ObjectRef, Objects};
use crate::path::ROOT_CLUSTER;

/// The namespaces every logical cluster starts with.
pub const DEFAULT_NAMESPACES: [&str; 4] =
    ["default", "kube-system", "kube-public", "kube-node-lease"];
/// The namespaces that may not be deleted.
pub const PROTECTED_NAMESPACES: [&str; 3] = ["default", "kube-system", "kube-public"];

const RECORDS: &str = "/registry/core.nave.dev/logicalclusters/";

/// Who created a workspace: bound as its admin.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Owner {
    /// The user name.
    pub username: String,
    /// The user's groups.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// The set of logical clusters and their tree. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Clusters {
    tree: Arc<RwLock<Tree>>,
    objects: Objects,
    catalog: Arc<Catalog>,
    namespaces: Arc<ResourceDef>,
    bindings: Arc<ResourceDef>,
}

/// Where a logical cluster sits: its parent's id and its name there (`None` for root and for
/// clusters created without a workspace).
#[derive(Clone, Debug, Default)]
struct Place {
    parent: Option<(Arc<str>, Arc<str>)>,
}

#[derive(Debug, Default)]
struct Tree {
    by_id: HashMap<Arc<str>, Place>,
    /// Parent id → (name → id): a request's path resolves segment by segment without
    /// allocating, and a cluster's children are one map.
    children: HashMap<Arc<str>, BTreeMap<Arc<str>, Arc<str>>>,
}

impl Tree {
    fn insert(&mut self, id: &str, place: Place) {
        let id: Arc<str> = Arc::from(id);
        if let Some((parent, name)) = &place.parent {
            self.children
                .entry(Arc::clone(parent))
                .or_default()
                .insert(Arc::clone(name), Arc::clone(&id));
        }
        self.by_id.insert(id, place);
    }

    fn remove(&mut self, id: &str) {
        let Some(Place {
            parent: Some((parent, name)),
        }) = self.by_id.remove(id)
        else {
            return;
        };
        if let Some(siblings) = self.children.get_mut(&parent) {
            // A recreated workspace may already map the name to its new id.
            if siblings.get(&name).is_some_and(|child| &**child == id) {
                siblings.remove(&name);
            }
            if siblings.is_empty() {
                self.children.remove(&parent);
            }
        }
    }

    fn child(&self, parent: &str, name: &str) -> Option<&Arc<str>> {
        self.children.get(parent)?.get(name)
    }

    fn children_of(&self, parent: &str) -> Vec<Arc<str>> {
        self.children
            .get(parent)
            .map(|children| children.values().cloned().collect())
            .unwrap_or_default()
    }
}

impl Clusters {
    /// Loads every logical cluster, creating `root` on first start, and follows clusters created
    /// and deleted by other hubs sharing the store.
    pub async fn load(
        objects: Objects,
        catalog: Arc<Catalog>,
        fanout: &Fanout,
    ) -> Result<Self, ApiError> {
        let lookup = |group: &str, resource: &str| {
            catalog
                .builtin()
                .lookup(group, "v1", resource)
                .cloned()
                .ok_or_else(|| ApiError::Internal(format!("no {resource} resource")))
        };
        let namespaces = lookup("", "namespaces")?;
        let bindings = lookup("rbac.authorization.k8s.io", "clusterrolebindings")?;
        let mut subscription = fanout
            .subscribe(RECORDS, fanout.position())
            .await
            .map_err(|error| ApiError::Internal(error.to_string()))?;
        let listed = objects.store().list(ListRequest::prefix(RECORDS)).await?;
        let mut tree = Tree::default();
        for kv in &listed.kvs {
            if let Some(id) = cluster_of_record(&kv.key) {
                tree.insert(id, place_of_record(&kv.value));
            }
        }
        let clusters = Clusters {
            tree: Arc::new(RwLock::new(tree)),
            objects,
            catalog,
            namespaces,
            bindings,
        };
        if !clusters.exists(ROOT_CLUSTER) {
            clusters.create(ROOT_CLUSTER).await?;
        }
        let follower = clusters.clone();
        tokio::spawn(async move {
            while let Some(Ok(change)) = subscription.next().await {
                if let Some(id) = cluster_of_record(&change.key) {
                    let mut tree = follower.tree.write();
                    if change.deleted {
                        tree.remove(id);
                    } else {
                        tree.insert(id, place_of_record(&change.value));
                    }
                }
            }
        });
        Ok(clusters)
    }

    /// Whether the logical cluster with id `id` exists.
    pub fn exists(&self, id: &str) -> bool {
        self.tree.read().by_id.contains_key(id)
    }

    /// The id of the logical cluster `reference` names: an id, or a workspace path from `root`.
    pub fn resolve(&self, reference: &str) -> Option<String> {
        let tree = self.tree.read();
        if tree.by_id.contains_key(reference) {
            return Some(reference.to_owned());
        }
        if !tenancy::is_path(reference) {
            return None;
        }
        let mut segments = reference.split(':');
        let mut id: &str = segments.next()?;
        for name in segments {
            id = tree.child(id, name)?;
        }
        tree.by_id.contains_key(id).then(|| id.to_owned())
    }

    /// The workspace path of the cluster `id` (`root:acme`); the id itself for clusters outside
    /// the workspace tree.
    pub fn path_of(&self, id: &str) -> Option<String> {
        let tree = self.tree.read();
        let mut names = Vec::new();
        let mut current = id;
        // Bounded by the tree's size, so a corrupt record cannot loop forever.
        for _ in 0..=tree.by_id.len() {
            match &tree.by_id.get(current)?.parent {
                Some((parent, name)) => {
                    names.push(name.to_string());
                    current = parent;
                }
                None => {
                    names.push(current.to_owned());
                    names.reverse();
                    return Some(names.join(":"));
                }
            }
        }
        None
    }

    /// The parent's id and this cluster's workspace name, for clusters made by a Workspace.
    pub fn parent_of(&self, id: &str) -> Option<(String, String)> {
        let tree = self.tree.read();
        let (parent, name) = tree.by_id.get(id)?.parent.as_ref()?;
        Some((parent.to_string(), name.to_string()))
    }

    /// The ids of the workspaces directly below `id`.
    pub fn children(&self, id: &str) -> Vec<String> {
        self.tree
            .read()
            .children_of(id)
            .iter()
            .map(|id| id.to_string())
            .collect()
    }

    /// Every logical cluster id.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .tree
            .read()
            .by_id
            .keys()
            .map(|id| id.to_string())
            .collect();
        names.sort();
        names
    }

    /// How many logical clusters exist.
    pub fn len(&self) -> usize {
        self.tree.read().by_id.len()
    }

    /// Whether no logical cluster exists (never true once loaded: root exists).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Creates logical cluster `id` outside the workspace tree, with its default namespaces.
    /// Idempotent. `root` is made this way; tests make stand-alone clusters with it.
    pub async fn create(&self, id: &str) -> Result<(), ApiError> {
        self.initialize(id, None, None).await
    }

    /// Makes logical cluster `id` the workspace `name` below `parent`: its record, default
    /// namespaces and, when there is an owner, the `workspace-admin` ClusterRoleBinding of
    /// `cluster-admin` to them. Idempotent: what exists is kept, what is missing is created.
    pub async fn initialize(
        &self,
        id: &str,
        place: Option<(&str, &str)>,
        owner: Option<&Owner>,
    ) -> Result<(), ApiError> {
        if id.is_empty() || id.contains('/') || id == "*" {
            return Err(ApiError::BadRequest(format!(
                "invalid logical cluster name {id:?}"
            )));
        }
        let mut spec = Map::new();
        if let Some((parent, name)) = place {
            spec.insert("parent".into(), Value::String(parent.to_owned()));
            spec.insert("name".into(), Value::String(name.to_owned()));
        }
        let record = json!({"apiVersion": "core.nave.dev/v1alpha1", "kind": "LogicalCluster",
            "metadata": {"name": "cluster", "uid": uuid::Uuid::new_v4().to_string(), "creationTimestamp": meta::now()},
            "spec": spec});
        let record = record.as_object().cloned().unwrap_or_default();
        // The record first: from then on the cluster is reachable (its Workspace still says
        // Initializing) and a deletion finds it.
        match self
            .objects
            .store()
            .create(&record_key(id), codec::encode(&record))
            .await
        {
            Ok(_) | Err(StorageError::AlreadyExists { .. }) => {}
            Err(error) => return Err(error.into()),
        }
        self.tree.write().insert(
            id,
            Place {
                parent: place.map(|(parent, name)| (Arc::from(parent), Arc::from(name))),
            },
        );
        let namespaces = DEFAULT_NAMESPACES.iter().map(|namespace| async move {
            let object = new_namespace(namespace);
            let reference = ObjectRef {
                def: &self.namespaces,
                cluster: id,
                namespace: None,
                name: namespace,
            };
            match self.objects.create(reference, &object).await {
                Ok(_) | Err(ApiError::AlreadyExists(_)) => Ok(()),
                Err(error) => Err(error),
            }
        });
        let admin = async {
            let Some(owner) = owner else {
                return Ok(());
            };
            let binding = admin_binding(owner);
            let reference = ObjectRef {
                def: &self.bindings,
                cluster: id,
                namespace: None,
                name: tenancy::ADMIN_BINDING,
            };
            match self.objects.create(reference, &binding).await {
                Ok(_) | Err(ApiError::AlreadyExists(_)) => Ok(()),
                Err(error) => Err(error),
            }
        };
        let (namespaces, admin) = tokio::join!(try_join_all(namespaces), admin);
        namespaces?;
        admin
    }

    /// Deletes the logical clusters `order` (a subtree, parents before children): each one's
    /// record first, so nothing new reaches them, then every key of each, the last first, so an
    /// interrupted deletion still finds the remaining clusters through the Workspace objects in
    /// their parents. Safe to repeat: what is gone stays gone.
    pub async fn delete_clusters(&self, order: &[String]) -> Result<(), ApiError> {
        let store = self.objects.store();
        for cluster in order {
            match store.delete(&record_key(cluster), None).await {
                Ok(_) | Err(StorageError::NotFound { .. }) => {}
                Err(error) => return Err(error.into()),
            }
            self.tree.write().remove(cluster);
        }
        for cluster in order.iter().rev() {
            self.delete_contents(cluster).await?;
        }
        Ok(())
    }

    /// Deletes every key of logical cluster `id`: objects of custom resources first (their
    /// definitions name where they live), then every built-in resource.
    async fn delete_contents(&self, id: &str) -> Result<(), ApiError> {
        let store = self.objects.store();
        let mut prefixes: Vec<String> = Vec::new();
        let crds = self
            .catalog
            .builtin()
            .lookup("apiextensions.k8s.io", "v1", "customresourcedefinitions")
            .cloned()
            .ok_or_else(|| ApiError::Internal("no customresourcedefinitions resource".into()))?;
        let listed = store
            .list(ListRequest::prefix(&keys::collection_prefix(
                &crds, id, None,
            )))
            .await?;
        for kv in &listed.kvs {
            let Ok(crd) = codec::decode(&kv.value, kv.mod_revision) else {
                continue;
            };
            let spec = crd.get("spec");
            let group = spec
                .and_then(|spec| spec.get("group"))
                .and_then(Value::as_str);
            let plural = spec
                .and_then(|spec| spec.pointer("/names/plural"))
                .and_then(Value::as_str);
            if let (Some(group), Some(plural)) = (group, plural) {
                prefixes.push(format!("{}{group}/{plural}/{id}/", keys::ROOT));
            }
        }
        for def in self.catalog.storage_locations(id) {
            prefixes.push(keys::collection_prefix(&def, id, None));
        }
        prefixes.sort();
        prefixes.dedup();
        for prefix in prefixes {
            loop {
                let page = store.list(ListRequest::prefix(&prefix).limit(500)).await?;
                if page.kvs.is_empty() {
                    break;
                }
                let deletes = page.kvs.iter().map(|kv| async move {
                    match store.delete(&kv.key, None).await {
                        Ok(_) | Err(StorageError::NotFound { .. }) => Ok(()),
                        Err(error) => Err(ApiError::from(error)),
                    }
                });
                try_join_all(deletes).await?;
                if !page.more {
                    break;
                }
            }
        }
        self.catalog.set_custom(id, Vec::new());
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

/// The `workspace-admin` ClusterRoleBinding of `cluster-admin` to a workspace's owner.
fn admin_binding(owner: &Owner) -> Map<String, Value> {
    let object = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {
            "name": tenancy::ADMIN_BINDING,
            "uid": uuid::Uuid::new_v4().to_string(),
            "creationTimestamp": meta::now(),
        },
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": owner.username}],
    });
    object.as_object().cloned().unwrap_or_default()
}

fn record_key(cluster: &str) -> String {
    format!("{RECORDS}{cluster}/cluster")
}

fn cluster_of_record(key: &str) -> Option<&str> {
    key.strip_prefix(RECORDS)?.strip_suffix("/cluster")
}

fn place_of_record(value: &[u8]) -> Place {
    let record = codec::decode(value, 0).unwrap_or_default();
    let field = |name: &str| {
        record
            .get("spec")
            .and_then(|spec| spec.get(name))
            .and_then(Value::as_str)
            .map(Arc::<str>::from)
    };
    Place {
        parent: field("parent").zip(field("name")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_maps_names_to_ids_and_back() {
        let mut tree = Tree::default();
        tree.insert("root", Place::default());
        let place = |parent: &str, name: &str| Place {
            parent: Some((Arc::from(parent), Arc::from(name))),
        };
        tree.insert("a1", place("root", "a"));
        tree.insert("b1", place("a1", "b"));
        tree.insert("c1", place("root", "c"));
        assert_eq!(tree.child("root", "a").map(|id| &**id), Some("a1"));
        assert_eq!(tree.child("a1", "b").map(|id| &**id), Some("b1"));
        let children: Vec<String> = tree
            .children_of("root")
            .iter()
            .map(|id| id.to_string())
            .collect();
        assert_eq!(children, ["a1", "c1"]);
        // A recreated `a` (new id) is not unmapped by the old one's removal.
        tree.insert("a2", place("root", "a"));
        tree.remove("a1");
        assert_eq!(tree.child("root", "a").map(|id| &**id), Some("a2"));
        tree.remove("a2");
        assert!(tree.children_of("root").iter().all(|id| &**id != "a2"));
    }
}
