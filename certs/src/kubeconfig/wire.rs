//! The kubeconfig file format (`apiVersion: v1`, `kind: Config`) as serde types: only the fields
//! this crate writes or reads; others are ignored when parsing.

use serde::{Deserialize, Serialize};

/// A kubeconfig document.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Config {
    #[serde(rename = "apiVersion", default)]
    pub(super) api_version: String,
    #[serde(default)]
    pub(super) kind: String,
    // Lists are optional so that `clusters: null` (as kubectl may write) parses.
    #[serde(default)]
    pub(super) clusters: Option<Vec<NamedCluster>>,
    #[serde(default)]
    pub(super) contexts: Option<Vec<NamedContext>>,
    #[serde(rename = "current-context", default)]
    pub(super) current_context: String,
    #[serde(default)]
    pub(super) users: Option<Vec<NamedUser>>,
}

/// One entry of `clusters`.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct NamedCluster {
    pub(super) name: String,
    #[serde(default)]
    pub(super) cluster: ClusterFields,
}

/// `cluster:` of a `clusters` entry.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct ClusterFields {
    #[serde(default)]
    pub(super) server: String,
    #[serde(
        rename = "certificate-authority-data",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(super) certificate_authority_data: Option<String>,
    #[serde(
        rename = "certificate-authority",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(super) certificate_authority: Option<String>,
}

/// One entry of `contexts`.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct NamedContext {
    pub(super) name: String,
    #[serde(default)]
    pub(super) context: ContextFields,
}

/// `context:` of a `contexts` entry.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct ContextFields {
    #[serde(default)]
    pub(super) cluster: String,
    #[serde(default)]
    pub(super) user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) namespace: Option<String>,
}

/// One entry of `users`.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct NamedUser {
    pub(super) name: String,
    #[serde(default)]
    pub(super) user: UserFields,
}

/// `user:` of a `users` entry.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct UserFields {
    #[serde(
        rename = "client-certificate-data",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(super) client_certificate_data: Option<String>,
    #[serde(
        rename = "client-key-data",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(super) client_key_data: Option<String>,
    #[serde(
        rename = "client-certificate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(super) client_certificate: Option<String>,
    #[serde(
        rename = "client-key",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub(super) client_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) token: Option<String>,
}
