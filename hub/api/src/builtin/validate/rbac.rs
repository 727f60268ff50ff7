//! rbac.authorization.k8s.io/v1 (`pkg/apis/rbac/validation`): Roles, ClusterRoles, RoleBindings,
//! ClusterRoleBindings. Names need only be valid path segments.

use serde_json::Value;

use crate::builtin::field::{Bad, Errors, Path, invalid, not_supported, required};
use crate::builtin::formats::{name_is_dns_subdomain, path_segment_name};
use crate::builtin::gofmt;
use crate::builtin::meta::{validate_object_meta, validate_object_meta_update};
use crate::builtin::value::{get, list, str_of};

const GROUP: &str = "rbac.authorization.k8s.io";

fn policy_rule(rule: &Value, namespaced: bool, path: &Path) -> Errors {
    let mut errors = Vec::new();
    if list(rule, "verbs").is_empty() {
        errors.push(required(
            &path.child("verbs"),
            "verbs must contain at least one value",
        ));
    }
    let urls = list(rule, "nonResourceURLs");
    if !urls.is_empty() {
        let rendered = || Bad::Raw(gofmt::string_slice("string", get(rule, "nonResourceURLs")));
        if namespaced {
            errors.push(invalid(
                &path.child("nonResourceURLs"),
                rendered(),
                "namespaced rules cannot apply to non-resource URLs",
            ));
        }
        if !list(rule, "apiGroups").is_empty()
            || !list(rule, "resources").is_empty()
            || !list(rule, "resourceNames").is_empty()
        {
            errors.push(invalid(
                &path.child("nonResourceURLs"),
                rendered(),
                "rules cannot apply to both regular resources and non-resource URLs",
            ));
        }
        return errors;
    }
    if list(rule, "apiGroups").is_empty() {
        errors.push(required(
            &path.child("apiGroups"),
            "resource rules must supply at least one api group",
        ));
    }
    let resources = list(rule, "resources");
    if resources.is_empty() {
        errors.push(required(
            &path.child("resources"),
            "resource rules must supply at least one resource",
        ));
    }
    if !list(rule, "resourceNames").is_empty() && resources.len() > 1 {
        errors.push(required(
            &path.child("resourceNames"),
            "resource names cannot apply to multiple resources",
        ));
    }
    errors
}

fn role_with(object: &Value, namespaced: bool) -> Errors {
    let mut errors = validate_object_meta(object, namespaced, path_segment_name);
    for (index, rule) in list(object, "rules").iter().enumerate() {
        errors.extend(policy_rule(
            rule,
            namespaced,
            &Path::new("rules").index(index),
        ));
    }
    errors
}

/// `ValidateRole`.
pub(crate) fn role(object: &Value) -> Errors {
    role_with(object, true)
}

/// `ValidateClusterRole` (aggregation rules' selectors included).
pub(crate) fn cluster_role(object: &Value) -> Errors {
    let mut errors = role_with(object, false);
    if let Some(aggregation) = get(object, "aggregationRule") {
        let path = Path::new("aggregationRule").child("clusterRoleSelectors");
        let selectors = list(aggregation, "clusterRoleSelectors");
        if selectors.is_empty() {
            errors.push(required(
                &path,
                "at least one clusterRoleSelector required if aggregationRule is non-nil",
            ));
        }
        for (index, selector) in selectors.iter().enumerate() {
            errors.extend(crate::builtin::meta::validate_label_selector(
                Some(selector),
                &path.index(index),
            ));
        }
        if !list(object, "rules").is_empty() {
            errors.push(crate::builtin::field::forbidden(
                &Path::new("rules"),
                "rules must be empty for aggregated roles",
            ));
        }
    }
    errors
}

/// A Role or ClusterRole update: the create rules, then the metadata.
pub(crate) fn role_update(new: &Value, old: &Value) -> Errors {
    let mut errors = role(new);
    errors.extend(validate_object_meta_update(new, old));
    errors
}

/// A ClusterRole update.
pub(crate) fn cluster_role_update(new: &Value, old: &Value) -> Errors {
    let mut errors = cluster_role(new);
    errors.extend(validate_object_meta_update(new, old));
    errors
}

