//! `metadata` and the metav1 helpers every kind shares: `ValidateObjectMeta` (create) and
//! `ValidateObjectMetaUpdate`, labels, annotations (256 KiB total), owner references,
//! finalizers, managed fields, and `ValidateLabelSelector`.

use serde_json::Value;

use super::field::{Bad, Errors, Path, forbidden, invalid, required, too_long};
use super::formats::{NameFn, label_value, qualified_name};
use super::gofmt;
use super::value::{get, int_of, list, map_of, opt_bool, str_of, string_map, strings};

/// `TotalAnnotationSizeLimitB`.
const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

/// `ValidateObjectMeta` of core (apimachinery's, plus kube's finalizer names): name by
/// `name_fn`, namespace presence by `namespaced`, labels, annotations, owner references,
/// finalizers, managed fields.
pub(crate) fn validate_object_meta(object: &Value, namespaced: bool, name_fn: NameFn) -> Errors {
    let path = Path::new("metadata");
    let empty = Value::Null;
    let meta = get(object, "metadata").unwrap_or(&empty);
    let mut errors = Vec::new();
    let generate_name = str_of(meta, "generateName");
    if !generate_name.is_empty() {
        for message in name_fn(generate_name, true) {
            errors.push(invalid(
                &path.child("generateName"),
                generate_name,
                &message,
            ));
        }
    }
    let name = str_of(meta, "name");
    if name.is_empty() {
        errors.push(required(
            &path.child("name"),
            "name or generateName is required",
        ));
    } else {
        for message in name_fn(name, false) {
            errors.push(invalid(&path.child("name"), name, &message));
        }
    }
    errors.extend(common(meta, namespaced, &path));
    errors.extend(kube_finalizers(meta, &path));
    errors
}

/// The parts of `ValidateObjectMetaAccessor` after the name: namespace, generation, labels,
/// annotations, owner references, finalizers, managed fields.
fn common(meta: &Value, namespaced: bool, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let namespace = str_of(meta, "namespace");
    if namespaced {
        if namespace.is_empty() {
            errors.push(required(&path.child("namespace"), ""));
        } else {
            for message in super::formats::name_is_dns_label(namespace, false) {
                errors.push(invalid(&path.child("namespace"), namespace, &message));
            }
        }
    } else if !namespace.is_empty() {
        errors.push(forbidden(
            &path.child("namespace"),
            "not allowed on this type",
        ));
    }
    errors.extend(nonnegative(
        int_of(meta, "generation"),
        &path.child("generation"),
    ));
    errors.extend(validate_labels(meta, "labels", &path.child("labels")));
    errors.extend(validate_annotations(meta, &path.child("annotations")));
    errors.extend(owner_references(meta, &path.child("ownerReferences")));
    errors.extend(finalizers(meta, &path.child("finalizers")));
    errors.extend(managed_fields(meta, &path.child("managedFields")));
    errors
}

/// The generic store's `ValidateObjectMetaAccessor` with `path.ValidatePathSegmentName`, which
/// kube runs for every kind after its own validation passed.
pub(crate) fn validate_common_meta(object: &Value, namespaced: bool) -> Errors {
    let path = Path::new("metadata");
    let empty = Value::Null;
    let meta = get(object, "metadata").unwrap_or(&empty);
    let mut errors = Vec::new();
    let generate_name = str_of(meta, "generateName");
    if !generate_name.is_empty() {
        for message in super::formats::validate_path_segment_name(generate_name, true) {
            errors.push(invalid(
                &path.child("generateName"),
                generate_name,
                &message,
            ));
        }
    }
    let name = str_of(meta, "name");
    if name.is_empty() {
        errors.push(required(
            &path.child("name"),
            "name or generateName is required",
        ));
    } else {
        for message in super::formats::validate_path_segment_name(name, false) {
            errors.push(invalid(&path.child("name"), name, &message));
        }
    }
    errors.extend(common(meta, namespaced, &path));
    errors
}

