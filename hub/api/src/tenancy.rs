//! The `tenancy.nave.dev/v1alpha1` API: `Workspace`, the object in a parent logical cluster that
//! makes a child logical cluster exist, with the names, phases and markers the hub and its clients
//! agree on. The types give the OpenAPI schema; the hub handles workspaces as JSON.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The API group.
pub const GROUP: &str = "tenancy.nave.dev";
/// The API version.
pub const VERSION: &str = "v1alpha1";
/// The plural resource.
pub const RESOURCE: &str = "workspaces";
/// The kind.
pub const KIND: &str = "Workspace";
/// The finalizer that holds a deleted Workspace until its logical cluster is gone.
pub const FINALIZER: &str = "tenancy.nave.dev/workspace";
/// The annotation recording who created a Workspace (JSON `{"username", "groups"}`).
pub const OWNER_ANNOTATION: &str = "tenancy.nave.dev/owner";
/// The annotation naming an object's logical cluster in wildcard (`/clusters/*`) answers.
pub const CLUSTER_ANNOTATION: &str = "nave.dev/cluster";
/// The id (and path) of the root logical cluster.
pub const ROOT: &str = "root";
/// The type of a Workspace without `spec.type`.
pub const DEFAULT_TYPE: &str = "universal";
/// The ClusterRoleBinding that makes a workspace's creator its admin.
pub const ADMIN_BINDING: &str = "workspace-admin";

/// `Workspace.status.phase`.
pub mod phase {
    /// The logical cluster is being set up.
    pub const INITIALIZING: &str = "Initializing";
    /// The logical cluster serves requests.
    pub const READY: &str = "Ready";
    /// The logical cluster and everything below it are being deleted.
    pub const TERMINATING: &str = "Terminating";
}

/// A workspace: a logical cluster below the one this object lives in.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "dev.nave.tenancy.v1alpha1.Workspace")]
pub struct Workspace {
    /// APIVersion defines the versioned schema of this representation of an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind is a string value representing the REST resource this object represents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Standard object metadata. The name is the last segment of the workspace's path.
    pub metadata: ObjectMeta,
    /// What the parent's admin asks for.
    #[serde(default)]
    pub spec: WorkspaceSpec,
    /// What the hub reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<WorkspaceStatus>,
}

/// `Workspace.spec`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "dev.nave.tenancy.v1alpha1.WorkspaceSpec")]
pub struct WorkspaceSpec {
    /// The workspace's type, a DNS label; `universal` when not given. Immutable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// The most objects the workspace may hold (all resources, all namespaces); no limit when
    /// absent. Set by the parent's admin: the workspace's own users cannot change it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_objects: Option<i64>,
}

/// `Workspace.status`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "dev.nave.tenancy.v1alpha1.WorkspaceStatus")]
pub struct WorkspaceStatus {
    /// `Initializing`, `Ready` or `Terminating`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// The logical cluster's opaque, immutable id: `/clusters/<id>` serves it as its path does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// The URL of the workspace's Kubernetes API: `https://<hub>/clusters/<path>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl k8s_openapi::Resource for Workspace {
    const API_VERSION: &'static str = "tenancy.nave.dev/v1alpha1";
    const GROUP: &'static str = GROUP;
    const KIND: &'static str = KIND;
    const VERSION: &'static str = VERSION;
    const URL_PATH_SEGMENT: &'static str = RESOURCE;
    type Scope = k8s_openapi::ClusterResourceScope;
}

/// Whether `path` is a workspace path (`root` or `root:a:b`) rather than a logical cluster id:
/// paths start at `root`, ids never contain `:`.
pub fn is_path(reference: &str) -> bool {
    reference == ROOT || reference.starts_with("root:")
}

/// The path of `name` below `parent`.
pub fn child_path(parent: &str, name: &str) -> String {
    format!("{parent}:{name}")
}

/// A logical cluster id from 128 random bits (e.g. a v4 UUID's): 16 characters of lower-case
/// base36, the first a letter, so ids never collide in practice (kcp's scheme, 82 bits) and never
/// look like a path.
pub fn cluster_id(random: u128) -> String {
    const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut rest = random;
    let mut id = String::with_capacity(16);
    id.push(char::from(ALPHABET[10 + (rest % 26) as usize]));
    rest /= 26;
    for _ in 1..16 {
        id.push(char::from(ALPHABET[(rest % 36) as usize]));
        rest /= 36;
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_base36_and_never_paths() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..1000u128 {
            let id = cluster_id(i.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835));
            assert_eq!(id.len(), 16);
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
            );
            assert!(!is_path(&id));
            assert!(seen.insert(id));
        }
        assert!(is_path("root"));
        assert!(is_path("root:a:b"));
        assert!(!is_path("rootx"));
        assert_eq!(child_path("root:a", "b"), "root:a:b");
    }
}
