//! Authorization reviews (`SelfSubjectAccessReview`, `SelfSubjectRulesReview`,
//! `SubjectAccessReview`, `LocalSubjectAccessReview`), answered with kube's RBAC semantics over
//! the logical cluster's RBAC objects and the default policy.
//!
//! Also the authorization of every request ([`authorize`], called by the middleware after
//! authentication): kube-apiserver's `RequestInfo` attributes of the request, checked against the
//! logical cluster's RBAC index, and the escalation checks of writes to RBAC objects
//! ([`check_write`]). Members of `system:masters` bypass both without an index being built.
//!
//! The index of a cluster is built on its first use and dropped when one of its RBAC objects
//! changes; it is shared by every request to the cluster. It holds only the cluster's own RBAC
//! objects, layered over one shared index of the default policy, so a cluster with a binding or
//! two costs kilobytes, not a copy of the defaults.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use http::Method;
use hub_api::rbac::{
    Attributes, BindingWrite, RbacIndex, RoleWrite, UserInfo, WriteDenied, check_binding_write,
    check_role_write,
};
use parking_lot::Mutex;
use serde_json::{Map, Value, json};

use crate::api::Ctx;
use crate::auth::Identity;
use crate::error::{ApiError, Target};
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
    /// Bumped by every invalidation: an index whose build began before the last invalidation
    /// may miss a change, so it is used once but not cached.
    epoch: AtomicU64,
    /// The default policy alone, for requests to clusters that do not exist (not cached per
    /// name, so arbitrary names cost nothing).
    defaults: OnceLock<Arc<RbacIndex>>,
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
                                reviews.invalidate(cluster);
                            }
                        }
                        // The subscription ended: forget everything rather than serve stale answers.
                        _ => {
                            let mut indexes = reviews.indexes.lock();
                            indexes.clear();
                            reviews.epoch.fetch_add(1, Ordering::SeqCst);
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
        let mut indexes = self.indexes.lock();
        indexes.remove(cluster);
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    /// The index of the default policy alone.
    fn defaults(&self) -> Arc<RbacIndex> {
        Arc::clone(
            self.defaults
                .get_or_init(|| Arc::new(RbacIndex::from_objects(default_policy().iter()))),
        )
    }

    async fn index(
        &self,
        objects: &Objects,
        catalog: &crate::catalog::Catalog,
        cluster: &str,
    ) -> Result<Arc<RbacIndex>, ApiError> {
        let epoch = {
            let indexes = self.indexes.lock();
            if let Some(index) = indexes.get(cluster) {
                return Ok(Arc::clone(index));
            }
            self.epoch.load(Ordering::SeqCst)
        };
        let mut own = Vec::new();
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
                    own.push(Value::Object(stored.object()?));
                }
                if !page.more {
                    break;
                }
                after = page.items.last().map(|(key, _)| key.clone());
            }
        }
        // The cluster's own objects over the shared default policy; a flat copy of both only
        // when the cluster's ClusterRoles aggregate with the defaults' (rare).
        let index = Arc::new(
            RbacIndex::layered(self.defaults(), own.iter()).unwrap_or_else(|| {
                let mut all = default_policy();
                all.append(&mut own);
                RbacIndex::from_objects(all.iter())
            }),
        );
        let mut indexes = self.indexes.lock();
        if self.epoch.load(Ordering::SeqCst) == epoch {
            indexes.insert(cluster.to_owned(), Arc::clone(&index));
        }
        Ok(index)
    }
}

