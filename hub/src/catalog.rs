//! The catalog: every resource served in each logical cluster. Built-in resources come from one
//! shared [`Registry`]; a cluster's custom resources (from its CustomResourceDefinitions) are
//! kept per cluster, only for clusters that have any, and looked up after the built-ins.

use std::collections::HashMap;
use std::sync::Arc;

use hub_api::registry::{GroupDef, Registry, ResourceDef};
use parking_lot::RwLock;
use serde_json::Value;

/// A custom resource served in one logical cluster: its registry entry and the CRD version it
/// comes from.
#[derive(Debug)]
pub struct CustomResource {
    /// The registry entry.
    pub def: Arc<ResourceDef>,
    /// The CRD object (as stored).
    pub crd: Arc<Value>,
    /// The served version of the CRD this entry is for.
    pub version: String,
    /// The compiled schema of that version (`None` if it has none).
    pub schema: Option<Arc<hub_api::crd::Structural>>,
}

/// The custom resources of one logical cluster.
#[derive(Debug, Default)]
struct ClusterCustom {
    registry: Registry,
    resources: HashMap<(String, String, String), Arc<CustomResource>>,
    /// OpenAPI documents of its custom group versions, built on first request.
    openapi: std::sync::OnceLock<Vec<(String, Arc<hub_api::openapi::Document>)>>,
}

/// Every served resource, by logical cluster. Cheap to share.
#[derive(Debug)]
pub struct Catalog {
    builtin: Arc<Registry>,
    custom: RwLock<HashMap<String, Arc<ClusterCustom>>>,
}

impl Catalog {
    /// A catalog of the built-in resources only.
    pub fn new(builtin: Arc<Registry>) -> Self {
        Catalog {
            builtin,
            custom: RwLock::new(HashMap::new()),
        }
    }

    /// The built-in resources, shared by every cluster.
    pub fn builtin(&self) -> &Arc<Registry> {
        &self.builtin
    }

    fn cluster(&self, cluster: &str) -> Option<Arc<ClusterCustom>> {
        self.custom.read().get(cluster).cloned()
    }

    /// The resource at `group`/`version`/`resource` in `cluster`.
    pub fn lookup(
        &self,
        cluster: &str,
        group: &str,
        version: &str,
        resource: &str,
    ) -> Option<Arc<ResourceDef>> {
        if let Some(def) = self.builtin.lookup(group, version, resource) {
            return Some(Arc::clone(def));
        }
        self.cluster(cluster)?
            .registry
            .lookup(group, version, resource)
            .cloned()
    }

    /// The custom resource at `group`/`version`/`resource` in `cluster`, if it is one.
    pub fn custom(
        &self,
        cluster: &str,
        group: &str,
        version: &str,
        resource: &str,
    ) -> Option<Arc<CustomResource>> {
        self.cluster(cluster)?
            .resources
            .get(&(group.to_owned(), version.to_owned(), resource.to_owned()))
            .cloned()
    }

    /// The resource serving `kind` in `group` in `cluster`.
    pub fn by_kind(&self, cluster: &str, group: &str, kind: &str) -> Option<Arc<ResourceDef>> {
        if let Some(def) = self.builtin.by_kind(group, kind) {
            return Some(Arc::clone(def));
        }
        self.cluster(cluster)?
            .registry
            .by_kind(group, kind)
            .cloned()
    }

    /// The resource stored under `/registry/<storage_group>/<storage_resource>/` in `cluster`.
    pub fn by_storage(
        &self,
        cluster: &str,
        storage_group: &str,
        storage_resource: &str,
    ) -> Option<Arc<ResourceDef>> {
        let matches = |def: &&Arc<ResourceDef>| {
            def.storage_group == storage_group && def.storage_resource == storage_resource
        };
        if let Some(def) = self.builtin.resources().iter().find(matches) {
            return Some(Arc::clone(def));
        }
        self.cluster(cluster)?
            .registry
            .resources()
            .iter()
            .find(matches)
            .cloned()
    }

    /// Every resource served in `cluster`: built-ins, then custom resources.
    pub fn resources(&self, cluster: &str) -> Vec<Arc<ResourceDef>> {
        let mut all: Vec<Arc<ResourceDef>> = self.builtin.resources().to_vec();
        if let Some(custom) = self.cluster(cluster) {
            all.extend(custom.registry.resources().iter().cloned());
        }
        all
    }

    /// One resource per storage location in `cluster` (versions share storage).
    pub fn storage_locations(&self, cluster: &str) -> Vec<Arc<ResourceDef>> {
        let mut seen = std::collections::HashSet::new();
        self.resources(cluster)
            .into_iter()
            .filter(|def| seen.insert((def.storage_group.clone(), def.storage_resource.clone())))
            .collect()
    }

