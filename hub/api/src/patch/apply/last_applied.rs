//! Client-side apply's `kubectl.kubernetes.io/last-applied-configuration` annotation, which
//! kube uses to let `kubectl`'s first server-side apply take over the fields client-side apply
//! managed, and keeps in step afterwards.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::LAST_APPLIED_ANNOTATION;
use super::fieldpath::FieldSet;
use super::managed::Identity;
use super::typed;
use crate::typeinfo::TypeRef;

/// The conflicts not in `allowed`.
pub(super) fn without(
    conflicts: &BTreeMap<Identity, FieldSet>,
    allowed: &FieldSet,
) -> BTreeMap<Identity, FieldSet> {
    conflicts
        .iter()
        .map(|(identity, set)| (identity.clone(), set.difference(allowed)))
        .filter(|(_, set)| !set.is_empty())
        .collect()
}

/// The fields of `live`'s last-applied configuration that still have its values.
pub(super) fn allowed_from_last_applied(
    live: Option<&Value>,
    live_value: &Value,
    root: TypeRef<'_>,
) -> Option<FieldSet> {
    let annotation = last_applied(live?)?;
    let last: Value = serde_json::from_str(annotation).ok()?;
    let set = typed::field_set(&last, root, false).ok()?;
    let comparison = typed::compare(&last, live_value, root);
    Some(set.difference(&comparison.modified))
}

/// The object's last-applied annotation, if any.
pub(super) fn last_applied(object: &Value) -> Option<&str> {
    object
        .get("metadata")?
        .get("annotations")?
        .get(LAST_APPLIED_ANNOTATION)?
        .as_str()
}

/// The applied configuration as kubectl's annotation holds it: without the annotation.
pub(super) fn build_last_applied(applied: &Value) -> String {
    let mut config = applied.clone();
    if let Some(annotations) = config
        .get_mut("metadata")
        .and_then(|metadata| metadata.get_mut("annotations"))
        .and_then(Value::as_object_mut)
    {
        annotations.remove(LAST_APPLIED_ANNOTATION);
    }
    config.to_string()
}

/// Sets the annotation `key` of an object.
pub(super) fn set_annotation(object: &mut Value, key: &str, value: String) {
    let Some(object) = object.as_object_mut() else {
        return;
    };
    let metadata = object
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(metadata) = metadata.as_object_mut() else {
        return;
    };
    let annotations = metadata
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(annotations) = annotations.as_object_mut() {
        annotations.insert(key.to_owned(), Value::String(value));
    }
}
