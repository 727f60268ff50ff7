//! autoscaling HorizontalPodAutoscalers (`pkg/apis/autoscaling/validation`), v2 as served and
//! v1 through its mapping onto the internal (v2-shaped) type, whose paths kube reports.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::builtin::field::{Errors, Path, forbidden, invalid, not_supported, required};
use crate::builtin::formats::{
    dns1123_label, format_errors, name_is_dns_subdomain, path_segment_name,
};
use crate::builtin::meta::{validate_object_meta, validate_object_meta_update};
use crate::builtin::quantity;
use crate::builtin::value::{get, int_of, list, opt_int, opt_str, str_of};

use super::pod::container_resource_name;

/// `ValidateCrossVersionObjectReference`.
pub(crate) fn cross_version_reference(reference: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    for field in ["kind", "name"] {
        let value = str_of(reference, field);
        if value.is_empty() {
            errors.push(required(&path.child(field), ""));
        } else {
            for message in path_segment_name(value, false) {
                errors.push(invalid(&path.child(field), value, &message));
            }
        }
    }
    errors
}

fn hpa_spec(spec: &Value, path: &Path, min_bound: i64) -> Errors {
    let mut errors = Vec::new();
    let min = opt_int(spec, "minReplicas");
    if let Some(min) = min
        && min < min_bound
    {
        errors.push(invalid(
            &path.child("minReplicas"),
            min,
            &format!("must be greater than or equal to {min_bound}"),
        ));
    }
    let max = int_of(spec, "maxReplicas");
    if max < 1 {
        errors.push(invalid(
            &path.child("maxReplicas"),
            max,
            "must be greater than 0",
        ));
    }
    if let Some(min) = min
        && max < min
    {
        errors.push(invalid(
            &path.child("maxReplicas"),
            max,
            "must be greater than or equal to `minReplicas`",
        ));
    }
    let empty = Value::Null;
    errors.extend(cross_version_reference(
        get(spec, "scaleTargetRef").unwrap_or(&empty),
        &path.child("scaleTargetRef"),
    ));
    let metrics = list(spec, "metrics");
    let (mut has_object, mut has_external) = (false, false);
    for (index, metric) in metrics.iter().enumerate() {
        errors.extend(metric_spec(metric, &path.child("metrics").index(index)));
        has_object |= str_of(metric, "type") == "Object";
        has_external |= str_of(metric, "type") == "External";
    }
    if min == Some(0) && !has_object && !has_external {
        errors.push(forbidden(
            &path.child("metrics"),
            "must specify at least one Object or External metric to support scaling to zero replicas",
        ));
    }
    if let Some(behavior) = get(spec, "behavior") {
        for key in ["scaleUp", "scaleDown"] {
            if let Some(rules) = get(behavior, key) {
                errors.extend(scaling_rules(rules, &path.child("behavior").child(key)));
            }
        }
    }
    errors
}

fn scaling_rules(rules: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    if let Some(window) = opt_int(rules, "stabilizationWindowSeconds") {
        if window < 0 {
            errors.push(invalid(
                &path.child("stabilizationWindowSeconds"),
                window,
                "must be greater than or equal to zero",
            ));
        }
        if window > 3600 {
            errors.push(invalid(
                &path.child("stabilizationWindowSeconds"),
                window,
                "must be less than or equal to 3600",
            ));
        }
    }
    if let Some(policy) = opt_str(rules, "selectPolicy")
        && !matches!(policy, "Max" | "Min" | "Disabled")
    {
        errors.push(not_supported(
            &path.child("selectPolicy"),
            policy,
            &["Disabled", "Max", "Min"],
        ));
    }
    let policies = list(rules, "policies");
    if policies.is_empty() {
        errors.push(required(
            &path.child("policies"),
            "must specify at least one Policy",
        ));
    }
    for (index, policy) in policies.iter().enumerate() {
        let policy_path = path.child("policies").index(index);
        let kind = str_of(policy, "type");
        if !matches!(kind, "Pods" | "Percent") {
            errors.push(not_supported(
                &policy_path.child("type"),
                kind,
                &["Percent", "Pods"],
            ));
        }
        let value = int_of(policy, "value");
        if value <= 0 {
            errors.push(invalid(
                &policy_path.child("value"),
                value,
                "must be greater than zero",
            ));
        }
        let period = int_of(policy, "periodSeconds");
        if period <= 0 {
            errors.push(invalid(
                &policy_path.child("periodSeconds"),
                period,
                "must be greater than zero",
            ));
        }
        if period > 1800 {
            errors.push(invalid(
                &policy_path.child("periodSeconds"),
                period,
                "must be less than or equal to 1800",
            ));
        }
    }
    errors
}

