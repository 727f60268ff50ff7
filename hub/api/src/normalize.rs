//! Decoding built-in objects as kube-apiserver does: through their typed schema (k8s-openapi's
//! types), which drops unknown fields and refuses wrongly-typed ones. The unknown fields are
//! reported, so `fieldValidation=Strict` can refuse them and `Warn` can name them.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why an object cannot be decoded as its kind.
#[derive(Debug, thiserror::Error)]
#[error("{kind} in version \"{version}\" cannot be handled as a {kind}: {message}")]
pub struct DecodeError {
    /// The kind.
    pub kind: String,
    /// The version.
    pub version: String,
    /// What went wrong.
    pub message: String,
}

/// An object decoded through its typed schema.
#[derive(Debug)]
pub struct Normalized {
    /// The object re-encoded from its typed form: unknown fields dropped, nulls of optional
    /// fields removed.
    pub object: Value,
    /// Paths of the unknown fields dropped, as kube names them (`spec.foo`, `data[0].x`).
    pub unknown_fields: Vec<String>,
}

/// Decodes `object` as the built-in `group`/`version`/`kind`; `None` when the kind has no typed
/// schema here (custom resources), in which case the caller keeps the object as it is.
pub fn normalize(
    group: &str,
    version: &str,
    kind: &str,
    object: Value,
) -> Option<Result<Normalized, DecodeError>> {
    use k8s_openapi::api::*;
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiextensions;
    macro_rules! kinds {
        ($( ($g:literal, $v:literal, $k:literal) => $t:ty ),* $(,)?) => {
            match (group, version, kind) {
                $( ($g, $v, $k) => Some(typed::<$t>(kind, version, object)), )*
                _ => None,
            }
        };
    }
    kinds! {
        ("", "v1", "Namespace") => core::v1::Namespace,
        ("", "v1", "ConfigMap") => core::v1::ConfigMap,
        ("", "v1", "Secret") => core::v1::Secret,
        ("", "v1", "Service") => core::v1::Service,
        ("", "v1", "ServiceAccount") => core::v1::ServiceAccount,
        ("", "v1", "Pod") => core::v1::Pod,
        ("", "v1", "Node") => core::v1::Node,
        ("", "v1", "Event") => core::v1::Event,
        ("", "v1", "Endpoints") => core::v1::Endpoints,
        ("", "v1", "PersistentVolumeClaim") => core::v1::PersistentVolumeClaim,
        ("", "v1", "PersistentVolume") => core::v1::PersistentVolume,
        ("", "v1", "ResourceQuota") => core::v1::ResourceQuota,
        ("", "v1", "LimitRange") => core::v1::LimitRange,
        ("", "v1", "ReplicationController") => core::v1::ReplicationController,
        ("", "v1", "PodTemplate") => core::v1::PodTemplate,
        ("apps", "v1", "Deployment") => apps::v1::Deployment,
        ("apps", "v1", "ReplicaSet") => apps::v1::ReplicaSet,
        ("apps", "v1", "StatefulSet") => apps::v1::StatefulSet,
        ("apps", "v1", "DaemonSet") => apps::v1::DaemonSet,
        ("apps", "v1", "ControllerRevision") => apps::v1::ControllerRevision,
        ("batch", "v1", "Job") => batch::v1::Job,
        ("batch", "v1", "CronJob") => batch::v1::CronJob,
        ("autoscaling", "v2", "HorizontalPodAutoscaler") => autoscaling::v2::HorizontalPodAutoscaler,
        ("autoscaling", "v1", "Scale") => autoscaling::v1::Scale,
        ("autoscaling", "v1", "HorizontalPodAutoscaler") => autoscaling::v1::HorizontalPodAutoscaler,
        ("networking.k8s.io", "v1", "Ingress") => networking::v1::Ingress,
        ("networking.k8s.io", "v1", "NetworkPolicy") => networking::v1::NetworkPolicy,
        ("networking.k8s.io", "v1", "IngressClass") => networking::v1::IngressClass,
        ("policy", "v1", "PodDisruptionBudget") => policy::v1::PodDisruptionBudget,
        ("coordination.k8s.io", "v1", "Lease") => coordination::v1::Lease,
        ("discovery.k8s.io", "v1", "EndpointSlice") => discovery::v1::EndpointSlice,
        ("events.k8s.io", "v1", "Event") => events::v1::Event,
        ("rbac.authorization.k8s.io", "v1", "Role") => rbac::v1::Role,
        ("rbac.authorization.k8s.io", "v1", "RoleBinding") => rbac::v1::RoleBinding,
        ("rbac.authorization.k8s.io", "v1", "ClusterRole") => rbac::v1::ClusterRole,
        ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding") => rbac::v1::ClusterRoleBinding,
        ("certificates.k8s.io", "v1", "CertificateSigningRequest") => certificates::v1::CertificateSigningRequest,
        ("scheduling.k8s.io", "v1", "PriorityClass") => scheduling::v1::PriorityClass,
        ("storage.k8s.io", "v1", "StorageClass") => storage::v1::StorageClass,
        ("apiextensions.k8s.io", "v1", "CustomResourceDefinition") => apiextensions::CustomResourceDefinition,
        ("authentication.k8s.io", "v1", "TokenRequest") => authentication::v1::TokenRequest,
        ("authentication.k8s.io", "v1", "TokenReview") => authentication::v1::TokenReview,
        ("authentication.k8s.io", "v1", "SelfSubjectReview") => authentication::v1::SelfSubjectReview,
        ("authorization.k8s.io", "v1", "SelfSubjectAccessReview") => authorization::v1::SelfSubjectAccessReview,
        ("authorization.k8s.io", "v1", "SelfSubjectRulesReview") => authorization::v1::SelfSubjectRulesReview,
        ("authorization.k8s.io", "v1", "SubjectAccessReview") => authorization::v1::SubjectAccessReview,
        ("authorization.k8s.io", "v1", "LocalSubjectAccessReview") => authorization::v1::LocalSubjectAccessReview,
    }
}

