//! Authorization reviews (`SelfSubjectAccessReview`, `SelfSubjectRulesReview`,
//! `SubjectAccessReview`, `LocalSubjectAccessReview`), answered with kube's RBAC semantics over
//! the logical cluster's RBAC objects and the default policy.
//!
//! The index of a cluster is built on its first review and dropped when one of its RBAC objects
//! changes, so clusters that never ask cost nothing. Enforcing RBAC on every request is not done
//! here yet: the hub still authorizes every authenticated request.

use std::collections::HashMap;
use std::sync::Arc;

use hub_api::rbac::{Attributes, RbacIndex, UserInfo};
use parking_lot::Mutex;
use serde_json::{Map, Value, json};

use crate::api::Ctx;
use crate::error::ApiError;
use crate::fanout::Fanout;
use crate::keys;
use crate::objects::Objects;

const RBAC_RESOURCES: [&str; 4] = [
    "roles",
    "rolebindings",
    "clusterroles",
    "clusterrolebindings",
];

/// Per-cluster RBAC indexes, built on demand.
#[derive(Default)]
pub struct Reviews {
    indexes: Mutex<HashMap<String, Arc<RbacIndex>>>,
}

impl std::fmt::Debug for Reviews {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reviews")
            .field("clusters", &self.indexes.lock().len())
            .finish()
    }
}

impl Reviews {
    /// Starts following RBAC changes (to drop stale indexes).
    pub async fn start(fanout: &Fanout) -> Result<Arc<Reviews>, ApiError> {
        let reviews = Arc::new(Reviews::default());
        for resource in RBAC_RESOURCES {
            let prefix = format!("{}rbac.authorization.k8s.io/{resource}/", keys::ROOT);
            let mut subscription = fanout
                .subscribe(&prefix, fanout.position())
                .await
                .map_err(|error| ApiError::Internal(error.to_string()))?;
            let weak = Arc::downgrade(&reviews);
            tokio::spawn(async move {
                loop {
                    let change = subscription.next().await;
                    let Some(reviews) = weak.upgrade() else {
                        return;
                    };
                    match change {
                        Some(Ok(change)) => {
                            let cluster = change
                                .key
                                .strip_prefix(&prefix)
                                .and_then(|rest| rest.split('/').next());
                            if let Some(cluster) = cluster {
                                reviews.indexes.lock().remove(cluster);
                            }
                        }
                        // The subscription ended: forget everything rather than serve stale answers.
                        _ => {
                            reviews.indexes.lock().clear();
                            return;
                        }
                    }
                }
            });
        }
        Ok(reviews)
    }

    /// Forgets `cluster`'s index after a write to one of its RBAC objects (the fan-out does the
    /// same for writes made by other hubs, a moment later).
    pub fn invalidate(&self, cluster: &str) {
        self.indexes.lock().remove(cluster);
    }

    async fn index(
        &self,
        objects: &Objects,
        catalog: &crate::catalog::Catalog,
        cluster: &str,
    ) -> Result<Arc<RbacIndex>, ApiError> {
        if let Some(index) = self.indexes.lock().get(cluster) {
            return Ok(Arc::clone(index));
        }
        let mut all: Vec<Value> = hub_api::rbac::default_cluster_roles();
        all.extend(hub_api::rbac::default_cluster_role_bindings());
        for resource in RBAC_RESOURCES {
            let Some(def) = catalog
                .builtin()
                .lookup("rbac.authorization.k8s.io", "v1", resource)
                .cloned()
            else {
                continue;
            };
            let mut after: Option<String> = None;
            loop {
                let page = objects
                    .list(&def, cluster, None, after.as_deref(), 1000, 0)
                    .await?;
                for (_, stored) in &page.items {
                    all.push(Value::Object(stored.object()?));
                }
                if !page.more {
                    break;
                }
                after = page.items.last().map(|(key, _)| key.clone());
            }
        }
        let index = Arc::new(RbacIndex::from_objects(all.iter()));
        self.indexes
            .lock()
            .insert(cluster.to_owned(), Arc::clone(&index));
        Ok(index)
    }
}

/// The `status` of an authorization review of `kind`.
pub async fn review(ctx: &Ctx, kind: &str, review: &Map<String, Value>) -> Result<Value, ApiError> {
    let spec = review.get("spec").cloned().unwrap_or_else(|| json!({}));
    let user = match kind {
        "SelfSubjectAccessReview" | "SelfSubjectRulesReview" => UserInfo {
            name: ctx.identity.user.clone(),
            groups: ctx.identity.groups.clone(),
            ..UserInfo::default()
        },
        _ => UserInfo {
            name: spec
                .get("user")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            groups: spec
                .get("groups")
                .and_then(Value::as_array)
                .map(|groups| {
                    groups
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            ..UserInfo::default()
        },
    };
    let index = ctx
        .state
        .reviews
        .index(&ctx.state.objects, &ctx.state.catalog, &ctx.cluster)
        .await?;
    if kind == "SelfSubjectRulesReview" {
        let namespace = spec.get("namespace").and_then(Value::as_str).unwrap_or("");
        if hub_api::rbac::is_superuser(&user) {
            return Ok(json!({
                "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
                "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
                "incomplete": false
            }));
        }
        return Ok(index.rules_for(&user, namespace).status_json());
    }
    let namespace_default = if kind == "LocalSubjectAccessReview" {
        ctx.namespace().unwrap_or("")
    } else {
        ""
    };
    let attributes = if let Some(resource) = spec.get("resourceAttributes") {
        let text = |field: &str| resource.get(field).and_then(Value::as_str).unwrap_or("");
        let namespace = if text("namespace").is_empty() {
            namespace_default
        } else {
            text("namespace")
        };
        Attributes::resource(
            &user,
            text("verb"),
            namespace,
            text("group"),
            text("resource"),
            text("subresource"),
            text("name"),
        )
    } else if let Some(non_resource) = spec.get("nonResourceAttributes") {
        let text = |field: &str| {
            non_resource
                .get(field)
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        Attributes::non_resource(&user, text("verb"), text("path"))
    } else {
        return Err(ApiError::invalid(
            kind,
            "authorization.k8s.io",
            "",
            "spec.resourceAttributes",
            "FieldValueRequired",
            "Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified",
        ));
    };
    if hub_api::rbac::is_superuser(&user) {
        return Ok(json!({"allowed": true}));
    }
    let decision = index.authorize(&attributes);
    let mut status = json!({"allowed": decision.allowed});
    if !decision.reason.is_empty()
        && let Some(object) = status.as_object_mut()
    {
        object.insert("reason".into(), json!(decision.reason));
    }
    Ok(status)
}
