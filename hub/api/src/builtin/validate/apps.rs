//! apps/v1 (`pkg/apis/apps/validation` and the strategies' update rules): Deployments,
//! ReplicaSets, StatefulSets, DaemonSets, ControllerRevisions.

use serde_json::Value;

use crate::builtin::field::{Bad, Errors, Path, forbidden, invalid, not_supported, required};
use crate::builtin::formats::{name_is_dns_label, name_is_dns_subdomain, percent};
use crate::builtin::gofmt;
use crate::builtin::meta::{
    immutable, nonnegative, selector_converts_to_everything, selector_is_empty, selector_matches,
    validate_annotations, validate_label_selector, validate_labels, validate_object_meta,
    validate_object_meta_update,
};
use crate::builtin::value::{get, int_of, opt_int, str_of};

use super::pod::{self, Options, semantic_eq};

/// `ValidatePositiveIntOrPercent`.
pub(crate) fn positive_int_or_percent(value: &Value, path: &Path) -> Errors {
    match value {
        Value::String(text) => percent(text)
            .into_iter()
            .map(|message| invalid(path, Bad::Raw(gofmt::int_or_string(value)), &message))
            .collect(),
        other => nonnegative(other.as_i64().unwrap_or_default(), path),
    }
}

/// `getIntOrPercentValue`: a valid percent's number, or the integer (0 for anything else).
fn int_or_percent_value(value: Option<&Value>) -> i64 {
    match value {
        Some(Value::String(text)) => percent_value(text).unwrap_or(0),
        Some(other) => other.as_i64().unwrap_or(0),
        None => 0,
    }
}

fn percent_value(text: &str) -> Option<i64> {
    if percent(text).is_empty() {
        text.trim_end_matches('%').parse().ok()
    } else {
        None
    }
}

/// `IsNotMoreThan100Percent`.
pub(crate) fn not_more_than_100_percent(value: &Value, path: &Path) -> Errors {
    match value.as_str().and_then(percent_value) {
        Some(number) if number > 100 => vec![invalid(
            path,
            Bad::Raw(gofmt::int_or_string(value)),
            "must not be greater than 100%",
        )],
        _ => Vec::new(),
    }
}

fn int_or_string_zero() -> Value {
    Value::from(0)
}

/// `ValidatePodTemplateSpecForReplicaSet` (also used for Deployments).
fn template_for_replica_set(spec: &Value, kind: &str, path: &Path) -> Errors {
    let template_path = path.child("template");
    let mut errors = Vec::new();
    let Some(template) = get(spec, "template") else {
        errors.push(required(&template_path, ""));
        return errors;
    };
    let selector = get(spec, "selector");
    let labels = get(template, "metadata").and_then(|meta| get(meta, "labels"));
    if !selector_converts_to_everything(selector)
        && selector_matches(selector, labels) == Some(false)
    {
        errors.push(invalid(
            &template_path.child("metadata").child("labels"),
            Bad::Raw(gofmt::string_map(labels)),
            "`selector` does not match template `labels`",
        ));
    }
    errors.extend(pod::template_spec(
        template,
        &template_path,
        Options::default(),
    ));
    let empty = Value::Null;
    let pod_spec = get(template, "spec").unwrap_or(&empty);
    let restart = str_of(pod_spec, "restartPolicy");
    if restart != "Always" {
        errors.push(not_supported(
            &template_path.child("spec").child("restartPolicy"),
            restart,
            &["Always"],
        ));
    }
    if get(pod_spec, "activeDeadlineSeconds").is_some() {
        errors.push(forbidden(
            &template_path.child("spec").child("activeDeadlineSeconds"),
            &format!("activeDeadlineSeconds in {kind} is not Supported"),
        ));
    }
    errors
}

/// The selector rules shared by Deployments, ReplicaSets and StatefulSets.
fn selector_rules(spec: &Value, kind: &str, path: &Path) -> (Errors, bool) {
    let mut errors = Vec::new();
    let selector_path = path.child("selector");
    match get(spec, "selector") {
        None => errors.push(required(&selector_path, "")),
        Some(selector) => {
            errors.extend(validate_label_selector(Some(selector), &selector_path));
            if selector_is_empty(selector) {
                errors.push(invalid(
                    &selector_path,
                    Bad::Raw(gofmt::label_selector(selector)),
                    &format!("empty selector is invalid for {kind}"),
                ));
            }
        }
    }
    let null = Value::Null;
    let converts = crate::selectors::LabelSelector::from_label_selector_json(
        get(spec, "selector").unwrap_or(&null),
    )
    .is_ok();
    (errors, converts)
}

// --- Deployments ---