/// `ValidateObjectMetaUpdate` of core. Fields the server carries over from the stored object
/// (resource version, generation, timestamps) are not compared: kube copies them before
/// validating, so only a request that names another object fails.
pub(crate) fn validate_object_meta_update(new: &Value, old: &Value) -> Errors {
    let path = Path::new("metadata");
    let empty = Value::Null;
    let meta = get(new, "metadata").unwrap_or(&empty);
    let old_meta = get(old, "metadata").unwrap_or(&empty);
    let mut errors = Vec::new();
    if get(old_meta, "deletionTimestamp").is_some() {
        let old_finalizers = strings(old_meta, "finalizers");
        let mut extra: Vec<&str> = strings(meta, "finalizers")
            .into_iter()
            .filter(|finalizer| !old_finalizers.contains(finalizer))
            .collect();
        extra.sort_unstable();
        extra.dedup();
        if !extra.is_empty() {
            let listed: Vec<String> = extra.iter().map(|f| gofmt::quote(f)).collect();
            errors.push(forbidden(
                &path.child("finalizers"),
                &format!(
                    "no new finalizers can be added if the object is being deleted, found new \
                     finalizers []string{{{}}}",
                    listed.join(", ")
                ),
            ));
        }
    }
    for field in ["name", "namespace"] {
        let (new_value, old_value) = (str_of(meta, field), str_of(old_meta, field));
        if new_value != old_value {
            errors.push(immutable(&path.child(field), new_value));
        }
    }
    let uid = str_of(meta, "uid");
    if !uid.is_empty() && uid != str_of(old_meta, "uid") {
        errors.push(immutable(&path.child("uid"), uid));
    }
    errors.extend(validate_labels(meta, "labels", &path.child("labels")));
    errors.extend(validate_annotations(meta, &path.child("annotations")));
    errors.extend(owner_references(meta, &path.child("ownerReferences")));
    errors.extend(managed_fields(meta, &path.child("managedFields")));
    errors.extend(kube_finalizers(meta, &path));
    errors
}

/// `ValidateImmutableField`'s cause: `Invalid value: <new>: field is immutable`.
pub(crate) fn immutable(path: &Path, value: impl Into<Bad>) -> super::field::Cause {
    invalid(path, value, "field is immutable")
}

/// `ValidateNonnegativeField`.
pub(crate) fn nonnegative(value: i64, path: &Path) -> Errors {
    if value < 0 {
        vec![invalid(path, value, "must be greater than or equal to 0")]
    } else {
        Vec::new()
    }
}

/// `ValidateLabels` of the map field `key` of `value` (keys and values checked, every cause at
/// `path` itself, as kube does).
pub(crate) fn validate_labels(value: &Value, key: &str, path: &Path) -> Errors {
    let mut errors = Vec::new();
    for (label, label_val) in string_map(value, key) {
        errors.extend(label_name(label, path));
        for message in label_value(label_val) {
            errors.push(invalid(path, label_val, &message));
        }
    }
    errors
}

/// `ValidateLabelName`.
pub(crate) fn label_name(name: &str, path: &Path) -> Errors {
    qualified_name(name)
        .into_iter()
        .map(|message| invalid(path, name, &message))
        .collect()
}

/// `ValidateAnnotations`: keys are qualified names (case-insensitively), total size 256 KiB.
pub(crate) fn validate_annotations(meta: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let entries = string_map(meta, "annotations");
    let mut total = 0usize;
    for (key, annotation) in &entries {
        for message in qualified_name(&key.to_lowercase()) {
            errors.push(invalid(path, *key, &message));
        }
        total += key.len() + annotation.len();
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        errors.push(too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT));
    }
    errors
}