/// The `status` of an authorization review of `kind`.
pub async fn review(ctx: &Ctx, kind: &str, review: &Map<String, Value>) -> Result<Value, ApiError> {
    let spec = review.get("spec").cloned().unwrap_or_else(|| json!({}));
    let user = match kind {
        "SelfSubjectAccessReview" | "SelfSubjectRulesReview" => user_info(&ctx.identity),
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

/// The default ClusterRoles and ClusterRoleBindings every logical cluster starts from.
fn default_policy() -> Vec<Value> {
    let mut all = hub_api::rbac::default_cluster_roles();
    all.extend(hub_api::rbac::default_cluster_role_bindings());
    all
}

/// The RBAC user of an authenticated identity.
pub fn user_info(identity: &Identity) -> UserInfo {
    UserInfo {
        name: identity.user.clone(),
        groups: identity.groups.clone(),
        ..UserInfo::default()
    }
}

/// Authorizes a request to `cluster` by `identity`: `method` on `path` (after the cluster
/// prefix) with `query`. Members of `system:masters` pass without an index; anyone else needs
/// an RBAC rule of the cluster (or of the default policy) allowing kube's attributes of the
/// request, or gets kube's `403 Forbidden`.
pub async fn authorize(
    state: &crate::state::AppState,
    cluster: &str,
    identity: &Identity,
    method: &Method,
    path: &str,
    query: Option<&str>,
) -> Result<(), ApiError> {
    if identity.is_superuser() {
        return Ok(());
    }
    let attributes = attributes(user_info(identity), method, path, query);
    authorize_attributes(state, cluster, &attributes).await
}

/// Whether a binding of `cluster` itself (not the default policy) names `identity` or one of
/// its specific groups: whether it is a member of that logical cluster.
pub async fn is_member(
    state: &crate::state::AppState,
    cluster: &str,
    identity: &Identity,
) -> Result<bool, ApiError> {
    let index = state
        .reviews
        .index(&state.objects, &state.catalog, cluster)
        .await?;
    Ok(index.binds(&user_info(identity)))
}

/// Authorizes `attributes` in `cluster` (members of `system:masters` pass without an index), or
/// refuses them with kube's `403 Forbidden` (`responsewriters.Forbidden`). Used for the request
/// itself ([`authorize`]) and for impersonation (`impersonation.rs`).
pub async fn authorize_attributes(
    state: &crate::state::AppState,
    cluster: &str,
    attributes: &Attributes,
) -> Result<(), ApiError> {
    if hub_api::rbac::is_superuser(&attributes.user) {
        return Ok(());
    }
    // A cluster that does not exist has no RBAC objects: the default policy alone answers, so
    // the request is refused (or, for discovery, reaches the router's 404) without caching an
    // index per unknown name.
    let index = if state.clusters.exists(cluster) {
        state
            .reviews
            .index(&state.objects, &state.catalog, cluster)
            .await?
    } else {
        state.reviews.defaults()
    };
    let decision = index.authorize(attributes);
    if decision.allowed {
        return Ok(());
    }
    Err(ApiError::Forbidden {
        target: Some(Target::new(
            &attributes.api_group,
            &attributes.resource,
            &attributes.name,
        )),
        message: hub_api::rbac::forbidden_message(attributes, &decision.reason),
        causes: Vec::new(),
    })
}

/// kube-apiserver's authorization attributes of a request (`RequestInfoFactory.NewRequestInfo`):
/// `/api/<version>/…` and `/apis/<group>/<version>/…` are resource requests (verbs `get`,
/// `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`; a `/watch/`
/// segment or `watch=true` on a collection is `watch`; `fieldSelector=metadata.name=x` on a list
/// or watch names `x`); anything else is a non-resource request with the lower-cased method.
pub fn attributes(user: UserInfo, method: &Method, path: &str, query: Option<&str>) -> Attributes {
    let non_resource = |user: UserInfo| Attributes {
        user,
        verb: method.as_str().to_ascii_lowercase(),
        path: path.to_owned(),
        ..Attributes::default()
    };
    let trimmed = path.trim_matches('/');
    let mut parts: Vec<&str> = if trimmed.is_empty() {
        Vec::new()
    } else {
        trimmed.split('/').collect()
    };
    if parts.len() < 3 || !matches!(parts[0], "api" | "apis") {
        return non_resource(user);
    }
    let mut api_group = "";
    if parts[0] == "apis" {
        if parts.len() < 4 {
            return non_resource(user);
        }
        api_group = parts[1];
        parts.drain(..2);
    } else {
        parts.drain(..1);
    }
    // parts: version, …
    parts.drain(..1);
    let mut verb = match *method {
        Method::POST => "create",
        Method::GET | Method::HEAD => "get",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE => "delete",
        _ => "",
    };
    let mut special = false;
    if matches!(parts[0], "watch" | "proxy") {
        if parts.len() < 2 {
            // kube refuses to build request info; nothing grants an unnamed resource.
            return Attributes {
                user,
                verb: parts[0].to_owned(),
                api_group: api_group.to_owned(),
                resource_request: true,
                path: path.to_owned(),
                ..Attributes::default()
            };
        }
        verb = if parts[0] == "watch" {
            "watch"
        } else {
            "proxy"
        };
        special = true;
        parts.drain(..1);
    }
    let mut namespace = "";
    if parts[0] == "namespaces" && parts.len() > 1 {
        namespace = parts[1];
        if parts.len() > 2 && !matches!(parts[2], "status" | "finalize") {
            parts.drain(..2);
        }
    }
    let resource = parts[0];
    let name = parts.get(1).copied().unwrap_or("");
    let subresource = if parts.len() >= 3 && !(special && verb == "proxy") {
        parts[2]
    } else {
        ""
    };
    let mut name = name.to_owned();
    if name.is_empty() && verb == "get" {
        let mut watch = false;
        let mut field_selector = None;
        if let Some(query) = query {
            for (key, value) in form_urlencoded::parse(query.as_bytes()) {
                match key.as_ref() {
                    // The first value counts (`[]string` to `bool`: anything but `0`/`false`).
                    "watch" if !watch => {
                        watch = !(value == "0" || value.eq_ignore_ascii_case("false"));
                    }
                    "fieldSelector" if field_selector.is_none() => {
                        field_selector = Some(value.into_owned());
                    }
                    _ => {}
                }
            }
        }
        verb = if watch { "watch" } else { "list" };
        if let Some(selector) = field_selector
            && let Ok(selector) = hub_api::selectors::FieldSelector::parse(&selector)
            && let Some(exact) = selector.requires_exact_match("metadata.name")
            && !matches!(exact, "." | "..")
            && !exact.contains(['/', '%'])
        {
            name = exact.to_owned();
        }
    }
    if name.is_empty() && verb == "delete" {
        verb = "deletecollection";
    }
    Attributes {
        user,
        verb: verb.to_owned(),
        namespace: namespace.to_owned(),
        api_group: api_group.to_owned(),
        resource: resource.to_owned(),
        subresource: subresource.to_owned(),
        name,
        resource_request: true,
        path: path.to_owned(),
    }
}

/// kube's escalation checks of a create, update or patch of a Role, ClusterRole, RoleBinding
/// or ClusterRoleBinding (`object` as it will be stored, `old` the stored object it replaces):
/// the user must already hold what the role grants or may `escalate`/`bind`.
pub async fn check_write(
    ctx: &Ctx,
    object: &Map<String, Value>,
    old: Option<&Map<String, Value>>,
) -> Result<(), ApiError> {
    if ctx.def.group != hub_api::rbac::RBAC_GROUP
        || !RBAC_RESOURCES.contains(&ctx.def.resource.as_str())
        || ctx.identity.is_superuser()
    {
        return Ok(());
    }
    let index = ctx
        .state
        .reviews
        .index(&ctx.state.objects, &ctx.state.catalog, &ctx.cluster)
        .await?;
    let user = user_info(&ctx.identity);
    let object = Value::Object(object.clone());
    let old = old.map(|old| Value::Object(old.clone()));
    let namespace = ctx.namespace().unwrap_or("");
    let resource = ctx.def.resource.as_str();
    let checked = if matches!(resource, "roles" | "clusterroles") {
        check_role_write(
            &index,
            &user,
            &RoleWrite {
                resource,
                namespace,
                request_name: ctx.path.name.as_deref().unwrap_or(""),
                object: &object,
                old: old.as_ref(),
            },
        )
    } else {
        check_binding_write(
            &index,
            &user,
            &BindingWrite {
                resource,
                namespace,
                object: &object,
                old: old.as_ref(),
            },
        )
    };
    checked.map_err(|denied| {
        let message = denied.to_string();
        match denied {
            WriteDenied::Forbidden { resource, name, .. } => ApiError::Forbidden {
                target: Some(Target::new(hub_api::rbac::RBAC_GROUP, &resource, &name)),
                message,
                causes: Vec::new(),
            },
            WriteDenied::RoleNotFound { resource, name } => {
                ApiError::not_found(hub_api::rbac::RBAC_GROUP, &resource, &name)
            }
            WriteDenied::Internal(message) => ApiError::Internal(message),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(
        method: Method,
        path: &str,
        query: Option<&str>,
    ) -> (String, String, String, String, String, String, bool) {
        let a = attributes(UserInfo::default(), &method, path, query);
        (
            a.verb,
            a.namespace,
            a.api_group,
            a.resource,
            a.subresource,
            a.name,
            a.resource_request,
        )
    }

    fn tuple(
        verb: &str,
        namespace: &str,
        group: &str,
        resource: &str,
        subresource: &str,
        name: &str,
    ) -> (String, String, String, String, String, String, bool) {
        (
            verb.into(),
            namespace.into(),
            group.into(),
            resource.into(),
            subresource.into(),
            name.into(),
            true,
        )
    }

    #[test]
    fn request_info_like_kube() {
        assert_eq!(
            info(Method::GET, "/api/v1/namespaces/d/pods", None),
            tuple("list", "d", "", "pods", "", "")
        );
        assert_eq!(
            info(Method::GET, "/api/v1/namespaces/d/pods", Some("watch=true")),
            tuple("watch", "d", "", "pods", "", "")
        );
        assert_eq!(
            info(
                Method::GET,
                "/api/v1/namespaces/d/pods",
                Some("watch=false")
            ),
            tuple("list", "d", "", "pods", "", "")
        );
        assert_eq!(
            info(Method::GET, "/api/v1/watch/namespaces/d/pods/p", None),
            tuple("watch", "d", "", "pods", "", "p")
        );
        assert_eq!(
            info(
                Method::GET,
                "/api/v1/namespaces/d/pods",
                Some("watch=1&fieldSelector=metadata.name%3Dweb")
            ),
            tuple("watch", "d", "", "pods", "", "web")
        );
        assert_eq!(
            info(
                Method::GET,
                "/api/v1/pods",
                Some("fieldSelector=metadata.name!%3Dweb")
            ),
            tuple("list", "", "", "pods", "", "")
        );
        assert_eq!(
            info(
                Method::GET,
                "/apis/apps/v1/namespaces/d/deployments/w/scale",
                None
            ),
            tuple("get", "d", "apps", "deployments", "scale", "w")
        );
        assert_eq!(
            info(Method::POST, "/apis/apps/v1/namespaces/d/deployments", None),
            tuple("create", "d", "apps", "deployments", "", "")
        );
        assert_eq!(
            info(Method::DELETE, "/api/v1/namespaces/d/configmaps", None),
            tuple("deletecollection", "d", "", "configmaps", "", "")
        );
        assert_eq!(
            info(Method::DELETE, "/api/v1/namespaces/d/configmaps/c", None),
            tuple("delete", "d", "", "configmaps", "", "c")
        );
        // The namespace object is in its own namespace.
        assert_eq!(
            info(Method::GET, "/api/v1/namespaces/x", None),
            tuple("get", "x", "", "namespaces", "", "x")
        );
        assert_eq!(
            info(Method::PUT, "/api/v1/namespaces/x/finalize", None),
            tuple("update", "x", "", "namespaces", "finalize", "x")
        );
        assert_eq!(
            info(
                Method::PATCH,
                "/apis/rbac.authorization.k8s.io/v1/clusterroles/r",
                None
            ),
            tuple(
                "patch",
                "",
                "rbac.authorization.k8s.io",
                "clusterroles",
                "",
                "r"
            )
        );
        for (method, path, verb) in [
            (Method::GET, "/api", "get"),
            (Method::GET, "/apis", "get"),
            (Method::GET, "/api/v1", "get"),
            (Method::GET, "/apis/apps/v1", "get"),
            (Method::GET, "/openapi/v3/apis/apps/v1", "get"),
            (Method::POST, "/metrics", "post"),
        ] {
            let a = attributes(UserInfo::default(), &method, path, None);
            assert!(!a.resource_request, "{path}");
            assert_eq!((a.verb.as_str(), a.path.as_str()), (verb, path));
        }
    }
}