const SOURCE_TYPES: &[&str] = &[
    "ContainerResource",
    "External",
    "Object",
    "Pods",
    "Resource",
];

fn metric_spec(metric: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let kind = str_of(metric, "type");
    if kind.is_empty() {
        errors.push(required(
            &path.child("type"),
            "must specify a metric source type",
        ));
    }
    if !SOURCE_TYPES.contains(&kind) {
        errors.push(not_supported(&path.child("type"), kind, SOURCE_TYPES));
    }
    let mut present = BTreeSet::new();
    for (key, check) in [
        ("object", object_source as fn(&Value, &Path) -> Errors),
        ("external", external_source),
        ("pods", pods_source),
        ("resource", resource_source),
        ("containerResource", container_resource_source),
    ] {
        if let Some(source) = get(metric, key) {
            present.insert(key);
            if present.len() == 1 {
                errors.extend(check(source, &path.child(key)));
            }
        }
    }
    let expected = match kind {
        "Object" => "object",
        "Pods" => "pods",
        "Resource" => "resource",
        "External" => "external",
        "ContainerResource" => "containerResource",
        _ => {
            errors.push(not_supported(&path.child("type"), kind, SOURCE_TYPES));
            ""
        }
    };
    if !expected.is_empty() && get(metric, expected).is_none() {
        errors.push(required(
            &path.child(expected),
            "must populate information for the given metric source",
        ));
    }
    if present.len() != 1 {
        present.remove(expected);
        for key in present {
            errors.push(forbidden(
                &path.child(key),
                "must populate the given metric source only",
            ));
        }
    }
    errors
}

fn metric_identifier(source: &Value, path: &Path) -> Errors {
    let empty = Value::Null;
    let metric = get(source, "metric").unwrap_or(&empty);
    let name = str_of(metric, "name");
    if name.is_empty() {
        return vec![required(&path.child("name"), "must specify a metric name")];
    }
    path_segment_name(name, false)
        .into_iter()
        .map(|message| invalid(&path.child("name"), name, &message))
        .collect()
}

fn metric_target(target: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let kind = str_of(target, "type");
    if kind.is_empty() {
        errors.push(required(
            &path.child("type"),
            "must specify a metric target type",
        ));
    }
    if !matches!(kind, "Utilization" | "Value" | "AverageValue") {
        errors.push(invalid(
            &path.child("type"),
            kind,
            "must be either Utilization, Value, or AverageValue",
        ));
    }
    for field in ["value", "averageValue"] {
        if let Some(value) = get(target, field)
            && let Ok(quantity) = quantity::of(value)
            && quantity.sign() != 1
        {
            errors.push(invalid(
                &path.child(field),
                quantity.canonical(),
                "must be positive",
            ));
        }
    }
    if let Some(utilization) = opt_int(target, "averageUtilization")
        && utilization < 1
    {
        errors.push(invalid(
            &path.child("averageUtilization"),
            utilization,
            "must be greater than 0",
        ));
    }
    errors
}

fn target_of(source: &Value) -> Value {
    get(source, "target").cloned().unwrap_or(Value::Null)
}

fn object_source(source: &Value, path: &Path) -> Errors {
    let empty = Value::Null;
    let mut errors = cross_version_reference(
        get(source, "describedObject").unwrap_or(&empty),
        &path.child("describedObject"),
    );
    errors.extend(metric_identifier(source, &path.child("metric")));
    let target = target_of(source);
    errors.extend(metric_target(&target, &path.child("target")));
    if get(&target, "value").is_none() && get(&target, "averageValue").is_none() {
        errors.push(required(
            &path.child("target").child("averageValue"),
            "must set either a target value or averageValue",
        ));
    }
    errors
}