/// `ValidateDeploymentSpec`.
fn deployment_spec(spec: &Value, path: &Path) -> Errors {
    let mut errors = nonnegative(int_of(spec, "replicas"), &path.child("replicas"));
    let (selector_errors, converts) = selector_rules(spec, "deployment", path);
    errors.extend(selector_errors);
    if converts {
        errors.extend(template_for_replica_set(spec, "ReplicaSet", path));
    } else if let Some(selector) = get(spec, "selector") {
        errors.push(invalid(
            &path.child("selector"),
            Bad::Raw(gofmt::label_selector(selector)),
            "invalid label selector",
        ));
    }
    errors.extend(deployment_strategy(spec, &path.child("strategy")));
    let min_ready = int_of(spec, "minReadySeconds");
    errors.extend(nonnegative(min_ready, &path.child("minReadySeconds")));
    if let Some(limit) = opt_int(spec, "revisionHistoryLimit") {
        errors.extend(nonnegative(limit, &path.child("revisionHistoryLimit")));
    }
    if let Some(rollback) = get(spec, "rollbackTo") {
        errors.extend(nonnegative(
            int_of(rollback, "revision"),
            &path.child("rollback").child("version"),
        ));
    }
    if let Some(deadline) = opt_int(spec, "progressDeadlineSeconds") {
        errors.extend(nonnegative(
            deadline,
            &path.child("progressDeadlineSeconds"),
        ));
        if deadline <= min_ready {
            errors.push(invalid(
                &path.child("progressDeadlineSeconds"),
                deadline,
                "must be greater than minReadySeconds",
            ));
        }
    }
    errors
}

fn deployment_strategy(spec: &Value, path: &Path) -> Errors {
    let empty = Value::Null;
    let strategy = get(spec, "strategy").unwrap_or(&empty);
    let mut errors = Vec::new();
    match str_of(strategy, "type") {
        "Recreate" => {
            if get(strategy, "rollingUpdate").is_some() {
                errors.push(forbidden(
                    &path.child("rollingUpdate"),
                    "may not be specified when strategy `type` is 'Recreate'",
                ));
            }
        }
        "RollingUpdate" => match get(strategy, "rollingUpdate") {
            None => errors.push(required(
                &path.child("rollingUpdate"),
                "this should be defaulted and never be nil",
            )),
            Some(rolling) => {
                let rolling_path = path.child("rollingUpdate");
                let zero = int_or_string_zero();
                let unavailable = get(rolling, "maxUnavailable").unwrap_or(&zero);
                let surge = get(rolling, "maxSurge").unwrap_or(&zero);
                errors.extend(positive_int_or_percent(
                    unavailable,
                    &rolling_path.child("maxUnavailable"),
                ));
                errors.extend(positive_int_or_percent(
                    surge,
                    &rolling_path.child("maxSurge"),
                ));
                if int_or_percent_value(Some(unavailable)) == 0
                    && int_or_percent_value(Some(surge)) == 0
                {
                    errors.push(invalid(
                        &rolling_path.child("maxUnavailable"),
                        Bad::Raw(gofmt::int_or_string(unavailable)),
                        "may not be 0 when `maxSurge` is 0",
                    ));
                }
                errors.extend(not_more_than_100_percent(
                    unavailable,
                    &rolling_path.child("maxUnavailable"),
                ));
            }
        },
        _ => errors.push(not_supported(
            path,
            Bad::Raw(format!(
                "apps.DeploymentStrategy{{Type:{}, RollingUpdate:{}}}",
                gofmt::quote(str_of(strategy, "type")),
                match get(strategy, "rollingUpdate") {
                    None => "(*apps.RollingUpdateDeployment)(nil)".to_owned(),
                    Some(rolling) => format!(
                        "&{}",
                        gofmt::go_struct("apps.RollingUpdateDeployment", rolling)
                    ),
                }
            )),
            &["Recreate", "RollingUpdate"],
        )),
    }
    errors
}

/// `ValidateDeployment`.
pub(crate) fn deployment(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_subdomain);
    let empty = Value::Null;
    errors.extend(deployment_spec(
        get(object, "spec").unwrap_or(&empty),
        &Path::new("spec"),
    ));
    errors
}

/// `ValidateDeploymentUpdate` plus apps/v1's immutable `spec.selector`.
pub(crate) fn deployment_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    let empty = Value::Null;
    let spec = get(new, "spec").unwrap_or(&empty);
    errors.extend(deployment_spec(spec, &Path::new("spec")));
    errors.extend(selector_immutable(new, old));
    errors
}

