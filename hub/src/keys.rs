//! Storage keys of objects: `/registry/<group>/<resource>/<cluster>/[<namespace>/]<name>`.
//!
//! The resource comes before the logical cluster, so one resource across every cluster is one
//! prefix scan (wildcard list and watch), and one resource in one cluster is one too.

use hub_api::registry::ResourceDef;

/// The prefix of every object key.
pub const ROOT: &str = "/registry/";

/// Where objects of `def` live in every cluster: `/registry/<group>/<resource>/`.
pub fn resource_prefix(def: &ResourceDef) -> String {
    format!("{ROOT}{}/{}/", def.storage_group, def.storage_resource)
}

/// Objects of `def` in `cluster` (and `namespace`, when given and the resource is namespaced).
/// The wildcard cluster (`*`) names every cluster's objects of `def`.
pub fn collection_prefix(def: &ResourceDef, cluster: &str, namespace: Option<&str>) -> String {
    if cluster == crate::path::WILDCARD {
        return resource_prefix(def);
    }
    match namespace {
        Some(namespace) if def.namespaced => {
            format!("{}{cluster}/{namespace}/", resource_prefix(def))
        }
        _ => format!("{}{cluster}/", resource_prefix(def)),
    }
}

/// The key of one object.
pub fn object_key(def: &ResourceDef, cluster: &str, namespace: Option<&str>, name: &str) -> String {
    format!("{}{name}", collection_prefix(def, cluster, namespace))
}

/// The parts of an object key after the resource prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyParts<'a> {
    /// The logical cluster.
    pub cluster: &'a str,
    /// The namespace, for namespaced resources.
    pub namespace: Option<&'a str>,
    /// The object's name.
    pub name: &'a str,
}

/// Splits `key` of a resource with `namespaced` scope, after `prefix` (its resource prefix).
pub fn split_key<'a>(key: &'a str, prefix: &str, namespaced: bool) -> Option<KeyParts<'a>> {
    let rest = key.strip_prefix(prefix)?;
    let mut parts = rest.splitn(3, '/');
    let cluster = parts.next()?;
    if namespaced {
        let namespace = parts.next()?;
        let name = parts.next()?;
        Some(KeyParts {
            cluster,
            namespace: Some(namespace),
            name,
        })
    } else {
        let name = parts.next()?;
        if parts.next().is_some() {
            return None;
        }
        Some(KeyParts {
            cluster,
            namespace: None,
            name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hub_api::registry::Registry;

    #[test]
    fn keys_put_the_resource_before_the_cluster() {
        let registry = Registry::builtin();
        let cm = registry.lookup("", "v1", "configmaps").unwrap();
        let key = object_key(cm, "root", Some("default"), "a");
        assert_eq!(key, "/registry/core/configmaps/root/default/a");
        let parts = split_key(&key, &resource_prefix(cm), true).unwrap();
        assert_eq!(
            parts,
            KeyParts {
                cluster: "root",
                namespace: Some("default"),
                name: "a"
            }
        );
        let ns = registry.lookup("", "v1", "namespaces").unwrap();
        assert_eq!(
            object_key(ns, "root:acme", None, "x"),
            "/registry/core/namespaces/root:acme/x"
        );
        let deploy = registry.lookup("apps", "v1", "deployments").unwrap();
        assert_eq!(
            collection_prefix(deploy, "c1", None),
            "/registry/apps/deployments/c1/"
        );
    }
}