fn binding_with(object: &Value, namespaced: bool) -> Errors {
    let mut errors = validate_object_meta(object, namespaced, path_segment_name);
    let empty = Value::Null;
    let role_ref = get(object, "roleRef").unwrap_or(&empty);
    let ref_path = Path::new("roleRef");
    let group = str_of(role_ref, "apiGroup");
    if group != GROUP {
        errors.push(not_supported(&ref_path.child("apiGroup"), group, &[GROUP]));
    }
    let kind = str_of(role_ref, "kind");
    let kinds: &[&str] = if namespaced {
        &["Role", "ClusterRole"]
    } else {
        &["ClusterRole"]
    };
    if !kinds.contains(&kind) {
        errors.push(not_supported(&ref_path.child("kind"), kind, kinds));
    }
    let name = str_of(role_ref, "name");
    if name.is_empty() {
        errors.push(required(&ref_path.child("name"), ""));
    } else {
        for message in path_segment_name(name, false) {
            errors.push(invalid(&ref_path.child("name"), name, &message));
        }
    }
    for (index, subject) in list(object, "subjects").iter().enumerate() {
        errors.extend(self::subject(
            subject,
            namespaced,
            &Path::new("subjects").index(index),
        ));
    }
    errors
}

fn subject(subject: &Value, namespaced: bool, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let name = str_of(subject, "name");
    if name.is_empty() {
        errors.push(required(&path.child("name"), ""));
    }
    let group = str_of(subject, "apiGroup");
    match str_of(subject, "kind") {
        "ServiceAccount" => {
            if !name.is_empty() {
                for message in name_is_dns_subdomain(name, false) {
                    errors.push(invalid(&path.child("name"), name, &message));
                }
            }
            if !group.is_empty() {
                errors.push(not_supported(&path.child("apiGroup"), group, &[""]));
            }
            if !namespaced && str_of(subject, "namespace").is_empty() {
                errors.push(required(&path.child("namespace"), ""));
            }
        }
        kind @ ("User" | "Group") => {
            if name.is_empty() {
                let what = if kind == "User" { "user" } else { "group" };
                errors.push(invalid(
                    &path.child("name"),
                    name,
                    &format!("{what} name cannot be empty"),
                ));
            }
            if group != GROUP {
                errors.push(not_supported(&path.child("apiGroup"), group, &[GROUP]));
            }
        }
        other => errors.push(not_supported(
            &path.child("kind"),
            other,
            &["ServiceAccount", "User", "Group"],
        )),
    }
    errors
}

/// `ValidateRoleBinding`.
pub(crate) fn role_binding(object: &Value) -> Errors {
    binding_with(object, true)
}

/// `ValidateClusterRoleBinding`.
pub(crate) fn cluster_role_binding(object: &Value) -> Errors {
    binding_with(object, false)
}

/// `rbac.RoleRef` as `%#v` prints it.
fn role_ref_text(role_ref: &Value) -> String {
    format!(
        "rbac.RoleRef{{APIGroup:{}, Kind:{}, Name:{}}}",
        gofmt::quote(str_of(role_ref, "apiGroup")),
        gofmt::quote(str_of(role_ref, "kind")),
        gofmt::quote(str_of(role_ref, "name"))
    )
}

fn binding_update(new: &Value, old: &Value, namespaced: bool) -> Errors {
    let mut errors = binding_with(new, namespaced);
    errors.extend(validate_object_meta_update(new, old));
    let empty = Value::Null;
    let role_ref = get(new, "roleRef").unwrap_or(&empty);
    let old_ref = get(old, "roleRef").unwrap_or(&empty);
    let same = ["apiGroup", "kind", "name"]
        .iter()
        .all(|field| str_of(role_ref, field) == str_of(old_ref, field));
    if !same {
        errors.push(invalid(
            &Path::new("roleRef"),
            Bad::Raw(role_ref_text(role_ref)),
            "cannot change roleRef",
        ));
    }
    errors
}

/// `ValidateRoleBindingUpdate`.
pub(crate) fn role_binding_update(new: &Value, old: &Value) -> Errors {
    binding_update(new, old, true)
}

/// `ValidateClusterRoleBindingUpdate`.
pub(crate) fn cluster_role_binding_update(new: &Value, old: &Value) -> Errors {
    binding_update(new, old, false)
}
