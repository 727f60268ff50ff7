//! Discovery: `/version`, legacy discovery (`/api`, `/apis`, `/apis/<group>`, resource lists)
//! and aggregated discovery (`apidiscovery.k8s.io` v2 and v2beta1), from the registry.

use axum::response::Response;
use http::{HeaderMap, StatusCode, header};
use hub_api::registry::ResourceDef;
use serde_json::{Value, json};

use crate::api::{json, json_as};
use crate::error::ApiError;
use crate::negotiate::Accept;
use crate::state::AppState;

/// The Kubernetes version the hub reports. kubectl's dispatcher picks its binary from
/// major/minor, so these say 1.32.
pub const GIT_VERSION: &str = "v1.32.4+nave";

const V2: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
const V2BETA1: &str = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

/// `/version`.
pub fn version() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "major": "1",
        "minor": "32",
        "gitVersion": GIT_VERSION,
        "gitCommit": env!("CARGO_PKG_VERSION"),
        "gitTreeState": "clean",
        "buildDate": "1970-01-01T00:00:00Z",
        "goVersion": "",
        "compiler": "rustc",
        "platform": format!("{}/{}", std::env::consts::OS, arch()),
    }))
    .unwrap_or_default()
}

fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// `/api`.
pub fn core_versions(
    state: &AppState,
    cluster: &str,
    accept: &Accept,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(content_type) = aggregated(accept) {
        return Ok(json_as(
            StatusCode::OK,
            content_type,
            aggregated_list(state, cluster, accept, true),
        ));
    }
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or("");
    let body = json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}],
    });
    Ok(json(StatusCode::OK, body.to_string()))
}

/// `/apis`.
pub fn groups(state: &AppState, cluster: &str, accept: &Accept) -> Result<Response, ApiError> {
    if let Some(content_type) = aggregated(accept) {
        return Ok(json_as(
            StatusCode::OK,
            content_type,
            aggregated_list(state, cluster, accept, false),
        ));
    }
    let groups: Vec<Value> = state
        .catalog
        .groups(cluster)
        .iter()
        .filter(|group| !group.name.is_empty())
        .map(|group| group_json(&group.name, &group.versions))
        .collect();
    Ok(json(
        StatusCode::OK,
        json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}).to_string(),
    ))
}

/// `/apis/<group>`.
pub fn group(state: &AppState, cluster: &str, name: &str) -> Result<Response, ApiError> {
    let group = state
        .catalog
        .groups(cluster)
        .into_iter()
        .find(|group| group.name == name && !group.name.is_empty())
        .ok_or(ApiError::NoRoute)?;
    let mut body = group_json(&group.name, &group.versions);
    if let Some(object) = body.as_object_mut() {
        object.insert("kind".into(), json!("APIGroup"));
        object.insert("apiVersion".into(), json!("v1"));
    }
    Ok(json(StatusCode::OK, body.to_string()))
}

/// `/api/v1` and `/apis/<group>/<version>`.
pub fn resource_list(
    state: &AppState,
    cluster: &str,
    group: &str,
    version: &str,
) -> Result<Response, ApiError> {
    let defs = state.catalog.group_version(cluster, group, version);
    if defs.is_empty() {
        return Err(ApiError::NoRoute);
    }
    let group_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    let mut resources = Vec::new();
    for def in &defs {
        let mut entry = json!({
            "name": def.resource,
            "singularName": def.singular,
            "namespaced": def.namespaced,
            "kind": def.kind,
            "verbs": def.verbs,
        });
        if let Some(object) = entry.as_object_mut() {
            if !def.short_names.is_empty() {
                object.insert("shortNames".into(), json!(def.short_names));
            }
            if !def.categories.is_empty() {
                object.insert("categories".into(), json!(def.categories));
            }
        }
        resources.push(entry);
        for sub in &def.subresources {
            let mut entry = json!({
                "name": format!("{}/{}", def.resource, sub.name),
                "singularName": "",
                "namespaced": def.namespaced,
                "kind": sub.kind,
                "verbs": sub.verbs,
            });
            if (sub.group != def.group || sub.version != def.version)
                && let Some(object) = entry.as_object_mut()
            {
                object.insert("group".into(), json!(sub.group));
                object.insert("version".into(), json!(sub.version));
            }
            resources.push(entry);
        }
    }
    let body = json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources});
    Ok(json(StatusCode::OK, body.to_string()))
}

fn group_json(name: &str, versions: &[String]) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .map(|version| json!({"groupVersion": format!("{name}/{version}"), "version": version}))
        .collect();
    let preferred = versions.first().cloned().unwrap_or(Value::Null);
    json!({"name": name, "versions": versions, "preferredVersion": preferred})
}

fn aggregated(accept: &Accept) -> Option<&'static str> {
    if accept.discovery_v2 {
        Some(V2)
    } else if accept.discovery_v2beta1 {
        Some(V2BETA1)
    } else {
        None
    }
}

/// The aggregated discovery document for the core group (`core`) or every other group.
fn aggregated_list(state: &AppState, cluster: &str, accept: &Accept, core: bool) -> String {
    let api_version = if accept.discovery_v2 {
        "apidiscovery.k8s.io/v2"
    } else {
        "apidiscovery.k8s.io/v2beta1"
    };
    let items: Vec<Value> = state
        .catalog
        .groups(cluster)
        .iter()
        .filter(|group| group.name.is_empty() == core)
        .map(|group| {
            let versions: Vec<Value> = group
                .versions
                .iter()
                .map(|version| {
                    let resources: Vec<Value> = state
                        .catalog
                        .group_version(cluster, &group.name, version)
                        .iter()
                        .map(|def| aggregated_resource(def))
                        .collect();
                    json!({"version": version, "resources": resources, "freshness": "Current"})
                })
                .collect();
            json!({"metadata": {"name": group.name, "creationTimestamp": null}, "versions": versions})
        })
        .collect();
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": api_version, "metadata": {}, "items": items}).to_string()
}

fn aggregated_resource(def: &ResourceDef) -> Value {
    let mut entry = json!({
        "resource": def.resource,
        "responseKind": {"group": def.group, "version": def.version, "kind": def.kind},
        "scope": if def.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": def.singular,
        "verbs": def.verbs,
    });
    if let Some(object) = entry.as_object_mut() {
        if !def.short_names.is_empty() {
            object.insert("shortNames".into(), json!(def.short_names));
        }
        if !def.categories.is_empty() {
            object.insert("categories".into(), json!(def.categories));
        }
        if !def.subresources.is_empty() {
            let subresources: Vec<Value> = def
                .subresources
                .iter()
                .map(|sub| {
                    json!({
                        "subresource": sub.name,
                        "responseKind": {"group": sub.group, "version": sub.version, "kind": sub.kind},
                        "verbs": sub.verbs,
                    })
                })
                .collect();
            object.insert("subresources".into(), Value::Array(subresources));
        }
    }
    entry
}