fn owner_references(meta: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let mut first_controller = String::new();
    for reference in list(meta, "ownerReferences") {
        let api_version = str_of(reference, "apiVersion");
        let kind = str_of(reference, "kind");
        let (group, version) = match api_version.split_once('/') {
            Some((group, version)) => (group, version),
            None => ("", api_version),
        };
        if version.is_empty() {
            errors.push(invalid(
                &path.child("apiVersion"),
                api_version,
                "version must not be empty",
            ));
        }
        if kind.is_empty() {
            errors.push(invalid(&path.child("kind"), kind, "must not be empty"));
        }
        let name = str_of(reference, "name");
        if name.is_empty() {
            errors.push(invalid(&path.child("name"), name, "must not be empty"));
        }
        let uid = str_of(reference, "uid");
        if uid.is_empty() {
            errors.push(invalid(&path.child("uid"), uid, "must not be empty"));
        }
        if group.is_empty() && version == "v1" && kind == "Event" {
            errors.push(invalid(
                path,
                Bad::Raw(gofmt::go_struct("v1.OwnerReference", reference)),
                "/v1, Kind=Event is disallowed from being an owner",
            ));
        }
        if opt_bool(reference, "controller") == Some(true) {
            let current = format!("{kind}/{name}");
            if first_controller.is_empty() {
                first_controller = current;
            } else {
                errors.push(invalid(
                    path,
                    Bad::Raw(format!(
                        "[]v1.OwnerReference{{{}}}",
                        list(meta, "ownerReferences")
                            .iter()
                            .map(|r| gofmt::go_struct("v1.OwnerReference", r))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                    &format!(
                        "Only one reference can have Controller set to true. Found \"true\" in \
                         references for {first_controller} and {current}"
                    ),
                ));
            }
        }
    }
    errors
}

fn finalizers(meta: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let names = strings(meta, "finalizers");
    for finalizer in &names {
        errors.extend(
            qualified_name(finalizer)
                .into_iter()
                .map(|message| invalid(path, *finalizer, &message)),
        );
    }
    if names.contains(&"orphan") && names.contains(&"foregroundDeletion") {
        errors.push(invalid(
            path,
            Bad::Raw(gofmt::string_slice("string", get(meta, "finalizers"))),
            "finalizer orphan and foregroundDeletion cannot be both set",
        ));
    }
    errors
}

/// Core's extra rule: a finalizer without `/` must be a standard one.
fn kube_finalizers(meta: &Value, path: &Path) -> Errors {
    strings(meta, "finalizers")
        .into_iter()
        .enumerate()
        .filter(|(_, finalizer)| !finalizer.contains('/'))
        .filter(|(_, finalizer)| {
            !matches!(*finalizer, "kubernetes" | "orphan" | "foregroundDeletion")
        })
        .map(|(index, finalizer)| {
            invalid(
                &path.child("finalizers").index(index),
                finalizer,
                "name is neither a standard finalizer name nor is it fully qualified",
            )
        })
        .collect()
}

fn managed_fields(meta: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    for (index, entry) in list(meta, "managedFields").iter().enumerate() {
        let path = path.index(index);
        let operation = str_of(entry, "operation");
        if !matches!(operation, "Apply" | "Update") {
            errors.push(invalid(
                &path.child("operation"),
                operation,
                "must be `Apply` or `Update`",
            ));
        }
        let fields_type = str_of(entry, "fieldsType");
        if !fields_type.is_empty() && fields_type != "FieldsV1" {
            errors.push(invalid(
                &path.child("fieldsType"),
                fields_type,
                "must be `FieldsV1`",
            ));
        }
        let manager = str_of(entry, "manager");
        if manager.len() > 128 {
            errors.push(too_long(&path.child("manager"), 128));
        }
        for (position, c) in manager.char_indices() {
            if c.is_control() {
                errors.push(invalid(
                    &path.child("manager"),
                    manager,
                    &format!(
                        "invalid character U+{:04X} (at position {position})",
                        c as u32
                    ),
                ));
            }
        }
        if str_of(entry, "subresource").len() > 256 {
            errors.push(too_long(&path.child("subresource"), 256));
        }
    }
    errors
}

/// `ValidateLabelSelector` (strict label values, as every built-in kind validates a new
/// selector) of the selector at `value`; nothing when absent.
pub(crate) fn validate_label_selector(value: Option<&Value>, path: &Path) -> Errors {
    let Some(selector) = value else {
        return Vec::new();
    };
    let mut errors = validate_labels(selector, "matchLabels", &path.child("matchLabels"));
    for (index, requirement) in list(selector, "matchExpressions").iter().enumerate() {
        let path = path.child("matchExpressions").index(index);
        let operator = str_of(requirement, "operator");
        let values = list(requirement, "values");
        match operator {
            "In" | "NotIn" => {
                if values.is_empty() {
                    errors.push(required(
                        &path.child("values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    ));
                }
            }
            "Exists" | "DoesNotExist" => {
                if !values.is_empty() {
                    errors.push(forbidden(
                        &path.child("values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ));
                }
            }
            other => errors.push(invalid(
                &path.child("operator"),
                other,
                "not a valid selector operator",
            )),
        }
        errors.extend(label_name(str_of(requirement, "key"), &path.child("key")));
        for (value_index, value) in values.iter().enumerate() {
            let value = value.as_str().unwrap_or_default();
            for message in label_value(value) {
                errors.push(invalid(
                    &path.child("values").index(value_index),
                    value,
                    &message,
                ));
            }
        }
    }
    errors
}

/// Whether a selector is empty (`len(matchLabels)+len(matchExpressions) == 0`).
pub(crate) fn selector_is_empty(selector: &Value) -> bool {
    map_of(selector, "matchLabels").is_none_or(|labels| labels.is_empty())
        && list(selector, "matchExpressions").is_empty()
}

/// `LabelSelectorAsSelector(selector).Matches(labels)`: `None` when the selector does not
/// convert (kube then reports the selector, not a mismatch); a missing selector matches nothing.
pub(crate) fn selector_matches(selector: Option<&Value>, labels: Option<&Value>) -> Option<bool> {
    let null = Value::Null;
    let selector =
        crate::selectors::LabelSelector::from_label_selector_json(selector.unwrap_or(&null))
            .ok()?;
    let empty = serde_json::Map::new();
    let labels = labels.and_then(Value::as_object).unwrap_or(&empty);
    Some(selector.matches(labels))
}

/// Whether the selector converts and restricts nothing (`selector.Empty()`).
pub(crate) fn selector_converts_to_everything(selector: Option<&Value>) -> bool {
    let null = Value::Null;
    crate::selectors::LabelSelector::from_label_selector_json(selector.unwrap_or(&null))
        .is_ok_and(|selector| selector.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::formats::name_is_dns_subdomain;
    use serde_json::json;

    fn messages(errors: &Errors) -> Vec<String> {
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn object_meta_on_create() {
        let object = json!({"metadata": {
            "name": "Bad_Name", "namespace": "default",
            "labels": {"app": "web", "-x": "y", "ok": "bad value"},
            "annotations": {"Example.com/Thing": "fine", "a b": "x"},
            "finalizers": ["custom", "example.com/f"],
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": ""}]
        }});
        let errors = messages(&validate_object_meta(&object, true, name_is_dns_subdomain));
        assert_eq!(errors.len(), 6, "{errors:#?}");
        assert!(errors[0].starts_with(
            "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain"
        ));
        assert!(errors[1].starts_with(
            "metadata.labels: Invalid value: \"-x\": name part must consist of alphanumeric"
        ));
        assert!(errors[2].starts_with(
            "metadata.labels: Invalid value: \"bad value\": a valid label must be an empty string"
        ));
        assert!(errors[3].starts_with("metadata.annotations: Invalid value: \"a b\": name part"));
        assert_eq!(
            errors[4],
            "metadata.ownerReferences.uid: Invalid value: \"\": must not be empty"
        );
        assert_eq!(
            errors[5],
            "metadata.finalizers[0]: Invalid value: \"custom\": name is neither a standard \
             finalizer name nor is it fully qualified"
        );
    }

    #[test]
    fn required_name_namespace_and_scope() {
        let errors = messages(&validate_object_meta(
            &json!({}),
            true,
            name_is_dns_subdomain,
        ));
        assert_eq!(
            errors,
            [
                "metadata.name: Required value: name or generateName is required",
                "metadata.namespace: Required value"
            ]
        );
        let errors = messages(&validate_object_meta(
            &json!({"metadata": {"name": "a", "namespace": "x"}}),
            false,
            name_is_dns_subdomain,
        ));
        assert_eq!(
            errors,
            ["metadata.namespace: Forbidden: not allowed on this type"]
        );
        let big = "x".repeat(TOTAL_ANNOTATION_SIZE_LIMIT);
        let errors = messages(&validate_object_meta(
            &json!({"metadata": {"name": "a", "annotations": {"k": big}}}),
            false,
            name_is_dns_subdomain,
        ));
        assert_eq!(
            errors,
            ["metadata.annotations: Too long: may not be more than 262144 bytes"]
        );
    }

    #[test]
    fn updates_and_selectors() {
        let old = json!({"metadata": {"name": "a", "uid": "1", "deletionTimestamp": "2024-01-01T00:00:00Z", "finalizers": ["x/y"]}});
        let new = json!({"metadata": {"name": "a", "uid": "2", "finalizers": ["x/y", "x/z"]}});
        assert_eq!(
            messages(&validate_object_meta_update(&new, &old)),
            [
                "metadata.finalizers: Forbidden: no new finalizers can be added if the object is \
                 being deleted, found new finalizers []string{\"x/z\"}",
                "metadata.uid: Invalid value: \"2\": field is immutable"
            ]
        );
        let selector = json!({"matchExpressions": [
            {"key": "a", "operator": "In"},
            {"key": "b", "operator": "Exists", "values": ["x"]},
            {"key": "c", "operator": "Near", "values": ["x y"]}
        ]});
        let errors = messages(&validate_label_selector(
            Some(&selector),
            &Path::new("spec.selector"),
        ));
        assert_eq!(
            errors[0],
            "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"
        );
        assert_eq!(
            errors[1],
            "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
        );
        assert_eq!(
            errors[2],
            "spec.selector.matchExpressions[2].operator: Invalid value: \"Near\": not a valid selector operator"
        );
        assert!(
            errors[3]
                .starts_with("spec.selector.matchExpressions[2].values[0]: Invalid value: \"x y\"")
        );
        assert_eq!(
            selector_matches(
                Some(&json!({"matchLabels": {"a": "1"}})),
                Some(&json!({"a": "1", "b": "2"}))
            ),
            Some(true)
        );
        assert_eq!(
            selector_matches(None, Some(&json!({"a": "1"}))),
            Some(false)
        );
        assert!(selector_converts_to_everything(Some(&json!({}))));
        assert!(selector_is_empty(&json!({"matchLabels": {}})));
    }
}