/// `spec.selector` is immutable in apps/v1.
fn selector_immutable(new: &Value, old: &Value) -> Errors {
    let empty = Value::Null;
    let selector = get(new, "spec").and_then(|spec| get(spec, "selector"));
    let old_selector = get(old, "spec").and_then(|spec| get(spec, "selector"));
    if semantic_eq(selector.unwrap_or(&empty), old_selector.unwrap_or(&empty)) {
        return Vec::new();
    }
    let rendered = match selector {
        None => Bad::Null,
        Some(selector) => Bad::Raw(gofmt::label_selector(selector)),
    };
    vec![immutable(&Path::new("spec").child("selector"), rendered)]
}

// --- ReplicaSets ---

fn replica_set_spec(spec: &Value, path: &Path) -> Errors {
    let mut errors = nonnegative(int_of(spec, "replicas"), &path.child("replicas"));
    errors.extend(nonnegative(
        int_of(spec, "minReadySeconds"),
        &path.child("minReadySeconds"),
    ));
    let (selector_errors, converts) = selector_rules(spec, "deployment", path);
    errors.extend(selector_errors);
    if converts {
        errors.extend(template_for_replica_set(spec, "ReplicaSet", path));
    } else if let Some(selector) = get(spec, "selector") {
        errors.push(invalid(
            &path.child("selector"),
            Bad::Raw(gofmt::label_selector(selector)),
            "invalid label selector",
        ));
    }
    errors
}

/// `ValidateReplicaSet`.
pub(crate) fn replica_set(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_subdomain);
    let empty = Value::Null;
    errors.extend(replica_set_spec(
        get(object, "spec").unwrap_or(&empty),
        &Path::new("spec"),
    ));
    errors
}

/// `ValidateReplicaSetUpdate` plus the immutable selector.
pub(crate) fn replica_set_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    let empty = Value::Null;
    errors.extend(replica_set_spec(
        get(new, "spec").unwrap_or(&empty),
        &Path::new("spec"),
    ));
    errors.extend(selector_immutable(new, old));
    errors
}

// --- StatefulSets ---

fn stateful_set_spec(spec: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    match str_of(spec, "podManagementPolicy") {
        "" => errors.push(required(&path.child("podManagementPolicy"), "")),
        "OrderedReady" | "Parallel" => {}
        other => errors.push(invalid(
            &path.child("podManagementPolicy"),
            other,
            "must be 'OrderedReady' or 'Parallel'",
        )),
    }
    let empty = Value::Null;
    let strategy = get(spec, "updateStrategy").unwrap_or(&empty);
    let strategy_path = path.child("updateStrategy");
    match str_of(strategy, "type") {
        "" => errors.push(required(&strategy_path, "")),
        "OnDelete" => {
            if let Some(rolling) = get(strategy, "rollingUpdate") {
                errors.push(invalid(
                    &strategy_path.child("rollingUpdate"),
                    Bad::Raw(gofmt::go_struct("apps.RollingUpdateStatefulSetStrategy", rolling)),
                    "only allowed for updateStrategy 'RollingUpdate'",
                ));
            }
        }
        "RollingUpdate" => {
            if let Some(rolling) = get(strategy, "rollingUpdate") {
                let rolling_path = strategy_path.child("rollingUpdate");
                errors.extend(nonnegative(int_of(rolling, "partition"), &rolling_path.child("partition")));
                if let Some(unavailable) = get(rolling, "maxUnavailable") {
                    let unavailable_path = rolling_path.child("maxUnavailable");
                    errors.extend(positive_int_or_percent(unavailable, &unavailable_path));
                    if int_or_percent_value(Some(unavailable)) == 0 {
                        errors.push(invalid(
                            &unavailable_path,
                            Bad::Raw(gofmt::int_or_string(unavailable)),
                            "cannot be 0",
                        ));
                    }
                    errors.extend(not_more_than_100_percent(unavailable, &unavailable_path));
                }
            }
        }
        other => errors.push(invalid(
            &strategy_path,
            Bad::Raw(format!(
                "apps.StatefulSetUpdateStrategy{{Type:{}, RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}}",
                gofmt::quote(other)
            )),
            "must be 'RollingUpdate' or 'OnDelete'",
        )),
    }
    if let Some(policy) = get(spec, "persistentVolumeClaimRetentionPolicy") {
        let policy_path = path.child("persistentVolumeClaimRetentionPolicy");
        for field in ["whenDeleted", "whenScaled"] {
            let value = str_of(policy, field);
            if !matches!(value, "Retain" | "Delete") {
                errors.push(not_supported(
                    &policy_path.child(field),
                    value,
                    &["Retain", "Delete"],
                ));
            }
        }
    }
    errors.extend(nonnegative(
        int_of(spec, "replicas"),
        &path.child("replicas"),
    ));
    errors.extend(nonnegative(
        int_of(spec, "minReadySeconds"),
        &path.child("minReadySeconds"),
    ));
    if let Some(ordinals) = get(spec, "ordinals") {
        errors.extend(nonnegative(
            int_of(ordinals, "start"),
            &path.child("ordinals.start"),
        ));
    }
    let (selector_errors, converts) = selector_rules(spec, "statefulset", path);
    errors.extend(selector_errors);
    let template_path = path.child("template");
    if !converts {
        errors.push(invalid(
            &path.child("selector"),
            Bad::Raw(gofmt::label_selector(
                get(spec, "selector").unwrap_or(&empty),
            )),
            "",
        ));
    } else {
        let template = get(spec, "template").unwrap_or(&empty);
        let meta = get(template, "metadata").unwrap_or(&empty);
        let selector = get(spec, "selector");
        let labels = get(meta, "labels");
        if !selector_converts_to_everything(selector)
            && selector_matches(selector, labels) == Some(false)
        {
            errors.push(invalid(
                &template_path.child("metadata").child("labels"),
                Bad::Raw(gofmt::string_map(labels)),
                "`selector` does not match template `labels`",
            ));
        }
        errors.extend(validate_labels(
            meta,
            "labels",
            &template_path.child("labels"),
        ));
        errors.extend(validate_annotations(
            meta,
            &template_path.child("annotations"),
        ));
        errors.extend(pod::pod_specific_annotations(
            meta,
            get(template, "spec").unwrap_or(&empty),
            &template_path.child("annotations"),
        ));
    }
    let pod_spec = get(spec, "template")
        .and_then(|template| get(template, "spec"))
        .unwrap_or(&empty);
    let restart = str_of(pod_spec, "restartPolicy");
    if restart != "Always" {
        errors.push(not_supported(
            &template_path.child("spec").child("restartPolicy"),
            restart,
            &["Always"],
        ));
    }
    if get(pod_spec, "activeDeadlineSeconds").is_some() {
        errors.push(forbidden(
            &template_path.child("spec").child("activeDeadlineSeconds"),
            "activeDeadlineSeconds in StatefulSet is not Supported",
        ));
    }
    errors
}