fn external_source(source: &Value, path: &Path) -> Errors {
    let mut errors = metric_identifier(source, &path.child("metric"));
    let target = target_of(source);
    errors.extend(metric_target(&target, &path.child("target")));
    let (value, average) = (get(&target, "value"), get(&target, "averageValue"));
    if value.is_none() && average.is_none() {
        errors.push(required(
            &path.child("target").child("averageValue"),
            "must set either a target value for metric or a per-pod target",
        ));
    }
    if value.is_some() && average.is_some() {
        errors.push(forbidden(
            &path.child("target").child("value"),
            "may not set both a target value for metric and a per-pod target",
        ));
    }
    errors
}

fn pods_source(source: &Value, path: &Path) -> Errors {
    let mut errors = metric_identifier(source, &path.child("metric"));
    let target = target_of(source);
    errors.extend(metric_target(&target, &path.child("target")));
    if get(&target, "averageValue").is_none() {
        errors.push(required(
            &path.child("target").child("averageValue"),
            "must specify a positive target averageValue",
        ));
    }
    errors
}

fn utilization_or_value(target: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let (utilization, average) = (
        get(target, "averageUtilization"),
        get(target, "averageValue"),
    );
    if utilization.is_none() && average.is_none() {
        errors.push(required(
            &path.child("target").child("averageUtilization"),
            "must set either a target raw value or a target utilization",
        ));
    }
    if utilization.is_some() && average.is_some() {
        errors.push(forbidden(
            &path.child("target").child("averageValue"),
            "may not set both a target raw value and a target utilization",
        ));
    }
    errors
}

fn resource_source(source: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    if str_of(source, "name").is_empty() {
        errors.push(required(
            &path.child("name"),
            "must specify a resource name",
        ));
    }
    let target = target_of(source);
    errors.extend(metric_target(&target, &path.child("target")));
    errors.extend(utilization_or_value(&target, path));
    errors
}

fn container_resource_source(source: &Value, path: &Path) -> Errors {
    let mut errors = Vec::new();
    let name = str_of(source, "name");
    if name.is_empty() {
        errors.push(required(
            &path.child("name"),
            "must specify a resource name",
        ));
    } else {
        errors.extend(container_resource_name(name, &path.child("name")));
    }
    let container = str_of(source, "container");
    if container.is_empty() {
        errors.push(required(
            &path.child("container"),
            "must specify a container",
        ));
    } else {
        errors.extend(format_errors(
            &path.child("container"),
            container,
            dns1123_label,
        ));
    }
    let target = target_of(source);
    errors.extend(metric_target(&target, &path.child("target")));
    errors.extend(utilization_or_value(&target, path));
    errors
}

/// The internal (v2-shaped) spec of an autoscaling/v1 HPA.
fn v1_as_internal(object: &Value) -> Value {
    let empty = Value::Null;
    let spec = get(object, "spec").unwrap_or(&empty);
    let mut internal = spec.clone();
    if let Some(map) = internal.as_object_mut() {
        map.remove("targetCPUUtilizationPercentage");
        if let Some(target) = opt_int(spec, "targetCPUUtilizationPercentage") {
            map.insert(
                "metrics".to_owned(),
                json!([{"type": "Resource", "resource": {"name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": target}}}]),
            );
        }
    }
    internal
}

/// `ValidateHorizontalPodAutoscaler` (HPAScaleToZero off: minReplicas at least 1).
pub(crate) fn hpa(object: &Value, version: &str) -> Errors {
    let mut errors = validate_object_meta(object, true, name_is_dns_subdomain);
    let empty = Value::Null;
    let spec = if version == "v1" {
        v1_as_internal(object)
    } else {
        get(object, "spec").unwrap_or(&empty).clone()
    };
    errors.extend(hpa_spec(&spec, &Path::new("spec"), 1));
    errors
}

/// `ValidateHorizontalPodAutoscalerUpdate` (a stored minReplicas of 0 stays allowed).
pub(crate) fn hpa_update(new: &Value, old: &Value, version: &str) -> Errors {
    let mut errors = validate_object_meta_update(new, old);
    let empty = Value::Null;
    let spec = if version == "v1" {
        v1_as_internal(new)
    } else {
        get(new, "spec").unwrap_or(&empty).clone()
    };
    let old_min = get(old, "spec").and_then(|spec| opt_int(spec, "minReplicas"));
    let bound = if old_min == Some(0) { 0 } else { 1 };
    errors.extend(hpa_spec(&spec, &Path::new("spec"), bound));
    errors
}
