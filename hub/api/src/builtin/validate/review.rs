//! The review kinds of authentication.k8s.io and authorization.k8s.io
//! (`pkg/apis/authorization/validation`): created, answered and never stored, so their REST
//! handlers run only these checks — no generic metadata validation. TokenReview,
//! SelfSubjectReview and SelfSubjectRulesReview have none.

use serde_json::Value;

use crate::builtin::field::{Bad, Errors, Path, forbidden, invalid, required};
use crate::builtin::gofmt;
use crate::builtin::meta::label_name;
use crate::builtin::value::{get, list, str_of};

/// No validation (TokenReview, SelfSubjectReview, SelfSubjectRulesReview).
pub(crate) fn none(_object: &Value) -> Errors {
    Vec::new()
}

/// `ValidateSubjectAccessReview`.
pub(crate) fn subject_access_review(object: &Value) -> Errors {
    let mut errors = spec(object, true);
    if !meta_is_empty(object, false) {
        errors.push(meta_invalid(object, "must be empty"));
    }
    errors
}

/// `ValidateSelfSubjectAccessReview`.
pub(crate) fn self_subject_access_review(object: &Value) -> Errors {
    let mut errors = spec(object, false);
    if !meta_is_empty(object, false) {
        errors.push(meta_invalid(object, "must be empty"));
    }
    errors
}

/// `ValidateLocalSubjectAccessReview`.
pub(crate) fn local_subject_access_review(object: &Value) -> Errors {
    let mut errors = spec(object, true);
    if !meta_is_empty(object, true) {
        errors.push(meta_invalid(object, "must be empty except for namespace"));
    }
    let empty = Value::Null;
    let spec = get(object, "spec").unwrap_or(&empty);
    let namespace = get(object, "metadata").map_or("", |meta| str_of(meta, "namespace"));
    if let Some(attributes) = get(spec, "resourceAttributes") {
        let requested = str_of(attributes, "namespace");
        if requested != namespace {
            errors.push(invalid(
                &Path::new("spec.resourceAttributes.namespace"),
                requested,
                "must match metadata.namespace",
            ));
        }
    }
    if let Some(attributes) = get(spec, "nonResourceAttributes") {
        errors.push(invalid(
            &Path::new("spec.nonResourceAttributes"),
            non_resource(attributes),
            "disallowed on this kind of request",
        ));
    }
    errors
}

/// `ValidateSubjectAccessReviewSpec` (`with_subject`) or `ValidateSelfSubjectAccessReviewSpec`.
fn spec(object: &Value, with_subject: bool) -> Errors {
    let empty = Value::Null;
    let spec = get(object, "spec").unwrap_or(&empty);
    let path = Path::new("spec");
    let mut errors = Vec::new();
    let resource = get(spec, "resourceAttributes");
    let non_resource_attributes = get(spec, "nonResourceAttributes");
    match (resource, non_resource_attributes) {
        (Some(_), Some(attributes)) => errors.push(invalid(
            &path.child("nonResourceAttributes"),
            non_resource(attributes),
            "cannot be specified in combination with resourceAttributes",
        )),
        (None, None) => errors.push(invalid(
            &path.child("resourceAttributes"),
            Bad::Null,
            "exactly one of nonResourceAttributes or resourceAttributes must be specified",
        )),
        _ => {}
    }
    if with_subject && str_of(spec, "user").is_empty() && list(spec, "groups").is_empty() {
        errors.push(invalid(
            &path.child("user"),
            str_of(spec, "user"),
            "at least one of user or group must be specified",
        ));
    }
    if let Some(attributes) = resource {
        let path = Path::new("spec.resourceAttributes");
        errors.extend(selector_attributes(
            get(attributes, "fieldSelector"),
            &path.child("fieldSelector"),
            false,
        ));
        errors.extend(selector_attributes(
            get(attributes, "labelSelector"),
            &path.child("labelSelector"),
            true,
        ));
    }
    errors
}

