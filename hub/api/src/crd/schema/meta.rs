//! The structural checks kube-apiserver runs on custom resources besides the OpenAPI value
//! validation: embedded resources (`x-kubernetes-embedded-resource`: `apiVersion`, `kind` and
//! `metadata` as ObjectMeta, `schema/objectmeta`) and the uniqueness of
//! `x-kubernetes-list-type: set` and `map` lists (`schema/listtype`).

use serde_json::{Map, Value};

use super::Node;
use crate::crd::cause::{Cause, FieldPath};
use crate::crd::golang;
use crate::crd::names::{dns1035_label_errors, path_segment_errors};
use crate::selectors::{label_key_errors, label_value_errors};

/// kube's `objectmeta.Validate` (not at the resource root).
pub(super) fn validate_embedded(root: &Node, object: &Value) -> Vec<Cause> {
    let mut out = Vec::new();
    walk_embedded(&FieldPath::root(), object, root, &mut out);
    out
}

fn walk_embedded(path: &FieldPath, value: &Value, node: &Node, out: &mut Vec<Cause>) {
    match value {
        Value::Object(map) => {
            if node.embedded {
                embedded_resource(path, map, out);
            }
            for (key, child) in map {
                if let Some(property) = node.properties.as_ref().and_then(|p| p.get(key)) {
                    walk_embedded(&path.child(key), child, property, out);
                } else if let Some(additional) = node.additional_schema() {
                    walk_embedded(&path.key(key), child, additional, out);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = &node.items {
                for (i, child) in items.iter().enumerate() {
                    walk_embedded(&path.index(i), child, item, out);
                }
            }
        }
        _ => {}
    }
}

/// `validateEmbeddedResource`.
fn embedded_resource(path: &FieldPath, map: &Map<String, Value>, out: &mut Vec<Cause>) {
    if !map.contains_key("apiVersion") {
        out.push(Cause::required(path.child("apiVersion").as_str(), ""));
    }
    if !map.contains_key("kind") {
        out.push(Cause::required(path.child("kind").as_str(), ""));
    }
    for (key, value) in map {
        match key.as_str() {
            "apiVersion" => {
                let field = path.child("apiVersion");
                match value.as_str() {
                    None => out.push(Cause::invalid(field.as_str(), value, "must be a string")),
                    Some("") => out.push(Cause::required(field.as_str(), "")),
                    Some(api_version)
                        if api_version != "/" && api_version.matches('/').count() > 1 =>
                    {
                        out.push(Cause::invalid(
                            field.as_str(),
                            api_version,
                            &format!("unexpected GroupVersion string: {api_version}"),
                        ))
                    }
                    Some(_) => {}
                }
            }
            "kind" => {
                let field = path.child("kind");
                match value.as_str() {
                    None => out.push(Cause::invalid(field.as_str(), value, "must be a string")),
                    Some("") => out.push(Cause::required(field.as_str(), "")),
                    Some(kind) => {
                        let errors = dns1035_label_errors(&kind.to_lowercase());
                        if !errors.is_empty() {
                            out.push(Cause::invalid(
                                field.as_str(),
                                kind,
                                &format!(
                                    "may have mixed case, but should otherwise match: {}",
                                    errors.join(",")
                                ),
                            ));
                        }
                    }
                }
            }
            "metadata" => object_meta(&path.child("metadata"), value, out),
            _ => {}
        }
    }
}

/// The fields of `metav1.ObjectMeta` and the JSON type each decodes from.
const OBJECT_META_FIELDS: &[(&str, &str)] = &[
    ("name", "string"),
    ("generateName", "string"),
    ("namespace", "string"),
    ("selfLink", "string"),
    ("uid", "string"),
    ("resourceVersion", "string"),
    ("generation", "int64"),
    ("creationTimestamp", "time"),
    ("deletionTimestamp", "time"),
    ("deletionGracePeriodSeconds", "int64"),
    ("labels", "map[string]string"),
    ("annotations", "map[string]string"),
    ("ownerReferences", "[]v1.OwnerReference"),
    ("finalizers", "[]string"),
    ("managedFields", "[]v1.ManagedFieldsEntry"),
];

/// Whether `key` is a field of ObjectMeta (pruning drops the others).
pub(super) fn is_object_meta_field(key: &str) -> bool {
    OBJECT_META_FIELDS.iter().any(|(name, _)| *name == key)
}

/// The JSON decoding error of a metadata field, in encoding/json's words, if it does not decode.
fn decode_error(key: &str, value: &Value) -> Option<String> {
    let (_, go_type) = OBJECT_META_FIELDS.iter().find(|(name, _)| *name == key)?;
    let json_type = match value {
        Value::Null => return None,
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let ok = match *go_type {
        "string" => value.is_string(),
        "int64" => value.is_i64(),
        "time" => value
            .as_str()
            .is_some_and(|s| s.is_empty() || s.contains('T')),
        "map[string]string" => value
            .as_object()
            .is_some_and(|m| m.values().all(|v| v.is_string() || v.is_null())),
        "[]string" => value
            .as_array()
            .is_some_and(|a| a.iter().all(|v| v.is_string() || v.is_null())),
        _ => value.is_array(),
    };
    (!ok).then(|| {
        format!("json: cannot unmarshal {json_type} into Go struct field ObjectMeta.{key} of type {go_type}")
    })
}

/// `GetObjectMeta` then `ValidateObjectMeta` with path-segment names.
fn object_meta(path: &FieldPath, value: &Value, out: &mut Vec<Cause>) {
    let Some(meta) = value.as_object() else {
        if !value.is_null() {
            out.push(Cause::invalid(
                path.as_str(),
                value,
                "json: cannot unmarshal into Go value of type v1.ObjectMeta",
            ));
        }
        return;
    };
    if let Some(error) = meta
        .iter()
        .find_map(|(key, value)| decode_error(key, value))
    {
        out.push(Cause::invalid(path.as_str(), value, &error));
        return;
    }
    let text = |key: &str| meta.get(key).and_then(Value::as_str).unwrap_or_default();
    let generate_name = text("generateName");
    if !generate_name.is_empty() {
        for problem in path_segment_errors(generate_name)
            .into_iter()
            .filter(|p| p.starts_with("may not contain"))
        {
            out.push(Cause::invalid(
                path.child("generateName").as_str(),
                generate_name,
                &problem,
            ));
        }
    }
    // kube validates embedded names as "fakename" when they are empty.
    let name = text("name");
    for problem in path_segment_errors(name) {
        out.push(Cause::invalid(path.child("name").as_str(), name, &problem));
    }
    let namespace = text("namespace");
    if !namespace.is_empty() {
        for problem in dns1123_label_errors(namespace) {
            out.push(Cause::invalid(
                path.child("namespace").as_str(),
                namespace,
                &problem,
            ));
        }
    }
    if let Some(generation) = meta.get("generation").and_then(Value::as_i64)
        && generation < 0
    {
        out.push(Cause::invalid(
            path.child("generation").as_str(),
            generation,
            "must be greater than or equal to 0",
        ));
    }
    if let Some(labels) = meta.get("labels").and_then(Value::as_object) {
        let field = path.child("labels");
        for (key, value) in labels {
            for problem in label_key_errors(key) {
                out.push(Cause::invalid(field.as_str(), key.as_str(), &problem));
            }
            let value = value.as_str().unwrap_or_default();
            for problem in label_value_errors(value) {
                out.push(Cause::invalid(field.key(key).as_str(), value, &problem));
            }
        }
    }
    if let Some(annotations) = meta.get("annotations").and_then(Value::as_object) {
        let field = path.child("annotations");
        let mut size = 0;
        for (key, value) in annotations {
            for problem in label_key_errors(&key.to_lowercase()) {
                out.push(Cause::invalid(field.as_str(), key.as_str(), &problem));
            }
            size += key.len() + value.as_str().map_or(0, str::len);
        }
        if size > 256 * 1024 {
            out.push(Cause::too_long(field.as_str(), 256 * 1024));
        }
    }
    if let Some(finalizers) = meta.get("finalizers").and_then(Value::as_array) {
        let field = path.child("finalizers");
        for finalizer in finalizers.iter().filter_map(Value::as_str) {
            for problem in label_key_errors(finalizer) {
                out.push(Cause::invalid(field.as_str(), finalizer, &problem));
            }
        }
    }
}

/// `IsDNS1123Label`.
fn dns1123_label_errors(value: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if value.len() > 63 {
        errors.push("must be no more than 63 characters".to_owned());
    }
    let bytes = value.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let shaped = matches!((bytes.first(), bytes.last()), (Some(f), Some(l)) if alnum(f) && alnum(l))
        && bytes.iter().all(|b| alnum(b) || *b == b'-');
    if !shaped {
        errors.push(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \
             '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or \
             '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
                .to_owned(),
        );
    }
    errors
}

/// kube's `ValidateListSetsAndMaps`.
pub(super) fn validate_list_types(root: &Node, object: &Value) -> Vec<Cause> {
    let mut out = Vec::new();
    if let Value::Object(map) = object {
        list_types_map(&FieldPath::root(), root, map, &mut out);
    }
    out
}

fn list_types_map(path: &FieldPath, node: &Node, map: &Map<String, Value>, out: &mut Vec<Cause>) {
    if let Some(additional) = node.additional_schema() {
        for (key, value) in map {
            list_types_value(&path.key(key), additional, value, out);
        }
    }
    if let Some(properties) = &node.properties {
        for (key, value) in map {
            if let Some(property) = properties.get(key) {
                list_types_value(&path.child(key), property, value, out);
            }
        }
    }
}

fn list_types_value(path: &FieldPath, node: &Node, value: &Value, out: &mut Vec<Cause>) {
    match value {
        Value::Array(items) => list_types_array(path, node, items, out),
        Value::Object(map) => list_types_map(path, node, map, out),
        _ => {}
    }
}

fn list_types_array(path: &FieldPath, node: &Node, items: &[Value], out: &mut Vec<Cause>) {
    match node.list_type.as_deref() {
        Some("set") => {
            for i in non_unique(items) {
                out.push(Cause::duplicate(path.index(i).as_str(), &items[i]));
            }
        }
        Some("map") => list_map(path, node, items, out),
        _ => {}
    }
    if let Some(item) = &node.items {
        for (i, value) in items.iter().enumerate() {
            list_types_value(&path.index(i), item, value, out);
        }
    }
}

/// The index of the second occurrence of each repeated value (`validateListSet`).
fn non_unique(items: &[Value]) -> Vec<usize> {
    let key = |v: &Value| match v {
        Value::Object(_) | Value::Array(_) => format!("c{}", golang::json(v)),
        other => format!("s{other}"),
    };
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let count = seen.entry(key(item)).or_insert(0);
        *count += 1;
        if *count == 2 {
            out.push(i);
        }
    }
    out
}

/// `validateListMap`.
fn list_map(path: &FieldPath, node: &Node, items: &[Value], out: &mut Vec<Cause>) {
    for (i, item) in items.iter().enumerate() {
        if !item.is_null() && !item.is_object() {
            out.push(Cause::invalid(
                path.index(i).as_str(),
                item,
                "must be an object for an array of list-type map",
            ));
            return;
        }
    }
    if items.len() <= 1 {
        return;
    }
    let keys: Vec<Value> = items
        .iter()
        .map(|item| {
            let mut key = Map::new();
            if let Some(map) = item.as_object() {
                for field in &node.list_map_keys {
                    if let Some(value) = map.get(field) {
                        key.insert(field.clone(), value.clone());
                    }
                }
            }
            Value::Object(key)
        })
        .collect();
    for i in non_unique(&keys) {
        out.push(Cause::duplicate(path.index(i).as_str(), &keys[i]));
    }
}
