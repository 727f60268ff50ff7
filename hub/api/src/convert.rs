//! Conversion between a resource's served version and the version it is stored in, for
//! resources that share storage with another group: `events.k8s.io/v1` Events are stored as
//! core/v1 Events, as kube-apiserver does, so both APIs show the same events.

use serde_json::{Map, Value};

/// Whether objects of `group`/`resource` are stored in another version's shape.
pub fn needs_conversion(group: &str, resource: &str) -> bool {
    group == "events.k8s.io" && resource == "events"
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

/// The stored (core/v1) form of an object served by `group`.
pub fn to_storage(group: &str, resource: &str, mut object: Map<String, Value>) -> Map<String, Value> {
    if !needs_conversion(group, resource) {
        return object;
    }
    for (served, stored) in EVENT_FIELDS {
        if let Some(value) = object.remove(*served) {
            object.insert((*stored).to_owned(), value);
        }
    }
    object.insert("apiVersion".into(), Value::String("v1".into()));
    object
}

/// The served form (for `group`) of a stored core/v1 object.
pub fn from_storage(group: &str, resource: &str, mut object: Map<String, Value>) -> Map<String, Value> {
    if !needs_conversion(group, resource) {
        return object;
    }
    for (served, stored) in EVENT_FIELDS {
        if let Some(value) = object.remove(*stored) {
            object.insert((*served).to_owned(), value);
        }
    }
    object.insert("apiVersion".into(), Value::String("events.k8s.io/v1".into()));
    object
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_round_trip_between_the_two_apis() {
        let served = json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e"},
            "regarding": {"kind": "Pod", "name": "p"}, "note": "pulled", "reason": "Pulled",
            "reportingController": "kubelet", "deprecatedCount": 3});
        let stored = to_storage("events.k8s.io", "events", served.as_object().unwrap().clone());
        assert_eq!(stored["apiVersion"], "v1");
        assert_eq!(stored["involvedObject"]["name"], "p");
        assert_eq!(stored["message"], "pulled");
        assert_eq!(stored["reportingComponent"], "kubelet");
        assert_eq!(stored["count"], 3);
        let back = from_storage("events.k8s.io", "events", stored);
        assert_eq!(Value::Object(back), served);
        let untouched = json!({"kind": "ConfigMap"}).as_object().unwrap().clone();
        assert_eq!(to_storage("", "configmaps", untouched.clone()), untouched);
    }
}
