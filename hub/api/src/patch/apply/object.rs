//! Reading and writing `metadata.managedFields` on objects.

use serde_json::{Map, Value};

use super::managed::{self, Managed};

/// The object's `metadata.managedFields`, if any.
pub(super) fn managed_fields(object: &Value) -> Option<&Value> {
    object.get("metadata")?.get("managedFields")
}

/// A copy of the object without `metadata.managedFields`.
pub(super) fn without_managed_fields(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
    }
    object
}

/// Writes `managed` into `object`'s metadata (removing the field when empty).
pub(super) fn encode(object: &mut Value, managed: &Managed) {
    let entries = managed::encode(managed);
    let Some(object) = object.as_object_mut() else {
        return;
    };
    if entries.is_empty() {
        if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.remove("managedFields");
        }
        return;
    }
    let metadata = object
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(metadata) = metadata.as_object_mut() {
        metadata.insert("managedFields".into(), Value::Array(entries));
    }
}

/// kube's `IgnoreManagedFieldsTimestampsTransformer`: a write that changes nothing but
/// managedFields timestamps keeps the old timestamps.
pub(super) fn keep_timestamps_if_unchanged(old: Option<&Value>, mut new: Value) -> Value {
    let Some(old) = old else {
        return new;
    };
    let strip_times = |object: &Value| -> Option<Value> {
        let mut entries = managed_fields(object)
            .cloned()
            .unwrap_or(Value::Array(Vec::new()));
        for entry in entries.as_array_mut()? {
            entry.as_object_mut()?.remove("time");
        }
        Some(entries)
    };
    if strip_times(old) != strip_times(&new)
        || without_managed_fields(old) != without_managed_fields(&new)
    {
        return new;
    }
    if let (Some(old_fields), Some(metadata)) = (
        managed_fields(old).cloned(),
        new.get_mut("metadata").and_then(Value::as_object_mut),
    ) {
        metadata.insert("managedFields".into(), old_fields);
    }
    new
}