    /// Storage locations of custom resources in every cluster (for controllers' scans).
    pub fn custom_storage_locations(&self) -> Vec<(String, Arc<ResourceDef>)> {
        let custom = self.custom.read();
        let mut out = Vec::new();
        for (cluster, resources) in custom.iter() {
            let mut seen = std::collections::HashSet::new();
            for def in resources.registry.resources() {
                if seen.insert((def.storage_group.clone(), def.storage_resource.clone())) {
                    out.push((cluster.clone(), Arc::clone(def)));
                }
            }
        }
        out
    }

    /// The API groups served in `cluster`, built-ins first.
    pub fn groups(&self, cluster: &str) -> Vec<GroupDef> {
        let mut groups = self.builtin.groups().to_vec();
        if let Some(custom) = self.cluster(cluster) {
            for group in custom.registry.groups() {
                match groups
                    .iter_mut()
                    .find(|existing| existing.name == group.name)
                {
                    Some(existing) => {
                        for version in &group.versions {
                            if !existing.versions.contains(version) {
                                existing.versions.push(version.clone());
                            }
                        }
                    }
                    None => groups.push(group.clone()),
                }
            }
        }
        groups
    }

    /// The resources of one group version in `cluster`.
    pub fn group_version(
        &self,
        cluster: &str,
        group: &str,
        version: &str,
    ) -> Vec<Arc<ResourceDef>> {
        self.resources(cluster)
            .into_iter()
            .filter(|def| def.group == group && def.version == version)
            .collect()
    }

    /// Replaces the custom resources of `cluster`. Versions of a group are listed in the order
    /// given: the first is the group's preferred version.
    pub fn set_custom(&self, cluster: &str, resources: Vec<CustomResource>) {
        let mut custom = ClusterCustom::default();
        let defs: Vec<ResourceDef> = resources
            .iter()
            .map(|resource| (*resource.def).clone())
            .collect();
        custom.registry = Registry::from_defs(defs);
        for resource in resources {
            let key = (
                resource.def.group.clone(),
                resource.def.version.clone(),
                resource.def.resource.clone(),
            );
            custom.resources.insert(key, Arc::new(resource));
        }
        let mut all = self.custom.write();
        if custom.resources.is_empty() {
            all.remove(cluster);
        } else {
            all.insert(cluster.to_owned(), Arc::new(custom));
        }
    }

    /// The OpenAPI documents of `cluster`'s custom group versions: `(path, document)`, where
    /// path is `apis/<group>/<version>`.
    pub fn custom_openapi(&self, cluster: &str) -> Vec<(String, Arc<hub_api::openapi::Document>)> {
        let Some(custom) = self.cluster(cluster) else {
            return Vec::new();
        };
        custom
            .openapi
            .get_or_init(|| {
                let mut by_group_version: std::collections::BTreeMap<(String, String), Vec<&CustomResource>> =
                    std::collections::BTreeMap::new();
                for resource in custom.resources.values() {
                    by_group_version
                        .entry((resource.def.group.clone(), resource.def.version.clone()))
                        .or_default()
                        .push(resource);
                }
                let null = Value::Null;
                let mut documents = Vec::new();
                for ((group, version), resources) in by_group_version {
                    let inputs: Vec<hub_api::openapi::CustomResource<'_>> = resources
                        .iter()
                        .map(|resource| hub_api::openapi::CustomResource {
                            def: &resource.def,
                            schema: version_schema(&resource.crd, &resource.version).unwrap_or(&null),
                        })
                        .collect();
                    match hub_api::openapi::custom_resource_document(&inputs) {
                        Ok(document) => documents
                            .push((hub_api::openapi::group_version_path(&group, &version), Arc::new(document))),
                        Err(error) => tracing::warn!(%cluster, %error, "no OpenAPI document for a custom group version"),
                    }
                }
                documents
            })
            .clone()
    }

    /// The clusters that have custom resources.
    pub fn clusters_with_custom_resources(&self) -> usize {
        self.custom.read().len()
    }
}

/// `spec.versions[name].schema.openAPIV3Schema` of a CRD.
fn version_schema<'a>(crd: &'a Value, version: &str) -> Option<&'a Value> {
    crd.pointer("/spec/versions")?
        .as_array()?
        .iter()
        .find(|entry| entry.get("name").and_then(Value::as_str) == Some(version))?
        .pointer("/schema/openAPIV3Schema")
}