/// `validateFieldSelectorAttributes` / `validateLabelSelectorAttributes`, unknown operators
/// allowed (newer clients may send them).
fn selector_attributes(selector: Option<&Value>, path: &Path, label: bool) -> Errors {
    let Some(selector) = selector else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    let raw = str_of(selector, "rawSelector");
    let requirements = list(selector, "requirements");
    if !raw.is_empty() && !requirements.is_empty() {
        errors.push(invalid(
            &path.child("rawSelector"),
            raw,
            "may not specified at the same time as requirements",
        ));
    }
    if raw.is_empty() && requirements.is_empty() {
        errors.push(required(
            &path.child("requirements"),
            &format!(
                "when {} is specified, requirements or rawSelector is required",
                path.as_str()
            ),
        ));
    }
    for (index, requirement) in requirements.iter().enumerate() {
        let path = path.child("requirements").index(index);
        let values = list(requirement, "values");
        match str_of(requirement, "operator") {
            "In" | "NotIn" if values.is_empty() => errors.push(required(
                &path.child("values"),
                "must be specified when `operator` is 'In' or 'NotIn'",
            )),
            "Exists" | "DoesNotExist" if !values.is_empty() => errors.push(forbidden(
                &path.child("values"),
                "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
            )),
            _ => {}
        }
        let key = str_of(requirement, "key");
        if label {
            errors.extend(label_name(key, &path.child("key")));
        } else if key.is_empty() {
            errors.push(required(&path.child("key"), "must be specified"));
        }
    }
    errors
}

/// Whether `metadata` equals the zero `ObjectMeta` (empty maps and lists count as unset, as in
/// `apiequality.Semantic.DeepEqual`), ignoring `managedFields` and, when asked, `namespace`.
fn meta_is_empty(object: &Value, ignore_namespace: bool) -> bool {
    let Some(meta) = get(object, "metadata").and_then(Value::as_object) else {
        return true;
    };
    meta.iter().all(|(key, value)| {
        key == "managedFields" || (ignore_namespace && key == "namespace") || is_zero(value)
    })
}

fn is_zero(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
    }
}

fn meta_invalid(object: &Value, detail: &str) -> crate::builtin::field::Cause {
    let empty = Value::Null;
    let meta = get(object, "metadata").unwrap_or(&empty);
    invalid(
        &Path::new("metadata"),
        Bad::Raw(gofmt::go_struct("v1.ObjectMeta", meta)),
        detail,
    )
}

fn non_resource(attributes: &Value) -> Bad {
    Bad::Raw(format!(
        "authorization.NonResourceAttributes{{Path:{}, Verb:{}}}",
        gofmt::quote(str_of(attributes, "path")),
        gofmt::quote(str_of(attributes, "verb"))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(errors: Errors) -> Vec<String> {
        errors
            .into_iter()
            .map(|cause| format!("{}: {}", cause.field, cause.message))
            .collect()
    }

    #[test]
    fn access_reviews() {
        let cases = [
            (
                subject_access_review as fn(&Value) -> Errors,
                json!({"spec": {"user": "alice", "resourceAttributes": {"verb": "get", "resource": "pods"}}}),
                vec![],
            ),
            (
                subject_access_review,
                json!({"metadata": {"creationTimestamp": null}, "spec": {}}),
                vec![
                    "spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified",
                    "spec.user: Invalid value: \"\": at least one of user or group must be specified",
                ],
            ),
            (
                self_subject_access_review,
                json!({"metadata": {"name": "x"}, "spec": {
                    "resourceAttributes": {"verb": "list", "labelSelector": {}},
                    "nonResourceAttributes": {"path": "/healthz", "verb": "get"}}}),
                vec![
                    "spec.nonResourceAttributes: Invalid value: authorization.NonResourceAttributes{Path:\"/healthz\", Verb:\"get\"}: cannot be specified in combination with resourceAttributes",
                    "spec.resourceAttributes.labelSelector.requirements: Required value: when spec.resourceAttributes.labelSelector is specified, requirements or rawSelector is required",
                    "metadata: Invalid value: v1.ObjectMeta{Name:\"x\"}: must be empty",
                ],
            ),
            (
                local_subject_access_review,
                json!({"metadata": {"namespace": "dev"}, "spec": {"groups": ["g"],
                    "resourceAttributes": {"namespace": "prod", "verb": "get"}}}),
                vec![
                    "spec.resourceAttributes.namespace: Invalid value: \"prod\": must match metadata.namespace",
                ],
            ),
            (
                local_subject_access_review,
                json!({"metadata": {"namespace": "dev"}, "spec": {"user": "u",
                    "nonResourceAttributes": {"path": "/x", "verb": "get"}}}),
                vec![
                    "spec.nonResourceAttributes: Invalid value: authorization.NonResourceAttributes{Path:\"/x\", Verb:\"get\"}: disallowed on this kind of request",
                ],
            ),
        ];
        for (validate, object, expected) in cases {
            assert_eq!(lines(validate(&object)), expected, "{object}");
        }
        assert!(none(&json!({"metadata": {"name": "a/b"}})).is_empty());
    }
}