/// `ValidateStatefulSet` (kube validates neither the pod spec of the template nor the claim
/// templates of a StatefulSet beyond labels and annotations).
pub(crate) fn stateful_set(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_label);
    let empty = Value::Null;
    errors.extend(stateful_set_spec(
        get(object, "spec").unwrap_or(&empty),
        &Path::new("spec"),
    ));
    errors
}

/// `ValidateStatefulSetUpdate`: only replicas, ordinals, template, updateStrategy,
/// persistentVolumeClaimRetentionPolicy and minReadySeconds may change.
pub(crate) fn stateful_set_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    let empty = Value::Null;
    let spec = get(new, "spec").unwrap_or(&empty);
    let old_spec = get(old, "spec").unwrap_or(&empty);
    errors.extend(stateful_set_spec(spec, &Path::new("spec")));
    let mutable = [
        "replicas",
        "ordinals",
        "template",
        "updateStrategy",
        "persistentVolumeClaimRetentionPolicy",
        "minReadySeconds",
    ];
    let strip = |spec: &Value| {
        let mut clone = spec.clone();
        if let Some(map) = clone.as_object_mut() {
            for field in mutable {
                map.remove(field);
            }
        }
        clone
    };
    if !semantic_eq(&strip(spec), &strip(old_spec)) {
        errors.push(forbidden(
            &Path::new("spec"),
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', \
             'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and \
             'minReadySeconds' are forbidden",
        ));
    }
    errors
}

// --- DaemonSets ---

