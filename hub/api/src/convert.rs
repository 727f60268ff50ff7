//! Conversion between a resource's served version and the version it is stored in, for
//! resources served in several shapes over one storage location, as kube-apiserver does:
//!
//! - `events.k8s.io/v1` Events are stored as core/v1 Events, so both APIs show the same events;
//! - `autoscaling/v1` HorizontalPodAutoscalers are stored as `autoscaling/v2` ones (kubectl
//!   `autoscale` sends v1).

use serde_json::{Map, Value, json};

/// Whether objects served as `group`/`version`/`resource` are stored in another shape.
pub fn needs_conversion(group: &str, version: &str, resource: &str) -> bool {
    matches!(
        (group, version, resource),
        ("events.k8s.io", _, "events") | ("autoscaling", "v1", "horizontalpodautoscalers")
    )
}

/// Field renames between events.k8s.io/v1 (left) and core/v1 (right).
const EVENT_FIELDS: &[(&str, &str)] = &[
    ("regarding", "involvedObject"),
    ("note", "message"),
    ("reportingController", "reportingComponent"),
    ("deprecatedSource", "source"),
    ("deprecatedFirstTimestamp", "firstTimestamp"),
    ("deprecatedLastTimestamp", "lastTimestamp"),
    ("deprecatedCount", "count"),
];

/// The stored form of an object served as `group`/`version`/`resource`.
pub fn to_storage(
    group: &str,
    version: &str,
    resource: &str,
    mut object: Map<String, Value>,
) -> Map<String, Value> {
    match (group, version, resource) {
        ("events.k8s.io", _, "events") => {
            for (served, stored) in EVENT_FIELDS {
                if let Some(value) = object.remove(*served) {
                    object.insert((*stored).to_owned(), value);
                }
            }
            object.insert("apiVersion".into(), Value::String("v1".into()));
            object
        }
        ("autoscaling", "v1", "horizontalpodautoscalers") => hpa_v1_to_v2(object),
        _ => object,
    }
}

/// The served form (as `group`/`version`/`resource`) of a stored object.
pub fn from_storage(
    group: &str,
    version: &str,
    resource: &str,
    mut object: Map<String, Value>,
) -> Map<String, Value> {
    match (group, version, resource) {
        ("events.k8s.io", _, "events") => {
            for (served, stored) in EVENT_FIELDS {
                if let Some(value) = object.remove(*stored) {
                    object.insert((*served).to_owned(), value);
                }
            }
            object.insert(
                "apiVersion".into(),
                Value::String("events.k8s.io/v1".into()),
            );
            object
        }
        ("autoscaling", "v1", "horizontalpodautoscalers") => hpa_v2_to_v1(object),
        _ => object,
    }
}

fn hpa_v1_to_v2(mut object: Map<String, Value>) -> Map<String, Value> {
    object.insert("apiVersion".into(), json!("autoscaling/v2"));
    if let Some(Value::Object(spec)) = object.get_mut("spec")
        && let Some(target) = spec.remove("targetCPUUtilizationPercentage")
    {
        spec.insert(
            "metrics".into(),
            json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}}}]),
        );
    }
    if let Some(Value::Object(status)) = object.get_mut("status")
        && let Some(current) = status.remove("currentCPUUtilizationPercentage")
    {
        status.insert(
            "currentMetrics".into(),
            json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": current}}}]),
        );
    }
    object
}

fn hpa_v2_to_v1(mut object: Map<String, Value>) -> Map<String, Value> {
    object.insert("apiVersion".into(), json!("autoscaling/v1"));
    let cpu = |metrics: Option<Value>, field: &str| {
        metrics.and_then(|metrics| {
            metrics.as_array()?.iter().find_map(|metric| {
                let resource = metric.get("resource")?;
                (metric.get("type")? == "Resource" && resource.get("name")? == "cpu")
                    .then(|| resource.get(field)?.get("averageUtilization").cloned())
                    .flatten()
            })
        })
    };
    if let Some(Value::Object(spec)) = object.get_mut("spec") {
        spec.remove("behavior");
        if let Some(target) = cpu(spec.remove("metrics"), "target") {
            spec.insert("targetCPUUtilizationPercentage".into(), target);
        }
    }
    if let Some(Value::Object(status)) = object.get_mut("status") {
        status.remove("conditions");
        if let Some(current) = cpu(status.remove("currentMetrics"), "current") {
            status.insert("currentCPUUtilizationPercentage".into(), current);
        }
    }
    object
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_between_the_two_apis() {
        let served = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e"},
            "regarding": {"kind": "Pod", "name": "p"}, "note": "pulled", "reason": "Pulled",
            "reportingController": "kubelet", "deprecatedCount": 3});
        let stored = to_storage(
            "events.k8s.io",
            "v1",
            "events",
            served.as_object().unwrap().clone(),
        );
        assert_eq!(stored["apiVersion"], "v1");
        assert_eq!(stored["involvedObject"]["name"], "p");
        assert_eq!(stored["message"], "pulled");
        assert_eq!(stored["reportingComponent"], "kubelet");
        assert_eq!(stored["count"], 3);
        let back = from_storage("events.k8s.io", "v1", "events", stored);
        assert_eq!(Value::Object(back), served);
        let untouched = json!({"kind": "ConfigMap"}).as_object().unwrap().clone();
        assert_eq!(
            to_storage("", "v1", "configmaps", untouched.clone()),
            untouched
        );
    }

    #[test]
    fn hpa_v1_round_trips_through_v2() {
        let v1 = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                     "minReplicas": 1, "maxReplicas": 5, "targetCPUUtilizationPercentage": 80}});
        let stored = to_storage(
            "autoscaling",
            "v1",
            "horizontalpodautoscalers",
            v1.as_object().unwrap().clone(),
        );
        assert_eq!(stored["apiVersion"], "autoscaling/v2");
        assert_eq!(
            stored["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
            80
        );
        let back = from_storage("autoscaling", "v1", "horizontalpodautoscalers", stored);
        assert_eq!(Value::Object(back), v1);
    }
}
