//! The `scale` subresource: the `autoscaling/v1` Scale view of a workload, and writing a Scale
//! back into it.

use hub_api::registry::{ResourceDef, ScaleDef};
use serde_json::{Map, Value, json};

use crate::error::ApiError;
use crate::meta;

/// The Scale of `object`.
pub fn view(
    def: &ResourceDef,
    object: &Map<String, Value>,
) -> Result<Map<String, Value>, ApiError> {
    let scale = scale_def(def)?;
    let root = Value::Object(object.clone());
    let spec_replicas = lookup(&root, &scale.spec_replicas)
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let status_replicas = lookup(&root, &scale.status_replicas)
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let selector = match scale
        .label_selector
        .as_deref()
        .and_then(|path| lookup(&root, path))
    {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        // A map selector (ReplicationController) or a LabelSelector (apps).
        Some(selector @ Value::Object(map))
            if !map.contains_key("matchLabels") && !map.contains_key("matchExpressions") =>
        {
            let pairs: Vec<String> = map
                .iter()
                .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
                .collect();
            let _ = selector;
            pairs.join(",")
        }
        Some(selector) => hub_api::selectors::LabelSelector::from_label_selector_json(selector)
            .map(|selector| selector.to_string())
            .unwrap_or_default(),
    };
    let metadata = meta::metadata(object).cloned().unwrap_or_default();
    let mut scale_metadata = Map::new();
    for field in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(value) = metadata.get(field) {
            scale_metadata.insert(field.into(), value.clone());
        }
    }
    let mut status = json!({"replicas": status_replicas});
    if !selector.is_empty()
        && let Some(status) = status.as_object_mut()
    {
        status.insert("selector".into(), Value::String(selector));
    }
    let view = json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": scale_metadata,
        "spec": {"replicas": spec_replicas},
        "status": status,
    });
    Ok(view.as_object().cloned().unwrap_or_default())
}

/// `current` with the replicas of `scale` written into it.
pub fn apply(
    def: &ResourceDef,
    current: &Map<String, Value>,
    scale: &Map<String, Value>,
) -> Result<Map<String, Value>, ApiError> {
    let scale_def = scale_def(def)?;
    let name = meta::name(current).to_owned();
    let replicas = scale.get("spec").and_then(|spec| spec.get("replicas"));
    let replicas = match replicas {
        None | Some(Value::Null) => 0,
        Some(value) => value.as_i64().ok_or_else(|| {
            ApiError::invalid(
                "Scale",
                "autoscaling",
                &name,
                "spec.replicas",
                "FieldValueInvalid",
                format!("Invalid value: {value}: must be an integer"),
            )
        })?,
    };
    if replicas < 0 {
        return Err(ApiError::invalid(
            "Scale",
            "autoscaling",
            &name,
            "spec.replicas",
            "FieldValueInvalid",
            format!("Invalid value: {replicas}: must be greater than or equal to 0"),
        ));
    }
    let mut next = Value::Object(current.clone());
    let before = lookup(&next, &scale_def.spec_replicas).cloned();
    set(&mut next, &scale_def.spec_replicas, Value::from(replicas));
    let Value::Object(mut next) = next else {
        return Err(ApiError::Internal("scale target is not an object".into()));
    };
    if def.generation && before != Some(Value::from(replicas)) {
        let generation = meta::metadata(&next)
            .and_then(|metadata| metadata.get("generation"))
            .and_then(Value::as_i64)
            .unwrap_or(1);
        meta::metadata_mut(&mut next).insert("generation".into(), Value::from(generation + 1));
    }
    Ok(next)
}

fn scale_def(def: &ResourceDef) -> Result<&ScaleDef, ApiError> {
    def.scale.as_ref().ok_or(ApiError::NoRoute)
}

/// Follows a dotted path (`.spec.replicas`).
fn lookup<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    path.trim_start_matches('.')
        .split('.')
        .filter(|part| !part.is_empty())
        .try_fold(root, |value, part| value.get(part))
}

/// Sets a dotted path, creating objects on the way.
fn set(root: &mut Value, path: &str, value: Value) {
    let parts: Vec<&str> = path
        .trim_start_matches('.')
        .split('.')
        .filter(|part| !part.is_empty())
        .collect();
    let mut cursor = root;
    for (index, part) in parts.iter().enumerate() {
        if !cursor.is_object() {
            *cursor = Value::Object(Map::new());
        }
        let Value::Object(map) = cursor else { return };
        if index + 1 == parts.len() {
            map.insert((*part).to_owned(), value);
            return;
        }
        cursor = map
            .entry((*part).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hub_api::registry::Registry;

    #[test]
    fn scale_round_trip_on_a_deployment() {
        let registry = Registry::builtin();
        let def = registry.lookup("apps", "v1", "deployments").unwrap();
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "d", "generation": 2, "resourceVersion": "5"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}},
            "status": {"replicas": 1}});
        let deployment = deployment.as_object().unwrap().clone();
        let scale = view(def, &deployment).unwrap();
        assert_eq!(scale["spec"]["replicas"], 2);
        assert_eq!(scale["status"]["replicas"], 1);
        assert_eq!(scale["status"]["selector"], "app=web");
        assert_eq!(scale["metadata"]["resourceVersion"], "5");
        let wanted = json!({"spec": {"replicas": 5}})
            .as_object()
            .unwrap()
            .clone();
        let updated = apply(def, &deployment, &wanted).unwrap();
        assert_eq!(updated["spec"]["replicas"], 5);
        assert_eq!(updated["metadata"]["generation"], 3);
        let negative = json!({"spec": {"replicas": -1}})
            .as_object()
            .unwrap()
            .clone();
        assert!(matches!(
            apply(def, &deployment, &negative),
            Err(ApiError::Invalid { .. })
        ));
    }
}