fn daemon_set_spec(spec: &Value, path: &Path) -> Errors {
    let selector = get(spec, "selector");
    let mut errors = validate_label_selector(selector, &path.child("selector"));
    let empty = Value::Null;
    let template = get(spec, "template").unwrap_or(&empty);
    let labels = get(template, "metadata").and_then(|meta| get(meta, "labels"));
    if selector_matches(selector, labels) == Some(false) {
        errors.push(invalid(
            &path.child("template").child("metadata").child("labels"),
            Bad::Raw(gofmt::string_map(labels)),
            "`selector` does not match template `labels`",
        ));
    }
    if let Some(selector) = selector
        && selector_is_empty(selector)
    {
        errors.push(invalid(
            &path.child("selector"),
            Bad::Raw(gofmt::label_selector(selector)),
            "empty selector is invalid for daemonset",
        ));
    }
    errors.extend(pod::template_spec(
        template,
        &path.child("template"),
        Options::default(),
    ));
    let pod_spec = get(template, "spec").unwrap_or(&empty);
    let restart = str_of(pod_spec, "restartPolicy");
    if restart != "Always" {
        errors.push(not_supported(
            &path.child("template").child("spec").child("restartPolicy"),
            restart,
            &["Always"],
        ));
    }
    if get(pod_spec, "activeDeadlineSeconds").is_some() {
        errors.push(forbidden(
            &path
                .child("template")
                .child("spec")
                .child("activeDeadlineSeconds"),
            "activeDeadlineSeconds in DaemonSet is not Supported",
        ));
    }
    errors.extend(nonnegative(
        int_of(spec, "minReadySeconds"),
        &path.child("minReadySeconds"),
    ));
    errors.extend(nonnegative(
        int_of(spec, "templateGeneration"),
        &path.child("templateGeneration"),
    ));
    let strategy = get(spec, "updateStrategy").unwrap_or(&empty);
    let strategy_path = path.child("updateStrategy");
    match str_of(strategy, "type") {
        "OnDelete" => {}
        "RollingUpdate" => match get(strategy, "rollingUpdate") {
            None => errors.push(required(&strategy_path.child("rollingUpdate"), "")),
            Some(rolling) => {
                let rolling_path = strategy_path.child("rollingUpdate");
                let zero = int_or_string_zero();
                let unavailable = get(rolling, "maxUnavailable").unwrap_or(&zero);
                let surge = get(rolling, "maxSurge").unwrap_or(&zero);
                errors.extend(positive_int_or_percent(unavailable, &rolling_path.child("maxUnavailable")));
                errors.extend(positive_int_or_percent(surge, &rolling_path.child("maxSurge")));
                errors.extend(not_more_than_100_percent(unavailable, &rolling_path.child("maxUnavailable")));
                errors.extend(not_more_than_100_percent(surge, &rolling_path.child("maxSurge")));
                let has_unavailable = int_or_percent_value(Some(unavailable)) != 0;
                let has_surge = int_or_percent_value(Some(surge)) != 0;
                if has_unavailable && has_surge {
                    errors.push(invalid(
                        &rolling_path.child("maxSurge"),
                        Bad::Raw(gofmt::int_or_string(surge)),
                        "may not be set when maxUnavailable is non-zero",
                    ));
                } else if !has_unavailable && !has_surge {
                    errors.push(required(
                        &rolling_path.child("maxUnavailable"),
                        "cannot be 0 when maxSurge is 0",
                    ));
                }
            }
        },
        other => errors.push(not_supported(
            &strategy_path,
            Bad::Raw(format!(
                "apps.DaemonSetUpdateStrategy{{Type:{}, RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}}",
                gofmt::quote(other)
            )),
            &["RollingUpdate", "OnDelete"],
        )),
    }
    if let Some(limit) = opt_int(spec, "revisionHistoryLimit") {
        errors.extend(nonnegative(limit, &path.child("revisionHistoryLimit")));
    }
    errors
}

/// `ValidateDaemonSet`.
pub(crate) fn daemon_set(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_subdomain);
    let empty = Value::Null;
    errors.extend(daemon_set_spec(
        get(object, "spec").unwrap_or(&empty),
        &Path::new("spec"),
    ));
    errors
}

/// `ValidateDaemonSetUpdate` plus the immutable selector.
pub(crate) fn daemon_set_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    let empty = Value::Null;
    errors.extend(daemon_set_spec(
        get(new, "spec").unwrap_or(&empty),
        &Path::new("spec"),
    ));
    errors.extend(selector_immutable(new, old));
    errors
}

// --- ControllerRevisions ---

/// `ValidateControllerRevision`.
pub(crate) fn controller_revision(object: &Value) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_subdomain);
    if get(object, "data").is_none() {
        errors.push(required(&Path::new("data"), "data is mandatory"));
    }
    errors.extend(nonnegative(
        int_of(object, "revision"),
        &Path::new("revision"),
    ));
    errors
}

/// `ValidateControllerRevisionUpdate`: `data` is immutable.
pub(crate) fn controller_revision_update(new: &Value, old: &Value) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    errors.extend(controller_revision(new));
    let empty = Value::Null;
    let data = get(new, "data").unwrap_or(&empty);
    if !semantic_eq(data, get(old, "data").unwrap_or(&empty)) {
        errors.push(immutable(
            &Path::new("data"),
            Bad::Raw(format!(
                "runtime.RawExtension{{Raw:{}}}",
                gofmt::quote(&data.to_string())
            )),
        ));
    }
    errors
}
