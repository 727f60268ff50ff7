//! Errors as kube words them: conflicts (one line or a section per manager), configurations
//! that do not fit their type.

use serde_json::Value;

use super::fieldpath::path_string;
use super::updater::Failure;
use super::{ApplyError, Conflict};

/// The error of an updater failure, naming the applied object as kube does.
pub(super) fn failure_error(
    failure: Failure,
    applied: &Value,
    api_version: &str,
    kind: &str,
) -> ApplyError {
    match failure {
        Failure::Conflicts(conflicts) => ApplyError::Conflicts(
            conflicts
                .iter()
                .flat_map(|(identity, set)| {
                    set.paths().into_iter().map(move |path| Conflict {
                        manager: identity.describe(),
                        field: path_string(&path),
                    })
                })
                .collect(),
        ),
        Failure::Invalid(message) => {
            let metadata = applied.get("metadata");
            let text = |key: &str| {
                metadata
                    .and_then(|metadata| metadata.get(key))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            };
            ApplyError::Invalid {
                object: format!(
                    "{}/{}; {}",
                    text("namespace"),
                    text("name"),
                    gvk_string(api_version, kind)
                ),
                message,
            }
        }
    }
}

/// Go's `schema.GroupVersionKind` string: `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`.
pub(super) fn gvk_string(api_version: &str, kind: &str) -> String {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    format!("{group}/{version}, Kind={kind}")
}

/// kube's conflict message: `Apply failed with 1 conflict: conflict with "m" using v1: .data.k`,
/// or one section per manager for several.
pub(super) fn conflicts_message(conflicts: &[Conflict]) -> String {
    if let [conflict] = conflicts {
        return format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            conflict.manager, conflict.field
        );
    }
    let mut managers: Vec<&str> = conflicts.iter().map(|c| c.manager.as_str()).collect();
    managers.sort_unstable();
    managers.dedup();
    let mut lines = Vec::new();
    for manager in managers {
        lines.push(format!("conflicts with {manager}:"));
        for conflict in conflicts.iter().filter(|c| c.manager == manager) {
            lines.push(format!("- {}", conflict.field));
        }
    }
    format!(
        "Apply failed with {} conflicts: {}",
        conflicts.len(),
        lines.join("\n")
    )
}
