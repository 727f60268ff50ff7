//! Pruning of unknown fields (`schema/pruning`) and defaulting (`schema/defaulting`), as
//! kube-apiserver applies them to custom resources.

use serde_json::{Map, Value};

use super::meta::is_object_meta_field;
use super::{Additional, Node};

const META_FIELDS: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// Prunes a whole object (the root is an embedded resource) and returns the pruned paths,
/// sorted.
pub(super) fn prune(root: &Node, object: &mut Value) -> Vec<String> {
    let mut pruned = Vec::new();
    prune_value_at(Some(root), object, true, "", &mut pruned);
    pruned.sort();
    pruned
}

/// Prunes a value that is not a resource root (a schema's `default`).
pub(super) fn prune_value(node: &Node, value: &mut Value) {
    let mut pruned = Vec::new();
    prune_value_at(Some(node), value, false, "", &mut pruned);
}

fn key_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// The schema values of a map's keys follow when they are not properties: the
/// additionalProperties schema (`Some(None)` for `additionalProperties: true|false`, which
/// prunes everything below).
fn additional(node: &Node) -> Option<Option<&Node>> {
    match &node.additional {
        None => None,
        Some(Additional::Allows(_)) => Some(None),
        Some(Additional::Schema(schema)) => Some(Some(schema)),
    }
}

fn prune_value_at(
    node: Option<&Node>,
    value: &mut Value,
    resource_root: bool,
    path: &str,
    pruned: &mut Vec<String>,
) {
    if let Some(node) = node
        && node.preserve_unknown
    {
        skip_prune(node, value, resource_root, path, pruned);
        return;
    }
    match value {
        Value::Object(map) => {
            let Some(node) = node else {
                for (key, _) in std::mem::take(map) {
                    pruned.push(key_path(path, &key));
                }
                return;
            };
            let embedded = node.embedded || resource_root;
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                if embedded && META_FIELDS.contains(&key.as_str()) {
                    if key == "metadata" {
                        prune_object_meta(map, &key_path(path, "metadata"), pruned);
                    }
                    continue;
                }
                let child_path = key_path(path, &key);
                if let Some(property) = node.properties.as_ref().and_then(|p| p.get(&key)) {
                    if let Some(child) = map.get_mut(&key) {
                        prune_value_at(Some(property), child, false, &child_path, pruned);
                    }
                } else if let Some(schema) = additional(node) {
                    if let Some(child) = map.get_mut(&key) {
                        prune_value_at(schema, child, false, &child_path, pruned);
                    }
                } else {
                    map.remove(&key);
                    pruned.push(child_path);
                }
            }
        }
        Value::Array(items) => {
            let item_node = node.and_then(|n| n.items.as_deref());
            for (i, item) in items.iter_mut().enumerate() {
                prune_value_at(item_node, item, false, &format!("{path}[{i}]"), pruned);
            }
        }
        _ => {}
    }
}

/// Below `x-kubernetes-preserve-unknown-fields`: known fields are still pruned inside.
fn skip_prune(
    node: &Node,
    value: &mut Value,
    resource_root: bool,
    path: &str,
    pruned: &mut Vec<String>,
) {
    match value {
        Value::Object(map) => {
            let embedded = node.embedded || resource_root;
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                if embedded && META_FIELDS.contains(&key.as_str()) {
                    if key == "metadata" {
                        prune_object_meta(map, &key_path(path, "metadata"), pruned);
                    }
                    continue;
                }
                let child_path = key_path(path, &key);
                let Some(child) = map.get_mut(&key) else {
                    continue;
                };
                if let Some(property) = node.properties.as_ref().and_then(|p| p.get(&key)) {
                    prune_value_at(Some(property), child, false, &child_path, pruned);
                } else if let Some(schema) = additional(node) {
                    prune_value_at(schema, child, false, &child_path, pruned);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_node) = node.items.as_deref() {
                for (i, item) in items.iter_mut().enumerate() {
                    skip_prune(item_node, item, false, &format!("{path}[{i}]"), pruned);
                }
            }
        }
        _ => {}
    }
}

/// Drops the fields of an object's `metadata` that ObjectMeta does not have (kube round-trips
/// metadata through ObjectMeta).
fn prune_object_meta(object: &mut Map<String, Value>, path: &str, pruned: &mut Vec<String>) {
    let Some(Value::Object(meta)) = object.get_mut("metadata") else {
        return;
    };
    let unknown: Vec<String> = meta
        .keys()
        .filter(|key| !is_object_meta_field(key))
        .cloned()
        .collect();
    for key in unknown {
        meta.remove(&key);
        pruned.push(key_path(path, &key));
    }
}

/// `PruneNonNullableNullsWithoutDefaults` then `Default`.
pub(super) fn default(root: &Node, object: &mut Value) {
    prune_nulls(Some(root), object);
    apply_defaults(root, object);
}

fn drops_null(value: &Value, node: Option<&Node>) -> bool {
    value.is_null() && node.is_some_and(|n| !n.nullable && n.default.is_none())
}

fn prune_nulls(node: Option<&Node>, value: &mut Value) {
    match value {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let child_node = node.and_then(|n| n.field(&key));
                if map.get(&key).is_some_and(|v| drops_null(v, child_node)) {
                    map.remove(&key);
                } else if let Some(child) = map.get_mut(&key) {
                    prune_nulls(child_node, child);
                }
            }
        }
        Value::Array(items) => {
            let item_node = node.and_then(|n| n.items.as_deref());
            for item in items {
                prune_nulls(item_node, item);
            }
        }
        _ => {}
    }
}

fn non_nullable_null(value: &Value, node: &Node) -> bool {
    value.is_null() && !node.nullable
}

fn apply_defaults(node: &Node, value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, property) in node.properties.iter().flatten() {
                let Some(default) = &property.default else {
                    continue;
                };
                if map.get(key).is_none_or(|v| non_nullable_null(v, property)) {
                    map.insert(key.clone(), default.clone());
                }
            }
            for (key, child) in map.iter_mut() {
                if let Some(property) = node.properties.as_ref().and_then(|p| p.get(key)) {
                    apply_defaults(property, child);
                } else if let Some(additional) = node.additional_schema() {
                    if non_nullable_null(child, additional) {
                        *child = additional.default.clone().unwrap_or(Value::Null);
                    }
                    apply_defaults(additional, child);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_node) = node.items.as_deref() {
                for item in items {
                    if non_nullable_null(item, item_node) {
                        *item = item_node.default.clone().unwrap_or(Value::Null);
                    }
                    apply_defaults(item_node, item);
                }
            }
        }
        _ => {}
    }
}
