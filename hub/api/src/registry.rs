//! The resource registry: every resource the hub serves, with what discovery, routing, storage
//! and the handlers need to know about it.
//!
//! Built-in resources are defined once ([`builtin`]) and shared by every logical cluster.
//! Custom resources will be added per logical cluster on top, without copying the built-ins.

pub mod builtin;

use std::collections::HashMap;
use std::sync::Arc;

/// Verbs of a collection resource, as discovery lists them.
pub const ALL_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
/// Verbs of `status` and `scale` subresources.
pub const SUBRESOURCE_VERBS: &[&str] = &["get", "patch", "update"];

/// One served resource (a group, version and plural name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceDef {
    /// API group; empty for the core group.
    pub group: String,
    /// API version, e.g. `v1`.
    pub version: String,
    /// Plural, lower-case name used in URLs, e.g. `deployments`.
    pub resource: String,
    /// Singular name, e.g. `deployment`.
    pub singular: String,
    /// Kind, e.g. `Deployment`.
    pub kind: String,
    /// Kind of lists, e.g. `DeploymentList`.
    pub list_kind: String,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
    /// Short names, e.g. `deploy`.
    pub short_names: Vec<String>,
    /// Categories, e.g. `all`.
    pub categories: Vec<String>,
    /// Verbs the collection supports.
    pub verbs: Vec<String>,
    /// Subresources (`status`, `scale`, ...).
    pub subresources: Vec<SubresourceDef>,
    /// Where objects are stored: `/registry/<storage_group>/<storage_resource>/...`.
    pub storage_group: String,
    /// See `storage_group`.
    pub storage_resource: String,
    /// Whether `metadata.generation` is set and bumped on changes outside metadata and status.
    pub generation: bool,
    /// Where the scale subresource finds its numbers, when there is one.
    pub scale: Option<ScaleDef>,
}

/// A subresource of a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubresourceDef {
    /// `status`, `scale`, ...
    pub name: String,
    /// Group of the kind it returns.
    pub group: String,
    /// Version of the kind it returns.
    pub version: String,
    /// Kind it returns.
    pub kind: String,
    /// Verbs it supports.
    pub verbs: Vec<String>,
}

/// JSON paths (dotted, from the object root) that back a `scale` subresource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScaleDef {
    /// e.g. `.spec.replicas`.
    pub spec_replicas: String,
    /// e.g. `.status.replicas`.
    pub status_replicas: String,
    /// e.g. `.spec.selector` (a LabelSelector) or a path to a selector string.
    pub label_selector: Option<String>,
}

impl ResourceDef {
    /// `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `resource` or `resource.group`: how Kubernetes names the resource in messages.
    pub fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }

    /// Whether the resource has the named subresource.
    pub fn subresource(&self, name: &str) -> Option<&SubresourceDef> {
        self.subresources.iter().find(|sub| sub.name == name)
    }

    /// Whether `.status` is written only through the `status` subresource.
    pub fn has_status(&self) -> bool {
        self.subresource("status").is_some()
    }
}

/// A group and its versions, preferred first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupDef {
    /// Group name; empty for core.
    pub name: String,
    /// Versions, preferred first.
    pub versions: Vec<String>,
}

/// Every resource served in a logical cluster, indexed for routing and discovery.
#[derive(Debug, Default)]
pub struct Registry {
    resources: Vec<Arc<ResourceDef>>,
    by_path: HashMap<(String, String, String), Arc<ResourceDef>>,
    groups: Vec<GroupDef>,
}

impl Registry {
    /// The registry of built-in resources.
    pub fn builtin() -> Self {
        Self::from_defs(builtin::resources())
    }

    /// A registry of `defs`, in order (the first version of a group is its preferred one).
    pub fn from_defs(defs: Vec<ResourceDef>) -> Self {
        let mut registry = Registry::default();
        for def in defs {
            let def = Arc::new(def);
            match registry
                .groups
                .iter_mut()
                .find(|group| group.name == def.group)
            {
                Some(group) if !group.versions.contains(&def.version) => {
                    group.versions.push(def.version.clone())
                }
                Some(_) => {}
                None => registry.groups.push(GroupDef {
                    name: def.group.clone(),
                    versions: vec![def.version.clone()],
                }),
            }
            registry.by_path.insert(
                (def.group.clone(), def.version.clone(), def.resource.clone()),
                Arc::clone(&def),
            );
            registry.resources.push(def);
        }
        registry
    }

    /// The resource at `/apis/<group>/<version>/<resource>` (or `/api/v1/<resource>`).
    pub fn lookup(&self, group: &str, version: &str, resource: &str) -> Option<&Arc<ResourceDef>> {
        self.by_path
            .get(&(group.to_owned(), version.to_owned(), resource.to_owned()))
    }

    /// The resource serving `kind` in `group` (its preferred version first).
    pub fn by_kind(&self, group: &str, kind: &str) -> Option<&Arc<ResourceDef>> {
        self.resources
            .iter()
            .find(|def| def.group == group && def.kind == kind)
    }

    /// Every resource, in definition order.
    pub fn resources(&self) -> &[Arc<ResourceDef>] {
        &self.resources
    }

    /// Resources of one group version.
    pub fn group_version(
        &self,
        group: &str,
        version: &str,
    ) -> impl Iterator<Item = &Arc<ResourceDef>> {
        self.resources
            .iter()
            .filter(move |def| def.group == group && def.version == version)
    }

    /// Groups and their versions, core first, in definition order.
    pub fn groups(&self) -> &[GroupDef] {
        &self.groups
    }

    /// The group named `name`.
    pub fn group(&self, name: &str) -> Option<&GroupDef> {
        self.groups.iter().find(|group| group.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_indexed_and_consistent() {
        let registry = Registry::builtin();
        let deployments = registry.lookup("apps", "v1", "deployments").unwrap();
        assert_eq!(deployments.kind, "Deployment");
        assert!(deployments.namespaced && deployments.scale.is_some() && deployments.has_status());
        assert_eq!(registry.groups()[0].name, "");
        assert!(
            registry
                .lookup("", "v1", "nodes")
                .is_some_and(|nodes| !nodes.namespaced)
        );
        let mut seen = std::collections::HashSet::new();
        for def in registry.resources() {
            assert!(
                seen.insert((def.group.clone(), def.version.clone(), def.resource.clone())),
                "duplicate {def:?}"
            );
            assert_eq!(def.list_kind, format!("{}List", def.kind));
            assert_eq!(def.singular, def.kind.to_lowercase(), "{}", def.resource);
        }
    }
}