fn typed<T: DeserializeOwned + Serialize>(
    kind: &str,
    version: &str,
    object: Value,
) -> Result<Normalized, DecodeError> {
    let error = |message: String| DecodeError {
        kind: kind.to_owned(),
        version: version.to_owned(),
        message,
    };
    let mut unknown_fields = Vec::new();
    let typed: T =
        serde_ignored::deserialize(object, |path| unknown_fields.push(field_path(&path)))
            .map_err(|source| error(source.to_string()))?;
    let object = serde_json::to_value(&typed).map_err(|source| error(source.to_string()))?;
    Ok(Normalized {
        object,
        unknown_fields,
    })
}

/// Renders a serde_ignored path as kube names fields: `spec.template.spec.containers[0].foo`.
fn field_path(path: &serde_ignored::Path<'_>) -> String {
    let mut parts: Vec<String> = Vec::new();
    collect(path, &mut parts);
    let mut out = String::new();
    for part in parts {
        if part.starts_with('[') || out.is_empty() {
            out.push_str(&part);
        } else {
            out.push('.');
            out.push_str(&part);
        }
    }
    out
}

fn collect(path: &serde_ignored::Path<'_>, parts: &mut Vec<String>) {
    use serde_ignored::Path;
    match path {
        Path::Root => {}
        Path::Seq { parent, index } => {
            collect(parent, parts);
            parts.push(format!("[{index}]"));
        }
        Path::Map { parent, key } => {
            collect(parent, parts);
            parts.push(key.clone());
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => collect(parent, parts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drops_and_reports_unknown_fields() {
        let deployment = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "bogus": 1, "creationTimestamp": null},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "nginx", "extra": true}]}}}
        });
        let normalized = normalize("apps", "v1", "Deployment", deployment)
            .unwrap()
            .unwrap();
        assert_eq!(
            normalized.unknown_fields,
            ["metadata.bogus", "spec.template.spec.containers[0].extra"]
        );
        assert!(normalized.object["metadata"].get("bogus").is_none());
        assert!(
            normalized.object["metadata"]
                .get("creationTimestamp")
                .is_none()
        );
        assert_eq!(
            normalized.object["spec"]["template"]["spec"]["containers"][0]["image"],
            "nginx"
        );
    }

    #[test]
    fn refuses_wrong_types_with_kubes_prefix() {
        let error = normalize(
            "",
            "v1",
            "ConfigMap",
            json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": 1}}),
        )
        .unwrap()
        .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("ConfigMap in version \"v1\" cannot be handled as a ConfigMap: "),
            "{error}"
        );
        assert!(normalize("example.com", "v1", "Widget", json!({})).is_none());
    }
}
